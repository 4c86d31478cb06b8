// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the grouping reader shared by stats, report and diff
 * (tracer/db/summary.c): a table of calls in an in-memory DB, read by each
 * grouping, must give the expected groups in key order (NULL first), with
 * their counts per status and their percentiles; and the error-status rule,
 * the key order, the kept list and the failures of the walk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "db/summary.h"

/* Just the columns the reader reads. */
static const char calls_sql[] =
    "CREATE TABLE calls (session_id INTEGER, method TEXT, target TEXT, status TEXT,"
    " latency_ns INTEGER);"
    "INSERT INTO calls VALUES"
    " (1, 'tools/call', 'slow', 'ok', 30),"
    " (1, 'tools/call', 'slow', 'ok', 10),"
    " (2, 'tools/call', 'slow', 'error', 20),"
    " (2, 'tools/call', 'fast', 'tool_error', 1),"
    " (2, 'tools/call', 'fast', 'unanswered', NULL),"
    " (1, 'tools/call', NULL, 'cancelled', NULL),"
    " (1, 'initialize', NULL, 'ok', 500),"
    " (3, NULL, NULL, NULL, NULL),"
    " (3, 'ping', NULL, 'pending', NULL);";

/* One group as the reader handed it, in text for the table below. */
struct seen {
	const char *key1, *key2;
	long long calls, errors, cancelled, unanswered, pending, answered, p50, p95, max;
};

struct seen_list {
	struct seen v[16];
	size_t n;
	int stop_after; /* return -ECANCELED after this many groups; 0 = never */
};

static const char *keep_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int record(struct call_group *g, void *ctx)
{
	struct seen_list *l = ctx;
	struct seen *s = &l->v[l->n++];

	s->key1 = keep_str(g->key1);
	s->key2 = keep_str(g->key2);
	s->calls = g->calls;
	s->errors = g->errors;
	s->cancelled = g->cancelled;
	s->unanswered = g->unanswered;
	s->pending = g->pending;
	s->answered = (long long)g->answered;
	s->p50 = g->answered ? g->p50 : -1;
	s->p95 = g->answered ? g->p95 : -1;
	s->max = g->answered ? g->max : -1;
	/* the latencies come sorted */
	for (size_t i = 1; i < g->lat.n; i++)
		CHECK(g->lat.v[i - 1] <= g->lat.v[i]);
	if (l->stop_after && (int)l->n == l->stop_after)
		return -ECANCELED;
	return 0;
}

static void seen_free(struct seen_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free((char *)l->v[i].key1);
		free((char *)l->v[i].key2);
	}
	l->n = 0;
}

