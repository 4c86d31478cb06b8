// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of mcptrace diff: the decisions of tracer/cmd/diff.c on hand-made
 * summaries (equal runs, slower p95, error rates, the noise floor, new and
 * gone targets, the exact thresholds), the parsing of "20%" and "5ms", and
 * the command itself (tracer/cmd/cmd_diff.c) on two fixture DBs written through
 * the store: its exit status, the regressions it names in text, Markdown,
 * JSON Lines and JUnit, and its usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "check.h"
#include "cmd/commands.h"
#include "cmd/diff.h"
#include "db/store.h"

#define MS 1000000LL

static char tmpdir[] = "/tmp/mt_test_diff.XXXXXX";
static char base_path[128], head_path[128], out_path[128], err_path[128], junit_path[128];

static const struct diff_thresholds defaults = {
    .max_p95_increase_pct = DIFF_DEFAULT_P95_PCT,
    .min_delta_ns = DIFF_DEFAULT_MIN_DELTA_NS,
    .max_error_rate_increase_pp = DIFF_DEFAULT_ERROR_PP,
    .min_calls = DIFF_DEFAULT_MIN_CALLS,
};

/* A side with calls calls, failed failures, all answered, p50 = p95 = p99
 * = p95_ns (the percentiles other than p95 do not enter the decision). */
static struct diff_side side(int64_t calls, int64_t failed, int64_t p95_ns)
{
	struct diff_side s = {.calls = calls,
			      .failed = failed,
			      .answered = (size_t)calls,
			      .p50 = p95_ns,
			      .p95 = p95_ns,
			      .p99 = p95_ns};
	return s;
}

static void test_equal_runs_pass(void)
{
	struct diff_side a = side(30, 1, 12 * MS), b = side(30, 1, 12 * MS);
	unsigned int f = diff__judge(&a, &b, &defaults);

	CHECK_EQ_INT(f, 0);
	CHECK(!diff__fails(f, &defaults));
}

static void test_slower_fails(void)
{
	struct diff_side a = side(30, 0, 2 * MS), b = side(30, 0, 42 * MS);
	unsigned int f = diff__judge(&a, &b, &defaults);

	CHECK_EQ_INT(f, DIFF_F_P95);
	CHECK(diff__fails(f, &defaults));
	CHECK(diff__p95_change_pct(&a, &b) == 2000.0);
	/* and the other way round it is faster, which passes */
	f = diff__judge(&b, &a, &defaults);
	CHECK_EQ_INT(f, DIFF_F_FASTER);
	CHECK(!diff__fails(f, &defaults));
}

/* p95 must grow past both the percentage and the floor. */
static void test_both_thresholds(void)
{
	static const struct {
		int64_t base, head;
		unsigned int want;
	} cases[] = {
	    /* tiny latencies: +400% but only +0.4 ms */
	    {100000, 500000, 0},
	    /* +5 ms exactly is not more than the 5 ms floor */
	    {10 * MS, 15 * MS, 0},
	    {10 * MS, 15 * MS + 1, DIFF_F_P95},
	    /* +20% exactly is not more than 20% */
	    {100 * MS, 120 * MS, 0},
	    {100 * MS, 120 * MS + 1, DIFF_F_P95},
	    /* big latencies: +100 ms but only +10% */
	    {1000 * MS, 1100 * MS, 0},
	    /* a base of 0 ns: any growth past the floor */
	    {0, 6 * MS, DIFF_F_P95},
	    {0, 4 * MS, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diff_side a = side(10, 0, cases[i].base), b = side(10, 0, cases[i].head);
		unsigned int f = diff__judge(&a, &b, &defaults);

		if (f != cases[i].want)
			fprintf(stderr, "  case %zu: %lld -> %lld ns\n", i,
				(long long)cases[i].base, (long long)cases[i].head);
		CHECK_EQ_INT(f, cases[i].want);
	}
}

static void test_error_rate(void)
{
	struct diff_side a = side(100, 0, MS), b = side(100, 10, MS);
	struct diff_thresholds th = defaults;
	unsigned int f;

	/* 0% -> 10%: +10 points */
	f = diff__judge(&a, &b, &defaults);
	CHECK_EQ_INT(f, DIFF_F_ERRORS);
	CHECK(diff__fails(f, &defaults));
	CHECK(diff__error_rate(&b) == 10.0);
	/* exactly +5 points passes: 0/20 -> 1/20 */
	a = side(20, 0, MS);
	b = side(20, 1, MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), 0);
	/* different call counts: 1/10 (10%) -> 8/50 (16%) is +6 points */
	a = side(10, 1, MS);
	b = side(50, 8, MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), DIFF_F_ERRORS);
	th.max_error_rate_increase_pp = 6;
	CHECK_EQ_INT(diff__judge(&a, &b, &th), 0);
	/* fewer errors is fine */
	CHECK_EQ_INT(diff__judge(&b, &a, &defaults), 0);
	/* both at once */
	a = side(10, 0, 10 * MS);
	b = side(10, 5, 50 * MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), DIFF_F_P95 | DIFF_F_ERRORS);
	/* every call unanswered on HEAD: no latency to compare, but the
	 * failures count */
	b = side(10, 10, 0);
	b.answered = 0;
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), DIFF_F_ERRORS | DIFF_F_FEW);
}

