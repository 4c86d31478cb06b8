// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * defs: what servers announce about themselves, read from the results of
 * tools/list, prompts/list, resources/list, resources/templates/list and
 * the instructions of initialize (and 2026-07-28's server/discover).
 *  - tool-definition-changed: each definition, as canonical JSON (keys
 *    sorted, _meta left out), is kept per server identity (name, and
 *    process name or address: au_session.server_key) and compared with the
 *    next announcement of the same name, in any later session of that
 *    server or the same session. Definitions only added or removed are not
 *    reported: a server may offer more tools to a more capable client.
 *  - duplicate-tool-name: tool names per host; two servers of different
 *    identity announcing one name is shadowing, unless they are the same
 *    server name with the same definition.
 *  - every string of a definition goes through the hidden-characters
 *    (high) and concealment-instruction checks of au_text.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"

struct def_rec {
	char *canon, *pretty, *version;
	int64_t session_id;
};

struct host_entry {
	char *ident, *server_name, *canon;
	int64_t session_id;
};

struct host_tool {
	struct host_entry *v;
	size_t n;
};

struct au_defs {
	struct au_map *last;  /* ident \n kind \n name -> struct def_rec */
	struct au_map *hosts; /* host \n tool name -> struct host_tool */
};

static void rec_free(void *p)
{
	struct def_rec *r = p;

	if (!r)
		return;
	free(r->canon);
	free(r->pretty);
	free(r->version);
	free(r);
}

static void host_tool_free(void *p)
{
	struct host_tool *t = p;

	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].ident);
		free(t->v[i].server_name);
		free(t->v[i].canon);
	}
	free(t->v);
	free(t);
}

void au_defs__free(struct audit_ctx *c)
{
	if (!c->defs)
		return;
	au__map_free(c->defs->last, rec_free);
	au__map_free(c->defs->hosts, host_tool_free);
	free(c->defs);
	c->defs = NULL;
}

int au_defs__finish(struct audit_ctx *c)
{
	(void)c;
	return 0;
}

static int init(struct audit_ctx *c)
{
	if (c->defs)
		return 0;
	c->defs = calloc(1, sizeof(*c->defs));
	if (!c->defs)
		return -ENOMEM;
	c->defs->last = au__map_new();
	c->defs->hosts = au__map_new();
	return c->defs->last && c->defs->hosts ? 0 : -ENOMEM;
}

/* The identity definitions are compared under. */
static char *ident_of(const struct au_session *s)
{
	char *id = NULL;

	if (s->server_key)
		return strdup(s->server_key);
	if (asprintf(&id, "session %" PRId64, s->id) < 0)
		return NULL;
	return id;
}

struct text_arg {
	struct audit_ctx *c;
	const struct au_msg *m;
	const char *name;
	int err;
};

static bool def_string(void *arg, const char *path, const char *s, size_t len)
{
	struct text_arg *a = arg;

	a->err = au_text__hidden(a->c, a->m, a->name, path, s, len, AUDIT_HIGH);
	if (!a->err)
		a->err = au_text__conceal(a->c, a->m, a->name, path, s, len);
	return !a->err;
}

static const char *same_or(const char *a, const char *b)
{
	return a ? a : b;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Compares one definition with the last one of its name. */
static int compare(struct audit_ctx *c, const struct au_msg *m, const char *ident,
		   const char *kind, const char *name, const cJSON *item)
{
	char *key = NULL, *canon = NULL, *pretty = NULL, *diff = NULL, *fp = NULL;
	struct def_rec *r, **slot;
	int err = -ENOMEM;
	struct au_where w = {m->s, m->id, m->call_id, name};

	canon = au__canon(item, "_meta", false);
	pretty = au__canon(item, "_meta", true);
	if (!canon || !pretty || asprintf(&key, "%s\n%s\n%s", ident, kind, name) < 0)
		goto out;
	slot = (struct def_rec **)au__map_slot(c->defs->last, key);
	if (!slot)
		goto out;
	r = *slot;
	if (r && strcmp(r->canon, canon)) {
		bool same_version = str_eq(r->version, m->s->server_version);
		char was[64];

		diff = au__diff(r->pretty, pretty, 40);
		if (!diff ||
		    asprintf(&fp, "%s|%016" PRIx64 "|%016" PRIx64, kind,
			     au__hash(r->canon, strlen(r->canon), AU_HASH_INIT),
			     au__hash(canon, strlen(canon), AU_HASH_INIT)) < 0) {
			fp = NULL;
			goto out;
		}
		if (r->session_id == m->s->id)
			snprintf(was, sizeof(was), "earlier in this session");
		else
			snprintf(was, sizeof(was), "in session %" PRId64, r->session_id);
		au__add(c, AR_TOOL_CHANGED, same_version ? AUDIT_HIGH : AUDIT_MEDIUM, &w, fp, NULL,
			diff, "the %s %s differs from what the server announced %s (%s%s%s%s)",
			kind, name, was, same_version ? "same version " : "version ",
			same_version ? same_or(m->s->server_version, "unknown")
				     : same_or(r->version, "unknown"),
			same_version ? "" : " -> ",
			same_version ? "" : same_or(m->s->server_version, "unknown"));
		if (c->err)
			goto out;
	}
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			goto out;
		*slot = r;
	}
	free(r->canon);
	free(r->pretty);
	free(r->version);
	r->canon = canon;
	r->pretty = pretty;
	canon = pretty = NULL;
	r->version = m->s->server_version ? strdup(m->s->server_version) : NULL;
	r->session_id = m->s->id;
	err = 0;
out:
	free(key);
	free(canon);
	free(pretty);
	free(diff);
	free(fp);
	return err;
}

