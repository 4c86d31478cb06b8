// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * diff_print: the outputs of mcptrace diff (see diff_print.h): a text
 * table for CI logs, a Markdown table for job summaries, JSON Lines, and
 * JUnit XML. Every format shows the same cells (row_cells) and the same
 * reasons (why), so they never disagree on a number. Reading the DBs and
 * the verdicts are elsewhere (cmd_diff.c, diff.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "cmd/diff_print.h"
#include "cmd/json.h"
#include "cmd/text.h"

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

void diff_print__text(FILE *out, const struct diff_set *set, const struct diff_thresholds *th)
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

void diff_print__markdown(FILE *out, const struct diff_set *set, const struct diff_thresholds *th)
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

int diff_print__json(FILE *out, const struct diff_set *set, const struct diff_thresholds *th)
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
		err = json__put_line(out, o, ok);
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
	return json__put_line(out, o, ok);
}

/* XML text and attribute values. Characters XML 1.0 forbids (most of C0)
 * become '?': a JUnit parser rejects the whole file for one of them. */
static void put_xml(FILE *out, const char *s)
{
	text__put_markup(out, s, "&apos;", "?", false);
}

int diff_print__junit(const char *path, const struct diff_set *set,
		      const struct diff_thresholds *th)
{
	struct totals t = count_rows(set);
	struct cells c;
	char reason[512];
	FILE *f;
	size_t i;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int err = -errno;

		fprintf(stderr, "mcptrace: failed to create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
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

size_t diff_print__failing(const struct diff_set *set)
{
	return count_rows(set).failing;
}
