/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hostile input, from bytes: what a traced process may send, fed as the
 * kernel would hand it over (records of at most MT_CHUNK_MAX bytes, writes
 * of 64 KiB) through the stream, framing and session stages into a real
 * DB. Each case says what must be stored and what must be recorded, and
 * runs in a process of its own so that its peak RSS (VmHWM, from /proc) is
 * its own: the growth must stay under the case's bound, whatever the size
 * of the input. Prints "ok NAME (peak RSS +N MiB, bound M MiB)".
 */
#include <sys/wait.h>

#include "pipeline.h"

#define MAX_MSG MT_DEFAULT_MAX_MSG
#define WRITE_MAX (64 * 1024)
#define MIB (1024 * 1024)

/* len bytes in writes of at most WRITE_MAX. */
static void io(struct fixture *f, uint32_t fd, uint8_t dir, const char *data, size_t len)
{
	for (size_t pos = 0; pos < len; pos += WRITE_MAX)
		syscall_io(f, fd, dir, data + pos, len - pos < WRITE_MAX ? len - pos : WRITE_MAX);
}

static void io_str(struct fixture *f, uint32_t fd, uint8_t dir, const char *s)
{
	io(f, fd, dir, s, strlen(s));
}

/* n bytes of c, in writes of WRITE_MAX: a run no buffer need hold. */
static void io_fill(struct fixture *f, uint32_t fd, uint8_t dir, char c, uint64_t n)
{
	static char buf[WRITE_MAX];

	memset(buf, c, sizeof(buf));
	for (uint64_t done = 0; done < n; done += sizeof(buf))
		syscall_io(f, fd, dir, buf, n - done < sizeof(buf) ? n - done : sizeof(buf));
}

/* Stdio on fd 1, TCP on the others. */
static void begin(struct fixture *f)
{
	setup(f, MAX_MSG);
	f->pipes = 1u << 1;
}

#define REQ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"

static char *http_post(const char *body)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		 "Accept: application/json, text/event-stream\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	return buf;
}

/* ---- the cases ---- */

/* 8 MiB of noise (every byte value, newlines among them): no message, the
 * stream muted, nothing kept of it. */
static void noise(void)
{
	struct fixture f;
	char *buf = malloc(8 * MIB);
	uint64_t x = 88172645463325252ull;

	begin(&f);
	for (size_t i = 0; i < 8 * MIB; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (char)x;
	}
	io(&f, 1, 1, buf, 8 * MIB);
	free(buf);
	close_fd(&f, 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 0);
	CHECK(f.mutes >= 1);
	teardown(&f);
}

/* One 200 MiB JSON-RPC line: stored once, its head (MAX_MSG bytes),
 * truncated, its whole size said; the rest a loss. */
static void line_200mib(void)
{
	const char *head = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"x\":\"";
	uint64_t n = 200ull * MIB;
	struct fixture f;

	begin(&f);
	io_str(&f, 1, 1, head);
	io_fill(&f, 1, 1, 'a', n);
	io_str(&f, 1, 1, "\"}}\n");
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where truncated = 1"), 1);
	CHECK_EQ_INT(q_int(&f, "select size_bytes from messages"), strlen(head) + n + 3);
	CHECK_EQ_INT(q_int(&f, "select length(body) from messages"), MAX_MSG);
	CHECK_EQ_INT(q_int(&f, "select sum(bytes) from losses where reason = 'truncated'"),
		     strlen(head) + n + 3 - MAX_MSG);
	teardown(&f);
}

/* JSON nested 100000 deep: a parse error, recorded, no message. */
static void deep_json(void)
{
	size_t depth = 100000;
	char *buf = malloc(2 * depth + 2);
	struct fixture f;

	begin(&f);
	memset(buf, '[', depth);
	memset(buf + depth, ']', depth);
	buf[2 * depth] = '\n';
	io(&f, 1, 1, buf, 2 * depth + 1);
	free(buf);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 0);
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors"), 1);
	teardown(&f);
}

/* Bytes that are not UTF-8 in a method and a param: stored as sent. */
static void invalid_utf8(void)
{
	const char *line = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/\xff\xfe\",\"params\":"
			   "{\"s\":\"\xc3\x28\xed\xa0\x80\"}}\n";
	struct fixture f;

	begin(&f);
	io_str(&f, 1, 1, line);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 1);
	CHECK_EQ_INT(q_int(&f, "select length(cast(body as blob)) from messages"), strlen(line) - 1);
	CHECK_EQ_INT(q_int(&f, "select instr(cast(method as blob), x'fffe') > 0 from messages"), 1);
	teardown(&f);
}

/* 40 banner lines, then a request, each its own write: the request is
 * stored, though the banner asked for the stream to be muted (the kernel,
 * absent here, would have un-muted it at the request's line). */
static void banner_then_request(void)
{
	struct fixture f;

	begin(&f);
	for (int i = 0; i < 40; i++)
		io_str(&f, 1, 1, "the server is starting, please wait\n");
	io_str(&f, 1, 1, REQ);
	CHECK_EQ_INT(f.mutes, 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where method = 'tools/list'"), 1);
	teardown(&f);
}

/* A Content-Length of 2^64 - 1, and one past it: no giant buffer, no
 * message; each head is a parse error. */
static void huge_content_length(void)
{
	struct fixture f;

	begin(&f);
	io_str(&f, 5, 1, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			 "Content-Length: 18446744073709551615\r\n\r\n" REQ);
	io_fill(&f, 5, 1, ' ', 4 * MIB);
	io_str(&f, 6, 1, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			 "Content-Length: 18446744073709551616\r\n\r\n" REQ);
	close_fd(&f, 5);
	close_fd(&f, 6);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 0);
	CHECK_EQ_INT(q_int(&f, "select count(*) from parse_errors where error = 'bad content-length'"), 2);
	teardown(&f);
}

