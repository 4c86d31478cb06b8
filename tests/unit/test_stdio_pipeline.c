/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * MCP over stdio from bytes, both ends traced: kernel-style records of a
 * host (pid C) and the server it spawned (pid SRV) go through the stream
 * and session stages into a real DB. Node gives a child's stdio as unix
 * socketpairs, whose records name the peer socket; /proc names nobody
 * here, so only the records pair the two ends.
 */
#include "pipeline.h"

#define SRV 200

#define INIT "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}\n"
#define CANCEL "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{}}\n"

/* The host writes its last line and closes its end before the server
 * reads it: the kernel no longer names the peer socket in the server's
 * read (peer_ino 0), yet the line came from the host. One session, each
 * line once with both ends' times. */
static void test_peer_closed_before_read(void)
{
	struct fixture f;

	setup(&f, 1 << 20);
	sessions__process_traced(f.ss, SRV);
	f.owner[4] = SRV;
	f.unixes = 1u << 3 | 1u << 4; /* the socketpair: C's fd 3, SRV's fd 4 */
	f.peer_ino[3] = 4;
	f.peer_ino[4] = 3;
	say(&f, 3, 1, INIT);
	say(&f, 4, 0, INIT);
	say(&f, 3, 1, CANCEL);
	close_fd(&f, 3);
	f.peer_ino[4] = 0;
	say(&f, 4, 0, CANCEL);

	CHECK_EQ_INT(q_int(&f, "select count(*) from sessions"), 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 2);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where sent_ns < recv_ns"), 2);
	teardown(&f);
}

int main(void)
{
	RUN_TEST(test_peer_closed_before_read);
	return CHECK_DONE();
}
