/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * frame_http_head: the parsers of an HTTP/1.x head, for frame_http's own
 * files only. They work on a buffer already collected and know nothing of
 * a connection: frame_http.c decides when a line or a head is complete and
 * what a parse failure does to the stream; these only say what the bytes
 * are. Header values come out as struct http_header, parsed in place.
 */
#ifndef MT_FRAME_HTTP_HEAD_H
#define MT_FRAME_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/frame_http.h"

#define HTTP_CTYPE_MAX 127

/* The parts of a start line, as offsets into it. */
struct start {
	bool response;
	unsigned minor, status;
	size_t method_len, target_off, target_len, reason_off, reason_len;
};

/* Checks s[0..n) as a request or status line; with partial, as the start
 * of one (true while it can still become valid). st is filled when the
 * line is complete and valid. */
bool http_head__check_start(const char *s, size_t n, bool partial, struct start *st);
/* Parses the header lines of buf[from..len) in place into hdrs (room for
 * HTTP_MAX_HEADERS). Returns the count, or -1 with *why set. */
int http_head__split(char *buf, size_t len, size_t from, struct http_header *hdrs,
		     const char **why);
/* Content-Length: digits, or a list of equal values ("5, 5"); all the
 * headers must agree. Returns -1 if none, -2 if bad. */
int64_t http_head__content_length(const struct http_head *h);
/* Transfer-Encoding: 0 none, 1 chunked last, 2 something else last. */
int http_head__transfer_encoding(const struct http_head *h);
/* Content-Encoding, as an enum http_coding. */
int http_head__content_coding(const struct http_head *h);
/* The media type of Content-Type into ctype[HTTP_CTYPE_MAX + 1]: lowercased,
 * parameters dropped, cut at HTTP_CTYPE_MAX; "" if none. */
void http_head__media_type(const struct http_head *h, char *ctype);

#endif
