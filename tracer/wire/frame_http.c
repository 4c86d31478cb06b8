// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame_http: HTTP/1.x message framing (RFC 9112) for one connection, as a
 * state machine per direction fed chunks of any size. The only bytes ever
 * copied are those of a head, into a buffer of at most HTTP_HEAD_MAX that
 * is parsed in place once its blank line arrives (frame_http_head.c).
 * Bodies stream through without being kept (frame_http_body.c). This file
 * drives the state machine: it collects heads, pairs responses with
 * requests, and decides where a direction resyncs or is set aside. Every
 * decision is taken at a byte position of the stream, never at a feed
 * boundary, so the callbacks are the same however a stream is cut (the
 * unit tests and the fuzz target hold this).
 *
 * Resync: a line that cannot start a message (checked as its bytes come,
 * so junk is not buffered) is reported once, then every following line
 * start is probed silently until a valid request or status line appears.
 * After a gap the very next byte is probed first, since a lost record may
 * well have ended at a message boundary.
 *
 * Pairing: requests seen in direction d go into fifo[d]; a response in
 * the other direction takes the oldest. The FIFO grows to keep up to
 * HTTP_FIFO_MAX requests with their method and target (pipelining has no
 * other bound); requests past that are only counted, in order, so their
 * responses still get the right numbers, and the overflow is reported.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame_http_state.h"
#include "wire/wire_buf.h"

/* ---- request FIFO ---- */

static void req_free(struct req *r)
{
	free(r->method); /* target lives in the same block */
	r->method = r->target = NULL;
	r->exchange = 0;
}

static void fifo_clear(struct fifo *f)
{
	while (f->count) {
		req_free(&f->e[f->first]);
		f->first = (f->first + 1) % f->cap;
		f->count--;
	}
	f->first = 0;
	f->unkept = 0;
}

static void fifo_free(struct fifo *f)
{
	fifo_clear(f);
	free(f->e);
	f->e = NULL;
	f->cap = 0;
}

/* Room for one more request: the ring doubles, unwrapped into the new
 * block. Returns false at HTTP_FIFO_MAX or when memory runs out. */
static bool fifo_room(struct fifo *f)
{
	unsigned cap = f->cap ? f->cap * 2 : 8;
	struct req *e;

	if (f->count < f->cap)
		return true;
	if (f->cap >= HTTP_FIFO_MAX || !(e = calloc(cap, sizeof(*e))))
		return false;
	for (unsigned i = 0; i < f->count; i++)
		e[i] = f->e[(f->first + i) % f->cap];
	free(f->e);
	f->e = e;
	f->cap = cap;
	f->first = 0;
	return true;
}

/* Returns false when the request could not be kept (only counted). */
static bool fifo_push(struct fifo *f, uint64_t exchange, const char *method, const char *target)
{
	size_t ml = strlen(method), tl = strlen(target);
	struct req *r;
	char *block;

	if (tl > HTTP_FIFO_TARGET_MAX)
		tl = HTTP_FIFO_TARGET_MAX;
	/* Once one request went unkept, all later ones must too, to stay in
	 * order behind it. */
	if (f->unkept || !fifo_room(f) || !(block = malloc(ml + 1 + tl + 1))) {
		if (!f->unkept++)
			f->unkept_first = exchange;
		return false;
	}
	memcpy(block, method, ml + 1);
	memcpy(block + ml + 1, target, tl);
	block[ml + 1 + tl] = '\0';
	r = &f->e[(f->first + f->count) % f->cap];
	r->exchange = exchange;
	r->method = block;
	r->target = block + ml + 1;
	f->count++;
	return true;
}

/* The oldest request without its final response, without taking it. The
 * strings, if any, stay owned by the FIFO. */
static struct req fifo_peek(const struct fifo *f)
{
	struct req r = {0};

	if (f->count)
		return f->e[f->first];
	if (f->unkept)
		r.exchange = f->unkept_first;
	return r;
}

/* Takes the oldest request; the caller owns its strings. */
static struct req fifo_pop(struct fifo *f)
{
	struct req r = fifo_peek(f);

	if (f->count) {
		f->first = (f->first + 1) % f->cap;
		f->count--;
	} else if (f->unkept) {
		f->unkept--;
		f->unkept_first++;
	}
	return r;
}

