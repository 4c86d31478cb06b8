// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * store: the trace DB in SQLite. It creates the file (mode 0600), checks that
 * an existing file is a trace DB this build understands, brings an older one
 * up to date by running the missing schema/ steps in one transaction, and
 * writes rows through statements prepared once at open. Writes are batched:
 * a transaction opens at the first write and commits in store__flush() or
 * after STORE_BATCH_ROWS rows, so a crash loses at most one batch and WAL
 * readers (mcptrace stats) see whole batches only.
 *
 * It knows the schema but nothing of MCP: callers decide what goes into a
 * row. This file is the writer: opening for writing, ids, batches and the
 * row writers. Checking, migrating and the read-only opener are in
 * store_schema.c; store.h declares the API of both.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/store.h"
#include "db/store_schema.h"

#ifndef MCPTRACE_VERSION
#define MCPTRACE_VERSION "0.1.0"
#endif

enum stmt_idx {
	ST_BEGIN,
	ST_COMMIT,
	ST_RUN_INSERT,
	ST_RUN_END,
	ST_SESSION_INSERT,
	ST_SESSION_UPDATE,
	ST_MESSAGE_INSERT,
	ST_MESSAGE_TIMES,
	ST_CALL_INSERT,
	ST_CALL_UPDATE,
	ST_CALL_PARENT,
	ST_PROCESS_UPDATE,
	ST_PROCESS_INSERT,
	ST_LOSS_INSERT,
	ST_PARSE_ERROR_INSERT,
	ST_BLIND_INSERT,
	ST_BLIND_UPDATE,
	ST__COUNT,
};

/*
 * Inserts and their updates share parameter numbers, so one binder serves
 * both. Where ?1 is the row id of an insert it is bound NULL, which makes
 * SQLite pick the next rowid.
 */
