/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session_stdio: MCP's stdio transport, one JSON-RPC message per line over
 * pipes, a socketpair or a tty. A session is the pair of processes at the
 * two ends, found through /proc once per stream (peer.c), so a host with
 * several servers gets one session per server. Roles come from the first
 * message whose method only one side sends (initialize, tools/call ...
 * from the client; sampling, roots ... from the server), else from who
 * spawned whom, else from who talks on its fds 0 and 1 (the server).
 */
#include <linux/types.h>
#include <string.h>

#include "mcptrace.h"
#include "mcp/state.h"

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

static void decide_roles(struct sessions *ss, struct session *s, const struct wire_line *l,
			 pid_t peer, const struct rpc_msg *m)
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

/* A session of p with nobody known at the other end: (p, 0). */
static struct session *half_session(struct sessions *ss, pid_t p)
{
	struct session key = { .a = p };

	return session__find(ss, &key);
}

/* The session of the two processes at the ends of l's stream; m, the
 * line's first valid message, decides the roles of a new one. A session
 * begun with its peer unknown is that session once the peer is known:
 * it takes the peer's pid rather than a second session opening. */
static struct session *stdio_session(struct sessions *ss, const struct wire_line *l, pid_t peer,
				     const struct rpc_msg *m)
{
	pid_t self = (pid_t)l->tgid;
	struct session key = { 0 }, *s;

	key.a = peer && peer < self ? peer : self;
	key.b = peer && peer < self ? self : peer;
	s = session__find(ss, &key);
	if (s)
		return s;
	if (peer && ((s = half_session(ss, self)) || (s = half_session(ss, peer)))) {
		pid_t known = s->a;

		if (!s->client)
			s->client = known == self ? peer : self;
		else if (!s->server)
			s->server = known == self ? peer : self;
		s->row.client_pid = s->client ? s->client : ST_NULL;
		s->row.server_pid = s->server ? s->server : ST_NULL;
		session__rekey(ss, s, key.a, key.b);
		session__write(ss, s);
		return s;
	}
	key.row = (struct st_session){ .transport = "stdio" };
	decide_roles(ss, &key, l, peer, m);
	s = session__new(ss, &key, l->ts_ns);
	if (s)
		session__write(ss, s);
	return s;
}

/* Makes records of the messages of line l, with peer at the other end
 * (0: unknown). hash is l's when hashed. A held line is made in its place
 * in its flow (in_place), where the other end's sighting will meet it. */
static void stdio_store(struct sessions *ss, const struct wire_line *l, pid_t peer, uint64_t fid,
			const struct rpc_msg *msgs, size_t n, bool hashed, uint64_t hash,
			struct obs *in_place)
{
	struct line_ctx x = { .l = l, .in_place = in_place };
	enum role self_role;

	for (size_t i = 0; i < n && !x.s; i++)
		if (msgs[i].kind != RPC_INVALID)
			x.s = stdio_session(ss, l, peer, &msgs[i]);
	if (!x.s)
		return;
	self_role = (pid_t)l->tgid == x.s->client ? ROLE_CLIENT : ROLE_SERVER;
	x.sender_role = l->dir == WIRE_WRITE ? self_role : !self_role;
	x.sender = l->dir == WIRE_WRITE ? (pid_t)l->tgid : peer;
	/* Both ends traced: the same line will be seen at the other. */
	x.flow = sessions__is_traced(ss, peer) ? flow__get(ss, x.s, fid) : NULL;
	if (x.flow) {
		x.flow->pid[l->dir] = l->tgid;
		x.hash = hashed ? hash : fnv1a(l->text, l->len);
	}
	sessions__store_line(ss, &x, msgs, n, NULL);
}

void stdio__decide_obs(struct sessions *ss, struct flow *f, int side, struct obs *o, pid_t peer)
{
	struct held_line *h = o->held;

	o->held = NULL;
	f->held[side]--;
	stdio_store(ss, &h->l, peer, f->id, h->msgs, h->n, true, o->hash, o);
	held_line__free(h);
}

void stdio__decide(struct sessions *ss, struct flow *f, int side, pid_t peer)
{
	for (unsigned k = 0; k < f->count[side] && f->held[side]; k++) {
		struct obs *o = flow__at(f, side, k);

		if (o->held)
			stdio__decide_obs(ss, f, side, o, peer);
	}
	flow__trim(ss, f, side);
}

/* Who is at the other end of f's held side: the process its records
 * named, else the one /proc shows now, else nobody known. */
