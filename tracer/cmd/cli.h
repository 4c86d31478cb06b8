/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cli: what every subcommand shares: range-checked numbers from the
 * command line, the default trace DB, and the subcommand table.
 */
#ifndef MT_CLI_H
#define MT_CLI_H

#include <stdint.h>

#define MCPTRACE_VERSION "0.1.0"

/* The trace DB every command writes or reads when not given --db. */
#define CLI_DEFAULT_DB "mcptrace.db"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Parses a byte count with an optional k, m or g suffix (powers of 1024)
 * into [min, max]. Returns 0, or -EINVAL after printing what is wrong. */
int cli__parse_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* Parses a decimal integer in [min, max]. Returns 0 or -EINVAL, as above. */
int cli__parse_int(const char *opt, const char *text, long long min, long long max, long long *out);

/* "mcptrace: MESSAGE (see mcptrace CMD --help)" on stderr; returns 2, the
 * exit status of a usage error. */
int cli__usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage error for getopt_long's ':' (an option without its argument)
 * or '?' (an unknown option), naming the option as typed; returns 2. */
int cli__getopt_error(const char *cmd, int c, int argc, char **argv);

#endif
