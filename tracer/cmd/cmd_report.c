// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace report: one self-contained HTML page about a trace DB: a summary
 * (runs, sessions, calls, failures), the latency distribution of each
 * method and target as an inline SVG histogram with p50/p90/p99 marks, and
 * a waterfall of each session's calls, bars from start to end coloured by
 * outcome, with hover titles. No script and no external resource: the page
 * is meant to be kept as a CI artifact and opened anywhere.
 *
 * It only reads (store__open_readonly), so it works while mcptrace writes.
 * The waterfall is capped per session and in sessions (report.h), and the
 * page says what it left out.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/report.h"
#include "db/query.h"
#include "db/store.h"
#include "db/summary.h"

static const char report_help[] =
    "Usage: mcptrace report --html FILE [--db DB]\n"
    "       mcptrace report --help\n"
    "\n"
    "Writes an HTML report of a trace DB: a summary, the latency distribution\n"
    "of each method and target (histogram with p50, p90, p99), and a timeline\n"
    "of each session's calls (errors in red, unanswered hatched in amber).\n"
    "The page is one file, with no script and nothing fetched from elsewhere.\n"
    "\n"
    "OPTIONS := { --html FILE | --db DB | --help }\n"
    "   --html FILE   the page to write (replaced if it exists); - for stdout\n"
    "   --db DB       trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --help        print this and exit\n"
    "\n"
    "The timeline shows the first 500 calls of each session and the first 200\n"
    "sessions, and says so where it stops.\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace report --html report.html --db trace.db\n"
    "\n"
    "Exit status: 0 done, 1 the DB could not be read or the page written,\n"
    "2 usage error.\n";

/* ---- small helpers ---- */

static void fmt_ms(char *buf, size_t size, int64_t ns)
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

/* ---- summary ---- */

static void card(FILE *out, const char *name, long long v, bool bad)
{
	fprintf(out, "<div class=\"card%s\"><dt>%s</dt><dd>%lld</dd></div>\n",
		bad && v ? " bad" : "", name, v);
}

static int write_summary(sqlite3 *db, FILE *out)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM sessions), count(*),"
	    " coalesce(sum(status IN " SUMMARY_ERROR_STATUSES_SQL "), 0),"
	    " coalesce(sum(status = 'unanswered'), 0), coalesce(sum(status = 'cancelled'), 0),"
	    " coalesce(sum(status = 'pending'), 0), min(start_ns),"
	    " max(coalesce(end_ns, start_ns)) FROM calls";
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		err = query__read_error(db, "the summary");
		goto cleanup;
	}
	fputs("<section id=\"summary\"><h2>Summary</h2>\n<dl class=\"cards\">\n", out);
	card(out, "sessions", sqlite3_column_int64(st, 1), false);
	card(out, "calls", sqlite3_column_int64(st, 2), false);
	card(out, "errors", sqlite3_column_int64(st, 3), true);
	card(out, "unanswered", sqlite3_column_int64(st, 4), true);
	card(out, "cancelled", sqlite3_column_int64(st, 5), false);
	card(out, "pending", sqlite3_column_int64(st, 6), false);
	card(out, "runs", sqlite3_column_int64(st, 0), false);
	fputs("</dl>\n", out);
	if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
		char span[32];
		time_t t = (time_t)(sqlite3_column_int64(st, 7) / 1000000000);
		char when[64];
		struct tm tm;

		fmt_ms(span, sizeof(span),
		       sqlite3_column_int64(st, 8) - sqlite3_column_int64(st, 7));
		if (!gmtime_r(&t, &tm) ||
		    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
			snprintf(when, sizeof(when), "?");
		fprintf(out,
			"<p class=\"note\">Calls from %s over %s. Errors are JSON-RPC errors "
			"and tool results with isError.</p>\n",
			when, span);
	}
	fputs("</section>\n", out);

cleanup:
	sqlite3_finalize(st);
	return err;
}

