// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * frame_sse: the event-stream format of the WHATWG HTML standard (9.2),
 * as a byte-at-a-time state machine with memchr fast paths for data
 * values and comments. No line is buffered: a field's name is matched as it
 * arrives (at most 8 bytes are kept) and its value goes straight to where
 * it belongs, so memory is the event's data plus two small fixed fields.
 * The only thing carried across feeds besides the event is whether the last
 * byte was a CR, whose "\n" (if it comes) belongs to the same line end.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/frame_sse.h"
#include "wire/wire_buf.h"

enum {
	SS_START = 0, /* at a line's start */
	SS_NAME,      /* in a field name */
	SS_SPACE,     /* just after the colon: one space may follow */
	SS_VALUE,     /* in a field's value */
	SS_SKIP,      /* in a comment or a line dropped after a gap */
};

enum {
	SF_OTHER = 0,
	SF_DATA,
	SF_EVENT,
	SF_ID,
	SF_RETRY,
};

#define SSE_MIN_CAP 1024
#define SSE_KEEP_CAP (256u << 10)
#define SSE_RETRY_MAX 1000000000000ll /* a retry past this is kept at this */

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

void sse_parser__init(struct sse_parser *p, size_t max)
{
	memset(p, 0, sizeof(*p));
	p->max = wire_buf__limit(max, SSE_DEFAULT_MAX);
	p->retry = -1;
}

void sse_parser__free(struct sse_parser *p)
{
	wire_buf__free(&p->data, &p->data_len, &p->data_cap);
}

/* Forgets the event in progress; gives back a buffer one big event grew. */
static void clear_event(struct sse_parser *p)
{
	p->data_len = 0;
	p->type_len = 0;
	p->id_len = 0;
	p->has_data = p->has_id = p->truncated = false;
	p->retry = -1;
	wire_buf__shrink(&p->data, &p->data_cap, SSE_KEEP_CAP);
}

void sse_parser__reset(struct sse_parser *p)
{
	clear_event(p);
	p->state = SS_START;
	p->bom = 0;
	p->after_cr = false;
	p->discard = false;
}

void sse_parser__gap(struct sse_parser *p)
{
	clear_event(p);
	/* The line in progress may be any part of any field: drop it, then
	 * drop the rest of its event at the next blank line. */
	p->state = SS_SKIP;
	p->discard = true;
	p->after_gap = true;
	p->bom = 3;
	p->after_cr = false;
}

/* Appends to data what still fits under max (one byte more is always
 * there for the NUL). */
static void data_append(struct sse_parser *p, const char *s, size_t n)
{
	size_t room = p->max - p->data_len;

	if (n > room) {
		n = room;
		p->truncated = true;
	}
	if (n == 0)
		return;
	if (wire_buf__reserve(&p->data, &p->data_cap, p->data_len + n + 1, SSE_MIN_CAP,
			      p->max + 1) < 0) {
		p->truncated = true;
		return;
	}
	memcpy(p->data + p->data_len, s, n);
	p->data_len += n;
}

static void field_append(struct sse_parser *p, char *dst, size_t *len, const char *s, size_t n)
{
	if (n > SSE_FIELD_MAX - *len) {
		n = SSE_FIELD_MAX - *len;
		p->truncated = true;
	}
	memcpy(dst + *len, s, n);
	*len += n;
}

/* The field name is complete: decide where its value goes. */
static void field_begin(struct sse_parser *p)
{
	const char *n = p->fname;
	size_t l = p->fname_len;

	p->field = SF_OTHER;
	if (l == 4 && !memcmp(n, "data", 4)) {
		p->field = SF_DATA;
		if (p->has_data)
			data_append(p, "\n", 1);
		p->has_data = true;
	} else if (l == 5 && !memcmp(n, "event", 5)) {
		p->field = SF_EVENT;
		p->type_len = 0;
	} else if (l == 2 && !memcmp(n, "id", 2)) {
		p->field = SF_ID;
		p->id_len = 0;
		p->has_id = true;
	} else if (l == 5 && !memcmp(n, "retry", 5)) {
		p->field = SF_RETRY;
		p->retry_val = 0;
		p->retry_ok = false; /* true once a digit is seen */
	}
}

