/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * go_tls: the pclntab reader and the RET finder on small fixtures made
 * here byte by byte (the layouts of Go 1.16, 1.18 and 1.20), the buildinfo
 * reader, then, when a Go toolchain is installed, on real executables
 * built now from tests/integration/go/mcp_client.go: with symbols,
 * stripped (-ldflags "-s -w": found through .gopclntab), and as a PIE.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "check.h"
#include "capture/go_tls.h"
#include "capture/tls_lib.h"

/* ---- a pclntab written by hand ---- */

struct buf {
	uint8_t b[4096];
	size_t len;
};

static void put(struct buf *b, size_t at, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b->b[at + i] = (uint8_t)(v >> (8 * i));
	if (at + n > b->len)
		b->len = at + n;
}

static const char *const fixture_names[] = { "main.main", "crypto/tls.(*Conn).Write",
					      "crypto/tls.(*Conn).Read" };
/* Entries (offsets from text) and the end of text. */
static const uint64_t fixture_entry[] = { 0x0, 0x140, 0x3a0, 0x600 };

/*
 * Builds a pclntab: magic, the header words, funcnametab, functab, the
 * _func records. go116: pointer-size functab fields and absolute entries;
 * else uint32 offsets from textStart (header_text, 0 for a PIE's).
 */
static void make_pcln(struct buf *b, uint32_t magic, bool go116, uint64_t text,
		      uint64_t header_text)
{
	const int ptr = 8, nfunc = 3, field = go116 ? ptr : 4;
	int nwords = go116 ? 7 : 8;
	size_t names = 8 + (size_t)nwords * ptr, functab, funcs, at;
	uint32_t nameoff[3];

	memset(b, 0, sizeof(*b));
	put(b, 0, magic, 4);
	b->b[6] = 1;
	b->b[7] = ptr;
	at = names;
	for (int i = 0; i < nfunc; i++) {
		nameoff[i] = (uint32_t)(at - names);
		memcpy(b->b + at, fixture_names[i], strlen(fixture_names[i]) + 1);
		at += strlen(fixture_names[i]) + 1;
	}
	functab = (at + 7) & ~(size_t)7;
	funcs = functab + (size_t)(2 * nfunc + 1) * field;
	for (int i = 0; i < nfunc; i++) {
		size_t fo = funcs + (size_t)i * 16;

		put(b, functab + (size_t)i * 2 * field,
		    go116 ? text + fixture_entry[i] : fixture_entry[i], field);
		put(b, functab + (size_t)i * 2 * field + field, fo - functab, field);
		put(b, fo, go116 ? text + fixture_entry[i] : fixture_entry[i], field);
		put(b, fo + field, nameoff[i], 4);
	}
	put(b, functab + (size_t)2 * nfunc * field, go116 ? text + fixture_entry[3] : fixture_entry[3],
	    field);
	/* nfunc, nfiles, [textStart], funcnametab, cutab, filetab, pctab, functab */
	int w = 0;
	put(b, 8 + (size_t)w++ * ptr, nfunc, ptr);
	put(b, 8 + (size_t)w++ * ptr, 0, ptr);
	if (!go116)
		put(b, 8 + (size_t)w++ * ptr, header_text, ptr);
	put(b, 8 + (size_t)w++ * ptr, names, ptr);
	for (int i = 0; i < 3; i++)
		put(b, 8 + (size_t)w++ * ptr, names, ptr);
	put(b, 8 + (size_t)w++ * ptr, functab, ptr);
	if (b->len < funcs + 3 * 16)
		b->len = funcs + 3 * 16;
}

static void check_found(struct go_func *f, uint64_t text)
{
	CHECK_EQ_INT(f[0].entry, text + fixture_entry[1]);
	CHECK_EQ_INT(f[0].end, text + fixture_entry[2]);
	CHECK_EQ_INT(f[1].entry, text + fixture_entry[2]);
	CHECK_EQ_INT(f[1].end, text + fixture_entry[3]);
}

static void test_pcln_formats(void)
{
	static const uint32_t magics[] = { 0xfffffff0u, 0xfffffff1u };
	struct buf b;

	for (size_t i = 0; i < 2; i++) {
		struct go_func f[2] = { { .name = "crypto/tls.(*Conn).Write" },
					{ .name = "crypto/tls.(*Conn).Read" } };

		make_pcln(&b, magics[i], false, 0x401000, 0x401000);
		CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 2), 0);
		check_found(f, 0x401000);
		/* A PIE: textStart 0 in the file, .text's address used. */
		make_pcln(&b, magics[i], false, 0x1000, 0);
		CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0x1000, f, 2), 0);
		check_found(f, 0x1000);
	}
	{
		struct go_func f[2] = { { .name = "crypto/tls.(*Conn).Write" },
					{ .name = "crypto/tls.(*Conn).Read" } };

		make_pcln(&b, 0xfffffffau, true, 0x400000, 0);
		CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 2), 0);
		check_found(f, 0x400000);
	}
}

