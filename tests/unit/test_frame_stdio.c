// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the stdio line framer. The central property: however the bytes
 * of a stream are cut into feeds, the same lines come out with the same
 * flags. Each input is fed whole, at every single split point, at every
 * pair of split points and byte by byte, and each result is compared with
 * the lines written down in the table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wire/frame_stdio.h"

/* Collects lines as "F|line\n" records, F being the flags digit. */
struct sink {
	char *s;
	size_t len, cap;
	size_t lines;
	const char *feed_lo, *feed_hi; /* the current feed, to spot zero-copy */
	size_t in_place;
	struct line_framer *framer; /* to read line_bytes of truncated lines */
	size_t last_line_bytes_big;
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

static void on_line(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct sink *k = ctx;
	char f = (char)('0' + flags);

	sink_put(k, &f, 1);
	sink_put(k, "|", 1);
	sink_put(k, line, len);
	sink_put(k, "\n", 1);
	k->lines++;
	if ((flags & LINE_TRUNCATED) && k->framer)
		k->last_line_bytes_big = k->framer->line_bytes;
	if (line >= k->feed_lo && line + len <= k->feed_hi)
		k->in_place++;
}

static void feed(struct line_framer *f, struct sink *k, const char *p, size_t n)
{
	k->framer = f;
	k->feed_lo = p;
	k->feed_hi = p + n;
	line_framer__feed(f, p, n, on_line, k);
}

/* Feeds in[0..n) cut at the given points (ascending) and returns the
 * collected records; the caller frees them. */
static char *run_cuts(const char *in, size_t n, size_t max, const size_t *cuts, size_t ncuts,
		      struct line_framer *out_f)
{
	struct line_framer f;
	struct sink k = { 0 };
	size_t prev = 0, i;