static pid_t held_peer(struct sessions *ss, struct flow *f, int side)
{
	const struct held_line *h = NULL;

	if (f->pid[!side])
		return f->pid[!side];
	for (unsigned k = 0; k < f->count[side] && !h; k++)
		h = flow__at(f, side, k)->held;
	if (!h)
		return 0;
	stream_info__forget(ss, h->l.stream_id);
	return stream_info__peer(ss, &h->l);
}

/* The held line of f's side at or after its pass cursor, which moves
 * past what was decided: each line is looked at once a pass. */
static struct obs *next_held(struct flow *f, int side)
{
	for (; f->decide_at[side] < f->count[side]; f->decide_at[side]++) {
		struct obs *o = flow__at(f, side, f->decide_at[side]);

		if (o->held)
			return o;
	}
	return NULL;
}

/* The held line that waited longest, across flows, if held before seq
 * `before`: lines are decided in the order they came, so a request is
 * made before its answer. */
static struct obs *oldest_held(struct sessions *ss, uint64_t before, struct flow **fp, int *sidep)
{
	struct obs *best = NULL, *o;

	for (struct flow *f = ss->holding; f; f = f->next_holding)
		for (int side = 0; side < 2; side++)
			if (f->held[side] && (o = next_held(f, side)) && o->held->seq < before &&
			    (!best || o->held->seq < best->held->seq)) {
				best = o;
				*fp = f;
				*sidep = side;
			}
	return best;
}

/* Who /proc shows at the other end of each held side, for the lines held
 * so far. */
static void look_up_peers(struct sessions *ss)
{
	for (struct flow *f = ss->holding; f; f = f->next_holding)
		for (int side = 0; side < 2; side++)
			f->decide_peer[side] = f->held[side] ? held_peer(ss, f, side) : 0;
	ss->looked_up_before = ss->held_seq;
}

void stdio__decide_all(struct sessions *ss, bool now)
{
	struct flow *f, *next, **keep;
	struct obs *o;
	int side;

	/*
	 * What /proc said at the last pass decides. A reader gone from /proc
	 * then had its records in the ring buffer before that, and the polls
	 * since have read them: they met its lines already. Asking /proc now
	 * and deciding at once would store a line the reader's records, not
	 * yet read, will store again.
	 */
	if (now)
		look_up_peers(ss);
	for (f = ss->holding; f; f = f->next_holding)
		f->decide_at[0] = f->decide_at[1] = 0;
	while ((o = oldest_held(ss, ss->looked_up_before, &f, &side)))
		stdio__decide_obs(ss, f, side, o, f->pid[!side] ? f->pid[!side] : f->decide_peer[side]);
	f = ss->holding;
	keep = &ss->holding;
	for (; f; f = next) {
		next = f->next_holding;
		flow__trim(ss, f, 0);
		flow__trim(ss, f, 1);
		if (f->held[0] || f->held[1]) {
			*keep = f;
			keep = &f->next_holding;
			continue;
		}
		f->holding = false;
		flow__drop_if_idle(ss, f);
	}
	*keep = NULL;
	look_up_peers(ss);
}

/* Whether the other end of l's channel, if traced, shows up in records
 * of the same flow: pipes, and socketpairs whose peer socket is known. */
static bool pairable(const struct wire_line *l)
{
	return l->fd_kind == MT_FD_PIPE || (l->fd_kind == MT_FD_UNIX && l->peer_ino);
}

bool stdio__line(struct sessions *ss, const struct wire_line *l)
{
	uint64_t fid = flow__id_stdio(l), hash = 0;
	struct flow *f = flow__find(ss, fid);
	struct rpc_msg *msgs = NULL;
	bool hashed = false;
	size_t n = 0;
	pid_t peer;

	if (f) {
		f->pid[l->dir] = l->tgid;
		/* The other end's sighting of a line seen already needs no
		 * decoding: match it first. */
		if (f->count[!l->dir]) {
			hash = fnv1a(l->text, l->len);
			hashed = true;
			if (flow__match(ss, f, l, hash))
				return true;
		}
	}
	if (!sessions__decode(ss, l, &msgs, &n)) {
		jsonrpc__free(msgs, n);
		return false;
	}
	peer = stream_info__peer(ss, l);
	if (!peer && f)
		peer = f->pid[!l->dir];
	if ((!peer && pairable(l)) || (f && f->held[l->dir])) {
		/* Nobody known at the other end (or lines before this one
		 * wait for it): wait for its records, in order. */
		if (!f)
			f = flow__get(ss, NULL, fid);
		if (f) {
			f->pid[l->dir] = l->tgid;
			flow__hold(ss, f, l, hashed ? hash : fnv1a(l->text, l->len), msgs, n);
			return true;
		}
	}
	stdio_store(ss, l, peer, fid, msgs, n, hashed, hash, NULL);
	jsonrpc__free(msgs, n);
	return true;
}
