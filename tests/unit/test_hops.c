/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Gateways from bytes: a traced gateway G (pid 100) serves a client on one
 * hop and calls a backend on another. Its records go through the stream
 * and session stages into a real DB; the checks read back one session per
 * hop and each backend call linked to the inbound call it serves.
 *
 * The fake /proc: fd 3 is G's inbound TCP connection (G listens on
 * 127.0.0.1:8080, client pid 50); fds 5 and 6 are its connections to
 * backends at 127.0.0.1:9001 and :9002; pipes 4 (G writes) and 7 (G
 * reads) go to a stdio server, pid 300, when G is the client, or come from
 * a host, pid 400, when G is a stdio server (inbound_stdio).
 */
#include "pipeline.h"
#include "cmd/query_print.h"
#include "cmd/report_hops.h"
#include "cmd/stats_hops.h"

#define CLIENT_PID 50
#define STDIO_SERVER 300
#define STDIO_HOST 400

static bool inbound_stdio;

static pid_t gw_pipe_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	(void)self, (void)kind, (void)ino, (void)peer_ino, (void)dir;
	return inbound_stdio ? STDIO_HOST : STDIO_SERVER;
}

static pid_t gw_tcp(pid_t self, uint64_t ino, struct tcp_ends *e)
{
	(void)self;
	memset(e, 0, sizeof(*e));
	if (ino == 3) {
		snprintf(e->local, sizeof(e->local), "127.0.0.1:8080");
		snprintf(e->remote, sizeof(e->remote), "127.0.0.1:50003");
		return CLIENT_PID;
	}
	snprintf(e->local, sizeof(e->local), "127.0.0.1:%u", 41000 + (unsigned)ino);
	snprintf(e->remote, sizeof(e->remote), "127.0.0.1:%u", ino == 6 ? 9002 : 9001);
	return 0;
}

static const struct proc_lookup gw_lookup = {gw_pipe_peer, no_ancestor, gw_tcp};

static void gw_setup(struct fixture *f, bool stdio_in)
{
	inbound_stdio = stdio_in;
	setup(f, 1 << 20);
	sessions__set_lookup(f->ss, &gw_lookup);
	f->pipes = 1u << 4 | 1u << 7;
}

#define INIT                                                                                       \
	"{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"initialize\",\"params\":{"                    \
	"\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":"                   \
	"{\"name\":\"%s\",\"version\":\"1\"}}}"
#define INIT_RES                                                                                   \
	"{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"protocolVersion\":"                          \
	"\"2025-06-18\",\"capabilities\":{},\"serverInfo\":{\"name\":\"%s\","                      \
	"\"version\":\"2\"}}}"
#define TOOL                                                                                       \
	"{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"tools/call\",\"params\":{"                    \
	"\"name\":\"%s\",\"arguments\":{\"x\":%d}}}"
#define TOOL_RES "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":[]}}"
#define PING "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}"
#define EMPTY_RES "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}"

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	static char bufs[4][1024];
	static unsigned next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(bufs[0]), f, ap);
	va_end(ap);
	return b;
}

/* An HTTP request carrying body (sid NULL: none yet), and its answer. */
static char *post(const char *sid, const char *body)
{
	return http_message("POST /mcp HTTP/1.1\r\nHost: x\r\n", sid, body);
}

static char *reply(const char *sid, const char *body)
{
	return http_message("HTTP/1.1 200 OK\r\n", sid, body);
}

/* A stdio line. */
static char *line(const char *json)
{
	return fmt("%s\n", json);
}

/* Every backend call (client G) and the rpc id of its parent, in order. */
#define LINKS_SQL                                                                                  \
	"select group_concat(b, ' ') from (select c.method || ':' || c.rpc_id || '<' || "          \
	"coalesce(p.rpc_id, '-') as b from calls c join sessions s on s.id = c.session_id "        \
	"left join calls p on p.id = c.parent_call_id where s.client_pid = 100 order by c.id)"

/* HTTP in, stdio out (supergateway): the gateway rewrites ids, answers a
 * ping itself, and makes a ping of its own later: only forwarded calls
 * link, each to its own inbound call. */