/* p95 of a handful of calls (one initialize) is not judged, however slow */
static void test_few_calls(void)
{
	struct diff_side a = side(1, 0, 500 * MS), b = side(1, 0, 900 * MS);
	struct diff_thresholds th = defaults;
	unsigned int f;

	f = diff__judge(&a, &b, &defaults);
	CHECK_EQ_INT(f, DIFF_F_FEW);
	CHECK(!diff__fails(f, &defaults));
	a = side(5, 0, 10 * MS);
	b = side(4, 0, 90 * MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), DIFF_F_FEW);
	b = side(5, 0, 90 * MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), DIFF_F_P95);
	th.min_calls = 1;
	a = side(1, 0, 500 * MS);
	b = side(1, 0, 900 * MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &th), DIFF_F_P95);
	/* the error rate of one call is judged: a failed initialize fails */
	b = side(1, 1, 900 * MS);
	CHECK_EQ_INT(diff__judge(&a, &b, &defaults), DIFF_F_FEW | DIFF_F_ERRORS);
}

static void test_new_and_gone(void)
{
	struct diff_side none = {0}, some = side(5, 0, MS);
	struct diff_thresholds strict = defaults;
	unsigned int f;

	f = diff__judge(&none, &some, &defaults);
	CHECK_EQ_INT(f, DIFF_F_NEW);
	CHECK(!diff__fails(f, &defaults));
	f = diff__judge(&some, &none, &defaults);
	CHECK_EQ_INT(f, DIFF_F_GONE);
	CHECK(!diff__fails(f, &defaults));
	strict.fail_on_missing = true;
	CHECK(diff__fails(DIFF_F_NEW, &strict));
	CHECK(diff__fails(DIFF_F_GONE, &strict));
	CHECK(!diff__fails(DIFF_F_FASTER, &strict));
	CHECK_EQ_INT(diff__judge(&none, &none, &defaults), 0);
}

static void test_parse_percent(void)
{
	static const struct {
		const char *text;
		double want;
	} good[] = {{"20%", 20}, {"20", 20},	{"2.5%", 2.5}, {"0%", 0},
		    {"0", 0},	 {"150%", 150}, {".5%", 0.5}};
	static const char *const bad[] = {"",	      "%",   "-5%",  "abc",   "20%%",
					  "nan",      "inf", "1e3%", "20 %",  " 20%",
					  "2000000%", "5ms", "0x10", "1.2.3%"};
	double v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		CHECK_EQ_INT(diff__parse_percent("--x", good[i].text, &v), 0);
		if (v != good[i].want)
			fprintf(stderr, "  '%s' gave %g\n", good[i].text, v);
		CHECK(v == good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		if (diff__parse_percent("--x", bad[i], &v) != -EINVAL)
			fprintf(stderr, "  '%s' was accepted\n", bad[i]);
		CHECK(v == 77);
	}
}

