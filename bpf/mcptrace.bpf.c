// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel side of mcptrace. Syscall tracepoints see every read and write
 * of a traced process; the ones on pipes, sockets and character devices are
 * copied, in chunks, into one ring buffer as struct mt_data_event records,
 * each tagged with its stream and its offset in that stream. Regular files
 * and everything else are never copied. The sched tracepoints keep the set
 * of traced processes (traced_pids) current across fork, exec and exit.
 *
 * Edges: only tracepoints (this kernel has no kprobes or fentry). Syscalls
 * not hooked here (pread/pwrite, splice, sendfile, sendmmsg/recvmmsg,
 * io_uring) are not seen. The ring buffer may be full: such records are
 * counted in "lost" and user space sees the gap through the offsets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "mcptrace.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* iovecs looked at per syscall (UIO_MAXIOV); bytes in iovecs past it are
 * announced as skipped. */
#define MT_IOV_MAX 1024

#define DATA_HDR sizeof(struct mt_data_event)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load. */
const volatile __u32 self_tgid = 0;
const volatile __u32 max_msg = MT_DEFAULT_MAX_MSG;
const volatile __u64 wake_bytes = 1 << 20; /* wake the reader past this */

/* Stream ids come from here; the first one handed out is 1. */
__u64 next_stream_id = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tgid */
	__type(value, __u32); /* MT_PID_* */
} traced_pids SEC(".maps");

/* LRU: a process that exits leaves its fds here without closing them; the
 * least recently used entries make room instead of the map filling up. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mt_fd_key);
	__type(value, struct mt_fd_stream);
} fd_streams SEC(".maps");

/* Stream ids user space asked to mute. The kernel moves the request into
 * fd_streams itself, so user space never writes a value the kernel is
 * updating (a user-space write would roll offsets back). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} mute_req SEC(".maps");

struct sc_args {
	__u64 file;
	__u64 ino;
	__u64 peer_ino;
	__u64 buf; /* the buffer, or the struct iovec array when vec */
	__u32 fd;
	__u32 iovcnt;
	__u8 dir;
	__u8 kind;
	__u8 vec;
	__u8 _pad[5];
};

/* Syscall arguments from entry to exit, per thread. LRU so a thread that
 * dies inside a syscall, or a process untraced meanwhile, cannot leak. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct sc_args);
} args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* user space sets the real size */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mt_lost);
} lost SEC(".maps");

/* The one filter every program applies first: cheap enough that an
 * untraced process pays a compare and one hash lookup per syscall. */
static __always_inline __u32 *trace_flags(__u32 tgid)
{
	if (tgid == self_tgid)
		return NULL;
	return bpf_map_lookup_elem(&traced_pids, &tgid);
}

static __always_inline bool trace_allowed(__u32 tgid)
{
	return trace_flags(tgid) != NULL;
}

static __always_inline void count_lost(__u64 bytes)
{
	__u32 zero = 0;
	struct mt_lost *l = bpf_map_lookup_elem(&lost, &zero);

	if (l) {
		l->events++;
		l->bytes += bytes;
	}
}

/* Waking the reader for every record would cost more than the copy; wake
 * it only when a good share of the ring is waiting. The reader also drains
 * on its poll timeout, so nothing stays behind for long. */
static __always_inline void submit(void *rec)
{
	__u64 avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(rec, avail >= wake_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void fill_hdr(struct mt_event_hdr *h, __u32 type)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->_pad = 0;
	h->ts_ns = bpf_ktime_get_ns();
}

/*
 * Finds the struct file behind fd in the current task and decides whether
 * its bytes are wanted: pipes, sockets and character devices are; regular
 * files, directories and the rest are not. Fills file, ino, peer_ino, kind.
 */
static __always_inline bool classify(__u32 fd, struct sc_args *a)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;
	struct inode *inode;
	struct socket *sock;
	struct sock *sk, *peer;
	struct socket_alloc *psa;
	__u16 mode, family;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	a->file = (__u64)file;
	a->ino = BPF_CORE_READ(inode, i_ino);
	a->peer_ino = 0;

	switch (mode & S_IFMT) {
	case S_IFIFO:
		a->kind = MT_FD_PIPE;
		return true;
	case S_IFCHR:
		/* Major 1 is /dev/null, /dev/zero, /dev/urandom and kin:
		 * never a peer, often a flood (dd of=/dev/null). */
		if ((BPF_CORE_READ(inode, i_rdev) >> 20) == 1)
			return false;
		a->kind = MT_FD_CHR;
		return true;
	case S_IFSOCK:
		break;
	default:
		return false;
	}

	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET || family == AF_INET6) {
		a->kind = MT_FD_INET;
	} else if (family == AF_UNIX) {
		a->kind = MT_FD_UNIX;
		/* struct sock is the first member of struct unix_sock, and
		 * struct socket the first of struct socket_alloc, whose inode
		 * is the one the peer's fd shows. */
		peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		if (peer) {
			psa = (struct socket_alloc *)BPF_CORE_READ(peer, sk_socket);
			if (psa)
				a->peer_ino = BPF_CORE_READ(psa, vfs_inode.i_ino);
		}
	} else {
		a->kind = MT_FD_SOCK;
	}
	return true;
}

