// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stats_hops: `mcptrace stats --by hop`, the cost of gateways: for each
 * method and target with linked calls (db/hop_summary.h), how long the
 * backend took and how long the gateway itself added, as p50, p90 and
 * p99, in an aligned table or as JSON Lines. A linked call unanswered on
 * either side is counted but has no times.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/stats_hops.h"
#include "cmd/text.h"
#include "db/hop_summary.h"
#include "db/query.h"
#include "db/store.h"

/* p50, p90, p99 of sorted l into out[3]; ST_NULL when empty. */
static void percentiles(const struct lat_vec *l, int64_t out[3])
{
	static const unsigned pct[3] = {50, 90, 99};

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

struct printer {
	FILE *out;
	bool json;
	struct qtable t;
};

static int group_print(const struct hop_group *g, void *ctx)
{
	static const char *const names[6] = {"backend_p50_ns", "backend_p90_ns", "backend_p99_ns",
					     "gateway_p50_ns", "gateway_p90_ns", "gateway_p99_ns"};
	struct printer *p = ctx;
	FILE *out = p->out;
	int64_t v[6];
	char buf[7][32];
	const char *cells[9];

	percentiles(&g->backend, v);
	percentiles(&g->gateway, v + 3);
	if (p->json) {
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
	return qtable__add(&p->t, cells);
}

int stats_hops__print(sqlite3 *db, FILE *out, bool json)
{
	static const char *const heads[9] = {
	    "METHOD", "TARGET", "LINKED", "BACKEND_P50", "P90", "P99", "GATEWAY_P50", "P90", "P99"};
	struct printer p = {.out = out, .json = json};
	int err;

	qtable__init(&p.t, 9, heads, "llrrrrrrr");
	err = hop_summary__read(db, group_print, &p);
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	if (!err && !json && !p.t.n_rows)
		fputs(
		    "no linked calls: no traced process served a call by making one (a gateway)\n",
		    out);
	else if (!err && !json)
		qtable__print(&p.t, out);
	qtable__free(&p.t);
	return err;
}
