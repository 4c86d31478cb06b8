// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * audit: the rule table and the walk. The sessions are loaded first (with
 * what the rules ask of them: the server's identity, the host, whether it
 * spoke plain HTTP to another machine); then every message, in the order
 * it was sent, is parsed once and handed to each rule family; then the
 * families that judge the whole trace (repeated calls, roots, the
 * per-session summaries) finish. Findings are deduplicated by fingerprint
 * and sorted, so a DB always gives the same list.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/sha.h>
#include <sqlite3.h>

#include "audit/audit_int.h"
#include "mcp/redact.h"

const struct audit_rule audit_rules[AR__COUNT] = {
    [AR_TOOL_CHANGED] = {"tool-definition-changed", AUDIT_HIGH,
			 "A tool, prompt or resource definition changed (rug pull)",
			 "A server announced a tool, prompt or resource (its name, description, "
			 "input schema or annotations) or its instructions differently from what "
			 "it announced before, in an earlier session of the same server (same name "
			 "and process name or address) or earlier in the same session. A definition "
			 "approved once can be swapped for a malicious one later (a \"rug pull\"). "
			 "High when the server's version did not change, medium when it did (an "
			 "upgrade). Review the diff; accept it with a baseline if it is expected."},
    [AR_HIDDEN] = {"hidden-characters", AUDIT_HIGH,
		   "Invisible or direction-changing characters, or terminal escapes",
		   "Text a server sent holds characters a person does not see but a model "
		   "reads: Unicode tag characters (U+E0000-E007F, which spell invisible ASCII), "
		   "zero-width characters, bidirectional controls, variation selectors used as "
		   "data, or ANSI/terminal escape sequences. High in tool, prompt or resource "
		   "definitions and server instructions, and for tag characters anywhere; "
		   "medium in results. The excerpt shows them as <U+XXXX>; tag characters are "
		   "decoded. Remove the server or have its author remove them."},
    [AR_CONCEAL] = {"concealment-instruction", AUDIT_HIGH,
		    "A definition tells the model to hide things or to act before other tools",
		    "A tool, prompt or resource description, an argument's description or the "
		    "server's instructions holds a phrase from mcptrace's list (README, Audit) "
		    "telling the model to keep something from the user, to ignore earlier "
		    "instructions, or to run before or instead of other tools: the signature "
		    "of tool poisoning. Matching ignores case and spacing. Read the whole "
		    "description before trusting the server."},
    [AR_SECRET] = {"secret-in-traffic", AUDIT_HIGH, "A credential crossed the wire",
		   "A message carried a credential: a cloud key, a GitHub, Slack, "
		   "OpenAI/Anthropic, Google or Stripe token, a JWT, a bearer token, a private "
		   "key block, a password in a URL or DSN, or the value of a member named like "
		   "password, secret, token or api_key. The trace stores it redacted (the "
		   "excerpt shows the marker, whose hash tells equal secrets apart); a DB "
		   "traced with --no-redact is redacted for the report. Rotate the credential "
		   "if it should not have reached the server (or the client)."},
    [AR_ELICIT] = {"credential-elicitation", AUDIT_HIGH, "A server asked the user for a credential",
		   "A form elicitation (elicitation/create, or a 2026-07-28 input request) "
		   "asks for a password, token, API key, secret, private key, one-time code or "
		   "card number, by a field's name, title or description (high) or only in "
		   "its message (medium). The MCP specification says servers must not ask for "
		   "sensitive information through form elicitation; URL elicitation is the "
		   "way for credentials and is not reported."},
    [AR_DUPLICATE] = {"duplicate-tool-name", AUDIT_MEDIUM,
		      "Two servers of one host expose the same tool name (shadowing)",
		      "Two different servers used by the same host announced a tool of the same "
		      "name. The model may call the wrong one, and a malicious server can "
		      "shadow a trusted one's tool this way. Two sessions of the same server "
		      "(same name, same definition) are not reported."},
    [AR_ROOTS] = {"outside-roots", AUDIT_MEDIUM, "A file access outside the client's roots",
		  "The client declared roots (roots/list) and then a resources/read asked for "
		  "a file: URI, or a tool argument named like a path held an absolute path or "
		  "file: URI, outside every root. Paths are compared after resolving . and .. "
		  "segments. Sessions without declared roots are not judged."},
    [AR_SAMPLING] = {"sampling-request", AUDIT_LOW, "A server asked the client's model to generate",
		     "A server sent sampling/createMessage (or a 2026-07-28 input request for "
		     "it): it uses the host's model and its budget. Listed as an inventory, "
		     "low; medium when the prompt carries text that another server returned, "
		     "which is how one server can read another's data."},
    [AR_CLEARTEXT] = {"cleartext-credentials", AUDIT_HIGH, "Credentials over plain HTTP to another host",
		      "A session spoke MCP over plain HTTP (no TLS) to an address that is not "
		      "this machine's loopback, and a client message carried a credential "
		      "(high). The trace does not store HTTP headers, so an Authorization header "
		      "cannot be seen: such a session with no credential in its bodies is "
		      "reported low, as plain HTTP to another host."},
    [AR_RUNAWAY] = {"runaway-calls", AUDIT_MEDIUM, "The same call repeated many times a minute",
		    "The same request (method, tool or resource, and arguments) was sent more "
		    "than N times (--runaway N, default 30) within one minute in one session: "
		    "an agent stuck in a loop, spending tokens and the server's resources. ping "
		    "and tasks/get, which are polled by design, are not counted."},
    [AR_FLOW] = {"cross-server-flow", AUDIT_MEDIUM, "Text returned by one server was sent to another",
		 "Text a server returned (a tool result, a resource, a prompt) reappeared in the "
		 "arguments of a later call to a different server of the same host: data "
		 "moving between servers, as in an exfiltration by a poisoned tool. Matched on "
		 "fingerprints of 40-byte and longer runs of text (winnowing), not on whole "
		 "messages."},
};

