/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * proc_info: what /proc says of a process that the kernel's records do not
 * carry.
 */
#ifndef MT_PROC_INFO_H
#define MT_PROC_INFO_H

#include <stddef.h>
#include <sys/types.h>

/* The command line of pid as /proc shows it now, its words joined by
 * spaces, cut to fit buf (size > 0). comm, when not NULL, is what the
 * record being handled named the process: if /proc names another (the
 * pid exec'd again, or is another process now), nothing is read. Returns
 * the length; 0 when there is none (gone, a kernel thread). */
size_t proc_info__cmdline(pid_t pid, const char *comm, char *buf, size_t size);

#endif
