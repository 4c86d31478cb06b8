// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report_svg: the drawings of the HTML report (see report_svg.h): the
 * latency histogram of a group on a shared log axis with its percentile
 * marks, and a session's waterfall of calls coloured by outcome, each with
 * hover titles. Everything drawn comes in as structs; reading the DB and
 * laying out the page are report.c's.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd/report_html.h"
#include "cmd/report_svg.h"
#include "db/store.h"
#include "db/summary.h"

void report_svg__fmt_ms(char *buf, size_t size, int64_t ns)
{
	double ms = (double)ns / 1e6;

	if (ms < 10)
		snprintf(buf, size, "%.3f ms", ms);
	else if (ms < 1000)
		snprintf(buf, size, "%.1f ms", ms);
	else
		snprintf(buf, size, "%.2f s", ms / 1000);
}

static const char *status_class(const char *status)
{
	if (!status)
		return "pending";
	if (summary__is_error(status))
		return "error";
	if (!strcmp(status, "ok") || !strcmp(status, "cancelled") || !strcmp(status, "unanswered"))
		return status;
	return "pending";
}

/* ---- histograms ---- */

#define HIST_BINS 40
#define HIST_W 320
#define HIST_H 34

/* Position of ns on the shared log axis [lo, hi], in [0, 1]. */
static double log_pos(int64_t ns, double lo, double hi)
{
	double v = ns < 1 ? 0 : log10((double)ns);

	if (hi <= lo)
		return 0.5;
	v = (v - lo) / (hi - lo);
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void pmark(FILE *out, const char *cls, const char *label, int64_t ns, double lo, double hi)
{
	char ms[32];
	double x = log_pos(ns, lo, hi) * HIST_W;

	report_svg__fmt_ms(ms, sizeof(ms), ns);
	fprintf(out,
		"<line class=\"pmark %s\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\">"
		"<title>%s %s</title></line>",
		cls, x, x, HIST_H, label, ms);
}

void report_svg__hist(FILE *out, const struct call_group *g, double lo, double hi)
{
	unsigned int bins[HIST_BINS] = {0}, top = 0;
	char a[32], b[32];
	size_t i;
	int k;

	fprintf(out, "<svg class=\"hist\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
		HIST_W, HIST_H, HIST_W, HIST_H);
	fprintf(out, "<line class=\"axis\" x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", HIST_H,
		HIST_W, HIST_H);
	if (!g->lat.n) {
		fputs("</svg>", out);
		return;
	}
	for (i = 0; i < g->lat.n; i++) {
		k = (int)(log_pos(g->lat.v[i], lo, hi) * HIST_BINS);
		if (k >= HIST_BINS)
			k = HIST_BINS - 1;
		if (++bins[k] > top)
			top = bins[k];
	}
	for (k = 0; k < HIST_BINS; k++) {
		double h;

		if (!bins[k])
			continue;
		/* the bin's edges back on the time axis, for its title */
		report_svg__fmt_ms(a, sizeof(a), (int64_t)pow(10, lo + (hi - lo) * k / HIST_BINS));
		report_svg__fmt_ms(b, sizeof(b),
				   (int64_t)pow(10, lo + (hi - lo) * (k + 1) / HIST_BINS));
		h = 2 + (HIST_H - 2) * (double)bins[k] / top;
		fprintf(out,
			"<rect class=\"hbin\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			"<title>%u calls, %s to %s</title></rect>",
			(double)k * HIST_W / HIST_BINS, HIST_H - h, (double)HIST_W / HIST_BINS - 1,
			h, bins[k], a, b);
	}
	pmark(out, "p50", "p50", g->p50, lo, hi);
	pmark(out, "p90", "p90", g->p90, lo, hi);
	pmark(out, "p99", "p99", g->p99, lo, hi);
	fputs("</svg>", out);
}

#define WF_LABEL_W 300
#define WF_CHART_W 760
#define WF_ROW_H 16
#define WF_TOP 22

static void wf_title(FILE *out, const struct wf_call *c)
{
	char ms[32];

	fputs("<title>", out);
	report_html__put(out, c->method ? c->method : "(no method)");
	if (c->target) {
		fputc(' ', out);
		report_html__put(out, c->target);
	}
	fprintf(out, "\n%s, call #%lld, ", c->direction, (long long)c->id);
	report_html__put(out, c->status ? c->status : "?");
	if (c->latency_ns != ST_NULL) {
		report_svg__fmt_ms(ms, sizeof(ms), c->latency_ns);
		fprintf(out, ", %s", ms);
	}
	if (c->error_code != ST_NULL)
		fprintf(out, "\nerror %lld", (long long)c->error_code);
	if (c->error_message) {
		fputs(c->error_code != ST_NULL ? ": " : "\n", out);
		report_html__put(out, c->error_message);
	}
	fputs("</title>", out);
}

/* Label text is cut to fit its column; the title keeps the whole name. */
#define WF_LABEL_CHARS 44

static void wf_label(FILE *out, const struct wf_call *c)
{
	char buf[WF_LABEL_CHARS * 4 + 8];
	size_t len = 0, chars = 0;
	const char *parts[2] = {c->method ? c->method : "(no method)", c->target};
	int i;

	for (i = 0; i < 2; i++) {
		const char *p = parts[i];

		if (!p)
			continue;
		if (i && chars < WF_LABEL_CHARS) {
			buf[len++] = ' ';
			chars++;
		}
		for (; *p && chars < WF_LABEL_CHARS; p++) {
			/* count code points, copy whole UTF-8 sequences */
			if (((unsigned char)*p & 0xc0) != 0x80)
				chars++;
			buf[len++] = *p;
		}
		while (*p && ((unsigned char)*p & 0xc0) == 0x80)
			buf[len++] = *p++;
		if (*p && len + 3 < sizeof(buf)) {
			memcpy(buf + len, "\xe2\x80\xa6", 3); /* … */
			len += 3;
			chars = WF_LABEL_CHARS;
		}
	}
	buf[len] = 0;
	report_html__put(out, buf);
}

void report_svg__waterfall(FILE *out, const struct wf_call *cs, size_t n, int64_t session_end)
{
	int64_t t0 = cs[0].start_ns, t1 = t0;
	double scale, x, w, y;
	char ms[32];
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		if (cs[i].end_ns != ST_NULL && cs[i].end_ns > t1)
			t1 = cs[i].end_ns;
		if (cs[i].start_ns > t1)
			t1 = cs[i].start_ns;
	}
	/* unanswered calls run to the session's end, when it is known and
	 * not far past the last answer */
	if (session_end != ST_NULL && session_end > t1 && session_end - t0 < 2 * (t1 - t0 + 1))
		t1 = session_end;
	if (t1 <= t0)
		t1 = t0 + 1000;
	scale = (double)WF_CHART_W / (double)(t1 - t0);

	fprintf(
	    out,
	    "<svg class=\"waterfall\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
	    "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\""
	    " patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#e69a00\"/>"
	    "</pattern></defs>\n",
	    WF_LABEL_W + WF_CHART_W + 10, WF_TOP + (int)n * WF_ROW_H + 4,
	    WF_LABEL_W + WF_CHART_W + 10, WF_TOP + (int)n * WF_ROW_H + 4);
	for (k = 0; k <= 4; k++) {
		x = WF_LABEL_W + WF_CHART_W * k / 4.0;
		report_svg__fmt_ms(ms, sizeof(ms), (t1 - t0) * k / 4);
		fprintf(out,
			"<line class=\"axis\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"%d\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"11\" text-anchor=\"%s\">+%s</text>\n",
			x, x, WF_TOP + (int)n * WF_ROW_H, x,
			k == 0	 ? "start"
			: k == 4 ? "end"
				 : "middle",
			ms);
	}
	for (i = 0; i < n; i++) {
		const struct wf_call *c = &cs[i];
		const char *cls = status_class(c->status);
		int64_t end = c->end_ns != ST_NULL ? c->end_ns : t1;

		y = WF_TOP + (double)i * WF_ROW_H;
		x = WF_LABEL_W + (double)(c->start_ns - t0) * scale;
		w = (double)(end - c->start_ns) * scale;
		if (w < 1.5)
			w = 1.5;
		fprintf(out, "<g class=\"call %s\">", cls);
		wf_title(out, c);
		fprintf(out, "<text x=\"0\" y=\"%.1f\">", y + 11);
		wf_label(out, c);
		fprintf(out,
			"</text><rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%d\" rx=\"2\"/>",
			cls, x, y + 2, w, WF_ROW_H - 4);
		if (!strcmp(cls, "unanswered"))
			fprintf(out,
				"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
				"text-anchor=\"end\">unanswered</text>",
				WF_LABEL_W + WF_CHART_W - 2.0, y + 11);
		fputs("</g>\n", out);
	}
	fputs("</svg>\n", out);
}
