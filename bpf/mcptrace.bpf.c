// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel side of mcptrace. Syscall tracepoints see every read and write
 * of a traced process; the ones on pipes, sockets and character devices are
 * copied, in chunks, into one ring buffer as struct mt_data_event records,
 * each tagged with its stream and its offset in that stream. Regular files
 * and everything else are never copied. The sched tracepoints keep the set
 * of traced processes (traced_pids) current across fork, exec and exit.
 *
 * TLS: uprobes that user space attaches per traced process on the TLS
 * library's entry points (SSL_read/SSL_write and their _ex forms, GnuTLS's
 * gnutls_record_recv/send, NSPR's PR_Read/PR_Write/PR_Recv/PR_Send) save
 * the call's arguments per thread; the matching uretprobe copies the
 * plaintext as MT_F_TLS records of the TLS object's own stream. A socket
 * syscall made while its thread is inside such a call names the object's
 * socket and marks that socket TLS; so does a first record that starts like
 * a TLS record. The ciphertext of a TLS socket is never copied.
 *
 * Edges: only tracepoints and uprobes (this kernel has no kprobes or
 * fentry). Syscalls not hooked here (pread/pwrite, splice, sendfile,
 * sendmmsg/recvmmsg, io_uring) are not seen. The ring buffer may be full:
 * such records are counted in "lost" and user space sees the gap through
 * the offsets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "mcptrace.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define PROT_EXEC 0x4

/* iovecs looked at per syscall (UIO_MAXIOV); bytes in iovecs past it are
 * announced as skipped. */
#define MT_IOV_MAX 1024

#define DATA_HDR sizeof(struct mt_data_event)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load. */
const volatile __u32 self_tgid = 0;
/* Not const: with the cap known exactly, the verifier walks emit_step's
 * loop for that value, and past about 42 MiB gives up ("sequence of 8193
 * jumps is too complex"). As a plain global it is any value, and one proof
 * covers the whole range --max-msg takes. */
__u32 max_msg = MT_DEFAULT_MAX_MSG;
const volatile __u64 wake_bytes = 1 << 20; /* wake the reader past this */
/* User space hooks TLS libraries: tell it about new executable mappings,
 * and wake it for fork and exec records, at once. */
const volatile __u8 tls_enabled = 0;

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
	__u64 tls_conn; /* made inside this TLS call (tls is set) */
	__u32 fd;
	__u32 iovcnt;
	__u8 dir;
	__u8 kind;
	__u8 vec;
	__u8 tls;
	__u8 _pad[4];
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

/* A TLS library call in progress, per thread, from the uprobe to the
 * uretprobe; a socket syscall made meanwhile fills in the socket. */
struct tls_call {
	__u64 conn;  /* the TLS object: SSL *, gnutls_session_t, PRFileDesc * */
	__u64 buf;   /* plaintext buffer */
	__u64 lenp;  /* MT_TLS_RET_EX: where the call stores the byte count */
	__u64 file;  /* socket the call used, if it made a syscall */
	__u64 ino;
	__u64 cookie; /* MT_TLS_* */
	__u32 fd;
	__u8 kind;
	__u8 have_fd;
	__u8 _pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

/* The TLS objects of traced processes and their plaintext streams. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct mt_tls_key);
	__type(value, struct mt_tls_conn);
} tls_conns SEC(".maps");

/* The last socket each thread read bytes from. A TLS library over memory
 * BIOs (node) makes no syscall inside SSL_read: the socket it decrypts is
 * the one its thread just read. */
struct sock_ref {
	__u64 file;
	__u64 ino;
	__u32 fd;
	__u8 kind;
	__u8 _pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct sock_ref);
} last_sock SEC(".maps");

/* A TLS object whose socket is unknown wrote plaintext without a syscall
 * (a memory BIO): the thread's next socket write carries its ciphertext. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);   /* pid_tgid */
	__type(value, __u64); /* conn */
} tls_pending SEC(".maps");

/* mmap(PROT_EXEC) of a file, from entry to exit, per thread: the fd. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} mmap_args SEC(".maps");

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

/* Records user space must act on before the process goes much further
 * (hooking a library it just mapped). */
