// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * show_rounds: the rounds of one logical call, found from any of them by
 * following calls.previous_round_id back to the first round, then forward
 * (the round naming the current one, the lowest id if a hand-edited DB has
 * several). What an input_required round asked for is read from its
 * response's body: result.inputRequests, key -> {method, params}.
 *
 * Edges: the DB is input (it may be edited by hand): a chain is followed
 * for at most ROUNDS_MAX steps either way and stops where it loops, and a
 * body that is not JSON shows no input requests. Names from the body are sanitised
 * for the terminal.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/show_rounds.h"
#include "cmd/text.h"
#include "db/query.h"
#include "db/store.h"

#define ROUNDS_MAX 1000

static bool seen(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* ids[0..*n): the rounds of call_id's logical call, first to last. A loop
 * (a hand-edited DB) is cut where it comes back: ids holds the way back
 * first, to know where that is, then the way forward. */
static int chain(sqlite3 *db, int64_t call_id, int64_t *ids, size_t *n)
{
	int64_t cur = call_id, next;
	int found;

	*n = 0;
	do {
		ids[(*n)++] = cur;
		found = query__one_id(db, "SELECT previous_round_id FROM calls WHERE id = ?", cur,
				      &next, "the rounds of the call");
		cur = next;
	} while (found > 0 && *n < ROUNDS_MAX && !seen(ids, *n, next));
	if (found < 0)
		return found;
	cur = ids[*n - 1];
	*n = 0;
	do {
		ids[(*n)++] = cur;
		found =
		    query__one_id(db, "SELECT min(id) FROM calls WHERE previous_round_id = ?", cur,
				  &next, "the rounds of the call");
		cur = next;
	} while (found > 0 && *n < ROUNDS_MAX && !seen(ids, *n, next));
	return found < 0 ? found : 0;
}

/* What result.inputRequests in body asks for, as "key (method), ..." for
 * text or a JSON object key -> method; "" / "{}" when nothing. */
static char *asked(const char *body, bool json)
{
	cJSON *root = body ? cJSON_Parse(body) : NULL;
	const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "result"), "inputRequests");
	cJSON *map = cJSON_CreateObject();
	const cJSON *it;
	char *out = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f = open_memstream(&out, &len);

	if (!f || !map)
		goto cleanup;
	if (!cJSON_IsObject(reqs))
		reqs = NULL;
	cJSON_ArrayForEach(it, reqs)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "method");
		const char *method = cJSON_IsString(m) ? m->valuestring : "?";
		char *key, *meth;

		if (json) {
			cJSON_AddStringToObject(map, it->string, method);
			continue;
		}
		key = text__sanitize(it->string, strlen(it->string), false);
		meth = text__sanitize(method, strlen(method), false);
		fprintf(f, "%s%s (%s)", first ? "" : ", ", key ? key : "?", meth ? meth : "?");
		first = false;
		free(key);
		free(meth);
	}
	if (json) {
		char *text = cJSON_PrintUnformatted(map);

		fputs(text ? text : "{}", f);
		cJSON_free(text);
	}
cleanup:
	if (f)
		fclose(f);
	cJSON_Delete(map);
	cJSON_Delete(root);
	return out;
}

static int print_round(sqlite3 *db, FILE *out, int64_t id, size_t i, bool json, int64_t call_id,
		       int64_t *first_start, int64_t *last_end)
{
	static const char sql[] =
	    "SELECT c.rpc_id, c.status, c.start_ns, c.end_ns, c.latency_ns, m.body "
	    "FROM calls AS c LEFT JOIN messages AS m ON m.id = c.response_msg_id WHERE c.id = ?";
	sqlite3_stmt *st = NULL;
	char ms[32], *what = NULL, *rpc = NULL;
	const char *rpc_id, *status;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return query__read_error(db, "a round of the call");
	}
	rpc_id = (const char *)sqlite3_column_text(st, 0);
	status = (const char *)sqlite3_column_text(st, 1);
	if (!i)
		*first_start = query__col_i64(st, 2);
	*last_end = query__col_i64(st, 3);
	what = asked((const char *)sqlite3_column_text(st, 5), json);
	if (!what) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (json) {
		fprintf(out, "%s{\"id\":%lld,\"rpc_id\":", i ? "," : "", (long long)id);
		json__value(out, st, 0);
		fputs(",\"status\":", out);
		json__value(out, st, 1);
		fputs(",\"latency_ns\":", out);
		json__value(out, st, 4);
		fprintf(out, ",\"input_requests\":%s}", what);
		goto cleanup;
	}
	rpc = rpc_id ? text__sanitize(rpc_id, strlen(rpc_id), false) : NULL;
	query__fmt_ms(query__col_i64(st, 4), ms, sizeof(ms));
	fprintf(out, "  round %-3zu call %lld%s  rpc id %s  %s  %s ms%s%s\n", i + 1, (long long)id,
		id == call_id ? " (this one)" : "", rpc ? rpc : "-", status ? status : "?", ms,
		*what ? "  asked for: " : "", what);
cleanup:
	free(rpc);
	free(what);
	sqlite3_finalize(st);
	return err;
}

int show_rounds__print(sqlite3 *db, FILE *out, int64_t call_id, bool json)
{
	int64_t *ids = calloc(ROUNDS_MAX, sizeof(*ids)), first = ST_NULL, last = ST_NULL;
	size_t n = 0, i;
	char ms[32];
	int err;

	if (!ids)
		return -ENOMEM;
	err = chain(db, call_id, ids, &n);
	if (err || n < 2)
		goto cleanup;
	fputs(json ? ",\"rounds\":[" : "rounds\n", out);
	for (i = 0; i < n && !err; i++)
		err = print_round(db, out, ids[i], i, json, call_id, &first, &last);
	if (err)
		goto cleanup;
	if (json) {
		fputs("],\"end_to_end_ns\":", out);
		if (first != ST_NULL && last != ST_NULL)
			fprintf(out, "%lld", (long long)(last - first));
		else
			fputs("null", out);
	} else {
		query__fmt_ms(first != ST_NULL && last != ST_NULL ? last - first : ST_NULL, ms,
			      sizeof(ms));
		fprintf(
		    out,
		    "  %zu rounds of one call, %s ms from its first request to its last answer\n",
		    n, ms);
	}
cleanup:
	free(ids);
	return err;
}
