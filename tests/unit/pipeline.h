/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A test fixture for the stages after capture, fed from bytes: records as
 * the kernel sends them (a syscall's bytes in MT_CHUNK_MAX pieces, offsets
 * per fd and direction) go through the stream stage (framing, HTTP) and the
 * session stage into a real DB, which the checks read back. One process,
 * pid C, is traced (a test may give an fd to another, f->owner); /proc
 * knows no peer of its pipes, and its TCP connections (every fd that is
 * not in pipes) go to 127.0.0.1:3001.
 */
#ifndef MT_TEST_PIPELINE_H
#define MT_TEST_PIPELINE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "check.h"
#include "cmd/tracer.h"
#include "mcp/session.h"
#include "wire/stream.h"

#define C 100

static inline pid_t no_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino,
			    uint8_t dir)
{
	(void)self, (void)kind, (void)ino, (void)peer_ino, (void)dir;
	return 0;
}

static inline bool no_ancestor(pid_t a, pid_t p)
{
	(void)a, (void)p;
	return false;
}

static inline pid_t fake_tcp(pid_t self, uint64_t ino, struct tcp_ends *e)
{
	(void)self;
	memset(e, 0, sizeof(*e));
	snprintf(e->local, sizeof(e->local), "127.0.0.1:%u", 40000 + (unsigned)ino);
	snprintf(e->remote, sizeof(e->remote), "127.0.0.1:3001");
	return 0;
}

static const struct proc_lookup pipeline_lookup = { no_peer, no_ancestor, fake_tcp };

struct fixture {
	char path[64];
	struct store *store;
	struct sessions *ss;
	struct stream_table *streams;
	struct output out;
	struct sinks sinks;
	uint64_t off[8][2]; /* per fd, per direction */
	unsigned pipes; /* bit fd: fd is a pipe (stdio), not TCP */
	pid_t owner[8]; /* per fd: the process whose fd it is; 0 for C */
	unsigned unixes; /* bit fd: fd is a unix socket, its peer's inode peer_ino[fd] */
	uint64_t peer_ino[8];
	int64_t now;
	int mutes; /* streams the stream stage asked to mute */
};

static inline bool sink_line(void *ctx, const struct wire_line *l)
{
	return sessions__line(((struct fixture *)ctx)->ss, l);
}

static inline void sink_loss(void *ctx, const struct wire_line *w, uint64_t off,
			     uint64_t bytes, const char *reason)
{
	sessions__loss(((struct fixture *)ctx)->ss, w, off, bytes, reason);
}

static inline void sink_mute(void *ctx, uint32_t tgid, uint32_t fd, uint64_t sid, bool watch)
{
	(void)tgid, (void)fd, (void)sid, (void)watch;
	((struct fixture *)ctx)->mutes++;
}

static inline void sink_error(void *ctx, const struct wire_line *w, const char *why)
{
	sessions__parse_error(((struct fixture *)ctx)->ss, w, why);
}

static inline void sink_closed(void *ctx, uint64_t stream_id, uint32_t tgid, uint32_t fd,
			       int64_t ts)
{
	(void)tgid, (void)fd;
	sessions__stream_closed(((struct fixture *)ctx)->ss, stream_id, ts);
}

/* A fresh DB and stages keeping messages up to max_msg bytes. */
static inline void setup(struct fixture *f, size_t max_msg)
{
	struct stream_sink sink = { .ctx = f, .line = sink_line, .loss = sink_loss,
				    .mute = sink_mute, .error = sink_error, .closed = sink_closed };
	int fd;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/mt-pipeline-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path);
	CHECK_EQ_INT(store__open(&f->store, f->path), 0);
	store__begin_run(f->store, "test", 1);
	f->out = (struct output){ .mode = OUTPUT_QUIET };
	tracer__init_sinks(&f->sinks, f->store, &f->out);
	f->ss = sessions__new(&f->sinks);
	sessions__set_lookup(f->ss, &pipeline_lookup);
	sessions__process_traced(f->ss, C);
	f->streams = stream_table__new(max_msg, &sink);
	f->now = 1000;
}

/* One syscall of C on fd moving len bytes in direction dir (1: written,
 * 0: read), 1 us after the last. */
