// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * secret: credentials on the wire.
 *
 * The tracer redacts bodies before it stores them (mcp/redact.c), so what a
 * DB holds is a marker, "[redacted:TYPE:HASH]", where a secret was; a DB
 * traced with --no-redact holds the secret itself. Each body goes through
 * the same redactor here, which leaves markers alone and turns raw secrets
 * into markers, and the rules read the markers: the same findings either
 * way, and no secret ever reaches a finding. HASH (the first 32 bits of the
 * secret's SHA-256) tells equal secrets apart, so a token sent in every
 * call is one finding. A server could forge a marker in its text; that is
 * reported like a secret.
 *  - secret-in-traffic: one finding per secret, tool and direction.
 *  - cleartext-credentials: a client message with a credential in a
 *    session over plain HTTP to an address that is not loopback (high);
 *    such a session without one is reported low, as HTTP headers
 *    (Authorization) are not in the trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

struct sess_state {
	int64_t first_c2s_msg; /* 0: none yet */
	int64_t first_c2s_call;
	bool credential; /* a client message carried one */
};

struct au_secret {
	struct sess_state *v; /* by index in c->sess */
};

void au_secret__free(struct audit_ctx *c)
{
	if (!c->secret)
		return;
	free(c->secret->v);
	free(c->secret);
	c->secret = NULL;
}

static const char *describe(const char *type)
{
	static const struct {
		const char *type, *words;
	} names[] = {
	    {"aws-key", "an AWS access key id"},
	    {"api-key", "an API key"},
	    {"github-token", "a GitHub token"},
	    {"slack-token", "a Slack token"},
	    {"jwt", "a JWT"},
	    {"bearer", "a bearer token"},
	    {"private-key", "a private key block"},
	    {"url-password", "a password in a URL"},
	    {"key", "a secret-named member's value"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(type, names[i].type))
			return names[i].words;
	return "a credential";
}

/* A marker at p (n bytes left): its length, with its type and hash copied
 * out; 0 when p holds none. */
static size_t marker_at(const char *p, size_t n, char *type, size_t tsize, char *hash)
{
	size_t i = 10, t0;

	if (n < 21 || memcmp(p, "[redacted:", 10))
		return 0;
	t0 = i;
	while (i < n && i - t0 < 13 && ((p[i] >= 'a' && p[i] <= 'z') || p[i] == '-'))
		i++;
	if (i == t0 || i - t0 >= tsize || i >= n || p[i] != ':')
		return 0;
	memcpy(type, p + t0, i - t0);
	type[i - t0] = '\0';
	i++;
	if (n - i < 9)
		return 0;
	for (size_t k = 0; k < 8; k++) {
		char ch = p[i + k];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
		hash[k] = ch;
	}
	hash[8] = '\0';
	if (p[i + 8] != ']')
		return 0;
	return i + 9;
}

static const char *part_of(const struct au_msg *m)
{
	if (!strcmp(m->kind, "request"))
		return "request";
	if (!strcmp(m->kind, "notification"))
		return "notification";
	if (!strcmp(m->kind, "error"))
		return "error response";
	return "response";
}

int au_secret__message(struct audit_ctx *c, const struct au_msg *m)
{
	struct sess_state *ss;
	const char *red, *tool;
	char *owned = NULL;
	size_t rlen, i;
	int err;

	if (!c->secret) {
		c->secret = calloc(1, sizeof(*c->secret));
		if (!c->secret || !(c->secret->v = calloc(c->n_sess ? c->n_sess : 1,
							  sizeof(*c->secret->v))))
			return -ENOMEM;
	}
	ss = &c->secret->v[m->s - c->sess];
	if (m->c2s && !ss->first_c2s_msg) {
		ss->first_c2s_msg = m->id;
		ss->first_c2s_call = m->call_id;
	}
	err = au__redact(c, m->body, m->body_len, &red, &rlen, &owned);
	if (err)
		return err;
	tool = au__msg_tool(m);
	for (i = 0; i + 21 <= rlen; i++) {
		char type[16], hash[9], *key = NULL, *ex;
		const char *p = memchr(red + i, '[', rlen - i);
		size_t n;
		struct au_where w = {m->s, m->id, m->call_id, tool ? tool : m->method};

		if (!p)
			break;
		i = (size_t)(p - red);
		n = marker_at(p, rlen - i, type, sizeof(type), hash);
		if (!n)
			continue;
		ex = au__excerpt(red, rlen, i, n, 40);
		if (!ex || asprintf(&key, "%s|%s|%s|%s", au__sender(m), m->method ? m->method : "",
				    type, hash) < 0) {
			free(ex);
			err = -ENOMEM;
			break;
		}
		au__add(c, AR_SECRET, AUDIT_HIGH, &w, key, ex, NULL,
			"%s (%s) in a %s %s%s%s, sent by the %s", describe(type), hash,
			m->method ? m->method : "JSON-RPC", part_of(m), tool ? " of " : "",
			tool ? tool : "", au__sender(m));
		if (m->c2s && m->s->remote_cleartext)
			au__add(c, AR_CLEARTEXT, AUDIT_HIGH, &w, key, ex, NULL,
				"%s (%s) sent over plain HTTP to %s, which is not this machine",
				describe(type), hash, m->s->server_addr);
		if (m->c2s)
			ss->credential = true;
		free(key);
		free(ex);
		if (c->err)
			break;
		i += n - 1;
	}
	free(owned);
	return err ? err : c->err;
}

int au_secret__finish(struct audit_ctx *c)
{
	for (size_t i = 0; c->secret && i < c->n_sess; i++) {
		const struct au_session *s = &c->sess[i];
		const struct sess_state *ss = &c->secret->v[i];
		struct au_where w = {s, ss->first_c2s_msg, ss->first_c2s_call, NULL};

		if (!s->remote_cleartext || ss->credential || !ss->first_c2s_msg)
			continue;
		au__add(c, AR_CLEARTEXT, AUDIT_LOW, &w, s->server_addr, NULL, NULL,
			"MCP over plain HTTP to %s, which is not this machine; HTTP headers "
			"(Authorization) are not in the trace, so whether they carried a "
			"credential cannot be told",
			s->server_addr);
		if (c->err)
			return c->err;
	}
	return 0;
}
