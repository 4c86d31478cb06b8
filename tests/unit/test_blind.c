/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests of the TLS record sniffer (tracer/wire/tls_sniff.c) and of the
 * blind-connection decision (tracer/wire/blind.c), from bytes: the heads
 * of ciphertext syscalls as the kernel sends them (MT_EV_CIPHER), the
 * addresses and plaintext-stream records around them, and a fake process
 * table saying how many TLS libraries each process has hooked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "check.h"
#include "wire/blind.h"
#include "wire/tls_sniff.h"

static const uint8_t client_hello[] = { 0x16, 0x03, 0x01, 0x00, 0xeb, 0x01, 0x00, 0x00, 0xe7 };
static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76 };
static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x01, 0x7c, 0x8a, 0x11, 0xd9 };

static void test_sniff_records(void)
{
	static const uint8_t http[] = "POST /mcp HTTP/1.1\r\n";
	static const uint8_t json[] = "{\"jsonrpc\":\"2.0\"}";
	static const uint8_t too_long[] = { 0x17, 0x03, 0x03, 0x48, 0x01 };
	static const uint8_t ssl2ish[] = { 0x16, 0x02, 0x00, 0x00, 0x10, 0x01 };
	static const uint8_t empty_hs[] = { 0x16, 0x03, 0x03, 0x00, 0x00, 0x01 };
	static const uint8_t tls14[] = { 0x17, 0x03, 0x05, 0x00, 0x10 };
	int client = -1;

	CHECK_EQ_INT(tls_sniff__record(client_hello, sizeof(client_hello)), TLS_HANDSHAKE);
	CHECK_EQ_INT(tls_sniff__record(ccs, sizeof(ccs)), TLS_CHANGE_CIPHER_SPEC);
	CHECK_EQ_INT(tls_sniff__record(appdata, sizeof(appdata)), TLS_APPLICATION_DATA);
	CHECK_EQ_INT(tls_sniff__record(http, sizeof(http) - 1), TLS_NONE);
	CHECK_EQ_INT(tls_sniff__record(json, sizeof(json) - 1), TLS_NONE);
	CHECK_EQ_INT(tls_sniff__record(too_long, sizeof(too_long)), TLS_NONE);
	CHECK_EQ_INT(tls_sniff__record(ssl2ish, sizeof(ssl2ish)), TLS_NONE);
	CHECK_EQ_INT(tls_sniff__record(empty_hs, sizeof(empty_hs)), TLS_NONE);
	CHECK_EQ_INT(tls_sniff__record(tls14, sizeof(tls14)), TLS_NONE);
	/* Short heads and no head at all say nothing. */
	CHECK_EQ_INT(tls_sniff__record(client_hello, 4), TLS_NONE);
	CHECK_EQ_INT(tls_sniff__record(NULL, 0), TLS_NONE);

	CHECK(tls_sniff__hello(client_hello, sizeof(client_hello), &client));
	CHECK_EQ_INT(client, 1);
	CHECK(tls_sniff__hello(server_hello, sizeof(server_hello), &client));
	CHECK_EQ_INT(client, 0);
	CHECK(!tls_sniff__hello(client_hello, 5, NULL));
	CHECK(!tls_sniff__hello(ccs, sizeof(ccs), NULL));
	CHECK(!tls_sniff__hello(appdata, sizeof(appdata), NULL));
}

/* ---- the decision ---- */

#define MAX_REPORTS 8

struct fake {
	int hooked; /* what ops.hooked says of every process */
	int n, updates;
	struct blind_conn got[MAX_REPORTS];
	char comm[MAX_REPORTS][32], local[MAX_REPORTS][64], remote[MAX_REPORTS][64];
};

static int fake_hooked(void *ctx, uint32_t pid)
{
	(void)pid;
	return ((struct fake *)ctx)->hooked;
}

static void fake_comm(void *ctx, uint32_t pid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, "proc%u", pid);
}

static void fake_report(void *ctx, const struct blind_conn *b, bool is_new)
{
	struct fake *f = ctx;
	int i;

	if (!is_new) {
		/* The final byte count of a connection reported before. */
		for (i = 0; i < f->n; i++)
			if (f->got[i].stream_id == b->stream_id)
				f->got[i].bytes = b->bytes;
		f->updates++;
		return;
	}
	if (f->n == MAX_REPORTS)
		return;
	i = f->n++;
	f->got[i] = *b;
	snprintf(f->comm[i], sizeof(f->comm[i]), "%s", b->comm);
	snprintf(f->local[i], sizeof(f->local[i]), "%s", b->local ? b->local : "-");
	snprintf(f->remote[i], sizeof(f->remote[i]), "%s", b->remote ? b->remote : "-");
	f->got[i].comm = f->comm[i];
	f->got[i].local = f->local[i];
	f->got[i].remote = f->remote[i];
}

