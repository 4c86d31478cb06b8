/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tls_hooks: the TLS uprobes, per library file for every process; see
 * tls_hooks.h for why per file. A file is opened once (O_PATH, checked to
 * be the regular file the process mapped: same device and inode), read for
 * its entry points and hooked through that same open file, so a traced
 * process that swaps the path meanwhile cannot make us place probes at
 * one file's offsets in another one that every process runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "mcptrace.h"
#include "capture/tls_hooks.h"
#include "capture/tls_lib.h"

/* A file inspected for TLS entry points, by device and inode, and its
 * hooks if it has any. */
struct tls_file {
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	struct tls_lib lib;
	char *path; /* as first named: in a process's maps, or found here */
	int nlinks;
	struct bpf_link *links[TLS_LIB_MAX_FUNCS * (1 + TLS_FUNC_MAX_RETS)];
};

/* A traced process seen running a TLS file: said once. */
struct tls_user {
	pid_t pid;
	const struct tls_file *f;
};

struct tls_hooks {
	struct bpf_program *enter, *exit;
	struct bpf_program *go_enter, *go_ret; /* NULL: Go is not hooked */
	FILE *report;
	struct tls_file **files;
	size_t nfiles, files_cap;
	void *users; /* tsearch of struct tls_user */
};

/* Library names whose files hold the TLS entry points tls_lib knows. */
static const char *const tls_lib_names[] = { "libssl.so", "libgnutls.so", "libnspr4.so" };

/* Words of a command line looked at, at most: a guard, not a limit met. */
#define MAX_WORDS 256

int tls_hooks__new(struct tls_hooks **out, struct bpf_program *enter, struct bpf_program *exit,
		   FILE *report)
{
	struct tls_hooks *th = calloc(1, sizeof(*th));

	*out = NULL;
	if (!th)
		return -ENOMEM;
	th->enter = enter;
	th->exit = exit;
	th->report = report;
	*out = th;
	return 0;
}

void tls_hooks__set_go(struct tls_hooks *th, struct bpf_program *enter, struct bpf_program *ret)
{
	th->go_enter = enter;
	th->go_ret = ret;
}

/* s for a diagnostic line: comm and the paths in maps are the traced
 * process's to choose, so anything but printable ASCII becomes '?', and a
 * hostile name can neither drive the terminal nor split the line. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static struct tls_file *file_find(struct tls_hooks *th, unsigned int maj, unsigned int min,
				  uint64_t ino)
{
	for (size_t i = 0; i < th->nfiles; i++) {
		struct tls_file *f = th->files[i];

		if (f->ino == ino && f->dev_major == maj && f->dev_minor == min)
			return f;
	}
	return NULL;
}

/* Go (no uretprobes: Go moves its stacks): a uprobe at the entry of
 * every function of f and one at each of its RETs. */
static int file_hook_go(struct tls_hooks *th, struct tls_file *f, const char *fdpath)
{
	char shown[512];

	if (!th->go_enter || !th->go_ret)
		return -EOPNOTSUPP;
	for (int i = 0; i < f->lib.nfuncs; i++) {
		const struct tls_func *fn = &f->lib.funcs[i];

		for (int r = -1; r < fn->nrets; r++) {
			LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = fn->cookie);
			struct bpf_link *l;

			l = bpf_program__attach_uprobe_opts(r < 0 ? th->go_enter : th->go_ret, -1,
							    fdpath, r < 0 ? fn->offset : fn->rets[r], &o);
			if (!l) {
				int err = -errno;

				if (th->report)
					fprintf(th->report, "mcptrace: failed to attach a uprobe at %s of %s in %s: %s\n",
						r < 0 ? "the entry" : "a RET", fn->name,
						printable(f->path, shown, sizeof(shown)), strerror(-err));
				return err;
			}
			f->links[f->nlinks++] = l;
		}
	}
	return 0;
}

/* Attaches an entry and a return uprobe on every entry point of f, for
 * every process, through fdpath (the checked open file). */
static int file_hook(struct tls_hooks *th, struct tls_file *f, const char *fdpath)
{
	char shown[512];
	int err = 0;

	if (f->lib.kind == TLS_LIB_GO) {
		err = file_hook_go(th, f, fdpath);
		goto done;
	}
	for (int i = 0; i < f->lib.nfuncs && !err; i++) {
		const struct tls_func *fn = &f->lib.funcs[i];

		for (int ret = 0; ret <= 1 && !err; ret++) {
			LIBBPF_OPTS(bpf_uprobe_opts, o, .bpf_cookie = fn->cookie, .retprobe = ret);
			struct bpf_link *l;

			l = bpf_program__attach_uprobe_opts(ret ? th->exit : th->enter, -1, fdpath,
							    fn->offset, &o);
			if (!l) {
				err = -errno;
				if (th->report)
					fprintf(th->report, "mcptrace: failed to attach %s %s in %s: %s\n",
						ret ? "uretprobe" : "uprobe", fn->name,
						printable(f->path, shown, sizeof(shown)), strerror(-err));
				break;
			}
			f->links[f->nlinks++] = l;
		}
	}
done:
	if (!err)
		return 0;
	snprintf(f->lib.how, sizeof(f->lib.how), "its uprobes could not be attached: %s",
		 strerror(-err));
	while (f->nlinks)
		bpf_link__destroy(f->links[--f->nlinks]);
	/* Not TLS to us from now on: tried once, said once. */
	f->lib.kind = TLS_LIB_NONE;
	return err;
}