	line_framer__init(&f, max);
	for (i = 0; i <= ncuts; i++) {
		size_t at = i < ncuts ? cuts[i] : n;
		/* Copy each piece so nothing past it is readable by accident. */
		char *piece = malloc(at - prev + 1);

		memcpy(piece, in + prev, at - prev);
		feed(&f, &k, piece, at - prev);
		free(piece);
		prev = at;
	}
	sink_put(&k, "", 0);
	if (out_f)
		*out_f = f;
	line_framer__free(&f);
	return k.s;
}

static const struct split_case {
	const char *name;
	const char *in;
	size_t max; /* 0: default */
	const char *want; /* "F|line\n" records */
	uint64_t other_lines, other_bytes;
} split_cases[] = {
	{ "plain",
	  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n{\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n",
	  0,
	  "0|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n0|{\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n",
	  0, 0 },
	{ "crlf and blanks", "{\"a\":1}\r\n\r\n\n  \t\n[{\"b\":2}]\r\n{}\n", 0,
	  "0|{\"a\":1}\n0|[{\"b\":2}]\n0|{}\n", 0, 0 },
	{ "leading blanks dropped", "   {\"a\":1}\n\t[1]\n", 0, "0|{\"a\":1}\n0|[1]\n", 0, 0 },
	{ "logs interleaved",
	  "starting server\n{\"a\":1}\nDEBUG x {not json\n  warn: }\n{\"b\":\"x\\ny\"}\nno newline at end", 0,
	  "0|{\"a\":1}\n0|{\"b\":\"x\\ny\"}\n", 4,
	  /* "starting server" + "DEBUG x {not json" + "  warn: }" + "no newline at end" */
	  15 + 17 + 9 + 17 },
	{ "unterminated json is held", "{\"a\":1}\n{\"b\":", 0, "0|{\"a\":1}\n", 0, 0 },
	{ "cr inside a line stays", "{\"a\":\"\r\"}\n", 0, "0|{\"a\":\"\r\"}\n", 0, 0 },
	/* max 10: exactly 10 kept whole; 11 truncated; CR of CRLF not counted;
	 * a CR that is not the last byte counts. */
	{ "truncation", "{234567890\n{2345678901\n{234567890\r\n{234567890\rX\n{23456789012345678901234\n{}\n",
	  10,
	  "0|{234567890\n1|{234567890\n0|{234567890\n1|{234567890\n1|{234567890\n0|{}\n", 0, 0 },
	{ "truncation max 1", "{\n{}\r\n[\r\n{\r\r\n", 1, "0|{\n1|{\n0|[\n1|{\n", 0, 0 },
};

static void check_split_case(const struct split_case *c)
{
	size_t n = strlen(c->in), i, j;
	struct line_framer f;
	char *got;
	size_t cuts[2];
	size_t *bytes;

	got = run_cuts(c->in, n, c->max, NULL, 0, &f);
	if (strcmp(got, c->want) != 0)
		fprintf(stderr, "  case %s: whole feed gave\n%s", c->name, got);
	CHECK_EQ_STR(got, c->want);
	CHECK_EQ_INT(f.other_lines, c->other_lines);
	CHECK_EQ_INT(f.other_bytes, c->other_bytes);
	free(got);

	for (i = 0; i <= n; i++) {
		cuts[0] = i;
		got = run_cuts(c->in, n, c->max, cuts, 1, &f);
		if (strcmp(got, c->want) != 0) {
			fprintf(stderr, "  case %s: cut at %zu\n", c->name, i);
			CHECK_EQ_STR(got, c->want);
		}
		CHECK_EQ_INT(f.other_lines, c->other_lines);
		CHECK_EQ_INT(f.other_bytes, c->other_bytes);
		free(got);
		for (j = i; j <= n; j++) {
			cuts[1] = j;
			got = run_cuts(c->in, n, c->max, cuts, 2, &f);
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
	got = run_cuts(c->in, n, c->max, bytes, n, &f);
	CHECK_EQ_STR(got, c->want);
	CHECK_EQ_INT(f.other_lines, c->other_lines);
	CHECK_EQ_INT(f.other_bytes, c->other_bytes);
	free(got);
	free(bytes);
}

static void test_every_split(void)
{
	size_t i;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++)
		check_split_case(&split_cases[i]);
}

static void test_counters(void)
{
	struct line_framer f;
	struct sink k = { 0 };
	const char in[] = "{}\nhello\n{\"a\":1}\n\n[]\nbye\n";

	line_framer__init(&f, 0);
	CHECK_EQ_INT(f.max, LINE_FRAMER_DEFAULT_MAX);
	feed(&f, &k, in, sizeof(in) - 1);
	CHECK_EQ_INT(f.json_lines, 3);
	CHECK_EQ_INT(f.other_lines, 2);
	CHECK_EQ_INT(f.other_bytes, 8);
	CHECK_EQ_INT(f.truncated_lines, 0);
	line_framer__free(&f);
	free(k.s);
}

static void test_zero_copy(void)
{
	struct line_framer f;
	struct sink k = { 0 };
	const char in[] = "{\"a\":1}\n{\"b\":2}\r\n{\"c\":";

	line_framer__init(&f, 0);
	feed(&f, &k, in, sizeof(in) - 1);
	CHECK_EQ_INT(k.lines, 2);
	CHECK_EQ_INT(k.in_place, 2); /* both handed on from the feed itself */
	CHECK_EQ_INT(f.len, 5); /* only the cut line was copied */
	feed(&f, &k, "3}\n", 3);
	CHECK_EQ_INT(k.lines, 3);
	CHECK_EQ_INT(k.in_place, 2);
	CHECK_EQ_STR(k.s, "0|{\"a\":1}\n0|{\"b\":2}\n0|{\"c\":3}\n");
	CHECK_EQ_INT(f.len, 0);
	line_framer__free(&f);
	free(k.s);
}

static void test_gap(void)
{
	struct line_framer f;
	struct sink k = { 0 };

	/* A partial line is dropped; resync at the next newline. */
	line_framer__init(&f, 0);
	feed(&f, &k, "{\"a\":1}\n{\"lost\":", 16);
	line_framer__gap(&f);
	CHECK_EQ_INT(f.len, 0);
	feed(&f, &k, "2}\n{\"b\":2}\n{\"c\":3}\n", 19);
	CHECK_EQ_STR(k.s, "0|{\"a\":1}\n2|{\"b\":2}\n0|{\"c\":3}\n");
	CHECK_EQ_INT(f.lost_lines, 1);
	line_framer__free(&f);
	free(k.s);

	/* A gap at a line boundary still skips to the next newline: the lost
	 * bytes may have held the start of the line that follows. Blank and
	 * non-JSON lines do not consume the flag. */
	memset(&k, 0, sizeof(k));
	line_framer__init(&f, 0);
	feed(&f, &k, "{\"a\":1}\n", 8);
	line_framer__gap(&f);
	feed(&f, &k, "tail\"}\n\nlog line\n{\"b\":2}\n{\"c\":3}\n", 33);
	CHECK_EQ_STR(k.s, "0|{\"a\":1}\n2|{\"b\":2}\n0|{\"c\":3}\n");
	CHECK_EQ_INT(f.lost_lines, 0);
	CHECK_EQ_INT(f.other_lines, 1);
	line_framer__free(&f);
	free(k.s);

	/* A line over max waits for its newline (to know its size); a gap
	 * before that loses it like any partial line. */
	memset(&k, 0, sizeof(k));
	line_framer__init(&f, 4);
	feed(&f, &k, "{\"abcdef", 8);
	line_framer__gap(&f);
	feed(&f, &k, "gh}\n{}\n", 7);
	CHECK_EQ_STR(k.s, "2|{}\n");
	CHECK_EQ_INT(f.lost_lines, 1);
	line_framer__free(&f);
	free(k.s);
}

/* Bytes skipped on purpose (over the copy cap) hand on the head of the
 * line in progress, marked truncated, then resync at the next newline. */
static void test_cut(void)
{
	struct line_framer f;
	struct sink k = { 0 };

	line_framer__init(&f, 0);
	feed(&f, &k, "{\"a\":1}\n{\"big\":\"xyz", 19);
	k.framer = &f;
	line_framer__cut(&f, 1000, false, on_line, &k);
	CHECK_EQ_INT(f.line_bytes, 1011);
	feed(&f, &k, "still the big one\"}\n{\"b\":2}\n", 28);
	CHECK_EQ_STR(k.s, "0|{\"a\":1}\n1|{\"big\":\"xyz\n0|{\"b\":2}\n");
	CHECK_EQ_INT(k.last_line_bytes_big, 1030);
	CHECK_EQ_INT(f.truncated_lines, 1);
	CHECK_EQ_INT(f.lost_lines, 0);
	line_framer__free(&f);
	free(k.s);

	/* Nothing buffered: a cut is a gap. */
	memset(&k, 0, sizeof(k));
	line_framer__init(&f, 0);
	feed(&f, &k, "{\"a\":1}\n", 8);
	line_framer__cut(&f, 10, false, on_line, &k);
	feed(&f, &k, "rest\n{\"b\":2}\n", 13);
	CHECK_EQ_STR(k.s, "0|{\"a\":1}\n2|{\"b\":2}\n");
	line_framer__free(&f);
	free(k.s);

	/* The skipped run ends the line: hand it on at once, and the next
	 * byte starts a line (nothing more lost). */
	memset(&k, 0, sizeof(k));
	line_framer__init(&f, 0);
	feed(&f, &k, "{\"big\":\"xyz", 11);
	k.framer = &f;
	line_framer__cut(&f, 500, true, on_line, &k);
	CHECK_EQ_INT(k.last_line_bytes_big, 510);
	feed(&f, &k, "{\"b\":2}\n", 8);
	CHECK_EQ_STR(k.s, "1|{\"big\":\"xyz\n0|{\"b\":2}\n");
	line_framer__free(&f);
	free(k.s);
}

struct big_sink {
	size_t lines, len;
	unsigned flags;
	int same; /* the line equals the generated bytes */
	const char *want;
};

static void on_big(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct big_sink *b = ctx;

	b->lines++;
	b->len = len;
	b->flags = flags;
	b->same = memcmp(line, b->want, len) == 0;
}

static void big_line(size_t max, size_t *max_cap)
{
	const size_t size = 5u << 20, chunk = 64u << 10;
	struct line_framer f;
	struct big_sink b = { 0 };
	char *in = malloc(size + 1);
	size_t i;

	/* {"x":"aaaa...a"}\n, 5 MiB in all. */
	memset(in, 'a', size);
	memcpy(in, "{\"x\":\"", 6);
	memcpy(in + size - 2, "\"}", 2);
	in[size] = '\n';
	b.want = in;
	line_framer__init(&f, max);
	*max_cap = 0;
	for (i = 0; i < size + 1; i += chunk) {
		size_t n = size + 1 - i < chunk ? size + 1 - i : chunk;

		line_framer__feed(&f, in + i, n, on_big, &b);
		if (f.cap > *max_cap)
			*max_cap = f.cap;
	}
	CHECK_EQ_INT(b.lines, 1);
	CHECK_EQ_INT(b.len, size <= f.max ? size : f.max);
	CHECK_EQ_INT(b.flags, size <= f.max ? 0 : LINE_TRUNCATED);
	CHECK(b.same);
	CHECK_EQ_INT(f.cap, 0); /* a large buffer is given back after its line */
	CHECK_EQ_INT(f.len, 0);
	line_framer__free(&f);
	free(in);
}

static void test_big_line(void)
{
	size_t cap;

	big_line(0, &cap);
	CHECK(cap >= (5u << 20) && cap <= (10u << 20)); /* geometric, bounded */
	big_line(5u << 20, &cap); /* exactly max: kept whole */
	CHECK(cap <= (5u << 20) + 1);
	big_line(1u << 20, &cap);
	CHECK(cap <= (1u << 20) + 1); /* never more than max + 1 */
}

/* A long non-JSON stream costs no memory. */
static void test_other_not_buffered(void)
{
	struct line_framer f;
	struct sink k = { 0 };
	char junk[4096];
	int i;

	memset(junk, 'x', sizeof(junk));
	line_framer__init(&f, 0);
	for (i = 0; i < 1000; i++)
		feed(&f, &k, junk, sizeof(junk));
	CHECK_EQ_INT(f.cap, 0);
	CHECK_EQ_INT(f.other_lines, 1);
	CHECK_EQ_INT(f.other_bytes, 1000 * sizeof(junk));
	feed(&f, &k, "\n{}\n", 4);
	CHECK_EQ_STR(k.s, "0|{}\n");
	line_framer__free(&f);
	free(k.s);
}

int main(void)
{
	RUN_TEST(test_every_split);
	RUN_TEST(test_counters);
	RUN_TEST(test_zero_copy);
	RUN_TEST(test_gap);
	RUN_TEST(test_cut);
	RUN_TEST(test_big_line);
	RUN_TEST(test_other_not_buffered);
	return CHECK_DONE();
}