static void test_pcln_not_found_and_bad(void)
{
	struct go_func f[1] = { { .name = "crypto/tls.(*Conn).Close" } };
	struct buf b;

	make_pcln(&b, 0xfffffff1u, false, 0x401000, 0x401000);
	CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 1), 0);
	CHECK_EQ_INT(f[0].entry, 0);
	/* A name that is a prefix of a real one does not match it. */
	f[0].name = "crypto/tls.(*Conn).Wri";
	CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 1), 0);
	CHECK_EQ_INT(f[0].entry, 0);
	f[0].name = "crypto/tls.(*Conn).Write";
	/* Every truncation fails cleanly or finds nothing, never reads past. */
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int rc;

		memcpy(copy, b.b, n);
		rc = go_pcln__lookup(copy, n, 0, f, 1);
		CHECK(rc == 0 || rc == -EINVAL || rc == -ENOEXEC);
		free(copy);
	}
	put(&b, 0, 0xfffffffbu, 4); /* Go 1.2 to 1.15 */
	CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 1), -EPROTONOSUPPORT);
	put(&b, 0, 0x12345678u, 4);
	CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 1), -ENOEXEC);
	/* A function table that claims more functions than the bytes hold. */
	make_pcln(&b, 0xfffffff1u, false, 0x401000, 0x401000);
	put(&b, 8, 1u << 30, 8);
	CHECK_EQ_INT(go_pcln__lookup(b.b, b.len, 0, f, 1), -EINVAL);
}

/* ---- RET instructions ---- */

static void test_rets(void)
{
	/* Bytes 0xc3 in immediates and displacements are not RETs. */
	static const uint8_t code[] = {
		0x49, 0x3b, 0x66, 0x10,		    /* 0: cmp rsp, [r14+0x10] */
		0x76, 0x20,			    /* 4: jbe 0x26 (inside) */
		0xb8, 0xc3, 0xc3, 0xc3, 0xc3,	    /* 6: mov eax, 0xc3c3c3c3 */
		0x48, 0x8d, 0x05, 0xc3, 0x00, 0x00, 0x00, /* 11: lea rax, [rip+0xc3] */
		0x74, 0x06,			    /* 18: je 0x1a */
		0x48, 0x83, 0xc4, 0x18,		    /* 20: add rsp, 0x18 */
		0x5d,				    /* 24: pop rbp */
		0xc3,				    /* 25: ret */
		0x31, 0xc0,			    /* 26: xor eax, eax */
		0xc3,				    /* 28: ret */
		0xc5, 0xf9, 0x6f, 0xc3,		    /* 29: vmovdqa xmm0, xmm3 (VEX, ends in c3) */
		0xc2, 0x08, 0x00,		    /* 33: ret 8 */
		0xe8, 0x00, 0x00, 0x00, 0x00,	    /* 36: call (a call out is fine) */
		0xeb, 0xd5,			    /* 41: jmp 0 (back to the entry) */
		0xcc, 0xcc, 0xcc,		    /* 43: int3 padding */
	};
	uint64_t rets[8];
	int n;

	CHECK_EQ_INT(go_body__find(code, sizeof(code), 0x401000), 6);
	n = go_rets__find(code, sizeof(code), 0x401000, rets, 8);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_INT(rets[0], 25);
		CHECK_EQ_INT(rets[1], 28);
		CHECK_EQ_INT(rets[2], 33);
	}
	CHECK_EQ_INT(go_rets__find(code, sizeof(code), 0x401000, rets, 2), -ENOSPC);
}

static void test_rets_refused(void)
{
	/* A tail jump out of the function: its return is not ours to see. */
	static const uint8_t tail[] = { 0x48, 0x89, 0xc3, 0xe9, 0x00, 0x10, 0x00, 0x00 };
	/* Bytes that decode to nothing in 64-bit mode (0x06: push es). */
	static const uint8_t bad[] = { 0x90, 0x06, 0xc3 };
	/* A truncated instruction at the end that is not padding. */
	static const uint8_t cut[] = { 0xc3, 0xb8, 0x01 };
	uint64_t rets[4];

	CHECK_EQ_INT(go_rets__find(tail, sizeof(tail), 0x401000, rets, 4), -EXDEV);
	CHECK_EQ_INT(go_rets__find(bad, sizeof(bad), 0x401000, rets, 4), -EILSEQ);
	CHECK_EQ_INT(go_rets__find(cut, sizeof(cut), 0x401000, rets, 4), -EILSEQ);
	CHECK_EQ_INT(go_rets__find(tail, 0, 0x401000, rets, 4), 0);
}

