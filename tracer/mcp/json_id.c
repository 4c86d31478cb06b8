/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_id: one spelling for every JSON-RPC id and progress token. Peers
 * may write the same id differently ("1.0" and "1", "\u0041" and "A");
 * correlation keys on text, so the text is rebuilt from what cJSON
 * decoded, one canonical way, and 1 and "1" still stay apart.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mcp/json_id.h"

/* The letter after the backslash of a two-byte escape, or 0. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	}
	return 0;
}

/* JSON string text of s. cJSON has already decoded the escapes, so this
 * writes the one canonical spelling: \" \\ \b \f \n \r \t, \u00XX for other
 * control bytes, everything else (UTF-8 included, and '/') as is. */
static char *quote(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u;
	size_t n = 2;
	char *d, *q;

	for (u = (const unsigned char *)s; *u; u++) {
		if (short_escape(*u))
			n += 2;
		else if (*u < 0x20)
			n += 6;
		else
			n++;
	}
	d = malloc(n + 1);
	if (!d)
		return NULL;
	q = d;
	*q++ = '"';
	for (u = (const unsigned char *)s; *u; u++) {
		char e = short_escape(*u);

		if (e) {
			*q++ = '\\';
			*q++ = e;
		} else if (*u < 0x20) {
			memcpy(q, "\\u00", 4);
			q[4] = hex[*u >> 4];
			q[5] = hex[*u & 0xf];
			q += 6;
		} else {
			*q++ = (char)*u;
		}
	}
	*q++ = '"';
	*q = '\0';
	return d;
}

/*
 * The canonical text of a number id or token. cJSON keeps only the double,
 * so the input spelling is gone; we choose: a finite integral value below
 * 2^63 in magnitude prints as an integer ("1.0", "1e3", "-0" give "1",
 * "1000", "0"), anything else with %.17g, which round-trips a double. Both
 * peers' spellings of one id parse to one double, so they meet. Integers
 * past 2^53 lose precision in the double; no MCP SDK sends those.
 */
static char *number_text(double v)
{
	char tmp[40], *q = tmp + sizeof(tmp);

	if (isfinite(v) && v == floor(v) && v >= -9223372036854775808.0 &&
	    v < 9223372036854775808.0) {
		/* By hand: every id takes this path, and printf is slow. */
		long long x = (long long)v;
		unsigned long long u = x < 0 ? 0ull - (unsigned long long)x : (unsigned long long)x;

		*--q = '\0';
		do {
			*--q = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (x < 0)
			*--q = '-';
		return strdup(q);
	}
	snprintf(tmp, sizeof(tmp), "%.17g", v);
	return strdup(tmp);
}

int json_id__text(char **dst, const cJSON *item)
{
	if (cJSON_IsString(item) && item->valuestring)
		*dst = quote(item->valuestring);
	else if (cJSON_IsNumber(item))
		*dst = number_text(item->valuedouble);
	else if (cJSON_IsNull(item))
		*dst = strdup("null");
	else
		return 0;
	return *dst ? 0 : -ENOMEM;
}

const cJSON *json__member(const cJSON *obj, const char *name)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

int json__copy_str(char **dst, const cJSON *item)
{
	if (!cJSON_IsString(item) || !item->valuestring)
		return 0;
	*dst = strdup(item->valuestring);
	return *dst ? 0 : -ENOMEM;
}
