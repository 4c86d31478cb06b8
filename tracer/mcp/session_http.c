/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session_http: MCP over HTTP/1.1, the payloads stream_http cut out with
 * the head of the message that carried them. Which session a payload
 * belongs to: the legacy HTTP+SSE transport's sessionId (named by the GET
 * stream's endpoint event), else the Mcp-Session-Id of Streamable HTTP,
 * else what the connection was bound to, else one session per client
 * address and server (stateless servers), named the same from both ends.
 * A 4xx or 5xx answer fails the calls its request carried.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/mcp_headers.h"
#include "mcp/state.h"

/* Where the server of a connection listens, "ip:port" ("" if unknown):
 * half of an HTTP session's name, so two hops that forward one session id
 * (a gateway in between) are two sessions. */
static const char *server_addr(const struct stream_info *si, bool self_is_client)
{
	if (!si || !si->tcp.local[0])
		return "";
	return self_is_client ? si->tcp.remote : si->tcp.local;
}

/* The longest session id kept in a key; a longer one is cut. */
#define SESSION_ID_MAX 256

/* A session's key: "PREFIX:ENDPOINT SID", the endpoint being the server's
 * address and the path it serves (without the query), so the session id
 * comes after the first space (an endpoint has none). */
static char *endpoint_key(const char *prefix, const char *server, const char *path,
			  size_t path_len, const char *sid, size_t sid_len)
{
	size_t n = strlen(prefix) + strlen(server) + path_len + sid_len + 3;
	char *key = malloc(n);

	if (key)
		snprintf(key, n, "%s:%s%.*s %.*s", prefix, server, (int)path_len, path,
			 (int)sid_len, sid);
	return key;
}

/* "sse:SERVER ID" from text carrying the legacy transport's sessionId=ID
 * (a POST's target, or the GET stream's endpoint event). The path is left
 * out: the stream and the POSTs go to different ones. */
static char *legacy_key(const char *text, size_t len, const char *server)
{
	const char *p = text ? memmem(text, len, "sessionId=", 10) : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += 10;
	n = strcspn(p, "&# \r\n");
	if (p + n > text + len)
		n = (size_t)(text + len - p);
	if (!n || n > SESSION_ID_MAX)
		return NULL;
	return endpoint_key("sse", server, "", 0, p, n);
}

/* A stateless session's key: two addresses and an endpoint path, cut to
 * fit (a longer path only shares a session with its own prefix's). */
#define PEER_KEY_MAX 512

/* The session an HTTP payload belongs to: the legacy transport's
 * sessionId, else the Mcp-Session-Id, else what its connection was bound
 * to, else the connection itself (stateless servers: one session per
 * client connection, named the same from both ends). */
static char *http_key(struct stream_info *si, const struct http_info *h, uint64_t ino,
		      bool self_is_client, const char **transport)
{
	char *key = NULL;

	const char *server = server_addr(si, self_is_client);

	*transport = "http";
	if (h->target && (key = legacy_key(h->target, strlen(h->target), server))) {
		*transport = "sse";
		return key;
	}
	if (h->session_id) {
		const char *path = h->target ? h->target : "";
		key = endpoint_key("http", server, path, strcspn(path, "?# "), h->session_id,
				   strlen(h->session_id));
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
	/* Stateless (2026-07-28 always): one session per client (its address
	 * without the port), server and endpoint (the target's path), named
	 * the same from both ends: a response carries its request's target.
	 * A server may serve both eras on one endpoint: a 2026-07-28 (or
	 * later) exchange, which always carries its MCP-Protocol-Version
	 * (a response its request's), keys a session of that version; 2025
	 * exchanges, whose initialize carries none, share the era-less one. */
	key = malloc(PEER_KEY_MAX);
	if (key && si && si->tcp.local[0]) {
		const char *client = self_is_client ? si->tcp.local : si->tcp.remote;
		const char *server = self_is_client ? si->tcp.remote : si->tcp.local;
		int ip_len = (int)(strrchr(client, ':') ? strrchr(client, ':') - client : 0);
		const char *path = h->target ? h->target : "";
		const char *pv = h->protocol_version;
		bool modern = pv && strcmp(pv, "2026-07-28") >= 0 && strlen(pv) < 32;

		snprintf(key, PEER_KEY_MAX, "peer:%.*s>%s%.*s%s%s", ip_len, client, server,
			 (int)strcspn(path, "?#"), path, modern ? " " : "", modern ? pv : "");
	} else if (key) {
		snprintf(key, PEER_KEY_MAX, "conn:%" PRIu64, ino);
	}
	return key;
}

struct session *http__session_find(struct sessions *ss, const char *key)
{
	struct session probe = { .key = (char *)key };

	return session__find(ss, &probe);
}

static struct session *http_session(struct sessions *ss, const char *key, const char *transport,
				    const struct wire_line *l)
{
	struct session proto = { .key = (char *)key }, *s = session__find(ss, &proto);
	const char *sid = strchr(key, ' ');

	if (s)
		return s;
	proto.row = (struct st_session){
		.transport = transport,
		.tls = l->tls,
		.client_pid = ST_NULL,
		.server_pid = ST_NULL,
	};
	s = session__new(ss, &proto, l->ts_ns);
	if (!s)
		return NULL;
	if (strncmp(key, "conn:", 5) && strncmp(key, "peer:", 5) && sid)
		session__set_str(s, SS_MCP_SESSION_ID, &s->row.mcp_session_id, sid + 1);
	session__write(ss, s);
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
		session__set_str(s, SS_CLIENT_ADDR, &s->row.client_addr,
				self_role == ROLE_CLIENT ? si->tcp.local : si->tcp.remote);
		session__set_str(s, SS_SERVER_ADDR, &s->row.server_addr,
				self_role == ROLE_CLIENT ? si->tcp.remote : si->tcp.local);
		changed = true;
	}
	if (changed) {
		s->row.client_pid = s->client ? s->client : ST_NULL;
		s->row.server_pid = s->server ? s->server : ST_NULL;
		session__write(ss, s);
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
		call__write(ss, c);
		call__finish(ss, c);
		call__close(s, c);
	}
}

