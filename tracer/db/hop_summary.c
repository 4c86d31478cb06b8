// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hop_summary: see hop_summary.h. One pass over the linked calls ordered by
 * method and target; only the current group's times are held, to rank
 * them. The gateway's time can come out negative when the inbound call
 * was timed from farther away than the gateway (only the client traced):
 * it is kept as it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db/hop_summary.h"
#include "db/query.h"
#include "db/summary.h"

#define HOP_ROWS_SQL                                                                               \
	"SELECT c.method, c.target, c.latency_ns, "                                                \
	"coalesce(p.server_latency_ns, p.latency_ns) - c.latency_ns "                              \
	"FROM calls c JOIN calls p ON p.id = c.parent_call_id ORDER BY c.method, c.target"

static void group_clear(struct hop_group *g)
{
	free(g->method);
	free(g->target);
	lat_vec__free(&g->backend);
	lat_vec__free(&g->gateway);
	memset(g, 0, sizeof(*g));
}

static int group_emit(struct hop_group *g, hop_group_fn fn, void *ctx)
{
	int err;

	lat_vec__sort(&g->backend);
	lat_vec__sort(&g->gateway);
	err = fn(g, ctx);
	group_clear(g);
	return err;
}

int hop_summary__read(sqlite3 *db, hop_group_fn fn, void *ctx)
{
	struct hop_group g = {0};
	sqlite3_stmt *st = NULL;
	bool open = false;
	int err = 0, rc;

	rc = sqlite3_prepare_v2(db, HOP_ROWS_SQL, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW && !err; rc = sqlite3_step(st)) {
		const char *method = (const char *)sqlite3_column_text(st, 0);
		const char *target = (const char *)sqlite3_column_text(st, 1);

		if (!open || summary__key_cmp(g.method, method) ||
		    summary__key_cmp(g.target, target)) {
			if (open && (err = group_emit(&g, fn, ctx)))
				break;
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
		err = group_emit(&g, fn, ctx);
	sqlite3_finalize(st);
	group_clear(&g);
	return err;
}
