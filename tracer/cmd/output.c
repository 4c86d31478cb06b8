/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output: one line per completed call while tracing. Text for people
 * (time, pid, transport, method and target, status, latency), or JSON
 * Lines for programs, with the same fields under stable names.
 */
#include <cJSON.h>
#include <stdlib.h>
#include <time.h>

#include "cmd/output.h"
#include "db/store.h"
#include "mcp/sink.h"

static void fmt_clock(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	localtime_r(&sec, &tm);
	snprintf(buf, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(ns / 1000000 % 1000));
}

static void fmt_ms(int64_t ns, char *buf, size_t size)
{
	if (ns == ST_NULL)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.3fms", (double)ns / 1e6);
}

/* As raw text: cJSON keeps numbers as doubles, which would round
 * nanosecond times (2^53 ns is only 104 days). */
static void add_int(cJSON *o, const char *k, int64_t v)
{
	char text[24];

	if (v == ST_NULL) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	snprintf(text, sizeof(text), "%lld", (long long)v);
	cJSON_AddRawToObject(o, k, text);
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void print_json(struct output *o, const struct call_view *v)
{
	cJSON *j = cJSON_CreateObject();
	char *text;

	if (!j)
		return;
	add_int(j, "call_id", v->call_id);
	add_int(j, "session_id", v->session_id);
	add_int(j, "start_ns", v->start_ns);
	add_int(j, "client_pid", v->client_pid);
	add_int(j, "server_pid", v->server_pid);
	add_str(j, "transport", v->transport);
	add_str(j, "direction", v->direction);
	add_str(j, "rpc_id", v->rpc_id);
	add_str(j, "method", v->method);
	add_str(j, "target", v->target);
	add_str(j, "status", v->status);
	add_int(j, "latency_ns", v->latency_ns);
	add_int(j, "server_latency_ns", v->server_latency_ns);
	add_int(j, "error_code", v->error_code);
	add_str(j, "error_message", v->error_message);
	text = cJSON_PrintUnformatted(j);
	if (text) {
		fprintf(o->fp, "%s\n", text);
		free(text);
	}
	cJSON_Delete(j);
}

void output__call(struct output *o, const struct call_view *v)
{
	char when[32] = "-", lat[32], pid[24] = "-", what[160];

	if (o->mode == OUTPUT_QUIET || !o->fp)
		return;
	o->lines++;
	if (o->mode == OUTPUT_JSON) {
		print_json(o, v);
		fflush(o->fp);
		return;
	}
	if (v->start_ns != ST_NULL)
		fmt_clock(v->start_ns, when, sizeof(when));
	fmt_ms(v->latency_ns, lat, sizeof(lat));
	if (v->server_pid != ST_NULL)
		snprintf(pid, sizeof(pid), "%lld", (long long)v->server_pid);
	snprintf(what, sizeof(what), "%s%s%s", v->method ? v->method : "?", v->target ? " " : "",
		 v->target ? v->target : "");
	fprintf(o->fp, "%s %7s %-5s %s %-40s %-10s %10s", when, pid, v->transport, v->direction,
		what, v->status, lat);
	if (v->error_code != ST_NULL || v->error_message)
		fprintf(o->fp, "  %lld %s", v->error_code != ST_NULL ? (long long)v->error_code : 0LL,
			v->error_message ? v->error_message : "");
	fputc('\n', o->fp);
	fflush(o->fp);
}

static int on_call(void *ctx, const struct sink_call *c)
{
	const struct st_call *r = c->row;
	const struct st_session *s = c->session;
	struct call_view v;

	if (c->phase != CALL_FINISHED)
		return 0;
	v = (struct call_view){
		.call_id = r->id,
		.session_id = s->id,
		.start_ns = r->start_ns,
		.client_pid = s->client_pid,
		.server_pid = s->server_pid,
		.transport = s->transport,
		.direction = r->direction,
		.rpc_id = r->rpc_id,
		.method = r->method,
		.target = r->target,
		.status = r->status,
		.latency_ns = r->latency_ns,
		.server_latency_ns = r->server_latency_ns,
		.error_code = r->error_code,
		.error_message = r->error_message,
	};
	output__call(ctx, &v);
	return 0;
}

void output__sink(struct output *o, struct sink *sink)
{
	*sink = (struct sink){ .name = "live output", .ctx = o, .call = on_call };
}