static __always_inline int on_enter(__u32 fd, __u64 buf, __u64 iovcnt, bool vec, __u8 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sc_args a = {};

	if (!trace_allowed(id >> 32))
		return 0;
	if (!classify(fd, &a))
		return 0;
	a.fd = fd;
	a.buf = buf;
	a.iovcnt = iovcnt > MT_IOV_MAX ? MT_IOV_MAX + 1 : iovcnt;
	a.vec = vec;
	a.dir = dir;
	bpf_map_update_elem(&args, &id, &a, BPF_ANY);
	return 0;
}

static __always_inline int on_enter_msg(__u32 fd, __u64 umsg, __u8 dir)
{
	struct user_msghdr msg;

	/* The filter first, before reading the user's msghdr. */
	if (!trace_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)umsg))
		return 0;
	return on_enter(fd, (__u64)msg.msg_iov, msg.msg_iovlen, true, dir);
}

/* Where the chunk loop is; on the stack of the exit program, handed to
 * bpf_loop's callback. */
struct emit_ctx {
	__u64 stream_id;
	__u64 ino;
	__u64 peer_ino;
	__u64 offset;	 /* stream offset of the syscall's first byte */
	__u64 iov;	 /* user address of the iovec array */
	__u64 cur_base;	 /* next user byte to copy */
	__u64 cur_left;	 /* bytes left to copy from the current iovec */
	__u32 remaining; /* bytes left to copy (cap applied) */
	__u32 pos;	 /* bytes of the syscall accounted so far */
	__u32 total;	 /* bytes the syscall moved */
	__u32 fd;
	__u32 iovcnt;
	__u32 iov_idx;
	__u8 dir;
	__u8 kind;
	__u8 vec;
};

static __always_inline void fill_data(struct mt_data_event *e, struct emit_ctx *x, __u32 type,
				      __u32 len, __u16 flags)
{
	fill_hdr(&e->hdr, type);
	e->stream_id = x->stream_id;
	e->ino = x->ino;
	e->peer_ino = x->peer_ino;
	e->offset = x->offset + x->pos;
	e->fd = x->fd;
	e->len = len;
	e->syscall_len = x->total;
	e->dir = x->dir;
	e->fd_kind = x->kind;
	e->flags = flags;
}

/* One size class: reserve just enough ring for len bytes of payload. The
 * reservation size must be a constant, hence the classes. */
#define EMIT_CLASS(N)                                                                              \
	if (len <= (N)) {                                                                          \
		e = bpf_ringbuf_reserve(&rb, DATA_HDR + (N), 0);                                   \
		if (!e)                                                                            \
			goto lost;                                                                 \
		if (bpf_probe_read_user(e->data, len, (void *)x->cur_base)) {                      \
			bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);                                  \
			goto lost;                                                                 \
		}                                                                                  \
		fill_data(e, x, MT_EV_DATA, len, flags);                                           \
		submit(e);                                                                         \
		return;                                                                            \
	}

static __noinline void emit_chunk(struct emit_ctx *x, __u32 len, __u16 flags)
{
	struct mt_data_event *e;

	/* Callers pass at most MT_CHUNK_MAX; the mask only lets the verifier
	 * see a bound across the call. */
	len &= (MT_CHUNK_MAX << 1) - 1;
	EMIT_CLASS(256)
	EMIT_CLASS(1024)
	EMIT_CLASS(4096)
	EMIT_CLASS(16384)
	EMIT_CLASS(MT_CHUNK_MAX)
	return;
lost:
	count_lost(len);
}

static long emit_step(__u32 i __attribute__((unused)), void *data)
{
	struct emit_ctx *x = data;
	struct iovec iv;
	__u32 len;
	__u16 flags = 0;

	if (x->remaining == 0)
		return 1;
	if (x->cur_left == 0) {
		if (!x->vec || x->iov_idx >= x->iovcnt || x->iov_idx >= MT_IOV_MAX)
			return 1;
		if (bpf_probe_read_user(&iv, sizeof(iv),
					(void *)(x->iov + (__u64)x->iov_idx * sizeof(iv))))
			return 1;
		x->iov_idx++;
		x->cur_base = (__u64)iv.iov_base;
		x->cur_left = iv.iov_len < x->remaining ? iv.iov_len : x->remaining;
		if (x->cur_left == 0)
			return 0;
	}
	len = x->cur_left < MT_CHUNK_MAX ? x->cur_left : MT_CHUNK_MAX;
	if (x->pos == 0)
		flags |= MT_F_SYSCALL_START;
	if (x->pos + len == x->total)
		flags |= MT_F_SYSCALL_END;
	emit_chunk(x, len, flags);
	x->cur_base += len;
	x->cur_left -= len;
	x->remaining -= len;
	x->pos += len;
	return 0;
}

