// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mcptrace diff: compares two trace DBs, BASE and HEAD, per method and
 * target, and says whether HEAD regressed: a latency gate for CI. This file
 * reads the options and the DBs (read-only, as stats does, through
 * summary.c) and pairs the targets of both sides; the verdicts come from
 * diff.c, the text, Markdown, JSON Lines and JUnit outputs from
 * diff_print.c.
 *
 * Exit status: 0 no regression, 1 HEAD regressed, 2 the comparison could
 * not be made (usage, an unreadable DB, an unwritable --junit file); CI
 * scripts tell "slower" from "broken" by it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/diff_print.h"
#include "db/hop_summary.h"
#include "db/latency.h"
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
    "ROWS\n"
    "   gateway:METHOD TARGET\n"
    "               the own time of a gateway that forwarded METHOD TARGET\n"
    "               (see mcptrace stats --by hop), as its latency: judged\n"
    "               by the same thresholds\n"
    "\n"
    "EXAMPLES\n"
    "   mcptrace diff base.db head.db\n"
    "   mcptrace diff base.db head.db --max-p95-increase 10% --min-delta 2ms \\\n"
    "       --format markdown --junit mcptrace-junit.xml\n"
    "\n"
    "Exit status: 0 no regression, 1 HEAD regressed (each regressed method and\n"
    "target is named), 2 usage error or a DB that could not be read.\n";

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

/* The method of a gateway's own time row: "gateway:" and the method. */
#define GATEWAY_PREFIX "gateway:"

/* A row of a gateway's own time for the calls of one method and target it
 * forwarded (db/hop_summary.h): judged as a latency, never failed. */
static int add_hop_group(const struct hop_group *g, void *ctx)
{
	size_t n = strlen(GATEWAY_PREFIX) + (g->method ? strlen(g->method) : 1) + 1;
	char *method = malloc(n);
	struct diff_row *r;

	if (!method)
		return -ENOMEM;
	snprintf(method, n, "%s%s", GATEWAY_PREFIX, g->method ? g->method : "?");
	r = set_add(ctx, method, g->target);
	free(method);
	if (!r)
		return -ENOMEM;
	r->base.calls = g->linked;
	r->base.answered = g->gateway.n;
	if (g->gateway.n) {
		r->base.p50 = latency__percentile(g->gateway.v, g->gateway.n, 50);
		r->base.p95 = latency__percentile(g->gateway.v, g->gateway.n, 95);
		r->base.p99 = latency__percentile(g->gateway.v, g->gateway.n, 99);
	}
	return 0;
}

static int row_cmp(const void *x, const void *y)
{
	const struct diff_row *a = x, *b = y;
	int c = summary__key_cmp(a->method, b->method);

	return c ? c : summary__key_cmp(a->target, b->target);
}

/*
 * Summarizes the calls of one DB into set, one row per (method, target) in
 * key order, filling in each row's base side (the caller moves it to head
 * where needed); then a "gateway:METHOD" row per method and target a
 * gateway forwarded, with the gateway's own time as its latency, so a
 * gateway that got slower fails the gate as a server would. Returns 0 or
 * a negative errno, with a line on stderr.
 */
static int load_side(sqlite3 *db, const char *path, struct diff_set *set)
{
	int err = summary__read_groups(db, path, SUMMARY_BY_METHOD_TARGET, add_group, set);

	if (!err)
		err = hop_summary__read(db, add_hop_group, set);
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	if (!err)
		qsort(set->rows, set->n, sizeof(*set->rows), row_cmp);
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
		err = diff_print__json(stdout, &all, &th);
	else if (fmt == FMT_MARKDOWN)
		err = (diff_print__markdown(stdout, &all, &th), 0);
	else
		err = (diff_print__text(stdout, &all, &th), 0);
	if (err) {
		fprintf(stderr, "mcptrace: out of memory\n");
		goto cleanup;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "mcptrace: failed to write the report: %s\n", strerror(errno));
		goto cleanup;
	}
	if (junit && diff_print__junit(junit, &all, &th))
		goto cleanup;
	status = diff_print__failing(&all) ? 1 : 0;

cleanup:
	set_free(&base);
	set_free(&head);
	set_free(&all);
	sqlite3_close(db_base);
	sqlite3_close(db_head);
	return status;
}
