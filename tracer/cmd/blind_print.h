/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * blind_print: the TLS connections a trace could not read
 * (blind_connections), as a table after the sessions, so that a trace with
 * no sessions is not read as a quiet one.
 */
#ifndef MT_BLIND_PRINT_H
#define MT_BLIND_PRINT_H

#include <stdio.h>

struct sqlite3;

/* Prints nothing when there are none. 0 or a negative errno after a line
 * on stderr. */
int blind_print__table(struct sqlite3 *db, FILE *out);

#endif
