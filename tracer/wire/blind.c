/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * blind: see blind.h. One entry per socket stream of a traced process
 * that is AF_INET(6) or carried TLS, keyed by (process, fd) as the records
 * name it, from its first record to its close or its process's exit.
 */
#include <stdio.h>
#include <stdlib.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "wire/blind.h"
#include "wire/tls_sniff.h"

#define BLIND_BUCKETS 1024
/* The client's application-data records after which the handshake is
 * surely over: its Finished may be one in TLS 1.3 (none in 1.2). */
#define BLIND_C2S_APPDATA 2

struct conn {
	uint32_t tgid, fd;
	uint64_t stream_id;
	char local[64], remote[64];
	char comm[32];
	int64_t first_seen_ns;
	uint64_t bytes, bytes_reported;
	int client; /* as in struct blind_conn */
	unsigned int appdata[2]; /* application-data syscalls, by enum mt_dir */
	bool tls, readable, reported;
	bool answered; /* the server sent application data after the client did */
	bool sure; /* the same after the client's BLIND_C2S_APPDATA-th record */
	uint64_t sure_tick; /* the tick count when it became sure */
	struct conn *next;
};

struct blind {
	struct blind_ops ops;
	struct conn *buckets[BLIND_BUCKETS];
	size_t count;
	uint64_t ticks;
};

struct blind *blind__new(const struct blind_ops *ops)
{
	struct blind *b = calloc(1, sizeof(*b));

	if (b)
		b->ops = *ops;
	return b;
}

static struct conn **bucket(struct blind *b, uint32_t tgid, uint32_t fd)
{
	return &b->buckets[(tgid * 2654435761u ^ fd) % BLIND_BUCKETS];
}

static struct conn *conn_find(struct blind *b, uint32_t tgid, uint32_t fd)
{
	for (struct conn *c = *bucket(b, tgid, fd); c; c = c->next)
		if (c->tgid == tgid && c->fd == fd)
			return c;
	return NULL;
}

static void report(struct blind *b, struct conn *c, const char *why, bool is_new)
{
	struct blind_conn v = {
		.pid = c->tgid,
		.fd = c->fd,
		.stream_id = c->stream_id,
		.comm = c->comm,
		.local = c->local[0] ? c->local : NULL,
		.remote = c->remote[0] ? c->remote : NULL,
		.client = c->client,
		.first_seen_ns = c->first_seen_ns,
		.bytes = c->bytes,
		.why = why,
	};

	c->reported = true;
	c->bytes_reported = c->bytes;
	b->ops.report(b->ops.ctx, &v, is_new);
}

/* The connection ends (close, exit, the trace's end): a last decision,
 * or the final byte count of one reported before. */
static void conn_end(struct blind *b, struct conn *c)
{
	if (c->reported) {
		if (c->bytes != c->bytes_reported)
			report(b, c, NULL, false);
	} else if (c->tls && c->answered && !c->readable) {
		report(b, c, BLIND_WHY_UNHOOKED, true);
	}
}

static void conn_remove(struct blind *b, struct conn *c)
{
	struct conn **pp = bucket(b, c->tgid, c->fd);

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	b->count--;
	free(c);
}

/* The entry of tgid's fd for stream_id: a new one when the fd now names
 * another stream (the old one's close was not seen: it ends here). */
static struct conn *conn_get(struct blind *b, uint32_t tgid, uint32_t fd, uint64_t stream_id)
{
	struct conn *c = conn_find(b, tgid, fd), **head;

