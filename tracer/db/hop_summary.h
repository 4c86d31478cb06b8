/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hop_summary: the calls a gateway made to serve a call (linked by
 * calls.parent_call_id) summarised per method and target, for the readers
 * that print the gateway's cost: stats --by hop and diff. For each linked
 * pair, the backend time is the backend call's latency and the gateway's
 * own time the inbound call's time at the gateway (server_latency_ns,
 * else latency_ns) less the backend's.
 */
#ifndef MT_HOP_SUMMARY_H
#define MT_HOP_SUMMARY_H

#include <stdint.h>

#include "db/latency.h"

struct sqlite3;

struct hop_group {
	char *method, *target; /* NULL where the DB has NULL */
	int64_t linked; /* backend calls linked to an inbound call */
	struct lat_vec backend, gateway; /* sorted, ns; the pairs with both times */
};

typedef int (*hop_group_fn)(const struct hop_group *g, void *ctx);

/* Calls fn once per method and target with linked calls, in key order (as
 * summary.h's groups). A non-zero return from fn stops the walk and is
 * returned. Returns 0, -ENOMEM (nothing printed), -EIO after a line on
 * stderr, or fn's return. */
int hop_summary__read(struct sqlite3 *db, hop_group_fn fn, void *ctx);

#endif
