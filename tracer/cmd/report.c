// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report: the page of mcptrace report (see report.h). It reads the DB:
 * the summary counts, the security findings (audit/, as mcptrace audit
 * finds them), the calls grouped per method and target (db/summary.c), the
 * sessions and the first calls of each; and it lays out the page around
 * them. The SVG drawings are report_svg.c's, the
 * escaping and the stylesheet report_html.c's, the options cmd_report.c's.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "audit/audit.h"
#include "cmd/cli.h"
#include "cmd/report.h"
#include "cmd/report_hops.h"
#include "cmd/report_html.h"
#include "cmd/report_svg.h"
#include "db/query.h"
#include "db/store.h"
#include "db/summary.h"

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

		report_svg__fmt_ms(span, sizeof(span),
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

static void ms_cell(FILE *out, const struct call_group *g, int64_t ns)
{
	char ms[32];

	if (!g->lat.n) {
		fputs("<td class=\"num\">-</td>", out);
		return;
	}
	report_svg__fmt_ms(ms, sizeof(ms), ns);
	fprintf(out, "<td class=\"num\">%s</td>", ms);
}

static int write_latency(sqlite3 *db, FILE *out)
{
	struct call_group_list l = {0};
	const struct call_group *g;
	int64_t lo_ns = INT64_MAX, hi_ns = 0;
	size_t n, i;
	char a[32], b[32];
	double lo, hi;
	int err;

	/* every group is read before any is drawn: the histograms share one
	 * axis, from the shortest latency of all to the longest */
	err = summary__read_groups(db, NULL, SUMMARY_BY_METHOD_TARGET, summary__keep_group, &l);
	if (err)
		goto cleanup;
	n = l.n;
	for (i = 0; i < n; i++) {
		g = &l.v[i];
		if (g->answered && g->lat.v[0] < lo_ns)
			lo_ns = g->lat.v[0];
		if (g->answered && g->max > hi_ns)
			hi_ns = g->max;
	}

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
	report_svg__fmt_ms(a, sizeof(a), (int64_t)pow(10, lo));
	report_svg__fmt_ms(b, sizeof(b), (int64_t)pow(10, hi));
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
		g = &l.v[i];
		fputs("<tr class=\"lat\"><td class=\"name method\">", out);
		report_html__put(out, g->key1 ? g->key1 : "-");
		fputs("</td><td class=\"name\">", out);
		report_html__put(out, g->key2 ? g->key2 : "-");
		fprintf(out,
			"</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
			"<td class=\"num\">%lld</td>",
			(long long)g->calls, (long long)g->errors, (long long)g->unanswered);
		ms_cell(out, g, g->p50);
		ms_cell(out, g, g->p90);
		ms_cell(out, g, g->p99);
		ms_cell(out, g, g->max);
		fputs("<td>", out);
		report_svg__hist(out, g, lo, hi);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);

cleanup:
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	summary__list_free(&l);
	return err;
}

/* ---- security findings ---- */

/* What mcptrace audit finds in the DB, as it would print it (no baseline):
 * computed here, read-only, so the page never shows a stale audit. */
static int write_findings(sqlite3 *db, FILE *out)
{
	struct audit_result r = {0};
	size_t by_sev[4] = {0}, i, shown;
	int err = audit__run(db, NULL, &r);

	if (err)
		return err;
	for (i = 0; i < r.n; i++)
		by_sev[r.v[i].sev]++;
	fputs("<section id=\"findings\"><h2>Security findings</h2>\n", out);
	if (!r.n) {
		fputs("<p class=\"note\">mcptrace audit finds nothing in this trace.</p></section>\n",
		      out);
		goto out;
	}
	fprintf(out,
		"<p class=\"note\">What <code>mcptrace audit</code> finds in this trace: %zu high, "
		"%zu medium, %zu low (README, section Audit, explains each rule). Text from the "
		"servers is shown with credentials redacted and invisible characters as "
		"&lt;U+XXXX&gt;.</p>\n",
		by_sev[AUDIT_HIGH], by_sev[AUDIT_MEDIUM], by_sev[AUDIT_LOW]);
	fputs("<table class=\"findings\"><thead><tr><th>severity</th><th>rule</th><th>session</th>"
	      "<th>message</th><th>server</th><th>tool</th><th>finding</th></tr></thead>\n<tbody>\n",
	      out);
	for (i = 0, shown = 0; i < r.n && shown < REPORT_MAX_FINDINGS; i++, shown++) {
		const struct audit_finding *f = &r.v[i];

		fprintf(out, "<tr class=\"finding\"><td class=\"sev %s\">%s</td><td class=\"rule\">%s</td>"
			     "<td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"name\">",
			audit__sev_name(f->sev), audit__sev_name(f->sev), audit_rules[f->rule].id,
			(long long)f->session_id, (long long)f->message_id);
		report_html__put(out, f->server_name ? f->server_name : "?");
		if (f->server_version) {
			fputs(" ", out);
			report_html__put(out, f->server_version);
		}
		if (f->server_command || f->server_url) {
			fputs(" (", out);
			report_html__put(out, f->server_command ? f->server_command : f->server_url);
			fputs(")", out);
		}
		fputs("</td><td class=\"name\">", out);
		report_html__put(out, f->tool ? f->tool : "-");
		fputs("</td><td>", out);
		report_html__put(out, f->explanation);
		if (f->excerpt) {
			fputs("<div class=\"excerpt\">", out);
			report_html__put(out, f->excerpt);
			fputs("</div>", out);
		}
		if (f->detail) {
			fputs("<pre class=\"diff\">", out);
			report_html__put(out, f->detail);
			fputs("</pre>", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	if (r.n > shown)
		fprintf(out, "<p class=\"note\">Only the first %zu of %zu findings are shown: "
			     "mcptrace audit lists them all.</p>\n", shown, r.n);
	fputs("</section>\n", out);
out:
	audit__result_free(&r);
	return 0;
}

/* ---- timeline ---- */

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
static void session_heading(FILE *out, sqlite3_stmt *st)
{
	static const struct {
		int name, version, pid;
		const char *role;
	} ends[2] = {{5, 6, 3, "client"}, {7, 8, 4, "server"}};
	int i;

	fprintf(out, "<h3>Session %lld <span class=\"meta\">",
		(long long)sqlite3_column_int64(st, 0));
	report_html__put(out, (const char *)sqlite3_column_text(st, 1));
	fputs("</span></h3>\n<p class=\"meta\">", out);
	for (i = 0; i < 2; i++) {
		const char *name = (const char *)sqlite3_column_text(st, ends[i].name);
		const char *ver = (const char *)sqlite3_column_text(st, ends[i].version);

		fprintf(out, "%s%s ", i ? " &rarr; " : "", ends[i].role);
		report_html__put(out, name ? name : "(unknown)");
		if (ver) {
			fputc(' ', out);
			report_html__put(out, ver);
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
			report_svg__waterfall(out, cs, n, query__col_i64(st, 9));
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
		report_html__put(out, o->source);
	}
	fprintf(out, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>mcptrace report</h1>\n",
		report_css);
	if (o->source) {
		fputs("<p class=\"meta\">Trace DB ", out);
		report_html__put(out, o->source);
		fputs("</p>\n", out);
	}
	err = write_summary(db, out);
	if (!err)
		err = write_findings(db, out);
	if (!err)
		err = write_latency(db, out);
	if (!err)
		err = report_hops__write(db, out);
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
