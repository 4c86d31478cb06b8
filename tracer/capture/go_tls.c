/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * go_tls: finds Go's crypto/tls in a Go executable; see go_tls.h for why
 * it is hooked as it is. Everything is read from the file's bytes (libelf's
 * image of it): the symbol table or the pclntab for the two functions,
 * capstone for their RET instructions, the buildinfo for the Go version,
 * libdw for the struct offsets on the way to the fd.
 *
 * Why capstone: a RET must be found at an instruction boundary, and x86
 * instructions have no fixed length; a byte 0xc3 inside an immediate or a
 * displacement is not a RET. Debian 12's libcapstone (4.0) decodes
 * everything Go's compiler emits (SSE, AVX in crypto code, VEX/EVEX) and
 * is kept current for that; a hand-written length decoder for the same
 * would be a second, less tested copy of the same tables.
 */
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <capstone/capstone.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <linux/types.h>

#include "mcptrace.h"
#include "capture/go_tls.h"
#include "capture/tls_lib.h"

#define GO_WRITE "crypto/tls.(*Conn).Write"
#define GO_READ "crypto/tls.(*Conn).Read"

/* ---- pclntab ---- */

/* pclntab header magics, by the Go release that introduced the format. */
#define GO12_MAGIC 0xfffffffbu
#define GO116_MAGIC 0xfffffffau
#define GO118_MAGIC 0xfffffff0u
#define GO120_MAGIC 0xfffffff1u