static void value_bytes(struct sse_parser *p, const char *s, size_t n)
{
	size_t i;

	switch (p->field) {
	case SF_DATA:
		data_append(p, s, n);
		break;
	case SF_EVENT:
		field_append(p, p->type, &p->type_len, s, n);
		break;
	case SF_ID:
		/* An id holding a NUL is ignored (as browsers do). */
		if (memchr(s, '\0', n))
			p->has_id = false;
		field_append(p, p->id, &p->id_len, s, n);
		break;
	case SF_RETRY:
		for (i = 0; i < n; i++) {
			if (s[i] < '0' || s[i] > '9') {
				p->field = SF_OTHER; /* not all digits: ignored */
				p->retry_ok = false;
				return;
			}
			p->retry_ok = true;
			if (p->retry_val < SSE_RETRY_MAX)
				p->retry_val = p->retry_val * 10 + (s[i] - '0');
		}
		break;
	default:
		break;
	}
}

static void field_end(struct sse_parser *p)
{
	if (p->field == SF_RETRY && p->retry_ok)
		p->retry = p->retry_val < SSE_RETRY_MAX ? p->retry_val : SSE_RETRY_MAX;
	p->field = SF_OTHER;
}

static void dispatch(struct sse_parser *p, sse_event_fn fn, void *ctx)
{
	struct sse_event ev;

	if (p->discard) {
		p->discard = false;
		clear_event(p);
		return;
	}
	if (!p->has_data && !p->has_id && p->retry < 0) {
		clear_event(p);
		return;
	}
	p->type[p->type_len] = '\0';
	p->id[p->id_len] = '\0';
	if (p->data)
		p->data[p->data_len] = '\0';
	ev.type = p->type_len ? p->type : "message";
	ev.id = p->has_id ? p->id : NULL;
	ev.data = p->data ? p->data : "";
	ev.data_len = p->data_len;
	ev.retry = p->retry;
	ev.empty = !p->has_data;
	ev.truncated = p->truncated;
	ev.after_gap = p->after_gap;
	p->after_gap = false;
	p->events++;
	fn(ctx, &ev);
	clear_event(p);
}

/* Position of the first CR or LF in s[0..n), or n. A plain loop: two
 * memchr calls would rescan the feed for each line of a CR-only stream. */
static size_t line_span(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n')
			break;
	return i;
}

static void parse(struct sse_parser *p, const char *s, size_t n, sse_event_fn fn, void *ctx)
{
	const char *end = s + n;

	while (s < end) {
		char c = *s;
		size_t k;

		if (p->after_cr) {
			p->after_cr = false;
			if (c == '\n') {
				s++;
				continue;
			}
		}
		if (c == '\r' || c == '\n') {
			/* A line ends; which kind of line says what it does. */
			p->after_cr = c == '\r';
			s++;
			switch (p->state) {
			case SS_START:
				dispatch(p, fn, ctx);
				break;
			case SS_NAME: /* "data" alone: the field with an empty value */
				field_begin(p);
				field_end(p);
				break;
			case SS_SPACE:
			case SS_VALUE:
				field_end(p);
				break;
			default:
				break;
			}
			p->state = SS_START;
			continue;
		}
		switch (p->state) {
		case SS_START:
			if (c == ':') {
				p->comments++;
				p->state = SS_SKIP;
				s++;
				break;
			}
			p->fname_len = 0;
			p->state = SS_NAME;
			/* fall through */
		case SS_NAME:
			if (c == ':') {
				field_begin(p);
				p->state = SS_SPACE;
			} else if (p->fname_len < sizeof(p->fname)) {
				p->fname[p->fname_len++] = c;
			}
			s++;
			break;
		case SS_SPACE:
			p->state = SS_VALUE;
			if (c == ' ') {
				s++;
				break;
			}
			/* fall through */
		case SS_VALUE:
			k = line_span(s, end - s);
			value_bytes(p, s, k);
			s += k;
			break;
		case SS_SKIP:
		default:
			s += line_span(s, end - s);
			break;
		}
	}
}

void sse_parser__feed(struct sse_parser *p, const char *data, size_t len, sse_event_fn fn,
		      void *ctx)
{
	/* A BOM may come split over feeds; bom counts the bytes of it seen
	 * (3: no longer at the stream's start). A near miss is parsed as the
	 * stream's first bytes after all. */
	while (p->bom < 3 && len > 0) {
		if (*data == bom[p->bom]) {
			p->bom++;
			data++;
			len--;
			continue;
		}
		parse(p, bom, p->bom, fn, ctx);
		p->bom = 3;
	}
	parse(p, data, len, fn, ctx);
}
