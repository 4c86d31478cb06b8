/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * redact: takes credentials out of one framed text (a stdio line, an HTTP
 * body, an SSE event) before anything decodes, stores or prints it. Each
 * secret found is replaced in place by a marker "[redacted:TYPE:HHHHHHHH]"
 * (HHHHHHHH: the first 8 hex digits of the SHA-256 of the secret), so equal
 * secrets stay recognisable and a secret inside a JSON string leaves the
 * JSON valid. The text may be anything: invalid JSON, invalid UTF-8, binary.
 *
 * Edges: it finds what fixed rules (token shapes, JSON member names, URL
 * passwords, PEM blocks) describe; a secret of no known shape under an
 * unlisted name passes. It keeps no state between texts; one redactor may be
 * shared by threads once its keys are added.
 */
#ifndef MT_REDACT_H
#define MT_REDACT_H

#include <stddef.h>

/* The longest name redactor__add_key() takes. */
#define REDACT_KEY_MAX 64
/* The longest marker: "[redacted:" TYPE ":" 8 hex "]", TYPE at most 12. */
#define REDACT_MARKER_MAX 32

struct redactor;

/* A redactor with the default rules and member names. NULL: out of memory. */
struct redactor *redactor__new(void);
/* Adds one more JSON member name whose string values are secrets. Names
 * compare case-insensitively with '-' and '_' ignored ("api_key" is
 * "apiKey"). -EINVAL: empty, longer than REDACT_KEY_MAX, or a byte other
 * than [A-Za-z0-9_-] (such a name could never match); -ENOMEM. */
int redactor__add_key(struct redactor *r, const char *name);
void redactor__free(struct redactor *r);
/* Redacts text[0..len) (need not be NUL-terminated). Returns 0 when there
 * is nothing to redact (*out and *out_len untouched, nothing allocated); 1
 * when *out holds the redacted text (malloc'd, NUL-terminated, *out_len
 * bytes without the NUL); -ENOMEM. Applying it to its own output changes
 * nothing. */
int redactor__apply(const struct redactor *r, const char *text, size_t len, char **out,
		    size_t *out_len);

#endif
