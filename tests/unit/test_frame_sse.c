// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the SSE parser. As for the stdio framer, the central property is
 * that however a stream is cut into feeds the same events come out: each
 * input is fed whole, at every split point, at every pair of split points
 * and byte by byte, and compared with the events written in the table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wire/frame_sse.h"

/* Collects events as "type|id|retry|flags|data\n" records; id "-" when
 * there is none, flags from e (empty), t (truncated), g (after gap). */
struct sink {
	char *s;
	size_t len, cap;
};

static void sink_put(struct sink *k, const char *p, size_t n)
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

static void sink_str(struct sink *k, const char *s)
{
	sink_put(k, s, strlen(s));
}

static void on_event(void *ctx, const struct sse_event *ev)
{
	struct sink *k = ctx;
	char num[32];

	sink_str(k, ev->type);
	sink_str(k, "|");
	sink_str(k, ev->id ? ev->id : "-");
	snprintf(num, sizeof(num), "|%lld|", (long long)ev->retry);
	sink_str(k, num);
	if (ev->empty)
		sink_str(k, "e");
	if (ev->truncated)
		sink_str(k, "t");
	if (ev->after_gap)
		sink_str(k, "g");
	sink_str(k, "|");
	sink_put(k, ev->data, ev->data_len);
	sink_str(k, "\n");
	if (ev->data[ev->data_len] != '\0')
		sink_str(k, "(data not NUL-terminated)\n");
}

static char *run_cuts(const char *in, size_t n, size_t max, const size_t *cuts, size_t ncuts)
{
	struct sse_parser p;
	struct sink k = {0};
	size_t prev = 0, i;

	sse_parser__init(&p, max);
	for (i = 0; i <= ncuts; i++) {
		size_t at = i < ncuts ? cuts[i] : n;
		char *piece = malloc(at - prev + 1);

		memcpy(piece, in + prev, at - prev);
		sse_parser__feed(&p, piece, at - prev, on_event, &k);
		free(piece);
		prev = at;
	}
	sink_put(&k, "", 0);
	sse_parser__free(&p);
	return k.s;
}

static const struct sse_case {
	const char *name;
	const char *in;
	size_t max;
	const char *want;
} cases[] = {
    {"mcp message events",
     "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n"
     "event: message\nid: 7\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n",
     0,
     "message|-|-1||{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n"
     "message|7|-1||{\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n"},
    {"legacy endpoint", "event: endpoint\ndata: /message?sessionId=abc\n\n", 0,
     "endpoint|-|-1||/message?sessionId=abc\n"},
    {"multi-line data", "data: a\ndata:b\ndata:  c\ndata\n\n", 0, "message|-|-1||a\nb\n c\n\n"},
    {"crlf endings", "event: x\r\ndata: 1\r\ndata: 2\r\n\r\ndata: 3\r\n\r\n", 0,
     "x|-|-1||1\n2\nmessage|-|-1||3\n"},
    {"cr endings", "event: x\rdata: 1\rdata: 2\r\rdata: 3\r\r", 0,
     "x|-|-1||1\n2\nmessage|-|-1||3\n"},
    {"mixed endings", "data: a\r\ndata: b\rdata: c\n\r\n", 0, "message|-|-1||a\nb\nc\n"},
    {"comments and keepalives", ": keepalive\n\n:\ndata: x\n: inside\ndata: y\n\n: bye\n", 0,
     "message|-|-1||x\ny\n"},
    {"retry", "retry: 3000\ndata: r\n\nretry: 12x\ndata: s\n\nretry:\ndata: t\n\n", 0,
     "message|-|3000||r\nmessage|-|-1||s\nmessage|-|-1||t\n"},
    {"retry only", "retry: 500\n\n", 0, "message|-|500|e|\n"},
    {"priming event", "id: abc_0\ndata:\n\nid: abc_1\n\nevent: message\ndata: {}\n\n", 0,
     "message|abc_0|-1||\nmessage|abc_1|-1|e|\nmessage|-|-1||{}\n"},
    {"empty id", "id:\ndata: q\n\n", 0, "message||-1||q\n"},
    {"no data no dispatch", "event: lonely\n\n\n\n", 0, ""},
    {"empty event name is message", "event:\ndata: z\n\n", 0, "message|-|-1||z\n"},
    {"unknown fields", "foo: bar\ndatum: x\ndata: y\nevent data: w\n\n", 0, "message|-|-1||y\n"},
    {"colon in value", "data: a: b:c\n\n", 0, "message|-|-1||a: b:c\n"},
    {"only one space dropped", "data:   two\nevent:  sp\n\n", 0, " sp|-|-1||  two\n"},
    {"bom",
     "\xEF\xBB\xBF"
     "data: b\n\n",
     0, "message|-|-1||b\n"},
    {"bom only at start",
     "data: b\n\n\xEF\xBB\xBF"
     "data: c\n\n",
     0, "message|-|-1||b\n"},
    {"near bom",
     "\xEF\xBB"
     "data: b\n\n",
     0, ""},
    {"unterminated event dropped", "data: a\n\ndata: b\n", 0, "message|-|-1||a\n"},
    {"truncated data", "data: 0123456789\ndata: ab\n\ndata: ok\n\n", 8,
     "message|-|-1|t|01234567\nmessage|-|-1||ok\n"},
    {"data at max", "data: 0123\ndata: 456\n\n", 8, "message|-|-1||0123\n456\n"},
    {"id with nul ignored", "id: a\0b\ndata: x\n\n", 0, "message|-|-1||x\n"},
};

