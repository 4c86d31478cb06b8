// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * jsonrpc: turns one framed JSON text into JSON-RPC 2.0 messages with the
 * fields MCP correlation needs. Each text is parsed once with cJSON; the
 * top-level members are found in one pass, the message is classified
 * without allocating, and only then are the few strings we keep copied
 * out, so an invalid message costs its body and its error line only.
 *
 * Edges: the decoder keeps no state and does not know which request a
 * response answers (correlate.c does). Ids and tokens are kept as canonical
 * JSON text so that 1 and "1" never meet in a correlation key. cJSON keeps
 * every number as a double only and is lenient with number syntax (it uses
 * strtod: "01" and "1." pass); we inherit both.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mcp/envelope.h"
#include "mcp/json_id.h"
#include "mcp/jsonrpc.h"

/* The top-level members of one message; the first of duplicates wins, as
 * with cJSON_GetObjectItem. */
struct rpc_members {
	const cJSON *jsonrpc, *id, *method, *params, *result, *error;
};

const char *jsonrpc__kind_name(enum rpc_kind kind)
{
	switch (kind) {
	case RPC_REQUEST:
		return "request";
	case RPC_NOTIFICATION:
		return "notification";
	case RPC_RESPONSE:
		return "response";
	case RPC_ERROR:
		return "error";
	case RPC_INVALID:
		break;
	}
	return "invalid";
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int set_invalid(struct rpc_msg *m, const char *why)
{
	m->kind = RPC_INVALID;
	m->parse_error = strdup(why);
	return m->parse_error ? 0 : -ENOMEM;
}

static bool is_id(const cJSON *id)
{
	return cJSON_IsString(id) || cJSON_IsNumber(id);
}

static void find_members(const cJSON *obj, struct rpc_members *r)
{
	const cJSON *it;

	memset(r, 0, sizeof(*r));
	cJSON_ArrayForEach(it, obj)
	{
		const char *k = it->string;
		const cJSON **slot = NULL;

		if (!k)
			continue;
		switch (k[0]) {
		case 'j':
			if (!strcmp(k, "jsonrpc"))
				slot = &r->jsonrpc;
			break;
		case 'i':
			if (!strcmp(k, "id"))
				slot = &r->id;
			break;
		case 'm':
			if (!strcmp(k, "method"))
				slot = &r->method;
			break;
		case 'p':
			if (!strcmp(k, "params"))
				slot = &r->params;
			break;
		case 'r':
			if (!strcmp(k, "result"))
				slot = &r->result;
			break;
		case 'e':
			if (!strcmp(k, "error"))
				slot = &r->error;
			break;
		}
		if (slot && !*slot)
			*slot = it;
	}
}

/* Decides the kind without allocating. Returns NULL, or why the message
 * is not JSON-RPC 2.0. */
static const char *classify(const struct rpc_members *r, enum rpc_kind *kind)
{
	if (!r->jsonrpc)
		return "missing jsonrpc member";
	if (!cJSON_IsString(r->jsonrpc) || strcmp(r->jsonrpc->valuestring, "2.0") != 0)
		return "jsonrpc is not \"2.0\"";
	if (r->method) {
		if (!cJSON_IsString(r->method))
			return "method is not a string";
		if (r->result || r->error)
			return "message has a method and a result or error";
		if (!r->id) {
			*kind = RPC_NOTIFICATION;
			return NULL;
		}
		if (!is_id(r->id))
			return "request id is not a string or a number";
		*kind = RPC_REQUEST;
		return NULL;
	}
	if (r->result && r->error)
		return "message has both result and error";
	if (r->result) {
		if (!r->id)
			return "response has no id";
		if (!is_id(r->id))
			return "response id is not a string or a number";
		*kind = RPC_RESPONSE;
		return NULL;
	}
	if (r->error) {
		if (!cJSON_IsObject(r->error))
			return "error is not an object";
		/* null is how a peer answers a request whose id it could not
		 * read; a missing id we tolerate the same way. */
		if (r->id && !is_id(r->id) && !cJSON_IsNull(r->id))
			return "error id is not a string, a number or null";
		*kind = RPC_ERROR;
		return NULL;
	}
	return "message has no method, result or error";
}

/* Methods whose target is one string member of params. */
static const struct {
	const char *method;
	const char *key;
} target_keys[] = {
	{ "tools/call", "name" },
	{ "prompts/get", "name" },
	{ "resources/read", "uri" },
	{ "resources/subscribe", "uri" },
	{ "resources/unsubscribe", "uri" },
};

static int extract_call(const struct rpc_members *r, struct rpc_msg *m)
{
	const char *method = r->method->valuestring;
	const cJSON *params = cJSON_IsObject(r->params) ? r->params : NULL;
	const cJSON *it;
	size_t i;
	int err;

	m->method = strdup(method);
	if (!m->method)
		return -ENOMEM;
	if (!params)
		return 0;

	if (m->kind == RPC_REQUEST) {
		it = json__member(json__member(params, "_meta"), "progressToken");
		if (cJSON_IsNull(it)) /* not a token; keep NULL */
			it = NULL;
		if ((err = json_id__text(&m->progress_token, it)))
			return err;
		/* initialize names the client its own way, below */
		if (strcmp(method, "initialize") != 0 && (err = envelope__request(params, m)))
			return err;
	}
	for (i = 0; i < sizeof(target_keys) / sizeof(target_keys[0]); i++) {
		if (!strcmp(method, target_keys[i].method))
			return json__copy_str(&m->target, json__member(params, target_keys[i].key));
	}
	if (!strcmp(method, "completion/complete")) {
		const cJSON *ref = json__member(params, "ref");

		it = json__member(ref, "name");
		return json__copy_str(&m->target, cJSON_IsString(it) ? it : json__member(ref, "uri"));
	}
	if (m->kind == RPC_REQUEST) {
		if (!strcmp(method, "initialize")) {
			const cJSON *ci = json__member(params, "clientInfo");

			if ((err = json__copy_str(&m->peer_name, json__member(ci, "name"))) ||
			    (err = json__copy_str(&m->peer_version, json__member(ci, "version"))))
				return err;
			return json__copy_str(&m->protocol_version, json__member(params, "protocolVersion"));
		}
		return 0;
	}
	if ((err = envelope__notification(params, m)))
		return err;
	if (!strcmp(method, "notifications/progress")) {
		it = json__member(params, "progressToken");
		if (cJSON_IsNull(it)) /* not a token; keep NULL */
			it = NULL;
		if ((err = json_id__text(&m->progress_token, it)))
			return err;
		it = json__member(params, "progress");
		if (cJSON_IsNumber(it))
			m->progress = it->valuedouble;
		it = json__member(params, "total");
		if (cJSON_IsNumber(it)) {
			m->total = it->valuedouble;
			m->has_total = true;
		}
		return 0;
	}
	if (!strcmp(method, "notifications/cancelled")) {
		it = json__member(params, "requestId");
		if (cJSON_IsNull(it))
			it = NULL;
		if ((err = json_id__text(&m->cancel_id, it)))
			return err;
		return json__copy_str(&m->reason, json__member(params, "reason"));
	}
	return 0;
}

static int extract_result(const struct rpc_members *r, struct rpc_msg *m)
{
	const cJSON *res = cJSON_IsObject(r->result) ? r->result : NULL;
	const cJSON *si;
	int err;

	if (!res)
		return 0;
	m->tool_error = cJSON_IsTrue(json__member(res, "isError"));
	si = json__member(res, "serverInfo");
	if ((err = json__copy_str(&m->peer_name, json__member(si, "name"))) ||
	    (err = json__copy_str(&m->peer_version, json__member(si, "version"))) ||
	    (err = json__copy_str(&m->protocol_version, json__member(res, "protocolVersion"))))
		return err;
	return envelope__result(res, m);
}

static int extract_error(const struct rpc_members *r, struct rpc_msg *m)
{
	const cJSON *code = json__member(r->error, "code");

	/* The spec wants an integer; anything else leaves has_err_code
	 * false rather than storing a made-up code. */
	if (cJSON_IsNumber(code) && code->valuedouble == floor(code->valuedouble) &&
	    code->valuedouble >= -9223372036854775808.0 &&
	    code->valuedouble < 9223372036854775808.0) {
		m->has_err_code = true;
		m->err_code = (long long)code->valuedouble;
	}
	return json__copy_str(&m->err_message, json__member(r->error, "message"));
}

/* Fills m from one JSON value. Returns 0 or -ENOMEM; a value that is not a
 * JSON-RPC message is RPC_INVALID, not an error. */
static int decode_value(const cJSON *v, struct rpc_msg *m)
{
	struct rpc_members r;
	const char *why;
	int err;

	if (!cJSON_IsObject(v))
		return set_invalid(m, m->in_batch ? "batch member is not an object" :
						    "message is not an object");
	find_members(v, &r);
	why = classify(&r, &m->kind);
	if (why)
		return set_invalid(m, why);
	if (r.id && (err = json_id__text(&m->id, r.id)))
		return err;
	switch (m->kind) {
	case RPC_REQUEST:
	case RPC_NOTIFICATION:
		return extract_call(&r, m);
	case RPC_RESPONSE:
		return extract_result(&r, m);
	case RPC_ERROR:
		return extract_error(&r, m);
	case RPC_INVALID:
		break;
	}
	return 0;
}

static void msg_clear(struct rpc_msg *m)
{
	free(m->id);
	free(m->method);
	free(m->target);
	free(m->err_message);
	free(m->progress_token);
	free(m->cancel_id);
	free(m->reason);
	free(m->peer_name);
	free(m->peer_version);
	free(m->protocol_version);
	free(m->request_state);
	free(m->subscription_id);
	free(m->body);
	free(m->parse_error);
}

void jsonrpc__free(struct rpc_msg *msgs, size_t count)
{
	size_t i;

	if (!msgs)
		return;
	for (i = 0; i < count; i++)
		msg_clear(&msgs[i]);
	free(msgs);
}

/* cJSON prints a number with 15 significant digits whenever those come
 * within an epsilon of it, so a member re-serialised by cJSON would show
 * other numbers than were sent: the id 8888888888888881 as
 * 8.88888888888888e+15, which is another id. Every number that 15 digits
 * do not give back exactly becomes raw text with 17, which do. Returns 0
 * or -ENOMEM. */
static int exact_numbers(cJSON *parent)
{
	cJSON *c, *next, *raw;
	char buf[32];

	for (c = parent->child; c; c = next) {
		next = c->next;
		if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
			if (exact_numbers(c) < 0)
				return -ENOMEM;
			continue;
		}
		if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
			continue;
		snprintf(buf, sizeof(buf), "%.15g", c->valuedouble);
		if (strtod(buf, NULL) == c->valuedouble)
			continue;
		snprintf(buf, sizeof(buf), "%.17g", c->valuedouble);
		raw = cJSON_CreateRaw(buf);
		if (!raw)
			return -ENOMEM;
		/* The member's key moves over with its flag. */
		raw->string = c->string;
		raw->type |= c->type & cJSON_StringIsConst;
		c->string = NULL;
		cJSON_ReplaceItemViaPointer(parent, c, raw);
	}
	return 0;
}

