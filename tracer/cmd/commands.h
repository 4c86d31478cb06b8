/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * commands: the entry points main.c dispatches to, one per subcommand and
 * nothing else; what a command prints is declared with the file that
 * prints it (stats.h, query_print.h, export.h, report.h, diff_print.h).
 * Each takes the arguments from its own name on (argv[0] is "stats", ...)
 * and returns the process exit status: 0 done, 1 failed (one line on
 * stderr), 2 usage error; run and attach also EXIT_TRACE_FAILED.
 */
#ifndef MT_COMMANDS_H
#define MT_COMMANDS_H

/* run and attach: the trace began but could not go on (the trace DB could
 * not be written): what was committed before stays, the rest is lost. Its
 * own code, so a script can tell it from CMD's own failure. */
#define EXIT_TRACE_FAILED 3

/* mcptrace run [OPTIONS] -- CMD [ARGS...]   (cmd_trace.c) */
int cmd_run(int argc, char **argv);
/* mcptrace attach -p PID [-p PID...] [--follow] [OPTIONS]   (cmd_trace.c) */
int cmd_attach(int argc, char **argv);

/* mcptrace stats [--by GROUP] [--db FILE] [--json]   (cmd_stats.c) */
int cmd_stats(int argc, char **argv);

/* mcptrace calls [FILTER...] [--limit N] [--db FILE] [--json]   (cmd_query.c) */
int cmd_calls(int argc, char **argv);
/* mcptrace sessions [--db FILE] [--json]   (cmd_query.c) */
int cmd_sessions(int argc, char **argv);
/* mcptrace show CALL_ID [--db FILE] [--json]   (cmd_query.c) */
int cmd_show(int argc, char **argv);
/* mcptrace export --format { jsonl | csv } [TABLE] [--db FILE] [-o FILE]   (cmd_export.c) */
int cmd_export(int argc, char **argv);

/* mcptrace report --html FILE [--db DB]   (cmd_report.c) */
int cmd_report(int argc, char **argv);
/* mcptrace diff BASE.db HEAD.db [OPTIONS]   (cmd_diff.c) */
int cmd_diff(int argc, char **argv);
/* mcptrace audit [--db FILE] [--format FORMAT] [--fail-on SEV] [--baseline FILE]
 * (cmd_audit.c; exit 0 clean, 1 findings, 2 error) */
int cmd_audit(int argc, char **argv);

#endif
