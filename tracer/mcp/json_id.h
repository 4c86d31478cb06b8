/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_id: the canonical JSON text of an id or token (see json_id.c).
 */
#ifndef MT_JSON_ID_H
#define MT_JSON_ID_H

#include <cJSON.h>

/* The canonical JSON text of a string, number or null item into *dst (a
 * heap copy); other types leave *dst NULL. Returns 0 or -ENOMEM. */
int json_id__text(char **dst, const cJSON *item);

#endif
