/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * frame_http_state: the state of one HTTP/1.x connection being framed,
 * shared by frame_http.c (heads, pairing, the state machine's turns) and
 * frame_http_body.c (bodies: counted, chunked, inflated) and by nothing
 * else: users see struct http_conn as opaque, so zlib's header stays out
 * of them. The functions declared here are how those two files call each
 * other; none of them is part of frame_http.h's interface.
 */
#ifndef MT_FRAME_HTTP_STATE_H
#define MT_FRAME_HTTP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "wire/frame_http.h"
#include "wire/frame_http_head.h"

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

#define HTTP_FIFO_TARGET_MAX 8192 /* a longer target is kept cut in the FIFO */
#define HTTP_CHUNK_LINE_MAX 4096  /* chunk extensions longer than this: error */
#define HTTP_KEEP_CAP 8192	  /* a head buffer grown past this is freed after use */
#define HTTP_OUT_SIZE 16384

/* A request awaiting its response. method and target share one block. */
struct req {
	uint64_t exchange;
	char *method; /* NULL: not kept */
	char *target;
};

struct fifo {
	struct req *e; /* a ring of cap slots, grown by doubling */
	unsigned first, count, cap;
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

/* frame_http.c: */

/* Hands why to the error callback, if there is one. */
void http_conn__report(struct http_conn *c, int d, const char *why);
/* Ends the message in progress of d, if any (complete unless marked
 * incomplete), and drops any inflate state. */
void http_conn__end_msg(struct http_conn *c, int d, bool complete);
/* Malformed input: report it, end the message in progress, and give up on
 * the direction after too many in a row. The caller sets the state. */
void http_conn__fail(struct http_conn *c, int d, const char *why);

/* frame_http_body.c: */

/* A head was parsed: reset the body decoder for its message, before its
 * head() call. */
void http_body__prepare(struct hdir *hd, int coding);
/* After head(): set up reading the body the head announced; a message
 * without a body ends here. */
void http_body__start(struct http_conn *c, int d, const struct http_head *h);
/* Takes body bytes from p (hd->state is a body state) up to end, or to
 * where the state changes. Returns where it stopped. */
const char *http_body__feed(struct http_conn *c, int d, const char *p, const char *end);
/* The body's framing says it is over. */
void http_body__finish(struct http_conn *c, int d);
/* lost bytes of d were not seen: when the body's framing still says where
 * it ends, the message goes on, to end incomplete, and true is returned.
 * False (nothing done) otherwise. */
bool http_body__gap(struct http_conn *c, int d, uint64_t lost);
/* Frees zlib's state of d, if any. */
void http_body__inflate_end(struct hdir *hd);

#endif
