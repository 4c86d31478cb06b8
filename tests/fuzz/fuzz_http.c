// fuzz-sources: tracer/wire/frame_http.c tracer/wire/frame_http_head.c tracer/wire/frame_http_body.c tracer/wire/frame_sse.c tracer/wire/wire_buf.c
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target for the HTTP path: bytes -> http_conn -> (event-stream
 * bodies) -> sse_parser. The first input byte picks the direction of the
 * first stream (bit 0), max_body (bits 1-2) and a chunking seed; the rest
 * is two streams separated by the first "\n##\n": the first fed in one
 * direction, then the second in the other, then both closed.
 *
 * The run is done whole, byte by byte and in seeded random chunks, and the
 * three must give the same callbacks (abort otherwise); the callbacks must
 * also nest (head, bodies, end) and respect max_body. The SSE parser is
 * also fed the raw input whole and in chunks, with the same check, and
 * once more in chunks with seeded gaps (sse_parser__gap), checking only
 * for crashes and leaks. A last run interleaves the two directions and
 * throws in gaps (http_conn__gap, and sse_parser__gap on an event stream
 * in progress, as stream_http does), checking for crashes, leaks and
 * nesting, and that a direction set aside (http_conn__aside) gives no more
 * heads. http__looks_like is asked about both streams.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame_http.h"
#include "wire/frame_sse.h"

#define SEP "\n##\n"

struct trace {
	uint64_t hash;
	uint64_t events;
	size_t max_body;
	bool in_msg[2], sse[2], limited[2];
	uint64_t body[2], heads[2];
	struct sse_parser p[2];
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ u[i]) * 1099511628211ull;
	return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	return s ? mix(h, s, strlen(s) + 1) : mix(h, "\xff", 1);
}

static void on_event(void *ctx, const struct sse_event *ev)
{
	struct trace *t = ctx;

	if (ev->data[ev->data_len] != '\0' || (ev->empty && ev->data_len))
		abort();
	t->events++;
	t->hash = mix(t->hash, "E", 1);
	t->hash = mix_str(t->hash, ev->type);
	t->hash = mix_str(t->hash, ev->id);
	t->hash = mix(t->hash, &ev->retry, sizeof(ev->retry));
	t->hash = mix(t->hash, &ev->data_len, sizeof(ev->data_len));
	t->hash = mix(t->hash, ev->data, ev->data_len);
}

static void on_head(void *ctx, enum wire_dir d, const struct http_head *h)
{
	struct trace *t = ctx;
	size_t i;

	if (t->in_msg[d])
		abort();
	if ((h->response && (!h->reason || h->status < 100 || h->status > 999)) ||
	    (!h->response && (!h->method || !h->target || !h->exchange)))
		abort();
	t->in_msg[d] = true;
	t->body[d] = 0;
	t->heads[d]++;
	t->events++;
	t->hash = mix(t->hash, "H", 1);
	t->hash = mix(t->hash, &d, sizeof(d));
	t->hash = mix_str(t->hash, h->method);
	t->hash = mix_str(t->hash, h->target);
	t->hash = mix_str(t->hash, h->reason);
	t->hash = mix_str(t->hash, h->content_type);
	t->hash = mix(t->hash, &h->status, sizeof(h->status));
	t->hash = mix(t->hash, &h->exchange, sizeof(h->exchange));
	t->hash = mix(t->hash, &h->body, sizeof(h->body));
	t->hash = mix(t->hash, &h->coding, sizeof(h->coding));
	for (i = 0; i < h->nheaders; i++) {
		t->hash = mix_str(t->hash, h->headers[i].name);
		t->hash = mix_str(t->hash, h->headers[i].value);
		if (http_head__get(h, h->headers[i].name) == NULL)
			abort();
	}
	t->sse[d] = !strcmp(h->content_type, "text/event-stream");
	t->limited[d] = !t->sse[d];
	if (t->sse[d])
		sse_parser__reset(&t->p[d]);
}

static void on_body(void *ctx, enum wire_dir d, const char *data, size_t len)
{
	struct trace *t = ctx;

	if (!t->in_msg[d] || len == 0)
		abort();
	t->body[d] += len;
	if (t->limited[d] && t->body[d] > t->max_body)
		abort();
	/* An event stream is hashed by its events (hashing its bytes too
	 * would mix the two at split-dependent points); other bodies by
	 * their bytes, with no length or marker, so that they hash the same
	 * however they were split into calls. */
	if (t->sse[d])
		sse_parser__feed(&t->p[d], data, len, on_event, t);
	else
		t->hash = mix(t->hash, data, len);
}

static void on_end(void *ctx, enum wire_dir d, bool complete)
{
	struct trace *t = ctx;

	if (!t->in_msg[d])
		abort();
	t->in_msg[d] = false;
	t->sse[d] = false;
	t->events++;
	t->hash = mix(t->hash, complete ? "Z" : "z", 1);
	t->hash = mix(t->hash, &d, sizeof(d));
}

static void on_error(void *ctx, enum wire_dir d, const char *why)
{
	struct trace *t = ctx;

	t->events++;
	t->hash = mix(t->hash, "!", 1);
	t->hash = mix(t->hash, &d, sizeof(d));
	t->hash = mix_str(t->hash, why);
}

