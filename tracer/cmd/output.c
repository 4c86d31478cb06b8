/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output: one line per completed call while tracing. Text for people
 * (time, pid, transport, method and target, status, latency), or JSON
 * Lines for programs, with the same fields under stable names.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/json.h"
#include "cmd/output.h"
#include "cmd/text.h"
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

/* Integers exactly, never through a double: nanosecond times pass 2^53. */
static void put_int(FILE *fp, const char *k, int64_t v, bool first)
{
	fprintf(fp, "%s\"%s\":", first ? "" : ",", k);
	if (v == ST_NULL)
		fputs("null", fp);
	else
		fprintf(fp, "%lld", (long long)v);
}

/* Strings escaped so the exact text survives a parser and nothing in it
 * acts on a terminal (json__string escapes C0 and C1 controls). */
static void put_str(FILE *fp, const char *k, const char *v)
{
	fprintf(fp, ",\"%s\":", k);
	if (v)
		json__string(fp, v, strlen(v));
	else
		fputs("null", fp);
}

static void print_json(struct output *o, const struct call_view *v)
{
	FILE *fp = o->fp;

	fputc('{', fp);
	put_int(fp, "call_id", v->call_id, true);
	put_int(fp, "session_id", v->session_id, false);
	put_int(fp, "start_ns", v->start_ns, false);
	put_int(fp, "client_pid", v->client_pid, false);
	put_int(fp, "server_pid", v->server_pid, false);
	put_str(fp, "transport", v->transport);
	put_str(fp, "direction", v->direction);
	put_str(fp, "rpc_id", v->rpc_id);
	put_str(fp, "method", v->method);
	put_str(fp, "target", v->target);
	put_str(fp, "status", v->status);
	put_int(fp, "latency_ns", v->latency_ns, false);
	put_int(fp, "server_latency_ns", v->server_latency_ns, false);
	put_int(fp, "error_code", v->error_code, false);
	put_str(fp, "error_message", v->error_message);
	put_int(fp, "previous_round_id", v->previous_round_id ? v->previous_round_id : ST_NULL,
		false);
	put_int(fp, "parent_call_id", v->parent_call_id ? v->parent_call_id : ST_NULL, false);
	put_int(fp, "gateway_pid", v->gateway_pid ? v->gateway_pid : ST_NULL, false);
	fputs("}\n", fp);
}

/* Which hop through a gateway the call is: "gw G -> RESPONDER" for the call
 * the gateway made, "REQUESTER -> gw G" for the call it served so (the
 * server is the requester of an s2c call). */
static void put_hop(FILE *fp, const struct call_view *v)
{
	bool s2c = v->direction && !strcmp(v->direction, "s2c");
	int64_t requester = s2c ? v->server_pid : v->client_pid;
	int64_t responder = s2c ? v->client_pid : v->server_pid;
	int64_t other = v->parent_call_id ? responder : requester;
	char pid[24] = "?";

	if (!v->gateway_pid)
		return;
	if (other != ST_NULL)
		snprintf(pid, sizeof(pid), "%lld", (long long)other);
	if (v->parent_call_id)
		fprintf(fp, "  gw %lld -> %s", (long long)v->gateway_pid, pid);
	else
		fprintf(fp, "  %s -> gw %lld", pid, (long long)v->gateway_pid);
}

void output__call(struct output *o, const struct call_view *v)
{
	char when[32] = "-", lat[32], pid[24] = "-", method[96], target[96], what[200], err[240];

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
	/* Names and errors come from the traced programs: escaped, so a
	 * hostile one can neither drive the terminal nor forge a line. */
	text__escape(v->method ? v->method : "?", method, sizeof(method));
	text__escape(v->target ? v->target : "", target, sizeof(target));
	snprintf(what, sizeof(what), "%s%s%s", method, v->target ? " " : "", target);
	fprintf(o->fp, "%s %7s %-5s %s %-40s %-14s %10s", when, pid, v->transport, v->direction,
		what, v->status, lat);
	if (v->error_code != ST_NULL || v->error_message) {
		text__escape(v->error_message ? v->error_message : "", err, sizeof(err));
		fprintf(o->fp, "  %lld %s", v->error_code != ST_NULL ? (long long)v->error_code : 0LL,
			err);
	}
	put_hop(o->fp, v);
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
		.previous_round_id = r->previous_round_id,
		.parent_call_id = r->parent_call_id,
		.gateway_pid = c->gateway_pid,
	};
	output__call(ctx, &v);
	return 0;
}

void output__blind(struct output *o, const struct st_blind *b)
{
	char comm[3 * 32 + 1], where[160];
	const char *local = b->local_addr ? b->local_addr : "?";
	const char *remote = b->remote_addr ? b->remote_addr : "?";

	if (!o->diag)
		return;
	/* The name is the traced process's to choose: escaped like a call's
	 * method. The addresses are ours (inet_ntop). */
	text__escape(b->comm ? b->comm : "", comm, sizeof(comm));
	if (!b->role)
		snprintf(where, sizeof(where), "between %s and %s", local, remote);
	else if (!strcmp(b->role, "server"))
		snprintf(where, sizeof(where), "from %s (on %s)", remote, local);
	else
		snprintf(where, sizeof(where), "to %s", remote);
	fprintf(o->diag, "mcptrace: pid %lld (%s): TLS %s is not readable: %s\n", (long long)b->pid,
		comm, where, b->why);
	fflush(o->diag);
}

static int on_blind(void *ctx, const struct st_blind *b, bool is_new)
{
	if (is_new)
		output__blind(ctx, b);
	return 0;
}

void output__sink(struct output *o, struct sink *sink)
{
	*sink = (struct sink){ .name = "live output", .ctx = o, .call = on_call, .blind = on_blind };
}
