// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hops: calls linked across a gateway. A process that serves a call on one
 * session (the inbound hop) and makes the same call on another (the
 * backend hop) while the first is open is a gateway, bridge or proxy
 * forwarding it: the backend call names the inbound one as its parent.
 *
 * The match: the backend call's requester is the inbound call's responder;
 * same method, target and arguments digest (ids are not compared: a
 * gateway rewrites them; the transport may change, HTTP in and stdio out);
 * the backend request sent at or after the inbound request and before the
 * inbound response. One to one: an inbound call serves at most one backend
 * call, the oldest waiting one first, so concurrent identical calls pair
 * in order. A backend session (the gateway its client) names the inbound
 * session its linked calls serve while they all serve the same one.
 *
 * The two requests may be made into calls in either order: the gateway
 * reads the inbound request before it writes the backend one, but a
 * Streamable HTTP initialize waits for its answer's Mcp-Session-Id
 * (stream_http.c) and comes after the backend initialize it caused. So
 * each call is remembered both ways: as an inbound call for its responder
 * and as a backend call for its requester, and a request looks for its
 * match among both. A backend call linked after it was given and let go
 * is amended through the sinks (call_parent).
 *
 * Edges: only the HOPS_MAX newest calls are remembered. The method,
 * target and arguments are compared by a 64-bit digest. An inbound
 * request made into a call late is not known to be still open when a
 * backend request went out, only to have started before it.
 */
#include <stdlib.h>
#include <string.h>

#include "mcp/state.h"

/* Inbound calls remembered, over all processes: the oldest is forgotten
 * past this (a gateway answering that many calls without forwarding them
 * keeps no backend call waiting that long). */
#define HOPS_MAX 4096

/* A call, as the parent of a backend call its responder makes and as a
 * backend call of its requester. */
struct hop {
	pid_t requester, responder;
	struct call *call; /* until it is freed */
	int64_t call_id, session_id;
	uint64_t what; /* method, target and arguments */
	int64_t start_ns;
	int64_t read_ns; /* once freed: the responder's read of its request, or ST_NULL */
	int64_t end_ns; /* its response, once freed; ST_NULL if it had none */
	bool taken;	/* a backend call links to it */
	bool linked;	/* it links to its inbound call */
};

struct hops {
	struct hop ring[HOPS_MAX];
	unsigned head, count;
};

static uint64_t call_what(const struct call *c)
{
	uint64_t h = fnv1a(c->method ? c->method : "", c->method ? strlen(c->method) : 0);

	h = (h ^ 0xff) * 0x100000001b3ULL; /* a separator: "a"+"bc" is not "ab"+"c" */
	if (c->target)
		h ^= fnv1a(c->target, strlen(c->target)) * 0x9e3779b97f4a7c15ULL;
	return h ^ c->args_digest * 0xc2b2ae3d27d4eb4fULL;
}

static int64_t first_of(int64_t a, int64_t b)
{
	return a != ST_NULL ? a : b;
}

/* When the gateway read inbound call e's request (ST_NULL: not seen). */
static int64_t read_at(const struct hop *e)
{
	return e->call ? e->call->req_recv : e->read_ns;
}

/*
 * Whether the gateway had read inbound call e's request, and not answered
 * it, when it sent a backend request at t. A traced gateway's read comes
 * before its write in the records, so a request it has not been seen
 * reading yet was not read (mcp-remote makes its own initialize at
 * start-up, before it reads its client's); an untraced one's reads are
 * not seen: the request's start stands in for them.
 */
static bool open_at(struct sessions *ss, const struct hop *e, int64_t t)
{
	int64_t read = read_at(e);

	if (read == ST_NULL && sessions__is_traced(ss, e->responder))
		return false;
	if ((read != ST_NULL ? read : e->start_ns) > t)
		return false;
	if (e->call) {
		const struct call *c = e->call;

		return !c->answered || first_of(c->resp_sent, c->resp_recv) >= t;
	}
	return e->end_ns != ST_NULL && e->end_ns >= t;
}

/* The backend session serves parent_id's session: kept while all its
 * linked calls agree, none once two disagree. */
static void session_parent(struct sessions *ss, struct session *s, int64_t parent_id)
{
	if (s->parent_mixed || s->row.parent_session_id == parent_id)
		return;
	if (s->row.parent_session_id) {
		s->parent_mixed = true;
		s->row.parent_session_id = 0;
	} else {
		s->row.parent_session_id = parent_id;
	}
	session__write(ss, s);
}

