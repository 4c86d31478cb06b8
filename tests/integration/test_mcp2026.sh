#!/bin/sh
# Integration tests of MCP revision 2026-07-28 against real peers: the v2
# SDK's client (mcp2026_client.mjs, pinned to 2026-07-28) and server
# (mcp2026_server.mjs: serveStdio, or createMcpHandler behind node:http),
# traced by $MT:
#   stdio-both   mcptrace run -- client, which spawns the server over stdio
#   http-both    mcptrace run -- client, which spawns the HTTP server first
#   http-client  the HTTP server runs outside; only the client is traced
#   http-attach  the HTTP server runs first and is attached to; the client
#                runs untraced
#   http-mismatch  the traced HTTP server gets a POST whose Mcp-Name header
#                disagrees with its body
#   http-mixed   the traced HTTP server serves a 2025 client (mode 'legacy')
#                and a 2026-07-28 one on one endpoint: two sessions
#   stdio-server, stdio-client  the client spawns the server and holds;
#                mcptrace attaches to one end only, then the client goes on
#   stdio-auto   the client in mode 'auto' against the 2025-only
#                server-everything: the server/discover probe fails, the
#                client falls back to initialize
# check_mcp2026.py compares each DB with the client's own log of its
# messages (a tool error, an unknown tool, ten concurrent calls answered out
# of order, a 200 KiB argument, an elicitation answered input_required then
# completed). Prints "ok NAME" / "not ok NAME" lines. Root only.
# Run from the top of the tree: sh tests/integration/test_mcp2026.sh [NAME...]
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-2026.XXXXXX)
ONLY=" $* "
want() { [ "$ONLY" = "  " ] || case "$ONLY" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# check NAME TRANSPORT [--client-only]: check_mcp2026.py's ok/not ok lines
check() {
	n=$1 tr=$2
	shift 2
	run_check "$n" "$TMP/$n.check" python3 "$IT/check_mcp2026.py" "$TMP/$n.db" "$TMP/$n.jsonl" \
		--name "$n" --transport "$tr" "$@"
}

# run_traced NAME CLIENTARGS...: the client under mcptrace run
run_traced() {
	n=$1
	shift
	timeout 120 "$MT" run --quiet --db "$TMP/$n.db" -- \
		node "$IT/mcp2026_client.mjs" --log "$TMP/$n.jsonl" "$@" > "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$n: mcptrace run exited $rc (want the client's 0)"
		tail -5 "$TMP/$n.err" | sed 's/^/#   /'
		return 1
	fi
	echo "ok $n: mcptrace run returns the client's exit status"
}

# start_server NAME [mcptrace run --quiet --db DB --]: the HTTP server on a
# free port, traced when a command is given; sets spid, port, url. It says
# "listening" on stderr once the port is open.
start_server() {
	n=$1
	shift
	port=$(free_port)
	"$@" node "$IT/mcp2026_server.mjs" --http "$port" > "$TMP/$n.server.out" 2> "$TMP/$n.server.err" &
	spid=$!
	url=http://127.0.0.1:$port/mcp
	wait_line "$TMP/$n.server.err" listening "$spid" && return 0
	say_fail "$n: the server did not listen on $port: $(tail -3 "$TMP/$n.server.err")"
	kill "$spid" 2> /dev/null
	return 1
}

stop() { # PID SIGNAL: and wait for it
	kill "-$2" "$1" 2> /dev/null
	wait "$1" 2> /dev/null
}

if want stdio-both && run_traced stdio-both; then
	check stdio-both stdio
fi

if want stdio-auto && run_traced stdio-auto --everything; then
	check stdio-auto stdio --fallback
fi

# attach_end NAME server|client: the stdio client spawns its server and
# waits; mcptrace attaches to one end (no --follow), then the client goes on.
attach_end() {
	n=$1 end=$2
	hold=$TMP/$n.go
	timeout 120 node "$IT/mcp2026_client.mjs" --hold "$hold" --log "$TMP/$n.jsonl" \
		> "$TMP/$n.client.out" 2> "$TMP/$n.client.err" &
	cpid=$!
	if ! wait_line "$hold.pids" . "$cpid" 2> /dev/null; then
		say_fail "$n: the client did not start its server: $(tail -3 "$TMP/$n.client.err")"
		stop "$cpid" TERM
		return 1
	fi
	read -r c s < "$hold.pids"
	[ "$end" = server ] && c=$s
	"$MT" attach -p "$c" --quiet --db "$TMP/$n.db" > "$TMP/$n.out" 2> "$TMP/$n.err" &
	mpid=$!
	if ! wait_line "$TMP/$n.err" '^mcptrace: tracing' "$mpid"; then
		say_fail "$n: mcptrace attach did not start: $(tail -3 "$TMP/$n.err")"
		stop "$mpid" INT
		stop "$cpid" TERM
		return 1
	fi
	touch "$hold"
	wait "$cpid"
	rc=$?
	stop "$mpid" INT
	if [ $rc -ne 0 ]; then
		say_fail "$n: the client exited $rc: $(tail -3 "$TMP/$n.client.err")"
		return 1
	fi
}

if want stdio-server && attach_end stdio-server server; then
	check stdio-server stdio --client-only
fi
if want stdio-client && attach_end stdio-client client; then
	check stdio-client stdio --client-only
fi

if want http-both && run_traced http-both --spawn-http "$(free_port)"; then
	check http-both http
fi

if want http-client && start_server http-client; then
	run_traced http-client --http "$url" && check http-client http --client-only
	stop "$spid" TERM
fi

if want http-attach && start_server http-attach; then
	"$MT" attach -p "$spid" --quiet --db "$TMP/http-attach.db" > "$TMP/http-attach.out" 2> "$TMP/http-attach.err" &
	mpid=$!
	if wait_line "$TMP/http-attach.err" '^mcptrace: tracing' "$mpid" &&
		timeout 120 node "$IT/mcp2026_client.mjs" --http "$url" --log "$TMP/http-attach.jsonl" \
			> "$TMP/http-attach.client.out" 2> "$TMP/http-attach.client.err"; then
		stop "$mpid" INT
		check http-attach http --client-only
	else
		say_fail "http-attach: no trace or the client failed: $(tail -3 "$TMP/http-attach.err" "$TMP/http-attach.client.err")"
		stop "$mpid" INT
	fi
	stop "$spid" TERM
fi

# A gateway would route this as the tool "fail"; the server runs "echo" (or
# refuses it): the DB names both, and the call fails with -32020.
if want http-mismatch && start_server http-mismatch "$MT" run --quiet --db "$TMP/http-mismatch.db" --; then
	body='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"curl","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}'
	code=$(curl -s -o "$TMP/http-mismatch.body" -w '%{http_code}' -X POST "$url" \
		-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
		-H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: fail' -d "$body")
	stop "$spid" TERM
	got=$(python3 - "$TMP/http-mismatch.db" << 'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select count(*) from parse_errors p join sessions s on s.id = p.session_id "
                 "where s.client_name = 'curl' and p.error = 'Mcp-Name header \"fail\" "
                 "disagrees with the body''s params.name \"echo\"'").fetchone()[0],
      *db.execute("select status, error_code, http_status from calls").fetchall())
PY
)
	if [ "$code" = 400 ] && [ "$got" = "1 ('error', -32020, 400)" ]; then
		echo "ok http-mismatch: a header/body mismatch is a parse error naming both, its call -32020"
	else
		say_fail "http-mismatch: HTTP $code, DB says: $got"
	fi
