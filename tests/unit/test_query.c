// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of the query commands (tracer/db/query.c, cmd/cmd_query.c and
 * query_print.c, cmd/cmd_export.c and export.c, cmd/text.c, cmd/json.c,
 * stats --by in cmd/stats.c): table-driven duration and time parsing with
 * bad input, the WHERE clause and its bound values, CSV and JSON quoting,
 * the pretty-printer, then every printer's exact output on the fixture DB
 * of fixture_trace.h, show on a truncated body, reading a DB while a
 * writer holds a batch open, and the command lines' exit statuses and
 * messages. No root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "check.h"
#include "cmd/commands.h"
#include "cmd/stats.h"
#include "fixture_trace.h"
#include "cmd/export.h"
#include "cmd/json.h"
#include "cmd/query_print.h"
#include "cmd/text.h"
#include "db/query.h"
#include "db/store.h"

static char tmpdir[] = "/tmp/mt_test_query.XXXXXX";
static char db_path[128], out_path[128], err_path[128];

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parsing ---- */

static void test_parse_duration(void)
{
	static const struct {
		const char *text;
		int err;
		int64_t ns;
	} cases[] = {
	    {"250ms", 0, 250000000},
	    {"1s", 0, 1000000000},
	    {"1.5s", 0, 1500000000},
	    {".5s", 0, 500000000},
	    {"0.5ms", 0, 500000},
	    {"10us", 0, 10000},
	    {"7ns", 0, 7},
	    {"0ns", 0, 0},
	    {"2m", 0, 120000000000LL},
	    {"1h", 0, 3600000000000LL},
	    {"1d", 0, 86400000000000LL},
	    {"1.0000000001s", 0, 1000000000},
	    {"0.000000001s", 0, 1},
	    {"9223372036854775807ns", 0, INT64_MAX},
	    {"9223372036854775808ns", -ERANGE, 0},
	    {"107000d", -ERANGE, 0},
	    {"99999999999999999999999s", -ERANGE, 0},
	    {"250", -EINVAL, 0},
	    {"ms", -EINVAL, 0},
	    {"", -EINVAL, 0},
	    {"1.s", -EINVAL, 0},
	    {".s", -EINVAL, 0},
	    {"-1s", -EINVAL, 0},
	    {"+1s", -EINVAL, 0},
	    {"1 s", -EINVAL, 0},
	    {" 1s", -EINVAL, 0},
	    {"1sec", -EINVAL, 0},
	    {"1S", -EINVAL, 0},
	    {"1.5.5s", -EINVAL, 0},
	    {"1e3ms", -EINVAL, 0},
	    {"0x10s", -EINVAL, 0},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t ns = -42;
		int err = query__parse_duration(cases[i].text, &ns);

		if (err != cases[i].err || (!err && ns != cases[i].ns))
			fprintf(stderr, "  case '%s'\n", cases[i].text);
		CHECK_EQ_INT(err, cases[i].err);
		if (!cases[i].err)
			CHECK_EQ_INT(ns, cases[i].ns);
		else
			CHECK_EQ_INT(ns, -42); /* untouched on failure */
	}
}

static void test_parse_time(void)
{
	const int64_t now = FX_T0 + 600 * 1000000000LL;
	static const struct {
		const char *text;
		int err;
		int64_t ns;
	} cases[] = {
	    {"1700000000000", 0, FX_T0},
	    {"1700000000001", 0, FX_T0 + 1000000},
	    {"1700000000000000001", 0, FX_T0 + 1},
	    {"17000000000000000", 0, 17000000000000000LL},
	    {"0", 0, 0},
	    {"170000000000000", -EINVAL, 0}, /* 15 digits: ambiguous */
	    {"1700000000000000", -EINVAL, 0},
	    {"99999999999999999999", -ERANGE, 0},
	    {"2023-11-14T22:13:20Z", 0, FX_T0},
	    {"2023-11-14t22:13:20z", 0, FX_T0},
	    {"2023-11-14T22:13:20.5Z", 0, FX_T0 + 500000000},
	    {"2023-11-14T22:13:20,25Z", 0, FX_T0 + 250000000},
	    {"2023-11-14T22:13:20.123456789Z", 0, FX_T0 + 123456789},
	    {"2023-11-14T22:13:20.1234567891Z", 0, FX_T0 + 123456789},
	    {"2023-11-14 23:13:20+01:00", 0, FX_T0},
	    {"2023-11-14T20:13:20-0200", 0, FX_T0},
	    {"2023-11-14T23:13:20+01", 0, FX_T0},
	    {"2023-11-15T03:43:20+05:30", 0, FX_T0},
	    {"2023-11-14T22:13Z", 0, FX_T0 - 20000000000LL},
	    {"2023-11-14", 0, 1699920000000000000LL},
	    {"1970-01-01T00:00:00Z", 0, 0},
	    {"2024-02-29T00:00:00Z", 0, 1709164800000000000LL},
	    {"2000-02-29", 0, 951782400000000000LL},
	    {"2100-02-29", -EINVAL, 0},
	    {"2023-02-29", -EINVAL, 0},
	    {"2023-04-31", -EINVAL, 0},
	    {"2023-13-01", -EINVAL, 0},
	    {"2023-00-01", -EINVAL, 0},
	    {"2023-11-00", -EINVAL, 0},
	    {"2023-11-14T22:13:20", -EINVAL, 0}, /* no zone: UTC or local? */
	    {"2023-11-14T24:00:00Z", -EINVAL, 0},
	    {"2023-11-14T22:60:00Z", -EINVAL, 0},
	    {"2023-11-14T22:13:61Z", -EINVAL, 0},
	    {"2023-11-14T22:13:20.Z", -EINVAL, 0},
	    {"2023-11-14T22:13:20+24:00", -EINVAL, 0},
	    {"2023-11-14T22:13:20+01:60", -EINVAL, 0},
	    {"2023-11-14T22:13:20+1", -EINVAL, 0},
	    {"2023-11-14T22:13:20Zjunk", -EINVAL, 0},
	    {"2023-11-14X22:13:20Z", -EINVAL, 0},
	    {"2023-1-14", -EINVAL, 0},
	    {"2023-11-14T", -EINVAL, 0},
	    {"1969-12-31T23:59:59Z", -ERANGE, 0},
	    {"2300-01-01", -ERANGE, 0},
	    {"10m", 0, FX_T0},
	    {"10m ago", 0, FX_T0},
	    {"600s", 0, FX_T0},
	    {"1.5h", 0, now - 5400000000000LL},
	    {"0s", 0, now},
	    {"99999d", -ERANGE, 0}, /* before 1970 */
	    {"", -EINVAL, 0},
	    {"yesterday", -EINVAL, 0},
	    {"10 m", -EINVAL, 0},
	    {"-5m", -EINVAL, 0},
	    {"ago", -EINVAL, 0},
	    {" ago", -EINVAL, 0},
	    {"10m  ago", -EINVAL, 0},
	    {"17000000000x", -EINVAL, 0},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int64_t ns = -42;
		int err = query__parse_time(cases[i].text, now, &ns);

		if (err != cases[i].err || (!err && ns != cases[i].ns))
			fprintf(stderr, "  case '%s': %d %lld\n", cases[i].text, err,
				(long long)ns);
		CHECK_EQ_INT(err, cases[i].err);
		if (!cases[i].err)
			CHECK_EQ_INT(ns, cases[i].ns);
	}
}

