// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * audit_print: the three outputs of mcptrace audit.
 *  - table: one row per finding (severity, rule, where, server, tool, what),
 *    then the evidence of each: its excerpt, and a definition's diff. Every
 *    string from the trace goes through text.c's terminal escaping (on top
 *    of the audit's own cleaning, which already shows invisible characters
 *    as <U+XXXX>), so a tool name cannot drive the terminal.
 *  - json: JSON Lines, a finding an object, a summary last.
 *  - sarif: SARIF 2.1.0 (OASIS), shaped for GitHub code scanning: every
 *    rule with its descriptions and help, every result with a message, a
 *    physical location (the DB file, line 1: a trace has no lines, and
 *    code scanning shows only results located in a file), a logical
 *    location naming the DB row ("messages/42"), and partialFingerprints
 *    from the finding's fingerprint so alerts stay the same alert from one
 *    run to the next.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/audit_print.h"
#include "cmd/cli.h"
#include "cmd/json.h"
#include "cmd/text.h"

size_t audit_print__count(const struct audit_result *r, enum audit_sev sev)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += !r->v[i].baselined && r->v[i].sev >= sev;
	return n;
}

/* "name version (command)" or "name version url"; "-" when unknown. */
static void server_words(char *buf, size_t size, const struct audit_finding *f)
{
	snprintf(buf, size, "%s%s%s%s%s%s%s", f->server_name ? f->server_name : "?",
		 f->server_version ? " " : "", f->server_version ? f->server_version : "",
		 f->server_command ? " (" : "", f->server_command ? f->server_command : "",
		 f->server_command ? ")" : "", "");
	if (f->server_url) {
		size_t n = strlen(buf);

		snprintf(buf + n, size - n, " %s", f->server_url);
	}
}

static const char *const table_heads[] = {"#",	  "SEVERITY", "RULE", "SESSION",
					  "MSG", "SERVER",   "TOOL", "FINDING"};

/* s escaped for a terminal, indented lines. */
static void put_lines(FILE *out, const char *indent, const char *s)
{
	while (s && *s) {
		size_t n = strcspn(s, "\n");
		char *line = strndup(s, n);

		fputs(indent, out);
		if (line)
			text__put_padded(out, line, 0);
		fputc('\n', out);
		free(line);
		s += n + (s[n] == '\n');
	}
}

void audit_print__table(FILE *out, const struct audit_result *r, const struct audit_print *p)
{
	struct qtable t;
	size_t shown = 0, by_sev[4] = {0};
	char num[24], sess[24], msg[24], server[512];

	qtable__init(&t, 8, table_heads, "rllrrlll");
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_finding *f = &r->v[i];
		const char *cells[8];

		if (f->baselined)
			continue;
		shown++;
		by_sev[f->sev]++;
		snprintf(num, sizeof(num), "%zu", shown);
		snprintf(sess, sizeof(sess), "%" PRId64, f->session_id);
		snprintf(msg, sizeof(msg), "%" PRId64, f->message_id);
		server_words(server, sizeof(server), f);
		cells[0] = num;
		cells[1] = audit__sev_name(f->sev);
		cells[2] = audit_rules[f->rule].id;
		cells[3] = f->session_id ? sess : NULL;
		cells[4] = f->message_id ? msg : NULL;
		cells[5] = server;
		cells[6] = f->tool;
		cells[7] = f->explanation;
		if (qtable__add(&t, cells)) {
			fprintf(stderr, "mcptrace: out of memory\n");
			break;
		}
	}
	if (shown) {
		qtable__print(&t, out);
		fputs("\nEVIDENCE\n", out);
		shown = 0;
		for (size_t i = 0; i < r->n; i++) {
			const struct audit_finding *f = &r->v[i];

			if (f->baselined)
				continue;
			shown++;
			if (!f->excerpt && !f->detail)
				continue;
			fprintf(out, "#%zu %s", shown, audit_rules[f->rule].id);
			if (f->excerpt) {
				fputs(": ", out);
				text__put_padded(out, f->excerpt, 0);
			}
			fputc('\n', out);
			put_lines(out, "    ", f->detail);
		}
		fputc('\n', out);
	}
	qtable__free(&t);
	fprintf(out, "%zu finding%s: %zu high, %zu medium, %zu low", shown, shown == 1 ? "" : "s",
		by_sev[AUDIT_HIGH], by_sev[AUDIT_MEDIUM], by_sev[AUDIT_LOW]);
	if (p->baselined)
		fprintf(out, "; %zu accepted by the baseline, not shown", p->baselined);
	fprintf(out, "; %zu at or above %s (--fail-on)\n", audit_print__count(r, p->fail_on),
		audit__sev_name(p->fail_on));
}

