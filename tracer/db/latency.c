/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latency: see latency.h. The list doubles as it grows, so a summary over
 * a million calls costs a few reallocations, not one per call. The
 * percentile is here, next to the list it ranks, so every reader that
 * prints one (stats, report, diff) ranks the same way.
 */
#include <errno.h>
#include <stdlib.h>

#include "db/latency.h"

int lat_vec__push(struct lat_vec *l, int64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int64_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ns;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void lat_vec__sort(struct lat_vec *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_i64);
}

void lat_vec__free(struct lat_vec *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int64_t latency__percentile(const int64_t *sorted, size_t n, unsigned int pct)
{
	size_t rank;

	/* Integer arithmetic: with doubles, 0.9 * 10 rounds up past 9 and
	 * ceil() picks the wrong rank. */
	if (pct > 100)
		pct = 100;
	rank = ((size_t)pct * n + 99) / 100;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}
