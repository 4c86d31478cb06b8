/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * store: the trace DB. Creates it (mode 0600) from the SQL in schema/, keeps
 * it in WAL mode, and writes rows in batched transactions: a transaction
 * opens at the first write and commits on store__flush() (called by the
 * tracer every 200 ms and at exit) or after STORE_BATCH_ROWS rows.
 *
 * Values that may be NULL in the DB: strings as NULL pointers, integers as
 * ST_NULL, row ids as 0.
 */
#ifndef MT_STORE_H
#define MT_STORE_H

#include <stddef.h>
#include <stdint.h>

#define ST_NULL INT64_MIN
#define STORE_BATCH_ROWS 4096

struct store;

struct st_session {
	int64_t id; /* OUT of store__add_session */
	const char *transport; /* "stdio" | "http" | "sse" */
	int tls;
	int64_t client_pid, server_pid; /* ST_NULL when unknown */
	const char *client_name, *client_version;
	const char *server_name, *server_version;
	const char *protocol_version;
	const char *mcp_session_id;
	int64_t started_ns, ended_ns; /* ended_ns ST_NULL while open */
	const char *client_addr, *server_addr; /* "ip:port"; NULL if unknown */
	int64_t parent_session_id; /* a gateway's inbound session this one serves; 0 = NULL */
};

struct st_message {
	int64_t id; /* OUT of store__add_message */
	int64_t session_id;
	int64_t call_id; /* the call this message belongs to (request, response,
			    progress, cancellation), or 0 */
	int64_t ts_ns; /* when it was sent: the sender's write if traced, else the receiver's read */
	int64_t sent_ns, recv_ns; /* the sender's write, the receiver's read; ST_NULL if not seen */
	int64_t sender_pid; /* ST_NULL when unknown */
	const char *direction; /* "c2s" | "s2c" */
	const char *kind; /* "request" | "response" | "error" | "notification" */
	const char *rpc_id; /* JSON text, NULL for notifications */
	const char *method;
	int64_t size_bytes; /* bytes on the wire, even if truncated */
	int truncated;
	const char *body;
	size_t body_len;
};

struct st_call {
	int64_t id; /* OUT of store__add_call */
	int64_t session_id;
	const char *rpc_id;
	const char *direction; /* of the request */
	const char *method;
	const char *target;
	int64_t request_msg_id, response_msg_id; /* 0 = NULL */
	int64_t start_ns, end_ns, latency_ns, server_latency_ns; /* ST_NULL = NULL */
	const char *status; /* "pending" while in flight, then "ok" | "error" |
			       "tool_error" | "cancelled" | "unanswered" |
			       "input_required" (2026-07-28: asked for input) */
	int64_t error_code; /* ST_NULL = NULL */
	const char *error_message;
	int64_t http_status; /* the failed HTTP exchange's status; 0 = NULL */
	int64_t previous_round_id; /* the input_required round this one continues; 0 = NULL */
	int64_t parent_call_id; /* a gateway's inbound call this backend call serves; 0 = NULL */
};

struct st_process {
	int64_t pid, ppid; /* ppid ST_NULL if unknown */
	const char *comm;
	const char *cmdline; /* words joined by spaces; NULL keeps what the DB has */
	int64_t started_ns, exited_ns; /* ST_NULL if unknown */
	int64_t exit_code; /* ST_NULL while running */
};

struct st_loss {
	int64_t ts_ns;
	int64_t pid, fd;
	int64_t stream_id;
	const char *direction; /* "read" | "write" */
	int64_t offset, bytes;
	const char *reason; /* "ringbuf" (records lost) | "truncated" (over --max-msg) */
};

struct st_parse_error {
	int64_t ts_ns;
	int64_t session_id; /* 0 = NULL */
	int64_t pid, fd;
	const char *direction;
	const char *error;
	const char *excerpt; /* first bytes of the offending text */
	size_t excerpt_len;
};

/* A TLS connection no hooked library read (table blind_connections). */
struct st_blind {
	int64_t pid, fd;
	int64_t stream_id; /* the socket's stream: the row's key within a run */
	const char *comm;
	const char *role; /* "client" | "server" | NULL if not known */
	const char *local_addr, *remote_addr; /* NULL if not known */
	int64_t first_seen_ns;
	int64_t bytes_seen;
	const char *why;
};

