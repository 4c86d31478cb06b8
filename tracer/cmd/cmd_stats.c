// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace stats: a summary of the calls in a trace DB, one row per method
 * and target (tool, prompt or resource), or per method, target or session
 * alone (--by), with counts of failures and latency percentiles, then a
 * total. It only reads: the DB is opened read-only, so it works while
 * another mcptrace is writing (WAL readers see the last committed batch).
 *
 * This file reads the options and opens the DB; the groups come from
 * db/summary.c and the printing is stats.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/stats.h"
#include "cmd/stats_hops.h"
#include "db/store.h"

static const char stats_help[] =
    "Usage: mcptrace stats [--by GROUP] [--rounds] [OPTIONS]\n"
    "       mcptrace stats --help\n"
    "\n"
    "Summarizes the calls in a trace DB per method and target (tool or prompt\n"
    "name, resource URI), then in total. Works while mcptrace writes the DB.\n"
    "\n"
    "GROUP := { method | target | session | hop }\n"
    "   --by GROUP  one row per method, per target (whatever the method), or\n"
    "               per session (see mcptrace sessions); default: one row per\n"
    "               method and target. hop: the calls a gateway made to\n"
    "               serve a call (calls.parent_call_id), per method and\n"
    "               target: LINKED calls, the backend's latency and the\n"
    "               gateway's own time (the inbound call's time at the\n"
    "               gateway less the backend's), p50 p90 p99 in ms\n"
    "   --rounds    count every round of a multi-round call (MCP 2026-07-28:\n"
    "               a call answered input_required and asked again) as a\n"
    "               call of its own, with its own latency; default: the\n"
    "               rounds linked by calls.previous_round_id are one call,\n"
    "               its status its last round's, its latency from its first\n"
    "               request to its last answer\n"
    "OPTIONS := { --db FILE | --json | --help }\n"
    "   --db FILE   trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --json      one JSON object per line (JSON Lines), the total last,\n"
    "               with \"total\": true; latencies without data are null;\n"
    "               the group under \"method\", \"target\" or \"session_id\"\n"
    "   --help      print this and exit\n"
    "\n"
    "COLUMNS\n"
    "   CALLS       calls seen, whatever became of them (in-flight ones too);\n"
    "               the rounds of a multi-round call once, unless --rounds\n"
    "   ERRORS      answered with a JSON-RPC error, or a tool result with isError\n"
    "   CANCELLED   cancelled by notifications/cancelled\n"
    "   UNANSWERED  no response before the session or the trace ended\n"
    "   P50 P90 P99 MAX\n"
    "               latency in ms over the answered calls (errors included):\n"
    "               nearest-rank percentiles, as the client saw it where the\n"
    "               client was traced, else as the server did\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace stats --db trace.db\n"
    "   mcptrace stats --by session\n"
    "   mcptrace stats --by hop\n"
    "   mcptrace stats --json | jq 'select(.errors > 0)'\n"
    "\n"
    "Exit status: 0 done, 1 the DB could not be read, 2 usage error.\n";

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"by", required_argument, NULL, 'b'},
	    {"rounds", no_argument, NULL, 'r'},
	    {"db", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *path = CLI_DEFAULT_DB;
	enum summary_by by = SUMMARY_BY_METHOD_TARGET;
	enum summary_unit unit = SUMMARY_CALLS;
	bool json = false, by_hop = false;
	sqlite3 *db = NULL;
	int c, err;

	/* Our own messages, not getopt's, which would name argv[0]
	 * ("stats") as the program. optind 0 restarts getopt fully, so the
	 * command can run more than once in a process (tests). */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "method"))
				by = SUMMARY_BY_METHOD;
			else if (!strcmp(optarg, "target"))
				by = SUMMARY_BY_TARGET;
			else if (!strcmp(optarg, "session"))
				by = SUMMARY_BY_SESSION;
			else if (!strcmp(optarg, "hop"))
				by_hop = true;
			else {
				fprintf(stderr,
					"mcptrace: --by takes method, target, session or hop, not '%s' "
					"(see mcptrace stats --help)\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			unit = SUMMARY_ROUNDS;
			break;
		case 'd':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(stats_help, stdout);
			return 0;
		default:
			return cli__getopt_error("stats", c, argc, argv);
		}
	}
	if (optind < argc)
		return cli__usage_error("stats", "unexpected argument '%s'", argv[optind]);
	if (!*path) {
		fprintf(stderr, "mcptrace: --db needs a file name\n");
		return 2;
	}

	err = store__open_readonly(&db, path);
	if (err)
		return 1;
	err = by_hop ? stats_hops__print(db, stdout, json)
		     : stats__print_by(db, stdout, json, by, unit);
	sqlite3_close(db);
	if (!err && fflush(stdout) != 0) {
		fprintf(stderr, "mcptrace: failed to write the report: %s\n", strerror(errno));
		err = -EIO;
	}
	return err ? 1 : 0;
}
