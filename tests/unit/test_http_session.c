/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * MCP over HTTP from bytes: kernel-style data records of a client's TCP
 * connections go through the stream stage (frame_http, frame_sse) and the
 * session stage into a real DB; the checks read the rows back. Only the
 * client (pid 100) is traced, as when attaching to an agent host.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "check.h"
#include "cmd/tracer.h"
#include "mcp/session.h"
#include "wire/stream.h"

#define C 100

static pid_t no_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	(void)self, (void)kind, (void)ino, (void)peer_ino, (void)dir;
	return 0;
}

static bool no_ancestor(pid_t a, pid_t p)
{
	(void)a, (void)p;
	return false;
}

static pid_t fake_tcp(pid_t self, uint64_t ino, struct tcp_ends *e)
{
	(void)self;
	memset(e, 0, sizeof(*e));
	snprintf(e->local, sizeof(e->local), "127.0.0.1:%u", 40000 + (unsigned)ino);
	snprintf(e->remote, sizeof(e->remote), "127.0.0.1:3001");
	return 0;
}

static const struct proc_lookup lookup = { no_peer, no_ancestor, fake_tcp };

struct fixture {
	char path[64];
	struct store *store;
	struct sessions *ss;
	struct stream_table *streams;
	struct output out;
	struct sinks sinks;
	uint64_t off[8][2]; /* per fd, per direction */
	int64_t now;
};

static bool sink_line(void *ctx, const struct wire_line *l)
{
	return sessions__line(((struct fixture *)ctx)->ss, l);
}

static void sink_closed(void *ctx, uint64_t stream_id, uint32_t tgid, uint32_t fd, int64_t ts)
{
	(void)tgid, (void)fd;
	sessions__stream_closed(((struct fixture *)ctx)->ss, stream_id, ts);
}

static void setup(struct fixture *f)
{
	struct stream_sink sink = { .ctx = f, .line = sink_line, .closed = sink_closed };
	int fd;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/mt-http-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path);
	CHECK_EQ_INT(store__open(&f->store, f->path), 0);
	store__begin_run(f->store, "test", 1);
	f->out = (struct output){ .mode = OUTPUT_QUIET };
	tracer__init_sinks(&f->sinks, f->store, &f->out);
	f->ss = sessions__new(&f->sinks);
	sessions__set_lookup(f->ss, &lookup);
	sessions__process_traced(f->ss, C);
	f->streams = stream_table__new(1 << 20, &sink);
	f->now = 1000;
}

/* The client wrote (dir 1) or read (dir 0) text on TCP connection fd. */
static void io(struct fixture *f, uint32_t fd, uint8_t dir, const char *text)
{
	size_t len = strlen(text);
	struct mt_data_event *e = calloc(1, sizeof(*e) + len);

	e->hdr.type = MT_EV_DATA;
	e->hdr.tgid = e->hdr.pid = C;
	e->stream_id = fd;
	e->ino = fd;
	e->fd = fd;
	e->dir = dir;
	e->fd_kind = MT_FD_INET;
	e->offset = f->off[fd][dir];
	e->len = (uint32_t)len;
	e->syscall_len = (uint32_t)len;
	memcpy(e->data, text, len);
	f->off[fd][dir] += len;
	f->now += 1000;
	stream_table__record(f->streams, e, sizeof(*e) + len, f->now);
	free(e);
}

static void close_fd(struct fixture *f, uint32_t fd)
{
	struct mt_close_event e = { .hdr = { .type = MT_EV_CLOSE, .tgid = C, .pid = C },
				    .stream_id = fd, .fd = fd };

	stream_table__record(f->streams, &e, sizeof(e), f->now);
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

static void check_str(struct fixture *f, const char *sql, const char *want)
{
	sqlite3 *db = store__db(f->store);
	sqlite3_stmt *st;
	const char *got = NULL;

	sessions__flush(f->ss);
	store__flush(f->store);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "  sql error: %s: %s\n", sqlite3_errmsg(db), sql);
		CHECK(0);
		return;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		got = (const char *)sqlite3_column_text(st, 0);
	CHECK_EQ_STR(got, want);
	sqlite3_finalize(st);
}

static void teardown(struct fixture *f)
{
	CHECK_EQ_INT(q_int(f, "select count(*) from pragma_foreign_key_check"), 0);
	stream_table__free(f->streams);
	sessions__free(f->ss);
	store__close(f->store);
	unlink(f->path);
}

