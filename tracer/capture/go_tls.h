/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * go_tls: Go's crypto/tls inside a Go executable (Go >= 1.17 on x86-64,
 * the register ABI). Go links TLS into the executable and calls no C
 * library, so the hooks go on crypto/tls.(*Conn).Write and
 * crypto/tls.(*Conn).Read themselves:
 *   - where they are: the ELF .symtab, or, in a stripped build (-ldflags
 *     "-s -w"), the function table every Go executable keeps for its own
 *     stack traces (.gopclntab, read here: go_pcln__lookup);
 *   - a uprobe at the entry of each, where Write's bytes are read whole
 *     (at its return they could come after the answer they caused: Go's
 *     HTTP client writes and reads in two goroutines), and one at each
 *     RET inside Read, where its bytes are there (found by decoding the
 *     function's x86-64 instructions with capstone: go_rets__find). A
 *     uretprobe replaces the return address on the stack, and Go moves
 *     and copies goroutine stacks (and unwinds them for tracebacks and
 *     GC), so it would crash the program;
 *   - the way from a *tls.Conn to its socket's fd (tls.Conn.conn, a
 *     net.Conn interface holding a *net.TCPConn -> netFD -> poll.FD.Sysfd):
 *     member offsets from the executable's DWARF when it has some, else a
 *     table by Go version (buildinfo), packed into the uprobes' cookies.
 * The BPF side keys a call by goroutine (R14 holds the g on amd64): a
 * goroutine may move to another thread between entry and return.
 *
 * Edges: amd64 only; Go 1.16 and older (stack ABI) and binaries whose
 * version cannot be read are reported, not hooked. A function with a tail
 * jump out of itself, or more RETs than TLS_FUNC_MAX_RETS, is refused. A
 * tls.Conn over something other than a *net.TCPConn or *net.UnixConn (a
 * wrapper type) has its fd read as garbage: the BPF side keeps it only if
 * it names a socket of the process.
 */
#ifndef MT_GO_TLS_H
#define MT_GO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

struct tls_lib;

/* A function looked up by name: its address range [entry, end). */
struct go_func {
	const char *name;
	uint64_t entry, end; /* 0, 0: not found */
};

/* Looks the names of funcs up in a Go pclntab (the bytes of .gopclntab),
 * formats of Go 1.16 to 1.2x. text_start: the address of .text, used when
 * the table's own (Go >= 1.18) is 0, as in a PIE whose loader relocates
 * it. Returns 0 (funcs not found keep entry 0), -ENOEXEC (not a pclntab),
 * -EPROTONOSUPPORT (a format older than Go 1.16), -EINVAL (malformed). */
int go_pcln__lookup(const uint8_t *tab, size_t size, uint64_t text_start, struct go_func *funcs,
		    int nfuncs);

/* The offsets (from code[0]) of the RET instructions of the x86-64
 * function in code[0..size), at address addr, into rets (at most max).
 * Trailing int3 padding is allowed. Returns how many, or -EILSEQ (bytes
 * that do not decode), -ENOSPC (more than max), -EXDEV (a jump out of the
 * function: a tail call, whose return is not seen here). */
int go_rets__find(const uint8_t *code, size_t size, uint64_t addr, uint64_t *rets, int max);

/* Where the body of the Go function in code[0..size) (at address addr)
 * starts: past its stack check (CMP of SP, or of R12 after LEA R12, with
 * 16(R14), the g's stack guard, then JBE to the morestack call at its
 * end, which jumps back to the entry). 0 if it has none (NOSPLIT). */
int go_body__find(const uint8_t *code, size_t size, uint64_t addr);

/* The Go version of a .go.buildinfo section's bytes ("go1.19.8") into
 * out. read_ptr reads len bytes at a virtual address (the pointer format of
 * Go < 1.18); NULL: inline format only. Returns 0 or a negative errno. */
int go_buildinfo__version(const uint8_t *sec, size_t size,
			  int (*read_at)(void *ctx, uint64_t addr, void *buf, size_t len), void *ctx,
			  char *out, size_t outsize);

/* Whether elf (opened from fd, read again with pread for the code) is a
 * Go executable; if it defines crypto/tls's Conn.Write
 * and Conn.Read and they can be hooked, fills lib (kind TLS_LIB_GO, the
 * functions, their RETs' file offsets, the cookies) and lib->how. A Go
 * executable with crypto/tls that cannot be hooked keeps kind
 * TLS_LIB_NONE and says why in lib->how. Returns 1 for a Go executable,
 * 0 for any other file. */
int go_tls__inspect(Elf *elf, int fd, struct tls_lib *lib);

#endif
