/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * store_sink: the trace DB as a consumer of the MCP stage (mcp/sink.h),
 * and the source of the ids it hands out.
 */
#ifndef MT_STORE_SINK_H
#define MT_STORE_SINK_H

#include "db/store.h"
#include "mcp/sink.h"

/* Fills *sink and *ids for store s, which must outlive them. */
void store_sink__init(struct store *s, struct sink *sink, struct sink_ids *ids);

#endif
