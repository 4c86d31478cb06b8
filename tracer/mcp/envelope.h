/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * envelope: what MCP 2026-07-28 puts around every message (docs/MCP-2026.md):
 * the request's params._meta envelope (protocol version, client info), the
 * server info in a result's _meta, a result's resultType with its
 * requestState, and what a retried round carries (inputResponses, the
 * echoed requestState, a digest of its arguments to match it by). Called
 * by jsonrpc.c on the members it found; fills struct rpc_msg.
 */
#ifndef MT_ENVELOPE_H
#define MT_ENVELOPE_H

#include <cJSON.h>

#include "mcp/jsonrpc.h"

/* A request's params (an object or NULL). Returns 0 or -ENOMEM. */
int envelope__request(const cJSON *params, struct rpc_msg *m);
/* A notification's params (an object or NULL). Returns 0 or -ENOMEM. */
int envelope__notification(const cJSON *params, struct rpc_msg *m);
/* A response's result (an object or NULL). Returns 0 or -ENOMEM. */
int envelope__result(const cJSON *result, struct rpc_msg *m);

#endif
