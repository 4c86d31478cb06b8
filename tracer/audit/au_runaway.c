// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * runaway: runaway-calls. Requests are grouped by session, direction,
 * method, target and arguments (params as canonical JSON without _meta, so
 * the 2026-07-28 envelope does not tell two equal calls apart); a group
 * with more than N requests (--runaway, AUDIT_RUNAWAY_DEFAULT) within any
 * 60 seconds is one finding, its evidence the first request of the busiest
 * minute. ping and tasks/get are polled by design and not counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"

#define WINDOW_NS (60LL * 1000000000LL)

struct group {
	size_t sess;
	char *method, *target, *args;
	uint64_t args_hash;
	int64_t *ts, *msg, *call;
	size_t n, cap;
};

struct au_runaway {
	struct au_map *groups;
};

static void group_free(void *p)
{
	struct group *g = p;

	if (!g)
		return;
	free(g->method);
	free(g->target);
	free(g->args);
	free(g->ts);
	free(g->msg);
	free(g->call);
	free(g);
}

void au_runaway__free(struct audit_ctx *c)
{
	if (!c->runaway)
		return;
	au__map_free(c->runaway->groups, group_free);
	free(c->runaway);
	c->runaway = NULL;
}

int au_runaway__message(struct audit_ctx *c, const struct au_msg *m)
{
	const cJSON *params;
	struct group **slot, *g;
	char *args = NULL, *key = NULL;
	uint64_t h;
	int err = -ENOMEM;

	if (!m->json || !m->method || strcmp(m->kind, "request") || !strcmp(m->method, "ping") ||
	    !strcmp(m->method, "tasks/get"))
		return 0;
	if (!c->runaway) {
		c->runaway = calloc(1, sizeof(*c->runaway));
		if (!c->runaway || !(c->runaway->groups = au__map_new()))
			return -ENOMEM;
	}
	params = cJSON_GetObjectItemCaseSensitive(m->json, "params");
	args = params ? au__canon(params, "_meta", false) : strdup("");
	if (!args)
		return -ENOMEM;
	h = au__hash(args, strlen(args), AU_HASH_INIT);
	if (asprintf(&key, "%" PRId64 "|%d|%s|%016" PRIx64, m->s->id, m->c2s, m->method, h) < 0) {
		key = NULL;
		goto out;
	}
	slot = (struct group **)au__map_slot(c->runaway->groups, key);
	if (!slot)
		goto out;
	if (!*slot) {
		const char *t = au__msg_tool(m);

		g = calloc(1, sizeof(*g));
		if (!g)
			goto out;
		*slot = g;
		g->sess = (size_t)(m->s - c->sess);
		g->method = strdup(m->method);
		g->target = t ? strdup(t) : NULL;
		g->args = args;
		args = NULL;
		g->args_hash = h;
		if (!g->method || (t && !g->target))
			goto out;
	}
	g = *slot;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 8;
		int64_t *ts = realloc(g->ts, cap * sizeof(*ts));

		if (!ts)
			goto out;
		g->ts = ts;
		ts = realloc(g->msg, cap * sizeof(*ts));
		if (!ts)
			goto out;
		g->msg = ts;
		ts = realloc(g->call, cap * sizeof(*ts));
		if (!ts)
			goto out;
		g->call = ts;
		g->cap = cap;
	}
	g->ts[g->n] = m->ts_ns;
	g->msg[g->n] = m->id;
	g->call[g->n] = m->call_id;
	g->n++;
	err = 0;
out:
	free(args);
	free(key);
	return err;
}

struct finish_arg {
	struct audit_ctx *c;
	unsigned limit;
};

static void judge(void *arg, const char *key, void *val)
{
	struct finish_arg *a = arg;
	struct group *g = val;
	size_t best = 0, at = 0, lo = 0;
	char fp[64];

	(void)key;
	if (g->n <= a->limit || a->c->err)
		return;
	/* messages come in time order: a two-pointer window */
	for (size_t hi = 0; hi < g->n; hi++) {
		while (g->ts[hi] - g->ts[lo] >= WINDOW_NS)
			lo++;
		if (hi - lo + 1 > best) {
			best = hi - lo + 1;
			at = lo;
		}
	}
	if (best <= a->limit)
		return;
	snprintf(fp, sizeof(fp), "%s|%016" PRIx64, g->method, g->args_hash);
	{
		struct au_where w = {&a->c->sess[g->sess], g->msg[at], g->call[at],
				     g->target ? g->target : g->method};

		au__add(a->c, AR_RUNAWAY, AUDIT_MEDIUM, &w, fp, g->args, NULL,
			"%s%s%s sent %zu times within a minute with the same arguments (%zu in the "
			"session; more than %u a minute is a runaway)",
			g->method, g->target ? " " : "", g->target ? g->target : "", best, g->n,
			a->limit);
	}
}

int au_runaway__finish(struct audit_ctx *c)
{
	struct finish_arg a = {c, c->opts->runaway_per_min ? c->opts->runaway_per_min
							   : AUDIT_RUNAWAY_DEFAULT};

	if (c->runaway)
		au__map_each(c->runaway->groups, judge, &a);
	return c->err;
}
