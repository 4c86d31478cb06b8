/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stats_hops: `mcptrace stats --by hop`: per method and target, the
 * backend's time and the gateway's own time of calls linked across a
 * gateway (calls.parent_call_id), as p50, p90 and p99.
 */
#ifndef MT_STATS_HOPS_H
#define MT_STATS_HOPS_H

#include <stdbool.h>
#include <stdio.h>

struct sqlite3;

/* An aligned table, or one JSON object a line, on out. Returns 0 or a
 * negative errno after a line on stderr. */
int stats_hops__print(struct sqlite3 *db, FILE *out, bool json);

#endif
