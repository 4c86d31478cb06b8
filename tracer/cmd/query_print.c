// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * query_print: the output of mcptrace calls, sessions and show (see
 * query_print.h), as an aligned table or as JSON, from a DB the command
 * has opened. Each printer reads in one transaction, so counts and rows
 * come from the same snapshot. Strings from the DB were written by traced
 * programs: tables pass them through text__sanitize, JSON through
 * json__string. Options and opening the DB are cmd_query.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/query_print.h"
#include "cmd/show_hops.h"
#include "cmd/show_rounds.h"
#include "cmd/text.h"
#include "db/store.h"
#include "db/summary.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* One snapshot for all the statements of a command: in WAL mode a read
 * transaction sees the last commit before it began, whatever is written
 * meanwhile. */
static int read_begin(sqlite3 *db)
{
	return sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK
		   ? 0
		   : query__read_error(db, "a snapshot");
}

static void read_end(sqlite3 *db)
{
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

/* ---- calls ---- */

static const char *const call_heads[] = {"ID",	   "START",  "SESSION", "DIR",	  "METHOD",
					 "TARGET", "STATUS", "LAT_MS",	"SRV_MS", "ERROR"};

/* The error column: code and message, either of which may be missing. */
static void fmt_error(sqlite3_stmt *st, int i_code, int i_msg, char *buf, size_t size)
{
	int64_t code = query__col_i64(st, i_code);
	const char *msg = col_text(st, i_msg);

	if (code == ST_NULL && !msg)
		snprintf(buf, size, "-");
	else if (code == ST_NULL)
		snprintf(buf, size, "%s", msg);
	else
		snprintf(buf, size, "%lld%s%s", (long long)code, msg ? " " : "", msg ? msg : "");
}

int query_print__calls(sqlite3 *db, FILE *out, const struct call_filter *f, long long limit,
		       bool json)
{
	char sql[1024], count_sql[640], id[24], sess[24], start[40], lat[32], srv[32], error[256];
	struct qtable t;
	struct sql_where w;
	sqlite3_stmt *st = NULL;
	int64_t matched = 0;
	size_t shown = 0;
	int err, rc;

	qtable__init(&t, 10, call_heads, "rlrllllrrl");
	err = query__filter_where(f, &w);
	if (err) {
		fprintf(stderr, "mcptrace: too many filters\n");
		return err;
	}
	snprintf(count_sql, sizeof(count_sql), "SELECT count(*) FROM calls AS c %s", w.sql);
	/* The newest `limit` rows, turned back to oldest first: a terminal
	 * shows the end of a long list. */
	snprintf(sql, sizeof(sql),
		 "SELECT * FROM (SELECT c.id, c.start_ns, c.session_id, c.direction, c.rpc_id, "
		 "c.method, c.target, c.status, c.latency_ns, c.server_latency_ns, c.error_code, "
		 "c.error_message FROM calls AS c %s ORDER BY c.start_ns DESC, c.id DESC LIMIT ?) "
		 "ORDER BY start_ns, id",
		 w.sql);

	err = read_begin(db);
	if (err)
		return err;
	rc = sqlite3_prepare_v2(db, count_sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = query__bind(st, &w, 1);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err = query__read_error(db, "calls");
		goto cleanup;
	}
	matched = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = query__bind(st, &w, 1);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, w.n_binds + 1, limit > 0 ? limit : -1);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st), shown++) {
		if (json) {
			json__row(out, st);
			continue;
		}
		snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
		query__fmt_time(query__col_i64(st, 1), 3, start, sizeof(start));
		snprintf(sess, sizeof(sess), "%lld", (long long)sqlite3_column_int64(st, 2));
		query__fmt_ms(query__col_i64(st, 8), lat, sizeof(lat));
		query__fmt_ms(query__col_i64(st, 9), srv, sizeof(srv));
		fmt_error(st, 10, 11, error, sizeof(error));
		err = qtable__add(&t, (const char *const[]){id, start, sess, col_text(st, 3),
							    col_text(st, 5), col_text(st, 6),
							    col_text(st, 7), lat, srv, error});
		if (err) {
			fprintf(stderr, "mcptrace: out of memory\n");
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		err = query__read_error(db, "calls");
		goto cleanup;
	}
	if (!json) {
		if (t.n_rows)
			qtable__print(&t, out);
		else
			fprintf(out, "no calls%s\n", w.n_binds ? " matched" : " in this trace");
	}
	/* In JSON mode the note goes to stderr: stdout stays JSON Lines. */
	if ((int64_t)shown < matched)
		fprintf(json ? stderr : out,
			"%s%zu newest of %lld matching calls shown; --limit 0 shows all\n",
			json ? "mcptrace: " : "", shown, (long long)matched);

cleanup:
	sqlite3_finalize(st);
	read_end(db);
	qtable__free(&t);
	return err;
}

