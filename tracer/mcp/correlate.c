/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * correlate: calls. A request opens a call keyed by (requester, id) in its
 * session, in either direction (a server asks for sampling and roots too);
 * the response or error with that id closes it. notifications/cancelled
 * marks a call cancelled, progress notifications are tied to the call
 * whose progressToken they carry, and a call still open when its session
 * ends is unanswered.
 *
 * A call is handed to the sinks when it is final (CALL_FINISHED, once),
 * as a snapshot while in flight (at each flush), and again if a late
 * sighting amends it. When both ends are traced, a call is final only once
 * the second sighting of its response has given it its full timing.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/state.h"

static int cmp_call(const void *x, const void *y)
{
	const struct call *p = x, *q = y;

	if (p->requester != q->requester)
		return (int)p->requester - (int)q->requester;
	return strcmp(p->rpc_id, q->rpc_id);
}

void call__put(struct call *c)
{
	if (--c->refs > 0)
		return;
	if (c->dirty)
		call__sync(c->s->ss, c);
	hops__forget(c);
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

static void call_give(struct sessions *ss, struct call *c, enum call_phase phase)
{
	struct sink_call sc = {
		.row = &c->row,
		.session = &c->s->row,
		.is_new = !c->given,
		.phase = phase,
		.gateway_pid = hops__gateway(c),
	};

	call_times(c);
	sinks__call(ss->sinks, &sc);
	c->given = true;
	c->dirty = false;
}

/* Gives the call as it is now. */
void call__sync(struct sessions *ss, struct call *c)
{
	call_give(ss, c, c->finished ? CALL_AMENDED : CALL_IN_FLIGHT);
}

/* The call changed: given at once if it is already final, else at its
 * end or at the next flush. */
void call__write(struct sessions *ss, struct call *c)
{
	c->dirty = true;
	if (c->finished)
		call__sync(ss, c);
}

void call__finish(struct sessions *ss, struct call *c)
{
	if (c->finished)
		return;
	c->finished = true;
	call_give(ss, c, CALL_FINISHED);
}

void call__close(struct session *s, struct call *c)
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
	call__put(c);
}

/* Final, and out of its session's open set. */
static void call_end(struct sessions *ss, struct call *c)
{
	call__finish(ss, c);
	call__close(c->s, c);
}

/* A call still open now will never be answered as far as we can tell. */
static void call_abandon(struct sessions *ss, struct call *c)
{
	if (!c->answered)
		c->row.status = c->cancelled ? "cancelled" : "unanswered";
	call__write(ss, c);
	call_end(ss, c);
}

void calls__end_open(struct sessions *ss, struct session *s)
{
	while (s->open)
		call_abandon(ss, s->open);
}

static struct call *call_find(struct session *s, enum role requester, const char *rpc_id)
{
	struct call key = { .requester = requester, .rpc_id = (char *)rpc_id };
	void *node;

	if (!rpc_id)
		return NULL;
	node = tfind(&key, &s->calls, cmp_call);
	return node ? *(struct call **)node : NULL;
}

static struct call *call_open(struct sessions *ss, struct session *s, enum role requester,
			      const struct rpc_msg *m)
{
	struct call *c = calloc(1, sizeof(*c)), *old;

	if (!c)
		return NULL;
	/* A reused id while the old call is open: the old one will never be
	 * answered as far as we can tell. */
	old = call_find(s, requester, m->id);
	if (old)
		call_abandon(ss, old);
	c->refs = 1;
	c->s = s;
	c->requester = requester;
	c->rpc_id = xstrdup(m->id);
	c->method = xstrdup(m->method);
	c->target = xstrdup(m->target);
	c->progress_token = xstrdup(m->progress_token);
	c->args_digest = m->args_digest;
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
		.previous_round_id = rounds__continued(s, m),
	};
	if (!c->rpc_id || !tsearch(c, &s->calls, cmp_call)) {
		call__put(c);
		return NULL;
	}
	c->open = true;
	c->next = s->open;
	if (s->open)
		s->open->prev = c;
	s->open = c;
	c->row.id = sinks__reserve_id(ss->sinks, ST_ID_CALL);
	c->dirty = true;
	ss->stats.calls++;
	return c;
}

/* initialize and its result name the peers and the protocol version; in
 * 2026-07-28, every client request's envelope and every result's _meta do.
 * An initialize result's version is the one negotiated, so it wins over
 * the request's; an envelope's version is the one in use, so it wins over
 * an MCP-Protocol-Version header seen first. */
static void note_peer_info(struct sessions *ss, struct session *s, const struct rpc_msg *m,
			   enum role sender)
{
	struct st_session *r = &s->row;
	const char *old_cn = r->client_name, *old_sn = r->server_name, *old_pv = r->protocol_version;
	bool initialize = m->method && !strcmp(m->method, "initialize");

	if (m->kind == RPC_REQUEST &&
	    (initialize || (sender == ROLE_CLIENT && (m->peer_name || m->protocol_version)))) {
		session__set_str(s, SS_CLIENT_NAME, &r->client_name, m->peer_name);
		session__set_str(s, SS_CLIENT_VERSION, &r->client_version, m->peer_version);
		if (!initialize || !r->protocol_version)
			session__set_str(s, SS_PROTOCOL_VERSION, &r->protocol_version,
					 m->protocol_version);
	} else if (m->kind == RPC_RESPONSE && sender == ROLE_SERVER && m->peer_name) {
		session__set_str(s, SS_SERVER_NAME, &r->server_name, m->peer_name);
		session__set_str(s, SS_SERVER_VERSION, &r->server_version, m->peer_version);
		session__set_str(s, SS_PROTOCOL_VERSION, &r->protocol_version, m->protocol_version);
	}
	if (r->client_name != old_cn || r->server_name != old_sn || r->protocol_version != old_pv)
		session__write(ss, s);
}

