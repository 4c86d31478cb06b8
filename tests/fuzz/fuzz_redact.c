// fuzz-sources: tracer/mcp/redact.c
// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Fuzz target for the redactor. The input is redacted alone, then again
 * with two planted secrets after a newline (a named JSON member and an AWS
 * key id). Each run must hold (abort otherwise): redacting the output again
 * changes nothing; the output is no longer than the input plus what its
 * markers can add; and a planted secret shows in the output no more often
 * than it already did in the fuzzed bytes, whatever came before it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp/redact.h"

#define PLANT_PW "planted-pw-7f3a"
#define PLANT_AWS "AKIAPLANTEDKEY000000"
#define PLANT "\n{\"password\":\"" PLANT_PW "\",\"k\":\"" PLANT_AWS "\"}"

static struct redactor *redactor;

static size_t count(const char *hay, size_t n, const char *needle)
{
	size_t nl = strlen(needle), c = 0;
	const char *p = hay, *end = hay + n;

	while ((p = memmem(p, (size_t)(end - p), needle, nl))) {
		c++;
		p++;
	}
	return c;
}

/* Redacts text and checks what must hold of any output; returns the output
 * (malloc'd, or NULL when text passed unchanged). */
static char *check(const char *text, size_t len, size_t *out_len)
{
	char *out = NULL, *again = NULL;
	size_t n = len, n2;
	int rc = redactor__apply(redactor, text, len, &out, &n);

	if (rc < 0 || rc > 1)
		abort();
	/* Each marker takes the place of one byte or more. */
	if (rc && n > len + count(out, n, "[redacted:") * (REDACT_MARKER_MAX - 1))
		abort();
	if (redactor__apply(redactor, rc ? out : text, n, &again, &n2) != 0)
		abort();
	*out_len = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pl = strlen(PLANT), n;
	char *buf, *out;

	if (!redactor) {
		redactor = redactor__new();
		if (!redactor || redactor__add_key(redactor, "session_key"))
			abort();
	}
	free(check((const char *)data, size, &n));

	buf = malloc(size + pl);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memcpy(buf + size, PLANT, pl);
	out = check(buf, size + pl, &n);
	if (!out || count(out, n, PLANT_PW) > count(buf, size, PLANT_PW) ||
	    count(out, n, PLANT_AWS) > count(buf, size, PLANT_AWS))
		abort();
	free(out);
	free(buf);
	return 0;
}