static uint64_t get_uint(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int go_pcln__lookup(const uint8_t *tab, size_t size, uint64_t text_start, struct go_func *funcs,
		    int nfuncs)
{
	uint64_t nfunc, funcname_off, functab_off, ftab_text = 0;
	uint32_t magic;
	int ptr, field, word = 0;
	bool go118;

	for (int i = 0; i < nfuncs; i++)
		funcs[i].entry = funcs[i].end = 0;
	if (size < 8)
		return -ENOEXEC;
	magic = (uint32_t)get_uint(tab, 4);
	if (magic == GO12_MAGIC)
		return -EPROTONOSUPPORT;
	if (magic != GO116_MAGIC && magic != GO118_MAGIC && magic != GO120_MAGIC)
		return -ENOEXEC;
	if (tab[4] || tab[5] || (tab[6] != 1 && tab[6] != 2 && tab[6] != 4) ||
	    (tab[7] != 4 && tab[7] != 8))
		return -EINVAL;
	ptr = tab[7];
	go118 = magic != GO116_MAGIC;
	/* The header's words after the magic: nfunc, nfiles, [textStart
	 * (1.18+)], funcnametab, cutab, filetab, pctab, functab offsets. */
	if (size < 8 + (size_t)ptr * 8)
		return -EINVAL;
#define WORD(i) get_uint(tab + 8 + (size_t)(i) * ptr, ptr)
	nfunc = WORD(word++);
	word++; /* nfiles */
	if (go118) {
		ftab_text = WORD(word++);
		if (!ftab_text)
			ftab_text = text_start;
	}
	funcname_off = WORD(word);
	functab_off = WORD(word + 4);
#undef WORD
	/* functab: nfunc (entry, funcoff) pairs and the end of text; the
	 * fields are uint32 offsets from textStart (1.18+) or pointers. */
	field = go118 ? 4 : ptr;
	if (funcname_off >= size || functab_off >= size || nfunc > size ||
	    (nfunc * 2 + 1) * field > size - functab_off)
		return -EINVAL;
	for (uint64_t i = 0; i < nfunc; i++) {
		const uint8_t *ft = tab + functab_off + i * 2 * field;
		uint64_t funcoff = get_uint(ft + field, field), fo, nameoff;
		const char *name;
		size_t left;

		/* _func: entry (uint32 offset or a pointer), then nameOff int32. */
		fo = functab_off + funcoff;
		if (funcoff >= size || fo > size - field - 4)
			return -EINVAL;
		nameoff = get_uint(tab + fo + field, 4);
		if (nameoff >= size - funcname_off)
			continue;
		name = (const char *)tab + funcname_off + nameoff;
		left = size - funcname_off - nameoff;
		for (int j = 0; j < nfuncs; j++) {
			size_t len = strlen(funcs[j].name);

			if (funcs[j].entry || len >= left || memcmp(name, funcs[j].name, len + 1))
				continue;
			funcs[j].entry = get_uint(ft, field) + (go118 ? ftab_text : 0);
			funcs[j].end = get_uint(ft + 2 * field, field) + (go118 ? ftab_text : 0);
			if (funcs[j].end <= funcs[j].entry)
				return -EINVAL;
		}
	}
	return 0;
}

/* ---- RET instructions ---- */

int go_rets__find(const uint8_t *code, size_t size, uint64_t addr, uint64_t *rets, int max)
{
	const uint8_t *p = code;
	size_t left = size;
	uint64_t at = addr;
	cs_insn *insn;
	csh cs;
	int n = 0, err = 0;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	if (!insn) {
		cs_close(&cs);
		return -ENOMEM;
	}
	while (left && cs_disasm_iter(cs, &p, &left, &at, insn)) {
		const cs_x86 *x = &insn->detail->x86;

		if (insn->id == X86_INS_RET) {
			if (n == max) {
				err = -ENOSPC;
				break;
			}
			rets[n++] = insn->address - addr;
		} else if (insn->id == X86_INS_JMP && x->op_count == 1 &&
			   x->operands[0].type == X86_OP_IMM &&
			   ((uint64_t)x->operands[0].imm < addr ||
			    (uint64_t)x->operands[0].imm >= addr + size)) {
			err = -EXDEV;
			break;
		}
	}
	/* What did not decode must be padding (int3) to be harmless. */
	for (size_t i = 0; !err && i < left; i++)
		if (p[i] != 0xcc)
			err = -EILSEQ;
	cs_free(insn, 1);
	cs_close(&cs);
	return err ? err : n;
}

int go_body__find(const uint8_t *code, size_t size, uint64_t addr)
{
	const uint8_t *p = code;
	size_t left = size;
	uint64_t at = addr;
	bool checked = false;
	cs_insn *insn;
	csh cs;
	int body = 0;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return 0;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	/* At most: LEA R12, -n(SP); CMP R12, 16(R14); JBE morestack. */
	for (int i = 0; insn && i < 3 && left && cs_disasm_iter(cs, &p, &left, &at, insn); i++) {
		const cs_x86 *x = &insn->detail->x86;

		if (insn->id == X86_INS_CMP) {
			for (int o = 0; o < x->op_count; o++)
				if (x->operands[o].type == X86_OP_MEM &&
				    x->operands[o].mem.base == X86_REG_R14)
					checked = true;
		} else if (checked && (insn->id == X86_INS_JBE || insn->id == X86_INS_JB) &&
			   x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
			   (uint64_t)x->operands[0].imm > insn->address &&
			   (uint64_t)x->operands[0].imm < addr + size) {
			body = (int)(at - addr);
			break;
		}
	}
	if (insn)
		cs_free(insn, 1);
	cs_close(&cs);
	return body;
}

/* ---- buildinfo ---- */

static const char buildinfo_magic[] = "\xff Go buildinf:";

/* An unsigned varint (Go's encoding/binary uvarint) at *p, within end. */
static bool uvarint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

int go_buildinfo__version(const uint8_t *sec, size_t size,
			  int (*read_at)(void *ctx, uint64_t addr, void *buf, size_t len), void *ctx,
			  char *out, size_t outsize)
{
	uint8_t hdr[16];
	uint64_t len, addr;
	int ptr;

	if (size < 32 || memcmp(sec, buildinfo_magic, 14))
		return -ENOEXEC;
	ptr = sec[14];
	if (sec[15] & 2) {
		/* Go 1.18+: the version inline at 32, length-prefixed. */
		const uint8_t *p = sec + 32, *end = sec + size;

		if (!uvarint(&p, end, &len) || len > (uint64_t)(end - p) || len >= outsize)
			return -EINVAL;
		memcpy(out, p, len);
		out[len] = '\0';
		return 0;
	}
	/* Go < 1.18: a pointer at 16 to a string header (data, len). */
	if (!read_at || (ptr != 4 && ptr != 8) || (sec[15] & 1))
		return -EPROTONOSUPPORT; /* big-endian, or no way to read */
	addr = get_uint(sec + 16, ptr);
	if (read_at(ctx, addr, hdr, 2 * ptr))
		return -EINVAL;
	addr = get_uint(hdr, ptr);
	len = get_uint(hdr + ptr, ptr);
	if (!len || len >= outsize || read_at(ctx, addr, out, len))
		return -EINVAL;
	out[len] = '\0';
	return 0;
}

/* ---- the executable ---- */

struct image {
	Elf *elf;
	const uint8_t *raw;
	size_t size;
};

/* The file offset of [addr, addr + len) through the PT_LOAD that holds
 * it (exec: an executable one), or -1. */
static int64_t file_off(const struct image *im, uint64_t addr, uint64_t len, bool exec)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(im->elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(im->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (exec && !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && len <= ph.p_filesz && addr - ph.p_vaddr <= ph.p_filesz - len &&
		    ph.p_offset + (addr - ph.p_vaddr) + len <= im->size)
			return (int64_t)(ph.p_offset + (addr - ph.p_vaddr));
	}
	return -1;
}

static int read_vaddr(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct image *im = ctx;
	int64_t off = file_off(im, addr, len, false);

	if (off < 0)
		return -EFAULT;
	memcpy(buf, im->raw + off, len);
	return 0;
}

/* A section by name, its header into sh. */
static Elf_Scn *section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* The bytes of a section in the file image (not for SHT_NOBITS). */
static const uint8_t *section_bytes(const struct image *im, const GElf_Shdr *sh)
{
	if (sh->sh_type == SHT_NOBITS || sh->sh_offset > im->size ||
	    sh->sh_size > im->size - sh->sh_offset)
		return NULL;
	return im->raw + sh->sh_offset;
}

/* Functions from .symtab: address and size. Returns whether it has one. */
static bool from_symtab(Elf *elf, struct go_func *funcs, int nfuncs)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	bool any = false;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Sym sym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		any = true;
		for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym))
				break;
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value || !sym.st_size)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || name[0] != 'c')
				continue;
			for (int j = 0; j < nfuncs; j++)
				if (!funcs[j].entry && !strcmp(name, funcs[j].name)) {
					funcs[j].entry = sym.st_value;
					funcs[j].end = sym.st_value + sym.st_size;
				}
		}
	}
	return any;
}

