/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture: the user-space half of the kernel side. It opens, configures,
 * loads and attaches bpf/mcptrace.bpf.c through its skeleton, owns the ring
 * buffer, and hands each record, unchanged, to one callback. It also edits
 * the two maps user space may touch: traced_pids (which processes) and
 * mute_req (which streams to stop copying).
 *
 * With TLS hooking on (capture_opts.tls) it owns the TLS uprobes too
 * (tls_hooks: per library file, for every process, from the first byte).
 *
 * Edges: the records are passed on as raw bytes starting with struct
 * mt_event_hdr, after a size check only (MT_EV_MMAP is kept here); making
 * sense of streams is for the stages after this one. Everything here needs
 * root (CAP_BPF and CAP_PERFMON) and a kernel with BTF.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/types.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mcptrace.h"
#include "capture/capture.h"
#include "capture/machine.h"
#include "mcptrace.skel.h"
#include "capture/tls_hooks.h"

#define DEFAULT_RINGBUF_BYTES (16u << 20)


struct capture {
	struct mcptrace_bpf *skel;
	struct ring_buffer *rb;
	capture_event_fn fn;
	void *ctx;
	bool follow;
	struct tls_hooks *tls; /* NULL: TLS hooking is off */
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Checks the record's size before anyone reads it as a struct. */
static int handle_record(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	const struct mt_event_hdr *h = data;

	if (size < sizeof(struct mt_event_hdr))
		return 0;
	if (c->tls)
		tls_hooks__on_record(c->tls, h, size);
	if (h->type == MT_EV_MMAP)
		return 0;
	return c->fn(c->ctx, data, size);
}

/*
 * Attaches every program by hand rather than with the skeleton's attach,
 * so that a failure can name the tracepoint. The links go where the
 * skeleton keeps them, so mcptrace_bpf__destroy() detaches them.
 */
static int attach_all(struct mcptrace_bpf *skel)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link *link;

		/* The TLS uprobes are attached per library file, by
		 * tls_hooks. */
		if (bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			fprintf(stderr, "mcptrace: failed to attach %s: %s\n",
				bpf_program__section_name(prog), strerror(-err));
			return err;
		}
		*s->progs[i].link = link;
	}
	return 0;
}

int capture__open(struct capture **out, const struct capture_opts *opts, capture_event_fn fn,
		  void *ctx)
{
	struct capture *c = NULL;
	__u32 rb_bytes = opts && opts->ringbuf_bytes ? opts->ringbuf_bytes : DEFAULT_RINGBUF_BYTES;
	__u32 max_msg = opts && opts->max_msg ? opts->max_msg : MT_DEFAULT_MAX_MSG;
	long page = sysconf(_SC_PAGESIZE);
	int err;

	*out = NULL;
	libbpf_set_print(getenv("MCPTRACE_DEBUG") ? libbpf_print : libbpf_quiet);

	if ((rb_bytes & (rb_bytes - 1)) || rb_bytes < (__u32)page) {
		fprintf(stderr, "mcptrace: ring buffer size %u is not a power of two of at least %ld bytes\n",
			rb_bytes, page);
		return -EINVAL;
	}
	if (!fn)
		return -EINVAL;
	err = capture__check();
	if (err)
		return err;
	err = machine__ensure_tracefs();
	if (err)
		return err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->ctx = ctx;
	c->follow = opts && opts->follow;

	c->skel = mcptrace_bpf__open();
	if (!c->skel) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to open bpf object: %s\n", strerror(-err));
		goto cleanup;
	}
	c->skel->rodata->self_tgid = getpid();
	c->skel->data->max_msg = max_msg;
	c->skel->rodata->wake_bytes = rb_bytes / 4;
	c->skel->rodata->tls_enabled = opts && opts->tls;
	err = bpf_map__set_max_entries(c->skel->maps.rb, rb_bytes);
	if (err) {
		fprintf(stderr, "mcptrace: failed to size ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}

	err = mcptrace_bpf__load(c->skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			fprintf(stderr, "mcptrace: failed to load bpf programs: permission denied "
					"(needs root, CAP_BPF and CAP_PERFMON)\n");
		else
			fprintf(stderr, "mcptrace: failed to load bpf programs: %s%s\n", strerror(-err),
				getenv("MCPTRACE_DEBUG") ? "" : " (MCPTRACE_DEBUG=1 shows why)");
		goto cleanup;
	}

	err = attach_all(c->skel);
	if (err)
		goto cleanup;
	if (opts && opts->tls) {
		err = tls_hooks__new(&c->tls, c->skel->progs.tls_enter, c->skel->progs.tls_exit,
				     opts->tls_report);
		if (err)
			goto cleanup;
		tls_hooks__set_go(c->tls, c->skel->progs.go_tls_enter, c->skel->progs.go_tls_ret);
	}

	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.rb), handle_record, c, NULL);
	if (!c->rb) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to create ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	*out = c;
	return 0;