static int decode_batch(cJSON *root, struct rpc_msg **out, size_t *count)
{
	const cJSON *it;
	struct rpc_msg *msgs;
	size_t n = 0, i = 0;
	int err = 0;

	cJSON_ArrayForEach(it, root)
		n++;
	msgs = calloc(n, sizeof(*msgs));
	if (!msgs)
		return -ENOMEM;
	cJSON_ArrayForEach(it, root)
	{
		struct rpc_msg *m = &msgs[i++];

		m->in_batch = true;
		err = decode_value(it, m);
		if (err)
			goto cleanup;
	}
	/* Then the bodies, from a tree whose numbers print exactly (after
	 * decode_value: raw items are no longer numbers to it). */
	err = exact_numbers(root);
	if (err)
		goto cleanup;
	i = 0;
	cJSON_ArrayForEach(it, root)
	{
		struct rpc_msg *m = &msgs[i++];
		char *body = cJSON_PrintUnformatted(it);

		if (!body) {
			err = -ENOMEM;
			goto cleanup;
		}
		/* Ours to free with free(), whatever cJSON's hooks are. */
		m->body_len = strlen(body);
		m->body = dup_n(body, m->body_len);
		cJSON_free(body);
		if (!m->body) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	*out = msgs;
	*count = n;
	return 0;

cleanup:
	jsonrpc__free(msgs, n);
	return err;
}

static bool only_blanks(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	}
	return true;
}

