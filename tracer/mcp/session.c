/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session: from framed lines to sessions, messages and calls (see
 * session.h for the contract). Three ideas carry it:
 *
 * Flows. The bytes one process writes into a pipe or socket are the bytes
 * the process at the other end reads. A flow is that one-way byte channel,
 * named from the kernel's inode numbers so that the writer's and the
 * reader's records name the same flow. When both ends are traced, each line
 * is seen twice; the first sighting is stored, kept in a small queue of its
 * side, and the second sighting (matched by length and hash, in FIFO order)
 * only adds its time to the stored rows.
 *
 * Sessions. A stdio session is the pair of processes at the two ends, found
 * through /proc once per stream (peer.c). Roles come from the first message
 * whose method only one side sends (initialize, tools/call ... from the
 * client; sampling, roots ... from the server), else from who spawned whom,
 * else from who talks on its fds 0 and 1 (the server).
 *
 * Calls. A request opens a call keyed by (requester, id); the response
 * closes it.
 *
 * Writes. Ids come from the store up front, so rows can name each other
 * before they exist, and each row is written once it is final: a call when
 * it completes, a message when no second sighting is due. What is still
 * in flight is written at each flush (sessions__flush, every 200 ms), so a
 * reader of a live DB sees calls in flight, and rewritten when it ends.
 * That keeps the common call at three inserts.
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "mcp/jsonrpc.h"
#include "capture/peer.h"
#include "mcp/session.h"

#define OBS_QUEUE_LEN 256

enum role {
	ROLE_CLIENT = 0,
	ROLE_SERVER = 1,
	ROLE_UNKNOWN = 2,
};

struct call;
struct session;

/* A message row not written yet, with copies of what it points to. */
struct pending_msg {
	struct st_message row;
	char *str[5]; /* rpc_id, method, body, direction, kind */
};

/* One message from a line, as a later sighting must amend it. */
struct mref {
	int64_t msg_id;
	struct call *call; /* holds a reference */
	int part; /* 1: the call's request, 2: its response, 0: other */
	int64_t sent_ns, recv_ns;
	struct pending_msg *pending; /* not in the DB yet */
};

/* A line seen at one side of a flow, waiting for the other side's copy. */
struct obs {
	uint64_t hash;
	size_t len;
	size_t n;
	struct mref *refs;
};

struct flow {
	uint64_t id;
	struct session *session;
	struct flow *next; /* in session->flows */
	struct obs q[2][OBS_QUEUE_LEN]; /* per side (enum wire_dir): a ring */
	unsigned head[2], count[2];
};

struct call {
	int refs; /* the session's open set, and mrefs waiting for a sighting */
	struct session *s;
	int requester; /* enum role */
	char *rpc_id, *method, *target, *progress_token, *err_msg;
	struct st_call row;
	int64_t req_sent, req_recv, resp_sent, resp_recv;
	bool answered, cancelled, printed, open;
	bool in_db, dirty; /* written at least once; changed since */
	uint64_t http_conn, http_exchange; /* HTTP: the connection and exchange of its request */
	int awaiting; /* sightings still expected for the response */
	struct call *prev, *next; /* in session->open */
};

struct session {
	char *key; /* HTTP and SSE sessions: "http:SID", "sse:SID", "conn:N"; else NULL */
	pid_t a, b; /* stdio key: the two ends, a < b, or (pid, 0) with the peer unknown */
	pid_t client, server; /* 0 while unknown */
	struct st_session row;
	char *str[8]; /* owned strings behind row */
	void *calls; /* tsearch of struct call by (requester, rpc_id) */
	struct call *open; /* list of open calls */
	struct flow *flows;
	struct sessions *ss;
};

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
	struct store *store;
	struct output *out;
	void *sessions, *flows, *streams, *traced;
	struct sessions_stats stats;
	struct proc_lookup lookup;
};

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- small trees ---- */