static inline void syscall_io(struct fixture *f, uint32_t fd, uint8_t dir, const char *data,
			      size_t len)
{
	static char rec[sizeof(struct mt_data_event) + MT_CHUNK_MAX];
	struct mt_data_event *e = (void *)rec;

	f->now += 1000;
	for (size_t pos = 0; pos < len;) {
		size_t n = len - pos < MT_CHUNK_MAX ? len - pos : MT_CHUNK_MAX;

		memset(e, 0, sizeof(*e));
		e->hdr.type = MT_EV_DATA;
		e->hdr.tgid = e->hdr.pid = (uint32_t)(f->owner[fd] ? f->owner[fd] : C);
		e->stream_id = fd;
		e->ino = fd;
		e->fd = fd;
		e->dir = dir;
		e->fd_kind = f->pipes & (1u << fd)    ? MT_FD_PIPE
			     : f->unixes & (1u << fd) ? MT_FD_UNIX
						      : MT_FD_INET;
		e->peer_ino = f->unixes & (1u << fd) ? f->peer_ino[fd] : 0;
		e->offset = f->off[fd][dir];
		e->len = (uint32_t)n;
		e->syscall_len = (uint32_t)len;
		e->flags = (pos == 0 ? MT_F_SYSCALL_START : 0) | (pos + n == len ? MT_F_SYSCALL_END : 0);
		memcpy(e->data, data + pos, n);
		f->off[fd][dir] += n;
		pos += n;
		stream_table__record(f->streams, e, sizeof(*e) + n, f->now);
	}
}

/* text in one syscall. */
static inline void say(struct fixture *f, uint32_t fd, uint8_t dir, const char *text)
{
	syscall_io(f, fd, dir, text, strlen(text));
}

/* An HTTP/1.1 message: start (its first line and any headers, each ending
 * in CRLF), an Mcp-Session-Id header if sid is not NULL, and a JSON body.
 * The text lives until the next call. */
static inline char *http_message(const char *start, const char *sid, const char *body)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%sContent-Type: application/json\r\n%s%s%sContent-Length: %zu\r\n\r\n%s",
		 start, sid ? "Mcp-Session-Id: " : "", sid ? sid : "", sid ? "\r\n" : "",
		 strlen(body), body);
	return buf;
}

static inline void close_fd(struct fixture *f, uint32_t fd)
{
	pid_t pid = f->owner[fd] ? f->owner[fd] : C;
	struct mt_close_event e = { .hdr = { .type = MT_EV_CLOSE, .tgid = (uint32_t)pid,
					     .pid = (uint32_t)pid },
				    .stream_id = fd, .fd = fd };

	e.offset[0] = f->off[fd][0];
	e.offset[1] = f->off[fd][1];
	stream_table__record(f->streams, &e, sizeof(e), f->now);
}

/* The DB as a flush leaves it: two passes, as held lines are decided a
 * flush after /proc was asked. Returns sql's first int, -1 for NULL. */
static inline sqlite3_stmt *query(struct fixture *f, const char *sql)
{
	sqlite3 *db = store__db(f->store);
	sqlite3_stmt *st;

	sessions__flush(f->ss);
	sessions__flush(f->ss);
	store__flush(f->store);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "  sql error: %s: %s\n", sqlite3_errmsg(db), sql);
		return NULL;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static inline long long q_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st = query(f, sql);
	long long v = -999;

	if (st) {
		v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return v;
}

static inline void check_str(struct fixture *f, const char *sql, const char *want)
{
	sqlite3_stmt *st = query(f, sql);

	CHECK_EQ_STR(st ? (const char *)sqlite3_column_text(st, 0) : NULL, want);
	if (st)
		sqlite3_finalize(st);
}

static inline void teardown(struct fixture *f)
{
	CHECK_EQ_INT(q_int(f, "select count(*) from pragma_foreign_key_check"), 0);
	sqlite3_exec(store__db(f->store), "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
	CHECK_EQ_INT(q_int(f, "select count(*) from pragma_integrity_check where "
			      "integrity_check != 'ok'"),
		     0);
	stream_table__free(f->streams);
	sessions__free(f->ss);
	store__close(f->store);
	unlink(f->path);
}

#endif