int jsonrpc__decode(const char *text, size_t len, struct rpc_msg **out, size_t *count)
{
	struct rpc_msg *m = NULL;
	const char *end = NULL;
	cJSON *root = NULL;
	char why[64];
	int err = 0;

	*out = NULL;
	*count = 0;

	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root && cJSON_IsArray(root) && root->child) {
		size_t n = 0;
		const cJSON *it;

		cJSON_ArrayForEach(it, root)
		{
			if (++n > RPC_BATCH_MAX)
				break;
		}
		if (n <= RPC_BATCH_MAX && (!end || only_blanks(end, text + len))) {
			err = decode_batch(root, out, count);
			goto cleanup;
		}
	}

	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* A lone message keeps its exact bytes: what the peer sent. */
	m->body = dup_n(text, len);
	m->body_len = len;
	if (!m->body) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!root) {
		/* Covers cJSON's nesting limit too: it fails cleanly. */
		snprintf(why, sizeof(why), "invalid json at byte %zu",
			 end && end >= text && end <= text + len ? (size_t)(end - text) : (size_t)0);
		err = set_invalid(m, why);
	} else if (end && !only_blanks(end, text + len)) {
		snprintf(why, sizeof(why), "bytes after the json value at byte %zu",
			 (size_t)(end - text));
		err = set_invalid(m, why);
	} else if (cJSON_IsArray(root)) {
		if (root->child)
			snprintf(why, sizeof(why), "batch has more than %d members", RPC_BATCH_MAX);
		else
			snprintf(why, sizeof(why), "empty batch");
		err = set_invalid(m, why);
	} else {
		err = decode_value(root, m);
	}
	if (err)
		goto cleanup;
	*out = m;
	*count = 1;
	m = NULL;

