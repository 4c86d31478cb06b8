/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records the kernel side hands to user space through the ring buffer,
 * and the settings user space gives the kernel side. Both bpf/ and tracer/
 * include this file, so it holds fixed-size fields only and includes nothing:
 * the BPF side gets the integer types from vmlinux.h, user space from
 * <linux/types.h>.
 *
 * Every record starts with struct mt_event_hdr, whose type says which
 * struct follows.
 */
#ifndef MCPTRACE_H
#define MCPTRACE_H

/* The largest payload one ring-buffer record carries. A syscall moving more
 * bytes becomes several MT_EV_DATA records, each tagged with its offset. */
#define MT_CHUNK_MAX 32768

/* Default per-syscall copy cap (--max-msg): bytes past it are skipped and
 * announced by an MT_EV_SKIP record, never dropped silently. */
#define MT_DEFAULT_MAX_MSG (16u << 20)

#define MT_COMM_LEN 16

enum mt_event_type {
	MT_EV_DATA = 1,	 /* struct mt_data_event: bytes read or written */
	MT_EV_SKIP = 2,	 /* struct mt_data_event, no payload: len bytes not copied (cap) */
	MT_EV_CLOSE = 3, /* struct mt_close_event: a traced fd was closed */
	MT_EV_FORK = 4,	 /* struct mt_proc_event: a traced process forked */
	MT_EV_EXEC = 5,	 /* struct mt_proc_event: a traced process exec'd */
	MT_EV_EXIT = 6,	 /* struct mt_proc_event: a traced process exited */
	MT_EV_SOCKADDR = 7, /* struct mt_sockaddr_event: the addresses of an AF_INET(6)
			     * stream, plain or TLS, sent before its first data */
	MT_EV_MMAP = 8,	    /* struct mt_mmap_event: a traced process mapped a file
			     * executable (or exec'd it: sent after MT_EV_EXEC);
			     * capture rescans it for TLS libraries and does not
			     * pass this record on */
	MT_EV_CIPHER = 9,   /* struct mt_data_event with at most MT_CIPHER_HEAD
			     * bytes: the head of one syscall's ciphertext on a TLS
			     * socket that no hooked TLS library has claimed yet */
};

/* Bytes of a ciphertext syscall an MT_EV_CIPHER record carries: a TLS
 * record header (5) and the handshake type after it are all user space
 * looks at; syscall_len says how many bytes the syscall moved. */
#define MT_CIPHER_HEAD 16

enum mt_dir {
	MT_DIR_READ = 0,
	MT_DIR_WRITE = 1,
};

/* What kind of file the fd refers to; decided in the kernel from i_mode. */
enum mt_fd_kind {
	MT_FD_PIPE = 1, /* S_IFIFO */
	MT_FD_UNIX = 2, /* S_IFSOCK, AF_UNIX */
	MT_FD_INET = 3, /* S_IFSOCK, AF_INET or AF_INET6 */
	MT_FD_SOCK = 4, /* S_IFSOCK, any other family */
	MT_FD_CHR = 5,	/* S_IFCHR: ttys and the like */
};

/* mt_data_event.flags */
#define MT_F_SYSCALL_START 0x1 /* first record of its syscall */
#define MT_F_SYSCALL_END 0x2   /* last record of its syscall */
#define MT_F_ENDS_LINE 0x4     /* MT_EV_SKIP: the last byte skipped is a newline, so
				 * the next byte of the stream starts a line */
#define MT_F_TLS 0x8	       /* TLS plaintext, read at the TLS library (SSL_read,
				* gnutls_record_recv, PR_Read, ...): stream_id is the
				* TLS connection's own stream (not the socket's, whose
				* ciphertext is never copied); fd, ino and fd_kind are
				* the socket's; syscall_len is the bytes the TLS call
				* moved; MT_F_SYSCALL_START/END mark that call's first
				* and last record. fd is MT_FD_UNKNOWN while the
				* connection's socket is not known yet. */

