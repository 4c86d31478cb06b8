/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stats: the report of mcptrace stats on an open trace DB: a row per group
 * of calls (summary.h), with counts of failures and latency percentiles,
 * then a total; as an aligned table or as JSON Lines. Tests call it on
 * fixtures without going through the command line.
 */
#ifndef MT_STATS_H
#define MT_STATS_H

#include <stdbool.h>
#include <stdio.h>

#include "db/summary.h"

struct sqlite3;

/* The stats report of db, one row per method and target, on out. Returns
 * 0 or a negative errno (with a line on stderr). */
int stats__print(struct sqlite3 *db, FILE *out, bool json);
/* stats__print with the rows grouped as by says. */
int stats__print_by(struct sqlite3 *db, FILE *out, bool json, enum summary_by by,
		    enum summary_unit unit);

#endif
