/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink: hands each record to every consumer in the order they were added
 * (see sink.h), and keeps the first failure.
 */
#include <errno.h>

#include "mcp/sink.h"

void sinks__init(struct sinks *s, const struct sink_ids *ids)
{
	*s = (struct sinks){ .ids = *ids };
}

int sinks__add(struct sinks *s, const struct sink *sink)
{
	if (s->n == SINKS_MAX)
		return -E2BIG;
	s->list[s->n++] = *sink;
	return 0;
}

int64_t sinks__reserve_id(struct sinks *s, enum st_id_table table)
{
	return s->ids.reserve(s->ids.ctx, table);
}

void sinks__fail(struct sinks *s, const char *who, int err)
{
	if (err >= 0 || s->err)
		return;
	s->err = err;
	s->err_sink = who;
}

int sinks__error(const struct sinks *s, const char **who)
{
	if (who)
		*who = s->err_sink;
	return s->err;
}

static void note(struct sinks *s, size_t i, int rc)
{
	if (rc >= 0)
		return;
	/* This consumer is broken for good: more calls would only repeat
	 * its complaint. */
	s->failed[i] = true;
	sinks__fail(s, s->list[i].name, rc);
}

/* Calls member cb of every working consumer that has one. */
#define FAN_OUT(s, cb, ...)                                                   \
	do {                                                                  \
		for (size_t i_ = 0; i_ < (s)->n; i_++) {                      \
			const struct sink *k_ = &(s)->list[i_];               \
			if (!(s)->failed[i_] && k_->cb)                       \
				note((s), i_, k_->cb(k_->ctx, __VA_ARGS__));  \
		}                                                             \
	} while (0)

void sinks__session(struct sinks *s, const struct st_session *row, bool is_new)
{
	FAN_OUT(s, session, row, is_new);
}

void sinks__message(struct sinks *s, const struct st_message *m)
{
	FAN_OUT(s, message, m);
}

void sinks__message_times(struct sinks *s, int64_t msg_id, int64_t ts_ns, int64_t sent_ns,
			  int64_t recv_ns, int64_t call_id)
{
	FAN_OUT(s, message_times, msg_id, ts_ns, sent_ns, recv_ns, call_id);
}

void sinks__call(struct sinks *s, const struct sink_call *c)
{
	FAN_OUT(s, call, c);
}

void sinks__call_parent(struct sinks *s, int64_t call_id, int64_t parent_call_id)
{
	FAN_OUT(s, call_parent, call_id, parent_call_id);
}

void sinks__loss(struct sinks *s, const struct st_loss *l)
{
	FAN_OUT(s, loss, l);
}

void sinks__parse_error(struct sinks *s, const struct st_parse_error *e)
{
	FAN_OUT(s, parse_error, e);
}

void sinks__blind(struct sinks *s, const struct st_blind *b, bool is_new)
{
	FAN_OUT(s, blind, b, is_new);
}
