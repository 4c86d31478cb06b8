// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * flow: cross-server-flow, and the "another server's data" half of
 * sampling-request.
 *
 * Text is compared by fingerprints, not whole: each string (lower-cased,
 * white space dropped: au__squash) is cut into 24-byte k-grams, hashed,
 * and winnowed (the smallest hash of every 16 consecutive ones is kept),
 * which finds any shared run of 39 squashed bytes or more wherever it sits
 * in either text (Schleimer, Wilkerson, Aiken: "Winnowing", SIGMOD 2003).
 * Fingerprints of the text servers return (results of tools/call,
 * resources/read, prompts/get...) are indexed per host, with the server
 * that returned them; the arguments of each later tools/call or
 * prompts/get are looked up there, and a hit from a server other than the
 * one called is a finding. Text the client itself sent earlier (an
 * argument a server echoes back) is not counted as the server's. The index
 * is bounded (64 KiB of text a string, 4M fingerprints a table); past that
 * new text is not indexed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"

#define K 24
#define W 16
#define MIN_LEN (K + W - 1)
#define MAX_TEXT (64 * 1024)
#define MAX_ENTRIES (4u << 20)

struct u64tab {
	uint64_t *keys; /* 0: empty */
	uint32_t *vals;
	size_t n, cap;
};

struct src {
	size_t sess;
	int64_t msg_id;
};

struct au_flow {
	struct u64tab results; /* fingerprint ^ host -> index in srcs */
	struct u64tab client;  /* fingerprint ^ host: text the client sent */
	struct src *srcs;
	size_t n_srcs, cap_srcs;
};

static void tab_free(struct u64tab *t)
{
	free(t->keys);
	free(t->vals);
}

void au_flow__free(struct audit_ctx *c)
{
	if (!c->flow)
		return;
	tab_free(&c->flow->results);
	tab_free(&c->flow->client);
	free(c->flow->srcs);
	free(c->flow);
	c->flow = NULL;
}

