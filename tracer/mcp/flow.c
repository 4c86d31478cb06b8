/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * flow: each message once, when both ends of a channel are traced. The
 * bytes one process writes into a pipe or socket are the bytes the process
 * at the other end reads. A flow is that one-way byte channel, named from
 * the kernel's inode numbers (or an HTTP connection's addresses) so that
 * the writer's and the reader's records name the same flow. The first
 * sighting of a line is made into records and kept in a small queue of its
 * side; the second sighting (matched by length and hash, in FIFO order)
 * only adds its time. A message is held back from the sinks until then,
 * so it is given once with both times.
 */
#include <linux/types.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "mcptrace.h"
#include "mcp/state.h"

/* The flow a stdio line belongs to, named the same from both ends. */
uint64_t flow__id_stdio(const struct wire_line *l)
{
	switch (l->fd_kind) {
	case MT_FD_PIPE:
		return flow_id_make(FLOW_PIPE, l->ino);
	case MT_FD_UNIX:
		if (l->dir == WIRE_WRITE)
			return flow_id_make(FLOW_UNIX, l->ino);
		if (l->peer_ino)
			return flow_id_make(FLOW_UNIX, l->peer_ino);
		return flow_id_make(FLOW_UNIX_UNPAIRED, l->ino);
	default:
		return flow_id_make(FLOW_FD, (uint64_t)l->dir << 59 | l->ino);
	}
}

struct flow *flow__find(struct sessions *ss, uint64_t id)
{
	void *node = tfind(&id, &ss->flows, cmp_u64_first);

	return node ? *(struct flow **)node : NULL;
}

/* A flow that held lines only joins the session their decision found. */
static void flow_attach(struct flow *f, struct session *s)
{
	f->session = s;
	f->next = s->flows;
	s->flows = f;
}

struct flow *flow__get(struct sessions *ss, struct session *s, uint64_t id)
{
	struct flow *f = flow__find(ss, id);

	if (f) {
		if (!f->session && s)
			flow_attach(f, s);
		return f;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->id = id;
	if (!tsearch(f, &ss->flows, cmp_u64_first)) {
		free(f);
		return NULL;
	}
	if (s)
		flow_attach(f, s);
	return f;
}

/* ---- messages held back ---- */

struct pending_msg *pending__new(const struct st_message *row)
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

/* Gives a held-back message with the times its sightings gave. */
static void pending_give(struct sessions *ss, struct mref *ref)
{
	struct pending_msg *p = ref->pending;

	if (!p)
		return;
	p->row.sent_ns = ref->sent_ns;
	p->row.recv_ns = ref->recv_ns;
	p->row.ts_ns = ref->sent_ns != ST_NULL ? ref->sent_ns : ref->recv_ns;
	p->row.call_id = ref->call ? ref->call->row.id : 0;
	sinks__message(ss->sinks, &p->row);
	for (int i = 0; i < 5; i++)
		free(p->str[i]);
	free(p);
	ref->pending = NULL;
}

/* Drops sightings that will not be matched; messages held back are given
 * as they are. */
void mrefs__put(struct sessions *ss, struct mref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pending_give(ss, &refs[i]);
		if (refs[i].call)
			call__put(refs[i].call);
	}
	free(refs);
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
		pending_give(ss, ref);
	else
		sinks__message_times(ss->sinks, ref->msg_id,
				     ref->sent_ns != ST_NULL ? ref->sent_ns : ref->recv_ns,
				     ref->sent_ns, ref->recv_ns, c ? c->row.id : 0);
	ss->stats.merged++;
	if (!c)
		return;
	if (ref->part == PART_REQUEST) {
		c->req_sent = ref->sent_ns;
		c->req_recv = ref->recv_ns;
	} else if (ref->part == PART_RESPONSE) {
		c->resp_sent = ref->sent_ns;
		c->resp_recv = ref->recv_ns;
	}
	if (ref->part != PART_OTHER) {
		call__write(ss, c);
		if (ref->part == PART_RESPONSE)
			call__awaited(ss, c);
	}
}

/* The sightings of o will never be matched: calls waiting for them are
 * final as they are. */
static void obs_unmatched(struct sessions *ss, struct obs *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->refs[i].call && o->refs[i].part == PART_RESPONSE)
			call__awaited(ss, o->refs[i].call);
}

void held_line__free(struct held_line *h)
{
	if (!h)
		return;
	jsonrpc__free(h->msgs, h->n);
	free(h->text);
	free(h);
}

static void obs_pop(struct sessions *ss, struct flow *f, int side)
{
	struct obs *o = flow__at(f, side, 0);

	if (o->held) {
		held_line__free(o->held);
		o->held = NULL;
		f->held[side]--;
	}
	mrefs__put(ss, o->refs, o->n);
	o->refs = NULL;
	o->n = 0;
	f->head[side] = (f->head[side] + 1) % f->cap[side];
	f->count[side]--;
}

/* Looks for this line among the other side's unmatched sightings. A match
 * also drops the older ones before it: the flow is FIFO, so they will
 * never be matched (sent before we attached, or lost). */
bool flow__match(struct sessions *ss, struct flow *f, const struct wire_line *l, uint64_t hash)
{
	int other = !l->dir;

	/* This sighting names the process at the other end of lines held
	 * for want of it: they become records now, in order, then meet it. */
	if (f->held[other])
		stdio__decide(ss, f, other, l->tgid);

	for (unsigned k = 0; k < f->count[other]; k++) {
		struct obs *o = flow__at(f, other, k);

		if (o->hash != hash || o->len != l->len)
			continue;
		for (unsigned j = 0; j <= k; j++) {
			struct obs *d = flow__at(f, other, 0);

			if (j == k)
				for (size_t i = 0; i < d->n; i++)
					message_seen_again(ss, &d->refs[i], l);
			else
				obs_unmatched(ss, d);
			obs_pop(ss, f, other);
		}
		f->give_up_at = 0;
		return true;
	}
	return false;
}

