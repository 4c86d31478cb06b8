#!/bin/sh
# Integration test of mcptrace diff and scripts/mcptrace-ci.sh on real
# traces: diff_host.mjs (the SDK's Client) calls the "fast" and "slow" tools
# of diff_server.mjs 30 times each over stdio, traced by build/mcptrace run;
# "slow" sleeps DIFF_SLOW_MS first. Two runs without delay must compare
# equal (exit 0); a run with "slow" at 40 ms must fail (exit 1) and name
# tools/call slow and nothing else. Prints "ok"/"not ok" lines. Root only.
# Run from the top of the tree: sh tests/integration/test_diff.sh
cd "$(dirname "$0")/../.." || exit 1
MT=${MT:-build/mcptrace}
IT=tests/integration
fails=0

say_fail() { echo "not ok $*"; fails=$((fails + 1)); }

if [ "$(id -u)" != 0 ]; then
	echo "not ok diff integration tests need root (eBPF): run as root or with sudo"
	exit 1
fi
if [ ! -x "$MT" ]; then
	echo "not ok $MT is not built (run make)"
	exit 1
fi
if [ ! -d "$IT/node_modules/@modelcontextprotocol/sdk" ]; then
	if ! (cd "$IT" && npm ci --no-audit --no-fund --loglevel=error > /dev/null 2>&1); then
		echo "not ok npm ci in $IT failed"
		exit 1
	fi
fi

