// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace diff: compares two trace DBs, BASE and HEAD, per method and
 * target, and says whether HEAD regressed: a latency gate for CI. This file
 * reads the DBs (read-only, as stats does), pairs the targets of both sides
 * and prints the comparison as a text table, a Markdown table, JSON Lines
 * and, on request, a JUnit XML file. The verdicts come from diff.c.
 *
 * Exit status: 0 no regression, 1 HEAD regressed, 2 the comparison could
 * not be made (usage, an unreadable DB, an unwritable --junit file); CI
 * scripts tell "slower" from "broken" by it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/diff.h"
#include "cmd/json.h"
#include "cmd/text.h"
#include "db/store.h"
#include "db/summary.h"

static const char diff_help[] =
    "Usage: mcptrace diff BASE.db HEAD.db [OPTIONS]\n"
    "       mcptrace diff --help\n"
    "\n"
    "Compares the calls of two trace DBs per method and target (tool or prompt\n"
    "name, resource URI) and fails when HEAD regressed against BASE.\n"
    "\n"
    "OPTIONS := { --max-p95-increase PCT | --min-delta DURATION |\n"
    "             --max-error-rate-increase PCT | --format FORMAT | --json |\n"
    "             --min-calls N | --junit FILE | --fail-on-missing | --help }\n"
    "FORMAT := { text | markdown | json }\n"
    "PCT := NUMBER[%]        e.g. 20%, 2.5%\n"
    "DURATION := NUMBER{ns|us|ms|s}   e.g. 5ms, 1.5s\n"
    "\n"
    "   --max-p95-increase PCT\n"
    "               p95 latency may grow by this much (default 20%)...\n"
    "   --min-delta DURATION\n"
    "               ...or by this much (default 5ms): a regression is a p95\n"
    "               growth past both, so noise on tiny latencies never fails\n"
    "   --max-error-rate-increase PCT\n"
    "               the error rate may grow by this many percentage points\n"
    "               (default 5%)\n"
    "   --min-calls N\n"
    "               judge p95 only where both sides have N answered calls or\n"
    "               more (default 5): p95 of one call (an initialize, a\n"
    "               server's start) is noise; the result says \"few calls\"\n"
    "   --format FORMAT\n"
    "               text (default): a table for CI logs; markdown: for job\n"
    "               summaries; json: one object per method and target (JSON\n"
    "               Lines), a summary object last\n"
    "   --json      same as --format json\n"
    "   --junit FILE\n"
    "               also write JUnit XML: one testcase per method and target,\n"
    "               a failure for each regression\n"
    "   --fail-on-missing\n"
    "               fail when a method/target is only in one DB (by default\n"
    "               it is reported as new or gone, and passes)\n"
    "   --help      print this and exit\n"
    "\n"
    "COLUMNS (each \"BASE -> HEAD\")\n"
    "   CALLS       requests seen\n"
    "   ERR%        errors, isError tool results and unanswered requests, in\n"
    "               percent of the calls\n"
    "   P50 P95 P99 nearest-rank latency percentiles in ms over the answered\n"
    "               calls, as in mcptrace stats\n"
    "   P95_CHANGE  HEAD's p95 minus BASE's, in ms and in percent\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace diff base.db head.db\n"
    "   mcptrace diff base.db head.db --max-p95-increase 10% --min-delta 2ms \\\n"
    "       --format markdown --junit mcptrace-junit.xml\n"
    "\n"
    "Exit status: 0 no regression, 1 HEAD regressed (each regressed method and\n"
    "target is named), 2 usage error or a DB that could not be read.\n";

/* One (method, target) of the comparison. */
struct diff_row {
	char *method, *target; /* NULL where the DB has NULL */
	struct diff_side base, head;
	unsigned int flags;
	bool fails;
};

struct diff_set {
	struct diff_row *rows;
	size_t n, cap;
};

static void set_free(struct diff_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->rows[i].method);
		free(set->rows[i].target);
	}
	free(set->rows);
	memset(set, 0, sizeof(*set));
}

static struct diff_row *set_add(struct diff_set *set, const char *method, const char *target)
{
	struct diff_row *nrows, *r;
	size_t ncap;