static void http_in_stdio_out(struct fixture *f)
{
	gw_setup(f, false);
	say(f, 3, 0, post(NULL, fmt(INIT, "0", "host")));
	say(f, 4, 1, line(fmt(INIT, "1000", "gw")));
	say(f, 7, 0, line(fmt(INIT_RES, "1000", "everything")));
	say(f, 3, 1, reply("abc", fmt(INIT_RES, "0", "everything")));
	say(f, 3, 0, post("abc", fmt(TOOL, "1", "echo", 1)));
	say(f, 4, 1, line(fmt(TOOL, "1001", "echo", 1)));
	say(f, 3, 0, post("abc", fmt(PING, "2")));
	say(f, 3, 1, reply("abc", fmt(EMPTY_RES, "2"))); /* answered by G itself */
	say(f, 7, 0, line(fmt(TOOL_RES, "1001")));
	say(f, 3, 1, reply("abc", fmt(TOOL_RES, "1")));
	say(f, 4, 1, line(fmt(PING, "1002"))); /* G's own keep-alive */
	say(f, 7, 0, line(fmt(EMPTY_RES, "1002")));
}

static void test_http_in_stdio_out(void)
{
	struct fixture f;

	http_in_stdio_out(&f);
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 2);
	check_str(&f,
		  "select group_concat(transport || ' ' || client_pid || '>' || "
		  "coalesce(server_pid, '?') || ' ' || coalesce(server_addr, '-'), ' | ') from "
		  "(select * from sessions order by started_ns, id)",
		  "http 50>100 127.0.0.1:8080 | stdio 100>300 -");
	check_str(&f, LINKS_SQL, "initialize:1000<0 tools/call:1001<1 ping:1002<-");
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where parent_call_id is not null"), 2);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls c join calls p on p.id = "
			       "c.parent_call_id where p.parent_call_id is not null"),
		     0);
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions b join sessions i on i.id = "
			       "b.parent_session_id where b.transport = 'stdio' and "
			       "i.transport = 'http'"),
		     1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions where parent_session_id is null"), 1);
	/* the gateway's own time: its view of the inbound call (5 us, a
	 * syscall a us) less the backend call's (3 us) */
	CHECK_EQ_INT(q_int(&f, "select p.server_latency_ns - c.latency_ns from calls c join calls "
			       "p on p.id = c.parent_call_id where c.method = 'tools/call'"),
		     5000 - 3000);
	teardown(&f);
}

/* What a run of text printer fn on f's DB wrote. */
static char *printed(struct fixture *f, int (*fn)(sqlite3 *, FILE *, int64_t, bool), int64_t arg,
		     bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	q_int(f, "select 1"); /* flushed */
	CHECK_EQ_INT(fn(store__db(f->store), out, arg, json), 0);
	fclose(out);
	return text;
}

static int show(sqlite3 *db, FILE *out, int64_t id, bool json)
{
	return query_print__show(db, out, id, json);
}

static int stats(sqlite3 *db, FILE *out, int64_t unused, bool json)
{
	(void)unused;
	return stats_hops__print(db, out, json);
}

static int report(sqlite3 *db, FILE *out, int64_t unused, bool json)
{
	(void)unused, (void)json;
	return report_hops__write(db, out);
}

/* Checks that text (freed here) holds each of wants[], up to a NULL. */
static void check_has(char *text, const char *const *wants)
{
	for (; *wants; wants++)
		if (!text || !strstr(text, *wants)) {
			fprintf(stderr, "  wanted \"%s\" in:\n%s\n", *wants,
				text ? text : "(null)");
			CHECK(!"a line of the printed text");
		}
	free(text);
}

static const char *const show_text[] = {
    "hops (client -> gateway -> server)\n",
    "call 3      http       50 -> 100     [========================================] 0.005 ms\n",
    "call 4      stdio     100 -> 300     [        ========================        ] 0.003 ms\n",
    "  gateway pid 100: 0.002 ms of its own (call 3 less call 4)\n",
    NULL,
};

static const char *const show_json[] = {
    ",\"hops\":[{\"call_id\":3,\"transport\":\"http\",",
    "\"transport\":\"stdio\",\"client_pid\":100,\"server_pid\":300,",
    "\"latency_ns\":5000,\"gateway_ns\":2000}",
    NULL,
};

