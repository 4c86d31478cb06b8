/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream: from kernel data records to framed lines, one stream per traced
 * (process, fd). The kernel numbers every byte of a stream direction, so a
 * record whose offset is past the expected one means records were lost;
 * the loss is reported with its exact size and the framer resyncs at the
 * next line. Streams that carry no JSON (log text, binary data, the
 * self-pipes of event loops) are muted early so they cost neither memory
 * here nor copies in the kernel: the kernel stops copying at the stream's
 * next syscall, and what it sent before that is still read here. A muted
 * line stream is watched by the kernel, which un-mutes it at a syscall
 * whose bytes start a line like JSON; the bytes it skipped are reported as
 * a loss "muted", so a prefix of log lines can neither hide the JSON-RPC
 * after it nor be skipped unsaid.
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "wire/frame_http.h"
#include "wire/frame_stdio.h"
#include "wire/stream.h"
#include "wire/stream_http.h"

/* A stream with this many non-JSON lines, or bytes, before its first JSON
 * line is not JSON-RPC. */
#define MUTE_AFTER_LINES 16
#define MUTE_AFTER_BYTES (64 * 1024)

enum stream_mode {
	MODE_UNDECIDED, /* a socket whose first bytes have not been seen */
	MODE_LINES, /* stdio framing: one JSON message per line */
	MODE_HTTP, /* HTTP/1.x, JSON bodies and event streams */
};

struct stream {
	uint64_t id;
	enum stream_mode mode;
	struct http_stream *http;
	uint32_t tgid, fd;
	uint8_t fd_kind;
	uint64_t ino, peer_ino;
	bool mute_asked; /* the kernel was asked to mute it (and has not
			  * un-muted it since) */
	bool for_good;	 /* asked to mute it for good (HTTP that is not MCP) */
	bool started[2]; /* a record of this direction was seen */
	uint64_t rpc_lines, bad_lines; /* lines the session stage took, refused */
	uint64_t next_off[2]; /* offset expected next, per enum wire_dir */
	struct line_framer framer[2];
	struct wire_line cur; /* the record being fed, for the line callback */
	struct stream_table *table;
};

/* A record's dir is a wire_dir as it is. */
_Static_assert((int)WIRE_READ == (int)MT_DIR_READ && (int)WIRE_WRITE == (int)MT_DIR_WRITE, "wire_dir follows mt_dir");

struct stream_table {
	void *root; /* tsearch tree of struct stream, by id */
	size_t count;
	size_t max_msg;
	struct stream_sink sink;
};

static int stream_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct stream *)a)->id, y = ((const struct stream *)b)->id;

	return x < y ? -1 : x > y;
}

struct stream_table *stream_table__new(size_t max_msg, const struct stream_sink *sink)
{
	struct stream_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max_msg = max_msg;
	t->sink = *sink;
	return t;
}

static struct stream *stream_find(struct stream_table *t, uint64_t id)
{
	struct stream key = { .id = id };
	void *node = tfind(&key, &t->root, stream_cmp);

	return node ? *(struct stream **)node : NULL;
}

static struct stream *stream_get(struct stream_table *t, const struct mt_data_event *e)
{
	struct stream *s = stream_find(t, e->stream_id);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->id = e->stream_id;
	s->tgid = e->hdr.tgid;
	s->fd = e->fd;
	s->fd_kind = e->fd_kind;
	s->ino = e->ino;
	s->peer_ino = e->peer_ino;
	s->table = t;
	s->mode = e->fd_kind == MT_FD_INET || e->fd_kind == MT_FD_UNIX ? MODE_UNDECIDED
									 : MODE_LINES;
	line_framer__init(&s->framer[0], t->max_msg);
	line_framer__init(&s->framer[1], t->max_msg);
	if (!tsearch(s, &t->root, stream_cmp)) {
		line_framer__free(&s->framer[0]);
		line_framer__free(&s->framer[1]);
		free(s);
		return NULL;
	}
	t->count++;
	return s;
}

static void stream_free(struct stream *s)
{
	http_stream__free(s->http);
	line_framer__free(&s->framer[0]);
	line_framer__free(&s->framer[1]);
	free(s);
}

static void stream_remove(struct stream_table *t, struct stream *s)
{
	if (s->http)
		http_stream__end(s->http, &s->cur);
	if (t->sink.closed)
		t->sink.closed(t->sink.ctx, s->id, s->tgid, s->fd, s->cur.ts_ns);
	tdelete(s, &t->root, stream_cmp);
	t->count--;
	stream_free(s);
}