#define INIT "{\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"," \
	     "\"capabilities\":{},\"clientInfo\":{\"name\":\"agent\",\"version\":\"1\"}}," \
	     "\"jsonrpc\":\"2.0\",\"id\":0}"
#define INIT_RES "{\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}," \
		 "\"serverInfo\":{\"name\":\"srv\",\"version\":\"2\"}},\"jsonrpc\":\"2.0\",\"id\":0}"
#define CALL "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"_meta\":" \
	     "{\"progressToken\":1}},\"jsonrpc\":\"2.0\",\"id\":1}"
#define PROGRESS "{\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1," \
		 "\"progress\":1},\"jsonrpc\":\"2.0\"}"
#define CALL_RES "{\"result\":{\"content\":[]},\"jsonrpc\":\"2.0\",\"id\":1}"

static char *post(const char *sid, const char *body)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		 "Accept: application/json, text/event-stream\r\n%s%s%sContent-Length: %zu\r\n\r\n%s",
		 sid ? "Mcp-Session-Id: " : "", sid ? sid : "", sid ? "\r\n" : "", strlen(body),
		 body);
	return buf;
}

/* Streamable HTTP: initialize answered as JSON with the session id; a call
 * answered by an event stream (progress, then the result) on another
 * connection; a notification answered 202; a call failing 404 with no
 * body. */
static void test_streamable(void)
{
	struct fixture f;
	char res[2048];

	setup(&f);
	io(&f, 3, 1, post(NULL, INIT));
	snprintf(res, sizeof(res),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: abc\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(INIT_RES), INIT_RES);
	io(&f, 3, 0, res);
	io(&f, 3, 1, post("abc", "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}"));
	io(&f, 3, 0, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
	io(&f, 4, 1, post("abc", CALL));
	/* chunked SSE, split across reads anywhere */
	io(&f, 4, 0, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n");
	snprintf(res, sizeof(res), "%zx\r\nevent: message\ndata: %s\n\n\r\n",
		 strlen("event: message\ndata: \n\n") + strlen(PROGRESS), PROGRESS);
	io(&f, 4, 0, res);
	snprintf(res, sizeof(res), "%zx\r\nevent: message\ndata: %s\n\n\r\n0\r\n\r\n",
		 strlen("event: message\ndata: \n\n") + strlen(CALL_RES), CALL_RES);
	io(&f, 4, 0, res);
	io(&f, 4, 1, post("abc", "{\"method\":\"tools/call\",\"params\":{\"name\":\"gone\"},"
				 "\"jsonrpc\":\"2.0\",\"id\":2}"));
	io(&f, 4, 0, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
	/* a 400 whose JSON-RPC error carries no id fails its exchange's call */
	io(&f, 4, 1, post("abc", "{\"method\":\"ping\",\"jsonrpc\":\"2.0\",\"id\":3}"));
	snprintf(res, sizeof(res),
		 "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Bad\"},\"id\":null}"),
		 "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Bad\"},\"id\":null}");
	io(&f, 4, 0, res);
	CHECK_EQ_INT(q_int(&f, "select ended_ns is null from sessions"), 1);
	io(&f, 3, 1, "DELETE /mcp HTTP/1.1\r\nHost: localhost\r\nMcp-Session-Id: abc\r\n\r\n");
	io(&f, 3, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	check_str(&f, "select transport || ' ' || mcp_session_id from sessions", "http abc");
	check_str(&f, "select client_name || ' ' || server_name from sessions", "agent srv");
	check_str(&f, "select client_addr || ' ' || server_addr from sessions",
		  "127.0.0.1:40003 127.0.0.1:3001");
	CHECK_EQ_INT(q_int(&f, "select client_pid from sessions"), C);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 9);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where direction = 's2c'"), 4);
	check_str(&f, "select status from calls where method = 'initialize'", "ok");
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where method = 'initialize'"), 1000);
	check_str(&f, "select status || ' ' || target from calls where rpc_id = '1'", "ok echo");
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages m join calls c on m.call_id = c.id "
			       "where c.rpc_id = '1' and m.method = 'notifications/progress'"), 1);
	check_str(&f, "select body from messages where kind = 'response' and rpc_id = '1'", CALL_RES);
	check_str(&f, "select status from calls where rpc_id = '2'", "error");
	CHECK_EQ_INT(q_int(&f, "select http_status from calls where rpc_id = '2'"), 404);
	CHECK_EQ_INT(q_int(&f, "select http_status is null from calls where rpc_id = '1'"), 1);
	check_str(&f, "select status || ' ' || http_status || ' ' || error_code || ' ' || "
		      "error_message from calls where rpc_id = '3'", "error 400 -32000 Bad");
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls c join messages m on m.id = "
			       "c.response_msg_id where c.rpc_id = '3' and m.rpc_id = 'null'"), 1);
	/* DELETE answered 200 ended the session */
	CHECK_EQ_INT(q_int(&f, "select ended_ns from sessions"), f.now);
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors"), 0);
	teardown(&f);
}