static const char *const stmt_sql[ST__COUNT] = {
    /* IMMEDIATE takes the write lock now: a deferred transaction that
     * later upgrades can fail with SQLITE_BUSY without waiting. */
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_RUN_INSERT] = "INSERT INTO runs (started_ns, argv, version) VALUES (?1, ?2, ?3)",
    [ST_RUN_END] = "UPDATE runs SET ended_ns = ?2, lost_events = ?3, lost_bytes = ?4 "
		   "WHERE id = ?1",
    [ST_SESSION_INSERT] =
	"INSERT INTO sessions (id, transport, tls, client_pid, server_pid, client_name, "
	"client_version, server_name, server_version, protocol_version, mcp_session_id, "
	"started_ns, ended_ns, run_id, client_addr, server_addr, parent_session_id) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [ST_SESSION_UPDATE] =
	"UPDATE sessions SET transport = ?2, tls = ?3, client_pid = ?4, server_pid = ?5, "
	"client_name = ?6, client_version = ?7, server_name = ?8, server_version = ?9, "
	"protocol_version = ?10, mcp_session_id = ?11, started_ns = ?12, ended_ns = ?13, "
	"client_addr = ?15, server_addr = ?16, parent_session_id = ?17 WHERE id = ?1",
    [ST_MESSAGE_INSERT] =
	"INSERT INTO messages (session_id, call_id, ts_ns, sent_ns, recv_ns, sender_pid, "
	"direction, kind, rpc_id, method, size_bytes, truncated, body, id) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [ST_MESSAGE_TIMES] = "UPDATE messages SET ts_ns = coalesce(?2, ts_ns), "
			 "sent_ns = coalesce(?3, sent_ns), recv_ns = coalesce(?4, recv_ns), "
			 "call_id = coalesce(?5, call_id) WHERE id = ?1",
    [ST_CALL_INSERT] = "INSERT INTO calls (id, session_id, rpc_id, direction, method, target, "
		       "request_msg_id, response_msg_id, start_ns, end_ns, latency_ns, "
		       "server_latency_ns, status, error_code, error_message, http_status, "
		       "previous_round_id, parent_call_id) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
		       "?16, ?17, ?18)",
    [ST_CALL_UPDATE] =
	"UPDATE calls SET session_id = ?2, rpc_id = ?3, direction = ?4, method = ?5, "
	"target = ?6, request_msg_id = ?7, response_msg_id = ?8, start_ns = ?9, "
	"end_ns = ?10, latency_ns = ?11, server_latency_ns = ?12, status = ?13, "
	"error_code = ?14, error_message = ?15, http_status = ?16, "
	"previous_round_id = ?17, parent_call_id = ?18 WHERE id = ?1",
    [ST_CALL_PARENT] = "UPDATE calls SET parent_call_id = ?2 WHERE id = ?1",
    /* The newest row of the pid, unless it belongs to an earlier process
     * that had that pid: one that has exited while the caller reports a
     * live one, or one that started at another time. Unknown values
     * (NULL) keep what the row knows. */
    [ST_PROCESS_UPDATE] =
	"UPDATE processes SET ppid = coalesce(?3, ppid), comm = coalesce(?4, comm), "
	"started_ns = coalesce(?5, started_ns), exited_ns = coalesce(?6, exited_ns), "
	"exit_code = coalesce(?7, exit_code), cmdline = coalesce(?8, cmdline) "
	"WHERE id = (SELECT max(id) FROM processes WHERE run_id IS ?1 AND pid = ?2) "
	"AND NOT (exited_ns IS NOT NULL AND ?6 IS NULL) "
	"AND NOT (started_ns IS NOT NULL AND ?5 IS NOT NULL AND started_ns <> ?5)",
    [ST_PROCESS_INSERT] =
	"INSERT INTO processes (run_id, pid, ppid, comm, started_ns, exited_ns, exit_code, cmdline) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_LOSS_INSERT] =
	"INSERT INTO losses (run_id, ts_ns, pid, fd, stream_id, direction, offset, bytes, "
	"reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [ST_PARSE_ERROR_INSERT] =
	"INSERT INTO parse_errors (run_id, ts_ns, session_id, pid, fd, direction, error, "
	"excerpt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_BLIND_INSERT] =
	"INSERT INTO blind_connections (run_id, stream_id, bytes_seen, pid, fd, comm, role, "
	"local_addr, remote_addr, first_seen_ns, why) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_BLIND_UPDATE] = "UPDATE blind_connections SET bytes_seen = ?3 "
			"WHERE run_id IS ?1 AND stream_id = ?2",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmts[ST__COUNT];
	int64_t run_id; /* 0 until store__begin_run */
	int lock_fd; /* holds the writer's flock */
	int64_t next_id[ST_ID__COUNT]; /* the next free id, by enum st_id_table */
	bool in_txn;
	unsigned int batch_rows; /* rows written in the open transaction */
	char refused[160]; /* why bind_enum refused the row being bound */
};

/*
 * The values a column's CHECK allows. The writer has SQLite skip CHECKs
 * (see store__open) and checks these columns here instead: the schema's
 * CHECK (x IN (...)) builds a temporary b-tree on every insert, which
 * made an insert cost three times as much.
 */
static const char *const TRANSPORTS[] = { "stdio", "http", "sse", NULL };
static const char *const MSG_DIRECTIONS[] = { "c2s", "s2c", NULL };
static const char *const MSG_KINDS[] = { "request", "response", "error", "notification", NULL };
static const char *const CALL_STATUSES[] = { "pending", "ok", "error", "tool_error", "cancelled",
					     "unanswered", "input_required", NULL };
static const char *const IO_DIRECTIONS[] = { "read", "write", NULL };
static const char *const LOSS_REASONS[] = { "ringbuf", "truncated", "muted", NULL };
static const char *const ERROR_DIRECTIONS[] = { "read", "write", "c2s", "s2c", NULL };
static const char *const ROLES[] = { "client", "server", NULL };

/*
 * Each binder leaves *rc alone once it holds an error, so a row's binds can
 * run in a row and be checked once before the step.
 */