static int cmp_u64_first(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int cmp_session(const void *x, const void *y)
{
	const struct session *p = x, *q = y;

	if (p->key || q->key)
		return !p->key ? -1 : !q->key ? 1 : strcmp(p->key, q->key);
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static int cmp_call(const void *x, const void *y)
{
	const struct call *p = x, *q = y;

	if (p->requester != q->requester)
		return p->requester - q->requester;
	return strcmp(p->rpc_id, q->rpc_id);
}

static int cmp_pid(const void *x, const void *y)
{
	intptr_t a = (intptr_t)x, b = (intptr_t)y;

	return a < b ? -1 : a > b;
}

static bool is_traced(struct sessions *ss, pid_t pid)
{
	return pid > 0 && tfind((void *)(intptr_t)pid, &ss->traced, cmp_pid);
}

struct sessions *sessions__new(struct store *store, struct output *out)
{
	struct sessions *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return NULL;
	ss->store = store;
	ss->out = out;
	ss->lookup.peer = peer__find;
	ss->lookup.is_ancestor = peer__is_ancestor;
	ss->lookup.tcp = peer__find_tcp;
	return ss;
}

void sessions__set_lookup(struct sessions *ss, const struct proc_lookup *lookup)
{
	ss->lookup = *lookup;
}

void sessions__process_traced(struct sessions *ss, pid_t pid)
{
	tsearch((void *)(intptr_t)pid, &ss->traced, cmp_pid);
}

/* ---- calls ---- */

static void call_sync(struct sessions *ss, struct call *c);

static void call_put(struct call *c)
{
	if (--c->refs > 0)
		return;
	if (c->dirty)
		call_sync(c->s->ss, c);
	free(c->rpc_id);
	free(c->method);
	free(c->target);
	free(c->progress_token);
	free(c->err_msg);
	free(c);
}

/* Derives the timing columns from the sightings. The requester's view
 * (its write of the request to its read of the response) is the latency
 * when the requester is traced; else the responder's view. The
 * responder's own time goes to server_latency_ns. */
static void call_times(struct call *c)
{
	struct st_call *r = &c->row;

	r->start_ns = c->req_sent != ST_NULL ? c->req_sent : c->req_recv;
	r->end_ns = ST_NULL;
	r->latency_ns = ST_NULL;
	r->server_latency_ns = ST_NULL;
	if (!c->answered)
		return;
	r->end_ns = c->resp_recv != ST_NULL ? c->resp_recv : c->resp_sent;
	if (c->resp_sent != ST_NULL && c->req_recv != ST_NULL)
		r->server_latency_ns = c->resp_sent - c->req_recv;
	if (c->req_sent != ST_NULL && c->resp_recv != ST_NULL)
		r->latency_ns = c->resp_recv - c->req_sent;
	else if (r->server_latency_ns != ST_NULL)
		r->latency_ns = r->server_latency_ns;
	else if (r->start_ns != ST_NULL && r->end_ns != ST_NULL)
		r->latency_ns = r->end_ns - r->start_ns;
}

/* Writes the call's row as it is now. */
static void call_sync(struct sessions *ss, struct call *c)
{
	call_times(c);
	if (c->in_db)
		store__update_call(ss->store, &c->row);
	else if (!store__add_call(ss->store, &c->row))
		c->in_db = true;
	c->dirty = false;
}

/* The call changed: written at once if it is already final (printed),
 * else at its end or at the next flush. */
static void call_write(struct sessions *ss, struct call *c)
{
	c->dirty = true;
	if (c->printed)
		call_sync(ss, c);
}

/* The call is final: written, then shown. */
static void call_print(struct sessions *ss, struct call *c)
{
	struct session *s = c->s;
	struct call_view v;

	if (c->printed)
		return;
	c->printed = true;
	call_sync(ss, c);
	v = (struct call_view){
		.call_id = c->row.id,
		.session_id = s->row.id,
		.start_ns = c->row.start_ns,
		.client_pid = s->row.client_pid,
		.server_pid = s->row.server_pid,
		.transport = s->row.transport,
		.direction = c->row.direction,
		.rpc_id = c->rpc_id,
		.method = c->method,
		.target = c->target,
		.status = c->row.status,
		.latency_ns = c->row.latency_ns,
		.server_latency_ns = c->row.server_latency_ns,
		.error_code = c->row.error_code,
		.error_message = c->err_msg,
	};
	output__call(ss->out, &v);
}

static void call_close(struct session *s, struct call *c)
{
	if (!c->open)
		return;
	c->open = false;
	tdelete(c, &s->calls, cmp_call);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->open = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	call_put(c);
}

static struct call *call_find(struct session *s, int requester, const char *rpc_id)
{
	struct call key = { .requester = requester, .rpc_id = (char *)rpc_id };
	void *node;

	if (!rpc_id)
		return NULL;
	node = tfind(&key, &s->calls, cmp_call);
	return node ? *(struct call **)node : NULL;
}

static struct call *call_open(struct sessions *ss, struct session *s, int requester,
			      const struct rpc_msg *m)
{
	struct call *c = calloc(1, sizeof(*c)), *old;

	if (!c)
		return NULL;
	/* A reused id while the old call is open: the old one will never be
	 * answered as far as we can tell. */
	old = call_find(s, requester, m->id);
	if (old) {
		old->row.status = old->cancelled ? "cancelled" : "unanswered";
		call_write(ss, old);
		call_print(ss, old);
		call_close(s, old);
	}
	c->refs = 1;
	c->s = s;
	c->requester = requester;
	c->rpc_id = xstrdup(m->id);
	c->method = xstrdup(m->method);
	c->target = xstrdup(m->target);
	c->progress_token = xstrdup(m->progress_token);
	c->req_sent = c->req_recv = c->resp_sent = c->resp_recv = ST_NULL;
	c->row = (struct st_call){
		.session_id = s->row.id,
		.rpc_id = c->rpc_id,
		.direction = requester == ROLE_CLIENT ? "c2s" : "s2c",
		.method = c->method,
		.target = c->target,
		.start_ns = ST_NULL,
		.end_ns = ST_NULL,
		.latency_ns = ST_NULL,
		.server_latency_ns = ST_NULL,
		.status = "pending",
		.error_code = ST_NULL,
	};
	if (!c->rpc_id || !tsearch(c, &s->calls, cmp_call)) {
		call_put(c);
		return NULL;
	}
	c->open = true;
	c->next = s->open;
	if (s->open)
		s->open->prev = c;
	s->open = c;
	c->row.id = store__reserve_id(ss->store, ST_ID_CALL);
	c->dirty = true;
	ss->stats.calls++;
	return c;
}

/* ---- sessions ---- */

static void session_write(struct sessions *ss, struct session *s)
{
	store__update_session(ss->store, &s->row);
}

static void session_set_str(struct session *s, int slot, const char **field, const char *v)
{
	if (!v || (*field && !strcmp(*field, v)))
		return;
	free(s->str[slot]);
	s->str[slot] = strdup(v);
	*field = s->str[slot];
}

/* The role a method's sender must have, if only one side sends it. */
static enum role sender_role_of(const struct rpc_msg *m)
{
	static const char *const from_client[] = {
		"initialize", "tools/", "resources/", "prompts/", "completion/", "logging/",
		"notifications/initialized", "notifications/roots/",
	};
	static const char *const from_server[] = {
		"sampling/", "roots/", "elicitation/", "notifications/message",
		"notifications/resources/", "notifications/tools/", "notifications/prompts/",
		"notifications/elicitation/",
	};

	if (!m->method || (m->kind != RPC_REQUEST && m->kind != RPC_NOTIFICATION))
		return ROLE_UNKNOWN;
	for (size_t i = 0; i < sizeof(from_client) / sizeof(*from_client); i++)
		if (!strncmp(m->method, from_client[i], strlen(from_client[i])))
			return ROLE_CLIENT;
	for (size_t i = 0; i < sizeof(from_server) / sizeof(*from_server); i++)
		if (!strncmp(m->method, from_server[i], strlen(from_server[i])))
			return ROLE_SERVER;
	return ROLE_UNKNOWN;
}

static void session_decide_roles(struct sessions *ss, struct session *s,
				 const struct wire_line *l, pid_t peer, const struct rpc_msg *m)
{
	pid_t self = l->tgid;
	enum role r = sender_role_of(m), self_role;

	if (r != ROLE_UNKNOWN)
		self_role = l->dir == WIRE_WRITE ? r : !r;
	else if (peer && ss->lookup.is_ancestor(self, peer))
		self_role = ROLE_CLIENT;
	else if (peer && ss->lookup.is_ancestor(peer, self))
		self_role = ROLE_SERVER;
	else
		self_role = l->fd <= 1 ? ROLE_SERVER : ROLE_CLIENT;
	s->client = self_role == ROLE_CLIENT ? self : peer;
	s->server = self_role == ROLE_CLIENT ? peer : self;
	s->row.client_pid = s->client ? s->client : ST_NULL;
	s->row.server_pid = s->server ? s->server : ST_NULL;
}

static struct session *session_get(struct sessions *ss, const struct wire_line *l, pid_t peer,
				   const struct rpc_msg *m)
{
	struct session key = { 0 }, *s;
	void *node;

	key.a = peer && peer < (pid_t)l->tgid ? peer : (pid_t)l->tgid;
	key.b = peer && peer < (pid_t)l->tgid ? (pid_t)l->tgid : peer;
	node = tfind(&key, &ss->sessions, cmp_session);
	if (node)
		return *(struct session **)node;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->a = key.a;
	s->b = key.b;
	s->ss = ss;
	s->row = (struct st_session){
		.transport = "stdio",
		.started_ns = l->ts_ns,
		.ended_ns = ST_NULL,
	};
	session_decide_roles(ss, s, l, peer, m);
	if (!tsearch(s, &ss->sessions, cmp_session)) {
		free(s);
		return NULL;
	}
	store__add_session(ss->store, &s->row);
	ss->stats.sessions++;
	return s;
}

static void mrefs_put(struct sessions *ss, struct mref *refs, size_t n);

static void session_end(struct sessions *ss, struct session *s, int64_t ts_ns, bool ended)
{
	struct flow *f, *fnext;

	while (s->open) {
		struct call *c = s->open;

		if (!c->answered)
			c->row.status = c->cancelled ? "cancelled" : "unanswered";
		call_write(ss, c);
		call_print(ss, c);
		call_close(s, c);
	}
	if (ended) {
		s->row.ended_ns = ts_ns;
		session_write(ss, s);
	}
	for (f = s->flows; f; f = fnext) {
		fnext = f->next;
		tdelete(f, &ss->flows, cmp_u64_first);
		for (int side = 0; side < 2; side++)
			while (f->count[side]) {
				struct obs *o = &f->q[side][f->head[side]];

				mrefs_put(ss, o->refs, o->n);
				f->head[side] = (f->head[side] + 1) % OBS_QUEUE_LEN;
				f->count[side]--;
			}
		free(f);
	}
	s->flows = NULL;
}

static void session_free(struct session *s)
{
	for (int i = 0; i < 8; i++)
		free(s->str[i]);
	free(s->key);
	free(s);
}

struct pid_walk {
	pid_t pid;
	struct session **list;
	size_t n, cap;
};

static struct pid_walk *pid_walk_ctx;

static void collect_sessions(const void *node, VISIT which, int depth)
{
	struct session *s = *(struct session *const *)node;
	struct pid_walk *w = pid_walk_ctx;

	(void)depth;
	if (which != postorder && which != leaf)
		return;
	if (w->pid && (s->key ? s->client != w->pid && s->server != w->pid
			      : s->a != w->pid && s->b != w->pid))
		return;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		struct session **l = realloc(w->list, cap * sizeof(*l));

		if (!l)
			return;
		w->list = l;
		w->cap = cap;
	}
	w->list[w->n++] = s;
}

/* Sessions with pid at one end (every session for pid 0). twalk takes no
 * context; this stage runs on one thread. */
static size_t sessions_of(struct sessions *ss, pid_t pid, struct session ***out)
{
	struct pid_walk w = { .pid = pid };

	pid_walk_ctx = &w;
	twalk(ss->sessions, collect_sessions);
	pid_walk_ctx = NULL;
	*out = w.list;
	return w.n;
}

/* The session is over: open calls unanswered, ended_ns set, forgotten. */
static void session_drop(struct sessions *ss, struct session *s, int64_t ts_ns)
{
	session_end(ss, s, ts_ns, true);
	tdelete(s, &ss->sessions, cmp_session);
	session_free(s);
}

void sessions__process_exit(struct sessions *ss, pid_t pid, int64_t ts_ns)
{
	struct session **list;
	size_t n = sessions_of(ss, pid, &list);

	for (size_t i = 0; i < n; i++)
		session_drop(ss, list[i], ts_ns);
	free(list);
	tdelete((void *)(intptr_t)pid, &ss->traced, cmp_pid);
}

/* ---- flows ---- */

/* The flow a line belongs to, named the same from both ends. */
static uint64_t flow_id(const struct wire_line *l)
{
	switch (l->fd_kind) {
	case MT_FD_PIPE:
		return (1ULL << 60) | l->ino;
	case MT_FD_UNIX:
		if (l->dir == WIRE_WRITE)
			return (2ULL << 60) | l->ino;
		if (l->peer_ino)
			return (2ULL << 60) | l->peer_ino;
		return (3ULL << 60) | l->ino;
	default:
		return (4ULL << 60) | ((uint64_t)l->dir << 59) | l->ino;
	}
}

static struct flow *flow_get(struct sessions *ss, struct session *s, uint64_t id)
{
	void *node = tfind(&id, &ss->flows, cmp_u64_first);
	struct flow *f;

	if (node)
		return *(struct flow **)node;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->id = id;
	f->session = s;
	if (!tsearch(f, &ss->flows, cmp_u64_first)) {
		free(f);
		return NULL;
	}
	f->next = s->flows;
	s->flows = f;
	return f;
}

/* ---- messages ---- */

/* What /proc says about a stream, looked up at its first message. */
static struct stream_info *stream_info_find(struct sessions *ss, uint64_t stream_id, bool create)
{
	struct stream_info key = { .stream_id = stream_id }, *si;
	void *node = tfind(&key, &ss->streams, cmp_u64_first);

	if (node)
		return *(struct stream_info **)node;
	if (!create)
		return NULL;
	si = calloc(1, sizeof(*si));
	if (!si)
		return NULL;
	si->stream_id = stream_id;
	if (!tsearch(si, &ss->streams, cmp_u64_first)) {
		free(si);
		return NULL;
	}
	return si;
}

/* What /proc says about a stream, looked up at its first message. The
 * addresses the kernel sent (sessions__sockaddr) stay when /proc has none
 * (the process is gone already). */
static struct stream_info *stream_info_get(struct sessions *ss, const struct wire_line *l)
{
	struct stream_info *si = stream_info_find(ss, l->stream_id, true);

	if (!si || si->looked)
		return si;
	si->looked = true;
	if (l->fd_kind == MT_FD_INET) {
		struct tcp_ends ends;

		si->peer = ss->lookup.tcp(l->tgid, l->ino, &ends);
		if (ends.local[0] || !si->tcp.local[0])
			si->tcp = ends;
	} else {
		si->peer = ss->lookup.peer(l->tgid, l->fd_kind, l->ino, l->peer_ino, l->dir);
	}
	return si;
}

void sessions__sockaddr(struct sessions *ss, uint64_t stream_id, const char *local,
			const char *remote)
{
	struct stream_info *si = stream_info_find(ss, stream_id, true);

	if (!si || si->tcp.local[0])
		return;
	snprintf(si->tcp.local, sizeof(si->tcp.local), "%s", local);
	snprintf(si->tcp.remote, sizeof(si->tcp.remote), "%s", remote);
}

static pid_t stream_peer(struct sessions *ss, const struct wire_line *l)
{
	struct stream_info *si = stream_info_get(ss, l);

	return si ? si->peer : 0;
}

static struct session *http_session_get(struct sessions *ss, char *key, const char *transport,
					const struct wire_line *l, bool create);
static void session_drop(struct sessions *ss, struct session *s, int64_t ts_ns);

void sessions__stream_closed(struct sessions *ss, uint64_t stream_id, int64_t ts_ns)
{
	struct stream_info key = { .stream_id = stream_id };
	void *node = tfind(&key, &ss->streams, cmp_u64_first);
	struct stream_info *si;

	if (!node)
		return;
	si = *(struct stream_info **)node;
	if (si->ends_session && si->key) {
		/* The legacy transport's session lives as long as its GET stream. */
		struct session *s = http_session_get(ss, si->key, "sse", NULL, false);

		if (s)
			session_drop(ss, s, ts_ns);
	}
	tdelete(si, &ss->streams, cmp_u64_first);
	free(si->key);
	free(si);
}

static const char *kind_name(enum rpc_kind k)
{
	switch (k) {
	case RPC_REQUEST:
		return "request";
	case RPC_NOTIFICATION:
		return "notification";
	case RPC_RESPONSE:
		return "response";
	default:
		return "error";
	}
}

static void session_note_peer_info(struct sessions *ss, struct session *s, const struct rpc_msg *m,
				   enum role sender)
{
	struct st_session *r = &s->row;
	const char *old_cn = r->client_name, *old_sn = r->server_name, *old_pv = r->protocol_version;

	if (m->kind == RPC_REQUEST && m->method && !strcmp(m->method, "initialize")) {
		session_set_str(s, 0, &r->client_name, m->peer_name);
		session_set_str(s, 1, &r->client_version, m->peer_version);
		if (!r->protocol_version)
			session_set_str(s, 4, &r->protocol_version, m->protocol_version);
	} else if (m->kind == RPC_RESPONSE && sender == ROLE_SERVER && m->peer_name) {
		session_set_str(s, 2, &r->server_name, m->peer_name);
		session_set_str(s, 3, &r->server_version, m->peer_version);
		session_set_str(s, 4, &r->protocol_version, m->protocol_version);
	}
	if (r->client_name != old_cn || r->server_name != old_sn || r->protocol_version != old_pv)
		session_write(ss, s);
}

/* Stores one decoded message first seen from side dir at ts; fills ref. */
static struct pending_msg *pending_new(const struct st_message *row)
{
	struct pending_msg *p = calloc(1, sizeof(*p));
	const char *src[5] = { row->rpc_id, row->method, NULL, row->direction, row->kind };

	if (!p)
		return NULL;
	p->row = *row;
	for (int i = 0; i < 5; i++)
		if (src[i] && !(p->str[i] = strdup(src[i])))
			goto fail;
	p->str[2] = malloc(row->body_len + 1);
	if (!p->str[2])
		goto fail;
	memcpy(p->str[2], row->body, row->body_len);
	p->row.rpc_id = p->str[0];
	p->row.method = p->str[1];
	p->row.body = p->str[2];
	p->row.direction = p->str[3];
	p->row.kind = p->str[4];
	return p;
fail:
	for (int i = 0; i < 5; i++)
		free(p->str[i]);
	free(p);
	return NULL;
}

/* Writes a deferred message row with the times its sightings gave. */
static void pending_write(struct sessions *ss, struct mref *ref)
{
	struct pending_msg *p = ref->pending;

	if (!p)
		return;
	p->row.sent_ns = ref->sent_ns;
	p->row.recv_ns = ref->recv_ns;
	p->row.ts_ns = ref->sent_ns != ST_NULL ? ref->sent_ns : ref->recv_ns;
	p->row.call_id = ref->call ? ref->call->row.id : 0;
	store__add_message(ss->store, &p->row);
	for (int i = 0; i < 5; i++)
		free(p->str[i]);
	free(p);
	ref->pending = NULL;
}

/* Makes one decoded message first seen from side dir: a row (written now,
 * or kept back when the other end's sighting is due: defer) and its
 * effect on calls and the session; fills ref. */
static void message_new(struct sessions *ss, struct session *s, const struct wire_line *l,
			const struct rpc_msg *m, pid_t sender, enum role sender_role, bool defer,
			struct mref *ref)
{
	int64_t sent = l->dir == WIRE_WRITE ? l->ts_ns : ST_NULL;
	int64_t recv = l->dir == WIRE_READ ? l->ts_ns : ST_NULL;
	struct call *c = NULL;
	struct st_message row = {
		.session_id = s->row.id,
		.ts_ns = l->ts_ns,
		.sent_ns = sent,
		.recv_ns = recv,
		.sender_pid = sender ? sender : ST_NULL,
		.direction = sender_role == ROLE_CLIENT ? "c2s" : "s2c",
		.kind = kind_name(m->kind),
		.rpc_id = m->id,
		.method = m->method,
		.size_bytes = m->in_batch ? (int64_t)m->body_len : (int64_t)l->wire_len,
		.truncated = l->truncated,
		.body = m->body,
		.body_len = m->body_len,
	};

	*ref = (struct mref){ .sent_ns = sent, .recv_ns = recv };
	session_note_peer_info(ss, s, m, sender_role);
	switch (m->kind) {
	case RPC_REQUEST:
		c = call_open(ss, s, sender_role, m);
		if (c) {
			c->req_sent = sent;
			c->req_recv = recv;
			ref->part = 1;
		}
		break;
	case RPC_RESPONSE:
	case RPC_ERROR:
		c = call_find(s, !sender_role, m->id);
		if (c) {
			row.method = c->method;
			ref->part = 2;
		}
		break;
	case RPC_NOTIFICATION:
		if (m->method && !strcmp(m->method, "notifications/cancelled")) {
			c = call_find(s, sender_role, m->cancel_id);
			if (c)
				c->cancelled = true;
		} else if (m->progress_token) {
			for (struct call *o = s->open; o; o = o->next)
				if (o->progress_token && !strcmp(o->progress_token, m->progress_token)) {
					c = o;
					break;
				}
		}
		break;
	default:
		break;
	}
	if (c) {
		row.call_id = c->row.id;
		c->refs++;
		ref->call = c;
	}
	row.id = store__reserve_id(ss->store, ST_ID_MESSAGE);
	ref->msg_id = row.id;
	if (defer)
		ref->pending = pending_new(&row);
	if (!ref->pending)
		store__add_message(ss->store, &row);
	ss->stats.messages++;
	if (!c)
		return;
	if (ref->part == 1) {
		c->row.request_msg_id = row.id;
		call_write(ss, c);
	} else if (ref->part == 2) {
		c->answered = true;
		c->resp_sent = sent;
		c->resp_recv = recv;
		c->row.response_msg_id = row.id;
		if (c->cancelled)
			c->row.status = "cancelled";
		else if (m->kind == RPC_ERROR)
			c->row.status = "error";
		else
			c->row.status = m->tool_error ? "tool_error" : "ok";
		if (m->kind == RPC_ERROR) {
			c->row.error_code = m->has_err_code ? m->err_code : ST_NULL;
			free(c->err_msg);
			c->err_msg = xstrdup(m->err_message);
			c->row.error_message = c->err_msg;
		}
		call_write(ss, c);
	} else if (c->cancelled && !c->answered) {
		c->row.status = "cancelled";
		call_write(ss, c);
	}
}

/* After the response: print now, or once the other end's sighting of it
 * has given the call its full timing. */
static void maybe_finish_call(struct sessions *ss, struct mref *ref, bool expect_more)
{
	struct call *c = ref->call;

	if (!c || ref->part != 2)
		return;
	if (expect_more) {
		c->awaiting++;
		return;
	}
	call_print(ss, c);
	call_close(c->s, c);
}

/* The other end's sighting of a stored line: amend times, then finish. */
static void message_seen_again(struct sessions *ss, struct mref *ref, const struct wire_line *l)
{
	struct call *c = ref->call;

	if (l->dir == WIRE_WRITE)
		ref->sent_ns = l->ts_ns;
	else
		ref->recv_ns = l->ts_ns;
	if (ref->pending)
		pending_write(ss, ref);
	else
		store__set_message_times(ss->store, ref->msg_id,
					 ref->sent_ns != ST_NULL ? ref->sent_ns : ref->recv_ns,
					 ref->sent_ns, ref->recv_ns, c ? c->row.id : 0);
	ss->stats.merged++;
	if (!c)
		return;
	if (ref->part == 1) {
		c->req_sent = ref->sent_ns;
		c->req_recv = ref->recv_ns;
	} else if (ref->part == 2) {
		c->resp_sent = ref->sent_ns;
		c->resp_recv = ref->recv_ns;
	}
	if (ref->part) {
		call_write(ss, c);
		if (ref->part == 2 && c->awaiting && --c->awaiting == 0) {
			call_print(ss, c);
			call_close(c->s, c);
		}
	}
}

/* Drops sightings that will not be matched; rows kept back are written
 * as they are. */
static void mrefs_put(struct sessions *ss, struct mref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pending_write(ss, &refs[i]);
		if (refs[i].call)
			call_put(refs[i].call);
	}
	free(refs);
}

