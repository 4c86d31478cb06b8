/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sessions: the MCP stage's tables and the path every framed line takes
 * (see session.h for the contract, state.h for how the stage is split).
 * A line is routed to the stdio or the HTTP side, which finds its session
 * and who sent it; then sessions__store_line turns each of its messages
 * into a record and its effect on calls, the same for both.
 *
 * Processes and streams ending end the sessions they carried. Records
 * leave through the sinks; what is still in flight is given at each flush
 * (every 200 ms while tracing), so a reader of a live DB sees calls in
 * flight, and given again when it ends.
 */
#include <linux/types.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcptrace.h"
#include "mcp/redact.h"
#include "mcp/state.h"

static int cmp_session(const void *x, const void *y)
{
	const struct session *p = x, *q = y;

	if (p->key || q->key)
		return !p->key ? -1 : !q->key ? 1 : strcmp(p->key, q->key);
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->b < q->b ? -1 : p->b > q->b;
}

static int cmp_pid(const void *x, const void *y)
{
	intptr_t a = (intptr_t)x, b = (intptr_t)y;

	return a < b ? -1 : a > b;
}

bool sessions__is_traced(struct sessions *ss, pid_t pid)
{
	return pid > 0 && tfind((void *)(intptr_t)pid, &ss->traced, cmp_pid);
}

struct sessions *sessions__new(struct sinks *sinks)
{
	struct sessions *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return NULL;
	ss->sinks = sinks;
	ss->lookup.peer = peer__find;
	ss->lookup.is_ancestor = peer__is_ancestor;
	ss->lookup.tcp = peer__find_tcp;
	return ss;
}

void sessions__set_lookup(struct sessions *ss, const struct proc_lookup *lookup)
{
	ss->lookup = *lookup;
}

void sessions__set_redactor(struct sessions *ss, const struct redactor *r)
{
	ss->redactor = r;
}

void sessions__process_traced(struct sessions *ss, pid_t pid)
{
	tsearch((void *)(intptr_t)pid, &ss->traced, cmp_pid);
}

/* ---- sessions ---- */

static void session_free(struct session *s)
{
	rounds__free(s);
	for (int i = 0; i < SS__COUNT; i++)
		free(s->str[i]);
	free(s->key);
	free(s);
}

struct session *session__find(struct sessions *ss, const struct session *key)
{
	void *node = tfind(key, &ss->sessions, cmp_session);

	return node ? *(struct session **)node : NULL;
}

struct session *session__new(struct sessions *ss, const struct session *proto, int64_t ts_ns)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->a = proto->a;
	s->b = proto->b;
	s->client = proto->client;
	s->server = proto->server;
	s->row = proto->row;
	s->row.started_ns = ts_ns;
	s->row.ended_ns = ST_NULL;
	s->ss = ss;
	if ((proto->key && !(s->key = strdup(proto->key))) ||
	    !tsearch(s, &ss->sessions, cmp_session)) {
		session_free(s);
		return NULL;
	}
	return s;
}

void session__rekey(struct sessions *ss, struct session *s, pid_t a, pid_t b)
{
	tdelete(s, &ss->sessions, cmp_session);
	s->a = a;
	s->b = b;
	tsearch(s, &ss->sessions, cmp_session);
}

void session__set_str(struct session *s, enum session_str slot, const char **field, const char *v)
{
	if (!v || (*field && !strcmp(*field, v)))
		return;
	free(s->str[slot]);
	s->str[slot] = strdup(v);
	*field = s->str[slot];
}

/* The first write gives the session its id. */
void session__write(struct sessions *ss, struct session *s)
{
	bool is_new = !s->row.id;

	if (is_new) {
		s->row.id = sinks__reserve_id(ss->sinks, ST_ID_SESSION);
		ss->stats.sessions++;
	}
	sinks__session(ss->sinks, &s->row, is_new);
}

static void session_end(struct sessions *ss, struct session *s, int64_t ts_ns, bool ended)
{
	calls__end_open(ss, s);
	if (ended) {
		s->row.ended_ns = ts_ns;
		session__write(ss, s);
	}
	flow__free_all(ss, s);
}

