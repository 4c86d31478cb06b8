/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Session stage from bytes: framed lines as the stream stage hands them on,
 * with a fake /proc, into a real DB; the checks read the rows back.
 *
 * The cast: a host H (pid 100) runs servers S (200) and T (300). H writes
 * to S over pipe 11 and reads S's answers from pipe 12; with T it uses
 * pipes 21 and 22. H is S's and T's parent.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "check.h"
#include "cmd/tracer.h"
#include "mcp/redact.h"
#include "mcp/session.h"

#define H 100
#define S 200
#define T 300

static pid_t fake_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	(void)kind;
	(void)peer_ino;
	(void)dir;
	if (ino == 11 || ino == 12)
		return self == H ? S : H;
	if (ino == 21 || ino == 22)
		return self == H ? T : H;
	return 0;
}

static bool fake_ancestor(pid_t anc, pid_t pid)
{
	return anc == H && (pid == S || pid == T);
}

static pid_t fake_tcp(pid_t self, uint64_t ino, struct tcp_ends *ends)
{
	(void)self;
	(void)ino;
	memset(ends, 0, sizeof(*ends));
	return 0;
}

static const struct proc_lookup lookup = { fake_peer, fake_ancestor, fake_tcp };

struct fixture {
	char path[64];
	struct store *store;
	struct sessions *ss;
	struct output out;
	struct sinks sinks;
};

static void setup(struct fixture *f, bool trace_server)
{
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/mt-session-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path);
	CHECK_EQ_INT(store__open(&f->store, f->path), 0);
	store__begin_run(f->store, "test", 1);
	f->out = (struct output){ .mode = OUTPUT_QUIET };
	tracer__init_sinks(&f->sinks, f->store, &f->out);
	f->ss = sessions__new(&f->sinks);
	sessions__set_lookup(f->ss, &lookup);
	sessions__process_traced(f->ss, H);
	if (trace_server) {
		sessions__process_traced(f->ss, S);
		sessions__process_traced(f->ss, T);
	}
}

static long long q_int(struct fixture *f, const char *sql);