static const char *const stats_text[] = {
    "METHOD      TARGET  LINKED  BACKEND_P50    P90    P99  GATEWAY_P50    P90  P99\n",
    "\ntools/call  echo         1        0.003  0.003  0.003        0.002  0.002  0.002\n",
    "\ninitialize  -            1 ",
    NULL,
};

static const char *const stats_json[] = {
    "{\"method\":\"tools/call\",\"target\":\"echo\",\"linked\":1,\"backend_p50_ns\":3000,",
    NULL,
};

static const char *const report_html[] = {
    "<section id=\"gateways\"><h2>Gateways</h2>",
    "<tr><td class=\"name method\">tools/call</td><td class=\"name\">echo</td>"
    "<td class=\"num\">1</td>",
    "</tbody></table></section>\n",
    NULL,
};

/* The gateway's cost as the readers print it: show's waterfall from
 * either hop of a call, stats --by hop per method and target. */
static void test_show_and_stats(void)
{
	struct fixture f;
	char *text;
	long long in, out;

	http_in_stdio_out(&f);
	in = q_int(&f, "select id from calls where method = 'tools/call' and rpc_id = '1'");
	out = q_int(&f, "select id from calls where parent_call_id = " /* the backend's */
			"(select id from calls where method = 'tools/call' and rpc_id = '1')");
	check_has(printed(&f, show, out, false), show_text);
	check_has(printed(&f, show, in, true), show_json);
	/* a call that crossed no gateway shows no hops */
	text = printed(&f, show, q_int(&f, "select id from calls where rpc_id = '1002'"), false);
	CHECK(text && !strstr(text, "hops"));
	free(text);
	check_has(printed(&f, stats, 0, false), stats_text);
	check_has(printed(&f, stats, 0, true), stats_json);
	check_has(printed(&f, report, 0, false), report_html);
	teardown(&f);
}

/* One inbound session fanned out to two HTTP backends that both get the
 * inbound Mcp-Session-Id (a forwarding proxy): three sessions, each
 * backend call linked to the inbound call it serves, though backends
 * reuse one id and answer out of order; identical concurrent calls pair
 * oldest first, and arguments tell calls of one tool apart. */
static void test_fan_out(void)
{
	struct fixture f;

	gw_setup(&f, false);
	say(&f, 3, 0, post("abc", fmt(TOOL, "1", "echo", 1)));
	say(&f, 3, 0, post("abc", fmt(TOOL, "2", "add", 2)));
	say(&f, 3, 0, post("abc", fmt(TOOL, "3", "echo", 3)));
	say(&f, 3, 0, post("abc", fmt(TOOL, "4", "echo", 1)));
	say(&f, 5, 1, post("abc", fmt(TOOL, "7", "echo", 3)));
	say(&f, 6, 1, post("abc", fmt(TOOL, "7", "add", 2)));
	say(&f, 5, 1, post("abc", fmt(TOOL, "8", "echo", 1)));
	say(&f, 5, 1, post("abc", fmt(TOOL, "9", "echo", 1)));
	say(&f, 6, 0, reply("abc", fmt(TOOL_RES, "7")));
	say(&f, 3, 1, reply("abc", fmt(TOOL_RES, "2")));
	say(&f, 5, 0, reply("abc", fmt(TOOL_RES, "7")));
	say(&f, 3, 1, reply("abc", fmt(TOOL_RES, "3")));
	say(&f, 5, 0, reply("abc", fmt(TOOL_RES, "8")));
	say(&f, 5, 0, reply("abc", fmt(TOOL_RES, "9")));
	say(&f, 3, 1, reply("abc", fmt(TOOL_RES, "1")));
	say(&f, 3, 1, reply("abc", fmt(TOOL_RES, "4")));

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions where mcp_session_id = 'abc'"), 3);
	check_str(&f,
		  "select group_concat(server_addr || ' ' || client_pid || '>' || "
		  "coalesce(server_pid, '?'), ' | ') from (select * from sessions order by id)",
		  "127.0.0.1:8080 50>100 | 127.0.0.1:9001 100>? | 127.0.0.1:9002 100>?");
	check_str(&f,
		  "select group_concat(s.server_addr || ' ' || c.rpc_id || '<' || p.rpc_id, "
		  "' ') from (select * from calls order by id) c join sessions s on s.id = "
		  "c.session_id join calls p on p.id = c.parent_call_id",
		  "127.0.0.1:9001 7<3 127.0.0.1:9002 7<2 127.0.0.1:9001 8<1 127.0.0.1:9001 9<4");
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), 8);
	CHECK_EQ_INT(q_int(&f, "select count(distinct parent_session_id) from sessions where "
			       "client_pid = 100"),
		     1);
	teardown(&f);
}

