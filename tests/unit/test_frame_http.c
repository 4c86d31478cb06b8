// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the HTTP/1.x framer. A case is a list of steps: bytes the traced
 * process wrote (W) or read (R), the close of one direction, or a gap. The
 * callbacks are written down as text records, and the central property is
 * the one of the other framers: however each step's bytes are cut into
 * feeds, the records are the same. Every case is fed whole, at every split
 * point, byte by byte and (the shorter ones) at every pair of split points.
 * Event-stream bodies go through frame_sse, so the MCP fixtures are checked
 * down to their JSON-RPC texts. Compressed bodies are built with zlib here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "wire/frame_http.h"
#include "wire/frame_sse.h"

/* Fixtures with exact Content-Length values and chunk sizes. */
#define FX_POST_SSE_W                                                                              \
	"POST /mcp HTTP/1.1\r\n"                                                                   \
	"Host: localhost:3000\r\n"                                                                 \
	"Content-Type: application/json\r\n"                                                       \
	"Accept: application/json, text/event-stream\r\n"                                          \
	"Mcp-Session-Id: 5f1c\r\n"                                                                 \
	"MCP-Protocol-Version: 2025-06-18\r\n"                                                     \
	"Content-Length: 96\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/"                                        \
	"call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"msg\":\"hi\"}}}"

#define FX_POST_SSE_R                                                                              \
	"HTTP/1.1 200 OK\r\n"                                                                      \
	"Content-Type: text/event-stream\r\n"                                                      \
	"Cache-Control: no-cache\r\n"                                                              \
	"Connection: keep-alive\r\n"                                                               \
	"mcp-session-id: 5f1c\r\n"                                                                 \
	"Transfer-Encoding: chunked\r\n"                                                           \
	"\r\n"                                                                                     \
	"74\r\n"                                                                                   \
	"event: message\n"                                                                         \
	"data: "                                                                                   \
	"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"                                         \
	"message\",\"params\":{\"level\":\"info\",\"data\":\"working\"}}\n"                        \
	"\n"                                                                                       \
	"\r\n"                                                                                     \
	"62\r\n"                                                                                   \
	"event: message\n"                                                                         \
	"data: "                                                                                   \
	"{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"jsonrpc\":\"2.0\","     \
	"\"id\":2}\n"                                                                              \
	"\n"                                                                                       \
	"\r\n"                                                                                     \
	"0\r\n"                                                                                    \
	"\r\n"

#define FX_ACCEPTED_W                                                                              \
	"POST /mcp HTTP/1.1\r\n"                                                                   \
	"host: localhost\r\n"                                                                      \
	"content-type: application/json\r\n"                                                       \
	"accept: application/json, text/event-stream\r\n"                                          \
	"mcp-session-id: 5f1c\r\n"                                                                 \
	"Content-Length: 54\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"

#define FX_ACCEPTED_R                                                                              \
	"HTTP/1.1 202 Accepted\r\n"                                                                \
	"mcp-session-id: 5f1c\r\n"                                                                 \
	"Date: Mon, 01 Jan 2025 00:00:00 GMT\r\n"                                                  \
	"Connection: keep-alive\r\n"                                                               \
	"Keep-Alive: timeout=5\r\n"                                                                \
	"Transfer-Encoding: chunked\r\n"                                                           \
	"\r\n"                                                                                     \
	"0\r\n"                                                                                    \
	"\r\n"

#define FX_LEGACY_W                                                                                \
	"GET /sse HTTP/1.1\r\n"                                                                    \
	"Host: localhost:3001\r\n"                                                                 \
	"Accept: text/event-stream\r\n"                                                            \
	"Cache-Control: no-cache\r\n"                                                              \
	"\r\n"

#define FX_LEGACY_R                                                                                \
	"HTTP/1.1 200 OK\r\n"                                                                      \
	"Content-Type: text/event-stream\r\n"                                                      \
	"Cache-Control: no-cache\r\n"                                                              \
	"Connection: keep-alive\r\n"                                                               \
	"\r\n"                                                                                     \
	"event: endpoint\n"                                                                        \
	"data: /message?sessionId=abc\n"                                                           \
	"\n"                                                                                       \
	": keepalive\n"                                                                            \
	"\n"                                                                                       \
	"event: message\n"                                                                         \
	"data: "                                                                                   \
	"{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"jsonrpc\":\"2.0\","     \
	"\"id\":2}\n"                                                                              \
	"\n"

#define FX_LEGACY_POST_W                                                                           \
	"POST /message?sessionId=abc HTTP/1.1\r\n"                                                 \
	"Host: localhost:3001\r\n"                                                                 \
	"Content-Type: application/json\r\n"                                                       \
	"Content-Length: 96\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/"                                        \
	"call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"msg\":\"hi\"}}}"

#define FX_LEGACY_POST_R                                                                           \
	"HTTP/1.1 202 Accepted\r\n"                                                                \
	"Content-Length: 8\r\n"                                                                    \
	"\r\n"                                                                                     \
	"Accepted"

#define FX_KA_W1                                                                                   \
	"POST /mcp HTTP/1.1\r\n"                                                                   \
	"Content-Type: application/json\r\n"                                                       \
	"Content-Length: 58\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}"

#define FX_KA_R1                                                                                   \
	"HTTP/1.1 200 OK\r\n"                                                                      \
	"Content-Type: application/json; charset=utf-8\r\n"                                        \
	"Mcp-Session-Id: s1\r\n"                                                                   \
	"Content-Length: 66\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"result\":{\"protocolVersion\":\"2025-06-18\"},\"jsonrpc\":\"2.0\",\"id\":1}"

