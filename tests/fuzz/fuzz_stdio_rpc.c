// fuzz-sources: tracer/wire/frame_stdio.c tracer/wire/wire_buf.c tracer/mcp/jsonrpc.c tracer/mcp/json_id.c tracer/mcp/envelope.c
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target for the stdio path: bytes -> line_framer -> jsonrpc__decode
 * and jsonrpc__decode_head. The first input byte picks the framer's max
 * (bits 0-2) and a seed (bits 3-7) for chunk sizes, gaps and cuts; the rest
 * is the stream. The stream is framed whole, byte by byte and in seeded
 * random chunks, and the three must give the same lines (abort otherwise).
 * Every line of the whole run is decoded and the messages checked for
 * consistency; a batch member is decoded again from its re-serialised body
 * and must keep its kind and method. Every line also goes through
 * jsonrpc__decode_head (as a line cut at --max-msg would), whose message
 * must be consistent too. A last run throws in, at seeded chunk boundaries,
 * gaps (line_framer__gap) and cuts (line_framer__cut, with and without
 * ends_line) and decodes the heads of its truncated lines with
 * jsonrpc__decode_head, as sessions__decode does; it checks that a line
 * handed on after a cut is marked truncated and that its line_bytes count
 * the skipped bytes, besides crashes and leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame_stdio.h"
#include "mcp/jsonrpc.h"

struct trace {
	uint64_t hash;
	uint64_t lines;
	int decode; /* 1: decode every line both ways; 2: only truncated heads */
	const struct line_framer *f;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;
	size_t i;

	/* FNV-1a: cheap and good enough to compare two runs. */
	for (i = 0; i < n; i++)
		h = (h ^ u[i]) * 1099511628211ull;
	return h;
}

static void check_msgs(const char *line, size_t len, struct rpc_msg *m, size_t n)
{
	size_t i;

	if (n == 0)
		abort();
	for (i = 0; i < n; i++) {
		if ((m[i].kind == RPC_INVALID) != (m[i].parse_error != NULL))
			abort();
		if (!m[i].body)
			abort();
		if (m[i].kind == RPC_REQUEST && (!m[i].id || !m[i].method))
			abort();
		if (m[i].kind == RPC_NOTIFICATION && (m[i].id || !m[i].method))
			abort();
		if (m[i].kind == RPC_RESPONSE && (!m[i].id || m[i].method))
			abort();
		if (n > 1 && !m[i].in_batch)
			abort();
	}
	if (n == 1 && !m[0].in_batch) {
		if (m[0].body_len != len || memcmp(m[0].body, line, len) != 0)
			abort();
		return;
	}
	for (i = 0; i < n; i++) {
		struct rpc_msg *r;
		size_t rn;
		const char *id = m[i].id;

		if (m[i].kind == RPC_INVALID)
			continue;
		/* cJSON prints inf and nan as null, so those ids change. */
		if (id && id[0] != '"' && strpbrk(id, "in"))
			continue;
		if (jsonrpc__decode(m[i].body, m[i].body_len, &r, &rn) < 0)
			continue;
		if (rn != 1 || r[0].kind != m[i].kind)
			abort();
		if (!r[0].method != !m[i].method || (r[0].method && strcmp(r[0].method, m[i].method)))
			abort();
		if (!r[0].id != !id || (id && strcmp(r[0].id, id)))
			abort();
		jsonrpc__free(r, rn);
	}
}

/* A head cut short: what sessions__decode does with a truncated line. */
static void check_head(const char *line, size_t len)
{
	struct rpc_msg *m = calloc(1, sizeof(*m));

	if (!m)
		return;
	if (jsonrpc__decode_head(line, len, m) == 0) {
		if ((m->kind == RPC_INVALID) != (m->parse_error != NULL))
			abort();
		if (!m->body || m->body_len != len || memcmp(m->body, line, len) != 0)
			abort();
		if ((m->kind == RPC_REQUEST || m->kind == RPC_NOTIFICATION) && !m->method)
			abort();
		if (m->kind == RPC_NOTIFICATION && m->id)
			abort();
	}
	jsonrpc__free(m, 1);
}

static void on_line(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct trace *t = ctx;

	/* A line whose middle was cut is handed on as its head, marked, and
	 * line_bytes then counts its whole size, the cut bytes included. */
	if (t->f && t->f->cut_bytes &&
	    (!(flags & LINE_TRUNCATED) || t->f->line_bytes < t->f->cut_bytes + len))
		abort();

	t->lines++;
	t->hash = mix(t->hash, &flags, sizeof(flags));
	t->hash = mix(t->hash, &len, sizeof(len));
	t->hash = mix(t->hash, line, len);
	if (t->decode == 2) {
		if (flags & LINE_TRUNCATED)
			check_head(line, len);
	} else if (t->decode) {
		struct rpc_msg *m;
		size_t n;

		if (jsonrpc__decode(line, len, &m, &n) == 0) {
			check_msgs(line, len, m, n);
			jsonrpc__free(m, n);
		}
		check_head(line, len);
	}
}

/* Frames data in chunks; step 0 means seeded random sizes in 1..64, and a
 * gap or a cut (seeded) every gap_every chunks if that is not 0. */
static struct trace run(const uint8_t *data, size_t size, size_t max, size_t step,
			uint32_t seed, int decode, unsigned gap_every)
{
	struct line_framer f;
	struct trace t = { .hash = 14695981039346656037ull, .decode = decode, .f = &f };
	size_t off = 0;
	unsigned chunk = 0;

	line_framer__init(&f, max);
	while (off < size) {
		size_t n = step;

		if (n == 0) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 64;
		}
		if (n > size - off)
			n = size - off;
		line_framer__feed(&f, (const char *)data + off, n, on_line, &t);
		off += n;
		if (gap_every && ++chunk % gap_every == 0) {
			uint32_t r;

			seed = seed * 1103515245u + 12345u;
			r = seed >> 16;
			/* The kernel skips at least one byte; with ends_line
			 * the last skipped byte was a newline. */
			if (r % 3 == 0)
				line_framer__gap(&f);
			else
				line_framer__cut(&f, 1 + (r >> 2) % 5000, r % 3 == 2, on_line, &t);
		}
	}
	if (f.len > f.max + 1 || f.cap > 2 * (f.max + 1) + 4096)
		abort();
	line_framer__free(&f);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 1, 2, 7, 16, 64, 300, 4096, 0 };
	struct trace whole, bytes, chunks;
	size_t max;
	uint32_t seed;

	if (size < 1)
		return 0;
	max = maxes[data[0] & 7];
	seed = data[0] >> 3;
	data++;
	size--;

	whole = run(data, size, max, size ? size : 1, 0, 1, 0);
	bytes = run(data, size, max, 1, 0, 0, 0);
	chunks = run(data, size, max, 0, seed, 0, 0);
	if (whole.lines != bytes.lines || whole.hash != bytes.hash)
		abort();
	if (whole.lines != chunks.lines || whole.hash != chunks.hash)
		abort();
	run(data, size, max, 0, seed, 2, 1 + (seed & 3));
	return 0;
}