static uint32_t next(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* Feeds a stream in chunks: step 0 means seeded random sizes in 1..64. */
static void feed(struct http_conn *c, enum wire_dir d, const uint8_t *p, size_t n, size_t step,
		 uint32_t *seed)
{
	size_t off = 0;

	while (off < n) {
		size_t k = step ? step : 1 + next(seed) % 64;

		if (k > n - off)
			k = n - off;
		http_conn__feed(c, d, (const char *)p + off, k);
		off += k;
	}
}

static void trace_init(struct trace *t, size_t max_body)
{
	memset(t, 0, sizeof(*t));
	t->hash = 14695981039346656037ull;
	t->max_body = max_body ? max_body : HTTP_DEFAULT_MAX_BODY;
	sse_parser__init(&t->p[0], 64);
	sse_parser__init(&t->p[1], 64);
}

static void trace_free(struct trace *t)
{
	if (t->in_msg[0] || t->in_msg[1])
		abort(); /* eof ends every message */
	sse_parser__free(&t->p[0]);
	sse_parser__free(&t->p[1]);
}

static struct http_conn *conn(struct trace *t)
{
	struct http_callbacks cb = {t, on_head, on_body, on_end, on_error};
	struct http_conn *c = http_conn__new(&cb, t->max_body);

	if (!c)
		abort();
	return c;
}

static uint64_t run(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, enum wire_dir da,
		    size_t max_body, size_t step, uint32_t seed)
{
	struct trace t;
	struct http_conn *c;
	uint64_t h;

	trace_init(&t, max_body);
	c = conn(&t);
	feed(c, da, a, an, step, &seed);
	feed(c, !da, b, bn, step, &seed);
	http_conn__eof(c, da);
	http_conn__eof(c, !da);
	http_conn__free(c);
	trace_free(&t);
	h = mix(t.hash, &t.events, sizeof(t.events));
	return h;
}

/* Both directions interleaved, with gaps: only crashes and nesting. */
static void run_rough(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, enum wire_dir da,
		      size_t max_body, uint32_t seed)
{
	struct trace t;
	struct http_conn *c;
	size_t ao = 0, bo = 0;

	trace_init(&t, max_body);
	c = conn(&t);
	while (ao < an || bo < bn) {
		uint32_t r = next(&seed);
		bool side = (r & 1) ? ao < an : bo >= bn;
		size_t k = 1 + (r >> 1) % 48;

		enum wire_dir d = side ? da : !da;
		bool aside = http_conn__aside(c, d);
		uint64_t heads = t.heads[d];

		if (side) {
			k = k < an - ao ? k : an - ao;
			http_conn__feed(c, da, (const char *)a + ao, k);
			ao += k;
		} else {
			k = k < bn - bo ? k : bn - bo;
			http_conn__feed(c, !da, (const char *)b + bo, k);
			bo += k;
		}
		if (aside && (t.heads[d] != heads || !http_conn__aside(c, d)))
			abort(); /* set aside is for good */
		if ((r >> 8) % 13 == 0) {
			d = (r >> 12) & 1;
			http_conn__gap(c, d, (r >> 13) % 5);
			if (t.sse[d])
				sse_parser__gap(&t.p[d]);
		}
	}
	http_conn__eof(c, WIRE_READ);
	http_conn__eof(c, WIRE_WRITE);
	http_conn__free(c);
	trace_free(&t);
}

/* gaps: a gap after about one chunk in gaps (0: none). */
static uint64_t run_sse(const uint8_t *p, size_t n, size_t step, uint32_t seed, unsigned gaps)
{
	struct trace t;
	size_t off = 0;

	trace_init(&t, 0);
	while (off < n) {
		size_t k = step ? step : 1 + next(&seed) % 64;

		if (k > n - off)
			k = n - off;
		sse_parser__feed(&t.p[0], (const char *)p + off, k, on_event, &t);
		off += k;
		if (gaps && next(&seed) % gaps == 0)
			sse_parser__gap(&t.p[0]);
	}
	trace_free(&t);
	return mix(t.hash, &t.events, sizeof(t.events));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = {0, 1, 16, 300};
	const uint8_t *a, *b, *sep;
	size_t an, bn, max_body;
	enum wire_dir da;
	uint32_t seed;
	uint64_t whole, bytes, chunks;

	if (size < 1)
		return 0;
	da = (data[0] & 1) ? WIRE_READ : WIRE_WRITE;
	max_body = maxes[(data[0] >> 1) & 3];
	seed = data[0] >> 3;
	a = data + 1;
	an = size - 1;
	sep = memmem(a, an, SEP, 4);
	if (sep) {
		b = sep + 4;
		bn = a + an - b;
		an = sep - a;
	} else {
		b = a + an;
		bn = 0;
	}

	whole = run(a, an, b, bn, da, max_body, (size_t)-1 / 2, seed);
	bytes = run(a, an, b, bn, da, max_body, 1, seed);
	chunks = run(a, an, b, bn, da, max_body, 0, seed);
	if (whole != bytes || whole != chunks)
		abort();
	run_rough(a, an, b, bn, da, max_body, seed);

	if (run_sse(data + 1, size - 1, size, 0, 0) != run_sse(data + 1, size - 1, 0, seed, 0))
		abort();
	run_sse(data + 1, size - 1, 0, seed, 2 + (seed & 7));
	/* Only that it reads within bounds, and that a longer prefix of a
	 * stream that looks like HTTP still does. */
	if (http__looks_like((const char *)a, an / 2) && !http__looks_like((const char *)a, an))
		abort();
	http__looks_like((const char *)b, bn);
	return 0;
}
