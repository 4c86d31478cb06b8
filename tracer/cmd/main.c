/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mcptrace: see what AI agents and MCP servers say to each other. This file
 * only dispatches: `mcptrace CMD ARGS...` runs the table entry named CMD
 * (a unique prefix will do, as in bpftool).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "run", cmd_run, "start a command traced, with every child it spawns" },
	{ "attach", cmd_attach, "trace running processes" },
	{ "stats", cmd_stats, "calls, errors and latency per method and tool" },
	{ "calls", cmd_calls, "list calls, filtered by method, tool, status, latency, time" },
	{ "sessions", cmd_sessions, "list MCP sessions: peers, versions, counts" },
	{ "show", cmd_show, "one call: timing, request and response bodies, notifications" },
	{ "export", cmd_export, "a table as JSON Lines or CSV" },
	{ "report", cmd_report, "write an HTML report: latency per tool, session timelines" },
	{ "diff", cmd_diff, "compare two trace DBs; fail on latency or error regressions" },
	{ "audit", cmd_audit, "security findings from the trace; SARIF for code scanning" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "print this help" },
	{ 0 },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: mcptrace COMMAND [ARGS...]\n"
	       "       COMMAND --help\n"
	       "\n"
	       "COMMAND := { run | attach | stats | calls | sessions | show | export | report | diff |\n"
	       "             audit | version | help }\n");
	for (const struct cmd *c = cmds; c->name; c++)
		printf("  %-8s %s\n", c->name, c->summary);
	printf("\n"
	       "Examples:\n"
	       "  sudo mcptrace run -- node my-host.js       # trace a host and the servers it spawns\n"
	       "  sudo mcptrace attach -p 1234 --db t.db     # trace a running server\n"
	       "  mcptrace stats --db t.db                    # latency per method and tool\n"
	       "  mcptrace calls --status error --since 1h    # what failed in the last hour\n"
	       "  mcptrace show 42                            # one call with its bodies\n"
	       "  mcptrace audit --db t.db                    # security findings (exit 1 on any)\n"
	       "  sqlite3 t.db 'select method, target, status, latency_ns from calls'\n");
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("mcptrace %s\n", MCPTRACE_VERSION);
	return 0;
}

/* Finds argv[0] in the table: an exact name, or a prefix of exactly one. */
static const struct cmd *cmd_select(const char *name)
{
	const struct cmd *found = NULL;
	size_t len = strlen(name);

	for (const struct cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
		if (len && !strncmp(c->name, name, len)) {
			if (found)
				return NULL;
			found = c;
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		cmd_help(0, NULL);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(0, NULL);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	c = cmd_select(argv[1]);
	if (!c) {
		fprintf(stderr, "mcptrace: unknown or ambiguous command '%s'; see mcptrace help\n",
			argv[1]);
		return 2;
	}
	return c->fn(argc - 1, argv + 1);
}
