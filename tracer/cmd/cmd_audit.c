// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace audit: security findings from a trace DB (tracer/audit/), for
 * people (a table), scripts (JSON Lines) and code scanning (SARIF). This
 * file reads the options, opens the DB (for writing when it can, to store
 * the findings; read-only otherwise, or with --no-store), applies the
 * baseline and decides the exit status:
 *   0  no finding at or above --fail-on (beside those the baseline accepts)
 *   1  some
 *   2  the audit could not be made: usage, an unreadable DB or baseline, a
 *      failed write.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "audit/audit.h"
#include "cmd/audit_print.h"
#include "cmd/cli.h"
#include "cmd/commands.h"
#include "db/store.h"

static const char audit_help[] =
    "Usage: mcptrace audit [--db FILE] [--format FORMAT] [--fail-on SEVERITY]\n"
    "                      [--baseline FILE] [--write-baseline FILE] [OPTIONS]\n"
    "       mcptrace audit --help\n"
    "\n"
    "Reads a trace DB and reports what in the recorded MCP traffic is a security\n"
    "concern: tool definitions that changed between sessions (rug pulls), hidden\n"
    "characters and concealment instructions in tool descriptions, credentials in\n"
    "arguments and results, servers asking users for passwords, tool names two\n"
    "servers share, files outside the client's roots, sampling requests, plain\n"
    "HTTP to other hosts, calls repeated in a loop, and text moving from one\n"
    "server to another. Nothing is sent anywhere and no model is asked: the same\n"
    "DB always gives the same findings. They are also stored in the DB's\n"
    "findings table, replacing the last audit's.\n"
    "\n"
    "OPTIONS := { --db FILE | --format FORMAT | --json | --fail-on SEVERITY |\n"
    "             --baseline FILE | --write-baseline FILE | --runaway N |\n"
    "             --no-store | --help }\n"
    "FORMAT := { table | json | sarif }\n"
    "SEVERITY := { low | medium | high }\n"
    "\n"
    "   --db FILE        trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --format FORMAT  table (default): one row per finding, then the evidence\n"
    "                    (a redacted excerpt; a definition's diff); json: JSON\n"
    "                    Lines, one object per finding, a summary last; sarif:\n"
    "                    SARIF 2.1.0 for GitHub code scanning and other viewers\n"
    "   --json           same as --format json\n"
    "   --fail-on SEVERITY\n"
    "                    exit 1 when a finding is at this severity or above\n"
    "                    (default medium)\n"
    "   --baseline FILE  findings listed in FILE are accepted: not shown, not\n"
    "                    failing (stored with baselined = 1)\n"
    "   --write-baseline FILE\n"
    "                    write every finding of this audit (and those of\n"
    "                    --baseline) to FILE, to accept them from now on\n"
    "   --runaway N      runaway-calls: more than N equal calls in a minute\n"
    "                    (default 30)\n"
    "   --no-store       do not write the findings table (the DB is opened\n"
    "                    read-only; also what happens, with a note, when the\n"
    "                    file cannot be written)\n"
    "   --help           print this and exit\n"
    "\n"
    "RULES (severity; README, section Audit, has an example of each)\n"
    "   tool-definition-changed  a tool, prompt, resource or the instructions differ\n"
    "                            from what the same server said before (high;\n"
    "                            medium across a version change), with a diff\n"
    "   hidden-characters        Unicode tags, zero-width, bidi controls, ANSI\n"
    "                            escapes in definitions (high) or results (medium)\n"
    "   concealment-instruction  \"do not tell the user\", \"ignore previous\n"
    "                            instructions\", \"before any other tool\"... (high)\n"
    "   secret-in-traffic        keys, tokens, JWTs, private keys, passwords (high)\n"
    "   credential-elicitation   a form elicitation asks for a password, token, key\n"
    "                            or card number (high; medium in its message only)\n"
    "   duplicate-tool-name      two servers of one host share a tool name (medium)\n"
    "   outside-roots            a file read or path argument outside the declared\n"
    "                            roots (medium)\n"
    "   sampling-request         a server uses the client's model (low; medium with\n"
    "                            another server's data)\n"
    "   cleartext-credentials    a credential over plain HTTP to another host (high;\n"
    "                            low for plain HTTP alone: headers are not traced)\n"
    "   runaway-calls            the same call more than N times a minute (medium)\n"
    "   cross-server-flow        a server's result sent on to another server (medium)\n"
    "\n"
    "Output from traced programs is escaped: invisible characters show as\n"
    "<U+XXXX>, credentials as [redacted:TYPE:HASH], control characters never\n"
    "reach the terminal.\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace audit --db trace.db\n"
    "   mcptrace audit --db trace.db --format sarif > mcptrace.sarif\n"
    "   mcptrace audit --db trace.db --write-baseline audit-baseline.txt\n"
    "   mcptrace audit --db trace.db --baseline audit-baseline.txt --fail-on low\n"
    "   sqlite3 trace.db 'select rule, severity, tool, explanation from findings'\n"
    "\n"
    "Exit status: 0 no finding at or above --fail-on, 1 some, 2 the audit could\n"
    "not be made (usage, an unreadable DB or baseline, a failed write).\n";