/* Stdio in, HTTP out (mcp-remote): G is the stdio server of a host and
 * the HTTP client of a remote server; a call it made before it read the
 * inbound request does not serve it. */
static void test_stdio_in_http_out(void)
{
	struct fixture f;

	gw_setup(&f, true);
	/* its own probe of the backend at start-up, made before it read the
	 * host's initialize (the request was sent earlier: the pipe held it) */
	say(&f, 6, 1, post(NULL, fmt(INIT, "0", "mcp-remote")));
	say(&f, 6, 0, reply("probe", fmt(INIT_RES, "0", "remote")));
	say(&f, 7, 0, line(fmt(INIT, "0", "host")));
	say(&f, 5, 1, post(NULL, fmt(INIT, "0", "mcp-remote")));
	say(&f, 5, 0, reply("r1", fmt(INIT_RES, "0", "remote")));
	say(&f, 4, 1, line(fmt(INIT_RES, "0", "remote")));
	say(&f, 7, 0, line(fmt(TOOL, "\"a\"", "echo", 5)));
	say(&f, 5, 1, post("r1", fmt(TOOL, "1", "echo", 5)));
	say(&f, 5, 0, reply("r1", fmt(TOOL_RES, "1")));
	say(&f, 4, 1, line(fmt(TOOL_RES, "\"a\"")));

	check_str(&f,
		  "select group_concat(transport || ' ' || coalesce(client_pid, '?') || '>' || "
		  "coalesce(server_pid, '?'), ' | ') from (select * from sessions order by "
		  "started_ns, id)",
		  "http 100>? | stdio 400>100 | http 100>?");
	check_str(&f, LINKS_SQL, "initialize:0<- initialize:0<0 tools/call:1<\"a\"");
	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions b join sessions i on i.id = "
			       "b.parent_session_id where b.transport = 'http' and "
			       "i.transport = 'stdio'"),
		     1);
	teardown(&f);
}

/* More calls than the linker remembers (HOPS_MAX, 4096), each answered in
 * turn and a few left open across the whole run: every call links, and
 * calls still open when their entry is forgotten are let go cleanly. */
static void test_many_calls(void)
{
	struct fixture f;
	char id[16];

	gw_setup(&f, true);
	say(&f, 7, 0, line(fmt(TOOL, "\"open\"", "slow", 0)));
	for (int i = 1; i <= 5000; i++) {
		snprintf(id, sizeof(id), "%d", i);
		say(&f, 7, 0, line(fmt(TOOL, id, "echo", i)));
		say(&f, 5, 1, post("r", fmt(TOOL, id, "echo", i)));
		say(&f, 5, 0, reply("r", fmt(TOOL_RES, id)));
		say(&f, 4, 1, line(fmt(TOOL_RES, id)));
	}
	say(&f, 5, 1, post("r", fmt(TOOL, "\"late\"", "slow", 0)));
	say(&f, 5, 0, reply("r", fmt(TOOL_RES, "\"late\"")));
	say(&f, 4, 1, line(fmt(TOOL_RES, "\"open\"")));

	CHECK_EQ_INT(q_int(&f, "select count(*) from calls c join calls p on p.id = "
			       "c.parent_call_id where c.rpc_id = p.rpc_id and c.target = 'echo'"),
		     5000);
	/* the open call's entry was forgotten: the late backend call is not linked */
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where parent_call_id is not null"),
		     5000);
	teardown(&f);
}

int main(void)
{
	RUN_TEST(test_http_in_stdio_out);
	RUN_TEST(test_fan_out);
	RUN_TEST(test_stdio_in_http_out);
	RUN_TEST(test_show_and_stats);
	RUN_TEST(test_many_calls);
	return CHECK_DONE();
}
