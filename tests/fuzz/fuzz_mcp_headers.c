// fuzz-sources: tracer/mcp/mcp_headers.c tracer/mcp/jsonrpc.c tracer/mcp/json_id.c tracer/mcp/envelope.c
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target for the Mcp-Method / Mcp-Name check (2026-07-28 headers
 * against the body). The input is "METHOD\nNAME\nBODY": two header values
 * (an empty line: no such header) and a JSON-RPC text. Each run must hold
 * (abort otherwise): the reason is a NUL-terminated string within its
 * buffer and names the header it blames; and headers copied from the
 * message's own method and target never disagree with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/jsonrpc.h"
#include "mcp/mcp_headers.h"

static char *line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl != NULL);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *method = line(&p, end), *name = line(&p, end);
	struct rpc_msg *msgs = NULL;
	size_t n = 0;
	char why[96];

	if (jsonrpc__decode((const char *)p, (size_t)(end - p), &msgs, &n) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct rpc_msg *m = &msgs[i];
		struct http_info h = { .mcp_method = *method ? method : NULL,
				       .mcp_name = *name ? name : NULL };

		memset(why, 'x', sizeof(why));
		if (mcp_headers__mismatch(&h, m, why, sizeof(why))) {
			if (!memchr(why, '\0', sizeof(why)) || strncmp(why, "Mcp-", 4))
				abort();
		}
		h.mcp_method = m->method;
		h.mcp_name = m->target;
		/* a target in the base64 form would be compared decoded */
		if (m->target && !strncmp(m->target, "=?base64?", 9))
			h.mcp_name = NULL;
		if (mcp_headers__mismatch(&h, m, why, sizeof(why)))
			abort();
	}
	jsonrpc__free(msgs, n);
	free(method);
	free(name);
	return 0;
}
