/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output: the live view, one line per completed call while tracing, as
 * aligned text or as JSON Lines; and a line on stderr per TLS connection
 * that cannot be read, so an empty trace is never silent.
 */
#ifndef MT_OUTPUT_H
#define MT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_mode {
	OUTPUT_QUIET,
	OUTPUT_TEXT,
	OUTPUT_JSON,
};

struct call_view {
	int64_t call_id, session_id;
	int64_t start_ns; /* epoch ns */
	int64_t client_pid, server_pid; /* ST_NULL if unknown */
	const char *transport;
	const char *direction; /* "c2s" | "s2c" */
	const char *rpc_id;
	const char *method;
	const char *target;
	const char *status;
	int64_t latency_ns, server_latency_ns; /* ST_NULL if unknown */
	int64_t error_code; /* ST_NULL if none */
	const char *error_message;
	int64_t previous_round_id; /* the round this one continues; 0 if none */
	int64_t parent_call_id; /* the inbound call a gateway made this one for; 0 if none */
	int64_t gateway_pid; /* the gateway this call went into or came out of; 0 if none */
};

struct output {
	FILE *fp;
	enum output_mode mode;
	uint64_t lines;
	/* mcptrace's own notes while tracing (a connection it cannot read),
	 * in every mode, --quiet too: stderr; NULL says nothing. */
	FILE *diag;
};

void output__call(struct output *o, const struct call_view *v);

struct st_blind;
/* The one line that says a TLS connection cannot be read. */
void output__blind(struct output *o, const struct st_blind *b);

struct sink;
/* Fills *sink so that o prints each call once, when it is final. */
void output__sink(struct output *o, struct sink *sink);

#endif
