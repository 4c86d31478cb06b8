// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * report_html: what the HTML report needs besides the data: escaping of
 * the strings that come from the DB, and the stylesheet. Every method,
 * tool name, URI and error message in a trace DB was written by a traced
 * program, so all of it goes through report_html__put: a tool named
 * "<script>" must show as text, not run.
 */
#include <stdio.h>

#include "cmd/report_html.h"
#include "cmd/text.h"

/* Tab and newline are kept: titles show them as line breaks. Other
 * controls, which HTML rejects or renders invisibly, become U+FFFD. */
void report_html__put(FILE *out, const char *s)
{
	text__put_markup(out, s, "&#39;", "\xef\xbf\xbd", true);
}

/* Colours: blue ok, red errors, amber unanswered, grey cancelled; the same
 * in the legend, the bars and the histograms. */
const char report_css[] =
    ":root{--ok:#3b73c4;--err:#d0342c;--unans:#e69a00;--canc:#8a8a8a;--pend:#7a5cc2;"
    "--fg:#1d2330;--mute:#5d6576;--line:#d9dde5;--bg:#fff;--panel:#f6f7fa}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:1180px;padding:24px;font:14px/1.45 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px "
    "solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}\n"
    ".meta,.note{color:var(--mute);font-size:13px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0;padding:0}\n"
    ".card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px "
    "14px;min-width:110px}\n"
    ".card dt{font-size:12px;color:var(--mute);text-transform:uppercase;letter-spacing:.04em}\n"
    ".card dd{margin:0;font-size:22px;font-weight:600}\n"
    ".card.bad dd{color:var(--err)}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:middle}\n"
    "th{font-size:12px;color:var(--mute);text-transform:uppercase;letter-spacing:.03em}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.name{max-width:260px;overflow-wrap:anywhere;font-family:ui-monospace,monospace;"
    "font-size:13px}\n"
    "td.method{white-space:nowrap}\n"
    "svg{display:block;overflow:visible}\n"
    "svg text{font:11px ui-monospace,monospace;fill:var(--fg)}\n"
    "svg .axis{stroke:var(--line)}\nsvg .tick{fill:var(--mute)}\n"
    ".hbin{fill:var(--ok);opacity:.75}\n"
    ".pmark{stroke-width:2}.p50{stroke:#1a8a4a}.p90{stroke:var(--unans)}.p99{stroke:var(--err)}\n"
    ".bar{stroke:none}.bar.ok{fill:var(--ok)}.bar.error{fill:var(--err)}"
    ".bar.cancelled{fill:var(--canc)}.bar.pending{fill:var(--pend)}\n"
    ".bar.unanswered{fill:url(#hatch);stroke:var(--unans);stroke-dasharray:3 2}\n"
    "g.call:hover .bar{opacity:.7}g.call:hover text{font-weight:700}\n"
    ".legend span{display:inline-block;margin-right:14px}\n"
    ".sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;"
    "vertical-align:-1px}\n"
    ".sw.ok{background:var(--ok)}.sw.error{background:var(--err)}"
    ".sw.unanswered{background:var(--unans)}.sw.cancelled{background:var(--canc)}"
    ".sw.pending{background:var(--pend)}\n"
    ".wf{overflow-x:auto;border:1px solid var(--line);border-radius:6px;padding:6px;"
    "background:var(--panel)}\n"
    "td.sev{font-weight:600;text-transform:uppercase;font-size:12px}\n"
    "td.rule{white-space:nowrap;font:12px ui-monospace,monospace}\n"
    "td.sev.high{color:var(--err)}td.sev.medium{color:var(--unans)}td.sev.low{color:var(--mute)}\n"
    ".excerpt{font:12px ui-monospace,monospace;color:var(--mute);overflow-wrap:anywhere;"
    "margin-top:2px}\n"
    "pre.diff{font:12px ui-monospace,monospace;background:var(--panel);padding:4px 6px;"
    "margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "footer{margin-top:32px;color:var(--mute);font-size:12px}\n";