cleanup:
	capture__free(c);
	return err;
}

int capture__add_pid(struct capture *c, pid_t tgid, bool follow)
{
	__u32 key = tgid;
	__u32 flags = follow || c->follow ? MT_PID_FOLLOW : 0;

	/* The tracer tracing its own writes would feed on itself. */
	if (tgid <= 0 || tgid == getpid())
		return -EINVAL;
	if (bpf_map__update_elem(c->skel->maps.traced_pids, &key, sizeof(key), &flags,
				 sizeof(flags), BPF_ANY))
		return -errno;
	return 0;
}

int capture__del_pid(struct capture *c, pid_t tgid)
{
	__u32 key = tgid;

	if (bpf_map__delete_elem(c->skel->maps.traced_pids, &key, sizeof(key), 0))
		return -errno;
	return 0;
}

int capture__mute(struct capture *c, uint32_t tgid, uint32_t fd, uint64_t stream_id, bool watch)
{
	struct mt_fd_key key = {.tgid = tgid, .fd = fd};
	struct mt_fd_stream s;
	__u64 id = stream_id;
	__u8 how = watch ? MT_MUTE_WATCH : MT_MUTE_ALL;

	/* A TLS stream's records may name no fd yet (MT_FD_UNKNOWN); its
	 * id is never reused, so asking to mute it is safe either way. */
	if (fd != MT_FD_UNKNOWN) {
		if (bpf_map__lookup_elem(c->skel->maps.fd_streams, &key, sizeof(key), &s,
					 sizeof(s), 0))
			return -errno;
		if (s.stream_id != stream_id && s.tls_sid != stream_id)
			return -ESTALE;
	}
	/* The kernel applies the request on the stream's next syscall; writing
	 * fd_streams from here could roll back offsets it is advancing. */
	if (bpf_map__update_elem(c->skel->maps.mute_req, &id, sizeof(id), &how, sizeof(how),
				 BPF_ANY))
		return -errno;
	return 0;
}

int capture__stream_offsets(struct capture *c, uint32_t tgid, uint32_t fd, uint64_t stream_id,
			    uint64_t offset[2])
{
	struct mt_fd_key key = {.tgid = tgid, .fd = fd};
	struct mt_fd_stream s;

	if (bpf_map__lookup_elem(c->skel->maps.fd_streams, &key, sizeof(key), &s, sizeof(s), 0))
		return -errno;
	if (s.stream_id != stream_id)
		return -ESTALE;
	offset[0] = s.offset[0];
	offset[1] = s.offset[1];
	return 0;
}

int capture__poll(struct capture *c, int timeout_ms)
{
	int n, m;

	n = ring_buffer__poll(c->rb, timeout_ms);
	if (n < 0)
		return n;
	/* The kernel side submits without waking us until a quarter of the
	 * ring is full, so epoll may time out with records waiting. */
	m = ring_buffer__consume(c->rb);
	if (m < 0)
		return m;
	return n + m;
}

void capture__lost(struct capture *c, uint64_t *events, uint64_t *bytes)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mt_lost *vals;
	__u32 zero = 0;
	int i;

	*events = 0;
	*bytes = 0;
	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	if (!bpf_map__lookup_elem(c->skel->maps.lost, &zero, sizeof(zero), vals,
				  ncpu * sizeof(*vals), 0)) {
		for (i = 0; i < ncpu; i++) {
			*events += vals[i].events;
			*bytes += vals[i].bytes;
		}
	}
	free(vals);
}

int capture__hook_tls(struct capture *c, pid_t pid)
{
	if (!c->tls)
		return -EOPNOTSUPP;
	return tls_hooks__scan_pid(c->tls, pid, true);
}

int capture__tls_running(struct capture *c, pid_t pid)
{
	if (!c->tls)
		return -EOPNOTSUPP;
	return tls_hooks__running(c->tls, pid);
}

int capture__prepare_tls(struct capture *c, char *const words[])
{
	if (!c->tls)
		return -EOPNOTSUPP;
	tls_hooks__prepare(c->tls, words);
	return 0;
}

void capture__free(struct capture *c)
{
	if (!c)
		return;
	tls_hooks__free(c->tls);
	ring_buffer__free(c->rb);
	mcptrace_bpf__destroy(c->skel);
	free(c);
}
