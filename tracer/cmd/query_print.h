/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * query_print: the printers behind mcptrace calls, sessions and show, each
 * as an aligned table or as JSON. They take an open DB, so tests can run
 * them on a fixture. Each returns 0 or a negative errno after a line on
 * stderr.
 */
#ifndef MT_QUERY_PRINT_H
#define MT_QUERY_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "db/query.h"

struct sqlite3;

int query_print__calls(struct sqlite3 *db, FILE *out, const struct call_filter *f, long long limit,
		       bool json);
int query_print__sessions(struct sqlite3 *db, FILE *out, bool json);
/* -ENOENT, with a line on stderr, when there is no call call_id. */
int query_print__show(struct sqlite3 *db, FILE *out, int64_t call_id, bool json);

#endif
