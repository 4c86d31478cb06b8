// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame_http_body: the body of an HTTP/1.x message, from the bytes after
 * its head to its end, as frame_http hands them over in any chunking.
 * Transfer framing first: a Content-Length or a chunk's data is counted,
 * chunk size lines and trailers are parsed byte by byte, and a body up to
 * the close takes everything. Then content coding: gzip (any number of
 * members) and deflate (zlib-wrapped or raw, told apart by its first two
 * bytes) are inflated through the connection's one fixed output buffer,
 * other codings pass as sent. Nothing of a body is ever stored. The
 * decoded bytes go to body() up to max_body; past it, or on bad framing or
 * a bad compressed stream, the message ends incomplete.
 *
 * Edges: the head was parsed by frame_http.c, which called http_body__start;
 * a body's end goes back there through http_conn__end_msg, and so does bad
 * chunk framing, through http_conn__fail, which decides about resync.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/frame_http_state.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void http_body__inflate_end(struct hdir *hd)
{
	if (hd->zinit)
		inflateEnd(&hd->zs);
	hd->zinit = false;
}

static void emit_body(struct http_conn *c, int d, const char *p, size_t n)
{
	struct hdir *hd = &c->d[d];

	if (hd->limited && n > c->max_body - hd->delivered) {
		size_t room = c->max_body - hd->delivered;

		if (room && c->cb.body)
			c->cb.body(c->cb.ctx, d, p, room);
		hd->delivered += room;
		hd->skip_body = true;
		hd->incomplete = true;
		http_conn__report(c, d, "body over max");
		return;
	}
	hd->delivered += n;
	if (n && c->cb.body)
		c->cb.body(c->cb.ctx, d, p, n);
}

static void decode_failed(struct http_conn *c, int d, const char *why)
{
	struct hdir *hd = &c->d[d];

	hd->skip_body = true;
	hd->incomplete = true;
	http_body__inflate_end(hd);
	http_conn__report(c, d, why);
}

static void inflate_run(struct http_conn *c, int d, const char *p, size_t n)
{
	struct hdir *hd = &c->d[d];
	z_stream *zs = &hd->zs;
	int rc;

	while (n > 0 && !hd->zdone && !hd->skip_body) {
		uInt piece = n > (1u << 30) ? (1u << 30) : (uInt)n;

		zs->next_in = (Bytef *)p;
		zs->avail_in = piece;
		hd->zend = false;
		do {
			size_t produced;

			zs->next_out = (Bytef *)c->out;
			zs->avail_out = sizeof(c->out);
			rc = inflate(zs, Z_NO_FLUSH);
			produced = sizeof(c->out) - zs->avail_out;
			if (produced)
				emit_body(c, d, c->out, produced);
			if (hd->skip_body)
				return;
			if (rc == Z_STREAM_END) {
				hd->zend = true;
				if (hd->coding == HTTP_CODING_DEFLATE) {
					/* Bytes after the stream are ignored. */
					hd->zdone = true;
					return;
				}
				/* gzip: another member may follow. */
				inflateReset(zs);
				if (zs->avail_in)
					hd->zend = false;
				continue;
			}
			if (rc == Z_BUF_ERROR && zs->avail_in == 0)
				break;
			if (rc != Z_OK) {
				decode_failed(c, d, "bad compressed body");
				return;
			}
		} while (zs->avail_in > 0 || zs->avail_out == 0);
		p += piece;
		n -= piece;
	}
}

