/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_hooks: the TLS uprobes, one set per library file for every process,
 * so that a traced process's TLS calls are read from its first byte.
 *
 * A uprobe lives on a file's inode, not in a process: placed before a
 * process maps the file, it is there when the process first calls in.
 * So the hooks go on the files, for all processes at once, and the BPF
 * side keeps the calls of traced processes only (traced_pids, which the
 * kernel itself extends at fork, so a child is traced before it runs).
 * Files are hooked before the traced command starts (the system's TLS
 * libraries, and executables the command line names, such as node with
 * OpenSSL inside), then as traced processes exec or map files not seen
 * before.
 *
 * Weighed against: hooking per process (what this replaced) costs nothing
 * in untraced processes, but user space hooks a child only after reading
 * its fork or exec record, so a one-shot client (curl, gnutls-cli) had made
 * its handshake and first request by then; holding each new process until
 * it is hooked (SIGSTOP from the kernel) shows in its parent's waitpid and
 * job control. The price here: an untraced process calling a hooked
 * library pays the uprobe trap (about 6 us in this VM) and a map lookup.
 *
 * Edges: an executable the command line does not name, exec'd later by a
 * traced process, that carries TLS inside (not in a shared library) is
 * hooked when its exec record is read: calls before that are missed.
 */
#ifndef MT_TLS_HOOKS_H
#define MT_TLS_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct bpf_program;
struct mt_event_hdr;
struct tls_hooks;

/* enter and exit are the programs for a function's entry and return;
 * report (may be NULL) gets a line per process and TLS file it runs. */
int tls_hooks__new(struct tls_hooks **out, struct bpf_program *enter, struct bpf_program *exit,
		   FILE *report);
/* The programs for Go's crypto/tls (go_tls.h): at a function's entry and
 * at each of its RET instructions. Unset: Go executables are not hooked. */
void tls_hooks__set_go(struct tls_hooks *th, struct bpf_program *enter, struct bpf_program *ret);
/* Before anything traced runs: hooks the TLS libraries found in the
 * system's library directories (ld.so.conf) and the executables the words
 * of a command line name (argv, and the words inside "sh -c" strings),
 * looked up in PATH. NULL words: the libraries only. Says on report, in
 * one line, what it hooked. */
void tls_hooks__prepare(struct tls_hooks *th, char *const words[]);
/* Hooks the TLS files pid has mapped that are not hooked yet. report_none:
 * also say when it runs none (or cannot be read). Returns how many TLS
 * files pid runs, or a negative errno. */
int tls_hooks__scan_pid(struct tls_hooks *th, pid_t pid, bool report_none);
/* How many hooked TLS files pid runs, as the records read so far tell
 * (exec, mmap, fork from a process that runs some; forgotten at exit):
 * consistent with the ring buffer's order, so a process that has exited
 * meanwhile still counts until its exit record is read. */
int tls_hooks__running(const struct tls_hooks *th, pid_t pid);
/* Keeps the hooks current from a ring-buffer record (fork, exec, mmap, exit). */
void tls_hooks__on_record(struct tls_hooks *th, const struct mt_event_hdr *h, size_t size);
void tls_hooks__free(struct tls_hooks *th);

#endif
