// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rounds: the rounds of one logical call (MCP 2026-07-28). A server that
 * needs input answers a request with resultType "input_required"; the
 * client fulfils the input requests itself and asks again with a new
 * request carrying inputResponses. Each request is a call of its own; this
 * file remembers, per session, the rounds that ended input_required and
 * tells a new request which of them it continues:
 *   - the round whose requestState it echoes, when it echoes one;
 *   - else the latest round with the same method, target and arguments.
 * A round is continued once; a session keeps at most ROUNDS_MAX rounds
 * waiting (a client that never retries does not grow it without bound).
 *
 * Edges: only the session's own rounds are looked at: a retry over another
 * session (another HTTP client address) is not linked.
 */
#include <stdlib.h>
#include <string.h>

#include "mcp/state.h"

#define ROUNDS_MAX 256

struct round {
	int64_t call_id;
	char *method, *target, *request_state;
	uint64_t args_digest;
};

static void round_clear(struct round *r)
{
	free(r->method);
	free(r->target);
	free(r->request_state);
}

static void round_forget(struct session *s, size_t i)
{
	round_clear(&s->rounds[i]);
	memmove(&s->rounds[i], &s->rounds[i + 1], (s->n_rounds - i - 1) * sizeof(*s->rounds));
	s->n_rounds--;
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

void rounds__note(struct session *s, const struct call *c, const char *request_state)
{
	struct round *r;

	if (s->n_rounds == ROUNDS_MAX)
		round_forget(s, 0);
	if (!s->rounds) {
		s->rounds = calloc(ROUNDS_MAX, sizeof(*s->rounds));
		if (!s->rounds)
			return; /* out of memory: the next round is not linked */
	}
	r = &s->rounds[s->n_rounds];
	*r = (struct round){
	    .call_id = c->row.id,
	    .method = xstrdup(c->method),
	    .target = xstrdup(c->target),
	    .request_state = xstrdup(request_state),
	    .args_digest = c->args_digest,
	};
	if ((c->method && !r->method) || (c->target && !r->target) ||
	    (request_state && !r->request_state)) {
		round_clear(r);
		return;
	}
	s->n_rounds++;
}

int64_t rounds__continued(struct session *s, const struct rpc_msg *m)
{
	int64_t id;
	size_t i;

	if (!m->input_responses && !m->request_state)
		return 0;
	for (i = s->n_rounds; i-- > 0;) {
		const struct round *r = &s->rounds[i];

		if (m->request_state
			? same_str(r->request_state, m->request_state)
			: same_str(r->method, m->method) && same_str(r->target, m->target) &&
			      r->args_digest == m->args_digest)
			break;
	}
	if (i == (size_t)-1)
		return 0;
	id = s->rounds[i].call_id;
	round_forget(s, i);
	return id;
}

void rounds__free(struct session *s)
{
	while (s->n_rounds)
		round_forget(s, s->n_rounds - 1);
	free(s->rounds);
	s->rounds = NULL;
}
