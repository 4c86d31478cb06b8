/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream: turns the kernel's data records into framed lines. A stream is
 * one process's open fd (the kernel's stream_id); each direction of it has
 * its own line framer and its own expected offset, so a jump in offsets is
 * seen as a gap (records the ring buffer lost), recorded, and the framer
 * resyncs at the next newline.
 *
 * A stream that shows no JSON after a while (logs, binary data) is set
 * aside: its framers are dropped and the kernel is asked to stop copying it.
 */
#ifndef MT_STREAM_H
#define MT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

struct stream_sink {
	void *ctx;
	/* returns whether the line was JSON-RPC: streams of other lines get muted */
	bool (*line)(void *ctx, const struct wire_line *line);
	/* bytes lost (reason "ringbuf") or skipped over the cap ("truncated") */
	void (*loss)(void *ctx, const struct wire_line *where, uint64_t offset, uint64_t bytes,
		     const char *reason);
	/* the stream is not JSON-RPC: stop copying it */
	/* watch: a line stream, which the kernel un-mutes at a line that
	 * starts like JSON (MT_MUTE_WATCH); else muted for good */
	void (*mute)(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool watch);
	/* the kernel's offsets of a stream (tgid, fd) whose process exited
	 * (so no close record comes): false if it no longer knows them */
	bool (*offsets)(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id,
			uint64_t offset[2]);
	/* bytes that could not be framed (HTTP), why in words (may be NULL) */
	void (*error)(void *ctx, const struct wire_line *w, const char *why);
	/* the stream ended (fd closed, or its process exited), at about ts_ns */
	void (*closed)(void *ctx, uint64_t stream_id, uint32_t tgid, uint32_t fd, int64_t ts_ns);
};

struct stream_table;

struct stream_table *stream_table__new(size_t max_msg, const struct stream_sink *sink);
/* Feeds one ring-buffer record of type MT_EV_DATA, MT_EV_SKIP or
 * MT_EV_CLOSE; ts_ns is the record's time already converted to epoch ns. */
void stream_table__record(struct stream_table *t, const void *data, size_t size, int64_t ts_ns);
/* Ends every stream of a process that exited. */
void stream_table__drop_pid(struct stream_table *t, uint32_t tgid);
size_t stream_table__count(const struct stream_table *t);
void stream_table__free(struct stream_table *t);

#endif
