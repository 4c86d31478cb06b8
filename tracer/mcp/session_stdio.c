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

/* The session of the two processes at the ends of l's stream; m, the
 * line's first valid message, decides the roles of a new one. */
static struct session *stdio_session(struct sessions *ss, const struct wire_line *l, pid_t peer,
				     const struct rpc_msg *m)
{
	struct session key = { 0 }, *s;

	key.a = peer && peer < (pid_t)l->tgid ? peer : (pid_t)l->tgid;
	key.b = peer && peer < (pid_t)l->tgid ? (pid_t)l->tgid : peer;
	s = session__find(ss, &key);
	if (s)
		return s;
	key.row = (struct st_session){ .transport = "stdio" };
	decide_roles(ss, &key, l, peer, m);
	s = session__new(ss, &key, l->ts_ns);
	if (s)
		session__write(ss, s);
	return s;
}

bool stdio__line(struct sessions *ss, const struct wire_line *l)
{
	struct rpc_msg *msgs = NULL;
	struct line_ctx x = { .l = l };
	size_t n = 0;
	uint64_t fid = flow__id_stdio(l);
	struct flow *seen = flow__find(ss, fid);
	bool expect_dup = false, hashed = false;
	pid_t peer = 0;
	enum role self_role;

	/* The other end's sighting of a line already stored needs no decoding:
	 * match it first. Flows exist only once a message was stored. */
	if (seen) {
		peer = stream_info__peer(ss, l);
		expect_dup = sessions__is_traced(ss, peer);
		if (expect_dup) {
			x.hash = fnv1a(l->text, l->len);
			hashed = true;
			if (flow__match(ss, seen, l, x.hash))
				return true;
		}
	}
	if (!sessions__decode(ss, l, &msgs, &n)) {
		jsonrpc__free(msgs, n);
		return false;
	}
	if (!seen) {
		peer = stream_info__peer(ss, l);
		/* Both ends traced: the same line will be seen at the other. */
		expect_dup = sessions__is_traced(ss, peer);
	}
	for (size_t i = 0; i < n && !x.s; i++)
		if (msgs[i].kind != RPC_INVALID)
			x.s = stdio_session(ss, l, peer, &msgs[i]);
	if (!x.s)
		goto out;
	self_role = (pid_t)l->tgid == x.s->client ? ROLE_CLIENT : ROLE_SERVER;
	x.sender_role = l->dir == WIRE_WRITE ? self_role : !self_role;
	x.sender = l->dir == WIRE_WRITE ? (pid_t)l->tgid : peer;
	x.flow = expect_dup ? flow__get(ss, x.s, fid) : NULL;
	if (x.flow && !hashed)
		x.hash = fnv1a(l->text, l->len);
	sessions__store_line(ss, &x, msgs, n, NULL);
out:
	jsonrpc__free(msgs, n);
	return true;
}
