/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * wire: what the framing stage hands to the MCP stage. A wire_line is one
 * framed payload (a stdio line, a JSON body, an SSE event's data) with the
 * identity of the stream it came from and, for HTTP, the head of the
 * message that carried it. Nothing here knows JSON-RPC, and nothing here
 * needs the kernel's header: the kernel's values are copied in by stream.c.
 */
#ifndef MT_WIRE_H
#define MT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which way the bytes went, as the traced process saw them. The values
 * are the kernel's (enum mt_dir), so a record's dir is used as it is. */
enum wire_dir {
	WIRE_READ = 0,
	WIRE_WRITE = 1,
};

/* A loss whose place in the stream is not known: bytes of a line that
 * mcptrace's own framing let go past --max-msg. */
#define WIRE_NO_OFFSET UINT64_MAX

/* Where a payload that came over HTTP sat: its message's head. */
struct http_info {
	bool response; /* in a response body (JSON, or an SSE event on it) */
	unsigned status; /* the response's status; 0 for a request */
	uint64_t exchange; /* the request/response pair on this connection, 1.. */
	const char *method, *target; /* the request's */
	const char *session_id; /* Mcp-Session-Id of the request or its response */
	const char *protocol_version; /* MCP-Protocol-Version */
	const char *mcp_method, *mcp_name; /* 2026-07-28: the request's Mcp-Method, Mcp-Name */
	const char *sse_event; /* the SSE event's type when the payload is its data */
	bool no_payload; /* only the head matters: a failed exchange with no JSON-RPC body */
};

/* One framed payload as the MCP stage sees it. */
struct wire_line {
	uint64_t stream_id;
	uint32_t tgid, fd;
	uint8_t dir; /* enum wire_dir: observed at the sender (write) or receiver (read) */
	uint8_t fd_kind; /* the kernel's enum mt_fd_kind */
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

#endif