static struct blind *fake_new(struct fake *f, int hooked)
{
	struct blind_ops ops = { .ctx = f, .hooked = fake_hooked, .comm = fake_comm,
				 .report = fake_report };

	memset(f, 0, sizeof(*f));
	f->hooked = hooked;
	return blind__new(&ops);
}

/* Sends the head of one ciphertext syscall of pid's fd, stream sid, that
 * moved n bytes at offset off. */
static void cipher(struct blind *b, uint32_t pid, uint32_t fd, uint64_t sid, int dir,
		   const uint8_t *head, size_t len, uint64_t off, uint32_t n)
{
	union {
		struct mt_data_event e;
		char raw[sizeof(struct mt_data_event) + MT_CIPHER_HEAD];
	} u;

	memset(&u, 0, sizeof(u));
	u.e.hdr.type = MT_EV_CIPHER;
	u.e.hdr.tgid = pid;
	u.e.hdr.pid = pid;
	u.e.stream_id = sid;
	u.e.fd = fd;
	u.e.offset = off;
	u.e.len = len > MT_CIPHER_HEAD ? MT_CIPHER_HEAD : len;
	u.e.syscall_len = n;
	u.e.dir = dir;
	u.e.fd_kind = MT_FD_INET;
	memcpy(u.e.data, head, u.e.len);
	blind__cipher(b, &u.e, sizeof(u), 1000 + off);
}

/* n flushes go by. */
static void ticks(struct blind *b, int n)
{
	while (n-- > 0)
		blind__tick(b);
}

/* A TLS 1.3 client's connection as deno makes it (strace): ClientHello,
 * the server's flight, CCS + Finished, a request, two answers. */
static void client_handshake(struct blind *b, uint32_t pid, uint32_t fd, uint64_t sid)
{
	blind__sockaddr(b, pid, fd, sid, false, "127.0.0.1:40000", "127.0.0.1:8443");
	cipher(b, pid, fd, sid, MT_DIR_WRITE, client_hello, sizeof(client_hello), 0, 240);
	cipher(b, pid, fd, sid, MT_DIR_READ, server_hello, sizeof(server_hello), 0, 1380);
	cipher(b, pid, fd, sid, MT_DIR_WRITE, ccs, sizeof(ccs), 240, 80);
}

static void client_exchange(struct blind *b, uint32_t pid, uint32_t fd, uint64_t sid)
{
	cipher(b, pid, fd, sid, MT_DIR_WRITE, appdata, sizeof(appdata), 320, 385);
	cipher(b, pid, fd, sid, MT_DIR_READ, appdata, sizeof(appdata), 1380, 574);
	cipher(b, pid, fd, sid, MT_DIR_READ, appdata, sizeof(appdata), 1954, 411);
}

/* No TLS library hooked in the process: blind at its ClientHello, with
 * its addresses and name; the bytes are counted to its close. */
static void test_unsupported_at_once(void)
{
	struct fake f;
	struct blind *b = fake_new(&f, 0);

	blind__sockaddr(b, 4711, 21, 7, false, "127.0.0.1:40000", "127.0.0.1:8443");
	CHECK_EQ_INT(f.n, 0);
	cipher(b, 4711, 21, 7, MT_DIR_WRITE, client_hello, sizeof(client_hello), 0, 240);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_INT(f.got[0].pid, 4711);
	CHECK_EQ_INT(f.got[0].fd, 21);
	CHECK_EQ_INT(f.got[0].stream_id, 7);
	CHECK_EQ_INT(f.got[0].client, 1);
	CHECK_EQ_INT(f.got[0].bytes, 240);
	CHECK_EQ_INT(f.got[0].first_seen_ns, 1000);
	CHECK_EQ_STR(f.got[0].comm, "proc4711");
	CHECK_EQ_STR(f.got[0].local, "127.0.0.1:40000");
	CHECK_EQ_STR(f.got[0].remote, "127.0.0.1:8443");
	CHECK_EQ_STR(f.got[0].why, BLIND_WHY_UNSUPPORTED);
	cipher(b, 4711, 21, 7, MT_DIR_READ, server_hello, sizeof(server_hello), 0, 1380);
	client_exchange(b, 4711, 21, 7);
	ticks(b, 3);
	CHECK_EQ_INT(f.n, 1);
	blind__close(b, 4711, 21, 7);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_INT(f.updates, 1);
	CHECK_EQ_INT(f.got[0].bytes, 240 + 1380 + 385 + 574 + 411);
	CHECK_EQ_INT(blind__count(b), 0);
	blind__free(b);
}