static void test_format(void)
{
	char buf[48];

	query__fmt_time(FX_T0 + 10 * FX_MS + 123, 3, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2023-11-14T22:13:20.010Z");
	query__fmt_time(FX_T0 + 10 * FX_MS + 123, 9, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2023-11-14T22:13:20.010000123Z");
	query__fmt_time(FX_T0 + 999999, 6, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2023-11-14T22:13:20.000999Z");
	query__fmt_time(FX_T0, 0, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "2023-11-14T22:13:20Z");
	query__fmt_time(-1, 3, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "1969-12-31T23:59:59.999Z");
	query__fmt_time(ST_NULL, 3, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "-");
	query__fmt_ms(12345678, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "12.346");
	query__fmt_ms(ST_NULL, buf, sizeof(buf));
	CHECK_EQ_STR(buf, "-");
}

/* ---- filters ---- */

static void test_filter_where(void)
{
	char list[] = "error,tool_error", bad_list[] = "ok,bogus,error", empty[] = "",
	     commas[] = ",,", many[] = "ok,ok,ok,ok,ok,ok,ok,ok",
	     rounds[] = "ok,input_required";
	struct call_filter f;
	struct sql_where w;
	const char *bad = NULL;

	query__filter_init(&f);
	CHECK_EQ_INT(query__filter_where(&f, &w), 0);
	CHECK_EQ_STR(w.sql, "");
	CHECK_EQ_INT(w.n_binds, 0);

	f.method = "tools/call";
	f.target = "echo";
	CHECK_EQ_INT(query__filter_add_status(&f, list, &bad), 0);
	f.slower_than_ns = 250000000;
	f.session_id = 2;
	f.since_ns = FX_T0 + 1;
	CHECK_EQ_INT(query__filter_where(&f, &w), 0);
	CHECK_EQ_STR(w.sql, "WHERE c.method = ? AND c.target = ? AND c.status IN (?, ?) AND "
			    "c.latency_ns > ? AND c.session_id = ? AND c.start_ns >= ?");
	CHECK_EQ_INT(w.n_binds, 7);
	CHECK(w.binds[0].is_text);
	CHECK_EQ_STR(w.binds[0].text, "tools/call");
	CHECK_EQ_STR(w.binds[1].text, "echo");
	CHECK_EQ_STR(w.binds[2].text, "error");
	CHECK_EQ_STR(w.binds[3].text, "tool_error");
	CHECK(!w.binds[4].is_text);
	CHECK_EQ_INT(w.binds[4].num, 250000000);
	CHECK_EQ_INT(w.binds[5].num, 2);
	CHECK_EQ_INT(w.binds[6].num, FX_T0 + 1);

	/* a value never becomes SQL, whatever it holds */
	query__filter_init(&f);
	f.target = "x' OR '1'='1";
	CHECK_EQ_INT(query__filter_where(&f, &w), 0);
	CHECK_EQ_STR(w.sql, "WHERE c.target = ?");
	CHECK_EQ_STR(w.binds[0].text, "x' OR '1'='1");

	query__filter_init(&f);
	CHECK_EQ_INT(query__filter_add_status(&f, bad_list, &bad), -EINVAL);
	CHECK_EQ_STR(bad, "bogus");
	query__filter_init(&f);
	CHECK_EQ_INT(query__filter_add_status(&f, empty, &bad), -EINVAL);
	query__filter_init(&f);
	CHECK_EQ_INT(query__filter_add_status(&f, commas, &bad), -EINVAL);
	query__filter_init(&f);
	CHECK_EQ_INT(query__filter_add_status(&f, many, &bad), -E2BIG);
	query__filter_init(&f);
	CHECK_EQ_INT(query__filter_add_status(&f, rounds, &bad), 0);
	CHECK_EQ_STR(f.status[1], "input_required");
}

/* ---- writers ---- */

/* What fn wrote to a FILE, as a string the caller frees. */
#define CAPTURE(text, stmt)                                                                        \
	do {                                                                                       \
		size_t cap_size_ = 0;                                                              \
		FILE *mem = open_memstream(&(text), &cap_size_);                                   \
		stmt;                                                                              \
		fclose(mem);                                                                       \
	} while (0)

static void test_csv_field(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain", "plain"},
	    {"", ""},
	    {" lead and trail ", " lead and trail "},
	    {"a,b", "\"a,b\""},
	    {"say \"hi\"", "\"say \"\"hi\"\"\""},
	    {"\"", "\"\"\"\""},
	    {"l1\nl2", "\"l1\nl2\""},
	    {"cr\r", "\"cr\r\""},
	    {"tab\there", "tab\there"},
	    {"é,ü", "\"é,ü\""},
	    /* a spreadsheet would run these: a leading quote disarms them */
	    {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
	    {"+cmd", "'+cmd"},
	    {"-2+3", "'-2+3"},
	    {"@SUM(A1)", "'@SUM(A1)"},
	    {"\tx", "'\tx"},
	    {"\rx", "\"'\rx\""},
	    {"-1,5", "\"'-1,5\""},
	    /* plain numbers stay numbers */
	    {"-12", "-12"},
	    {"+3.5", "+3.5"},
	    {"-1e-9", "-1e-9"},
	    {"-", "'-"},
	    {"a=b", "a=b"},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = NULL;

		CAPTURE(text, export__csv_field(mem, cases[i].in, strlen(cases[i].in)));
		CHECK_EQ_STR(text, cases[i].out);
		free(text);
	}
}

static void test_json_string(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
	    {"plain", 5, "\"plain\""},
	    {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
	    {"\n\r\t\x01\x1f\x7f", 6, "\"\\n\\r\\t\\u0001\\u001f\\u007f\""},
	    {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89\""},
	    {"a\xff"
	     "b",
	     3,
	     "\"a\xef\xbf\xbd"
	     "b\""},
	    {"\xc3", 1, "\"\xef\xbf\xbd\""},				     /* cut sequence */
	    {"\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""},		     /* overlong */
	    {"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* surrogate */
	    {"a\0b", 3, "\"a\\u0000b\""},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = NULL;

		CAPTURE(text, json__string(mem, cases[i].in, cases[i].len));
		CHECK_EQ_STR(text, cases[i].out);
		free(text);
	}
}

static void test_sanitize(void)
{
	const char evil[] = "a\x1b[2J\n\xc2\x9b\xff\t\xc3\xa9";
	char *s;

	s = text__sanitize(evil, sizeof(evil) - 1, false);
	CHECK_EQ_STR(s, "a?[2J????\xc3\xa9");
	free(s);
	s = text__sanitize(evil, sizeof(evil) - 1, true);
	CHECK_EQ_STR(s, "a?[2J\n??\t\xc3\xa9");
	free(s);
}

static void test_json_pretty(void)
{
	static const char in[] = "{\"a\":[],\"b\":{ },\"c\":[1,{\"d\":12345678901234567890}],"
				 "\"e\":\"x,y:{z}\\\"]\",\"f\":-1.5e300}";
	static const char want[] = "{\n"
				   "  \"a\": [],\n"
				   "  \"b\": {},\n"
				   "  \"c\": [\n"
				   "    1,\n"
				   "    {\n"
				   "      \"d\": 12345678901234567890\n"
				   "    }\n"
				   "  ],\n"
				   "  \"e\": \"x,y:{z}\\\"]\",\n"
				   "  \"f\": -1.5e300\n"
				   "}\n";
	char *text = NULL;

	CHECK(json__is_valid(in, strlen(in)));
	CAPTURE(text, json__pretty(mem, in, strlen(in)));
	CHECK_EQ_STR(text, want);
	free(text);
	CAPTURE(text, json__pretty(mem, "42", 2));
	CHECK_EQ_STR(text, "42\n");
	free(text);

	CHECK(json__is_valid("{}  \n", 5));
	CHECK(json__is_valid("\"\xc3\xa9\"", 4));
	CHECK(!json__is_valid("{\"a\":", 5));
	CHECK(!json__is_valid("{} x", 4));
	CHECK(!json__is_valid("{}{}", 4));
	CHECK(!json__is_valid("", 0));
	CHECK(!json__is_valid("{\"a\":1}\0junk", 12));
	CHECK(!json__is_valid("\"\xff\"", 3));
	CHECK(!json__is_valid(NULL, 0));
}

/* ---- printers on the fixture ---- */

static sqlite3 *open_fixture(void)
{
	sqlite3 *db = NULL;

	CHECK_EQ_INT(store__open_readonly(&db, db_path), 0);
	return db;
}

static void test_calls_table(void)
{
	static const char want[] =
	    "ID  START                     SESSION  DIR  METHOD                  TARGET          "
	    "   STATUS       LAT_MS  SRV_MS  ERROR\n"
	    " 1  2023-11-14T22:13:20.010Z        1  c2s  initialize              -               "
	    "   ok            5.000   4.000  -\n"
	    " 2  2023-11-14T22:13:21.000Z        1  c2s  tools/call              echo            "
	    "   ok           10.000   8.000  -\n"
	    " 3  2023-11-14T22:13:22.000Z        1  c2s  tools/call              echo            "
	    "   tool_error   30.000  25.000  -\n"
	    " 6  2023-11-14T22:13:23.000Z        2  c2s  tools/call              read_file       "
	    "   error        20.000  18.000  -32602 Invalid params: path?missing\n"
	    " 7  2023-11-14T22:13:24.000Z        2  c2s  resources/read          file:///etc/hosts"
	    "  unanswered        -       -  -\n"
	    " 8  2023-11-14T22:13:26.000Z        3  c2s  tools/call              echo            "
	    "   ok           50.000  45.000  -\n"
	    " 9  2023-11-14T22:13:27.000Z        3  s2c  sampling/createMessage  -               "
	    "   ok          200.000       -  -\n"
	    " 4  2023-11-14T22:14:21.000Z        1  c2s  tools/call              slow            "
	    "   ok          400.000       -  -\n"
	    " 5  2023-11-14T22:14:22.000Z        1  c2s  tools/call              slow            "
	    "   cancelled         -       -  -\n"
	    "10  2023-11-14T22:14:23.000Z        2  c2s  tools/call              read_file       "
	    "   pending           -       -  -\n";
	struct call_filter f;
	sqlite3 *db = open_fixture();
	char *text = NULL;

	if (!db)
		return;
	query__filter_init(&f);
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, &f, 50, false), 0));
	CHECK_EQ_STR(text, want);
	free(text);

	/* the newest 2, oldest first, and a note that there were more */
	f.method = "tools/call";
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, &f, 2, false), 0));
	CHECK(text && strstr(text, "\n 5  2023-11-14T22:14:22.000Z ") &&
	      strstr(text, "\n10  2023-11-14T22:14:23.000Z "));
	CHECK(text && !strstr(text, " 4  2023"));
	CHECK(text && strstr(text, "\n2 newest of 7 matching calls shown; --limit 0 shows all\n"));
	free(text);

	f.method = "nothing/like/this";
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, &f, 50, false), 0));
	CHECK_EQ_STR(text, "no calls matched\n");
	free(text);
	sqlite3_close(db);
}