static void bind_int(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v == ST_NULL ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

/* Row ids: 0 means none. */
static void bind_id(sqlite3_stmt *st, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v == 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, v);
}

/*
 * SQLITE_STATIC throughout: SQLite may use the caller's buffer without a
 * copy because every statement is stepped, reset and unbound before the
 * store__ function returns, while the caller still owns the buffer. That
 * saves copying bodies of up to 16 MiB twice.
 */
static void bind_text(sqlite3_stmt *st, int i, const char *v, size_t len, int *rc)
{
	if (*rc != SQLITE_OK)
		return;
	if (!v)
		*rc = sqlite3_bind_null(st, i);
	else
		*rc = sqlite3_bind_text64(st, i, v, len, SQLITE_STATIC, SQLITE_UTF8);
}

static void bind_str(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	bind_text(st, i, v, v ? strlen(v) : 0, rc);
}

/* Binds v, one of allowed (or NULL where the column may be NULL); any
 * other value refuses the row, as the schema's CHECK would. */
static void bind_enum(struct store *s, sqlite3_stmt *st, int i, const char *column, const char *v,
		      const char *const *allowed, bool nullable, int *rc)
{
	const char *const *a = allowed;
	size_t n;

	if (*rc != SQLITE_OK)
		return;
	while (v && *a && strcmp(*a, v))
		a++;
	if ((v && *a) || (!v && nullable)) {
		bind_str(st, i, v, rc);
		return;
	}
	n = (size_t)snprintf(s->refused, sizeof(s->refused), "%s %.32s%s is not one of", column,
			     v ? v : "NULL", v && strlen(v) > 32 ? "..." : "");
	for (a = allowed; *a && n < sizeof(s->refused); a++)
		n += (size_t)snprintf(s->refused + n, sizeof(s->refused) - n, "%s %s",
				      a == allowed ? "" : ",", *a);
	*rc = SQLITE_CONSTRAINT_CHECK;
}

/* Opens the batch transaction if none is open. */
static int write_begin(struct store *s)
{
	sqlite3_stmt *st = s->stmts[ST_BEGIN];
	int rc;

	if (s->in_txn)
		return 0;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_schema__fail(s->db, "begin a transaction in", s->path);
	s->in_txn = true;
	s->batch_rows = 0;
	return 0;
}

/* Statement idx, ready to bind, with the batch open; NULL with *err set
 * when the batch cannot be opened. */
static sqlite3_stmt *row_begin(struct store *s, enum stmt_idx idx, int *err)
{
	*err = write_begin(s);
	return *err ? NULL : s->stmts[idx];
}

/*
 * Steps a bound statement (rc holds the binds' result), then resets and
 * unbinds it so no pointer of the caller's outlives the call. Counts the
 * row toward the batch and commits a full one.
 */
static int write_step(struct store *s, sqlite3_stmt *st, int rc, const char *what)
{
	int err = 0;

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK && s->refused[0]) {
		fprintf(stderr, "mcptrace: failed to %s %s: %s\n", what, s->path, s->refused);
		s->refused[0] = '\0';
		err = -EINVAL;
	} else if (rc != SQLITE_OK) {
		err = store_schema__fail(s->db, what, s->path);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err) {
		/* An I/O error or a full disk can roll the whole
		 * transaction back behind our back. */
		if (sqlite3_get_autocommit(s->db))
			s->in_txn = false;
		return err;
	}
	if (++s->batch_rows >= STORE_BATCH_ROWS)
		return store__flush(s);
	return 0;
}

/* For updates by id: a row that is not there is the caller's bug, and
 * silently updating nothing would hide it. */
static int check_changed(struct store *s, const char *table, int64_t id)
{
	if (sqlite3_changes(s->db) > 0)
		return 0;
	fprintf(stderr, "mcptrace: failed to update %s row %lld: no such row\n", table,
		(long long)id);
	return -ENOENT;
}

