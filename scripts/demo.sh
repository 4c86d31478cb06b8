#!/bin/sh
# The README's first command ends here: trace a real MCP session (the SDK's
# client as host, spawning @modelcontextprotocol/server-everything over
# stdio), show its calls as they happen, then the latency table.
set -e
cd "$(dirname "$0")/.."
db=${DEMO_DB:-demo.db}
rm -f "$db" "$db-wal" "$db-shm"
echo "== sudo build/mcptrace run --db $db -- node tests/integration/host.mjs ..."
build/mcptrace run --db "$db" -- node tests/integration/host.mjs \
	--scenario basic --scenario concurrent --scenario progress --scenario unknown-tool
echo
echo "== build/mcptrace stats --db $db"
build/mcptrace stats --db "$db"
echo
echo "== sqlite3 $db 'select method, target, status, latency_ns / 1e6 as ms from calls order by ms desc limit 5'"
sqlite3 -header -column "$db" \
	"select method, target, status, round(latency_ns / 1e6, 3) as ms from calls order by ms desc limit 5"