#define MT_F_UNMUTED 0x10       /* the first record each way of a stream the kernel
				 * muted, then un-muted (a syscall's bytes started a
				 * line like JSON): the offset gap before it is the
				 * bytes not copied while muted */

/* mt_fd_stream.muted, and the values user space puts in mute_req. */
enum mt_mute {
	MT_MUTE_NONE = 0,
	MT_MUTE_WATCH = 1, /* copy nothing, but a syscall whose bytes start a line
			    * with '{' or '[' un-mutes the stream (line-framed) */
	MT_MUTE_ALL = 2,   /* copy nothing, for good (HTTP that is not MCP) */
};

/* mt_data_event.fd of a TLS stream whose socket is not known yet (a TLS
 * library over memory BIOs, e.g. node, before the first socket write). */
#define MT_FD_UNKNOWN 0xffffffffu

struct mt_event_hdr {
	__u32 type; /* enum mt_event_type */
	__u32 pid;  /* thread id */
	__u32 tgid; /* process id */
	__u32 _pad;
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/*
 * One chunk of a traced read or write. A stream is one process's open fd;
 * stream_id is assigned by the kernel and never reused, so a reused fd
 * number is a new stream. offset counts the bytes of this stream in this
 * direction since the kernel first saw it, including bytes skipped or
 * lost, so a jump in offset is a gap.
 */
struct mt_data_event {
	struct mt_event_hdr hdr;
	__u64 stream_id;
	__u64 ino;	/* inode of this end: the pipe, or this socket */
	__u64 peer_ino; /* AF_UNIX: inode of the connected peer socket; else 0 */
	__u64 offset;	/* stream offset of data[0] (or of the skipped run) */
	__u32 fd;
	__u32 len;	   /* payload bytes in data[] (MT_EV_SKIP: bytes skipped) */
	__u32 syscall_len; /* bytes the whole syscall moved */
	__u8 dir;	   /* enum mt_dir */
	__u8 fd_kind;	   /* enum mt_fd_kind */
	__u16 flags;	   /* MT_F_* */
	char data[];	   /* len bytes */
};

struct mt_close_event {
	struct mt_event_hdr hdr;
	__u64 stream_id;
	__u32 fd;
	__u32 _pad;
	__u64 offset[2]; /* bytes moved each way (enum mt_dir), copied or not */
};

/* Fork: hdr.tgid is the parent, child_tgid the new process.
 * Exec: hdr.tgid runs comm now. Exit: hdr.tgid ended with exit_code
 * (the raw wait status as the kernel keeps it in task->exit_code). */
struct mt_proc_event {
	struct mt_event_hdr hdr;
	__u32 child_tgid;
	__s32 exit_code;
	char comm[MT_COMM_LEN];
};

/*
 * The local and remote address of an AF_INET or AF_INET6 socket stream, sent
 * once when the kernel first sees the stream (plain) or when a TLS stream
 * learns its socket. stream_id is the stream it describes: the socket's own,
 * or a TLS plaintext stream's. Addresses are in network byte order (v4: the
 * first 4 bytes; a v4-mapped v6 socket reports family AF_INET6); ports are
 * in host byte order. A socket not connected yet reports zeros remotely.
 */
struct mt_sockaddr_event {
	struct mt_event_hdr hdr;
	__u64 stream_id;
	__u32 fd;
	__u16 family; /* AF_INET (2) or AF_INET6 (10) */
	__u16 local_port;
	__u16 remote_port;
	__u8 tls; /* 1: stream_id is a TLS plaintext stream */
	__u8 _pad[5];
	__u8 local_addr[16];
	__u8 remote_addr[16];
};

/* A traced process mapped a file with PROT_EXEC (kernel dev_t and inode of
 * the file). Internal to capture: it rescans the process for TLS code. */
struct mt_mmap_event {
	struct mt_event_hdr hdr;
	__u64 ino;
	__u32 dev; /* kernel encoding: major << 20 | minor */
	__u32 _pad;
};

/* Value of the per-CPU "lost" array, index 0: records the ring buffer had
 * no room for. */
struct mt_lost {
	__u64 events;
	__u64 bytes;
};

/* Key and value of the fd_streams map: one per traced (process, fd). muted
 * stops the copying of a stream that is not JSON-RPC; the kernel keeps
 * counting its offsets. User space asks for it through the mute_req map
 * (capture__mute) and the kernel sets muted itself, so that no user-space
 * write can race with the offsets the kernel advances in place. */
struct mt_fd_key {
	__u32 tgid;
	__u32 fd;
};

struct mt_fd_stream {
	__u64 file; /* struct file * it was opened as: a change means a new stream */
	__u64 stream_id;
	__u64 offset[2]; /* indexed by enum mt_dir */
	__u32 muted;	  /* enum mt_mute */
	__u32 line_start; /* bit (1 << mt_dir): the last byte moved that way was a
			   * newline, so the next one starts a line */
	__u32 tls;	/* the socket carries TLS: its ciphertext is never copied */
	__u32 unmuted;	/* bit (1 << mt_dir): un-muted, and no record sent that
			 * way since: the next one carries MT_F_UNMUTED */
	__u64 tls_sid;	/* the TLS plaintext stream on this socket, or 0 */
	__u64 tls_conn; /* that stream's TLS object (SSL *, gnutls_session_t, ...) */
};

/* Key and value of the tls_conns map: one per TLS object of a traced
 * process, the plaintext stream read at the TLS library. */
struct mt_tls_key {
	__u32 tgid;
	__u32 _pad;
	__u64 conn; /* SSL *, gnutls_session_t, or NSS PRFileDesc * */
};

struct mt_tls_conn {
	__u64 stream_id;
	__u64 offset[2]; /* plaintext offsets, indexed by enum mt_dir */
	__u64 file;	 /* the socket's struct file *, 0 while unknown */
	__u64 ino;
	__u32 fd;	 /* MT_FD_UNKNOWN while unknown */
	__u8 kind;	 /* enum mt_fd_kind of the socket */
	__u8 muted;
	__u16 _pad;
};

/* The attach cookie of a TLS uprobe (bpf_cookie): which direction, how the
 * function reports the bytes it moved, and whether arg 1 is an NSPR
 * PRFileDesc that must have a lower layer to be TLS. */
#define MT_TLS_DIR_MASK 0x1     /* enum mt_dir */
#define MT_TLS_RET_INT 0x000    /* int return: bytes, <= 0 none (SSL_read, PR_Read) */
#define MT_TLS_RET_LONG 0x100   /* ssize_t return (gnutls_record_recv) */
#define MT_TLS_RET_EX 0x200     /* returns 1 and stores a size_t through arg 4 (SSL_read_ex) */
#define MT_TLS_RET_MASK 0x300
#define MT_TLS_NSPR 0x400       /* arg 1 is a PRFileDesc: only layered fds are TLS */
/* Go crypto/tls ((*tls.Conn).Write/Read, uprobes at entry and at each RET;
 * the direction as above): MT_TLS_GO_FD says the three bytes from bit
 * MT_TLS_GO_SHIFT up lead from the *tls.Conn to its socket's fd: the
 * offset of the data word of the Conn's net.Conn interface, of the *netFD
 * in what it points to (*net.TCPConn), of poll.FD.Sysfd in the netFD. */
#define MT_TLS_GO_FD 0x800
#define MT_TLS_GO_SHIFT 16
#define MT_TLS_GO_OFF(cookie, i) (((cookie) >> (MT_TLS_GO_SHIFT + 8 * (i))) & 0xff)

/* Value of the traced_pids map. */
#define MT_PID_FOLLOW 0x1 /* children forked later are traced too */

#endif /* MCPTRACE_H */