static void test_body(void)
{
	/* Go 1.19's (*Conn).Write: a large frame, checked through R12. */
	static const uint8_t big[] = {
		0x4c, 0x8d, 0x64, 0x24, 0x98,	    /* lea r12, [rsp-0x68] */
		0x4d, 0x3b, 0x66, 0x10,		    /* cmp r12, [r14+0x10] */
		0x0f, 0x86, 0x08, 0x00, 0x00, 0x00, /* jbe +8 (the morestack call) */
		0x48, 0x81, 0xec, 0xe8, 0x00, 0x00, 0x00, /* 15: sub rsp, 0xe8 */
		0xc3,				    /* ret */
		0xe8, 0, 0, 0, 0,		    /* 23: call morestack */
		0xeb, 0xe2,			    /* jmp back to the entry */
	};
	/* A NOSPLIT function: no stack check, its entry is its body. */
	static const uint8_t nosplit[] = { 0x48, 0x89, 0xc3, 0xc3 };
	/* A JBE that is not a stack check (no g in R14 compared). */
	static const uint8_t other[] = { 0x48, 0x39, 0xc3, 0x76, 0x01, 0xc3, 0xc3 };

	CHECK_EQ_INT(go_body__find(big, sizeof(big), 0x401000), 15);
	CHECK_EQ_INT(go_body__find(nosplit, sizeof(nosplit), 0x401000), 0);
	CHECK_EQ_INT(go_body__find(other, sizeof(other), 0x401000), 0);
	CHECK_EQ_INT(go_body__find(big, 4, 0x401000), 0);
}

/* ---- buildinfo ---- */

struct mem {
	uint64_t base;
	uint8_t b[64];
};

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct mem *m = ctx;

	if (addr < m->base || addr - m->base + len > sizeof(m->b))
		return -EFAULT;
	memcpy(buf, m->b + (addr - m->base), len);
	return 0;
}

static void test_buildinfo(void)
{
	uint8_t sec[64] = "\xff Go buildinf:";
	struct mem m = { .base = 0x500000 };
	char v[32];

	/* Go 1.18+: inline, length-prefixed. */
	sec[14] = 8;
	sec[15] = 2;
	sec[32] = 8;
	memcpy(sec + 33, "go1.21.3", 8);
	CHECK_EQ_INT(go_buildinfo__version(sec, sizeof(sec), NULL, NULL, v, sizeof(v)), 0);
	CHECK_EQ_STR(v, "go1.21.3");
	CHECK_EQ_INT(go_buildinfo__version(sec, sizeof(sec), NULL, NULL, v, 8), -EINVAL);
	sec[32] = 0x80; /* a varint that never ends */
	CHECK(go_buildinfo__version(sec, 33, NULL, NULL, v, sizeof(v)) < 0);
	/* Go 1.17: a pointer to a string header (data, len). */
	memset(sec + 16, 0, 48);
	sec[15] = 0;
	for (int i = 0; i < 8; i++)
		sec[16 + i] = (uint8_t)((m.base + 16) >> (8 * i));
	for (int i = 0; i < 8; i++) {
		m.b[16 + i] = (uint8_t)((m.base + 40) >> (8 * i));
		m.b[24 + i] = (uint8_t)(i == 0 ? 9 : 0);
	}
	memcpy(m.b + 40, "go1.17.13", 9);
	CHECK_EQ_INT(go_buildinfo__version(sec, sizeof(sec), mem_read, &m, v, sizeof(v)), 0);
	CHECK_EQ_STR(v, "go1.17.13");
	CHECK_EQ_INT(go_buildinfo__version(sec, sizeof(sec), NULL, NULL, v, sizeof(v)),
		     -EPROTONOSUPPORT);
	sec[0] = 'x';
	CHECK_EQ_INT(go_buildinfo__version(sec, sizeof(sec), NULL, NULL, v, sizeof(v)), -ENOEXEC);
}

/* ---- real Go executables, built now ---- */

static char tmpdir[] = "/tmp/mcptrace-gotls-unit.XXXXXX";

/* Builds the client with extra go build flags into tmpdir/name. */
static int go_build(const char *name, const char *flags)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "go build %s -o %s/%s tests/integration/go/mcp_client.go > %s/%s.log 2>&1", flags,
		 tmpdir, name, tmpdir, name);
	if (system(cmd)) {
		snprintf(cmd, sizeof(cmd), "cat %s/%s.log >&2", tmpdir, name);
		if (system(cmd)) {
		}
		return -1;
	}
	return 0;
}

static int inspect(const char *name, struct tls_lib *lib)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return tls_lib__inspect(path, lib);
}

