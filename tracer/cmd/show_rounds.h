/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * show_rounds: the part of `mcptrace show` about MCP 2026-07-28 multi-round
 * calls: every round of the logical call a call belongs to, in order, with
 * what each input_required round asked the client for.
 */
#ifndef MT_SHOW_ROUNDS_H
#define MT_SHOW_ROUNDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;

/* Prints nothing for a call of one round. Text: a "rounds" block; JSON:
 * ,"rounds":[...],"end_to_end_ns":N to go inside show's object. Reads
 * within the caller's snapshot. Returns 0 or a negative errno after a
 * line on stderr. */
int show_rounds__print(struct sqlite3 *db, FILE *out, int64_t call_id, bool json);

#endif
