/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_sniff: what the first bytes of a syscall on a socket say about TLS.
 * A TLS record starts with a 5-byte header: content type (20 change cipher
 * spec, 21 alert, 22 handshake, 23 application data), version 3.0 to 3.4
 * (0x03 0x00..0x04), and a length of at most 2^14 + 2048. A handshake
 * record then carries a handshake type; a connection's first one is
 * ClientHello (1) or ServerHello (2). Text protocols never start that way.
 *
 * Edges: only the head is looked at, so a syscall that starts inside a
 * record (a read that split one) says nothing; callers look at syscalls
 * that start at a record boundary, as TLS stacks write them.
 */
#ifndef MT_TLS_SNIFF_H
#define MT_TLS_SNIFF_H

#include <stddef.h>
#include <stdint.h>

enum tls_content {
	TLS_NONE = 0, /* not a TLS record header */
	TLS_CHANGE_CIPHER_SPEC = 20,
	TLS_ALERT = 21,
	TLS_HANDSHAKE = 22,
	TLS_APPLICATION_DATA = 23,
};

/* The content type of the record whose header starts p (n bytes), or
 * TLS_NONE when p does not start with a plausible record header. */
enum tls_content tls_sniff__record(const uint8_t *p, size_t n);

/* Whether p starts a handshake's first flight: a handshake record whose
 * first message is a ClientHello or a ServerHello. *client (if not NULL)
 * gets 1 for a ClientHello. */
int tls_sniff__hello(const uint8_t *p, size_t n, int *client);

#endif
