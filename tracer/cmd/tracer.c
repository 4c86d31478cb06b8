/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tracer: see tracer.h. A trace DB that cannot be written ends the trace:
 * the first failure is kept (mcp/sink.h), the loop stops at once and says
 * why, and the command exits 1. Tracing on into a DB that drops rows would
 * report counts that are not in it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "capture/capture.h"
#include "capture/proc_info.h"
#include "cmd/tracer.h"
#include "db/store.h"
#include "db/store_sink.h"
#include "mcp/redact.h"
#include "mcp/session.h"
#include "wire/blind.h"
#include "wire/stream.h"

#define POLL_MS 50
/* How often rows are committed, and calls in flight shown to readers. */
#define FLUSH_NS (200 * 1000000LL)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

void tracer__install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int tracer__signal(void)
{
	return stop_signal;
}

void tracer__clear_signal(void)
{
	stop_signal = 0;
}

int64_t tracer__now_ns(int clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void tracer__proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void live_add(struct tracer *t, pid_t pid)
{
	for (int i = 0; i < t->nlive; i++)
		if (t->live[i] == pid)
			return;
	if (t->nlive < (int)(sizeof(t->live) / sizeof(*t->live)))
		t->live[t->nlive++] = pid;
}

static void live_del(struct tracer *t, pid_t pid)
{
	for (int i = 0; i < t->nlive; i++)
		if (t->live[i] == pid) {
			t->live[i] = t->live[--t->nlive];
			return;
		}
}

/* A write to the trace DB outside the sinks (processes, the run's row, a
 * commit): a failure is kept as the sinks' own are. */
static void db_check(struct tracer *t, int err)
{
	sinks__fail(&t->sinks, "trace DB", err);
}

/* What is known of a process; ST_NULL (NULL for comm) keeps what the DB
 * has. With a comm, its command line is read from /proc if the process
 * still runs under that name. */
static void upsert_process(struct tracer *t, pid_t pid, int64_t ppid, const char *comm,
			   int64_t started_ns, int64_t exited_ns, int64_t exit_code)
{
	char cmdline[4096];
	struct st_process p = {
		.pid = pid,
		.ppid = ppid,
		.comm = comm,
		.cmdline = comm && proc_info__cmdline(pid, comm, cmdline, sizeof(cmdline)) ? cmdline
											: NULL,
		.started_ns = started_ns,
		.exited_ns = exited_ns,
		.exit_code = exit_code,
	};

	db_check(t, store__upsert_process(t->store, &p));
}

void tracer__note_process(struct tracer *t, pid_t pid, int64_t ppid, const char *comm, int64_t ts)
{
	upsert_process(t, pid, ppid, comm, ts, ST_NULL, ST_NULL);
	sessions__process_traced(t->sessions, pid);
	live_add(t, pid);
}

/* ---- stage glue ---- */

static bool sink_line(void *ctx, const struct wire_line *l)
{
	struct tracer *t = ctx;

	return sessions__line(t->sessions, l);
}

static void sink_loss(void *ctx, const struct wire_line *w, uint64_t off, uint64_t bytes,
		      const char *reason)
{
	struct tracer *t = ctx;

	sessions__loss(t->sessions, w, off, bytes, reason);
}

static bool sink_offsets(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id,
			 uint64_t offset[2])
{
	struct tracer *t = ctx;

	return capture__stream_offsets(t->cap, tgid, fd, stream_id, offset) == 0;
}

static void sink_error(void *ctx, const struct wire_line *w, const char *why)
{
	struct tracer *t = ctx;

	sessions__parse_error(t->sessions, w, why);
}

static void sink_mute(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool watch)
{
	struct tracer *t = ctx;

	capture__mute(t->cap, tgid, fd, stream_id, watch);
}

static void sink_closed(void *ctx, uint64_t stream_id, uint32_t tgid, uint32_t fd, int64_t ts_ns)
{
	struct tracer *t = ctx;

	(void)tgid;
	(void)fd;
	sessions__stream_closed(t->sessions, stream_id, ts_ns);
}

/* ---- connections that cannot be read ---- */

static int blind_hooked(void *ctx, uint32_t pid)
{
	struct tracer *t = ctx;

	return capture__tls_running(t->cap, (pid_t)pid);
}

static void blind_comm(void *ctx, uint32_t pid, char *buf, size_t size)
{
	(void)ctx;
	tracer__proc_comm((pid_t)pid, buf, size);
}

static void blind_report(void *ctx, const struct blind_conn *c, bool is_new)
{
	struct tracer *t = ctx;
	struct st_blind row = {
		.pid = c->pid,
		.fd = c->fd,
		.stream_id = (int64_t)c->stream_id,
		.comm = c->comm,
		.role = c->client < 0 ? NULL : c->client ? "client" : "server",
		.local_addr = c->local,
		.remote_addr = c->remote,
		.first_seen_ns = c->first_seen_ns,
		.bytes_seen = (int64_t)c->bytes,
		.why = c->why,
	};

	t->nblind += is_new;
	sinks__blind(&t->sinks, &row, is_new);
}

/* A plaintext record of a hooked TLS library that names its socket: that
 * socket is read. */
static void note_tls_data(struct tracer *t, const struct mt_data_event *e, size_t size)
{
	if (size >= sizeof(*e) && (e->flags & MT_F_TLS))
		blind__readable(t->blind, e->hdr.tgid, e->fd);
}

static void format_sockaddr(char *out, size_t size, int family, const __u8 *addr, unsigned port)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	/* A v4-mapped IPv6 end is written as IPv4, as peer.c does. */
	if (family == AF_INET6 && !memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
		family = AF_INET;
		addr += 12;
	}
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, ip, sizeof(ip));
	snprintf(out, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void note_sockaddr(struct tracer *t, const struct mt_sockaddr_event *e)
{
	char local[64], remote[64];

	format_sockaddr(local, sizeof(local), e->family, e->local_addr, e->local_port);
	format_sockaddr(remote, sizeof(remote), e->family, e->remote_addr, e->remote_port);
	sessions__sockaddr(t->sessions, e->stream_id, local, remote);
	blind__sockaddr(t->blind, e->hdr.tgid, e->fd, e->stream_id, e->tls, local, remote);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct mt_event_hdr *h = data;
	const struct mt_proc_event *p = data;
	int64_t ts;

	if (size < sizeof(*h))
		return 0;
	ts = (int64_t)h->ts_ns + t->mono_to_epoch;
	switch (h->type) {
	case MT_EV_DATA:
		note_tls_data(t, data, size);
		stream_table__record(t->streams, data, size, ts);
		break;
	case MT_EV_CLOSE:
		if (size >= sizeof(struct mt_close_event)) {
			const struct mt_close_event *c = data;

			blind__close(t->blind, h->tgid, c->fd, c->stream_id);
		}
		/* fall through */
	case MT_EV_SKIP:
		stream_table__record(t->streams, data, size, ts);
		break;
	case MT_EV_CIPHER:
		blind__cipher(t->blind, data, size, ts);
		break;
	case MT_EV_SOCKADDR:
		if (size >= sizeof(struct mt_sockaddr_event))
			note_sockaddr(t, data);
		break;
	case MT_EV_FORK:
		if (size >= sizeof(*p))
			tracer__note_process(t, (pid_t)p->child_tgid, h->tgid, p->comm, ts);
		break;
	case MT_EV_EXEC:
		if (size >= sizeof(*p))
			upsert_process(t, h->tgid, ST_NULL, p->comm, ST_NULL, ST_NULL, ST_NULL);
		break;
	case MT_EV_EXIT:
		if (size >= sizeof(*p)) {
			blind__exit(t->blind, h->tgid);
			stream_table__drop_pid(t->streams, h->tgid);
			sessions__process_exit(t->sessions, (pid_t)h->tgid, ts);
			upsert_process(t, h->tgid, ST_NULL, NULL, ST_NULL, ts, p->exit_code);
			live_del(t, (pid_t)h->tgid);
			if ((pid_t)h->tgid == t->root)
				t->root_exited = true;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* ---- the trace ---- */

void tracer__init_sinks(struct sinks *sinks, struct store *store, struct output *out)
{
	struct sink db, live;
	struct sink_ids ids;

	store_sink__init(store, &db, &ids);
	output__sink(out, &live);
	sinks__init(sinks, &ids);
	sinks__add(sinks, &db);
	sinks__add(sinks, &live);
}

static char *join_argv(int argc, char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (int i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	*p = '\0';
	return s;
}

int tracer__open(struct tracer *t, struct trace_opts *o, int argc, char **argv)
{
	struct capture_opts copts = {
		.max_msg = (uint32_t)o->max_msg,
		.ringbuf_bytes = (uint32_t)o->ring_bytes,
		.follow = o->follow,
		/* TLS plaintext through uprobes; capture hooks children, new
		 * programs and new libraries itself and says so on stderr. */
		.tls = true,
		.tls_report = stderr,
	};
	struct blind_ops blind_ops = {
		.ctx = t,
		.hooked = blind_hooked,
		.comm = blind_comm,
		.report = blind_report,
	};
	struct stream_sink stream_sink = {
		.ctx = t,
		.line = sink_line,
		.loss = sink_loss,
		.mute = sink_mute,
		.error = sink_error,
		.offsets = sink_offsets,
		.closed = sink_closed,
	};
	char *argv_text;
	int err;

	t->opts = o;
	t->out = (struct output){ .fp = stdout, .mode = o->mode, .diag = stderr };
	t->mono_to_epoch = tracer__now_ns(CLOCK_REALTIME) - tracer__now_ns(CLOCK_MONOTONIC);
	err = capture__check();
	if (err)
		return err;
	err = store__open(&t->store, o->db_path);
	if (err)
		return err;
	argv_text = join_argv(argc, argv);
	err = store__begin_run(t->store, argv_text ? argv_text : "", tracer__now_ns(CLOCK_REALTIME));
	free(argv_text);
	if (err)
		return err;
	tracer__init_sinks(&t->sinks, t->store, &t->out);
	t->sessions = sessions__new(&t->sinks);
	if (t->sessions && !o->no_redact) {
		t->redactor = redactor__new();
		if (!t->redactor) {
			fprintf(stderr, "mcptrace: out of memory\n");
			return -ENOMEM;
		}
		for (int i = 0; i < o->nredact_keys; i++) {
			/* The names were checked as options were parsed. */
			err = redactor__add_key(t->redactor, o->redact_keys[i]);
			if (err) {
				fprintf(stderr, "mcptrace: --redact-key '%s': %s\n", o->redact_keys[i],
					strerror(-err));
				return err;
			}
		}
		sessions__set_redactor(t->sessions, t->redactor);
	}
	t->streams = stream_table__new(o->max_msg, &stream_sink);
	t->blind = blind__new(&blind_ops);
	if (!t->sessions || !t->streams || !t->blind) {
		fprintf(stderr, "mcptrace: out of memory\n");
		return -ENOMEM;
	}
	return capture__open(&t->cap, &copts, on_event, t);
}

/*
 * Detaching the probes costs the kernel a synchronous RCU wait per link,
 * about a second in all, after everything is stored. A child that holds
 * the last references pays it instead, so the user gets the prompt (and
 * run its command's status) at once. The child keeps no stdio open: a
 * caller reading our output to its end does not wait for it either.
 */
static void release_probes(struct capture *cap)
{
	pid_t pid, parent;

	if (!cap)
		return;
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* The last reference pays: wait until the parent has let go,
		 * then let exit close the fds (no capture__free here: the
		 * parent's threads do not exist in this child). */
		for (int i = 0; i < 500 && getppid() == parent; i++)
			usleep(10000);
		_exit(0);
	}
	if (pid < 0)
		capture__free(cap);
	/* else: the process exits soon; the child holds the probes' fds */
}

/* The first failure of the trace DB, or 0. */
static int trace_error(struct tracer *t)
{
	return sinks__error(&t->sinks, NULL);
}

/* Ends the trace: open calls unanswered, the run's row, a last commit.
 * Returns 0, or the first failure of the DB (negative errno): then what
 * is in the DB is what was committed before it. */
int tracer__close(struct tracer *t)
{
	struct sessions_stats st = { 0 };
	uint64_t lost_ev = 0, lost_bytes = 0;
	int64_t now = tracer__now_ns(CLOCK_REALTIME);
	const char *who;
	int err;

	if (t->cap)
		capture__lost(t->cap, &lost_ev, &lost_bytes);
	/* Connections still open are decided now, before the last commit. */
	if (t->blind)
		blind__finish(t->blind);
	if (t->sessions) {
		sessions__finish(t->sessions, now);
		sessions__stats(t->sessions, &st);
	}
	if (t->store && !trace_error(t)) {
		db_check(t, store__end_run(t->store, now, lost_ev, lost_bytes));
		db_check(t, store__flush(t->store));
	}
	err = sinks__error(&t->sinks, &who);
	if (err)
		fprintf(stderr,
			"mcptrace: the trace stopped: the %s failed (%s); %s holds what was "
			"committed before, not all of the %llu calls and %llu messages seen\n",
			who, strerror(-err), t->opts->db_path, (unsigned long long)st.calls,
			(unsigned long long)st.messages);
	else if (t->sessions)
		fprintf(stderr,
			"mcptrace: stored %llu calls, %llu messages in %llu sessions to %s%s",
			(unsigned long long)st.calls, (unsigned long long)st.messages,
			(unsigned long long)st.sessions, t->opts->db_path,
			lost_ev ? "" : "\n");
	if (lost_ev && !err)
		fprintf(stderr, "; LOST %llu records (%llu bytes): the ring buffer was full, "
				"try a larger --ring-size\n",
			(unsigned long long)lost_ev, (unsigned long long)lost_bytes);
	/* Said again at the end: a trace that looks empty may not be. */
	if (t->nblind && !err)
		fprintf(stderr, "mcptrace: %llu TLS connection%s could not be read (table "
				"blind_connections in %s)\n",
			(unsigned long long)t->nblind, t->nblind == 1 ? "" : "s", t->opts->db_path);
	sessions__free(t->sessions);
	redactor__free(t->redactor);
	stream_table__free(t->streams);
	blind__free(t->blind);
	store__close(t->store);
	/* Last: the child it forks must not inherit the DB or its lock. */
	release_probes(t->cap);
	return err;
}

/* Polls until told to stop, the traced work is over (done()), or the
 * trace DB failed. A last pass drains what the ring buffer still holds,
 * unless the DB failed: nothing drained could be kept. Returns 0 or a
 * negative errno (said on stderr, or kept in the sinks). */
/* MCPTRACE_TEST_LAG_MS: read nothing for that long at the start, as a
 * tracer busy elsewhere would, so tests can check what a late reader must
 * still get right (peers gone from /proc). Not for use in production. */
static void test_lag(void)
{
	static bool done;
	const char *v = getenv("MCPTRACE_TEST_LAG_MS");
	long ms = v ? strtol(v, NULL, 10) : 0;

	if (done || ms <= 0 || ms > 60000)
		return;
	done = true;
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L }, NULL);
}

int tracer__loop(struct tracer *t, bool (*done)(struct tracer *t))
{
	int64_t last_flush = tracer__now_ns(CLOCK_MONOTONIC);
	int err = 0;

	test_lag();
	while (!stop_signal && !done(t) && !trace_error(t)) {
		err = capture__poll(t->cap, POLL_MS);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "mcptrace: polling the ring buffer: %s\n", strerror(-err));
			return err;
		}
		err = 0;
		if (tracer__now_ns(CLOCK_MONOTONIC) - last_flush > FLUSH_NS) {
			blind__tick(t->blind);
			sessions__flush(t->sessions);
			db_check(t, store__flush(t->store));
			last_flush = tracer__now_ns(CLOCK_MONOTONIC);
		}
	}
	/* Drain: records submitted before the stop are still in the ring. */
	while (!trace_error(t) && capture__poll(t->cap, 0) > 0)
		;
	return trace_error(t);
}

