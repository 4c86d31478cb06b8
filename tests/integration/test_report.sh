#!/bin/sh
# Integration test of mcptrace report: traces a real MCP workload
# (diff_host.mjs calling diff_server.mjs over stdio, the SDK on both ends),
# writes the HTML report, and renders it in headless Chromium from Debian:
# the DOM it builds must hold the tool names, a histogram per method and
# target and a waterfall bar per call; a screenshot must come out. Also a
# DB with a hostile tool name and more calls than the waterfall cap.
# Prints "ok"/"not ok" lines. Root only (tracing).
# Run from the top of the tree: sh tests/integration/test_report.sh
cd "$(dirname "$0")/../.." || exit 1
MT=${MT:-build/mcptrace}
IT=tests/integration
fails=0

say_fail() { echo "not ok $*"; fails=$((fails + 1)); }

if [ "$(id -u)" != 0 ]; then
	echo "not ok report integration tests need root (eBPF): run as root or with sudo"
	exit 1
fi
if [ ! -x "$MT" ]; then
	echo "not ok $MT is not built (run make)"
	exit 1
fi
if ! command -v chromium > /dev/null; then
	echo "not ok chromium is not installed (scripts/install-deps.sh installs it)"
	exit 1
fi

TMP=$(mktemp -d /tmp/mcptrace-report.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# chrome FLAGS... URL: headless Chromium as it must run here (root, no
# GPU, no network of its own), with a fresh profile each time.
chrome() {
	prof=$(mktemp -d "$TMP/profile.XXXXXX")
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" "$@" 2> "$TMP/chromium.err"
}

DIFF_SLOW_MS=5 timeout 120 "$MT" run --quiet --db "$TMP/t.db" -- \
	node "$IT/diff_host.mjs" 20 > /dev/null 2> "$TMP/run.err"
rc=$?
[ $rc -eq 0 ] || {
	say_fail "mcptrace run exited $rc"
	sed 's/^/#   /' "$TMP/run.err"
	exit 1
}
"$MT" report --html "$TMP/r.html" --db "$TMP/t.db" 2> "$TMP/report.err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$TMP/r.html" ] && [ ! -s "$TMP/report.err" ]; then
	echo "ok report --html writes the page"
else
	say_fail "report --html exited $rc: $(cat "$TMP/report.err")"
	exit 1
fi
if grep -Eq '(src|href)=|https?://|<script|@import|url\((["'"'"']?)http' "$TMP/r.html"; then
	say_fail "the page refers to something outside itself"
else
	echo "ok the page is self-contained (no src, href, script or URL)"
fi

chrome --dump-dom "file://$TMP/r.html" > "$TMP/dom.html"
calls=$(sqlite3 "$TMP/t.db" "select count(*) from calls where start_ns is not null")
groups=$(sqlite3 "$TMP/t.db" "select count(*) from (select distinct method, target from calls)")
bars=$(grep -o '<rect class="bar ok"' "$TMP/dom.html" | wc -l)
hists=$(grep -o '<svg class="hist"' "$TMP/dom.html" | wc -l)
if grep -q '<td class="name">fast</td>' "$TMP/dom.html" &&
	grep -q '<td class="name">slow</td>' "$TMP/dom.html" &&
	grep -q '<dt>calls</dt><dd>'"$calls"'</dd>' "$TMP/dom.html"; then
	echo "ok chromium's DOM names the tools fast and slow and counts $calls calls"
else
	say_fail "chromium's DOM lacks the tool names or the call count ($calls)"
	head -c 2000 "$TMP/dom.html" | sed 's/^/#   /'
	sed 's/^/#   /' "$TMP/chromium.err" | tail -5
fi
if [ "$bars" -eq "$calls" ] && [ "$hists" -eq "$groups" ] && [ "$calls" -ge 42 ]; then
	echo "ok chromium's DOM: $hists histograms (one per method/target), $bars waterfall bars (one per call)"
else
	say_fail "chromium's DOM: $hists histograms for $groups groups, $bars bars for $calls calls"
fi
chrome --window-size=1280,1600 --screenshot="$TMP/shot.png" "file://$TMP/r.html" > /dev/null
if [ "$(head -c 8 "$TMP/shot.png" 2> /dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	[ "$(wc -c < "$TMP/shot.png")" -gt 20000 ]; then
	echo "ok chromium renders a screenshot ($(wc -c < "$TMP/shot.png") bytes)"
else
	say_fail "chromium made no screenshot"
	tail -5 "$TMP/chromium.err" | sed 's/^/#   /'
fi

# A hostile tool name stays text, and a session past the cap says so: a DB
# made from the traced one with sqlite3 (the schema is a contract).
cp "$TMP/t.db" "$TMP/big.db"
sqlite3 "$TMP/big.db" "
update calls set target = '<img src=x onerror=document.title=1>' where target = 'fast';
insert into calls (session_id, direction, method, target, start_ns, end_ns, latency_ns, status)
  with recursive n(i) as (select 1 union all select i + 1 from n where i < 600)
  select (select min(id) from sessions), 'c2s', 'tools/call', 'bulk',
         (select max(start_ns) from calls) + i * 1000, (select max(start_ns) from calls) + i * 1000 + 500,
         500, 'ok' from n;"
"$MT" report --html "$TMP/big.html" --db "$TMP/big.db"
chrome --dump-dom "file://$TMP/big.html" > "$TMP/big-dom.html"
if grep -q 'only the first 500 calls are drawn' "$TMP/big-dom.html" &&
	[ "$(grep -o '<rect class="bar ' "$TMP/big-dom.html" | wc -l)" -eq 500 ] &&
	grep -q '&lt;img src=x onerror=document.title=1&gt;' "$TMP/big-dom.html" &&
	! grep -q '<img' "$TMP/big-dom.html" &&
	grep -q '<title>mcptrace report' "$TMP/big-dom.html"; then
	echo "ok a hostile tool name is shown as text; the waterfall stops at 500 calls and says so"
else
	say_fail "escaping or the waterfall cap in chromium's DOM"
fi

[ $fails -eq 0 ]
