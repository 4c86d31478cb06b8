/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latency: a growable list of latencies (ns) to sort and take percentiles
 * of, shared by the readers that summarise calls (stats, report, diff,
 * through summary.h). It knows nothing of the DB.
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
int lat_vec__push(struct lat_vec *l, int64_t ns);
/* Sorts ascending, ready for latency__percentile(). */
void lat_vec__sort(struct lat_vec *l);
void lat_vec__free(struct lat_vec *l);

/* The nearest-rank percentile pct (1..100) of n sorted values: the value
 * at rank ceil(pct / 100 * n), counted from 1. n must be > 0. */
int64_t latency__percentile(const int64_t *sorted, size_t n, unsigned int pct);

#endif
