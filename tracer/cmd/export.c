// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * export: writes one table of a trace DB as JSON Lines or CSV (see
 * export.h), streamed row by row from one SELECT, which is one read
 * transaction and so one snapshot. Which table and where to is the
 * command's (cmd_export.c).
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd/export.h"
#include "cmd/json.h"

/* Whether s[0..len) is a plain decimal number: [+-]digits[.digits][e[+-]digits]. */
static bool plain_number(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			digits++;
	if (!digits)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			exp++;
		if (!exp)
			return false;
	}
	return i == len;
}

/* A spreadsheet runs a cell that begins with one of these as a formula
 * (CSV injection): such text gets a leading single quote, the usual
 * defence, unless it is a plain number. */
static bool formula_like(const char *s, size_t len)
{
	return len && strchr("=+-@\t\r", s[0]) && !plain_number(s, len);
}

void export__csv_field(FILE *out, const char *s, size_t len)
{
	bool quote_it = formula_like(s, len);
	size_t i;

	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\r', len) &&
	    !memchr(s, '\n', len)) {
		if (quote_it)
			fputc('\'', out);
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	if (quote_it)
		fputc('\'', out);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

/* Table names cannot be bound as parameters, so only these reach SQL. */
static const char *const tables[] = {"calls",	  "messages", "sessions",    "runs",
				     "processes", "losses",   "parse_errors"};

/* The index of table in tables[], or -1. */
static int table_index(const char *table)
{
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (!strcmp(table, tables[i]))
			return (int)i;
	return -1;
}

bool export__has_table(const char *table)
{
	return table_index(table) >= 0;
}

static void csv_row(FILE *out, sqlite3_stmt *st, bool header)
{
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		if (header) {
			const char *name = sqlite3_column_name(st, i);

			export__csv_field(out, name ? name : "", name ? strlen(name) : 0);
			continue;
		}
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			fprintf(out, "%.17g", sqlite3_column_double(st, i));
			break;
		case SQLITE_NULL:
			break;
		default: {
			const char *t = (const char *)sqlite3_column_blob(st, i);

			export__csv_field(out, t ? t : "",
					  t ? (size_t)sqlite3_column_bytes(st, i) : 0);
		}
		}
	}
	fputs("\r\n", out);
}

int export__write(sqlite3 *db, FILE *out, const char *table, enum export_format fmt)
{
	char sql[96];
	sqlite3_stmt *st = NULL;
	int i = table_index(table), rc;

	if (i < 0) {
		fprintf(stderr, "mcptrace: no table '%s' to export\n", table);
		return -EINVAL;
	}
	snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY id", tables[i]);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && fmt == EXPORT_CSV)
		csv_row(out, st, true);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if (fmt == EXPORT_CSV)
			csv_row(out, st, false);
		else
			json__row(out, st);
		if (ferror(out))
			break;
	}
	sqlite3_finalize(st);
	if (ferror(out)) {
		fprintf(stderr, "mcptrace: failed to write the export: %s\n", strerror(errno));
		return -EIO;
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "mcptrace: failed to read %s from %s: %s\n", tables[i],
			sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}
