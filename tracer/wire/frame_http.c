// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame_http: HTTP/1.x message framing (RFC 9112) for one connection, as a
 * state machine per direction fed chunks of any size. The only bytes ever
 * copied are those of a head, into a buffer of at most HTTP_HEAD_MAX that
 * is parsed in place once its blank line arrives. Bodies stream through:
 * Content-Length and chunk data are counted, chunk size lines and trailers
 * parsed byte by byte, gzip and deflate inflated through one fixed output
 * buffer. Every decision is taken at a byte position of the stream, never
 * at a feed boundary, so the callbacks are the same however a stream is
 * cut (the unit tests and the fuzz target hold this).
 *
 * Resync: a line that cannot start a message (checked as its bytes come,
 * so junk is not buffered) is reported once, then every following line
 * start is probed silently until a valid request or status line appears.
 * After a gap the very next byte is probed first, since a lost record may
 * well have ended at a message boundary.
 *
 * Pairing: requests seen in direction d go into fifo[d]; a response in
 * the other direction takes the oldest. The FIFO keeps HTTP_FIFO_MAX
 * requests with their method and target; requests past that are only
 * counted, in order, so their responses still get the right numbers.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "wire/frame_http.h"

enum {
	S_HEAD = 0,   /* collecting a head (or probing a line, when probe is set) */
	S_SKIP_LINE,  /* dropping up to the next newline, then probing */
	S_LEN,	      /* Content-Length body */
	S_CLOSE,      /* body up to the close */
	S_CHUNK_SIZE, /* chunk size digits */
	S_CHUNK_EXT,  /* rest of a size line: extensions, CR */
	S_CHUNK_DATA,
	S_CHUNK_CRLF, /* the CRLF after chunk data */
	S_TRAILER,    /* trailer lines after the last chunk */
	S_ASIDE,      /* not HTTP, or a tunnel: ignored */
};

#define HTTP_FIFO_MAX 32
#define HTTP_FIFO_TARGET_MAX 8192 /* a longer target is kept cut in the FIFO */
#define HTTP_CHUNK_LINE_MAX 4096  /* chunk extensions longer than this: error */
#define HTTP_KEEP_CAP 8192	  /* a head buffer grown past this is freed after use */
#define HTTP_CTYPE_MAX 127
#define HTTP_OUT_SIZE 16384

/* A request awaiting its response. method and target share one block. */
struct req {
	uint64_t exchange;
	char *method; /* NULL: not kept */
	char *target;
};

struct fifo {
	struct req e[HTTP_FIFO_MAX];
	unsigned first, count;
	uint64_t unkept;       /* requests after the kept ones, numbers only */
	uint64_t unkept_first; /* the number of the first of them */
};

struct hdir {
	int state;
	bool probe;    /* S_HEAD: the line is a guess; drop it silently if bad */
	bool seen_msg; /* a valid start line was ever seen */
	bool in_msg;   /* head() called, end() not yet */
	bool aside;
	bool after_gap;	  /* for the next head */
	bool incomplete;  /* the message in progress will end incomplete */
	unsigned errors;  /* in a row */
	uint64_t skipped; /* bytes dropped before the first valid head */

	char *buf; /* the head being collected */
	size_t len, cap;
	size_t line_start; /* where the current line starts; 0 in the start line */
	size_t start_len;  /* the start line's bytes, with its newline */

	uint64_t remaining; /* S_LEN, S_CHUNK_DATA */
	uint64_t chunk_size;
	unsigned digits;
	size_t line_bytes; /* chunk extension or trailer bytes */
	bool cr_seen, line_blank;

	int coding;
	bool limited;	/* max_body applies */
	bool skip_body; /* decoding stopped: drop the rest */
	bool zinit, zdone, zend;
	uint64_t zin; /* compressed bytes fed */
	unsigned nsniff;
	unsigned char sniff[2];
	z_stream zs;
	uint64_t delivered; /* decoded bytes handed to body() */

