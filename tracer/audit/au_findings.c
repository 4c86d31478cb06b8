// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * findings: where findings go besides the screen: the findings table of
 * the trace DB (schema/006_findings.sql), replaced whole by each audit;
 * and the baseline file of accepted findings, one fingerprint a line, that
 * --write-baseline writes and --baseline reads.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit/audit_int.h"

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	return v ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

int audit__store(sqlite3 *db, const char *path, const struct audit_result *r, int64_t now_ns)
{
	static const char ins[] =
	    "INSERT INTO findings (audited_ns, rule, severity, session_id, message_id, call_id, "
	    "server_name, server_version, server_command, server_url, tool, excerpt, "
	    "explanation, detail, fingerprint, baselined) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM findings", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, ins, -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < r->n; i++) {
		const struct audit_finding *f = &r->v[i];

		sqlite3_bind_int64(st, 1, now_ns);
		bind_text(st, 2, audit_rules[f->rule].id);
		bind_text(st, 3, audit__sev_name(f->sev));
		bind_id(st, 4, f->session_id);
		bind_id(st, 5, f->message_id);
		bind_id(st, 6, f->call_id);
		bind_text(st, 7, f->server_name);
		bind_text(st, 8, f->server_version);
		bind_text(st, 9, f->server_command);
		bind_text(st, 10, f->server_url);
		bind_text(st, 11, f->tool);
		bind_text(st, 12, f->excerpt);
		bind_text(st, 13, f->explanation);
		bind_text(st, 14, f->detail);
		bind_text(st, 15, f->fingerprint);
		sqlite3_bind_int(st, 16, f->baselined);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "mcptrace: failed to store the findings in %s: %s\n", path,
			sqlite3_errmsg(db));
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -EIO;
	}
	return 0;
}

static bool is_fp(const char *s, size_t n)
{
	if (n != AUDIT_FP_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static int add_fp(struct audit_baseline *b, const char *fp)
{
	if (audit__baseline_has(b, fp))
		return 0;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char(*v)[AUDIT_FP_LEN + 1] = realloc(b->fp, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->fp = v;
		b->cap = cap;
	}
	memcpy(b->fp[b->n], fp, AUDIT_FP_LEN);
	b->fp[b->n][AUDIT_FP_LEN] = '\0';
	b->n++;
	return 0;
}

int audit__baseline_read(const char *path, struct audit_baseline *b)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int err = 0;

	memset(b, 0, sizeof(*b));
	if (!f) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to read the baseline %s: %s\n", path,
			strerror(errno));
		return err;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *p = line;
		size_t n;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			continue;
		n = strcspn(p, " \t\r\n");
		if (!is_fp(p, n)) {
			fprintf(stderr,
				"mcptrace: %s line %zu: not a finding's fingerprint (16 hex digits "
				"first; write the file with --write-baseline)\n",
				path, lineno);
			err = -EINVAL;
			break;
		}
		p[n] = '\0';
		err = add_fp(b, p);
		if (err)
			break;
	}
	if (!err && ferror(f)) {
		err = -EIO;
		fprintf(stderr, "mcptrace: failed to read the baseline %s\n", path);
	}
	free(line);
	fclose(f);
	if (err)
		audit__baseline_free(b);
	return err;
}

bool audit__baseline_has(const struct audit_baseline *b, const char *fp)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (!strcmp(b->fp[i], fp))
			return true;
	return false;
}

void audit__baseline_free(struct audit_baseline *b)
{
	free(b->fp);
	memset(b, 0, sizeof(*b));
}

size_t audit__apply_baseline(struct audit_result *r, const struct audit_baseline *b)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++) {
		r->v[i].baselined = audit__baseline_has(b, r->v[i].fingerprint);
		n += r->v[i].baselined;
	}
	return n;
}

/* s on one line of the baseline: spaces as _, nothing but printable
 * ASCII (the rest as ?), at most 60 bytes. */
static void put_word(FILE *f, const char *s)
{
	size_t i;

	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	for (i = 0; s[i] && i < 60; i++) {
		unsigned char ch = (unsigned char)s[i];

		fputc(ch == ' ' ? '_' : (ch > ' ' && ch < 0x7f) ? ch : '?', f);
	}
}

int audit__baseline_write(const char *path, const struct audit_result *r,
			  const struct audit_baseline *b)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, err = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fchmod(fd, 0644); /* a baseline is meant to be committed; it holds no secret */
	fprintf(f, "# mcptrace audit baseline: accepted findings, one a line.\n"
		   "# Only the first word (the fingerprint) is read; the rest says what it was:\n"
		   "# rule, severity, server, tool. Written by mcptrace audit --write-baseline.\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct audit_finding *x = &r->v[i];

		fprintf(f, "%s %s %s ", x->fingerprint, audit_rules[x->rule].id,
			audit__sev_name(x->sev));
		put_word(f, x->server_name);
		fputc(' ', f);
		put_word(f, x->tool);
		fputc('\n', f);
	}
	for (size_t i = 0; b && i < b->n; i++) {
		bool have = false;

		for (size_t k = 0; k < r->n && !have; k++)
			have = !strcmp(r->v[k].fingerprint, b->fp[i]);
		if (!have)
			fprintf(f, "%s (kept from the previous baseline)\n", b->fp[i]);
	}
	if (ferror(f) | fclose(f)) {
		err = -EIO;
		fprintf(stderr, "mcptrace: failed to write %s\n", path);
	} else if (rename(tmp, path) != 0) {
		err = -errno;
		fprintf(stderr, "mcptrace: failed to write %s: %s\n", path, strerror(errno));
	}
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}