/* The ids the JSON Lines of calls carry, as "1 2 3". */
static void calls_ids(sqlite3 *db, const struct call_filter *f, long long limit, char *ids,
		      size_t size)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;

	ids[0] = '\0';
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, f, limit, true), 0));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");

		CHECK(cJSON_IsNumber(id));
		len += snprintf(ids + len, size - len, "%s%d", len ? " " : "",
				cJSON_IsNumber(id) ? id->valueint : -1);
		cJSON_Delete(o);
	}
	free(text);
}

static void test_calls_filters(void)
{
	char sts[4][24] = {"error,tool_error", "unanswered,pending", "ok", "cancelled"};
	const char *bad;
	struct call_filter f;
	sqlite3 *db = open_fixture();
	char ids[128];

	if (!db)
		return;
#define IDS(setup, limit, want)                                                                    \
	do {                                                                                       \
		query__filter_init(&f);                                                            \
		setup;                                                                             \
		calls_ids(db, &f, limit, ids, sizeof(ids));                                        \
		CHECK_EQ_STR(ids, want);                                                           \
	} while (0)
	IDS((void)0, 50, "1 2 3 6 7 8 9 4 5 10");
	IDS((void)0, 0, "1 2 3 6 7 8 9 4 5 10");
	IDS((void)0, 3, "4 5 10");
	IDS(f.method = "tools/call", 50, "2 3 6 8 4 5 10");
	IDS(f.target = "echo", 50, "2 3 8");
	IDS(f.target = "ECHO", 50, "");
	IDS(query__filter_add_status(&f, sts[0], &bad), 50, "3 6");
	IDS(query__filter_add_status(&f, sts[1], &bad), 50, "7 10");
	IDS(f.slower_than_ns = 25 * FX_MS, 50, "3 8 9 4");
	IDS(f.slower_than_ns = 30 * FX_MS, 50, "8 9 4");
	IDS(f.session_id = 2, 50, "6 7 10");
	IDS(f.session_id = 99, 50, "");
	IDS(f.since_ns = FX_T0 + 6000 * FX_MS, 50, "8 9 4 5 10");
	IDS((f.method = "tools/call", f.session_id = 1, f.slower_than_ns = 20 * FX_MS), 50, "3 4");
	IDS((query__filter_add_status(&f, sts[2], &bad), f.since_ns = FX_T0 + 1000 * FX_MS + 1), 50,
	    "2 8 9 4");
	IDS((query__filter_add_status(&f, sts[3], &bad), f.target = "slow"), 50, "5");
	IDS(f.target = "x' OR '1'='1", 50, "");
#undef IDS
	sqlite3_close(db);
}

