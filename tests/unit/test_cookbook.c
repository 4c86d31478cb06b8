// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the README's SQL cookbook: every ```sql block between the
 * cookbook markers of README.md is read out of the README itself (so the
 * queries users copy are the ones tested), run against the fixture DB of
 * fixture_trace.h through a read-only connection, and its rows compared
 * with the rows expected here, printed as the sqlite3 shell does with
 * -header (columns joined by '|', NULL empty).
 *
 * Adding a query to the cookbook means adding its expected rows below: the
 * count is checked, so a query without expectations fails the test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "fixture_trace.h"
#include "db/store.h"

static char tmpdir[] = "/tmp/mt_test_cookbook.XXXXXX";
static char db_path[128];

/* In README order. */
static const char *const expected[] = {
    /* slowest tools by p95 */
    "target|answered|p95_ms\n"
    "slow|1|400.0\n"
    "echo|3|50.0\n"
    "read_file|1|20.0\n",
    /* error rate per server */
    "server_name|calls|errors|error_pct\n"
    "files|3|1|33.3\n"
    "echo-server|7|1|14.3\n",
    /* calls per session */
    "id|client_name|server_name|calls|ok\n"
    "1|host|echo-server|5|3\n"
    "2|host|files|3|0\n"
    "3||echo-server|2|2\n",
    /* p95 per tool per minute */
    "minute_utc|target|answered|p95_ms\n"
    "2023-11-14 22:13:00|echo|3|50.0\n"
    "2023-11-14 22:13:00|read_file|1|20.0\n"
    "2023-11-14 22:14:00|slow|1|400.0\n",
    /* unanswered requests */
    "id|session_id|method|target|status|started_utc\n"
    "7|2|resources/read|file:///etc/hosts|unanswered|2023-11-14T22:13:24.000Z\n"
    "10|2|tools/call|read_file|pending|2023-11-14T22:14:23.000Z\n",
    /* the messages of call 3 */
    "id|direction|kind|method|size_bytes|truncated|at_ms\n"
    "6|c2s|request|tools/call|72|0|0.0\n"
    "7|s2c|notification|notifications/progress|104|0|10.0\n"
    "8|s2c|response|tools/call|91|0|30.0\n",
    /* biggest messages */
    "id|session_id|direction|kind|method|size_bytes|truncated\n"
    "10|1|s2c|response|tools/call|70000|1\n"
    "7|1|s2c|notification|notifications/progress|104|0\n"
    "12|1|c2s|notification|notifications/cancelled|94|0\n"
    "8|1|s2c|response|tools/call|91|0\n"
    "14|2|s2c|error|tools/call|91|0\n",
    /* servers by name and version */
    "server_name|server_version|protocols|sessions|last_seen_utc\n"
    "echo-server|0.3.0|2025-06-18|1|2023-11-14T22:13:20Z\n"
    "echo-server|0.4.0|2025-03-26|1|2023-11-14T22:13:25Z\n"
    "files|2.1.0|2025-06-18|1|2023-11-14T22:13:21Z\n",
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

#define MAX_QUERIES 32
static char *queries[MAX_QUERIES];
static size_t n_queries;

/* README.md of this source tree: $MT_SRCDIR/README.md, else the path of
 * this file as the compiler saw it with tests/unit/test_cookbook.c cut off
 * (the Makefile compiles from the top, so the test runs from there). */
static char *read_readme(void)
{
	const char *src = getenv("MT_SRCDIR");
	const char *me = __FILE__, *tail = strstr(me, "tests/unit/test_cookbook.c");
	char path[4096];
	FILE *f;
	char *buf = NULL;
	long n;

	if (src)
		snprintf(path, sizeof(path), "%s/README.md", src);
	else
		snprintf(path, sizeof(path), "%.*sREADME.md", tail ? (int)(tail - me) : 0, me);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "  cannot open %s: %s (set MT_SRCDIR)\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
			buf[n] = '\0';
		else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Collects the ```sql blocks between the markers into queries[]. */
static void test_extract(void)
{
	char *readme = read_readme(), *begin, *end, *p, *q;

	CHECK(readme != NULL);
	if (!readme)
		return;
	begin = strstr(readme, "<!-- cookbook:begin");
	end = strstr(readme, "<!-- cookbook:end -->");
	CHECK(begin != NULL);
	CHECK(end != NULL && end > begin);
	if (!begin || !end || end < begin) {
		free(readme);
		return;
	}
	*end = '\0';
	for (p = strstr(begin, "```sql\n"); p && n_queries < MAX_QUERIES;
	     p = strstr(q + 4, "```sql\n")) {
		p += strlen("```sql\n");
		q = strstr(p, "\n```");
		CHECK(q != NULL);
		if (!q)
			break;
		queries[n_queries++] = strndup(p, (size_t)(q - p));
	}
	CHECK_EQ_INT(n_queries, N_EXPECTED);
	free(readme);
}

/* Runs one query; its rows as the sqlite3 shell prints them with -header.
 * The caller frees the result. */
static char *run_query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int rc, i, n;

	if (!out)
		return NULL;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK) {
		fprintf(out, "error: %s\n", sqlite3_errmsg(db));
		goto done;
	}
	/* one statement per block: nothing but blanks after it */
	if (tail && tail[strspn(tail, " \t\r\n")])
		fprintf(out, "error: more than one statement\n");
	n = sqlite3_column_count(st);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "|" : "", sqlite3_column_name(st, i));
	fputc('\n', out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			const unsigned char *v = sqlite3_column_text(st, i);

			fprintf(out, "%s%s", i ? "|" : "", v ? (const char *)v : "");
		}
		fputc('\n', out);
	}
	if (rc != SQLITE_DONE)
		fprintf(out, "error: %s\n", sqlite3_errmsg(db));
done:
	sqlite3_finalize(st);
	fclose(out);
	return text;
}

static void test_queries(void)
{
	sqlite3 *db = NULL;
	size_t i;

	CHECK_EQ_INT(store__open_readonly(&db, db_path), 0);
	if (!db)
		return;
	for (i = 0; i < n_queries && i < N_EXPECTED; i++) {
		char *got = run_query(db, queries[i]);

		if (!got || strcmp(got, expected[i]))
			fprintf(stderr, "  query %zu of the cookbook:\n%s\n", i + 1, queries[i]);
		CHECK_EQ_STR(got, expected[i]);
		free(got);
	}
	sqlite3_close(db);
}

/* The queries only read: each runs on a read-only connection above; and
 * the cookbook says they work on a DB being written, which is what a
 * read-only open of a WAL DB gives. Here: a query that writes fails. */
static void test_read_only(void)
{
	sqlite3 *db = NULL;
	char *got;

	CHECK_EQ_INT(store__open_readonly(&db, db_path), 0);
	if (!db)
		return;
	got = run_query(db, "delete from calls");
	CHECK(got && strstr(got, "error: attempt to write a readonly database"));
	free(got);
	sqlite3_close(db);
}

int main(void)
{
	char cmd[160];
	size_t i;

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/fixture.db", tmpdir);
	if (fx_build(db_path) != 0) {
		fprintf(stderr, "could not build the fixture DB\n");
		return 1;
	}
	RUN_TEST(test_extract);
	RUN_TEST(test_queries);
	RUN_TEST(test_read_only);
	for (i = 0; i < n_queries; i++)
		free(queries[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return CHECK_DONE();
}