struct last_byte_ctx {
	__u64 iov;
	__u32 iovcnt;
	__u32 idx;
	__u64 seen; /* bytes of the iovecs before idx */
	__u64 n; /* bytes the syscall moved */
	__u64 addr; /* OUT: user address of byte n - 1, or 0 */
};

static long last_byte_step(__u32 i __attribute__((unused)), void *data)
{
	struct last_byte_ctx *c = data;
	struct iovec iv;

	if (c->idx >= c->iovcnt || c->idx >= MT_IOV_MAX)
		return 1;
	if (bpf_probe_read_user(&iv, sizeof(iv), (void *)(c->iov + (__u64)c->idx * sizeof(iv))))
		return 1;
	c->idx++;
	if (c->seen + iv.iov_len >= c->n) {
		c->addr = (__u64)iv.iov_base + (c->n - c->seen) - 1;
		return 1;
	}
	c->seen += iv.iov_len;
	return 0;
}

/* Whether the syscall's last byte is a newline: after bytes skipped over
 * the cap, it tells user space that the next byte starts a new message,
 * so nothing more than the cut message is lost. Only paid on skips. */
static __always_inline bool ends_with_newline(struct emit_ctx *x, __u64 buf, __u32 n)
{
	struct last_byte_ctx c = {.iov = x->iov, .iovcnt = x->iovcnt, .n = n};
	char last = 0;

	if (x->vec)
		bpf_loop(MT_IOV_MAX, last_byte_step, &c, 0);
	else
		c.addr = buf + n - 1;
	if (!c.addr || bpf_probe_read_user(&last, 1, (void *)c.addr))
		return false;
	return last == '\n';
}

static __always_inline struct mt_fd_stream *stream_of(__u32 tgid, struct sc_args *a)
{
	struct mt_fd_key key = {.tgid = tgid, .fd = a->fd};
	struct mt_fd_stream *s, ns = {};

	s = bpf_map_lookup_elem(&fd_streams, &key);
	if (s && s->file == a->file)
		return s;
	/* New fd, or the fd number now names another file: a new stream. */
	ns.file = a->file;
	ns.stream_id = __sync_fetch_and_add(&next_stream_id, 1) + 1;
	if (bpf_map_update_elem(&fd_streams, &key, &ns, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&fd_streams, &key);
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct sc_args *ap, a;
	struct mt_fd_stream *s;
	struct emit_ctx x = {};
	struct mt_data_event *e;
	__u32 n, dir;
	__u64 stream_id;

	if (!trace_allowed(tgid))
		return 0;
	ap = bpf_map_lookup_elem(&args, &id);
	if (!ap)
		return 0;
	a = *ap;
	bpf_map_delete_elem(&args, &id);
	if (ret <= 0)
		return 0;
	n = ret;

	s = stream_of(tgid, &a);
	if (!s)
		return 0;
	dir = a.dir & 1;
	x.offset = s->offset[dir];
	/* Offsets count every byte moved, copied or not, so that user space
	 * can tell a gap from a quiet stream. */
	s->offset[dir] += n;
	stream_id = s->stream_id;
	if (!s->muted && bpf_map_lookup_elem(&mute_req, &stream_id)) {
		s->muted = 1;
		bpf_map_delete_elem(&mute_req, &stream_id);
	}
	if (s->muted)
		return 0;

	x.stream_id = stream_id;
	x.ino = a.ino;
	x.peer_ino = a.peer_ino;
	x.fd = a.fd;
	x.total = n;
	x.dir = dir;
	x.kind = a.kind;
	x.vec = a.vec;
	x.remaining = n < max_msg ? n : max_msg;
	if (a.vec) {
		x.iov = a.buf;
		x.iovcnt = a.iovcnt;
	} else {
		x.cur_base = a.buf;
		x.cur_left = x.remaining;
	}
	bpf_loop(x.remaining / MT_CHUNK_MAX + (a.vec ? x.iovcnt : 0) + 1, emit_step, &x, 0);

	if (x.pos >= n)
		return 0;
	/* Past the cap (or the iovecs looked at): say exactly how much. */
	e = bpf_ringbuf_reserve(&rb, DATA_HDR, 0);
	if (!e) {
		count_lost(0);
		return 0;
	}
	fill_data(e, &x, MT_EV_SKIP, n - x.pos,
		  MT_F_SYSCALL_END | (x.pos == 0 ? MT_F_SYSCALL_START : 0) |
			  (ends_with_newline(&x, a.buf, n) ? MT_F_ENDS_LINE : 0));
	submit(e);
	return 0;
}

#define ARG(i) ((__u64)ctx->args[i])

SEC("tp/syscalls/sys_enter_read")
int tp_enter_read(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), ARG(1), 0, false, MT_DIR_READ);
}

