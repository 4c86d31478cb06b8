/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests of the stream stage (tracer/wire/stream.c) with stdio framing:
 * every byte of a line longer than --max-msg that is not kept is counted
 * in a loss, whether the kernel skipped it (MT_EV_SKIP, a syscall over the
 * cap) or the framer let it go (a long line made of many short writes).
 */
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>

#include "mcptrace.h"
#include "check.h"
#include "wire/stream.h"

#define MAX 4096

struct seen {
	size_t lines, len, wire_len;
	bool truncated;
	uint64_t lost, lost_unplaced, lost_placed;
};

static bool on_line(void *ctx, const struct wire_line *l)
{
	struct seen *s = ctx;

	s->lines++;
	s->len = l->len;
	s->wire_len = l->wire_len;
	s->truncated = l->truncated;
	return true;
}

static void on_loss(void *ctx, const struct wire_line *w, uint64_t offset, uint64_t bytes,
		    const char *reason)
{
	struct seen *s = ctx;

	(void)w;
	CHECK_EQ_STR(reason, "truncated");
	s->lost += bytes;
	if (offset == WIRE_NO_OFFSET)
		s->lost_unplaced += bytes;
	else
		s->lost_placed += bytes;
}

/* One record: data (or, with skip, a run of len bytes the kernel did not copy). */
static void record(struct stream_table *t, uint64_t *off, const char *data, size_t len, bool skip,
		   bool ends_line)
{
	struct mt_data_event *e = calloc(1, sizeof(*e) + (skip ? 0 : len));

	e->hdr.type = skip ? MT_EV_SKIP : MT_EV_DATA;
	e->hdr.tgid = e->hdr.pid = 42;
	e->stream_id = 7;
	e->ino = 9;
	e->fd = 1;
	e->dir = MT_DIR_WRITE;
	e->fd_kind = MT_FD_PIPE;
	e->offset = *off;
	e->len = (uint32_t)len;
	e->syscall_len = (uint32_t)len;
	e->flags = ends_line ? MT_F_ENDS_LINE : 0;
	if (!skip)
		memcpy(e->data, data, len);
	*off += len;
	stream_table__record(t, e, sizeof(*e) + (skip ? 0 : len), 1000);
	free(e);
}

static char *long_line(size_t pad, size_t *len)
{
	const char *head = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"p\":\"";
	const char *tail = "\"}}\n";
	char *s = malloc(strlen(head) + pad + strlen(tail) + 1);

	strcpy(s, head);
	memset(s + strlen(head), 'x', pad);
	strcpy(s + strlen(head) + pad, tail);
	*len = strlen(s);
	return s;
}

/* A stream table over MAX-byte messages, a 20 kB line to feed it, what it
 * reported. */
struct fixture {
	struct seen seen;
	struct stream_sink sink;
	struct stream_table *t;
	uint64_t off;
	size_t len;
	char *line;
};

static void setup(struct fixture *f)
{
	*f = (struct fixture){ .sink = { .ctx = &f->seen, .line = on_line, .loss = on_loss } };
	f->t = stream_table__new(MAX, &f->sink);
	f->line = long_line(20000, &f->len);
}

/* The one line came out cut to MAX bytes, and lost bytes were reported. */
static void check_cut(struct fixture *f, uint64_t lost)
{
	CHECK_EQ_INT(f->seen.lines, 1);
	CHECK(f->seen.truncated);
	CHECK_EQ_INT(f->seen.len, MAX);
	CHECK_EQ_INT(f->seen.lost, lost);
	stream_table__free(f->t);
	free(f->line);
}

/* 20 kB in 1 kB writes: the framer keeps MAX bytes, the rest is a loss. */
static void test_framer_cut_is_a_loss(void)
{
	struct fixture f;

	setup(&f);
	for (size_t i = 0; i < f.len; i += 1000)
		record(f.t, &f.off, f.line + i, f.len - i < 1000 ? f.len - i : 1000, false, false);
	CHECK_EQ_INT(f.seen.wire_len, f.len - 1);
	CHECK_EQ_INT(f.seen.lost_unplaced, f.len - 1 - MAX);
	check_cut(&f, f.len - 1 - MAX);
}

/* One write over the cap: the kernel copied MAX bytes and skipped the rest
 * (with the newline); that skip is the only loss, counted once. */
static void test_kernel_cut_counted_once(void)
{
	struct fixture f;

	setup(&f);
	record(f.t, &f.off, f.line, MAX, false, false);
	record(f.t, &f.off, NULL, f.len - MAX, true, true);
	CHECK_EQ_INT(f.seen.lost_placed, f.len - MAX);
	CHECK_EQ_INT(f.seen.lost_unplaced, 0);
	check_cut(&f, f.len - MAX);
}

int main(void)
{
	RUN_TEST(test_framer_cut_is_a_loss);
	RUN_TEST(test_kernel_cut_counted_once);
	return CHECK_DONE();
}