/* What HTTP adds to each message: the exchange a request rode in, so a
 * failed exchange can fail its calls; the status of a failed one; a
 * request whose Mcp-Method or Mcp-Name header disagrees with it. */
static void http_message(struct sessions *ss, const struct line_ctx *x, const struct rpc_msg *m,
			 struct mref *ref)
{
	const struct http_info *h = x->l->http;
	struct call *c = ref->call;
	char why[512];

	if (!m->in_batch && mcp_headers__mismatch(h, m, why, sizeof(why)))
		sessions__session_error(ss, x->l, x->s->row.id, why);

	if (c && ref->part == PART_REQUEST) {
		c->http_conn = conn_id(x->l, x->si);
		c->http_exchange = h->exchange;
	} else if (c && ref->part == PART_RESPONSE && h->status >= 400) {
		c->row.http_status = h->status;
		call__write(ss, c);
	} else if (!c && h->response && h->status >= 400 && m->kind == RPC_ERROR) {
		/* An error without the id (null or missing) answers the
		 * exchange's requests as a whole. */
		http_fail_exchange(ss, x->s, x->l, x->si, m, ref->msg_id);
	}
}

/* The legacy transport names its session in the GET stream's first event
 * ("endpoint"); the stream's later events belong to it. */
static bool http_endpoint(struct stream_info *si, const struct wire_line *l)
{
	/* The event is the server's: it wrote it, or the client read it. */
	char *key = legacy_key(l->text, l->len, server_addr(si, l->dir == WIRE_READ));

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

/* A head with no JSON-RPC body that still means something: a DELETE
 * answered 2xx ends its session, a failed exchange fails its calls. */
static void http_head_only(struct sessions *ss, const char *key, const struct wire_line *l,
			   const struct stream_info *si)
{
	struct session *s = http__session_find(ss, key);

	if (s && l->http->status < 300)
		session__drop(ss, s, l->ts_ns);
	else if (s)
		http_fail_exchange(ss, s, l, si, NULL, 0);
}

bool http__line(struct sessions *ss, const struct wire_line *l)
{
	const struct http_info *h = l->http;
	struct line_ctx x = {
		.l = l,
		.si = stream_info__get(ss, l),
		.sender_role = h->response ? ROLE_SERVER : ROLE_CLIENT,
	};
	struct rpc_msg *msgs = NULL;
	const char *transport;
	size_t n = 0;
	bool expect_dup, unsure, ok = true;
	uint64_t fid;
	char *key;

	if (h->sse_event && !strcmp(h->sse_event, "endpoint"))
		return http_endpoint(x.si, l);
	key = http_key(x.si, h, l->ino, (l->dir == WIRE_WRITE) == (x.sender_role == ROLE_CLIENT),
		       &transport);
	if (!key)
		return false;
	if (h->no_payload) {
		http_head_only(ss, key, l, x.si);
		free(key);
		return true;
	}
	/* The other end is traced, or may be: /proc could not name it, as
	 * the connection was going by the time we looked (lines are read
	 * a while after they were sent). */
	unsure = x.si && !x.si->peer && x.si->tcp.unsure;
	expect_dup = x.si && (sessions__is_traced(ss, x.si->peer) || unsure);
	/* The flow is the connection, named from its two sockets so both ends
	 * agree; a session's connections are not ordered among themselves. */
	if (x.si && x.si->tcp.local[0])
		fid = flow_id_make(FLOW_TCP, (conn_id(l, x.si) & ((1ULL << 58) - 1)) << 1 |
						     x.sender_role);
	else
		fid = flow_id_make(FLOW_HTTP_SESSION,
				   (fnv1a(key, strlen(key)) & ((1ULL << 58) - 1)) << 1 | x.sender_role);
	if (expect_dup) {
		struct flow *seen = flow__find(ss, fid);

		x.hash = fnv1a(l->text, l->len);
		if (seen && flow__match(ss, seen, l, x.hash)) {
			/* Seen from the other end already; this end may be
			 * the one that names its process. */
			x.s = http__session_find(ss, key);
			if (x.s)
				http_note_ends(ss, x.s, x.si, l, x.sender_role);
			goto out;
		}
	}
	if (!sessions__decode(ss, l, &msgs, &n)) {
		ok = false;
		goto out;
	}
	x.s = http_session(ss, key, transport, l);
	if (!x.s)
		goto out;
	if (h->protocol_version && !x.s->row.protocol_version) {
		session__set_str(x.s, SS_PROTOCOL_VERSION, &x.s->row.protocol_version,
				 h->protocol_version);
		session__write(ss, x.s);
	}
	http_note_ends(ss, x.s, x.si, l, x.sender_role);
	x.sender = x.sender_role == ROLE_CLIENT ? x.s->client : x.s->server;
	x.flow = expect_dup ? flow__get(ss, x.s, fid) : NULL;
	if (x.flow && unsure && !x.flow->give_up_at)
		x.flow->give_up_at = ss->flushes + 2;
	sessions__store_line(ss, &x, msgs, n, http_message);
out:
	jsonrpc__free(msgs, n);
	free(key);
	return ok;
}
