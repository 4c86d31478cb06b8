/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mcp_headers: MCP 2026-07-28 repeats a request's method and name in HTTP
 * headers (Mcp-Method, Mcp-Name) so that gateways can route without reading
 * the body. A header that disagrees with the body is what a gateway or an
 * attacker would exploit (routed or authorised as one tool, run as
 * another), so each disagreement is reported.
 */
#ifndef MT_MCP_HEADERS_H
#define MT_MCP_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include "mcp/jsonrpc.h"
#include "wire/wire.h"

/* Whether request m, carried under head h, disagrees with h's Mcp-Method
 * or Mcp-Name; if so why[0..cap) says how, naming both values (cut to fit,
 * always NUL-terminated). Headers that are absent are not checked. */
bool mcp_headers__mismatch(const struct http_info *h, const struct rpc_msg *m, char *why,
			   size_t cap);

#endif