/* ---- callbacks and message ends ---- */

void http_conn__report(struct http_conn *c, int d, const char *why)
{
	if (c->cb.error)
		c->cb.error(c->cb.ctx, d, why);
}

void http_conn__end_msg(struct http_conn *c, int d, bool complete)
{
	struct hdir *hd = &c->d[d];

	http_body__inflate_end(hd);
	if (!hd->in_msg)
		return;
	hd->in_msg = false;
	c->cb.end(c->cb.ctx, d, complete && !hd->incomplete);
}

static void set_aside(struct http_conn *c, int d, const char *why)
{
	struct hdir *hd = &c->d[d];

	if (hd->aside)
		return;
	if (why)
		http_conn__report(c, d, why);
	http_conn__end_msg(c, d, false);
	hd->aside = true;
	hd->state = S_ASIDE;
	wire_buf__free(&hd->buf, &hd->len, &hd->cap);
}

/* Resets the head buffer for the next head. */
static void head_reset(struct hdir *hd)
{
	hd->len = 0;
	hd->line_start = 0;
	wire_buf__shrink(&hd->buf, &hd->cap, HTTP_KEEP_CAP);
}

/* Counts bytes dropped before any valid start line; a direction that goes on
 * that way for more than a head's worth is not HTTP. */
static void count_skipped(struct http_conn *c, int d, size_t n)
{
	struct hdir *hd = &c->d[d];

	if (hd->seen_msg)
		return;
	hd->skipped += n;
	if (hd->skipped > HTTP_HEAD_MAX)
		set_aside(c, d, "no http message start, set aside");
}

void http_conn__fail(struct http_conn *c, int d, const char *why)
{
	struct hdir *hd = &c->d[d];

	http_conn__report(c, d, why);
	http_conn__end_msg(c, d, false);
	if (++hd->errors >= HTTP_MAX_ERRORS)
		set_aside(c, d, "too many errors, set aside");
}

/* A line that cannot start a message (why says how): drop the buffered
 * bytes, report it unless it was only probed, and probe the next line (now,
 * if this one ended, else after skipping the rest of it). */
static void reject_line(struct http_conn *c, int d, const char *why, bool at_line_start)
{
	struct hdir *hd = &c->d[d];
	size_t n = hd->len;

	head_reset(hd);
	if (!hd->probe)
		http_conn__fail(c, d, why);
	hd->probe = true;
	if (!hd->aside)
		hd->state = at_line_start ? S_HEAD : S_SKIP_LINE;
	count_skipped(c, d, n);
}

/* Waits for the next head, from the next byte; probe: as a guess. */
static void await_head(struct hdir *hd, bool probe)
{
	head_reset(hd);
	hd->state = S_HEAD;
	hd->probe = probe;
}

/* A head that cannot be used: drop it, and probe the next line. */
static void head_fail(struct http_conn *c, int d, const char *why)
{
	http_conn__fail(c, d, why);
	await_head(&c->d[d], true);
}

/* ---- heads ---- */

/* The head's blank line arrived: parse it, pair it, call head(), and set
 * up its body. */
