/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json: JSON writers of the read commands (calls, sessions, show, export).
 * They copy integers exactly (nanosecond times exceed 2^53, so never
 * through a double), stream row by row, and keep the output valid JSON
 * whatever bytes the traced programs sent.
 */
#ifndef MT_JSON_H
#define MT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sqlite3_stmt;
struct cJSON;

/* Writes s[0..len) as a JSON string: escaped, bytes that are not UTF-8
 * replaced by U+FFFD so the output stays valid JSON. */
void json__string(FILE *out, const char *s, size_t len);

/* Writes the current row of st as one JSON object and a newline: each
 * column under its name, integers exact, NULL as null. */
void json__row(FILE *out, struct sqlite3_stmt *st);
/* The same fields without the braces, for callers that add their own. */
void json__fields(FILE *out, struct sqlite3_stmt *st);
/* Column i of st's row as one JSON value. */
void json__value(FILE *out, struct sqlite3_stmt *st, int i);

/* True when text[0..len) is one complete JSON value in valid UTF-8. */
bool json__is_valid(const char *text, size_t len);
/* Pretty-prints valid JSON (json__is_valid) with two-space indents,
 * copying every token as it is, so numbers keep all their digits. */
void json__pretty(FILE *out, const char *text, size_t len);

/* Writes o unformatted and a newline (one line of JSON Lines) when it is
 * complete (every add to it succeeded), and deletes it either way. Returns
 * 0, or -ENOMEM for an incomplete or NULL o or a failed print. */
int json__put_line(FILE *out, struct cJSON *o, bool complete);

#endif
