/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests of the MCP stage's way out (tracer/mcp/sink.c): every consumer
 * hears every record in order, the first failure is kept with the name of
 * the consumer that failed, a failed consumer hears nothing more, and a
 * trace DB that fills up (a page cap stands in for a full disk) fails the
 * sink list with -ENOSPC while the live lines go on.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "check.h"
#include "cmd/tracer.h"
#include "db/store.h"
#include "mcp/session.h"
#include "mcp/sink.h"

struct counter {
	int calls, finished, messages;
	int fail_at; /* the call number (1..) that fails; 0 never */
	int err;
};

static int count_call(void *ctx, const struct sink_call *c)
{
	struct counter *k = ctx;

	k->calls++;
	k->finished += c->phase == CALL_FINISHED;
	return k->fail_at && k->calls >= k->fail_at ? k->err : 0;
}

static int count_message(void *ctx, const struct st_message *m)
{
	(void)m;
	((struct counter *)ctx)->messages++;
	return 0;
}

static int64_t next_id;

static int64_t fake_reserve(void *ctx, enum st_id_table table)
{
	(void)ctx;
	(void)table;
	return ++next_id;
}

static void give_calls(struct sinks *s, int n)
{
	struct st_call row = { .status = "ok" };
	struct st_session sess = { .transport = "stdio" };

	for (int i = 0; i < n; i++) {
		struct sink_call c = { .row = &row, .session = &sess, .is_new = true,
				       .phase = CALL_FINISHED };

		row.id = sinks__reserve_id(s, ST_ID_CALL);
		sinks__call(s, &c);
	}
}

static void test_fan_out_in_order(void)
{
	struct sink_ids ids = { .reserve = fake_reserve };
	struct counter a = { 0 }, b = { 0 };
	struct sink sa = { .name = "a", .ctx = &a, .call = count_call, .message = count_message };
	struct sink sb = { .name = "b", .ctx = &b, .call = count_call };
	struct st_message m = { .kind = "request" };
	struct sinks s;

	next_id = 0;
	sinks__init(&s, &ids);
	CHECK_EQ_INT(sinks__add(&s, &sa), 0);
	CHECK_EQ_INT(sinks__add(&s, &sb), 0);
	give_calls(&s, 5);
	sinks__message(&s, &m);
	CHECK_EQ_INT(a.calls, 5);
	CHECK_EQ_INT(b.calls, 5);
	CHECK_EQ_INT(a.finished, 5);
	CHECK_EQ_INT(a.messages, 1);
	CHECK_EQ_INT(next_id, 5);
	CHECK_EQ_INT(sinks__error(&s, NULL), 0);
}

/* The first failure sticks; the failed consumer is not called again, the
 * other goes on. */
static void test_first_failure_sticks(void)
{
	struct sink_ids ids = { .reserve = fake_reserve };
	struct counter db = { .fail_at = 3, .err = -ENOSPC }, live = { 0 };
	struct sink sdb = { .name = "trace DB", .ctx = &db, .call = count_call };
	struct sink slive = { .name = "live output", .ctx = &live, .call = count_call };
	const char *who = NULL;
	struct sinks s;

	sinks__init(&s, &ids);
	sinks__add(&s, &sdb);
	sinks__add(&s, &slive);
	give_calls(&s, 10);
	CHECK_EQ_INT(sinks__error(&s, &who), -ENOSPC);
	CHECK_EQ_STR(who, "trace DB");
	CHECK_EQ_INT(db.calls, 3);
	CHECK_EQ_INT(live.calls, 10);
	sinks__fail(&s, "other", -EIO);
	CHECK_EQ_INT(sinks__error(&s, &who), -ENOSPC);
	CHECK_EQ_STR(who, "trace DB");
}

static void test_too_many_sinks(void)
{
	struct sink_ids ids = { .reserve = fake_reserve };
	struct sink k = { .name = "k" };
	struct sinks s;

	sinks__init(&s, &ids);
	for (int i = 0; i < SINKS_MAX; i++)
		CHECK_EQ_INT(sinks__add(&s, &k), 0);
	CHECK_EQ_INT(sinks__add(&s, &k), -E2BIG);
	sinks__fail(&s, "x", 0);
	CHECK_EQ_INT(sinks__error(&s, NULL), 0);
}