/* Looks for this line among the other side's unmatched sightings. A match
 * also drops the older ones before it: the flow is FIFO, so they will
 * never be matched (sent before we attached, or lost). */
static bool flow_match(struct sessions *ss, struct flow *f, const struct wire_line *l,
		       uint64_t hash)
{
	int other = !l->dir;

	for (unsigned k = 0; k < f->count[other]; k++) {
		struct obs *o = &f->q[other][(f->head[other] + k) % OBS_QUEUE_LEN];

		if (o->hash != hash || o->len != l->len)
			continue;
		for (unsigned j = 0; j <= k; j++) {
			struct obs *d = &f->q[other][f->head[other]];

			if (j == k)
				for (size_t i = 0; i < d->n; i++)
					message_seen_again(ss, &d->refs[i], l);
			else
				for (size_t i = 0; i < d->n; i++)
					if (d->refs[i].call && d->refs[i].part == 2 &&
					    d->refs[i].call->awaiting &&
					    --d->refs[i].call->awaiting == 0) {
						call_print(ss, d->refs[i].call);
						call_close(d->refs[i].call->s, d->refs[i].call);
					}
			mrefs_put(ss, d->refs, d->n);
			d->refs = NULL;
			d->n = 0;
			f->head[other] = (f->head[other] + 1) % OBS_QUEUE_LEN;
			f->count[other]--;
		}
		return true;
	}
	return false;
}

