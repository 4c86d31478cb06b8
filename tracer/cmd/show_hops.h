/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * show_hops: the part of `mcptrace show` about gateways: the call the
 * client made, the call each gateway made to serve it (linked by
 * calls.parent_call_id), as a waterfall on one time axis, and each
 * gateway's own time.
 */
#ifndef MT_SHOW_HOPS_H
#define MT_SHOW_HOPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;

/* Prints nothing for a call with no linked hop. Text: a "hops" block;
 * JSON: ,"hops":[...] to go inside show's object. Reads within the
 * caller's snapshot. Returns 0 or a negative errno after a line on
 * stderr. */
int show_hops__print(struct sqlite3 *db, FILE *out, int64_t call_id, bool json);

#endif
