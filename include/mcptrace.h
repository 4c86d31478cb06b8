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
};

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
	__u32 muted;
	__u32 _pad;
};

/* Value of the traced_pids map. */
#define MT_PID_FOLLOW 0x1 /* children forked later are traced too */

#endif /* MCPTRACE_H */