/*
 * The file at path (opened as is: a caller wanting another process's view
 * passes /proc/PID/root/...), inspected and, if it holds TLS code, hooked.
 * want_ino: the inode a process's maps named (0: any); a path that now
 * names another file is not read. Known files are returned as they are.
 */
static struct tls_file *file_get(struct tls_hooks *th, const char *path, const char *shown,
				 unsigned int want_maj, unsigned int want_min, uint64_t want_ino)
{
	struct tls_file *f;
	char fdpath[64];
	struct stat st;
	int pfd;

	if (want_ino && (f = file_find(th, want_maj, want_min, want_ino)))
		return f;
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return NULL;
	if (fstat(pfd, &st) || !S_ISREG(st.st_mode) ||
	    (want_ino && (st.st_ino != want_ino || major(st.st_dev) != want_maj ||
			  minor(st.st_dev) != want_min))) {
		close(pfd);
		return NULL;
	}
	f = file_find(th, major(st.st_dev), minor(st.st_dev), st.st_ino);
	if (f) {
		close(pfd);
		return f;
	}
	if (th->nfiles == th->files_cap) {
		size_t cap = th->files_cap ? 2 * th->files_cap : 64;
		struct tls_file **nf = realloc(th->files, cap * sizeof(*nf));

		if (!nf)
			goto fail;
		th->files = nf;
		th->files_cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(shown))) {
		free(f);
		goto fail;
	}
	f->dev_major = major(st.st_dev);
	f->dev_minor = minor(st.st_dev);
	f->ino = st.st_ino;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", pfd);
	if (tls_lib__inspect(fdpath, &f->lib))
		f->lib.kind = TLS_LIB_NONE;
	if (f->lib.kind != TLS_LIB_NONE)
		file_hook(th, f, fdpath);
	th->files[th->nfiles++] = f;
	close(pfd);
	return f;
fail:
	close(pfd);
	return NULL;
}

/* ---- before the command runs ---- */

/* A file found here, named as the maps of a process running it will name
 * it (the loader opens the link's target). */
static struct tls_file *file_get_named(struct tls_hooks *th, const char *path)
{
	char *real = realpath(path, NULL);
	struct tls_file *f = file_get(th, real ? real : path, real ? real : path, 0, 0, 0);

	free(real);
	return f;
}

struct found {
	char line[1024];
	size_t len;
	FILE *report; /* for TLS found that cannot be hooked */
};

static void found_add(struct found *fd, const struct tls_file *f)
{
	char shown[256];

	if (!f || strstr(fd->line, f->path))
		return;
	if (f->lib.kind == TLS_LIB_NONE) {
		/* Go's crypto/tls that cannot be hooked: said, never silent. */
		if (f->lib.how[0] && fd->report)
			fprintf(fd->report, "mcptrace: %s: TLS not hooked: %s\n",
				printable(f->path, shown, sizeof(shown)), f->lib.how);
		return;
	}
	if (fd->len + 300 < sizeof(fd->line))
		fd->len += snprintf(fd->line + fd->len, sizeof(fd->line) - fd->len, "%s%s (%s%s%s)",
				    fd->len ? ", " : "", printable(f->path, shown, sizeof(shown)),
				    tls_lib__kind_name(f->lib.kind), f->lib.how[0] ? ": " : "",
				    f->lib.how);
}

/* The TLS libraries in directory dir. */
static void scan_dir(struct tls_hooks *th, const char *dir, struct found *fd)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		for (size_t i = 0; i < sizeof(tls_lib_names) / sizeof(*tls_lib_names); i++) {
			if (strncmp(e->d_name, tls_lib_names[i], strlen(tls_lib_names[i])))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			found_add(fd, file_get_named(th, path));
		}
	}
	closedir(d);
}

/* The directories of ld.so.conf (and the files it includes), then the
 * trusted ones the loader searches last. */