	if (set->n == set->cap) {
		ncap = set->cap ? set->cap * 2 : 16;
		nrows = realloc(set->rows, ncap * sizeof(*nrows));
		if (!nrows)
			return NULL;
		set->rows = nrows;
		set->cap = ncap;
	}
	r = &set->rows[set->n];
	memset(r, 0, sizeof(*r));
	r->method = method ? strdup(method) : NULL;
	r->target = target ? strdup(target) : NULL;
	if ((method && !r->method) || (target && !r->target)) {
		free(r->method);
		free(r->target);
		return NULL;
	}
	set->n++;
	return r;
}

/* Fills in the side of one (method, target) from its group. Diff counts
 * unanswered calls as failed too: for a gate, a request that never got an
 * answer is as broken as an error. */
static void side_fill(struct diff_side *s, const struct call_group *g)
{
	s->calls = g->calls;
	s->failed = g->errors + g->unanswered;
	s->answered = g->answered;
	s->p50 = g->p50;
	s->p95 = g->p95;
	s->p99 = g->p99;
}

static int add_group(struct call_group *g, void *ctx)
{
	struct diff_row *r = set_add(ctx, g->key1, g->key2);

	if (!r)
		return -ENOMEM;
	side_fill(&r->base, g);
	return 0;
}

/*
 * Summarizes the calls of one DB into set, one row per (method, target) in
 * key order, filling in each row's base side (the caller moves it to head
 * where needed). Returns 0 or a negative errno, with a line on stderr.
 */
static int load_side(sqlite3 *db, const char *path, struct diff_set *set)
{
	int err = summary__read_groups(db, path, SUMMARY_BY_METHOD_TARGET, add_group, set);

	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	return err;
}

/* Merges the two key-ordered sides into out, judging each row. */
static int merge_sides(struct diff_set *base, struct diff_set *head, struct diff_set *out,
		       const struct diff_thresholds *th)
{
	size_t i = 0, j = 0;
	struct diff_row *r;
	int c;

	while (i < base->n || j < head->n) {
		if (i == base->n)
			c = 1;
		else if (j == head->n)
			c = -1;
		else if (!(c = summary__key_cmp(base->rows[i].method, head->rows[j].method)))
			c = summary__key_cmp(base->rows[i].target, head->rows[j].target);
		r = set_add(out, c <= 0 ? base->rows[i].method : head->rows[j].method,
			    c <= 0 ? base->rows[i].target : head->rows[j].target);
		if (!r) {
			fprintf(stderr, "mcptrace: out of memory\n");
			return -ENOMEM;
		}
		if (c <= 0)
			r->base = base->rows[i++].base;
		if (c >= 0)
			r->head = head->rows[j++].base;
		r->flags = diff__judge(&r->base, &r->head, th);
		r->fails = diff__fails(r->flags, th);
	}
	return 0;
}

/* ---- formatting shared by the printers ---- */

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/* A short word for the row's outcome. */
static const char *row_result(const struct diff_row *r, char *buf, size_t size)
{
	if (r->flags & (DIFF_F_P95 | DIFF_F_ERRORS)) {
		snprintf(buf, size, "REGRESSED %s%s%s", r->flags & DIFF_F_P95 ? "p95" : "",
			 (r->flags & DIFF_F_P95) && (r->flags & DIFF_F_ERRORS) ? "+" : "",
			 r->flags & DIFF_F_ERRORS ? "errors" : "");
		return buf;
	}
	if (r->flags & DIFF_F_NEW)
		return r->fails ? "NEW (fails)" : "new";
	if (r->flags & DIFF_F_GONE)
		return r->fails ? "GONE (fails)" : "gone";
	if (r->flags & DIFF_F_FASTER)
		return "faster";
	return r->flags & DIFF_F_FEW ? "ok (few calls)" : "ok";
}

/* "BASE -> HEAD" of a count, a rate or a latency, "-" for an absent side. */
static void cell_calls(char *buf, size_t size, const struct diff_row *r)
{
	char b[24] = "-", h[24] = "-";

	if (r->base.calls)
		snprintf(b, sizeof(b), "%lld", (long long)r->base.calls);
	if (r->head.calls)
		snprintf(h, sizeof(h), "%lld", (long long)r->head.calls);
	snprintf(buf, size, "%s -> %s", b, h);
}

