/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * text: what the read commands print for a terminal. Names, bodies and
 * errors come from traced programs, so what a terminal would act on
 * (control characters, C1 controls, bytes that are not UTF-8) is shown as
 * '?'; widths count code points; aligned tables are built on both.
 */
#ifndef MT_TEXT_H
#define MT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The widest a column is padded to; a longer cell pushes its row out of
 * line rather than lose its end. */
#define TEXT_WIDTH_MAX 48

/* The length of the valid UTF-8 sequence at s (of n bytes left), with its
 * code point in *cp, or 0 when it is not one (overlong forms and
 * surrogates included). */
size_t text__utf8_seq(const unsigned char *s, size_t n, unsigned int *cp);

/* s made safe for a terminal, as in tables, into a new string (NULL when
 * out of memory). keep_newlines keeps \n and \t, for bodies. */
char *text__sanitize(const char *s, size_t len, bool keep_newlines);

/* Columns a string takes: its code points (wide characters count one). */
int text__width(const char *s);

/* Writes s with C0 and C1 controls, DEL and bytes that are not UTF-8 as
 * '?', left-aligned in width columns (no padding when it is wider). */
void text__put_padded(FILE *out, const char *s, int width);

/* s for a live line: C0 and C1 controls, DEL and bytes that are not UTF-8
 * as escapes (\x1b, \u009b), a backslash as two, so nothing in it acts on
 * a terminal or splits the line. Into buf (size > 0), cut between whole
 * characters when it does not fit; returns the length written. */
size_t text__escape(const char *s, char *buf, size_t size);

/*
 * Writes s escaped for the text and attribute values of HTML or XML: &, <,
 * > and both quotes as entities, the single quote as apos (HTML wants
 * "&#39;", XML "&apos;"). A control character becomes ctrl, but for tab
 * and newline when keep_tab_nl. NULL writes nothing.
 */
void text__put_markup(FILE *out, const char *s, const char *apos, const char *ctrl,
		      bool keep_tab_nl);

/*
 * An aligned text table. Cells are copied through text__sanitize().
 * Columns are padded to their widest cell, up to TEXT_WIDTH_MAX. The last
 * column is never padded.
 */
struct qtable {
	size_t n_cols;
	const char *const *heads;
	const char *align; /* one 'l' or 'r' per column */
	char **cells;	   /* n_rows * n_cols */
	size_t n_rows, cap_rows;
};

void qtable__init(struct qtable *t, size_t n_cols, const char *const *heads, const char *align);
/* cells[n_cols]; a NULL cell is shown as "-". Returns 0 or -ENOMEM. */
int qtable__add(struct qtable *t, const char *const *cells);
void qtable__print(const struct qtable *t, FILE *out);
void qtable__free(struct qtable *t);

#endif
