// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of mcptrace stats (tracer/cmd/cmd_stats.c, stats.c): the nearest-rank
 * percentile (tracer/db/latency.c) on known arrays, the table and JSON Lines reports of a small fixture DB
 * written through the store, and the exit statuses of the command line.
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
#include "cmd/stats.h"
#include "db/latency.h"
#include "db/store.h"

static char tmpdir[] = "/tmp/mt_test_stats.XXXXXX";
static char db_path[128], out_path[128], err_path[128];

static void test_percentile(void)
{
	static const int64_t one[] = {7};
	static const int64_t two[] = {10, 20};
	static const int64_t three[] = {10, 20, 30};
	static const int64_t five[] = {15, 20, 35, 40, 50};
	static const int64_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	static int64_t hundred[100];
	static const int64_t dup[] = {5, 5, 5, 9};
	static const struct {
		const int64_t *v;
		size_t n;
		unsigned int pct;
		int64_t want;
	} cases[] = {
	    {one, 1, 50, 7},
	    {one, 1, 99, 7},
	    {one, 1, 100, 7},
	    {two, 2, 50, 10},
	    {two, 2, 51, 20},
	    {two, 2, 99, 20},
	    {three, 3, 50, 20},
	    {three, 3, 90, 30},
	    {three, 3, 33, 10},
	    {three, 3, 34, 20},
	    {five, 5, 5, 15},
	    {five, 5, 30, 20},
	    {five, 5, 40, 20},
	    {five, 5, 50, 35},
	    {five, 5, 100, 50},
	    /* 0.9 * 10 is 9.000000000000002 in doubles: rank 9, not 10 */
	    {ten, 10, 90, 9},
	    {ten, 10, 50, 5},
	    {ten, 10, 99, 10},
	    {ten, 10, 10, 1},
	    {ten, 10, 11, 2},
	    {ten, 10, 0, 1},
	    {ten, 10, 1000, 10},
	    {hundred, 100, 99, 99},
	    {hundred, 100, 50, 50},
	    {hundred, 100, 1, 1},
	    {hundred, 100, 100, 100},
	    {dup, 4, 75, 5},
	    {dup, 4, 76, 9},
	};
	size_t i;

	for (i = 0; i < 100; i++)
		hundred[i] = (int64_t)i + 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = latency__percentile(cases[i].v, cases[i].n, cases[i].pct);

		if (got != cases[i].want)
			fprintf(stderr, "  case %zu: p%u of %zu values\n", i, cases[i].pct,
				cases[i].n);
		CHECK_EQ_INT(got, cases[i].want);
	}
}

/* Latencies in ms, -1 for none. */
static const struct {
	const char *method, *target, *status;
	double ms;
} fixture[] = {
    {"tools/call", "echo", "ok", 1},   {"tools/call", "echo", "ok", 4},
    {"tools/call", "echo", "ok", 3},   {"tools/call", "echo", "tool_error", 10},
    {"tools/call", "echo", "ok", 2},   {"tools/call", "echo", "unanswered", -1},
    {"tools/call", "add", "error", 5}, {"tools/call", "add", "cancelled", -1},
    {"initialize", NULL, "ok", 0.5},   {"resources/read", "file:///x", "pending", -1},
};

static int make_fixture(const char *path)
{
	struct st_session sess = {.transport = "stdio",
				  .client_pid = 10,
				  .server_pid = 11,
				  .started_ns = 1,
				  .ended_ns = ST_NULL};
	struct store *s = NULL;
	size_t i;
	int err;

	err = store__open(&s, path);
	if (err)
		return err;
	err = store__add_session(s, &sess);
	for (i = 0; !err && i < sizeof(fixture) / sizeof(fixture[0]); i++) {
		struct st_call c = {
		    .session_id = sess.id,
		    .rpc_id = "1",
		    .direction = "c2s",
		    .method = fixture[i].method,
		    .target = fixture[i].target,
		    .start_ns = 100,
		    .end_ns = ST_NULL,
		    .server_latency_ns = ST_NULL,
		    .status = fixture[i].status,
		    .error_code = ST_NULL,
		    .latency_ns = fixture[i].ms < 0 ? ST_NULL : (int64_t)(fixture[i].ms * 1e6),
		};
		err = store__add_call(s, &c);
	}
	store__close(s);
	return err;
}

