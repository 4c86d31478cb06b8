/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * diff: the decisions of `mcptrace diff`, kept apart from the DB so they
 * can be tested on plain structs. A run is summarized per (method, target)
 * into a diff_side; two sides and the thresholds give a set of DIFF_F_*
 * flags; the flags and the thresholds say whether the build fails.
 * Parsing of the threshold options ("20%", "5ms") lives here too.
 *
 * Latencies are nanoseconds, as in the trace DB.
 */
#ifndef MT_DIFF_H
#define MT_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One (method, target) in one trace DB. */
struct diff_side {
	int64_t calls;	 /* requests seen; 0 = absent from this DB */
	int64_t failed;	 /* error, tool_error or unanswered */
	size_t answered; /* calls with a latency; percentiles valid when > 0 */
	int64_t p50, p95, p99;
};

struct diff_thresholds {
	double max_p95_increase_pct;	   /* p95 must grow by more than this, in % ... */
	int64_t min_delta_ns;		   /* ... and by more than this, for a regression */
	double max_error_rate_increase_pp; /* percentage points */
	bool fail_on_missing;		   /* new or gone targets fail the build */
	size_t min_calls; /* answered calls each side needs for its p95 to be judged */
};

#define DIFF_DEFAULT_P95_PCT 20.0
#define DIFF_DEFAULT_MIN_DELTA_NS 5000000LL
#define DIFF_DEFAULT_ERROR_PP 5.0
/* One sample is no distribution: a single initialize (a server's start-up)
 * would fail builds on noise. */
#define DIFF_DEFAULT_MIN_CALLS 5

enum {
	DIFF_F_P95 = 1 << 0,	/* p95 regressed past both thresholds */
	DIFF_F_ERRORS = 1 << 1, /* error rate regressed past its threshold */
	DIFF_F_NEW = 1 << 2,	/* only in HEAD */
	DIFF_F_GONE = 1 << 3,	/* only in BASE */
	DIFF_F_FASTER = 1 << 4, /* p95 fell past both thresholds (informative) */
	DIFF_F_FEW = 1 << 5,	/* too few answered calls to judge p95 (informative) */
};

/* The verdict on one target: a set of DIFF_F_* flags. A target absent from
 * both sides gets 0. Latency is compared only when both sides have at least
 * th->min_calls answered calls (and one at the least), else DIFF_F_FEW is
 * set; the error rate whenever both sides have calls. */
unsigned int diff__judge(const struct diff_side *base, const struct diff_side *head,
			 const struct diff_thresholds *th);

/* Whether flags (from diff__judge) fail the build under th. */
bool diff__fails(unsigned int flags, const struct diff_thresholds *th);

/* The error rate of a side in percent (0 when it has no calls). */
double diff__error_rate(const struct diff_side *s);

/* The change of p95 from base to head in percent of base; 0 when base's p95
 * is 0 or either side has no latency. */
double diff__p95_change_pct(const struct diff_side *base, const struct diff_side *head);

/* Parses a percentage, "20%" or "20" (also "2.5%"), in [0, 1000000].
 * Returns 0, or -EINVAL after printing what is wrong, naming opt. */
int diff__parse_percent(const char *opt, const char *text, double *out);

/* Parses a duration with a unit ns, us, ms or s ("5ms", "1.5s", "250us");
 * a bare "0" is allowed. Rounds to whole nanoseconds, at most one hour.
 * Returns 0, or -EINVAL after printing what is wrong, naming opt. */
int diff__parse_duration(const char *opt, const char *text, int64_t *out_ns);

#endif