/* Room for one more sighting on side: the ring doubles, unwrapped into
 * the new block, up to OBS_QUEUE_MAX. False when it is full. */
static bool flow_room(struct flow *f, int side)
{
	unsigned cap = f->cap[side] ? f->cap[side] * 2 : 16;
	struct obs *q;

	if (f->count[side] < f->cap[side])
		return true;
	if (f->cap[side] >= OBS_QUEUE_MAX || !(q = calloc(cap, sizeof(*q))))
		return false;
	for (unsigned k = 0; k < f->count[side]; k++)
		q[k] = *flow__at(f, side, k);
	free(f->q[side]);
	f->q[side] = q;
	f->cap[side] = cap;
	f->head[side] = 0;
	return true;
}

/* The place for a new sighting at the back of side's ring, or NULL when
 * not even one slot could be had. A full ring lets its oldest go: it
 * will not be matched now, so calls waiting for it are final. */
static struct obs *flow_slot(struct sessions *ss, struct flow *f, int side)
{
	if (!flow_room(f, side)) {
		if (!f->count[side])
			return NULL;
		obs_unmatched(ss, flow__at(f, side, 0));
		obs_pop(ss, f, side);
	}
	return &f->q[side][(f->head[side] + f->count[side]) % f->cap[side]];
}

void flow__push(struct sessions *ss, struct flow *f, int side, uint64_t hash, size_t len,
		struct mref *refs, size_t n)
{
	struct obs *o = flow_slot(ss, f, side);

	if (!o) {
		mrefs__put(ss, refs, n);
		return;
	}
	*o = (struct obs){ .hash = hash, .len = len, .refs = refs, .n = n };
	f->count[side]++;
}

void flow__hold(struct sessions *ss, struct flow *f, const struct wire_line *l, uint64_t hash,
		struct rpc_msg *msgs, size_t n)
{
	struct held_line *h = calloc(1, sizeof(*h));
	int side = l->dir;
	struct obs *o;

	if (h)
		h->text = malloc(l->len ? l->len : 1);
	if (!h || !h->text) {
		free(h);
		jsonrpc__free(msgs, n);
		return;
	}
	memcpy(h->text, l->text, l->len);
	h->l = *l;
	h->l.text = h->text;
	h->l.http = NULL;
	h->msgs = msgs;
	h->n = n;
	if (f->count[side] && !flow_room(f, side)) {
		/* Full: the oldest can wait no longer. */
		o = flow__at(f, side, 0);
		if (o->held)
			stdio__decide_obs(ss, f, side, o, f->pid[!side]);
		flow__trim(ss, f, side);
	}
	o = flow_slot(ss, f, side);
	if (!o) {
		held_line__free(h);
		return;
	}
	h->seq = ss->held_seq++;
	*o = (struct obs){ .hash = hash, .len = l->len, .held = h };
	f->count[side]++;
	f->held[side]++;
	if (!f->holding) {
		f->holding = true;
		f->next_holding = ss->holding;
		ss->holding = f;
	}
}

void flow__trim(struct sessions *ss, struct flow *f, int side)
{
	while (f->count[side]) {
		struct obs *o = flow__at(f, side, 0);

		if (o->held || o->refs)
			break;
		obs_pop(ss, f, side);
	}
}

static void holding_unlink(struct sessions *ss, struct flow *f)
{
	for (struct flow **p = &ss->holding; *p; p = &(*p)->next_holding)
		if (*p == f) {
			*p = f->next_holding;
			break;
		}
	f->holding = false;
}

void flow__drop_if_idle(struct sessions *ss, struct flow *f)
{
	if (f->session || f->count[0] || f->count[1])
		return;
	if (f->holding)
		holding_unlink(ss, f);
	tdelete(f, &ss->flows, cmp_u64_first);
	flow__free(f);
}

void flow__free(void *p)
{
	struct flow *f = p;

	free(f->q[0]);
	free(f->q[1]);
	free(f);
}

void flow__free_all(struct sessions *ss, struct session *s)
{
	struct flow *f, *fnext;

	for (f = s->flows; f; f = fnext) {
		fnext = f->next;
		if (f->holding)
			holding_unlink(ss, f);
		tdelete(f, &ss->flows, cmp_u64_first);
		for (int side = 0; side < 2; side++)
			while (f->count[side])
				obs_pop(ss, f, side);
		flow__free(f);
	}
	s->flows = NULL;
}

/* Sightings the other end never matched: an unsure TCP peer (tcp_ends)
 * that has not shown by its flow's give_up_at was not traced; the
 * connection was gone when we looked, so its records had been read by
 * the flush after. */
static void flow_give_up(struct sessions *ss, struct flow *f)
{
	for (int side = 0; side < 2; side++)
		while (f->count[side]) {
			obs_unmatched(ss, flow__at(f, side, 0));
			obs_pop(ss, f, side);
		}
	f->give_up_at = 0;
}

void flow__flush(struct sessions *ss, struct session *s)
{
	for (struct flow *f = s->flows; f; f = f->next) {
		if (f->give_up_at && ss->flushes >= f->give_up_at)
			flow_give_up(ss, f);
		for (int side = 0; side < 2; side++)
			for (unsigned k = 0; k < f->count[side]; k++) {
				struct obs *o = flow__at(f, side, k);

				for (size_t i = 0; i < o->n; i++)
					pending_give(ss, &o->refs[i]);
			}
	}
}