static void flow_push(struct sessions *ss, struct flow *f, int side, uint64_t hash, size_t len,
		      struct mref *refs, size_t n)
{
	struct obs *o;

	if (f->count[side] == OBS_QUEUE_LEN) {
		/* Full: the oldest will not be matched; finish its calls. */
		o = &f->q[side][f->head[side]];
		for (size_t i = 0; i < o->n; i++)
			if (o->refs[i].call && o->refs[i].part == 2 && o->refs[i].call->awaiting &&
			    --o->refs[i].call->awaiting == 0) {
				call_print(ss, o->refs[i].call);
				call_close(o->refs[i].call->s, o->refs[i].call);
			}
		mrefs_put(ss, o->refs, o->n);
		f->head[side] = (f->head[side] + 1) % OBS_QUEUE_LEN;
		f->count[side]--;
	}
	o = &f->q[side][(f->head[side] + f->count[side]) % OBS_QUEUE_LEN];
	*o = (struct obs){ .hash = hash, .len = len, .refs = refs, .n = n };
	f->count[side]++;
}

static void parse_error(struct sessions *ss, const struct wire_line *l, const char *why)
{
	struct st_parse_error e = {
		.ts_ns = l->ts_ns,
		.pid = l->tgid,
		.fd = l->fd,
		.direction = l->dir == WIRE_WRITE ? "write" : "read",
		.error = why,
		.excerpt = l->text,
		.excerpt_len = l->len < 256 ? l->len : 256,
	};

	store__add_parse_error(ss->store, &e);
	ss->stats.parse_errors++;
}

