/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * diff_print: the comparison of mcptrace diff, one row per (method,
 * target) of either DB, and its printers: text, Markdown, JSON Lines and
 * JUnit XML. The rows are filled and judged by cmd_diff.c with diff.c's
 * verdicts; nothing here reads a DB or decides.
 */
#ifndef MT_DIFF_PRINT_H
#define MT_DIFF_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd/diff.h"

/* One (method, target) of the comparison. */
struct diff_row {
	char *method, *target; /* NULL where the DB has NULL */
	struct diff_side base, head;
	unsigned int flags;
	bool fails;
};

struct diff_set {
	struct diff_row *rows;
	size_t n, cap;
};

/* The table, a line per failing row saying why, and a verdict line. */
void diff_print__text(FILE *out, const struct diff_set *set, const struct diff_thresholds *th);
/* A heading, the limits, the table and the regressions, for a job summary. */
void diff_print__markdown(FILE *out, const struct diff_set *set, const struct diff_thresholds *th);
/* One JSON object per row, then a summary object. Returns 0 or -ENOMEM. */
int diff_print__json(FILE *out, const struct diff_set *set, const struct diff_thresholds *th);
/* Writes path as JUnit XML: a testcase per row, a failure per failing one.
 * Returns 0 or a negative errno after a line on stderr. */
int diff_print__junit(const char *path, const struct diff_set *set,
		      const struct diff_thresholds *th);
/* How many rows fail the build. */
size_t diff_print__failing(const struct diff_set *set);

#endif