static const char *read_file(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void test_table(void)
{
	static const char want[] = "METHOD          TARGET       CALLS  ERRORS CANCELLED "
				   "UNANSWERED     P50_MS     P90_MS     P99_MS     MAX_MS\n"
				   "initialize      -                1       0         0          "
				   "0      0.500      0.500      0.500      0.500\n"
				   "resources/read  file:///x        1       0         0          "
				   "0          -          -          -          -\n"
				   "tools/call      add              2       1         1          "
				   "0      5.000      5.000      5.000      5.000\n"
				   "tools/call      echo             6       1         0          "
				   "1      3.000     10.000     10.000     10.000\n"
				   "TOTAL                           10       2         1          "
				   "1      3.000     10.000     10.000     10.000\n";
	sqlite3 *db = NULL;
	FILE *out;

	CHECK_EQ_INT(store__open_readonly(&db, db_path), 0);
	out = fopen(out_path, "w");
	CHECK(out != NULL);
	if (!db || !out)
		return;
	CHECK_EQ_INT(stats__print(db, out, false), 0);
	fclose(out);
	sqlite3_close(db);
	CHECK_EQ_STR(read_file(out_path), want);
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : -12345;
}

static void test_json(void)
{
	static const struct {
		const char *method, *target; /* NULL: JSON null */
		double calls, errors, cancelled, unanswered, pending, p50, p90, max;
	} want[] = {
	    {"initialize", NULL, 1, 0, 0, 0, 0, 0.5, 0.5, 0.5},
	    {"resources/read", "file:///x", 1, 0, 0, 0, 1, -1, -1, -1},
	    {"tools/call", "add", 2, 1, 1, 0, 0, 5, 5, 5},
	    {"tools/call", "echo", 6, 1, 0, 1, 0, 3, 10, 10},
	    {NULL, NULL, 10, 2, 1, 1, 1, 3, 10, 10}, /* the total */
	};
	char *text, *line, *save = NULL;
	sqlite3 *db = NULL;
	size_t i = 0;
	FILE *out;

	CHECK_EQ_INT(store__open_readonly(&db, db_path), 0);
	out = fopen(out_path, "w");
	if (!db || !out)
		return;
	CHECK_EQ_INT(stats__print(db, out, true), 0);
	fclose(out);
	sqlite3_close(db);

	text = strdup(read_file(out_path));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		cJSON *o = cJSON_Parse(line);
		const cJSON *m, *t;

		CHECK(o != NULL);
		if (!o || i >= sizeof(want) / sizeof(want[0]))
			break;
		m = cJSON_GetObjectItemCaseSensitive(o, "method");
		t = cJSON_GetObjectItemCaseSensitive(o, "target");
		if (i == 4) {
			CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "total")));
			CHECK(m == NULL);
		} else {
			CHECK_EQ_STR(cJSON_GetStringValue(m), want[i].method);
			if (want[i].target)
				CHECK_EQ_STR(cJSON_GetStringValue(t), want[i].target);
			else
				CHECK(cJSON_IsNull(t));
		}
		CHECK_EQ_INT(num(o, "calls"), want[i].calls);
		CHECK_EQ_INT(num(o, "errors"), want[i].errors);
		CHECK_EQ_INT(num(o, "cancelled"), want[i].cancelled);
		CHECK_EQ_INT(num(o, "unanswered"), want[i].unanswered);
		CHECK_EQ_INT(num(o, "pending"), want[i].pending);
		if (want[i].p50 < 0) {
			CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "p50_ms")));
			CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "max_ms")));
		} else {
			CHECK(num(o, "p50_ms") == want[i].p50);
			CHECK(num(o, "p90_ms") == want[i].p90);
			CHECK(num(o, "max_ms") == want[i].max);
		}
		cJSON_Delete(o);
	}
	CHECK_EQ_INT(i, 5);
	free(text);
}

/* An empty trace DB still gets its header and a total of zero. */
static void test_empty(void)
{
	char path[160];
	struct store *s = NULL;
	sqlite3 *db = NULL;
	FILE *out;

	snprintf(path, sizeof(path), "%s/empty.db", tmpdir);
	CHECK_EQ_INT(store__open(&s, path), 0);
	store__close(s);
	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	out = fopen(out_path, "w");
	if (!db || !out)
		return;
	CHECK_EQ_INT(stats__print(db, out, true), 0);
	fclose(out);
	sqlite3_close(db);
	CHECK_EQ_STR(read_file(out_path),
		     "{\"total\":true,\"calls\":0,\"errors\":0,\"cancelled\":0,\"unanswered\":0,"
		     "\"pending\":0,\"answered\":0,\"p50_ms\":null,\"p90_ms\":null,"
		     "\"p99_ms\":null,\"max_ms\":null}\n");
}

