/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * report_html: what the HTML report needs besides the data and the
 * drawings: escaping of the strings that come from the DB, and the
 * stylesheet.
 */
#ifndef MT_REPORT_HTML_H
#define MT_REPORT_HTML_H

#include <stdio.h>

/* Writes s escaped for HTML text and attribute values (both quotes too).
 * Control characters other than tab and newline, which HTML rejects or
 * renders invisibly, become U+FFFD; NULL writes nothing. */
void report_html__put(FILE *out, const char *s);

/* The stylesheet of the page, inlined in its <style>. */
extern const char report_css[];

#endif