static void jstr(FILE *out, const char *s)
{
	if (s)
		json__string(out, s, strlen(s));
	else
		fputs("null", out);
}

static void jid(FILE *out, int64_t v)
{
	if (v)
		fprintf(out, "%" PRId64, v);
	else
		fputs("null", out);
}

int audit_print__json(FILE *out, const struct audit_result *r, const struct audit_print *p)
{
	size_t by_sev[4] = {0}, shown = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct audit_finding *f = &r->v[i];

		if (f->baselined)
			continue;
		shown++;
		by_sev[f->sev]++;
		fputs("{\"rule\":", out);
		jstr(out, audit_rules[f->rule].id);
		fputs(",\"severity\":", out);
		jstr(out, audit__sev_name(f->sev));
		fputs(",\"session_id\":", out);
		jid(out, f->session_id);
		fputs(",\"message_id\":", out);
		jid(out, f->message_id);
		fputs(",\"call_id\":", out);
		jid(out, f->call_id);
		fputs(",\"server\":{\"name\":", out);
		jstr(out, f->server_name);
		fputs(",\"version\":", out);
		jstr(out, f->server_version);
		fputs(",\"command\":", out);
		jstr(out, f->server_command);
		fputs(",\"url\":", out);
		jstr(out, f->server_url);
		fputs("},\"tool\":", out);
		jstr(out, f->tool);
		fputs(",\"excerpt\":", out);
		jstr(out, f->excerpt);
		fputs(",\"explanation\":", out);
		jstr(out, f->explanation);
		fputs(",\"detail\":", out);
		jstr(out, f->detail);
		fputs(",\"fingerprint\":", out);
		jstr(out, f->fingerprint);
		fputs("}\n", out);
	}
	fprintf(out,
		"{\"summary\":true,\"findings\":%zu,\"high\":%zu,\"medium\":%zu,\"low\":%zu,"
		"\"baselined\":%zu,\"fail_on\":\"%s\",\"fails\":%s,\"stored\":%s}\n",
		shown, by_sev[AUDIT_HIGH], by_sev[AUDIT_MEDIUM], by_sev[AUDIT_LOW], p->baselined,
		audit__sev_name(p->fail_on), audit_print__count(r, p->fail_on) ? "true" : "false",
		p->stored ? "true" : "false");
	return ferror(out) ? -EIO : 0;
}

/* SARIF's level for a severity; security-severity is GitHub's 0-10 scale
 * (high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9). */
static const char *sarif_level(enum audit_sev s)
{
	return s == AUDIT_HIGH ? "error" : s == AUDIT_MEDIUM ? "warning" : "note";
}

static const char *security_severity(enum audit_sev s)
{
	return s == AUDIT_HIGH ? "8.0" : s == AUDIT_MEDIUM ? "5.0" : "2.0";
}

/* The DB path as a URI reference: relative stays relative; absolute gets
 * file://; bytes outside RFC 3986's unreserved set and '/' are
 * percent-encoded. */
static void put_uri(FILE *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	char buf[4096];
	size_t o = 0;

	if (path[0] == '/')
		o = (size_t)snprintf(buf, sizeof(buf), "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p && o + 4 < sizeof(buf); p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			buf[o++] = (char)*p;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		}
	}
	buf[o] = '\0';
	json__string(out, buf, o);
}

