/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_lib: finds the TLS code a process really runs. It lists the files a
 * process has mapped executable (/proc/PID/maps) and reads their ELF
 * symbol tables (.dynsym and .symtab) through /proc/PID/root, so that a
 * process in another mount namespace is read from its own files. A file is
 * a TLS library when it defines the entry points of OpenSSL (SSL_read,
 * SSL_write and the _ex forms; libssl.so.*, or linked into an executable
 * such as node), GnuTLS (gnutls_record_recv/send) or NSPR (PR_Read,
 * PR_Write, PR_Recv, PR_Send, under NSS's SSL layer).
 *
 * Edges: it resolves symbols to file offsets for uprobes and attaches
 * nothing itself (capture does). A binary without symbols (a stripped
 * static build) cannot be read; it is reported as such.
 */
#ifndef MT_TLS_LIB_H
#define MT_TLS_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_LIB_MAX_FUNCS 8
/* RET instructions hooked per function, at most (Go: no uretprobes). */
#define TLS_FUNC_MAX_RETS 16

enum tls_lib_kind {
	TLS_LIB_NONE = 0,
	TLS_LIB_OPENSSL,
	TLS_LIB_GNUTLS,
	TLS_LIB_NSPR,
	TLS_LIB_GO, /* crypto/tls inside a Go executable (go_tls.h) */
};

/* One entry point to hook: where it is in the file, and the attach cookie
 * (MT_TLS_*) that tells the BPF side its direction and how it returns. */
struct tls_func {
	const char *name;
	uint64_t offset; /* file offset of the first instruction */
	uint64_t cookie;
	/* TLS_LIB_GO: a uprobe at each RET instead of a uretprobe. */
	int nrets;
	uint64_t rets[TLS_FUNC_MAX_RETS]; /* file offsets */
};

struct tls_lib {
	enum tls_lib_kind kind;
	bool no_symbols; /* the file has neither .dynsym nor .symtab */
	int nfuncs;
	struct tls_func funcs[TLS_LIB_MAX_FUNCS];
	/* How the functions were found, when it takes saying (Go: version,
	 * symbols or .gopclntab, where the fd's offsets came from); for a
	 * file whose TLS cannot be hooked (kind TLS_LIB_NONE), why. */
	char how[200];
};

/* One file mapped executable by a process, as /proc/PID/maps names it. */
struct tls_mapping {
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	const char *path; /* in the process's mount namespace */
	bool is_exe;	  /* the process's main executable */
};

/* "openssl", "gnutls", "nspr", "go" or "none". */
const char *tls_lib__kind_name(enum tls_lib_kind kind);
/* Reads file and fills lib with the TLS entry points it defines. The path
 * comes from a traced process, which may have put anything there since it
 * mapped the file: only a regular file no larger than TLS_LIB_MAX_FILE is
 * read, and opening it can neither block (a FIFO) nor open a device.
 * (Another regular file there is harmless: hooks on it never fire for a
 * process that does not run it.) Returns 0 (lib->kind may be
 * TLS_LIB_NONE), or a negative errno: -EINVAL for a file that is not
 * regular, -EFBIG, -ENOEXEC for a file that is not ELF. */
#define TLS_LIB_MAX_FILE (1ULL << 30)
int tls_lib__inspect(const char *file, struct tls_lib *lib);
/* Calls fn once per distinct file pid has mapped executable. Stops early
 * if fn returns non-zero and returns that; else 0, or a negative errno if
 * the maps cannot be read (the process is gone). */
int tls_lib__scan_maps(pid_t pid, int (*fn)(void *ctx, const struct tls_mapping *m), void *ctx);

#endif