static void scan_conf(struct tls_hooks *th, const char *conf, int depth, struct found *fd)
{
	char line[4096];
	FILE *f = fopen(conf, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, "#\n")] = '\0';
		for (size_t n = strlen(s); n && (s[n - 1] == ' ' || s[n - 1] == '\t'); n--)
			s[n - 1] = '\0';
		if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t') && depth < 4) {
			glob_t g;

			s += 7 + strspn(s + 7, " \t");
			if (!glob(s, 0, NULL, &g))
				for (size_t i = 0; i < g.gl_pathc; i++)
					scan_conf(th, g.gl_pathv[i], depth + 1, fd);
			globfree(&g);
		} else if (s[0] == '/') {
			scan_dir(th, s, fd);
		}
	}
	fclose(f);
}

/* The executable word names, as execvp would find it. */
static void scan_word(struct tls_hooks *th, const char *word, struct found *fd)
{
	const char *dirs = getenv("PATH");
	char path[4096], *copy, *save = NULL;

	if (!word[0] || strlen(word) >= 1024)
		return;
	if (strchr(word, '/')) {
		if (!access(word, X_OK))
			found_add(fd, file_get_named(th, word));
		return;
	}
	copy = strdup(dirs ? dirs : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, word);
		if (!access(path, X_OK)) {
			found_add(fd, file_get_named(th, path));
			break;
		}
	}
	free(copy);
}

void tls_hooks__prepare(struct tls_hooks *th, char *const words[])
{
	static const char *const trusted[] = { "/lib64", "/usr/lib64", "/lib", "/usr/lib" };
	struct found fd = { .report = th->report };
	int nwords = 0;

	scan_conf(th, "/etc/ld.so.conf", 0, &fd);
	for (size_t i = 0; i < sizeof(trusted) / sizeof(*trusted); i++)
		scan_dir(th, trusted[i], &fd);
	/* Each argument, and each word inside one ("sh -c 'node x.js'"). */
	for (int i = 0; words && words[i] && nwords < MAX_WORDS; i++) {
		char *copy = strdup(words[i]), *save = NULL;

		for (char *w = copy ? strtok_r(copy, " \t\n;|&()<>'\"`", &save) : NULL;
		     w && nwords < MAX_WORDS; w = strtok_r(NULL, " \t\n;|&()<>'\"`", &save), nwords++)
			scan_word(th, w, &fd);
		free(copy);
	}
	if (th->report && fd.len)
		fprintf(th->report, "mcptrace: TLS hooked before the command starts: %s\n", fd.line);
}

/* ---- traced processes ---- */

static int cmp_user(const void *x, const void *y)
{
	const struct tls_user *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->f < b->f ? -1 : a->f > b->f;
}

struct pid_scan {
	struct tls_hooks *th;
	pid_t pid;
	char comm[32];
	int running;		  /* TLS files pid runs */
	const char *stripped_exe; /* the executable, if it has no symbols */
	char stripped_buf[4096];
	const struct tls_file *unhooked; /* the executable: TLS found, not hookable */
};

/* Notes that pid runs TLS in f. Returns whether that is new. */
static bool add_user(struct tls_hooks *th, pid_t pid, const struct tls_file *f)
{
	struct tls_user key = { .pid = pid, .f = f }, *u;

	if (tfind(&key, &th->users, cmp_user) || !(u = malloc(sizeof(*u))))
		return false;
	*u = key;
	if (!tsearch(u, &th->users, cmp_user)) {
		free(u);
		return false;
	}
	return true;
}

/* Says once per process and file that pid runs TLS in f, mapped as m. */
static void say_user(struct pid_scan *s, const struct tls_file *f, const struct tls_mapping *m)
{
	struct tls_hooks *th = s->th;
	char names[256] = "", path[512];

	if (!add_user(th, s->pid, f) || !th->report)
		return;
	for (int i = 0; i < f->lib.nfuncs; i++) {
		size_t len = strlen(names);

		snprintf(names + len, sizeof(names) - len, "%s%s", i ? " " : "", f->lib.funcs[i].name);
	}
	fprintf(th->report, "mcptrace: pid %d (%s): hooked TLS in %s%s (%s: %s%s%s)\n", s->pid,
		s->comm, printable(m->path, path, sizeof(path)), m->is_exe ? " (the executable)" : "",
		tls_lib__kind_name(f->lib.kind), names, f->lib.how[0] ? "; " : "", f->lib.how);
}

static int scan_mapping(void *ctx, const struct tls_mapping *m)
{
	struct pid_scan *s = ctx;
	char path[4096 + 32];
	struct tls_file *f;

	/* Through the process's root: its mount namespace may differ. */
	snprintf(path, sizeof(path), "/proc/%d/root%s", s->pid, m->path);
	f = file_get(s->th, path, m->path, m->dev_major, m->dev_minor, m->ino);
	if (!f)
		return 0;
	if (f->lib.kind == TLS_LIB_NONE) {
		if (m->is_exe && f->lib.no_symbols) {
			snprintf(s->stripped_buf, sizeof(s->stripped_buf), "%s", m->path);
			s->stripped_exe = s->stripped_buf;
		}
		if (m->is_exe && f->lib.how[0])
			s->unhooked = f;
		return 0;
	}
	s->running++;
	say_user(s, f, m);
	return 0;
}