/* ---- latency per method and target ---- */

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

	fmt_ms(ms, sizeof(ms), ns);
	fprintf(out,
		"<line class=\"pmark %s\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\">"
		"<title>%s %s</title></line>",
		cls, x, x, HIST_H, label, ms);
}

static void write_hist(FILE *out, const struct call_group *g, double lo, double hi)
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
		fmt_ms(a, sizeof(a), (int64_t)pow(10, lo + (hi - lo) * k / HIST_BINS));
		fmt_ms(b, sizeof(b), (int64_t)pow(10, lo + (hi - lo) * (k + 1) / HIST_BINS));
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

static void ms_cell(FILE *out, const struct call_group *g, int64_t ns)
{
	char ms[32];

	if (!g->lat.n) {
		fputs("<td class=\"num\">-</td>", out);
		return;
	}
	fmt_ms(ms, sizeof(ms), ns);
	fprintf(out, "<td class=\"num\">%s</td>", ms);
}

/* Every (method, target) group, kept whole: the histograms share one
 * axis, so none can be drawn before the last group is read. */
struct group_list {
	struct call_group *gs;
	size_t n, cap;
	int64_t lo_ns, hi_ns; /* the shortest and longest latency of all */
};

static void groups_free(struct group_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->gs[i].key1);
		free(l->gs[i].key2);
		lat_vec__free(&l->gs[i].lat);
	}
	free(l->gs);
}

static int keep_group(struct call_group *g, void *ctx)
{
	struct group_list *l = ctx;
	struct call_group *ngs;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		ngs = realloc(l->gs, cap * sizeof(*ngs));
		if (!ngs)
			return -ENOMEM;
		l->gs = ngs;
		l->cap = cap;
	}
	if (g->lat.n && g->lat.v[0] < l->lo_ns)
		l->lo_ns = g->lat.v[0];
	if (g->lat.n && g->lat.v[g->lat.n - 1] > l->hi_ns)
		l->hi_ns = g->lat.v[g->lat.n - 1];
	/* the list takes the group's keys and latencies */
	l->gs[l->n++] = *g;
	memset(g, 0, sizeof(*g));
	return 0;
}

static int write_latency(sqlite3 *db, FILE *out)
{
	struct group_list l = {.lo_ns = INT64_MAX, .hi_ns = 0};
	const struct call_group *g;
	int64_t lo_ns, hi_ns;
	size_t n, i;
	char a[32], b[32];
	double lo, hi;
	int err;

	err = summary__read_groups(db, NULL, SUMMARY_BY_METHOD_TARGET, keep_group, &l);
	if (err)
		goto cleanup;
	n = l.n;
	lo_ns = l.lo_ns;
	hi_ns = l.hi_ns;

	/* One log axis for every row, so rows compare at a glance; it starts
	 * at 1 us at the lowest, where log10 of sub-microsecond noise would
	 * stretch it. */
	if (lo_ns < 1000)
		lo_ns = 1000;
	if (hi_ns < lo_ns)
		hi_ns = lo_ns;
	lo = floor(log10((double)lo_ns) * 4) / 4;
	hi = ceil(log10((double)hi_ns) * 4) / 4;
	if (hi <= lo)
		hi = lo + 0.25;

	fputs("<section id=\"latency\"><h2>Latency per method and target</h2>\n", out);
	if (!n) {
		fputs("<p class=\"note\">No calls in this DB.</p></section>\n", out);
		goto cleanup;
	}
	fmt_ms(a, sizeof(a), (int64_t)pow(10, lo));
	fmt_ms(b, sizeof(b), (int64_t)pow(10, hi));
	fprintf(
	    out,
	    "<p class=\"note\">Histograms share one log scale, %s to %s, over the answered "
	    "calls; marks: <span style=\"color:#1a8a4a\">p50</span>, "
	    "<span style=\"color:#e69a00\">p90</span>, <span style=\"color:#d0342c\">p99</span> "
	    "(nearest rank, as in mcptrace stats).</p>\n",
	    a, b);
	fputs("<table class=\"latency\"><thead><tr><th>method</th><th>target</th><th>calls</th>"
	      "<th>errors</th><th>unanswered</th><th>p50</th><th>p90</th><th>p99</th><th>max</th>"
	      "<th>distribution</th></tr></thead>\n<tbody>\n",
	      out);
	for (i = 0; i < n; i++) {
		g = &l.gs[i];
		fputs("<tr class=\"lat\"><td class=\"name method\">", out);
		report__put_html(out, g->key1 ? g->key1 : "-");
		fputs("</td><td class=\"name\">", out);
		report__put_html(out, g->key2 ? g->key2 : "-");
		fprintf(out,
			"</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
			"<td class=\"num\">%lld</td>",
			(long long)g->calls, (long long)g->errors, (long long)g->unanswered);
		ms_cell(out, g, g->p50);
		ms_cell(out, g, g->p90);
		ms_cell(out, g, g->p99);
		ms_cell(out, g, g->max);
		fputs("<td>", out);
		write_hist(out, g, lo, hi);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);

cleanup:
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	groups_free(&l);
	return err;
}

