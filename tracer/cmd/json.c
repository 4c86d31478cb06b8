// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * json: the JSON the read commands write (see json.h): strings escaped
 * and kept valid UTF-8, SQLite rows copied with integers exact and
 * streamed, and bodies checked and pretty-printed token by token. JSON
 * Lines of the `stats` and `diff` summaries are built with cJSON instead:
 * they hold no integers past 2^53.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "cmd/json.h"
#include "cmd/text.h"

void json__string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t i = 0, n;

	fputc('"', out);
	while (i < len) {
		n = text__utf8_seq(p + i, len - i, &cp);
		if (!n) {
			fputs("\xef\xbf\xbd", out);
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			/* C1 controls too: a terminal showing the line may act
			 * on them, and the escape is the same text to a parser. */
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
				fprintf(out, "\\u%04x", cp);
			else
				fwrite(p + i, 1, n, out);
		}
		i += n;
	}
	fputc('"', out);
}

void json__value(FILE *out, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, i);

		/* JSON has no NaN or infinity */
		if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
			fputs("null", out);
		else
			fprintf(out, "%.17g", d);
		break;
	}
	case SQLITE_NULL:
		fputs("null", out);
		break;
	default: {
		/* TEXT, and a BLOB where the schema says TEXT: as text */
		const char *t = (const char *)sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i);

		json__string(out, t ? t : "", t ? (size_t)n : 0);
	}
	}
}

void json__fields(FILE *out, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);

		if (i)
			fputc(',', out);
		json__string(out, name ? name : "", name ? strlen(name) : 0);
		fputc(':', out);
		json__value(out, st, i);
	}
}

void json__row(FILE *out, sqlite3_stmt *st)
{
	fputc('{', out);
	json__fields(out, st);
	fputs("}\n", out);
}

bool json__is_valid(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	const char *end = NULL;
	unsigned int cp;
	cJSON *j;
	size_t i, n;

	/* an embedded NUL would end cJSON's view of the text early */
	if (!text || memchr(text, '\0', len))
		return false;
	for (i = 0; i < len; i += n) {
		n = text__utf8_seq(p + i, len - i, &cp);
		if (!n)
			return false;
	}
	j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!j)
		return false;
	cJSON_Delete(j);
	/* nothing but whitespace may follow the value */
	for (; end < text + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
			return false;
	return true;
}

static void newline(FILE *out, int depth)
{
	fputc('\n', out);
	fprintf(out, "%*s", depth * 2, "");
}

void json__pretty(FILE *out, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int depth = 0;

	while (p < end) {
		char c = *p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			p++;
			continue;
		}
		if (c == '"') {
			const char *q = p + 1;

			while (q < end && *q != '"')
				q += *q == '\\' ? 2 : 1;
			q = q < end ? q + 1 : end;
			/* control characters are not valid inside strings,
			 * but cJSON lets some through */
			for (; p < q; p++)
				fputc((unsigned char)*p < 0x20 ? '?' : *p, out);
			continue;
		}
		p++;
		if (c == '{' || c == '[') {
			const char *q = p;

			while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
				q++;
			if (q < end && (*q == '}' || *q == ']')) {
				fputc(c, out);
				fputc(*q, out);
				p = q + 1;
				continue;
			}
			fputc(c, out);
			newline(out, ++depth);
		} else if (c == '}' || c == ']') {
			newline(out, --depth);
			fputc(c, out);
		} else if (c == ',') {
			fputc(c, out);
			newline(out, depth);
		} else if (c == ':') {
			fputs(": ", out);
		} else {
			fputc(c, out);
		}
	}
	fputc('\n', out);
}

int json__put_line(FILE *out, cJSON *o, bool complete)
{
	char *text = o && complete ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	fprintf(out, "%s\n", text);
	cJSON_free(text);
	return 0;
}
