// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * diff: whether HEAD regressed against BASE, one (method, target) at a
 * time, and the parsing of the thresholds. Pure functions over the
 * summaries in diff.h; reading the DBs is cmd_diff.c's (through
 * db/summary.c), printing diff_print.c's.
 *
 * A latency regression needs both a relative and an absolute increase of
 * p95: relative alone fails builds on noise around tiny latencies (0.1 ms
 * to 0.2 ms is +100%), absolute alone on noise around large ones.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/diff.h"

double diff__error_rate(const struct diff_side *s)
{
	if (s->calls <= 0)
		return 0;
	return 100.0 * (double)s->failed / (double)s->calls;
}

double diff__p95_change_pct(const struct diff_side *base, const struct diff_side *head)
{
	if (!base->answered || !head->answered || base->p95 <= 0)
		return 0;
	return 100.0 * (double)(head->p95 - base->p95) / (double)base->p95;
}

/*
 * Whether to went past from by more than pct percent and more than floor
 * nanoseconds. Compared as delta * 100 > pct * from, without a division,
 * so that a change of exactly the threshold (20 ms to 24 ms at 20%) is not
 * over it through rounding.
 */
static bool grew_past(int64_t from, int64_t to, double pct, int64_t floor_ns)
{
	int64_t delta = to - from;

	if (delta <= floor_ns || delta <= 0)
		return false;
	return (double)delta * 100.0 > pct * (double)from;
}

unsigned int diff__judge(const struct diff_side *base, const struct diff_side *head,
			 const struct diff_thresholds *th)
{
	unsigned int flags = 0;
	double lhs, rhs;

	if (base->calls <= 0 && head->calls <= 0)
		return 0;
	if (base->calls <= 0)
		return DIFF_F_NEW;
	if (head->calls <= 0)
		return DIFF_F_GONE;

	if (!base->answered || !head->answered || base->answered < th->min_calls ||
	    head->answered < th->min_calls) {
		flags |= DIFF_F_FEW;
	} else {
		if (grew_past(base->p95, head->p95, th->max_p95_increase_pct, th->min_delta_ns))
			flags |= DIFF_F_P95;
		else if (grew_past(head->p95, base->p95, th->max_p95_increase_pct,
				   th->min_delta_ns))
			flags |= DIFF_F_FASTER;
	}

	/* hf/hc - bf/bc > pp/100, cross-multiplied: exact for counts below
	 * 2^53 / 100, so an increase of exactly pp points passes. */
	lhs = 100.0 * ((double)head->failed * (double)base->calls -
		       (double)base->failed * (double)head->calls);
	rhs = th->max_error_rate_increase_pp * (double)head->calls * (double)base->calls;
	if (lhs > rhs)
		flags |= DIFF_F_ERRORS;
	return flags;
}

bool diff__fails(unsigned int flags, const struct diff_thresholds *th)
{
	if (flags & (DIFF_F_P95 | DIFF_F_ERRORS))
		return true;
	return th->fail_on_missing && (flags & (DIFF_F_NEW | DIFF_F_GONE));
}

/* strtod without its locale, hex, inf and nan: digits with at most one
 * point. Returns the end of the number, or NULL when there is none. */
static const char *parse_decimal(const char *s, double *out)
{
	const char *p = s;
	bool digits = false, point = false;
	char *end;

	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits = true;
		else if (*p == '.' && !point)
			point = true;
		else
			break;
	}
	if (!digits)
		return NULL;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || end != p || !isfinite(*out))
		return NULL;
	return p;
}

int diff__parse_percent(const char *opt, const char *text, double *out)
{
	const char *end;
	double v;

	end = parse_decimal(text, &v);
	if (!end || (*end && strcmp(end, "%") != 0) || v > 1000000.0) {
		fprintf(stderr,
			"mcptrace: %s wants a percentage like 20%% (0 to 1000000), not '%s'\n", opt,
			text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int diff__parse_duration(const char *opt, const char *text, int64_t *out_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	const char *end;
	double v, ns = -1;
	size_t i;

	end = parse_decimal(text, &v);
	if (end && !*end && v == 0)
		ns = 0;
	for (i = 0; end && *end && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit))
			ns = v * units[i].ns;
	if (ns < 0 || ns > 3600e9) {
		fprintf(stderr,
			"mcptrace: %s wants a duration like 5ms (units ns, us, ms, s; at most 1h), "
			"not '%s'\n",
			opt, text);
		return -EINVAL;
	}
	*out_ns = (int64_t)llround(ns);
	return 0;
}
