/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture_dump: the driver of tests/integration/test_capture.sh. It forks a
 * child that waits for a go signal, adds the child to the traced set
 * (following its children), lets it run `sh -c CMD`, and prints one line
 * per record the capture stage delivers, until the child has exited and
 * the ring is drained. With -o DIR it also writes each stream's bytes to
 * DIR/SID-DIR.bin at their stream offsets, so the script can compare them
 * with the source. -i loads and attaches but traces nothing (to measure
 * what untraced processes pay); -q prints only the closing summary; -M
 * mutes every stream as soon as its first record arrives.
 *
 *   capture_dump [-m MAX_MSG] [-r RINGBUF] [-o DIR] [-q] [-i] [-M] CMD
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#include "mcptrace.h"
#include "capture/capture.h"

struct dump {
	struct capture *c;
	const char *outdir;
	bool quiet;
	bool mute; /* mute every stream at its first record */
	unsigned long long nrec, ndata_bytes;
};

static unsigned long long fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long long h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void save(struct dump *d, const struct mt_data_event *e)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%llu-%u.bin", d->outdir, (unsigned long long)e->stream_id,
		 e->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return;
	if (pwrite(fd, e->data, e->len, e->offset) != (ssize_t)e->len)
		fprintf(stderr, "short write to %s\n", path);
	close(fd);
}

static int on_record(void *ctx, const void *data, size_t size)
{
	struct dump *d = ctx;
	const struct mt_event_hdr *h = data;

	d->nrec++;
	switch (h->type) {
	case MT_EV_DATA:
	case MT_EV_SKIP: {
		const struct mt_data_event *e = data;
		bool is_data = h->type == MT_EV_DATA;

		if (size < sizeof(*e) || (is_data && size < sizeof(*e) + e->len)) {
			printf("BAD size=%zu\n", size);
			return 0;
		}
		if (is_data)
			d->ndata_bytes += e->len;
		if (d->mute && e->offset == 0 && (e->flags & MT_F_SYSCALL_START))
			capture__mute(d->c, h->tgid, e->fd, e->stream_id, false);
		if (is_data && d->outdir)
			save(d, e);
		if (d->quiet)
			return 0;
		printf("%s tgid=%u pid=%u fd=%u dir=%u kind=%u ino=%llu peer=%llu off=%llu "
		       "len=%u sclen=%u flags=%u sid=%llu hash=%016llx\n",
		       is_data ? "DATA" : "SKIP", h->tgid, h->pid, e->fd, e->dir, e->fd_kind,
		       (unsigned long long)e->ino, (unsigned long long)e->peer_ino,
		       (unsigned long long)e->offset, e->len, e->syscall_len, e->flags,
		       (unsigned long long)e->stream_id, is_data ? fnv1a(e->data, e->len) : 0ull);
		return 0;
	}
	case MT_EV_CLOSE: {
		const struct mt_close_event *e = data;

		if (size >= sizeof(*e) && !d->quiet)
			printf("CLOSE tgid=%u fd=%u sid=%llu\n", h->tgid, e->fd,
			       (unsigned long long)e->stream_id);
		return 0;
	}
	case MT_EV_FORK:
	case MT_EV_EXEC:
	case MT_EV_EXIT: {
		const struct mt_proc_event *e = data;
		static const char *const names[] = {
		    [MT_EV_FORK] = "FORK", [MT_EV_EXEC] = "EXEC", [MT_EV_EXIT] = "EXIT"};

		if (size >= sizeof(*e) && !d->quiet)
			printf("%s tgid=%u child=%u code=%d comm=%.*s\n", names[h->type], h->tgid,
			       e->child_tgid, e->exit_code, MT_COMM_LEN, e->comm);
		return 0;
	}
	default:
		printf("UNKNOWN type=%u size=%zu\n", h->type, size);
		return 0;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct capture_opts opts = {.follow = true};
	struct dump d = {};
	struct capture *c = NULL;
	bool idle = false, exited = false;
	int go[2], opt, status = 0, err, empty = 0;
	uint64_t lost_ev, lost_bytes;
	double t0, t1 = 0, deadline;
	pid_t child;
	char b;

	while ((opt = getopt(argc, argv, "m:r:o:qiM")) != -1) {
		switch (opt) {
		case 'm':
			opts.max_msg = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			opts.ringbuf_bytes = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			d.outdir = optarg;
			break;
		case 'q':
			d.quiet = true;
			break;
		case 'i':
			idle = true;
			break;
		case 'M':
			d.mute = true;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"usage: capture_dump [-m MAX] [-r RB] [-o DIR] [-q] [-i] [-M] CMD\n");
		return 2;
	}
	if (pipe2(go, O_CLOEXEC))
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		if (read(go[0], &b, 1) != 1)
			_exit(126);
		execl("/bin/sh", "sh", "-c", argv[optind], (char *)NULL);
		_exit(127);
	}
	close(go[0]);

	err = capture__open(&c, &opts, on_record, &d);
	if (err)
		goto out;
	d.c = c;
	if (!idle) {
		err = capture__add_pid(c, child, true);
		if (err) {
			fprintf(stderr, "failed to trace pid %d: %s\n", child, strerror(-err));
			goto out;
		}
	}
	t0 = now_ms();
	deadline = t0 + 120e3;
	if (write(go[1], "g", 1) != 1) {
		err = -errno;
		goto out;
	}
	/* Run until the child is gone and two polls in a row found nothing. */
	while (empty < 2) {
		int n = capture__poll(c, 50);

		if (n < 0 && n != -EINTR) {
			err = n;
			fprintf(stderr, "poll failed: %s\n", strerror(-n));
			goto out;
		}
		if (!exited && waitpid(child, &status, WNOHANG) == child) {
			exited = true;
			t1 = now_ms();
		}
		if (exited)
			empty = n > 0 ? 0 : empty + 1;
		if (!exited && now_ms() > deadline) {
			fprintf(stderr, "child did not finish, killing it\n");
			kill(child, SIGKILL);
		}
	}
	capture__lost(c, &lost_ev, &lost_bytes);
	printf("END status=%d records=%llu data_bytes=%llu lost_events=%" PRIu64
	       " lost_bytes=%" PRIu64 " "
	       "elapsed_ms=%.1f\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, d.nrec, d.ndata_bytes, lost_ev,
	       lost_bytes, t1 - t0);
out:
	capture__free(c);
	if (err) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	return err ? 1 : 0;
}
