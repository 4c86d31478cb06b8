/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cmd_trace: `mcptrace run` and `mcptrace attach`: their options, and
 * which processes they trace until when. The trace itself is tracer.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "capture/capture.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/text.h"
#include "cmd/tracer.h"
#include "db/store.h"
#include "mcp/redact.h"

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
		"OPTIONS := { --db FILE | --quiet | --json | --max-msg SIZE | --ring-size SIZE |\n"
		"             --no-redact | --redact-key NAME }\n"
		"  -d, --db FILE        trace DB to create or append to (default " CLI_DEFAULT_DB ")\n"
		"  -q, --quiet          print no call lines\n"
		"  -j, --json           print call lines as JSON Lines\n"
		"  -m, --max-msg SIZE   bytes copied per read/write and kept per message\n"
		"                       (default 16m; 4k..1g); bytes past it are counted\n"
		"                       and the message is marked truncated\n"
		"  -r, --ring-size SIZE kernel ring buffer, a power of two (default 64m)\n"
		"  -p, --pid PID        (attach) a process to trace; repeat for more\n"
		"  -f, --follow         (attach) also trace children they spawn from now on\n"
		"      --no-redact      store bodies as sent: by default credentials in them\n"
		"                       (cloud and API keys, tokens, JWTs, private keys,\n"
		"                       passwords in URLs, members named like password,\n"
		"                       secret, token, api_key) are replaced by a marker\n"
		"                       with a short hash: [redacted:TYPE:1a2b3c4d]\n"
		"      --redact-key NAME  also redact string members named NAME (any case,\n"
		"                       - and _ ignored); repeat for more\n"
		"\n"
		"Exit status: run returns CMD's; attach 0. Both exit 3 when the trace DB\n"
		"cannot be written (a full disk): tracing stops at the first failure and\n"
		"says why; run lets CMD finish first. 2 is a usage error.\n"
		"\n"
		"Examples:\n"
		"  sudo mcptrace run -- npx @modelcontextprotocol/inspector ...\n"
		"  sudo mcptrace attach -p $(pgrep -f my-mcp-server) --db server.db\n"
		"  mcptrace stats --db server.db\n");
}