static void head_done(struct http_conn *c, int d)
{
	struct hdir *hd = &c->d[d];
	char *buf = hd->buf;
	struct http_head h = {0};
	struct start st;
	size_t first = hd->start_len;
	size_t sl = first - 1;
	const char *why = NULL;
	int n, te;
	bool tunnel = false;

	if (sl && buf[sl - 1] == '\r')
		sl--;
	http_head__check_start(buf, sl, false, &st); /* checked when the line ended */
	n = http_head__split(buf, hd->len, first, hd->hdrs, &why);
	if (n < 0) {
		head_fail(c, d, why);
		return;
	}
	h.nheaders = n;
	h.headers = hd->hdrs;
	h.response = st.response;
	h.minor = st.minor;
	h.status = st.status;
	h.content_length = http_head__content_length(&h);
	te = http_head__transfer_encoding(&h);
	if (h.content_length == -2 && !te) {
		head_fail(c, d, "bad content-length");
		return;
	}
	if (h.content_length < 0)
		h.content_length = -1;
	if (!st.response && te == 2) {
		head_fail(c, d, "bad transfer-encoding");
		return;
	}
	http_head__media_type(&h, hd->ctype);
	h.content_type = hd->ctype;
	h.coding = http_head__content_coding(&h);
	h.after_gap = hd->after_gap;

	if (!st.response) {
		buf[st.method_len] = '\0';
		buf[st.target_off + st.target_len] = '\0';
		h.method = buf;
		h.target = buf + st.target_off;
		h.exchange = ++c->next_exchange;
		if (!fifo_push(&c->fifo[d], h.exchange, h.method, h.target) &&
		    c->fifo[d].unkept == 1)
			http_conn__report(c, d, "too many requests awaiting answers: later "
						"answers are paired by number only");
		h.body = te == 1		? HTTP_BODY_CHUNKED
			 : h.content_length > 0 ? HTTP_BODY_LENGTH
						: HTTP_BODY_NONE;
	} else {
		struct fifo *f = &c->fifo[!d];
		struct req r;

		buf[st.reason_off + st.reason_len] = '\0';
		h.reason = buf + st.reason_off;
		if (st.status < 200 && st.status != 101) {
			r = fifo_peek(f); /* interim: the final response follows */
		} else {
			req_free(&hd->answered);
			hd->answered = r = fifo_pop(f);
		}
		h.exchange = r.exchange;
		h.method = r.method;
		h.target = r.target;
		if (st.status == 101 ||
		    (r.method && !strcmp(r.method, "CONNECT") && st.status / 100 == 2))
			tunnel = true;
		if (st.status < 200 || st.status == 204 || st.status == 304 || tunnel ||
		    (r.method && !strcmp(r.method, "HEAD")))
			h.body = HTTP_BODY_NONE;
		else if (te == 1)
			h.body = HTTP_BODY_CHUNKED;
		else if (te == 2 || h.content_length < 0)
			h.body = HTTP_BODY_CLOSE;
		else
			h.body = h.content_length > 0 ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	}
	if (h.body == HTTP_BODY_NONE)
		h.coding = HTTP_CODING_IDENTITY;

	hd->seen_msg = true;
	hd->after_gap = false;
	hd->in_msg = true;
	hd->incomplete = false;
	http_body__prepare(hd, h.coding);
	c->cb.head(c->cb.ctx, d, &h);
	head_reset(hd);

	http_body__start(c, d, &h);
	if (tunnel) {
		/* The connection speaks something else from now on. */
		set_aside(c, d, NULL);
		set_aside(c, !d, NULL);
	}
}

static bool buf_append(struct hdir *hd, const char *p, size_t n)
{
	if (wire_buf__reserve(&hd->buf, &hd->cap, hd->len + n, 1024, HTTP_HEAD_MAX) < 0)
		return false;
	memcpy(hd->buf + hd->len, p, n);
	hd->len += n;
	return true;
}

/* How much of an unfinished start line is checked as it comes: enough to
 * tell a method and a target's start, or "HTTP/1.x NNN ", from junk. The
 * rest is checked once, when the line ends, so a line fed byte by byte
 * costs no more than one fed whole. */
#define HTTP_PREFIX_CHECK 64

/* S_HEAD: takes bytes up to and including the next newline. */
static const char *head_bytes(struct http_conn *c, int d, const char *p, const char *end)
{
	struct hdir *hd = &c->d[d];
	const char *nl = memchr(p, '\n', end - p);
	size_t k = (nl ? nl + 1 : end) - p;
	bool over = hd->len + k > HTTP_HEAD_MAX;
	size_t fit = over ? HTTP_HEAD_MAX - hd->len : k;
	struct start st;

	if (!buf_append(hd, p, fit)) {
		/* Not the line's fault: reported even when it was only probed. */
		hd->probe = false;
		reject_line(c, d, "out of memory", false);
		return p;
	}
	p += fit;
	if (hd->line_start == 0) {
		bool ended = nl && !over;
		size_t ll = hd->len - ended;

		/* A CR at the end may be the first half of the line's CRLF. */
		if (ll && hd->buf[ll - 1] == '\r')
			ll--;
		if (!ended) {
			/* Checked before the size: the verdict on a long line
			 * must not depend on how it was cut. */
			if (!http_head__check_start(hd->buf,
						    ll < HTTP_PREFIX_CHECK ? ll : HTTP_PREFIX_CHECK,
						    true, &st)) {
				reject_line(c, d, "bad start line", false);
				return p;
			}
			if (!over)
				return p;
		} else if (ll == 0) { /* blank lines before a message are ignored */
			count_skipped(c, d, hd->len);
			hd->len = 0;
			return p;
		} else if (!http_head__check_start(hd->buf, ll, false, &st)) {
			reject_line(c, d, "bad start line", true);
			return p;
		} else {
			/* A real start line: what follows is a head, not a guess. */
			hd->probe = false;
			hd->seen_msg = true;
			hd->line_start = hd->start_len = hd->len;
			return p;
		}
	}
	if (over) {
		/* probe is only set while in a start line that is a guess;
		 * S_SKIP_LINE drops the rest of this line. */
		reject_line(c, d, "head over 64 KiB", false);
		return p;
	}
	if (nl) {
		size_t ll = hd->len - 1 - hd->line_start;

		if (ll && hd->buf[hd->len - 2] == '\r')
			ll--;
		if (ll == 0)
			head_done(c, d);
		else
			hd->line_start = hd->len;
	}
	return p;
}

