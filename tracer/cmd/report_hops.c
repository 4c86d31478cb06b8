// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report_hops: see report_hops.h. Names come from the traced programs and
 * go through report_html__put, as everywhere in the report.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd/report_hops.h"
#include "cmd/report_html.h"
#include "cmd/report_svg.h"
#include "db/hop_summary.h"

struct section {
	FILE *out;
	bool open; /* the heading and the table's head are written */
};

static void ms_cells(FILE *out, const struct lat_vec *l)
{
	static const unsigned pct[3] = {50, 90, 99};
	char ms[32];

	for (int i = 0; i < 3; i++) {
		if (!l->n) {
			fputs("<td class=\"num\">-</td>", out);
			continue;
		}
		report_svg__fmt_ms(ms, sizeof(ms), latency__percentile(l->v, l->n, pct[i]));
		fprintf(out, "<td class=\"num\">%s</td>", ms);
	}
}

static int write_group(const struct hop_group *g, void *ctx)
{
	struct section *s = ctx;
	FILE *out = s->out;

	if (!s->open) {
		s->open = true;
		fputs("<section id=\"gateways\"><h2>Gateways</h2>\n<p class=\"note\">Calls a "
		      "gateway made to serve a call (calls.parent_call_id): the backend's "
		      "latency and the gateway's own time (the inbound call's time at the "
		      "gateway less the backend's), nearest rank.</p>\n"
		      "<table class=\"latency\"><thead><tr><th>method</th><th>target</th>"
		      "<th>linked</th><th>backend p50</th><th>p90</th><th>p99</th>"
		      "<th>gateway p50</th><th>p90</th><th>p99</th></tr></thead>\n<tbody>\n",
		      out);
	}
	fputs("<tr><td class=\"name method\">", out);
	report_html__put(out, g->method ? g->method : "-");
	fputs("</td><td class=\"name\">", out);
	report_html__put(out, g->target ? g->target : "-");
	fprintf(out, "</td><td class=\"num\">%lld</td>", (long long)g->linked);
	ms_cells(out, &g->backend);
	ms_cells(out, &g->gateway);
	fputs("</tr>\n", out);
	return 0;
}

int report_hops__write(struct sqlite3 *db, FILE *out)
{
	struct section s = {.out = out};
	int err = hop_summary__read(db, write_group, &s);

	if (s.open)
		fputs("</tbody></table></section>\n", out);
	if (err == -ENOMEM)
		fprintf(stderr, "mcptrace: out of memory\n");
	return err;
}
