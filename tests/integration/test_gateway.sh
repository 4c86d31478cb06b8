#!/bin/sh
# Integration test of hops through a gateway (issue 11): supergateway (npm,
# pinned in package.json) serves server-everything's stdio transport over
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
# Prints "ok NAME" / "not ok NAME" lines. Root only.
# Run from the top of the tree: sh tests/integration/test_gateway.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-gateway.XXXXXX)
EVERYTHING=$IT/node_modules/@modelcontextprotocol/server-everything/dist/index.js
SUPERGATEWAY=$IT/node_modules/supergateway/dist/index.js
tn=supergateway

if [ ! -f "$SUPERGATEWAY" ]; then
	echo "not ok $tn: $SUPERGATEWAY missing (npm ci in $IT)"
	exit 1
fi
port=$(free_port)

# The chain, as one traced process tree: the gateway in the background,
# the host once it listens, then the gateway stopped.
cat > "$TMP/chain.sh" << EOF
node "$SUPERGATEWAY" --stdio "node $EVERYTHING stdio" --outputTransport streamableHttp \
	--stateful --port $port --logLevel info > "$TMP/gw.out" 2> "$TMP/gw.err" &
gw=\$!
# it says so once it listens (in listen's callback): waited for, not slept on
i=0
while ! grep -q 'Listening on port $port' "$TMP/gw.out" && [ \$i -lt 200 ] && kill -0 \$gw 2> /dev/null; do
	sleep 0.1
	i=\$((i + 1))
done
grep -q 'Listening on port $port' "$TMP/gw.out" || { echo "gateway did not listen on $port" >&2; kill \$gw; exit 3; }
echo \$gw > "$TMP/gw.pid"
node "$IT/http_host.mjs" --transport http --url http://127.0.0.1:$port/mcp --server-pid \$gw \
	--log "$TMP/$tn.jsonl" --scenario basic,progress,sampling,errors,concurrent
rc=\$?
kill \$gw
wait \$gw
exit \$rc
EOF

timeout 180 "$MT" run --db "$TMP/$tn.db" -- sh "$TMP/chain.sh" > "$TMP/$tn.out" 2> "$TMP/$tn.err"
rc=$?
if [ $rc -ne 0 ]; then
	say_fail "$tn: mcptrace run exited $rc (want the host's 0)"
	tail -5 "$TMP/$tn.err" "$TMP/gw.err" | sed 's/^/#   /'
	exit 1
fi
echo "ok $tn: mcptrace run returns the host's exit status"
gw=$(cat "$TMP/gw.pid")

# The HTTP hop alone, as check_db.py knows to compare it with the log.
python3 - "$TMP/$tn.db" "$TMP/http-hop.db" << 'EOF'
import shutil, sqlite3, sys
shutil.copy(sys.argv[1], sys.argv[2])
db = sqlite3.connect(sys.argv[2])
other = "(SELECT id FROM sessions WHERE transport != 'http')"
db.execute(f"DELETE FROM messages WHERE session_id IN {other}")
db.execute(f"DELETE FROM calls WHERE session_id IN {other}")
db.execute(f"DELETE FROM parse_errors WHERE session_id IN {other}")
db.execute(f"DELETE FROM sessions WHERE id IN {other}")
db.commit()
EOF
run_check "$tn-http" "$TMP/check.out" python3 "$IT/check_db.py" "$TMP/http-hop.db" "$TMP/$tn.jsonl" \
	--name "$tn: http hop" --transport http --mcp-session-id --http-status --addrs
run_check "$tn-hops" "$TMP/hops.out" python3 "$IT/check_hops.py" "$TMP/$tn.db" --name "$tn" \
	--gateway "$gw" --inbound http --backend stdio

# The readers: stats --by hop has a row per linked method; show draws the
# waterfall of a tools/call from its backend hop.
"$MT" stats --by hop --db "$TMP/$tn.db" > "$TMP/stats.out" 2>&1
if grep -q '^tools/call  *echo  ' "$TMP/stats.out" && grep -q '^METHOD  *TARGET  *LINKED  *BACKEND_P50' "$TMP/stats.out"; then
	echo "ok $tn: stats --by hop has the linked tools/call echo"
else
	say_fail "$tn: stats --by hop: $(head -5 "$TMP/stats.out")"
fi
call=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT min(c.id) FROM calls c JOIN sessions s ON s.id = c.session_id WHERE s.transport = 'stdio' AND c.parent_call_id IS NOT NULL AND c.method = 'tools/call'\").fetchone()[0])" "$TMP/$tn.db")
"$MT" show "$call" --db "$TMP/$tn.db" > "$TMP/show.out" 2>&1
if grep -q '^hops (client -> gateway -> server)$' "$TMP/show.out" &&
	grep -q "^  gateway pid $gw: [0-9.]* ms of its own" "$TMP/show.out"; then
	echo "ok $tn: show $call draws the hops and the gateway's own time"
else
	say_fail "$tn: show $call: $(tail -5 "$TMP/show.out")"
fi
# live lines name the hop: the backend calls "gw GW -> SERVER"
if grep -q "  gw $gw -> [0-9]*\$" "$TMP/$tn.out" && grep -q " -> gw $gw\$" "$TMP/$tn.out"; then
	echo "ok $tn: live lines name both sides of the hop"
else
	say_fail "$tn: live lines do not name the hop: $(head -3 "$TMP/$tn.out")"
fi
sed 's/^/# /' "$TMP/stats.out"
grep -A4 '^hops' "$TMP/show.out" | sed 's/^/# /'

[ $fails -eq 0 ] && rm -rf "$TMP"
exit $((fails > 0))
