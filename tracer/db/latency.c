/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * latency: see latency.h. The list doubles as it grows, so a summary over
 * a million calls costs a few reallocations, not one per call.
 */
#include <errno.h>
#include <stdlib.h>

#include "db/latency.h"

int lat_push(struct lat_vec *l, int64_t ns)
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

void lat_sort(struct lat_vec *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), cmp_i64);
}

void lat_free(struct lat_vec *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