/* Names from traced programs cannot drive the terminal. */
static void test_control_chars(void)
{
	char path[160];
	struct st_session sess = {.transport = "stdio",
				  .client_pid = ST_NULL,
				  .server_pid = ST_NULL,
				  .started_ns = 1,
				  .ended_ns = ST_NULL};
	struct st_call c = {.rpc_id = "1",
			    .direction = "c2s",
			    .method = "tools/call",
			    .target = "evil\x1b[2J\n",
			    .start_ns = 1,
			    .end_ns = ST_NULL,
			    .latency_ns = ST_NULL,
			    .server_latency_ns = ST_NULL,
			    .status = "pending",
			    .error_code = ST_NULL};
	struct store *s = NULL;
	sqlite3 *db = NULL;
	FILE *out;

	snprintf(path, sizeof(path), "%s/evil.db", tmpdir);
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	c.session_id = sess.id;
	CHECK_EQ_INT(store__add_call(s, &c), 0);
	store__close(s);
	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	out = fopen(out_path, "w");
	if (!db || !out)
		return;
	CHECK_EQ_INT(stats__print(db, out, false), 0);
	fclose(out);
	sqlite3_close(db);
	CHECK(strstr(read_file(out_path), "evil?[2J? ") != NULL);
	CHECK(strchr(read_file(out_path), 0x1b) == NULL);
}

/* Runs cmd_stats with stdout and stderr going to files. */
static int run_stats(int argc, const char *const *args)
{
	return check_run(cmd_stats, argc, args, out_path, err_path);
}

static void test_cli(void)
{
	char text_path[160], foreign_path[160], missing_path[160];
	static const char *const usage_errors[][4] = {
	    {"stats", "--bogus"},  {"stats", "extra"}, {"stats", "--db"},
	    {"stats", "--db", ""}, {"stats", "-x"},
	};
	const char *const bad_dbs[] = {text_path, foreign_path, missing_path};
	const char *const bad_msgs[] = {"is not a trace DB", "not a trace DB",
					"No such file or directory"};
	const char *err;
	sqlite3 *db = NULL;
	size_t i;
	FILE *f;
	int argc;

	snprintf(text_path, sizeof(text_path), "%s/notes.txt", tmpdir);
	snprintf(foreign_path, sizeof(foreign_path), "%s/foreign.db", tmpdir);
	snprintf(missing_path, sizeof(missing_path), "%s/missing.db", tmpdir);
	f = fopen(text_path, "w");
	if (f) {
		fputs("not a database at all\n", f);
		fclose(f);
	}
	sqlite3_open(foreign_path, &db);
	sqlite3_exec(db, "CREATE TABLE calls (method, target, status, latency_ns)", NULL, NULL,
		     NULL);
	sqlite3_close(db);

	CHECK_EQ_INT(run_stats(2, (const char *[]){"stats", "--help"}), 0);
	CHECK(strstr(read_file(out_path), "OPTIONS := { --db FILE | --json | --help }") != NULL);

	for (i = 0; i < sizeof(usage_errors) / sizeof(usage_errors[0]); i++) {
		for (argc = 0; usage_errors[i][argc]; argc++)
			;
		CHECK_EQ_INT(run_stats(argc, usage_errors[i]), 2);
		err = read_file(err_path);
		CHECK(strncmp(err, "mcptrace: ", 10) == 0);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1);
	}

	for (i = 0; i < 3; i++) {
		CHECK_EQ_INT(run_stats(3, (const char *[]){"stats", "--db", bad_dbs[i]}), 1);
		err = read_file(err_path);
		if (!strstr(err, bad_msgs[i]))
			fprintf(stderr, "  %s: %s", bad_dbs[i], err);
		CHECK(strstr(err, bad_msgs[i]) != NULL);
		CHECK(strchr(err, '\n') == err + strlen(err) - 1);
		CHECK_EQ_STR(read_file(out_path), "");
	}

	CHECK_EQ_INT(run_stats(4, (const char *[]){"stats", "--json", "--db", db_path}), 0);
	CHECK(strstr(read_file(out_path), "\"target\":\"echo\",\"calls\":6,\"errors\":1") != NULL);
	CHECK_EQ_INT(run_stats(2, (const char *[]){"stats", "--db="}), 2);
	{
		char arg[200];

		snprintf(arg, sizeof(arg), "--db=%s", db_path);
		CHECK_EQ_INT(run_stats(2, (const char *[]){"stats", arg}), 0);
		CHECK(strncmp(read_file(out_path), "METHOD ", 7) == 0);
	}
}

