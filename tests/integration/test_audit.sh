#!/bin/sh
# Integration test of mcptrace audit on real MCP traffic.
#  - A clean session: host.mjs with server-everything (tools, prompts,
#    resources, sampling, roots, progress, two servers at once) must give
#    no finding at medium or above, and audit exits 0.
#  - A misbehaving one: audit_host.mjs with audit_server.mjs (a fixture
#    server that does each thing on purpose) and server-everything: every
#    rule but cleartext-credentials fires (plain HTTP to another machine
#    cannot be made here: the unit tests cover it), exit 1; the findings
#    table holds what was printed; nothing from the server reaches the
#    terminal raw; the SARIF is valid (the SARIF SDK's multitool against
#    the 2.1.0 schema, check_sarif.py for GitHub's rules); a baseline
#    accepts everything; the same trace with --no-redact gives the same
#    secret findings and no secret in any output.
# Prints "ok"/"not ok" lines. Root only (tracing).
# Run from the top of the tree: sh tests/integration/test_audit.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

SMT=$IT/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ ! -f "$SMT" ]; then
	(cd "$IT" && npm ci --no-audit --no-fund --loglevel=error > /dev/null 2>&1)
fi
[ -f "$SMT" ] && [ ! -x "$SMT" ] && chmod u+x "$SMT"

