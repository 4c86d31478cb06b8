/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * audit: security findings from a trace DB, deterministic and offline (no
 * network, no model): the same DB always gives the same findings. It reads
 * what was on the wire (sessions, messages, calls) and applies fixed rules,
 * each with a stable id (audit_rules[]; README, "Audit"). The rules are in
 * one file per family (au_defs.c, au_text.c, au_secret.c, au_input.c, au_roots.c,
 * au_runaway.c, au_flow.c); audit.c walks the DB once and hands each message to
 * them. Storing findings and the baseline of accepted ones are in
 * au_findings.c; printing is the command's (cmd/audit_print.c).
 *
 * Everything a finding says that came from a traced program (server and
 * tool names, excerpts, diffs) is cleaned before it is kept: valid UTF-8,
 * control and invisible characters written as <U+XXXX>, credentials
 * redacted (mcp/redact.h). Printers still escape it for their medium.
 */
#ifndef MT_AUDIT_H
#define MT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;

enum audit_sev {
	AUDIT_LOW = 1,
	AUDIT_MEDIUM = 2,
	AUDIT_HIGH = 3,
};

enum audit_rule_id {
	AR_TOOL_CHANGED,
	AR_HIDDEN,
	AR_CONCEAL,
	AR_SECRET,
	AR_ELICIT,
	AR_DUPLICATE,
	AR_ROOTS,
	AR_SAMPLING,
	AR_CLEARTEXT,
	AR_RUNAWAY,
	AR_FLOW,
	AR__COUNT,
};

struct audit_rule {
	const char *id;	     /* stable: "tool-definition-changed" */
	enum audit_sev sev;  /* the usual severity; a finding may differ */
	const char *title;   /* a short line */
	const char *help;    /* what it means and what to do, a paragraph */
};

extern const struct audit_rule audit_rules[AR__COUNT];

/* "low", "medium", "high"; 0 for anything else. */
const char *audit__sev_name(enum audit_sev s);
enum audit_sev audit__sev_parse(const char *name);

#define AUDIT_FP_LEN 16

struct audit_finding {
	enum audit_rule_id rule;
	enum audit_sev sev;
	int64_t session_id, message_id, call_id; /* 0: none */
	/* All cleaned (see above); NULL when not known. */
	char *server_name, *server_version, *server_command, *server_url;
	char *tool;
	char *excerpt;
	char *explanation; /* one line, never NULL */
	char *detail;	   /* more lines, or NULL */
	char fingerprint[AUDIT_FP_LEN + 1]; /* hex */
	bool baselined;
};

struct audit_opts {
	/* runaway-calls: the same call more than this many times in a
	 * minute; 0 means AUDIT_RUNAWAY_DEFAULT */
	unsigned runaway_per_min;
};
#define AUDIT_RUNAWAY_DEFAULT 30

struct audit_result {
	struct audit_finding *v;
	size_t n, cap;
};

/* Runs every rule over db. Findings come out ordered by severity (high
 * first), then session, message and rule, one per fingerprint. Returns 0
 * or a negative errno (with a line on stderr). */
int audit__run(struct sqlite3 *db, const struct audit_opts *o, struct audit_result *r);
void audit__result_free(struct audit_result *r);

/* Replaces the rows of the findings table with r's, in one transaction.
 * Returns 0 or a negative errno (with a line on stderr naming path). */
int audit__store(struct sqlite3 *db, const char *path, const struct audit_result *r,
		 int64_t now_ns);

/* A baseline: the fingerprints of accepted findings, read from a file
 * written by audit__baseline_write (one a line, first word; '#' starts a
 * comment). */
struct audit_baseline {
	char (*fp)[AUDIT_FP_LEN + 1];
	size_t n, cap;
};
/* Returns 0, or a negative errno with a line on stderr (a missing file, a
 * line that is not a fingerprint). */
int audit__baseline_read(const char *path, struct audit_baseline *b);
bool audit__baseline_has(const struct audit_baseline *b, const char *fp);
void audit__baseline_free(struct audit_baseline *b);
/* Marks the findings of r that b holds; returns how many. */
size_t audit__apply_baseline(struct audit_result *r, const struct audit_baseline *b);
/* Writes every finding of r (and what b held, so accepting is cumulative;
 * b may be NULL) to path, replaced whole. 0 or a negative errno, said. */
int audit__baseline_write(const char *path, const struct audit_result *r,
			  const struct audit_baseline *b);

#endif
