/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report_hops: the HTML report's section on gateways: per method and target
 * a gateway forwarded, the backend's time and the gateway's own time
 * (db/hop_summary.h), as p50, p90 and p99. Nothing for a trace without
 * linked calls.
 */
#ifndef MT_REPORT_HOPS_H
#define MT_REPORT_HOPS_H

#include <stdio.h>

struct sqlite3;

/* Returns 0 or a negative errno (with a line on stderr). */
int report_hops__write(struct sqlite3 *db, FILE *out);

#endif
