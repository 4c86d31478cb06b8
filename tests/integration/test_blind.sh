#!/bin/sh
# Integration test of "no silent blind spots": a TLS connection whose
# plaintext no hooked library delivers is said on stderr while it is open
# and stored in blind_connections. Real peers: tlsmcp_server.mjs (HTTPS,
# the MCP SDK's server) outside mcptrace, and traced clients:
#   deno     deno (npm, pinned) fetch()es one initialize: rustls, compiled
#            into deno, cannot be hooked: one line, one row, with deno's
#            pid and the server's address, bytes counted; the line comes
#            while deno still holds the connection open (--hold)
#   hostile  the same deno run under a name with an escape sequence: the
#            line shows it escaped, stderr carries no raw control bytes
#   deno-server  deno serving HTTPS (deno_serve.js) under mcptrace run, an
#            untraced curl asking: the server's side is said and stored
#            too, "TLS from CLIENT (on ADDRESS)", role server
#   curl     curl (libssl, hooked): the answer is stored, no blind row
#   node     node fetch (OpenSSL in node's executable, hooked): the same
# Prints "ok NAME" / "not ok NAME" lines. Root only.
# Run from the top of the tree: sh tests/integration/test_blind.sh
# (MT=build4/mcptrace to test another build)
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

if [ ! -x "$IT/node_modules/.bin/deno" ]; then
	if ! (cd "$IT" && npm ci --no-audit --no-fund --loglevel=error > /dev/null 2>&1); then
		echo "not ok blind: npm ci in $IT failed (deno)"
		exit 1
	fi
fi
for t in curl openssl sqlite3; do
	if ! command -v $t > /dev/null; then
		echo "not ok blind: no $t (scripts/install-deps.sh installs it)"
		exit 1
	fi
done

TMP=$(mktemp -d /tmp/mcptrace-blind.XXXXXX)
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null
	exec 3>&- 2> /dev/null
}
trap cleanup EXIT

. tests/integration/tls_cert.sh
make_cert "$TMP" blind || exit 1
# Deno keeps its cache here and never looks for updates: nothing leaves
# the machine. rustls refuses a self-signed certificate that is its own
# CA, so deno is told to skip the check for 127.0.0.1 only.
export DENO_DIR="$TMP/deno" DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
DENO=$(readlink -f "$IT/node_modules/.bin/deno")

if ! tlsmcp_start "$TMP" server --json-response; then
	echo "not ok blind: the HTTPS server did not start: $(tail -3 "$TMP/server.server.err")"
	exit 1
fi
URL="https://127.0.0.1:$port/mcp"

q() { sqlite3 "$1" "$2" 2> "$TMP/sqlite.err" || echo "sqlite3 failed: $(cat "$TMP/sqlite.err")"; }