static void teardown(struct fixture *f)
{
	/* The writer runs without foreign-key and CHECK constraints: its
	 * rows must be consistent by construction. */
	CHECK_EQ_INT(q_int(f, "select count(*) from pragma_foreign_key_check"), 0);
	sqlite3_exec(store__db(f->store), "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
	CHECK_EQ_INT(q_int(f, "select count(*) from pragma_integrity_check where "
			      "integrity_check != 'ok'"),
		     0);
	CHECK_EQ_INT(q_int(f, "select count(*) from calls where request_msg_id is null"), 0);
	sessions__free(f->ss);
	store__flush(f->store);
	store__close(f->store);
	unlink(f->path);
	for (const char *sfx = "-wal"; sfx; sfx = sfx[1] == 'w' ? "-shm" : NULL) {
		char p[80];

		snprintf(p, sizeof(p), "%s%s", f->path, sfx);
		unlink(p);
	}
}

/* One sighting: pid saw text on fd (dir) of pipe ino at ts. */
static bool feed(struct fixture *f, pid_t pid, uint32_t fd, uint8_t dir, uint64_t ino, int64_t ts,
		 const char *text)
{
	struct wire_line l = {
		.stream_id = (uint64_t)pid * 1000 + fd,
		.tgid = (uint32_t)pid,
		.fd = fd,
		.dir = dir,
		.fd_kind = MT_FD_PIPE,
		.ino = ino,
		.ts_ns = ts,
		.text = text,
		.len = strlen(text),
		.wire_len = strlen(text),
	};

	return sessions__line(f->ss, &l);
}

/* The host writes to a server / reads from it; the server reads / writes. */
#define H_TO(f, srv, ts, txt) feed(f, H, (srv) == S ? 10 : 20, WIRE_WRITE, (srv) == S ? 11 : 21, ts, txt)
#define H_FROM(f, srv, ts, txt) feed(f, H, (srv) == S ? 13 : 23, WIRE_READ, (srv) == S ? 12 : 22, ts, txt)
#define SRV_IN(f, srv, ts, txt) feed(f, srv, 0, WIRE_READ, (srv) == S ? 11 : 21, ts, txt)
#define SRV_OUT(f, srv, ts, txt) feed(f, srv, 1, WIRE_WRITE, (srv) == S ? 12 : 22, ts, txt)

#define LIST_1 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"
#define LIST_2 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"

/* Each message once, with both times, in one session. */
static void check_each_once(struct fixture *f, long long messages)
{
	CHECK_EQ_INT(q_int(f, "select count(*) from messages"), messages);
	CHECK_EQ_INT(q_int(f, "select count(*) from messages where sent_ns is null or recv_ns is null"), 0);
	CHECK_EQ_INT(q_int(f, "select count(*) from sessions"), 1);
}

static long long q_int(struct fixture *f, const char *sql)
{
	sqlite3 *db = store__db(f->store);
	sqlite3_stmt *st;
	long long v = -999;

	sessions__flush(f->ss);
	store__flush(f->store);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "  sql error: %s: %s\n", sqlite3_errmsg(db), sql);
		return -999;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *q_str(struct fixture *f, const char *sql)
{
	sqlite3 *db = store__db(f->store);
	sqlite3_stmt *st;
	char *v = NULL;

	sessions__flush(f->ss);
	store__flush(f->store);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "  sql error: %s: %s\n", sqlite3_errmsg(db), sql);
		return NULL;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void check_str(struct fixture *f, const char *sql, const char *want)
{
	char *got = q_str(f, sql);

	CHECK_EQ_STR(got, want);
	free(got);
}

#define INIT_REQ                                                                                   \
	"{\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}," \
	"\"clientInfo\":{\"name\":\"host\",\"version\":\"1.0\"}},\"jsonrpc\":\"2.0\",\"id\":0}"
#define INIT_RES                                                                                   \
	"{\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"serverInfo\":{\"name\":" \
	"\"srv\",\"version\":\"2.0\"}},\"jsonrpc\":\"2.0\",\"id\":0}"

/* Both ends traced: each line stored once with both times, and the call
 * gets the client's latency and the server's own time. */
static void test_both_ends_merge(void)
{
	struct fixture f;

	setup(&f, true);
	CHECK(H_TO(&f, S, 1000, INIT_REQ));
	CHECK(SRV_IN(&f, S, 1010, INIT_REQ));
	CHECK(SRV_OUT(&f, S, 1100, INIT_RES));
	CHECK(H_FROM(&f, S, 1120, INIT_RES));
	/* the reader's sighting may come first */
	SRV_IN(&f, S, 2010, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
	H_TO(&f, S, 2000, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
	H_FROM(&f, S, 2300, "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	SRV_OUT(&f, S, 2290, "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");

	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 4);
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	CHECK_EQ_INT(q_int(&f, "select sent_ns from messages where rpc_id='0' and kind='request'"), 1000);
	CHECK_EQ_INT(q_int(&f, "select recv_ns from messages where rpc_id='0' and kind='request'"), 1010);
	CHECK_EQ_INT(q_int(&f, "select ts_ns from messages where rpc_id='1' and kind='request'"), 2000);
	CHECK_EQ_INT(q_int(&f, "select sender_pid from messages where rpc_id='1' and kind='response'"), S);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where rpc_id='0'"), 120);
	CHECK_EQ_INT(q_int(&f, "select server_latency_ns from calls where rpc_id='0'"), 90);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where rpc_id='1'"), 300);
	CHECK_EQ_INT(q_int(&f, "select server_latency_ns from calls where rpc_id='1'"), 280);
	check_str(&f, "select status from calls where rpc_id='1'", "ok");
	check_str(&f, "select method from messages where kind='response' and rpc_id='1'", "tools/list");
	check_str(&f, "select direction from messages where kind='response' and rpc_id='1'", "s2c");
	CHECK_EQ_INT(q_int(&f, "select client_pid from sessions"), H);
	CHECK_EQ_INT(q_int(&f, "select server_pid from sessions"), S);
	check_str(&f, "select client_name || ' ' || client_version from sessions", "host 1.0");
	check_str(&f, "select server_name || ' ' || server_version from sessions", "srv 2.0");
	check_str(&f, "select protocol_version from sessions", "2025-06-18");
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls c join messages m on m.id = c.response_msg_id "
			       "where m.call_id = c.id"), 2);
	teardown(&f);
}

/* Only the host traced; answers out of order, an error, a tool error,
 * ids 1 and "1" kept apart. */
static void test_out_of_order_and_ids(void)
{
	struct fixture f;

	setup(&f, false);
	H_TO(&f, S, 100, "{\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"},\"jsonrpc\":\"2.0\",\"id\":1}");
	H_TO(&f, S, 110, "{\"method\":\"tools/call\",\"params\":{\"name\":\"fast\"},\"jsonrpc\":\"2.0\",\"id\":\"1\"}");
	H_TO(&f, S, 120, "{\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"},\"jsonrpc\":\"2.0\",\"id\":2}");
	H_TO(&f, S, 130, "{\"method\":\"tools/call\",\"params\":{\"name\":\"bad\"},\"jsonrpc\":\"2.0\",\"id\":3}");
	H_FROM(&f, S, 150, "{\"result\":{\"content\":[]},\"jsonrpc\":\"2.0\",\"id\":\"1\"}");
	H_FROM(&f, S, 160, "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,\"message\":\"Unknown tool: nope\"}}");
	H_FROM(&f, S, 170, "{\"result\":{\"content\":[],\"isError\":true},\"jsonrpc\":\"2.0\",\"id\":3}");
	H_FROM(&f, S, 900, "{\"result\":{\"content\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");

	CHECK_EQ_INT(q_int(&f, "select count(*) from calls"), 4);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where rpc_id='1'"), 800);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where rpc_id='\"1\"'"), 40);
	check_str(&f, "select target from calls where rpc_id='\"1\"'", "fast");
	check_str(&f, "select status from calls where rpc_id='2'", "error");
	CHECK_EQ_INT(q_int(&f, "select error_code from calls where rpc_id='2'"), -32602);
	check_str(&f, "select error_message from calls where rpc_id='2'", "Unknown tool: nope");
	check_str(&f, "select status from calls where rpc_id='3'", "tool_error");
	CHECK_EQ_INT(q_int(&f, "select server_latency_ns is null from calls where rpc_id='1'"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where sent_ns is null and kind='request'"), 0);
	teardown(&f);
}

/* Cancelled, unanswered, progress, and a server-to-client request. */
static void test_cancel_progress_and_server_requests(void)
{
	struct fixture f;

	setup(&f, false);
	H_TO(&f, S, 100, INIT_REQ);
	H_FROM(&f, S, 110, INIT_RES);
	H_TO(&f, S, 200, "{\"method\":\"tools/call\",\"params\":{\"name\":\"long\",\"_meta\":{\"progressToken\":7}},\"jsonrpc\":\"2.0\",\"id\":1}");
	H_FROM(&f, S, 210, "{\"method\":\"notifications/progress\",\"params\":{\"progressToken\":7,\"progress\":1,\"total\":2},\"jsonrpc\":\"2.0\"}");
	H_TO(&f, S, 220, "{\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1,\"reason\":\"user\"},\"jsonrpc\":\"2.0\"}");
	H_TO(&f, S, 300, "{\"method\":\"tools/call\",\"params\":{\"name\":\"never\"},\"jsonrpc\":\"2.0\",\"id\":2}");
	H_FROM(&f, S, 400, "{\"method\":\"sampling/createMessage\",\"params\":{},\"jsonrpc\":\"2.0\",\"id\":0}");
	H_TO(&f, S, 450, "{\"result\":{\"role\":\"assistant\"},\"jsonrpc\":\"2.0\",\"id\":0}");
	sessions__process_exit(f.ss, S, 1000);

	check_str(&f, "select status from calls where rpc_id='1'", "cancelled");
	check_str(&f, "select status from calls where rpc_id='2'", "unanswered");
	CHECK_EQ_INT(q_int(&f, "select latency_ns is null from calls where rpc_id='2'"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages m join calls c on m.call_id = c.id "
			       "where c.rpc_id='1' and m.kind='notification'"), 2);
	check_str(&f, "select direction from calls where method='sampling/createMessage'", "s2c");
	check_str(&f, "select status from calls where method='sampling/createMessage'", "ok");
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where method='sampling/createMessage'"), 50);
	check_str(&f, "select direction from messages where kind='response' and method='sampling/createMessage'", "c2s");
	CHECK_EQ_INT(q_int(&f, "select ended_ns from sessions"), 1000);
	teardown(&f);
}

/* One host, two servers that both number their ids from 0. */
static void test_two_servers(void)
{
	struct fixture f;

	setup(&f, false);
	H_TO(&f, S, 100, INIT_REQ);
	H_TO(&f, T, 101, INIT_REQ);
	H_FROM(&f, T, 150, INIT_RES);
	H_FROM(&f, S, 190, INIT_RES);
	H_FROM(&f, S, 200, "{\"method\":\"roots/list\",\"jsonrpc\":\"2.0\",\"id\":0}");
	H_FROM(&f, T, 201, "{\"method\":\"roots/list\",\"jsonrpc\":\"2.0\",\"id\":0}");
	H_TO(&f, T, 230, "{\"result\":{\"roots\":[]},\"jsonrpc\":\"2.0\",\"id\":0}");
	H_TO(&f, S, 260, "{\"result\":{\"roots\":[]},\"jsonrpc\":\"2.0\",\"id\":0}");

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 2);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status='ok'"), 4);
	CHECK_EQ_INT(q_int(&f, "select c.latency_ns from calls c join sessions s on s.id=c.session_id "
			       "where s.server_pid=200 and c.method='initialize'"), 90);
	CHECK_EQ_INT(q_int(&f, "select c.latency_ns from calls c join sessions s on s.id=c.session_id "
			       "where s.server_pid=300 and c.method='initialize'"), 49);
	CHECK_EQ_INT(q_int(&f, "select c.latency_ns from calls c join sessions s on s.id=c.session_id "
			       "where s.server_pid=200 and c.method='roots/list'"), 60);
	teardown(&f);
}

