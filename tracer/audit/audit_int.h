/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * audit_int: what the audit's files share and nothing outside tracer/audit/
 * uses: the walk's context, the sessions as the rules see them, one message
 * at a time, the helpers for text from traced programs (au_util.c), and the
 * hooks of each rule family.
 */
#ifndef MT_AUDIT_INT_H
#define MT_AUDIT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

struct cJSON;
struct redactor;
struct sqlite3;

/* A session as the rules see it. */
struct au_session {
	int64_t id, run_id;
	char *transport; /* "stdio" | "http" | "sse" */
	int tls;
	int64_t client_pid, server_pid; /* INT64_MIN: unknown */
	char *client_name, *server_name, *server_version;
	char *client_addr, *server_addr;
	char *server_command; /* the server process's comm, if traced */
	char *server_url;     /* http[s]://server_addr for HTTP, else NULL */
	/* The same server across sessions (same name, and same process name
	 * or address); NULL when it cannot be told (no server name). */
	char *server_key;
	/* The host: sessions of one client process (run and pid) or, for
	 * HTTP from an untraced client, one client address. NULL: unknown. */
	char *host_key;
	/* Plain HTTP to an address that is not this machine's loopback. */
	bool remote_cleartext;
};

/* One message, as the walk hands it to the rules. */
struct au_msg {
	int64_t id, call_id, ts_ns;
	const struct au_session *s;
	bool c2s; /* client to server */
	const char *kind;   /* "request" | "response" | "error" | "notification" */
	const char *method; /* for responses, their request's; may be NULL */
	const char *target; /* the call's tool, prompt or URI; may be NULL */
	bool truncated;
	const char *body; /* as stored: redacted unless traced with --no-redact */
	size_t body_len;
	const struct cJSON *json; /* body parsed; NULL when truncated or not JSON */
};

struct au_defs;
struct au_roots;
struct au_runaway;
struct au_flow;
struct au_secret;
struct au_map;

struct audit_ctx {
	struct sqlite3 *db;
	const struct audit_opts *opts;
	struct audit_result *res;
	struct redactor *red;
	struct au_map *fps; /* fingerprints of the findings so far */
	struct au_session *sess;
	size_t n_sess;
	struct au_defs *defs;
	struct au_roots *roots;
	struct au_runaway *runaway;
	struct au_flow *flow;
	struct au_secret *secret;
	int err; /* the first failure (-ENOMEM); the walk stops at it */
};

/* ---- findings (audit.c) ---- */

/* What a finding is about; strings are raw (cleaned when kept). */
struct au_where {
	const struct au_session *s;
	int64_t message_id, call_id;
	const char *tool;
};
/* Adds a finding unless one with the same fingerprint is already there.
 * key is what the rule matched, in words that stay the same from one trace
 * to the next (never a row id); the fingerprint is made of the rule, the
 * server's name, the tool and key. The explanation is printf-formatted.
 * Returns the finding, or NULL when it was a duplicate or memory ran out
 * (c->err). */
