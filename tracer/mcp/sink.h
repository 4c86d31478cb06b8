/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink: the one way out of the MCP stage. Sessions, messages, calls, and
 * the bytes that could not be read (losses, parse errors, TLS connections
 * no hooked library reads) are handed to a list of consumers (the
 * trace DB, the live lines; OTLP, audit or hop linking can join) through
 * the callbacks of struct sink. The MCP stage does not know who listens.
 *
 * Records are in the trace DB's shape (db/store.h), the richest any
 * consumer needs. Ids are handed out before a record is first given, by
 * the list's id source (the store: it knows the DB's last ids), so records
 * can name each other: a message its call, a call its request.
 *
 * Errors are sticky. The first callback that fails (a negative errno) is
 * remembered with its sink's name, that sink hears nothing more, and the
 * others go on; the tracer polls sinks__error() and stops. A disk that
 * filled up is said once, not once per row.
 */
#ifndef MT_SINK_H
#define MT_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

/* Where a call is in its life when it is handed on. */
enum call_phase {
	CALL_IN_FLIGHT, /* not answered yet: a snapshot for readers of a live trace */
	CALL_FINISHED, /* answered, failed, cancelled or unanswered: given once */
	CALL_AMENDED, /* finished before; a late sighting changed a column */
};

struct sink_call {
	const struct st_call *row;
	const struct st_session *session; /* the call's session, as it is now */
	bool is_new; /* the first time this call is handed on */
	enum call_phase phase;
	/* One side of a hop through a gateway (mcp/hops.c): the gateway's
	 * pid, which made this call (row->parent_call_id is set) or served
	 * it by making one; 0 for a call that crossed no gateway. */
	int64_t gateway_pid;
};

/* Each callback is optional; each returns 0 or a negative errno. */
struct sink {
	const char *name; /* says which consumer failed: "trace DB" */
	void *ctx;
	/* A session began (is_new; s->id is set) or one of its columns changed. */
	int (*session)(void *ctx, const struct st_session *s, bool is_new);
	/* A message, once, with the times of the sightings seen so far. */
	int (*message)(void *ctx, const struct st_message *m);
	/* A later sighting of message msg_id (both ends traced). A time that
	 * is ST_NULL, or a call_id of 0, leaves what was given before. */
	int (*message_times)(void *ctx, int64_t msg_id, int64_t ts_ns, int64_t sent_ns,
			     int64_t recv_ns, int64_t call_id);
	int (*call)(void *ctx, const struct sink_call *c);
	/* Call call_id, given before and not to be given again, serves
	 * parent_call_id (a gateway's backend call, linked once its inbound
	 * call came: mcp/hops.c). */
	int (*call_parent)(void *ctx, int64_t call_id, int64_t parent_call_id);
	/* Bytes that were lost or skipped, and text that was not JSON-RPC. */
	int (*loss)(void *ctx, const struct st_loss *l);
	int (*parse_error)(void *ctx, const struct st_parse_error *e);
	/* A TLS connection that cannot be read (is_new: once, when found), or
	 * its byte count at its end. */
	int (*blind)(void *ctx, const struct st_blind *b, bool is_new);
};

#define SINKS_MAX 8

/* Hands out the ids of sessions, messages and calls (enum st_id_table). */
struct sink_ids {
	void *ctx;
	int64_t (*reserve)(void *ctx, enum st_id_table table);
};

struct sinks {
	struct sink list[SINKS_MAX];
	size_t n;
	struct sink_ids ids;
	bool failed[SINKS_MAX];
	int err; /* the first failure, sticky; 0 while all is well */
	const char *err_sink; /* the name of the sink that failed first */
};

void sinks__init(struct sinks *s, const struct sink_ids *ids);
/* Returns 0, or -E2BIG past SINKS_MAX consumers. */
int sinks__add(struct sinks *s, const struct sink *sink);
int64_t sinks__reserve_id(struct sinks *s, enum st_id_table table);

void sinks__session(struct sinks *s, const struct st_session *row, bool is_new);
void sinks__message(struct sinks *s, const struct st_message *m);
void sinks__message_times(struct sinks *s, int64_t msg_id, int64_t ts_ns, int64_t sent_ns,
			  int64_t recv_ns, int64_t call_id);
void sinks__call(struct sinks *s, const struct sink_call *c);
void sinks__call_parent(struct sinks *s, int64_t call_id, int64_t parent_call_id);
void sinks__loss(struct sinks *s, const struct st_loss *l);
void sinks__parse_error(struct sinks *s, const struct st_parse_error *e);
void sinks__blind(struct sinks *s, const struct st_blind *b, bool is_new);

/* The first failure (negative errno) or 0; *who (if not NULL) gets the
 * failing sink's name. */
int sinks__error(const struct sinks *s, const char **who);
/* A failure met outside the callbacks (a commit of the trace DB, say),
 * kept as the sticky error when it is the first. */
void sinks__fail(struct sinks *s, const char *who, int err);

#endif