cleanup:
	if (m)
		jsonrpc__free(m, 1);
	cJSON_Delete(root);
	return err;
}

/* ---- heads of messages cut short ---- */

/* Skips one JSON string starting at *p ('"'); false if it runs past end. */
static bool skip_string(const char **p, const char *end)
{
	const char *q = *p + 1;

	while (q < end) {
		if (*q == '\\')
			q += 2;
		else if (*q++ == '"') {
			*p = q;
			return true;
		}
	}
	return false;
}

/* Skips one JSON value of any type; false if it runs past end. Only
 * brackets and strings need tracking: the text is not validated. */
static bool skip_value(const char **p, const char *end)
{
	const char *q = *p;
	size_t depth = 0;

	while (q < end) {
		char c = *q;

		if (c == '"') {
			if (!skip_string(&q, end))
				return false;
		} else if (c == '{' || c == '[') {
			depth++;
			q++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				break; /* ends the enclosing object */
			depth--;
			q++;
		} else if (c == ',' && !depth) {
			break;
		} else {
			q++;
		}
		if (!depth && (c == '"' || c == '}' || c == ']'))
			break;
	}
	if (q >= end)
		return false;
	*p = q;
	return true;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The value text [v, e) as a cJSON item, for scalars. */
static cJSON *parse_scalar(const char *v, const char *e)
{
	return cJSON_ParseWithLength(v, (size_t)(e - v));
}

int jsonrpc__decode_head(const char *text, size_t len, struct rpc_msg *m)
{
	const char *p = text, *end = text + len;
	bool has_result = false, has_error = false;
	int err = 0;

	memset(m, 0, sizeof(*m));
	m->kind = RPC_INVALID;
	m->body = dup_n(text, len);
	m->body_len = len;
	if (!m->body)
		return -ENOMEM;
	p = skip_blanks(p, end);
	if (p == end || *p != '{')
		return set_invalid(m, "truncated message is not a json object");
	p++;
	for (;;) {
		const char *key, *key_end, *v;
		size_t key_len;

		p = skip_blanks(p, end);
		if (p == end || *p != '"')
			break;
		key = p + 1;
		if (!skip_string(&p, end))
			break;
		key_end = p - 1;
		key_len = (size_t)(key_end - key);
		p = skip_blanks(p, end);
		if (p == end || *p != ':')
			break;
		/* A value cut short still names its key: "result":{... */
		if (key_len == 6 && !memcmp(key, "result", 6))
			has_result = true;
		else if (key_len == 5 && !memcmp(key, "error", 5))
			has_error = true;
		v = p = skip_blanks(p + 1, end);
		if (!skip_value(&p, end))
			break; /* the cut is inside this value */
		if (key_len == 6 && !memcmp(key, "method", 6)) {
			cJSON *s = parse_scalar(v, p);

			if (cJSON_IsString(s) && !m->method)
				m->method = strdup(s->valuestring);
			cJSON_Delete(s);
		} else if (key_len == 2 && !memcmp(key, "id", 2)) {
			cJSON *s = parse_scalar(v, p);

			if (s && !m->id)
				err = json_id__text(&m->id, s);
			cJSON_Delete(s);
		}
		if (err)
			return err;
		p = skip_blanks(p, end);
		if (p == end || *p != ',')
			break;
		p++;
	}
	if (has_error)
		m->kind = RPC_ERROR;
	else if (has_result)
		m->kind = RPC_RESPONSE;
	else if (m->method)
		/* MCP names every notification notifications/...; anything
		 * else with a method is a request whose id lies past the cut. */
		m->kind = !m->id && !strncmp(m->method, "notifications/", 14) ? RPC_NOTIFICATION
									 : RPC_REQUEST;
	else
		return set_invalid(m, "truncated message: its head shows no method, result or error");
	return 0;
}
