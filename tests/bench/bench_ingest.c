/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bench_ingest: how fast the stages after capture take records in, from
 * bytes, without BPF or root. A client (pid C) writes N tools/call
 * requests of about 225 bytes into a pipe that a server reads, and the
 * server answers each through another pipe; both ends are traced, so each
 * line is seen twice and the sightings meet, as in `mcptrace run -- host`.
 * Records go in as the ring buffer gives them: a batch of writes, then
 * their reads, with a flush every FLUSH_EVERY messages as the trace loop
 * does. Prints messages stored per CPU second (the figure to compare: the
 * machine may be busy) and per second of wall time, and checks that the
 * DB holds each message once, with both ends' times.
 * Usage: bench_ingest [N]   (default 200000)
 */
#include <sys/resource.h>
#include <time.h>

#include "pipeline.h"

#define SRV 200
#define BATCH 64
#define FLUSH_EVERY 8192

/* The two pipes: 0 carries requests (C writes, SRV reads), 1 answers. */
static const uint64_t pipe_ino[2] = { 9000, 9001 };

static pid_t pipe_peer(pid_t self, uint8_t kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	(void)kind, (void)ino, (void)peer_ino, (void)dir;
	return self == C ? SRV : C;
}

static const struct proc_lookup lookup = { pipe_peer, no_ancestor, fake_tcp };

struct end {
	pid_t pid;
	uint32_t fd;
	uint64_t stream_id, ino, offset;
	uint8_t dir;
};

static void put(struct fixture *f, struct end *e, const char *text, size_t len)
{
	static char rec[sizeof(struct mt_data_event) + MT_CHUNK_MAX];
	struct mt_data_event *ev = (void *)rec;

	f->now += 500;
	memset(ev, 0, sizeof(*ev));
	ev->hdr.type = MT_EV_DATA;
	ev->hdr.tgid = ev->hdr.pid = (uint32_t)e->pid;
	ev->stream_id = e->stream_id;
	ev->ino = e->ino;
	ev->fd = e->fd;
	ev->dir = e->dir;
	ev->fd_kind = MT_FD_PIPE;
	ev->offset = e->offset;
	ev->len = (uint32_t)len;
	ev->syscall_len = (uint32_t)len;
	ev->flags = MT_F_SYSCALL_START | MT_F_SYSCALL_END;
	memcpy(ev->data, text, len);
	e->offset += len;
	stream_table__record(f->streams, ev, sizeof(*ev) + len, f->now);
}

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct end req_w = { C, 1, 1, pipe_ino[0], 0, 1 }, req_r = { SRV, 0, 2, pipe_ino[0], 0, 0 };
	struct end res_w = { SRV, 1, 3, pipe_ino[1], 0, 1 }, res_r = { C, 0, 4, pipe_ino[1], 0, 0 };
	static char req[BATCH][512], res[BATCH][512];
	size_t req_len[BATCH], res_len[BATCH];
	struct timespec t0, t1;
	struct fixture f;
	double cpu0, cpu;
	long long rows, distinct;

	if (n < 1) {
		fprintf(stderr, "usage: bench_ingest [N]   (N > 0 messages each way)\n");
		return 2;
	}
	setup(&f, 1 << 20);
	f.pipes = ~0u;
	sessions__set_lookup(f.ss, &lookup);
	sessions__process_traced(f.ss, SRV);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cpu0 = cpu_seconds();
	for (long i = 0; i < n; i += BATCH) {
		int k = (int)(n - i < BATCH ? n - i : BATCH);

		for (int j = 0; j < k; j++) {
			req_len[j] = (size_t)snprintf(
				req[j], sizeof(req[j]),
				"{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":"
				"{\"name\":\"echo\",\"arguments\":{\"message\":\"%0120ld\"}}}\n",
				i + j + 1, i + j);
			res_len[j] = (size_t)snprintf(
				res[j], sizeof(res[j]),
				"{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{\"content\":[{\"type\":"
				"\"text\",\"text\":\"Echo: %0120ld\"}]}}\n",
				i + j + 1, i + j);
		}
		for (int j = 0; j < k; j++)
			put(&f, &req_w, req[j], req_len[j]);
		for (int j = 0; j < k; j++) {
			put(&f, &req_r, req[j], req_len[j]);
			put(&f, &res_w, res[j], res_len[j]);
		}
		for (int j = 0; j < k; j++)
			put(&f, &res_r, res[j], res_len[j]);
		if ((i / BATCH) % (FLUSH_EVERY / BATCH) == 0) {
			sessions__flush(f.ss);
			store__flush(f.store);
		}
	}
	sessions__finish(f.ss, f.now);
	store__flush(f.store);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cpu = cpu_seconds() - cpu0;

	rows = q_int(&f, "select count(*) from messages");
	distinct = q_int(&f, "select count(distinct direction || rpc_id) from messages "
			     "where sent_ns is not null and recv_ns is not null");
	printf("bench_ingest: %ld requests and %ld answers, both ends traced: %lld rows (%lld "
	       "with both ends' times); %.0f messages stored per CPU second (%.2f us each), "
	       "%.0f per second of wall time\n",
	       n, n, rows, distinct, (double)rows / cpu, cpu * 1e6 / (double)rows,
	       (double)rows / seconds(&t0, &t1));
	CHECK_EQ_INT(rows, 2 * n);
	CHECK_EQ_INT(distinct, 2 * n);
	teardown(&f);
	return CHECK_DONE();
}