	struct http_header hdrs[HTTP_MAX_HEADERS];
	char ctype[HTTP_CTYPE_MAX + 1];
	struct req answered; /* the request a response answers, owned */
};

struct http_conn {
	struct http_callbacks cb;
	size_t max_body;
	uint64_t next_exchange;
	struct hdir d[2];
	struct fifo fifo[2];	 /* fifo[d]: requests seen in d */
	char out[HTTP_OUT_SIZE]; /* inflate output */
};

/* ---- small helpers ---- */

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

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

/* The parts of a start line, as offsets into it. */
struct start {
	bool response;
	unsigned minor, status;
	size_t method_len, target_off, target_len, reason_off, reason_len;
};

/* Checks s[0..n) as a request or status line; with partial, as the start
 * of one (true while it can still become valid). st is filled when the
 * line is complete and valid. */
static bool start_ok(const char *s, size_t n, bool partial, struct start *st)
{
	static const char ver[] = "HTTP/1.";
	size_t i, j;

#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (i + (k) > n)                                                                   \
			return partial;                                                            \
	} while (0)

	memset(st, 0, sizeof(*st));
	if (n >= 5 && !memcmp(s, ver, 5)) {
		st->response = true;
		for (i = 5; i < 7; i++) {
			NEED(1);
			if (s[i] != ver[i])
				return false;
		}
		NEED(1);
		if (s[i] < '0' || s[i] > '9')
			return false;
		st->minor = s[i++] - '0';
		NEED(1);
		if (s[i++] != ' ')
			return false;
		for (j = 0; j < 3; j++, i++) {
			NEED(1);
			if (s[i] < '0' || s[i] > '9' || (j == 0 && s[i] == '0'))
				return false;
			st->status = st->status * 10 + (s[i] - '0');
		}
		st->reason_off = i;
		if (i == n)
			return true;
		if (s[i] != ' ')
			return false;
		st->reason_off = ++i;
		for (; i < n; i++)
			if (is_ctl(s[i]) && s[i] != '\t')
				return false;
		st->reason_len = n - st->reason_off;
		return true;
	}
	if (n < 5 && !memcmp(s, ver, n))
		return partial;

	for (i = 0; i < n && i <= 32 && is_tchar(s[i]); i++)
		;
	if (i > 32)
		return false;
	NEED(1);
	if (i == 0 || s[i] != ' ')
		return false;
	st->method_len = i;
	st->target_off = ++i;
	for (; i < n && s[i] != ' ' && !is_ctl(s[i]); i++)
		;
	NEED(1);
	if (i == st->target_off || s[i] != ' ')
		return false;
	st->target_len = i - st->target_off;
	i++;
	for (j = 0; j < 7; j++, i++) {
		NEED(1);
		if (s[i] != ver[j])
			return false;
	}
	NEED(1);
	if (s[i] < '0' || s[i] > '9')
		return false;
	st->minor = s[i++] - '0';
	return i == n;
#undef NEED
}

bool http__looks_like(const char *s, size_t n)
{
	size_t i;
	char c;

	if (n >= 7 && !memcmp(s, "HTTP/1.", 7))
		return true;
	for (i = 0; i < n && i < 20 && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '_');
	     i++)
		;
	if (i == 0 || i + 2 > n || s[i] != ' ')
		return false;
	c = s[i + 1];
	return c == '/' || c == '*' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '[';
}

const char *http_head__get(const struct http_head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nheaders; i++)
		if (!strcasecmp(h->headers[i].name, name))
			return h->headers[i].value;
	return NULL;
}

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
		f->first = (f->first + 1) % HTTP_FIFO_MAX;
		f->count--;
	}
	f->first = 0;
	f->unkept = 0;
}

