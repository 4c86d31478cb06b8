/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_id: the canonical JSON text of an id or token (see json_id.c), and
 * the two lookups every decoder of the MCP stage makes.
 */
#ifndef MT_JSON_ID_H
#define MT_JSON_ID_H

#include <cJSON.h>

/* The canonical JSON text of a string, number or null item into *dst (a
 * heap copy); other types leave *dst NULL. Returns 0 or -ENOMEM. */
int json_id__text(char **dst, const cJSON *item);

/* obj's member name, or NULL when obj is not an object or lacks it. */
const cJSON *json__member(const cJSON *obj, const char *name);
/* Copies a string item into *dst; leaves *dst as it was if item is missing
 * or not a string. Returns 0 or -ENOMEM. */
int json__copy_str(char **dst, const cJSON *item);

#endif