	if (c && c->stream_id == stream_id)
		return c;
	if (c) {
		conn_end(b, c);
		conn_remove(b, c);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->tgid = tgid;
	c->fd = fd;
	c->stream_id = stream_id;
	c->client = -1;
	head = bucket(b, tgid, fd);
	c->next = *head;
	*head = c;
	b->count++;
	return c;
}

void blind__sockaddr(struct blind *b, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool tls,
		     const char *local, const char *remote)
{
	struct conn *c;

	if (tls) {
		blind__readable(b, tgid, fd);
		return;
	}
	c = conn_get(b, tgid, fd, stream_id);
	if (!c)
		return;
	snprintf(c->local, sizeof(c->local), "%s", local ? local : "");
	snprintf(c->remote, sizeof(c->remote), "%s", remote ? remote : "");
}

void blind__readable(struct blind *b, uint32_t tgid, uint32_t fd)
{
	struct conn *c;

	if (fd == MT_FD_UNKNOWN)
		return;
	c = conn_find(b, tgid, fd);
	if (c)
		c->readable = true;
}

/* The first TLS record of a connection: whose hello it is, and whether
 * its process could read it at all. */
static void first_record(struct blind *b, struct conn *c, const struct mt_data_event *e,
			 int64_t ts_ns)
{
	int client_hello = 0;

	c->tls = true;
	c->first_seen_ns = ts_ns;
	b->ops.comm(b->ops.ctx, c->tgid, c->comm, sizeof(c->comm));
	if (!tls_sniff__hello((const uint8_t *)e->data, e->len, &client_hello))
		return;
	/* Whoever writes the ClientHello, or reads the ServerHello, is the
	 * client. */
	c->client = client_hello == (e->dir == MT_DIR_WRITE);
	if (b->ops.hooked(b->ops.ctx, c->tgid) == 0)
		report(b, c, BLIND_WHY_UNSUPPORTED, true);
}

/* Whether application data passed both ways: the client sent n records
 * and the server answered after them. Without the hello (a connection
 * older than the trace), n each way. */
static bool appdata_both_ways(const struct conn *c, unsigned int dir, unsigned int n)
{
	unsigned int c2s = c->client == 0 ? MT_DIR_READ : MT_DIR_WRITE;

	if (c->client < 0)
		return c->appdata[0] >= n && c->appdata[1] >= n;
	return dir != c2s && c->appdata[c2s] >= n;
}

void blind__cipher(struct blind *b, const struct mt_data_event *e, size_t size, int64_t ts_ns)
{
	enum tls_content type;
	struct conn *c;
	unsigned int dir;

	if (size < sizeof(*e) || e->len > MT_CIPHER_HEAD || size < sizeof(*e) + e->len)
		return;
	c = conn_get(b, e->hdr.tgid, e->fd, e->stream_id);
	if (!c)
		return;
	dir = e->dir & 1;
	c->bytes += e->syscall_len;
	type = tls_sniff__record((const uint8_t *)e->data, e->len);
	if (!c->tls) {
		/* Only a record header at the stream's start (as the kernel
		 * saw it) makes it TLS. */
		if (type == TLS_NONE || e->offset != 0)
			return;
		first_record(b, c, e, ts_ns);
	}
	if (type != TLS_APPLICATION_DATA || c->sure)
		return;
	c->appdata[dir]++;
	if (appdata_both_ways(c, dir, 1))
		c->answered = true;
	if (appdata_both_ways(c, dir, BLIND_C2S_APPDATA)) {
		c->sure = true;
		c->sure_tick = b->ticks;
	}
}

void blind__close(struct blind *b, uint32_t tgid, uint32_t fd, uint64_t stream_id)
{
	struct conn *c = conn_find(b, tgid, fd);

	if (!c || c->stream_id != stream_id)
		return;
	conn_end(b, c);
	conn_remove(b, c);
}

/* Calls fn on every entry (of tgid only, unless all); fn may remove it. */
static void each(struct blind *b, uint32_t tgid, bool all, void (*fn)(struct blind *, struct conn *))
{
	for (size_t i = 0; i < BLIND_BUCKETS; i++) {
		struct conn *c = b->buckets[i], *next;

		for (; c; c = next) {
			next = c->next;
			if (all || c->tgid == tgid)
				fn(b, c);
		}
	}
}

static void end_and_remove(struct blind *b, struct conn *c)
{
	conn_end(b, c);
	conn_remove(b, c);
}

void blind__exit(struct blind *b, uint32_t tgid)
{
	each(b, tgid, false, end_and_remove);
}

/* A hooked library claims its socket within the call that moved the
 * data, or right after (node's memory BIOs): one whole flush interval
 * after the data is grace enough. */
static void tick_one(struct blind *b, struct conn *c)
{
	if (c->tls && c->sure && !c->readable && !c->reported && b->ticks >= c->sure_tick + 2)
		report(b, c, BLIND_WHY_UNHOOKED, true);
}

void blind__tick(struct blind *b)
{
	b->ticks++;
	each(b, 0, true, tick_one);
}

void blind__finish(struct blind *b)
{
	each(b, 0, true, end_and_remove);
}

size_t blind__count(const struct blind *b)
{
	return b->count;
}

void blind__free(struct blind *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < BLIND_BUCKETS; i++) {
		while (b->buckets[i]) {
			struct conn *c = b->buckets[i];

			b->buckets[i] = c->next;
			free(c);
		}
	}
	free(b);
}
