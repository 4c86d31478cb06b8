// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace report: one self-contained HTML page about a trace DB: a summary
 * (runs, sessions, calls, failures), the latency distribution of each
 * method and target as an inline SVG histogram with p50/p90/p99 marks, and
 * a waterfall of each session's calls, bars from start to end coloured by
 * outcome, with hover titles. No script and no external resource: the page
 * is meant to be kept as a CI artifact and opened anywhere.
 *
 * It only reads (store__open_readonly), so it works while mcptrace writes.
 * The waterfall is capped per session and in sessions (report.h), and the
 * page says what it left out. This file reads the options and opens the
 * files; report.c writes the page.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/report.h"
#include "db/store.h"

static const char report_help[] =
    "Usage: mcptrace report --html FILE [--db DB]\n"
    "       mcptrace report --help\n"
    "\n"
    "Writes an HTML report of a trace DB: a summary, the security findings of\n"
    "mcptrace audit (computed as the page is written; the first 200), the\n"
    "latency distribution of each method and target (histogram with p50, p90,\n"
    "p99), and a timeline of each session's calls (errors in red, unanswered\n"
    "hatched in amber).\n"
    "The page is one file, with no script and nothing fetched from elsewhere.\n"
    "\n"
    "OPTIONS := { --html FILE | --db DB | --help }\n"
    "   --html FILE   the page to write (replaced if it exists); - for stdout\n"
    "   --db DB       trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   --help        print this and exit\n"
    "\n"
    "The timeline shows the first 500 calls of each session and the first 200\n"
    "sessions, and says so where it stops.\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace report --html report.html --db trace.db\n"
    "\n"
    "Exit status: 0 done, 1 the DB could not be read or the page written,\n"
    "2 usage error.\n";

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"html", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct report_opts ro = {0};
	const char *path = CLI_DEFAULT_DB, *html = NULL;
	char *tmp = NULL;
	sqlite3 *db = NULL;
	FILE *out = NULL;
	int c, err = 0, fd;
	mode_t um;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			html = optarg;
			break;
		case 'd':
			path = optarg;
			break;
		case 'h':
			fputs(report_help, stdout);
			return 0;
		default:
			return cli__getopt_error("report", c, argc, argv);
		}
	}
	if (optind < argc)
		return cli__usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (!html || !*html) {
		fprintf(stderr,
			"mcptrace: report needs --html FILE (see mcptrace report --help)\n");
		return 2;
	}
	if (!*path) {
		fprintf(stderr, "mcptrace: --db needs a file name\n");
		return 2;
	}

	if (store__open_readonly(&db, path))
		return 1;
	ro.source = path;
	if (!strcmp(html, "-")) {
		err = report__write(db, stdout, &ro);
		if (!err && fflush(stdout) != 0) {
			fprintf(stderr, "mcptrace: failed to write the report: %s\n",
				strerror(errno));
			err = -EIO;
		}
		goto cleanup;
	}
	/* Written beside FILE and renamed over it, so a failed run never
	 * leaves half a page where the last good one was. */
	if (asprintf(&tmp, "%s.XXXXXX", html) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		fprintf(stderr, "mcptrace: out of memory\n");
		goto cleanup;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to create %s: %s\n", html, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto cleanup;
	}
	/* mkstemp makes it 0600; a page is for sharing, as a file the user
	 * created would be */
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) != 0)
		fprintf(stderr, "mcptrace: warning: failed to chmod %s: %s\n", tmp,
			strerror(errno));
	err = report__write(db, out, &ro);
	if (ferror(out) | fclose(out)) {
		if (!err)
			fprintf(stderr, "mcptrace: failed to write %s: %s\n", html,
				strerror(errno));
		err = err ? err : -EIO;
	}
	if (!err && rename(tmp, html) != 0) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to write %s: %s\n", html, strerror(errno));
	}
	if (err)
		unlink(tmp);

cleanup:
	free(tmp);
	sqlite3_close(db);
	return err ? 1 : 0;
}
