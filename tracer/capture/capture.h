/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture: loads the BPF programs, keeps the set of traced processes, and
 * hands every ring-buffer record to one callback. It knows nothing of
 * framing or JSON-RPC; everything after it can be fed from a buffer.
 */
#ifndef MT_CAPTURE_H
#define MT_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct capture;

/* Called for each record; data starts with struct mt_event_hdr. Return 0,
 * or a negative errno to stop polling. */
typedef int (*capture_event_fn)(void *ctx, const void *data, size_t size);

struct capture_opts {
	uint32_t max_msg;	/* per-syscall copy cap in bytes; 0: MT_DEFAULT_MAX_MSG */
	uint32_t ringbuf_bytes; /* ring buffer size, a power of two; 0: 16 MiB */
	bool follow;		/* trace children forked later by every traced process */
	bool tls;		/* hook the TLS libraries of traced processes (uprobes) */
	FILE *tls_report;	/* if set, a line per process and TLS file it runs */
};

/* Whether this process may trace at all (capabilities, kernel BTF); says
 * why not in one line on stderr. Cheap: call it before creating anything. */
int capture__check(void);
/* Opens, loads and attaches. Fails with a negative errno and a one-line
 * message on stderr (not root, no BTF, ...). */
int capture__open(struct capture **out, const struct capture_opts *opts, capture_event_fn fn,
		  void *ctx);
/* Adds a process (tgid) to the traced set; follow as in capture_opts. */
int capture__add_pid(struct capture *c, pid_t tgid, bool follow);
/* Before the traced command runs: hooks the system's TLS libraries and
 * the executables its words name (tls_hooks__prepare). -EOPNOTSUPP: TLS
 * hooking is off. */
int capture__prepare_tls(struct capture *c, char *const words[]);
/* Hooks the TLS files tgid runs now (shared libraries, or OpenSSL inside
 * its executable), and says so on opts.tls_report, or that it runs none it
 * can read. Processes exec'ing or mapping files later are hooked by
 * capture itself. Returns the number of TLS files tgid runs, or a
 * negative errno (-EOPNOTSUPP: opts.tls was off). */
int capture__hook_tls(struct capture *c, pid_t tgid);
/* How many hooked TLS files tgid runs, as the records read so far tell
 * (tls_hooks__running): 0 says that no TLS connection of tgid can be
 * read. -EOPNOTSUPP: TLS hooking is off. */
int capture__tls_running(struct capture *c, pid_t tgid);
/* Removes a process from the traced set (it exiting does that too). */
int capture__del_pid(struct capture *c, pid_t tgid);
/* Stops copying one stream's bytes (offsets still count). stream_id guards
 * against the fd having been reused meanwhile. watch: the kernel un-mutes
 * it at a syscall whose bytes start a line with '{' or '[' (MT_MUTE_WATCH). */
int capture__mute(struct capture *c, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool watch);
/* The bytes moved each way (enum mt_dir) on stream_id, fd of tgid, as the
 * kernel counted them, muted or not; -ESTALE if the fd now names another
 * stream, -ENOENT if the kernel forgot it. */
int capture__stream_offsets(struct capture *c, uint32_t tgid, uint32_t fd, uint64_t stream_id,
			    uint64_t offset[2]);
/* Waits up to timeout_ms for records and delivers them. Returns the number
 * handled, or a negative errno (-EINTR is not an error for callers). */
int capture__poll(struct capture *c, int timeout_ms);
/* Records the ring buffer had no room for, summed over CPUs. */
void capture__lost(struct capture *c, uint64_t *events, uint64_t *bytes);
void capture__free(struct capture *c);

#endif