/* A server with no hooked library reading a ClientHello is the server. */
static void test_unsupported_server(void)
{
	struct fake f;
	struct blind *b = fake_new(&f, 0);

	blind__sockaddr(b, 99, 5, 3, false, "127.0.0.1:8443", "127.0.0.1:40000");
	cipher(b, 99, 5, 3, MT_DIR_READ, client_hello, sizeof(client_hello), 0, 240);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_INT(f.got[0].client, 0);
	blind__free(b);
}

/* When the process's libraries are not known (a negative count), the hello
 * decides nothing; application data does, as with a hooked library. */
static void test_unknown_libraries(void)
{
	struct fake f;
	struct blind *b = fake_new(&f, -1);

	client_handshake(b, 4711, 21, 7);
	CHECK_EQ_INT(f.n, 0);
	client_exchange(b, 4711, 21, 7);
	client_exchange(b, 4711, 21, 7);
	ticks(b, 2);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_STR(f.got[0].why, BLIND_WHY_UNHOOKED);
	blind__free(b);
}

/* With a hooked library in the process, the handshake alone decides
 * nothing; the library claiming the socket (its plaintext stream names
 * the fd) keeps it off the report, whatever passes after. */
static void test_hooked_and_claimed(void)
{
	struct fake f;
	struct blind *b = fake_new(&f, 1);

	client_handshake(b, 10, 4, 2);
	ticks(b, 2);
	CHECK_EQ_INT(f.n, 0);
	/* The plaintext stream's address record names socket fd 4. */
	blind__sockaddr(b, 10, 4, 90, true, "127.0.0.1:40000", "127.0.0.1:8443");
	client_exchange(b, 10, 4, 2);
	client_exchange(b, 10, 4, 2);
	ticks(b, 4);
	blind__close(b, 10, 4, 2);
	CHECK_EQ_INT(f.n, 0);

	/* Claimed through a plaintext record with its fd, the same. */
	client_handshake(b, 10, 4, 3);
	blind__readable(b, 10, 4);
	client_exchange(b, 10, 4, 3);
	client_exchange(b, 10, 4, 3);
	blind__finish(b);
	CHECK_EQ_INT(f.n, 0);
	/* A plaintext record whose socket is not known yet claims nothing. */
	blind__readable(b, 10, MT_FD_UNKNOWN);
	blind__free(b);
}

/* With a hooked library in the process, a connection it does not claim
 * is blind once application data passed both ways and a whole flush
 * interval went by; not before. */
static void test_hooked_unclaimed_after_grace(void)
{
	struct fake f;
	struct blind *b = fake_new(&f, 2);

	client_handshake(b, 10, 4, 2);
	/* The client's Finished (TLS 1.3 without the compatibility CCS) and
	 * the server's tickets: still a handshake. */
	cipher(b, 10, 4, 2, MT_DIR_WRITE, appdata, sizeof(appdata), 320, 74);
	cipher(b, 10, 4, 2, MT_DIR_READ, appdata, sizeof(appdata), 1380, 500);
	ticks(b, 3);
	CHECK_EQ_INT(f.n, 0);
	/* A request, and an answer after it. */
	cipher(b, 10, 4, 2, MT_DIR_WRITE, appdata, sizeof(appdata), 394, 385);
	cipher(b, 10, 4, 2, MT_DIR_READ, appdata, sizeof(appdata), 1880, 574);
	blind__tick(b);
	CHECK_EQ_INT(f.n, 0);
	blind__tick(b);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_STR(f.got[0].why, BLIND_WHY_UNHOOKED);
	CHECK_EQ_INT(f.got[0].bytes, 240 + 1380 + 80 + 74 + 500 + 385 + 574);
	blind__exit(b, 10);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_INT(blind__count(b), 0);
	blind__free(b);
}

/* Unclaimed with data both ways and closed before the grace ended: the
 * close decides, after one request and its answer too (TLS 1.2). A
 * connection that only shook hands, or whose request got no answer, is
 * not reported. */
