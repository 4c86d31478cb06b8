/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * query: what the read-only commands (calls, sessions, show, export) share
 * before any output: parsing durations and points in time typed by users,
 * and turning the calls filters into a WHERE clause whose values are bound
 * as SQL parameters, never pasted into the text. Output is elsewhere:
 * tables and terminal-safe text in cmd/text.h, JSON in cmd/json.h.
 *
 * Parsers print nothing: they return 0 or a negative errno and the command
 * words the message, naming its own option.
 */
#ifndef MT_QUERY_H
#define MT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;
struct sqlite3_stmt;

/* A duration: a decimal number (a fraction is allowed) and a unit, one of
 * ns, us, ms, s, m, h, d: "250ms", "1.5s", "10m". Returns 0, -EINVAL for
 * text of another form, or -ERANGE past INT64_MAX ns. */
int query__parse_duration(const char *text, int64_t *out_ns);

/*
 * A point in time, as epoch nanoseconds:
 *  - an epoch number: up to 14 digits is milliseconds, 17 or more is
 *    nanoseconds (1700000000000 or 1700000000000000000); other lengths are
 *    refused as ambiguous;
 *  - an ISO-8601 date-time in UTC ("Z") or with an offset:
 *    2024-05-01T12:00:00Z, 2024-05-01 12:00:00.250+02:00; a bare date
 *    (2024-05-01) is midnight UTC;
 *  - a duration (see above) before now_ns: "10m" or "10m ago".
 * Returns 0 or -EINVAL / -ERANGE.
 */
int query__parse_time(const char *text, int64_t now_ns, int64_t *out_ns);

int64_t query__now_ns(void);

/* Epoch ns as UTC ISO-8601, with frac_digits (0, 3, 6 or 9) after the
 * second: "2023-11-14T22:13:20.010Z". ST_NULL gives "-". */
void query__fmt_time(int64_t ns, int frac_digits, char *buf, size_t size);
/* Nanoseconds as milliseconds with 3 decimals ("12.345"); ST_NULL: "-". */
void query__fmt_ms(int64_t ns, char *buf, size_t size);

/* The filters of `mcptrace calls`. Unset: NULL strings, n_status 0,
 * ST_NULL numbers, session_id 0. */
#define QUERY_MAX_STATUS 7
struct call_filter {
	const char *method, *target;
	const char *status[QUERY_MAX_STATUS];
	size_t n_status;
	int64_t slower_than_ns; /* latency_ns > this */
	int64_t session_id;
	int64_t since_ns; /* start_ns >= this */
};

void query__filter_init(struct call_filter *f);

/* Adds the statuses of a comma-separated list ("error,tool_error") to f.
 * Each must be a value calls.status can hold; the strings point into
 * list. Returns 0, -EINVAL for an unknown status (named in *bad, which
 * then points into list and is cut at its comma), or -E2BIG. */
int query__filter_add_status(struct call_filter *f, char *list, const char **bad);

/* One value to bind: text or an integer. */
struct sql_bind {
	bool is_text;
	int64_t num;
	const char *text;
};

#define QUERY_MAX_BINDS (QUERY_MAX_STATUS + 6)
struct sql_where {
	char sql[512]; /* "" or "WHERE c.method = ? AND ..." over calls AS c */
	struct sql_bind binds[QUERY_MAX_BINDS]; /* for the ?s in order */
	int n_binds;
};

/* Turns f into a WHERE clause over `calls AS c`, terms joined with AND. */
int query__filter_where(const struct call_filter *f, struct sql_where *w);
/* Binds w's values to st's parameters first, first + 1, ... Returns an
 * SQLite result code. */
int query__bind(struct sqlite3_stmt *st, const struct sql_where *w, int first);

/* Column i of st's row as an integer; ST_NULL for NULL. */
int64_t query__col_i64(struct sqlite3_stmt *st, int i);
/* A copy of column i's text, NULL for NULL; sets *err to -ENOMEM when the
 * copy fails, so a row of several columns checks once. */
char *query__col_dup(struct sqlite3_stmt *st, int i, int *err);
/* "mcptrace: failed to read WHAT from FILE: why" on stderr; returns -EIO. */
int query__read_error(struct sqlite3 *db, const char *what);
/* The one integer sql yields for arg (bound to ?1): 1 with *out set, 0
 * for no row or NULL, or a negative errno after query__read_error(what). */
int query__one_id(struct sqlite3 *db, const char *sql, int64_t arg, int64_t *out,
		  const char *what);

#endif