/* ---- timeline ---- */

struct wf_call {
	char *method, *target, *status, *error_message;
	int64_t id, start_ns, end_ns;	/* end_ns ST_NULL when there is none */
	int64_t latency_ns, error_code; /* ST_NULL when NULL */
	char direction[4];
};

static void wf_free(struct wf_call *cs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cs[i].method);
		free(cs[i].target);
		free(cs[i].status);
		free(cs[i].error_message);
	}
	free(cs);
}

#define WF_LABEL_W 300
#define WF_CHART_W 760
#define WF_ROW_H 16
#define WF_TOP 22

/* Loads up to max calls of session sid, in start order, into *out. */
static int wf_load(sqlite3 *db, int64_t sid, size_t max, struct wf_call **out, size_t *n_out)
{
	static const char sql[] =
	    "SELECT id, direction, method, target, start_ns, end_ns, latency_ns, status,"
	    " error_code, error_message FROM calls"
	    " WHERE session_id = ?1 AND start_ns IS NOT NULL ORDER BY start_ns, id LIMIT ?2";
	struct wf_call *cs = NULL, *c;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int err = 0, rc;

	cs = calloc(max ? max : 1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, sid);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW && n < max; rc = sqlite3_step(st)) {
		const unsigned char *dir = sqlite3_column_text(st, 1);

		c = &cs[n++];
		c->id = sqlite3_column_int64(st, 0);
		snprintf(c->direction, sizeof(c->direction), "%s", dir ? (const char *)dir : "");
		c->method = query__col_dup(st, 2, &err);
		c->target = query__col_dup(st, 3, &err);
		c->start_ns = sqlite3_column_int64(st, 4);
		c->end_ns = query__col_i64(st, 5);
		c->latency_ns = query__col_i64(st, 6);
		c->status = query__col_dup(st, 7, &err);
		c->error_code = query__col_i64(st, 8);
		c->error_message = query__col_dup(st, 9, &err);
		if (err)
			goto cleanup;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = query__read_error(db, "calls");

cleanup:
	sqlite3_finalize(st);
	if (err) {
		wf_free(cs, n);
		return err;
	}
	*out = cs;
	*n_out = n;
	return 0;
}