const char *audit__sev_name(enum audit_sev s)
{
	switch (s) {
	case AUDIT_LOW:
		return "low";
	case AUDIT_MEDIUM:
		return "medium";
	case AUDIT_HIGH:
		return "high";
	}
	return NULL;
}

enum audit_sev audit__sev_parse(const char *name)
{
	if (!strcmp(name, "low"))
		return AUDIT_LOW;
	if (!strcmp(name, "medium"))
		return AUDIT_MEDIUM;
	if (!strcmp(name, "high"))
		return AUDIT_HIGH;
	return 0;
}

const struct au_session *au__session(const struct audit_ctx *c, int64_t id)
{
	size_t lo = 0, hi = c->n_sess;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->sess[mid].id == id)
			return &c->sess[mid];
		if (c->sess[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *au__msg_tool(const struct au_msg *m)
{
	const cJSON *p, *n;

	if (m->target)
		return m->target;
	if (!m->json || !m->method || strcmp(m->kind, "request"))
		return NULL;
	p = cJSON_GetObjectItemCaseSensitive(m->json, "params");
	n = cJSON_GetObjectItemCaseSensitive(p, !strcmp(m->method, "resources/read") ? "uri" : "name");
	return cJSON_IsString(n) ? n->valuestring : NULL;
}

char *au__inflight_tool(struct audit_ctx *c, const struct au_msg *m)
{
	static const char sql[] =
	    "SELECT target FROM calls WHERE session_id = ?1 AND direction = 'c2s' "
	    "AND method = 'tools/call' AND start_ns <= ?2 AND (end_ns IS NULL OR end_ns >= ?2) "
	    "ORDER BY start_ns DESC, id DESC LIMIT 1";
	sqlite3_stmt *st;
	char *t = NULL;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, m->s->id);
	sqlite3_bind_int64(st, 2, m->ts_ns);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		t = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return t;
}

const char *au__sender(const struct au_msg *m)
{
	return m->c2s ? "client" : "server";
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *clean_or_null(const char *s, size_t max)
{
	return s ? au__clean(s, strlen(s), max, false) : NULL;
}

struct audit_finding *au__add(struct audit_ctx *c, enum audit_rule_id rule, enum audit_sev sev,
			      const struct au_where *w, const char *key, const char *excerpt,
			      const char *detail, const char *fmt, ...)
{
	const struct au_session *s = w->s;
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct audit_finding *f;
	struct au_buf fb = {0};
	char fp[AUDIT_FP_LEN + 1], *expl = NULL;
	void **slot;
	va_list ap;
	int n;

	if (c->err)
		return NULL;
	/* The fingerprint: nothing in it depends on row ids or times. */
	au__buf_add(&fb, audit_rules[rule].id, strlen(audit_rules[rule].id) + 1);
	if (s && s->server_name)
		au__buf_add(&fb, s->server_name, strlen(s->server_name));
	au__buf_add(&fb, "", 1);
	if (w->tool)
		au__buf_add(&fb, w->tool, strlen(w->tool));
	au__buf_add(&fb, "", 1);
	if (key)
		au__buf_add(&fb, key, strlen(key));
	if (fb.oom)
		goto oom;
	SHA256((const unsigned char *)fb.s, fb.len, md);
	free(fb.s);
	fb.s = NULL;
	for (n = 0; n < AUDIT_FP_LEN / 2; n++)
		snprintf(fp + 2 * n, 3, "%02x", md[n]);
	slot = au__map_slot(c->fps, fp);
	if (!slot)
		goto oom;
	if (*slot)
		return NULL;
	*slot = (void *)1;

	if (c->res->n == c->res->cap) {
		size_t cap = c->res->cap ? c->res->cap * 2 : 32;
		struct audit_finding *v = realloc(c->res->v, cap * sizeof(*v));

		if (!v)
			goto oom;
		c->res->v = v;
		c->res->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&expl, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto oom;
	f = &c->res->v[c->res->n];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->sev = sev;
	f->session_id = s ? s->id : 0;
	f->message_id = w->message_id;
	f->call_id = w->call_id;
	memcpy(f->fingerprint, fp, sizeof(fp));
	f->explanation = au__clean(expl, strlen(expl), 400, false);
	free(expl);
	f->excerpt = excerpt ? au__clean(excerpt, strlen(excerpt), 240, false) : NULL;
	f->detail = detail ? au__clean(detail, strlen(detail), 0, true) : NULL;
	f->tool = clean_or_null(w->tool, 120);
	if (s) {
		f->server_name = clean_or_null(s->server_name, 120);
		f->server_version = clean_or_null(s->server_version, 60);
		f->server_command = clean_or_null(s->server_command, 60);
		f->server_url = clean_or_null(s->server_url, 200);
	}
	c->res->n++;
	if (!f->explanation || (excerpt && !f->excerpt) || (detail && !f->detail) ||
	    (w->tool && !f->tool))
		goto oom;
	return f;
oom:
	free(fb.s);
	c->err = -ENOMEM;
	return NULL;
}

static void session_free(struct au_session *s)
{
	free(s->transport);
	free(s->client_name);
	free(s->server_name);
	free(s->server_version);
	free(s->client_addr);
	free(s->server_addr);
	free(s->server_command);
	free(s->server_url);
	free(s->server_key);
	free(s->host_key);
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static int64_t col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(st, i);
}

/* The client's IP of an "ip:port" or "[v6]:port". */
static char *addr_ip(const char *addr)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;

	if (!colon || addr[0] == '/')
		return dup_or_null(addr);
	return strndup(addr, (size_t)(colon - addr));
}

static int load_sessions(struct audit_ctx *c)
{
	static const char sql[] =
	    "SELECT s.id, s.run_id, s.transport, s.tls, s.client_pid, s.server_pid, s.client_name, "
	    "s.server_name, s.server_version, s.client_addr, s.server_addr, "
	    "(SELECT coalesce(p.cmdline, p.comm) FROM processes p WHERE p.run_id IS s.run_id AND "
	    "p.pid = s.server_pid "
	    " ORDER BY p.id DESC LIMIT 1) "
	    "FROM sessions s ORDER BY s.id";
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mcptrace: failed to read sessions: %s\n", sqlite3_errmsg(c->db));
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct au_session *s;
		bool http;
		char *ip;

		if (c->n_sess == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct au_session *v = realloc(c->sess, ncap * sizeof(*v));

			if (!v)
				goto oom;
			c->sess = v;
			cap = ncap;
		}
		s = &c->sess[c->n_sess++];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		s->run_id = sqlite3_column_int64(st, 1);
		s->transport = col(st, 2);
		s->tls = sqlite3_column_int(st, 3);
		s->client_pid = col_i64(st, 4);
		s->server_pid = col_i64(st, 5);
		s->client_name = col(st, 6);
		s->server_name = col(st, 7);
		s->server_version = col(st, 8);
		s->client_addr = col(st, 9);
		s->server_addr = col(st, 10);
		s->server_command = col(st, 11);
		http = s->transport && strcmp(s->transport, "stdio");
		if (http && s->server_addr &&
		    asprintf(&s->server_url, "%s://%s", s->tls ? "https" : "http", s->server_addr) < 0)
			s->server_url = NULL;
		if (s->server_name &&
		    asprintf(&s->server_key, "%s|%s|%s", http ? "http" : "stdio", s->server_name,
			     http ? (s->server_addr ? s->server_addr : "?")
				  : (s->server_command ? s->server_command : "?")) < 0)
			goto oom;
		if (s->client_pid != INT64_MIN) {
			if (asprintf(&s->host_key, "run %" PRId64 " pid %" PRId64, s->run_id,
				     s->client_pid) < 0)
				goto oom;
		} else if (http && (ip = addr_ip(s->client_addr))) {
			rc = asprintf(&s->host_key, "addr %s", ip);
			free(ip);
			if (rc < 0)
				goto oom;
		}
		s->remote_cleartext = http && !s->tls && s->server_addr &&
				      !au__is_loopback(s->server_addr);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "mcptrace: failed to read sessions: %s\n", sqlite3_errmsg(c->db));
		return -EIO;
	}
	return 0;
oom:
	sqlite3_finalize(st);
	return -ENOMEM;
}