static void test_parse_duration(void)
{
	static const struct {
		const char *text;
		int64_t want;
	} good[] = {{"5ms", 5 * MS},   {"0", 0},       {"0ms", 0},	  {"1.5s", 1500 * MS},
		    {"250us", 250000}, {"100ns", 100}, {"0.1ms", 100000}, {"3600s", 3600000 * MS}};
	static const char *const bad[] = {"",	"5",	 "ms",	  "-1ms", "5 ms",  "5m",
					  "2h", "1e3ms", "3601s", "5MS",  "nanms", "1.5"};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		CHECK_EQ_INT(diff__parse_duration("--x", good[i].text, &v), 0);
		CHECK_EQ_INT(v, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		if (diff__parse_duration("--x", bad[i], &v) != -EINVAL)
			fprintf(stderr, "  '%s' was accepted\n", bad[i]);
		CHECK_EQ_INT(v, 77);
	}
}

/* ---- the command, on fixture DBs ---- */

struct fx_call {
	const char *target, *status;
	double ms; /* < 0: no latency */
	int count;
};

static int make_db(const char *path, const struct fx_call *calls, size_t n)
{
	struct st_session sess = {.transport = "stdio",
				  .client_pid = 10,
				  .server_pid = 11,
				  .started_ns = 1,
				  .ended_ns = ST_NULL};
	struct store *s = NULL;
	size_t i;
	int err, k;

	err = store__open(&s, path);
	if (err)
		return err;
	err = store__add_session(s, &sess);
	for (i = 0; !err && i < n; i++) {
		for (k = 0; !err && k < calls[i].count; k++) {
			struct st_call c = {
			    .session_id = sess.id,
			    .rpc_id = "1",
			    .direction = "c2s",
			    .method = "tools/call",
			    .target = calls[i].target,
			    .start_ns = 100,
			    .end_ns = ST_NULL,
			    .server_latency_ns = ST_NULL,
			    .status = calls[i].status,
			    .error_code = ST_NULL,
			    /* a spread of 0..9% around the value, as in real runs */
			    .latency_ns = calls[i].ms < 0 ? ST_NULL
							  : (int64_t)(calls[i].ms * 1e6 *
								      (1 + (k % 10) / 100.0)),
			};
			err = store__add_call(s, &c);
		}
	}
	store__close(s);
	return err;
}

static const struct fx_call base_calls[] = {
    {"same", "ok", 3, 30},  {"slow", "ok", 2, 30}, {"tiny", "ok", 0.1, 30},
    {"flaky", "ok", 4, 20}, {"gone", "ok", 1, 5},  {"a|b<c>", "ok", 1, 5},
};
static const struct fx_call head_calls[] = {
    {"same", "ok", 3, 30},  {"slow", "ok", 40, 30},	   {"tiny", "ok", 0.4, 30},
    {"flaky", "ok", 4, 17}, {"flaky", "tool_error", 4, 3}, {"new", "ok", 1, 5},
    {"a|b<c>", "ok", 1, 5},
};

static const char *read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)); hay += strlen(needle))
		n++;
	return n;
}

/* Runs cmd_diff with stdout and stderr going to files. */
static int run_diff(const char *const *args)
{
	return check_run(cmd_diff, check_argc(args), args, out_path, err_path);
}