/* The first free id of each table whose ids the caller reserves. */
static int next_ids(struct store *s)
{
	static const char *const sql[ST_ID__COUNT] = {
		[ST_ID_MESSAGE] = "SELECT coalesce(max(id), 0) + 1 FROM messages",
		[ST_ID_CALL] = "SELECT coalesce(max(id), 0) + 1 FROM calls",
		[ST_ID_SESSION] = "SELECT coalesce(max(id), 0) + 1 FROM sessions",
	};

	for (int i = 0; i < ST_ID__COUNT; i++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return store_schema__fail(s->db, "read ids of", s->path);
		if (sqlite3_step(st) == SQLITE_ROW)
			s->next_id[i] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (s->next_id[i] < 1)
			s->next_id[i] = 1;
	}
	return 0;
}

int64_t store__reserve_id(struct store *s, enum st_id_table table)
{
	return s->next_id[table]++;
}

int store__open(struct store **out, const char *path)
{
	struct store *s;
	int err, rc, fd, i;

	*out = NULL;
	/* Create the file ourselves so it is 0600 whatever the umask; SQLite
	 * gives -wal and -shm the mode of the DB file. An existing file keeps
	 * the mode its owner chose. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
	} else if (errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to create %s: %s\n", path, strerror(errno));
		return err;
	}

	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		fprintf(stderr, "mcptrace: out of memory\n");
		return -ENOMEM;
	}
	/* One writer at a time: ids are handed out here, not by SQLite, so a
	 * second mcptrace appending to the same DB would collide. flock does
	 * not interfere with SQLite's own fcntl locks. */
	s->lock_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY)
			fprintf(stderr, "mcptrace: another mcptrace is writing %s; give this one "
					"another --db\n", path);
		else
			fprintf(stderr, "mcptrace: failed to open %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		err = s->db ? store_schema__fail(s->db, "open", path) : -ENOMEM;
		goto cleanup;
	}
	store_schema__harden(s->db);

	err = store__init_db(s->db, path, schema_steps, schema_step_count);
	if (err)
		goto cleanup;
	/* NORMAL is durable enough in WAL mode: a power cut may lose the last
	 * commits but never corrupts the file. Foreign keys stay unchecked in
	 * the writer: it is the only source of rows and makes them consistent
	 * by construction (tests check that with foreign_key_check), and the
	 * checks cost a sixth of its time per message. CHECKs are the
	 * binders' (bind_enum), before the statements are prepared without
	 * them. */
	if (sqlite3_exec(s->db,
			 "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; "
			 "PRAGMA ignore_check_constraints = ON",
			 NULL, NULL, NULL) != SQLITE_OK) {
		err = store_schema__fail(s->db, "configure", path);
		goto cleanup;
	}
	err = next_ids(s);
	if (err)
		goto cleanup;
	for (i = 0; i < ST__COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&s->stmts[i], NULL);
		if (rc != SQLITE_OK) {
			err = store_schema__fail(s->db, "prepare statements for", path);
			goto cleanup;
		}
	}
	*out = s;
	return 0;

cleanup:
	store__close(s);
	return err;
}

int store__begin_run(struct store *s, const char *argv_text, int64_t started_ns)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_RUN_INSERT, &err);

	if (!st)
		return err;
	bind_int(st, 1, started_ns, &rc);
	bind_str(st, 2, argv_text, &rc);
	bind_str(st, 3, MCPTRACE_VERSION, &rc);
	err = write_step(s, st, rc, "add a run to");
	if (err)
		return err;
	s->run_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int64_t clamp_u64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

int store__end_run(struct store *s, int64_t ended_ns, uint64_t lost_events, uint64_t lost_bytes)
{
	sqlite3_stmt *st = s->stmts[ST_RUN_END];
	int rc = SQLITE_OK, err;

	if (!s->run_id) {
		fprintf(stderr, "mcptrace: failed to end the run: no run was begun\n");
		return -EINVAL;
	}
	err = write_begin(s);
	if (err)
		return err;
	bind_id(st, 1, s->run_id, &rc);
	bind_int(st, 2, ended_ns, &rc);
	bind_int(st, 3, clamp_u64(lost_events), &rc);
	bind_int(st, 4, clamp_u64(lost_bytes), &rc);
	err = write_step(s, st, rc, "end the run in");
	if (err)
		return err;
	return store__flush(s);
}

