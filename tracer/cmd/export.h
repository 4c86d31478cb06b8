/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * export: one table of a trace DB, every row and column, as JSON Lines or
 * CSV (mcptrace export). Integers are copied as SQLite holds them; NULL is
 * null in JSON and an empty field in CSV.
 */
#ifndef MT_EXPORT_H
#define MT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sqlite3;

enum export_format { EXPORT_JSONL, EXPORT_CSV };

/* Streams every row and column of table (one of the trace DB's tables).
 * Returns 0 or a negative errno after a line on stderr. */
int export__write(struct sqlite3 *db, FILE *out, const char *table, enum export_format fmt);

/* Whether table is one export__write() takes. */
bool export__has_table(const char *table);

/* Writes s[0..len) as one CSV field per RFC 4180: quoted, with quotes
 * doubled, when it holds a comma, a quote, CR or LF; text a spreadsheet
 * would run as a formula (first byte =, +, -, @, tab or CR, plain numbers
 * aside) gets a leading single quote. */
void export__csv_field(FILE *out, const char *s, size_t len);

#endif
