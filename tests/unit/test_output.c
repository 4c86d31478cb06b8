/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tests of the live lines (tracer/cmd/output.c) against hostile names:
 * method, tool and error text from a traced process carrying ESC
 * sequences, OSC titles, BEL, C1 controls, newlines and bytes that are
 * not UTF-8 must come out as one line with nothing a terminal acts on;
 * JSON Lines keep the exact text for a parser.
 */
#include <cJSON.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture_blind.h"
#include "cmd/blind_print.h"
#include "cmd/output.h"
#include "cmd/text.h"
#include "db/store.h"

#define EVIL_METHOD "tools/call\x1b[2J\x1b[H"
#define EVIL_TARGET "fake\nmcptrace: stored 0 calls\x07\xc2\x9b" "31m\xff\xfe"
#define EVIL_ERROR "\x1b]0;pwned\x07 and \xc2\x85 next line \\ back"

static char *render(enum output_mode mode, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	struct output o = { .mode = mode };
	struct call_view v = {
		.call_id = 7,
		.session_id = 1,
		.start_ns = 1700000000123456789LL,
		.client_pid = 10,
		.server_pid = 20,
		.transport = "stdio",
		.direction = "c2s",
		.rpc_id = "\"a\\u001b\"",
		.method = EVIL_METHOD,
		.target = EVIL_TARGET,
		.status = "error",
		.latency_ns = 1500000,
		.server_latency_ns = ST_NULL,
		.error_code = -32000,
		.error_message = EVIL_ERROR,
	};

	o.fp = open_memstream(&buf, &size);
	output__call(&o, &v);
	fclose(o.fp);
	*len = size;
	return buf;
}

/* Nothing a terminal acts on: no C0 but the final newline, no DEL, no C1
 * (raw or UTF-8 encoded), only valid UTF-8. */
static void check_inert(const char *s, size_t len)
{
	size_t i = 0, n;
	unsigned int cp;

	CHECK(len > 0 && s[len - 1] == '\n');
	CHECK(memchr(s, '\n', len) == s + len - 1);
	while (i < len - 1) {
		n = text__utf8_seq((const unsigned char *)s + i, len - 1 - i, &cp);
		CHECK(n > 0);
		if (!n)
			return;
		CHECK(!(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)));
		i += n;
	}
}

/* A call line names its hop through a gateway: the side the gateway made
 * (c2s: to the server; s2c: to the client), the side it served so. */
static void test_hop_lines(void)
{
	static const struct {
		const char *direction;
		int64_t parent, gateway;
		const char *tail;
	} cases[] = {
		{ "c2s", 5, 20, " 1.500ms  gw 20 -> 30\n" },
		{ "c2s", 0, 30, " 1.500ms  20 -> gw 30\n" },
		{ "s2c", 5, 30, " 1.500ms  gw 30 -> 20\n" },
		{ "s2c", 0, 20, " 1.500ms  30 -> gw 20\n" },
		{ "c2s", 0, 0, " 1.500ms\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct output o = { .mode = OUTPUT_TEXT };
		struct call_view v = {
			.start_ns = ST_NULL,
			.client_pid = 20,
			.server_pid = 30,
			.transport = "http",
			.direction = cases[i].direction,
			.method = "ping",
			.status = "ok",
			.latency_ns = 1500000,
			.server_latency_ns = ST_NULL,
			.error_code = ST_NULL,
			.parent_call_id = cases[i].parent,
			.gateway_pid = cases[i].gateway,
		};
		size_t size = 0, n = strlen(cases[i].tail);
		char *buf = NULL;
		bool ends_so;

		o.fp = open_memstream(&buf, &size);
		output__call(&o, &v);
		fclose(o.fp);
		ends_so = buf && size >= n && !strcmp(buf + size - n, cases[i].tail);
		CHECK(ends_so);
		if (!ends_so)
			fprintf(stderr, "  case %zu: %s", i, buf ? buf : "(null)");
		free(buf);
	}
}

static void test_text_line_is_inert(void)
{
	size_t len;
	char *s = render(OUTPUT_TEXT, &len);

	check_inert(s, len);
	CHECK(strstr(s, "tools/call\\x1b[2J\\x1b[H fake\\x0amcptrace: stored 0 calls\\x07\\u009b31m\\xff\\xfe"));
	CHECK(strstr(s, "-32000 \\x1b]0;pwned\\x07 and \\u0085 next line \\\\ back"));
	free(s);
}

static void test_json_line_is_exact_and_inert(void)
{
	size_t len;
	char *s = render(OUTPUT_JSON, &len);
	cJSON *j = cJSON_Parse(s);

	check_inert(s, len);
	CHECK(j != NULL);
	if (j) {
		CHECK_EQ_STR(cJSON_GetObjectItem(j, "method")->valuestring, EVIL_METHOD);
		CHECK_EQ_STR(cJSON_GetObjectItem(j, "error_message")->valuestring, EVIL_ERROR);
		CHECK(cJSON_IsNull(cJSON_GetObjectItem(j, "previous_round_id")));
		CHECK_EQ_STR(cJSON_GetObjectItem(j, "rpc_id")->valuestring, "\"a\\u001b\"");
		CHECK(strstr(s, "\"start_ns\":1700000000123456789,"));
		CHECK(strstr(s, "\"server_latency_ns\":null"));
		cJSON_Delete(j);
	}
	free(s);
}

/* The escape stops between whole characters when the buffer is short. */
static void test_escape_cuts_whole(void)
{
	char buf[8];

	CHECK_EQ_INT(text__escape("ab\x1b" "cd", buf, sizeof(buf)), 7);
	CHECK_EQ_STR(buf, "ab\\x1bc");
	CHECK_EQ_INT(text__escape("abcd\x1b", buf, sizeof(buf)), 4);
	CHECK_EQ_STR(buf, "abcd");
	CHECK_EQ_INT(text__escape("\xc3\xa9t\xc3\xa9", buf, sizeof(buf)), 5);
	CHECK_EQ_STR(buf, "\xc3\xa9t\xc3\xa9");
}

/* Tables (stats) show C1 and bytes that are not UTF-8 as '?'. */
static void test_padded_hides_c1(void)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	text__put_padded(f, "a\xc2\x9b" "b\xff\x1b" "c", 0);
	fclose(f);
	CHECK_EQ_STR(buf, "a?b??c");
	free(buf);
}