/* Decodes a line, only what its head shows if it was cut short, into
 * msgs[0..n) (free them with rpc_msgs_free whatever it returns), and
 * records a parse error when none of it is JSON-RPC, unless the line
 * followed lost bytes and a partial line is to be expected. Returns how
 * many of the messages are valid. */
static size_t decode_line(struct sessions *ss, const struct wire_line *l, struct rpc_msg **msgs,
			  size_t *n)
{
	size_t valid = 0;

	*msgs = NULL;
	*n = 0;
	if (l->truncated) {
		*msgs = calloc(1, sizeof(**msgs));
		if (!*msgs)
			return 0;
		*n = 1;
		if (rpc_decode_head(l->text, l->len, *msgs) < 0)
			return 0;
	} else if (rpc_decode(l->text, l->len, msgs, n) < 0) {
		return 0;
	}
	for (size_t i = 0; i < *n; i++)
		valid += (*msgs)[i].kind != RPC_INVALID;
	if (!valid && *n && !l->after_gap)
		parse_error(ss, l, (*msgs)[0].parse_error ? (*msgs)[0].parse_error : "not JSON-RPC");
	return valid;
}

/* ---- HTTP ---- */

/* "sse:ID" from a target carrying the legacy transport's ?sessionId=ID. */
static char *legacy_key(const char *target, size_t len)
{
	const char *p = target ? memmem(target, len, "sessionId=", 10) : NULL;
	size_t n;
	char *key;

	if (!p)
		return NULL;
	p += 10;
	n = strcspn(p, "&# \r\n");
	if (p + n > target + len)
		n = (size_t)(target + len - p);
	if (!n || n > 256)
		return NULL;
	key = malloc(n + 5);
	if (key)
		snprintf(key, n + 5, "sse:%.*s", (int)n, p);
	return key;
}