static void fifo_push(struct fifo *f, uint64_t exchange, const char *method, const char *target)
{
	size_t ml = strlen(method), tl = strlen(target);
	struct req *r;
	char *block;

	if (tl > HTTP_FIFO_TARGET_MAX)
		tl = HTTP_FIFO_TARGET_MAX;
	/* Once one request went unkept, all later ones must too, to stay in
	 * order behind it. */
	if (f->count == HTTP_FIFO_MAX || f->unkept || !(block = malloc(ml + 1 + tl + 1))) {
		if (!f->unkept++)
			f->unkept_first = exchange;
		return;
	}
	memcpy(block, method, ml + 1);
	memcpy(block + ml + 1, target, tl);
	block[ml + 1 + tl] = '\0';
	r = &f->e[(f->first + f->count) % HTTP_FIFO_MAX];
	r->exchange = exchange;
	r->method = block;
	r->target = block + ml + 1;
	f->count++;
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
		f->first = (f->first + 1) % HTTP_FIFO_MAX;
		f->count--;
	} else if (f->unkept) {
		f->unkept--;
		f->unkept_first++;
	}
	return r;
}

/* ---- callbacks and message ends ---- */

static void report(struct http_conn *c, int d, const char *why)
{
	if (c->cb.error)
		c->cb.error(c->cb.ctx, d, why);
}

static void zlib_done(struct hdir *hd)
{
	if (hd->zinit)
		inflateEnd(&hd->zs);
	hd->zinit = false;
}

static void end_msg(struct http_conn *c, int d, bool complete)
{
	struct hdir *hd = &c->d[d];

	zlib_done(hd);
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
		report(c, d, why);
	end_msg(c, d, false);
	hd->aside = true;
	hd->state = S_ASIDE;
	free(hd->buf);
	hd->buf = NULL;
	hd->len = hd->cap = 0;
}

/* Resets the head buffer for the next head. */
static void head_reset(struct hdir *hd)
{
	hd->len = 0;
	hd->line_start = 0;
	if (hd->cap > HTTP_KEEP_CAP) {
		free(hd->buf);
		hd->buf = NULL;
		hd->cap = 0;
	}
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

/* Malformed input: report it, end the message in progress, and give up on
 * the direction after too many in a row. The caller sets the state. */
static void fail(struct http_conn *c, int d, const char *why)
{
	struct hdir *hd = &c->d[d];

	report(c, d, why);
	end_msg(c, d, false);
	if (++hd->errors >= HTTP_MAX_ERRORS)
		set_aside(c, d, "too many errors, set aside");
}

/* A line that cannot start a message: drop the buffered bytes, report it
 * unless it was only probed, and probe the next line (now, if this one
 * ended, else after skipping the rest of it). */
static void reject_line(struct http_conn *c, int d, bool at_line_start)
{
	struct hdir *hd = &c->d[d];
	size_t n = hd->len;

	head_reset(hd);
	if (!hd->probe)
		fail(c, d, "bad start line");
	hd->probe = true;
	if (!hd->aside)
		hd->state = at_line_start ? S_HEAD : S_SKIP_LINE;
	count_skipped(c, d, n);
}

/* ---- bodies ---- */

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
		report(c, d, "body over max");
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
	zlib_done(hd);
	report(c, d, why);
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

/* The body's framing says it is over. */
static void finish_body(struct http_conn *c, int d)
{
	struct hdir *hd = &c->d[d];

	if ((hd->coding == HTTP_CODING_GZIP || hd->coding == HTTP_CODING_DEFLATE) &&
	    !hd->skip_body && hd->zin > 0 && !hd->zend)
		decode_failed(c, d, "compressed body cut short");
	hd->errors = 0;
	end_msg(c, d, true);
	hd->state = S_HEAD;
	hd->probe = false;
}

/* ---- heads ---- */

static char *trim(char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

/* Parses the header lines of buf[from..len) in place into hd->hdrs.
 * Returns the count, or -1 with *why set. */
static int parse_headers(struct hdir *hd, size_t from, const char **why)
{
	char *buf = hd->buf, *end = buf + hd->len;
	size_t w = from, r = from;
	int n = 0;

	while (buf + r < end) {
		char *line = buf + r, *nl = memchr(line, '\n', end - line);
		size_t ll = nl - line;

		r = nl + 1 - buf;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t') {
			/* obs-fold: joins the previous value with one space. */
			char *v = trim(line, &ll);

			if (n == 0) {
				*why = "bad header line";
				return -1;
			}
			if (ll) {
				buf[w - 1] = ' ';
				memmove(buf + w, v, ll);
				w += ll;
				buf[w++] = '\0';
			}
			continue;
		} else {
			char *colon = memchr(line, ':', ll), *v;
			size_t nl_len, vl, i;

			if (!colon || colon == line) {
				*why = "bad header line";
				return -1;
			}
			nl_len = colon - line;
			for (i = 0; i < nl_len; i++)
				if (!is_tchar(line[i])) {
					*why = "bad header line";
					return -1;
				}
			if (n == HTTP_MAX_HEADERS) {
				*why = "too many headers";
				return -1;
			}
			vl = ll - nl_len - 1;
			v = trim(colon + 1, &vl);
			memmove(buf + w, line, nl_len);
			hd->hdrs[n].name = buf + w;
			w += nl_len;
			buf[w++] = '\0';
			memmove(buf + w, v, vl);
			hd->hdrs[n].value = buf + w;
			w += vl;
			buf[w++] = '\0';
			n++;
		}
	}
	return n;
}

/* Content-Length: digits, or a list of equal values ("5, 5"); all the
 * headers must agree. Returns -1 if none, -2 if bad. */
static int64_t content_length(const struct http_head *h)
{
	int64_t len = -1;
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *s = h->headers[i].value;

		if (strcasecmp(h->headers[i].name, "content-length"))
			continue;
		for (;;) {
			int64_t v = 0;
			int digits = 0;

			while (*s >= '0' && *s <= '9') {
				if (++digits > 18)
					return -2;
				v = v * 10 + (*s++ - '0');
			}
			if (!digits || (len >= 0 && v != len))
				return -2;
			len = v;
			while (*s == ' ' || *s == '\t')
				s++;
			if (!*s)
				break;
			if (*s++ != ',')
				return -2;
			while (*s == ' ' || *s == '\t')
				s++;
		}
	}
	return len;
}

