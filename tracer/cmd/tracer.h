/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tracer: one live trace, the stages wired together: capture -> stream ->
 * session -> sinks (the trace DB, the live lines). It owns the poll loop,
 * the flushes, the stop on a signal or on the first failure of the trace
 * DB, and the clean end that drains the ring buffer, reports requests left
 * unanswered and commits. `run` and `attach` (cmd_trace.c) decide which
 * processes to trace and when the work is over.
 */
#ifndef MT_TRACER_H
#define MT_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmd/output.h"
#include "mcp/sink.h"

#define TRACE_MAX_PIDS 64

#define TRACE_MAX_REDACT_KEYS 32

struct trace_opts {
	const char *db_path;
	enum output_mode mode;
	uint64_t max_msg;
	uint64_t ring_bytes;
	bool follow;
	pid_t pids[TRACE_MAX_PIDS];
	int npids;
	bool no_redact; /* keep credentials in bodies (--no-redact) */
	const char *redact_keys[TRACE_MAX_REDACT_KEYS]; /* --redact-key NAME */
	int nredact_keys;
};

struct tracer {
	struct trace_opts *opts;
	struct capture *cap;
	struct store *store;
	struct stream_table *streams;
	struct sessions *sessions;
	struct redactor *redactor; /* NULL with --no-redact */
	struct sinks sinks; /* where the MCP stage's records go; keeps the first failure */
	struct blind *blind; /* TLS connections no hooked library reads */
	uint64_t nblind; /* how many were found */
	struct output out;
	int64_t mono_to_epoch; /* add to a CLOCK_MONOTONIC ns time */
	pid_t live[4096]; /* traced processes still running */
	int nlive;
	pid_t root; /* run: the command we started */
	bool root_exited;
	bool root_reaped;
	int root_status; /* its wait status, once reaped */
};

/* Checks the machine, opens (or creates) the DB, begins a run whose argv
 * is argv[0..argc), loads the probes. Returns 0 or a negative errno, said
 * on stderr; tracer__close() in either case. */
int tracer__open(struct tracer *t, struct trace_opts *o, int argc, char **argv);
/* Polls until a signal, done(t), or a failure of the trace DB, then drains
 * the ring buffer. Returns 0 or a negative errno (the first failure). */
int tracer__loop(struct tracer *t, bool (*done)(struct tracer *t));
/* Ends the trace and frees it. Returns 0, or the first failure of the
 * trace DB (said on stderr): the command must then fail. */
int tracer__close(struct tracer *t);
/* A process joins the trace (ppid and ts may be ST_NULL). */
void tracer__note_process(struct tracer *t, pid_t pid, int64_t ppid, const char *comm, int64_t ts);
/* The consumers of a trace's records: the trace DB (also the source of
 * ids), then the live lines. */
void tracer__init_sinks(struct sinks *sinks, struct store *store, struct output *out);

/* SIGINT and SIGTERM stop the loop; the signal is kept until taken. */
void tracer__install_signals(void);
int tracer__signal(void);
void tracer__clear_signal(void);

int64_t tracer__now_ns(int clock_id);
/* pid's name from /proc into buf; "" when it is gone. */
void tracer__proc_comm(pid_t pid, char *buf, size_t size);

#endif
