// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of tracer/db/store.c and store_schema.c: every insert and update read back through a
 * second, read-only connection (as mcptrace stats sees the DB), NULLs,
 * 1 versus "1", a 16 MiB body, the file mode, batching, refusing files that
 * are not trace DBs, and migrating older ones. No root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "fixture_blind.h"
#include "db/store.h"

static char tmpdir[] = "/tmp/mt_test_store.XXXXXX";

static char stderr_path[64];

/* A path in the test's directory; good for the next 32 calls. */
static const char *tmp_path(const char *name)
{
	static char buf[32][256];
	static int next;
	char *p = buf[next++ % 32];

	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

/* stderr of the code under test goes to a file, so tests can assert on the
 * one-line messages. */
static int saved_stderr = -1;

static void capture_stderr(void)
{
	int fd = open(stderr_path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *captured_stderr(void)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	f = fopen(stderr_path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	fprintf(stderr, "  (stderr: %s)\n", buf);
	return buf;
}

/* The first column of the first row as text, "NULL" for NULL, "" for no
 * row; "ERR" if the query fails. */
static const char *q(sqlite3 *db, const char *sql)
{
	static char buf[8][512];
	static int next;
	char *out = buf[next++ % 8];
	sqlite3_stmt *st;
	int rc;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "  query failed: %s: %s\n", sql, sqlite3_errmsg(db));
		return "ERR";
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, 512, "%s", t ? (const char *)t : "NULL");
	} else if (rc != SQLITE_DONE) {
		snprintf(out, 512, "ERR");
	}
	sqlite3_finalize(st);
	return out;
}

static int64_t qi(sqlite3 *db, const char *sql)
{
	return strtoll(q(db, sql), NULL, 10);
}

static sqlite3 *open_raw(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fprintf(stderr, "  open %s: %s\n", path, sqlite3_errmsg(db));
	return db;
}