static void sarif_rules(FILE *out)
{
	for (int i = 0; i < AR__COUNT; i++) {
		const struct audit_rule *r = &audit_rules[i];

		fputs(i ? ",\n" : "\n", out);
		fputs("        {\"id\":", out);
		jstr(out, r->id);
		fputs(",\"name\":", out);
		{
			/* SARIF wants a name that differs from the id: PascalCase */
			char name[64];
			size_t o = 0;
			bool up = true;

			for (const char *p = r->id; *p && o + 1 < sizeof(name); p++) {
				if (*p == '-') {
					up = true;
					continue;
				}
				name[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
				up = false;
			}
			name[o] = '\0';
			jstr(out, name);
		}
		fputs(",\"shortDescription\":{\"text\":", out);
		jstr(out, r->title);
		fputs("},\"fullDescription\":{\"text\":", out);
		jstr(out, r->help);
		fputs("},\"help\":{\"text\":", out);
		jstr(out, r->help);
		fputs(",\"markdown\":", out);
		{
			char md[2048];

			snprintf(md, sizeof(md), "**%s** (`%s`)\n\n%s\n\nSee the README of mcptrace, "
						 "section Audit, for an example.",
				 r->title, r->id, r->help);
			jstr(out, md);
		}
		fprintf(out,
			"},\"defaultConfiguration\":{\"level\":\"%s\"},"
			"\"properties\":{\"tags\":[\"security\",\"mcp\"],\"precision\":\"high\","
			"\"security-severity\":\"%s\"}}",
			sarif_level(r->sev), security_severity(r->sev));
	}
}

void audit_print__sarif(FILE *out, const struct audit_result *r, const struct audit_print *p)
{
	bool first = true;

	fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
	      "  \"version\": \"2.1.0\",\n"
	      "  \"runs\": [{\n"
	      "    \"tool\": {\"driver\": {\"name\": \"mcptrace\", \"version\": \"" MCPTRACE_VERSION
	      "\", \"semanticVersion\": \"" MCPTRACE_VERSION "\",\n"
	      "      \"rules\": [",
	      out);
	sarif_rules(out);
	fputs("]}},\n    \"artifacts\": [{\"location\": {\"uri\": ", out);
	put_uri(out, p->db_path);
	fputs("}, \"description\": {\"text\": \"the mcptrace trace DB the findings come from\"}}],\n"
	      "    \"columnKind\": \"unicodeCodePoints\",\n"
	      "    \"results\": [",
	      out);
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_finding *f = &r->v[i];
		char server[512], row[64], fq[96], msg[8192];
		size_t n;

		if (f->baselined)
			continue;
		server_words(server, sizeof(server), f);
		if (f->message_id)
			snprintf(row, sizeof(row), "messages/%" PRId64, f->message_id);
		else
			snprintf(row, sizeof(row), "sessions/%" PRId64, f->session_id);
		snprintf(fq, sizeof(fq), "session %" PRId64 "/%s", f->session_id, row);
		n = (size_t)snprintf(msg, sizeof(msg), "%s. Server %s, tool %s, session %" PRId64
						       ", message %" PRId64 ".",
				     f->explanation, server, f->tool ? f->tool : "-", f->session_id,
				     f->message_id);
		if (f->excerpt && n < sizeof(msg))
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\nExcerpt: %s", f->excerpt);
		if (f->detail && n < sizeof(msg))
			snprintf(msg + n, sizeof(msg) - n, "\n%s", f->detail);
		fputs(first ? "\n" : ",\n", out);
		first = false;
		fputs("      {\"ruleId\":", out);
		jstr(out, audit_rules[f->rule].id);
		fprintf(out, ",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":", f->rule,
			sarif_level(f->sev));
		jstr(out, msg);
		fputs("},\n       \"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":",
		      out);
		put_uri(out, p->db_path);
		fputs(",\"index\":0},\"region\":{\"startLine\":1}},\"logicalLocations\":[{\"name\":", out);
		jstr(out, row);
		fputs(",\"fullyQualifiedName\":", out);
		jstr(out, fq);
		fputs(",\"kind\":\"object\"}]}],\n       \"partialFingerprints\":{\"mcptraceFinding/v1\":",
		      out);
		jstr(out, f->fingerprint);
		fputs("},\n       \"properties\":{\"severity\":", out);
		jstr(out, audit__sev_name(f->sev));
		fputs(",\"session_id\":", out);
		jid(out, f->session_id);
		fputs(",\"message_id\":", out);
		jid(out, f->message_id);
		fputs(",\"call_id\":", out);
		jid(out, f->call_id);
		fputs(",\"server\":", out);
		jstr(out, server);
		fputs(",\"tool\":", out);
		jstr(out, f->tool);
		fputs(",\"excerpt\":", out);
		jstr(out, f->excerpt);
		fputs("}}", out);
	}
	fputs("\n    ]\n  }]\n}\n", out);
}
