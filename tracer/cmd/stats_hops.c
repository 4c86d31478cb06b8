// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stats_hops: `mcptrace stats --by hop`, the cost of gateways. For each
 * method and target, over the backend calls linked to the inbound call
 * they serve (calls.parent_call_id): how long the backend took (the
 * backend call's latency) and how long the gateway itself added (the
 * inbound call's time at the gateway, less the backend's), as p50, p90
 * and p99.
 *
 * Edges: a linked call with no latency on either side (unanswered) is
 * counted but has no times; the gateway's time can come out negative
 * when the inbound call was timed from farther away than the gateway
 * (only the client traced) and is shown as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/stats_hops.h"
#include "cmd/text.h"
#include "db/latency.h"
#include "db/query.h"
#include "db/store.h"
#include "db/summary.h"

/* The inbound call's time at the gateway: its own view where it is
 * traced (server_latency_ns), else the call's latency. */
#define HOP_ROWS_SQL                                                                               \
	"SELECT c.method, c.target, c.latency_ns, "                                                \
	"coalesce(p.server_latency_ns, p.latency_ns) - c.latency_ns "                              \
	"FROM calls c JOIN calls p ON p.id = c.parent_call_id ORDER BY c.method, c.target"

struct hop_group {
	char *method, *target;
	int64_t linked;
	struct lat_vec backend, gateway;
};

static void group_clear(struct hop_group *g)
{
	free(g->method);
	free(g->target);
	lat_vec__free(&g->backend);
	lat_vec__free(&g->gateway);
	memset(g, 0, sizeof(*g));
}

/* p50, p90, p99 of l (sorted here) into out[3]; ST_NULL when empty. */
static void percentiles(struct lat_vec *l, int64_t out[3])
{
	static const unsigned pct[3] = {50, 90, 99};

	lat_vec__sort(l);
	for (int i = 0; i < 3; i++)
		out[i] = l->n ? latency__percentile(l->v, l->n, pct[i]) : ST_NULL;
}

static void put_json_ns(FILE *out, const char *name, int64_t v)
{
	if (v == ST_NULL)
		fprintf(out, ",\"%s\":null", name);
	else
		fprintf(out, ",\"%s\":%lld", name, (long long)v);
}

static int group_emit(struct hop_group *g, FILE *out, bool json, struct qtable *t)
{
	static const char *const names[6] = {"backend_p50_ns", "backend_p90_ns", "backend_p99_ns",
					     "gateway_p50_ns", "gateway_p90_ns", "gateway_p99_ns"};
	int64_t v[6];
	char buf[7][32];
	const char *cells[9];

	percentiles(&g->backend, v);
	percentiles(&g->gateway, v + 3);
	if (json) {
		fputs("{\"method\":", out);
		json__string(out, g->method, g->method ? strlen(g->method) : 0);
		fputs(",\"target\":", out);
		if (g->target)
			json__string(out, g->target, strlen(g->target));
		else
			fputs("null", out);
		fprintf(out, ",\"linked\":%lld", (long long)g->linked);
		for (int i = 0; i < 6; i++)
			put_json_ns(out, names[i], v[i]);
		fputs("}\n", out);
		return 0;
	}
	snprintf(buf[6], sizeof(buf[6]), "%lld", (long long)g->linked);
	cells[0] = g->method;
	cells[1] = g->target;
	cells[2] = buf[6];
	for (int i = 0; i < 6; i++) {
		query__fmt_ms(v[i], buf[i], sizeof(buf[i]));
		cells[3 + i] = buf[i];
	}
	return qtable__add(t, cells);
}

int stats_hops__print(sqlite3 *db, FILE *out, bool json)
{
	static const char *const heads[9] = {
	    "METHOD", "TARGET", "LINKED", "BACKEND_P50", "P90", "P99", "GATEWAY_P50", "P90", "P99"};
	struct hop_group g = {0};
	struct qtable t;
	sqlite3_stmt *st = NULL;
	bool open = false;
	int err = 0, rc;

	qtable__init(&t, 9, heads, "llrrrrrrr");
	rc = sqlite3_prepare_v2(db, HOP_ROWS_SQL, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW && !err; rc = sqlite3_step(st)) {
		const char *method = (const char *)sqlite3_column_text(st, 0);
		const char *target = (const char *)sqlite3_column_text(st, 1);

		if (!open || summary__key_cmp(g.method, method) ||
		    summary__key_cmp(g.target, target)) {
			if (open && (err = group_emit(&g, out, json, &t)))
				break;
			group_clear(&g);
			open = true;
			g.method = query__col_dup(st, 0, &err);
			g.target = query__col_dup(st, 1, &err);
		}
		g.linked++;
		if (!err && sqlite3_column_type(st, 2) != SQLITE_NULL)
			err = lat_vec__push(&g.backend, sqlite3_column_int64(st, 2));
		if (!err && sqlite3_column_type(st, 3) != SQLITE_NULL)
			err = lat_vec__push(&g.gateway, sqlite3_column_int64(st, 3));
	}
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = query__read_error(db, "the linked calls");
	if (!err && open)
		err = group_emit(&g, out, json, &t);
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	if (!err && !json && !open)
		fputs(
		    "no linked calls: no traced process served a call by making one (a gateway)\n",
		    out);
	else if (!err && !json)
		qtable__print(&t, out);
	sqlite3_finalize(st);
	group_clear(&g);
	qtable__free(&t);
	return err;
}