static void test_new_file_mode(void)
{
	const char *path = tmp_path("mode.db");
	struct st_session sess = {.transport = "stdio",
				  .client_pid = ST_NULL,
				  .server_pid = ST_NULL,
				  .started_ns = 1,
				  .ended_ns = ST_NULL};
	struct store *s = NULL;
	struct stat st;
	mode_t old = umask(0);
	sqlite3 *db;

	CHECK_EQ_INT(store__open(&s, path), 0);
	CHECK(s != NULL);
	if (!s) {
		umask(old);
		return;
	}
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	CHECK_EQ_INT(store__flush(s), 0);
	CHECK_EQ_INT(stat(path, &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	/* while the store is open, the WAL and its index exist */
	CHECK_EQ_INT(stat(tmp_path("mode.db-wal"), &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(stat(tmp_path("mode.db-shm"), &st), 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	umask(old);

	db = store__db(s);
	CHECK_EQ_STR(q(db, "PRAGMA journal_mode"), "wal");
	CHECK_EQ_INT(qi(db, "PRAGMA synchronous"), 1); /* NORMAL */
	/* the writer makes rows consistent itself; see store__open */
	CHECK_EQ_INT(qi(db, "PRAGMA foreign_keys"), 0);
	CHECK_EQ_INT(qi(db, "PRAGMA user_version"), (long long)schema_step_count);
	CHECK_EQ_INT(qi(db, "PRAGMA application_id"), STORE_APPLICATION_ID);
	store__close(s);
}

static void test_round_trip(void)
{
	const char *path = tmp_path("rt.db");
	struct store *s = NULL;
	sqlite3 *db = NULL;
	struct st_session sess = {
	    .transport = "stdio",
	    .tls = 0,
	    .client_pid = 100,
	    .server_pid = ST_NULL,
	    .client_name = "claude",
	    .client_version = NULL,
	    .started_ns = 1000,
	    .ended_ns = ST_NULL,
	};
	struct st_message req1 = {
	    .ts_ns = 2000,
	    .sent_ns = 2000,
	    .recv_ns = ST_NULL,
	    .sender_pid = 100,
	    .direction = "c2s",
	    .kind = "request",
	    .rpc_id = "1",
	    .method = "tools/call",
	    .size_bytes = 60,
	    .body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}",
	};
	struct st_message req2 = req1, note = req1;
	struct st_call call = {
	    .rpc_id = "1",
	    .direction = "c2s",
	    .method = "tools/call",
	    .target = "echo",
	    .start_ns = 2000,
	    .end_ns = ST_NULL,
	    .latency_ns = ST_NULL,
	    .server_latency_ns = ST_NULL,
	    .status = "pending",
	    .error_code = ST_NULL,
	};
	struct st_process p1 = {.pid = 100,
				.ppid = 1,
				.comm = "node",
				.started_ns = 10,
				.exited_ns = ST_NULL,
				.exit_code = ST_NULL};
	struct st_process p1_exit = {.pid = 100,
				     .ppid = ST_NULL,
				     .comm = NULL,
				     .started_ns = ST_NULL,
				     .exited_ns = 5000,
				     .exit_code = 256};
	struct st_process p1_reused = {.pid = 100,
				       .ppid = 7,
				       .comm = "python3",
				       .started_ns = 6000,
				       .exited_ns = ST_NULL,
				       .exit_code = ST_NULL};
	struct st_loss loss = {.ts_ns = 3000,
			       .pid = 100,
			       .fd = 1,
			       .stream_id = 9,
			       .direction = "write",
			       .offset = 4096,
			       .bytes = 512,
			       .reason = "truncated"};
	struct st_parse_error perr = {.ts_ns = 3100,
				      .pid = 100,
				      .fd = 0,
				      .direction = "read",
				      .error = "not json",
				      .excerpt = "Hello\0World",
				      .excerpt_len = 11};
	struct {
		const char *sql, *want;
	} rows[] = {
	    {"SELECT count(*) FROM runs", "1"},
	    {"SELECT argv || '|' || started_ns || '|' || ended_ns || '|' || lost_events || '|' "
	     "|| lost_bytes FROM runs",
	     "mcptrace run -- x|500|9000|3|4096"},
	    {"SELECT version IS NOT NULL FROM runs", "1"},
	    /* the session as updated, with its NULLs still NULL */
	    {"SELECT transport || tls || client_pid || client_name || server_name "
	     "|| protocol_version || ended_ns FROM sessions",
	     "stdio0100claudeecho-server2025-06-188000"},
	    {"SELECT typeof(server_pid) || typeof(client_version) || typeof(mcp_session_id) "
	     "FROM sessions",
	     "nullnullnull"},
	    {"SELECT run_id = (SELECT id FROM runs) FROM sessions", "1"},
	    /* 1 and "1" are different ids */
	    {"SELECT count(DISTINCT rpc_id) FROM messages WHERE kind = 'request'", "2"},
	    {"SELECT rpc_id FROM messages WHERE id = 2", "\"1\""},
	    {"SELECT count(*) FROM messages WHERE rpc_id = '1' AND kind = 'request'", "1"},
	    {"SELECT typeof(rpc_id) || kind FROM messages WHERE id = 3", "nullnotification"},
	    {"SELECT body FROM messages WHERE id = 1",
	     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}"},
	    {"SELECT typeof(body) FROM messages WHERE id = 1", "text"},
	    {"SELECT size_bytes || truncated || sender_pid FROM messages WHERE id = 1", "600100"},
	    {"SELECT truncated FROM messages WHERE id = 3", "1"},
	    /* set_message_times: ST_NULL kept the sent time */
	    {"SELECT ts_ns || '|' || sent_ns || '|' || recv_ns || '|' || call_id "
	     "FROM messages WHERE id = 1",
	     "2000|2000|2100|1"},
	    {"SELECT typeof(recv_ns) || typeof(call_id) FROM messages WHERE id = 2", "nullnull"},
	    /* the call as updated */
	    {"SELECT status || '|' || latency_ns || '|' || end_ns || '|' || request_msg_id "
	     "|| '|' || response_msg_id || '|' || error_code || '|' || error_message "
	     "FROM calls",
	     "tool_error|150|2150|1|4|-32000|boom"},
	    {"SELECT typeof(server_latency_ns) || target FROM calls", "nullecho"},
	    /* processes: one row updated in place, a new row for the reused pid */
	    {"SELECT count(*) FROM processes WHERE pid = 100", "2"},
	    {"SELECT comm || '|' || ppid || '|' || started_ns || '|' || exited_ns || '|' "
	     "|| exit_code FROM processes ORDER BY id LIMIT 1",
	     "node|1|10|5000|256"},
	    {"SELECT comm || '|' || ppid || '|' || typeof(exited_ns) FROM processes "
	     "ORDER BY id DESC LIMIT 1",
	     "python3|7|null"},
	    {"SELECT pid || direction || offset || '|' || bytes || reason FROM losses",
	     "100write4096|512truncated"},
	    {"SELECT error || '|' || length(CAST(excerpt AS BLOB)) || '|' || "
	     "typeof(session_id) FROM parse_errors",
	     "not json|11|null"},
	    {"PRAGMA foreign_key_check", ""},
	    {"PRAGMA integrity_check", "ok"}, /* CHECKs too */
	};
	size_t i;
	int err;

	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_INT(store__begin_run(s, "mcptrace run -- x", 500), 0);
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	CHECK_EQ_INT(sess.id, 1);
	sess.server_name = "echo-server";
	sess.protocol_version = "2025-06-18";
	sess.ended_ns = 8000;
	CHECK_EQ_INT(store__update_session(s, &sess), 0);

	req1.session_id = req2.session_id = note.session_id = sess.id;
	req1.body_len = strlen(req1.body);
	req2.rpc_id = "\"1\"";
	req2.body = "{\"id\":\"1\"}";
	req2.body_len = strlen(req2.body);
	note.kind = "notification";
	note.rpc_id = NULL;
	note.truncated = 1;
	note.body = "{\"method\":\"notifications/prog";
	note.body_len = strlen(note.body);
	CHECK_EQ_INT(store__add_message(s, &req1), 0);
	CHECK_EQ_INT(store__add_message(s, &req2), 0);
	CHECK_EQ_INT(store__add_message(s, &note), 0);
	CHECK_EQ_INT(req1.id, 1);
	CHECK_EQ_INT(req2.id, 2);
	CHECK_EQ_INT(note.id, 3);

	call.session_id = sess.id;
	call.request_msg_id = req1.id;
	CHECK_EQ_INT(store__add_call(s, &call), 0);
	CHECK_EQ_INT(call.id, 1);
	CHECK_EQ_INT(store__set_message_times(s, req1.id, ST_NULL, ST_NULL, 2100, call.id), 0);

	struct st_message resp = req1;
	resp.id = store__reserve_id(s, ST_ID_MESSAGE); /* an id given, not picked */
	CHECK_EQ_INT(resp.id, 4);
	resp.direction = "s2c";
	resp.kind = "response";
	resp.ts_ns = 2150;
	resp.call_id = call.id;
	CHECK_EQ_INT(store__add_message(s, &resp), 0);
	call.response_msg_id = resp.id;
	call.end_ns = 2150;
	call.latency_ns = 150;
	call.status = "tool_error";
	call.error_code = -32000;
	call.error_message = "boom";
	CHECK_EQ_INT(store__update_call(s, &call), 0);

	CHECK_EQ_INT(store__upsert_process(s, &p1), 0);
	CHECK_EQ_INT(store__upsert_process(s, &p1_exit), 0);
	CHECK_EQ_INT(store__upsert_process(s, &p1_reused), 0);
	CHECK_EQ_INT(store__add_loss(s, &loss), 0);
	CHECK_EQ_INT(store__add_parse_error(s, &perr), 0);
	CHECK_EQ_INT(store__end_run(s, 9000, 3, 4096), 0);

	/* a reader sees it all while the writer still has the DB open */
	err = store__open_readonly(&db, path);
	CHECK_EQ_INT(err, 0);
	if (db) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			const char *got = q(db, rows[i].sql);
			if (strcmp(got, rows[i].want) != 0)
				fprintf(stderr, "  row %zu: %s\n", i, rows[i].sql);
			CHECK_EQ_STR(got, rows[i].want);
		}
		sqlite3_close(db);
	}

	/* updates of rows that do not exist say so */
	capture_stderr();
	call.id = 999;
	err = store__update_call(s, &call);
	CHECK(strstr(captured_stderr(), "no such row") != NULL);
	CHECK_EQ_INT(err, -ENOENT);
	capture_stderr();
	CHECK_EQ_INT(store__set_message_times(s, 999, 1, 1, 1, 0), -ENOENT);
	captured_stderr();
	store__close(s);
}

/* Values outside a column's CHECK are refused, loudly; later writes work. */
static void test_constraints(void)
{
	const char *path = tmp_path("constraints.db");
	struct store *s = NULL;
	struct st_session sess = {.transport = "carrier-pigeon",
				  .client_pid = ST_NULL,
				  .server_pid = ST_NULL,
				  .started_ns = 1,
				  .ended_ns = ST_NULL};
	struct st_message m = {.session_id = 42,
			       .ts_ns = 1,
			       .sent_ns = ST_NULL,
			       .recv_ns = ST_NULL,
			       .sender_pid = ST_NULL,
			       .direction = "c2s",
			       .kind = "request",
			       .rpc_id = "1",
			       .size_bytes = 2,
			       .body = "{}",
			       .body_len = 2};
	const char *msg;
	sqlite3 *db;

	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	capture_stderr();
	CHECK_EQ_INT(store__add_session(s, &sess), -EINVAL);
	msg = captured_stderr();
	CHECK(strncmp(msg, "mcptrace: failed to add a session to ", 37) == 0);
	CHECK(strstr(msg, ": transport carrier-pigeon is not one of stdio, http, sse\n") != NULL);
	CHECK(strchr(msg, '\n') == msg + strlen(msg) - 1); /* one line */

	/* A second writer on the same DB is refused: ids are handed out by
	 * the store, so two writers would collide. */
	{
		struct store *other = NULL;

		capture_stderr();
		CHECK_EQ_INT(store__open(&other, path), -EBUSY);
		msg = captured_stderr();
		CHECK(strstr(msg, "another mcptrace is writing") != NULL);
		CHECK(other == NULL);
	}

	sess.transport = "http";
	sess.tls = 1;
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	m.session_id = sess.id;
	m.kind = NULL;
	capture_stderr();
	CHECK_EQ_INT(store__add_message(s, &m), -EINVAL);
	msg = captured_stderr();
	CHECK(strstr(msg, ": kind NULL is not one of request, response, error, notification\n") != NULL);
	m.kind = "request";
	CHECK_EQ_INT(store__add_message(s, &m), 0);
	CHECK_EQ_INT(store__flush(s), 0);
	db = store__db(s);
	CHECK_EQ_STR(q(db, "SELECT transport || tls FROM sessions"), "http1");
	CHECK_EQ_INT(qi(db, "SELECT count(*) FROM messages"), 1);
	store__close(s);
}

static void test_big_body(void)
{
	const char *path = tmp_path("big.db");
	const size_t len = 16u << 20;
	struct store *s = NULL;
	struct st_session sess = {.transport = "stdio",
				  .client_pid = ST_NULL,
				  .server_pid = ST_NULL,
				  .started_ns = 1,
				  .ended_ns = ST_NULL};
	struct st_message m = {.ts_ns = 1,
			       .sent_ns = ST_NULL,
			       .recv_ns = ST_NULL,
			       .sender_pid = ST_NULL,
			       .direction = "s2c",
			       .kind = "response",
			       .rpc_id = "7"};
	char *body = malloc(len);
	sqlite3 *db = NULL;

	CHECK(body != NULL);
	if (!body)
		return;
	memset(body, 'x', len);
	memcpy(body, "{\"r\":\"", 6);
	memcpy(body + len - 2, "\"}", 2);
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s) {
		free(body);
		return;
	}
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	m.session_id = sess.id;
	m.body = body;
	m.body_len = len;
	m.size_bytes = len + 100; /* more on the wire than we kept */
	m.truncated = 1;
	CHECK_EQ_INT(store__add_message(s, &m), 0);
	/* the buffer is the caller's again once the call returns */
	memset(body, 'y', len);
	CHECK_EQ_INT(store__flush(s), 0);
	free(body);

	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	if (db) {
		CHECK_EQ_INT(qi(db, "SELECT length(body) FROM messages"), (long long)len);
		CHECK_EQ_STR(q(db, "SELECT typeof(body) FROM messages"), "text");
		CHECK_EQ_STR(q(db, "SELECT substr(body, 1, 8) || substr(body, -3) FROM messages"),
			     "{\"r\":\"xxx\"}");
		CHECK_EQ_INT(qi(db, "SELECT size_bytes FROM messages"), (long long)len + 100);
		CHECK_EQ_INT(qi(db, "SELECT count(*) FROM messages WHERE instr(body, 'y') > 0"), 0);
		sqlite3_close(db);
	}
	store__close(s);
}

/* Rows commit in batches: a reader sees whole batches only, then all after
 * store__flush. */
static void test_batching(void)
{
	const char *path = tmp_path("batch.db");
	struct store *s = NULL;
	struct st_loss l = {.ts_ns = 1,
			    .pid = 1,
			    .fd = 1,
			    .stream_id = 1,
			    .direction = "read",
			    .offset = 0,
			    .bytes = 1,
			    .reason = "ringbuf"};
	sqlite3 *db = NULL;
	int i, err = 0;

	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	for (i = 0; i < STORE_BATCH_ROWS + 10 && !err; i++)
		err = store__add_loss(s, &l);
	CHECK_EQ_INT(err, 0);
	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	if (db) {
		CHECK_EQ_INT(qi(db, "SELECT count(*) FROM losses"), STORE_BATCH_ROWS);
		CHECK_EQ_INT(store__flush(s), 0);
		CHECK_EQ_INT(qi(db, "SELECT count(*) FROM losses"), STORE_BATCH_ROWS + 10);
		CHECK_EQ_STR(q(db, "SELECT typeof(run_id) FROM losses"), "null");
		sqlite3_close(db);
	}
	store__close(s);
}

/* A second run appends to the same DB. */
static void test_append(void)
{
	const char *path = tmp_path("append.db");
	struct store *s = NULL;
	int r;

	for (r = 0; r < 2; r++) {
		CHECK_EQ_INT(store__open(&s, path), 0);
		if (!s)
			return;
		CHECK_EQ_INT(store__begin_run(s, r ? "second" : "first", 100 + r), 0);
		CHECK_EQ_INT(store__end_run(s, 200 + r, 0, 0), 0);
		store__close(s);
	}
	s = NULL;
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_STR(q(store__db(s), "SELECT group_concat(argv || ended_ns, ',') FROM runs"),
		     "first200,second201");
	store__close(s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_refuse_not_sqlite(void)
{
	static const char *const texts[] = {
	    "hello, this is not a database\n", "{\"jsonrpc\":\"2.0\"}\n",
	    "SQLite format 3", /* a truncated header */
	};
	const char *path = tmp_path("text.db");
	struct store *s = NULL;
	sqlite3 *db = NULL;
	const char *msg;
	char buf[64];
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		write_file(path, texts[i]);
		capture_stderr();
		CHECK_EQ_INT(store__open(&s, path), -EINVAL);
		msg = captured_stderr();
		CHECK(s == NULL);
		CHECK(strncmp(msg, "mcptrace: ", 10) == 0);
		CHECK(strstr(msg, "is not a trace DB") != NULL);

		capture_stderr();
		CHECK_EQ_INT(store__open_readonly(&db, path), -EINVAL);
		msg = captured_stderr();
		CHECK(db == NULL);
		CHECK(strstr(msg, "is not a trace DB") != NULL);

		/* and the file is left as it was */
		f = fopen(path, "r");
		memset(buf, 0, sizeof(buf));
		if (f) {
			CHECK(fread(buf, 1, sizeof(buf) - 1, f) > 0);
			fclose(f);
		}
		CHECK_EQ_STR(buf, texts[i]);
	}
}

static void test_refuse_foreign_sqlite(void)
{
	const char *path = tmp_path("foreign.db");
	struct store *s = NULL;
	sqlite3 *db = open_raw(path);
	const char *msg;

	sqlite3_exec(db, "CREATE TABLE calls (x); INSERT INTO calls VALUES (1)", NULL, NULL, NULL);
	sqlite3_close(db);

	capture_stderr();
	CHECK_EQ_INT(store__open(&s, path), -EINVAL);
	msg = captured_stderr();
	CHECK(strstr(msg, "is an sqlite database but not a trace DB") != NULL);
	db = NULL;
	capture_stderr();
	CHECK_EQ_INT(store__open_readonly(&db, path), -EINVAL);
	captured_stderr();

	/* untouched: still in rollback-journal mode, no schema of ours */
	db = open_raw(path);
	CHECK_EQ_STR(q(db, "PRAGMA journal_mode"), "delete");
	CHECK_EQ_STR(q(db, "SELECT group_concat(name) FROM sqlite_schema"), "calls");
	sqlite3_close(db);

	/* an empty DB is fine to write to but nothing to read */
	db = NULL;
	write_file(tmp_path("empty.db"), "");
	capture_stderr();
	CHECK_EQ_INT(store__open_readonly(&db, tmp_path("empty.db")), -EINVAL);
	CHECK(strstr(captured_stderr(), "is empty, not a trace DB") != NULL);
	CHECK_EQ_INT(store__open(&s, tmp_path("empty.db")), 0);
	store__close(s);
}

static void test_refuse_missing(void)
{
	sqlite3 *db = NULL;

	capture_stderr();
	CHECK_EQ_INT(store__open_readonly(&db, tmp_path("missing.db")), -ENOENT);
	CHECK(strstr(captured_stderr(), "missing.db: No such file or directory") != NULL);
	CHECK_EQ_INT(access(tmp_path("missing.db"), F_OK), -1); /* not created */
}

/* A blind connection is a row keyed by its stream in the run; its byte
 * count is updated in place; the same stream twice in a run is refused. */
static void test_blind_rows(void)
{
	const char *path = tmp_path("blind.db");
	struct st_blind b = fixture_blind;
	struct store *s = NULL;
	sqlite3 *db;

	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_INT(store__begin_run(s, "blind", 1), 0);
	CHECK_EQ_INT(store__add_blind(s, &b), 0);
	b.bytes_seen = 3094;
	CHECK_EQ_INT(store__update_blind(s, &b), 0);
	b.role = NULL;
	b.stream_id = 8;
	b.local_addr = NULL;
	CHECK_EQ_INT(store__add_blind(s, &b), 0);
	capture_stderr();
	CHECK(store__add_blind(s, &b) < 0);
	b.stream_id = 9;
	CHECK_EQ_INT(store__update_blind(s, &b), -ENOENT);
	captured_stderr();
	CHECK_EQ_INT(store__flush(s), 0);
	db = store__db(s);
	CHECK_EQ_STR(q(db, "SELECT group_concat(pid || ' ' || comm || ' ' || fd || ' ' || "
			   "stream_id || ' ' || coalesce(role, '-') || ' ' || "
			   "coalesce(local_addr, '-') || ' ' || remote_addr || ' ' || "
			   "first_seen_ns || ' ' || bytes_seen || ' ' || why, '|') "
			   "FROM (SELECT * FROM blind_connections ORDER BY id)"),
		     "4711 deno 21 7 client 127.0.0.1:40000 127.0.0.1:8443 1700000000000000001 3094 "
		     "its TLS library is not supported|"
		     "4711 deno 21 8 - - 127.0.0.1:8443 1700000000000000001 3094 "
		     "its TLS library is not supported");
	CHECK_EQ_INT(qi(db, "SELECT count(DISTINCT run_id) FROM blind_connections"), 1);
	store__close(s);
}

static void test_refuse_newer(void)
{
	const char *path = tmp_path("newer.db");
	const char *steps[16];
	struct store *s = NULL;
	sqlite3 *db = open_raw(path);
	size_t i;

	CHECK(schema_step_count < 15);
	for (i = 0; i < schema_step_count; i++)
		steps[i] = schema_steps[i];
	steps[i] = "CREATE TABLE from_the_future (x);";
	CHECK_EQ_INT(store__init_db(db, path, steps, schema_step_count + 1), 0);
	sqlite3_close(db);

	capture_stderr();
	CHECK_EQ_INT(store__open(&s, path), -EINVAL);
	CHECK(strstr(captured_stderr(), "newer than this build") != NULL);
	db = NULL;
	capture_stderr();
	CHECK_EQ_INT(store__open_readonly(&db, path), -EINVAL);
	CHECK(strstr(captured_stderr(), "newer than this build") != NULL);
}

/* The migration mechanism, with steps of the test's own. */
static void test_migrate_steps(void)
{
	static const char *const steps[] = {
	    "CREATE TABLE a (x);",
	    "ALTER TABLE a ADD COLUMN y; INSERT INTO a VALUES (1, 2);",
	    "CREATE TABLE b (x); INSERT INTO nosuchtable VALUES (1);",
	};
	const char *path = tmp_path("migrate.db");
	sqlite3 *db = open_raw(path);

	CHECK_EQ_INT(store__init_db(db, path, steps, 1), 0);
	CHECK_EQ_INT(qi(db, "PRAGMA user_version"), 1);
	CHECK_EQ_INT(qi(db, "PRAGMA application_id"), STORE_APPLICATION_ID);
	CHECK_EQ_STR(q(db, "PRAGMA journal_mode"), "wal");
	sqlite3_close(db);

	db = open_raw(path);
	CHECK_EQ_INT(store__init_db(db, path, steps, 2), 0);
	CHECK_EQ_INT(qi(db, "PRAGMA user_version"), 2);
	CHECK_EQ_STR(q(db, "SELECT x || y FROM a"), "12");
	/* already current: nothing runs twice */
	CHECK_EQ_INT(store__init_db(db, path, steps, 2), 0);
	CHECK_EQ_INT(qi(db, "SELECT count(*) FROM a"), 1);

	/* a failing step leaves the DB as it was */
	capture_stderr();
	CHECK_EQ_INT(store__init_db(db, path, steps, 3), -EIO);
	CHECK(strstr(captured_stderr(), "failed to migrate") != NULL);
	CHECK_EQ_INT(qi(db, "PRAGMA user_version"), 2);
	CHECK_EQ_INT(qi(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 0);
	sqlite3_close(db);
}

/* store__open migrates a trace DB of an older version; the read-only opener
 * refuses it with a hint. Version 0 with our application_id stands for the
 * oldest possible DB. */
static void test_migrate_real(void)
{
	const char *path = tmp_path("old.db");
	struct store *s = NULL;
	sqlite3 *db = open_raw(path);
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", STORE_APPLICATION_ID);
	CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	db = NULL;
	capture_stderr();
	CHECK_EQ_INT(store__open_readonly(&db, path), -EINVAL);
	CHECK(strstr(captured_stderr(), "run mcptrace on it once to migrate") != NULL);

	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	db = store__db(s);
	CHECK_EQ_INT(qi(db, "PRAGMA user_version"), (long long)schema_step_count);
	CHECK_EQ_INT(qi(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
			    "name IN ('runs', 'processes', 'sessions', 'messages', 'calls', "
			    "'losses', 'parse_errors')"),
		     7);
	store__close(s);
}

/* The rounds step (schema/004_rounds.sql) rebuilds calls to widen its
 * status CHECK: a DB of the version before keeps its calls, their ids and
 * indexes, and then takes input_required rounds linked by
 * previous_round_id. */
#define ROUNDS_STEP 4
static void test_migrate_rounds(void)
{
	const char *path = tmp_path("before-rounds.db");
	struct st_session sess = { .transport = "stdio" };
	struct st_call first = { .rpc_id = "14", .direction = "c2s", .method = "tools/call",
				 .target = "confirm", .status = "input_required" };
	struct st_call next = first;
	struct store *s = NULL;
	sqlite3 *db = open_raw(path);

	CHECK(schema_step_count >= ROUNDS_STEP);
	CHECK_EQ_INT(store__init_db(db, path, schema_steps, ROUNDS_STEP - 1), 0);
	CHECK_EQ_INT(sqlite3_exec(db,
				  "INSERT INTO sessions (id, transport) VALUES (1, 'stdio');"
				  "INSERT INTO calls (id, session_id, direction, status, http_status) "
				  "VALUES (7, 1, 'c2s', 'ok', 500);",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	CHECK_EQ_INT(sqlite3_exec(db, "INSERT INTO calls (session_id, direction, status) "
				      "VALUES (1, 'c2s', 'input_required')",
				  NULL, NULL, NULL),
		     SQLITE_CONSTRAINT);
	sqlite3_close(db);

	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	db = store__db(s);
	CHECK_EQ_INT(qi(db, "PRAGMA user_version"), (long long)schema_step_count);
	CHECK_EQ_STR(q(db, "SELECT id || status || http_status || "
			   "coalesce(previous_round_id, '-') FROM calls"),
		     "7ok500-");
	CHECK_EQ_INT(qi(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
			    "tbl_name = 'calls' AND name IN ('calls_session', "
			    "'calls_method_target', 'calls_target', 'calls_previous_round')"),
		     4);
	CHECK_EQ_INT(store__add_session(s, &sess), 0);
	first.session_id = next.session_id = sess.id;
	CHECK_EQ_INT(store__add_call(s, &first), 0);
	next.rpc_id = "15";
	next.status = "ok";
	next.previous_round_id = first.id;
	CHECK_EQ_INT(store__add_call(s, &next), 0);
	CHECK_EQ_INT(store__flush(s), 0);
	CHECK_EQ_STR(q(db, "SELECT group_concat(rpc_id || ':' || status, ' ') FROM calls "
			   "WHERE previous_round_id IS NOT NULL OR status = 'input_required'"),
		     "14:input_required 15:ok");
	CHECK_EQ_INT(qi(db, "SELECT count(*) FROM calls c JOIN calls p "
			    "ON c.previous_round_id = p.id WHERE p.rpc_id = '14'"),
		     1);
	store__close(s);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(stderr_path, sizeof(stderr_path), "%s/stderr", tmpdir);
	RUN_TEST(test_new_file_mode);
	RUN_TEST(test_round_trip);
	RUN_TEST(test_constraints);
	RUN_TEST(test_big_body);
	RUN_TEST(test_batching);
	RUN_TEST(test_append);
	RUN_TEST(test_refuse_not_sqlite);
	RUN_TEST(test_refuse_foreign_sqlite);
	RUN_TEST(test_refuse_missing);
	RUN_TEST(test_blind_rows);
	RUN_TEST(test_refuse_newer);
	RUN_TEST(test_migrate_steps);
	RUN_TEST(test_migrate_real);
	RUN_TEST(test_migrate_rounds);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return CHECK_DONE();
}