static void test_cmd_text(void)
{
	const char *out;

	CHECK_EQ_INT(run_diff((const char *[]){"diff", base_path, head_path, NULL}), 1);
	out = read_file(out_path);
	CHECK(strncmp(out, "METHOD", 6) == 0);
	CHECK(strstr(out, "REGRESSION tools/call slow: p95 ") != NULL);
	CHECK(strstr(out, "REGRESSION tools/call flaky: error rate 0.0% -> 15.0%") != NULL);
	CHECK_EQ_INT(count_str(out, "REGRESSION "), 2);
	CHECK(strstr(out, "mcptrace diff: FAIL: 2 of 7 method/targets fail (2 regressed, 1 new, "
			  "1 gone)") != NULL);
	/* the table rows: "gone" and "new" reported, "tiny" passes */
	CHECK(strstr(out, "  gone") != NULL);
	CHECK(strstr(out, "  new\n") != NULL);
	CHECK(strstr(out, "30 -> 30") != NULL);
	CHECK(strstr(out, "REGRESSED p95") != NULL);

	/* --fail-on-missing adds the new and the gone target */
	CHECK_EQ_INT(
	    run_diff((const char *[]){"diff", "--fail-on-missing", base_path, head_path, NULL}), 1);
	out = read_file(out_path);
	CHECK_EQ_INT(count_str(out, "REGRESSION "), 4);
	CHECK(strstr(out, "REGRESSION tools/call new: only in HEAD") != NULL);

	/* looser thresholds: nothing fails, options after the files */
	CHECK_EQ_INT(run_diff((const char *[]){"diff", base_path, head_path, "--max-p95-increase",
					       "5000%", "--max-error-rate-increase", "20%", NULL}),
		     0);
	CHECK(strstr(read_file(out_path), "mcptrace diff: ok: 0 of 7") != NULL);
	/* a floor above the slowdown passes too */
	CHECK_EQ_INT(
	    run_diff((const char *[]){"diff", "--min-delta", "100ms",
				      "--max-error-rate-increase=50", base_path, head_path, NULL}),
	    0);
	/* a DB against itself */
	CHECK_EQ_INT(run_diff((const char *[]){"diff", head_path, head_path, NULL}), 0);
	CHECK_EQ_INT(count_str(read_file(out_path), "  ok\n"), 6);
}

/* A gateway (pid 11) serving n tools/call echo from an HTTP session with
 * calls to a stdio backend that take 10 ms; it adds gateway_ms of its own. */
static int make_hop_db(const char *path, double gateway_ms, int n)
{
	struct st_session in = {.transport = "http",
				.client_pid = 10,
				.server_pid = 11,
				.started_ns = 1,
				.ended_ns = ST_NULL};
	struct st_session out = in;
	struct store *s = NULL;
	int err = store__open(&s, path);

	if (!err)
		err = store__add_session(s, &in);
	out.transport = "stdio";
	out.client_pid = 11;
	out.server_pid = 12;
	out.parent_session_id = in.id;
	if (!err)
		err = store__add_session(s, &out);
	for (int k = 0; !err && k < n; k++) {
		struct st_call c = {.session_id = in.id,
				    .rpc_id = "1",
				    .direction = "c2s",
				    .method = "tools/call",
				    .target = "echo",
				    .start_ns = 100,
				    .end_ns = ST_NULL,
				    .latency_ns = ST_NULL,
				    .status = "ok",
				    .error_code = ST_NULL,
				    .server_latency_ns = (int64_t)((10 + gateway_ms) * 1e6)};

		err = store__add_call(s, &c);
		c.parent_call_id = c.id;
		c.id = 0;
		c.session_id = out.id;
		c.server_latency_ns = ST_NULL;
		c.latency_ns = 10000000;
		if (!err)
			err = store__add_call(s, &c);
	}
	store__close(s);
	return err;
}

/* A gateway that got slower fails the gate on its own time, though its
 * backend and the calls' count did not change. */
static void test_cmd_gateway(void)
{
	char base[160], head[160];
	const char *out;

	snprintf(base, sizeof(base), "%s/hop-base.db", tmpdir);
	snprintf(head, sizeof(head), "%s/hop-head.db", tmpdir);
	CHECK_EQ_INT(make_hop_db(base, 1, 10), 0);
	CHECK_EQ_INT(make_hop_db(head, 20, 10), 0);
	CHECK_EQ_INT(run_diff((const char *[]){"diff", base, head, NULL}), 1);
	out = read_file(out_path);
	CHECK(strstr(out, "REGRESSION gateway:tools/call echo: p95 ") != NULL);
	CHECK_EQ_INT(count_str(out, "REGRESSION "), 1);
	CHECK_EQ_INT(run_diff((const char *[]){"diff", base, base, NULL}), 0);
	CHECK(strstr(read_file(out_path), "gateway:tools/call") != NULL);
}

