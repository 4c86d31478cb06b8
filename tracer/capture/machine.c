/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * machine: what the machine must offer before anything is loaded, checked
 * up front so that each lack is named (a PID namespace, missing
 * capabilities, no BTF) instead of surfacing as an EPERM from deep inside
 * libbpf, and tracefs mounted where libbpf looks for it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "capture/capture.h"
#include "capture/machine.h"

/* Not in every <linux/capability.h> this builds against. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define DEBUGFS_TRACING "/sys/kernel/debug/tracing"

/*
 * Returns true if the effective capability set allows loading tracing
 * programs: CAP_SYS_ADMIN, or CAP_BPF together with CAP_PERFMON. Checked up
 * front because the kernel's EPERM from deep inside libbpf names neither.
 */
static bool have_bpf_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = (__u64)data[1].effective << 32 | data[0].effective;
	if (eff & (1ull << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ull << CAP_BPF)) && (eff & (1ull << CAP_PERFMON));
}

/* The kernel numbers the host's PID namespace PROC_PID_INIT_INO. */
#define PID_NS_INIT_INO 4026531836ULL

/* Whether this process is in the host's PID namespace (true if it cannot
 * tell: an old kernel without /proc/self/ns). */
static bool in_host_pid_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) || (uint64_t)st.st_ino == PID_NS_INIT_INO;
}

int capture__check(void)
{
	/* The kernel's records name processes by their PIDs in the host's
	 * namespace; in a nested one, /proc and -p speak other numbers and
	 * nothing would be traced. Better no trace than a silent empty one. */
	if (!in_host_pid_ns()) {
		fprintf(stderr, "mcptrace: running in a PID namespace (pid %d here, not the host's): "
				"its PIDs are not the kernel's, so nothing could be traced; run mcptrace "
				"in the host's PID namespace (for a container: --pid=host)\n",
			(int)getpid());
		return -EOPNOTSUPP;
	}
	if (!have_bpf_caps()) {
		fprintf(stderr, "mcptrace: tracing needs root (or CAP_BPF and CAP_PERFMON): try sudo\n");
		return -EPERM;
	}
	if (access(BTF_PATH, R_OK)) {
		int err = -errno;

		fprintf(stderr, "mcptrace: this kernel has no BTF at %s (%s): it needs "
				"CONFIG_DEBUG_INFO_BTF\n", BTF_PATH, strerror(errno));
		return err;
	}
	return 0;
}

/*
 * libbpf finds a tracepoint's id under tracefs, which is not always
 * mounted (containers, minimal systems). Mount it where libbpf looks.
 */
int machine__ensure_tracefs(void)
{
	struct stat st;

	if (stat(DEBUGFS_TRACING "/events", &st) == 0 || stat(TRACEFS "/events", &st) == 0)
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;

		fprintf(stderr, "mcptrace: failed to mount tracefs at %s: %s\n", TRACEFS, strerror(errno));
		return err;
	}
	return 0;
}