static void feed_dir(struct http_conn *c, int d, const char *p, size_t len)
{
	struct hdir *hd = &c->d[d];
	const char *end = p + len, *nl;
	size_t k;

	while (p < end && !hd->aside) {
		switch (hd->state) {
		case S_HEAD:
			p = head_bytes(c, d, p, end);
			break;

		case S_SKIP_LINE:
			nl = memchr(p, '\n', end - p);
			k = (nl ? nl + 1 : end) - p;
			p += k;
			if (nl) {
				hd->state = S_HEAD;
				hd->probe = true;
			}
			count_skipped(c, d, k);
			break;

		case S_LEN:
		case S_CLOSE:
		case S_CHUNK_SIZE:
		case S_CHUNK_EXT:
		case S_CHUNK_DATA:
		case S_CHUNK_CRLF:
		case S_TRAILER:
			p = http_body__feed(c, d, p, end);
			break;

		default:
			return;
		}
	}
}

/* ---- public ---- */

struct http_conn *http_conn__new(const struct http_callbacks *cb, size_t max_body)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cb = *cb;
	c->max_body = max_body ? max_body : HTTP_DEFAULT_MAX_BODY;
	return c;
}

void http_conn__feed(struct http_conn *c, enum wire_dir dir, const char *data, size_t len)
{
	if ((unsigned)dir > 1)
		return;
	feed_dir(c, dir, data, len);
}

/* The direction a caller names, or NULL if there is none or it is set
 * aside: then the call does nothing. */
static struct hdir *live_dir(struct http_conn *c, enum wire_dir dir)
{
	if ((unsigned)dir > 1 || c->d[dir].aside)
		return NULL;
	return &c->d[dir];
}

void http_conn__gap(struct http_conn *c, enum wire_dir dir, uint64_t lost)
{
	struct hdir *hd = live_dir(c, dir);

	if (!hd || http_body__gap(c, dir, lost))
		return;
	/* Whole messages may have been lost: pairing across them would be
	 * guesswork. */
	fifo_clear(&c->fifo[0]);
	fifo_clear(&c->fifo[1]);
	hd->after_gap = true;
	http_conn__end_msg(c, dir, false);
	await_head(hd, true);
}

void http_conn__eof(struct http_conn *c, enum wire_dir dir)
{
	struct hdir *hd = live_dir(c, dir);

	if (!hd)
		return;
	if (hd->state == S_CLOSE) {
		http_body__finish(c, dir);
	} else if (hd->in_msg) {
		http_conn__report(c, dir, "closed mid-message");
		http_conn__end_msg(c, dir, false);
	} else if (hd->state == S_HEAD && !hd->probe && hd->len) {
		http_conn__report(c, dir, "closed mid-head");
	}
	await_head(hd, false);
}

bool http_conn__aside(const struct http_conn *c, enum wire_dir dir)
{
	return (unsigned)dir > 1 || c->d[dir].aside;
}

void http_conn__free(struct http_conn *c)
{
	int d;

	if (!c)
		return;
	for (d = 0; d < 2; d++) {
		http_body__inflate_end(&c->d[d]);
		free(c->d[d].buf);
		req_free(&c->d[d].answered);
		fifo_free(&c->fifo[d]);
	}
	free(c);
}
