/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture: the user-space half of the kernel side. It opens, configures,
 * loads and attaches bpf/mcptrace.bpf.c through its skeleton, owns the ring
 * buffer, and hands each record, unchanged, to one callback. It also edits
 * the two maps user space may touch: traced_pids (which processes) and
 * mute_req (which streams to stop copying).
 *
 * With TLS hooking on (capture_opts.tls) it also attaches the TLS uprobes
 * of bpf/ to each traced process that runs a TLS library (found by
 * tls_lib), per process (pid-filtered), so that other processes using the
 * same library pay nothing: when a process is added, when a followed child
 * is forked (it inherits its parent's libraries), when it execs (a new
 * program), and when it maps a file executable (a library loaded, or
 * dlopen'd, later; the kernel sends MT_EV_MMAP and wakes us at once).
 * Hooks of a process go with its exit record; they are detached on a
 * thread of their own, as each detach waits for an RCU grace period (tens
 * of milliseconds) and the ring buffer must not wait for that.
 *
 * Edges: the records are passed on as raw bytes starting with struct
 * mt_event_hdr, after a size check only (MT_EV_MMAP is kept here); making
 * sense of streams is for the stages after this one. Everything here needs
 * root (CAP_BPF and CAP_PERFMON) and a kernel with BTF. A library mapped
 * and used within the moment user space takes to hook it loses those
 * first calls.
 */
#include <errno.h>
#include <pthread.h>
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
#include "capture/tls_lib.h"

#define DEFAULT_RINGBUF_BYTES (16u << 20)


/* A file inspected for TLS entry points, by device and inode. */
struct tls_file {
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	struct tls_lib lib;
	char *path; /* as the first process that mapped it names it */
};

/* The uprobes of one TLS library in one process. */
struct tls_hook {
	pid_t pid;
	struct tls_file *file;
	int nlinks;
	struct bpf_link *links[2 * TLS_LIB_MAX_FUNCS];
	struct tls_hook *next;
};

struct capture {
	struct mcptrace_bpf *skel;
	struct ring_buffer *rb;
	capture_event_fn fn;
	void *ctx;
	bool follow;
	bool tls;
	FILE *tls_report;
	struct tls_file **files;
	size_t nfiles, files_cap;
	struct tls_hook *hooks;
	/* Hooks to detach, and the thread that does it. */
	pthread_mutex_t reap_lock;
	pthread_cond_t reap_cond;
	struct tls_hook *reap;
	bool reap_started, reap_stop;
	pthread_t reaper;
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

static void tls_unhook_pid(struct capture *c, pid_t pid);
static int tls_hook_pid(struct capture *c, pid_t pid, FILE *report, bool report_none);
static struct tls_file *tls_file_find(struct capture *c, unsigned int maj, unsigned int min,
				      uint64_t ino);

/* Keeps the TLS hooks of traced processes current: new processes, new
 * programs, new libraries, processes gone. */
static void tls_on_record(struct capture *c, const struct mt_event_hdr *h, size_t size)
{
	const struct mt_proc_event *p = (const void *)h;
	const struct mt_mmap_event *m = (const void *)h;
	struct tls_file *f;

	switch (h->type) {
	case MT_EV_FORK:
		if (size >= sizeof(*p))
			tls_hook_pid(c, (pid_t)p->child_tgid, c->tls_report, false);
		break;
	case MT_EV_EXEC:
		/* The new program may carry TLS in its executable (node). The
		 * hooks already there stay: a pid-bound uprobe follows its
		 * task's current mm, so they serve the new program if it maps
		 * the same library, and cost nothing if it does not. */
		tls_hook_pid(c, (pid_t)h->tgid, c->tls_report, false);
		break;
	case MT_EV_EXIT:
		tls_unhook_pid(c, (pid_t)h->tgid);
		break;
	case MT_EV_MMAP:
		if (size < sizeof(*m))
			break;
		/* A file already known to hold no TLS code: nothing to do. */
		f = tls_file_find(c, m->dev >> 20, m->dev & 0xfffff, m->ino);
		if (f && f->lib.kind == TLS_LIB_NONE)
			break;
		tls_hook_pid(c, (pid_t)h->tgid, c->tls_report, false);
		break;
	default:
		break;
	}
}

/* Checks the record's size before anyone reads it as a struct. */
static int handle_record(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	const struct mt_event_hdr *h = data;

	if (size < sizeof(struct mt_event_hdr))
		return 0;
	if (c->tls)
		tls_on_record(c, h, size);
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

		/* The TLS uprobes are attached per process and per library,
		 * by tls_hook_pid. */
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
	pthread_mutex_init(&c->reap_lock, NULL);
	pthread_cond_init(&c->reap_cond, NULL);
	c->tls = opts && opts->tls;
	c->tls_report = opts ? opts->tls_report : NULL;

	c->skel = mcptrace_bpf__open();
	if (!c->skel) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to open bpf object: %s\n", strerror(-err));
		goto cleanup;
	}
	c->skel->rodata->self_tgid = getpid();
	c->skel->data->max_msg = max_msg;
	c->skel->rodata->wake_bytes = rb_bytes / 4;
	c->skel->rodata->tls_enabled = c->tls;
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

int capture__mute(struct capture *c, uint32_t tgid, uint32_t fd, uint64_t stream_id)
{
	struct mt_fd_key key = {.tgid = tgid, .fd = fd};
	struct mt_fd_stream s;
	__u64 id = stream_id;
	__u8 one = 1;

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
	if (bpf_map__update_elem(c->skel->maps.mute_req, &id, sizeof(id), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
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

/* ---- TLS hooks ---- */

static struct tls_file *tls_file_find(struct capture *c, unsigned int maj, unsigned int min,
				      uint64_t ino)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		struct tls_file *f = c->files[i];

		if (f->ino == ino && f->dev_major == maj && f->dev_minor == min)
			return f;
	}
	return NULL;
}

/* The inspection of a mapped file, done once per file for all processes. */
static struct tls_file *tls_file_get(struct capture *c, pid_t pid, const struct tls_mapping *m)
{
	struct tls_file *f = tls_file_find(c, m->dev_major, m->dev_minor, m->ino);
	char path[4096 + 32];

	if (f)
		return f;
	if (c->nfiles == c->files_cap) {
		size_t cap = c->files_cap ? 2 * c->files_cap : 64;
		struct tls_file **nf = realloc(c->files, cap * sizeof(*nf));

		if (!nf)
			return NULL;
		c->files = nf;
		c->files_cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dev_major = m->dev_major;
	f->dev_minor = m->dev_minor;
	f->ino = m->ino;
	f->path = strdup(m->path);
	/* Through the process's root: its mount namespace may differ. */
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
	if (!f->path || tls_lib__inspect(path, &f->lib))
		f->lib.kind = TLS_LIB_NONE;
	c->files[c->nfiles++] = f;
	return f;
}

static struct tls_hook *tls_hook_find(struct capture *c, pid_t pid, const struct tls_file *f)
{
	for (struct tls_hook *h = c->hooks; h; h = h->next)
		if (h->pid == pid && h->file == f)
			return h;
	return NULL;
}

static void tls_hook_free(struct tls_hook *h)
{
	for (int i = 0; i < h->nlinks; i++)
		bpf_link__destroy(h->links[i]);
	free(h);
}

static void *tls_reaper(void *arg)
{
	struct capture *c = arg;
	struct tls_hook *h;

	pthread_mutex_lock(&c->reap_lock);
	for (;;) {
		while (!c->reap && !c->reap_stop)
			pthread_cond_wait(&c->reap_cond, &c->reap_lock);
		if (!c->reap)
			break;
		h = c->reap;
		c->reap = h->next;
		pthread_mutex_unlock(&c->reap_lock);
		tls_hook_free(h);
		pthread_mutex_lock(&c->reap_lock);
	}
	pthread_mutex_unlock(&c->reap_lock);
	return NULL;
}

/* Hands h to the reaper thread (or frees it here if there is none). */
static void tls_hook_release(struct capture *c, struct tls_hook *h)
{
	if (!c->reap_started) {
		if (pthread_create(&c->reaper, NULL, tls_reaper, c) == 0)
			c->reap_started = true;
	}
	if (!c->reap_started) {
		tls_hook_free(h);
		return;
	}
	pthread_mutex_lock(&c->reap_lock);
	h->next = c->reap;
	c->reap = h;
	pthread_cond_signal(&c->reap_cond);
	pthread_mutex_unlock(&c->reap_lock);
}

static void tls_unhook_pid(struct capture *c, pid_t pid)
{
	struct tls_hook **pp = &c->hooks, *h;

	while ((h = *pp)) {
		if (h->pid == pid) {
			*pp = h->next;
			tls_hook_release(c, h);
		} else {
			pp = &h->next;
		}
	}
}

/* s for a diagnostic line: comm and the paths in maps are the traced
 * process's to choose, so anything but printable ASCII becomes '?', and a
 * hostile name can neither drive the terminal nor split the line. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Attaches an entry uprobe and a return uprobe on every entry point of f,
 * for pid only. */
static int tls_attach(struct capture *c, pid_t pid, struct tls_file *f, FILE *report)
{
	char path[4096 + 32], shown[512];
	struct tls_hook *h;
	int err = 0;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->pid = pid;
	h->file = f;
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, f->path);
	for (int i = 0; i < f->lib.nfuncs; i++) {
		const struct tls_func *fn = &f->lib.funcs[i];

		for (int ret = 0; ret <= 1; ret++) {
			LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = fn->cookie, .retprobe = ret);
			struct bpf_program *prog =
				ret ? c->skel->progs.tls_exit : c->skel->progs.tls_enter;
			struct bpf_link *l;

			l = bpf_program__attach_uprobe_opts(prog, pid, path, fn->offset, &o);
			if (!l) {
				err = -errno;
				/* A process that exited (or exec'd away) between its
				 * record and this hook has nothing left to hook. */
				if (report && err != -ESRCH && err != -ENOENT)
					fprintf(report, "mcptrace: pid %d: failed to attach %s %s in %s: %s\n",
						pid, ret ? "uretprobe" : "uprobe", fn->name,
						printable(f->path, shown, sizeof(shown)),
						strerror(-err));
				tls_hook_free(h);
				return err;
			}
			h->links[h->nlinks++] = l;
		}
	}
	h->next = c->hooks;
	c->hooks = h;
	return 0;
}

struct tls_scan {
	struct capture *c;
	pid_t pid;
	FILE *report;
	char comm[32];
	int hooked;		 /* TLS libraries hooked in pid, new or old */
	const char *stripped_exe; /* the executable, if it has no symbols */
	char stripped_buf[4096];
};

static int tls_scan_one(void *ctx, const struct tls_mapping *m)
{
	struct tls_scan *s = ctx;
	struct tls_file *f = tls_file_get(s->c, s->pid, m);
	char names[256] = "", path[512];

	if (!f)
		return 0;
	if (f->lib.kind == TLS_LIB_NONE) {
		if (m->is_exe && f->lib.no_symbols) {
			snprintf(s->stripped_buf, sizeof(s->stripped_buf), "%s", m->path);
			s->stripped_exe = s->stripped_buf;
		}
		return 0;
	}
	if (tls_hook_find(s->c, s->pid, f)) {
		s->hooked++;
		return 0;
	}
	if (tls_attach(s->c, s->pid, f, s->report))
		return 0;
	s->hooked++;
	if (!s->report)
		return 0;
	for (int i = 0; i < f->lib.nfuncs; i++) {
		size_t len = strlen(names);

		snprintf(names + len, sizeof(names) - len, "%s%s", i ? " " : "",
			 f->lib.funcs[i].name);
	}
	fprintf(s->report, "mcptrace: pid %d (%s): hooked TLS in %s%s (%s: %s)\n", s->pid,
		s->comm, printable(f->path, path, sizeof(path)), m->is_exe ? " (the executable)" : "",
		tls_lib__kind_name(f->lib.kind), names);
	return 0;
}

static int tls_hook_pid(struct capture *c, pid_t pid, FILE *report, bool report_none)
{
	struct tls_scan s = { .c = c, .pid = pid, .report = report };
	char path[512];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(s.comm, sizeof(s.comm), f))
			s.comm[strcspn(s.comm, "\n")] = '\0';
		fclose(f);
		printable(s.comm, s.comm, sizeof(s.comm));
	}
	err = tls_lib__scan_maps(pid, tls_scan_one, &s);
	if (err < 0) {
		if (report && report_none)
			fprintf(report, "mcptrace: pid %d: cannot read its maps to find TLS libraries: %s\n",
				pid, strerror(-err));
		return err;
	}
	if (report && report_none && !s.hooked) {
		if (s.stripped_exe)
			fprintf(report, "mcptrace: pid %d (%s): no TLS library found; %s has no symbols "
					"(stripped), so TLS linked into it cannot be read\n",
				pid, s.comm, printable(s.stripped_exe, path, sizeof(path)));
		else
			fprintf(report, "mcptrace: pid %d (%s): no TLS library found\n", pid, s.comm);
	}
	return s.hooked;
}

int capture__hook_tls(struct capture *c, pid_t pid, FILE *report)
{
	if (!c->tls)
		return -EOPNOTSUPP;
	return tls_hook_pid(c, pid, report, true);
}

void capture__free(struct capture *c)
{
	if (!c)
		return;
	while (c->hooks) {
		struct tls_hook *h = c->hooks;

		c->hooks = h->next;
		tls_hook_release(c, h);
	}
	if (c->reap_started) {
		pthread_mutex_lock(&c->reap_lock);
		c->reap_stop = true;
		pthread_cond_signal(&c->reap_cond);
		pthread_mutex_unlock(&c->reap_lock);
		pthread_join(c->reaper, NULL);
	}
	pthread_mutex_destroy(&c->reap_lock);
	pthread_cond_destroy(&c->reap_cond);
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i]->path);
		free(c->files[i]);
	}
	free(c->files);
	ring_buffer__free(c->rb);
	mcptrace_bpf__destroy(c->skel);
	free(c);
}
