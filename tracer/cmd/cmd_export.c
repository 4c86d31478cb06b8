// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace export: one table of a trace DB, every row and every column, as
 * JSON Lines or CSV, for tools that do not speak SQLite (pandas, jq, a
 * spreadsheet). This file reads the options and opens the files; the
 * writing is export.c's.
 *
 * Rows are streamed: one SELECT, each row written as it is stepped, so a
 * table of millions of messages needs no more memory than one row. The
 * SELECT is one read transaction, so the export is a consistent snapshot
 * even while another mcptrace writes the DB. Columns come from the table
 * itself (SELECT *), so columns a later schema adds are exported too.
 *
 * Integers are copied as SQLite holds them, never through a double:
 * nanosecond times are past 2^53. NULL is null in JSON and an empty field
 * in CSV; CSV follows RFC 4180 (CRLF line ends, a header row, fields with a
 * comma, quote, CR or LF quoted with quotes doubled).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/export.h"
#include "db/store.h"

static const char export_help[] =
    "Usage: mcptrace export --format FORMAT [TABLE] [--db FILE] [-o FILE]\n"
    "       mcptrace export --help\n"
    "\n"
    "Writes every row and column of one table of a trace DB, in id order.\n"
    "Works while mcptrace writes the DB (the export is one snapshot).\n"
    "\n"
    "FORMAT := { jsonl | csv }\n"
    "   jsonl   one JSON object per row; integers exact, NULL as null\n"
    "   csv     RFC 4180: a header row, CRLF line ends, NULL as an empty field\n"
    "TABLE := { calls | messages | sessions | runs | processes | losses | parse_errors }\n"
    "           (default calls)\n"
    "OPTIONS := { --format FORMAT | --db FILE | -o FILE | --help }\n"
    "   -f, --format FORMAT   required\n"
    "   -d, --db FILE         trace DB to read (default " CLI_DEFAULT_DB ")\n"
    "   -o, --output FILE     write to FILE instead of stdout\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace export --format csv -o calls.csv\n"
    "   mcptrace export --format jsonl messages | jq -r 'select(.truncated == 1) | .id'\n"
    "   mcptrace export -f csv sessions -d trace.db -o sessions.csv\n"
    "\n"
    "Exit status: 0 done, 1 the DB could not be read or FILE written, 2 usage error.\n";

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *path = CLI_DEFAULT_DB, *out_path = NULL, *table = "calls";
	struct stat db_st, out_st;
	enum export_format fmt = EXPORT_JSONL;
	bool have_fmt = false;
	sqlite3 *db = NULL;
	FILE *out = stdout;
	int c, fd = -1, err = 0;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":hd:f:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
				fmt = EXPORT_JSONL;
			else if (!strcmp(optarg, "csv"))
				fmt = EXPORT_CSV;
			else
				return cli__usage_error(
				    "export", "--format takes jsonl or csv, not '%s'", optarg);
			have_fmt = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(export_help, stdout);
			return 0;
		default:
			return cli__getopt_error("export", c, argc, argv);
		}
	}
	if (optind < argc)
		table = argv[optind++];
	if (optind < argc)
		return cli__usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (!have_fmt)
		return cli__usage_error("export",
					"which format? give --format jsonl or --format csv");
	if (!export__has_table(table))
		return cli__usage_error("export",
					"no table '%s'; TABLE is calls, messages, sessions, runs, "
					"processes, losses or parse_errors",
					table);
	if (!*path)
		return cli__usage_error("export", "--db needs a file name");
	if (out_path && !*out_path)
		return cli__usage_error("export", "-o needs a file name");

	if (store__open_readonly(&db, path))
		return 1;
	if (out_path && strcmp(out_path, "-")) {
		/* fopen "w" truncates: never let that be the DB itself */
		if (stat(out_path, &out_st) == 0 && stat(path, &db_st) == 0 &&
		    out_st.st_dev == db_st.st_dev && out_st.st_ino == db_st.st_ino) {
			fprintf(stderr, "mcptrace: %s is the trace DB; export to another file\n",
				out_path);
			err = -EINVAL;
			goto cleanup;
		}
		/* Bodies may hold what the traced programs said in confidence:
		 * a new file is the owner's alone, as the trace DB is. */
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!out) {
			if (fd >= 0)
				close(fd);
			err = -errno;
			fprintf(stderr, "mcptrace: failed to create %s: %s\n", out_path,
				strerror(errno));
			out = stdout;
			goto cleanup;
		}
	}
	err = export__write(db, out, table, fmt);
	if (!err && fflush(out) != 0) {
		fprintf(stderr, "mcptrace: failed to write the export: %s\n", strerror(errno));
		err = -EIO;
	}

cleanup:
	if (out != stdout && fclose(out) != 0 && !err) {
		fprintf(stderr, "mcptrace: failed to write %s: %s\n", out_path, strerror(errno));
		err = -EIO;
	}
	sqlite3_close(db);
	return err ? 1 : 0;
}
