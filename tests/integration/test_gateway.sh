#!/bin/sh
# Integration test of hops through a gateway (issue 11), two gateways from
# npm pinned in package.json. First supergateway serves server-everything's stdio transport over
# Streamable HTTP (--stateful); http_host.mjs (the SDK's Client) talks to
# it over HTTP. One `mcptrace run` traces the whole chain: client ->
# supergateway -> server-everything.
#   - the HTTP hop is its own session, and matches the client's log
#     message for message (check_db.py, on a copy of the DB holding only
#     the HTTP sessions);
#   - check_hops.py: the stdio hop is another session (client supergateway,
#     server server-everything); every call of the HTTP hop is served by
#     exactly one linked call of the stdio hop (c2s: the stdio call names
#     it in parent_call_id; s2c, a sampling the server asked for: it names
#     the stdio call); the gateway's own time of each linked call is >= 0;
#   - mcptrace stats --by hop and mcptrace show draw the gateway's cost.
# Then mcp-remote the other way round: host.mjs spawns it as its stdio
# server, in front of server-everything over Streamable HTTP (--allow-http):
# the stdio hop matches the host's log, and each of its calls is served by
# one linked HTTP call.
# Prints "ok NAME" / "not ok NAME" lines. Root only.
# Run from the top of the tree: sh tests/integration/test_gateway.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-gateway.XXXXXX)
EVERYTHING=$IT/node_modules/@modelcontextprotocol/server-everything/dist/index.js
SUPERGATEWAY=$IT/node_modules/supergateway/dist/index.js
MCP_REMOTE=$IT/node_modules/mcp-remote/dist/proxy.js

for f in "$SUPERGATEWAY" "$MCP_REMOTE"; do
	if [ ! -f "$f" ]; then
		echo "not ok gateway: $f missing (npm ci in $IT)"
		exit 1
	fi
done