/* The hover title of a bar: what a reader needs to find the call in SQL. */
static void wf_title(FILE *out, const struct wf_call *c)
{
	char ms[32];

	fputs("<title>", out);
	report__put_html(out, c->method ? c->method : "(no method)");
	if (c->target) {
		fputc(' ', out);
		report__put_html(out, c->target);
	}
	fprintf(out, "\n%s, call #%lld, ", c->direction, (long long)c->id);
	report__put_html(out, c->status ? c->status : "?");
	if (c->latency_ns != ST_NULL) {
		fmt_ms(ms, sizeof(ms), c->latency_ns);
		fprintf(out, ", %s", ms);
	}
	if (c->error_code != ST_NULL)
		fprintf(out, "\nerror %lld", (long long)c->error_code);
	if (c->error_message) {
		fputs(c->error_code != ST_NULL ? ": " : "\n", out);
		report__put_html(out, c->error_message);
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
	report__put_html(out, buf);
}

static void wf_svg(FILE *out, const struct wf_call *cs, size_t n, int64_t session_end)
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
		fmt_ms(ms, sizeof(ms), (t1 - t0) * k / 4);
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

static void session_heading(FILE *out, sqlite3_stmt *st)
{
	static const struct {
		int name, version, pid;
		const char *role;
	} ends[2] = {{5, 6, 3, "client"}, {7, 8, 4, "server"}};
	int i;

	fprintf(out, "<h3>Session %lld <span class=\"meta\">",
		(long long)sqlite3_column_int64(st, 0));
	report__put_html(out, (const char *)sqlite3_column_text(st, 1));
	fputs("</span></h3>\n<p class=\"meta\">", out);
	for (i = 0; i < 2; i++) {
		const char *name = (const char *)sqlite3_column_text(st, ends[i].name);
		const char *ver = (const char *)sqlite3_column_text(st, ends[i].version);

		fprintf(out, "%s%s ", i ? " &rarr; " : "", ends[i].role);
		report__put_html(out, name ? name : "(unknown)");
		if (ver) {
			fputc(' ', out);
			report__put_html(out, ver);
		}
		if (sqlite3_column_type(st, ends[i].pid) != SQLITE_NULL)
			fprintf(out, " (pid %lld)",
				(long long)sqlite3_column_int64(st, ends[i].pid));
	}
}

static int write_timeline(sqlite3 *db, FILE *out, const struct report_opts *o)
{
	static const char sql[] =
	    "SELECT s.id, s.transport, s.started_ns, s.client_pid, s.server_pid, s.client_name,"
	    " s.client_version, s.server_name, s.server_version, s.ended_ns,"
	    " (SELECT count(*) FROM calls c WHERE c.session_id = s.id),"
	    " (SELECT count(*) FROM calls c WHERE c.session_id = s.id AND c.start_ns IS NULL)"
	    " FROM sessions s ORDER BY s.started_ns, s.id";
	size_t max_calls = o->max_calls ? o->max_calls : REPORT_MAX_CALLS;
	size_t max_sessions = o->max_sessions ? o->max_sessions : REPORT_MAX_SESSIONS;
	size_t shown = 0, skipped = 0, n = 0;
	struct wf_call *cs = NULL;
	sqlite3_stmt *st = NULL;
	int err = 0, rc;

	fputs("<section id=\"timeline\"><h2>Timeline</h2>\n<p class=\"legend\">"
	      "<span><i class=\"sw ok\"></i>ok</span><span><i class=\"sw error\"></i>error</span>"
	      "<span><i class=\"sw unanswered\"></i>unanswered (to the end of the session)</span>"
	      "<span><i class=\"sw cancelled\"></i>cancelled</span>"
	      "<span><i class=\"sw pending\"></i>pending</span></p>\n",
	      out);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		int64_t total = sqlite3_column_int64(st, 10);
		int64_t no_start = sqlite3_column_int64(st, 11);

		if (shown == max_sessions) {
			skipped++;
			continue;
		}
		shown++;
		fprintf(out, "<div class=\"session\" id=\"session-%lld\">\n",
			(long long)sqlite3_column_int64(st, 0));
		session_heading(out, st);
		fprintf(out, ", %lld calls", (long long)total);
		if ((size_t)(total - no_start) > max_calls)
			fprintf(out, "; <strong>only the first %zu calls are drawn</strong>",
				max_calls);
		if (no_start)
			fprintf(out, "; %lld without a start time, not drawn", (long long)no_start);
		fputs("</p>\n", out);
		if (total - no_start <= 0) {
			fputs("</div>\n", out);
			continue;
		}
		err = wf_load(db, sqlite3_column_int64(st, 0), max_calls, &cs, &n);
		if (err)
			goto cleanup;
		if (n) {
			fputs("<div class=\"wf\">", out);
			wf_svg(out, cs, n, query__col_i64(st, 9));
			fputs("</div>\n", out);
		}
		wf_free(cs, n);
		fputs("</div>\n", out);
	}
	if (rc != SQLITE_DONE) {
		err = query__read_error(db, "sessions");
		goto cleanup;
	}
	if (!shown)
		fputs("<p class=\"note\">No sessions in this DB.</p>\n", out);
	if (skipped)
		fprintf(out,
			"<p class=\"note\"><strong>%zu more sessions not drawn</strong> "
			"(the first %zu are).</p>\n",
			skipped, max_sessions);
	fputs("</section>\n", out);

cleanup:
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	sqlite3_finalize(st);
	return err;
}

