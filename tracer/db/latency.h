/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latency: a growable list of latencies (ns) to sort and take percentiles
 * of, shared by the commands that summarise calls (stats, report, diff).
 */
#ifndef MT_LATENCY_H
#define MT_LATENCY_H

#include <stddef.h>
#include <stdint.h>

struct lat_vec {
	int64_t *v;
	size_t n, cap;
};

/* Appends ns; returns 0 or -ENOMEM. */
int lat_push(struct lat_vec *l, int64_t ns);
/* Sorts ascending, ready for stats__percentile(). */
void lat_sort(struct lat_vec *l);
void lat_free(struct lat_vec *l);

#endif
