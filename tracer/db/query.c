// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * query: the pieces the read-only commands share (see query.h): parsing
 * durations and times, building the calls WHERE clause with bound values,
 * aligned tables safe for a terminal, and exact JSON and CSV writers.
 *
 * Everything here works on strings and statements handed in; opening the
 * DB and wording errors for the user is the commands' business.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
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
					    "tool_error", "cancelled", "unanswered"};
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

/* ---- text safe for a terminal ---- */

/* The length of the valid UTF-8 sequence at s (of n bytes left), with its
 * code point in *cp, or 0 when it is not one (overlong forms and
 * surrogates included). */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	size_t len, i;
	unsigned int c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

char *query__sanitize(const char *s, size_t len, bool keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len + 1), *o = out;
	unsigned int cp;
	size_t i = 0, n;

	if (!out)
		return NULL;
	while (i < len) {
		n = utf8_seq(p + i, len - i, &cp);
		if (!n) {
			*o++ = '?';
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			*o++ = keep_newlines && (cp == '\n' || cp == '\t') ? (char)cp : '?';
		} else {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

/* Columns a string takes: its code points (wide characters count one). */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void qtable__init(struct qtable *t, size_t n_cols, const char *const *heads, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->n_cols = n_cols;
	t->heads = heads;
	t->align = align;
}

int qtable__add(struct qtable *t, const char *const *cells)
{
	char **nc;
	size_t i, ncap, base;

	if (t->n_rows == t->cap_rows) {
		ncap = t->cap_rows ? t->cap_rows * 2 : 32;
		nc = realloc(t->cells, ncap * t->n_cols * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap_rows = ncap;
	}
	base = t->n_rows * t->n_cols;
	for (i = 0; i < t->n_cols; i++) {
		const char *c = cells[i] ? cells[i] : "-";

		t->cells[base + i] = query__sanitize(c, strlen(c), false);
		if (!t->cells[base + i]) {
			while (i--)
				free(t->cells[base + i]);
			return -ENOMEM;
		}
	}
	t->n_rows++;
	return 0;
}

static void put_cell(FILE *out, const char *s, int width, char align, bool last)
{
	int pad = width - text_width(s);

	if (pad < 0 || last)
		pad = 0;
	if (align == 'r')
		fprintf(out, "%*s%s", pad, "", s);
	else
		fprintf(out, "%s%*s", s, pad, "");
}

void qtable__print(const struct qtable *t, FILE *out)
{
	int widths[32] = {0}, w;
	size_t r, c, n_cols = t->n_cols < 32 ? t->n_cols : 32;

	for (c = 0; c < n_cols; c++)
		widths[c] = text_width(t->heads[c]);
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < n_cols; c++) {
			w = text_width(t->cells[r * t->n_cols + c]);
			if (w > widths[c])
				widths[c] = w < QUERY_TABLE_WIDTH_MAX ? w : QUERY_TABLE_WIDTH_MAX;
		}
	}
	for (c = 0; c < n_cols; c++) {
		if (c)
			fputs("  ", out);
		put_cell(out, t->heads[c], widths[c], t->align[c], c + 1 == n_cols);
	}
	fputc('\n', out);
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < n_cols; c++) {
			if (c)
				fputs("  ", out);
			put_cell(out, t->cells[r * t->n_cols + c], widths[c], t->align[c],
				 c + 1 == n_cols);
		}
		fputc('\n', out);
	}
}

void qtable__free(struct qtable *t)
{
	size_t i;

	for (i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n_rows = t->cap_rows = 0;
}

/* ---- JSON and CSV writers ---- */

void query__json_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t i = 0, n;

	fputc('"', out);
	while (i < len) {
		n = utf8_seq(p + i, len - i, &cp);
		if (!n) {
			fputs("\xef\xbf\xbd", out);
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f)
				fprintf(out, "\\u%04x", cp);
			else
				fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	fputc('"', out);
}

void query__csv_field(FILE *out, const char *s, size_t len)
{
	size_t i;

	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\r', len) &&
	    !memchr(s, '\n', len)) {
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

void query__json_value(FILE *out, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, i);

		/* JSON has no NaN or infinity */
		if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
			fputs("null", out);
		else
			fprintf(out, "%.17g", d);
		break;
	}
	case SQLITE_NULL:
		fputs("null", out);
		break;
	default: {
		/* TEXT, and a BLOB where the schema says TEXT: as text */
		const char *t = (const char *)sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i);

		query__json_string(out, t ? t : "", t ? (size_t)n : 0);
	}
	}
}

void query__json_fields(FILE *out, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);

		if (i)
			fputc(',', out);
		query__json_string(out, name ? name : "", name ? strlen(name) : 0);
		fputc(':', out);
		query__json_value(out, st, i);
	}
}

void query__json_row(FILE *out, sqlite3_stmt *st)
{
	fputc('{', out);
	query__json_fields(out, st);
	fputs("}\n", out);
}

bool query__is_json(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	const char *end = NULL;
	unsigned int cp;
	cJSON *j;
	size_t i, n;

	/* an embedded NUL would end cJSON's view of the text early */
	if (!text || memchr(text, '\0', len))
		return false;
	for (i = 0; i < len; i += n) {
		n = utf8_seq(p + i, len - i, &cp);
		if (!n)
			return false;
	}
	j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!j)
		return false;
	cJSON_Delete(j);
	/* nothing but whitespace may follow the value */
	for (; end < text + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
			return false;
	return true;
}

static void newline(FILE *out, int depth)
{
	fputc('\n', out);
	fprintf(out, "%*s", depth * 2, "");
}

void query__json_pretty(FILE *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int depth = 0;

	while (p < end) {
		char c = *p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			p++;
			continue;
		}
		if (c == '"') {
			const char *q = p + 1;

			while (q < end && *q != '"')
				q += *q == '\\' ? 2 : 1;
			q = q < end ? q + 1 : end;
			/* control characters are not valid inside strings,
			 * but cJSON lets some through */
			for (; p < q; p++)
				fputc((unsigned char)*p < 0x20 ? '?' : *p, out);
			continue;
		}
		p++;
		if (c == '{' || c == '[') {
			const char *q = p;

			while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
				q++;
			if (q < end && (*q == '}' || *q == ']')) {
				fputc(c, out);
				fputc(*q, out);
				p = q + 1;
				continue;
			}
			fputc(c, out);
			newline(out, ++depth);
		} else if (c == '}' || c == ']') {
			newline(out, --depth);
			fputc(c, out);
		} else if (c == ',') {
			fputc(c, out);
			newline(out, depth);
		} else if (c == ':') {
			fputs(": ", out);
		} else {
			fputc(c, out);
		}
	}
	fputc('\n', out);
}
