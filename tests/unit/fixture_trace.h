/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small trace DB for the query tests (test_query.c, test_cookbook.c),
 * written through the store API as the tracer writes it: three sessions,
 * ten calls of every status, their request and response messages, a
 * progress and a cancel notification linked to their calls, an error with
 * a newline in its message, a response cut short (truncated, not JSON) and
 * times past 2^53 ns with odd nanoseconds, to catch a trip through doubles.
 *
 * Row ids follow the order of insertion, so tests can name them:
 * calls 1..10 as in fx_calls[]; messages 1..20 (see FX_MSG_* below).
 */
#ifndef MT_FIXTURE_TRACE_H
#define MT_FIXTURE_TRACE_H

#include <stdio.h>
#include <string.h>

#include "db/store.h"

/* 2023-11-14T22:13:20Z */
#define FX_T0 1700000000000000000LL
#define FX_MS 1000000LL

/* Message ids, as inserted. */
enum {
	FX_MSG_PROGRESS = 7,   /* notifications/progress of call 3 */
	FX_MSG_TRUNCATED = 10, /* the response of call 4 */
	FX_MSG_CANCEL = 12,    /* notifications/cancelled of call 5 */
	FX_MSG_COUNT = 20,
};

static const struct {
	const char *transport;
	int64_t client_pid, server_pid;
	const char *client_name, *client_version, *server_name, *server_version, *protocol;
	int64_t start_ms, end_ms; /* from FX_T0; end -1: open */
} fx_sessions[] = {
    {"stdio", 100, 101, "host", "1.0", "echo-server", "0.3.0", "2025-06-18", 0, 120000},
    {"stdio", 100, 102, "host", "1.0", "files", "2.1.0", "2025-06-18", 1000, -1},
    {"stdio", 200, 201, NULL, NULL, "echo-server", "0.4.0", "2025-03-26", 5000, 10000},
};

/* Times in ns from FX_T0; -1 for NULL. */
static const struct {
	int session; /* 1-based */
	const char *direction, *method, *target, *status;
	int64_t start, lat, srv;
	int64_t error_code; /* 0: none */
	const char *error_message;
	const char *response; /* body, NULL: no response */
	int truncated;
	const char *note; /* a notification linked to the call, or NULL */
	const char *note_direction;
} fx_calls[] = {
    {1, "c2s", "initialize", NULL, "ok", 10 * FX_MS, 5 * FX_MS, 4 * FX_MS, 0, NULL,
     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\"}}", 0, NULL,
     NULL},
    {1, "c2s", "tools/call", "echo", "ok", 1000 * FX_MS + 1, 10 * FX_MS, 8 * FX_MS, 0, NULL,
     "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[],\"n\":1700000001000000001,"
     "\"x\":[]}}",
     0, NULL, NULL},
    {1, "c2s", "tools/call", "echo", "tool_error", 2000 * FX_MS, 30 * FX_MS, 25 * FX_MS, 0, NULL,
     "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
     "\"no\"}],\"isError\":true}}",
     0,
     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":"
     "{\"progressToken\":3,\"progress\":1,\"total\":2}}",
     "s2c"},
    {1, "c2s", "tools/call", "slow", "ok", 61000 * FX_MS, 400 * FX_MS, -1, 0, NULL,
     "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
     "\"aaaaaaaa",
     1, NULL, NULL},
    {1, "c2s", "tools/call", "slow", "cancelled", 62000 * FX_MS, -1, -1, 0, NULL, NULL, 0,
     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":"
     "{\"requestId\":5,\"reason\":\"user\"}}",
     "c2s"},
    {2, "c2s", "tools/call", "read_file", "error", 3000 * FX_MS, 20 * FX_MS, 18 * FX_MS, -32602,
     "Invalid params: path\nmissing",
     "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32602,\"message\":"
     "\"Invalid params: path\\nmissing\"}}",
     0, NULL, NULL},
    {2, "c2s", "resources/read", "file:///etc/hosts", "unanswered", 4000 * FX_MS, -1, -1, 0, NULL,
     NULL, 0, NULL, NULL},
    {3, "c2s", "tools/call", "echo", "ok", 6000 * FX_MS, 50 * FX_MS, 45 * FX_MS, 0, NULL,
     "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{\"content\":[]}}", 0, NULL, NULL},
    {3, "s2c", "sampling/createMessage", NULL, "ok", 7000 * FX_MS, 200 * FX_MS, -1, 0, NULL,
     "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"role\":\"assistant\"}}", 0, NULL, NULL},
    {2, "c2s", "tools/call", "read_file", "pending", 63000 * FX_MS, -1, -1, 0, NULL, NULL, 0, NULL,
     NULL},
};

#define FX_N_CALLS (sizeof(fx_calls) / sizeof(fx_calls[0]))

static int64_t fx_ns(int64_t v)
{
	return v < 0 ? ST_NULL : FX_T0 + v;
}

static const char *fx_other(const char *direction)
{
	return strcmp(direction, "c2s") ? "c2s" : "s2c";
}