static size_t tab_find(const struct u64tab *t, uint64_t k)
{
	size_t i = (size_t)(k * 0x9e3779b97f4a7c15ull >> 20) & (t->cap - 1);

	while (t->keys[i] && t->keys[i] != k)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static bool tab_get(const struct u64tab *t, uint64_t k, uint32_t *v)
{
	size_t i;

	if (!t->cap)
		return false;
	k = k ? k : 1;
	i = tab_find(t, k);
	if (!t->keys[i])
		return false;
	if (v)
		*v = t->vals[i];
	return true;
}

/* Adds k unless present (the first value stays). */
static int tab_put(struct u64tab *t, uint64_t k, uint32_t v)
{
	size_t i;

	k = k ? k : 1;
	if (t->n >= MAX_ENTRIES)
		return 0;
	if ((t->n + 1) * 2 > t->cap) {
		struct u64tab nt = {0};

		nt.cap = t->cap ? t->cap * 2 : 4096;
		nt.keys = calloc(nt.cap, sizeof(*nt.keys));
		nt.vals = calloc(nt.cap, sizeof(*nt.vals));
		if (!nt.keys || !nt.vals) {
			tab_free(&nt);
			return -ENOMEM;
		}
		for (size_t j = 0; j < t->cap; j++) {
			if (!t->keys[j])
				continue;
			i = tab_find(&nt, t->keys[j]);
			nt.keys[i] = t->keys[j];
			nt.vals[i] = t->vals[j];
		}
		nt.n = t->n;
		tab_free(t);
		*t = nt;
	}
	i = tab_find(t, k);
	if (t->keys[i])
		return 0;
	t->keys[i] = k;
	t->vals[i] = v;
	t->n++;
	return 0;
}

/* The winnowed fingerprints of s, each passed to fn with its byte offset in
 * the squashed text. */
typedef int (*fp_fn)(void *arg, uint64_t fp);

static int winnow(const char *s, size_t len, fp_fn fn, void *arg)
{
	uint64_t h[W], last = 0;
	char *sq;
	size_t n, i;
	int err = 0;
	bool any = false;

	if (len < MIN_LEN)
		return 0;
	sq = au__squash(s, len < MAX_TEXT ? len : MAX_TEXT);
	if (!sq)
		return -ENOMEM;
	n = strlen(sq);
	for (i = 0; !err && n >= MIN_LEN && i + K <= n; i++) {
		uint64_t min = UINT64_MAX;

		h[i % W] = au__hash(sq + i, K, AU_HASH_INIT);
		if (i + 1 < W)
			continue;
		for (size_t j = 0; j < W; j++)
			if (h[j] < min)
				min = h[j];
		if (!any || min != last)
			err = fn(arg, min);
		last = min;
		any = true;
	}
	free(sq);
	return err;
}

static uint64_t host_hash(const struct au_session *s)
{
	return au__hash(s->host_key, strlen(s->host_key), AU_HASH_INIT);
}

static bool same_server(const struct au_session *a, const struct au_session *b)
{
	if (a == b)
		return true;
	if (a->server_key && b->server_key)
		return !strcmp(a->server_key, b->server_key);
	return false;
}

static int init(struct audit_ctx *c)
{
	if (!c->flow && !(c->flow = calloc(1, sizeof(*c->flow))))
		return -ENOMEM;
	return 0;
}

/* ---- indexing ---- */

struct index_arg {
	struct audit_ctx *c;
	uint64_t host;
	uint32_t src;
	int err;
};

static int put_result(void *arg, uint64_t fp)
{
	struct index_arg *a = arg;
	struct au_flow *f = a->c->flow;

	if (tab_get(&f->client, fp ^ a->host, NULL))
		return 0; /* the client's own text, echoed */
	return tab_put(&f->results, fp ^ a->host, a->src);
}

static int put_client(void *arg, uint64_t fp)
{
	struct index_arg *a = arg;

	return tab_put(&a->c->flow->client, fp ^ a->host, 0);
}

static bool index_result(void *arg, const char *path, const char *s, size_t len)
{
	(void)path;
	((struct index_arg *)arg)->err = winnow(s, len, put_result, arg);
	return !((struct index_arg *)arg)->err;
}

static bool index_client(void *arg, const char *path, const char *s, size_t len)
{
	(void)path;
	((struct index_arg *)arg)->err = winnow(s, len, put_client, arg);
	return !((struct index_arg *)arg)->err;
}

/* ---- looking up ---- */

struct look_arg {
	struct audit_ctx *c;
	const struct au_session *s;
	uint64_t host;
	const struct src *hit;
	const char *str;
	size_t str_len;
	int err;
};

static int look(void *arg, uint64_t fp)
{
	struct look_arg *a = arg;
	struct au_flow *f = a->c->flow;
	uint32_t v;

	if (a->hit || !tab_get(&f->results, fp ^ a->host, &v))
		return 0;
	if (!same_server(&a->c->sess[f->srcs[v].sess], a->s))
		a->hit = &f->srcs[v];
	return 0;
}

static bool look_string(void *arg, const char *path, const char *s, size_t len)
{
	struct look_arg *a = arg;

	(void)path;
	a->err = winnow(s, len, look, a);
	if (a->hit && !a->str) {
		a->str = s;
		a->str_len = len;
	}
	return !a->err && !a->hit;
}

bool au_flow__carries_other(struct audit_ctx *c, const struct au_session *s, const cJSON *json,
			 const char **from)
{
	struct look_arg a = {c, s, 0, NULL, NULL, 0, 0};

	if (!c->flow || !s->host_key)
		return false;
	a.host = host_hash(s);
	au__walk_strings(json, "", false, look_string, &a);
	if (a.err)
		c->err = a.err;
	if (!a.hit)
		return false;
	*from = c->sess[a.hit->sess].server_name ? c->sess[a.hit->sess].server_name : "(unnamed)";
	return true;
}

static bool is_definition(const char *method)
{
	return !strcmp(method, "initialize") || !strcmp(method, "server/discover") ||
	       strstr(method, "/list") != NULL;
}

int au_flow__message(struct audit_ctx *c, const struct au_msg *m)
{
	const cJSON *part;
	int err;

	if (!m->json || !m->method || !m->s->host_key)
		return 0;
	err = init(c);
	if (err)
		return err;
	if (m->c2s && !strcmp(m->kind, "request") &&
	    (!strcmp(m->method, "tools/call") || !strcmp(m->method, "prompts/get"))) {
		struct look_arg a = {c, m->s, host_hash(m->s), NULL, NULL, 0, 0};
		struct index_arg ia = {c, a.host, 0, 0};

		part = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m->json, "params"), "arguments");
		au__walk_strings(part, "", false, look_string, &a);
		if (a.err)
			return a.err;
		if (a.hit) {
			const struct au_session *from = &c->sess[a.hit->sess];
			const char *fname = from->server_name ? from->server_name : "(unnamed)";
			const char *tool = au__msg_tool(m);
			struct au_where w = {m->s, m->id, m->call_id, tool};
			char *ex = au__clean(a.str, a.str_len, 160, false);

			if (!ex)
				return -ENOMEM;
			au__add(c, AR_FLOW, AUDIT_MEDIUM, &w, fname, ex, NULL,
				"the arguments of %s %s carry text that server %s returned "
				"(session %lld, message %lld)",
				m->method, tool ? tool : "", fname, (long long)from->id,
				(long long)a.hit->msg_id);
			free(ex);
			if (c->err)
				return c->err;
		}
		au__walk_strings(part, "", false, index_client, &ia);
		return ia.err;
	}
	if (!m->c2s && !strcmp(m->kind, "response") && !is_definition(m->method)) {
		struct au_flow *f = c->flow;
		struct index_arg ia = {c, host_hash(m->s), (uint32_t)f->n_srcs, 0};

		part = cJSON_GetObjectItemCaseSensitive(m->json, "result");
		if (!part || f->n_srcs >= UINT32_MAX)
			return 0;
		if (f->n_srcs == f->cap_srcs) {
			size_t cap = f->cap_srcs ? f->cap_srcs * 2 : 64;
			struct src *v = realloc(f->srcs, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			f->srcs = v;
			f->cap_srcs = cap;
		}
		f->srcs[f->n_srcs].sess = (size_t)(m->s - c->sess);
		f->srcs[f->n_srcs].msg_id = m->id;
		f->n_srcs++;
		au__walk_strings(part, "", false, index_result, &ia);
		return ia.err;
	}
	return 0;
}