#define FX_KA_W2                                                                                   \
	"POST /mcp HTTP/1.1\r\n"                                                                   \
	"Content-Type: application/json\r\n"                                                       \
	"Mcp-Session-Id: s1\r\n"                                                                   \
	"Content-Length: 46\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}"

#define FX_KA_R2                                                                                   \
	"HTTP/1.1 200 OK\r\n"                                                                      \
	"Content-Type: Application/JSON\r\n"                                                       \
	"Content-Length: 46\r\n"                                                                   \
	"\r\n"                                                                                     \
	"{\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":2}"

#define FX_KA_W3                                                                                   \
	"DELETE /mcp HTTP/1.1\r\n"                                                                 \
	"Mcp-Session-Id: s1\r\n"                                                                   \
	"\r\n"

#define FX_KA_R3                                                                                   \
	"HTTP/1.1 200 OK\r\n"                                                                      \
	"Content-Length: 0\r\n"                                                                    \
	"\r\n"

#define FX_PIPE_W                                                                                  \
	"GET /a HTTP/1.1\r\n"                                                                      \
	"Host: x\r\n"                                                                              \
	"\r\n"                                                                                     \
	"HEAD /b HTTP/1.1\r\n"                                                                     \
	"Host: x\r\n"                                                                              \
	"\r\n"                                                                                     \
	"POST /c HTTP/1.1\r\n"                                                                     \
	"Host: x\r\n"                                                                              \
	"Content-Length: 3\r\n"                                                                    \
	"\r\n"                                                                                     \
	"abc"

#define FX_PIPE_R                                                                                  \
	"HTTP/1.1 200 OK\r\n"                                                                      \
	"Content-Length: 4\r\n"                                                                    \
	"\r\n"                                                                                     \
	"AAAAHTTP/1.1 200 OK\r\n"                                                                  \
	"Content-Length: 1234\r\n"                                                                 \
	"\r\n"                                                                                     \
	"HTTP/1.1 201 Created\r\n"                                                                 \
	"Content-Length: 1\r\n"                                                                    \
	"\r\n"                                                                                     \
	"C"

/* ---- recording ---- */

/* Records, one a line: "W> #1 POST /mcp 1.1 ct=... body=length:96 ...",
 * "R< #1 200 OK for POST /mcp ...", "W body BYTES" (consecutive body calls
 * of a direction merged), "R event TYPE id=ID DATA" for event-stream
 * bodies, "W end ok|cut", "W error WHY". */
struct sink {
	char *s;
	size_t len, cap;
	int body_dir; /* -1, or the direction whose body record is open */
	bool sse[2];
	struct sse_parser parser[2];
	int cur_dir; /* for on_event */
	uint64_t body_bytes[2];
};

static void put(struct sink *k, const char *p, size_t n)
{
	if (k->len + n + 1 > k->cap) {
		k->cap = (k->len + n + 1) * 2;
		k->s = realloc(k->s, k->cap);
		if (!k->s)
			abort();
	}
	memcpy(k->s + k->len, p, n);
	k->len += n;
	k->s[k->len] = '\0';
}

static void puts_(struct sink *k, const char *s)
{
	put(k, s, strlen(s));
}