void session__drop(struct sessions *ss, struct session *s, int64_t ts_ns)
{
	session_end(ss, s, ts_ns, true);
	tdelete(s, &ss->sessions, cmp_session);
	session_free(s);
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

/* Sessions waiting for reads after an end exited, at most: past it, a
 * session ends at its exit as before (a writer of many pipes nobody reads
 * cannot make it keep their lines without bound). */
#define LINGER_MAX 1024

/* Whether writer, gone, wrote lines of s that are still to be read by a
 * process that can: its peer, traced and running; or, while the peer has
 * not been seen reading them, whoever does (/proc named the peer among
 * several holders of the pipe's other end, and another reads it). The
 * reader's sightings will pair them. */
static bool awaits_reader(struct sessions *ss, const struct session *s, pid_t writer)
{
	pid_t peer = s->client == writer ? s->server : s->client;

	if (!peer || peer == writer)
		return false;
	for (const struct flow *f = s->flows; f; f = f->next)
		if (f->pid[WIRE_WRITE] == writer && f->count[WIRE_WRITE] &&
		    (sessions__is_traced(ss, peer) || f->pid[WIRE_READ] != peer))
			return true;
	return false;
}

static void linger_end(struct sessions *ss, struct session *s)
{
	ss->lingering--;
	session__drop(ss, s, s->exited_ns);
}

void sessions__process_exit(struct sessions *ss, pid_t pid, int64_t ts_ns)
{
	struct session **list;
	size_t n;

	/* Gone from the traced set first: a session waiting for pid's reads
	 * ends with pid, unless pid never read what it waits for. */
	tdelete((void *)(intptr_t)pid, &ss->traced, cmp_pid);
	n = sessions_of(ss, pid, &list);
	/* Lines held for want of their other end wait on: a writer gone
	 * before its reader read is common, and the reader's sighting, still
	 * to come, is what pairs them (then in a session of their own). A
	 * session whose lines pid wrote are still to be read waits the same
	 * way for the reads; it ends at pid's exit all the same. */
	for (size_t i = 0; i < n; i++) {
		struct session *s = list[i];

		if (s->exited) {
			if (!awaits_reader(ss, s, s->exited))
				linger_end(ss, s);
			continue;
		}
		if (ss->lingering < LINGER_MAX && awaits_reader(ss, s, pid)) {
			s->exited = pid;
			s->exited_ns = ts_ns;
			ss->lingering++;
			continue;
		}
		session__drop(ss, s, ts_ns);
	}
	free(list);
}

/* ---- streams ---- */

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

/* Whether a connection's two addresses (the kernel's) are on one host:
 * loopback, or the same address at both ends. */
static bool same_host(const struct tcp_ends *t)
{
	const char *lc = strrchr(t->local, ':'), *rc = strrchr(t->remote, ':');

	if (!lc || !rc)
		return false;
	return !strncmp(t->remote, "127.", 4) || !strncmp(t->remote, "[::1]:", 6) ||
	       (lc - t->local == rc - t->remote && !memcmp(t->local, t->remote, (size_t)(lc - t->local)));
}

/* What /proc says about a stream, looked up at its first message. The
 * addresses the kernel sent (sessions__sockaddr) stay when /proc has none
 * (the process is gone already). */
struct stream_info *stream_info__get(struct sessions *ss, const struct wire_line *l)
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
		else if (!si->peer)
			si->tcp.unsure = same_host(&si->tcp); /* closed before the look */
	} else {
		si->peer = ss->lookup.peer(l->tgid, l->fd_kind, l->ino, l->peer_ino, l->dir);
	}
	return si;
}

void stream_info__forget(struct sessions *ss, uint64_t stream_id)
{
	struct stream_info *si = stream_info_find(ss, stream_id, false);

	if (si && si->looked && !si->peer)
		si->looked = false;
}

pid_t stream_info__peer(struct sessions *ss, const struct wire_line *l)
{
	struct stream_info *si = stream_info__get(ss, l);

	return si ? si->peer : 0;
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

void sessions__stream_closed(struct sessions *ss, uint64_t stream_id, int64_t ts_ns)
{
	struct stream_info *si = stream_info_find(ss, stream_id, false);

	if (!si)
		return;
	if (si->ends_session && si->key) {
		/* The legacy transport's session lives as long as its GET stream. */
		struct session *s = http__session_find(ss, si->key);

		if (s)
			session__drop(ss, s, ts_ns);
	}
	tdelete(si, &ss->streams, cmp_u64_first);
	free(si->key);
	free(si);
}

/* ---- lines ---- */

void sessions__parse_error(struct sessions *ss, const struct wire_line *l, const char *why)
{
	sessions__session_error(ss, l, 0, why);
}

void sessions__session_error(struct sessions *ss, const struct wire_line *l, int64_t session_id,
			     const char *why)
{
	struct st_parse_error e = {
		.ts_ns = l->ts_ns,
		.session_id = session_id,
		.pid = l->tgid,
		.fd = l->fd,
		.direction = l->dir == WIRE_WRITE ? "write" : "read",
		.error = why,
		.excerpt = l->text,
		.excerpt_len = l->len < 256 ? l->len : 256,
	};

	sinks__parse_error(ss->sinks, &e);
	ss->stats.parse_errors++;
}

/* Decodes a line, only what its head shows if it was cut short, into
 * msgs[0..n) (free them with rpc_msgs__free whatever it returns), and
 * records a parse error when none of it is JSON-RPC, unless the line
 * followed lost bytes and a partial line is to be expected. Returns how
 * many of the messages are valid. */
size_t sessions__decode(struct sessions *ss, const struct wire_line *l, struct rpc_msg **msgs,
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
		if (jsonrpc__decode_head(l->text, l->len, *msgs) < 0)
			return 0;
	} else if (jsonrpc__decode(l->text, l->len, msgs, n) < 0) {
		return 0;
	}
	for (size_t i = 0; i < *n; i++)
		valid += (*msgs)[i].kind != RPC_INVALID;
	if (!valid && *n && !l->after_gap)
		sessions__parse_error(ss, l,
				      (*msgs)[0].parse_error ? (*msgs)[0].parse_error
							     : "not JSON-RPC");
	return valid;
}

