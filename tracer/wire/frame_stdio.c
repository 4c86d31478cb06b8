// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame_stdio: the newline framing of MCP's stdio transport. A small state
 * machine walks each feed once with memchr, so the cost per byte is that of
 * finding newlines. A JSON line that starts and ends inside one feed is
 * handed on in place; only a line cut by a feed boundary is copied into the
 * framer's buffer, which grows geometrically up to max + 1 bytes (the extra
 * byte holds a '\r' that may turn out to be the line's CR of "\r\n").
 * Non-JSON lines, the tail of a truncated line and the bytes after a gap
 * are skipped without being stored. This module knows nothing of JSON
 * beyond the first byte of a line.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/frame_stdio.h"
#include "wire/wire_buf.h"

enum {
	FS_START = 0, /* at a line's start; only blanks seen so far */
	FS_JSON, /* inside a JSON line whose head is in buf */
	FS_OTHER, /* inside a non-JSON line: counted, not kept */
	FS_SKIP, /* dropping up to the next newline: after a gap */
	FS_CUT, /* counting the rest of a line whose middle was not copied */
};

#define FS_MIN_CAP 4096
/* A buffer grown past this for one long line is freed when the line ends,
 * so thousands of idle streams do not each pin megabytes. */
#define FS_KEEP_CAP (256u << 10)

static inline int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

void line_framer__init(struct line_framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	/* max + 1 bytes are kept. */
	f->max = wire_buf__limit(max, LINE_FRAMER_DEFAULT_MAX);
	f->state = FS_START;
}

void line_framer__free(struct line_framer *f)
{
	wire_buf__free(&f->buf, &f->len, &f->cap);
}

static void emit(struct line_framer *f, const char *line, size_t len, line_fn fn, void *ctx)
{
	unsigned flags = f->pending_flags;

	if (len > f->max) {
		len = f->max;
		flags |= LINE_TRUNCATED;
		f->truncated_lines++;
	}
	f->pending_flags = 0;
	f->json_lines++;
	fn(ctx, line, len, flags);
}

/* Ends the buffered line: forget its bytes, and give back a buffer that one
 * long line made large. */
static void reset_line(struct line_framer *f, int state)
{
	f->len = 0;
	f->line_bytes = 0;
	f->cut_bytes = 0;
	f->state = state;
	wire_buf__shrink(&f->buf, &f->cap, FS_KEEP_CAP);
}

/* Appends what still fits of n bytes of the current line. Returns 0, or -1
 * if the buffer could not grow. */
static int keep(struct line_framer *f, const char *p, size_t n)
{
	size_t room = f->max + 1 - f->len;
	size_t take = n < room ? n : room;

	f->line_bytes += n;
	if (take == 0)
		return 0;
	if (wire_buf__reserve(&f->buf, &f->cap, f->len + take, FS_MIN_CAP, f->max + 1) < 0)
		return -1;
	memcpy(f->buf + f->len, p, take);
	f->len += take;
	return 0;
}

void line_framer__gap(struct line_framer *f)
{
	if (f->state == FS_JSON)
		f->lost_lines++;
	reset_line(f, FS_SKIP);
	f->pending_flags |= LINE_AFTER_GAP;
}

/* Hands on the kept head of a line whose tail was not seen, marked. */
static void emit_head(struct line_framer *f, line_fn fn, void *ctx)
{
	f->pending_flags |= LINE_TRUNCATED;
	f->truncated_lines++;
	emit(f, f->buf, f->len < f->max ? f->len : f->max, fn, ctx);
}

void line_framer__cut(struct line_framer *f, uint64_t skipped, bool ends_line, line_fn fn,
		      void *ctx)
{
	if ((f->state == FS_JSON && f->len) || f->state == FS_CUT) {
		/* The head we have is all there will be of this line: it is
		 * handed on marked, with line_bytes its whole size, once its
		 * end is known. */
		/* The newline that ends the line is not part of it. */
		f->line_bytes += ends_line ? skipped - 1 : skipped;
		f->cut_bytes += ends_line ? skipped - 1 : skipped;
		if (ends_line) {
			emit_head(f, fn, ctx);
			reset_line(f, FS_START);
		} else {
			f->state = FS_CUT;
		}
		return;
	}
	if (!ends_line) {
		line_framer__gap(f);
		return;
	}
	/* The skipped run held whole lines (or ended one we were not
	 * keeping): the next byte starts a line. */
	line_framer__restart(f);
}

void line_framer__restart(struct line_framer *f)
{
	if (f->state == FS_JSON)
		f->lost_lines++;
	reset_line(f, FS_START);
	f->pending_flags |= LINE_AFTER_GAP;
}

void line_framer__forget_other(struct line_framer *f)
{
	f->other_lines = 0;
	f->other_bytes = 0;
}

void line_framer__feed(struct line_framer *f, const char *data, size_t len, line_fn fn, void *ctx)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl;
		size_t n;

		switch (f->state) {
		case FS_START:
			while (p < end && is_blank(*p)) {
				p++;
				f->line_bytes++;
			}
			if (p == end)
				return;
			if (*p == '\n') { /* blank line */
				p++;
				f->line_bytes = 0;
				break;
			}
			if (*p != '{' && *p != '[') {
				f->other_lines++;
				f->other_bytes += f->line_bytes;
				f->state = FS_OTHER;
				break;
			}
			f->line_bytes = 0;
			nl = memchr(p, '\n', end - p);
			if (nl) {
				/* Fast path: the whole line is in this feed. */
				n = nl - p;
				if (p[n - 1] == '\r') /* n >= 1: p[0] is '{' or '[' */
					n--;
				emit(f, p, n, fn, ctx);
				p = nl + 1;
				break;
			}
			f->state = FS_JSON;
			break;

		case FS_JSON:
			nl = memchr(p, '\n', end - p);
			n = (nl ? nl : end) - p;
			if (keep(f, p, n) < 0) {
				line_framer__gap(f);
				break;
			}
			if (nl) {
				/* The raw line is line_bytes long; its last byte
				 * is in this feed unless the feed began with the
				 * newline, and then it is the last one kept. */
				char last = n ? nl[-1] : f->buf[f->len - 1];
				size_t content = f->line_bytes - (last == '\r');

				/* Past max, len is max + 1 and emit() truncates. */
				emit(f, f->buf, content < f->len ? content : f->len, fn, ctx);
				reset_line(f, FS_START);
				p = nl + 1;
				break;
			}
			/* A line over max is handed on at its newline, head
			 * only, so that line_bytes gives its whole size. */
			p = end;
			break;

		case FS_CUT:
			nl = memchr(p, '\n', end - p);
			n = (nl ? nl : end) - p;
			f->line_bytes += n;
			p += n;
			if (nl) {
				emit_head(f, fn, ctx);
				reset_line(f, FS_START);
				p++;
			}
			break;

		case FS_OTHER:
			nl = memchr(p, '\n', end - p);
			n = (nl ? nl : end) - p;
			f->other_bytes += n;
			p += n;
			if (nl) {
				p++;
				f->line_bytes = 0;
				f->state = FS_START;
			}
			break;

		case FS_SKIP:
		default:
			nl = memchr(p, '\n', end - p);
			if (!nl)
				return;
			p = nl + 1;
			reset_line(f, FS_START);
			break;
		}
	}
}