/* Batches, notifications, lines that are not JSON-RPC. */
static void test_batch_and_garbage(void)
{
	struct fixture f;

	setup(&f, false);
	CHECK(H_TO(&f, S, 100, "[{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":5},{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]"));
	CHECK(H_FROM(&f, S, 120, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}"));
	CHECK(!H_FROM(&f, S, 130, "{\"level\":\"info\",\"msg\":\"a JSON log line\"}"));
	CHECK(!H_FROM(&f, S, 131, "{not json"));
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 3);
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors"), 2);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where method='ping'"), 20);
	check_str(&f, "select body from messages where kind='notification'",
		  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	teardown(&f);
}

static pid_t gone_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	(void)self, (void)kind, (void)ino, (void)peer_ino, (void)dir;
	return 0;
}

static bool gone_ancestor(pid_t anc, pid_t pid)
{
	(void)anc, (void)pid;
	return false;
}

/* Every process gone from /proc by the time its records are read. */
static const struct proc_lookup gone = { gone_peer, gone_ancestor, fake_tcp };

/* Both ends traced, but both gone from /proc before their first records
 * are read (a short-lived pair, a tracer busy hooking TLS): the kernel's
 * records alone must give one session, each message once, calls paired. */
static void test_peers_gone_from_proc(void)
{
	struct fixture f;

	setup(&f, true);
	sessions__set_lookup(f.ss, &gone);
	SRV_OUT(&f, S, 900, "{\"method\":\"notifications/message\",\"params\":{\"level\":\"info\"},\"jsonrpc\":\"2.0\"}");
	H_TO(&f, S, 1000, INIT_REQ);
	H_TO(&f, S, 1001, "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}");
	H_FROM(&f, S, 1002, "{\"method\":\"notifications/message\",\"params\":{\"level\":\"info\"},\"jsonrpc\":\"2.0\"}");
	SRV_IN(&f, S, 1010, INIT_REQ);
	SRV_IN(&f, S, 1011, "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}");
	SRV_OUT(&f, S, 1100, INIT_RES);
	H_FROM(&f, S, 1120, INIT_RES);
	H_TO(&f, S, 2000, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
	SRV_IN(&f, S, 2010, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
	SRV_OUT(&f, S, 2290, "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	H_FROM(&f, S, 2300, "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 6);
	CHECK_EQ_INT(q_int(&f, "select client_pid from sessions"), H);
	CHECK_EQ_INT(q_int(&f, "select server_pid from sessions"), S);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), 2);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where rpc_id='0'"), 120);
	CHECK_EQ_INT(q_int(&f, "select server_latency_ns from calls where rpc_id='1'"), 280);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where sent_ns is null or recv_ns is null"), 0);
	CHECK_EQ_INT(q_int(&f, "select sender_pid from messages where kind='notification' and "
			       "method='notifications/message'"), S);
	teardown(&f);
}

