/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_lib: which files of a process hold TLS code, and where in those files
 * the entry points are. The maps of a process give the files it runs (with
 * their device and inode, so a file is inspected once however many
 * processes map it); libelf gives each file's symbols. A symbol's address
 * is turned into a file offset through the PT_LOAD segment holding it,
 * which is what a uprobe is placed by.
 *
 * Edges: only ELF files; symbol versions are ignored (SSL_write@@OPENSSL_3.0.0
 * is SSL_write). Functions are matched by exact name, so a library that
 * wraps another's API under the same names (GnuTLS's OpenSSL compatibility
 * layer) would be hooked as what it claims to be.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/types.h>

#include "mcptrace.h"
#include "capture/go_tls.h"
#include "capture/tls_lib.h"

struct want {
	const char *name;
	enum tls_lib_kind kind;
	uint64_t cookie;
};

/* Every entry point hooked, by library. A file is the first kind that has
 * any of its functions. */
static const struct want wanted[] = {
	{ "SSL_write", TLS_LIB_OPENSSL, MT_DIR_WRITE | MT_TLS_RET_INT },
	{ "SSL_read", TLS_LIB_OPENSSL, MT_DIR_READ | MT_TLS_RET_INT },
	{ "SSL_write_ex", TLS_LIB_OPENSSL, MT_DIR_WRITE | MT_TLS_RET_EX },
	{ "SSL_read_ex", TLS_LIB_OPENSSL, MT_DIR_READ | MT_TLS_RET_EX },
	{ "gnutls_record_send", TLS_LIB_GNUTLS, MT_DIR_WRITE | MT_TLS_RET_LONG },
	{ "gnutls_record_recv", TLS_LIB_GNUTLS, MT_DIR_READ | MT_TLS_RET_LONG },
	{ "PR_Write", TLS_LIB_NSPR, MT_DIR_WRITE | MT_TLS_RET_INT | MT_TLS_NSPR },
	{ "PR_Read", TLS_LIB_NSPR, MT_DIR_READ | MT_TLS_RET_INT | MT_TLS_NSPR },
	{ "PR_Send", TLS_LIB_NSPR, MT_DIR_WRITE | MT_TLS_RET_INT | MT_TLS_NSPR },
	{ "PR_Recv", TLS_LIB_NSPR, MT_DIR_READ | MT_TLS_RET_INT | MT_TLS_NSPR },
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

const char *tls_lib__kind_name(enum tls_lib_kind kind)
{
	switch (kind) {
	case TLS_LIB_OPENSSL:
		return "openssl";
	case TLS_LIB_GNUTLS:
		return "gnutls";
	case TLS_LIB_NSPR:
		return "nspr";
	case TLS_LIB_GO:
		return "go";
	default:
		return "none";
	}
}

/* The file offset of virtual address addr, through the PT_LOAD segment
 * that maps it; 0 if none does. */
static uint64_t vaddr_to_offset(Elf *elf, uint64_t addr)
{
	size_t n, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (!(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz)
			return addr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/* Looks the wanted names up in one symbol table section; found[i] gets the
 * address of wanted[i]. Returns whether the section has any symbol. */
static bool scan_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, uint64_t *found)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n, i, j;
	GElf_Sym sym;
	const char *name;

	if (!data || !sh->sh_entsize)
		return false;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 1; i < n; i++) {
		if (!gelf_getsym(data, (int)i, &sym))
			break;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || (name[0] != 'S' && name[0] != 'g' && name[0] != 'P'))
			continue;
		for (j = 0; j < NWANTED; j++)
			if (!found[j] && !strcmp(name, wanted[j].name))
				found[j] = sym.st_value;
	}
	return n > 1;
}

/* An fd for reading file, if it is a regular file. O_PATH first: it opens
 * nothing, so a FIFO cannot hold us and a device never sees an open; the
 * file is then read through the checked fd, not the path again. */
static int open_checked(const char *file)
{
	char self[64];
	struct stat st;
	int pfd, fd;

	pfd = open(file, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st)) {
		fd = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		fd = -EINVAL;
	} else if ((uint64_t)st.st_size > TLS_LIB_MAX_FILE) {
		fd = -EFBIG;
	} else {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
		fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			fd = -errno;
	}
	close(pfd);
	return fd;
}

int tls_lib__inspect(const char *file, struct tls_lib *lib)
{
	uint64_t found[NWANTED] = { 0 };
	bool any_syms = false;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	size_t j;
	int fd, err = 0;

	memset(lib, 0, sizeof(*lib));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open_checked(file);
	if (fd < 0)
		return fd;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB)
			any_syms |= scan_symtab(elf, scn, &sh, found);
	}
	lib->no_symbols = !any_syms;
	for (j = 0; j < NWANTED; j++) {
		uint64_t off;

		if (!found[j])
			continue;
		if (lib->kind == TLS_LIB_NONE)
			lib->kind = wanted[j].kind;
		if (wanted[j].kind != lib->kind || lib->nfuncs == TLS_LIB_MAX_FUNCS)
			continue;
		off = vaddr_to_offset(elf, found[j]);
		if (!off)
			continue;
		lib->funcs[lib->nfuncs++] = (struct tls_func){
			.name = wanted[j].name,
			.offset = off,
			.cookie = wanted[j].cookie,
		};
	}
	if (!lib->nfuncs)
		lib->kind = TLS_LIB_NONE;
	/* No C TLS library: Go's crypto/tls inside the executable? */
	if (lib->kind == TLS_LIB_NONE && go_tls__inspect(elf, fd, lib))
		lib->no_symbols = false; /* said through lib->how instead */
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

int tls_lib__scan_maps(pid_t pid, int (*fn)(void *ctx, const struct tls_mapping *m), void *ctx)
{
	char path[64], line[4096 + 256], perms[8];
	struct tls_mapping m;
	uint64_t seen[512];
	struct stat exe;
	bool have_exe;
	size_t nseen = 0, i;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	have_exe = stat(path, &exe) == 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long ino;
		unsigned int maj, min;
		int pos = 0;
		char *file;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu %n", perms, &maj, &min, &ino, &pos) < 4 ||
		    !pos)
			continue;
		file = line + pos;
		if (perms[2] != 'x' || file[0] != '/' || !ino)
			continue;
		/* A file replaced since it was mapped: its old inode is not
		 * reachable by path. */
		if (strstr(file, " (deleted)"))
			continue;
		for (i = 0; i < nseen; i++)
			if (seen[i] == ino)
				break;
		if (i < nseen)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = ino;
		m = (struct tls_mapping){
			.dev_major = maj,
			.dev_minor = min,
			.ino = ino,
			.path = file,
			.is_exe = have_exe && exe.st_ino == ino && major(exe.st_dev) == maj &&
				  minor(exe.st_dev) == min,
		};
		ret = fn(ctx, &m);
		if (ret)
			break;
	}
	fclose(f);
	return ret;
}