/* Binds ?2..?13, shared by the session insert and update. */
static void bind_session(struct store *s, sqlite3_stmt *st, const struct st_session *sess,
			 int *rc)
{
	bind_enum(s, st, 2, "transport", sess->transport, TRANSPORTS, false, rc);
	bind_int(st, 3, sess->tls ? 1 : 0, rc);
	bind_int(st, 4, sess->client_pid, rc);
	bind_int(st, 5, sess->server_pid, rc);
	bind_str(st, 6, sess->client_name, rc);
	bind_str(st, 7, sess->client_version, rc);
	bind_str(st, 8, sess->server_name, rc);
	bind_str(st, 9, sess->server_version, rc);
	bind_str(st, 10, sess->protocol_version, rc);
	bind_str(st, 11, sess->mcp_session_id, rc);
	bind_int(st, 12, sess->started_ns, rc);
	bind_int(st, 13, sess->ended_ns, rc);
	bind_str(st, 15, sess->client_addr, rc);
	bind_str(st, 16, sess->server_addr, rc);
	bind_id(st, 17, sess->parent_session_id, rc); /* 0: no gateway */
}

/* Steps an insert into a table whose ids the caller may reserve; *id gets
 * the row's id, and ids reserved later stay above it. */
static int insert_step(struct store *s, sqlite3_stmt *st, int rc, const char *what,
		       enum st_id_table table, int64_t *id)
{
	int err = write_step(s, st, rc, what);

	if (err)
		return err;
	*id = sqlite3_last_insert_rowid(s->db);
	if (*id >= s->next_id[table])
		s->next_id[table] = *id + 1;
	return 0;
}

int store__add_session(struct store *s, struct st_session *sess)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_SESSION_INSERT, &err);

	if (!st)
		return err;
	bind_id(st, 1, sess->id, &rc);
	bind_session(s, st, sess, &rc);
	bind_id(st, 14, s->run_id, &rc);
	return insert_step(s, st, rc, "add a session to", ST_ID_SESSION, &sess->id);
}

int store__update_session(struct store *s, const struct st_session *sess)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_SESSION_UPDATE, &err);

	if (!st)
		return err;
	bind_id(st, 1, sess->id, &rc);
	bind_session(s, st, sess, &rc);
	err = write_step(s, st, rc, "update a session in");
	return err ? err : check_changed(s, "sessions", sess->id);
}

int store__add_message(struct store *s, struct st_message *m)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_MESSAGE_INSERT, &err);

	if (!st)
		return err;
	bind_id(st, 1, m->session_id, &rc);
	bind_id(st, 2, m->call_id, &rc);
	bind_int(st, 3, m->ts_ns, &rc);
	bind_int(st, 4, m->sent_ns, &rc);
	bind_int(st, 5, m->recv_ns, &rc);
	bind_int(st, 6, m->sender_pid, &rc);
	bind_enum(s, st, 7, "direction", m->direction, MSG_DIRECTIONS, false, &rc);
	bind_enum(s, st, 8, "kind", m->kind, MSG_KINDS, false, &rc);
	bind_str(st, 9, m->rpc_id, &rc);
	bind_str(st, 10, m->method, &rc);
	bind_int(st, 11, m->size_bytes, &rc);
	bind_int(st, 12, m->truncated ? 1 : 0, &rc);
	bind_text(st, 13, m->body, m->body_len, &rc);
	bind_id(st, 14, m->id, &rc);
	return insert_step(s, st, rc, "add a message to", ST_ID_MESSAGE, &m->id);
}