static void test_calls_json(void)
{
	struct call_filter f;
	sqlite3 *db = open_fixture();
	char *text = NULL;

	if (!db)
		return;
	query__filter_init(&f);
	f.target = "read_file";
	f.session_id = 2;
	f.slower_than_ns = 1;
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, &f, 50, true), 0));
	CHECK_EQ_STR(
	    text, "{\"id\":6,\"start_ns\":1700000003000000000,\"session_id\":2,\"direction\":"
		  "\"c2s\",\"rpc_id\":\"6\",\"method\":\"tools/call\",\"target\":\"read_file\","
		  "\"status\":\"error\",\"latency_ns\":20000000,\"server_latency_ns\":18000000,"
		  "\"error_code\":-32602,\"error_message\":\"Invalid params: path\\nmissing\"}\n");
	free(text);

	/* the odd nanosecond of call 2 survives: no trip through a double */
	query__filter_init(&f);
	f.target = "echo";
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, &f, 1, true), 0));
	CHECK(text && strstr(text, "\"id\":8,"));
	free(text);
	CAPTURE(text, CHECK_EQ_INT(query_print__calls(db, mem, &f, 3, true), 0));
	CHECK(text && strstr(text, "{\"id\":2,\"start_ns\":1700000001000000001,"));
	free(text);
	sqlite3_close(db);
}

static void test_sessions(void)
{
	static const char want[] =
	    "ID  TRANSPORT  TLS  CLIENT_PID  CLIENT    SERVER_PID  SERVER             PROTOCOL    "
	    "CALLS  ERRORS  MSGS  STARTED                   DURATION\n"
	    " 1  stdio      no          100  host 1.0         101  echo-server 0.3.0  2025-06-18  "
	    "    5       1    12  2023-11-14T22:13:20.000Z  120.000s\n"
	    " 2  stdio      no          100  host 1.0         102  files 2.1.0        2025-06-18  "
	    "    3       1     4  2023-11-14T22:13:21.000Z  open\n"
	    " 3  stdio      no          200  -                201  echo-server 0.4.0  2025-03-26  "
	    "    2       0     4  2023-11-14T22:13:25.000Z  5.000s\n";
	sqlite3 *db = open_fixture();
	char *text = NULL;

	if (!db)
		return;
	CAPTURE(text, CHECK_EQ_INT(query_print__sessions(db, mem, false), 0));
	CHECK_EQ_STR(text, want);
	free(text);
	CAPTURE(text, CHECK_EQ_INT(query_print__sessions(db, mem, true), 0));
	CHECK(text &&
	      strstr(text, "{\"id\":2,\"run_id\":null,\"transport\":\"stdio\",\"tls\":0,"
			   "\"client_pid\":100,\"client_name\":\"host\","
			   "\"client_version\":\"1.0\",\"server_pid\":102,"
			   "\"server_name\":\"files\",\"server_version\":\"2.1.0\","
			   "\"protocol_version\":\"2025-06-18\",\"mcp_session_id\":null,"
			   "\"started_ns\":1700000001000000000,\"ended_ns\":null,"
			   "\"calls\":3,\"errors\":1,\"messages\":4,\"duration_ns\":null}\n"));
	CHECK(text && strstr(text, "\"client_name\":null,\"client_version\":null,"));
	CHECK(text && strstr(text, "\"duration_ns\":5000000000}\n"));
	free(text);
	sqlite3_close(db);
}