/* Legacy HTTP+SSE: the GET stream's endpoint event names the session; a
 * POST on another connection is answered 202 and its response arrives on
 * the GET stream. */
static void test_legacy_sse(void)
{
	struct fixture f;
	char ev[2048];

	setup(&f);
	io(&f, 5, 1, "GET /sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n");
	io(&f, 5, 0, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: keep-alive\r\n"
		     "\r\nevent: endpoint\ndata: /message?sessionId=s-42\n\n");
	io(&f, 6, 1, "POST /message?sessionId=s-42 HTTP/1.1\r\nHost: localhost\r\n"
		     "Content-Type: application/json\r\nContent-Length: 46\r\n\r\n"
		     "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
	io(&f, 6, 0, "HTTP/1.1 202 Accepted\r\nContent-Length: 8\r\n\r\nAccepted");
	snprintf(ev, sizeof(ev), "event: message\ndata: %s\n\n",
		 "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	io(&f, 5, 0, ev);

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	check_str(&f, "select transport || ' ' || mcp_session_id from sessions", "sse s-42");
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 2);
	check_str(&f, "select status from calls where method = 'tools/list'", "ok");
	CHECK_EQ_INT(q_int(&f, "select latency_ns from calls where method = 'tools/list'"), 2000);
	/* the POST connection closing does not end it; the GET stream's does */
	close_fd(&f, 6);
	CHECK_EQ_INT(q_int(&f, "select ended_ns is null from sessions"), 1);
	close_fd(&f, 5);
	CHECK_EQ_INT(q_int(&f, "select ended_ns is null from sessions"), 0);
	teardown(&f);
}

/* A stateless server: no session ids; one session per client and server,
 * across connections. Other HTTP on the process does not become
 * messages. */
static void test_stateless(void)
{
	struct fixture f;

	setup(&f);
	io(&f, 3, 1, post(NULL, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}"));
	io(&f, 3, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 46\r\n\r\n"
		     "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	io(&f, 7, 1, post(NULL, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}"));
	io(&f, 7, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 46\r\n\r\n"
		     "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	io(&f, 2, 1, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	io(&f, 2, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
		     "{\"ok\":true}");

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), 2);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 4);
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions where mcp_session_id is null"), 1);
	check_str(&f, "select server_addr from sessions", "127.0.0.1:3001");
	teardown(&f);
}

/* 1000 requests pipelined on one connection, without a session id, then
 * their 1000 answers, which name the session: every call paired in that
 * session, none unanswered (requests wait for their answer's head with no
 * small cap). */
static void test_pipelined_calls(void)
{
	struct fixture f;
	char body[128], res[512];
	int i;

	setup(&f);
	for (i = 1; i <= 1000; i++) {
		snprintf(body, sizeof(body),
			 "{\"method\":\"tools/call\",\"params\":{\"name\":\"t%d\"},"
			 "\"jsonrpc\":\"2.0\",\"id\":%d}", i, i);
		io(&f, 5, 1, post(NULL, body));
	}
	for (i = 1; i <= 1000; i++) {
		snprintf(body, sizeof(body), "{\"result\":{\"content\":[]},\"jsonrpc\":\"2.0\",\"id\":%d}",
			 i);
		snprintf(res, sizeof(res),
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Mcp-Session-Id: pipe\r\nContent-Length: %zu\r\n\r\n%s", strlen(body),
			 body);
		io(&f, 5, 0, res);
	}
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	check_str(&f, "select mcp_session_id from sessions", "pipe");
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls"), 1000);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), 1000);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where target = 't' || rpc_id"), 1000);
	teardown(&f);
}

int main(void)
{
	RUN_TEST(test_streamable);
	RUN_TEST(test_legacy_sse);
	RUN_TEST(test_stateless);
	RUN_TEST(test_pipelined_calls);
	return CHECK_DONE();
}