# deno_run NAME EXE: EXE (deno, or a link to it) fetches under mcptrace run,
# holding the connection until the blind line is on mcptrace's stderr
deno_run() {
	n=$1 exe=$2
	rm -f "$TMP/$n.fifo"
	mkfifo "$TMP/$n.fifo"
	timeout 60 "$MT" run --quiet --db "$TMP/$n.db" -- "$exe" run --allow-net \
		--unsafely-ignore-certificate-errors=127.0.0.1 "$IT/deno_fetch.js" "$URL" "mcptrace-$n" \
		--hold < "$TMP/$n.fifo" > "$TMP/$n.out" 2> "$TMP/$n.err" &
	mpid=$!
	exec 3> "$TMP/$n.fifo"
	# Waits for what must come (the answer, then the line), never for
	# time to pass: a line that only came at exit would not be here
	# while deno holds its connection.
	i=0
	while ! grep -q 'is not readable' "$TMP/$n.err" && [ $i -lt 300 ] && kill -0 "$mpid" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q 'is not readable' "$TMP/$n.err" && kill -0 "$mpid" 2> /dev/null; then
		held=1
	else
		held=0
	fi
	exec 3>&-
	wait "$mpid"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$n: mcptrace run exited $rc (want deno's 0): $(grep -v '^mcptrace' "$TMP/$n.err" | tail -3)"
		return 1
	fi
	if grep -q '^200 .*mcptrace-tls-test-server' "$TMP/$n.out"; then
		echo "ok $n: deno got the server's answer under mcptrace run"
	else
		say_fail "$n: deno did not get the answer: $(head -c 300 "$TMP/$n.out")"
		return 1
	fi
	if [ $held = 1 ]; then
		echo "ok $n: the blind line came while deno held the connection open"
	else
		say_fail "$n: no blind line while deno held the connection: $(grep '^mcptrace' "$TMP/$n.err" | tail -3)"
	fi
	return 0
}

# --- deno: one line, one row
if deno_run deno "$DENO"; then
	dpid=$(q "$TMP/deno.db" "SELECT pid FROM processes WHERE comm = 'deno'")
	want="mcptrace: pid $dpid (deno): TLS to 127.0.0.1:$port is not readable: its TLS library is not supported"
	if [ -n "$dpid" ] && [ "$(grep -c 'is not readable' "$TMP/deno.err")" = 1 ] && grep -qxF "$want" "$TMP/deno.err"; then
		echo "ok deno: one line on stderr: $want"
	else
		say_fail "deno: want one line '$want', got: $(grep 'readable' "$TMP/deno.err")"
	fi
	if grep -qxF "mcptrace: 1 TLS connection could not be read (table blind_connections in $TMP/deno.db)" "$TMP/deno.err"; then
		echo "ok deno: said again when the trace ends"
	else
		say_fail "deno: no closing 'mcptrace: 1 TLS connection could not be read' line: $(tail -2 "$TMP/deno.err")"
	fi
	row=$(q "$TMP/deno.db" "SELECT pid, comm, role, remote_addr, local_addr LIKE '127.0.0.1:%', why FROM blind_connections")
	if [ "$row" = "$dpid|deno|client|127.0.0.1:$port|1|its TLS library is not supported" ]; then
		echo "ok deno: one blind_connections row with deno's pid and the server's address"
	else
		say_fail "deno: blind_connections holds '$row', want '$dpid|deno|client|127.0.0.1:$port|1|...'"
	fi
	# The handshake alone is over a kilobyte (certificate); the request
	# and the answer add theirs. Counted to the connection's end.
	bytes=$(q "$TMP/deno.db" "SELECT bytes_seen FROM blind_connections")
	first=$(q "$TMP/deno.db" "SELECT b.first_seen_ns BETWEEN r.started_ns AND r.ended_ns FROM blind_connections b JOIN runs r ON r.id = b.run_id")
	if [ "${bytes:-0}" -gt 1500 ] 2> /dev/null && [ "$first" = 1 ]; then
		echo "ok deno: $bytes bytes seen, first seen within the run"
	else
		say_fail "deno: bytes_seen '$bytes' (want > 1500), first seen within the run: '$first'"
	fi
	"$MT" sessions --db "$TMP/deno.db" > "$TMP/deno.sessions" 2>&1
	if grep -q '^no sessions in this trace' "$TMP/deno.sessions" &&
		grep -qE "^ *$dpid +deno +client +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:$port +[0-9]+ +its TLS library is not supported\$" "$TMP/deno.sessions"; then
		echo "ok deno: mcptrace sessions shows the connection it could not read"
	else
		say_fail "deno: mcptrace sessions does not show the blind connection: $(cat "$TMP/deno.sessions")"
	fi
	msgs=$(q "$TMP/deno.db" "SELECT count(*) FROM messages")
	if [ "$msgs" = 0 ]; then
		echo "ok deno: no message rows (nothing was readable, nothing made up)"
	else
		say_fail "deno: $msgs message rows from a connection that cannot be read"
	fi
fi

# --- hostile: the process's name carries an escape sequence
ESC=$(printf '\033')
ln -sf "$DENO" "$TMP/de${ESC}]0;x${ESC}[31mno"
if deno_run hostile "$TMP/de${ESC}]0;x${ESC}[31mno"; then
	# (The "tracing CMD" line echoes the user's own argument as typed;
	# the blind line's name comes from the traced process.)
	grep 'is not readable' "$TMP/hostile.err" > "$TMP/hostile.line"
	if grep -q "${ESC}" "$TMP/hostile.line"; then
		say_fail "hostile: a raw ESC reached the blind line: $(od -c "$TMP/hostile.line" | head -3)"
	elif grep -qF '(de\x1b]0;x\x1b[31mno): TLS to' "$TMP/hostile.line"; then
		echo "ok hostile: the process's name is shown escaped, no raw control bytes in the line"
	else
		say_fail "hostile: no escaped name in: $(grep 'readable' "$TMP/hostile.err" | od -c | head -3)"
	fi
fi

# --- deno-server: the traced end is the server
rm -f "$TMP/dport"
timeout 60 "$MT" run --quiet --db "$TMP/deno-server.db" -- "$DENO" run --allow-net --allow-read \
	--allow-write "$IT/deno_serve.js" "$TMP/cert.pem" "$TMP/key.pem" "$TMP/dport" \
	> "$TMP/deno-server.out" 2> "$TMP/deno-server.err" &
mpid=$!
i=0
while [ ! -s "$TMP/dport" ] && [ $i -lt 300 ] && kill -0 "$mpid" 2> /dev/null; do
	sleep 0.1
	i=$((i + 1))
done
dport=$(cat "$TMP/dport" 2> /dev/null)
answer=$(curl --http1.1 -sS --cacert "$TMP/cert.pem" -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' \
	"https://127.0.0.1:$dport/" 2> "$TMP/deno-server.curl")
wait "$mpid"
rc=$?
if [ $rc -ne 0 ] || [ "$answer" != '{"jsonrpc":"2.0","id":1,"result":{"served":"deno"}}' ]; then
	say_fail "deno-server: mcptrace run exited $rc, curl got '$answer': $(tail -2 "$TMP/deno-server.curl") $(grep -v '^mcptrace' "$TMP/deno-server.err" | tail -2)"
else
	spid_d=$(q "$TMP/deno-server.db" "SELECT pid FROM processes WHERE comm = 'deno'")
	if grep -qE "^mcptrace: pid $spid_d \(deno\): TLS from 127\.0\.0\.1:[0-9]+ \(on 127\.0\.0\.1:$dport\) is not readable: its TLS library is not supported\$" "$TMP/deno-server.err"; then
		echo "ok deno-server: the line names the client and the server's own address"
	else
		say_fail "deno-server: no 'TLS from ... (on 127.0.0.1:$dport)' line for pid '$spid_d': $(grep readable "$TMP/deno-server.err")"
	fi
	row=$(q "$TMP/deno-server.db" "SELECT pid, role, local_addr, bytes_seen > 1000 FROM blind_connections")
	if [ "$row" = "$spid_d|server|127.0.0.1:$dport|1" ]; then
		echo "ok deno-server: one row, role server, its own address, the bytes"
	else
		say_fail "deno-server: blind_connections holds '$row', want '$spid_d|server|127.0.0.1:$dport|1'"
	fi
fi

# --- negative controls: hooked libraries, same server
init_body() {
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"%s","version":"0.0.1"}}}' "$1"
}
# hooked NAME LIB CMD...: CMD under mcptrace run must be hooked (LIB), store
# its initialize request on a tls=1 session, and leave no blind row
hooked() {
	n=$1 lib=$2
	shift 2
	timeout 60 "$MT" run --quiet --db "$TMP/$n.db" -- "$@" > "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$n: exited $rc under mcptrace run: $(grep -v '^mcptrace' "$TMP/$n.err" | tail -3)"
		return
	fi
	if ! grep -q "hooked TLS in .*($lib: " "$TMP/$n.err"; then
		say_fail "$n: no 'hooked TLS in ... ($lib: ...)' line: $(grep hooked "$TMP/$n.err" | head -2)"
		return
	fi
	got=$(q "$TMP/$n.db" "SELECT count(*) FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.tls = 1 AND m.method = 'initialize' AND m.kind = 'request' AND m.body LIKE '%mcptrace-$n%'")
	if [ "$got" = 1 ]; then
		echo "ok $n: its initialize request is stored on a tls=1 session"
	else
		say_fail "$n: want 1 initialize request on a tls=1 session, got '$got'"
	fi
	rows=$(q "$TMP/$n.db" "SELECT count(*) FROM blind_connections")
	if [ "$rows" = 0 ] && ! grep -q 'is not readable' "$TMP/$n.err"; then
		echo "ok $n: no blind row, no blind line ($lib read it)"
	else
		say_fail "$n: $rows blind rows, lines: $(grep 'readable' "$TMP/$n.err")"
	fi
}

init_body mcptrace-curl > "$TMP/curl.body"
hooked curl openssl curl -sS --cacert "$TMP/cert.pem" -H 'Content-Type: application/json' \
	-H 'Accept: application/json, text/event-stream' --data-binary "@$TMP/curl.body" "$URL"
init_body mcptrace-node > "$TMP/node.body"
hooked node openssl node --input-type=module -e "
const body = (await import('node:fs')).readFileSync(process.argv[1], 'utf8');
const r = await fetch(process.argv[2], { method: 'POST', body,
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } });
console.log(r.status, await r.text());" "$TMP/node.body" "$URL"

kill "$spid" 2> /dev/null
wait "$spid" 2> /dev/null
spid=
trap - EXIT
if [ $fails -eq 0 ]; then
	rm -rf "$TMP"
else
	echo "# $fails failed; files kept in $TMP"
fi
[ $fails -eq 0 ]
