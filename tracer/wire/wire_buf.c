// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wire_buf: growing and giving back the framers' buffers (see wire_buf.h).
 * Growth is geometric so a line fed byte by byte costs amortised O(1) per
 * byte, and clamped so a buffer never outgrows what its framer may keep.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wire/wire_buf.h"

size_t wire_buf__limit(size_t max, size_t dflt)
{
	if (max == 0)
		max = dflt;
	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4;
	return max;
}

int wire_buf__reserve(char **buf, size_t *cap, size_t need, size_t min_cap, size_t max_cap)
{
	size_t ncap;
	char *nbuf;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : min_cap;
	while (ncap < need)
		ncap *= 2;
	if (ncap > max_cap)
		ncap = max_cap;
	nbuf = realloc(*buf, ncap);
	if (!nbuf)
		return -1;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

void wire_buf__shrink(char **buf, size_t *cap, size_t keep_cap)
{
	if (*cap > keep_cap) {
		free(*buf);
		*buf = NULL;
		*cap = 0;
	}
}

void wire_buf__free(char **buf, size_t *len, size_t *cap)
{
	free(*buf);
	*buf = NULL;
	*len = *cap = 0;
}