static void test_show_text(void)
{
	static const char want3[] =
	    "call 3: tools/call echo\n"
	    "  session    1 (stdio, client pid 100, server pid 101)\n"
	    "  direction  c2s\n"
	    "  rpc id     3\n"
	    "  status     tool_error\n"
	    "  start      2023-11-14T22:13:22.000000000Z\n"
	    "  end        2023-11-14T22:13:22.030000000Z\n"
	    "  latency    30.000 ms\n"
	    "  server     25.000 ms (the server's own time)\n"
	    "  error      -\n"
	    "\n"
	    "request: message 6, c2s request tools/call, 2023-11-14T22:13:22.000000000Z, 72 bytes\n"
	    "{\n"
	    "  \"jsonrpc\": \"2.0\",\n"
	    "  \"id\": 3,\n"
	    "  \"method\": \"tools/call\",\n"
	    "  \"params\": {\n"
	    "    \"name\": \"echo\"\n"
	    "  }\n"
	    "}\n"
	    "\n"
	    "response: message 8, s2c response tools/call, 2023-11-14T22:13:22.030000000Z, 91 "
	    "bytes\n"
	    "{\n"
	    "  \"jsonrpc\": \"2.0\",\n"
	    "  \"id\": 3,\n"
	    "  \"result\": {\n"
	    "    \"content\": [\n"
	    "      {\n"
	    "        \"type\": \"text\",\n"
	    "        \"text\": \"no\"\n"
	    "      }\n"
	    "    ],\n"
	    "    \"isError\": true\n"
	    "  }\n"
	    "}\n"
	    "\n"
	    "notification: message 7, s2c notification notifications/progress, "
	    "2023-11-14T22:13:22.010000000Z, 104 bytes\n"
	    "{\n"
	    "  \"jsonrpc\": \"2.0\",\n"
	    "  \"method\": \"notifications/progress\",\n"
	    "  \"params\": {\n"
	    "    \"progressToken\": 3,\n"
	    "    \"progress\": 1,\n"
	    "    \"total\": 2\n"
	    "  }\n"
	    "}\n";
	sqlite3 *db = open_fixture();
	char *text = NULL;

	if (!db)
		return;
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 3, false), 0));
	CHECK_EQ_STR(text, want3);
	free(text);

	/* the big number of call 2's result keeps every digit */
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 2, false), 0));
	CHECK(text && strstr(text, "    \"n\": 1700000001000000001,\n    \"x\": []\n"));
	free(text);

	/* cancelled: no response, the cancellation shown */
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 5, false), 0));
	CHECK(text && strstr(text, "\nresponse: none captured\n\nnotification: message 12, c2s "
				   "notification notifications/cancelled,"));
	free(text);

	/* the error message's newline is not let through to the terminal */
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 6, false), 0));
	CHECK(text && strstr(text, "  error      -32602 Invalid params: path?missing\n"));
	CHECK(text && strstr(text, "\"message\": \"Invalid params: path\\nmissing\"\n"));
	free(text);
	sqlite3_close(db);
}

static void test_show_truncated(void)
{
	sqlite3 *db = open_fixture();
	char *text = NULL;
	cJSON *o, *resp, *req;

	if (!db)
		return;
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 4, false), 0));
	CHECK(text &&
	      strstr(text,
		     "\nresponse: message 10, s2c response tools/call, "
		     "2023-11-14T22:14:21.400000000Z, 70000 bytes\n"
		     "(truncated: the first 76 of 70000 bytes; not valid JSON, shown as "
		     "captured)\n"
		     "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"content\":[{\"type\":\"text\","
		     "\"text\":\"aaaaaaaa\n"));
	CHECK(text && strstr(text, "  server     - (not traced)\n"));
	free(text);

	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 4, true), 0));
	CHECK(text && strchr(text, '\n') == text + strlen(text) - 1); /* one line */
	o = cJSON_Parse(text);
	CHECK(o != NULL);
	resp = cJSON_GetObjectItemCaseSensitive(o, "response");
	req = cJSON_GetObjectItemCaseSensitive(o, "request");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(resp, "body_is_json")));
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "body")),
		     fx_calls[3].response);
	CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(resp, "truncated")->valueint, 1);
	CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(resp, "size_bytes")->valueint, 70000);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "body_is_json")));
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			 cJSON_GetObjectItemCaseSensitive(
			     cJSON_GetObjectItemCaseSensitive(req, "body"), "params"),
			 "name")),
		     "slow");
	CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "notifications")));
	cJSON_Delete(o);
	free(text);

	/* bodies are copied into the JSON as they were, digits and all */
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 2, true), 0));
	CHECK(text && strstr(text, "\"start_ns\":1700000001000000001,"));
	CHECK(text && strstr(text, "\"body\":{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\""
				   ":[],\"n\":1700000001000000001,\"x\":[]}},"
				   "\"body_is_json\":true}"));
	free(text);

	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 999, false), -ENOENT));
	CHECK_EQ_STR(text, "");
	free(text);
	sqlite3_close(db);
}

static void test_stats_by(void)
{
	static const char by_session[] =
	    "SESSION    CALLS  ERRORS CANCELLED UNANSWERED     P50_MS     P90_MS     P99_MS     "
	    "MAX_MS\n"
	    "1              5       1         1          0     10.000    400.000    400.000    "
	    "400.000\n"
	    "2              3       1         0          1     20.000     20.000     20.000     "
	    "20.000\n"
	    "3              2       0         0          0     50.000    200.000    200.000    "
	    "200.000\n"
	    "TOTAL         10       2         1          1     30.000    400.000    400.000    "
	    "400.000\n";
	static const char by_target[] =
	    "TARGET               CALLS  ERRORS CANCELLED UNANSWERED     P50_MS     P90_MS     "
	    "P99_MS     MAX_MS\n"
	    "-                        2       0         0          0      5.000    200.000    "
	    "200.000    200.000\n"
	    "echo                     3       1         0          0     30.000     50.000     "
	    "50.000     50.000\n"
	    "file:///etc/hosts        1       0         0          1          -          -        "
	    "  -          -\n"
	    "read_file                2       1         0          0     20.000     20.000     "
	    "20.000     20.000\n"
	    "slow                     2       0         1          0    400.000    400.000    "
	    "400.000    400.000\n"
	    "TOTAL                   10       2         1          1     30.000    400.000    "
	    "400.000    400.000\n";
	sqlite3 *db = open_fixture();
	char *text = NULL;

	if (!db)
		return;
	CAPTURE(text, CHECK_EQ_INT(stats__print_by(db, mem, false, SUMMARY_BY_SESSION, SUMMARY_CALLS), 0));
	CHECK_EQ_STR(text, by_session);
	free(text);
	CAPTURE(text, CHECK_EQ_INT(stats__print_by(db, mem, false, SUMMARY_BY_TARGET, SUMMARY_CALLS), 0));
	CHECK_EQ_STR(text, by_target);
	free(text);
	CAPTURE(text, CHECK_EQ_INT(stats__print_by(db, mem, false, SUMMARY_BY_METHOD, SUMMARY_CALLS), 0));
	CHECK(text && strstr(text, "\ntools/call                    7       2         1          "
				   "0     30.000    400.000    400.000    400.000\n"));
	CHECK(text && !strstr(text, "TARGET"));
	free(text);
	CAPTURE(text, CHECK_EQ_INT(stats__print_by(db, mem, true, SUMMARY_BY_SESSION, SUMMARY_CALLS), 0));
	CHECK(text && strstr(text, "{\"session_id\":2,\"calls\":3,\"errors\":1,\"cancelled\":0,"
				   "\"unanswered\":1,\"pending\":1,\"answered\":1,"));
	free(text);
	CAPTURE(text, CHECK_EQ_INT(stats__print_by(db, mem, true, SUMMARY_BY_TARGET, SUMMARY_CALLS), 0));
	CHECK(text && strstr(text, "{\"target\":null,\"calls\":2,"));
	CHECK(text && !strstr(text, "\"method\""));
	free(text);
	/* the default is unchanged: method and target */
	CAPTURE(text, CHECK_EQ_INT(stats__print(db, mem, false), 0));
	CHECK(text && strncmp(text, "METHOD                  TARGET ", 31) == 0);
	free(text);
	sqlite3_close(db);
}