static void check_case(const struct sse_case *c, size_t n)
{
	size_t i, j, cuts[2], *bytes;
	char *got;

	got = run_cuts(c->in, n, c->max, NULL, 0);
	if (strcmp(got, c->want) != 0)
		fprintf(stderr, "  case %s: whole feed gave\n%s", c->name, got);
	CHECK_EQ_STR(got, c->want);
	free(got);
	for (i = 0; i <= n; i++) {
		cuts[0] = i;
		got = run_cuts(c->in, n, c->max, cuts, 1);
		if (strcmp(got, c->want) != 0) {
			fprintf(stderr, "  case %s: cut at %zu\n", c->name, i);
			CHECK_EQ_STR(got, c->want);
		}
		free(got);
		for (j = i; j <= n; j++) {
			cuts[1] = j;
			got = run_cuts(c->in, n, c->max, cuts, 2);
			if (strcmp(got, c->want) != 0) {
				fprintf(stderr, "  case %s: cuts at %zu %zu\n", c->name, i, j);
				CHECK_EQ_STR(got, c->want);
			}
			free(got);
		}
	}
	bytes = malloc((n + 1) * sizeof(*bytes));
	for (i = 0; i < n; i++)
		bytes[i] = i;
	got = run_cuts(c->in, n, c->max, bytes, n);
	CHECK_EQ_STR(got, c->want);
	free(got);
	free(bytes);
}

static void test_every_split(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sse_case *c = &cases[i];
		/* the one case with a NUL in it gives its length by hand */
		size_t n = !strcmp(c->name, "id with nul ignored") ? 17 : strlen(c->in);

		check_case(c, n);
	}
}

static void test_gap(void)
{
	struct sse_parser p;
	struct sink k = {0};

	sse_parser__init(&p, 0);
	sse_parser__feed(&p, "data: a\n\ndata: lo", 17, on_event, &k);
	sse_parser__gap(&p);
	/* the tail of the lost event, then a whole one */
	sse_parser__feed(&p, "st\ndata: more\n\ndata: b\n\n", 24, on_event, &k);
	CHECK_EQ_STR(k.s, "message|-|-1||a\nmessage|-|-1|g|b\n");
	sse_parser__free(&p);
	free(k.s);
}

static void test_reset(void)
{
	struct sse_parser p;
	struct sink k = {0};

	sse_parser__init(&p, 0);
	sse_parser__feed(&p, "data: a\n\ndata: half", 19, on_event, &k);
	sse_parser__reset(&p);
	sse_parser__feed(&p,
			 "\xEF\xBB\xBF"
			 "data: b\n\n",
			 12, on_event, &k);
	CHECK_EQ_STR(k.s, "message|-|-1||a\nmessage|-|-1||b\n");
	CHECK_EQ_INT(p.events, 2);
	sse_parser__free(&p);
	free(k.s);
}

static void on_count(void *ctx, const struct sse_event *ev)
{
	size_t *n = ctx;

	*n += ev->data_len;
}

/* A huge event keeps at most max bytes; keepalive comments cost nothing. */
static void test_bounded(void)
{
	struct sse_parser p;
	char junk[4096];
	size_t got = 0;
	int i;

	memset(junk, 'x', sizeof(junk));
	sse_parser__init(&p, 10000);
	sse_parser__feed(&p, "data: ", 6, on_count, &got);
	for (i = 0; i < 1000; i++) {
		sse_parser__feed(&p, junk, sizeof(junk), on_count, &got);
		CHECK(p.data_cap <= 10001);
	}
	sse_parser__feed(&p, "\n\n: ", 4, on_count, &got);
	CHECK_EQ_INT(got, 10000);
	for (i = 0; i < 1000; i++)
		sse_parser__feed(&p, junk, sizeof(junk), on_count, &got);
	CHECK_EQ_INT(p.data_len, 0);
	CHECK_EQ_INT(p.comments, 1);
	sse_parser__free(&p);
}

int main(void)
{
	RUN_TEST(test_every_split);
	RUN_TEST(test_gap);
	RUN_TEST(test_reset);
	RUN_TEST(test_bounded);
	return CHECK_DONE();
}
