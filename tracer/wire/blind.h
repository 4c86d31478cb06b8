/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * blind: finds the TLS connections of traced processes that mcptrace
 * cannot read, so that a trace is never silently empty. The kernel sends
 * the head of every ciphertext syscall on a TLS socket that no hooked TLS
 * library has claimed (MT_EV_CIPHER); a hooked library's plaintext stream
 * names its socket once known (an MT_EV_SOCKADDR with tls set, or MT_F_TLS
 * data with an fd). A socket whose TLS no hooked library claims is blind,
 * decided only when that is sure:
 *   - at once, at its ClientHello or ServerHello, when its process has no
 *     TLS library hooked at all: nothing could ever read it;
 *   - else once application data has passed both ways (the client's second
 *     application-data record, then one from the server: a TLS 1.3
 *     handshake sends at most one application-data record from the client,
 *     its Finished) and no hooked library claimed the socket by the flush
 *     after that;
 *   - else at its close, its process's exit or the trace's end, if the
 *     server answered an application-data record of the client's (a TLS
 *     1.2 one-shot request has only one) and no hooked library claimed it.
 * A connection that only shook hands is not reported: nothing was missed
 * (but for a TLS 1.3 client that sends its Finished alone in a syscall,
 * without the compatibility CCS before it, and closes without data: its
 * server's session ticket looks like an answer).
 *
 * Edges: fed from records, decides nothing on its own clock (blind__tick
 * is the flush); the process's hooks and name come from the caller
 * (struct blind_ops), so it can be tested from bytes.
 */
#ifndef MT_BLIND_H
#define MT_BLIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mt_data_event;

/* A connection found blind, as it is handed on. */
struct blind_conn {
	uint32_t pid, fd;
	uint64_t stream_id;	    /* the socket's stream */
	const char *comm;	    /* the process's name when TLS was first seen; "" if gone */
	const char *local, *remote; /* "ip:port", "[v6]:port"; NULL if not known */
	int client;		    /* 1: this end sent the ClientHello, 0: received it, -1: not seen */
	int64_t first_seen_ns;	    /* the first TLS record seen (the record's time) */
	uint64_t bytes;		    /* ciphertext bytes seen both ways so far */
	const char *why;
};

struct blind_ops {
	void *ctx;
	/* The hooked TLS libraries pid runs now; 0: none; negative: not
	 * known (then only application data decides). */
	int (*hooked)(void *ctx, uint32_t pid);
	/* pid's name into buf ("" when not known). */
	void (*comm)(void *ctx, uint32_t pid, char *buf, size_t size);
	/* A connection is blind (is_new), or one reported before ended with
	 * more bytes seen (!is_new). */
	void (*report)(void *ctx, const struct blind_conn *b, bool is_new);
};

/* Why a process with no TLS library mcptrace hooks cannot be read. */
#define BLIND_WHY_UNSUPPORTED "its TLS library is not supported"
/* Why a connection no hooked library claimed cannot be read. */
#define BLIND_WHY_UNHOOKED "no hooked TLS library read it"

struct blind;

struct blind *blind__new(const struct blind_ops *ops);
/* The addresses of a socket stream (MT_EV_SOCKADDR, tls 0), or a hooked
 * library's plaintext stream on socket fd (tls 1): that socket is read. */
void blind__sockaddr(struct blind *b, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool tls,
		     const char *local, const char *remote);
/* A record of type MT_EV_CIPHER of size bytes; ts_ns in epoch ns. */
void blind__cipher(struct blind *b, const struct mt_data_event *e, size_t size, int64_t ts_ns);
/* A hooked library delivered plaintext on tgid's socket fd. */
void blind__readable(struct blind *b, uint32_t tgid, uint32_t fd);
/* tgid closed fd (stream stream_id). */
void blind__close(struct blind *b, uint32_t tgid, uint32_t fd, uint64_t stream_id);
/* tgid exited: its sockets are closed. */
void blind__exit(struct blind *b, uint32_t tgid);
/* A flush: decides the connections whose grace ended. */
void blind__tick(struct blind *b);
/* The trace ends: decides every connection still open. */
void blind__finish(struct blind *b);
/* Connections followed now (for tests of what is kept). */
size_t blind__count(const struct blind *b);
void blind__free(struct blind *b);

#endif