static void test_export(void)
{
	static const char csv_head[] =
	    "id,session_id,rpc_id,direction,method,target,request_msg_id,"
	    "response_msg_id,start_ns,end_ns,latency_ns,server_latency_ns,status,"
	    "error_code,error_message,http_status,previous_round_id,parent_call_id\r\n"
	    "1,1,1,c2s,initialize,,1,2,1700000000010000000,1700000000015000000,"
	    "5000000,4000000,ok,,,,,\r\n"
	    "2,1,2,c2s,tools/call,echo,4,5,1700000001000000001,1700000001010000001,"
	    "10000000,8000000,ok,,,,,\r\n";
	sqlite3 *db = open_fixture();
	char *text = NULL, *line, *save = NULL;
	int n = 0;

	if (!db)
		return;
	CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "calls", EXPORT_CSV), 0));
	CHECK(text && strncmp(text, csv_head, strlen(csv_head)) == 0);
	CHECK(text && strstr(text, "\r\n6,2,6,c2s,tools/call,read_file,13,14,1700000003000000000,"
				   "1700000003020000000,20000000,18000000,error,-32602,"
				   "\"Invalid params: path\nmissing\",,,\r\n"
				   "7,2,7,c2s,resources/read,file:///etc/hosts,15,,"
				   "1700000004000000000,,,,unanswered,,,,,\r\n"));
	for (line = text; line && (line = strstr(line, "\r\n")); line += 2)
		n++;
	CHECK_EQ_INT(n, 11); /* header and 10 rows */
	free(text);

	CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "messages", EXPORT_JSONL), 0));
	n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);

		CHECK(o != NULL);
		CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(o, "id")->valueint, n + 1);
		if (n + 1 == FX_MSG_TRUNCATED) {
			CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(o, "truncated")->valueint, 1);
			CHECK_EQ_STR(
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "body")),
			    fx_calls[3].response);
		}
		if (n + 1 == 3) {
			CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "call_id")));
			CHECK_EQ_STR(
			    line,
			    "{\"id\":3,\"session_id\":1,\"call_id\":null,"
			    "\"ts_ns\":1700000000030000000,\"sent_ns\":"
			    "1700000000030000000,\"recv_ns\":null,\"sender_pid\":null,"
			    "\"direction\":\"c2s\",\"kind\":\"notification\","
			    "\"rpc_id\":null,\"method\":\"notifications/initialized\","
			    "\"size_bytes\":55,\"truncated\":0,\"body\":\"{\\\"jsonrpc\\\":"
			    "\\\"2.0\\\",\\\"method\\\":\\\"notifications/initialized\\\"}\"}");
		}
		if (n + 1 == 4)
			CHECK(strstr(line, "\"ts_ns\":1700000001000000001,"));
		cJSON_Delete(o);
		n++;
	}
	CHECK_EQ_INT(n, FX_MSG_COUNT);
	free(text);

	CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "sessions", EXPORT_CSV), 0));
	CHECK(text && strstr(text, "\r\n3,,stdio,0,200,201,,,echo-server,0.4.0,2025-03-26,,"
				   "1700000005000000000,1700000010000000000,,,\r\n"));
	free(text);

	/* an empty table: the header only, or nothing */
	CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "losses", EXPORT_CSV), 0));
	CHECK_EQ_STR(text, "id,run_id,ts_ns,pid,fd,stream_id,direction,offset,bytes,reason\r\n");
	free(text);
	CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "losses", EXPORT_JSONL), 0));
	CHECK_EQ_STR(text, "");
	free(text);

	/* a name that is not one of the tables never reaches SQL */
	CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "calls; drop table calls", EXPORT_CSV),
				   -EINVAL));
	free(text);
	sqlite3_close(db);
}

/* A writer has committed some rows and holds a batch open: the readers
 * see the commit, wait for nothing and fail on nothing. */