static struct hop *hop_at(struct hops *h, unsigned k)
{
	return &h->ring[(h->head + k) % HOPS_MAX];
}

/* The oldest inbound call c (a backend request of its requester) serves. */
static struct hop *find_inbound(struct sessions *ss, struct hops *h, const struct hop *b)
{
	for (unsigned k = 0; k < h->count; k++) {
		struct hop *e = hop_at(h, k);

		if (e->responder == b->requester && !e->taken && e->what == b->what &&
		    e->session_id != b->session_id && open_at(ss, e, b->start_ns))
			return e;
	}
	return NULL;
}

/* The oldest backend call of in's responder, not linked yet, made since
 * the responder read in's request (or since it was sent): in came late. */
static struct hop *find_backend(struct hops *h, const struct hop *in)
{
	int64_t read = read_at(in), since = read != ST_NULL ? read : in->start_ns;

	for (unsigned k = 0; k < h->count; k++) {
		struct hop *e = hop_at(h, k);

		if (e->requester == in->responder && !e->linked && e->what == in->what &&
		    e->session_id != in->session_id && e->start_ns >= since)
			return e;
	}
	return NULL;
}

/* Backend call b serves inbound call in. */
static void link_hops(struct sessions *ss, struct hop *b, struct hop *in)
{
	struct call *c = b->call;

	b->linked = true;
	in->taken = true;
	if (!c) {
		sinks__call_parent(ss->sinks, b->call_id, in->call_id);
		return;
	}
	c->row.parent_call_id = in->call_id;
	/* A backend session is one the gateway is the client of: a request
	 * the server there makes, forwarded to the inbound client (sampling),
	 * does not make the inbound session a backend of the other. */
	if (c->requester == ROLE_CLIENT)
		session_parent(ss, c->s, in->session_id);
	call__write(ss, c);
}

static struct hop *remember(struct sessions *ss, struct call *c, int64_t start)
{
	struct hops *h = ss->hops;
	struct hop *e;

	if (h->count == HOPS_MAX) {
		e = hop_at(h, 0);
		if (e->call)
			e->call->hop = NULL;
		h->head = (h->head + 1) % HOPS_MAX;
		h->count--;
	}
	e = hop_at(h, h->count++);
	*e = (struct hop){
	    .requester = c->requester == ROLE_CLIENT ? c->s->client : c->s->server,
	    .responder = c->requester == ROLE_CLIENT ? c->s->server : c->s->client,
	    .call = c,
	    .call_id = c->row.id,
	    .session_id = c->s->row.id,
	    .what = call_what(c),
	    .start_ns = start,
	    .end_ns = ST_NULL,
	};
	c->hop = e;
	return e;
}

void hops__request(struct sessions *ss, struct call *c)
{
	int64_t start = first_of(c->req_sent, c->req_recv);
	struct hop *e, *match;

	if (c->hop || start == ST_NULL)
		return;
	if (!ss->hops && !(ss->hops = calloc(1, sizeof(*ss->hops))))
		return; /* out of memory: calls are not linked */
	e = remember(ss, c, start);
	if (e->requester > 0 && (match = find_inbound(ss, ss->hops, e)))
		link_hops(ss, e, match);
	if (e->responder > 0 && e->responder != e->requester && (match = find_backend(ss->hops, e)))
		link_hops(ss, match, e);
}

void hops__forget(struct call *c)
{
	struct hop *e = c->hop;

	if (!e)
		return;
	e->call = NULL;
	e->read_ns = c->req_recv;
	e->end_ns = c->answered ? first_of(c->resp_sent, c->resp_recv) : ST_NULL;
	c->hop = NULL;
}

pid_t hops__gateway(const struct call *c)
{
	const struct hop *e = c->hop;

	if (!e)
		return 0;
	return e->linked ? e->requester : e->taken ? e->responder : 0;
}

void hops__free(struct sessions *ss)
{
	struct hops *h = ss->hops;

	if (!h)
		return;
	for (unsigned k = 0; k < h->count; k++)
		if (hop_at(h, k)->call)
			hop_at(h, k)->call->hop = NULL;
	free(h);
	ss->hops = NULL;
}
