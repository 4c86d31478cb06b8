/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * summary: the calls of a trace DB summarised per group (method and target,
 * or method, target or session alone), for the readers that print such
 * summaries: stats, report and diff. One pass over the calls ordered by the
 * group's key hands each group, with its counts per status and its sorted
 * latencies, to a callback; what to print, and which counts make up a
 * "failure" for a reader (diff adds unanswered), stays with the reader.
 *
 * Also the one rule of which statuses are errors (a failure for every
 * reader), in C and in SQL.
 */
#ifndef MT_SUMMARY_H
#define MT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/latency.h"

struct sqlite3;

/* The statuses of calls.status that count as errors: a JSON-RPC error, or
 * a tool result with isError. The SQL form is a list for `status IN`. */
#define SUMMARY_ERROR_STATUSES_SQL "('error', 'tool_error')"
bool summary__is_error(const char *status);

/* What the calls are grouped by. */
enum summary_by {
	SUMMARY_BY_METHOD_TARGET, /* key1 method, key2 target */
	SUMMARY_BY_METHOD,	  /* key1 method */
	SUMMARY_BY_TARGET,	  /* key1 target */
	SUMMARY_BY_SESSION,	  /* key1 session id as text */
};

/* One group of calls. The callback may take key1, key2 and lat (setting
 * them to NULL / zero); the reader frees what is left after it returns. */
struct call_group {
	char *key1, *key2; /* NULL where the DB has NULL; key2 NULL but for method+target */
	int64_t calls;	   /* requests seen, whatever became of them */
	int64_t errors;	   /* summary__is_error() */
	int64_t cancelled, unanswered, pending;
	struct lat_vec lat;		 /* the answered calls' latency_ns, sorted */
	size_t answered;		 /* lat.n, kept when lat is taken */
	int64_t p50, p90, p95, p99, max; /* nearest rank; valid when answered > 0 */
};

/* Sorts g's latencies and sets answered and the percentiles from them;
 * the reader does it for each group, a caller that sums groups into one of
 * its own (a total) does it there. */
void summary__finish(struct call_group *g);

typedef int (*summary_group_fn)(struct call_group *g, void *ctx);

/* Groups kept whole, for a reader that needs all of them before it prints
 * (the report's histograms share one axis; stats prints a total). */
struct call_group_list {
	struct call_group *v;
	size_t n, cap;
};

/* A summary_group_fn: moves g (keys, latencies) to the end of the
 * call_group_list ctx. Returns 0 or -ENOMEM. */
int summary__keep_group(struct call_group *g, void *list);
void summary__list_free(struct call_group_list *l);

/* The order of SQLite's ORDER BY with the BINARY collation: NULL first,
 * then bytewise. Groups come in this order; diff merges two DBs by it. */
int summary__key_cmp(const char *a, const char *b);

/*
 * Reads the calls of db grouped by `by`, in key order, and calls fn once
 * per group (never for an empty DB). A non-zero return from fn stops the
 * walk and is returned. Returns 0, -ENOMEM (nothing printed: the caller
 * words it), -EIO after "failed to read calls from NAME: ..." on stderr,
 * name being what the user knows the DB by (NULL: SQLite's file name),
 * or fn's return.
 */
int summary__read_groups(struct sqlite3 *db, const char *name, enum summary_by by,
			 summary_group_fn fn, void *ctx);

/* What one counted call is (MCP 2026-07-28 multi-round calls). */
enum summary_unit {
	SUMMARY_ROUNDS, /* every request: each round of a multi-round call */
	SUMMARY_CALLS,	/* each logical call once: the rounds a request's
			   previous_round_id chain links make one call, with
			   its last round's status and, as latency, from its
			   first request to its last answer */
};

/* summary__read_groups, counting unit; summary__read_groups counts rounds. */
int summary__read_groups_as(struct sqlite3 *db, const char *name, enum summary_by by,
			    enum summary_unit unit, summary_group_fn fn, void *ctx);

#endif