static void test_cmd_json(void)
{
	char *text, *line, *save = NULL;
	int seen_slow = 0, seen_summary = 0, lines = 0;

	CHECK_EQ_INT(
	    run_diff((const char *[]){"diff", "--format", "json", base_path, head_path, NULL}), 1);
	text = strdup(read_file(out_path));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		const char *target, *result;

		lines++;
		CHECK(o != NULL);
		if (!o)
			continue;
		if (cJSON_IsTrue(cJSON_GetObjectItem(o, "summary"))) {
			seen_summary++;
			CHECK_EQ_INT(cJSON_GetObjectItem(o, "failing")->valuedouble, 2);
			CHECK(cJSON_IsTrue(cJSON_GetObjectItem(o, "fails")));
			cJSON_Delete(o);
			continue;
		}
		target = cJSON_GetStringValue(cJSON_GetObjectItem(o, "target"));
		result = cJSON_GetStringValue(cJSON_GetObjectItem(o, "result"));
		CHECK(target && result);
		if (target && !strcmp(target, "slow")) {
			seen_slow++;
			CHECK_EQ_STR(result, "regressed");
			CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetArrayItem(
					 cJSON_GetObjectItem(o, "regressions"), 0)),
				     "p95");
			CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "head"), "p95_ms")
				  ->valuedouble > 39);
		} else if (target && !strcmp(target, "new")) {
			CHECK_EQ_STR(result, "new");
			CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "base")));
		} else if (target && !strcmp(target, "gone")) {
			CHECK_EQ_STR(result, "gone");
		} else if (target && (!strcmp(target, "same") || !strcmp(target, "tiny"))) {
			CHECK_EQ_STR(result, "ok");
		}
		cJSON_Delete(o);
	}
	CHECK_EQ_INT(lines, 8);
	CHECK_EQ_INT(seen_slow, 1);
	CHECK_EQ_INT(seen_summary, 1);
	free(text);
}