/* ---- sessions ---- */

static const char *const session_heads[] = {
    "ID",	"TRANSPORT", "TLS",    "CLIENT_PID", "CLIENT",	"SERVER_PID", "SERVER",
    "PROTOCOL", "CALLS",     "ERRORS", "MSGS",	     "STARTED", "DURATION"};

/* "name version", either part possibly missing; NULL when both are. */
static const char *fmt_peer(sqlite3_stmt *st, int i_name, int i_version, char *buf, size_t size)
{
	const char *name = col_text(st, i_name), *version = col_text(st, i_version);

	if (!name && !version)
		return NULL;
	snprintf(buf, size, "%s%s%s", name ? name : "?", version ? " " : "",
		 version ? version : "");
	return buf;
}

static const char *fmt_pid(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	snprintf(buf, size, "%lld", (long long)sqlite3_column_int64(st, i));
	return buf;
}

int query_print__sessions(sqlite3 *db, FILE *out, bool json)
{
	static const char sql[] =
	    "SELECT s.id, s.run_id, s.transport, s.tls, s.client_pid, s.client_name, "
	    "s.client_version, s.server_pid, s.server_name, s.server_version, "
	    "s.protocol_version, s.mcp_session_id, s.started_ns, s.ended_ns, "
	    "(SELECT count(*) FROM calls AS c WHERE c.session_id = s.id) AS calls, "
	    "(SELECT count(*) FROM calls AS c WHERE c.session_id = s.id "
	    "AND c.status IN " SUMMARY_ERROR_STATUSES_SQL ") AS errors, "
	    "(SELECT count(*) FROM messages AS m WHERE m.session_id = s.id) AS messages, "
	    "s.ended_ns - s.started_ns AS duration_ns "
	    "FROM sessions AS s ORDER BY s.id";
	char id[24], cpid[24], spid[24], client[256], server[256], calls[24], errors[24], msgs[24],
	    start[40], dur[40];
	struct qtable t;
	sqlite3_stmt *st = NULL;
	int err, rc;

	qtable__init(&t, 13, session_heads, "rllrlrllrrrll");
	err = read_begin(db);
	if (err)
		return err;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if (json) {
			json__row(out, st);
			continue;
		}
		snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
		snprintf(calls, sizeof(calls), "%lld", (long long)sqlite3_column_int64(st, 14));
		snprintf(errors, sizeof(errors), "%lld", (long long)sqlite3_column_int64(st, 15));
		snprintf(msgs, sizeof(msgs), "%lld", (long long)sqlite3_column_int64(st, 16));
		query__fmt_time(query__col_i64(st, 12), 3, start, sizeof(start));
		if (query__col_i64(st, 12) == ST_NULL)
			snprintf(dur, sizeof(dur), "-");
		else if (query__col_i64(st, 13) == ST_NULL)
			snprintf(dur, sizeof(dur), "open");
		else
			snprintf(dur, sizeof(dur), "%.3fs", (double)query__col_i64(st, 17) / 1e9);
		err = qtable__add(
		    &t, (const char *const[]){id, col_text(st, 2),
					      sqlite3_column_int(st, 3) ? "yes" : "no",
					      fmt_pid(st, 4, cpid, sizeof(cpid)),
					      fmt_peer(st, 5, 6, client, sizeof(client)),
					      fmt_pid(st, 7, spid, sizeof(spid)),
					      fmt_peer(st, 8, 9, server, sizeof(server)),
					      col_text(st, 10), calls, errors, msgs, start, dur});
		if (err) {
			fprintf(stderr, "mcptrace: out of memory\n");
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		err = query__read_error(db, "sessions");
		goto cleanup;
	}
	if (!json) {
		if (t.n_rows)
			qtable__print(&t, out);
		else
			fprintf(out, "no sessions in this trace\n");
	}

cleanup:
	sqlite3_finalize(st);
	read_end(db);
	qtable__free(&t);
	return err;
}

/* ---- show ---- */

/* Columns of a message as show reads them; body last. */
#define MSG_COLS                                                                                   \
	"id, ts_ns, sent_ns, recv_ns, sender_pid, direction, kind, rpc_id, method, "               \
	"size_bytes, truncated, body"
enum { M_ID, M_TS, M_SENT, M_RECV, M_PID, M_DIR, M_KIND, M_RPC, M_METHOD, M_SIZE, M_TRUNC, M_BODY };

/* A message as one JSON object: its columns, the body as JSON where it
 * parses (copied as it is, minified, so numbers keep their digits). */