static void cell_rate(char *buf, size_t size, const struct diff_row *r)
{
	char b[24] = "-", h[24] = "-";

	if (r->base.calls)
		snprintf(b, sizeof(b), "%.1f", diff__error_rate(&r->base));
	if (r->head.calls)
		snprintf(h, sizeof(h), "%.1f", diff__error_rate(&r->head));
	snprintf(buf, size, "%s -> %s", b, h);
}

static void cell_ms(char *buf, size_t size, const struct diff_row *r, int which)
{
	const struct diff_side *sides[2] = {&r->base, &r->head};
	char v[2][24];
	int i;

	for (i = 0; i < 2; i++) {
		const struct diff_side *s = sides[i];
		int64_t ns = which == 50 ? s->p50 : which == 95 ? s->p95 : s->p99;

		if (s->answered)
			snprintf(v[i], sizeof(v[i]), "%.3f", (double)ns / 1e6);
		else
			snprintf(v[i], sizeof(v[i]), "-");
	}
	snprintf(buf, size, "%s -> %s", v[0], v[1]);
}

static void cell_change(char *buf, size_t size, const struct diff_row *r)
{
	if (!r->base.answered || !r->head.answered) {
		snprintf(buf, size, "-");
		return;
	}
	if (r->base.p95 > 0)
		snprintf(buf, size, "%+.3fms %+.1f%%", (double)(r->head.p95 - r->base.p95) / 1e6,
			 diff__p95_change_pct(&r->base, &r->head));
	else
		snprintf(buf, size, "%+.3fms", (double)(r->head.p95 - r->base.p95) / 1e6);
}

#define N_COLS 9
static const char *const col_names[N_COLS] = {"METHOD", "TARGET", "CALLS",	"ERR%",	 "P50_MS",
					      "P95_MS", "P99_MS", "P95_CHANGE", "RESULT"};

struct cells {
	char calls[56], rate[56], p50[56], p95[56], p99[56], change[56], result[40];
	const char *v[N_COLS];
};

static void row_cells(const struct diff_row *r, struct cells *c)
{
	cell_calls(c->calls, sizeof(c->calls), r);
	cell_rate(c->rate, sizeof(c->rate), r);
	cell_ms(c->p50, sizeof(c->p50), r, 50);
	cell_ms(c->p95, sizeof(c->p95), r, 95);
	cell_ms(c->p99, sizeof(c->p99), r, 99);
	cell_change(c->change, sizeof(c->change), r);
	c->v[0] = or_dash(r->method);
	c->v[1] = or_dash(r->target);
	c->v[2] = c->calls;
	c->v[3] = c->rate;
	c->v[4] = c->p50;
	c->v[5] = c->p95;
	c->v[6] = c->p99;
	c->v[7] = c->change;
	c->v[8] = row_result(r, c->result, sizeof(c->result));
}

struct totals {
	size_t regressed, new_, gone, failing;
};

static struct totals count_rows(const struct diff_set *set)
{
	struct totals t = {0};
	size_t i;

	for (i = 0; i < set->n; i++) {
		t.regressed += !!(set->rows[i].flags & (DIFF_F_P95 | DIFF_F_ERRORS));
		t.new_ += !!(set->rows[i].flags & DIFF_F_NEW);
		t.gone += !!(set->rows[i].flags & DIFF_F_GONE);
		t.failing += set->rows[i].fails;
	}
	return t;
}