static void check_go_lib(const char *name, const struct tls_lib *lib, const char *where)
{
	CHECK_EQ_INT(lib->kind, TLS_LIB_GO);
	CHECK_EQ_INT(lib->nfuncs, 2);
	if (!strstr(lib->how, where)) {
		fprintf(stderr, "  %s: how is \"%s\", expected it to say %s\n", name, lib->how, where);
		CHECK(0);
	}
	for (int i = 0; i < lib->nfuncs; i++) {
		const struct tls_func *fn = &lib->funcs[i];

		/* Write is read at its entry, Read at its RETs. */
		CHECK(i == 0 ? fn->nrets == 0 : fn->nrets > 0);
		CHECK(fn->cookie & MT_TLS_GO_FD);
		for (int r = 0; r < fn->nrets; r++)
			CHECK(fn->rets[r] > fn->offset);
	}
	CHECK(strstr(lib->how, "(past the stack check)") != NULL);
	CHECK_EQ_INT(lib->funcs[0].cookie & MT_TLS_DIR_MASK, MT_DIR_WRITE);
	CHECK_EQ_INT(lib->funcs[1].cookie & MT_TLS_DIR_MASK, MT_DIR_READ);
}

static void test_go_executables(void)
{
	struct tls_lib full, stripped, pie, pie_stripped;
	struct stat st;

	if (system("command -v go > /dev/null 2>&1")) {
		printf("# no go toolchain: the real-executable checks are skipped "
		       "(scripts/install-deps.sh installs golang-go)\n");
		return;
	}
	if (stat("tests/integration/go/mcp_client.go", &st)) {
		fprintf(stderr, "  run from the top of the tree\n");
		CHECK(0);
		return;
	}
	if (!mkdtemp(tmpdir)) {
		CHECK(0);
		return;
	}
	/* No module downloads, ever: the standard library only. */
	setenv("GO111MODULE", "off", 1);
	setenv("GOFLAGS", "", 1);
	setenv("GOPROXY", "off", 1);
	setenv("GOTOOLCHAIN", "local", 1);
	if (!getenv("HOME") && !getenv("GOCACHE"))
		setenv("GOCACHE", "/tmp/mcptrace-gocache", 1);
	if (go_build("full", "") || go_build("stripped", "-ldflags='-s -w'") ||
	    go_build("pie", "-buildmode=pie") || go_build("pie-stripped", "-buildmode=pie -ldflags='-s -w'")) {
		CHECK(0);
		goto out;
	}
	CHECK_EQ_INT(inspect("full", &full), 0);
	CHECK_EQ_INT(inspect("stripped", &stripped), 0);
	CHECK_EQ_INT(inspect("pie", &pie), 0);
	CHECK_EQ_INT(inspect("pie-stripped", &pie_stripped), 0);
	check_go_lib("full", &full, "functions from .symtab, fd offsets from DWARF");
	check_go_lib("stripped", &stripped, "functions from .gopclntab, fd offsets from the table");
	check_go_lib("pie", &pie, "functions from .symtab");
	check_go_lib("pie-stripped", &pie_stripped, "functions from .gopclntab");
	/* The same code: the same places, whichever way they were found;
	 * and the version table agrees with the DWARF. */
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(stripped.funcs[i].offset, full.funcs[i].offset);
		CHECK_EQ_INT(stripped.funcs[i].nrets, full.funcs[i].nrets);
		for (int r = 0; r < full.funcs[i].nrets && r < stripped.funcs[i].nrets; r++)
			CHECK_EQ_INT(stripped.funcs[i].rets[r], full.funcs[i].rets[r]);
		CHECK_EQ_INT(stripped.funcs[i].cookie, full.funcs[i].cookie);
		CHECK_EQ_INT(pie_stripped.funcs[i].offset, pie.funcs[i].offset);
		CHECK_EQ_INT(pie_stripped.funcs[i].nrets, pie.funcs[i].nrets);
	}
	printf("# %s\n# %s\n", full.how, pie_stripped.how);
out:
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd)) {
		}
	}
}

static void test_not_go(void)
{
	struct tls_lib lib;

	/* This test's own executable: ELF, not Go, no TLS. */
	CHECK_EQ_INT(tls_lib__inspect("/proc/self/exe", &lib), 0);
	CHECK_EQ_INT(lib.kind, TLS_LIB_NONE);
	CHECK_EQ_STR(lib.how, "");
}

int main(void)
{
	RUN_TEST(test_pcln_formats);
	RUN_TEST(test_pcln_not_found_and_bad);
	RUN_TEST(test_rets);
	RUN_TEST(test_rets_refused);
	RUN_TEST(test_body);
	RUN_TEST(test_buildinfo);
	RUN_TEST(test_not_go);
	RUN_TEST(test_go_executables);
	return CHECK_DONE();
}