static int show_json_message(FILE *out, sqlite3_stmt *st)
{
	const char *body = (const char *)sqlite3_column_text(st, M_BODY);
	size_t len = (size_t)sqlite3_column_bytes(st, M_BODY);
	int i;

	fputc('{', out);
	for (i = 0; i < M_BODY; i++) {
		const char *name = sqlite3_column_name(st, i);

		fprintf(out, "%s\"%s\":", i ? "," : "", name);
		json__value(out, st, i);
	}
	fputs(",\"body\":", out);
	if (!body) {
		fputs("null,\"body_is_json\":false", out);
	} else if (json__is_valid(body, len)) {
		char *copy = strndup(body, len);

		if (!copy)
			return -ENOMEM;
		cJSON_Minify(copy);
		fprintf(out, "%s,\"body_is_json\":true", copy);
		free(copy);
	} else {
		json__string(out, body, len);
		fputs(",\"body_is_json\":false", out);
	}
	fputc('}', out);
	return 0;
}

static void show_text_message(FILE *out, sqlite3_stmt *st, const char *label)
{
	const char *body = (const char *)sqlite3_column_text(st, M_BODY);
	const char *method = col_text(st, M_METHOD), *kind = col_text(st, M_KIND);
	size_t len = (size_t)sqlite3_column_bytes(st, M_BODY);
	char when[48], *safe;

	query__fmt_time(query__col_i64(st, M_TS), 9, when, sizeof(when));
	safe = text__sanitize(method ? method : "", method ? strlen(method) : 0, false);
	fprintf(out, "\n%s: message %lld, %s %s%s%s, %s, %lld bytes\n", label,
		(long long)sqlite3_column_int64(st, M_ID), col_text(st, M_DIR), kind ? kind : "?",
		safe && *safe ? " " : "", safe ? safe : "", when,
		(long long)sqlite3_column_int64(st, M_SIZE));
	free(safe);
	if (!body) {
		fputs("(no body stored)\n", out);
		return;
	}
	if (json__is_valid(body, len)) {
		json__pretty(out, body, len);
		return;
	}
	if (sqlite3_column_int(st, M_TRUNC))
		fprintf(out,
			"(truncated: the first %zu of %lld bytes; not valid JSON, shown as "
			"captured)\n",
			len, (long long)sqlite3_column_int64(st, M_SIZE));
	else
		fputs("(not valid JSON; shown as captured)\n", out);
	safe = text__sanitize(body, len, true);
	if (safe) {
		fputs(safe, out);
		if (!*safe || safe[strlen(safe) - 1] != '\n')
			fputc('\n', out);
	}
	free(safe);
}

/* Prints the message msg_id (0: none) under label, or its absence. */
static int show_message(sqlite3 *db, FILE *out, int64_t msg_id, const char *label, bool json)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;

	if (!msg_id) {
		if (json)
			fprintf(out, ",\"%s\":null", label);
		else
			fprintf(out, "\n%s: none captured\n", label);
		return 0;
	}
	rc =
	    sqlite3_prepare_v2(db, "SELECT " MSG_COLS " FROM messages WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, msg_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (json) {
			fprintf(out, ",\"%s\":", label);
			err = show_json_message(out, st);
		} else {
			show_text_message(out, st, label);
		}
	} else if (rc == SQLITE_DONE) {
		/* the call points at a message that is not there */
		if (json)
			fprintf(out, ",\"%s\":null", label);
		else
			fprintf(out, "\n%s: message %lld is missing from the DB\n", label,
				(long long)msg_id);
	} else {
		err = query__read_error(db, "a message");
	}
	sqlite3_finalize(st);
	return err;
}

static int show_notifications(sqlite3 *db, FILE *out, int64_t call_id, bool json)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc, n = 0;

	rc = sqlite3_prepare_v2(db,
				"SELECT " MSG_COLS " FROM messages WHERE call_id = ? "
				"AND kind = 'notification' ORDER BY ts_ns, id",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, call_id);
	if (json)
		fputs(",\"notifications\":[", out);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW && !err; rc = sqlite3_step(st), n++) {
		if (json) {
			if (n)
				fputc(',', out);
			err = show_json_message(out, st);
		} else {
			show_text_message(out, st, "notification");
		}
	}
	if (json)
		fputc(']', out);
	if (!err && rc != SQLITE_DONE)
		err = query__read_error(db, "messages");
	sqlite3_finalize(st);
	return err;
}

enum {
	C_ID,
	C_SESSION,
	C_RPC,
	C_DIR,
	C_METHOD,
	C_TARGET,
	C_REQ,
	C_RESP,
	C_START,
	C_END,
	C_LAT,
	C_SRV,
	C_STATUS,
	C_CODE,
	C_MSG,
	C_TRANSPORT,
	C_CPID,
	C_SPID
};

