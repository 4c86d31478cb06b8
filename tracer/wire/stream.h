/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream: turns the kernel's data records into framed lines. A stream is
 * one process's open fd (the kernel's stream_id); each direction of it has
 * its own line framer and its own expected offset, so a jump in offsets is
 * seen as a gap (records the ring buffer lost), recorded, and the framer
 * resyncs at the next newline.
 *
 * A stream that shows no JSON after a while (logs, binary data) is set
 * aside: its framers are dropped and the kernel is asked to stop copying it.
 */
#ifndef MT_STREAM_H
#define MT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "mcptrace.h"

/* Where a payload that came over HTTP sat: its message's head. */
struct http_info {
	bool response; /* in a response body (JSON, or an SSE event on it) */
	unsigned status; /* the response's status; 0 for a request */
	uint64_t exchange; /* the request/response pair on this connection, 1.. */
	const char *method, *target; /* the request's */
	const char *session_id; /* Mcp-Session-Id of the request or its response */
	const char *protocol_version; /* MCP-Protocol-Version */
	const char *sse_event; /* the SSE event's type when the payload is its data */
	bool no_payload; /* only the head matters: a failed exchange with no JSON-RPC body */
};

/* One framed line as the session stage sees it. */
struct wire_line {
	uint64_t stream_id;
	uint32_t tgid, fd;
	uint8_t dir; /* enum mt_dir: observed at the sender (write) or receiver (read) */
	uint8_t fd_kind; /* enum mt_fd_kind */
	uint64_t ino, peer_ino; /* as in struct mt_data_event */
	int64_t ts_ns; /* epoch ns of the record that completed the line */
	const char *text;
	size_t len; /* bytes in text */
	size_t wire_len; /* bytes the line had on the wire (more if truncated) */
	bool truncated;
	bool after_gap;
	bool tls; /* plaintext read from a TLS library, not from the socket */
	const struct http_info *http; /* NULL for stdio framing */
};

struct stream_sink {
	void *ctx;
	/* returns whether the line was JSON-RPC: streams of other lines get muted */
	bool (*line)(void *ctx, const struct wire_line *line);
	/* bytes lost (reason "ringbuf") or skipped over the cap ("truncated") */
	void (*loss)(void *ctx, const struct wire_line *where, uint64_t offset, uint64_t bytes,
		     const char *reason);
	/* the stream is not JSON-RPC: stop copying it */
	void (*mute)(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id);
	/* the stream ended (fd closed, or its process exited), at about ts_ns */
	void (*closed)(void *ctx, uint64_t stream_id, uint32_t tgid, uint32_t fd, int64_t ts_ns);
};

struct stream_table;

struct stream_table *stream_table__new(size_t max_msg, const struct stream_sink *sink);
/* Feeds one ring-buffer record of type MT_EV_DATA, MT_EV_SKIP or
 * MT_EV_CLOSE; ts_ns is the record's time already converted to epoch ns. */
void stream_table__record(struct stream_table *t, const void *data, size_t size, int64_t ts_ns);
/* Ends every stream of a process that exited. */
void stream_table__drop_pid(struct stream_table *t, uint32_t tgid);
size_t stream_table__count(const struct stream_table *t);
void stream_table__free(struct stream_table *t);

#endif