void sessions__store_line(struct sessions *ss, struct line_ctx *x, const struct rpc_msg *msgs,
			  size_t n, message_hook hook)
{
	struct mref *refs = calloc(n, sizeof(*refs));

	if (!refs)
		return;
	for (size_t i = 0; i < n; i++) {
		if (msgs[i].kind == RPC_INVALID) {
			sessions__parse_error(ss, x->l,
					      msgs[i].parse_error ? msgs[i].parse_error
								  : "invalid member");
			continue;
		}
		message__new(ss, x, &msgs[i], &refs[i]);
		if (hook)
			hook(ss, x, &msgs[i], &refs[i]);
		call__answered(ss, &refs[i], x->flow != NULL);
	}
	if (x->flow && x->in_place) {
		x->in_place->refs = refs;
		x->in_place->n = n;
	} else if (x->flow) {
		flow__push(ss, x->flow, x->l->dir, x->hash, x->l->len, refs, n);
	} else {
		mrefs__put(ss, refs, n);
	}
}

static bool route_line(struct sessions *ss, const struct wire_line *l)
{
	if (l->http)
		return http__line(ss, l);
	if (l->fd_kind == MT_FD_INET || l->fd_kind == MT_FD_SOCK)
		return false; /* lines over TCP are not MCP's stdio transport */
	return stdio__line(ss, l);
}

bool sessions__line(struct sessions *ss, const struct wire_line *l)
{
	struct wire_line clean;
	char *text = NULL;
	size_t len = 0;
	bool rpc;

	/* Secrets go before anything is made of the line: bodies, names,
	 * errors and parse-error excerpts all come from the redacted text.
	 * Both ends' sightings redact alike, so they still meet. */
	int rc = ss->redactor ? redactor__apply(ss->redactor, l->text, l->len, &text, &len) : 0;

	if (rc < 0) {
		/* Never the raw line instead: it is dropped, and said so. */
		clean = *l;
		clean.len = 0;
		sessions__parse_error(ss, &clean, "not stored: out of memory while redacting");
		return true;
	}
	if (rc == 0)
		return route_line(ss, l);
	clean = *l;
	clean.text = text;
	clean.len = len;
	rpc = route_line(ss, &clean);
	free(text);
	return rpc;
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
		.offset = offset == WIRE_NO_OFFSET ? ST_NULL : (int64_t)offset,
		.bytes = (int64_t)bytes,
		.reason = reason,
	};

	sinks__loss(ss->sinks, &l);
}

/* ---- the end ---- */

void sessions__finish(struct sessions *ss, int64_t ts_ns)
{
	struct session **list;
	size_t n;

	stdio__decide_all(ss, true);
	n = sessions_of(ss, 0, &list);

	for (size_t i = 0; i < n; i++)
		session_end(ss, list[i], list[i]->exited ? list[i]->exited_ns : ts_ns,
			    list[i]->exited);
	free(list);
}

void sessions__flush(struct sessions *ss)
{
	struct session **list;
	size_t n;

	/* A line held since the last pass has no traced process at its other
	 * end, or one /proc showed then. */
	stdio__decide_all(ss, false);
	ss->flushes++;
	n = sessions_of(ss, 0, &list);

	for (size_t i = 0; i < n; i++) {
		struct session *s = list[i];

		if (s->exited && !awaits_reader(ss, s, s->exited)) {
			linger_end(ss, s);
			continue;
		}
		for (struct call *c = s->open; c; c = c->next)
			if (c->dirty)
				call__sync(ss, c);
		flow__flush(ss, s);
	}
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

static void free_stream_node(void *p)
{
	struct stream_info *si = p;

	free(si->key);
	free(si);
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
	hops__free(ss);
	tdestroy(ss->sessions, free_session_node);
	tdestroy(ss->flows, flow__free);
	tdestroy(ss->streams, free_stream_node);
	tdestroy(ss->traced, noop_free);
	free(ss);
}