/* MCP 2026-07-28 multi-round calls: by default a chain of rounds linked by
 * previous_round_id is one call, its status its last round's, its latency
 * from its first request to its last answer; --rounds counts each round.
 * confirm: rounds at 0..2 ms (input_required), 5..6 ms (input_required),
 * 10..14 ms (ok): one call of 14 ms, or three of 2, 1 and 4 ms. ask: one
 * round left input_required, never continued: a call of its own. */
static void test_rounds(void)
{
	char path[160];
	struct st_session sess = {.transport = "http", .client_pid = ST_NULL,
				  .server_pid = ST_NULL, .started_ns = 1, .ended_ns = ST_NULL};
	static const struct {
		const char *rpc_id, *target, *status;
		int64_t start_ms, end_ms;
		int prev; /* index of the round continued, or -1 */
	} rounds[] = {
	    {"1", "confirm", "input_required", 0, 2, -1},
	    {"2", "confirm", "input_required", 5, 6, 0},
	    {"3", "confirm", "ok", 10, 14, 1},
	    {"4", "ask", "input_required", 20, 23, -1},
	};
	int64_t ids[4] = {0};
	struct store *s = NULL;

	snprintf(path, sizeof(path), "%s/rounds.db", tmpdir);
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	for (size_t i = 0; i < 4; i++) {
		struct st_call c = {.session_id = sess.id, .rpc_id = rounds[i].rpc_id,
				    .direction = "c2s", .method = "tools/call",
				    .target = rounds[i].target, .status = rounds[i].status,
				    .start_ns = rounds[i].start_ms * 1000000,
				    .end_ns = rounds[i].end_ms * 1000000,
				    .latency_ns = (rounds[i].end_ms - rounds[i].start_ms) * 1000000,
				    .server_latency_ns = ST_NULL, .error_code = ST_NULL,
				    .previous_round_id = rounds[i].prev < 0 ? 0 : ids[rounds[i].prev]};

		CHECK_EQ_INT(store__add_call(s, &c), 0);
		ids[i] = c.id;
	}
	store__close(s);

	CHECK_EQ_INT(run_stats(4, (const char *[]){"stats", "--json", "--db", path}), 0);
	CHECK_EQ_STR(read_file(out_path),
		     "{\"method\":\"tools/call\",\"target\":\"ask\",\"calls\":1,\"errors\":0,"
		     "\"cancelled\":0,\"unanswered\":0,\"pending\":0,\"answered\":1,\"p50_ms\":3,"
		     "\"p90_ms\":3,\"p99_ms\":3,\"max_ms\":3}\n"
		     "{\"method\":\"tools/call\",\"target\":\"confirm\",\"calls\":1,\"errors\":0,"
		     "\"cancelled\":0,\"unanswered\":0,\"pending\":0,\"answered\":1,\"p50_ms\":14,"
		     "\"p90_ms\":14,\"p99_ms\":14,\"max_ms\":14}\n"
		     "{\"total\":true,\"calls\":2,\"errors\":0,\"cancelled\":0,\"unanswered\":0,"
		     "\"pending\":0,\"answered\":2,\"p50_ms\":3,\"p90_ms\":14,\"p99_ms\":14,"
		     "\"max_ms\":14}\n");
	CHECK_EQ_INT(run_stats(5, (const char *[]){"stats", "--rounds", "--json", "--db", path}),
		     0);
	CHECK(strstr(read_file(out_path),
		     "\"target\":\"confirm\",\"calls\":3,\"errors\":0,\"cancelled\":0,"
		     "\"unanswered\":0,\"pending\":0,\"answered\":3,\"p50_ms\":2,\"p90_ms\":4,"
		     "\"p99_ms\":4,\"max_ms\":4}") != NULL);
	CHECK(strstr(read_file(out_path), "{\"total\":true,\"calls\":4,") != NULL);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/fixture.db", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/err", tmpdir);
	if (make_fixture(db_path) != 0) {
		fprintf(stderr, "could not build the fixture DB\n");
		return 1;
	}
	RUN_TEST(test_percentile);
	RUN_TEST(test_table);
	RUN_TEST(test_json);
	RUN_TEST(test_empty);
	RUN_TEST(test_control_chars);
	RUN_TEST(test_cli);
	RUN_TEST(test_rounds);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return CHECK_DONE();
}