/* ---- the way from a *tls.Conn to its fd ---- */

/* Offsets, in bytes: the data word of tls.Conn.conn (a net.Conn
 * interface: itab, data), the *netFD in net.TCPConn (net.conn.fd), and
 * poll.FD.Sysfd in a netFD (netFD.pfd.Sysfd). */
struct go_fd_offs {
	int64_t conn_data, netfd, sysfd;
};

/*
 * Known offsets by Go version, for binaries without DWARF. From the
 * sources of crypto/tls, net and internal/poll on unix: tls.Conn starts
 * with conn net.Conn (data word at 8); TCPConn and UnixConn are struct
 * {conn}, conn is struct {fd *netFD}; netFD starts with pfd poll.FD, and
 * poll.FD is {fdmu fdMutex (uint64 + 2 uint32 = 16 bytes); Sysfd int; ...}.
 * The same from go1.9 on; checked here against go1.19's DWARF by the
 * tests. A version past the table is taken to keep the last layout, and
 * said so.
 */
static const struct {
	int minor_from;
	struct go_fd_offs offs;
} fd_table[] = {
	{ 17, { 8, 0, 16 } },
};
#define FD_TABLE_LAST_MINOR 24

/* The member named member of the structure type DIE die, its offset. */
static int64_t member_offset(Dwarf_Die *die, const char *member)
{
	Dwarf_Die child;

	if (dwarf_child(die, &child))
		return -1;
	do {
		Dwarf_Attribute at;
		Dwarf_Word off;
		const char *n;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		n = dwarf_diename(&child);
		if (!n || strcmp(n, member))
			continue;
		if (!dwarf_attr(&child, DW_AT_data_member_location, &at) ||
		    dwarf_formudata(&at, &off))
			return -1;
		return (int64_t)off;
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

/*
 * An ELF image in memory holding only the sections the type lookup reads,
 * decompressed: libdw inflates every debug section when it opens a file
 * (.debug_loc, .debug_line, .debug_ranges: 150-270 ms for a 7 MB Go 1.19
 * client here, against 25 ms for .debug_info), and that time would delay
 * the traced command's start, or the hooking of one that just exec'd.
 * Returns the image (free it after elf_end), or NULL.
 */
static const char *const dwarf_wanted[] = { ".debug_abbrev", ".debug_info", ".debug_str" };
#define NDWARF (sizeof(dwarf_wanted) / sizeof(*dwarf_wanted))

static char *debug_only_image(Elf *elf, size_t *size)
{
	Elf_Data *data[NDWARF] = { 0 };
	char shstr[64] = "", *img;
	size_t shstrndx, names[NDWARF], nlen = 1, off, shnum = 2;
	Elf64_Ehdr *eh;
	Elf64_Shdr *shdr;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		for (size_t i = 0; i < NDWARF; i++) {
			if (strcmp(n, dwarf_wanted[i]) || data[i])
				continue;
			if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
				return NULL;
			data[i] = elf_getdata(scn, NULL);
		}
	}
	if (!data[0] || !data[1])
		return NULL;
	/* Layout: header, section bytes, names, section headers. */
	off = sizeof(Elf64_Ehdr);
	for (size_t i = 0; i < NDWARF; i++) {
		names[i] = nlen;
		nlen += strlen(dwarf_wanted[i]) + 1;
		if (data[i]) {
			off += data[i]->d_size;
			shnum++;
		}
	}
	memcpy(shstr + nlen, ".shstrtab", 10);
	off = (off + nlen + 10 + 7) & ~(size_t)7;
	*size = off + (NDWARF + 2) * sizeof(Elf64_Shdr);
	img = calloc(1, *size);
	if (!img)
		return NULL;
	for (size_t i = 0; i < NDWARF; i++)
		memcpy(shstr + names[i], dwarf_wanted[i], strlen(dwarf_wanted[i]) + 1);
	eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shoff = off;
	shdr = (Elf64_Shdr *)(img + off);
	off = sizeof(Elf64_Ehdr);
	for (size_t i = 0, k = 1; i < NDWARF; i++) {
		if (!data[i])
			continue;
		memcpy(img + off, data[i]->d_buf, data[i]->d_size);
		shdr[k].sh_name = names[i];
		shdr[k].sh_type = SHT_PROGBITS;
		shdr[k].sh_offset = off;
		shdr[k].sh_size = data[i]->d_size;
		shdr[k].sh_addralign = 1;
		off += data[i]->d_size;
		k++;
	}
	memcpy(img + off, shstr, nlen + 10);
	shdr[shnum - 1].sh_name = nlen;
	shdr[shnum - 1].sh_type = SHT_STRTAB;
	shdr[shnum - 1].sh_offset = off;
	shdr[shnum - 1].sh_size = nlen + 10;
	shdr[shnum - 1].sh_addralign = 1;
	eh->e_shnum = shnum;
	eh->e_shstrndx = shnum - 1;
	return img;
}

static bool all_found(const int64_t *got, int n)
{
	for (int i = 0; i < n; i++)
		if (got[i] < 0)
			return false;
	return true;
}

/* The offsets from DWARF: Go puts every type in the "runtime" unit, as
 * top-level DIEs. Returns 0 with all found. */
static int fd_offs_dwarf(Elf *file, struct go_fd_offs *o)
{
	static const struct {
		const char *type, *member;
	} want[] = {
		{ "crypto/tls.Conn", "conn" },	{ "net.TCPConn", "conn" }, { "net.conn", "fd" },
		{ "net.netFD", "pfd" },		{ "internal/poll.FD", "Sysfd" },
	};
	int64_t got[5] = { -1, -1, -1, -1, -1 };
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf *dw;
	int err = -ENOENT;

	size_t img_size;
	char *img = debug_only_image(file, &img_size);
	Elf *elf = img ? elf_memory(img, img_size) : NULL;

	dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
	if (!dw) {
		if (elf)
			elf_end(elf);
		free(img);
		return -ENOENT;
	}
	while (err && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;
		const char *cname;

		if (!dwarf_offdie(dw, off + hsize, &cu))
			break;
		off = next;
		cname = dwarf_diename(&cu);
		if (!cname || strcmp(cname, "runtime") || dwarf_child(&cu, &die))
			continue;
		do {
			const char *n;

			if (dwarf_tag(&die) != DW_TAG_structure_type || !(n = dwarf_diename(&die)))
				continue;
			for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
				if (got[i] < 0 && !strcmp(n, want[i].type))
					got[i] = member_offset(&die, want[i].member);
		} while (!all_found(got, 5) && dwarf_siblingof(&die, &die) == 0);
		err = 0;
		for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
			if (got[i] < 0)
				err = -ENOENT;
	}
	dwarf_end(dw);
	elf_end(elf);
	free(img);
	if (err)
		return err;
	o->conn_data = got[0] + 8;
	o->netfd = got[1] + got[2];
	o->sysfd = got[3] + got[4];
	return 0;
}

/* "go1.19.8" -> 19; "devel go1.23-abc" -> 23; -1 if not go1.N. */
static int go_minor(const char *version)
{
	const char *p = strstr(version, "go1.");
	char *end;
	long minor;

	if (!p)
		return -1;
	minor = strtol(p + 4, &end, 10);
	if (end == p + 4 || minor < 0 || minor > 1000)
		return -1;
	return (int)minor;
}

static uint64_t cookie_of(int dir, const struct go_fd_offs *o)
{
	uint64_t c = dir;

	if (o && o->conn_data >= 0 && o->conn_data < 256 && o->netfd >= 0 && o->netfd < 256 &&
	    o->sysfd >= 0 && o->sysfd < 256)
		c |= MT_TLS_GO_FD | (uint64_t)o->conn_data << MT_TLS_GO_SHIFT |
		     (uint64_t)o->netfd << (MT_TLS_GO_SHIFT + 8) |
		     (uint64_t)o->sysfd << (MT_TLS_GO_SHIFT + 16);
	return c;
}

int go_tls__inspect(Elf *elf, int fd, struct tls_lib *lib)
{
	struct go_func funcs[2] = { { .name = GO_WRITE }, { .name = GO_READ } };
	static const int dirs[2] = { MT_DIR_WRITE, MT_DIR_READ };
	struct image im = { .elf = elf };
	struct go_fd_offs offs;
	const char *where = ".symtab", *fd_how;
	char version[64] = "";
	int minor, nprobes = 0, nbody = 0;
	GElf_Shdr sh, text;
	GElf_Ehdr eh;
	Elf_Scn *scn;

	im.raw = (const uint8_t *)elf_rawfile(elf, &im.size);
	if (!im.raw || !gelf_getehdr(elf, &eh))
		return 0;
	/* A Go executable: its buildinfo, or its pclntab. */
	scn = section(elf, ".go.buildinfo", &sh);
	if (scn) {
		const uint8_t *b = section_bytes(&im, &sh);

		if (b)
			go_buildinfo__version(b, sh.sh_size, read_vaddr, &im, version,
					      sizeof(version));
	} else if (!section(elf, ".gopclntab", &sh) && !section(elf, ".data.rel.ro.gopclntab", &sh)) {
		return 0;
	}
	if (!from_symtab(elf, funcs, 2) || !funcs[0].entry || !funcs[1].entry) {
		const uint8_t *tab;

		where = ".gopclntab";
		/* A PIE keeps it in .data.rel.ro (its loader relocates it). */
		if ((!section(elf, ".gopclntab", &sh) &&
		     !section(elf, ".data.rel.ro.gopclntab", &sh)) ||
		    !(tab = section_bytes(&im, &sh))) {
			snprintf(lib->how, sizeof(lib->how), "Go %s without symbols or .gopclntab",
				 version[0] ? version : "(version unknown)");
			return 1;
		}
		if (!section(elf, ".text", &text))
			text.sh_addr = 0;
		if (go_pcln__lookup(tab, sh.sh_size, text.sh_addr, funcs, 2)) {
			snprintf(lib->how, sizeof(lib->how), "Go %s: .gopclntab not readable",
				 version[0] ? version : "(version unknown)");
			return 1;
		}
	}
	if (!funcs[0].entry || !funcs[1].entry)
		return 1; /* a Go program without crypto/tls */
	minor = go_minor(version);
	if (eh.e_machine != EM_X86_64) {
		snprintf(lib->how, sizeof(lib->how), "Go crypto/tls on machine %u: only x86-64 is supported",
			 eh.e_machine);
		return 1;
	}
	if (minor < 17) {
		snprintf(lib->how, sizeof(lib->how),
			 minor < 0 ? "Go crypto/tls of an unknown Go version: the register ABI (Go 1.17+) cannot be assumed"
				   : "Go crypto/tls of %s: the stack ABI (before Go 1.17) is not supported",
			 version);
		return 1;
	}
	if (!fd_offs_dwarf(elf, &offs)) {
		fd_how = "DWARF";
	} else {
		offs = fd_table[0].offs;
		for (size_t i = 0; i < sizeof(fd_table) / sizeof(*fd_table); i++)
			if (minor >= fd_table[i].minor_from)
				offs = fd_table[i].offs;
		fd_how = minor > FD_TABLE_LAST_MINOR ? "the table (assumed as go1.24)" : "the table";
	}
	for (int i = 0; i < 2; i++) {
		struct tls_func *fn = &lib->funcs[i];
		uint64_t size = funcs[i].end - funcs[i].entry;
		int64_t off = file_off(&im, funcs[i].entry, size, true);
		uint8_t *code;
		int n = 0, body;

		if (off < 0 || size > (1 << 20)) {
			snprintf(lib->how, sizeof(lib->how), "Go %s: %s is not in the executable's code",
				 version, funcs[i].name);
			return 1;
		}
		/* Write is read whole at its entry (see bpf/, go_tls_enter);
		 * Read at its returns. The code is read with pread, not from
		 * libelf's mapping of the file: the kernel puts the int3 of
		 * every uprobe already on the file (another mcptrace's, say)
		 * into any mapping of it that may execute, ours included, and
		 * a RET hooked would read as an int3. */
		code = malloc(size);
		if (!code || pread(fd, code, size, off) != (ssize_t)size) {
			free(code);
			snprintf(lib->how, sizeof(lib->how), "Go %s: %s cannot be read", version,
				 funcs[i].name);
			return 1;
		}
		body = go_body__find(code, size, funcs[i].entry);
		if (dirs[i] == MT_DIR_READ)
			n = go_rets__find(code, size, funcs[i].entry, fn->rets, TLS_FUNC_MAX_RETS);
		free(code);
		if (dirs[i] == MT_DIR_READ && n <= 0) {
			snprintf(lib->how, sizeof(lib->how), "Go %s: the returns of %s cannot be found: %s",
				 version, funcs[i].name,
				 n == 0 ? "none" : n == -EXDEV ? "it jumps out of itself" : strerror(-n));
			return 1;
		}
		fn->name = funcs[i].name;
		/* Past the stack check: when the stack must grow, morestack
		 * jumps back to the entry, and a probe there would fire twice
		 * for one call (Write's bytes sent twice). */
		fn->offset = (uint64_t)off + body;
		nbody += body > 0;
		fn->cookie = cookie_of(dirs[i], &offs);
		fn->nrets = n;
		for (int r = 0; r < n; r++)
			fn->rets[r] += (uint64_t)off;
		nprobes += 1 + n;
	}
	lib->kind = TLS_LIB_GO;
	lib->nfuncs = 2;
	snprintf(lib->how, sizeof(lib->how),
		 "%s, functions from %s, fd offsets from %s; %d uprobes: Write's entry, Read's entry%s and %d RETs",
		 version, where, fd_how, nprobes, nbody == 2 ? " (past the stack check)" : "",
		 lib->funcs[1].nrets);
	return 1;
}
