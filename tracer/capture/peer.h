/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * peer: what /proc knows about processes that the kernel records do not
 * say: which process holds the other end of a pipe or unix socket, and who
 * descends from whom. Looked up once per stream, never per message.
 */
#ifndef MT_PEER_H
#define MT_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The process at the other end of an fd of self: for a pipe (ino) the
 * newest other process holding the opposite end (the reading end when self
 * wrote); for a unix socket the newest process holding the peer socket
 * (peer_ino). Returns 0 when none is found (it exited, or we may not look). */
pid_t peer__find(pid_t self, uint8_t fd_kind, uint64_t ino, uint64_t peer_ino, uint8_t dir);
/* A TCP connection's two ends, from /proc/PID/net/tcp{,6}. */
struct tcp_ends {
	char local[64], remote[64]; /* "ip:port", "[v6]:port"; "" if unknown */
	uint64_t peer_ino; /* the socket at the other end, if on this host; else 0 */
	/* The other end is on this host, but no process was seen holding
	 * it or its listener: the connection or its peer was going away.
	 * Whoever it was may be traced. */
	bool unsure;
};

/* For the TCP socket ino of self: its addresses, and the process holding
 * the other end when it is on this host (0 if not, or not found). */
pid_t peer__find_tcp(pid_t self, uint64_t ino, struct tcp_ends *ends);
/* The parent of pid, or 0. */
pid_t peer__ppid(pid_t pid);
/* Whether anc is pid's parent, grandparent, ... (a few levels). */
bool peer__is_ancestor(pid_t anc, pid_t pid);

#endif