static void test_cmd_markdown_junit(void)
{
	const char *out;

	CHECK_EQ_INT(run_diff((const char *[]){"diff", "--format", "markdown", "--junit",
					       junit_path, base_path, head_path, NULL}),
		     1);
	out = read_file(out_path);
	CHECK(strncmp(out, "### mcptrace diff: regression\n", 30) == 0);
	CHECK(strstr(out, "| tools/call | slow | 30 -> 30 |") != NULL);
	CHECK(strstr(out, "| **REGRESSED p95** |") != NULL);
	/* a name with Markdown and HTML in it stays in its cell */
	CHECK(strstr(out, "| a\\|b&lt;c> |") != NULL);
	CHECK(strstr(out, "- **tools/call slow**: p95 ") != NULL);

	out = read_file(junit_path);
	CHECK(strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	CHECK(strstr(out, "<testsuites name=\"mcptrace diff\" tests=\"7\" failures=\"2\">") !=
	      NULL);
	CHECK_EQ_INT(count_str(out, "<testcase "), 7);
	CHECK_EQ_INT(count_str(out, "<failure "), 2);
	CHECK(strstr(out, "name=\"tools/call slow\"") != NULL);
	CHECK_EQ_INT(count_str(out, "REGRESSED p95</system-out>"), 1);
	CHECK_EQ_INT(count_str(out, "; gone</system-out>"), 1);
	CHECK(strstr(out, "name=\"tools/call a|b&lt;c&gt;\"") != NULL);
	CHECK(strstr(out, "</testsuites>\n") != NULL);
}

static void test_cmd_errors(void)
{
	static const char *const usage[][6] = {
	    {"diff", NULL},
	    {"diff", "a.db", NULL},
	    {"diff", "a.db", "b.db", "c.db", NULL},
	    {"diff", "--format", "xml", "a.db", "b.db", NULL},
	    {"diff", "--max-p95-increase", "fast", "a.db", "b.db", NULL},
	    {"diff", "--min-delta", "5", "a.db", "b.db", NULL},
	    {"diff", "--max-error-rate-increase", "-1%", "a.db", "b.db", NULL},
	    {"diff", "--bogus", "a.db", "b.db", NULL},
	    {"diff", "a.db", "b.db", "--junit", NULL},
	    {"diff", "--min-calls", "0", "a.db", "b.db", NULL},
	};
	char missing[160], junk[160], cmd[400];
	const char *err;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		CHECK_EQ_INT(run_diff(usage[i]), 2);
		err = read_file(err_path);
		CHECK(strncmp(err, "mcptrace: ", 10) == 0);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1);
	}
	CHECK_EQ_INT(run_diff((const char *[]){"diff", "--help", NULL}), 0);
	CHECK(strstr(read_file(out_path), "FORMAT := { text | markdown | json }") != NULL);

	/* an unreadable DB: status 2, and the message names it */
	snprintf(missing, sizeof(missing), "%s/missing.db", tmpdir);
	snprintf(junk, sizeof(junk), "%s/junk.db", tmpdir);
	f = fopen(junk, "w");
	if (f) {
		fputs("SQLite format 3\0 but not really, just junk to fail on", f);
		fclose(f);
	}
	CHECK_EQ_INT(run_diff((const char *[]){"diff", base_path, missing, NULL}), 2);
	CHECK(strstr(read_file(err_path), missing) != NULL);
	CHECK_EQ_STR(read_file(out_path), "");
	CHECK_EQ_INT(run_diff((const char *[]){"diff", junk, head_path, NULL}), 2);
	CHECK(strstr(read_file(err_path), junk) != NULL);
	/* an unwritable JUnit file is not a regression */
	snprintf(cmd, sizeof(cmd), "%s/no/such/dir/j.xml", tmpdir);
	CHECK_EQ_INT(run_diff((const char *[]){"diff", "--junit", cmd, head_path, head_path, NULL}),
		     2);
	CHECK(strstr(read_file(err_path), "no/such/dir/j.xml") != NULL);
}

int main(void)
{
	char cmd[200];

	RUN_TEST(test_equal_runs_pass);
	RUN_TEST(test_slower_fails);
	RUN_TEST(test_both_thresholds);
	RUN_TEST(test_error_rate);
	RUN_TEST(test_few_calls);
	RUN_TEST(test_new_and_gone);
	RUN_TEST(test_parse_percent);
	RUN_TEST(test_parse_duration);

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(base_path, sizeof(base_path), "%s/base.db", tmpdir);
	snprintf(head_path, sizeof(head_path), "%s/head.db", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/err", tmpdir);
	snprintf(junit_path, sizeof(junit_path), "%s/junit.xml", tmpdir);
	if (make_db(base_path, base_calls, sizeof(base_calls) / sizeof(base_calls[0])) ||
	    make_db(head_path, head_calls, sizeof(head_calls) / sizeof(head_calls[0]))) {
		fprintf(stderr, "failed to write the fixture DBs\n");
		printf("not ok fixture DBs\n");
		return 1;
	}
	RUN_TEST(test_cmd_text);
	RUN_TEST(test_cmd_json);
	RUN_TEST(test_cmd_markdown_junit);
	RUN_TEST(test_cmd_errors);
	RUN_TEST(test_cmd_gateway);

	/* MT_TEST_KEEP=1 keeps the fixture DBs, to look at by hand */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (getenv("MT_TEST_KEEP"))
		fprintf(stderr, "kept %s\n", tmpdir);
	else if (system(cmd) != 0)
		fprintf(stderr, "failed to remove %s\n", tmpdir);
	return CHECK_DONE();
}
