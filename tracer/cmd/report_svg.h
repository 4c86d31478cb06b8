/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report_svg: the inline SVG of the HTML report: a histogram per method
 * and target and a waterfall per session. The colours come from classes
 * of report_css (report_html.h), so the drawings, the legend and the
 * tables agree.
 */
#ifndef MT_REPORT_SVG_H
#define MT_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct call_group;

/* One call of a session's waterfall. */
struct wf_call {
	char *method, *target, *status, *error_message;
	int64_t id, start_ns, end_ns;	/* end_ns ST_NULL when there is none */
	int64_t latency_ns, error_code; /* ST_NULL when NULL */
	char direction[4];
};

/* A latency as the page shows it: "1.234 ms", "12.3 ms", "1.23 s". */
void report_svg__fmt_ms(char *buf, size_t size, int64_t ns);

/* The histogram of g's latencies with p50/p90/p99 marks, on the log axis
 * [lo, hi] (log10 of ns) that every group of the page shares. */
void report_svg__hist(FILE *out, const struct call_group *g, double lo, double hi);

/* The waterfall of n > 0 calls (in start order) of a session that ended
 * at session_end (ST_NULL when unknown). The axis runs from the first start
 * to the last start or end, stretched to session_end when that is not far
 * past it, so unanswered calls show running to the end. */
void report_svg__waterfall(FILE *out, const struct wf_call *cs, size_t n, int64_t session_end);

#endif