/* Transfer-Encoding: 0 none, 1 chunked last, 2 something else last. */
static int transfer_encoding(const struct http_head *h)
{
	int te = 0;
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *v = h->headers[i].value, *last = strrchr(v, ',');
		size_t n;

		if (strcasecmp(h->headers[i].name, "transfer-encoding"))
			continue;
		last = last ? last + 1 : v;
		while (*last == ' ' || *last == '\t')
			last++;
		n = strlen(last);
		te = (n == 7 && !strncasecmp(last, "chunked", 7)) ? 1 : 2;
	}
	return te;
}

static int content_coding(const struct http_head *h)
{
	int coding = HTTP_CODING_IDENTITY, seen = 0;
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *v = h->headers[i].value;

		if (strcasecmp(h->headers[i].name, "content-encoding"))
			continue;
		if (seen++)
			return HTTP_CODING_OTHER; /* stacked codings */
		if (!strcasecmp(v, "gzip") || !strcasecmp(v, "x-gzip"))
			coding = HTTP_CODING_GZIP;
		else if (!strcasecmp(v, "deflate"))
			coding = HTTP_CODING_DEFLATE;
		else if (*v && strcasecmp(v, "identity"))
			coding = HTTP_CODING_OTHER;
	}
	return coding;
}

static void media_type(struct hdir *hd, const struct http_head *h)
{
	const char *v = http_head__get(h, "content-type");
	size_t n = 0;

	if (v) {
		for (; v[n] && v[n] != ';' && n < HTTP_CTYPE_MAX; n++)
			hd->ctype[n] = (v[n] >= 'A' && v[n] <= 'Z') ? v[n] + 32 : v[n];
		while (n && (hd->ctype[n - 1] == ' ' || hd->ctype[n - 1] == '\t'))
			n--;
	}
	hd->ctype[n] = '\0';
}

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
	start_ok(buf, sl, false, &st); /* checked when the line ended */
	n = parse_headers(hd, first, &why);
	if (n < 0) {
		head_reset(hd);
		fail(c, d, why);
		hd->state = S_HEAD;
		hd->probe = true;
		return;
	}
	h.nheaders = n;
	h.headers = hd->hdrs;
	h.response = st.response;
	h.minor = st.minor;
	h.status = st.status;
	h.content_length = content_length(&h);
	te = transfer_encoding(&h);
	if (h.content_length == -2 && !te) {
		head_reset(hd);
		fail(c, d, "bad content-length");
		hd->state = S_HEAD;
		hd->probe = true;
		return;
	}
	if (h.content_length < 0)
		h.content_length = -1;
	if (!st.response && te == 2) {
		head_reset(hd);
		fail(c, d, "bad transfer-encoding");
		hd->state = S_HEAD;
		hd->probe = true;
		return;
	}
	media_type(hd, &h);
	h.content_type = hd->ctype;
	h.coding = content_coding(&h);
	h.after_gap = hd->after_gap;

	if (!st.response) {
		buf[st.method_len] = '\0';
		buf[st.target_off + st.target_len] = '\0';
		h.method = buf;
		h.target = buf + st.target_off;
		h.exchange = ++c->next_exchange;
		fifo_push(&c->fifo[d], h.exchange, h.method, h.target);
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
	hd->skip_body = false;
	hd->delivered = 0;
	hd->coding = h.coding;
	hd->limited = strcmp(hd->ctype, "text/event-stream") != 0;
	hd->zinit = hd->zdone = hd->zend = false;
	hd->zin = 0;
	hd->nsniff = 0;
	c->cb.head(c->cb.ctx, d, &h);
	head_reset(hd);

	switch (h.body) {
	case HTTP_BODY_LENGTH:
		hd->remaining = h.content_length;
		hd->state = S_LEN;
		break;
	case HTTP_BODY_CHUNKED:
		hd->chunk_size = 0;
		hd->digits = 0;
		hd->state = S_CHUNK_SIZE;
		break;
	case HTTP_BODY_CLOSE:
		hd->state = S_CLOSE;
		break;
	default:
		finish_body(c, d);
		break;
	}
	if (tunnel) {
		/* The connection speaks something else from now on. */
		set_aside(c, d, NULL);
		set_aside(c, !d, NULL);
	}
}