int report__write(sqlite3 *db, FILE *out, const struct report_opts *o)
{
	int err;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>mcptrace report",
	      out);
	if (o->source) {
		fputs(": ", out);
		report__put_html(out, o->source);
	}
	fprintf(out, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>mcptrace report</h1>\n",
		report_css);
	if (o->source) {
		fputs("<p class=\"meta\">Trace DB ", out);
		report__put_html(out, o->source);
		fputs("</p>\n", out);
	}
	err = write_summary(db, out);
	if (!err)
		err = write_latency(db, out);
	if (!err)
		err = write_timeline(db, out, o);
	if (err)
		return err;
	fprintf(out,
		"<footer>Written by mcptrace %s. Hover a bar or a histogram bin for "
		"details.</footer>\n</body></html>\n",
		MCPTRACE_VERSION);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"html", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct report_opts ro = {0};
	const char *path = CLI_DEFAULT_DB, *html = NULL;
	char *tmp = NULL;
	sqlite3 *db = NULL;
	FILE *out = NULL;
	int c, err = 0, fd;
	mode_t um;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			html = optarg;
			break;
		case 'd':
			path = optarg;
			break;
		case 'h':
			fputs(report_help, stdout);
			return 0;
		default:
			return cli__getopt_error("report", c, argc, argv);
		}
	}
	if (optind < argc)
		return cli__usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (!html || !*html) {
		fprintf(stderr,
			"mcptrace: report needs --html FILE (see mcptrace report --help)\n");
		return 2;
	}
	if (!*path) {
		fprintf(stderr, "mcptrace: --db needs a file name\n");
		return 2;
	}

	if (store__open_readonly(&db, path))
		return 1;
	ro.source = path;
	if (!strcmp(html, "-")) {
		err = report__write(db, stdout, &ro);
		if (!err && fflush(stdout) != 0) {
			fprintf(stderr, "mcptrace: failed to write the report: %s\n",
				strerror(errno));
			err = -EIO;
		}
		goto cleanup;
	}
	/* Written beside FILE and renamed over it, so a failed run never
	 * leaves half a page where the last good one was. */
	if (asprintf(&tmp, "%s.XXXXXX", html) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		fprintf(stderr, "mcptrace: out of memory\n");
		goto cleanup;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to create %s: %s\n", html, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto cleanup;
	}
	/* mkstemp makes it 0600; a page is for sharing, as a file the user
	 * created would be */
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) != 0)
		fprintf(stderr, "mcptrace: warning: failed to chmod %s: %s\n", tmp,
			strerror(errno));
	err = report__write(db, out, &ro);
	if (ferror(out) | fclose(out)) {
		if (!err)
			fprintf(stderr, "mcptrace: failed to write %s: %s\n", html,
				strerror(errno));
		err = err ? err : -EIO;
	}
	if (!err && rename(tmp, html) != 0) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to write %s: %s\n", html, strerror(errno));
	}
	if (err)
		unlink(tmp);

cleanup:
	free(tmp);
	sqlite3_close(db);
	return err ? 1 : 0;
}
