/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * machine: checks of the machine before loading (capture__check, declared
 * in capture.h, is defined there too), and tracefs.
 */
#ifndef MT_MACHINE_H
#define MT_MACHINE_H

/* Mounts tracefs if neither it nor debugfs's tracing is there. Returns 0
 * or a negative errno, said on stderr. */
int machine__ensure_tracefs(void);

#endif
