/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * frame_http: cuts one HTTP/1.x connection, as one traced process sees it,
 * into messages. The bytes the process wrote (WIRE_WRITE) and read
 * (WIRE_READ) are fed separately, each in any chunking. Either direction
 * may carry requests or responses: a message whose first line is
 * "HTTP/1.x NNN ..." is a response, any other a request. Responses answer
 * the requests of the other direction in order, so each response head
 * carries the exchange number, method and target of its request.
 *
 * Each message comes out as one head(), body() calls with the decoded body
 * (de-chunked; gzip and deflate inflated) and one end(). Bodies are never
 * stored: memory per connection is the head being parsed (at most
 * HTTP_HEAD_MAX), a short FIFO of requests awaiting their response, and
 * zlib's state while a compressed body is being inflated.
 *
 * Malformed input is reported to error() and the direction resyncs at the
 * next line that is a valid request or status line. A direction that never
 * shows a valid message start in its first HTTP_HEAD_MAX bytes, or gives
 * HTTP_MAX_ERRORS errors in a row, is set aside (http_conn__aside()) and
 * ignored from then on; so is a connection switched to another protocol
 * (101 Switching Protocols, a 2xx answer to CONNECT).
 *
 * The type is opaque so that zlib's header stays out of its users.
 */
#ifndef MT_FRAME_HTTP_H
#define MT_FRAME_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define HTTP_HEAD_MAX (64u << 10) /* a head (start line + headers) longer is an error */
#define HTTP_MAX_HEADERS 128
#define HTTP_MAX_ERRORS 16
/* Requests awaiting their answer kept with their method and target: the
 * FIFO grows with pipelining up to this many (about 2 MiB of slots), then
 * counts the rest and reports it once. */
#define HTTP_FIFO_MAX 65536
#define HTTP_DEFAULT_MAX_BODY (16u << 20)

enum http_body {
	HTTP_BODY_NONE,	   /* no body: a request without length, 1xx/204/304, a HEAD's answer */
	HTTP_BODY_LENGTH,  /* Content-Length bytes */
	HTTP_BODY_CHUNKED, /* Transfer-Encoding: chunked */
	HTTP_BODY_CLOSE,   /* a response body up to the connection's close */
};

enum http_coding {
	HTTP_CODING_IDENTITY,
	HTTP_CODING_GZIP,    /* inflated: body() gets the plain bytes */
	HTTP_CODING_DEFLATE, /* inflated; zlib-wrapped or raw, told apart */
	HTTP_CODING_OTHER,   /* br, zstd, stacked codings...: body() gets them as sent */
};

/* name as on the wire, value with surrounding blanks trimmed and folded
 * lines joined by one space; both NUL-terminated. */
struct http_header {
	const char *name;
	const char *value;
};

/* All pointers are valid only during the head() call. */
struct http_head {
	bool response;
	unsigned minor; /* HTTP/1.<minor> */
	/* A request's own method and target. For a response those of the
	 * request it answers, NULL when that request was not seen (tracing
	 * began mid-connection, bytes were lost). */
	const char *method;
	const char *target;
	unsigned status;    /* responses: 100..999; requests: 0 */
	const char *reason; /* responses: the reason phrase, maybe "" */
	/* Requests are numbered 1, 2, ... per connection as they are seen; a
	 * response carries its request's number, 0 when unknown. A 1xx
	 * interim response carries it too and is followed by the final one. */
	uint64_t exchange;
	const char *content_type; /* media type, lowercased, no parameters; "" if none */
	enum http_body body;
	enum http_coding coding;
	int64_t content_length; /* -1 if none */
	bool after_gap;		/* bytes before this message were lost */
	size_t nheaders;
	const struct http_header *headers;
};

/* The value of the first header of that name (any case), or NULL. */
const char *http_head__get(const struct http_head *h, const char *name);

/* The callbacks must not call back into the connection. body and error may
 * be NULL. Every head() is followed by zero or more body() calls and one
 * end(); complete is false if the message was cut short (bytes lost, bad
 * framing or coding, body over max, closed early). error() reports
 * malformed input, with a fixed lowercase phrase. */
struct http_callbacks {
	void *ctx;
	void (*head)(void *ctx, enum wire_dir dir, const struct http_head *h);
	void (*body)(void *ctx, enum wire_dir dir, const char *data, size_t len);
	void (*end)(void *ctx, enum wire_dir dir, bool complete);
	void (*error)(void *ctx, enum wire_dir dir, const char *why);
};

struct http_conn;

/* max_body bounds the decoded body of one message handed to body() (0:
 * HTTP_DEFAULT_MAX_BODY); past it the message ends incomplete, which also
 * stops a decompression bomb. text/event-stream bodies are exempt: they
 * are long-lived streams, their events are bounded by frame_sse. Returns
 * NULL if out of memory. cb is copied. */
struct http_conn *http_conn__new(const struct http_callbacks *cb, size_t max_body);
void http_conn__feed(struct http_conn *c, enum wire_dir dir, const char *data, size_t len);
/* lost bytes of dir were not seen before the next feed (0: unknown how
 * many). Inside a body whose framing tells where it ends (Content-Length,
 * chunk data, close), the message goes on and ends incomplete: plain
 * bodies keep coming (an event stream outlives a lost record; tell its
 * parser with sse_parser__gap()), compressed ones stop. Otherwise the
 * message ends now, incomplete, the request FIFO is cleared (pairing
 * across lost messages is guesswork) and the direction resyncs; its next
 * head has after_gap set. */
void http_conn__gap(struct http_conn *c, enum wire_dir dir, uint64_t lost);
/* The peer closed dir (read returned 0, or the fd was closed): a body
 * delimited by the close ends complete, any other message in progress ends
 * incomplete. */
void http_conn__eof(struct http_conn *c, enum wire_dir dir);
/* dir was set aside as not HTTP (or a tunnel) and is ignored. */
bool http_conn__aside(const struct http_conn *c, enum wire_dir dir);
void http_conn__free(struct http_conn *c);

/* Whether a stream whose first bytes are data[0..len) looks like HTTP/1.x:
 * "HTTP/1." or an upper-case method token, a space and the start of a
 * target ('/', '*' or a letter). False when len is too short to tell
 * (fewer than 7 bytes for a response, the method + 2 for a request). */
bool http__looks_like(const char *data, size_t len);

#endif
