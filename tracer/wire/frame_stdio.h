/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * frame_stdio: cuts one direction of a byte stream into newline-terminated
 * lines, the stdio framing of MCP. Bytes come in any chunking; a line may
 * span any number of chunks and a chunk may hold many lines.
 *
 * Only lines that look like JSON (first non-blank byte '{' or '[') are
 * buffered and handed on; other lines are counted and skipped without being
 * stored, so a binary or log stream costs no memory. A line longer than
 * max bytes is handed on truncated (its first max bytes) and the rest of it
 * is skipped.
 */
#ifndef MT_FRAME_STDIO_H
#define MT_FRAME_STDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINE_TRUNCATED 0x1 /* the line was longer than max; this is its head */
#define LINE_AFTER_GAP 0x2 /* bytes before this line were lost */

/* line_framer__init(f, 0) keeps lines up to this long. */
#define LINE_FRAMER_DEFAULT_MAX (16u << 20)

/* line excludes the '\n' and a trailing '\r'. */
typedef void (*line_fn)(void *ctx, const char *line, size_t len, unsigned flags);

struct line_framer {
	char *buf;
	size_t len, cap;
	size_t max; /* longest line kept */
	size_t line_bytes; /* bytes of the current line seen so far */
	uint64_t cut_bytes; /* of those, bytes the kernel did not copy (line_framer__cut) */
	int state; /* private */
	unsigned pending_flags; /* private */
	uint64_t json_lines; /* lines handed on */
	uint64_t other_lines; /* lines skipped as not JSON */
	uint64_t other_bytes; /* their bytes, without the newlines */
	uint64_t truncated_lines; /* lines handed on with LINE_TRUNCATED */
	uint64_t lost_lines; /* partial JSON lines dropped by a gap or by a
				failed allocation */
};

/* max 0 means LINE_FRAMER_DEFAULT_MAX. The framer holds at most about max
 * bytes, and frees a large buffer once its line is done. */
void line_framer__init(struct line_framer *f, size_t max);
/* Calls fn once per complete JSON line, in order. The line starts at its
 * first '{' or '[' (leading blanks are not kept). line points into data
 * (no copy) when the whole line lies in this feed, else into the framer's
 * buffer; either way it is valid only during the call. The flag
 * LINE_AFTER_GAP stays pending across blank and non-JSON lines until the
 * next JSON line carries it. If the buffer cannot grow, the partial line is
 * dropped as if by a gap. fn must not call back into this framer. */
void line_framer__feed(struct line_framer *f, const char *data, size_t len, line_fn fn, void *ctx);
/* Bytes were lost before the next feed: drop the partial line and resync
 * at the next newline. */
void line_framer__gap(struct line_framer *f);
/* Bytes were skipped before the next feed, which starts a line: drop the
 * partial line, if any. */
void line_framer__restart(struct line_framer *f);
/* Counts lines that are not JSON from zero again. */
void line_framer__forget_other(struct line_framer *f);
/* skipped bytes were deliberately not copied (over the per-syscall cap);
 * ends_line says the last of them was a newline. A JSON line in progress
 * is handed on with LINE_TRUNCATED, its head only, when its end is known
 * (now if ends_line, else at its newline); line_bytes, read inside fn,
 * is then the line's whole size. */
void line_framer__cut(struct line_framer *f, uint64_t skipped, bool ends_line, line_fn fn,
		      void *ctx);
void line_framer__free(struct line_framer *f);

#endif