static pid_t fake_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	(void)kind, (void)ino, (void)peer_ino, (void)dir;
	return self == 100 ? 200 : 100;
}

static bool fake_ancestor(pid_t anc, pid_t pid)
{
	return anc == 100 && pid == 200;
}

static pid_t fake_tcp(pid_t self, uint64_t ino, struct tcp_ends *ends)
{
	(void)self, (void)ino;
	memset(ends, 0, sizeof(*ends));
	return 0;
}

/* A trace DB that cannot grow: the store's sink fails with -ENOSPC once,
 * says so once, and the live lines still show every call. */
static void test_full_db_fails_the_trace(void)
{
	static const struct proc_lookup lookup = { fake_peer, fake_ancestor, fake_tcp };
	char path[64] = "/tmp/mt-sink-XXXXXX", big[4096], line[4300];
	char out_path[80], err_path[80];
	struct output out = { 0 };
	struct store *store = NULL;
	struct sessions *ss;
	struct sinks sinks;
	const char *who = NULL;
	FILE *errf;
	int fd, saved_err, full_lines = 0;
	char buf[512];

	fd = mkstemp(path);
	close(fd);
	unlink(path);
	snprintf(out_path, sizeof(out_path), "%s.out", path);
	snprintf(err_path, sizeof(err_path), "%s.err", path);
	CHECK_EQ_INT(store__open(&store, path), 0);
	if (!store)
		return;
	CHECK_EQ_INT(store__begin_run(store, "test", 1), 0);
	CHECK_EQ_INT(store__flush(store), 0);
	/* About 400 KiB of pages, then SQLITE_FULL, as on a full disk. */
	CHECK_EQ_INT(sqlite3_exec(store__db(store), "PRAGMA max_page_count = 100", NULL, NULL,
				  NULL),
		     SQLITE_OK);
	out.fp = fopen(out_path, "w");
	out.mode = OUTPUT_TEXT;
	tracer__init_sinks(&sinks, store, &out);
	ss = sessions__new(&sinks);
	sessions__set_lookup(ss, &lookup);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fflush(stderr);
	saved_err = dup(2);
	fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	for (int i = 1; i <= 400; i++) {
		struct wire_line l = {
			.stream_id = 1,
			.tgid = 100,
			.fd = 5,
			.dir = WIRE_WRITE,
			.fd_kind = MT_FD_PIPE,
			.ino = 7,
			.ts_ns = i * 1000,
			.text = line,
		};

		l.len = l.wire_len = (size_t)snprintf(
			line, sizeof(line),
			"{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":"
			"{\"name\":\"echo\",\"arguments\":{\"pad\":\"%s\"}}}",
			i, big);
		sessions__line(ss, &l);
		l.dir = WIRE_READ;
		l.stream_id = 2;
		l.ts_ns += 500;
		l.len = l.wire_len = (size_t)snprintf(
			line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"content\":[]}}", i);
		sessions__line(ss, &l);
		if (i % 50 == 0)
			sinks__fail(&sinks, "trace DB", store__flush(store));
	}
	sessions__free(ss);
	store__close(store);
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	CHECK_EQ_INT(sinks__error(&sinks, &who), -ENOSPC);
	CHECK_EQ_STR(who, "trace DB");
	CHECK_EQ_INT(out.lines, 400);
	fclose(out.fp);
	errf = fopen(err_path, "r");
	while (errf && fgets(buf, sizeof(buf), errf))
		full_lines += strstr(buf, "database or disk is full") != NULL;
	if (errf)
		fclose(errf);
	/* Said by the failing write, and at most once more by the commit
	 * that store__close still tries: not once per row. */
	CHECK(full_lines >= 1 && full_lines <= 2);
	unlink(path);
	unlink(out_path);
	unlink(err_path);
}

int main(void)
{
	RUN_TEST(test_fan_out_in_order);
	RUN_TEST(test_first_failure_sticks);
	RUN_TEST(test_too_many_sinks);
	RUN_TEST(test_full_db_fails_the_trace);
	return CHECK_DONE();
}
