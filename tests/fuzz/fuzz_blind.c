// fuzz-sources: tracer/wire/blind.c tracer/wire/tls_sniff.c
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target for the blind-connection decision: the input is a program
 * of records, as a hostile or broken kernel side (or a traced process
 * choosing its bytes) could make them: cipher heads with any bytes, size
 * and length, addresses, plaintext claims, closes, exits and ticks, over a
 * few processes and fds so that they collide. Stream ids are the kernel's
 * (trusted): each (process, fd) moves to a new one at a close, an exit or
 * when the input says so, never back. Besides crashes and leaks it
 * checks that a connection is reported new once, with a reason, that a
 * later report of it never counts fewer bytes, and that the trace's end
 * leaves nothing followed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "wire/blind.h"

#define SEEN_MAX 256

struct seen {
	int hooked;
	size_t n;
	uint64_t sid[SEEN_MAX];
	uint64_t bytes[SEEN_MAX];
};

static int hooked(void *ctx, uint32_t pid)
{
	return ((struct seen *)ctx)->hooked & (1 << (pid & 3)) ? 1 : 0;
}

static void comm(void *ctx, uint32_t pid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, "p%u", pid);
}

static void report(void *ctx, const struct blind_conn *b, bool is_new)
{
	struct seen *s = ctx;
	size_t i;

	for (i = 0; i < s->n && s->sid[i] != b->stream_id; i++)
		;
	if (is_new) {
		if (i < s->n || !b->why || !b->comm)
			abort(); /* reported twice, or without a reason */
		if (s->n < SEEN_MAX) {
			s->sid[s->n] = b->stream_id;
			s->bytes[s->n++] = b->bytes;
		}
		return;
	}
	if (i == s->n)
		return; /* past SEEN_MAX */
	if (b->bytes < s->bytes[i])
		abort();
	s->bytes[i] = b->bytes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	struct blind_ops ops = { .ctx = &s, .hooked = hooked, .comm = comm, .report = report };
	struct blind *b;
	union {
		struct mt_data_event e;
		char raw[sizeof(struct mt_data_event) + MT_CIPHER_HEAD];
	} u;
	uint64_t cur[5][4];
	size_t i = 0;

	/* Stream ids are unique, as the kernel's are: an input moves each
	 * (pid, fd) on at most size / 2 times, far from the next one's. */
	for (int p = 0; p < 5; p++)
		for (int f = 0; f < 4; f++)
			cur[p][f] = (uint64_t)p * 1000000 + (uint64_t)f * 100000;
	if (size < 1)
		return 0;
	s.hooked = data[i++];
	b = blind__new(&ops);
	if (!b)
		return 0;
	while (i + 2 <= size) {
		uint8_t op = data[i++], arg = data[i++];
		uint32_t pid = 1 + (arg & 3), fd = (arg >> 2) & 3;
		uint64_t sid;
		size_t n;

		/* A new stream on this fd when the input says so. */
		if (arg & 0x80)
			cur[pid][fd]++;
		sid = cur[pid][fd];

		switch (op % 7) {
		case 0:
		case 1: /* a cipher head: the next bytes are its data */
			memset(&u, 0, sizeof(u));
			n = size - i < MT_CIPHER_HEAD ? size - i : MT_CIPHER_HEAD;
			if (op & 0x80)
				n = n / 2;
			memcpy(u.e.data, data + i, n);
			i += n;
			u.e.hdr.type = MT_EV_CIPHER;
			u.e.hdr.tgid = pid;
			u.e.fd = fd;
			u.e.stream_id = sid;
			u.e.len = (op & 0x40) ? (uint32_t)n + (op >> 3) : (uint32_t)n;
			u.e.syscall_len = (uint32_t)n * (1 + (op >> 4));
			u.e.offset = (op & 0x20) ? arg : 0;
			u.e.dir = op & 0x08 ? MT_DIR_WRITE : MT_DIR_READ;
			blind__cipher(b, &u.e, (op & 0x10) ? sizeof(u.e) + n : sizeof(u), 1000 + i);
			break;
		case 2:
			blind__sockaddr(b, pid, fd, sid, op & 0x80, "127.0.0.1:1", (op & 0x40) ? NULL : "[::1]:2");
			break;
		case 3:
			blind__readable(b, pid, (op & 0x80) ? MT_FD_UNKNOWN : fd);
			break;
		case 4:
			blind__close(b, pid, fd, sid);
			cur[pid][fd]++;
			break;
		case 5:
			blind__exit(b, pid);
			for (int f = 0; f < 4; f++)
				cur[pid][f]++;
			break;
		default:
			blind__tick(b);
			break;
		}
	}
	blind__finish(b);
	if (blind__count(b) != 0)
		abort();
	blind__free(b);
	return 0;
}