enum audit_format {
	FMT_TABLE,
	FMT_JSON,
	FMT_SARIF,
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"baseline", required_argument, NULL, 'b'},
	    {"write-baseline", required_argument, NULL, 'w'},
	    {"runaway", required_argument, NULL, 'r'},
	    {"no-store", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *path = CLI_DEFAULT_DB, *baseline = NULL, *write_baseline = NULL;
	struct audit_print pr = {.fail_on = AUDIT_MEDIUM};
	struct audit_opts ao = {0};
	struct audit_baseline base = {0};
	struct audit_result res = {0};
	enum audit_format fmt = FMT_TABLE;
	bool no_store = false;
	sqlite3 *db = NULL;
	long long n;
	int c, err, rc = 2;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "table"))
				fmt = FMT_TABLE;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else if (!strcmp(optarg, "sarif"))
				fmt = FMT_SARIF;
			else
				return cli__usage_error("audit",
							"--format takes table, json or sarif, not '%s'",
							optarg);
			break;
		case 'j':
			fmt = FMT_JSON;
			break;
		case 'F':
			pr.fail_on = audit__sev_parse(optarg);
			if (!pr.fail_on)
				return cli__usage_error("audit",
							"--fail-on takes low, medium or high, not '%s'",
							optarg);
			break;
		case 'b':
			baseline = optarg;
			break;
		case 'w':
			write_baseline = optarg;
			break;
		case 'r':
			if (cli__parse_int("--runaway", optarg, 1, 1000000, &n))
				return 2;
			ao.runaway_per_min = (unsigned)n;
			break;
		case 'n':
			no_store = true;
			break;
		case 'h':
			fputs(audit_help, stdout);
			return 0;
		default:
			return cli__getopt_error("audit", c, argc, argv);
		}
	}
	if (optind < argc)
		return cli__usage_error("audit", "unexpected argument '%s'", argv[optind]);
	if (!*path)
		return cli__usage_error("audit", "--db needs a file name");
	if ((baseline && !*baseline) || (write_baseline && !*write_baseline))
		return cli__usage_error("audit", "a baseline needs a file name");

	if (baseline && audit__baseline_read(baseline, &base))
		return 2;
	err = no_store ? -EACCES : store__open_update(&db, path);
	if (err == -EACCES) {
		if (!no_store)
			fprintf(stderr, "mcptrace: %s cannot be written: the findings are not "
					"stored (only shown)\n", path);
		err = store__open_readonly(&db, path);
	} else {
		pr.stored = !err;
	}
	if (err)
		goto out;

	err = audit__run(db, &ao, &res);
	if (err)
		goto out;
	pr.db_path = path;
	pr.baselined = audit__apply_baseline(&res, &base);
	if (pr.stored && audit__store(db, path, &res, now_ns()))
		goto out;
	if (write_baseline && audit__baseline_write(write_baseline, &res, &base))
		goto out;

	switch (fmt) {
	case FMT_TABLE:
		audit_print__table(stdout, &res, &pr);
		break;
	case FMT_JSON:
		audit_print__json(stdout, &res, &pr);
		break;
	case FMT_SARIF:
		audit_print__sarif(stdout, &res, &pr);
		break;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mcptrace: failed to write the findings: %s\n", strerror(errno));
		goto out;
	}
	if (write_baseline)
		fprintf(stderr, "mcptrace: wrote %zu accepted findings to %s\n",
			res.n + (base.n - pr.baselined), write_baseline);
	rc = audit_print__count(&res, pr.fail_on) ? 1 : 0;
out:
	audit__result_free(&res);
	audit__baseline_free(&base);
	sqlite3_close(db);
	return rc;
}
