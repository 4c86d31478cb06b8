/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream_http: from an HTTP/1.x connection's bytes to JSON-RPC payloads,
 * each with the head it came under (see stream_http.h). frame_http does
 * the HTTP framing and decoding, frame_sse the event streams; this file
 * only decides what a body is (JSON, an event stream, or neither), keeps
 * a JSON body until its end, and holds back requests whose session is
 * named only by their response.
 */
#include <stdlib.h>
#include <string.h>

#include "wire/frame_http.h"
#include "wire/frame_sse.h"
#include "wire/stream_http.h"

/* Requests held for the head of their response: as many as are pipelined,
 * up to the number of requests frame_http keeps awaiting an answer. */
#define HELD_MAX HTTP_FIFO_MAX

enum body_kind {
	BODY_OTHER,
	BODY_JSON,
	BODY_SSE,
};

/* A copy of what a head says, owned, behind an http_info. */
struct head_copy {
	struct http_info info;
	char *method, *target, *sid, *proto;
	char *mcp_method, *mcp_name; /* 2026-07-28 request headers */
};

struct side {
	bool active;
	struct head_copy head;
	enum body_kind kind;
	char *buf; /* a JSON body, up to max bytes */
	size_t len, cap, wire;
	bool emitted; /* a JSON-RPC payload of this message was handed on */
	struct sse_parser sse;
	bool sse_ready;
};

/* A request payload waiting for the head of its response. */
struct held {
	struct wire_line line;
	char *text;
	struct head_copy head;
};

/* The session a request named, and the protocol version it spoke, kept
 * for its response's head, which need not repeat them (a GET stream's
 * events belong to the session its request named; a 2026-07-28 answer
 * belongs to that era's session). */
struct exchange_sid {
	uint64_t exchange;
	char *sid, *proto;
};

#define SID_MEMORY 32