/* One sentence on why a row fails, for the text and Markdown reports. */
static void why(char *buf, size_t size, const struct diff_row *r, const struct diff_thresholds *th)
{
	size_t len = 0;

	buf[0] = 0;
	if (r->flags & DIFF_F_P95)
		len +=
		    snprintf(buf + len, size - len,
			     "p95 %.3f -> %.3f ms (%+.3f ms, %+.1f%%; limits +%g%% and +%.3f ms)",
			     (double)r->base.p95 / 1e6, (double)r->head.p95 / 1e6,
			     (double)(r->head.p95 - r->base.p95) / 1e6,
			     diff__p95_change_pct(&r->base, &r->head), th->max_p95_increase_pct,
			     (double)th->min_delta_ns / 1e6);
	if ((r->flags & DIFF_F_ERRORS) && len < size)
		len += snprintf(buf + len, size - len,
				"%serror rate %.1f%% -> %.1f%% (limit +%g points)", len ? "; " : "",
				diff__error_rate(&r->base), diff__error_rate(&r->head),
				th->max_error_rate_increase_pp);
	if ((r->flags & DIFF_F_NEW) && len < size)
		snprintf(buf + len, size - len, "only in HEAD (--fail-on-missing)");
	if ((r->flags & DIFF_F_GONE) && len < size)
		snprintf(buf + len, size - len, "only in BASE (--fail-on-missing)");
}

