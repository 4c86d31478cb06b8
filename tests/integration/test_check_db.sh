#!/bin/sh
# Tests the checker itself (no root, no tracer): mkdb.py builds the DB a
# perfect tracer would write for a recorded host.mjs log
# (fixtures/session.jsonl: unknown-tool, sampling, progress, cancel, roots);
# check_db.py must pass on it and fail, on the right check, on each mutation.
cd "$(dirname "$0")/../.." || exit 1
IT=tests/integration
FX=$IT/fixtures/session.jsonl
TMP=$(mktemp -d /tmp/mcptrace-chk.XXXXXX)
fails=0

if ! python3 "$IT/mkdb.py" "$FX" "$TMP/good.db" > "$TMP/mk.out" 2>&1; then
	echo "not ok check_db: mkdb.py failed: $(tail -3 "$TMP/mk.out")"
	exit 1
fi
if python3 "$IT/check_db.py" "$TMP/good.db" "$FX" --name good > "$TMP/good.out" 2>&1 &&
	[ "$(grep -c '^ok good: ' "$TMP/good.out")" -eq 7 ] && ! grep -q '^not ok' "$TMP/good.out"; then
	echo "ok check_db passes a faithful DB (7 checks)"
else
	echo "not ok check_db passes a faithful DB"
	sed 's/^/#   /' "$TMP/good.out"
	fails=$((fails + 1))
fi

# mutant NAME "CHECK TEXT" SQL [check_db options]: SQL applied to a copy of the
# good DB must make the check whose title starts with CHECK TEXT fail.
mutant() {
	name=$1 want=$2 sql=$3
	shift 3
	cp "$TMP/good.db" "$TMP/m.db"
	python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.executescript(sys.argv[2]); d.commit()' "$TMP/m.db" "$sql" || {
		echo "not ok check_db catches $name: bad SQL"
		fails=$((fails + 1))
		return
	}
	python3 "$IT/check_db.py" "$TMP/m.db" "${LOGF:-$FX}" --name m "$@" > "$TMP/m.out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "^not ok m: $want" "$TMP/m.out"; then
		echo "ok check_db catches $name"
	else
		echo "not ok check_db catches $name: exit $rc, no 'not ok m: $want' line"
		sed 's/^/#   /' "$TMP/m.out"
		fails=$((fails + 1))
	fi
}

B="every logged message stored byte-equal"
mutant "a body one byte short" "$B" "UPDATE messages SET body = substr(body, 1, length(body) - 1) WHERE id = 10"
mutant "a body with its newline kept" "$B" "UPDATE messages SET body = body || char(10) WHERE id = 11"
mutant "a body re-serialised (spaces)" "$B" "UPDATE messages SET body = replace(body, ',\"', ', \"') WHERE id = 17"
mutant "a lost notification" "$B" "DELETE FROM messages WHERE id = 22"
mutant "a row in the wrong direction" "$B" "UPDATE messages SET direction = 'c2s' WHERE id = 9"
mutant "a row in the wrong session" "$B" "INSERT INTO sessions(id, transport) VALUES (2, 'stdio'); UPDATE messages SET session_id = 2 WHERE id = 5"
mutant "a duplicated row" "no extra rows" "INSERT INTO messages(session_id, ts_ns, direction, kind, method, size_bytes, body) SELECT session_id, ts_ns, direction, kind, method, size_bytes, body FROM messages WHERE id = 4"
C="message columns"
mutant "rpc_id 1 stored as \"1\"" "$C" "UPDATE messages SET rpc_id = '\"1\"' WHERE id = 10"
mutant "a response without its request's method" "$C" "UPDATE messages SET method = NULL WHERE id = 19"
mutant "an error stored as a response" "$C" "UPDATE messages SET kind = 'response' WHERE id = 13"
mutant "a notification given an rpc_id" "$C" "UPDATE messages SET rpc_id = '0' WHERE id = 3"
mutant "size_bytes counting the newline" "$C" "UPDATE messages SET size_bytes = size_bytes + 1 WHERE id = 25"
mutant "a monotonic ts_ns" "$C" "UPDATE messages SET ts_ns = 123456789 WHERE id = 12"
mutant "a wrong sender_pid" "$C" "UPDATE messages SET sender_pid = 1 WHERE id = 8"
mutant "a truncated flag" "$C" "UPDATE messages SET truncated = 1 WHERE id = 1"
K="calls"
mutant "tool_error stored as ok" "$K" "UPDATE calls SET status = 'ok' WHERE id = 3"
mutant "cancelled stored as unanswered" "$K" "UPDATE calls SET status = 'unanswered' WHERE id = 9"
mutant "a wrong error code" "$K" "UPDATE calls SET error_code = -32600 WHERE id = 4"
mutant "a wrong error message" "$K" "UPDATE calls SET error_message = 'x' WHERE id = 5"
mutant "a missing tool name" "$K" "UPDATE calls SET target = NULL WHERE id = 10"
mutant "a response_msg_id to another row" "$K" "UPDATE calls SET response_msg_id = 31 WHERE id = 10"
mutant "a missing call" "$K" "DELETE FROM calls WHERE id = 7"
mutant "an extra call" "$K" "INSERT INTO calls(session_id, rpc_id, direction, method, status) VALUES (1, '99', 'c2s', 'ping', 'ok')"
mutant "server/client pairing crossed (s2c id 1 paired with c2s id 1)" "$K" "UPDATE calls SET response_msg_id = 11 WHERE id = 7"
mutant "a progress notification not tied to its call" "messages.call_id" "UPDATE messages SET call_id = NULL WHERE id = 23"
mutant "a response tied to another call" "messages.call_id" "UPDATE messages SET call_id = 3 WHERE id = 29"
L="latency"
mutant "a latency above the client's own measure" "$L" "UPDATE calls SET latency_ns = latency_ns * 2 + 2000000 WHERE id = 10"
mutant "a NULL latency on an answered call" "$L" "UPDATE calls SET latency_ns = NULL WHERE id = 8"
mutant "a latency on a cancelled call" "$L" "UPDATE calls SET latency_ns = 5 WHERE id = 9"
mutant "a server latency above the total" "$L" "UPDATE calls SET server_latency_ns = latency_ns + 5000000 WHERE id = 6"
S="sessions"
mutant "a wrong server_name" "$S" "UPDATE sessions SET server_name = 'everything' WHERE id = 1"
mutant "a missing client_name" "$S" "UPDATE sessions SET client_name = NULL WHERE id = 1"
mutant "a wrong server_pid" "$S" "UPDATE sessions SET server_pid = server_pid + 1 WHERE id = 1"
mutant "a session left open (ended_ns NULL)" "$S" "UPDATE sessions SET ended_ns = NULL WHERE id = 1"
mutant "a session started in monotonic time" "$S" "UPDATE sessions SET started_ns = 5000000000 WHERE id = 1"
mutant "an extra session" "$S" "INSERT INTO sessions(transport) VALUES ('stdio')"