static sqlite3 *fixture(void)
{
	sqlite3 *db = NULL;

	CHECK_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(db, calls_sql, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void test_groups_table(void)
{
	static const struct seen by_mt[] = {
	    /* key1, key2, calls, errors, cancelled, unanswered, pending, answered, p50, p95, max */
	    {NULL, NULL, 1, 0, 0, 0, 0, 0, -1, -1, -1},
	    {"initialize", NULL, 1, 0, 0, 0, 0, 1, 500, 500, 500},
	    {"ping", NULL, 1, 0, 0, 0, 1, 0, -1, -1, -1},
	    {"tools/call", NULL, 1, 0, 1, 0, 0, 0, -1, -1, -1},
	    {"tools/call", "fast", 2, 1, 0, 1, 0, 1, 1, 1, 1},
	    {"tools/call", "slow", 3, 1, 0, 0, 0, 3, 20, 30, 30},
	};
	static const struct seen by_method[] = {
	    {NULL, NULL, 1, 0, 0, 0, 0, 0, -1, -1, -1},
	    {"initialize", NULL, 1, 0, 0, 0, 0, 1, 500, 500, 500},
	    {"ping", NULL, 1, 0, 0, 0, 1, 0, -1, -1, -1},
	    {"tools/call", NULL, 6, 2, 1, 1, 0, 4, 10, 30, 30},
	};
	static const struct seen by_target[] = {
	    {NULL, NULL, 4, 0, 1, 0, 1, 1, 500, 500, 500},
	    {"fast", NULL, 2, 1, 0, 1, 0, 1, 1, 1, 1},
	    {"slow", NULL, 3, 1, 0, 0, 0, 3, 20, 30, 30},
	};
	static const struct seen by_session[] = {
	    {"1", NULL, 4, 0, 1, 0, 0, 3, 30, 500, 500},
	    {"2", NULL, 3, 2, 0, 1, 0, 2, 1, 20, 20},
	    {"3", NULL, 2, 0, 0, 0, 1, 0, -1, -1, -1},
	};
	static const struct {
		enum summary_by by;
		const struct seen *want;
		size_t n;
	} cases[] = {
	    {SUMMARY_BY_METHOD_TARGET, by_mt, sizeof(by_mt) / sizeof(by_mt[0])},
	    {SUMMARY_BY_METHOD, by_method, sizeof(by_method) / sizeof(by_method[0])},
	    {SUMMARY_BY_TARGET, by_target, sizeof(by_target) / sizeof(by_target[0])},
	    {SUMMARY_BY_SESSION, by_session, sizeof(by_session) / sizeof(by_session[0])},
	};
	sqlite3 *db = fixture();
	struct seen_list got = {0};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		CHECK_EQ_INT(summary__read_groups(db, NULL, cases[c].by, record, &got), 0);
		CHECK_EQ_INT(got.n, cases[c].n);
		for (size_t i = 0; i < got.n && i < cases[c].n; i++) {
			const struct seen *w = &cases[c].want[i], *g = &got.v[i];

			CHECK_EQ_STR(g->key1, w->key1);
			CHECK_EQ_STR(g->key2, w->key2);
			CHECK_EQ_INT(g->calls, w->calls);
			CHECK_EQ_INT(g->errors, w->errors);
			CHECK_EQ_INT(g->cancelled, w->cancelled);
			CHECK_EQ_INT(g->unanswered, w->unanswered);
			CHECK_EQ_INT(g->pending, w->pending);
			CHECK_EQ_INT(g->answered, w->answered);
			CHECK_EQ_INT(g->p50, w->p50);
			CHECK_EQ_INT(g->p95, w->p95);
			CHECK_EQ_INT(g->max, w->max);
		}
		seen_free(&got);
	}
	sqlite3_close(db);
}

static void test_empty_and_errors(void)
{
	struct seen_list got = {0};
	sqlite3 *db = fixture();
	FILE *saved;

	/* a callback's error stops the walk and comes back as it is */
	got.stop_after = 2;
	CHECK_EQ_INT(summary__read_groups(db, NULL, SUMMARY_BY_METHOD_TARGET, record, &got),
		     -ECANCELED);
	CHECK_EQ_INT(got.n, 2);
	seen_free(&got);

	/* no calls: no groups */
	CHECK_EQ_INT(sqlite3_exec(db, "DELETE FROM calls", NULL, NULL, NULL), SQLITE_OK);
	CHECK_EQ_INT(summary__read_groups(db, NULL, SUMMARY_BY_METHOD_TARGET, record, &got), 0);
	CHECK_EQ_INT(got.n, 0);

	/* no calls table: -EIO, after a line on stderr (kept off the output) */
	CHECK_EQ_INT(sqlite3_exec(db, "DROP TABLE calls", NULL, NULL, NULL), SQLITE_OK);
	fflush(stderr);
	saved = stderr;
	stderr = fopen("/dev/null", "w");
	CHECK_EQ_INT(summary__read_groups(db, "x.db", SUMMARY_BY_METHOD_TARGET, record, &got),
		     -EIO);
	fclose(stderr);
	stderr = saved;
	CHECK_EQ_INT(got.n, 0);
	sqlite3_close(db);
}

static void test_rules(void)
{
	CHECK(summary__is_error("error"));
	CHECK(summary__is_error("tool_error"));
	CHECK(!summary__is_error("unanswered"));
	CHECK(!summary__is_error("ok"));
	CHECK(!summary__is_error(NULL));

	/* SQLite's BINARY order: NULL first, then bytewise */
	CHECK(summary__key_cmp(NULL, NULL) == 0);
	CHECK(summary__key_cmp(NULL, "") < 0);
	CHECK(summary__key_cmp("", NULL) > 0);
	CHECK(summary__key_cmp("B", "a") < 0);
	CHECK(summary__key_cmp("a", "a") == 0);
}

static void test_keep_list(void)
{
	struct call_group_list l = {0};
	sqlite3 *db = fixture();

	CHECK_EQ_INT(summary__read_groups(db, NULL, SUMMARY_BY_TARGET, summary__keep_group, &l),
		     0);
	CHECK_EQ_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_EQ_STR(l.v[0].key1, NULL);
		CHECK_EQ_STR(l.v[2].key1, "slow");
		/* the kept group has its latencies, sorted */
		CHECK_EQ_INT(l.v[2].lat.n, 3);
		CHECK_EQ_INT(l.v[2].lat.v[0], 10);
		CHECK_EQ_INT(l.v[2].lat.v[2], 30);
	}
	summary__list_free(&l);
	CHECK_EQ_INT(l.n, 0);
	sqlite3_close(db);
}

int main(void)
{
	RUN_TEST(test_groups_table);
	RUN_TEST(test_empty_and_errors);
	RUN_TEST(test_rules);
	RUN_TEST(test_keep_list);
	return CHECK_DONE();
}