static __always_inline void submit_now(void *rec)
{
	bpf_ringbuf_submit(rec, BPF_RB_FORCE_WAKEUP);
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
static __always_inline struct file *fd_file(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

static __always_inline bool is_socket(__u8 kind)
{
	return kind == MT_FD_INET || kind == MT_FD_UNIX || kind == MT_FD_SOCK;
}

static __always_inline bool classify(__u32 fd, struct sc_args *a)
{
	struct file *file = fd_file(fd);
	struct inode *inode;
	struct socket *sock;
	struct sock *sk, *peer;
	struct socket_alloc *psa;
	__u16 mode, family;

	if (!file)
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
	struct tls_call *tc;

	if (!trace_allowed(id >> 32))
		return 0;
	if (!classify(fd, &a))
		return 0;
	/* Inside a TLS call: this socket is the TLS object's. */
	if (is_socket(a.kind)) {
		tc = bpf_map_lookup_elem(&tls_calls, &id);
		if (tc) {
			tc->fd = fd;
			tc->file = a.file;
			tc->ino = a.ino;
			tc->kind = a.kind;
			tc->have_fd = 1;
			a.tls = 1;
			a.tls_conn = tc->conn;
		}
	}
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
	__u16 xflags; /* MT_F_* every record carries (MT_F_TLS) */
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
	e->flags = flags | x->xflags;
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

/* The first byte the syscall moved (its first non-empty iovec's), or 0. */
static __always_inline char first_byte(struct emit_ctx *x, __u64 buf)
{
	struct iovec iv = {};
	char c = 0;

	if (x->vec) {
		if (!x->iovcnt || bpf_probe_read_user(&iv, sizeof(iv), (void *)x->iov))
			return 0;
		buf = (__u64)iv.iov_base;
		if (!iv.iov_len)
			return 0;
	}
	if (bpf_probe_read_user(&c, 1, (void *)buf))
		return 0;
	return c;
}

/*
 * Muting cannot be bought with a prefix: a muted line stream (log text
 * before the JSON-RPC) is watched, a byte or two a syscall, and a syscall
 * whose bytes start a line with '{' or '[' un-mutes it. Keeps, for every
 * stream, whether its last byte each way was a newline. Returns whether
 * the stream is to be un-muted now.
 */
static __always_inline bool line_watch(struct mt_fd_stream *s, struct emit_ctx *x, __u64 buf,
				       __u32 n, __u32 dir)
{
	__u32 bit = 1u << (dir & 1);
	bool at_start = s->line_start & bit;
	char c;

	if (ends_with_newline(x, buf, n))
		s->line_start |= bit;
	else
		s->line_start &= ~bit;
	if (s->muted != MT_MUTE_WATCH || !at_start)
		return false;
	c = first_byte(x, buf);
	return c == '{' || c == '[';
}

/*
 * Sends the addresses of an AF_INET or AF_INET6 socket for stream sid.
 * Other families send nothing.
 */
static __noinline void emit_sockaddr(__u64 sid, __u32 fd, __u64 filep, __u8 tls)
{
	struct file *file = (struct file *)filep;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	struct mt_sockaddr_event *e;
	__u16 family;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_lost(0);
		return;
	}
	fill_hdr(&e->hdr, MT_EV_SOCKADDR);
	__builtin_memset(&e->stream_id, 0, sizeof(*e) - sizeof(e->hdr));
	e->stream_id = sid;
	e->fd = fd;
	e->family = family;
	e->tls = tls;
	e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		bpf_core_read(e->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->remote_addr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	submit(e);
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
	ns.line_start = 3;
	if (bpf_map_update_elem(&fd_streams, &key, &ns, BPF_ANY))
		return NULL;
	if (a->kind == MT_FD_INET)
		emit_sockaddr(ns.stream_id, a->fd, a->file, 0);
	return bpf_map_lookup_elem(&fd_streams, &key);
}

/*
 * Gives a TLS object its socket: the plaintext stream's records carry the
 * socket's fd and ino from now on, the socket's stream is marked TLS (its
 * ciphertext is not copied) and knows the plaintext stream, so closing the
 * socket ends both.
 */
static __noinline void tls_bind(struct mt_tls_conn *t, __u32 tgid, __u64 conn,
				const struct sock_ref *r)
{
	struct mt_fd_key key = {.tgid = tgid, .fd = r->fd};
	struct mt_fd_stream *s;

	t->fd = r->fd;
	t->file = r->file;
	t->ino = r->ino;
	t->kind = r->kind;
	s = bpf_map_lookup_elem(&fd_streams, &key);
	if (s && s->file == r->file) {
		s->tls = 1;
		s->tls_sid = t->stream_id;
		s->tls_conn = conn;
	}
	if (r->kind == MT_FD_INET)
		emit_sockaddr(t->stream_id, r->fd, r->file, 1);
}

/* Whether the first bytes of a syscall look like a TLS record header:
 * content type 20..23, version 3.0..3.4. Text never starts that way. */
static __always_inline bool looks_tls(struct sc_args *a, __u32 n)
{
	__u8 h[3] = {};
	__u64 p = a->buf;
	struct iovec iv;

	if (n < 3)
		return false;
	if (a->vec) {
		if (a->iovcnt == 0 || bpf_probe_read_user(&iv, sizeof(iv), (void *)a->buf))
			return false;
		if (iv.iov_len < 3)
			return false;
		p = (__u64)iv.iov_base;
	}
	if (bpf_probe_read_user(h, sizeof(h), (void *)p))
		return false;
	return h[0] >= 20 && h[0] <= 23 && h[1] == 3 && h[2] <= 4;
}

/*
 * Copies the n bytes at buf (or in the iovecs of x) that x describes: the
 * chunks, then an exact MT_EV_SKIP for what the cap left out. x has the
 * stream, offset, fd, kind and dir filled in.
 */
static __always_inline void emit_bytes(struct emit_ctx *x, __u64 buf, __u32 n)
{
	struct mt_data_event *e;

	x->total = n;
	x->remaining = n < max_msg ? n : max_msg;
	if (x->vec) {
		x->iov = buf;
	} else {
		x->cur_base = buf;
		x->cur_left = x->remaining;
	}
	bpf_loop(x->remaining / MT_CHUNK_MAX + (x->vec ? x->iovcnt : 0) + 1, emit_step, x, 0);

	if (x->pos >= n)
		return;
	/* Past the cap (or the iovecs looked at): say exactly how much. */
	e = bpf_ringbuf_reserve(&rb, DATA_HDR, 0);
	if (!e) {
		count_lost(0);
		return;
	}
	fill_data(e, x, MT_EV_SKIP, n - x->pos,
		  MT_F_SYSCALL_END | (x->pos == 0 ? MT_F_SYSCALL_START : 0) |
			  (ends_with_newline(x, buf, n) ? MT_F_ENDS_LINE : 0));
	submit(e);
}

/* Bookkeeping of TLS around a socket syscall that moved bytes: the last
 * socket a thread read, and the socket of a TLS object that wrote over a
 * memory BIO. Returns whether the stream is TLS. */
static __noinline bool tls_note(struct mt_fd_stream *s, struct sc_args *a, __u64 id,
				__u64 first_off, __u32 n)
{
	__u32 tgid = id >> 32;
	struct mt_tls_key k = {.tgid = tgid};
	struct mt_tls_conn *t;
	struct sock_ref r = {};
	__u64 *pend;

	if (!s)
		return false;
	if (a->tls)
		s->tls = 1;
	if (!s->tls && a->kind == MT_FD_INET && first_off == 0 && looks_tls(a, n))
		s->tls = 1;
	if (!tls_enabled || !is_socket(a->kind))
		return s->tls;
	r.file = a->file;
	r.ino = a->ino;
	r.fd = a->fd;
	r.kind = a->kind;
	if (a->dir == MT_DIR_READ) {
		bpf_map_update_elem(&last_sock, &id, &r, BPF_ANY);
		return s->tls;
	}
	pend = bpf_map_lookup_elem(&tls_pending, &id);
	if (!pend)
		return s->tls;
	k.conn = *pend;
	bpf_map_delete_elem(&tls_pending, &id);
	t = bpf_map_lookup_elem(&tls_conns, &k);
	if (t && !t->file && s->tls) {
		tls_bind(t, tgid, k.conn, &r);
	}
	return s->tls;
}

/*
 * Sends the first MT_CIPHER_HEAD bytes (at most) of a syscall's ciphertext
 * on a TLS socket no hooked TLS library has claimed: user space tells from
 * them whether a TLS handshake or application data passed, and counts the
 * bytes from syscall_len. Only the first iovec is looked at.
 */
static __noinline void emit_cipher(struct mt_fd_stream *s, struct sc_args *a, __u64 off, __u32 n)
{
	struct mt_data_event *e;
	__u64 p = a->buf;
	__u64 len = n; /* 64-bit: a 32-bit copy would carry the bound, not the register passed */
	struct iovec iv;

	if (a->vec) {
		if (a->iovcnt == 0 || bpf_probe_read_user(&iv, sizeof(iv), (void *)a->buf))
			iv.iov_len = 0;
		p = (__u64)iv.iov_base;
		if (iv.iov_len < len)
			len = iv.iov_len;
	}
	e = bpf_ringbuf_reserve(&rb, DATA_HDR + MT_CIPHER_HEAD, 0);
	if (!e) {
		count_lost(0);
		return;
	}
	/* Clamped here, next to the copy, and hidden from the compiler so
	 * that it cannot move the check away from what the verifier sees. */
	barrier_var(len);
	if (len > MT_CIPHER_HEAD)
		len = MT_CIPHER_HEAD;
	if (len && bpf_probe_read_user(e->data, len, (void *)p))
		len = 0;
	fill_hdr(&e->hdr, MT_EV_CIPHER);
	e->stream_id = s->stream_id;
	e->ino = a->ino;
	e->peer_ino = 0;
	e->offset = off;
	e->fd = a->fd;
	e->len = len;
	e->syscall_len = n;
	e->dir = a->dir & 1;
	e->fd_kind = a->kind;
	e->flags = 0;
	submit(e);
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct sc_args *ap, a;
	struct mt_fd_stream *s;
	struct emit_ctx x = {};
	__u8 *req;
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
	/* The ciphertext of a TLS socket is never copied: its plaintext
	 * comes from the TLS library. Until a hooked library claims the
	 * socket, user space gets the head of each syscall made outside
	 * the library's hooked calls, to tell a connection it cannot read. */
	if (tls_note(s, &a, id, x.offset, n)) {
		if (!s->tls_sid && !a.tls)
			emit_cipher(s, &a, x.offset, n);
		return 0;
	}
	stream_id = s->stream_id;
	x.vec = a.vec;
	x.iov = a.vec ? a.buf : 0;
	x.iovcnt = a.vec ? a.iovcnt : 0;
	req = bpf_map_lookup_elem(&mute_req, &stream_id);
	if (!s->muted && req) {
		s->muted = *req == MT_MUTE_WATCH ? MT_MUTE_WATCH : MT_MUTE_ALL;
		bpf_map_delete_elem(&mute_req, &stream_id);
	}
	if (line_watch(s, &x, a.buf, n, dir)) {
		s->muted = MT_MUTE_NONE;
		s->unmuted = 3;
	}
	if (s->muted)
		return 0;
	if (s->unmuted & (1u << dir)) {
		s->unmuted &= ~(1u << dir);
		x.xflags = MT_F_UNMUTED;
	}

	x.stream_id = stream_id;
	x.ino = a.ino;
	x.peer_ino = a.peer_ino;
	x.fd = a.fd;
	x.dir = dir;
	x.kind = a.kind;
	emit_bytes(&x, a.buf, n);
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

static __always_inline void emit_close(__u64 sid, __u32 fd, const __u64 *offset)
{
	struct mt_close_event *e;

	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_lost(0);
		return;
	}
	fill_hdr(&e->hdr, MT_EV_CLOSE);
	e->stream_id = sid;
	e->fd = fd;
	e->_pad = 0;
	e->offset[0] = offset ? offset[0] : 0;
	e->offset[1] = offset ? offset[1] : 0;
	submit(e);
}

SEC("tp/syscalls/sys_enter_close")
int tp_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct mt_fd_key key = {.tgid = id >> 32, .fd = ARG(0)};
	struct mt_fd_stream *s;

	if (!trace_allowed(key.tgid))
		return 0;
	s = bpf_map_lookup_elem(&fd_streams, &key);
	if (!s)
		return 0;
	/* A TLS socket ends its plaintext stream too; the socket's own stream
	 * had no records, but its close is harmless and keeps one rule. */
	if (s->tls_sid) {
		struct mt_tls_key k = {.tgid = key.tgid, .conn = s->tls_conn};
		struct mt_tls_conn *t = bpf_map_lookup_elem(&tls_conns, &k);

		if (t && t->stream_id == s->tls_sid) {
			emit_close(s->tls_sid, key.fd, t->offset);
			bpf_map_delete_elem(&tls_conns, &k);
		} else {
			emit_close(s->tls_sid, key.fd, NULL);
		}
	}
	emit_close(s->stream_id, key.fd, s->offset);
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
	/* With TLS hooking, user space hooks a new process or program
	 * before it gets far: wake it now. */
	if (tls_enabled && type != MT_EV_EXIT)
		submit_now(e);
	else
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

/* With TLS hooking: the new program's executable, as an MT_EV_MMAP record
 * (it is mapped executable), so that user space knows which hooked file
 * the process runs even if it is gone before its maps are read (a one-shot
 * Go client: TLS inside a static executable, no library mapped later). */
static __noinline void emit_exe_mapped(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);
	struct mt_mmap_event *e;

	if (!inode)
		return;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_lost(0);
		return;
	}
	fill_hdr(&e->hdr, MT_EV_MMAP);
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->_pad = 0;
	submit_now(e);
}

SEC("raw_tp/sched_process_exec")
int on_exec(void *ctx __attribute__((unused)))
{
	if (!trace_allowed(bpf_get_current_pid_tgid() >> 32))
		return 0;
	emit_proc(MT_EV_EXEC, 0, 0);
	if (tls_enabled)
		emit_exe_mapped();
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

/* ---- TLS libraries: uprobes user space attaches per traced process ---- */

/*
 * Entry of every hooked TLS function: SSL_read(ssl, buf, num),
 * SSL_read_ex(ssl, buf, num, size_t *readbytes), gnutls_record_recv(session,
 * data, size), PR_Read(fd, buf, amount), their write twins, PR_Recv and
 * PR_Send. They all take the TLS object first and the buffer second; the
 * attach cookie says the rest. The buffer of a read is only filled at
 * return, so everything waits for the uretprobe.
 */
SEC("uprobe")
int tls_enter(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct tls_call c = {};
	__u64 lower = 0;

	if (!trace_allowed(id >> 32))
		return 0;
	c.conn = PT_REGS_PARM1(ctx);
	/* NSPR: PR_Write on a plain file or pipe is not TLS; the SSL layer
	 * sits on top of the socket layer, so a TLS fd has a lower layer
	 * (PRFileDesc: methods, secret, lower, ...). */
	if (cookie & MT_TLS_NSPR) {
		if (bpf_probe_read_user(&lower, sizeof(lower), (void *)(c.conn + 16)) || !lower)
			return 0;
	}
	c.buf = PT_REGS_PARM2(ctx);
	if ((cookie & MT_TLS_RET_MASK) == MT_TLS_RET_EX)
		c.lenp = PT_REGS_PARM4(ctx);
	c.cookie = cookie;
	c.fd = MT_FD_UNKNOWN;
	bpf_map_update_elem(&tls_calls, &id, &c, BPF_ANY);
	return 0;
}

/*
 * Finds or makes the TLS object's stream and gives it its socket: the one
 * its call used if it made a syscall; else (a memory BIO, as in node) the
 * socket its thread last read, for a read that returned plaintext, or the
 * TLS socket its thread writes next, for any other call. Returns the
 * connection, or NULL (map full).
 */
static __noinline struct mt_tls_conn *tls_conn_of(struct tls_call *c, __u32 tgid, __u64 id,
						 __u8 dir, long n)
{
	struct mt_tls_key k = {.tgid = tgid, .conn = c->conn};
	struct mt_tls_conn *t, nt = {};
	struct sock_ref *r, nr = {};

	t = bpf_map_lookup_elem(&tls_conns, &k);
	if (!t) {
		nt.stream_id = __sync_fetch_and_add(&next_stream_id, 1) + 1;
		nt.fd = MT_FD_UNKNOWN;
		nt.kind = MT_FD_INET;
		if (bpf_map_update_elem(&tls_conns, &k, &nt, BPF_ANY))
			return NULL;
		t = bpf_map_lookup_elem(&tls_conns, &k);
		if (!t)
			return NULL;
	}
	if (c->have_fd) {
		if (t->file == c->file)
			return t;
		/* The object moved to another socket (SSL_set_fd after
		 * SSL_clear): that is another connection, another stream. */
		if (t->file) {
			t->stream_id = __sync_fetch_and_add(&next_stream_id, 1) + 1;
			t->offset[0] = 0;
			t->offset[1] = 0;
			t->muted = 0;
		}
		r = &nr;
		nr.fd = c->fd;
		nr.file = c->file;
		nr.ino = c->ino;
		nr.kind = c->kind;
		tls_bind(t, tgid, c->conn, r);
		return t;
	}
	if (t->file) {
		/* The thread's next socket write is not this object's doing. */
		bpf_map_delete_elem(&tls_pending, &id);
		return t;
	}
	if (dir == MT_DIR_READ && n > 0) {
		/* Plaintext out of a memory BIO: decrypted from what the
		 * thread just read. */
		r = bpf_map_lookup_elem(&last_sock, &id);
		if (r) {
			tls_bind(t, tgid, c->conn, r);
			return t;
		}
	}
	/* Whatever the call queued (a handshake message, a record) is
	 * written by the thread's next socket write, if that is TLS. */
	bpf_map_update_elem(&tls_pending, &id, &c->conn, BPF_ANY);
	return t;
}

SEC("uretprobe")
int tls_exit(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct tls_call *cp, c;
	struct mt_tls_conn *t;
	struct emit_ctx x = {};
	__u64 rc = PT_REGS_RC(ctx), got = 0, stream_id;
	long n = 0;
	__u8 dir;

	if (!trace_allowed(tgid))
		return 0;
	cp = bpf_map_lookup_elem(&tls_calls, &id);
	if (!cp)
		return 0;
	c = *cp;
	bpf_map_delete_elem(&tls_calls, &id);
	dir = c.cookie & MT_TLS_DIR_MASK;
	switch (c.cookie & MT_TLS_RET_MASK) {
	case MT_TLS_RET_LONG:
		n = (long)rc;
		break;
	case MT_TLS_RET_EX:
		if ((int)rc == 1 && !bpf_probe_read_user(&got, sizeof(got), (void *)c.lenp))
			n = (long)got;
		break;
	default:
		n = (int)rc;
		break;
	}
	if (n > 0x7fffffff)
		n = 0;
	t = tls_conn_of(&c, tgid, id, dir, n);
	if (!t || n <= 0)
		return 0;

	x.offset = t->offset[dir];
	t->offset[dir] += n;
	stream_id = t->stream_id;
	if (!t->muted && bpf_map_lookup_elem(&mute_req, &stream_id)) {
		t->muted = 1;
		bpf_map_delete_elem(&mute_req, &stream_id);
	}
	if (t->muted)
		return 0;
	x.stream_id = stream_id;
	x.ino = t->ino;
	x.fd = t->fd;
	x.kind = t->kind;
	x.dir = dir;
	x.xflags = MT_F_TLS;
	emit_bytes(&x, c.buf, (__u32)n);
	return 0;
}

/* ---- Go crypto/tls: uprobes at the entry and at each RET of
 * (*tls.Conn).Write and (*tls.Conn).Read (user space: capture/go_tls.c) ---- */

/* A Go TLS call in progress, by goroutine: one may move to another thread
 * between entry and return, and another goroutine run on this one. */
struct go_call_key {
	__u32 tgid;
	__u32 dir;
	__u64 g; /* the goroutine's g (R14 on amd64, register ABI) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_call_key);
	__type(value, struct tls_call);
} go_calls SEC(".maps");

/* The socket of a *tls.Conn, through the offsets the cookie carries:
 * Conn.conn's data word -> *net.TCPConn -> *netFD -> pfd.Sysfd. Kept only
 * if that fd is a socket of the current process (a net.Conn of another
 * type leads elsewhere). */
static __noinline void go_conn_fd(struct tls_call *c, __u64 cookie)
{
	__u64 data = 0, netfd = 0;
	__s64 sysfd = -1;
	struct sc_args a = {};

	if (!(cookie & MT_TLS_GO_FD))
		return;
	if (bpf_probe_read_user(&data, sizeof(data), (void *)(c->conn + MT_TLS_GO_OFF(cookie, 0))) ||
	    !data)
		return;
	if (bpf_probe_read_user(&netfd, sizeof(netfd), (void *)(data + MT_TLS_GO_OFF(cookie, 1))) ||
	    !netfd)
		return;
	if (bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(netfd + MT_TLS_GO_OFF(cookie, 2))) ||
	    sysfd < 0 || sysfd > 0x7fffffff)
		return;
	if (!classify((__u32)sysfd, &a) || !is_socket(a.kind))
		return;
	c->fd = (__u32)sysfd;
	c->file = a.file;
	c->ino = a.ino;
	c->kind = a.kind;
	c->have_fd = 1;
}

/* The n plaintext bytes at buf of a Go TLS call, as MT_F_TLS records of
 * its Conn's stream (made, and given its socket, if need be). */
static __noinline int go_emit(struct tls_call *c, __u32 tgid, __u64 id, __u8 dir, long n)
{
	struct mt_tls_conn *t;
	struct emit_ctx x = {};
	__u64 stream_id;

	dir &= 1;
	if (n > 0x7fffffff)
		n = 0;
	t = tls_conn_of(c, tgid, id, dir, n);
	if (!t || n <= 0)
		return 0;
	x.offset = t->offset[dir];
	t->offset[dir] += n;
	stream_id = t->stream_id;
	if (!t->muted && bpf_map_lookup_elem(&mute_req, &stream_id)) {
		t->muted = 1;
		bpf_map_delete_elem(&mute_req, &stream_id);
	}
	if (t->muted)
		return 0;
	x.stream_id = stream_id;
	x.ino = t->ino;
	x.fd = t->fd;
	x.kind = t->kind;
	x.dir = dir;
	x.xflags = MT_F_TLS;
	emit_bytes(&x, c->buf, (__u32)n);
	return 0;
}

/*
 * Entry (past the stack check: a call whose stack grows runs its first
 * instructions twice): Write(b []byte) or Read(b []byte), register ABI:
 * AX the *Conn, BX and CX the slice's pointer and length. The socket is bound now, so
 * that the ciphertext the call moves is already claimed. A Write's bytes
 * are sent from here, all of b (Write sends all or fails the connection):
 * at its return they would come too late, as Go's HTTP client writes in
 * one goroutine and reads in another, whose Read of the answer may return
 * first. A Read waits for its RET.
 */
SEC("uprobe")
int go_tls_enter(struct pt_regs *ctx)
{
#if defined(__TARGET_ARCH_x86)
	__u64 id = bpf_get_current_pid_tgid();
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct go_call_key k = {.tgid = id >> 32, .dir = cookie & MT_TLS_DIR_MASK, .g = ctx->r14};
	struct tls_call c = {};

	if (!trace_allowed(k.tgid) || !k.g)
		return 0;
	c.conn = ctx->ax;
	c.buf = ctx->bx;
	c.cookie = cookie;
	c.fd = MT_FD_UNKNOWN;
	go_conn_fd(&c, cookie);
	if (k.dir == MT_DIR_WRITE)
		return go_emit(&c, k.tgid, id, MT_DIR_WRITE, (long)ctx->cx);
	if (c.have_fd)
		tls_conn_of(&c, k.tgid, id, k.dir, 0);
	bpf_map_update_elem(&go_calls, &k, &c, BPF_ANY);
#endif
	return 0;
}

/* At a RET of Read: AX is n, the bytes read into the buffer. */
SEC("uprobe")
int go_tls_ret(struct pt_regs *ctx)
{
#if defined(__TARGET_ARCH_x86)
	__u64 id = bpf_get_current_pid_tgid();
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct go_call_key k = {.tgid = id >> 32, .dir = cookie & MT_TLS_DIR_MASK, .g = ctx->r14};
	struct tls_call *cp, c;

	if (!trace_allowed(k.tgid))
		return 0;
	cp = bpf_map_lookup_elem(&go_calls, &k);
	if (!cp)
		return 0;
	c = *cp;
	bpf_map_delete_elem(&go_calls, &k);
	return go_emit(&c, k.tgid, id, k.dir, (long)ctx->ax);
#else
	return 0;
#endif
}

/* ---- new executable mappings: user space looks for TLS code in them ---- */

SEC("tp/syscalls/sys_enter_mmap")
int tp_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 fd = ARG(4);

	if (!tls_enabled || !(ARG(2) & PROT_EXEC) || (int)fd < 0)
		return 0;
	if (!trace_allowed(id >> 32))
		return 0;
	bpf_map_update_elem(&mmap_args, &id, &fd, BPF_ANY);
	return 0;
}

SEC("tp/syscalls/sys_exit_mmap")
int tp_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct mt_mmap_event *e;
	struct inode *inode;
	struct file *file;
	__u32 *fdp, fd;

	if (!tls_enabled)
		return 0;
	fdp = bpf_map_lookup_elem(&mmap_args, &id);
	if (!fdp)
		return 0;
	fd = *fdp;
	bpf_map_delete_elem(&mmap_args, &id);
	if (ctx->ret < 0 && ctx->ret > -4096)
		return 0;
	file = fd_file(fd);
	if (!file)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_lost(0);
		return 0;
	}
	fill_hdr(&e->hdr, MT_EV_MMAP);
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->_pad = 0;
	submit_now(e);
	return 0;
}