static void on_line(void *ctx, const char *text, size_t len, unsigned flags)
{
	struct stream *s = ctx;
	struct wire_line line = s->cur;
	const struct line_framer *fr = &s->framer[line.dir];

	line.text = text;
	line.len = len;
	line.wire_len = len;
	line.truncated = flags & LINE_TRUNCATED;
	line.after_gap = flags & LINE_AFTER_GAP;
	if (line.truncated && fr->line_bytes > len)
		line.wire_len = fr->line_bytes;
	/* The kernel's cuts were reported as they came; what the framer let
	 * go past --max-msg (a long line of many short writes) is here. */
	if (line.truncated && line.wire_len > len + fr->cut_bytes && s->table->sink.loss)
		s->table->sink.loss(s->table->sink.ctx, &line, WIRE_NO_OFFSET,
				    line.wire_len - len - fr->cut_bytes, "truncated");
	if (s->table->sink.line(s->table->sink.ctx, &line))
		s->rpc_lines++;
	else
		s->bad_lines++;
}

/* An HTTP payload, counted like a line. */
static bool on_http(void *ctx, const struct wire_line *l)
{
	struct stream *s = ctx;
	bool rpc = s->table->sink.line(s->table->sink.ctx, l);

	if (rpc)
		s->rpc_lines++;
	else
		s->bad_lines++;
	return rpc;
}

static void on_http_error(void *ctx, const struct wire_line *w, const char *why)
{
	struct stream *s = ctx;

	if (s->table->sink.error)
		s->table->sink.error(s->table->sink.ctx, w, why);
}

static void maybe_mute(struct stream_table *t, struct stream *s)
{
	const struct line_framer *r = &s->framer[WIRE_READ], *w = &s->framer[WIRE_WRITE];

	if (s->rpc_lines)
		return;
	if (s->mode == MODE_HTTP && !http_stream__aside(s->http) && s->bad_lines < MUTE_AFTER_LINES)
		return;
	/* JSON that is not JSON-RPC (a JSON logger on stderr) counts as other. */
	if (s->bad_lines + r->other_lines + w->other_lines < MUTE_AFTER_LINES &&
	    r->other_bytes + w->other_bytes < MUTE_AFTER_BYTES)
		return;
	s->mute_asked = true;
	s->for_good = s->mode != MODE_LINES;
	if (t->sink.mute)
		t->sink.mute(t->sink.ctx, s->tgid, s->fd, s->id, !s->for_good);
}

/* Reports the bytes of direction dir the kernel did not copy, muted, from
 * where this stage got to up to offset end. */
static void muted_loss(struct stream_table *t, struct stream *s, uint8_t dir, uint64_t end)
{
	struct wire_line w = s->cur;

	w.dir = dir;
	if (end > s->next_off[dir] && t->sink.loss)
		t->sink.loss(t->sink.ctx, &w, s->next_off[dir], end - s->next_off[dir], "muted");
}

/* The stream ended while the kernel was asked to mute it: the bytes it
 * moved after what was read here, up to its end each way, were muted. */
static void muted_to_end(struct stream_table *t, struct stream *s, uint64_t read_end,
			 uint64_t write_end)
{
	muted_loss(t, s, WIRE_READ, read_end);
	muted_loss(t, s, WIRE_WRITE, write_end);
}

static void stream_gap(struct stream *s, uint8_t dir, uint64_t lost)
{
	if (s->mode == MODE_HTTP)
		http_stream__gap(s->http, &s->cur, lost);
	else
		line_framer__gap(&s->framer[dir]);
}

/* Accounts for the bytes between what we expected and where this record
 * starts. Returns how many leading bytes of the record were already seen. */
static uint64_t check_offset(struct stream_table *t, struct stream *s, const struct mt_data_event *e)
{
	uint8_t dir = e->dir & 1;
	uint64_t expect = s->next_off[dir];

	if (!s->started[dir]) {
		/* The first record of a direction: whatever came before was
		 * before we attached, or muted. */
		s->started[dir] = true;
		if (e->offset)
			stream_gap(s, dir, 0);
		return 0;
	}
	if ((e->flags & MT_F_UNMUTED) && e->offset > expect) {
		/* Skipped while muted, and this record starts a line. */
		muted_loss(t, s, dir, e->offset);
		line_framer__restart(&s->framer[dir]);
		return 0;
	}
	if (e->offset > expect) {
		if (t->sink.loss)
			t->sink.loss(t->sink.ctx, &s->cur, expect, e->offset - expect, "ringbuf");
		stream_gap(s, dir, e->offset - expect);
		return 0;
	}
	return expect - e->offset;
}

