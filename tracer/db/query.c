// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * query: what the read commands share before any output (see query.h):
 * parsing durations and times, and building the calls WHERE clause with
 * bound values; and reading columns of a row. Tables and safe text are in
 * cmd/text.c, the JSON writers in cmd/json.c.
 *
 * Everything here works on strings and statements handed in; opening the
 * DB and wording errors for the user is the commands' business.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "db/query.h"
#include "db/store.h"

#define NS_PER_SEC 1000000000LL

/* ---- durations and times ---- */

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
    {"ns", 1},
    {"us", 1000},
    {"ms", 1000000},
    {"s", NS_PER_SEC},
    {"m", 60 * NS_PER_SEC},
    {"h", 3600 * NS_PER_SEC},
    {"d", 86400 * NS_PER_SEC},
};

int query__parse_duration(const char *text, int64_t *out_ns)
{
	const char *p = text;
	__int128 whole = 0, frac = 0, scale = 1, v;
	int n_whole = 0, n_frac = 0;
	size_t i;

	for (; *p >= '0' && *p <= '9'; p++, n_whole++) {
		whole = whole * 10 + (*p - '0');
		if (whole > INT64_MAX)
			return -ERANGE;
	}
	if (*p == '.') {
		/* Digits past the ninth are below a nanosecond of any unit
		 * but ns itself; they are checked and dropped. */
		for (p++; *p >= '0' && *p <= '9'; p++, n_frac++) {
			if (n_frac < 9) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
		if (!n_frac)
			return -EINVAL;
	}
	if (!n_whole && !n_frac)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].name))
			continue;
		v = whole * units[i].ns + frac * units[i].ns / scale;
		if (v > INT64_MAX)
			return -ERANGE;
		*out_ns = (int64_t)v;
		return 0;
	}
	return -EINVAL;
}

int64_t query__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). Not timegm(), which depends on the
 * process's time zone machinery and on time_t's range. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Reads exactly n digits into *out. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

static int parse_iso(const char *text, int64_t *out_ns)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, scale = NS_PER_SEC, secs;
	__int128 ns;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap_year(y)))
		return -EINVAL;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -EINVAL;
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &s))
				return -EINVAL;
			if (*p == '.' || *p == ',') {
				if (p[1] < '0' || p[1] > '9')
					return -EINVAL;
				for (p++; *p >= '0' && *p <= '9'; p++) {
					if (scale > 1) {
						scale /= 10;
						frac += (*p - '0') * scale;
					}
				}
			}
		}
		if (h > 23 || mi > 59 || s > 59)
			return -EINVAL;
		/* A zone is required: a bare time would mean UTC to some
		 * users and local time to others. */
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (!digits(&p, 2, &oh))
				return -EINVAL;
			if (*p == ':')
				p++;
			if (*p && !digits(&p, 2, &om))
				return -EINVAL;
			if (oh > 23 || om > 59)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		if (*p)
			return -EINVAL;
	}
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
	       (int64_t)sign * (oh * 3600 + om * 60);
	ns = (__int128)secs * NS_PER_SEC + frac;
	if (ns < 0 || ns > INT64_MAX)
		return -ERANGE;
	*out_ns = (int64_t)ns;
	return 0;
}

int query__parse_time(const char *text, int64_t now_ns, int64_t *out_ns)
{
	size_t n_digits = strspn(text, "0123456789");
	char dur[64];
	size_t len = strlen(text);
	int64_t d;
	int err;

	if (n_digits && !text[n_digits]) {
		unsigned long long v;

		/* ms epochs have 13 digits until the year 2286, ns epochs
		 * 19; in between would be seconds-times-a-guess. */
		if (n_digits > 14 && n_digits < 17)
			return -EINVAL;
		errno = 0;
		v = strtoull(text, NULL, 10);
		if (errno || v > INT64_MAX)
			return -ERANGE;
		*out_ns = n_digits <= 14 ? (int64_t)v * 1000000 : (int64_t)v;
		return 0;
	}
	if (n_digits == 4 && text[4] == '-')
		return parse_iso(text, out_ns);
	/* "10m" or "10m ago" */
	if (len > 4 && !strcmp(text + len - 4, " ago"))
		len -= 4;
	if (len >= sizeof(dur))
		return -EINVAL;
	memcpy(dur, text, len);
	dur[len] = '\0';
	err = query__parse_duration(dur, &d);
	if (err)
		return err;
	if (d > now_ns)
		return -ERANGE;
	*out_ns = now_ns - d;
	return 0;
}