static void inflate_bytes(struct http_conn *c, int d, const char *p, size_t n)
{
	struct hdir *hd = &c->d[d];

	hd->zin += n;
	if (!hd->zinit) {
		int bits = 16 + MAX_WBITS;

		if (hd->coding == HTTP_CODING_DEFLATE) {
			/* "deflate" should be zlib-wrapped but some servers send
			 * raw deflate: a valid zlib header tells them apart. */
			while (hd->nsniff < 2 && n) {
				hd->sniff[hd->nsniff++] = *p++;
				n--;
			}
			if (hd->nsniff < 2)
				return;
			bits = ((hd->sniff[0] & 0x0f) == 8 &&
				((hd->sniff[0] << 8) | hd->sniff[1]) % 31 == 0)
				   ? MAX_WBITS
				   : -MAX_WBITS;
		}
		memset(&hd->zs, 0, sizeof(hd->zs));
		if (inflateInit2(&hd->zs, bits) != Z_OK) {
			decode_failed(c, d, "out of memory");
			return;
		}
		hd->zinit = true;
		if (hd->coding == HTTP_CODING_DEFLATE)
			inflate_run(c, d, (const char *)hd->sniff, 2);
	}
	inflate_run(c, d, p, n);
}

/* Body bytes after transfer decoding. */
static void deliver(struct http_conn *c, int d, const char *p, size_t n)
{
	struct hdir *hd = &c->d[d];

	if (hd->skip_body || n == 0)
		return;
	if (hd->coding == HTTP_CODING_GZIP || hd->coding == HTTP_CODING_DEFLATE)
		inflate_bytes(c, d, p, n);
	else
		emit_body(c, d, p, n);
}

void http_body__finish(struct http_conn *c, int d)
{
	struct hdir *hd = &c->d[d];

	if ((hd->coding == HTTP_CODING_GZIP || hd->coding == HTTP_CODING_DEFLATE) &&
	    !hd->skip_body && hd->zin > 0 && !hd->zend)
		decode_failed(c, d, "compressed body cut short");
	hd->errors = 0;
	http_conn__end_msg(c, d, true);
	hd->state = S_HEAD;
	hd->probe = false;
}

void http_body__prepare(struct hdir *hd, int coding)
{
	hd->skip_body = false;
	hd->delivered = 0;
	hd->coding = coding;
	hd->limited = strcmp(hd->ctype, "text/event-stream") != 0;
	hd->zinit = hd->zdone = hd->zend = false;
	hd->zin = 0;
	hd->nsniff = 0;
}

/* The next chunk's size line starts. */
static void chunk_begin(struct hdir *hd)
{
	hd->chunk_size = 0;
	hd->digits = 0;
	hd->state = S_CHUNK_SIZE;
}

void http_body__start(struct http_conn *c, int d, const struct http_head *h)
{
	struct hdir *hd = &c->d[d];

	switch (h->body) {
	case HTTP_BODY_LENGTH:
		hd->remaining = h->content_length;
		hd->state = S_LEN;
		break;
	case HTTP_BODY_CHUNKED:
		chunk_begin(hd);
		break;
	case HTTP_BODY_CLOSE:
		hd->state = S_CLOSE;
		break;
	default:
		http_body__finish(c, d);
		break;
	}
}

/* A counted run (S_LEN, S_CHUNK_DATA) has no bytes left: a Content-Length
 * body is over, chunk data wants its CRLF. */
static void counted_done(struct http_conn *c, int d)
{
	struct hdir *hd = &c->d[d];

	if (hd->state == S_LEN) {
		http_body__finish(c, d);
	} else {
		hd->state = S_CHUNK_CRLF;
		hd->cr_seen = false;
	}
}

/* Bad chunk framing at *p: the message ends and the line is dropped. */
static const char *chunk_fail(struct http_conn *c, int d, const char *p, const char *why)
{
	struct hdir *hd = &c->d[d];

	http_conn__fail(c, d, why);
	hd->probe = true;
	if (hd->aside)
		return p;
	if (*p == '\n') {
		hd->state = S_HEAD;
		return p + 1;
	}
	hd->state = S_SKIP_LINE;
	return p;
}

