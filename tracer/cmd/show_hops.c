// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * show_hops: the hops of one call through gateways, found from any of them
 * by following calls.parent_call_id up to the call the client made, then
 * down (the call naming the current one as parent, the lowest id if a
 * hand-edited DB has several). Each hop is drawn as a bar on one time axis
 * (a waterfall: client -> gateway -> server), and each gateway's own time
 * is its view of the inbound call less the backend call's latency.
 *
 * Edges: the DB is input: a chain is followed for at most HOPS_MAX steps
 * either way and stops where it loops. A hop with no end (unanswered) is
 * drawn to the right edge with dots.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/show_hops.h"
#include "db/query.h"
#include "db/store.h"

#define HOPS_MAX 16
#define BAR_WIDTH 40

struct hop_row {
	int64_t id, start, end, lat, srv, client_pid, server_pid;
	char transport[8];
};

static bool seen(const struct hop_row *rows, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id)
			return true;
	return false;
}

/* rows[0..*n) ids: the chain through call_id, the client's call first. */
static int chain(sqlite3 *db, int64_t call_id, struct hop_row *rows, size_t *n)
{
	int64_t top = call_id, up, down;
	int found;

	for (size_t k = 0; k < HOPS_MAX; k++) {
		found = query__one_id(db, "SELECT parent_call_id FROM calls WHERE id = ?", top, &up,
				      "the hops of the call");
		if (found < 0)
			return found;
		if (!found || up == call_id)
			break;
		top = up;
	}
	rows[0].id = top;
	*n = 1;
	while (*n < HOPS_MAX) {
		found = query__one_id(db, "SELECT min(id) FROM calls WHERE parent_call_id = ?",
				      rows[*n - 1].id, &down, "the hops of the call");
		if (found < 0)
			return found;
		if (!found || seen(rows, *n, down))
			break;
		rows[(*n)++].id = down;
	}
	return 0;
}

static int read_row(sqlite3 *db, struct hop_row *r)
{
	static const char sql[] =
	    "SELECT c.start_ns, c.end_ns, c.latency_ns, c.server_latency_ns, s.client_pid, "
	    "s.server_pid, s.transport FROM calls c LEFT JOIN sessions s ON s.id = c.session_id "
	    "WHERE c.id = ?";
	sqlite3_stmt *st = NULL;
	const char *transport;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, r->id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return query__read_error(db, "a hop of the call");
	}
	r->start = query__col_i64(st, 0);
	r->end = query__col_i64(st, 1);
	r->lat = query__col_i64(st, 2);
	r->srv = query__col_i64(st, 3);
	r->client_pid = query__col_i64(st, 4);
	r->server_pid = query__col_i64(st, 5);
	transport = (const char *)sqlite3_column_text(st, 6);
	/* The schema allows three words; a hand-edited DB may hold anything:
	 * letters only reach the terminal or the JSON. */
	snprintf(r->transport, sizeof(r->transport), "%s", transport ? transport : "?");
	for (char *p = r->transport; *p; p++)
		if (!isalpha((unsigned char)*p))
			*p = '?';
	sqlite3_finalize(st);
	return 0;
}

/* The gateway's own time at hop i (it serves rows[i] with rows[i + 1]). */
static int64_t gateway_ns(const struct hop_row *rows, size_t i)
{
	int64_t in = rows[i].srv != ST_NULL ? rows[i].srv : rows[i].lat;

	if (in == ST_NULL || rows[i + 1].lat == ST_NULL)
		return ST_NULL;
	return in - rows[i + 1].lat;
}

static void put_i64(FILE *out, const char *name, int64_t v)
{
	if (v == ST_NULL)
		fprintf(out, "\"%s\":null", name);
	else
		fprintf(out, "\"%s\":%lld", name, (long long)v);
}

static void print_json(FILE *out, const struct hop_row *rows, size_t n)
{
	fputs(",\"hops\":[", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{\"call_id\":%lld,\"transport\":\"%s\",", i ? "," : "",
			(long long)rows[i].id, rows[i].transport);
		put_i64(out, "client_pid", rows[i].client_pid);
		fputc(',', out);
		put_i64(out, "server_pid", rows[i].server_pid);
		fputc(',', out);
		put_i64(out, "start_ns", rows[i].start);
		fputc(',', out);
		put_i64(out, "latency_ns", rows[i].lat);
		fputc(',', out);
		put_i64(out, "gateway_ns", i + 1 < n ? gateway_ns(rows, i) : ST_NULL);
		fputc('}', out);
	}
	fputc(']', out);
}

/* Column of t on a BAR_WIDTH axis from t0 to t1. */
static int axis(int64_t t, int64_t t0, int64_t t1)
{
	if (t == ST_NULL || t1 <= t0)
		return t == ST_NULL ? BAR_WIDTH : 0;
	if (t <= t0)
		return 0;
	if (t >= t1)
		return BAR_WIDTH;
	return (int)((double)(t - t0) * BAR_WIDTH / (double)(t1 - t0) + 0.5);
}

static void fmt_pid(int64_t pid, char *buf, size_t size)
{
	if (pid == ST_NULL)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%lld", (long long)pid);
}

static void print_text(FILE *out, const struct hop_row *rows, size_t n)
{
	int64_t t0 = rows[0].start, t1 = rows[0].end;
	char ms[32], a[24], b[24], bar[BAR_WIDTH + 1];

	for (size_t i = 0; i < n; i++) {
		if (rows[i].start != ST_NULL && (t0 == ST_NULL || rows[i].start < t0))
			t0 = rows[i].start;
		if (rows[i].end != ST_NULL && (t1 == ST_NULL || rows[i].end > t1))
			t1 = rows[i].end;
	}
	fprintf(out, "hops (client -> gateway%s -> server)\n", n > 2 ? "s" : "");
	for (size_t i = 0; i < n; i++) {
		int from = axis(rows[i].start, t0, t1), to = axis(rows[i].end, t0, t1);

		/* columns [from, to), one at least */
		if (to <= from) {
			if (from == BAR_WIDTH)
				from--;
			to = from + 1;
		}
		for (int k = 0; k < BAR_WIDTH; k++)
			bar[k] = k < from || k >= to ? ' ' : rows[i].end == ST_NULL ? '.' : '=';
		bar[BAR_WIDTH] = '\0';
		fmt_pid(rows[i].client_pid, a, sizeof(a));
		fmt_pid(rows[i].server_pid, b, sizeof(b));
		query__fmt_ms(rows[i].lat, ms, sizeof(ms));
		fprintf(out, "  call %-6lld %-5s %7s -> %-7s [%s] %s ms\n", (long long)rows[i].id,
			rows[i].transport, a, b, bar, ms);
	}
	for (size_t i = 0; i + 1 < n; i++) {
		fmt_pid(rows[i].server_pid, a, sizeof(a));
		query__fmt_ms(gateway_ns(rows, i), ms, sizeof(ms));
		fprintf(out, "  gateway pid %s: %s ms of its own (call %lld less call %lld)\n", a,
			ms, (long long)rows[i].id, (long long)rows[i + 1].id);
	}
}

int show_hops__print(sqlite3 *db, FILE *out, int64_t call_id, bool json)
{
	struct hop_row rows[HOPS_MAX];
	size_t n = 0;
	int err;

	memset(rows, 0, sizeof(rows));
	err = chain(db, call_id, rows, &n);
	if (err || n < 2)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		err = read_row(db, &rows[i]);
	if (err)
		return err;
	if (json)
		print_json(out, rows, n);
	else
		print_text(out, rows, n);
	return 0;
}
