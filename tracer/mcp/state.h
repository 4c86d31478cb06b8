/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * state: what the files of the MCP stage share, and nobody else sees. The
 * stage is split by job:
 *   sessions.c       the table of sessions and streams, the one per-message
 *                    path every framed line takes, process and stream ends
 *   session_stdio.c  stdio sessions: a pair of processes, and their roles
 *   session_http.c   HTTP sessions: Mcp-Session-Id, legacy sessionId,
 *                    stateless peers; failed exchanges
 *   mcp_headers.c    2026-07-28: Mcp-Method and Mcp-Name against the body
 *   flow.c           one message stored once when both ends are traced
 *   correlate.c      calls: a request paired with its response, cancels,
 *                    progress, timing; the peers' names and versions
 *   rounds.c         2026-07-28: which input_required round a request continues
 *   hops.c           gateways: the inbound call a backend call serves
 * Records leave the stage only through the sinks (sink.h).
 */
#ifndef MT_MCP_STATE_H
#define MT_MCP_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "capture/peer.h"
#include "mcp/jsonrpc.h"
#include "mcp/session.h"
#include "mcp/sink.h"
#include "wire/wire.h"

/* Sightings one side of a flow may be ahead of the other: a ring that grows
 * with the backlog (a slow reader of a big pipe or socket buffer is that
 * many lines behind the writer), up to this many, then drops its oldest. */
#define OBS_QUEUE_MAX 65536

enum role {
	ROLE_CLIENT = 0,
	ROLE_SERVER = 1,
	ROLE_UNKNOWN = 2,
};

/* Which part of its call a message is. */
enum msg_part {
	PART_OTHER = 0, /* a notification tied to a call (progress, cancel), or none */
	PART_REQUEST = 1,
	PART_RESPONSE = 2,
};

struct call;
struct session;

/* A message row not given on yet, with copies of what it points to. */
struct pending_msg {
	struct st_message row;
	char *str[5]; /* rpc_id, method, body, direction, kind */
};

/* One message from a line, as a later sighting must amend it. */
struct mref {
	int64_t msg_id;
	struct call *call; /* holds a reference */
	enum msg_part part;
	int64_t sent_ns, recv_ns;
	struct pending_msg *pending; /* not handed to the sinks yet */
};

/* A line seen at one side of a flow, waiting for the other side's copy. */
struct obs {
	uint64_t hash;
	size_t len;
	size_t n;
	struct mref *refs;
	struct held_line *held; /* not made into records yet: see struct held_line */
};

/*
 * A stdio line whose other end is not known yet: /proc showed no process
 * holding the pipe (it exited, or the tracer is behind), and no record of
 * the other side has been read. The kernel's records of the other end are
 * the truth about who it is, so the line waits in its flow for them: the
 * other side's sighting decides it. A flush looks in /proc for the other
 * end of lines still waiting; the next flush decides them with what it
 * found, once the records written before the look have been read (not
 * when the writer exits: its reader may still read them).
 */
struct held_line {
	uint64_t seq; /* the order lines were held in, across flows */
	struct wire_line l; /* text points to the copy below */
	char *text;
	struct rpc_msg *msgs;
	size_t n;
};

/*
 * What a flow id is made from. A flow is one direction of a byte channel,
 * named so the writer's and the reader's records agree: the kind in the top
 * four bits, a value from the kernel's inodes or the connection below.
 */
enum flow_kind {
	FLOW_PIPE = 1, /* the pipe's inode */
	FLOW_UNIX = 2, /* the writer's socket inode (the reader knows it as its peer) */
	FLOW_UNIX_UNPAIRED = 3, /* a reader whose peer socket is unknown: its own inode */
	FLOW_FD = 4, /* anything else (ttys): the direction and this end's inode */
	FLOW_TCP = 5, /* an HTTP connection, from its two addresses, and the sender's role */
	FLOW_HTTP_SESSION = 6, /* HTTP with no addresses: the session key, the sender's role */
};

static inline uint64_t flow_id_make(enum flow_kind kind, uint64_t value)
{
	return (uint64_t)kind << 60 | (value & ((1ULL << 60) - 1));
}

struct flow {
	uint64_t id;
	struct session *session; /* NULL while it holds only undecided lines */
	struct flow *next; /* in session->flows */
	struct obs *q[2]; /* per side (enum wire_dir): a ring of cap[side] */
	unsigned head[2], count[2], cap[2];
	pid_t pid[2]; /* the process last seen on each side, from its records */
	unsigned held[2]; /* obs with a held line, per side */
	struct flow *next_holding; /* in sessions->holding while held[] is not 0 */
	bool holding;
	/* stdio__decide_all, per side: where its next held line may be, and
	 * the peer /proc showed at the last pass (one scan, not one a line). */
	unsigned decide_at[2];
	pid_t decide_peer[2];
	/* TCP, peer unsure (tcp_ends): the flush from which sightings the
	 * other end has not matched are given up on; 0 once it matched. */
	unsigned give_up_at;
};