static void size_line_done(struct hdir *hd)
{
	if (hd->chunk_size == 0) {
		hd->state = S_TRAILER;
		hd->line_bytes = 0;
		hd->line_blank = true;
	} else {
		hd->remaining = hd->chunk_size;
		hd->state = S_CHUNK_DATA;
	}
}

const char *http_body__feed(struct http_conn *c, int d, const char *p, const char *end)
{
	struct hdir *hd = &c->d[d];
	const char *nl;
	size_t k;
	int v;

	switch (hd->state) {
	case S_LEN:
	case S_CHUNK_DATA:
		k = (uint64_t)(end - p) < hd->remaining ? (size_t)(end - p) : hd->remaining;
		deliver(c, d, p, k);
		p += k;
		hd->remaining -= k;
		if (hd->remaining == 0)
			counted_done(c, d);
		break;

	case S_CLOSE:
		deliver(c, d, p, end - p);
		p = end;
		break;

	case S_CHUNK_SIZE:
		v = hexval(*p);
		if (v >= 0) {
			if (++hd->digits > 15) {
				p = chunk_fail(c, d, p, "bad chunk size");
				break;
			}
			hd->chunk_size = hd->chunk_size * 16 + v;
			p++;
			break;
		}
		if (hd->digits == 0) {
			p = chunk_fail(c, d, p, "bad chunk size");
			break;
		}
		if (*p == '\n') {
			p++;
			size_line_done(hd);
		} else if (*p == ';' || *p == ' ' || *p == '\t' || *p == '\r') {
			hd->state = S_CHUNK_EXT;
			hd->line_bytes = 0;
		} else {
			p = chunk_fail(c, d, p, "bad chunk size");
		}
		break;

	case S_CHUNK_EXT:
		nl = memchr(p, '\n', end - p);
		k = (nl ? nl : end) - p;
		hd->line_bytes += k;
		if (hd->line_bytes > HTTP_CHUNK_LINE_MAX) {
			p = chunk_fail(c, d, p, "chunk size line too long");
			break;
		}
		p += k;
		if (nl) {
			p++;
			size_line_done(hd);
		}
		break;

	case S_CHUNK_CRLF:
		if (*p == '\r' && !hd->cr_seen) {
			hd->cr_seen = true;
			p++;
		} else if (*p == '\n') {
			p++;
			chunk_begin(hd);
		} else {
			p = chunk_fail(c, d, p, "chunk data not followed by crlf");
		}
		break;

	case S_TRAILER:
		nl = memchr(p, '\n', end - p);
		k = (nl ? nl : end) - p;
		hd->line_bytes += k + (nl != NULL);
		if (hd->line_bytes > HTTP_HEAD_MAX) {
			p = chunk_fail(c, d, p, "trailers over 64 KiB");
			break;
		}
		for (; k; k--, p++)
			if (*p != '\r')
				hd->line_blank = false;
		if (nl) {
			p++;
			if (hd->line_blank)
				http_body__finish(c, d);
			hd->line_blank = true;
		}
		break;

	default: /* not in a body: nothing here to take */
		p = end;
		break;
	}
	return p;
}

bool http_body__gap(struct http_conn *c, int d, uint64_t lost)
{
	struct hdir *hd = &c->d[d];

	if (!lost || !hd->in_msg ||
	    !(hd->state == S_CLOSE ||
	      ((hd->state == S_LEN || hd->state == S_CHUNK_DATA) && lost <= hd->remaining)))
		return false;
	/* The framing still says where the body ends: keep it, minus what was
	 * lost. A plain body goes on (an event stream outlives a lost record);
	 * a compressed one cannot be decoded on. */
	hd->incomplete = true;
	if (hd->coding == HTTP_CODING_GZIP || hd->coding == HTTP_CODING_DEFLATE) {
		hd->skip_body = true;
		http_body__inflate_end(hd);
	}
	if (hd->state == S_CLOSE)
		return true;
	hd->remaining -= lost;
	if (hd->remaining == 0)
		counted_done(c, d);
	return true;
}
