/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * commands: the subcommands main.c dispatches to. Each takes the arguments
 * from its own name on (argv[0] is "stats", ...) and returns the process
 * exit status: 0 done, 1 failed (one line on stderr), 2 usage error.
 */
#ifndef MT_COMMANDS_H
#define MT_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/summary.h"

struct sqlite3;

/* mcptrace run [OPTIONS] -- CMD [ARGS...]   (cmd_trace.c) */
int cmd_run(int argc, char **argv);
/* mcptrace attach -p PID [-p PID...] [--follow] [OPTIONS]   (cmd_trace.c) */
int cmd_attach(int argc, char **argv);

/* mcptrace stats [--db FILE] [--json] [--help] */
int cmd_stats(int argc, char **argv);

/* The stats report of an open trace DB, as a table or JSON Lines, on out.
 * Returns 0 or a negative errno (with a line on stderr). */
int stats__print(struct sqlite3 *db, FILE *out, bool json);

/* stats__print with the rows grouped as by says. */
int stats__print_by(struct sqlite3 *db, FILE *out, bool json, enum summary_by by);

/* mcptrace calls [FILTER...] [--limit N] [--db FILE] [--json]   (cmd_query.c) */
int cmd_calls(int argc, char **argv);
/* mcptrace sessions [--db FILE] [--json]   (cmd_query.c) */
int cmd_sessions(int argc, char **argv);
/* mcptrace show CALL_ID [--db FILE] [--json]   (cmd_query.c) */
int cmd_show(int argc, char **argv);
/* mcptrace export --format { jsonl | csv } [TABLE] [--db FILE] [-o FILE]   (cmd_export.c) */
int cmd_export(int argc, char **argv);

/* mcptrace report --html FILE [--db DB] [--help]   (cmd_report.c) */
int cmd_report(int argc, char **argv);
/* mcptrace diff BASE.db HEAD.db [OPTIONS]   (cmd_diff.c; decisions in diff.c) */
int cmd_diff(int argc, char **argv);

#endif
