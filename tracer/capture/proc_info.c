/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/proc_info.h"

/* Reads up to size - 1 bytes of /proc/PID/NAME into buf, NUL-terminated;
 * returns the length, 0 on any failure. */
static size_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return len;
}

size_t proc_info__cmdline(pid_t pid, const char *comm, char *buf, size_t size)
{
	char now[32];
	size_t len;

	buf[0] = '\0';
	if (comm) {
		len = read_proc(pid, "comm", now, sizeof(now));
		if (len && now[len - 1] == '\n')
			now[--len] = '\0';
		if (strcmp(now, comm))
			return 0;
	}
	len = read_proc(pid, "cmdline", buf, size);
	/* NUL between words, and after the last */
	while (len && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return len;
}