int store__set_message_times(struct store *s, int64_t msg_id, int64_t ts_ns, int64_t sent_ns,
			     int64_t recv_ns, int64_t call_id)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_MESSAGE_TIMES, &err);

	if (!st)
		return err;
	bind_id(st, 1, msg_id, &rc);
	bind_int(st, 2, ts_ns, &rc);
	bind_int(st, 3, sent_ns, &rc);
	bind_int(st, 4, recv_ns, &rc);
	bind_id(st, 5, call_id, &rc);
	err = write_step(s, st, rc, "update a message in");
	return err ? err : check_changed(s, "messages", msg_id);
}

/* Binds ?1..?18, shared by the call insert (id 0: a new rowid) and update. */
static void bind_call(struct store *s, sqlite3_stmt *st, const struct st_call *c, int64_t id,
		      int *rc)
{
	bind_id(st, 1, id, rc);
	bind_id(st, 2, c->session_id, rc);
	bind_str(st, 3, c->rpc_id, rc);
	bind_enum(s, st, 4, "direction", c->direction, MSG_DIRECTIONS, false, rc);
	bind_str(st, 5, c->method, rc);
	bind_str(st, 6, c->target, rc);
	bind_id(st, 7, c->request_msg_id, rc);
	bind_id(st, 8, c->response_msg_id, rc);
	bind_int(st, 9, c->start_ns, rc);
	bind_int(st, 10, c->end_ns, rc);
	bind_int(st, 11, c->latency_ns, rc);
	bind_int(st, 12, c->server_latency_ns, rc);
	/* the column's NOT NULL DEFAULT does not apply to an explicit NULL */
	bind_enum(s, st, 13, "status", c->status ? c->status : "pending", CALL_STATUSES, false, rc);
	bind_int(st, 14, c->error_code, rc);
	bind_str(st, 15, c->error_message, rc);
	bind_id(st, 16, c->http_status, rc); /* 0: no HTTP status */
	bind_id(st, 17, c->previous_round_id, rc); /* 0: a first round */
	bind_id(st, 18, c->parent_call_id, rc); /* 0: no gateway */
}

int store__add_call(struct store *s, struct st_call *c)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_CALL_INSERT, &err);

	if (!st)
		return err;
	bind_call(s, st, c, c->id, &rc);
	return insert_step(s, st, rc, "add a call to", ST_ID_CALL, &c->id);
}

int store__update_call(struct store *s, const struct st_call *c)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_CALL_UPDATE, &err);

	if (!st)
		return err;
	bind_call(s, st, c, c->id, &rc);
	err = write_step(s, st, rc, "update a call in");
	return err ? err : check_changed(s, "calls", c->id);
}

int store__set_call_parent(struct store *s, int64_t call_id, int64_t parent_call_id)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_CALL_PARENT, &err);

	if (!st)
		return err;
	bind_id(st, 1, call_id, &rc);
	bind_id(st, 2, parent_call_id, &rc);
	err = write_step(s, st, rc, "link a call in");
	return err ? err : check_changed(s, "calls", call_id);
}

/* Binds ?1..?7, shared by the process update and insert. */
static void bind_process(sqlite3_stmt *st, const struct st_process *p, int64_t run_id, int *rc)
{
	bind_id(st, 1, run_id, rc);
	bind_int(st, 2, p->pid, rc);
	bind_int(st, 3, p->ppid, rc);
	bind_str(st, 4, p->comm, rc);
	bind_int(st, 5, p->started_ns, rc);
	bind_int(st, 6, p->exited_ns, rc);
	bind_int(st, 7, p->exit_code, rc);
	bind_str(st, 8, p->cmdline, rc);
}

/*
 * Updates the newest row of the pid in this run, or inserts a row when there
 * is none or the newest one belongs to an earlier process with the same pid
 * (see ST_PROCESS_UPDATE).
 */
int store__upsert_process(struct store *s, const struct st_process *p)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_PROCESS_UPDATE, &err);

	if (!st)
		return err;
	bind_process(st, p, s->run_id, &rc);
	err = write_step(s, st, rc, "update a process in");
	if (err || sqlite3_changes(s->db) > 0)
		return err;

	st = s->stmts[ST_PROCESS_INSERT];
	rc = SQLITE_OK;
	err = write_begin(s); /* the update may have completed a batch */
	if (err)
		return err;
	bind_process(st, p, s->run_id, &rc);
	return write_step(s, st, rc, "add a process to");
}

