/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * cli: number parsing for options, and the wording of usage errors. Every
 * number a user types goes through strto* with errno and a range check,
 * and a bad one names the option; every usage error points at the
 * command's --help.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cli.h"

int cli__parse_int(const char *opt, const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		fprintf(stderr, "mcptrace: %s takes a whole number from %lld to %lld, not '%s'\n",
			opt, min, max, text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cli__parse_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (!errno && end != text && text[0] != '-') {
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		default: break;
		}
		if ((*end == 'b' || *end == 'B') && shift)
			end++;
		if (!*end && v <= (UINT64_MAX >> shift)) {
			v <<= shift;
			if (v >= min && v <= max) {
				*out = v;
				return 0;
			}
		}
	}
	fprintf(stderr,
		"mcptrace: %s takes a size from %" PRIu64 " to %" PRIu64
		" bytes (suffixes k, m, g), not '%s'\n",
		opt, min, max, text);
	return -EINVAL;
}

int cli__usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("mcptrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see mcptrace %s --help)\n", cmd);
	return 2;
}

int cli__getopt_error(const char *cmd, int c, int argc, char **argv)
{
	const char *arg = optind - 1 < argc ? argv[optind - 1] : "?";

	if (c == ':')
		return cli__usage_error(cmd, "option '%s' needs an argument", arg);
	return cli__usage_error(cmd, "unknown option '%s'", arg);
}