fi

# Mixed eras on one endpoint: each client its session and protocol version,
# each session the messages its client logged (the 2025 one also the 405
# its transport got for the GET stream it tried, and kept to itself).
if want http-mixed && start_server http-mixed "$MT" run --quiet --db "$TMP/http-mixed.db" --; then
	timeout 60 node "$IT/mcp2026_client.mjs" --http "$url" --legacy --log "$TMP/http-mixed.old.jsonl" \
		> /dev/null 2> "$TMP/http-mixed.old.err" &&
		timeout 60 node "$IT/mcp2026_client.mjs" --http "$url" --log "$TMP/http-mixed.new.jsonl" \
			> /dev/null 2> "$TMP/http-mixed.new.err"
	rc=$?
	stop "$spid" TERM
	got=$(python3 - "$TMP/http-mixed.db" "$TMP/http-mixed.old.jsonl" "$TMP/http-mixed.new.jsonl" << 'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
logged = [sum(1 for _ in open(f)) for f in sys.argv[2:]]
rows = db.execute("select s.protocol_version, count(m.id), sum(m.kind = 'error' and m.rpc_id = 'null') "
                  "from sessions s left join messages m on m.session_id = s.id "
                  "group by s.id order by s.id").fetchall()
ok = len(rows) == 2 and rows[0][0] != "2026-07-28" and rows[0][0] and rows[1][0] == "2026-07-28" \
    and rows[0][1] - rows[0][2] == logged[0] and rows[0][2] <= 1 and rows[1][1] == logged[1] \
    and logged[1] > 20
print("ok" if ok else f"sessions (version, messages, null-id errors): {rows}; logged {logged}")
PY
)
	if [ $rc -eq 0 ] && [ "$got" = ok ]; then
		echo "ok http-mixed: a 2025 and a 2026-07-28 client on one endpoint are two sessions, each its version and messages"
	else
		say_fail "http-mixed: clients exited $rc; $got"
	fi
fi

if [ $fails -eq 0 ]; then
	rm -rf "$TMP"
else
	echo "# $fails failed; files kept in $TMP"
fi
[ $fails -eq 0 ]