/* The session an HTTP payload belongs to: the legacy transport's
 * sessionId, else the Mcp-Session-Id, else what its connection was bound
 * to, else the connection itself (stateless servers: one session per
 * client connection, named the same from both ends). */
static char *http_key(struct stream_info *si, const struct http_info *h, uint64_t ino,
		      bool self_is_client, const char **transport)
{
	char *key = NULL;

	*transport = "http";
	if (h->target && (key = legacy_key(h->target, strlen(h->target)))) {
		*transport = "sse";
		return key;
	}
	if (h->session_id) {
		size_t n = strlen(h->session_id) + 6;

		key = malloc(n);
		if (key)
			snprintf(key, n, "http:%s", h->session_id);
		if (key && si && !si->key) {
			si->key = strdup(key);
			si->transport = "http";
		}
		return key;
	}
	if (si && si->key) {
		*transport = si->transport;
		return strdup(si->key);
	}
	/* Stateless: one session per client (its address without the port)
	 * and server, named the same from both ends. */
	key = malloc(160);
	if (key && si && si->tcp.local[0]) {
		const char *client = self_is_client ? si->tcp.local : si->tcp.remote;
		const char *server = self_is_client ? si->tcp.remote : si->tcp.local;
		int ip_len = (int)(strrchr(client, ':') ? strrchr(client, ':') - client : 0);

		snprintf(key, 160, "peer:%.*s>%s", ip_len, client, server);
	} else if (key) {
		snprintf(key, 160, "conn:%" PRIu64, ino);
	}
	return key;
}

static struct session *http_session_get(struct sessions *ss, char *key, const char *transport,
					const struct wire_line *l, bool create)
{
	struct session probe = { .key = key }, *s;
	void *node = tfind(&probe, &ss->sessions, cmp_session);
	const char *colon;

	if (node)
		return *(struct session **)node;
	if (!create)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->key = strdup(key);
	s->ss = ss;
	s->row = (struct st_session){
		.transport = transport,
		.tls = l->tls,
		.started_ns = l->ts_ns,
		.ended_ns = ST_NULL,
		.client_pid = ST_NULL,
		.server_pid = ST_NULL,
	};
	colon = strchr(key, ':');
	if (strncmp(key, "conn:", 5) && strncmp(key, "peer:", 5) && colon)
		session_set_str(s, 5, &s->row.mcp_session_id, colon + 1);
	if (!s->key || !tsearch(s, &ss->sessions, cmp_session)) {
		session_free(s);
		return NULL;
	}
	store__add_session(ss->store, &s->row);
	ss->stats.sessions++;
	return s;
}