/* Only the host traced and its server gone from /proc: its lines wait
 * for a sighting that never comes. A flush looks in /proc and finds
 * nobody; the next stores them with the peer unknown, once. */
static void test_untraced_peer_gone(void)
{
	struct fixture f;

	setup(&f, false);
	sessions__set_lookup(f.ss, &gone);
	H_TO(&f, S, 100, INIT_REQ);
	H_FROM(&f, S, 150, INIT_RES);
	sessions__flush(f.ss);
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 2);
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where rpc_id='0'"), 50);
	CHECK_EQ_INT(q_int(&f, "select client_pid from sessions"), H);
	teardown(&f);
}

/* With a redactor, no credential of a line reaches a row: not the body,
 * not an error message, not a parse error's excerpt; the call still pairs. */
static void test_redacted(void)
{
	struct fixture f;
	struct redactor *r = redactor__new();

	setup(&f, false);
	CHECK(r != NULL);
	sessions__set_redactor(f.ss, r);
	H_TO(&f, S, 100, "{\"method\":\"tools/call\",\"params\":{\"name\":\"s3\",\"arguments\":"
			 "{\"key\":\"AKIAIOSFODNN7EXAMPLE\",\"password\":\"hunter2\"}},"
			 "\"jsonrpc\":\"2.0\",\"id\":1}");
	H_FROM(&f, S, 150, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,"
			   "\"message\":\"bad token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\"}}");
	H_FROM(&f, S, 160, "{\"not\":\"rpc\",\"password\":\"hunter2\"}");
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where body like '%AKIAIOSFODNN7EXAMPLE%' "
			       "or body like '%hunter2%' or body like '%ghp_%'"), 0);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where body like "
			       "'%[redacted:aws-key:%' and body like '%\"password\":\"[redacted:key:%'"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where error_message like '%ghp_%'"), 0);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where error_message like "
			       "'bad token [redacted:github-token:%' and status = 'error'"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors where excerpt like '%hunter2%'"), 0);
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors"), 1);
	teardown(&f);
	redactor__free(r);
}

