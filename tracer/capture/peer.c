/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * peer: finds processes through /proc. The kernel records name a stream by
 * its inode; which process sits at the other end is only known from the fd
 * tables in /proc/PID/fd, scanned once per new stream. A pipe end is told
 * apart from the other end by the access mode in /proc/PID/fdinfo.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>

#include "mcptrace.h"
#include "capture/peer.h"

/* Field 22 of /proc/PID/stat, clock ticks since boot; 0 if unreadable. */
static unsigned long long proc_starttime(pid_t pid, pid_t *ppid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* comm may hold spaces and parentheses: parse after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (field = 3; p && *p; field++) {
		while (*p == ' ')
			p++;
		if (field == 4 && ppid)
			*ppid = (pid_t)strtol(p, NULL, 10);
		if (field == 22) {
			start = strtoull(p, NULL, 10);
			break;
		}
		p = strchr(p, ' ');
	}
	return start;
}

pid_t peer__ppid(pid_t pid)
{
	pid_t ppid = 0;

	proc_starttime(pid, &ppid);
	return ppid;
}

bool peer__is_ancestor(pid_t anc, pid_t pid)
{
	for (int depth = 0; depth < 8 && pid > 1; depth++) {
		pid = peer__ppid(pid);
		if (pid == anc)
			return true;
	}
	return false;
}

/* O_ACCMODE of /proc/PID/fdinfo/FD, or -1. */
static int fd_accmode(pid_t pid, int fd)
{
	char path[96], line[128];
	int mode = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags:", 6)) {
			mode = (int)(strtoul(line + 6, NULL, 8) & O_ACCMODE);
			break;
		}
	fclose(f);
	return mode;
}

/* Whether pid holds target ("pipe:[N]" or "socket:[N]"), with the access
 * mode want (or any mode if want < 0). */
static bool proc_holds(pid_t pid, const char *target, int want)
{
	char path[64], link[64];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, target))
			continue;
		if (want < 0) {
			found = true;
		} else {
			int mode = fd_accmode(pid, atoi(d->d_name));

			found = mode == want || mode == O_RDWR;
		}
	}
	closedir(dir);
	return found;
}

pid_t peer__find(pid_t self, uint8_t fd_kind, uint64_t ino, uint64_t peer_ino, uint8_t dir)
{
	unsigned long long best_start = 0;
	char target[48];
	pid_t best = 0;
	struct dirent *d;
	int want = -1;
	DIR *proc;

	if (fd_kind == MT_FD_PIPE) {
		snprintf(target, sizeof(target), "pipe:[%" PRIu64 "]", ino);
		want = dir == MT_DIR_WRITE ? O_RDONLY : O_WRONLY;
	} else if (fd_kind == MT_FD_UNIX && peer_ino) {
		snprintf(target, sizeof(target), "socket:[%" PRIu64 "]", peer_ino);
	} else {
		return 0;
	}
	proc = opendir("/proc");
	if (!proc)
		return 0;
	/* The newest holder wins: a wrapper (a shell, npx) that spawned the
	 * real peer often keeps the inherited fds open too. */
	while ((d = readdir(proc))) {
		pid_t pid = (pid_t)strtol(d->d_name, NULL, 10);
		unsigned long long start;

		if (pid <= 0 || pid == self || !proc_holds(pid, target, want))
			continue;
		start = proc_starttime(pid, NULL);
		if (!best || start > best_start || (start == best_start && pid > best)) {
			best = pid;
			best_start = start;
		}
	}
	closedir(proc);
	return best;
}

/* ---- TCP ---- */

struct tcp_row {
	char local[64], remote[64]; /* "ip:port" */
	uint64_t ino; /* 0 for a connection still in its listener's accept queue */
	bool listen;
};

static void format_addr(const char *hex, char *out, size_t size);

/* Reads /proc/PID/net/tcp and tcp6 (the sockets of pid's network
 * namespace) into rows; returns how many, at most max. */
static size_t read_tcp_rows(pid_t pid, struct tcp_row *rows, size_t max)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512];
	size_t n = 0;

	for (size_t f = 0; f < 2; f++) {
		FILE *fp;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, files[f]);
		fp = fopen(path, "re");
		if (!fp)
			continue;
		while (n < max && fgets(line, sizeof(line), fp)) {
			unsigned long long ino;
			char st[8];

			char local[40], remote[40];

			if (sscanf(line, " %*s %39s %39s %7s %*s %*s %*s %*s %*s %llu", local, remote,
				   st, &ino) == 4) {
				/* Formatted, so that a v4-mapped IPv6 end and an
				 * IPv4 end compare equal. */
				format_addr(local, rows[n].local, sizeof(rows[n].local));
				format_addr(remote, rows[n].remote, sizeof(rows[n].remote));
				rows[n].ino = ino;
				rows[n].listen = !strcmp(st, "0A");
				n++;
			}
		}
		fclose(fp);
	}
	return n;
}

