// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * envelope: the 2026-07-28 members of requests and results. A 2025-era
 * message has none of them and comes out as it went in: no names, result
 * type RESULT_NONE, no round to match.
 *
 * Edges: names and versions are only copied, never checked against each
 * other or against a session (correlate.c decides what a session keeps).
 * The arguments digest is of cJSON's re-serialisation, so two rounds
 * whose arguments differ only in spacing or escapes still match, and key
 * order counts (the SDK repeats the arguments object it was given).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/envelope.h"
#include "mcp/json_id.h"

#define META_PREFIX "io.modelcontextprotocol/"

/* FNV-1a of a NUL-terminated text: the digest rounds are matched by. */
static uint64_t digest(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

/* params.arguments (tools/call, prompts/get) as a digest; 0 when absent.
 * Any other value of the member counts, so a retry that changed it does
 * not match. */
static int args_digest(const cJSON *params, struct rpc_msg *m)
{
	const cJSON *args = json__member(params, "arguments");
	char *text;

	if (!args)
		return 0;
	text = cJSON_PrintUnformatted(args);
	if (!text)
		return -ENOMEM;
	m->args_digest = digest(text) | 1; /* never 0: 0 says "no arguments" */
	cJSON_free(text);
	return 0;
}

int envelope__request(const cJSON *params, struct rpc_msg *m)
{
	const cJSON *meta = json__member(params, "_meta");
	const cJSON *ci = json__member(meta, META_PREFIX "clientInfo");
	int err;

	if ((err = json__copy_str(&m->protocol_version,
				  json__member(meta, META_PREFIX "protocolVersion"))) ||
	    (err = json__copy_str(&m->peer_name, json__member(ci, "name"))) ||
	    (err = json__copy_str(&m->peer_version, json__member(ci, "version"))))
		return err;
	/* A retried round: what answers the previous round's inputRequests,
	 * and its requestState echoed (opaque: kept as the text it is). */
	m->input_responses = cJSON_IsObject(json__member(params, "inputResponses"));
	if ((err = json__copy_str(&m->request_state, json__member(params, "requestState"))))
		return err;
	return args_digest(params, m);
}

int envelope__notification(const cJSON *params, struct rpc_msg *m)
{
	const cJSON *sub =
	    json__member(json__member(params, "_meta"), META_PREFIX "subscriptionId");

	/* The SDK names a stream by its listen request's id: a string id is
	 * the same string, so its JSON text is the request's id text. */
	return cJSON_IsString(sub) ? json_id__text(&m->subscription_id, sub) : 0;
}

int envelope__result(const cJSON *result, struct rpc_msg *m)
{
	const cJSON *si = json__member(json__member(result, "_meta"), META_PREFIX "serverInfo");
	const cJSON *rt = json__member(result, "resultType");
	int err;

	/* serverInfo of an initialize result came first and wins. */
	if (!m->peer_name && (err = json__copy_str(&m->peer_name, json__member(si, "name"))))
		return err;
	if (!m->peer_version &&
	    (err = json__copy_str(&m->peer_version, json__member(si, "version"))))
		return err;
	if (!rt)
		m->result_type = RESULT_NONE;
	else if (cJSON_IsString(rt) && !strcmp(rt->valuestring, "complete"))
		m->result_type = RESULT_COMPLETE;
	else if (cJSON_IsString(rt) && !strcmp(rt->valuestring, "input_required"))
		m->result_type = RESULT_INPUT_REQUIRED;
	else
		m->result_type = RESULT_OTHER;
	if (m->result_type != RESULT_INPUT_REQUIRED)
		return 0;
	return json__copy_str(&m->request_state, json__member(result, "requestState"));
}
