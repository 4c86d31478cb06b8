/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * store_sink: each record the MCP stage gives becomes an insert the first
 * time and an update of the same row after; the store's own errors (a
 * full disk, an I/O error) come back as negative errnos, which the sink
 * list keeps.
 */
#include "db/store_sink.h"

static int on_session(void *ctx, const struct st_session *row, bool is_new)
{
	struct st_session copy;

	if (!is_new)
		return store__update_session(ctx, row);
	copy = *row;
	return store__add_session(ctx, &copy);
}

static int on_message(void *ctx, const struct st_message *m)
{
	struct st_message copy = *m;

	return store__add_message(ctx, &copy);
}

static int on_message_times(void *ctx, int64_t msg_id, int64_t ts_ns, int64_t sent_ns,
			    int64_t recv_ns, int64_t call_id)
{
	return store__set_message_times(ctx, msg_id, ts_ns, sent_ns, recv_ns, call_id);
}

static int on_call(void *ctx, const struct sink_call *c)
{
	struct st_call copy;

	if (!c->is_new)
		return store__update_call(ctx, c->row);
	copy = *c->row;
	return store__add_call(ctx, &copy);
}

static int on_call_parent(void *ctx, int64_t call_id, int64_t parent_call_id)
{
	return store__set_call_parent(ctx, call_id, parent_call_id);
}

static int on_loss(void *ctx, const struct st_loss *l)
{
	return store__add_loss(ctx, l);
}

static int on_parse_error(void *ctx, const struct st_parse_error *e)
{
	return store__add_parse_error(ctx, e);
}

static int on_blind(void *ctx, const struct st_blind *b, bool is_new)
{
	return is_new ? store__add_blind(ctx, b) : store__update_blind(ctx, b);
}

static int64_t reserve(void *ctx, enum st_id_table table)
{
	return store__reserve_id(ctx, table);
}

void store_sink__init(struct store *s, struct sink *sink, struct sink_ids *ids)
{
	*sink = (struct sink){
		.name = "trace DB",
		.ctx = s,
		.session = on_session,
		.message = on_message,
		.message_times = on_message_times,
		.call = on_call,
		.call_parent = on_call_parent,
		.loss = on_loss,
		.parse_error = on_parse_error,
		.blind = on_blind,
	};
	*ids = (struct sink_ids){ .ctx = s, .reserve = reserve };
}