/* The call a message belongs to, and which part of it the message is. */
static struct call *message_call(struct sessions *ss, struct session *s, const struct rpc_msg *m,
				 enum role sender_role, enum msg_part *part)
{
	struct call *c = NULL;

	*part = PART_OTHER;
	switch (m->kind) {
	case RPC_REQUEST:
		c = call_open(ss, s, sender_role, m);
		*part = c ? PART_REQUEST : PART_OTHER;
		return c;
	case RPC_RESPONSE:
	case RPC_ERROR:
		c = call_find(s, !sender_role, m->id);
		*part = c ? PART_RESPONSE : PART_OTHER;
		return c;
	case RPC_NOTIFICATION:
		if (m->method && !strcmp(m->method, "notifications/cancelled")) {
			c = call_find(s, sender_role, m->cancel_id);
			if (c)
				c->cancelled = true;
			return c;
		}
		/* A notification on a subscriptions/listen stream belongs
		 * to the listen request, which the other side sent. */
		if (m->subscription_id && sender_role != ROLE_UNKNOWN)
			return call_find(s, !sender_role, m->subscription_id);
		if (!m->progress_token)
			return NULL;
		for (c = s->open; c; c = c->next)
			if (c->progress_token && !strcmp(c->progress_token, m->progress_token))
				return c;
		return NULL;
	default:
		return NULL;
	}
}

/* The response's effect on its call. */
static void call_answer(struct call *c, const struct rpc_msg *m, int64_t msg_id, int64_t sent,
			int64_t recv)
{
	c->answered = true;
	c->resp_sent = sent;
	c->resp_recv = recv;
	c->row.response_msg_id = msg_id;
	if (c->cancelled)
		c->row.status = "cancelled";
	else if (m->kind == RPC_ERROR)
		c->row.status = "error";
	else if (m->result_type == RESULT_INPUT_REQUIRED)
		c->row.status = "input_required";
	else
		c->row.status = m->tool_error ? "tool_error" : "ok";
	if (m->result_type == RESULT_INPUT_REQUIRED && !c->cancelled)
		rounds__note(c->s, c, m->request_state);
	if (m->kind == RPC_ERROR) {
		c->row.error_code = m->has_err_code ? m->err_code : ST_NULL;
		free(c->err_msg);
		c->err_msg = xstrdup(m->err_message);
		c->row.error_message = c->err_msg;
	}
}

/* Makes one decoded message first seen from side l->dir: a record (given
 * now, or held back when the other end's sighting is due) and its effect
 * on calls and the session; fills ref. */
void message__new(struct sessions *ss, const struct line_ctx *x, const struct rpc_msg *m,
		  struct mref *ref)
{
	const struct wire_line *l = x->l;
	struct session *s = x->s;
	int64_t sent = l->dir == WIRE_WRITE ? l->ts_ns : ST_NULL;
	int64_t recv = l->dir == WIRE_READ ? l->ts_ns : ST_NULL;
	struct call *c;
	struct st_message row = {
		.session_id = s->row.id,
		.ts_ns = l->ts_ns,
		.sent_ns = sent,
		.recv_ns = recv,
		.sender_pid = x->sender ? x->sender : ST_NULL,
		.direction = x->sender_role == ROLE_CLIENT ? "c2s" : "s2c",
		.kind = jsonrpc__kind_name(m->kind),
		.rpc_id = m->id,
		.method = m->method,
		.size_bytes = m->in_batch ? (int64_t)m->body_len : (int64_t)l->wire_len,
		.truncated = l->truncated,
		.body = m->body,
		.body_len = m->body_len,
	};

	*ref = (struct mref){ .sent_ns = sent, .recv_ns = recv };
	note_peer_info(ss, s, m, x->sender_role);
	c = message_call(ss, s, m, x->sender_role, &ref->part);
	if (c) {
		if (ref->part == PART_RESPONSE)
			row.method = c->method;
		row.call_id = c->row.id;
		c->refs++;
		ref->call = c;
	}
	row.id = sinks__reserve_id(ss->sinks, ST_ID_MESSAGE);
	ref->msg_id = row.id;
	if (x->flow)
		ref->pending = pending__new(&row);
	if (!ref->pending)
		sinks__message(ss->sinks, &row);
	ss->stats.messages++;
	if (!c)
		return;
	if (ref->part == PART_REQUEST) {
		c->req_sent = sent;
		c->req_recv = recv;
		c->row.request_msg_id = row.id;
		hops__request(ss, c);
		call__write(ss, c);
	} else if (ref->part == PART_RESPONSE) {
		call_answer(c, m, row.id, sent, recv);
		call__write(ss, c);
	} else if (c->cancelled && !c->answered) {
		c->row.status = "cancelled";
		call__write(ss, c);
	}
}

/* After the response: final now, or once the other end's sighting of it
 * has given the call its full timing. */
void call__answered(struct sessions *ss, struct mref *ref, bool expect_more)
{
	struct call *c = ref->call;

	if (!c || ref->part != PART_RESPONSE)
		return;
	if (expect_more) {
		c->awaiting++;
		return;
	}
	call_end(ss, c);
}

void call__awaited(struct sessions *ss, struct call *c)
{
	if (c->awaiting && --c->awaiting == 0)
		call_end(ss, c);
}