struct call {
	int refs; /* the session's open set, and mrefs waiting for a sighting */
	struct session *s;
	enum role requester;
	char *rpc_id, *method, *target, *progress_token, *err_msg;
	struct st_call row;
	int64_t req_sent, req_recv, resp_sent, resp_recv;
	bool answered, cancelled, finished, open;
	bool given, dirty; /* handed to the sinks at least once; changed since */
	uint64_t http_conn, http_exchange; /* HTTP: the connection and exchange of its request */
	uint64_t args_digest; /* of the request's arguments, for rounds.c */
	int awaiting; /* sightings still expected for the response */
	struct call *prev, *next; /* in session->open */
	struct hop *hop; /* hops.c: where it waits to be linked to the other hop */
};

/* The strings a session row points to, owned by the session. */
enum session_str {
	SS_CLIENT_NAME,
	SS_CLIENT_VERSION,
	SS_SERVER_NAME,
	SS_SERVER_VERSION,
	SS_PROTOCOL_VERSION,
	SS_MCP_SESSION_ID,
	SS_CLIENT_ADDR,
	SS_SERVER_ADDR,
	SS__COUNT,
};

struct session {
	char *key; /* HTTP: "http:ENDPOINT SID", "sse:SERVER SID", "peer:...", "conn:N"; stdio: NULL */
	pid_t a, b; /* stdio key: the two ends, a < b, or (pid, 0) with the peer unknown */
	pid_t client, server; /* 0 while unknown */
	struct st_session row;
	char *str[SS__COUNT];
	void *calls; /* tsearch of struct call by (requester, rpc_id) */
	struct call *open; /* list of open calls */
	struct flow *flows;
	struct sessions *ss;
	/* One end exited with lines still to be read: the session waits for
	 * those reads (see sessions__process_exit). */
	pid_t exited;
	int64_t exited_ns;
	struct round *rounds; /* rounds.c: input_required rounds not continued yet */
	size_t n_rounds;
	bool parent_mixed; /* hops.c: its calls serve more than one inbound session */
};

/* What /proc and the kernel say about a stream, learnt at its first message. */
struct stream_info {
	uint64_t stream_id;
	bool looked; /* the /proc lookup was made */
	pid_t peer;
	struct tcp_ends tcp; /* TCP streams: addresses, the peer socket */
	char *key; /* HTTP: the session this connection was bound to */
	const char *transport;
	bool ends_session; /* a legacy GET stream: its close ends the session */
};

struct sessions {
	struct sinks *sinks;
	void *sessions, *flows, *streams, *traced;
	const struct redactor *redactor;
	struct flow *holding; /* flows with held lines */
	uint64_t held_seq;
	uint64_t looked_up_before; /* held lines before this seq have a decide_peer */
	unsigned lingering; /* sessions with exited set */
	unsigned flushes;
	struct sessions_stats stats;
	struct proc_lookup lookup;
	struct hops *hops; /* hops.c: inbound calls a backend call may serve */
};

/* What the per-message path needs to know of a line: decided by the
 * stdio or the HTTP side, the same for every message the line holds. */
struct line_ctx {
	const struct wire_line *l;
	struct session *s;
	struct stream_info *si;
	pid_t sender;
	enum role sender_role;
	struct flow *flow; /* set when the other end's sighting is due */
	uint64_t hash; /* of the line, when flow is set */
	struct obs *in_place; /* a held line's place in flow: its sightings go there */
};

static inline char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* FNV-1a: lines and keys hashed to name flows and match sightings. */
static inline uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