static void test_hooked_decided_at_close(void)
{
	struct fake f;
	struct blind *b = fake_new(&f, 1);

	client_handshake(b, 10, 4, 2);
	client_exchange(b, 10, 4, 2);
	client_exchange(b, 10, 4, 2);
	CHECK_EQ_INT(f.n, 0);
	blind__close(b, 10, 4, 2);
	CHECK_EQ_INT(f.n, 1);

	/* TLS 1.2, one request and its answer: decided at the close. */
	client_handshake(b, 10, 7, 10);
	cipher(b, 10, 7, 10, MT_DIR_WRITE, appdata, sizeof(appdata), 320, 385);
	ticks(b, 3);
	CHECK_EQ_INT(f.n, 1);
	cipher(b, 10, 7, 10, MT_DIR_READ, appdata, sizeof(appdata), 1380, 574);
	ticks(b, 3);
	CHECK_EQ_INT(f.n, 1);
	blind__close(b, 10, 7, 10);
	CHECK_EQ_INT(f.n, 2);
	CHECK_EQ_STR(f.got[1].why, BLIND_WHY_UNHOOKED);

	/* A request never answered is not enough. */
	client_handshake(b, 10, 5, 8);
	cipher(b, 10, 5, 8, MT_DIR_WRITE, appdata, sizeof(appdata), 320, 385);
	blind__close(b, 10, 5, 8);
	client_handshake(b, 10, 6, 9);
	blind__exit(b, 10);
	CHECK_EQ_INT(f.n, 2);
	blind__free(b);
}

/* Plain sockets, and bytes that only look like TLS past a stream's start,
 * are never reported; an fd reused for a new stream starts afresh. */
static void test_not_tls(void)
{
	static const uint8_t http[] = "POST /mcp HTTP/1.1\r\nHost: x\r\n";
	struct fake f;
	struct blind *b = fake_new(&f, 0);

	blind__sockaddr(b, 10, 4, 2, false, "127.0.0.1:1", "127.0.0.1:2");
	cipher(b, 10, 4, 2, MT_DIR_WRITE, http, sizeof(http) - 1, 0, 30);
	cipher(b, 10, 4, 2, MT_DIR_WRITE, client_hello, sizeof(client_hello), 30, 240);
	ticks(b, 2);
	CHECK_EQ_INT(f.n, 0);
	/* The same fd, a new stream: its ClientHello counts. */
	blind__sockaddr(b, 10, 4, 3, false, "127.0.0.1:3", "127.0.0.1:4");
	CHECK_EQ_INT(blind__count(b), 1);
	cipher(b, 10, 4, 3, MT_DIR_WRITE, client_hello, sizeof(client_hello), 0, 240);
	CHECK_EQ_INT(f.n, 1);
	CHECK_EQ_STR(f.got[0].remote, "127.0.0.1:4");
	blind__finish(b);
	CHECK_EQ_INT(blind__count(b), 0);
	blind__free(b);
}

/* Records that lie about their size are dropped, not read past. */
static void test_bad_records(void)
{
	union {
		struct mt_data_event e;
		char raw[sizeof(struct mt_data_event) + MT_CIPHER_HEAD];
	} u;
	struct fake f;
	struct blind *b = fake_new(&f, 0);

	memset(&u, 0, sizeof(u));
	u.e.hdr.type = MT_EV_CIPHER;
	u.e.hdr.tgid = 1;
	u.e.len = MT_CIPHER_HEAD + 1;
	memcpy(u.e.data, client_hello, sizeof(client_hello));
	blind__cipher(b, &u.e, sizeof(u), 0);
	u.e.len = sizeof(client_hello);
	blind__cipher(b, &u.e, sizeof(u.e) + 2, 0);
	blind__cipher(b, &u.e, sizeof(u.e) - 1, 0);
	CHECK_EQ_INT(blind__count(b), 0);
	u.e.len = 3;
	blind__cipher(b, &u.e, sizeof(u), 0);
	CHECK_EQ_INT(f.n, 0);
	blind__free(b);
}

int main(void)
{
	RUN_TEST(test_sniff_records);
	RUN_TEST(test_unsupported_at_once);
	RUN_TEST(test_unsupported_server);
	RUN_TEST(test_unknown_libraries);
	RUN_TEST(test_hooked_and_claimed);
	RUN_TEST(test_hooked_unclaimed_after_grace);
	RUN_TEST(test_hooked_decided_at_close);
	RUN_TEST(test_not_tls);
	RUN_TEST(test_bad_records);
	return CHECK_DONE();
}