static void putf(struct sink *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void putf(struct sink *k, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(k, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void close_body(struct sink *k)
{
	if (k->body_dir >= 0)
		puts_(k, "\n");
	k->body_dir = -1;
}

static char dch(enum wire_dir d)
{
	return d == WIRE_WRITE ? 'W' : 'R';
}

static void on_event(void *ctx, const struct sse_event *ev)
{
	struct sink *k = ctx;

	putf(k, "%c event %s id=%s%s ", dch(k->cur_dir), ev->type, ev->id ? ev->id : "-",
	     ev->empty ? " empty" : "");
	put(k, ev->data, ev->data_len);
	puts_(k, "\n");
}

static void on_head(void *ctx, enum wire_dir d, const struct http_head *h)
{
	static const char *bodies[] = {"none", "length", "chunked", "close"};
	static const char *codings[] = {"", " enc=gzip", " enc=deflate", " enc=other"};
	struct sink *k = ctx;
	const char *sid = http_head__get(h, "mcp-session-id");

	close_body(k);
	if (h->response)
		putf(k, "%c< #%llu %u %s for %s %s", dch(d), (unsigned long long)h->exchange,
		     h->status, h->reason, h->method ? h->method : "?",
		     h->target ? h->target : "?");
	else
		putf(k, "%c> #%llu %s %s 1.%u", dch(d), (unsigned long long)h->exchange, h->method,
		     h->target, h->minor);
	if (*h->content_type)
		putf(k, " ct=%s", h->content_type);
	putf(k, " body=%s", bodies[h->body]);
	if (h->body == HTTP_BODY_LENGTH)
		putf(k, ":%lld", (long long)h->content_length);
	puts_(k, codings[h->coding]);
	if (sid)
		putf(k, " sid=%s", sid);
	if (h->after_gap)
		puts_(k, " gap");
	puts_(k, "\n");
	k->sse[d] = !strcmp(h->content_type, "text/event-stream");
	if (k->sse[d])
		sse_parser__reset(&k->parser[d]);
}

static void on_body(void *ctx, enum wire_dir d, const char *p, size_t n)
{
	struct sink *k = ctx;

	k->body_bytes[d] += n;
	if (k->sse[d]) {
		k->cur_dir = d;
		sse_parser__feed(&k->parser[d], p, n, on_event, k);
		return;
	}
	if (k->body_dir != (int)d) {
		close_body(k);
		putf(k, "%c body ", dch(d));
		k->body_dir = d;
	}
	put(k, p, n);
}

static void on_end(void *ctx, enum wire_dir d, bool complete)
{
	struct sink *k = ctx;

	close_body(k);
	putf(k, "%c end %s\n", dch(d), complete ? "ok" : "cut");
	k->sse[d] = false;
}

static void on_error(void *ctx, enum wire_dir d, const char *why)
{
	struct sink *k = ctx;

	close_body(k);
	putf(k, "%c error %s\n", dch(d), why);
}

static void sink_init(struct sink *k)
{
	memset(k, 0, sizeof(*k));
	k->body_dir = -1;
	sse_parser__init(&k->parser[0], 0);
	sse_parser__init(&k->parser[1], 0);
	put(k, "", 0);
}

static char *sink_done(struct sink *k)
{
	close_body(k);
	sse_parser__free(&k->parser[0]);
	sse_parser__free(&k->parser[1]);
	return k->s;
}

static struct http_conn *conn_new(struct sink *k, size_t max_body)
{
	struct http_callbacks cb = {k, on_head, on_body, on_end, on_error};
	struct http_conn *c = http_conn__new(&cb, max_body);

	if (!c)
		abort();
	return c;
}

/* ---- running cases ---- */

/* what: 'W' or 'R' feed text; 'w' or 'r' close that direction; 'g' a gap
 * of len bytes (0: unknown) in direction W, 'h' in R. len 0 for a feed
 * means strlen(text). */
struct step {
	char what;
	const char *text;
	size_t len;
};

#define MAX_STEPS 12

/* Steps are written { 'W', "text" }: the length defaults to 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct http_case {
	const char *name;
	struct step steps[MAX_STEPS];
	size_t max_body;
	const char *want;
};

static size_t step_len(const struct step *s)
{
	if (s->what != 'W' && s->what != 'R')
		return 0;
	return s->len ? s->len : strlen(s->text);
}

/* Runs the steps, cutting the feeds at the given points (ascending, in
 * the coordinates of all feed bytes laid end to end). */
static char *run_cuts(const struct step *steps, size_t max_body, const size_t *cuts, size_t ncuts)
{
	struct sink k;
	struct http_conn *c;
	size_t base = 0, ci = 0, i;

	sink_init(&k);
	c = conn_new(&k, max_body);
	for (i = 0; i < MAX_STEPS && steps[i].what; i++) {
		const struct step *s = &steps[i];
		size_t n = step_len(s), prev = 0;
		enum wire_dir d = (s->what == 'W' || s->what == 'w' || s->what == 'g') ? WIRE_WRITE
										     : WIRE_READ;

		if (s->what == 'w' || s->what == 'r') {
			http_conn__eof(c, d);
			continue;
		}
		if (s->what == 'g' || s->what == 'h') {
			http_conn__gap(c, d, s->len);
			continue;
		}
		while (prev < n) {
			size_t at = n;
			char *piece;

			while (ci < ncuts && cuts[ci] <= base + prev)
				ci++;
			if (ci < ncuts && cuts[ci] < base + n)
				at = cuts[ci] - base;
			/* A copy, so nothing past the piece is readable. */
			piece = malloc(at - prev);
			memcpy(piece, s->text + prev, at - prev);
			http_conn__feed(c, d, piece, at - prev);
			free(piece);
			prev = at;
		}
		base += n;
	}
	http_conn__free(c);
	return sink_done(&k);
}

static void check_case(const struct http_case *c)
{
	size_t total = 0, i, j, cuts[2], *bytes;
	char *got;

	for (i = 0; i < MAX_STEPS && c->steps[i].what; i++)
		total += step_len(&c->steps[i]);
	got = run_cuts(c->steps, c->max_body, NULL, 0);
	if (strcmp(got, c->want) != 0)
		fprintf(stderr, "  case %s: whole feeds gave\n%s", c->name, got);
	CHECK_EQ_STR(got, c->want);
	free(got);
	for (i = 0; i <= total; i++) {
		cuts[0] = i;
		got = run_cuts(c->steps, c->max_body, cuts, 1);
		if (strcmp(got, c->want) != 0) {
			fprintf(stderr, "  case %s: cut at %zu\n", c->name, i);
			CHECK_EQ_STR(got, c->want);
		}
		free(got);
		if (total > 700)
			continue;
		for (j = i; j <= total; j++) {
			cuts[1] = j;
			got = run_cuts(c->steps, c->max_body, cuts, 2);
			if (strcmp(got, c->want) != 0) {
				fprintf(stderr, "  case %s: cuts at %zu %zu\n", c->name, i, j);
				CHECK_EQ_STR(got, c->want);
			}
			free(got);
		}
	}
	bytes = malloc((total + 1) * sizeof(*bytes));
	for (i = 0; i < total; i++)
		bytes[i] = i;
	got = run_cuts(c->steps, c->max_body, bytes, total);
	if (strcmp(got, c->want) != 0)
		fprintf(stderr, "  case %s: byte by byte\n", c->name);
	CHECK_EQ_STR(got, c->want);
	free(got);
	free(bytes);
}

#define NOTE                                                                                       \
	"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/"                                         \
	"message\",\"params\":{\"level\":\"info\",\"data\":\"working\"}}"
#define RESP                                                                                       \
	"{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]},\"jsonrpc\":\"2.0\","     \
	"\"id\":2}"
#define REQ                                                                                        \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/"                                        \
	"call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"msg\":\"hi\"}}}"

static const struct http_case cases[] = {
    {"streamable http: post answered by an event stream",
     {{'W', FX_POST_SSE_W}, {'R', FX_POST_SSE_R}},
     0,
     "W> #1 POST /mcp 1.1 ct=application/json body=length:96 sid=5f1c\n"
     "W body " REQ "\n"
     "W end ok\n"
     "R< #1 200 OK for POST /mcp ct=text/event-stream body=chunked sid=5f1c\n"
     "R event message id=- " NOTE "\n"
     "R event message id=- " RESP "\n"
     "R end ok\n"},
    {"streamable http: notification answered 202",
     {{'W', FX_ACCEPTED_W}, {'R', FX_ACCEPTED_R}},
     0,
     "W> #1 POST /mcp 1.1 ct=application/json body=length:54 sid=5f1c\n"
     "W body {\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
     "W end ok\n"
     "R< #1 202 Accepted for POST /mcp body=chunked sid=5f1c\n"
     "R end ok\n"},
    {"legacy sse: the endpoint event opens the stream, answers follow on it",
     {{'W', FX_LEGACY_W}, {'R', FX_LEGACY_R}, {'r'}},
     0,
     "W> #1 GET /sse 1.1 body=none\n"
     "W end ok\n"
     "R< #1 200 OK for GET /sse ct=text/event-stream body=close\n"
     "R event endpoint id=- /message?sessionId=abc\n"
     "R event message id=- " RESP "\n"
     "R end ok\n"},
    {"legacy sse: the post to the endpoint gets 202",
     {{'W', FX_LEGACY_POST_W}, {'R', FX_LEGACY_POST_R}},
     0,
     "W> #1 POST /message?sessionId=abc 1.1 ct=application/json body=length:96\n"
     "W body " REQ "\n"
     "W end ok\n"
     "R< #1 202 Accepted for POST /message?sessionId=abc body=length:8\n"
     "R body Accepted\n"
     "R end ok\n"},
    {"keep-alive: three exchanges",
     {{'W', FX_KA_W1},
      {'R', FX_KA_R1},
      {'W', FX_KA_W2},
      {'R', FX_KA_R2},
      {'W', FX_KA_W3},
      {'R', FX_KA_R3}},
     0,
     "W> #1 POST /mcp 1.1 ct=application/json body=length:58\n"
     "W body {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}\n"
     "W end ok\n"
     "R< #1 200 OK for POST /mcp ct=application/json body=length:66 sid=s1\n"
     "R body {\"result\":{\"protocolVersion\":\"2025-06-18\"},\"jsonrpc\":\"2.0\",\"id\":1}\n"
     "R end ok\n"
     "W> #2 POST /mcp 1.1 ct=application/json body=length:46 sid=s1\n"
     "W body {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n"
     "W end ok\n"
     "R< #2 200 OK for POST /mcp ct=application/json body=length:46\n"
     "R body {\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":2}\n"
     "R end ok\n"
     "W> #3 DELETE /mcp 1.1 body=none sid=s1\n"
     "W end ok\n"
     "R< #3 200 OK for DELETE /mcp body=none\n"
     "R end ok\n"},
    {"pipelining, with a HEAD whose answer has a length but no body",
     {{'W', FX_PIPE_W}, {'R', FX_PIPE_R}},
     0,
     "W> #1 GET /a 1.1 body=none\n"
     "W end ok\n"
     "W> #2 HEAD /b 1.1 body=none\n"
     "W end ok\n"
     "W> #3 POST /c 1.1 body=length:3\n"
     "W body abc\n"
     "W end ok\n"
     "R< #1 200 OK for GET /a body=length:4\n"
     "R body AAAA\n"
     "R end ok\n"
     "R< #2 200 OK for HEAD /b body=none\n"
     "R end ok\n"
     "R< #3 201 Created for POST /c body=length:1\n"
     "R body C\n"
     "R end ok\n"},
    {"server side: requests read, responses written",
     {{'R', "GET /x HTTP/1.1\r\n\r\n"},
      {'W', "HTTP/1.1 204 No Content\r\n\r\n"},
      {'R', "GET /y HTTP/1.1\r\nIf-None-Match: \"e\"\r\n\r\n"},
      {'W', "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"},
      {'R', "GET /z HTTP/1.0\r\n\r\n"},
      {'W', "HTTP/1.0 200 OK\r\n\r\nuntil close"},
      {'w'}},
     0,
     "R> #1 GET /x 1.1 body=none\n"
     "R end ok\n"
     "W< #1 204 No Content for GET /x body=none\n"
     "W end ok\n"
     "R> #2 GET /y 1.1 body=none\n"
     "R end ok\n"
     "W< #2 304 Not Modified for GET /y body=none\n"
     "W end ok\n"
     "R> #3 GET /z 1.0 body=none\n"
     "R end ok\n"
     "W< #3 200 OK for GET /z body=close\n"
     "W body until close\n"
     "W end ok\n"},
    {"expect: 100-continue",
     {{'W', "POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"},
      {'R', "HTTP/1.1 100 Continue\r\n\r\n"},
      {'W', "hello"},
      {'R', "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}},
     0,
     "W> #1 POST /up 1.1 body=length:5\n"
     "R< #1 100 Continue for POST /up body=none\n"
     "R end ok\n"
     "W body hello\n"
     "W end ok\n"
     "R< #1 200 OK for POST /up body=length:2\n"
     "R body ok\n"
     "R end ok\n"},
    {"chunk extensions, upper-case hex, trailers, then keep-alive",
     {{'W', "GET /c HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\n"},
      {'R', "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
	    "5;name=val\r\nhello\r\nA ; x=\"y;z\"\r\n world!!!!\r\n"
	    "0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n"},
      {'R', "HTTP/1.1 200 OK\nContent-Length: 3\n\nbye"}},
     0,
     "W> #1 GET /c 1.1 body=none\n"
     "W end ok\n"
     "W> #2 GET /d 1.1 body=none\n"
     "W end ok\n"
     "R< #1 200 OK for GET /c body=chunked\n"
     "R body hello world!!!!\n"
     "R end ok\n"
     "R< #2 200 OK for GET /d body=length:3\n"
     "R body bye\n"
     "R end ok\n"},
    {"header names any case, folded values, blanks trimmed",
     {{'W',
       "\r\nPOST /f HTTP/1.1\r\nMCP-SESSION-ID:   abc \t\r\nX-Long: one\r\n  two\r\n\tthree \r\n"
       "content-length:2\r\n\r\n{}"}},
     0,
     "W> #1 POST /f 1.1 body=length:2 sid=abc\n"
     "W body {}\n"
     "W end ok\n"},
    {"response without its request (tracing began mid-connection)",
     {{'R', "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"}},
     0,
     "R< #0 200 OK for ? ? body=length:1\n"
     "R body x\n"
     "R end ok\n"},
    {"garbage, then a message",
     {{'R', "\x16\x03\x01 binary junk\nmore junk\r\nGET junk\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"}},
     0,
     "R error bad start line\n"
     "R< #0 200 OK for ? ? body=length:2\n"
     "R body hi\n"
     "R end ok\n"},
    {"bad chunk size, recovery at the next message",
     {{'W', "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"},
      {'R', "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nlost\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}},
     0,
     "W> #1 GET /1 1.1 body=none\n"
     "W end ok\n"
     "W> #2 GET /2 1.1 body=none\n"
     "W end ok\n"
     "R< #1 200 OK for GET /1 body=chunked\n"
     "R body abc\n"
     "R error bad chunk size\n"
     "R end cut\n"
     "R< #2 200 OK for GET /2 body=length:2\n"
     "R body ok\n"
     "R end ok\n"},
    {"chunk data longer than its size",
     {{'R', "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"
	    "HTTP/1.1 204 No Content\r\n\r\n"}},
     0,
     "R< #0 200 OK for ? ? body=chunked\n"
     "R body ab\n"
     "R error chunk data not followed by crlf\n"
     "R end cut\n"
     "R< #0 204 No Content for ? ? body=none\n"
     "R end ok\n"},
    {"bad header line and bad content-length, each followed by a good message",
     {{'W', "GET /a HTTP/1.1\r\nno colon here\r\n\r\n"
	    "POST /b HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"
	    "POST /c HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx"}},
     0,
     "W error bad header line\n"
     "W error bad content-length\n"
     "W> #1 POST /c 1.1 body=length:1\n"
     "W body x\n"
     "W end ok\n"},
    {"request with an unknown transfer coding",
     {{'W', "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nGET /b HTTP/1.1\r\n\r\n"}},
     0,
     "W error bad transfer-encoding\n"
     "W> #1 GET /b 1.1 body=none\n"
     "W end ok\n"},
    {"closed mid-body",
     {{'R', "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}, {'r'}},
     0,
     "R< #0 200 OK for ? ? body=length:10\n"
     "R body abc\n"
     "R error closed mid-message\n"
     "R end cut\n"},
    {"body over max",
     {{'R', "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"
	    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"}},
     4,
     "R< #0 200 OK for ? ? body=length:10\n"
     "R body 0123\n"
     "R error body over max\n"
     "R end cut\n"
     "R< #0 200 OK for ? ? body=length:4\n"
     "R body abcd\n"
     "R end ok\n"},
    {"event streams are not bounded by max",
     {{'R', "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
	    "data: 0123456789\n\n"},
      {'r'}},
     4,
     "R< #0 200 OK for ? ? ct=text/event-stream body=close\n"
     "R event message id=- 0123456789\n"
     "R end ok\n"},
    {"gap of known size inside a body, then resync after an unknown gap",
     {{'W', "GET /1 HTTP/1.1\r\n\r\n"},
      {'R', "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n012"},
      {'h', NULL, 4},
      {'R', "789HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01"},
      {'h', NULL, 0},
      {'R', "ef\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"}},
     0,
     "W> #1 GET /1 1.1 body=none\n"
     "W end ok\n"
     "R< #1 200 OK for GET /1 body=length:10\n"
     "R body 012789\n"
     "R end cut\n"
     "R< #0 200 OK for ? ? body=length:20\n"
     "R body 01\n"
     "R end cut\n"
     "R< #0 200 OK for ? ? body=length:1 gap\n"
     "R body z\n"
     "R end ok\n"},
    {"gap right at a message boundary",
     {{'R', "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"},
      {'h', NULL, 0},
      {'R', "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"}},
     0,
     "R< #0 200 OK for ? ? body=length:1\n"
     "R body a\n"
     "R end ok\n"
     "R< #0 200 OK for ? ? body=length:1 gap\n"
     "R body b\n"
     "R end ok\n"},
    {"101 switching protocols sets the connection aside",
     {{'W', "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"},
      {'R', "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"},
      {'W', "\x81\x85junk"}},
     0,
     "W> #1 GET /ws 1.1 body=none\n"
     "W end ok\n"
     "R< #1 101 Switching Protocols for GET /ws body=none\n"
     "R end ok\n"},
    {"http/2 preface is not http/1",
     {{'W', "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}},
     0,
     "W error bad start line\n"},
};

static void test_every_split(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* ---- the rest, one situation each ---- */

static void test_looks_like(void)
{
	CHECK(http__looks_like("GET / HTTP/1.1\r\n", 16));
	CHECK(http__looks_like("POST /mcp", 9));
	CHECK(http__looks_like("DELETE /mcp HTTP/1.1", 20));
	CHECK(http__looks_like("OPTIONS * HTTP/1.1", 18));
	CHECK(http__looks_like("CONNECT example.com:443 HTTP/1.1", 32));
	CHECK(http__looks_like("HTTP/1.1 200 OK", 15));
	CHECK(http__looks_like("HTTP/1.0", 8));
	CHECK(!http__looks_like("HTTP/2", 6));
	CHECK(!http__looks_like("GET", 3)); /* too short to tell */
	CHECK(!http__looks_like("GET ", 4));
	CHECK(!http__looks_like("{\"jsonrpc\":\"2.0\"}", 17));
	CHECK(!http__looks_like("\x16\x03\x01\x02\x00", 5)); /* TLS ClientHello */
	CHECK(!http__looks_like("get / HTTP/1.1", 14));
	CHECK(!http__looks_like("GET  /", 6));
	CHECK(http__looks_like("PRI * HTTP/2.0", 14)); /* looks like it; the framer refuses it */
	CHECK(!http__looks_like("", 0));
}

struct head_probe {
	int heads;
	char sid[64], fold[64], missing[8], ct[64];
	unsigned nheaders;
};

static void on_head_probe(void *ctx, enum wire_dir d, const struct http_head *h)
{
	struct head_probe *p = ctx;
	const char *v;

	(void)d;
	p->heads++;
	p->nheaders = h->nheaders;
	snprintf(p->sid, sizeof(p->sid), "%s", (v = http_head__get(h, "Mcp-Session-Id")) ? v : "-");
	snprintf(p->fold, sizeof(p->fold), "%s", (v = http_head__get(h, "x-long")) ? v : "-");
	snprintf(p->missing, sizeof(p->missing), "%s", (v = http_head__get(h, "nope")) ? v : "-");
	snprintf(p->ct, sizeof(p->ct), "%s", h->content_type);
}

static void on_end_nop(void *ctx, enum wire_dir d, bool complete)
{
	(void)ctx;
	(void)d;
	(void)complete;
}

static void test_headers(void)
{
	static const char in[] =
	    "GET / HTTP/1.1\r\nmcp-session-ID: \t s-1 \r\nX-Long: one \r\n two\r\n"
	    "\t \r\n\tthree\r\nEmpty:\r\nContent-Type:  Text/Event-Stream ;"
	    " charset=utf-8\r\n\r\n";
	struct head_probe p = {0};
	struct http_callbacks cb = {&p, on_head_probe, NULL, on_end_nop, NULL};
	struct http_conn *c = http_conn__new(&cb, 0);

	http_conn__feed(c, WIRE_WRITE, in, sizeof(in) - 1);
	CHECK_EQ_INT(p.heads, 1);
	CHECK_EQ_INT(p.nheaders, 4);
	CHECK_EQ_STR(p.sid, "s-1");
	CHECK_EQ_STR(p.fold, "one two three");
	CHECK_EQ_STR(p.missing, "-");
	CHECK_EQ_STR(p.ct, "text/event-stream");
	http_conn__free(c);
}

/* Compresses in[0..n) as gzip (windowBits 16+15), zlib (15) or raw
 * deflate (-15). */
static char *compress_buf(const char *in, size_t n, int bits, size_t *out_len)
{
	z_stream zs = {0};
	size_t cap = compressBound(n) + 64;
	char *out = malloc(cap);

	if (deflateInit2(&zs, 9, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (Bytef *)in;
	zs.avail_in = n;
	zs.next_out = (Bytef *)out;
	zs.avail_out = cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* A response carrying body (already encoded) under the given coding, with
 * Content-Length or chunked in chunks of chunk bytes. */
static char *response_with(const char *coding, const char *body, size_t n, size_t chunk,
			   size_t *len)
{
	char *r = malloc(n * 2 + 4096);
	size_t off, i;

	if (chunk == 0) {
		off = sprintf(
		    r, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
		    coding, n);
		memcpy(r + off, body, n);
		off += n;
	} else {
		off = sprintf(r,
			      "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n"
			      "Transfer-Encoding: chunked\r\n\r\n",
			      coding);
		for (i = 0; i < n; i += chunk) {
			size_t k = n - i < chunk ? n - i : chunk;

			off += sprintf(r + off, "%zx\r\n", k);
			memcpy(r + off, body + i, k);
			off += k;
			memcpy(r + off, "\r\n", 2);
			off += 2;
		}
		memcpy(r + off, "0\r\n\r\n", 5);
		off += 5;
	}
	*len = off;
	return r;
}

static void test_compressed(void)
{
	static const char text[] =
	    "{\"result\":{\"tools\":[{\"name\":\"echo\"},{\"name\":\"echo\"},"
	    "{\"name\":\"echo\"},{\"name\":\"echo\"}]},\"jsonrpc\":\"2.0\",\"id\":2}";
	static const struct {
		const char *coding;
		int bits;
		const char *enc;
	} kinds[] = {
	    {"gzip", 16 + MAX_WBITS, "enc=gzip"},
	    {"x-gzip", 16 + MAX_WBITS, "enc=gzip"},
	    {"deflate", MAX_WBITS, "enc=deflate"},
	    {"Deflate", -MAX_WBITS, "enc=deflate"}, /* raw, as some servers send */
	};
	size_t t = sizeof(text) - 1, k, chunk;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (chunk = 0; chunk <= 7; chunk += 7) {
			size_t zl, rl;
			char *z = compress_buf(text, t, kinds[k].bits, &zl);
			char *r = response_with(kinds[k].coding, z, zl, chunk, &rl);
			char want[1024];
			struct http_case c = {"compressed", {{'R', r, rl}}, 0, want};

			snprintf(want, sizeof(want),
				 "R< #0 200 OK for ? ? body=%s %s\nR body %s\nR end ok\n",
				 chunk ? "chunked" : "length:", kinds[k].enc, text);
			if (!chunk) /* "length:N" */
				snprintf(want, sizeof(want),
					 "R< #0 200 OK for ? ? body=length:%zu %s\nR body %s\n"
					 "R end ok\n",
					 zl, kinds[k].enc, text);
			check_case(&c);
			free(z);
			free(r);
		}
	}
}

/* Two gzip members make one body (as gzip -c a b does). */
static void test_gzip_members(void)
{
	size_t l1, l2, rl;
	char *z1 = compress_buf("hello ", 6, 16 + MAX_WBITS, &l1);
	char *z2 = compress_buf("world", 5, 16 + MAX_WBITS, &l2);
	char *both = malloc(l1 + l2);
	char *r;
	char want[256];
	struct http_case c = {"gzip members", {{'R', NULL, 0}}, 0, want};

	memcpy(both, z1, l1);
	memcpy(both + l1, z2, l2);
	r = response_with("gzip", both, l1 + l2, 0, &rl);
	c.steps[0].text = r;
	c.steps[0].len = rl;
	snprintf(want, sizeof(want),
		 "R< #0 200 OK for ? ? body=length:%zu enc=gzip\nR body hello world\nR end ok\n",
		 l1 + l2);
	check_case(&c);
	free(z1);
	free(z2);
	free(both);
	free(r);
}

static void test_bad_compressed(void)
{
	size_t zl, rl;
	char *z = compress_buf("some text that gets cut", 23, 16 + MAX_WBITS, &zl);
	char *r;
	char want[512];
	struct http_case c = {"cut gzip", {{'R', NULL, 0}}, 0, want};

	/* The gzip stream is cut short but its framing is complete. */
	r = response_with("gzip", z, zl / 2, 0, &rl);
	c.steps[0].text = r;
	c.steps[0].len = rl;
	/* inflate may or may not have handed on a few bytes by then */
	{
		char *got = run_cuts(c.steps, 0, NULL, 0);

		snprintf(want, sizeof(want), "R< #0 200 OK for ? ? body=length:%zu enc=gzip\n",
			 zl / 2);
		CHECK(!strncmp(got, want, strlen(want)));
		CHECK(strstr(got, "R error compressed body cut short\nR end cut\n") != NULL);
		free(got);
	}
	free(r);

	/* Not gzip at all: an error, the rest dropped, the next message fine. */
	r = malloc(256);
	rl = sprintf(r, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\n\r\n"
			"not gzip!!HTTP/1.1 204 No Content\r\n\r\n");
	c.steps[0].text = r;
	c.steps[0].len = rl;
	c.want = "R< #0 200 OK for ? ? body=length:10 enc=gzip\n"
		 "R error bad compressed body\n"
		 "R end cut\n"
		 "R< #0 204 No Content for ? ? body=none\n"
		 "R end ok\n";
	check_case(&c);
	free(r);
	free(z);
}

static void on_body_count(void *ctx, enum wire_dir d, const char *p, size_t n)
{
	struct sink *k = ctx;

	(void)p;
	k->body_bytes[d] += n;
}

/* 64 MiB of zeros gzip to about 64 KiB; with max 1 MiB the framer hands on
 * exactly 1 MiB, says so, drops the rest without inflating it, and carries
 * on with the next message. */
static void test_gzip_bomb(void)
{
	const size_t big = 64u << 20, max = 1u << 20;
	char *zeros = calloc(1, big);
	size_t zl, rl, off;
	char *z = compress_buf(zeros, big, 16 + MAX_WBITS, &zl);
	char *r = response_with("gzip", z, zl, 4000, &rl);
	struct sink k;
	struct http_callbacks cb = {&k, on_head, on_body_count, on_end, on_error};
	struct http_conn *c;

	free(zeros);
	sink_init(&k);
	c = http_conn__new(&cb, max);
	for (off = 0; off < rl; off += 1000)
		http_conn__feed(c, WIRE_READ, r + off, rl - off < 1000 ? rl - off : 1000);
	http_conn__feed(c, WIRE_READ, "HTTP/1.1 204 No Content\r\n\r\n", 27);
	CHECK_EQ_INT(k.body_bytes[WIRE_READ], max);
	CHECK_EQ_STR(k.s, "R< #0 200 OK for ? ? body=chunked enc=gzip\n"
			  "R error body over max\n"
			  "R end cut\n"
			  "R< #0 204 No Content for ? ? body=none\n"
			  "R end ok\n");
	http_conn__free(c);
	free(sink_done(&k));
	free(z);
	free(r);
}

/* A head over 64 KiB is an error; the next message is read. */
static void test_head_too_long(void)
{
	size_t n = 70000, off;
	char *r = malloc(n + 200);
	struct http_case c = {"long head", {{'R', NULL, 0}}, 0, NULL};
	char *got;

	off = sprintf(r, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(r + off, 'b', n);
	off += n;
	off += sprintf(r + off, "\r\nContent-Length: 0\r\n\r\n"
				"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny");
	c.steps[0].text = r;
	c.steps[0].len = off;
	c.want = "R error head over 64 KiB\n"
		 "R< #0 200 OK for ? ? body=length:1\n"
		 "R body y\n"
		 "R end ok\n";
	got = run_cuts(c.steps, 0, NULL, 0);
	CHECK_EQ_STR(got, c.want);
	free(got);
	{
		size_t cuts[3] = {5, 40000, off - 30};

		got = run_cuts(c.steps, 0, cuts, 3);
		CHECK_EQ_STR(got, c.want);
		free(got);
	}
	free(r);
}

/* A start line over 64 KiB: junk is junk and a long target is a long
 * head, however the line is cut; byte by byte it costs no more than whole. */
static void test_long_start_line(void)
{
	size_t n = 70000, off, i;
	char *r = malloc(n + 200);
	struct step steps[2] = {{'W', r, 0}};
	size_t *cuts = malloc(n * sizeof(*cuts) + 400 * sizeof(*cuts));
	char *got;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		const char *want =
		    pass ? "W> #1 GET /0 1.1 body=none\nW end ok\n"
			   "W error head over 64 KiB\nW> #2 GET / 1.1 body=none\nW end ok\n"
			 : "W> #1 GET /0 1.1 body=none\nW end ok\n"
			   "W error bad start line\nW> #2 GET / 1.1 body=none\nW end ok\n";

		/* after a first message: junk up front would set the stream aside */
		off = sprintf(r, "GET /0 HTTP/1.1\r\n\r\n%s", pass ? "GET /" : "");
		memset(r + off, 'a', n);
		off += n;
		off += sprintf(r + off, " HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n");
		steps[0].len = off;
		got = run_cuts(steps, 0, NULL, 0);
		CHECK_EQ_STR(got, want);
		free(got);
		for (i = 0; i < off; i++)
			cuts[i] = i;
		got = run_cuts(steps, 0, cuts, off);
		CHECK_EQ_STR(got, want);
		free(got);
	}
	free(cuts);
	free(r);
}

/* A stream that is not HTTP is set aside after a head's worth of bytes;
 * one that keeps failing after too many errors. */
static void test_set_aside(void)
{
	struct sink k;
	struct http_conn *c;
	char junk[1000];
	int i;

	memset(junk, 'x', sizeof(junk));
	sink_init(&k);
	c = conn_new(&k, 0);
	for (i = 0; i < 100; i++)
		http_conn__feed(c, WIRE_READ, junk, sizeof(junk));
	CHECK(http_conn__aside(c, WIRE_READ));
	CHECK(!http_conn__aside(c, WIRE_WRITE));
	http_conn__feed(c, WIRE_READ, "\nHTTP/1.1 204 No Content\r\n\r\n", 28);
	CHECK_EQ_STR(k.s, "R error bad start line\nR error no http message start, set aside\n");
	http_conn__free(c);
	free(sink_done(&k));

	sink_init(&k);
	c = conn_new(&k, 0);
	for (i = 0; i < HTTP_MAX_ERRORS + 5; i++)
		http_conn__feed(c, WIRE_WRITE, "GET / HTTP/1.1\r\nbad\r\n\r\n", 23);
	CHECK(http_conn__aside(c, WIRE_WRITE));
	CHECK(strstr(k.s, "W error too many errors, set aside\n") != NULL);
	http_conn__free(c);
	free(sink_done(&k));
}

/* Pipelining has no small bound: 1000 requests in a row, then their
 * answers, each paired with its own method and target. */
static void test_pipelined_thousand(void)
{
	struct sink k;
	struct http_conn *c;
	char line[64], want[80];
	int i, n;

	sink_init(&k);
	c = conn_new(&k, 0);
	for (i = 1; i <= 1000; i++) {
		n = sprintf(line, "GET /%d HTTP/1.1\r\n\r\n", i);
		http_conn__feed(c, WIRE_WRITE, line, n);
	}
	free(sink_done(&k));
	sink_init(&k);
	for (i = 1; i <= 1000; i++)
		http_conn__feed(c, WIRE_READ, "HTTP/1.1 204 No Content\r\n\r\n", 27);
	for (i = 1; i <= 1000; i += 333) {
		sprintf(want, "R< #%d 204 No Content for GET /%d body=none\n", i, i);
		CHECK(strstr(k.s, want) != NULL);
	}
	CHECK(strstr(k.s, "R< #1000 204 No Content for GET /1000 body=none\n") != NULL);
	CHECK(strstr(k.s, "? ?") == NULL);
	http_conn__free(c);
	free(sink_done(&k));
}

/* More pipelined requests than the FIFO keeps: the responses past it still
 * get their numbers, only without method and target, and the overflow is
 * reported once. */
static void test_fifo_overflow(void)
{
	struct sink k;
	struct http_conn *c;
	char want[80];
	const char *e;
	int i;

	sink_init(&k);
	c = conn_new(&k, 0);
	for (i = 1; i <= HTTP_FIFO_MAX + 3; i++)
		http_conn__feed(c, WIRE_WRITE, "GET /x HTTP/1.1\r\n\r\n", 19);
	e = strstr(k.s, "W error too many requests awaiting answers");
	CHECK(e != NULL);
	CHECK(e && !strstr(e + 1, "W error too many requests awaiting answers"));
	free(sink_done(&k));
	sink_init(&k);
	for (i = 1; i <= HTTP_FIFO_MAX + 3; i++)
		http_conn__feed(c, WIRE_READ, "HTTP/1.1 204 No Content\r\n\r\n", 27);
	sprintf(want, "R< #%d 204 No Content for GET /x body=none\n", HTTP_FIFO_MAX);
	CHECK(strstr(k.s, want) != NULL);
	sprintf(want, "R< #%d 204 No Content for ? ? body=none\n", HTTP_FIFO_MAX + 1);
	CHECK(strstr(k.s, want) != NULL);
	sprintf(want, "R< #%d 204 No Content for ? ? body=none\n", HTTP_FIFO_MAX + 3);
	CHECK(strstr(k.s, want) != NULL);
	http_conn__free(c);
	free(sink_done(&k));
}

int main(void)
{
	RUN_TEST(test_every_split);
	RUN_TEST(test_looks_like);
	RUN_TEST(test_headers);
	RUN_TEST(test_compressed);
	RUN_TEST(test_gzip_members);
	RUN_TEST(test_bad_compressed);
	RUN_TEST(test_gzip_bomb);
	RUN_TEST(test_head_too_long);
	RUN_TEST(test_long_start_line);
	RUN_TEST(test_set_aside);
	RUN_TEST(test_pipelined_thousand);
	RUN_TEST(test_fifo_overflow);
	return CHECK_DONE();
}
