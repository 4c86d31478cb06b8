/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session: MCP meaning. Takes framed lines, decodes them, and
 *  - stores each message once, even when both ends of a channel are traced
 *    and the same bytes are seen written by one process and read by the
 *    other (the two sightings are merged and give both ends' times);
 *  - groups messages into sessions: for stdio, one per pair of processes
 *    talking over pipes or a socketpair, so a host with several servers
 *    gets one session per server;
 *  - pairs requests and responses by (session, requester, id), in both
 *    directions, marks cancelled calls, links progress notifications, and
 *    reports requests never answered when their session ends.
 */
#ifndef MT_SESSION_H
#define MT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture/peer.h"
#include "mcp/sink.h"
#include "wire/wire.h"

struct sessions;

/* Records go to sinks, which must outlive the stage. */
struct sessions *sessions__new(struct sinks *sinks);
/* How the stage learns about processes; peer.c by default, fakes in tests. */
struct proc_lookup {
	pid_t (*peer)(pid_t self, uint8_t fd_kind, uint64_t ino, uint64_t peer_ino, uint8_t dir);
	bool (*is_ancestor)(pid_t anc, pid_t pid);
	pid_t (*tcp)(pid_t self, uint64_t ino, struct tcp_ends *ends);
};
void sessions__set_lookup(struct sessions *ss, const struct proc_lookup *lookup);
struct redactor;
/* Every line passes through r (mcp/redact.h) before it is decoded, so no
 * credential it finds reaches a record; NULL (the default) keeps lines as
 * they are. r must outlive the stage. */
void sessions__set_redactor(struct sessions *ss, const struct redactor *r);

/* A framed line; returns whether it held JSON-RPC. */
bool sessions__line(struct sessions *ss, const struct wire_line *line);
/* Bytes lost: recorded in the DB. */
void sessions__loss(struct sessions *ss, const struct wire_line *where, uint64_t offset,
		    uint64_t bytes, const char *reason);
/* Traced bytes that were not JSON-RPC or could not be framed (why says
 * how): a parse_errors row, with l's text as its excerpt. */
void sessions__parse_error(struct sessions *ss, const struct wire_line *l, const char *why);
/* The process set: traced processes are expected to show both sightings
 * of what they exchange with each other. */
void sessions__process_traced(struct sessions *ss, pid_t pid);
/* pid exited: sessions it was an end of are over. */
void sessions__process_exit(struct sessions *ss, pid_t pid, int64_t ts_ns);
/* The stream ended; a legacy SSE GET stream ends its session with it. */
void sessions__stream_closed(struct sessions *ss, uint64_t stream_id, int64_t ts_ns);
/* The kernel's word on a TCP stream's addresses ("ip:port"). */
void sessions__sockaddr(struct sessions *ss, uint64_t stream_id, const char *local,
			const char *remote);
/* Writes what is still in flight (open calls, messages waiting for the
 * other end's sighting) as it is now; call before store__flush. */
void sessions__flush(struct sessions *ss);
/* Tracing stops: open calls are reported unanswered, open sessions stay open. */
void sessions__finish(struct sessions *ss, int64_t ts_ns);
void sessions__free(struct sessions *ss);

struct sessions_stats {
	uint64_t messages, calls, merged, parse_errors, sessions;
};
void sessions__stats(const struct sessions *ss, struct sessions_stats *out);

#endif
