// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * store_schema: whether a file is a trace DB this build understands, and
 * bringing an older one up to date (store__init_db), for the writer; and
 * opening one read-only for the query commands (store__open_readonly),
 * which never migrates. Both are declared in store.h, the API of the trace
 * DB; store_schema.h holds what store.c shares with this file: the errno
 * mapping, the failure message and the connection settings.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/store.h"
#include "db/store_schema.h"

/* How long a writer or reader waits for another connection's lock (another
 * mcptrace appending to the same DB, or a checkpoint) before giving up. */
#define STORE_BUSY_MS 5000

int store_schema__errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
	case SQLITE_NOTADB:
		return -EINVAL;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int store_schema__fail(sqlite3 *db, const char *what, const char *path)
{
	fprintf(stderr, "mcptrace: failed to %s %s: %s\n", what, path, sqlite3_errmsg(db));
	return store_schema__errno(sqlite3_errcode(db));
}

/* Runs a query that yields one integer. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Decides whether db is a trace DB this build can use. A new DB (version 0,
 * no tables, no application_id: what SQLite makes of an empty file) is fine
 * for writing. Sets *version to the DB's user_version.
 */
static int check_db(sqlite3 *db, const char *path, size_t n_steps, bool readonly, int64_t *version)
{
	int64_t app_id = 0, n_tables = 0;
	int rc;

	rc = query_int(db, "PRAGMA application_id", &app_id);
	if (rc == SQLITE_OK)
		rc = query_int(db, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = query_int(db, "SELECT count(*) FROM sqlite_schema", &n_tables);
	if ((rc & 0xff) == SQLITE_NOTADB) {
		fprintf(stderr, "mcptrace: %s is not a trace DB: %s\n", path, sqlite3_errmsg(db));
		return -EINVAL;
	}
	if (rc != SQLITE_OK)
		return store_schema__fail(db, "read", path);

	if (app_id != STORE_APPLICATION_ID) {
		if (app_id == 0 && *version == 0 && n_tables == 0) {
			if (!readonly)
				return 0;
			fprintf(stderr, "mcptrace: %s is empty, not a trace DB\n", path);
			return -EINVAL;
		}
		fprintf(stderr,
			"mcptrace: %s is an sqlite database but not a trace DB "
			"(application_id %#llx)\n",
			path, (unsigned long long)(uint32_t)app_id);
		return -EINVAL;
	}
	if (*version < 0 || (uint64_t)*version > n_steps) {
		fprintf(stderr,
			"mcptrace: %s has schema version %lld, newer than this build's %zu: "
			"use a newer mcptrace\n",
			path, (long long)*version, n_steps);
		return -EINVAL;
	}
	if (readonly && (uint64_t)*version < n_steps) {
		fprintf(stderr,
			"mcptrace: %s has schema version %lld, older than this build's %zu: "
			"run mcptrace on it once to migrate\n",
			path, (long long)*version, n_steps);
		return -EINVAL;
	}
	return 0;
}

/* Settings for a DB whose content is not to be trusted: no writes to the
 * schema table, and its views or triggers cannot call functions with side
 * effects. */
void store_schema__harden(sqlite3 *db)
{
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
}

/*
 * Runs steps[from..n_steps) and stamps the DB as ours at n_steps, all in one
 * transaction: a failing step leaves the DB as it was. The version is read
 * again under the write lock because another mcptrace may have migrated the
 * same file since we looked.
 */
static int migrate(sqlite3 *db, const char *path, const char *const *steps, size_t n_steps)
{
	char sql[96];
	int64_t version = 0;
	int err;
	size_t i;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_schema__fail(db, "lock", path);
	err = check_db(db, path, n_steps, false, &version);
	if (err)
		goto cleanup;
	for (i = (size_t)version; i < n_steps; i++) {
		if (sqlite3_exec(db, steps[i], NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr,
				"mcptrace: failed to migrate %s to schema version %zu: %s\n", path,
				i + 1, sqlite3_errmsg(db));
			err = store_schema__errno(sqlite3_errcode(db));
			goto cleanup;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %zu",
		 STORE_APPLICATION_ID, n_steps);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		err = store_schema__fail(db, "migrate", path);
		goto cleanup;
	}
	return 0;

cleanup:
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

int store__init_db(sqlite3 *db, const char *path, const char *const *steps, size_t n_steps)
{
	sqlite3_stmt *st = NULL;
	int64_t version = 0;
	const char *mode;
	int err, rc;

	err = check_db(db, path, n_steps, false, &version);
	if (err)
		return err;

	/* WAL is a property of the file, so readers opened later get it too;
	 * it cannot change inside a transaction, hence before migrating. */
	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err = store_schema__fail(db, "set wal mode on", path);
		sqlite3_finalize(st);
		return err;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal") != 0) {
		fprintf(stderr, "mcptrace: failed to set wal mode on %s: journal mode is %s\n",
			path, mode ? mode : "unknown");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);

	if ((uint64_t)version == n_steps)
		return 0;
	return migrate(db, path, steps, n_steps);
}

/* What both openers check before SQLite sees the path: that it names a
 * regular file, not a missing one (SQLite would create it, or say only
 * "unable to open database file"). */
static int check_file(const char *path)
{
	struct stat st;
	int err;

	if (stat(path, &st) != 0) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to open %s: %s\n", path, strerror(errno));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "mcptrace: %s is not a regular file\n", path);
		return -EINVAL;
	}
	return 0;
}

int store__open_update(sqlite3 **out, const char *path)
{
	int64_t app_id = 0, version = 0;
	sqlite3 *db = NULL;
	int err, rc;

	*out = NULL;
	err = check_file(path);
	if (err)
		return err;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		/* A file we may only read says so here or at the first write;
		 * the caller tells -EACCES apart, quietly. */
		err = rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN || rc == SQLITE_PERM
			  ? -EACCES
			  : (db ? store_schema__fail(db, "open", path) : -ENOMEM);
		goto cleanup;
	}
	store_schema__harden(db);
	if (access(path, W_OK) != 0) {
		err = -EACCES;
		goto cleanup;
	}
	/* An empty file is not made a trace DB here: only the tracer creates
	 * one. What is not ours is refused with the reader's words. */
	if (query_int(db, "PRAGMA application_id", &app_id) != SQLITE_OK ||
	    app_id != STORE_APPLICATION_ID) {
		err = check_db(db, path, schema_step_count, true, &version);
		err = err ? err : -EINVAL;
		goto cleanup;
	}
	err = store__init_db(db, path, schema_steps, schema_step_count);
	if (err)
		goto cleanup;
	*out = db;
	return 0;

cleanup:
	sqlite3_close(db);
	return err;
}

int store__open_readonly(sqlite3 **out, const char *path)
{
	sqlite3 *db = NULL;
	int64_t version = 0;
	int err, rc;

	*out = NULL;
	err = check_file(path);
	if (err)
		return err;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		err = db ? store_schema__fail(db, "open", path) : -ENOMEM;
		goto cleanup;
	}
	store_schema__harden(db);
	err = check_db(db, path, schema_step_count, true, &version);
	if (err)
		goto cleanup;
	*out = db;
	return 0;

cleanup:
	sqlite3_close(db);
	return err;
}