# trace NAME SCRIPT: runs the chain SCRIPT under one `mcptrace run` into
# $TMP/NAME.db (live lines in NAME.out); true when it returned the host's 0.
# A chain script sources preamble.sh for wait_line: what a peer says once
# it listens is waited for, never slept on.
trace() {
	timeout 180 "$MT" run --db "$TMP/$1.db" -- sh "$2" > "$TMP/$1.out" 2> "$TMP/$1.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$1: mcptrace run exited $rc (want the host's 0)"
		tail -n 5 "$TMP/$1.err" "$TMP"/*.peer.err | sed 's/^/#   /'
		return 1
	fi
	echo "ok $1: mcptrace run returns the host's exit status"
}

# only_hop DB COPY TRANSPORT: COPY is DB with only TRANSPORT's sessions, as
# check_db.py knows to compare one hop with the host's log
only_hop() {
	python3 - "$1" "$2" "$3" << 'EOF'
import shutil, sqlite3, sys
shutil.copy(sys.argv[1], sys.argv[2])
db = sqlite3.connect(sys.argv[2])
other = "(SELECT id FROM sessions WHERE transport != ?)"
for table, col in (("messages", "session_id"), ("calls", "session_id"),
                   ("parse_errors", "session_id"), ("sessions", "id")):
    db.execute(f"DELETE FROM {table} WHERE {col} IN {other}", (sys.argv[3],))
db.commit()
EOF
}

# ---- supergateway: Streamable HTTP in, stdio out ----
# The gateway in the background, the host once it listens, then the
# gateway stopped.
tn=supergateway
port=$(free_port)
cat > "$TMP/$tn.sh" << EOF
. tests/integration/preamble.sh
node "$SUPERGATEWAY" --stdio "node $EVERYTHING stdio" --outputTransport streamableHttp \
	--stateful --port $port > "$TMP/gw.out" 2> "$TMP/gw.peer.err" &
gw=\$!
wait_line "$TMP/gw.out" 'Listening on port $port' \$gw || { echo "no gateway on $port" >&2; kill \$gw; exit 3; }
echo \$gw > "$TMP/gw.pid"
node "$IT/http_host.mjs" --transport http --url http://127.0.0.1:$port/mcp --server-pid \$gw \
	--log "$TMP/$tn.jsonl" --scenario basic,progress,sampling,errors,concurrent
rc=\$?
kill \$gw
wait \$gw
exit \$rc
EOF
if trace $tn "$TMP/$tn.sh"; then
	gw=$(cat "$TMP/gw.pid")
	only_hop "$TMP/$tn.db" "$TMP/$tn-http.db" http
	run_check "$tn-http" "$TMP/$tn-http.check" python3 "$IT/check_db.py" "$TMP/$tn-http.db" \
		"$TMP/$tn.jsonl" --name "$tn: http hop" --transport http --mcp-session-id --http-status --addrs
	run_check "$tn-hops" "$TMP/$tn-hops.check" python3 "$IT/check_hops.py" "$TMP/$tn.db" \
		--name "$tn" --gateway "$gw" --inbound http --backend stdio

	# The readers: stats --by hop has a row per linked method; show draws
	# the waterfall of a tools/call from its backend hop.
	"$MT" stats --by hop --db "$TMP/$tn.db" > "$TMP/stats.out" 2>&1
	if grep -q '^METHOD  *TARGET  *LINKED  *BACKEND_P50' "$TMP/stats.out" &&
		grep -q '^tools/call  *echo  ' "$TMP/stats.out"; then
		echo "ok $tn: stats --by hop has the linked tools/call echo"
	else
		say_fail "$tn: stats --by hop: $(head -5 "$TMP/stats.out")"
	fi
	call=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT min(c.id) FROM calls c JOIN sessions s ON s.id = c.session_id WHERE s.transport = 'stdio' AND c.parent_call_id IS NOT NULL AND c.method = 'tools/call'\").fetchone()[0])" "$TMP/$tn.db")
	"$MT" show "$call" --db "$TMP/$tn.db" > "$TMP/show.out" 2>&1
	if grep -q '^hops (client -> gateway -> server)$' "$TMP/show.out" &&
		grep -q "^  gateway pid $gw: [0-9.]* ms of its own" "$TMP/show.out"; then
		echo "ok $tn: show $call draws the hops and the gateway's own time"
	else
		say_fail "$tn: show $call: $(tail -5 "$TMP/show.out")"
	fi
	# live lines name the hop: "gw GW -> SERVER", "CLIENT -> gw GW"
	if grep -q "  gw $gw -> [0-9]*\$" "$TMP/$tn.out" && grep -q "  [0-9]* -> gw $gw\$" "$TMP/$tn.out"; then
		echo "ok $tn: live lines name both sides of the hop"
	else
		say_fail "$tn: live lines do not name the hop: $(head -3 "$TMP/$tn.out")"
	fi
	sed 's/^/# /' "$TMP/stats.out"
	grep -A4 '^hops' "$TMP/show.out" | sed 's/^/# /'
fi

# ---- mcp-remote: stdio in, Streamable HTTP out ----
# The host spawns mcp-remote as its stdio server; mcp-remote forwards to
# server-everything, started first, over HTTP.
tn=mcp-remote
port=$(free_port)
cat > "$TMP/$tn.sh" << EOF
. tests/integration/preamble.sh
PORT=$port node "$EVERYTHING" streamableHttp > "$TMP/ev.out" 2> "$TMP/ev.peer.err" &
ev=\$!
wait_line "$TMP/ev.peer.err" 'listening on port $port' \$ev || { echo "no server on $port" >&2; kill \$ev; exit 3; }
node "$IT/host.mjs" --log "$TMP/$tn.jsonl" --scenario basic \
	--server-args '["$MCP_REMOTE", "http://127.0.0.1:$port/mcp", "--allow-http", "--transport", "http-only"]'
rc=\$?
kill \$ev
wait \$ev
exit \$rc
EOF
if trace $tn "$TMP/$tn.sh"; then
	gw=$(python3 -c "import json, sys; print(next(json.loads(l)['server_pid'] for l in open(sys.argv[1]) if '\"server_pid\"' in l))" "$TMP/$tn.jsonl")
	only_hop "$TMP/$tn.db" "$TMP/$tn-stdio.db" stdio
	run_check "$tn-stdio" "$TMP/$tn-stdio.check" python3 "$IT/check_db.py" "$TMP/$tn-stdio.db" \
		"$TMP/$tn.jsonl" --name "$tn: stdio hop"
	run_check "$tn-hops" "$TMP/$tn-hops.check" python3 "$IT/check_hops.py" "$TMP/$tn.db" \
		--name "$tn" --gateway "$gw" --inbound stdio --backend http
fi

[ $fails -eq 0 ] && rm -rf "$TMP"
exit $((fails > 0))