/* Orders tree nodes whose first member is a uint64_t id. */
static inline int cmp_u64_first(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* sessions.c */
bool sessions__is_traced(struct sessions *ss, pid_t pid);
/* A copy of proto's key, ends and row, in the table; give it to the sinks
 * with session__write once its strings are set. */
struct session *session__new(struct sessions *ss, const struct session *proto, int64_t ts_ns);
struct session *session__find(struct sessions *ss, const struct session *key);
void session__set_str(struct session *s, enum session_str slot, const char **field,
		      const char *v);
void session__write(struct sessions *ss, struct session *s);
/* Gives a stdio session new ends (a < b) in the table. */
void session__rekey(struct sessions *ss, struct session *s, pid_t a, pid_t b);
/* The session is over: open calls unanswered, ended_ns set, forgotten. */
void session__drop(struct sessions *ss, struct session *s, int64_t ts_ns);
struct stream_info *stream_info__get(struct sessions *ss, const struct wire_line *l);
pid_t stream_info__peer(struct sessions *ss, const struct wire_line *l);
/* sessions__parse_error (session.h), for a line whose session is known
 * (0: none). */
void sessions__session_error(struct sessions *ss, const struct wire_line *l, int64_t session_id,
			     const char *why);
size_t sessions__decode(struct sessions *ss, const struct wire_line *l, struct rpc_msg **msgs,
			size_t *n);
/* The messages of one line, stored and correlated; hook (may be NULL) is
 * told of each after it was made. The line's sightings go to x->flow when
 * it is set (the other end's is due), else are let go. */
typedef void (*message_hook)(struct sessions *ss, const struct line_ctx *x,
			     const struct rpc_msg *m, struct mref *ref);
void sessions__store_line(struct sessions *ss, struct line_ctx *x, const struct rpc_msg *msgs,
			  size_t n, message_hook hook);
/* Forgets what /proc said of a stream, so it is asked again. */
void stream_info__forget(struct sessions *ss, uint64_t stream_id);

/* session_stdio.c */
bool stdio__line(struct sessions *ss, const struct wire_line *l);
/* Makes records of the held lines of f's side, in order, with peer at the
 * other end (0: unknown). */
void stdio__decide(struct sessions *ss, struct flow *f, int side, pid_t peer);
/* Makes records of held line o of f's side, in its place. */
void stdio__decide_obs(struct sessions *ss, struct flow *f, int side, struct obs *o, pid_t peer);
/* Decides the held lines the last pass looked up (all of them if now:
 * looked up at once, at the end): with the other side's process if its
 * records named it, else with what /proc showed. Then looks up the rest. */
void stdio__decide_all(struct sessions *ss, bool now);

/* session_http.c */
bool http__line(struct sessions *ss, const struct wire_line *l);
struct session *http__session_find(struct sessions *ss, const char *key);

/* flow.c */
/* The k-th waiting sighting of f's side, oldest first (k < count). */
static inline struct obs *flow__at(struct flow *f, int side, unsigned k)
{
	return &f->q[side][(f->head[side] + k) % f->cap[side]];
}
uint64_t flow__id_stdio(const struct wire_line *l);
struct flow *flow__find(struct sessions *ss, uint64_t id);
struct flow *flow__get(struct sessions *ss, struct session *s, uint64_t id);
bool flow__match(struct sessions *ss, struct flow *f, const struct wire_line *l, uint64_t hash);
void flow__push(struct sessions *ss, struct flow *f, int side, uint64_t hash, size_t len,
		struct mref *refs, size_t n);
/* Keeps line l (decoded into msgs[0..n), which it takes) in f until the
 * other side's sighting, or a flush, decides it. */
void flow__hold(struct sessions *ss, struct flow *f, const struct wire_line *l, uint64_t hash,
		struct rpc_msg *msgs, size_t n);
/* Pops the obs at the front of f's side that hold nothing any more. */
void flow__trim(struct sessions *ss, struct flow *f, int side);
/* Frees a flow with nothing waiting in it (a tdestroy callback too). */
void flow__free(void *f);
/* Frees f if it belongs to no session and holds nothing. */
void flow__drop_if_idle(struct sessions *ss, struct flow *f);
void held_line__free(struct held_line *h);
/* Drops a session's flows: sightings still waiting are given as they are. */
void flow__free_all(struct sessions *ss, struct session *s);
/* Gives every message of the session still waiting for its other sighting. */
void flow__flush(struct sessions *ss, struct session *s);
struct pending_msg *pending__new(const struct st_message *row);
void mrefs__put(struct sessions *ss, struct mref *refs, size_t n);

/* correlate.c */
void message__new(struct sessions *ss, const struct line_ctx *x, const struct rpc_msg *m,
		  struct mref *ref);
/* After a response: the call is final now, or once the other end's
 * sighting of it comes (expect_more). */
void call__answered(struct sessions *ss, struct mref *ref, bool expect_more);
/* A sighting of the response came, or will never come. */
void call__awaited(struct sessions *ss, struct call *c);
void call__write(struct sessions *ss, struct call *c);
void call__sync(struct sessions *ss, struct call *c);
void call__finish(struct sessions *ss, struct call *c);
void call__close(struct session *s, struct call *c);
void call__put(struct call *c);
/* Ends the session's open calls: unanswered (or cancelled) unless answered. */
void calls__end_open(struct sessions *ss, struct session *s);

/* rounds.c */
struct round;
/* c ended input_required, naming request_state (may be NULL). */
void rounds__note(struct session *s, const struct call *c, const char *request_state);
/* The id of the round request m continues (forgotten then), or 0. */
int64_t rounds__continued(struct session *s, const struct rpc_msg *m);
void rounds__free(struct session *s);

/* hops.c */
struct hop;
/* c's request was seen (its times are set): it is linked to the inbound
 * call it serves if its requester is a gateway, or to the backend call
 * that serves it if its responder is one and made it already. */
void hops__request(struct sessions *ss, struct call *c);
/* c is about to be freed. */
void hops__forget(struct call *c);
/* The gateway c is a hop of: its requester if it serves an inbound call,
 * its responder if a backend call serves it; else 0. */
pid_t hops__gateway(const struct call *c);
void hops__free(struct sessions *ss);

#endif