static bool buf_append(struct hdir *hd, const char *p, size_t n)
{
	if (hd->len + n > hd->cap) {
		size_t cap = hd->cap ? hd->cap : 1024;
		char *nb;

		while (cap < hd->len + n)
			cap *= 2;
		if (cap > HTTP_HEAD_MAX)
			cap = HTTP_HEAD_MAX;
		nb = realloc(hd->buf, cap);
		if (!nb)
			return false;
		hd->buf = nb;
		hd->cap = cap;
	}
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
		size_t n = hd->len;

		head_reset(hd);
		fail(c, d, "out of memory");
		hd->probe = true;
		if (!hd->aside)
			hd->state = S_SKIP_LINE;
		count_skipped(c, d, n);
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
			if (!start_ok(hd->buf, ll < HTTP_PREFIX_CHECK ? ll : HTTP_PREFIX_CHECK,
				      true, &st)) {
				reject_line(c, d, false);
				return p;
			}
			if (!over)
				return p;
		} else if (ll == 0) { /* blank lines before a message are ignored */
			count_skipped(c, d, hd->len);
			hd->len = 0;
			return p;
		} else if (!start_ok(hd->buf, ll, false, &st)) {
			reject_line(c, d, true);
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
		size_t n = hd->len;

		head_reset(hd);
		/* probe is only set while in a start line that is a guess */
		if (!hd->probe)
			fail(c, d, "head over 64 KiB");
		hd->probe = true;
		if (!hd->aside)
			hd->state = S_SKIP_LINE; /* drops the rest of this line */
		count_skipped(c, d, n);
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

/* Bad chunk framing at *p: the message ends and the line is dropped. */
static const char *chunk_fail(struct http_conn *c, int d, const char *p, const char *why)
{
	struct hdir *hd = &c->d[d];

	fail(c, d, why);
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

static void feed_dir(struct http_conn *c, int d, const char *p, size_t len)
{
	struct hdir *hd = &c->d[d];
	const char *end = p + len, *nl;
	size_t k;
	int v;

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
			k = (uint64_t)(end - p) < hd->remaining ? (size_t)(end - p) : hd->remaining;
			deliver(c, d, p, k);
			p += k;
			hd->remaining -= k;
			if (hd->remaining == 0)
				finish_body(c, d);
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

		case S_CHUNK_DATA:
			k = (uint64_t)(end - p) < hd->remaining ? (size_t)(end - p) : hd->remaining;
			deliver(c, d, p, k);
			p += k;
			hd->remaining -= k;
			if (hd->remaining == 0) {
				hd->state = S_CHUNK_CRLF;
				hd->cr_seen = false;
			}
			break;

		case S_CHUNK_CRLF:
			if (*p == '\r' && !hd->cr_seen) {
				hd->cr_seen = true;
				p++;
			} else if (*p == '\n') {
				p++;
				hd->state = S_CHUNK_SIZE;
				hd->chunk_size = 0;
				hd->digits = 0;
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
					finish_body(c, d);
				hd->line_blank = true;
			}
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

void http_conn__gap(struct http_conn *c, enum wire_dir dir, uint64_t lost)
{
	struct hdir *hd;

	if ((unsigned)dir > 1)
		return;
	hd = &c->d[dir];
	if (hd->aside)
		return;
	if (lost && hd->in_msg &&
	    (hd->state == S_CLOSE ||
	     ((hd->state == S_LEN || hd->state == S_CHUNK_DATA) && lost <= hd->remaining))) {
		/* The framing still says where the body ends: keep it, minus
		 * what was lost. A plain body goes on (an event stream outlives
		 * a lost record); a compressed one cannot be decoded on. */
		hd->incomplete = true;
		if (hd->coding == HTTP_CODING_GZIP || hd->coding == HTTP_CODING_DEFLATE) {
			hd->skip_body = true;
			zlib_done(hd);
		}
		if (hd->state == S_CLOSE)
			return;
		hd->remaining -= lost;
		if (hd->remaining == 0) {
			if (hd->state == S_LEN) {
				finish_body(c, dir);
			} else {
				hd->state = S_CHUNK_CRLF;
				hd->cr_seen = false;
			}
		}
		return;
	}
	/* Whole messages may have been lost: pairing across them would be
	 * guesswork. */
	fifo_clear(&c->fifo[0]);
	fifo_clear(&c->fifo[1]);
	hd->after_gap = true;
	end_msg(c, dir, false);
	head_reset(hd);
	hd->state = S_HEAD;
	hd->probe = true;
}

void http_conn__eof(struct http_conn *c, enum wire_dir dir)
{
	struct hdir *hd;

	if ((unsigned)dir > 1)
		return;
	hd = &c->d[dir];
	if (hd->aside)
		return;
	if (hd->state == S_CLOSE) {
		finish_body(c, dir);
	} else if (hd->in_msg) {
		report(c, dir, "closed mid-message");
		end_msg(c, dir, false);
	} else if (hd->state == S_HEAD && !hd->probe && hd->len) {
		report(c, dir, "closed mid-head");
	}
	head_reset(hd);
	hd->state = S_HEAD;
	hd->probe = false;
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
		zlib_done(&c->d[d]);
		free(c->d[d].buf);
		req_free(&c->d[d].answered);
		fifo_clear(&c->fifo[d]);
	}
	free(c);
}
