// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace calls, sessions, show: answers to "what happened" from a trace
 * DB. calls lists requests with their outcome, filtered; sessions lists the
 * MCP sessions with their peers and counts; show takes one call apart:
 * timing, the request and response bodies, the notifications about it.
 *
 * This file reads the options and opens the DB, read-only
 * (store__open_readonly), so it works while another mcptrace writes it.
 * Every value typed by the user reaches SQL as a bound parameter (db/query.c
 * builds the WHERE clause); the printing is query_print.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "cmd/blind_print.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/query_print.h"
#include "db/query.h"
#include "db/store.h"

#define CALLS_DEFAULT_LIMIT 50

static const char calls_help[] =
    "Usage: mcptrace calls [FILTER...] [--limit N] [--db FILE] [--json]\n"
    "       mcptrace calls --help\n"
    "\n"
    "Lists calls (requests and their outcome), oldest first, the newest N of\n"
    "those that pass every FILTER.\n"
    "\n"
    "FILTER := { --method M | --target T | --status S[,S...] | --slower-than DURATION |\n"
    "            --session ID | --since TIME }\n"
    "   --method M            exact method, e.g. tools/call\n"
    "   --target T            exact tool or prompt name, or resource URI\n"
    "   --status S            one of pending, ok, error, tool_error, cancelled,\n"
    "                         unanswered, input_required; a comma-separated\n"
    "                         list matches any\n"
    "   --slower-than DURATION  latency over DURATION (unanswered calls have none)\n"
    "   --session ID          calls of session ID (see mcptrace sessions)\n"
    "   --since TIME          calls started at or after TIME\n"
    "OPTIONS := { --limit N | --db FILE | --json | --help }\n"
    "   --limit N             newest N calls (default 50; 0 = all)\n"
    "   --db FILE             trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --json                JSON Lines: one object per call, the calls table's\n"
    "                         columns, times in epoch ns, NULL as null\n"
    "DURATION := NUMBER{ns|us|ms|s|m|h|d}       250ms, 1.5s, 2m\n"
    "TIME := { EPOCH_MS | EPOCH_NS | DATE[THH:MM[:SS[.FRAC]]ZONE] | DURATION [ago] }\n"
    "   1700000000000 (ms: up to 14 digits), 1700000000000000000 (ns: 17 or more),\n"
    "   2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00, 2024-05-01 (midnight UTC),\n"
    "   10m (ten minutes ago)\n"
    "\n"
    "COLUMNS  START is UTC; LAT_MS is the latency as the requester saw it, SRV_MS\n"
    "the server's own time (- where not traced); ERROR is code and message.\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace calls --status error,tool_error\n"
    "   mcptrace calls --method tools/call --slower-than 250ms --since 1h\n"
    "   mcptrace calls --session 2 --limit 0 --json | jq -r .target\n"
    "\n"
    "Exit status: 0 done, 1 the DB could not be read, 2 usage error.\n";

static const char sessions_help[] =
    "Usage: mcptrace sessions [--db FILE] [--json]\n"
    "       mcptrace sessions --help\n"
    "\n"
    "Lists the MCP sessions in a trace DB: transport, the client and server\n"
    "processes with the names and versions they gave in initialize, the\n"
    "protocol version, counts of calls, errors and messages, start and duration.\n"
    "Then, if there were any, the TLS connections mcptrace could not read (their\n"
    "TLS library is not hooked): process, addresses, bytes seen, why.\n"
    "\n"
    "OPTIONS := { --db FILE | --json | --help }\n"
    "   --db FILE   trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --json      JSON Lines: the sessions table's columns plus calls, errors,\n"
    "               messages and duration_ns (null while open); sessions only\n"
    "\n"
    "COLUMNS  ERRORS counts error and tool_error calls; STARTED is UTC; DURATION\n"
    "is \"open\" for a session that had not ended when the trace was read.\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace sessions --db trace.db\n"
    "   mcptrace calls --session 3        # the calls of one of them\n"
    "\n"
    "Exit status: 0 done, 1 the DB could not be read, 2 usage error.\n";

static const char show_help[] =
    "Usage: mcptrace show CALL_ID [--db FILE] [--json]\n"
    "       mcptrace show --help\n"
    "\n"
    "Shows one call: its row and timing, then the request and the response\n"
    "bodies pretty-printed, then the notifications about it (progress,\n"
    "cancellation). A body that is not JSON (cut at --max-msg while tracing)\n"
    "is shown as captured, with a note. A call of several rounds (MCP\n"
    "2026-07-28: answered input_required, then asked again) ends with all\n"
    "its rounds, what each asked the client for, and its end-to-end time.\n"
    "\n"
    "CALL_ID := the ID column of mcptrace calls\n"
    "OPTIONS := { --db FILE | --json | --help }\n"
    "   --db FILE   trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --json      one JSON object: {\"call\": {...}, \"request\": {...},\n"
    "               \"response\": {...}, \"notifications\": [...]}; a message's\n"
    "               body is JSON where it parses (\"body_is_json\": true), else\n"
    "               a string; a missing message is null; a call of several\n"
    "               rounds adds \"rounds\": [{id, rpc_id, status, latency_ns,\n"
    "               input_requests}] and \"end_to_end_ns\"\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace show 42\n"
    "   mcptrace show 42 --json | jq .response.body.result\n"
    "\n"
    "Exit status: 0 done, 1 no such call or the DB could not be read,\n"
    "2 usage error.\n";

