/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests of the stream stage (tracer/wire/stream.c) with stdio framing:
 * every byte of a line longer than --max-msg that is not kept is counted
 * in a loss, whether the kernel skipped it (MT_EV_SKIP, a syscall over the
 * cap) or the framer let it go (a long line made of many short writes).
 * And muting: a stream of lines that are not JSON is muted, what the
 * kernel sent before muting is still read, and the bytes it skipped until
 * it un-muted the stream at a JSON line are a loss "muted".
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
	uint64_t muted, muted_at; /* bytes lost as "muted", the offset of the last */
	int mutes; /* requests to mute */
	bool watch; /* the last one asked the kernel to watch for JSON lines */
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
	if (!strcmp(reason, "muted")) {
		s->muted += bytes;
		s->muted_at = offset;
		return;
	}
	CHECK_EQ_STR(reason, "truncated");
	s->lost += bytes;
	if (offset == WIRE_NO_OFFSET)
		s->lost_unplaced += bytes;
	else
		s->lost_placed += bytes;
}

static void on_mute(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool watch)
{
	struct seen *s = ctx;

	(void)tgid, (void)fd, (void)stream_id;
	s->mutes++;
	s->watch = watch;
}

/* One record: data (or, with skip, a run of len bytes the kernel did not
 * copy), with flags (MT_F_*) besides MT_F_ENDS_LINE. */
static void record_flags(struct stream_table *t, uint64_t *off, const char *data, size_t len,
			 bool skip, bool ends_line, uint16_t flags)
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
	e->flags = (ends_line ? MT_F_ENDS_LINE : 0) | flags;
	if (!skip)
		memcpy(e->data, data, len);
	*off += len;
	stream_table__record(t, e, sizeof(*e) + (skip ? 0 : len), 1000);
	free(e);
}

static void record(struct stream_table *t, uint64_t *off, const char *data, size_t len, bool skip,
		   bool ends_line)
{
	record_flags(t, off, data, len, skip, ends_line, 0);
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
	*f = (struct fixture){ .sink = { .ctx = &f->seen, .line = on_line, .loss = on_loss,
					 .mute = on_mute } };
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

static const char banner[] = "starting up, please wait\n";
static const char json_line[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n";

/* 20 banner lines: muted (watched) after 16, yet the 4 the kernel sent
 * before muting are read, and the JSON line after them is kept. Then the
 * kernel skips 5000 bytes and un-mutes at a JSON line: one loss "muted" of
 * 5000 bytes where the skip began, and the line kept. */
static void test_muted_bytes_are_a_loss(void)
{
	struct fixture f;
	uint64_t at;

	setup(&f);
	for (int i = 0; i < 20; i++)
		record(f.t, &f.off, banner, strlen(banner), false, false);
	CHECK_EQ_INT(f.seen.mutes, 1);
	CHECK(f.seen.watch);
	record(f.t, &f.off, json_line, strlen(json_line), false, false);
	CHECK_EQ_INT(f.seen.lines, 1);
	at = f.off;
	f.off += 5000;
	record_flags(f.t, &f.off, json_line, strlen(json_line), false, false, MT_F_UNMUTED);
	CHECK_EQ_INT(f.seen.lines, 2);
	CHECK_EQ_INT(f.seen.muted, 5000);
	CHECK_EQ_INT(f.seen.muted_at, at);
	CHECK_EQ_INT(f.seen.lost, 0);
	stream_table__free(f.t);
	free(f.line);
}

/* A stream closed while muted: the bytes the kernel moved after what was
 * read are a loss "muted", from the close record's offsets. */
static void test_closed_while_muted(void)
{
	struct mt_close_event c = { .hdr = { .type = MT_EV_CLOSE, .tgid = 42 }, .stream_id = 7, .fd = 1 };
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 16; i++)
		record(f.t, &f.off, banner, strlen(banner), false, false);
	CHECK_EQ_INT(f.seen.mutes, 1);
	c.offset[MT_DIR_WRITE] = f.off + 700;
	stream_table__record(f.t, &c, sizeof(c), 2000);
	CHECK_EQ_INT(f.seen.muted, 700);
	CHECK_EQ_INT(f.seen.muted_at, f.off);
	stream_table__free(f.t);
	free(f.line);
}

int main(void)
{
	RUN_TEST(test_framer_cut_is_a_loss);
	RUN_TEST(test_kernel_cut_counted_once);
	RUN_TEST(test_muted_bytes_are_a_loss);
	RUN_TEST(test_closed_while_muted);
	return CHECK_DONE();
}