/* A burst: the writer is 3000 lines ahead of the reader (a big pipe, a
 * slow reader), both traced. Each message is stored once, with both
 * times; no sighting is let go unmatched. */
static void test_burst_each_once(void)
{
	struct fixture f;
	char line[128];
	int i;

	setup(&f, true);
	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line),
			 "{\"method\":\"notifications/message\",\"params\":{\"n\":%d},\"jsonrpc\":\"2.0\"}", i);
		SRV_OUT(&f, S, 1000 + i, line);
	}
	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line),
			 "{\"method\":\"notifications/message\",\"params\":{\"n\":%d},\"jsonrpc\":\"2.0\"}", i);
		H_FROM(&f, S, 100000 + i, line);
	}
	check_each_once(&f, 3000);
	teardown(&f);
}

/* The writer is gone before its reader reads, and both were gone from
 * /proc when their records were read: the reader's sighting still meets
 * the writer's lines, each stored once, in one session. With
 * flush_between, a flush comes between the writer's records and its
 * reader's (still in the ring buffer when /proc was asked): that flush
 * must not store the lines, nor the next one twice. */
static void writer_gone_then_reader(bool flush_between)
{
	struct fixture f;

	setup(&f, true);
	sessions__set_lookup(f.ss, &gone);
	SRV_OUT(&f, S, 100, LIST_1);
	SRV_OUT(&f, S, 101, LIST_2);
	sessions__process_exit(f.ss, S, 102);
	if (flush_between)
		sessions__flush(f.ss);
	H_FROM(&f, S, 110, LIST_1);
	H_FROM(&f, S, 111, LIST_2);
	sessions__process_exit(f.ss, H, 120);
	check_each_once(&f, 2);
	teardown(&f);
}

static void test_writer_exits_before_reader(void)
{
	writer_gone_then_reader(false);
}

static void test_flush_between_writer_and_reader(void)
{
	writer_gone_then_reader(true);
}

/* The writer exits with a line its reader (traced, /proc showed it) has
 * not read yet: the session waits for that read, so the line is stored
 * once with both times, and still ends at the writer's exit. */
static void test_writer_exits_with_unread_line(void)
{
	struct fixture f;

	setup(&f, true);
	SRV_OUT(&f, S, 100, LIST_1);
	H_FROM(&f, S, 105, LIST_1);
	SRV_OUT(&f, S, 110, LIST_2);
	sessions__process_exit(f.ss, S, 120);
	sessions__flush(f.ss);
	H_FROM(&f, S, 130, LIST_2);
	check_each_once(&f, 2);
	CHECK_EQ_INT(q_int(&f, "select ended_ns from sessions"), 120);
	teardown(&f);
}

