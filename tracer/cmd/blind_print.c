/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * blind_print: see blind_print.h. The process name is the traced process's
 * to choose: the table's cells go through text__sanitize like every other
 * table's.
 */
#include <sqlite3.h>

#include "cmd/blind_print.h"
#include "cmd/text.h"
#include "db/query.h"
#include "db/store.h"

static const char *const blind_heads[] = { "PID", "COMM", "ROLE", "LOCAL", "REMOTE", "BYTES",
					   "WHY" };

static const char *text_or_dash(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "-";
}

int blind_print__table(sqlite3 *db, FILE *out)
{
	static const char sql[] = "SELECT pid, comm, role, local_addr, remote_addr, bytes_seen, why "
				  "FROM blind_connections ORDER BY first_seen_ns, id";
	char pid[24], bytes[24];
	sqlite3_stmt *st = NULL;
	struct qtable t;
	int err = 0, rc;

	qtable__init(&t, 7, blind_heads, "rllllrl");
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		snprintf(pid, sizeof(pid), "%lld", (long long)sqlite3_column_int64(st, 0));
		snprintf(bytes, sizeof(bytes), "%lld", (long long)sqlite3_column_int64(st, 5));
		err = qtable__add(&t, (const char *const[]){ pid, text_or_dash(st, 1),
							     text_or_dash(st, 2), text_or_dash(st, 3),
							     text_or_dash(st, 4), bytes,
							     text_or_dash(st, 6) });
		if (err) {
			fprintf(stderr, "mcptrace: out of memory\n");
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE) {
		err = query__read_error(db, "blind connections");
		goto cleanup;
	}
	if (t.n_rows) {
		fprintf(out, "\nTLS connections mcptrace could not read (%zu; their plaintext was not "
			     "seen):\n",
			t.n_rows);
		qtable__print(&t, out);
	}

cleanup:
	sqlite3_finalize(st);
	qtable__free(&t);
	return err;
}