/* Records a tool name for the host and reports another server's. */
static int shadowing(struct audit_ctx *c, const struct au_msg *m, const char *ident,
		     const char *name, const cJSON *item)
{
	const struct au_session *s = m->s;
	struct host_tool **slot, *t;
	struct host_entry *e;
	char *key = NULL, *canon = NULL;
	bool seen = false;
	int err = -ENOMEM;
	struct au_where w = {s, m->id, m->call_id, name};

	if (!s->host_key)
		return 0;
	canon = au__canon(item, "_meta", false);
	if (!canon || asprintf(&key, "%s\n%s", s->host_key, name) < 0)
		goto out;
	slot = (struct host_tool **)au__map_slot(c->defs->hosts, key);
	if (!slot)
		goto out;
	if (!*slot && !(*slot = calloc(1, sizeof(**slot))))
		goto out;
	t = *slot;
	for (size_t i = 0; i < t->n; i++) {
		const char *a, *b;
		char *pair = NULL;

		e = &t->v[i];
		if (!strcmp(e->ident, ident)) {
			seen = true;
			continue;
		}
		/* one server run twice (another process name, port) */
		if (str_eq(e->server_name, s->server_name) && !strcmp(e->canon, canon))
			continue;
		a = same_or(e->server_name, "?");
		b = same_or(s->server_name, "?");
		if (asprintf(&pair, "%s|%s", strcmp(a, b) < 0 ? a : b, strcmp(a, b) < 0 ? b : a) < 0)
			goto out;
		au__add(c, AR_DUPLICATE, AUDIT_MEDIUM, &w, pair, NULL, NULL,
			"tool %s is announced by server %s (session %" PRId64
			") and by server %s (session %" PRId64 ") of the same host",
			name, a, e->session_id, b, s->id);
		free(pair);
		if (c->err)
			goto out;
	}
	if (!seen) {
		e = realloc(t->v, (t->n + 1) * sizeof(*e));
		if (!e)
			goto out;
		t->v = e;
		e = &t->v[t->n];
		e->ident = strdup(ident);
		e->server_name = s->server_name ? strdup(s->server_name) : NULL;
		e->canon = canon;
		canon = NULL;
		e->session_id = s->id;
		t->n++;
		if (!e->ident)
			goto out;
	}
	err = 0;
out:
	free(key);
	free(canon);
	return err;
}

static const struct {
	const char *method, *list, *kind, *name_key;
} lists[] = {
    {"tools/list", "tools", "tool", "name"},
    {"prompts/list", "prompts", "prompt", "name"},
    {"resources/list", "resources", "resource", "uri"},
    {"resources/templates/list", "resourceTemplates", "resource template", "uriTemplate"},
};

int au_defs__message(struct audit_ctx *c, const struct au_msg *m)
{
	const cJSON *result, *items, *item, *instr;
	char *ident = NULL;
	int err;
	size_t i;

	if (m->c2s || !m->json || !m->method || strcmp(m->kind, "response"))
		return 0;
	result = cJSON_GetObjectItemCaseSensitive(m->json, "result");
	if (!cJSON_IsObject(result))
		return 0;
	err = init(c);
	if (err)
		return err;
	ident = ident_of(m->s);
	if (!ident)
		return -ENOMEM;
	instr = cJSON_GetObjectItemCaseSensitive(result, "instructions");
	if ((!strcmp(m->method, "initialize") || !strcmp(m->method, "server/discover")) &&
	    cJSON_IsString(instr)) {
		struct text_arg a = {c, m, NULL, 0};

		def_string(&a, "instructions", instr->valuestring, strlen(instr->valuestring));
		err = a.err;
		if (!err)
			err = compare(c, m, ident, "instructions", "(server instructions)", instr);
		goto out;
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (!strcmp(m->method, lists[i].method))
			break;
	if (i == sizeof(lists) / sizeof(lists[0]))
		goto out;
	items = cJSON_GetObjectItemCaseSensitive(result, lists[i].list);
	cJSON_ArrayForEach(item, items)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(item, lists[i].name_key);
		struct text_arg a = {c, m, NULL, 0};

		if (!cJSON_IsString(n) || !n->valuestring)
			continue;
		a.name = n->valuestring;
		au__walk_strings(item, "", true, def_string, &a);
		err = a.err;
		if (!err)
			err = compare(c, m, ident, lists[i].kind, n->valuestring, item);
		if (!err && i == 0)
			err = shadowing(c, m, ident, n->valuestring, item);
		if (err)
			break;
	}
out:
	free(ident);
	return err ? err : c->err;
}