/* The blind-connection line: one line, the process's name escaped, the
 * remote end named by the role; nothing without a diag stream, nothing
 * on the call stream. */
static void test_blind_line(void)
{
	char *buf = NULL;
	size_t size = 0;
	struct output o = { .mode = OUTPUT_QUIET };
	struct st_blind b = fixture_blind;

	b.comm = "de\x1b]0;x\x07no\n";
	b.remote_addr = "127.0.0.1:8443";
	output__blind(&o, &b);
	o.diag = open_memstream(&buf, &size);
	output__blind(&o, &b);
	b.role = "server";
	output__blind(&o, &b);
	b.role = NULL;
	b.remote_addr = NULL;
	output__blind(&o, &b);
	fclose(o.diag);
	CHECK_EQ_INT(o.lines, 0);
	CHECK_EQ_STR(buf, "mcptrace: pid 4711 (de\\x1b]0;x\\x07no\\x0a): TLS to 127.0.0.1:8443 is not "
			  "readable: its TLS library is not supported\n"
			  "mcptrace: pid 4711 (de\\x1b]0;x\\x07no\\x0a): TLS from 127.0.0.1:8443 (on "
			  "127.0.0.1:40000) is not readable: its TLS library is not supported\n"
			  "mcptrace: pid 4711 (de\\x1b]0;x\\x07no\\x0a): TLS between 127.0.0.1:40000 and ? "
			  "is not readable: its TLS library is not supported\n");
	free(buf);
}

/* The table of blind connections (mcptrace sessions): nothing when there
 * are none; the process's name shown as '?' where a terminal would act. */
static void test_blind_table(void)
{
	char dir[] = "/tmp/mt_test_output.XXXXXX", path[64], *buf = NULL;
	struct st_blind b = fixture_blind;
	struct store *s = NULL;
	size_t size = 0;
	FILE *f;

	b.comm = "de\x1b[2Jno";
	b.bytes_seen = 3094;
	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	f = open_memstream(&buf, &size);
	CHECK_EQ_INT(blind_print__table(store__db(s), f), 0);
	fflush(f);
	CHECK_EQ_INT(size, 0);
	CHECK_EQ_INT(store__add_blind(s, &b), 0);
	CHECK_EQ_INT(store__flush(s), 0);
	CHECK_EQ_INT(blind_print__table(store__db(s), f), 0);
	fclose(f);
	CHECK(buf && strstr(buf, "TLS connections mcptrace could not read (1;") != NULL);
	CHECK(buf && strstr(buf, "4711  de?[2Jno  client  127.0.0.1:40000  127.0.0.1:8443   3094  "
				 "its TLS library is not supported\n") != NULL);
	CHECK(buf && !strchr(buf, 0x1b));
	free(buf);
	store__close(s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN_TEST(test_hop_lines);
	RUN_TEST(test_text_line_is_inert);
	RUN_TEST(test_json_line_is_exact_and_inert);
	RUN_TEST(test_escape_cuts_whole);
	RUN_TEST(test_padded_hides_c1);
	RUN_TEST(test_blind_line);
	RUN_TEST(test_blind_table);
	return CHECK_DONE();
}
