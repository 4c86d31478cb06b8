/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One blind connection as the tracer stores it (deno's fetch to a local
 * HTTPS server), for the tests of its row and of its printers; a test
 * copies it and changes what it tests.
 */
#ifndef MT_FIXTURE_BLIND_H
#define MT_FIXTURE_BLIND_H

#include "db/store.h"

static const struct st_blind fixture_blind = {
	.pid = 4711,
	.fd = 21,
	.stream_id = 7,
	.comm = "deno",
	.role = "client",
	.local_addr = "127.0.0.1:40000",
	.remote_addr = "127.0.0.1:8443",
	.first_seen_ns = 1700000000000000001LL,
	.bytes_seen = 240,
	.why = "its TLS library is not supported",
};

#endif
