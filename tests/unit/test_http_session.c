/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * MCP over HTTP from bytes: kernel-style data records of a client's TCP
 * connections go through the stream stage (frame_http, frame_sse) and the
 * session stage into a real DB; the checks read the rows back. Only the
 * client (pid 100) is traced, as when attaching to an agent host.
 */
#include "pipeline.h"

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
	return http_message("POST /mcp HTTP/1.1\r\nHost: localhost\r\n"
			    "Accept: application/json, text/event-stream\r\n",
			    sid, body);
}

/* Streamable HTTP: initialize answered as JSON with the session id; a call
 * answered by an event stream (progress, then the result) on another
 * connection; a notification answered 202; a call failing 404 with no
 * body. */
static void test_streamable(void)
{
	struct fixture f;
	char res[2048];

	setup(&f, 1 << 20);
	say(&f, 3, 1, post(NULL, INIT));
	snprintf(res, sizeof(res),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: abc\r\n"
		 "Content-Length: %zu\r\n\r\n%s", strlen(INIT_RES), INIT_RES);
	say(&f, 3, 0, res);
	say(&f, 3, 1, post("abc", "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}"));
	say(&f, 3, 0, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
	say(&f, 4, 1, post("abc", CALL));
	/* chunked SSE, split across reads anywhere */
	say(&f, 4, 0, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n");
	snprintf(res, sizeof(res), "%zx\r\nevent: message\ndata: %s\n\n\r\n",
		 strlen("event: message\ndata: \n\n") + strlen(PROGRESS), PROGRESS);
	say(&f, 4, 0, res);
	snprintf(res, sizeof(res), "%zx\r\nevent: message\ndata: %s\n\n\r\n0\r\n\r\n",
		 strlen("event: message\ndata: \n\n") + strlen(CALL_RES), CALL_RES);
	say(&f, 4, 0, res);
	say(&f, 4, 1, post("abc", "{\"method\":\"tools/call\",\"params\":{\"name\":\"gone\"},"
				 "\"jsonrpc\":\"2.0\",\"id\":2}"));
	say(&f, 4, 0, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
	/* a 400 whose JSON-RPC error carries no id fails its exchange's call */
	say(&f, 4, 1, post("abc", "{\"method\":\"ping\",\"jsonrpc\":\"2.0\",\"id\":3}"));
	snprintf(res, sizeof(res),
		 "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Bad\"},\"id\":null}"),
		 "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Bad\"},\"id\":null}");
	say(&f, 4, 0, res);
	CHECK_EQ_INT(q_int(&f, "select ended_ns is null from sessions"), 1);
	say(&f, 3, 1, "DELETE /mcp HTTP/1.1\r\nHost: localhost\r\nMcp-Session-Id: abc\r\n\r\n");
	say(&f, 3, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

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

	setup(&f, 1 << 20);
	say(&f, 5, 1, "GET /sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n");
	say(&f, 5, 0, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: keep-alive\r\n"
		     "\r\nevent: endpoint\ndata: /message?sessionId=s-42\n\n");
	say(&f, 6, 1, "POST /message?sessionId=s-42 HTTP/1.1\r\nHost: localhost\r\n"
		     "Content-Type: application/json\r\nContent-Length: 46\r\n\r\n"
		     "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
	say(&f, 6, 0, "HTTP/1.1 202 Accepted\r\nContent-Length: 8\r\n\r\nAccepted");
	snprintf(ev, sizeof(ev), "event: message\ndata: %s\n\n",
		 "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	say(&f, 5, 0, ev);

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

	setup(&f, 1 << 20);
	say(&f, 3, 1, post(NULL, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}"));
	say(&f, 3, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 46\r\n\r\n"
		     "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	say(&f, 7, 1, post(NULL, "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}"));
	say(&f, 7, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 46\r\n\r\n"
		     "{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}");
	say(&f, 2, 1, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
	say(&f, 2, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
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

	setup(&f, 1 << 20);
	for (i = 1; i <= 1000; i++) {
		snprintf(body, sizeof(body),
			 "{\"method\":\"tools/call\",\"params\":{\"name\":\"t%d\"},"
			 "\"jsonrpc\":\"2.0\",\"id\":%d}", i, i);
		say(&f, 5, 1, post(NULL, body));
	}
	for (i = 1; i <= 1000; i++) {
		snprintf(body, sizeof(body), "{\"result\":{\"content\":[]},\"jsonrpc\":\"2.0\",\"id\":%d}",
			 i);
		snprintf(res, sizeof(res),
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Mcp-Session-Id: pipe\r\nContent-Length: %zu\r\n\r\n%s", strlen(body),
			 body);
		say(&f, 5, 0, res);
	}
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	check_str(&f, "select mcp_session_id from sessions", "pipe");
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls"), 1000);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), 1000);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where target = 't' || rpc_id"), 1000);
	teardown(&f);
}

/* MCP 2026-07-28: a POST with the revision's headers to target (the body's
 * envelope names the client), and a JSON answer. */
#define ENV26                                                                                      \
	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                \
	"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"v2-client\",\"version\":\"2.4.0\"}}"
#define SRV26 "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"v2-server\",\"version\":\"9\"}}"

static char *post26(const char *target, const char *headers, const char *body)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		 "MCP-Protocol-Version: 2026-07-28\r\n%sContent-Length: %zu\r\n\r\n%s",
		 target, headers, strlen(body), body);
	return buf;
}

static char *answer(unsigned status, const char *body)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "HTTP/1.1 %u X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 status, strlen(body), body);
	return buf;
}

/* No Mcp-Session-Id: one session per client, server, endpoint and era,
 * named by the envelopes; Mcp-Method and Mcp-Name headers that disagree with the
 * body are parse errors naming both (base64-encoded names decoded first). */
static void test_2026_stateless_headers(void)
{
	struct fixture f;

	setup(&f, 1 << 20);
	say(&f, 3, 1, post26("/mcp", "Mcp-Method: server/discover\r\n",
			    "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"method\":"
			    "\"server/discover\",\"params\":{" ENV26 "}}"));
	say(&f, 3, 0, answer(200, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"result\":{"
				 SRV26 ",\"resultType\":\"complete\"}}"));
	say(&f, 4, 1, post26("/mcp", "Mcp-Method: tools/call\r\nMcp-Name: echo\r\n",
			    "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"," ENV26
			    "},\"jsonrpc\":\"2.0\",\"id\":0}"));
	say(&f, 4, 0, answer(200, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{" SRV26
				 ",\"resultType\":\"complete\"}}"));
	say(&f, 5, 1, post26("/mcp", "Mcp-Method: tools/call\r\nMcp-Name: =?base64?ZWNobw==?=\r\n",
			    "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"," ENV26
			    "},\"jsonrpc\":\"2.0\",\"id\":1}"));
	say(&f, 5, 0, answer(200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{" SRV26
				 ",\"resultType\":\"complete\"}}"));
	/* routed as "fail", runs "echo": the server refuses it */
	say(&f, 6, 1, post26("/mcp", "Mcp-Method: tools/call\r\nMcp-Name: fail\r\n",
			    "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"," ENV26
			    "},\"jsonrpc\":\"2.0\",\"id\":2}"));
	say(&f, 6, 0, answer(400, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32020,\"message\":"
				 "\"headers and body disagree\"},\"id\":2}"));
	/* a method header the server did not catch */
	say(&f, 7, 1, post26("/mcp", "Mcp-Method: tools/list\r\n",
			    "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"," ENV26
			    "},\"jsonrpc\":\"2.0\",\"id\":3}"));
	say(&f, 7, 0, answer(200, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{" SRV26 "}}"));
	/* tasks/get names its taskId in Mcp-Name: not a target, not checked */
	say(&f, 4, 1, post26("/mcp", "Mcp-Method: tasks/get\r\nMcp-Name: task-7\r\n",
			    "{\"method\":\"tasks/get\",\"params\":{\"taskId\":\"task-7\"," ENV26
			    "},\"jsonrpc\":\"2.0\",\"id\":4}"));
	say(&f, 4, 0, answer(200, "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{" SRV26 "}}"));
	/* another endpoint of the same server is another session */
	say(&f, 2, 1, post26("/other?x=1", "Mcp-Method: tools/list\r\n",
			    "{\"method\":\"tools/list\",\"params\":{" ENV26 "},\"jsonrpc\":\"2.0\",\"id\":0}"));
	say(&f, 2, 0, answer(200, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"tools\":[]}}"));

	/* a 2025 client on the same endpoint: a session of its own era */
	say(&f, 1, 1, post(NULL, INIT));
	say(&f, 1, 0, answer(200, INIT_RES));

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 3);
	check_str(&f, "select group_concat(protocol_version, ' ') from "
		      "(select * from sessions order by id)",
		  "2026-07-28 2026-07-28 2025-06-18");
	check_str(&f, "select protocol_version || ' ' || client_name || ' ' || client_version || ' ' "
		      "|| server_name || ' ' || server_version || ' ' || count(c.id) from sessions s "
		      "join calls c on c.session_id = s.id where s.mcp_session_id is null group by s.id "
		      "order by s.id limit 1",
		  "2026-07-28 v2-client 2.4.0 v2-server 9 6");
	check_str(&f, "select group_concat(rpc_id || ':' || status || ':' || coalesce(error_code, '') "
		      "|| ':' || coalesce(http_status, ''), ' ') from (select * from calls order by id)",
		  "\"server-discover-probe-1\":ok:: 0:ok:: 1:ok:: 2:error:-32020:400 3:ok:: 4:ok:: "
		  "0:ok:: 0:ok::");
	check_str(&f, "select group_concat(error, ' | ') from (select * from parse_errors order by id)",
		  "Mcp-Name header \"fail\" disagrees with the body's params.name \"echo\" | "
		  "Mcp-Method header \"tools/list\" disagrees with the body's method \"tools/call\"");
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors p join sessions s on "
			       "s.id = p.session_id where s.client_name = 'v2-client' and "
			       "p.excerpt like '{\"method\":\"tools/call\"%'"),
		     2);
	teardown(&f);
}

/* Both ends of a loopback connection traced, each read long after it
 * happened: /proc no longer shows the connection, so neither end can be
 * named, yet each exchange is stored once with both ends' times. Then a
 * client alone on such a connection: its calls are final after two
 * flushes, stored once. */
#define SRV 200

static pid_t closed_tcp(pid_t self, uint64_t ino, struct tcp_ends *e)
{
	bool server = self == SRV;

	memset(e, 0, sizeof(*e));
	snprintf(e->local, sizeof(e->local), "127.0.0.1:%u", server ? 3001 : 40000 + (unsigned)ino);
	snprintf(e->remote, sizeof(e->remote), "127.0.0.1:%u", server ? 40003 : 3001);
	e->unsure = true;
	return 0;
}

static const struct proc_lookup closed_lookup = { no_peer, no_ancestor, closed_tcp };

static void test_both_ends_gone(void)
{
	const char *call = "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}";
	const char *res = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			  "Content-Length: 46\r\n\r\n{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":1}";
	struct fixture f;

	setup(&f, 1 << 20);
	sessions__set_lookup(f.ss, &closed_lookup);
	sessions__process_traced(f.ss, SRV);
	f.owner[5] = SRV;
	say(&f, 3, 1, post(NULL, call));
	say(&f, 5, 0, post(NULL, call));
	say(&f, 5, 1, res);
	say(&f, 3, 0, res);
	close_fd(&f, 3);
	close_fd(&f, 5);

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 2);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where sent_ns is not null and "
			       "recv_ns is not null and sent_ns < recv_ns"),
		     2);
	check_str(&f, "select group_concat(status || ' ' || client_pid || '>' || server_pid) from "
		      "calls join sessions s on s.id = session_id",
		  "ok 100>200");
	teardown(&f);

	setup(&f, 1 << 20);
	sessions__set_lookup(f.ss, &closed_lookup);
	say(&f, 3, 1, post(NULL, call));
	say(&f, 3, 0, res);
	close_fd(&f, 3);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where sent_ns is not null and "
			       "recv_ns is null"),
		     1);
	check_str(&f, "select group_concat(status || ' ' || kind) from calls "
		      "join messages m on m.call_id = calls.id",
		  "ok request,ok response");
	teardown(&f);
}

int main(void)
{
	RUN_TEST(test_both_ends_gone);
	RUN_TEST(test_streamable);
	RUN_TEST(test_legacy_sse);
	RUN_TEST(test_stateless);
	RUN_TEST(test_pipelined_calls);
	RUN_TEST(test_2026_stateless_headers);
	return CHECK_DONE();
}
