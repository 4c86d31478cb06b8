/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * store_schema: what the two halves of the store (store.c writes,
 * store_schema.c checks, migrates and opens read-only) share. Not for
 * callers outside db/store*.c: their API is store.h.
 */
#ifndef MT_STORE_SCHEMA_H
#define MT_STORE_SCHEMA_H

struct sqlite3;

/* Maps an SQLite result code to the negative errno our callers speak. */
int store_schema__errno(int rc);
/* "mcptrace: failed to WHAT PATH: why" on stderr; returns db's error as a
 * negative errno. */
int store_schema__fail(struct sqlite3 *db, const char *what, const char *path);
/* Settings for a DB whose content is not to be trusted: no writes to the
 * schema table, and its views or triggers cannot call functions with side
 * effects; extended result codes and the busy timeout. */
void store_schema__harden(struct sqlite3 *db);

#endif