# --max-msg: messages over the cap are one row each, truncated, full size.
python3 "$IT/mkdb.py" "$FX" "$TMP/good.db" --max-msg 1000
if python3 "$IT/check_db.py" "$TMP/good.db" "$FX" --name mm --max-msg 1000 > "$TMP/mm.out" 2>&1 &&
	grep -q '^ok mm: every logged message stored byte-equal (35/35 messages, 1 of them truncated)' "$TMP/mm.out"; then
	echo "ok check_db passes a faithful --max-msg DB"
else
	echo "not ok check_db passes a faithful --max-msg DB"
	sed 's/^/#   /' "$TMP/mm.out"
	fails=$((fails + 1))
fi
mutant "a message over --max-msg not marked truncated" "$B" "UPDATE messages SET truncated = 0 WHERE id = 2" --max-msg 1000
mutant "a truncated message's size_bytes = its stored length" "$B" "UPDATE messages SET size_bytes = 1000 WHERE id = 2" --max-msg 1000
mutant "a truncated body that is no prefix" "$B" "UPDATE messages SET body = CAST('{\"x\":1}' AS BLOB) WHERE id = 2" --max-msg 1000
mutant "a truncated message lost" "$B" "DELETE FROM messages WHERE id = 2" --max-msg 1000

# Attach: only what was logged after the go marker belongs in the DB.
python3 - "$FX" "$TMP/go.jsonl" <<'EOF'
import json, sys
out = open(sys.argv[2], "w")
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "body" in o:
        n += 1
    out.write(line)
    if n == 9 and "body" in o:  # after the first roots/list exchange
        out.write('{"marker":"go"}\n')
EOF
python3 "$IT/mkdb.py" "$TMP/go.jsonl" "$TMP/good.db" --after-go
if python3 "$IT/check_db.py" "$TMP/good.db" "$TMP/go.jsonl" --name go --after-go --attach > "$TMP/go.out" 2>&1; then
	echo "ok check_db passes a faithful attach DB"
else
	echo "not ok check_db passes a faithful attach DB"
	sed 's/^/#   /' "$TMP/go.out"
	fails=$((fails + 1))
fi
LOGF=$TMP/go.jsonl mutant "a message from before the go point" "no extra rows" \
	"INSERT INTO messages(session_id, ts_ns, direction, kind, method, size_bytes, body) VALUES (1, 1, 's2c', 'notification', 'notifications/tools/list_changed', 61, '{\"method\":\"notifications/tools/list_changed\",\"jsonrpc\":\"2.0\"}')" \
	--after-go --attach

if [ $fails -eq 0 ]; then rm -rf "$TMP"; else echo "# files kept in $TMP"; fi
[ $fails -eq 0 ]
