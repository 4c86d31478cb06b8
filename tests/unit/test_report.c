// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of mcptrace report: HTML escaping (tracer/cmd/report_html.c), the
 * structure of the page for a fixture DB written through the store (one
 * histogram per method and target, one bar per drawn call, the cap on the
 * waterfall stated in the page, hostile names shown as text), and the exit
 * statuses of the command (tracer/cmd/cmd_report.c; the page in report.c and
 * report_svg.c).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "cmd/commands.h"
#include "cmd/report.h"
#include "cmd/report_html.h"
#include "db/store.h"

static char tmpdir[] = "/tmp/mt_test_report.XXXXXX";
static char db_path[128], html_path[128], out_path[128], err_path[128];

/* report_html__put into a string (static, overwritten by the next call). */
static const char *escaped(const char *s)
{
	static char *buf;
	size_t size;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &size);
	if (!f)
		return "";
	report_html__put(f, s);
	fclose(f);
	return buf;
}

static void test_escape(void)
{
	CHECK_EQ_STR(escaped("plain tools/call"), "plain tools/call");
	CHECK_EQ_STR(escaped("<script>alert(\"x\")</script>"),
		     "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	CHECK_EQ_STR(escaped("a&b 'q'"), "a&amp;b &#39;q&#39;");
	CHECK_EQ_STR(escaped("&amp;"), "&amp;amp;");
	/* UTF-8 passes; control characters become U+FFFD, tab and newline stay */
	CHECK_EQ_STR(escaped("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
	CHECK_EQ_STR(escaped("a\x1b[2Jb\x7f"), "a\xef\xbf\xbd[2Jb\xef\xbf\xbd");
	CHECK_EQ_STR(escaped("a\tb\nc"), "a\tb\nc");
	CHECK_EQ_STR(escaped(""), "");
	CHECK_EQ_STR(escaped(NULL), "");
}

#define EVIL "<img src=x onerror=alert(1)>"

/* Session 1: 5 calls (ok, error, tool_error, unanswered, a hostile name);
 * session 2: 7 ok calls of "echo"; session 3: no calls. */
static int make_fixture(const char *path)
{
	static const struct {
		int session;
		const char *method, *target, *status;
		double start_ms, ms; /* ms < 0: unanswered */
	} calls[] = {
	    {1, "initialize", NULL, "ok", 0, 12},
	    {1, "tools/call", "echo", "error", 15, 3},
	    {1, "tools/call", "add", "tool_error", 20, 7},
	    {1, "tools/call", "echo", "unanswered", 30, -1},
	    {1, "tools/call", EVIL, "ok", 35, 2},
	    {2, "tools/call", "echo", "ok", 100, 1},
	    {2, "tools/call", "echo", "ok", 101, 2},
	    {2, "tools/call", "echo", "ok", 102, 3},
	    {2, "tools/call", "echo", "ok", 103, 4},
	    {2, "tools/call", "echo", "ok", 104, 5},
	    {2, "tools/call", "echo", "ok", 105, 6},
	    {2, "tools/call", "echo", "ok", 106, 70},
	};
	struct st_session sess[3] = {0};
	const int64_t t0 = 1700000000000000000LL;
	struct store *s = NULL;
	size_t i;
	int err;

	err = store__open(&s, path);
	if (err)
		return err;
	for (i = 0; !err && i < 3; i++) {
		sess[i] = (struct st_session){.transport = "stdio",
					      .client_pid = 100 + (int64_t)i,
					      .server_pid = 200 + (int64_t)i,
					      .client_name = i == 0 ? "host<1>" : "host",
					      .client_version = "1.0",
					      .server_name = "srv",
					      .started_ns = t0 + (int64_t)i,
					      .ended_ns = t0 + 200000000};
		err = store__add_session(s, &sess[i]);
	}
	for (i = 0; !err && i < sizeof(calls) / sizeof(calls[0]); i++) {
		int64_t start = t0 + (int64_t)(calls[i].start_ms * 1e6);
		bool answered = calls[i].ms >= 0;
		struct st_call c = {
		    .session_id = sess[calls[i].session - 1].id,
		    .rpc_id = "1",
		    .direction = "c2s",
		    .method = calls[i].method,
		    .target = calls[i].target,
		    .start_ns = start,
		    .end_ns = answered ? start + (int64_t)(calls[i].ms * 1e6) : ST_NULL,
		    .latency_ns = answered ? (int64_t)(calls[i].ms * 1e6) : ST_NULL,
		    .server_latency_ns = ST_NULL,
		    .status = calls[i].status,
		    .error_code = !strcmp(calls[i].status, "error") ? -32602 : ST_NULL,
		    .error_message = !strcmp(calls[i].status, "error") ? "bad <args>" : NULL,
		};
		err = store__add_call(s, &c);
	}
	store__close(s);
	return err;
}

static char *page;

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; hay && (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

/* Writes the report of the fixture with opts into page. */
static int render(const struct report_opts *o)
{
	sqlite3 *db = NULL;
	size_t size;
	FILE *f;
	int err;

	free(page);
	page = NULL;
	err = store__open_readonly(&db, db_path);
	if (err)
		return err;
	f = open_memstream(&page, &size);
	if (!f) {
		sqlite3_close(db);
		return -1;
	}
	err = report__write(db, f, o);
	fclose(f);
	sqlite3_close(db);
	return err;
}

static void test_structure(void)
{
	struct report_opts o = {.source = "fixture.db"};

	CHECK_EQ_INT(render(&o), 0);
	if (!page)
		return;
	CHECK(strncmp(page, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
	CHECK(strstr(page, "</body></html>\n") != NULL);
	/* the summary */
	CHECK(strstr(page, "<dt>sessions</dt><dd>3</dd>") != NULL);
	CHECK(strstr(page, "<dt>calls</dt><dd>12</dd>") != NULL);
	CHECK(strstr(page, "<dt>errors</dt><dd>2</dd>") != NULL);
	CHECK(strstr(page, "<dt>unanswered</dt><dd>1</dd>") != NULL);
	/* one latency row and histogram per (method, target): add, echo,
	 * EVIL, initialize */
	CHECK_EQ_INT(count_str(page, "<tr class=\"lat\">"), 4);
	CHECK_EQ_INT(count_str(page, "<svg class=\"hist\""), 4);
	CHECK_EQ_INT(count_str(page, "class=\"pmark p50\""), 4);
	CHECK(strstr(page, "<td class=\"name\">echo</td><td class=\"num\">9</td>"
			   "<td class=\"num\">1</td><td class=\"num\">1</td>") != NULL);
	/* echo's 8 answered latencies: 1..6, 3 (session 1's error) and 70 ms;
	 * p50 (rank 4) is 3 ms, p90 (rank 8) and p99 are 70 ms */
	CHECK(strstr(page, "<td class=\"num\">3.000 ms</td><td class=\"num\">70.0 ms</td>"
			   "<td class=\"num\">70.0 ms</td><td class=\"num\">70.0 ms</td>") != NULL);
	/* the waterfall: a bar per call of sessions 1 and 2, in colours */
	CHECK_EQ_INT(count_str(page, "<svg class=\"waterfall\""), 2);
	CHECK_EQ_INT(count_str(page, "<rect class=\"bar "), 12);
	CHECK_EQ_INT(count_str(page, "<rect class=\"bar error\""), 2);
	CHECK_EQ_INT(count_str(page, "<rect class=\"bar unanswered\""), 1);
	CHECK_EQ_INT(count_str(page, ">unanswered</text>"), 1);
	CHECK_EQ_INT(count_str(page, "<rect class=\"bar ok\""), 9);
	CHECK(strstr(page, "<title>tools/call echo\nc2s, call #") != NULL);
	CHECK(strstr(page, "error, 3.000 ms\nerror -32602: bad &lt;args&gt;</title>") != NULL);
	CHECK_EQ_INT(count_str(page, "<div class=\"session\""), 3);
	CHECK(strstr(page, "only the first") == NULL);
	/* nothing from the DB comes through as markup; nothing is fetched */
	CHECK(strstr(page, EVIL) == NULL);
	CHECK(strstr(page, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
	CHECK(strstr(page, "client host&lt;1&gt; 1.0 (pid 100)") != NULL);
	CHECK(strstr(page, "<script") == NULL);
	CHECK(strstr(page, "http://") == NULL && strstr(page, "https://") == NULL);
	CHECK(strstr(page, "<img") == NULL && strstr(page, "<link") == NULL);
	CHECK(strstr(page, "<a ") == NULL && strstr(page, "@import") == NULL);
}

static void test_caps(void)
{
	struct report_opts o = {.max_calls = 3, .max_sessions = 1};

	CHECK_EQ_INT(render(&o), 0);
	if (!page)
		return;
	CHECK_EQ_INT(count_str(page, "<svg class=\"waterfall\""), 1);
	CHECK_EQ_INT(count_str(page, "<rect class=\"bar "), 3);
	CHECK(strstr(page, "5 calls; <strong>only the first 3 calls are drawn</strong>") != NULL);
	CHECK(strstr(page, "<strong>2 more sessions not drawn</strong> (the first 1 are)") != NULL);
	/* the latency table still covers every call */
	CHECK_EQ_INT(count_str(page, "<tr class=\"lat\">"), 4);
}

static void test_empty(void)
{
	char path[160];
	struct report_opts o = {0};
	struct store *s = NULL;
	sqlite3 *db = NULL;
	size_t size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/empty.db", tmpdir);
	CHECK_EQ_INT(store__open(&s, path), 0);
	store__close(s);
	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	free(page);
	page = NULL;
	f = open_memstream(&page, &size);
	if (!db || !f)
		return;
	CHECK_EQ_INT(report__write(db, f, &o), 0);
	fclose(f);
	sqlite3_close(db);
	CHECK(strstr(page, "<dt>calls</dt><dd>0</dd>") != NULL);
	CHECK(strstr(page, "No calls in this DB.") != NULL);
	CHECK(strstr(page, "No sessions in this DB.") != NULL);
}

static const char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static int run_report(const char *const *args)
{
	return check_run(cmd_report, check_argc(args), args, out_path, err_path);
}

static void test_cli(void)
{
	static const char *const usage[][5] = {
	    {"report", NULL},
	    {"report", "--html", NULL},
	    {"report", "--html", "", NULL},
	    {"report", "--bogus", NULL},
	    {"report", "--html", "x.html", "extra", NULL},
	};
	char junk[160], bad_out[160];
	const char *err;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		CHECK_EQ_INT(run_report(usage[i]), 2);
		err = read_file(err_path);
		CHECK(strncmp(err, "mcptrace: ", 10) == 0);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1);
	}
	CHECK_EQ_INT(run_report((const char *[]){"report", "--help", NULL}), 0);
	CHECK(strstr(read_file(out_path), "OPTIONS := { --html FILE | --db DB | --help }") != NULL);

	/* a corrupt DB: a message naming it, status 1, no page */
	snprintf(junk, sizeof(junk), "%s/junk.db", tmpdir);
	f = fopen(junk, "w");
	if (f) {
		fputs("this is no database\n", f);
		fclose(f);
	}
	CHECK_EQ_INT(
	    run_report((const char *[]){"report", "--html", html_path, "--db", junk, NULL}), 1);
	CHECK(strstr(read_file(err_path), junk) != NULL);
	CHECK(access(html_path, F_OK) != 0);

	/* an unwritable page */
	snprintf(bad_out, sizeof(bad_out), "%s/no/dir/r.html", tmpdir);
	CHECK_EQ_INT(
	    run_report((const char *[]){"report", "--html", bad_out, "--db", db_path, NULL}), 1);
	CHECK(strstr(read_file(err_path), "no/dir/r.html") != NULL);

	CHECK_EQ_INT(
	    run_report((const char *[]){"report", "--html", html_path, "--db", db_path, NULL}), 0);
	CHECK_EQ_STR(read_file(err_path), "");
	CHECK(strncmp(read_file(html_path), "<!DOCTYPE html>", 15) == 0);
	/* and no temporary file left beside it */
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "test $(ls '%s' | grep -c 'r.html.') -eq 0", tmpdir);
		CHECK(system(cmd) == 0);
	}
}

int main(void)
{
	char cmd[200];

	RUN_TEST(test_escape);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/fixture.db", tmpdir);
	snprintf(html_path, sizeof(html_path), "%s/r.html", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/err", tmpdir);
	if (make_fixture(db_path)) {
		printf("not ok fixture DB\n");
		return 1;
	}
	RUN_TEST(test_structure);
	RUN_TEST(test_caps);
	RUN_TEST(test_empty);
	RUN_TEST(test_cli);
	free(page);

	/* MT_TEST_KEEP=1 keeps the fixture and the page, to look at by hand */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (getenv("MT_TEST_KEEP"))
		fprintf(stderr, "kept %s\n", tmpdir);
	else if (system(cmd) != 0)
		fprintf(stderr, "failed to remove %s\n", tmpdir);
	return CHECK_DONE();
}