/* Learns the session's ends from a payload seen by self: its role is the
 * sender's if it wrote the payload, the other one if it read it. */
static void http_note_ends(struct sessions *ss, struct session *s, struct stream_info *si,
			   const struct wire_line *l, enum role sender_role)
{
	pid_t self = l->tgid, peer = si ? si->peer : 0;
	enum role self_role = l->dir == WIRE_WRITE ? sender_role : !sender_role;
	pid_t *mine = self_role == ROLE_CLIENT ? &s->client : &s->server;
	pid_t *theirs = self_role == ROLE_CLIENT ? &s->server : &s->client;
	bool changed = false;

	if (!*mine) {
		*mine = self;
		changed = true;
	}
	if (!*theirs && peer) {
		*theirs = peer;
		changed = true;
	}
	if (si && si->tcp.local[0] && !s->row.client_addr) {
		session_set_str(s, 6, &s->row.client_addr,
				self_role == ROLE_CLIENT ? si->tcp.local : si->tcp.remote);
		session_set_str(s, 7, &s->row.server_addr,
				self_role == ROLE_CLIENT ? si->tcp.remote : si->tcp.local);
		changed = true;
	}
	if (changed) {
		s->row.client_pid = s->client ? s->client : ST_NULL;
		s->row.server_pid = s->server ? s->server : ST_NULL;
		session_write(ss, s);
	}
}

/* A TCP connection's name, the same from both ends when both sockets are
 * known (loopback), else this end's stream. */
static uint64_t conn_id(const struct wire_line *l, const struct stream_info *si)
{
	if (si && si->tcp.local[0] && si->tcp.remote[0]) {
		/* The two ends' addresses, smaller first: known at both ends
		 * from their own socket, whatever the other end has done. */
		const char *a = si->tcp.local, *b = si->tcp.remote;

		if (strcmp(a, b) > 0) {
			const char *t = a;

			a = b;
			b = t;
		}
		return (fnv1a(a, strlen(a)) * 0x9e3779b97f4a7c15ULL ^ fnv1a(b, strlen(b))) &
		       ~(1ULL << 63);
	}
	return l->stream_id | (1ULL << 63);
}

/* A failed HTTP exchange with no JSON-RPC answer fails the calls its
 * request carried. */
static void http_fail_exchange(struct sessions *ss, struct session *s, const struct wire_line *l,
			       const struct stream_info *si, const struct rpc_msg *err,
			       int64_t err_msg_id)
{
	const struct http_info *h = l->http;
	uint64_t conn = conn_id(l, si);
	struct call *c, *next;

	for (c = s->open; c; c = next) {
		next = c->next;
		if (c->http_conn != conn || c->http_exchange != h->exchange ||
		    c->answered)
			continue;
		c->answered = true;
		if (l->dir == WIRE_WRITE)
			c->resp_sent = l->ts_ns;
		else
			c->resp_recv = l->ts_ns;
		c->row.status = "error";
		c->row.http_status = h->status;
		c->row.response_msg_id = err_msg_id;
		c->row.error_code = err && err->has_err_code ? err->err_code : ST_NULL;
		free(c->err_msg);
		if (err && err->err_message) {
			c->err_msg = strdup(err->err_message);
		} else {
			c->err_msg = malloc(32);
			if (c->err_msg)
				snprintf(c->err_msg, 32, "HTTP %u", h->status);
		}
		c->row.error_message = c->err_msg;
		call_write(ss, c);
		call_print(ss, c);
		call_close(s, c);
	}
}

static bool http_line(struct sessions *ss, const struct wire_line *l)
{
	const struct http_info *h = l->http;
	enum role sender_role = h->response ? ROLE_SERVER : ROLE_CLIENT;
	struct stream_info *si = stream_info_get(ss, l);
	struct rpc_msg *msgs = NULL;
	const char *transport;
	struct session *s = NULL;
	struct flow *f = NULL;
	struct mref *refs;
	size_t n = 0;
	bool expect_dup, ok = true;
	uint64_t hash = 0, fid;
	pid_t sender;
	char *key;

	if (h->sse_event && !strcmp(h->sse_event, "endpoint")) {
		/* The legacy transport names its session in the GET stream's
		 * first event; the stream's later events belong to it. */
		key = legacy_key(l->text, l->len);
		if (key && si) {
			free(si->key);
			si->key = key;
			si->transport = "sse";
			si->ends_session = true;
			return true;
		}
		free(key);
		return false;
	}
	key = http_key(si, h, l->ino, (l->dir == WIRE_WRITE) == (sender_role == ROLE_CLIENT),
		       &transport);
	if (!key)
		return false;
	if (h->no_payload) {
		s = http_session_get(ss, key, transport, l, false);
		if (s && h->status < 300)
			session_drop(ss, s, l->ts_ns); /* DELETE answered */
		else if (s)
			http_fail_exchange(ss, s, l, si, NULL, 0);
		free(key);
		return true;
	}
	expect_dup = si && is_traced(ss, si->peer);
	/* The flow is the connection, named from its two sockets so both ends
	 * agree; a session's connections are not ordered among themselves. */
	if (si && si->tcp.local[0]) {
		fid = (5ULL << 60) | ((conn_id(l, si) & ((1ULL << 58) - 1)) << 1) | sender_role;
	} else {
		fid = (6ULL << 60) | ((fnv1a(key, strlen(key)) & ((1ULL << 58) - 1)) << 1) |
		      sender_role;
	}
	if (expect_dup) {
		void *node = tfind(&fid, &ss->flows, cmp_u64_first);

		hash = fnv1a(l->text, l->len);
		if (node && flow_match(ss, *(struct flow **)node, l, hash))
			goto out;
	}
	if (!decode_line(ss, l, &msgs, &n)) {
		ok = false;
		goto out;
	}
	s = http_session_get(ss, key, transport, l, true);
	if (!s)
		goto out;
	if (h->protocol_version && !s->row.protocol_version) {
		session_set_str(s, 4, &s->row.protocol_version, h->protocol_version);
		session_write(ss, s);
	}
	http_note_ends(ss, s, si, l, sender_role);
	sender = sender_role == ROLE_CLIENT ? s->client : s->server;
	f = expect_dup ? flow_get(ss, s, fid) : NULL;
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct call *c;

		if (msgs[i].kind == RPC_INVALID) {
			parse_error(ss, l, msgs[i].parse_error ? msgs[i].parse_error : "invalid member");
			continue;
		}
		message_new(ss, s, l, &msgs[i], sender, sender_role, f != NULL, &refs[i]);
		c = refs[i].call;
		if (c && refs[i].part == 1) {
			c->http_conn = conn_id(l, si);
			c->http_exchange = h->exchange;
		} else if (c && refs[i].part == 2 && h->status >= 400) {
			c->row.http_status = h->status;
			call_write(ss, c);
		} else if (!c && h->response && h->status >= 400 && msgs[i].kind == RPC_ERROR) {
			/* An error without the id (null or missing) answers the
			 * exchange's requests as a whole. */
			http_fail_exchange(ss, s, l, si, &msgs[i], refs[i].msg_id);
		}
		maybe_finish_call(ss, &refs[i], f != NULL);
	}
	if (f)
		flow_push(ss, f, l->dir, hash, l->len, refs, n);
	else
		mrefs_put(ss, refs, n);