void stream_table__record(struct stream_table *t, const void *data, size_t size, int64_t ts_ns)
{
	const struct mt_event_hdr *h = data;
	const struct mt_data_event *e = data;
	struct stream *s;
	uint64_t seen;
	uint8_t dir;

	if (size < sizeof(*h))
		return;
	if (h->type == MT_EV_CLOSE) {
		const struct mt_close_event *c = data;

		if (size < sizeof(*c))
			return;
		s = stream_find(t, c->stream_id);
		if (!s)
			return;
		if (s->mute_asked)
			muted_to_end(t, s, c->offset[MT_DIR_READ], c->offset[MT_DIR_WRITE]);
		stream_remove(t, s);
		return;
	}
	if (size < sizeof(*e) || (h->type == MT_EV_DATA && size < sizeof(*e) + e->len))
		return;
	s = stream_get(t, e);
	if (!s)
		return;
	dir = e->dir & 1;
	/* A unix socket learns its peer late (connect after the first
	 * record) or loses it: once the peer has closed, the kernel no
	 * longer names it, yet the bytes still unread came from it. Keep
	 * the newest the kernel saw. */
	if (e->peer_ino)
		s->peer_ino = e->peer_ino;
	s->cur = (struct wire_line){
		.stream_id = s->id,
		.tgid = s->tgid,
		.fd = s->fd,
		.dir = dir,
		.fd_kind = s->fd_kind,
		.ino = e->ino,
		.peer_ino = s->peer_ino,
		.ts_ns = ts_ns,
		.tls = e->flags & MT_F_TLS,
	};
	if (h->type == MT_EV_DATA && (e->flags & MT_F_UNMUTED) && !s->for_good) {
		/* Un-muted by the kernel: counted anew, and muted again
		 * after as many lines that are not JSON-RPC. */
		s->mute_asked = false;
		s->bad_lines = 0;
		line_framer__forget_other(&s->framer[0]);
		line_framer__forget_other(&s->framer[1]);
	}
	seen = check_offset(t, s, e);
	if (h->type == MT_EV_SKIP) {
		if (t->sink.loss)
			t->sink.loss(t->sink.ctx, &s->cur, e->offset, e->len, "truncated");
		if (s->mode == MODE_HTTP)
			http_stream__gap(s->http, &s->cur, e->len);
		else
			line_framer__cut(&s->framer[dir], e->len, e->flags & MT_F_ENDS_LINE,
					 on_line, s);
		s->next_off[dir] = e->offset + e->len;
		return;
	}
	if (h->type != MT_EV_DATA)
		return;
	if (e->offset + e->len > s->next_off[dir])
		s->next_off[dir] = e->offset + e->len;
	if (seen >= e->len)
		return;
	if (s->mode == MODE_UNDECIDED) {
		/* A socket speaks HTTP from its first bytes, or it is framed
		 * by lines (stdio over a socketpair, JSON lines over TCP). */
		if (!seen && !e->offset && http__looks_like(e->data, e->len))
			s->http = http_stream__new(t->max_msg, on_http, on_http_error, s);
		s->mode = s->http ? MODE_HTTP : MODE_LINES;
	}
	if (s->mode == MODE_HTTP)
		http_stream__feed(s->http, &s->cur, e->data + seen, e->len - seen);
	else
		line_framer__feed(&s->framer[dir], e->data + seen, e->len - seen, on_line, s);
	if (!s->mute_asked)
		maybe_mute(t, s);
}

struct drop_ctx {
	uint32_t tgid;
	struct stream **list;
	size_t n, cap;
};

static struct drop_ctx *drop_walk_ctx;

static void drop_walk(const void *node, VISIT which, int depth)
{
	struct stream *s = *(struct stream *const *)node;
	struct drop_ctx *c = drop_walk_ctx;

	(void)depth;
	if ((which != postorder && which != leaf) || s->tgid != c->tgid)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct stream **l = realloc(c->list, cap * sizeof(*l));

		if (!l)
			return;
		c->list = l;
		c->cap = cap;
	}
	c->list[c->n++] = s;
}

void stream_table__drop_pid(struct stream_table *t, uint32_t tgid)
{
	struct drop_ctx c = { .tgid = tgid };

	/* twalk has no context argument; this stage is single-threaded. */
	drop_walk_ctx = &c;
	twalk(t->root, drop_walk);
	drop_walk_ctx = NULL;
	for (size_t i = 0; i < c.n; i++) {
		struct stream *s = c.list[i];
		uint64_t off[2];

		/* Its fds closed with the process, unseen: what the kernel
		 * moved while muted is asked of it. */
		if (s->mute_asked && t->sink.offsets &&
		    t->sink.offsets(t->sink.ctx, s->tgid, s->fd, s->id, off))
			muted_to_end(t, s, off[MT_DIR_READ], off[MT_DIR_WRITE]);
		stream_remove(t, s);
	}
	free(c.list);
}

size_t stream_table__count(const struct stream_table *t)
{
	return t->count;
}

static void free_node(void *p)
{
	stream_free(p);
}

void stream_table__free(struct stream_table *t)
{
	if (!t)
		return;
	tdestroy(t->root, free_node);
	free(t);
}