void query__fmt_time(int64_t ns, int frac_digits, char *buf, size_t size)
{
	int64_t sec, sub;
	time_t t;
	struct tm tm;
	int div;

	if (ns == ST_NULL) {
		snprintf(buf, size, "-");
		return;
	}
	sec = ns / NS_PER_SEC;
	sub = ns % NS_PER_SEC;
	if (sub < 0) {
		sec--;
		sub += NS_PER_SEC;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "%lld", (long long)ns);
		return;
	}
	if (frac_digits != 3 && frac_digits != 6 && frac_digits != 9)
		frac_digits = 0;
	div = frac_digits == 3 ? 1000000 : frac_digits == 6 ? 1000 : 1;
	if (frac_digits)
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%0*lldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac_digits,
			 (long long)(sub / div));
	else
		snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void query__fmt_ms(int64_t ns, char *buf, size_t size)
{
	if (ns == ST_NULL)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.3f", (double)ns / 1e6);
}

/* ---- filters ---- */

void query__filter_init(struct call_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->slower_than_ns = ST_NULL;
	f->since_ns = ST_NULL;
}

int query__filter_add_status(struct call_filter *f, char *list, const char **bad)
{
	static const char *const known[] = {"pending",	  "ok",	       "error",
					    "tool_error", "cancelled", "unanswered",
					    "input_required"};
	char *tok, *save = NULL;
	size_t i;

	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(tok, known[i]))
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			*bad = tok;
			return -EINVAL;
		}
		if (f->n_status == QUERY_MAX_STATUS)
			return -E2BIG;
		f->status[f->n_status++] = known[i];
	}
	if (!f->n_status) {
		*bad = list;
		return -EINVAL;
	}
	return 0;
}

static int where_term(struct sql_where *w, const char *term)
{
	size_t len = strlen(w->sql);
	int n;

	n = snprintf(w->sql + len, sizeof(w->sql) - len, "%s%s", len ? " AND " : "WHERE ", term);
	return n < 0 || (size_t)n >= sizeof(w->sql) - len ? -E2BIG : 0;
}

static void bind_num(struct sql_where *w, int64_t v)
{
	w->binds[w->n_binds++] = (struct sql_bind){.num = v};
}

static void bind_text(struct sql_where *w, const char *v)
{
	w->binds[w->n_binds++] = (struct sql_bind){.is_text = true, .text = v};
}

int query__filter_where(const struct call_filter *f, struct sql_where *w)
{
	char in[64] = "c.status IN (";
	size_t i;
	int err = 0;

	memset(w, 0, sizeof(*w));
	if (f->method && !(err = where_term(w, "c.method = ?")))
		bind_text(w, f->method);
	if (!err && f->target && !(err = where_term(w, "c.target = ?")))
		bind_text(w, f->target);
	if (!err && f->n_status) {
		for (i = 0; i < f->n_status && i < QUERY_MAX_STATUS; i++) {
			strcat(in, i ? ", ?" : "?");
			bind_text(w, f->status[i]);
		}
		strcat(in, ")");
		err = where_term(w, in);
	}
	if (!err && f->slower_than_ns != ST_NULL && !(err = where_term(w, "c.latency_ns > ?")))
		bind_num(w, f->slower_than_ns);
	if (!err && f->session_id && !(err = where_term(w, "c.session_id = ?")))
		bind_num(w, f->session_id);
	if (!err && f->since_ns != ST_NULL && !(err = where_term(w, "c.start_ns >= ?")))
		bind_num(w, f->since_ns);
	return err;
}

int query__bind(sqlite3_stmt *st, const struct sql_where *w, int first)
{
	int i, rc = SQLITE_OK;

	for (i = 0; i < w->n_binds && rc == SQLITE_OK; i++) {
		if (w->binds[i].is_text)
			rc = sqlite3_bind_text(st, first + i, w->binds[i].text, -1, SQLITE_STATIC);
		else
			rc = sqlite3_bind_int64(st, first + i, w->binds[i].num);
	}
	return rc;
}

/* ---- reading rows ---- */

int64_t query__col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? ST_NULL : sqlite3_column_int64(st, i);
}

char *query__col_dup(sqlite3_stmt *st, int i, int *err)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	char *s;

	if (!t)
		return NULL;
	s = strdup((const char *)t);
	if (!s)
		*err = -ENOMEM;
	return s;
}

int query__read_error(sqlite3 *db, const char *what)
{
	fprintf(stderr, "mcptrace: failed to read %s from %s: %s\n", what,
		sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	return -EIO;
}

int query__one_id(sqlite3 *db, const char *sql, int64_t arg, int64_t *out, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, arg);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return query__read_error(db, what);
	return found;
}