/* Hands one message to every family. */
static int dispatch(struct audit_ctx *c, const struct au_msg *m)
{
	int err;

	if ((err = au_defs__message(c, m)) || (err = au_text__results(c, m)) ||
	    (err = au_secret__message(c, m)) || (err = au_input__message(c, m)) ||
	    (err = au_roots__message(c, m)) || (err = au_runaway__message(c, m)) ||
	    (err = au_flow__message(c, m)))
		return err;
	return c->err;
}

static int walk_messages(struct audit_ctx *c)
{
	static const char sql[] =
	    "SELECT m.id, m.session_id, coalesce(m.call_id, 0), m.ts_ns, m.direction, m.kind, "
	    "m.method, m.truncated, m.body, c.target "
	    "FROM messages m LEFT JOIN calls c ON c.id = m.call_id ORDER BY m.ts_ns, m.id";
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mcptrace: failed to read messages: %s\n", sqlite3_errmsg(c->db));
		return -EIO;
	}
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct au_msg m = {0};
		const char *dir = (const char *)sqlite3_column_text(st, 4);
		cJSON *json = NULL;

		m.id = sqlite3_column_int64(st, 0);
		m.s = au__session(c, sqlite3_column_int64(st, 1));
		m.call_id = sqlite3_column_int64(st, 2);
		m.ts_ns = sqlite3_column_int64(st, 3);
		m.c2s = dir && !strcmp(dir, "c2s");
		m.kind = (const char *)sqlite3_column_text(st, 5);
		m.method = (const char *)sqlite3_column_text(st, 6);
		m.truncated = sqlite3_column_int(st, 7) != 0;
		m.body = (const char *)sqlite3_column_text(st, 8);
		m.body_len = (size_t)sqlite3_column_bytes(st, 8);
		m.target = (const char *)sqlite3_column_text(st, 9);
		if (!m.s || !m.kind || !m.body)
			continue;
		if (!m.truncated)
			json = cJSON_ParseWithLength(m.body, m.body_len);
		if (cJSON_IsArray(json)) {
			/* A batch stored whole: each element on its own. */
			for (const cJSON *e = json->child; e && !err; e = e->next) {
				m.json = e;
				err = dispatch(c, &m);
			}
		} else {
			m.json = json;
			err = dispatch(c, &m);
		}
		cJSON_Delete(json);
	}
	if (!err && rc != SQLITE_DONE) {
		fprintf(stderr, "mcptrace: failed to read messages: %s\n", sqlite3_errmsg(c->db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct audit_finding *x = a, *y = b;

	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	if (x->session_id != y->session_id)
		return x->session_id < y->session_id ? -1 : 1;
	if (x->message_id != y->message_id)
		return x->message_id < y->message_id ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->fingerprint, y->fingerprint);
}

int audit__run(sqlite3 *db, const struct audit_opts *o, struct audit_result *r)
{
	static const struct audit_opts defaults = {0};
	struct audit_ctx c = {.db = db, .opts = o ? o : &defaults, .res = r};
	int err;
	size_t i;

	memset(r, 0, sizeof(*r));
	c.red = redactor__new();
	c.fps = au__map_new();
	if (!c.red || !c.fps) {
		err = -ENOMEM;
		goto out;
	}
	err = load_sessions(&c);
	if (!err)
		err = walk_messages(&c);
	if (!err)
		err = au_defs__finish(&c);
	if (!err)
		err = au_roots__finish(&c);
	if (!err)
		err = au_runaway__finish(&c);
	if (!err)
		err = au_secret__finish(&c);
	if (!err)
		err = c.err;
	if (!err)
		qsort(r->v, r->n, sizeof(*r->v), cmp_finding);
out:
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory while auditing\n");
	au_defs__free(&c);
	au_roots__free(&c);
	au_runaway__free(&c);
	au_flow__free(&c);
	au_secret__free(&c);
	for (i = 0; i < c.n_sess; i++)
		session_free(&c.sess[i]);
	free(c.sess);
	au__map_free(c.fps, NULL);
	redactor__free(c.red);
	if (err)
		audit__result_free(r);
	return err;
}

void audit__result_free(struct audit_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct audit_finding *f = &r->v[i];

		free(f->server_name);
		free(f->server_version);
		free(f->server_command);
		free(f->server_url);
		free(f->tool);
		free(f->excerpt);
		free(f->explanation);
		free(f->detail);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