struct http_stream {
	struct http_conn *conn;
	struct exchange_sid sids[SID_MEMORY];
	struct side side[2];
	struct wire_line base; /* the record being fed */
	int cur_dir; /* for the SSE callback */
	size_t max;
	http_emit_fn emit;
	http_error_fn error;
	void *ctx;
	struct held *held; /* grown by doubling up to HELD_MAX */
	size_t nheld, cap;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void head_free(struct head_copy *h)
{
	free(h->method);
	free(h->target);
	free(h->sid);
	free(h->proto);
	free(h->mcp_method);
	free(h->mcp_name);
	memset(h, 0, sizeof(*h));
}

static void head_set(struct head_copy *h, const struct http_head *src)
{
	head_free(h);
	h->method = dup_or_null(src->method);
	h->target = dup_or_null(src->target);
	h->sid = dup_or_null(http_head__get(src, "mcp-session-id"));
	h->proto = dup_or_null(http_head__get(src, "mcp-protocol-version"));
	h->mcp_method = dup_or_null(http_head__get(src, "mcp-method"));
	h->mcp_name = dup_or_null(http_head__get(src, "mcp-name"));
	h->info = (struct http_info){
		.response = src->response,
		.status = src->status,
		.exchange = src->exchange,
		.method = h->method,
		.target = h->target,
		.session_id = h->sid,
		.protocol_version = h->proto,
		.mcp_method = h->mcp_method,
		.mcp_name = h->mcp_name,
	};
}

static void head_copy(struct head_copy *dst, const struct head_copy *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->method = dup_or_null(src->method);
	dst->target = dup_or_null(src->target);
	dst->sid = dup_or_null(src->sid);
	dst->proto = dup_or_null(src->proto);
	dst->mcp_method = dup_or_null(src->mcp_method);
	dst->mcp_name = dup_or_null(src->mcp_name);
	dst->info = src->info;
	dst->info.method = dst->method;
	dst->info.target = dst->target;
	dst->info.session_id = dst->sid;
	dst->info.protocol_version = dst->proto;
	dst->info.mcp_method = dst->mcp_method;
	dst->info.mcp_name = dst->mcp_name;
}

static bool emit(struct http_stream *h, int dir, const char *text, size_t len, size_t wire,
		 const struct http_info *info, int64_t ts)
{
	struct wire_line l = h->base;

	l.dir = (uint8_t)dir;
	l.text = text;
	l.len = len;
	l.wire_len = wire;
	l.truncated = wire > len;
	l.http = info;
	if (ts)
		l.ts_ns = ts;
	return h->emit(h->ctx, &l);
}

static void release_held(struct http_stream *h, uint64_t upto, const char *sid)
{
	size_t keep = 0;

	for (size_t i = 0; i < h->nheld; i++) {
		struct held *x = &h->held[i];

		if (upto && x->head.info.exchange > upto) {
			h->held[keep++] = *x;
			continue;
		}
		if (sid && !x->head.sid) {
			x->head.sid = strdup(sid);
			x->head.info.session_id = x->head.sid;
		}
		x->line.text = x->text;
		x->line.http = &x->head.info;
		h->emit(h->ctx, &x->line);
		free(x->text);
		head_free(&x->head);
	}
	h->nheld = keep;
}

static void hold(struct http_stream *h, int dir, struct side *sd)
{
	struct held *x;

	if (h->nheld == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 8;
		struct held *grown = cap <= HELD_MAX ? realloc(h->held, cap * sizeof(*grown)) : NULL;

		if (grown) {
			h->held = grown;
			h->cap = cap;
		} else {
			release_held(h, 0, NULL); /* no answers coming: let them go as they are */
		}
	}
	x = h->cap ? &h->held[h->nheld] : NULL;
	if (x)
		x->text = malloc(sd->len + 1);
	if (!x || !x->text) {
		emit(h, dir, sd->buf, sd->len, sd->wire, &sd->head.info, 0);
		return;
	}
	memcpy(x->text, sd->buf, sd->len);
	x->line = h->base;
	x->line.dir = (uint8_t)dir;
	x->line.len = sd->len;
	x->line.wire_len = sd->wire;
	x->line.truncated = sd->wire > sd->len;
	head_copy(&x->head, &sd->head);
	h->nheld++;
}

static void on_sse(void *ctx, const struct sse_event *ev)
{
	struct http_stream *h = ctx;
	struct side *sd = &h->side[h->cur_dir];
	struct http_info info = sd->head.info;

	if (ev->empty || !ev->data_len)
		return; /* priming events and retry hints carry no message */
	info.sse_event = ev->type;
	if (emit(h, h->cur_dir, ev->data, ev->data_len, ev->data_len + (ev->truncated ? 1 : 0),
		 &info, 0))
		sd->emitted = true;
}

static void on_head(void *ctx, enum wire_dir dir, const struct http_head *hd)
{
	struct http_stream *h = ctx;
	struct side *sd = &h->side[dir];

	if (hd->response && hd->status < 200)
		return; /* 100 Continue and kin: the final response follows */
	sd->active = true;
	sd->emitted = false;
	sd->len = sd->wire = 0;
	head_set(&sd->head, hd);
	if (!strcmp(hd->content_type, "text/event-stream")) {
		sd->kind = BODY_SSE;
		if (!sd->sse_ready)
			sse_parser__init(&sd->sse, h->max);
		else
			sse_parser__reset(&sd->sse);
		sd->sse_ready = true;
	} else if (!strcmp(hd->content_type, "application/json") ||
		   (!hd->response && !*hd->content_type)) {
		sd->kind = BODY_JSON;
	} else {
		sd->kind = BODY_OTHER;
	}
	if (!hd->response && (sd->head.sid || sd->head.proto) && hd->exchange) {
		struct exchange_sid *e = &h->sids[hd->exchange % SID_MEMORY];

		free(e->sid);
		free(e->proto);
		e->exchange = hd->exchange;
		e->sid = dup_or_null(sd->head.sid);
		e->proto = dup_or_null(sd->head.proto);
	} else if (hd->response && hd->exchange) {
		struct exchange_sid *e = &h->sids[hd->exchange % SID_MEMORY];

		if (e->exchange == hd->exchange && e->sid && !sd->head.sid) {
			sd->head.sid = strdup(e->sid);
			sd->head.info.session_id = sd->head.sid;
		}
		if (e->exchange == hd->exchange && e->proto && !sd->head.proto) {
			sd->head.proto = strdup(e->proto);
			sd->head.info.protocol_version = sd->head.proto;
		}
	}
	/* The response names the session its held requests belong to. */
	if (hd->response)
		release_held(h, hd->exchange, sd->head.sid);
}

static void on_body(void *ctx, enum wire_dir dir, const char *data, size_t len)
{
	struct http_stream *h = ctx;
	struct side *sd = &h->side[dir];

	if (!sd->active)
		return;
	if (sd->kind == BODY_SSE) {
		h->cur_dir = dir;
		sse_parser__feed(&sd->sse, data, len, on_sse, h);
		return;
	}
	if (sd->kind != BODY_JSON)
		return;
	sd->wire += len;
	if (sd->len < h->max) {
		size_t take = len < h->max - sd->len ? len : h->max - sd->len;

		if (sd->len + take > sd->cap) {
			size_t cap = sd->cap ? sd->cap : 4096;
			char *buf;

			while (cap < sd->len + take)
				cap *= 2;
			buf = realloc(sd->buf, cap);
			if (!buf)
				return;
			sd->buf = buf;
			sd->cap = cap;
		}
		memcpy(sd->buf + sd->len, data, take);
		sd->len += take;
	}
}

static void on_end(void *ctx, enum wire_dir dir, bool complete)
{
	struct http_stream *h = ctx;
	struct side *sd = &h->side[dir];
	struct http_info *info = &sd->head.info;

	(void)complete;
	if (!sd->active)
		return;
	sd->active = false;
	if (sd->kind == BODY_JSON && sd->len) {
		/* The legacy transport names the session in the target. */
		if (!info->response && !info->session_id &&
		    !(info->target && strstr(info->target, "sessionId=")))
			hold(h, dir, sd);
		else if (emit(h, dir, sd->buf, sd->len, sd->wire, info, 0))
			sd->emitted = true;
	}
	/* A failed exchange without a JSON-RPC answer still fails its calls;
	 * a DELETE answered 2xx ends its session. */
	if (info->response && !sd->emitted &&
	    (info->status >= 400 ||
	     (info->status < 300 && info->method && !strcmp(info->method, "DELETE")))) {
		info->no_payload = true;
		emit(h, dir, "", 0, 0, info, 0);
	}
	if (sd->cap > (256u << 10)) {
		free(sd->buf);
		sd->buf = NULL;
		sd->cap = 0;
	}
	sd->len = sd->wire = 0;
}

/* What could not be framed is said, never dropped in silence. */
static void on_error(void *ctx, enum wire_dir dir, const char *why)
{
	struct http_stream *h = ctx;
	struct wire_line l = h->base;

	if (!h->error)
		return;
	l.dir = dir;
	l.text = "";
	l.len = l.wire_len = 0;
	l.http = NULL;
	h->error(h->ctx, &l, why);
}

struct http_stream *http_stream__new(size_t max_msg, http_emit_fn emit_fn, http_error_fn error,
				     void *ctx)
{
	struct http_stream *h = calloc(1, sizeof(*h));
	struct http_callbacks cb = {
		.head = on_head,
		.body = on_body,
		.end = on_end,
		.error = on_error,
	};

	if (!h)
		return NULL;
	cb.ctx = h;
	h->max = max_msg;
	h->emit = emit_fn;
	h->error = error;
	h->ctx = ctx;
	h->conn = http_conn__new(&cb, max_msg);
	if (!h->conn) {
		free(h);
		return NULL;
	}
	return h;
}

void http_stream__feed(struct http_stream *h, const struct wire_line *base, const char *data,
		       size_t len)
{
	h->base = *base;
	http_conn__feed(h->conn, base->dir, data, len);
}

void http_stream__gap(struct http_stream *h, const struct wire_line *base, uint64_t lost)
{
	struct side *sd = &h->side[base->dir & 1];

	h->base = *base;
	http_conn__gap(h->conn, base->dir, lost);
	if (sd->sse_ready)
		sse_parser__gap(&sd->sse);
}

void http_stream__end(struct http_stream *h, const struct wire_line *base)
{
	h->base = *base;
	http_conn__eof(h->conn, WIRE_READ);
	http_conn__eof(h->conn, WIRE_WRITE);
	release_held(h, 0, NULL);
}

bool http_stream__aside(const struct http_stream *h)
{
	return http_conn__aside(h->conn, WIRE_READ) && http_conn__aside(h->conn, WIRE_WRITE);
}

void http_stream__free(struct http_stream *h)
{
	if (!h)
		return;
	http_conn__free(h->conn);
	for (int d = 0; d < 2; d++) {
		free(h->side[d].buf);
		head_free(&h->side[d].head);
		if (h->side[d].sse_ready)
			sse_parser__free(&h->side[d].sse);
	}
	for (size_t i = 0; i < h->nheld; i++) {
		free(h->held[i].text);
		head_free(&h->held[i].head);
	}
	free(h->held);
	for (size_t i = 0; i < SID_MEMORY; i++) {
		free(h->sids[i].sid);
		free(h->sids[i].proto);
	}
	free(h);
}