int tls_hooks__scan_pid(struct tls_hooks *th, pid_t pid, bool report_none)
{
	struct pid_scan s = { .th = th, .pid = pid };
	FILE *report = report_none ? th->report : NULL;
	char path[512];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(s.comm, sizeof(s.comm), f))
			s.comm[strcspn(s.comm, "\n")] = '\0';
		fclose(f);
		printable(s.comm, s.comm, sizeof(s.comm));
	}
	err = tls_lib__scan_maps(pid, scan_mapping, &s);
	if (err < 0) {
		if (report)
			fprintf(report, "mcptrace: pid %d: cannot read its maps to find TLS libraries: %s\n",
				pid, strerror(-err));
		return err;
	}
	if (report && !s.running) {
		if (s.unhooked)
			fprintf(report, "mcptrace: pid %d (%s): TLS in %s not hooked: %s\n", pid, s.comm,
				printable(s.unhooked->path, path, sizeof(path)), s.unhooked->lib.how);
		else if (s.stripped_exe)
			fprintf(report, "mcptrace: pid %d (%s): no TLS library found; %s has no symbols "
					"(stripped), so TLS linked into it cannot be read\n",
				pid, s.comm, printable(s.stripped_exe, path, sizeof(path)));
		else
			fprintf(report, "mcptrace: pid %d (%s): no TLS library found\n", pid, s.comm);
	}
	return s.running;
}

static void forget_pid(struct tls_hooks *th, pid_t pid)
{
	for (size_t i = 0; i < th->nfiles; i++) {
		struct tls_user key = { .pid = pid, .f = th->files[i] };
		void *node;

		if (th->files[i]->lib.kind == TLS_LIB_NONE)
			continue;
		node = tfind(&key, &th->users, cmp_user);
		if (node) {
			struct tls_user *u = *(struct tls_user **)node;

			tdelete(&key, &th->users, cmp_user);
			free(u);
		}
	}
}

int tls_hooks__running(const struct tls_hooks *th, pid_t pid)
{
	int n = 0;

	for (size_t i = 0; i < th->nfiles; i++) {
		struct tls_user key = { .pid = pid, .f = th->files[i] };

		if (th->files[i]->lib.kind != TLS_LIB_NONE && tfind(&key, &th->users, cmp_user))
			n++;
	}
	return n;
}

/* A forked child runs its parent's files: noted without a line. */
static void inherit_users(struct tls_hooks *th, pid_t parent, pid_t child)
{
	for (size_t i = 0; i < th->nfiles; i++) {
		struct tls_user key = { .pid = parent, .f = th->files[i] };

		if (th->files[i]->lib.kind != TLS_LIB_NONE && tfind(&key, &th->users, cmp_user))
			add_user(th, child, th->files[i]);
	}
}

void tls_hooks__on_record(struct tls_hooks *th, const struct mt_event_hdr *h, size_t size)
{
	const struct mt_mmap_event *m = (const void *)h;
	const struct mt_proc_event *p = (const void *)h;
	struct tls_file *f;

	switch (h->type) {
	case MT_EV_FORK:
		if (size >= sizeof(*p))
			inherit_users(th, (pid_t)h->tgid, (pid_t)p->child_tgid);
		break;
	case MT_EV_EXEC:
		/* A new program: its executable may carry TLS (node). */
		tls_hooks__scan_pid(th, (pid_t)h->tgid, false);
		break;
	case MT_EV_EXIT:
		forget_pid(th, (pid_t)h->tgid);
		break;
	case MT_EV_MMAP:
		if (size < sizeof(*m))
			break;
		/* A file already known, and known to hold no TLS: nothing to do. */
		f = file_find(th, m->dev >> 20, m->dev & 0xfffff, m->ino);
		if (f && f->lib.kind == TLS_LIB_NONE)
			break;
		tls_hooks__scan_pid(th, (pid_t)h->tgid, false);
		/* A process gone before its maps were read (a one-shot client
		 * and a tracer behind) still ran the TLS file the record names. */
		f = file_find(th, m->dev >> 20, m->dev & 0xfffff, m->ino);
		if (f && f->lib.kind != TLS_LIB_NONE)
			add_user(th, (pid_t)h->tgid, f);
		break;
	default:
		break;
	}
}

void tls_hooks__free(struct tls_hooks *th)
{
	if (!th)
		return;
	tdestroy(th->users, free);
	for (size_t i = 0; i < th->nfiles; i++) {
		struct tls_file *f = th->files[i];

		while (f->nlinks)
			bpf_link__destroy(f->links[--f->nlinks]);
		free(f->path);
		free(f);
	}
	free(th->files);
	free(th);
}