static int fx_message(struct store *s, struct st_call *c, int64_t ts, const char *direction,
		      const char *kind, const char *rpc_id, const char *method, const char *body,
		      int truncated, int64_t *id)
{
	struct st_message m = {
	    .session_id = c->session_id,
	    .call_id = c->id,
	    .ts_ns = ts,
	    .sent_ns = ts,
	    .recv_ns = ST_NULL,
	    .sender_pid = ST_NULL,
	    .direction = direction,
	    .kind = kind,
	    .rpc_id = rpc_id,
	    .method = method,
	    /* bytes on the wire: the line and its newline, or far more
	     * than was kept when cut short */
	    .size_bytes = truncated ? 70000 : (int64_t)strlen(body) + 1,
	    .truncated = truncated,
	    .body = body,
	    .body_len = strlen(body),
	};
	int err = store__add_message(s, &m);

	if (id)
		*id = m.id;
	return err;
}

/* Writes the fixture to a new DB at path. Returns 0 or a negative errno. */
static int fx_build(const char *path)
{
	struct st_session sess[3];
	struct store *s = NULL;
	char rpc_id[16], request[256];
	size_t i;
	int err;

	err = store__open(&s, path);
	if (err)
		return err;
	for (i = 0; !err && i < 3; i++) {
		sess[i] = (struct st_session){
		    .transport = fx_sessions[i].transport,
		    .client_pid = fx_sessions[i].client_pid,
		    .server_pid = fx_sessions[i].server_pid,
		    .client_name = fx_sessions[i].client_name,
		    .client_version = fx_sessions[i].client_version,
		    .server_name = fx_sessions[i].server_name,
		    .server_version = fx_sessions[i].server_version,
		    .protocol_version = fx_sessions[i].protocol,
		    .started_ns = FX_T0 + fx_sessions[i].start_ms * FX_MS,
		    .ended_ns =
			fx_sessions[i].end_ms < 0 ? ST_NULL : FX_T0 + fx_sessions[i].end_ms * FX_MS,
		};
		err = store__add_session(s, &sess[i]);
	}
	for (i = 0; !err && i < FX_N_CALLS; i++) {
		int64_t start = fx_ns(fx_calls[i].start);
		struct st_call c = {
		    .session_id = sess[fx_calls[i].session - 1].id,
		    .rpc_id = rpc_id,
		    .direction = fx_calls[i].direction,
		    .method = fx_calls[i].method,
		    .target = fx_calls[i].target,
		    .start_ns = start,
		    .end_ns = fx_calls[i].lat < 0 ? ST_NULL : start + fx_calls[i].lat,
		    .latency_ns = fx_calls[i].lat < 0 ? ST_NULL : fx_calls[i].lat,
		    .server_latency_ns = fx_calls[i].srv < 0 ? ST_NULL : fx_calls[i].srv,
		    .status = fx_calls[i].status,
		    .error_code = fx_calls[i].error_code ? fx_calls[i].error_code : ST_NULL,
		    .error_message = fx_calls[i].error_message,
		};

		snprintf(rpc_id, sizeof(rpc_id), "%zu", i + 1);
		if (fx_calls[i].target)
			snprintf(request, sizeof(request),
				 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"%s\",\"params\":"
				 "{\"name\":\"%s\"}}",
				 i + 1, fx_calls[i].method, fx_calls[i].target);
		else
			snprintf(request, sizeof(request),
				 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"%s\",\"params\":{}}",
				 i + 1, fx_calls[i].method);
		err = store__add_call(s, &c);
		if (!err)
			err = fx_message(s, &c, start, c.direction, "request", rpc_id, c.method,
					 request, 0, &c.request_msg_id);
		if (!err && fx_calls[i].note)
			err = fx_message(s, &c, start + 10 * FX_MS, fx_calls[i].note_direction,
					 "notification", NULL,
					 strstr(fx_calls[i].note, "progress")
					     ? "notifications/progress"
					     : "notifications/cancelled",
					 fx_calls[i].note, 0, NULL);
		if (!err && fx_calls[i].response)
			err = fx_message(s, &c, c.end_ns != ST_NULL ? c.end_ns : start + 1,
					 fx_other(c.direction),
					 fx_calls[i].error_code ? "error" : "response", rpc_id,
					 c.method, fx_calls[i].response, fx_calls[i].truncated,
					 &c.response_msg_id);
		if (!err)
			err = store__update_call(s, &c);
		/* a notification of the session, of no call */
		if (!err && i == 0) {
			struct st_call none = {.session_id = c.session_id};

			err = fx_message(s, &none, start + 20 * FX_MS, "c2s", "notification", NULL,
					 "notifications/initialized",
					 "{\"jsonrpc\":\"2.0\",\"method\":"
					 "\"notifications/initialized\"}",
					 0, NULL);
		}
	}
	if (!err)
		err = store__flush(s);
	store__close(s);
	return err;
}

#endif
