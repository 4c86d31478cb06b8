// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * summary: see summary.h. The calls are read in one pass ordered by the
 * group's key (for method and target, the calls_method_target index serves
 * it without a sort); only the latencies of the current group are held in
 * memory, to rank them. Printing is the readers' job, not this file's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/query.h"
#include "db/summary.h"

bool summary__is_error(const char *status)
{
	return status && (!strcmp(status, "error") || !strcmp(status, "tool_error"));
}

int summary__key_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static void group_count(struct call_group *g, const char *status)
{
	g->calls++;
	if (!status)
		return;
	if (summary__is_error(status))
		g->errors++;
	else if (!strcmp(status, "cancelled"))
		g->cancelled++;
	else if (!strcmp(status, "unanswered"))
		g->unanswered++;
	else if (!strcmp(status, "pending"))
		g->pending++;
}

static void group_clear(struct call_group *g)
{
	free(g->key1);
	free(g->key2);
	lat_vec__free(&g->lat);
	memset(g, 0, sizeof(*g));
}

void summary__finish(struct call_group *g)
{
	const struct lat_vec *l = &g->lat;

	lat_vec__sort(&g->lat);
	g->answered = l->n;
	if (!l->n)
		return;
	g->p50 = latency__percentile(l->v, l->n, 50);
	g->p90 = latency__percentile(l->v, l->n, 90);
	g->p95 = latency__percentile(l->v, l->n, 95);
	g->p99 = latency__percentile(l->v, l->n, 99);
	g->max = l->v[l->n - 1];
}

int summary__keep_group(struct call_group *g, void *list)
{
	struct call_group_list *l = list;
	struct call_group *nv;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *g;
	memset(g, 0, sizeof(*g));
	return 0;
}

void summary__list_free(struct call_group_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		group_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Finishes the group and hands it on. */
static int group_emit(struct call_group *g, summary_group_fn fn, void *ctx)
{
	int err;

	summary__finish(g);
	err = fn(g, ctx);
	group_clear(g);
	return err;
}

/*
 * The logical calls: a round that another names in previous_round_id is
 * left out (its call goes on), and a round that names one takes, as its
 * latency, the time from its chain's first request to its own answer.
 * first holds the chains only (a root some round continues, and the rounds
 * below it): the previous_round_id index finds them, and a DB of 2025-era
 * calls has none.
 */
#define LOGICAL_CALLS_SQL                                                                      \
	"(WITH RECURSIVE first(id, start_ns) AS ("                                             \
	" SELECT id, start_ns FROM calls WHERE previous_round_id IS NULL"                      \
	"  AND id IN (SELECT previous_round_id FROM calls)"                                    \
	" UNION ALL SELECT c.id, f.start_ns FROM calls c JOIN first f"                         \
	"  ON c.previous_round_id = f.id)"                                                     \
	" SELECT c.session_id, c.method, c.target, c.status,"                                  \
	"  CASE WHEN c.previous_round_id IS NULL OR c.end_ns IS NULL THEN c.latency_ns"        \
	"   ELSE c.end_ns - (SELECT f.start_ns FROM first f WHERE f.id = c.id) END"            \
	"   AS latency_ns"                                                                     \
	" FROM calls c WHERE NOT EXISTS (SELECT 1 FROM calls n WHERE n.previous_round_id = c.id))"

int summary__read_groups(sqlite3 *db, const char *name, enum summary_by by, summary_group_fn fn,
			 void *ctx)
{
	return summary__read_groups_as(db, name, by, SUMMARY_ROUNDS, fn, ctx);
}

int summary__read_groups_as(sqlite3 *db, const char *name, enum summary_by by,
			    enum summary_unit unit, summary_group_fn fn, void *ctx)
{
	static const char *const keys[] = {
	    [SUMMARY_BY_METHOD_TARGET] = "method, target",
	    [SUMMARY_BY_METHOD] = "method, NULL",
	    [SUMMARY_BY_TARGET] = "target, NULL",
	    [SUMMARY_BY_SESSION] = "session_id, NULL",
	};
	/* For rounds, the calls_method_target index serves the order. */
	static const char *const orders[] = {
	    [SUMMARY_BY_METHOD_TARGET] = "method, target",
	    [SUMMARY_BY_METHOD] = "method",
	    [SUMMARY_BY_TARGET] = "target",
	    [SUMMARY_BY_SESSION] = "session_id",
	};
	char sql[1024];
	struct call_group g = {0};
	bool open = false;
	sqlite3_stmt *st = NULL;
	int err = 0, rc;

	snprintf(sql, sizeof(sql), "SELECT %s, status, latency_ns FROM %s ORDER BY %s", keys[by],
		 unit == SUMMARY_CALLS ? LOGICAL_CALLS_SQL : "calls", orders[by]);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		const char *key1 = (const char *)sqlite3_column_text(st, 0);
		const char *key2 = (const char *)sqlite3_column_text(st, 1);

		if (!open || summary__key_cmp(g.key1, key1) || summary__key_cmp(g.key2, key2)) {
			if (open && (err = group_emit(&g, fn, ctx)))
				goto cleanup;
			open = true;
			g.key1 = query__col_dup(st, 0, &err);
			g.key2 = query__col_dup(st, 1, &err);
			if (err)
				goto cleanup;
		}
		group_count(&g, (const char *)sqlite3_column_text(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL &&
		    lat_vec__push(&g.lat, sqlite3_column_int64(st, 3))) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "mcptrace: failed to read calls from %s: %s\n",
			name ? name : sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
		err = -EIO;
		goto cleanup;
	}
	if (open)
		err = group_emit(&g, fn, ctx);

cleanup:
	sqlite3_finalize(st);
	group_clear(&g);
	return err;
}