int cmd_calls(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"method", required_argument, NULL, 'm'},
	    {"target", required_argument, NULL, 't'},
	    {"status", required_argument, NULL, 's'},
	    {"slower-than", required_argument, NULL, 'l'},
	    {"session", required_argument, NULL, 'S'},
	    {"since", required_argument, NULL, 'T'},
	    {"limit", required_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *path = CLI_DEFAULT_DB, *bad = NULL;
	struct call_filter f;
	long long limit = CALLS_DEFAULT_LIMIT, v;
	bool json = false;
	sqlite3 *db = NULL;
	int c, err;

	query__filter_init(&f);
	/* Our own messages rather than getopt's; optind 0 restarts getopt
	 * fully, so tests can run commands again in one process. */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'm':
			f.method = optarg;
			break;
		case 't':
			f.target = optarg;
			break;
		case 's':
			err = query__filter_add_status(&f, optarg, &bad);
			if (err == -E2BIG)
				return cli__usage_error("calls", "too many statuses in --status");
			if (err)
				return cli__usage_error(
				    "calls",
				    "--status takes pending, ok, error, tool_error, cancelled, "
				    "unanswered or input_required, not '%s'",
				    bad);
			break;
		case 'l':
			if (query__parse_duration(optarg, &f.slower_than_ns))
				return cli__usage_error(
				    "calls",
				    "--slower-than takes a duration such as 250ms "
				    "(units ns, us, ms, s, m, h, d), not '%s'",
				    optarg);
			break;
		case 'S':
			if (cli__parse_int("--session", optarg, 1, INT64_MAX, &v))
				return 2;
			f.session_id = v;
			break;
		case 'T':
			if (query__parse_time(optarg, query__now_ns(), &f.since_ns))
				return cli__usage_error(
				    "calls",
				    "--since takes an epoch in ms or ns, a date-time such as "
				    "2024-05-01T12:00:00Z, or a duration ago such as 10m; not '%s'",
				    optarg);
			break;
		case 'n':
			if (cli__parse_int("--limit", optarg, 0, INT64_MAX - 1, &limit))
				return 2;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(calls_help, stdout);
			return 0;
		default:
			return cli__getopt_error("calls", c, argc, argv);
		}
	}
	if (optind < argc)
		return cli__usage_error("calls", "unexpected argument '%s'", argv[optind]);
	if (!*path)
		return cli__usage_error("calls", "--db needs a file name");

	if (store__open_readonly(&db, path))
		return 1;
	err = query_print__calls(db, stdout, &f, limit, json);
	sqlite3_close(db);
	if (!err && fflush(stdout) != 0) {
		fprintf(stderr, "mcptrace: failed to write the calls: %s\n", strerror(errno));
		err = -EIO;
	}
	return err ? 1 : 0;
}

/* Parses the options shared by sessions and show: --db, --json, --help.
 * Returns -1 to go on, else the exit status. positional gets the one
 * argument allowed (NULL: none allowed). */
static int parse_simple(const char *cmd, const char *help, int argc, char **argv, const char **path,
			bool *json, const char **positional)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*path = optarg;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli__getopt_error(cmd, c, argc, argv);
		}
	}
	if (positional && optind < argc)
		*positional = argv[optind++];
	if (optind < argc)
		return cli__usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!**path)
		return cli__usage_error(cmd, "--db needs a file name");
	return -1;
}

int cmd_sessions(int argc, char **argv)
{
	const char *path = CLI_DEFAULT_DB;
	bool json = false;
	sqlite3 *db = NULL;
	int err;

	err = parse_simple("sessions", sessions_help, argc, argv, &path, &json, NULL);
	if (err >= 0)
		return err;
	if (store__open_readonly(&db, path))
		return 1;
	err = query_print__sessions(db, stdout, json);
	/* JSON Lines stay one session a line; the table says what is missing. */
	if (!err && !json)
		err = blind_print__table(db, stdout);
	sqlite3_close(db);
	if (!err && fflush(stdout) != 0) {
		fprintf(stderr, "mcptrace: failed to write the sessions: %s\n", strerror(errno));
		err = -EIO;
	}
	return err ? 1 : 0;
}

int cmd_show(int argc, char **argv)
{
	const char *path = CLI_DEFAULT_DB, *id_text = NULL;
	bool json = false;
	sqlite3 *db = NULL;
	long long id;
	int err;

	err = parse_simple("show", show_help, argc, argv, &path, &json, &id_text);
	if (err >= 0)
		return err;
	if (!id_text)
		return cli__usage_error("show", "which call? give its id (see mcptrace calls)");
	if (cli__parse_int("CALL_ID", id_text, 1, INT64_MAX, &id))
		return 2;
	if (store__open_readonly(&db, path))
		return 1;
	err = query_print__show(db, stdout, id, json);
	sqlite3_close(db);
	if (!err && fflush(stdout) != 0) {
		fprintf(stderr, "mcptrace: failed to write the call: %s\n", strerror(errno));
		err = -EIO;
	}
	return err ? 1 : 0;
}
