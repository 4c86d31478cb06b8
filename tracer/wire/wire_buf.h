/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * wire_buf: the one way the framers keep bytes that a feed boundary cut:
 * a stdio line (frame_stdio), an HTTP head (frame_http), an event's data
 * (frame_sse). Each buffer grows by doubling up to a hard bound the framer
 * sets, and is given back once a large one has served its line, so that
 * thousands of idle streams do not each pin the memory of their longest
 * message. The framers keep their own char * and capacity (they are
 * fields of public structs); these helpers only change them.
 */
#ifndef MT_WIRE_BUF_H
#define MT_WIRE_BUF_H

#include <stddef.h>

/* A framer's max setting: 0 means dflt, and the value is capped so that
 * max + 1 and its doubling stay in range. */
size_t wire_buf__limit(size_t max, size_t dflt);
/* Makes *buf hold at least need bytes (need <= max_cap): the capacity
 * doubles from min_cap and never passes max_cap. Returns 0, or -1 with
 * *buf and *cap unchanged if out of memory. */
int wire_buf__reserve(char **buf, size_t *cap, size_t need, size_t min_cap, size_t max_cap);
/* Frees *buf if it grew past keep_cap; the next reserve starts over. */
void wire_buf__shrink(char **buf, size_t *cap, size_t keep_cap);
/* Frees *buf and leaves it empty: NULL, no bytes, no capacity. */
void wire_buf__free(char **buf, size_t *len, size_t *cap);

#endif
