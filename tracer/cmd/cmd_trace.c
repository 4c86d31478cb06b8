/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cmd_trace: `mcptrace run` and `mcptrace attach`. Wires the stages
 * together (capture -> stream -> session -> store, output) and owns the
 * life of a trace: starting or finding the processes, the poll loop,
 * signals, and a clean stop that drains the ring buffer, reports requests
 * left unanswered and commits the DB.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "capture/capture.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "mcptrace.h"
#include "cmd/output.h"
#include "mcp/session.h"
#include "db/store.h"
#include "wire/stream.h"

#define MAX_PIDS 64
#define POLL_MS 50
#define FLUSH_NS (200 * 1000000LL)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct trace_opts {
	const char *db_path;
	enum output_mode mode;
	uint64_t max_msg;
	uint64_t ring_bytes;
	bool follow;
	pid_t pids[MAX_PIDS];
	int npids;
};

struct tracer {
	struct trace_opts *opts;
	struct capture *cap;
	struct store *store;
	struct stream_table *streams;
	struct sessions *sessions;
	struct output out;
	int64_t mono_to_epoch; /* add to a CLOCK_MONOTONIC ns time */
	pid_t live[4096]; /* traced processes still running */
	int nlive;
	pid_t root; /* run: the command we started */
	bool root_exited;
	bool root_reaped;
	int root_status; /* its wait status, once reaped */
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
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

static void proc_comm(pid_t pid, char *buf, size_t size)
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

static void note_process(struct tracer *t, pid_t pid, int64_t ppid, const char *comm, int64_t ts)
{
	struct st_process p = {
		.pid = pid,
		.ppid = ppid,
		.comm = comm,
		.started_ns = ts,
		.exited_ns = ST_NULL,
		.exit_code = ST_NULL,
	};

	store__upsert_process(t->store, &p);
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

static void sink_mute(void *ctx, uint32_t tgid, uint32_t fd, uint64_t stream_id)
{
	struct tracer *t = ctx;

	capture__mute(t->cap, tgid, fd, stream_id);
}

static void sink_closed(void *ctx, uint64_t stream_id, uint32_t tgid, uint32_t fd, int64_t ts_ns)
{
	struct tracer *t = ctx;

	(void)tgid;
	(void)fd;
	sessions__stream_closed(t->sessions, stream_id, ts_ns);
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
	case MT_EV_SKIP:
	case MT_EV_CLOSE:
		stream_table__record(t->streams, data, size, ts);
		break;
	case MT_EV_SOCKADDR:
		if (size >= sizeof(struct mt_sockaddr_event))
			note_sockaddr(t, data);
		break;
	case MT_EV_FORK:
		if (size >= sizeof(*p))
			note_process(t, (pid_t)p->child_tgid, h->tgid, p->comm, ts);
		break;
	case MT_EV_EXEC:
		if (size >= sizeof(*p)) {
			struct st_process row = {
				.pid = h->tgid,
				.ppid = ST_NULL,
				.comm = p->comm,
				.started_ns = ST_NULL,
				.exited_ns = ST_NULL,
				.exit_code = ST_NULL,
			};

			store__upsert_process(t->store, &row);
		}
		break;
	case MT_EV_EXIT:
		if (size >= sizeof(*p)) {
			struct st_process row = {
				.pid = h->tgid,
				.ppid = ST_NULL,
				.comm = NULL,
				.started_ns = ST_NULL,
				.exited_ns = ts,
				.exit_code = p->exit_code,
			};

			stream_table__drop_pid(t->streams, h->tgid);
			sessions__process_exit(t->sessions, (pid_t)h->tgid, ts);
			store__upsert_process(t->store, &row);
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

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mcptrace run [OPTIONS] -- CMD [ARGS...]\n"
		"       mcptrace attach -p PID [-p PID...] [--follow] [OPTIONS]\n"
		"\n"
		"Trace the MCP (JSON-RPC) traffic of processes into a SQLite DB, with one\n"
		"line per completed call on stdout. Needs root (CAP_BPF and CAP_PERFMON).\n"
		"\n"
		"  run      start CMD traced, with every child it spawns; stops when CMD\n"
		"           exits and returns its exit status\n"
		"  attach   trace running processes until Ctrl-C or until they all exit\n"
		"\n"
		"OPTIONS := { --db FILE | --quiet | --json | --max-msg SIZE | --ring-size SIZE }\n"
		"  -d, --db FILE        trace DB to create or append to (default mcptrace.db)\n"
		"  -q, --quiet          print no call lines\n"
		"  -j, --json           print call lines as JSON Lines\n"
		"  -m, --max-msg SIZE   bytes copied per read/write and kept per message\n"
		"                       (default 16m; 4k..1g); bytes past it are counted\n"
		"                       and the message is marked truncated\n"
		"  -r, --ring-size SIZE kernel ring buffer, a power of two (default 64m)\n"
		"  -p, --pid PID        (attach) a process to trace; repeat for more\n"
		"  -f, --follow         (attach) also trace children they spawn from now on\n"
		"\n"
		"Examples:\n"
		"  sudo mcptrace run -- npx @modelcontextprotocol/inspector ...\n"
		"  sudo mcptrace attach -p $(pgrep -f my-mcp-server) --db server.db\n"
		"  mcptrace stats --db server.db\n");
}

static int parse_opts(int argc, char **argv, bool attach, struct trace_opts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "max-msg", required_argument, NULL, 'm' },
		{ "ring-size", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long long v;
	int c;

	*o = (struct trace_opts){
		.db_path = "mcptrace.db",
		.mode = OUTPUT_TEXT,
		.max_msg = MT_DEFAULT_MAX_MSG,
		.ring_bytes = 64u << 20,
	};
	optind = 1;
	/* '+': stop at the first non-option, so CMD's own options stay its. */
	while ((c = getopt_long(argc, argv, "+d:qjm:r:p:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db_path = optarg;
			break;
		case 'q':
			o->mode = OUTPUT_QUIET;
			break;
		case 'j':
			o->mode = OUTPUT_JSON;
			break;
		case 'm':
			if (parse_size("--max-msg", optarg, 4096, 1ULL << 30, &o->max_msg))
				return -EINVAL;
			break;
		case 'r':
			if (parse_size("--ring-size", optarg, 1u << 20, 1ULL << 30, &o->ring_bytes))
				return -EINVAL;
			if (o->ring_bytes & (o->ring_bytes - 1)) {
				fprintf(stderr, "mcptrace: --ring-size must be a power of two\n");
				return -EINVAL;
			}
			break;
		case 'p':
			if (!attach) {
				fprintf(stderr, "mcptrace: -p is for attach; run starts its own process\n");
				return -EINVAL;
			}
			if (o->npids == MAX_PIDS) {
				fprintf(stderr, "mcptrace: at most %d -p options\n", MAX_PIDS);
				return -EINVAL;
			}
			if (parse_int("-p", optarg, 1, 4194304, &v))
				return -EINVAL;
			o->pids[o->npids++] = (pid_t)v;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (o->ring_bytes < 2 * MT_CHUNK_MAX) {
		fprintf(stderr, "mcptrace: --ring-size is too small\n");
		return -EINVAL;
	}
	if (attach && !o->npids) {
		fprintf(stderr, "mcptrace: attach needs at least one -p PID\n");
		return -EINVAL;
	}
	if (attach && optind < argc) {
		fprintf(stderr, "mcptrace: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!attach && optind >= argc) {
		fprintf(stderr, "mcptrace: run needs a command: mcptrace run [OPTIONS] -- CMD [ARGS...]\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- the trace ---- */

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

static int tracer_open(struct tracer *t, struct trace_opts *o, int argc, char **argv)
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
	struct stream_sink sink = {
		.ctx = t,
		.line = sink_line,
		.loss = sink_loss,
		.mute = sink_mute,
		.closed = sink_closed,
	};
	char *argv_text;
	int err;

	t->opts = o;
	t->out = (struct output){ .fp = stdout, .mode = o->mode };
	t->mono_to_epoch = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	err = capture__check();
	if (err)
		return err;
	err = store__open(&t->store, o->db_path);
	if (err)
		return err;
	argv_text = join_argv(argc, argv);
	err = store__begin_run(t->store, argv_text ? argv_text : "", now_ns(CLOCK_REALTIME));
	free(argv_text);
	if (err)
		return err;
	t->sessions = sessions__new(t->store, &t->out);
	t->streams = stream_table__new(o->max_msg, &sink);
	if (!t->sessions || !t->streams) {
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

static void tracer_close(struct tracer *t)
{
	struct sessions_stats st = { 0 };
	uint64_t lost_ev = 0, lost_bytes = 0;
	int64_t now = now_ns(CLOCK_REALTIME);

	if (t->cap)
		capture__lost(t->cap, &lost_ev, &lost_bytes);
	if (t->sessions) {
		sessions__finish(t->sessions, now);
		sessions__stats(t->sessions, &st);
	}
	if (t->store) {
		store__end_run(t->store, now, lost_ev, lost_bytes);
		store__flush(t->store);
	}
	if (t->sessions)
		fprintf(stderr,
			"mcptrace: stored %llu calls, %llu messages in %llu sessions to %s%s",
			(unsigned long long)st.calls, (unsigned long long)st.messages,
			(unsigned long long)st.sessions, t->opts->db_path,
			lost_ev ? "" : "\n");
	if (lost_ev)
		fprintf(stderr, "; LOST %llu records (%llu bytes): the ring buffer was full, "
				"try a larger --ring-size\n",
			(unsigned long long)lost_ev, (unsigned long long)lost_bytes);
	sessions__free(t->sessions);
	stream_table__free(t->streams);
	store__close(t->store);
	/* Last: the child it forks must not inherit the DB or its lock. */
	release_probes(t->cap);
}

/* Polls until told to stop. done() says when the traced work is over;
 * then a last pass drains what the ring buffer still holds. */
static int trace_loop(struct tracer *t, bool (*done)(struct tracer *t))
{
	int64_t last_flush = now_ns(CLOCK_MONOTONIC);
	int err = 0;

	while (!stop_signal && !done(t)) {
		err = capture__poll(t->cap, POLL_MS);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "mcptrace: polling the ring buffer: %s\n", strerror(-err));
			break;
		}
		err = 0;
		if (now_ns(CLOCK_MONOTONIC) - last_flush > FLUSH_NS) {
			sessions__flush(t->sessions);
			store__flush(t->store);
			last_flush = now_ns(CLOCK_MONOTONIC);
		}
	}
	/* Drain: records submitted before the stop are still in the ring. */
	while (capture__poll(t->cap, 0) > 0)
		;
	return err;
}

/* CMD is done when its exit record arrives, or, should that record be
 * lost to a full ring buffer, when waitpid says so. */
static bool run_done(struct tracer *t)
{
	if (!t->root_reaped && waitpid(t->root, &t->root_status, WNOHANG) == t->root)
		t->root_reaped = true;
	return t->root_exited || t->root_reaped;
}

static bool attach_done(struct tracer *t)
{
	return t->nlive == 0;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_run(int argc, char **argv)
{
	struct trace_opts o;
	struct tracer t = { 0 };
	int go[2] = { -1, -1 }, status = 0, err, ret = 1;
	char comm[MT_COMM_LEN + 1];
	pid_t child = -1;

	err = parse_opts(argc, argv, false, &o);
	if (err)
		return err > 0 ? 0 : 2;
	o.follow = true; /* run traces everything CMD spawns */
	if (tracer_open(&t, &o, argc - optind, argv + optind))
		goto cleanup;
	if (pipe2(go, O_CLOEXEC)) {
		fprintf(stderr, "mcptrace: pipe: %s\n", strerror(errno));
		goto cleanup;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "mcptrace: fork: %s\n", strerror(errno));
		goto cleanup;
	}
	if (child == 0) {
		char c;

		/* Wait until the parent traces us, so nothing CMD does is missed. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		close(go[0]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "mcptrace: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	go[0] = -1;
	t.root = child;
	err = capture__add_pid(t.cap, child, true);
	if (err) {
		fprintf(stderr, "mcptrace: cannot trace pid %d: %s\n", child, strerror(-err));
		kill(child, SIGKILL);
		goto cleanup;
	}
	snprintf(comm, sizeof(comm), "%s", argv[optind]);
	note_process(&t, child, getpid(), comm, now_ns(CLOCK_REALTIME));
	install_signals();
	fprintf(stderr, "mcptrace: tracing %s (pid %d) into %s\n", argv[optind], child, o.db_path);
	if (write(go[1], "g", 1) != 1) {
		fprintf(stderr, "mcptrace: cannot start %s\n", argv[optind]);
		goto cleanup;
	}
	close(go[1]);
	go[1] = -1;
	for (;;) {
		trace_loop(&t, run_done);
		if (!stop_signal || run_done(&t))
			break;
		/* A signal: pass it on to CMD (Ctrl-C reached it already) and
		 * keep tracing until it exits, unless signalled again. */
		kill(child, stop_signal);
		stop_signal = 0;
		trace_loop(&t, run_done);
		break;
	}
	if (t.root_reaped || waitpid(child, &status, t.root_exited ? 0 : WNOHANG) == child) {
		if (t.root_reaped)
			status = t.root_status;
		if (WIFEXITED(status))
			ret = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			ret = 128 + WTERMSIG(status);
	} else {
		ret = 128 + SIGINT;
	}
cleanup:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	tracer_close(&t);
	return ret;
}

int cmd_attach(int argc, char **argv)
{
	struct trace_opts o;
	struct tracer t = { 0 };
	char comm[64];
	int err;

	err = parse_opts(argc, argv, true, &o);
	if (err)
		return err > 0 ? 0 : 2;
	for (int i = 0; i < o.npids; i++) {
		if (o.pids[i] == getpid()) {
			fprintf(stderr, "mcptrace: will not trace itself (pid %d)\n", o.pids[i]);
			return 1;
		}
		if (kill(o.pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "mcptrace: no such process: %d\n", o.pids[i]);
			return 1;
		}
	}
	if (tracer_open(&t, &o, argc, argv))
		goto fail;
	for (int i = 0; i < o.npids; i++) {
		err = capture__add_pid(t.cap, o.pids[i], o.follow);
		if (err) {
			fprintf(stderr, "mcptrace: cannot trace pid %d: %s\n", o.pids[i],
				strerror(-err));
			goto fail;
		}
		proc_comm(o.pids[i], comm, sizeof(comm));
		note_process(&t, o.pids[i], ST_NULL, comm, ST_NULL);
		capture__hook_tls(t.cap, o.pids[i], stderr);
	}
	install_signals();
	fprintf(stderr, "mcptrace: tracing %d process%s%s into %s; Ctrl-C stops\n", o.npids,
		o.npids == 1 ? "" : "es", o.follow ? " and their new children" : "", o.db_path);
	trace_loop(&t, attach_done);
	tracer_close(&t);
	return 0;
fail:
	tracer_close(&t);
	return 1;
}