/* A chunk size of 2^64 - 1 in a chunked request: a parse error, no
 * message, no giant buffer. */
static void chunk_size_max(void)
{
	struct fixture f;

	begin(&f);
	io_str(&f, 5, 1, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			 "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n" REQ);
	io_fill(&f, 5, 1, ' ', 4 * MIB);
	close_fd(&f, 5);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 0);
	CHECK(q_int(&f, "select count(*) from parse_errors where error like '%chunk%'") >= 1);
	teardown(&f);
}

/* A request head of 100000 header lines: set aside, nothing stored. */
static void headers_100k(void)
{
	struct fixture f;
	size_t n = 100000, len = 0;
	char *buf = malloc(n * 16 + 256);

	begin(&f);
	len += sprintf(buf, "POST /mcp HTTP/1.1\r\n");
	for (size_t i = 0; i < n; i++)
		len += sprintf(buf + len, "X-H%06zu: v\r\n", i);
	len += sprintf(buf + len, "Content-Length: %zu\r\n\r\n%s", strlen(REQ), REQ);
	io(&f, 5, 1, buf, len);
	free(buf);
	close_fd(&f, 5);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 0);
	teardown(&f);
}

/* One header line of 10 MiB: set aside, nothing stored, nothing held. */
static void header_10mib(void)
{
	struct fixture f;

	begin(&f);
	io_str(&f, 5, 1, "POST /mcp HTTP/1.1\r\nX-Big: ");
	io_fill(&f, 5, 1, 'b', 10 * MIB);
	io_str(&f, 5, 1, "\r\n\r\n");
	close_fd(&f, 5);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 0);
	teardown(&f);
}

/* An event stream answering a request with one 50 MiB event: the answer
 * stored once, its head kept, truncated, the call answered. */
static void sse_event_50mib(void)
{
	const char *head = "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"x\":\"";
	struct fixture f;

	begin(&f);
	io_str(&f, 5, 1, http_post(REQ));
	io_str(&f, 5, 0, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
	io_str(&f, 5, 0, head);
	io_fill(&f, 5, 0, 'e', 50ull * MIB);
	io_str(&f, 5, 0, "\"}}\n\n");
	close_fd(&f, 5);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages"), 2);
	CHECK_EQ_INT(q_int(&f, "select count(*) from messages where kind = 'response' and truncated = 1"), 1);
	CHECK(q_int(&f, "select max(length(body)) from messages") <= MAX_MSG);
	teardown(&f);
}

/* 1000 requests in one write on one connection, then their 1000 answers:
 * 1000 calls, each answered. */
static void pipelined_1000(void)
{
	size_t n = 1000, len = 0;
	char *req = malloc(n * 256), *res = malloc(n * 256), body[128];
	struct fixture f;

	begin(&f);
	for (size_t i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"ping\"}", i);
		len += sprintf(req + len, "%s", http_post(body));
	}
	io(&f, 5, 1, req, len);
	len = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"result\":{}}", i);
		len += sprintf(res + len, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					  "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	}
	io(&f, 5, 0, res, len);
	free(req);
	free(res);
	close_fd(&f, 5);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), n);
	teardown(&f);
}

/* Answers nobody asked for, over stdio and HTTP: stored as messages, no
 * call made up for them. */
static void response_without_request(void)
{
	struct fixture f;

	begin(&f);
	io_str(&f, 1, 0, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}\n");
	io_str(&f, 5, 0, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n"
			 "{\"jsonrpc\":\"2.0\",\"id\":98,\"result\":{}}");
	close_fd(&f, 5);
	CHECK(q_int(&f, "select count(*) from messages where kind = 'response'") >= 1);
	CHECK_EQ_INT(q_int(&f, "select count(*) from calls where status = 'ok'"), 0);
	teardown(&f);
}

/* ---- one process a case ---- */

static long vm_hwm_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kib;
}

static void run_case(const char *name, void (*fn)(void), long bound_mib)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		long before = vm_hwm_kib(), grew;

		check_test_failed = 0;
		fn();
		grew = (vm_hwm_kib() - before) / 1024;
		if (grew > bound_mib) {
			fprintf(stderr, "  peak RSS grew %ld MiB, bound %ld MiB\n", grew, bound_mib);
			check_test_failed = 1;
		}
		printf("%s hostile_%s (peak RSS +%ld MiB, bound %ld MiB)\n",
		       check_test_failed ? "not ok" : "ok", name, grew, bound_mib);
		fflush(NULL);
		_exit(check_test_failed);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		printf("not ok hostile_%s (crashed: status %d)\n", name, status);
		check_tests_failed++;
	} else if (WEXITSTATUS(status)) {
		check_tests_failed++;
	}
}

int main(void)
{
	/* Bounds: the longest message kept (MAX_MSG, 16 MiB) a few times over
	 * (framer, decoded copy, store), never the input's size. */
	run_case("noise_8mib", noise, 48);
	run_case("line_200mib", line_200mib, 80);
	run_case("deep_json_100k", deep_json, 48);
	run_case("invalid_utf8", invalid_utf8, 16);
	run_case("banner_then_request", banner_then_request, 16);
	run_case("content_length_2_64", huge_content_length, 48);
	run_case("chunk_size_2_64", chunk_size_max, 48);
	run_case("headers_100k", headers_100k, 48);
	run_case("header_10mib", header_10mib, 48);
	run_case("sse_event_50mib", sse_event_50mib, 80);
	run_case("pipelined_1000", pipelined_1000, 48);
	run_case("response_without_request", response_without_request, 16);
	return CHECK_DONE();
}
