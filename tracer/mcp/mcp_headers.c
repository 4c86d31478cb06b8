// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcp_headers: a request's Mcp-Method and Mcp-Name headers against its
 * body. Mcp-Name names params.name (tools/call, prompts/get) or params.uri
 * (resources/read), the target jsonrpc.c already takes out. A value that is
 * not plain printable ASCII is sent as "=?base64?B64?=" (B64 the UTF-8
 * bytes), and is compared decoded.
 *
 * Edges: only what the message says is compared; whether a method must
 * carry Mcp-Name at all is the server's business (it answers -32020). The
 * name of tasks/get, tasks/update and tasks/cancel (params.taskId) is not
 * checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mcp/mcp_headers.h"

#define B64_OPEN "=?base64?"
#define B64_CLOSE "?="

/* The header value as the sender meant it: decoded when it is in the
 * base64 form, else as it is. *owned is set when the result is a heap
 * copy to free. A base64 form that does not decode stays as sent. */
static const char *header_value(const char *v, char **owned)
{
	size_t n = strlen(v), lo = strlen(B64_OPEN), lc = strlen(B64_CLOSE), b64, pad = 0;
	unsigned char *out;
	int got;

	*owned = NULL;
	if (n < lo + lc || strncmp(v, B64_OPEN, lo) || strcmp(v + n - lc, B64_CLOSE))
		return v;
	b64 = n - lo - lc;
	if (!b64 || b64 % 4)
		return v;
	out = malloc(b64 / 4 * 3 + 1);
	if (!out)
		return v;
	got = EVP_DecodeBlock(out, (const unsigned char *)v + lo, (int)b64);
	if (got < 0) {
		free(out);
		return v;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	pad = (v[lo + b64 - 1] == '=') + (v[lo + b64 - 2] == '=');
	got -= (int)pad;
	out[got] = '\0';
	if (memchr(out, '\0', (size_t)got)) { /* no C string: compare as sent */
		free(out);
		return v;
	}
	*owned = (char *)out;
	return *owned;
}

/* The methods whose Mcp-Name is their params.name or params.uri. */
static bool names_target(const char *method)
{
	static const char *const methods[] = {"tools/call", "prompts/get", "resources/read"};

	for (size_t i = 0; method && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(method, methods[i]))
			return true;
	return false;
}

static bool differs(const char *header, const char *body)
{
	return !body || strcmp(header, body) != 0;
}

bool mcp_headers__mismatch(const struct http_info *h, const struct rpc_msg *m, char *why,
			   size_t cap)
{
	const char *name;
	char *owned = NULL;
	bool bad = false;

	if (!h || h->response || (m->kind != RPC_REQUEST && m->kind != RPC_NOTIFICATION))
		return false;
	if (h->mcp_method && differs(h->mcp_method, m->method)) {
		snprintf(why, cap,
			 "Mcp-Method header \"%s\" disagrees with the body's method \"%s\"",
			 h->mcp_method, m->method ? m->method : "");
		return true;
	}
	/* Mcp-Name is compared where the body's name is the call's target;
	 * for others (tasks/get and kin name a taskId) it is not known here. */
	if (!h->mcp_name || !names_target(m->method))
		return false;
	name = header_value(h->mcp_name, &owned);
	if (differs(name, m->target)) {
		snprintf(why, cap, "Mcp-Name header \"%s\" disagrees with the body's %s \"%s\"",
			 h->mcp_name,
			 m->method && !strncmp(m->method, "resources/", 10) ? "params.uri"
									    : "params.name",
			 m->target ? m->target : "");
		bad = true;
	}
	free(owned);
	return bad;
}