/* Whether name is one --redact-key takes: said before any DB is made. */
static bool redact_key_ok(const char *name)
{
	struct redactor *r = redactor__new();
	int err = r ? redactor__add_key(r, name) : -ENOMEM;

	redactor__free(r);
	if (err)
		fprintf(stderr, "mcptrace: --redact-key '%s': %s\n", name,
			err == -EINVAL ? "a key name is letters, digits, - and _" : strerror(-err));
	return !err;
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
		{ "no-redact", no_argument, NULL, 'N' },
		{ "redact-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long long v;
	int c;

	*o = (struct trace_opts){
		.db_path = CLI_DEFAULT_DB,
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
			if (cli__parse_size("--max-msg", optarg, 4096, 1ULL << 30, &o->max_msg))
				return -EINVAL;
			break;
		case 'r':
			if (cli__parse_size("--ring-size", optarg, 1u << 20, 1ULL << 30, &o->ring_bytes))
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
			if (o->npids == TRACE_MAX_PIDS) {
				fprintf(stderr, "mcptrace: at most %d -p options\n", TRACE_MAX_PIDS);
				return -EINVAL;
			}
			if (cli__parse_int("-p", optarg, 1, 4194304, &v))
				return -EINVAL;
			o->pids[o->npids++] = (pid_t)v;
			break;
		case 'f':
			o->follow = true;
			break;
		case 'N':
			o->no_redact = true;
			break;
		case 'K':
			if (o->nredact_keys == TRACE_MAX_REDACT_KEYS) {
				fprintf(stderr, "mcptrace: at most %d --redact-key options\n",
					TRACE_MAX_REDACT_KEYS);
				return -EINVAL;
			}
			if (!redact_key_ok(optarg))
				return -EINVAL;
			o->redact_keys[o->nredact_keys++] = optarg;
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

/* Waits for CMD once the trace is over, passing signals on to it. */
static void wait_untraced(pid_t child)
{
	int status;

	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		if (tracer__signal()) {
			kill(child, tracer__signal());
			tracer__clear_signal();
		}
}

int cmd_run(int argc, char **argv)
{
	struct trace_opts o;
	struct tracer t = { 0 };
	int go[2] = { -1, -1 }, status = 0, err, ret = 1;
	char comm[MT_COMM_LEN + 1], cmd_shown[256] = "", db_shown[512];
	bool closed = false;
	pid_t child = -1;

	err = parse_opts(argc, argv, false, &o);
	if (err)
		return err > 0 ? 0 : 2;
	o.follow = true; /* run traces everything CMD spawns */
	if (tracer__open(&t, &o, argc - optind, argv + optind))
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
		err = errno;
		text__escape(argv[optind], cmd_shown, sizeof(cmd_shown));
		fprintf(stderr, "mcptrace: cannot run %s: %s\n", cmd_shown, strerror(err));
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
	/* Hooked before CMD runs: its first TLS call is read too. */
	capture__prepare_tls(t.cap, argv + optind);
	snprintf(comm, sizeof(comm), "%s", argv[optind]);
	tracer__note_process(&t, child, getpid(), comm, tracer__now_ns(CLOCK_REALTIME));
	tracer__install_signals();
	/* The command's name as a line can show it: a control character in
	 * it would act on the terminal. */
	text__escape(argv[optind], cmd_shown, sizeof(cmd_shown));
	text__escape(o.db_path, db_shown, sizeof(db_shown));
	fprintf(stderr, "mcptrace: tracing %s (pid %d) into %s\n", cmd_shown, child, db_shown);
	if (write(go[1], "g", 1) != 1) {
		fprintf(stderr, "mcptrace: cannot start %s\n", cmd_shown);
		goto cleanup;
	}
	close(go[1]);
	go[1] = -1;
	for (;;) {
		err = tracer__loop(&t, run_done);
		if (err || !tracer__signal() || run_done(&t))
			break;
		/* A signal: pass it on to CMD (Ctrl-C reached it already) and
		 * keep tracing until it exits, unless signalled again. */
		kill(child, tracer__signal());
		tracer__clear_signal();
		err = tracer__loop(&t, run_done);
		break;
	}
	if (err) {
		/* The trace is over but CMD is not: it goes on as it would
		 * have without us, and run still returns when it exits. */
		tracer__close(&t);
		closed = true;
		if (!run_done(&t)) {
			fprintf(stderr, "mcptrace: %s (pid %d) goes on untraced; waiting for it to exit\n",
				cmd_shown, child);
			wait_untraced(child);
		}
		goto cleanup;
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
	/* A trace that failed fails the command, whatever CMD returned. */
	if (!closed && tracer__close(&t))
		ret = EXIT_TRACE_FAILED;
	return closed ? EXIT_TRACE_FAILED : ret;
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
	if (tracer__open(&t, &o, argc, argv))
		goto fail;
	for (int i = 0; i < o.npids; i++) {
		err = capture__add_pid(t.cap, o.pids[i], o.follow);
		if (err) {
			fprintf(stderr, "mcptrace: cannot trace pid %d: %s\n", o.pids[i],
				strerror(-err));
			goto fail;
		}
		tracer__proc_comm(o.pids[i], comm, sizeof(comm));
		tracer__note_process(&t, o.pids[i], ST_NULL, comm, ST_NULL);
		capture__hook_tls(t.cap, o.pids[i]);
	}
	/* Children to come may load a TLS library the parents do not run. */
	if (o.follow)
		capture__prepare_tls(t.cap, NULL);
	tracer__install_signals();
	fprintf(stderr, "mcptrace: tracing %d process%s%s into %s; Ctrl-C stops\n", o.npids,
		o.npids == 1 ? "" : "es", o.follow ? " and their new children" : "", o.db_path);
	err = tracer__loop(&t, attach_done);
	return tracer__close(&t) || err ? EXIT_TRACE_FAILED : 0;
fail:
	tracer__close(&t);
	return 1;
}
