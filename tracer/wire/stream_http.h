/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream_http: the HTTP side of the stream stage. A socket stream whose
 * first bytes look like HTTP/1.x goes through frame_http; JSON bodies are
 * collected whole, text/event-stream bodies go through frame_sse, and each
 * payload is handed on as a wire_line with its http_info.
 *
 * A request without an Mcp-Session-Id (initialize, or any request to a
 * stateless server) is held until the head of its response: that head
 * names the session the request belongs to.
 */
#ifndef MT_STREAM_HTTP_H
#define MT_STREAM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

struct http_stream;

/* emit gets each payload; base is the stream's wire_line with the
 * identity and time of the record being fed. */
typedef bool (*http_emit_fn)(void *ctx, const struct wire_line *line);
/* error gets what frame_http could not frame (a bad head, a body over the
 * cap, a direction set aside), why in words; base as for emit. */
typedef void (*http_error_fn)(void *ctx, const struct wire_line *base, const char *why);

struct http_stream *http_stream__new(size_t max_msg, http_emit_fn emit, http_error_fn error,
				     void *ctx);
void http_stream__feed(struct http_stream *h, const struct wire_line *base, const char *data,
		       size_t len);
void http_stream__gap(struct http_stream *h, const struct wire_line *base, uint64_t lost);
/* The stream ended: bodies delimited by close end, held requests go out. */
void http_stream__end(struct http_stream *h, const struct wire_line *base);
bool http_stream__aside(const struct http_stream *h);
void http_stream__free(struct http_stream *h);

#endif
