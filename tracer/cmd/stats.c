// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stats: the summary mcptrace stats prints (see stats.h): one row per
 * group of calls from summary.c, then a total, as an aligned table or JSON
 * Lines. Options and opening the DB are cmd_stats.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/stats.h"
#include "cmd/text.h"

/* The rows being built, one group each, and the total: every call again
 * as one group, printed last. */
struct stats_acc {
	struct call_group_list rows;
	struct call_group total;
};

static int add_group(struct call_group *g, void *ctx)
{
	struct stats_acc *a = ctx;
	size_t i;
	int err;

	a->total.calls += g->calls;
	a->total.errors += g->errors;
	a->total.cancelled += g->cancelled;
	a->total.unanswered += g->unanswered;
	a->total.pending += g->pending;
	for (i = 0; i < g->lat.n; i++)
		if (lat_vec__push(&a->total.lat, g->lat.v[i]))
			return -ENOMEM;
	err = summary__keep_group(g, &a->rows);
	/* ranked already: the row needs its percentiles, not the list */
	if (!err)
		lat_vec__free(&a->rows.v[a->rows.n - 1].lat);
	return err;
}

/* Names come from traced programs: see text__put_padded. */
static void put_name(FILE *out, const char *s, int width)
{
	text__put_padded(out, s ? s : "-", width);
}

static void put_ms(FILE *out, const struct call_group *r, int64_t ns)
{
	if (r->answered)
		fprintf(out, " %10.3f", (double)ns / 1e6);
	else
		fprintf(out, " %10s", "-");
}

/* The header and JSON names of the key columns of each grouping. */
static const char *const by_heads[][2] = {
    [SUMMARY_BY_METHOD_TARGET] = {"METHOD", "TARGET"},
    [SUMMARY_BY_METHOD] = {"METHOD", NULL},
    [SUMMARY_BY_TARGET] = {"TARGET", NULL},
    [SUMMARY_BY_SESSION] = {"SESSION", NULL},
};
static const char *const by_names[][2] = {
    [SUMMARY_BY_METHOD_TARGET] = {"method", "target"},
    [SUMMARY_BY_METHOD] = {"method", NULL},
    [SUMMARY_BY_TARGET] = {"target", NULL},
    [SUMMARY_BY_SESSION] = {"session_id", NULL},
};

static int key_width(bool total, const char *key, int k)
{
	if (total)
		return k == 0 ? (int)strlen("TOTAL") : 0;
	return key ? text__width(key) : 1;
}

/* The printers take the rows with the total last (rows[n - 1]). */
static void print_table(FILE *out, const struct call_group *rows, size_t n, enum summary_by by)
{
	const char *const *heads = by_heads[by];
	int kw[2] = {(int)strlen(heads[0]), heads[1] ? (int)strlen(heads[1]) : 0}, w;
	size_t i;

	for (i = 0; i < n; i++) {
		w = key_width(i + 1 == n, rows[i].key1, 0);
		if (w > kw[0])
			kw[0] = w < TEXT_WIDTH_MAX ? w : TEXT_WIDTH_MAX;
		w = key_width(i + 1 == n, rows[i].key2, 1);
		if (heads[1] && w > kw[1])
			kw[1] = w < TEXT_WIDTH_MAX ? w : TEXT_WIDTH_MAX;
	}
	fprintf(out, "%-*s", kw[0], heads[0]);
	if (heads[1])
		fprintf(out, "  %-*s", kw[1], heads[1]);
	fprintf(out, " %8s %7s %9s %10s %10s %10s %10s %10s\n", "CALLS", "ERRORS", "CANCELLED",
		"UNANSWERED", "P50_MS", "P90_MS", "P99_MS", "MAX_MS");
	for (i = 0; i < n; i++) {
		const struct call_group *r = &rows[i];
		bool total = i + 1 == n;

		put_name(out, total ? "TOTAL" : r->key1, kw[0]);
		if (heads[1]) {
			fputs("  ", out);
			put_name(out, total ? "" : r->key2, kw[1]);
		}
		fprintf(out, " %8lld %7lld %9lld %10lld", (long long)r->calls, (long long)r->errors,
			(long long)r->cancelled, (long long)r->unanswered);
		put_ms(out, r, r->p50);
		put_ms(out, r, r->p90);
		put_ms(out, r, r->p99);
		put_ms(out, r, r->max);
		fputc('\n', out);
	}
}

/* A key as JSON: null, a number for a session id, else a string. */
static cJSON *add_key(cJSON *o, const char *name, const char *key, enum summary_by by)
{
	if (!key)
		return cJSON_AddNullToObject(o, name);
	/* session ids are integers: copied as digits, not through a double;
	 * a non-integer id in a damaged DB stays a string */
	if (by == SUMMARY_BY_SESSION && key[0] && strspn(key, "0123456789") == strlen(key) &&
	    strlen(key) < 20)
		return cJSON_AddRawToObject(o, name, key);
	return cJSON_AddStringToObject(o, name, key);
}

static cJSON *add_ms(cJSON *o, const char *name, const struct call_group *r, int64_t ns)
{
	return r->answered ? cJSON_AddNumberToObject(o, name, (double)ns / 1e6)
			   : cJSON_AddNullToObject(o, name);
}

static int print_json(FILE *out, const struct call_group *rows, size_t n, enum summary_by by)
{
	const char *const *names = by_names[by];
	cJSON *o;
	int err;
	size_t i;
	bool ok;

	for (i = 0; i < n; i++) {
		const struct call_group *r = &rows[i];

		o = cJSON_CreateObject();
		if (!o)
			return -ENOMEM;
		if (i + 1 == n) {
			ok = cJSON_AddTrueToObject(o, "total");
		} else {
			ok = add_key(o, names[0], r->key1, by) &&
			     (!names[1] || add_key(o, names[1], r->key2, by));
		}
		ok = ok && cJSON_AddNumberToObject(o, "calls", (double)r->calls) &&
		     cJSON_AddNumberToObject(o, "errors", (double)r->errors) &&
		     cJSON_AddNumberToObject(o, "cancelled", (double)r->cancelled) &&
		     cJSON_AddNumberToObject(o, "unanswered", (double)r->unanswered) &&
		     cJSON_AddNumberToObject(o, "pending", (double)r->pending) &&
		     cJSON_AddNumberToObject(o, "answered", (double)r->answered) &&
		     add_ms(o, "p50_ms", r, r->p50) && add_ms(o, "p90_ms", r, r->p90) &&
		     add_ms(o, "p99_ms", r, r->p99) && add_ms(o, "max_ms", r, r->max);
		err = json__put_line(out, o, ok);
		if (err)
			return err;
	}
	return 0;
}

int stats__print(sqlite3 *db, FILE *out, bool json)
{
	return stats__print_by(db, out, json, SUMMARY_BY_METHOD_TARGET, SUMMARY_CALLS);
}

int stats__print_by(sqlite3 *db, FILE *out, bool json, enum summary_by by, enum summary_unit unit)
{
	struct stats_acc a = {0};
	int err;

	err = summary__read_groups_as(db, NULL, by, unit, add_group, &a);
	if (err)
		goto cleanup;
	summary__finish(&a.total);
	err = summary__keep_group(&a.total, &a.rows);
	if (err)
		goto cleanup;
	if (json)
		err = print_json(out, a.rows.v, a.rows.n, by);
	else
		print_table(out, a.rows.v, a.rows.n, by);

cleanup:
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	lat_vec__free(&a.total.lat);
	summary__list_free(&a.rows);
	return err;
}
