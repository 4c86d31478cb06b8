/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report: the HTML report of a trace DB (mcptrace report). One
 * self-contained file: inline CSS and inline SVG, no script and no fetch,
 * so it can be attached to a CI job or mailed and opened anywhere.
 * report.c reads the DB and lays out the page; report_svg.c draws,
 * report_html.c escapes and holds the stylesheet.
 */
#ifndef MT_REPORT_H
#define MT_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct sqlite3;

/* Calls drawn per session in the timeline, and sessions drawn; what is past
 * them is counted in the page, not drawn, so a big DB gives a page a
 * browser can still open. */
#define REPORT_MAX_CALLS 500
#define REPORT_MAX_SESSIONS 200
/* Security findings listed (mcptrace audit, run on the DB as the page is
 * written); the page says how many more there are. */
#define REPORT_MAX_FINDINGS 200

struct report_opts {
	size_t max_calls;    /* per session in the timeline; 0 = REPORT_MAX_CALLS */
	size_t max_sessions; /* 0 = REPORT_MAX_SESSIONS */
	const char *source;  /* shown as where the data came from (the DB path) */
};

/* Writes the whole page for db on out. Returns 0 or a negative errno (with
 * a line on stderr). */
int report__write(struct sqlite3 *db, FILE *out, const struct report_opts *o);

#endif