static void test_while_writing(void)
{
	struct st_call c = {.session_id = 1,
			    .rpc_id = "11",
			    .direction = "c2s",
			    .method = "tools/call",
			    .target = "late",
			    .start_ns = FX_T0 + 70000 * FX_MS,
			    .end_ns = ST_NULL,
			    .latency_ns = ST_NULL,
			    .server_latency_ns = ST_NULL,
			    .status = "pending",
			    .error_code = ST_NULL};
	char path[160], cmd[400];
	struct call_filter f;
	struct store *s = NULL;
	sqlite3 *db = NULL;
	char *text = NULL, ids[128];

	snprintf(path, sizeof(path), "%s/live.db", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", db_path, path);
	CHECK_EQ_INT(system(cmd), 0);
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_INT(store__add_call(s, &c), 0); /* in the open batch */
	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	if (db) {
		query__filter_init(&f);
		calls_ids(db, &f, 0, ids, sizeof(ids));
		CHECK_EQ_STR(ids, "1 2 3 6 7 8 9 4 5 10");
		CAPTURE(text, CHECK_EQ_INT(query_print__sessions(db, mem, false), 0));
		free(text);
		CAPTURE(text, CHECK_EQ_INT(export__write(db, mem, "calls", EXPORT_JSONL), 0));
		free(text);
		CHECK_EQ_INT(store__flush(s), 0);
		calls_ids(db, &f, 0, ids, sizeof(ids));
		CHECK_EQ_STR(ids, "1 2 3 6 7 8 9 4 5 10 11");
		sqlite3_close(db);
	}
	store__close(s);
}

/* ---- command lines ---- */

static const char *read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/* Runs a command with stdout and stderr going to files; args ends with
 * NULL. */
static int run(int (*fn)(int, char **), const char *const *args)
{
	return check_run(fn, check_argc(args), args, out_path, err_path);
}

/* stderr holds exactly one line, "mcptrace: ..." containing what. */
static void check_one_line(const char *what)
{
	const char *err = read_file(err_path);

	if (!strstr(err, what))
		fprintf(stderr, "  stderr: %s  (wanted \"%s\")\n", err, what);
	CHECK(strstr(err, what) != NULL);
	CHECK(strncmp(err, "mcptrace: ", 10) == 0);
	CHECK(strchr(err, '\n') == err + strlen(err) - 1);
}

static void test_cli(void)
{
	char text_path[160], missing_path[160], export_path[160];
	static const struct {
		int (*fn)(int, char **);
		const char *args[8];
		const char *what;
	} usage_errors[] = {
	    {cmd_calls, {"calls", "--bogus"}, "unknown option '--bogus'"},
	    {cmd_calls, {"calls", "extra"}, "unexpected argument 'extra'"},
	    {cmd_calls, {"calls", "--method"}, "needs an argument"},
	    {cmd_calls, {"calls", "--slower-than", "250"}, "--slower-than takes a duration"},
	    {cmd_calls, {"calls", "--slower-than", "fast"}, "not 'fast'"},
	    {cmd_calls, {"calls", "--since", "tomorrow"}, "--since takes"},
	    {cmd_calls, {"calls", "--since", "2024-05-01T12:00:00"}, "--since takes"},
	    {cmd_calls, {"calls", "--status", "ok,bogus"}, "not 'bogus'"},
	    {cmd_calls, {"calls", "--limit", "-1"}, "--limit takes a whole number"},
	    {cmd_calls, {"calls", "--limit", "ten"}, "--limit"},
	    {cmd_calls, {"calls", "--session", "0"}, "--session"},
	    {cmd_calls, {"calls", "--db", ""}, "--db needs a file name"},
	    {cmd_sessions, {"sessions", "x"}, "unexpected argument 'x'"},
	    {cmd_sessions, {"sessions", "--limit", "3"}, "unknown option"},
	    {cmd_show, {"show"}, "which call?"},
	    {cmd_show, {"show", "abc"}, "CALL_ID takes a whole number"},
	    {cmd_show, {"show", "0"}, "CALL_ID"},
	    {cmd_show, {"show", "1", "2"}, "unexpected argument '2'"},
	    {cmd_export, {"export"}, "which format?"},
	    {cmd_export, {"export", "--format", "xml"}, "--format takes jsonl or csv"},
	    {cmd_export, {"export", "--format", "csv", "users"}, "no table 'users'"},
	    {cmd_export, {"export", "--format", "csv", "calls", "more"}, "unexpected argument"},
	    {cmd_export, {"export", "-f", "csv", "-o", ""}, "-o needs a file name"},
	    {cmd_stats, {"stats", "--by", "tool"}, "--by takes method, target, session or hop"},
	};
	int (*const fns[])(int, char **) = {cmd_calls, cmd_sessions, cmd_show, cmd_export,
					    cmd_stats};
	const char *const names[] = {"calls", "sessions", "show", "export", "stats"};
	const char *const grammar[] = {"FILTER := {", "OPTIONS := {", "CALL_ID :=", "FORMAT := {",
				       "GROUP := {"};
	const char *const bad_dbs[] = {text_path, missing_path};
	const char *const bad_msgs[] = {"not a trace DB", "No such file or directory"};
	size_t i, j;
	FILE *f;

	snprintf(text_path, sizeof(text_path), "%s/notes.txt", tmpdir);
	snprintf(missing_path, sizeof(missing_path), "%s/missing.db", tmpdir);
	snprintf(export_path, sizeof(export_path), "%s/sessions.jsonl", tmpdir);
	f = fopen(text_path, "w");
	if (f) {
		fputs("not a database at all\n", f);
		fclose(f);
	}

	for (i = 0; i < ARRAY_SIZE(fns); i++) {
		CHECK_EQ_INT(run(fns[i], (const char *[]){names[i], "--help", NULL}), 0);
		CHECK(strstr(read_file(out_path), grammar[i]) != NULL);
		CHECK(strstr(read_file(out_path), "EXAMPLES") != NULL);
		CHECK_EQ_STR(read_file(err_path), "");
	}

	for (i = 0; i < ARRAY_SIZE(usage_errors); i++) {
		CHECK_EQ_INT(run(usage_errors[i].fn, usage_errors[i].args), 2);
		check_one_line(usage_errors[i].what);
		CHECK_EQ_STR(read_file(out_path), "");
	}

	/* a DB that cannot be read: exit 1, one line, nothing on stdout */
	for (i = 0; i < ARRAY_SIZE(bad_dbs); i++) {
		for (j = 0; j < ARRAY_SIZE(fns); j++) {
			const char *args[] = {names[j], "--db",	 bad_dbs[i], "--format",
					      "csv",	"calls", NULL};

			/* only export takes --format, only show an id */
			if (j != 3) {
				args[3] = j == 2 ? "1" : NULL;
				args[4] = NULL;
			}
			CHECK_EQ_INT(run(fns[j], args), 1);
			check_one_line(bad_msgs[i]);
			CHECK_EQ_STR(read_file(out_path), "");
		}
	}

	CHECK_EQ_INT(run(cmd_show, (const char *[]){"show", "999", "--db", db_path, NULL}), 1);
	check_one_line("no call 999");
	CHECK_EQ_INT(run(cmd_show, (const char *[]){"show", "--json", "3", "--db", db_path, NULL}),
		     0);
	CHECK(strncmp(read_file(out_path), "{\"call\":{\"id\":3,", 16) == 0);
	CHECK_EQ_INT(run(cmd_show, (const char *[]){"show", "4", "--db", db_path, NULL}), 0);
	CHECK(strstr(read_file(out_path), "(truncated: the first 76 of 70000 bytes") != NULL);

	CHECK_EQ_INT(run(cmd_calls, (const char *[]){"calls", "--db", db_path, "--json", "--limit",
						     "3", NULL}),
		     0);
	CHECK(strncmp(read_file(out_path), "{\"id\":4,", 8) == 0);
	check_one_line("3 newest of 10 matching calls shown");
	CHECK_EQ_INT(run(cmd_calls,
			 (const char *[]){"calls", "--db", db_path, "--status", "error", "--since",
					  "2023-11-14T22:13:22Z", "--slower-than", "1.5ms", NULL}),
		     0);
	CHECK(strstr(read_file(out_path), "\n 6  2023-11-14T22:13:23.000Z ") != NULL);
	CHECK(strstr(read_file(out_path), "\n 3 ") == NULL);
	CHECK_EQ_STR(read_file(err_path), "");
	CHECK_EQ_INT(run(cmd_sessions, (const char *[]){"sessions", "--db", db_path, NULL}), 0);
	CHECK(strncmp(read_file(out_path), "ID  TRANSPORT", 13) == 0);
	CHECK_EQ_INT(
	    run(cmd_stats, (const char *[]){"stats", "--by", "session", "--db", db_path, NULL}), 0);
	CHECK(strncmp(read_file(out_path), "SESSION ", 8) == 0);

	CHECK_EQ_INT(
	    run(cmd_export, (const char *[]){"export", "--db", db_path, "--format", "jsonl",
					     "sessions", "-o", export_path, NULL}),
	    0);
	CHECK_EQ_STR(read_file(out_path), "");
	CHECK(strncmp(read_file(export_path), "{\"id\":1,\"run_id\":null,", 22) == 0);
	{
		/* a new export is the owner's alone, as the DB is */
		struct stat st;

		CHECK(stat(export_path, &st) == 0 && (st.st_mode & 0777) == 0600);
	}
	CHECK(strstr(read_file(export_path), "\n{\"id\":3,") != NULL);

	/* -o must not truncate the DB it reads */
	CHECK_EQ_INT(run(cmd_export, (const char *[]){"export", "--db", db_path, "--format", "csv",
						      "-o", db_path, NULL}),
		     1);
	check_one_line("is the trace DB");
	{
		sqlite3 *db = open_fixture();

		CHECK(db != NULL);
		sqlite3_close(db);
	}
}

/* show on a call of MCP 2026-07-28 rounds: every round of its logical call,
 * whichever round is asked for, with what each input_required round asked
 * for; the JSON form too. A hand-made loop of rounds ends. */
static void test_show_rounds(void)
{
	char path[200], *text = NULL;
	struct store *s = NULL;
	sqlite3 *db = NULL;
	cJSON *o;

	snprintf(path, sizeof(path), "%s.rounds", db_path);
	CHECK_EQ_INT(store__open(&s, path), 0);
	if (!s)
		return;
	CHECK_EQ_INT(sqlite3_exec(store__db(s),
		"INSERT INTO sessions (id, transport) VALUES (1, 'http');"
		"INSERT INTO messages (id, session_id, ts_ns, direction, kind, size_bytes, body) VALUES"
		" (1, 1, 1, 's2c', 'response', 9, '{\"jsonrpc\":\"2.0\",\"id\":14,\"result\":{\"resultType\":"
		"\"input_required\",\"inputRequests\":{\"ok\":{\"method\":\"elicitation/create\"},"
		"\"where\\u001b\":{\"method\":\"roots/list\"}}}}'),"
		" (2, 1, 1, 's2c', 'response', 9, 'not json');"
		"INSERT INTO calls (id, session_id, rpc_id, direction, method, target, status, start_ns,"
		" end_ns, latency_ns, response_msg_id, previous_round_id) VALUES"
		" (1, 1, '14', 'c2s', 'tools/call', 'confirm', 'input_required', 1000000, 3000000,"
		"  2000000, 1, NULL),"
		" (2, 1, '15', 'c2s', 'tools/call', 'confirm', 'input_required', 5000000, 6000000,"
		"  1000000, 2, 1),"
		" (3, 1, '16', 'c2s', 'tools/call', 'confirm', 'ok', 8000000, 15000000, 7000000, NULL, 2),"
		" (4, 1, '17', 'c2s', 'tools/call', 'echo', 'ok', 1, 2, 1, NULL, NULL),"
		" (5, 1, '18', 'c2s', 'tools/call', 'x', 'ok', 1, 2, 1, NULL, 6),"
		" (6, 1, '19', 'c2s', 'tools/call', 'x', 'ok', 1, 2, 1, NULL, 5);",
		NULL, NULL, NULL), SQLITE_OK);
	store__close(s);
	CHECK_EQ_INT(store__open_readonly(&db, path), 0);
	if (!db)
		return;

	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 2, false), 0));
	CHECK(text && strstr(text,
		"rounds\n"
		"  round 1   call 1  rpc id 14  input_required  2.000 ms  asked for: ok "
		"(elicitation/create), where? (roots/list)\n"
		"  round 2   call 2 (this one)  rpc id 15  input_required  1.000 ms\n"
		"  round 3   call 3  rpc id 16  ok  7.000 ms\n"
		"  3 rounds of one call, 14.000 ms from its first request to its last answer\n"));
	free(text);
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 3, true), 0));
	o = text ? cJSON_Parse(text) : NULL;
	CHECK(o != NULL);
	CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(o, "rounds")), 3);
	CHECK_EQ_INT(cJSON_GetObjectItem(o, "end_to_end_ns") ?
		     cJSON_GetObjectItem(o, "end_to_end_ns")->valuedouble : -1, 14000000);
	CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(
		     cJSON_GetArrayItem(cJSON_GetObjectItem(o, "rounds"), 0), "input_requests"),
		     "where\x1b")), "roots/list");
	cJSON_Delete(o);
	free(text);
	/* a call of one round has no rounds block; a loop ends */
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 4, false), 0));
	CHECK(text && !strstr(text, "rounds"));
	free(text);
	CAPTURE(text, CHECK_EQ_INT(query_print__show(db, mem, 5, false), 0));
	CHECK(text && strstr(text, "  2 rounds of one call, 0.000 ms"));
	free(text);
	sqlite3_close(db);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof(db_path), "%s/fixture.db", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/err", tmpdir);
	if (fx_build(db_path) != 0) {
		fprintf(stderr, "could not build the fixture DB\n");
		return 1;
	}
	RUN_TEST(test_parse_duration);
	RUN_TEST(test_parse_time);
	RUN_TEST(test_format);
	RUN_TEST(test_filter_where);
	RUN_TEST(test_csv_field);
	RUN_TEST(test_json_string);
	RUN_TEST(test_sanitize);
	RUN_TEST(test_json_pretty);
	RUN_TEST(test_calls_table);
	RUN_TEST(test_calls_filters);
	RUN_TEST(test_calls_json);
	RUN_TEST(test_sessions);
	RUN_TEST(test_show_text);
	RUN_TEST(test_show_rounds);
	RUN_TEST(test_show_truncated);
	RUN_TEST(test_stats_by);
	RUN_TEST(test_export);
	RUN_TEST(test_while_writing);
	RUN_TEST(test_cli);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return CHECK_DONE();
}