out:
	rpc_msgs_free(msgs, n);
	free(key);
	return ok;
}

bool sessions__line(struct sessions *ss, const struct wire_line *l)
{
	struct rpc_msg *msgs = NULL;
	size_t n = 0;
	struct session *s = NULL;
	struct flow *f;
	struct mref *refs;
	uint64_t hash = 0, fid;
	bool expect_dup = false, hashed = false;
	enum role self_role, sender_role;
	pid_t peer = 0, sender;
	void *node;

	if (l->http)
		return http_line(ss, l);
	if (l->fd_kind == MT_FD_INET || l->fd_kind == MT_FD_SOCK)
		return false; /* lines over TCP are not MCP's stdio transport */

	/* The other end's sighting of a line already stored needs no decoding:
	 * match it first. Flows exist only once a message was stored. */
	fid = flow_id(l);
	node = tfind(&fid, &ss->flows, cmp_u64_first);
	if (node) {
		peer = stream_peer(ss, l);
		expect_dup = is_traced(ss, peer);
		if (expect_dup) {
			hash = fnv1a(l->text, l->len);
			hashed = true;
			if (flow_match(ss, *(struct flow **)node, l, hash))
				return true;
		}
	}
	if (!decode_line(ss, l, &msgs, &n)) {
		rpc_msgs_free(msgs, n);
		return false;
	}
	if (!node) {
		peer = stream_peer(ss, l);
		/* Both ends traced: the same line will be seen at the other. */
		expect_dup = is_traced(ss, peer);
	}
	for (size_t i = 0; i < n && !s; i++)
		if (msgs[i].kind != RPC_INVALID)
			s = session_get(ss, l, peer, &msgs[i]);
	if (!s)
		goto out;
	self_role = (pid_t)l->tgid == s->client ? ROLE_CLIENT : ROLE_SERVER;
	sender_role = l->dir == WIRE_WRITE ? self_role : !self_role;
	sender = l->dir == WIRE_WRITE ? (pid_t)l->tgid : peer;
	f = expect_dup ? flow_get(ss, s, fid) : NULL;
	if (f && !hashed)
		hash = fnv1a(l->text, l->len);
	refs = calloc(n, sizeof(*refs));
	if (!refs)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (msgs[i].kind == RPC_INVALID) {
			parse_error(ss, l, msgs[i].parse_error ? msgs[i].parse_error : "invalid member");
			continue;
		}
		message_new(ss, s, l, &msgs[i], sender, sender_role, f != NULL, &refs[i]);
		maybe_finish_call(ss, &refs[i], f != NULL);
	}
	if (f)
		flow_push(ss, f, l->dir, hash, l->len, refs, n);
	else
		mrefs_put(ss, refs, n);
out:
	rpc_msgs_free(msgs, n);
	return true;
}

void sessions__loss(struct sessions *ss, const struct wire_line *w, uint64_t offset, uint64_t bytes,
		    const char *reason)
{
	struct st_loss l = {
		.ts_ns = w->ts_ns,
		.pid = w->tgid,
		.fd = w->fd,
		.stream_id = (int64_t)w->stream_id,
		.direction = w->dir == WIRE_WRITE ? "write" : "read",
		.offset = (int64_t)offset,
		.bytes = (int64_t)bytes,
		.reason = reason,
	};

	store__add_loss(ss->store, &l);
}

void sessions__finish(struct sessions *ss, int64_t ts_ns)
{
	struct session **list;
	size_t n = sessions_of(ss, 0, &list);

	for (size_t i = 0; i < n; i++)
		session_end(ss, list[i], ts_ns, false);
	free(list);
}

static void flush_session(struct sessions *ss, struct session *s)
{
	for (struct call *c = s->open; c; c = c->next)
		if (c->dirty)
			call_sync(ss, c);
	for (struct flow *f = s->flows; f; f = f->next)
		for (int side = 0; side < 2; side++)
			for (unsigned k = 0; k < f->count[side]; k++) {
				struct obs *o = &f->q[side][(f->head[side] + k) % OBS_QUEUE_LEN];

				for (size_t i = 0; i < o->n; i++)
					pending_write(ss, &o->refs[i]);
			}
}

void sessions__flush(struct sessions *ss)
{
	struct session **list;
	size_t n = sessions_of(ss, 0, &list);

	for (size_t i = 0; i < n; i++)
		flush_session(ss, list[i]);
	free(list);
}

void sessions__stats(const struct sessions *ss, struct sessions_stats *out)
{
	*out = ss->stats;
}

static void free_session_node(void *p)
{
	session_free(p);
}

static void noop_free(void *p)
{
	(void)p;
}

void sessions__free(struct sessions *ss)
{
	if (!ss)
		return;
	sessions__finish(ss, 0);
	tdestroy(ss->sessions, free_session_node);
	tdestroy(ss->flows, free);
	tdestroy(ss->streams, free);
	tdestroy(ss->traced, noop_free);
	free(ss);
}
