/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * frame_sse: cuts a text/event-stream body (Server-Sent Events) into events.
 * It is fed the decoded body bytes of one HTTP response (see frame_http) in
 * any chunking; an event may span any number of feeds and a feed may hold
 * many events.
 *
 * Lines end with "\n", "\r\n" or "\r". Fields: "event:", "id:", "data:"
 * (several data lines join with "\n"), "retry:" (digits only, else ignored);
 * one space after the colon is dropped; lines starting with ':' are comments
 * (the SDK's ": keepalive"); other fields are ignored. A blank line ends an
 * event. An event is handed on if it had a data line, an id line or a valid
 * retry line: an event without data (a priming event, "id: x\n\n") comes
 * with empty set. A byte order mark at the stream's start is skipped. An
 * unterminated event at the end of the stream is never handed on.
 *
 * Unlike a browser, id is this event's own id line, not the stream's last
 * event id: a tracer wants what was on the wire.
 *
 * Memory is bounded: data is kept up to max bytes (the rest is dropped and
 * the event comes truncated), the event name and id up to SSE_FIELD_MAX.
 */
#ifndef MT_FRAME_SSE_H
#define MT_FRAME_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* sse_parser__init(p, 0) keeps data up to this long. */
#define SSE_DEFAULT_MAX (16u << 20)
/* Longest event name or id kept; longer ones are cut and flag truncated. */
#define SSE_FIELD_MAX 1024

struct sse_event {
	const char *type; /* the event: field, "message" if none or empty */
	const char *id;	  /* the id: field, NULL if the event had none */
	const char *data; /* data lines joined with '\n'; NUL-terminated */
	size_t data_len;
	int64_t retry;	/* the retry: field in ms, -1 if none */
	bool empty;	/* no data: line at all (priming or retry-only event) */
	bool truncated; /* data, type or id was longer than kept */
	bool after_gap; /* bytes before this event were lost */
};

/* All pointers are valid only during the call. fn must not call back into
 * the parser. */
typedef void (*sse_event_fn)(void *ctx, const struct sse_event *ev);

struct sse_parser {
	size_t max;	   /* longest data kept */
	uint64_t events;   /* events handed on */
	uint64_t comments; /* comment lines seen */
	/* private: */
	char *data;
	size_t data_len, data_cap;
	char type[SSE_FIELD_MAX + 1], id[SSE_FIELD_MAX + 1];
	size_t type_len, id_len;
	char fname[8];
	size_t fname_len;
	int64_t retry, retry_val;
	int state, field, bom;
	bool has_data, has_id, truncated, retry_ok, after_cr, discard, after_gap;
};

/* max 0 means SSE_DEFAULT_MAX. */
void sse_parser__init(struct sse_parser *p, size_t max);
/* Calls fn once per complete event, in order. */
void sse_parser__feed(struct sse_parser *p, const char *data, size_t len, sse_event_fn fn,
		      void *ctx);
/* Bytes were lost before the next feed: the event in progress is dropped,
 * and so is everything up to the next blank line; the next event handed on
 * has after_gap set. */
void sse_parser__gap(struct sse_parser *p);
/* A new stream starts (the next response body): forget any unterminated
 * event and expect a byte order mark again. Keeps max and the counters. */
void sse_parser__reset(struct sse_parser *p);
void sse_parser__free(struct sse_parser *p);

#endif