/* Opens or creates path; migrates an older schema; refuses a file that is
 * not a trace DB or is newer than this build, with a one-line message on
 * stderr. Returns 0 or a negative errno. */
int store__open(struct store **out, const char *path);
int store__begin_run(struct store *s, const char *argv_text, int64_t started_ns);
int store__end_run(struct store *s, int64_t ended_ns, uint64_t lost_events, uint64_t lost_bytes);

/* Ids of messages and calls are handed out by the store (one writer per
 * DB, enforced at open), so rows can name each other before either is
 * written: a message its call, a call its request and response. Pass a
 * reserved id in m->id, c->id or sess->id to add_message / add_call /
 * add_session; 0 lets SQLite pick one. */
enum st_id_table {
	ST_ID_MESSAGE = 0,
	ST_ID_CALL = 1,
	ST_ID_SESSION = 2,
	ST_ID__COUNT,
};
int64_t store__reserve_id(struct store *s, enum st_id_table table);

int store__add_session(struct store *s, struct st_session *sess);
/* Rewrites every column of the row sess->id. */
int store__update_session(struct store *s, const struct st_session *sess);
int store__add_message(struct store *s, struct st_message *m);
/* A second observation of a stored message (both ends traced). An
 * argument that is ST_NULL (times) or 0 (call_id) keeps the stored value. */
int store__set_message_times(struct store *s, int64_t msg_id, int64_t ts_ns, int64_t sent_ns,
			     int64_t recv_ns, int64_t call_id);
int store__add_call(struct store *s, struct st_call *c);
/* Rewrites every column of the row c->id. */
int store__update_call(struct store *s, const struct st_call *c);
/* Row call_id gets parent_call_id, its other columns as they are. */
int store__set_call_parent(struct store *s, int64_t call_id, int64_t parent_call_id);
int store__upsert_process(struct store *s, const struct st_process *p);
int store__add_loss(struct store *s, const struct st_loss *l);
int store__add_parse_error(struct store *s, const struct st_parse_error *e);
int store__add_blind(struct store *s, const struct st_blind *b);
/* The row of b->stream_id in this run gets b->bytes_seen. */
int store__update_blind(struct store *s, const struct st_blind *b);

int store__flush(struct store *s);
void store__close(struct store *s);

/* The raw handle, for the read-only commands (stats). */
struct sqlite3 *store__db(struct store *s);

/* PRAGMA application_id of every trace DB: "MCPT". */
#define STORE_APPLICATION_ID 0x4d435054

/* Opens path read-only for the query commands (stats and the like). Works
 * while another mcptrace writes the DB: WAL readers see the last commit.
 * Makes the same checks as store__open, never writes, and so never
 * migrates: a DB of an older schema is refused with a hint to run mcptrace
 * on it once (which migrates it). A one-line message on stderr and a
 * negative errno on failure: -ENOENT for a missing file, -EINVAL for a file
 * that is not a trace DB or of another schema version. */
int store__open_readonly(struct sqlite3 **out, const char *path);

/* Opens an existing trace DB for reading and for adding rows that derive
 * from the trace (mcptrace audit's findings), without the tracer's writer
 * lock: it may run while mcptrace traces into the same file (SQLite's own
 * locks order the two). Migrates an older schema as store__open does.
 * -EACCES, with nothing said, when the file may only be read (the caller
 * then falls back to store__open_readonly); other failures as
 * store__open_readonly, with a line on stderr. */
int store__open_update(struct sqlite3 **out, const char *path);

/* Brings an open DB to user_version n_steps with steps[i] taking it from
 * version i to i + 1: checks it is new (version 0, no tables) or ours
 * (application_id) and not newer than n_steps, turns on WAL, and runs the
 * missing steps in one transaction. store__open calls it with the steps in
 * schema/; tests call it with steps of their own. */
int store__init_db(struct sqlite3 *db, const char *path, const char *const *steps,
		   size_t n_steps);

/* The SQL of schema/, embedded by the Makefile (build/tracer/schema_sql.c). */
extern const char *const schema_steps[];
extern const size_t schema_step_count;

#endif