static void show_text_call(FILE *out, sqlite3_stmt *st)
{
	char buf[64], err[256], *safe;
	const char *method = col_text(st, C_METHOD), *target = col_text(st, C_TARGET);
	char *m = text__sanitize(method ? method : "?", method ? strlen(method) : 1, false);
	char *t = target ? text__sanitize(target, strlen(target), false) : NULL;

	fprintf(out, "call %lld: %s%s%s\n", (long long)sqlite3_column_int64(st, C_ID), m ? m : "?",
		t ? " " : "", t ? t : "");
	free(m);
	free(t);
	fprintf(out, "  session    %lld", (long long)sqlite3_column_int64(st, C_SESSION));
	if (col_text(st, C_TRANSPORT))
		fprintf(out, " (%s, client pid %s", col_text(st, C_TRANSPORT),
			col_text(st, C_CPID) ? col_text(st, C_CPID) : "?");
	if (col_text(st, C_TRANSPORT))
		fprintf(out, ", server pid %s)", col_text(st, C_SPID) ? col_text(st, C_SPID) : "?");
	fputc('\n', out);
	fprintf(out, "  direction  %s\n", col_text(st, C_DIR));
	safe = col_text(st, C_RPC)
		   ? text__sanitize(col_text(st, C_RPC), strlen(col_text(st, C_RPC)), false)
		   : NULL;
	fprintf(out, "  rpc id     %s\n", safe ? safe : "-");
	free(safe);
	fprintf(out, "  status     %s\n", col_text(st, C_STATUS));
	query__fmt_time(query__col_i64(st, C_START), 9, buf, sizeof(buf));
	fprintf(out, "  start      %s\n", buf);
	query__fmt_time(query__col_i64(st, C_END), 9, buf, sizeof(buf));
	fprintf(out, "  end        %s\n", buf);
	query__fmt_ms(query__col_i64(st, C_LAT), buf, sizeof(buf));
	fprintf(out, "  latency    %s%s\n", buf, query__col_i64(st, C_LAT) != ST_NULL ? " ms" : "");
	query__fmt_ms(query__col_i64(st, C_SRV), buf, sizeof(buf));
	fprintf(out, "  server     %s%s\n", buf,
		query__col_i64(st, C_SRV) != ST_NULL ? " ms (the server's own time)"
						     : " (not traced)");
	fmt_error(st, C_CODE, C_MSG, err, sizeof(err));
	safe = text__sanitize(err, strlen(err), false);
	fprintf(out, "  error      %s\n", safe ? safe : "?");
	free(safe);
}

int query_print__show(sqlite3 *db, FILE *out, int64_t call_id, bool json)
{
	static const char sql[] =
	    "SELECT c.id, c.session_id, c.rpc_id, c.direction, c.method, c.target, "
	    "c.request_msg_id, c.response_msg_id, c.start_ns, c.end_ns, c.latency_ns, "
	    "c.server_latency_ns, c.status, c.error_code, c.error_message, "
	    "s.transport, s.client_pid, s.server_pid "
	    "FROM calls AS c LEFT JOIN sessions AS s ON s.id = c.session_id WHERE c.id = ?";
	sqlite3_stmt *st = NULL;
	int64_t req, resp;
	int err, rc, i;

	err = read_begin(db);
	if (err)
		return err;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, call_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		fprintf(stderr, "mcptrace: no call %lld in %s\n", (long long)call_id,
			sqlite3_db_filename(db, "main"));
		err = -ENOENT;
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		err = query__read_error(db, "the call");
		goto cleanup;
	}
	req = sqlite3_column_int64(st, C_REQ);
	resp = sqlite3_column_int64(st, C_RESP);
	if (json) {
		/* the call's own columns; the session's are for the text */
		fputs("{\"call\":{", out);
		for (i = 0; i < C_TRANSPORT; i++) {
			const char *name = sqlite3_column_name(st, i);

			fprintf(out, "%s\"%s\":", i ? "," : "", name);
			json__value(out, st, i);
		}
		fputc('}', out);
	} else {
		show_text_call(out, st);
	}
	sqlite3_finalize(st);
	st = NULL;
	err = show_message(db, out, req, "request", json);
	if (!err)
		err = show_message(db, out, resp, "response", json);
	if (!err)
		err = show_notifications(db, out, call_id, json);
	if (!err)
		err = show_rounds__print(db, out, call_id, json);
	if (!err)
		err = show_hops__print(db, out, call_id, json);
	if (json)
		fputs("}\n", out);

cleanup:
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	sqlite3_finalize(st);
	read_end(db);
	return err;
}
