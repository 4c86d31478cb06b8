/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cli: what every subcommand shares: range-checked numbers from the
 * command line, and the subcommand table.
 */
#ifndef MT_CLI_H
#define MT_CLI_H

#include <stdint.h>

#define MCPTRACE_VERSION "0.1.0"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Parses a byte count with an optional k, m or g suffix (powers of 1024)
 * into [min, max]. Returns 0, or -EINVAL after printing what is wrong. */
int parse_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* Parses a decimal integer in [min, max]. Returns 0 or -EINVAL, as above. */
int parse_int(const char *opt, const char *text, long long min, long long max, long long *out);

#endif