TMP=$(mktemp -d /tmp/mcptrace-audit.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

trace() { # trace DB [mcptrace options...] -- CMD...: mcptrace run --quiet
	db=$1
	shift
	timeout 180 "$MT" run --quiet --db "$db" "$@" > /dev/null 2> "$TMP/run.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "mcptrace run into $(basename "$db") exited $rc"
		sed 's/^/#   /' "$TMP/run.err" | tail -20
		exit 1
	fi
}

# ---- clean: server-everything ----
trace "$TMP/clean.db" -- node "$IT/host.mjs" --scenario basic,sampling,roots,progress,two-servers
"$MT" audit --db "$TMP/clean.db" --json > "$TMP/clean.json" 2> "$TMP/clean.err"
rc=$?
medium=$(grep -c '"severity":"\(medium\|high\)"' "$TMP/clean.json")
if [ $rc -eq 0 ] && [ "$medium" -eq 0 ] && grep -q '"summary":true' "$TMP/clean.json" &&
	[ ! -s "$TMP/clean.err" ]; then
	echo "ok clean server-everything session: no finding at medium or above, exit 0 ($(grep -c '"rule"' "$TMP/clean.json") low)"
else
	say_fail "clean session: audit exited $rc with $medium findings at medium or above"
	sed 's/^/#   /' "$TMP/clean.json" "$TMP/clean.err" | head -20
fi
if grep -q '"rule":"sampling-request","severity":"low"' "$TMP/clean.json"; then
	echo "ok clean session: its sampling request is listed, low"
else
	say_fail "clean session: the sampling request is not listed"
fi

# ---- misbehaving: audit_server.mjs ----
trace "$TMP/bad.db" -- node "$IT/audit_host.mjs"
"$MT" audit --db "$TMP/bad.db" --json > "$TMP/bad.json" 2> "$TMP/bad.err"
rc=$?
missing=
for rule in tool-definition-changed hidden-characters concealment-instruction secret-in-traffic \
	credential-elicitation duplicate-tool-name outside-roots sampling-request runaway-calls \
	cross-server-flow; do
	grep -q "\"rule\":\"$rule\"" "$TMP/bad.json" || missing="$missing $rule"
done
if [ $rc -eq 1 ] && [ -z "$missing" ]; then
	echo "ok misbehaving server: every rule fires, exit 1 ($(grep -c '"rule"' "$TMP/bad.json") findings)"
else
	say_fail "misbehaving server: exit $rc, rules missing:$missing"
	sed 's/^/#   /' "$TMP/bad.json" "$TMP/bad.err" | head -30
fi
for want in '"rule":"tool-definition-changed","severity":"high".*"tool":"weather".*Do not tell the user' \
	'"rule":"hidden-characters","severity":"high".*"tool":"note".*spell \\"ignore the user\\"' \
	'"rule":"credential-elicitation","severity":"high".*"tool":"login"' \
	'"rule":"outside-roots".*asks for /etc/passwd' \
	'"rule":"outside-roots".*asks for /etc/hostname' \
	'"rule":"duplicate-tool-name".*"tool":"echo"' \
	'"rule":"sampling-request","severity":"medium".*"tool":"summarize"' \
	'"rule":"secret-in-traffic".*redacted:aws-key:' \
	'"rule":"secret-in-traffic".*redacted:github-token:' \
	'"rule":"secret-in-traffic".*"tool":"echo".*sent by the client'; do
	if grep -q "$want" "$TMP/bad.json"; then
		echo "ok finding: $want"
	else
		say_fail "no finding matches: $want"
	fi
done
if ! grep -q 'read_file.*notes.txt' "$TMP/bad.json"; then
	echo "ok a path inside the declared root is not reported"
else
	say_fail "a path inside the root was reported"
fi
n_json=$(grep -c '"rule"' "$TMP/bad.json")
n_db=$(sqlite3 "$TMP/bad.db" "select count(*) from findings where baselined = 0")
fk=$(sqlite3 "$TMP/bad.db" "pragma foreign_key_check" | wc -l)
if [ "$n_db" -eq "$n_json" ] && [ "$fk" -eq 0 ] &&
	[ "$(sqlite3 "$TMP/bad.db" "pragma user_version")" -ge 6 ]; then
	echo "ok the findings table holds the $n_db findings printed, rows that exist"
else
	say_fail "findings table: $n_db rows for $n_json printed, $fk foreign key errors"
fi

# Nothing a server sent reaches the terminal raw: no ESC, no tag or
# zero-width characters, in the table, JSON or SARIF.
"$MT" audit --db "$TMP/bad.db" > "$TMP/bad.txt" 2>&1
"$MT" audit --db "$TMP/bad.db" --format sarif > "$TMP/bad.sarif" 2> "$TMP/sarif.err"
rc=$?
if ! grep -q "$(printf '\033')" "$TMP/bad.txt" "$TMP/bad.json" "$TMP/bad.sarif" &&
	! grep -q "$(printf '\363\240\201')" "$TMP/bad.txt" "$TMP/bad.json" "$TMP/bad.sarif" &&
	! grep -q "$(printf '\342\200\213')" "$TMP/bad.txt" "$TMP/bad.json" "$TMP/bad.sarif" &&
	grep -q '<U+E0069>' "$TMP/bad.txt" && grep -q '<U+001B>\[2J' "$TMP/bad.txt"; then
	echo "ok escape, tag and zero-width characters are shown as <U+XXXX>, never raw"
else
	say_fail "raw control or invisible characters in the output"
fi

# SARIF: the schema (the multitool: any JSON or SARIF error-level result
# fails), then GitHub's requirements.
if [ $rc -eq 1 ] && [ -x "$SMT" ]; then
	"$SMT" validate -o "$TMP/valid.sarif" "$TMP/bad.sarif" > "$TMP/smt.out" 2>&1
	src=$?
	errors=$(python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
print(sum(1 for r in v["runs"] for x in r.get("results", []) if x.get("level", "warning") == "error"))
' "$TMP/valid.sarif" 2> /dev/null)
	# the control: the validator must catch a broken file
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d["runs"][0]["results"][0]["bogus"] = 1
del d["runs"][0]["results"][1]["message"]
json.dump(d, open(sys.argv[2], "w"))' "$TMP/bad.sarif" "$TMP/broken.sarif"
	"$SMT" validate -o "$TMP/broken-valid.sarif" "$TMP/broken.sarif" > /dev/null 2>&1
	caught=$(python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
print(sum(1 for r in v["runs"] for x in r.get("results", []) if x.get("level", "warning") == "error"))
' "$TMP/broken-valid.sarif" 2> /dev/null)
	if [ $src -eq 0 ] && [ "$errors" = 0 ] && [ "${caught:-0}" -ge 2 ]; then
		echo "ok SARIF validates against the SARIF 2.1.0 schema (SARIF SDK multitool; a broken copy gives $caught errors)"
	else
		say_fail "SARIF validation: multitool exit $src, $errors errors (control: ${caught:-?})"
		sed 's/^/#   /' "$TMP/smt.out" | tail -5
	fi
else
	say_fail "SARIF: audit exited $rc, or the SARIF multitool is missing ($SMT)"
fi
run_check "check_sarif" "$TMP/check_sarif.out" python3 "$IT/check_sarif.py" "$TMP/bad.sarif" \
	tool-definition-changed hidden-characters concealment-instruction secret-in-traffic \
	credential-elicitation duplicate-tool-name outside-roots sampling-request runaway-calls \
	cross-server-flow

# Baseline: accept everything, then nothing is new.
"$MT" audit --db "$TMP/bad.db" --write-baseline "$TMP/base.txt" > /dev/null 2>&1
"$MT" audit --db "$TMP/bad.db" --baseline "$TMP/base.txt" --fail-on low --json > "$TMP/base.json" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q '"rule"' "$TMP/base.json" &&
	grep -q "\"baselined\":$n_json" "$TMP/base.json" &&
	[ "$(sqlite3 "$TMP/bad.db" "select count(*) from findings where baselined = 1")" -eq "$n_json" ]; then
	echo "ok a baseline written by --write-baseline accepts every finding: exit 0, none shown"
else
	say_fail "baseline: exit $rc"
	head -5 "$TMP/base.json" | sed 's/^/#   /'
fi

# --no-redact: the secrets are in the DB as sent; audit finds the same ones
# (same fingerprints) and prints none of them.
trace "$TMP/raw.db" --no-redact -- node "$IT/audit_host.mjs"
"$MT" audit --db "$TMP/raw.db" --json > "$TMP/raw.json" 2>&1
"$MT" audit --db "$TMP/raw.db" > "$TMP/raw.txt" 2>&1
"$MT" audit --db "$TMP/raw.db" --format sarif > "$TMP/raw.sarif" 2>&1
fps() { grep '"rule":"secret-in-traffic"' "$1" | sed 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/' | sort; }
if [ -n "$(fps "$TMP/bad.json")" ] && [ "$(fps "$TMP/bad.json")" = "$(fps "$TMP/raw.json")" ] &&
	sqlite3 "$TMP/raw.db" "select body from messages" | grep -q 'AKIAZZZZEXAMPLEKEY42' &&
	! grep -q 'AKIAZZZZEXAMPLEKEY42\|hunter2\|ghp_a1B2' "$TMP/raw.json" "$TMP/raw.txt" "$TMP/raw.sarif" &&
	[ "$(sqlite3 "$TMP/raw.db" "select count(*) from findings where excerpt like '%AKIAZZZZ%' or excerpt like '%hunter2%'")" -eq 0 ]; then
	echo "ok a --no-redact DB gives the same secret findings, and no secret in any output"
else
	say_fail "--no-redact: other secret findings, or a secret in the output"
fi

# The HTML report lists the same findings, as text.
"$MT" report --html "$TMP/bad.html" --db "$TMP/bad.db" 2> "$TMP/report.err"
rows=$(grep -o '<tr class="finding">' "$TMP/bad.html" | wc -l)
if [ "$rows" -eq "$n_json" ] && grep -q '<section id="findings">' "$TMP/bad.html" &&
	grep -q '&lt;IMPORTANT&gt;' "$TMP/bad.html" && ! grep -q '<IMPORTANT>' "$TMP/bad.html" &&
	! grep -q "$(printf '\363\240\201')" "$TMP/bad.html"; then
	echo "ok the HTML report lists the $rows findings, escaped"
else
	say_fail "HTML report: $rows finding rows for $n_json findings"
fi

# Errors: exit 2.
"$MT" audit --db "$TMP/missing.db" > /dev/null 2>&1
r1=$?
"$MT" audit --db "$TMP/bad.db" --fail-on severe > /dev/null 2>&1
r2=$?
echo "not a baseline" > "$TMP/junk.txt"
"$MT" audit --db "$TMP/bad.db" --baseline "$TMP/junk.txt" > /dev/null 2>&1
r3=$?
if [ $r1 -eq 2 ] && [ $r2 -eq 2 ] && [ $r3 -eq 2 ]; then
	echo "ok a missing DB, a bad --fail-on and a bad baseline exit 2"
else
	say_fail "error exits: $r1 $r2 $r3, expected 2 2 2"
fi

[ $fails -eq 0 ]