struct audit_finding *au__add(struct audit_ctx *c, enum audit_rule_id rule, enum audit_sev sev,
			      const struct au_where *w, const char *key, const char *excerpt,
			      const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* The message's call's target or, for a tools/call or prompts/get request,
 * the name in its params. */
const char *au__msg_tool(const struct au_msg *m);
/* For a request a server sends (sampling, elicitation), the tool the
 * client was calling on that server at the time (the latest tools/call in
 * flight), malloc'd; NULL when none. */
char *au__inflight_tool(struct audit_ctx *c, const struct au_msg *m);
/* "client" or "server": who sent m. */
const char *au__sender(const struct au_msg *m);
/* The session of id, or NULL. */
const struct au_session *au__session(const struct audit_ctx *c, int64_t id);

/* ---- text from traced programs (au_util.c) ---- */

enum au_hidden {
	AU_VISIBLE = 0,
	AU_TAG,	     /* U+E0000-E007F: invisible ASCII */
	AU_BIDI,     /* direction marks, embeddings, overrides, isolates */
	AU_ZW,	     /* zero-width and other invisible characters */
	AU_VARSEL,   /* U+E0100-E01EF: variation selectors that carry data */
	AU_CONTROL,  /* C0 (but tab, newline, CR), DEL, C1: terminal controls */
};
enum au_hidden au__hidden_class(unsigned cp);
const char *au__hidden_name(enum au_hidden h);

/* s[0..len) for people: valid UTF-8 (bad bytes as U+FFFD), every hidden
 * character (above) as <U+XXXX>, newlines as "\n" unless keep_newlines
 * (tab then kept too), cut after max_cp code points with "..." (0: no
 * limit). Malloc'd; NULL when out of memory. Applying it again changes
 * nothing. */
char *au__clean(const char *s, size_t len, size_t max_cp, bool keep_newlines);
/* The text around [at, at + n) of s: up to ctx bytes either side (moved to
 * character boundaries), cleaned, with "..." where it was cut. */
char *au__excerpt(const char *s, size_t len, size_t at, size_t n, size_t ctx);
/* s with credentials redacted (the store's rules): *out is s itself when
 * there was nothing to redact, else malloc'd (*owned set). -ENOMEM. */
int au__redact(const struct audit_ctx *c, const char *s, size_t len, const char **out,
	       size_t *out_len, char **owned);

/* Calls fn on every string in node (members' values and array items; with
 * keys too when keys), with a path like "tools[2].description". fn returns
 * false to stop. */
typedef bool (*au_str_fn)(void *arg, const char *path, const char *s, size_t len);
bool au__walk_strings(const struct cJSON *node, const char *path, bool keys, au_str_fn fn,
		      void *arg);
/* node as JSON with the keys of every object sorted, without the member
 * skip of the top object (NULL: none); pretty: one member a line. */
char *au__canon(const struct cJSON *node, const char *skip, bool pretty);
/* A line diff of a to b: "- " and "+ " lines for what changed, at most
 * max_lines of them, then a line saying how many more. */
char *au__diff(const char *a, const char *b, size_t max_lines);
/* Lower-cases ASCII, drops white space (and the invisible characters
 * between letters), folds typographic apostrophes to '. For phrase
 * matching that ignores case and spacing. */
char *au__squash(const char *s, size_t len);
/* Whether an IP:port, [v6]:port or socket path is this machine's
 * loopback (127/8, ::1, a unix socket). */
bool au__is_loopback(const char *addr);
/* 64-bit FNV-1a. */
uint64_t au__hash(const void *p, size_t n, uint64_t h);
#define AU_HASH_INIT 0xcbf29ce484222325ull

/* A string-keyed hash map (keys copied). */
struct au_map *au__map_new(void);
/* The value slot of key, made (NULL) when missing; NULL when out of
 * memory. */
void **au__map_slot(struct au_map *m, const char *key);
void *au__map_get(const struct au_map *m, const char *key);
/* Calls fn on every entry, in insertion order. */
void au__map_each(const struct au_map *m, void (*fn)(void *arg, const char *key, void *val),
		  void *arg);
size_t au__map_count(const struct au_map *m);
/* Frees the map; free_val (may be NULL) frees each value. */
void au__map_free(struct au_map *m, void (*free_val)(void *val));

/* A growing string. */
struct au_buf {
	char *s;
	size_t len, cap;
	bool oom;
};
void au__buf_add(struct au_buf *b, const char *s, size_t n);
void au__buf_printf(struct au_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (b gives it up), or NULL when memory ran out. */
char *au__buf_take(struct au_buf *b);

/* ---- the rule families: each sees every message, in time order, then
 * finishes; each returns 0 or a negative errno ---- */

/* au_defs.c: tool-definition-changed, duplicate-tool-name, and the
 * hidden-characters and concealment-instruction checks of definitions. */
int au_defs__message(struct audit_ctx *c, const struct au_msg *m);
int au_defs__finish(struct audit_ctx *c);
void au_defs__free(struct audit_ctx *c);
/* au_text.c: hidden characters in what servers send besides definitions; the
 * concealment phrases. */
int au_text__results(struct audit_ctx *c, const struct au_msg *m);
/* Checks one string of a definition (or of anything else, by path) for
 * hidden characters: a finding of sev. */
int au_text__hidden(struct audit_ctx *c, const struct au_msg *m, const char *tool, const char *path,
		 const char *s, size_t len, enum audit_sev sev);
/* Checks one string of a definition for concealment phrases. */
int au_text__conceal(struct audit_ctx *c, const struct au_msg *m, const char *tool, const char *path,
		  const char *s, size_t len);
/* The phrase list, NULL-terminated (the README lists it too). */
extern const char *const au_conceal_phrases[];
/* au_secret.c: secret-in-traffic, cleartext-credentials. */
int au_secret__message(struct audit_ctx *c, const struct au_msg *m);
int au_secret__finish(struct audit_ctx *c);
void au_secret__free(struct audit_ctx *c);
/* au_input.c: credential-elicitation, sampling-request. */
int au_input__message(struct audit_ctx *c, const struct au_msg *m);
/* au_roots.c: outside-roots. */
int au_roots__message(struct audit_ctx *c, const struct au_msg *m);
int au_roots__finish(struct audit_ctx *c);
void au_roots__free(struct audit_ctx *c);
/* au_runaway.c: runaway-calls. */
int au_runaway__message(struct audit_ctx *c, const struct au_msg *m);
int au_runaway__finish(struct audit_ctx *c);
void au_runaway__free(struct audit_ctx *c);
/* au_flow.c: cross-server-flow; and whether text carries another server's
 * results (for sampling-request). */
int au_flow__message(struct audit_ctx *c, const struct au_msg *m);
void au_flow__free(struct audit_ctx *c);
/* Whether json (a request's params) holds text that a server other than
 * s's returned earlier to the same host; the first such server's name in
 * *from (owned by the walk). */
bool au_flow__carries_other(struct audit_ctx *c, const struct au_session *s,
			 const struct cJSON *json, const char **from);

#endif