static void print_text(FILE *out, const struct diff_set *set, const struct diff_thresholds *th)
{
	int width[N_COLS], w, k;
	struct totals t = count_rows(set);
	struct cells c;
	char reason[512];
	size_t i;

	for (k = 0; k < N_COLS; k++)
		width[k] = (int)strlen(col_names[k]);
	for (i = 0; i < set->n; i++) {
		row_cells(&set->rows[i], &c);
		for (k = 0; k < N_COLS; k++) {
			w = text__width(c.v[k]);
			if (w > width[k])
				width[k] = w < TEXT_WIDTH_MAX ? w : TEXT_WIDTH_MAX;
		}
	}
	for (k = 0; k < N_COLS; k++) {
		fprintf(out, "%s", k ? "  " : "");
		text__put_padded(out, col_names[k], k == N_COLS - 1 ? 0 : width[k]);
	}
	fputc('\n', out);
	for (i = 0; i < set->n; i++) {
		row_cells(&set->rows[i], &c);
		for (k = 0; k < N_COLS; k++) {
			fprintf(out, "%s", k ? "  " : "");
			text__put_padded(out, c.v[k], k == N_COLS - 1 ? 0 : width[k]);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
	for (i = 0; i < set->n; i++) {
		const struct diff_row *r = &set->rows[i];

		if (!r->fails)
			continue;
		why(reason, sizeof(reason), r, th);
		fputs("REGRESSION ", out);
		text__put_padded(out, or_dash(r->method), 0);
		fputc(' ', out);
		text__put_padded(out, or_dash(r->target), 0);
		fprintf(out, ": %s\n", reason);
	}
	fprintf(out,
		"mcptrace diff: %s: %zu of %zu method/targets fail (%zu regressed, %zu new, %zu "
		"gone)\n",
		t.failing ? "FAIL" : "ok", t.failing, set->n, t.regressed, t.new_, t.gone);
}

/* Markdown table cells: '|' would end the cell, '<' and '&' could start
 * HTML, a newline would end the table, the rest could start emphasis, code
 * or a link. '>' is left as is: it quotes only at the start of a line, and
 * "12 -> 40" stays readable in the raw summary. */
static void put_md(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '|':
			fputs("\\|", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '`':
		case '*':
		case '_':
		case '\\':
		case '[':
		case ']':
			fputc('\\', out);
			fputc(*s, out);
			break;
		default:
			fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
		}
	}
}

static void print_markdown(FILE *out, const struct diff_set *set, const struct diff_thresholds *th)
{
	struct totals t = count_rows(set);
	struct cells c;
	char reason[512];
	size_t i;
	int k;

	fprintf(out, "### mcptrace diff: %s\n\n", t.failing ? "regression" : "no regression");
	fprintf(out,
		"%zu of %zu method/targets fail (%zu regressed, %zu new, %zu gone). "
		"Limits: p95 +%g%% and +%.3f ms, error rate +%g points.\n\n",
		t.failing, set->n, t.regressed, t.new_, t.gone, th->max_p95_increase_pct,
		(double)th->min_delta_ns / 1e6, th->max_error_rate_increase_pp);
	for (k = 0; k < N_COLS; k++)
		fprintf(out, "| %s ", col_names[k]);
	fputs("|\n", out);
	for (k = 0; k < N_COLS; k++)
		fputs(k < 2 || k == N_COLS - 1 ? "| --- " : "| ---: ", out);
	fputs("|\n", out);
	for (i = 0; i < set->n; i++) {
		row_cells(&set->rows[i], &c);
		for (k = 0; k < N_COLS; k++) {
			fputs("| ", out);
			if (k == N_COLS - 1 && set->rows[i].fails)
				fputs("**", out);
			put_md(out, c.v[k]);
			if (k == N_COLS - 1 && set->rows[i].fails)
				fputs("**", out);
			fputc(' ', out);
		}
		fputs("|\n", out);
	}
	if (t.failing)
		fputs("\nRegressions:\n\n", out);
	for (i = 0; i < set->n; i++) {
		const struct diff_row *r = &set->rows[i];

		if (!r->fails)
			continue;
		why(reason, sizeof(reason), r, th);
		fputs("- **", out);
		put_md(out, or_dash(r->method));
		fputc(' ', out);
		put_md(out, or_dash(r->target));
		fputs("**: ", out);
		put_md(out, reason);
		fputc('\n', out);
	}
}

static cJSON *side_json(const struct diff_side *s)
{
	cJSON *o;
	bool ok;

	if (!s->calls)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	ok = cJSON_AddNumberToObject(o, "calls", (double)s->calls) &&
	     cJSON_AddNumberToObject(o, "failed", (double)s->failed) &&
	     cJSON_AddNumberToObject(o, "error_rate_pct", diff__error_rate(s)) &&
	     cJSON_AddNumberToObject(o, "answered", (double)s->answered);
	if (s->answered)
		ok = ok && cJSON_AddNumberToObject(o, "p50_ms", (double)s->p50 / 1e6) &&
		     cJSON_AddNumberToObject(o, "p95_ms", (double)s->p95 / 1e6) &&
		     cJSON_AddNumberToObject(o, "p99_ms", (double)s->p99 / 1e6);
	else
		ok = ok && cJSON_AddNullToObject(o, "p50_ms") &&
		     cJSON_AddNullToObject(o, "p95_ms") && cJSON_AddNullToObject(o, "p99_ms");
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The outcome as one word: regressed, new, gone, faster or ok. */
static const char *json_result(const struct diff_row *r)
{
	if (r->flags & (DIFF_F_P95 | DIFF_F_ERRORS))
		return "regressed";
	if (r->flags & DIFF_F_NEW)
		return "new";
	if (r->flags & DIFF_F_GONE)
		return "gone";
	return r->flags & DIFF_F_FASTER ? "faster" : "ok";
}

static int print_json(FILE *out, const struct diff_set *set, const struct diff_thresholds *th)
{
	struct totals t = count_rows(set);
	cJSON *o, *a, *b, *h;
	size_t i;
	bool ok;
	int err;

	for (i = 0; i < set->n; i++) {
		const struct diff_row *r = &set->rows[i];

		o = cJSON_CreateObject();
		a = cJSON_CreateArray();
		b = side_json(&r->base);
		h = side_json(&r->head);
		ok = o && a && b && h;
		if (ok) {
			cJSON_AddItemToObject(o, "method",
					      r->method ? cJSON_CreateString(r->method)
							: cJSON_CreateNull());
			cJSON_AddItemToObject(o, "target",
					      r->target ? cJSON_CreateString(r->target)
							: cJSON_CreateNull());
			cJSON_AddItemToObject(o, "base", b);
			cJSON_AddItemToObject(o, "head", h);
			b = h = NULL;
			if (r->flags & DIFF_F_P95)
				cJSON_AddItemToArray(a, cJSON_CreateString("p95"));
			if (r->flags & DIFF_F_ERRORS)
				cJSON_AddItemToArray(a, cJSON_CreateString("errors"));
			cJSON_AddItemToObject(o, "regressions", a);
			a = NULL;
			ok = cJSON_AddStringToObject(o, "result", json_result(r)) &&
			     cJSON_AddBoolToObject(o, "few_calls", r->flags & DIFF_F_FEW) &&
			     cJSON_AddBoolToObject(o, "fails", r->fails);
			if (r->base.answered && r->head.answered)
				ok = ok &&
				     cJSON_AddNumberToObject(o, "p95_change_ms",
							     (double)(r->head.p95 - r->base.p95) /
								 1e6) &&
				     (r->base.p95 > 0
					  ? cJSON_AddNumberToObject(
						o, "p95_change_pct",
						diff__p95_change_pct(&r->base, &r->head)) != NULL
					  : cJSON_AddNullToObject(o, "p95_change_pct") != NULL);
		}
		cJSON_Delete(a);
		cJSON_Delete(b);
		cJSON_Delete(h);
		if (!ok) {
			cJSON_Delete(o);
			return -ENOMEM;
		}
		err = json__put_line(out, o);
		if (err)
			return err;
	}
	o = cJSON_CreateObject();
	ok = o && cJSON_AddTrueToObject(o, "summary") &&
	     cJSON_AddNumberToObject(o, "targets", (double)set->n) &&
	     cJSON_AddNumberToObject(o, "failing", (double)t.failing) &&
	     cJSON_AddNumberToObject(o, "regressed", (double)t.regressed) &&
	     cJSON_AddNumberToObject(o, "new", (double)t.new_) &&
	     cJSON_AddNumberToObject(o, "gone", (double)t.gone) &&
	     cJSON_AddBoolToObject(o, "fails", t.failing > 0) &&
	     cJSON_AddNumberToObject(o, "max_p95_increase_pct", th->max_p95_increase_pct) &&
	     cJSON_AddNumberToObject(o, "min_delta_ms", (double)th->min_delta_ns / 1e6) &&
	     cJSON_AddNumberToObject(o, "max_error_rate_increase_pct",
				     th->max_error_rate_increase_pp) &&
	     cJSON_AddBoolToObject(o, "fail_on_missing", th->fail_on_missing) &&
	     cJSON_AddNumberToObject(o, "min_calls", (double)th->min_calls);
	if (!ok) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	return json__put_line(out, o);
}

/* XML text and attribute values. Characters XML 1.0 forbids (most of C0)
 * become '?': a JUnit parser rejects the whole file for one of them. */
static void put_xml(FILE *out, const char *s)
{
	text__put_markup(out, s, "&apos;", "?", false);
}

static int write_junit(const char *path, const struct diff_set *set,
		       const struct diff_thresholds *th)
{
	struct totals t = count_rows(set);
	struct cells c;
	char reason[512];
	FILE *f;
	size_t i;

	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "mcptrace: failed to create %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"mcptrace diff\" tests=\"%zu\" failures=\"%zu\">\n"
		"  <testsuite name=\"mcptrace diff\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"0\">\n",
		set->n, t.failing, set->n, t.failing);
	for (i = 0; i < set->n; i++) {
		const struct diff_row *r = &set->rows[i];

		row_cells(r, &c);
		fputs("    <testcase classname=\"mcptrace.", f);
		put_xml(f, or_dash(r->method));
		fputs("\" name=\"", f);
		put_xml(f, or_dash(r->method));
		fputc(' ', f);
		put_xml(f, or_dash(r->target));
		fprintf(f, "\" time=\"%.6f\">\n",
			r->head.answered ? (double)r->head.p95 / 1e9 : 0.0);
		if (r->fails) {
			why(reason, sizeof(reason), r, th);
			fputs("      <failure type=\"regression\" message=\"", f);
			put_xml(f, reason);
			fputs("\"/>\n", f);
		}
		fputs("      <system-out>calls ", f);
		put_xml(f, c.calls);
		fputs("; err% ", f);
		put_xml(f, c.rate);
		fputs("; p50 ", f);
		put_xml(f, c.p50);
		fputs("; p95 ", f);
		put_xml(f, c.p95);
		fputs("; p99 ", f);
		put_xml(f, c.p99);
		fputs("; ", f);
		put_xml(f, c.v[N_COLS - 1]);
		fputs("</system-out>\n    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "mcptrace: failed to write %s\n", path);
		return -EIO;
	}
	return 0;
}

enum diff_format { FMT_TEXT, FMT_MARKDOWN, FMT_JSON };

int cmd_diff(int argc, char **argv)
{
	enum { O_P95 = 256, O_DELTA, O_ERR, O_FORMAT, O_JSON, O_JUNIT, O_MISSING, O_MIN_CALLS };
	static const struct option opts[] = {
	    {"max-p95-increase", required_argument, NULL, O_P95},
	    {"min-delta", required_argument, NULL, O_DELTA},
	    {"max-error-rate-increase", required_argument, NULL, O_ERR},
	    {"format", required_argument, NULL, O_FORMAT},
	    {"json", no_argument, NULL, O_JSON},
	    {"junit", required_argument, NULL, O_JUNIT},
	    {"fail-on-missing", no_argument, NULL, O_MISSING},
	    {"min-calls", required_argument, NULL, O_MIN_CALLS},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct diff_thresholds th = {
	    .max_p95_increase_pct = DIFF_DEFAULT_P95_PCT,
	    .min_delta_ns = DIFF_DEFAULT_MIN_DELTA_NS,
	    .max_error_rate_increase_pp = DIFF_DEFAULT_ERROR_PP,
	    .min_calls = DIFF_DEFAULT_MIN_CALLS,
	};
	long long min_calls;
	struct diff_set base = {0}, head = {0}, all = {0};
	enum diff_format fmt = FMT_TEXT;
	const char *junit = NULL, *base_path, *head_path;
	sqlite3 *db_base = NULL, *db_head = NULL;
	int c, err, status = 2;

	/* Our own messages, not getopt's; optind 0 restarts getopt fully so
	 * tests can run the command more than once. Options may follow the
	 * two files (GNU permutation). */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case O_P95:
			if (diff__parse_percent("--max-p95-increase", optarg,
						&th.max_p95_increase_pct))
				return 2;
			break;
		case O_DELTA:
			if (diff__parse_duration("--min-delta", optarg, &th.min_delta_ns))
				return 2;
			break;
		case O_ERR:
			if (diff__parse_percent("--max-error-rate-increase", optarg,
						&th.max_error_rate_increase_pp))
				return 2;
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "text"))
				fmt = FMT_TEXT;
			else if (!strcmp(optarg, "markdown") || !strcmp(optarg, "md"))
				fmt = FMT_MARKDOWN;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else {
				fprintf(
				    stderr,
				    "mcptrace: --format wants text, markdown or json, not '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case O_JSON:
			fmt = FMT_JSON;
			break;
		case O_JUNIT:
			if (!*optarg) {
				fprintf(stderr, "mcptrace: --junit needs a file name\n");
				return 2;
			}
			junit = optarg;
			break;
		case O_MISSING:
			th.fail_on_missing = true;
			break;
		case O_MIN_CALLS:
			if (cli__parse_int("--min-calls", optarg, 1, 1000000000, &min_calls))
				return 2;
			th.min_calls = (size_t)min_calls;
			break;
		case 'h':
			fputs(diff_help, stdout);
			return 0;
		default:
			return cli__getopt_error("diff", c, argc, argv);
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "mcptrace: diff wants two trace DBs, BASE and HEAD "
				"(see mcptrace diff --help)\n");
		return 2;
	}
	base_path = argv[optind];
	head_path = argv[optind + 1];

	/* store__open_readonly names the file in its message. */
	if (store__open_readonly(&db_base, base_path) || store__open_readonly(&db_head, head_path))
		goto cleanup;
	if (load_side(db_base, base_path, &base) || load_side(db_head, head_path, &head) ||
	    merge_sides(&base, &head, &all, &th))
		goto cleanup;
	if (!head.n && base.n)
		fprintf(stderr, "mcptrace: warning: %s (HEAD) has no calls\n", head_path);

	if (fmt == FMT_JSON)
		err = print_json(stdout, &all, &th);
	else if (fmt == FMT_MARKDOWN)
		err = (print_markdown(stdout, &all, &th), 0);
	else
		err = (print_text(stdout, &all, &th), 0);
	if (err) {
		fprintf(stderr, "mcptrace: out of memory\n");
		goto cleanup;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "mcptrace: failed to write the report: %s\n", strerror(errno));
		goto cleanup;
	}
	if (junit && write_junit(junit, &all, &th))
		goto cleanup;
	status = count_rows(&all).failing ? 1 : 0;

cleanup:
	set_free(&base);
	set_free(&head);
	set_free(&all);
	sqlite3_close(db_base);
	sqlite3_close(db_head);
	return status;
}
