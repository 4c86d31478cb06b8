// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * text: strings from traced programs made safe for a terminal, their
 * width in columns, and the aligned tables of the read commands (see
 * text.h). Only output: nothing here reads the DB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/text.h"

size_t text__utf8_seq(const unsigned char *s, size_t n, unsigned int *cp)
{
	size_t len, i;
	unsigned int c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

char *text__sanitize(const char *s, size_t len, bool keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len + 1), *o = out;
	unsigned int cp;
	size_t i = 0, n;

	if (!out)
		return NULL;
	while (i < len) {
		n = text__utf8_seq(p + i, len - i, &cp);
		if (!n) {
			*o++ = '?';
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			*o++ = keep_newlines && (cp == '\n' || cp == '\t') ? (char)cp : '?';
		} else {
			memcpy(o, p + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

int text__width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Whether code point cp is one a terminal acts on: C0, DEL, C1. */
static bool is_control(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

void text__put_padded(FILE *out, const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), n;
	unsigned int cp;

	while (left) {
		n = text__utf8_seq(p, left, &cp);
		if (!n || is_control(cp))
			fputc('?', out);
		else
			fwrite(p, 1, n, out);
		n = n ? n : 1;
		p += n;
		left -= n;
	}
	if (width > text__width(s))
		fprintf(out, "%*s", width - text__width(s), "");
}

size_t text__escape(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s), used = 0, n;
	unsigned int cp;
	char esc[12];

	if (!size)
		return 0;
	while (left) {
		const char *put = esc;
		size_t put_len;

		n = text__utf8_seq(p, left, &cp);
		if (!n)
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else if (is_control(cp))
			snprintf(esc, sizeof(esc), cp < 0x80 ? "\\x%02x" : "\\u%04x", cp);
		else if (cp == '\\')
			snprintf(esc, sizeof(esc), "\\\\");
		else
			put = (const char *)p;
		put_len = put == esc ? strlen(esc) : n;
		if (used + put_len >= size)
			break; /* cut between characters, never inside an escape */
		memcpy(buf + used, put, put_len);
		used += put_len;
		n = n ? n : 1;
		p += n;
		left -= n;
	}
	buf[used] = '\0';
	return used;
}

void text__put_markup(FILE *out, const char *s, const char *apos, const char *ctrl,
		      bool keep_tab_nl)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs(apos, out);
			break;
		default:
			if ((ch < 0x20 && !(keep_tab_nl && (ch == '\t' || ch == '\n'))) ||
			    ch == 0x7f)
				fputs(ctrl, out);
			else
				fputc(ch, out);
		}
	}
}

void qtable__init(struct qtable *t, size_t n_cols, const char *const *heads, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->n_cols = n_cols;
	t->heads = heads;
	t->align = align;
}

int qtable__add(struct qtable *t, const char *const *cells)
{
	char **nc;
	size_t i, ncap, base;

	if (t->n_rows == t->cap_rows) {
		ncap = t->cap_rows ? t->cap_rows * 2 : 32;
		nc = realloc(t->cells, ncap * t->n_cols * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap_rows = ncap;
	}
	base = t->n_rows * t->n_cols;
	for (i = 0; i < t->n_cols; i++) {
		const char *c = cells[i] ? cells[i] : "-";

		t->cells[base + i] = text__sanitize(c, strlen(c), false);
		if (!t->cells[base + i]) {
			while (i--)
				free(t->cells[base + i]);
			return -ENOMEM;
		}
	}
	t->n_rows++;
	return 0;
}

static void put_cell(FILE *out, const char *s, int width, char align, bool last)
{
	int pad = width - text__width(s);

	if (pad < 0 || last)
		pad = 0;
	if (align == 'r')
		fprintf(out, "%*s%s", pad, "", s);
	else
		fprintf(out, "%s%*s", s, pad, "");
}

void qtable__print(const struct qtable *t, FILE *out)
{
	int widths[32] = {0}, w;
	size_t r, c, n_cols = t->n_cols < 32 ? t->n_cols : 32;

	for (c = 0; c < n_cols; c++)
		widths[c] = text__width(t->heads[c]);
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < n_cols; c++) {
			w = text__width(t->cells[r * t->n_cols + c]);
			if (w > widths[c])
				widths[c] = w < TEXT_WIDTH_MAX ? w : TEXT_WIDTH_MAX;
		}
	}
	for (c = 0; c < n_cols; c++) {
		if (c)
			fputs("  ", out);
		put_cell(out, t->heads[c], widths[c], t->align[c], c + 1 == n_cols);
	}
	fputc('\n', out);
	for (r = 0; r < t->n_rows; r++) {
		for (c = 0; c < n_cols; c++) {
			if (c)
				fputs("  ", out);
			put_cell(out, t->cells[r * t->n_cols + c], widths[c], t->align[c],
				 c + 1 == n_cols);
		}
		fputc('\n', out);
	}
}

void qtable__free(struct qtable *t)
{
	size_t i;

	for (i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n_rows = t->cap_rows = 0;
}
