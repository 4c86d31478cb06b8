// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * roots: outside-roots. A client declares the roots a server may work in
 * (its answers to roots/list, or 2026-07-28 inputResponses holding roots);
 * a resources/read of a file: URI, or a tools/call argument that is a file:
 * URI or an absolute path under a member named like a path (path, file,
 * dir, folder, uri, root, cwd, location, source, src, dest, destination,
 * target), outside every one of them is a finding. Paths are compared
 * lexically after resolving "." and ".." (symbolic links are not in the
 * trace). The roots are all those the session declared, whenever it
 * declared them: a server may ask after the first call. Sessions that
 * declared none are not judged.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "audit/audit_int.h"

struct candidate {
	size_t sess; /* index in c->sess */
	int64_t msg_id, call_id;
	char *tool, *what, *path, *shown;
};

struct sess_roots {
	char **v; /* normalised paths */
	size_t n;
	bool declared;
};

struct au_roots {
	struct sess_roots *by_sess;
	struct candidate *cand;
	size_t n_cand, cap_cand;
};

void au_roots__free(struct audit_ctx *c)
{
	struct au_roots *r = c->roots;

	if (!r)
		return;
	for (size_t i = 0; r->by_sess && i < c->n_sess; i++) {
		for (size_t k = 0; k < r->by_sess[i].n; k++)
			free(r->by_sess[i].v[k]);
		free(r->by_sess[i].v);
	}
	for (size_t i = 0; i < r->n_cand; i++) {
		free(r->cand[i].tool);
		free(r->cand[i].what);
		free(r->cand[i].path);
		free(r->cand[i].shown);
	}
	free(r->by_sess);
	free(r->cand);
	free(r);
	c->roots = NULL;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* The path of a file: URI ("file:///p", "file://localhost/p", "file:/p"),
 * or s itself when it is an absolute path; resolved lexically. NULL when it
 * is neither (or memory ran out). */
static char *norm_path(const char *s)
{
	const char *p = s;
	char *dec, *out, *o;
	size_t n, i;

	if (!strncasecmp(p, "file:", 5)) {
		p += 5;
		if (!strncmp(p, "//", 2)) {
			p += 2;
			if (!strncasecmp(p, "localhost", 9))
				p += 9;
			else if (*p != '/')
				return NULL; /* another host's file */
		}
	}
	if (*p != '/')
		return NULL;
	n = strlen(p);
	dec = malloc(n + 1);
	out = malloc(n + 2);
	if (!dec || !out) {
		free(dec);
		free(out);
		return NULL;
	}
	/* percent-decoding applies to URIs; a plain path keeps its % */
	for (i = 0, o = dec; i < n; i++) {
		int h, l;

		if (p != s && p[i] == '%' && i + 2 < n + 1 && (h = hexval(p[i + 1])) >= 0 &&
		    (l = hexval(p[i + 2])) >= 0) {
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else if (p[i] == '?' || p[i] == '#') {
			if (p != s)
				break;
			*o++ = p[i];
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	/* resolve . and .. over the segments */
	o = out;
	*o = '\0';
	for (char *seg = dec, *next; seg; seg = next) {
		next = strchr(seg, '/');
		if (next)
			*next++ = '\0';
		if (!*seg || !strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			char *slash = strrchr(out, '/');

			if (slash)
				*slash = '\0';
			o = out + strlen(out);
			continue;
		}
		*o++ = '/';
		strcpy(o, seg);
		o += strlen(seg);
	}
	if (o == out)
		strcpy(out, "/");
	free(dec);
	return out;
}

static bool inside(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return true;
	return !strncmp(path, root, n) && (path[n] == '\0' || path[n] == '/');
}

static int init(struct audit_ctx *c)
{
	if (c->roots)
		return 0;
	c->roots = calloc(1, sizeof(*c->roots));
	if (!c->roots)
		return -ENOMEM;
	c->roots->by_sess = calloc(c->n_sess ? c->n_sess : 1, sizeof(*c->roots->by_sess));
	return c->roots->by_sess ? 0 : -ENOMEM;
}

static int add_roots(struct audit_ctx *c, size_t si, const cJSON *roots)
{
	struct sess_roots *sr = &c->roots->by_sess[si];
	const cJSON *r;

	if (!cJSON_IsArray(roots))
		return 0;
	sr->declared = true;
	cJSON_ArrayForEach(r, roots)
	{
		const cJSON *uri = cJSON_GetObjectItemCaseSensitive(r, "uri");
		char *p, **v;

		if (!cJSON_IsString(uri) || !(p = norm_path(uri->valuestring)))
			continue;
		for (size_t k = 0; k < sr->n; k++)
			if (!strcmp(sr->v[k], p)) {
				free(p);
				p = NULL;
				break;
			}
		if (!p)
			continue;
		v = realloc(sr->v, (sr->n + 1) * sizeof(*v));
		if (!v) {
			free(p);
			return -ENOMEM;
		}
		sr->v = v;
		sr->v[sr->n++] = p;
	}
	return 0;
}

static int add_candidate(struct audit_ctx *c, const struct au_msg *m, const char *tool,
			 const char *what, const char *shown, char *path)
{
	struct au_roots *r = c->roots;
	struct candidate *k;

	if (r->n_cand == r->cap_cand) {
		size_t cap = r->cap_cand ? r->cap_cand * 2 : 16;
		struct candidate *v = realloc(r->cand, cap * sizeof(*v));

		if (!v) {
			free(path);
			return -ENOMEM;
		}
		r->cand = v;
		r->cap_cand = cap;
	}
	k = &r->cand[r->n_cand++];
	k->sess = (size_t)(m->s - c->sess);
	k->msg_id = m->id;
	k->call_id = m->call_id;
	k->path = path;
	k->tool = tool ? strdup(tool) : NULL;
	k->what = strdup(what);
	k->shown = strdup(shown);
	return k->what && k->shown && (!tool || k->tool) ? 0 : -ENOMEM;
}

static bool pathish_name(const char *name)
{
	static const char *const words[] = {"path", "file", "dir", "folder", "uri", "root",
					    "cwd", "location", "source", "src", "dest",
					    "destination", "target", NULL};
	char low[64];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; words[i]; i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/* Every string of arguments under a path-like member, or a file: URI
 * anywhere. */
static int scan_args(struct audit_ctx *c, const struct au_msg *m, const char *tool,
		     const cJSON *node, const char *member)
{
	const cJSON *ch;
	int err = 0;

	if (cJSON_IsString(node) && node->valuestring) {
		const char *s = node->valuestring;
		bool uri = !strncasecmp(s, "file:", 5);
		char *p, what[96];

		if (!uri && !(member && pathish_name(member)))
			return 0;
		p = norm_path(s);
		if (!p)
			return 0;
		snprintf(what, sizeof(what), "argument %.60s", member ? member : "(item)");
		return add_candidate(c, m, tool, what, s, p);
	}
	for (ch = node ? node->child : NULL; ch && !err; ch = ch->next)
		err = scan_args(c, m, tool, ch, cJSON_IsObject(node) ? ch->string : member);
	return err;
}

int au_roots__message(struct audit_ctx *c, const struct au_msg *m)
{
	const cJSON *params, *r;
	size_t si = (size_t)(m->s - c->sess);
	int err;

	if (!m->c2s || !m->json || !m->method)
		return 0;
	err = init(c);
	if (err)
		return err;
	if (!strcmp(m->kind, "response") && !strcmp(m->method, "roots/list"))
		return add_roots(c, si, cJSON_GetObjectItemCaseSensitive(
					    cJSON_GetObjectItemCaseSensitive(m->json, "result"), "roots"));
	if (strcmp(m->kind, "request"))
		return 0;
	params = cJSON_GetObjectItemCaseSensitive(m->json, "params");
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(params, "inputResponses"))
	{
		err = add_roots(c, si, cJSON_GetObjectItemCaseSensitive(r, "roots"));
		if (err)
			return err;
	}
	if (!strcmp(m->method, "resources/read")) {
		const cJSON *uri = cJSON_GetObjectItemCaseSensitive(params, "uri");
		char *p;

		if (!cJSON_IsString(uri) || strncasecmp(uri->valuestring, "file:", 5) ||
		    !(p = norm_path(uri->valuestring)))
			return 0;
		return add_candidate(c, m, uri->valuestring, "resources/read", uri->valuestring, p);
	}
	if (!strcmp(m->method, "tools/call"))
		return scan_args(c, m, au__msg_tool(m),
				 cJSON_GetObjectItemCaseSensitive(params, "arguments"), NULL);
	return 0;
}

int au_roots__finish(struct audit_ctx *c)
{
	struct au_roots *r = c->roots;

	for (size_t i = 0; r && i < r->n_cand; i++) {
		const struct candidate *k = &r->cand[i];
		const struct sess_roots *sr = &r->by_sess[k->sess];
		struct au_where w = {&c->sess[k->sess], k->msg_id, k->call_id, k->tool};
		struct au_buf list = {0};
		char *key = NULL;
		bool in = false;

		if (!sr->declared)
			continue;
		for (size_t j = 0; j < sr->n && !in; j++)
			in = inside(k->path, sr->v[j]);
		if (in)
			continue;
		for (size_t j = 0; j < sr->n && j < 5; j++)
			au__buf_printf(&list, "%s%s", j ? ", " : "", sr->v[j]);
		if (!sr->n)
			au__buf_printf(&list, "none of them a file: URI");
		if (list.oom || asprintf(&key, "%s|%s", k->what, k->path) < 0) {
			free(list.s);
			return -ENOMEM;
		}
		au__add(c, AR_ROOTS, AUDIT_MEDIUM, &w, key, k->shown, NULL,
			"%s of %s asks for %s, outside every root the client declared (%s)", k->what,
			k->tool ? k->tool : "a call", k->path, list.s);
		free(list.s);
		free(key);
		if (c->err)
			return c->err;
	}
	return 0;
}