TMP=$(mktemp -d /tmp/mcptrace-diff.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# A generous floor: the gate must catch a 40 ms slowdown, and the
# sub-millisecond "fast" tool must not trip it on a busy CI machine.
GATE="--min-delta 15ms --max-p95-increase 50%"

# trace NAME DELAY_MS: the workload under mcptrace run into $TMP/NAME.db
trace() {
	DIFF_SLOW_MS=$2 timeout 120 "$MT" run --quiet --db "$TMP/$1.db" -- \
		node "$IT/diff_host.mjs" 30 > "$TMP/$1.out" 2> "$TMP/$1.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "trace $1 (slow +$2 ms): mcptrace run exited $rc"
		tail -5 "$TMP/$1.err" | sed 's/^/#   /'
		return 1
	fi
	n=$(sqlite3 "$TMP/$1.db" "select count(*) from calls where method = 'tools/call' and status = 'ok'")
	if [ "$n" = 60 ]; then
		echo "ok trace $1 (slow +$2 ms): 60 tools/call calls stored"
	else
		say_fail "trace $1 (slow +$2 ms): $n ok tools/call calls stored, want 60"
		return 1
	fi
}

trace base 0 && trace same 0 && trace slower 40 || {
	echo "$fails failed"
	exit 1
}

# Same workload twice: no regression.
# shellcheck disable=SC2086
"$MT" diff $GATE "$TMP/base.db" "$TMP/same.db" > "$TMP/same.txt" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^mcptrace diff: ok: 0 of ' "$TMP/same.txt"; then
	echo "ok diff of two equal runs exits 0"
else
	say_fail "diff of two equal runs exited $rc"
	sed 's/^/#   /' "$TMP/same.txt"
fi

# "slow" 40 ms slower: exit 1, and only tools/call slow named.
# shellcheck disable=SC2086
"$MT" diff $GATE --junit "$TMP/junit.xml" "$TMP/base.db" "$TMP/slower.db" > "$TMP/slower.txt" 2>&1
rc=$?
named=$(grep '^REGRESSION ' "$TMP/slower.txt" | cut -d: -f1)
if [ $rc -eq 1 ] && [ "$named" = "REGRESSION tools/call slow" ]; then
	echo "ok diff flags tools/call slow, and only it (exit 1)"
else
	say_fail "diff of a slowed tool: exit $rc, named '$named' (want 1, 'REGRESSION tools/call slow')"
	sed 's/^/#   /' "$TMP/slower.txt"
fi
if grep -Eq '^tools/call +fast .* ok$' "$TMP/slower.txt" &&
	grep -Eq '^tools/call +slow +30 -> 30 .* REGRESSED p95$' "$TMP/slower.txt"; then
	echo "ok the table shows fast ok and slow regressed, 30 calls each side"
else
	say_fail "the table rows of fast and slow"
	sed 's/^/#   /' "$TMP/slower.txt"
fi
if [ "$(grep -c '<failure ' "$TMP/junit.xml")" = 1 ] &&
	grep -A1 'name="tools/call slow"' "$TMP/junit.xml" | grep -q '<failure type="regression"'; then
	echo "ok junit: one failure, on tools/call slow"
else
	say_fail "junit failures"
	sed 's/^/#   /' "$TMP/junit.xml"
fi
# JSON: the same verdicts, machine-readable
# shellcheck disable=SC2086
"$MT" diff $GATE --format json "$TMP/base.db" "$TMP/slower.db" > "$TMP/slower.json"
if python3 - "$TMP/slower.json" << 'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bad = {(r["method"], r["target"]) for r in rows if r.get("fails") and not r.get("summary")}
summary = rows[-1]
slow = [r for r in rows if r.get("target") == "slow"][0]
ok = (bad == {("tools/call", "slow")} and summary.get("summary") and summary["failing"] == 1
      and slow["head"]["p50_ms"] >= 40 and slow["base"]["p50_ms"] < 15)
sys.exit(0 if ok else 1)
PY
then
	echo "ok json: only tools/call slow fails; its HEAD p50 is over 40 ms"
else
	say_fail "json verdicts"
	sed 's/^/#   /' "$TMP/slower.json"
fi

# The CI wrapper: a regression gives 1 and a Markdown job summary; the same
# workload gives 0; --update-baseline replaces the baseline.
cp "$TMP/base.db" "$TMP/ci-base.db"
# shellcheck disable=SC2086
GITHUB_STEP_SUMMARY="$TMP/summary.md" DIFF_SLOW_MS=40 MCPTRACE=$MT timeout 120 \
	sh scripts/mcptrace-ci.sh --baseline "$TMP/ci-base.db" --db "$TMP/ci-head.db" $GATE -- \
	node "$IT/diff_host.mjs" 30 > "$TMP/ci.out" 2> "$TMP/ci.err"
rc=$?
if [ $rc -eq 1 ] && grep -q '^REGRESSION tools/call slow:' "$TMP/ci.out" &&
	grep -q '^| tools/call | slow | 30 -> 30 |.*REGRESSED p95' "$TMP/summary.md"; then
	echo "ok mcptrace-ci.sh: exit 1, table on stdout, Markdown in GITHUB_STEP_SUMMARY"
else
	say_fail "mcptrace-ci.sh on a regression: exit $rc"
	sed 's/^/#   /' "$TMP/ci.out" "$TMP/ci.err" "$TMP/summary.md"
fi
DIFF_SLOW_MS=40 MCPTRACE=$MT timeout 120 sh scripts/mcptrace-ci.sh --baseline "$TMP/ci-base.db" \
	--db "$TMP/ci-head.db" --update-baseline -- node "$IT/diff_host.mjs" 30 > /dev/null 2>&1
rc1=$?
# shellcheck disable=SC2086
DIFF_SLOW_MS=40 MCPTRACE=$MT timeout 120 sh scripts/mcptrace-ci.sh --baseline "$TMP/ci-base.db" \
	--db "$TMP/ci-head.db" $GATE -- node "$IT/diff_host.mjs" 30 > "$TMP/ci2.out" 2>&1
rc2=$?
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then
	echo "ok mcptrace-ci.sh --update-baseline, then the same workload passes"
else
	say_fail "mcptrace-ci.sh --update-baseline exited $rc1, the next run $rc2 (want 0, 0)"
	sed 's/^/#   /' "$TMP/ci2.out"
fi
MCPTRACE=$MT sh scripts/mcptrace-ci.sh --baseline "$TMP/none.db" -- true > /dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then echo "ok mcptrace-ci.sh without a baseline exits 2"; else say_fail "mcptrace-ci.sh without a baseline exited $rc, want 2"; fi

# Unreadable DBs: exit 2, naming the file.
"$MT" diff "$TMP/base.db" "$TMP/nothere.db" > /dev/null 2> "$TMP/err.txt"
rc=$?
if [ $rc -eq 2 ] && grep -q "nothere.db" "$TMP/err.txt"; then
	echo "ok diff of a missing DB exits 2 and names it"
else
	say_fail "diff of a missing DB: exit $rc: $(cat "$TMP/err.txt")"
fi

[ $fails -eq 0 ]