/* /proc named the wrong reader: S held the pipe's read end too (a shell
 * whose child reads it) and exits without reading; T reads the lines after
 * the writer H is gone. The lines are still met once, with both times. */
static void test_proc_named_another_reader(void)
{
	struct fixture f;

	setup(&f, true);
	H_TO(&f, S, 100, LIST_1);
	H_TO(&f, S, 101, LIST_2);
	sessions__process_exit(f.ss, H, 110);
	sessions__process_exit(f.ss, S, 120);
	sessions__flush(f.ss);
	feed(&f, T, 0, WIRE_READ, 11, 130, LIST_1);
	feed(&f, T, 0, WIRE_READ, 11, 131, LIST_2);
	sessions__process_exit(f.ss, T, 140);
	check_each_once(&f, 2);
	CHECK_EQ_INT(q_int(&f, "select ended_ns from sessions"), 110);
	teardown(&f);
}

/* MCP 2026-07-28 as the v2 SDK writes it: no initialize; the envelope in
 * every request's params._meta names the client and the version, each
 * result's _meta the server. */
#define ENV26                                                                                      \
	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                \
	"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"v2-client\",\"version\":\"2.4.0\"},"    \
	"\"io.modelcontextprotocol/clientCapabilities\":{}}"
#define SRV26 "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"v2-server\",\"version\":\"9\"}}"
#define CALL26(id, tool, args, extra)                                                             \
	"{\"method\":\"tools/call\",\"params\":{\"name\":\"" tool "\",\"arguments\":" args extra   \
	"," ENV26 "},\"jsonrpc\":\"2.0\",\"id\":" id "}"
#define DONE26(id) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":{" SRV26 ",\"content\":[],\"resultType\":\"complete\"}}"
#define ASK26(id, state)                                                                           \
	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":{" SRV26 ",\"resultType\":\"input_required\","  \
	"\"inputRequests\":{\"ok\":{\"method\":\"elicitation/create\",\"params\":{}}}" state "}}"
#define ANSWER26 ",\"inputResponses\":{\"ok\":{\"action\":\"accept\",\"content\":{\"yes\":true}}}"

static void test_2026_envelopes(void)
{
	struct fixture f;

	setup(&f, true);
	H_TO(&f, S, 100, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"method\":"
			  "\"server/discover\",\"params\":{" ENV26 "}}");
	SRV_IN(&f, S, 101, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"method\":"
			   "\"server/discover\",\"params\":{" ENV26 "}}");
	SRV_OUT(&f, S, 110, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"result\":{" SRV26
			    ",\"supportedVersions\":[\"2026-07-28\"],\"resultType\":\"complete\"}}");
	H_FROM(&f, S, 111, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"result\":{" SRV26
			   ",\"supportedVersions\":[\"2026-07-28\"],\"resultType\":\"complete\"}}");
	H_TO(&f, S, 120, CALL26("0", "echo", "{\"text\":\"hi\"}", ""));
	SRV_IN(&f, S, 121, CALL26("0", "echo", "{\"text\":\"hi\"}", ""));
	SRV_OUT(&f, S, 130, DONE26("0"));
	H_FROM(&f, S, 131, DONE26("0"));

	/* a subscriptions/listen stream: its notifications are the listen
	 * call's, and the client's cancel ends it */
	H_TO(&f, S, 140, "{\"jsonrpc\":\"2.0\",\"id\":\"listen:0\",\"method\":\"subscriptions/listen\","
			  "\"params\":{\"notifications\":{\"toolsListChanged\":true}," ENV26 "}}");
	SRV_IN(&f, S, 141, "{\"jsonrpc\":\"2.0\",\"id\":\"listen:0\",\"method\":\"subscriptions/listen\","
			   "\"params\":{\"notifications\":{\"toolsListChanged\":true}," ENV26 "}}");
	SRV_OUT(&f, S, 150, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\","
			    "\"params\":{\"_meta\":{\"io.modelcontextprotocol/subscriptionId\":\"listen:0\"}}}");
	H_FROM(&f, S, 151, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\","
			   "\"params\":{\"_meta\":{\"io.modelcontextprotocol/subscriptionId\":\"listen:0\"}}}");
	H_TO(&f, S, 160, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
			  "{\"requestId\":\"listen:0\"}}");
	SRV_IN(&f, S, 161, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
			   "{\"requestId\":\"listen:0\"}}");

	check_each_once(&f, 7);
	check_str(&f, "select status || ' ' || (select count(*) from messages m where m.call_id = c.id) "
		      "from calls c where method = 'subscriptions/listen'",
		  "cancelled 3");
	check_str(&f, "select protocol_version || ' ' || client_name || ' ' || client_version || ' ' "
		      "|| server_name || ' ' || server_version from sessions",
		  "2026-07-28 v2-client 2.4.0 v2-server 9");
	check_str(&f, "select group_concat(method || ':' || status || ':' || coalesce(latency_ns, ''), ' ') "
		      "from (select * from calls order by id)",
		  "server/discover:ok:11 tools/call:ok:11 subscriptions/listen:cancelled:");
	teardown(&f);
}