int store__add_loss(struct store *s, const struct st_loss *l)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_LOSS_INSERT, &err);

	if (!st)
		return err;
	bind_id(st, 1, s->run_id, &rc);
	bind_int(st, 2, l->ts_ns, &rc);
	bind_int(st, 3, l->pid, &rc);
	bind_int(st, 4, l->fd, &rc);
	bind_int(st, 5, l->stream_id, &rc);
	bind_enum(s, st, 6, "direction", l->direction, IO_DIRECTIONS, true, &rc);
	bind_int(st, 7, l->offset, &rc);
	bind_int(st, 8, l->bytes, &rc);
	bind_enum(s, st, 9, "reason", l->reason, LOSS_REASONS, false, &rc);
	return write_step(s, st, rc, "add a loss to");
}

int store__add_parse_error(struct store *s, const struct st_parse_error *e)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_PARSE_ERROR_INSERT, &err);

	if (!st)
		return err;
	bind_id(st, 1, s->run_id, &rc);
	bind_int(st, 2, e->ts_ns, &rc);
	bind_id(st, 3, e->session_id, &rc);
	bind_int(st, 4, e->pid, &rc);
	bind_int(st, 5, e->fd, &rc);
	bind_enum(s, st, 6, "direction", e->direction, ERROR_DIRECTIONS, true, &rc);
	bind_str(st, 7, e->error, &rc);
	bind_text(st, 8, e->excerpt, e->excerpt_len, &rc);
	return write_step(s, st, rc, "add a parse error to");
}

int store__add_blind(struct store *s, const struct st_blind *b)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_BLIND_INSERT, &err);

	if (!st)
		return err;
	bind_id(st, 1, s->run_id, &rc);
	bind_int(st, 2, b->stream_id, &rc);
	bind_int(st, 3, b->bytes_seen, &rc);
	bind_int(st, 4, b->pid, &rc);
	bind_int(st, 5, b->fd, &rc);
	bind_str(st, 6, b->comm, &rc);
	bind_enum(s, st, 7, "role", b->role, ROLES, true, &rc);
	bind_str(st, 8, b->local_addr, &rc);
	bind_str(st, 9, b->remote_addr, &rc);
	bind_int(st, 10, b->first_seen_ns, &rc);
	bind_str(st, 11, b->why, &rc);
	return write_step(s, st, rc, "add a blind connection to");
}

int store__update_blind(struct store *s, const struct st_blind *b)
{
	int rc = SQLITE_OK, err;
	sqlite3_stmt *st = row_begin(s, ST_BLIND_UPDATE, &err);

	if (!st)
		return err;
	bind_id(st, 1, s->run_id, &rc);
	bind_int(st, 2, b->stream_id, &rc);
	bind_int(st, 3, b->bytes_seen, &rc);
	err = write_step(s, st, rc, "update a blind connection in");
	return err ? err : check_changed(s, "blind_connections (by stream id)", b->stream_id);
}

int store__flush(struct store *s)
{
	sqlite3_stmt *st;
	int rc, err;

	if (!s || !s->in_txn)
		return 0;
	st = s->stmts[ST_COMMIT];
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		s->in_txn = false;
		s->batch_rows = 0;
		return 0;
	}
	err = store_schema__fail(s->db, "commit to", s->path);
	/* A commit that failed may leave the transaction open; drop the
	 * batch rather than wedge every later write. */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = false;
	s->batch_rows = 0;
	return err;
}

void store__close(struct store *s)
{
	int i;

	if (!s)
		return;
	if (s->db)
		store__flush(s);
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	/* The last connection to close checkpoints the WAL into the DB. */
	sqlite3_close(s->db);
	if (s->lock_fd > 0)
		close(s->lock_fd);
	free(s->path);
	free(s);
}

sqlite3 *store__db(struct store *s)
{
	return s->db;
}