SEC("tp/syscalls/sys_enter_write")
int tp_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), ARG(1), 0, false, MT_DIR_WRITE);
}

SEC("tp/syscalls/sys_enter_recvfrom")
int tp_enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), ARG(1), 0, false, MT_DIR_READ);
}

SEC("tp/syscalls/sys_enter_sendto")
int tp_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), ARG(1), 0, false, MT_DIR_WRITE);
}

SEC("tp/syscalls/sys_enter_readv")
int tp_enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), ARG(1), ARG(2), true, MT_DIR_READ);
}

SEC("tp/syscalls/sys_enter_writev")
int tp_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(ARG(0), ARG(1), ARG(2), true, MT_DIR_WRITE);
}

SEC("tp/syscalls/sys_enter_recvmsg")
int tp_enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter_msg(ARG(0), ARG(1), MT_DIR_READ);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int tp_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter_msg(ARG(0), ARG(1), MT_DIR_WRITE);
}

/* All exits look alike: the arguments were saved at entry. */
#define EXIT_PROG(name)                                                                            \
	SEC("tp/syscalls/sys_exit_" #name)                                                         \
	int tp_exit_##name(struct trace_event_raw_sys_exit *ctx)                                   \
	{                                                                                          \
		return on_exit(ctx->ret);                                                          \
	}

EXIT_PROG(read)
EXIT_PROG(write)
EXIT_PROG(recvfrom)
EXIT_PROG(sendto)
EXIT_PROG(readv)
EXIT_PROG(writev)
EXIT_PROG(recvmsg)
EXIT_PROG(sendmsg)

SEC("tp/syscalls/sys_enter_close")
int tp_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct mt_fd_key key = {.tgid = id >> 32, .fd = ARG(0)};
	struct mt_fd_stream *s;
	struct mt_close_event *e;

	if (!trace_allowed(key.tgid))
		return 0;
	s = bpf_map_lookup_elem(&fd_streams, &key);
	if (!s)
		return 0;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (e) {
		fill_hdr(&e->hdr, MT_EV_CLOSE);
		e->stream_id = s->stream_id;
		e->fd = key.fd;
		e->_pad = 0;
		submit(e);
	} else {
		count_lost(0);
	}
	bpf_map_delete_elem(&fd_streams, &key);
	return 0;
}

static __always_inline void emit_proc(__u32 type, __u32 child_tgid, __s32 exit_code)
{
	struct mt_proc_event *e;

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_lost(0);
		return;
	}
	fill_hdr(&e->hdr, type);
	e->child_tgid = child_tgid;
	e->exit_code = exit_code;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	submit(e);
}

/* raw_tp, not the classic tracepoint: the classic one gives pids only, and
 * a thread must not become a traced "process". */
SEC("raw_tp/sched_process_fork")
int on_fork(struct bpf_raw_tracepoint_args *ctx)
{
	/* The parent is the current task. */
	__u32 ptgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *flags = trace_flags(ptgid);
	struct task_struct *child;
	__u32 ctgid, cflags;

	if (!flags || !(*flags & MT_PID_FOLLOW))
		return 0;
	child = (struct task_struct *)ctx->args[1];
	ctgid = BPF_CORE_READ(child, tgid);
	if (ctgid == ptgid)
		return 0; /* a new thread, not a new process */
	cflags = *flags;
	/* The child is not running yet: added here, it misses nothing. */
	if (bpf_map_update_elem(&traced_pids, &ctgid, &cflags, BPF_ANY))
		return 0;
	emit_proc(MT_EV_FORK, ctgid, 0);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int on_exec(void *ctx __attribute__((unused)))
{
	if (!trace_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	emit_proc(MT_EV_EXEC, 0, 0);
	return 0;
}

/* A process ends with its last thread: signal->live has dropped to zero by
 * the time this tracepoint fires. Two threads racing to the end may both
 * see zero; only the one that removes the pid reports it. fd_streams
 * entries are left to the LRU. */
SEC("raw_tp/sched_process_exit")
int on_exit_proc(void *ctx __attribute__((unused)))
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct task_struct *task;

	if (!trace_allowed(tgid))
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (bpf_map_delete_elem(&traced_pids, &tgid))
		return 0;
	emit_proc(MT_EV_EXIT, 0, BPF_CORE_READ(task, exit_code));
	return 0;
}