/* An input_required round and the rounds that continue it: by the echoed
 * requestState, else by method, target and arguments; a request that
 * continues nothing (other arguments, an unknown state, no inputResponses)
 * names no round, and a round is continued once. */
static void test_2026_rounds(void)
{
	struct fixture f;

	setup(&f, false);
	/* with a requestState: the retry echoes it */
	H_TO(&f, S, 100, CALL26("14", "confirm", "{\"what\":\"deploy\"}", ""));
	H_FROM(&f, S, 110, ASK26("14", ",\"requestState\":\"st-1\""));
	H_TO(&f, S, 120, CALL26("15", "confirm", "{\"what\":\"deploy\"}", ANSWER26 ",\"requestState\":\"st-1\""));
	H_FROM(&f, S, 130, DONE26("15"));
	/* without one: the same method, target and arguments, two rounds deep */
	H_TO(&f, S, 200, CALL26("20", "ask", "{\"q\":1}", ""));
	H_TO(&f, S, 201, CALL26("21", "ask", "{\"q\":2}", ""));
	H_FROM(&f, S, 210, ASK26("20", ""));
	H_FROM(&f, S, 211, ASK26("21", ""));
	H_TO(&f, S, 220, CALL26("22", "ask", "{\"q\":1}", ANSWER26));
	H_FROM(&f, S, 230, ASK26("22", ""));
	H_TO(&f, S, 240, CALL26("23", "ask", "{\"q\":1}", ANSWER26));
	H_FROM(&f, S, 250, DONE26("23"));
	/* continues nothing */
	H_TO(&f, S, 300, CALL26("30", "ask", "{\"q\":3}", ANSWER26));
	H_TO(&f, S, 301, CALL26("31", "confirm", "{\"what\":\"deploy\"}", ANSWER26 ",\"requestState\":\"st-9\""));
	H_TO(&f, S, 302, CALL26("32", "confirm", "{\"what\":\"deploy\"}", ANSWER26 ",\"requestState\":\"st-1\""));
	H_TO(&f, S, 303, CALL26("33", "ask", "{\"q\":2}", ""));

	check_str(&f, "select group_concat(rpc_id || ':' || status || '<' || "
		      "coalesce((select p.rpc_id from calls p where p.id = c.previous_round_id), '-'), ' ') "
		      "from (select * from calls order by id) c",
		  "14:input_required<- 15:ok<14 20:input_required<- 21:input_required<- "
		  "22:input_required<20 23:ok<22 30:pending<- 31:pending<- 32:pending<- 33:pending<-");
	teardown(&f);
}

int main(void)
{
	RUN_TEST(test_both_ends_merge);
	RUN_TEST(test_out_of_order_and_ids);
	RUN_TEST(test_cancel_progress_and_server_requests);
	RUN_TEST(test_two_servers);
	RUN_TEST(test_batch_and_garbage);
	RUN_TEST(test_peers_gone_from_proc);
	RUN_TEST(test_untraced_peer_gone);
	RUN_TEST(test_flush_between_writer_and_reader);
	RUN_TEST(test_writer_exits_with_unread_line);
	RUN_TEST(test_proc_named_another_reader);
	RUN_TEST(test_redacted);
	RUN_TEST(test_burst_each_once);
	RUN_TEST(test_writer_exits_before_reader);
	RUN_TEST(test_2026_envelopes);
	RUN_TEST(test_2026_rounds);
	return CHECK_DONE();
}