/* "0100007F:1F90" -> "127.0.0.1:8080"; the kernel prints each 32-bit word
 * of the address in host order. */
static void format_addr(const char *hex, char *out, size_t size)
{
	unsigned char bytes[16];
	const char *colon = strchr(hex, ':');
	size_t hexlen = colon ? (size_t)(colon - hex) : 0;
	unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 16) : 0;
	char ip[INET6_ADDRSTRLEN] = "?";

	if (hexlen == 8 || hexlen == 32) {
		for (size_t w = 0; w < hexlen / 8; w++) {
			char word[9];
			uint32_t v;

			memcpy(word, hex + 8 * w, 8);
			word[8] = '\0';
			v = (uint32_t)strtoul(word, NULL, 16);
			memcpy(bytes + 4 * w, &v, 4);
		}
		if (hexlen == 8)
			inet_ntop(AF_INET, bytes, ip, sizeof(ip));
		else if (!memcmp(bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
			inet_ntop(AF_INET, bytes + 12, ip, sizeof(ip)); /* v4-mapped */
		else
			inet_ntop(AF_INET6, bytes, ip, sizeof(ip));
	}
	snprintf(out, size, hexlen == 32 && !strchr(ip, '.') ? "[%s]:%u" : "%s:%u", ip, port);
}

/* The process holding socket ino, another than self if there is one;
 * 0 if none. */
static pid_t socket_holder(pid_t self, uint64_t ino)
{
	char target[48];
	pid_t best = 0;
	struct dirent *d;
	DIR *proc;

	snprintf(target, sizeof(target), "socket:[%" PRIu64 "]", ino);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((d = readdir(proc))) {
		pid_t pid = (pid_t)strtol(d->d_name, NULL, 10);

		if (pid > 0 && proc_holds(pid, target, -1) && (!best || pid != self)) {
			best = pid;
			if (pid != self)
				break;
		}
	}
	closedir(proc);
	return best;
}

pid_t peer__find_tcp(pid_t self, uint64_t ino, struct tcp_ends *ends)
{
	enum { MAX_ROWS = 8192 };
	struct tcp_row *rows = calloc(MAX_ROWS, sizeof(*rows));
	const struct tcp_row *me = NULL;
	const char *port;
	uint64_t listener = 0;
	bool here = false;
	pid_t best = 0;
	size_t n;

	memset(ends, 0, sizeof(*ends));
	if (!rows)
		return 0;
	n = read_tcp_rows(self, rows, MAX_ROWS);
	for (size_t i = 0; i < n && !me; i++)
		if (rows[i].ino == ino && ino)
			me = &rows[i];
	if (!me) {
		free(rows);
		return 0;
	}
	snprintf(ends->local, sizeof(ends->local), "%s", me->local);
	snprintf(ends->remote, sizeof(ends->remote), "%s", me->remote);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].local, me->remote) && !strcmp(rows[i].remote, me->local)) {
			ends->peer_ino = rows[i].ino;
			here = true; /* with no inode when closed, or not accepted */
		}
	/* The listener my remote end belongs to, if it is on this machine:
	 * its holder accepts (or is accepting) the other end. */
	port = strrchr(me->remote, ':');
	for (size_t i = 0; i < n && port; i++) {
		const char *lport = strrchr(rows[i].local, ':');

		if (rows[i].listen && rows[i].ino && lport && !strcmp(lport, port) &&
		    (!strncmp(rows[i].local, me->remote, (size_t)(port - me->remote)) ||
		     !strncmp(rows[i].local, "0.0.0.0:", 8) || !strncmp(rows[i].local, "[::]:", 5))) {
			listener = rows[i].ino;
			break;
		}
	}
	free(rows);
	if (ends->peer_ino)
		best = socket_holder(self, ends->peer_ino);
	/* Not accepted yet (the other end has no inode), or accepted but
	 * not yet in the acceptor's fd table (accept4 gives the socket its
	 * inode before it installs the fd): the listener's holder. */
	if (!best && listener)
		best = socket_holder(self, listener);
	ends->unsure = !best && (here || listener);
	return best;
}
