// fuzz-sources: tracer/wire/frame_stdio.c tracer/wire/wire_buf.c tracer/mcp/jsonrpc.c tracer/mcp/json_id.c
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target for the stdio path: bytes -> line_framer -> jsonrpc__decode. The
 * first input byte picks the framer's max and a chunking seed; the rest is
 * the stream. The stream is framed whole, byte by byte and in seeded
 * random chunks, and the three must give the same lines (abort otherwise).
 * Every line of the whole run is decoded and the messages checked for
 * consistency; a batch member is decoded again from its re-serialised body
 * and must keep its kind and method. A last run with gaps checks only for
 * crashes and leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame_stdio.h"
#include "mcp/jsonrpc.h"

struct trace {
	uint64_t hash;
	uint64_t lines;
	int decode;
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

static void on_line(void *ctx, const char *line, size_t len, unsigned flags)
{
	struct trace *t = ctx;

	t->lines++;
	t->hash = mix(t->hash, &flags, sizeof(flags));
	t->hash = mix(t->hash, &len, sizeof(len));
	t->hash = mix(t->hash, line, len);
	if (t->decode) {
		struct rpc_msg *m;
		size_t n;

		if (jsonrpc__decode(line, len, &m, &n) == 0) {
			check_msgs(line, len, m, n);
			jsonrpc__free(m, n);
		}
	}
}

/* Frames data in chunks; step 0 means seeded random sizes in 1..64, and a
 * gap every gap_every chunks if that is not 0. */
static struct trace run(const uint8_t *data, size_t size, size_t max, size_t step,
			uint32_t seed, int decode, unsigned gap_every)
{
	struct line_framer f;
	struct trace t = { .hash = 14695981039346656037ull, .decode = decode };
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
		if (gap_every && ++chunk % gap_every == 0)
			line_framer__gap(&f);
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
	run(data, size, max, 0, seed, 0, 1 + (seed & 3));
	return 0;
}
