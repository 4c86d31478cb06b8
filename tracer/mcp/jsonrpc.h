/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * jsonrpc: decodes one framed JSON text into JSON-RPC 2.0 messages (a batch
 * gives several) and pulls out what MCP correlation and the store need. It
 * keeps no state between calls; it does not know which method a response
 * answers.
 */
#ifndef MT_JSONRPC_H
#define MT_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rpc_kind {
	RPC_REQUEST,
	RPC_NOTIFICATION,
	RPC_RESPONSE, /* has result */
	RPC_ERROR, /* has error */
	RPC_INVALID, /* not JSON, or JSON but not JSON-RPC; see parse_error */
};

/* A result's resultType (MCP 2026-07-28). */
enum rpc_result_type {
	RESULT_NONE = 0, /* no resultType: a 2025-era result, complete */
	RESULT_COMPLETE,
	RESULT_INPUT_REQUIRED, /* the server asks for input; the client retries */
	RESULT_OTHER, /* a value this build does not know */
};

/* All strings are NUL-terminated heap copies owned by the message, or NULL. */
struct rpc_msg {
	enum rpc_kind kind;
	char *id; /* the id as JSON text: 1 and "1" stay apart; NULL if absent.
		     Canonical: strings re-escaped one fixed way (quote() in
		     jsonrpc.c), integral numbers within 64 bits as integers
		     (1.0 and 1e3 give "1" and "1000"), others as %.17g */
	char *method;
	char *target; /* tools/call and prompts/get: params.name;
			 resources/read|subscribe|unsubscribe: params.uri;
			 completion/complete: params.ref.name or .uri */
	bool has_err_code;
	long long err_code; /* RPC_ERROR: error.code */
	char *err_message; /* RPC_ERROR: error.message */
	bool tool_error; /* RPC_RESPONSE: result.isError is true */
	char *progress_token; /* request: params._meta.progressToken;
				 notifications/progress: params.progressToken (JSON text) */
	double progress, total; /* notifications/progress */
	bool has_total;
	char *cancel_id; /* notifications/cancelled: params.requestId (JSON text) */
	char *subscription_id; /* 2026-07-28 notification on a subscriptions/listen
				  stream: params._meta's subscriptionId, as the
				  JSON text of the listen request's id */
	char *reason; /* notifications/cancelled: params.reason */
	char *peer_name, *peer_version; /* initialize: params.clientInfo;
					   its result: result.serverInfo;
					   2026-07-28: the envelope's clientInfo
					   in params._meta, a result's serverInfo
					   in result._meta */
	char *protocol_version; /* initialize params or result .protocolVersion;
				   2026-07-28: the envelope's protocolVersion */
	enum rpc_result_type result_type; /* RPC_RESPONSE */
	char *request_state; /* an input_required result's requestState, or
				a retried request's echo of it (opaque) */
	bool input_responses; /* request: params.inputResponses is an object */
	uint64_t args_digest; /* request: a digest of params.arguments; 0 if none */
	char *body; /* this message's JSON text: the exact input for a lone
		       message, the re-serialised member for a batch member */
	size_t body_len;
	bool in_batch;
	char *parse_error; /* RPC_INVALID: what is wrong, one line */
};

/* A batch with more members than this is one RPC_INVALID message: real
 * batches are small, and each member costs a struct and copies. */
#define RPC_BATCH_MAX 1024

/* Decodes text[0..len). text need not be NUL-terminated. Always yields at least one message (RPC_INVALID for
 * text that is not JSON-RPC). Returns 0 or -ENOMEM. */
int jsonrpc__decode(const char *text, size_t len, struct rpc_msg **out, size_t *count);
void jsonrpc__free(struct rpc_msg *msgs, size_t count);

/* What the head of a message cut short (over --max-msg) shows: its kind,
 * method and id as far as the top-level keys before the cut tell. A
 * request whose id lies past the cut has id NULL; body is the head. Fills
 * *m, which the caller allocated (free with jsonrpc__free(m, 1)); a head
 * that shows nothing usable is RPC_INVALID. Returns 0 or -ENOMEM. */
int jsonrpc__decode_head(const char *text, size_t len, struct rpc_msg *m);
/* "request", "notification", "response", "error", "invalid". */
const char *jsonrpc__kind_name(enum rpc_kind kind);

#endif
