#!/bin/sh
# Integration tests of MCP over HTTPS against real peers, checked in the DB.
# A self-signed certificate is made here; tlsmcp_server.mjs is the SDK's
# McpServer + StreamableHTTPServerTransport on node:https (OpenSSL inside the
# node executable), answering with SSE streams or (--json-response) JSON.
#   client-*  the SDK client (tlsmcp_client.mjs) traced by mcptrace run,
#             the server outside
#   attach-*  the server traced by mcptrace attach -p PID, the client outside
#   both-*    mcptrace run -- node tlsmcp_client.mjs --spawn: both ends traced
# check_db.py compares each DB with what the client logged off the wire
# (http_wire.mjs), with --tls; the scenarios carry 5 MiB messages both ways,
# which must be stored whole. Then raw clients each send one initialize
# request, traced by mcptrace run: python (http.client, system libssl, the
# _ex calls), curl (libssl), gnutls-cli (GnuTLS), NSS tstclnt; the request
# body and the answer they read must be rows, sessions.tls = 1.
# Every DB: no body is ciphertext, no parse_errors row holds TLS records.
# Prints "ok NAME" / "not ok NAME" lines. Root only.
# Run from the top of the tree: sh tests/integration/test_tls_mcp.sh [CONFIG...]
# (CONFIG: client-json client-sse attach-sse attach-json both-sse both-json
# raw-json raw-sse; default all)
cd "$(dirname "$0")/../.." || exit 1
MT=${MT:-build/mcptrace}
IT=tests/integration
fails=0
BIG=5242880
ONLY=" $* "
want() { [ "$ONLY" = "  " ] || case "$ONLY" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

say_fail() { echo "not ok $*"; fails=$((fails + 1)); }
have() { command -v "$1" > /dev/null 2>&1; }

if [ "$(id -u)" != 0 ]; then
	echo "*** mcptrace integration tests need root (eBPF): run as root or with sudo ***" >&2
	echo "not ok tls_mcp: integration tests need root (eBPF): run as root or with sudo"
	exit 1
fi
if [ ! -x "$MT" ]; then
	echo "not ok tls_mcp: $MT is not built (run make)"
	exit 1
fi
missing=
for t in node python3 openssl curl gnutls-cli tstclnt certutil; do
	have $t || missing="$missing $t"
done
if [ -n "$missing" ] || [ ! -d "$IT/node_modules/@modelcontextprotocol/sdk" ]; then
	echo "# missing:$missing; running scripts/install-deps.sh" >&2
	sh scripts/install-deps.sh > /dev/null 2>&1
fi
for t in node python3 openssl; do
	if ! have $t; then
		echo "not ok tls_mcp: no $t (scripts/install-deps.sh did not install it)"
		exit 1
	fi
done
if [ ! -d "$IT/node_modules/@modelcontextprotocol/sdk" ]; then
	echo "not ok tls_mcp: no @modelcontextprotocol/sdk in $IT/node_modules (npm ci failed)"
	exit 1
fi

TMP=$(mktemp -d /tmp/mcptrace-tlsmcp.XXXXXX)
spid=
mpid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null
	[ -n "$mpid" ] && kill -INT "$mpid" 2> /dev/null
}
trap cleanup EXIT

. tests/integration/tls_cert.sh
make_cert "$TMP" tls_mcp || exit 1

# check NAME [check_db.py options]: check_db.py, then tlsmcp_check.py clean
# and (when the log has one) big, each printing its ok/not ok lines
run_check() {
	out=$1
	shift
	if "$@" > "$out" 2>&1; then
		cat "$out"
	else
		cat "$out"
		grep -q '^not ok' "$out" || echo "not ok $(basename "$out"): checker crashed"
		fails=$((fails + $(grep -c '^not ok' "$out") + 0))
		grep -q '^not ok' "$out" || fails=$((fails + 1))
	fi
}
check() {
	n=$1
	shift
	run_check "$TMP/$n.check" python3 "$IT/check_db.py" "$TMP/$n.db" "$TMP/$n.jsonl" --name "$n" \
		--transport http --mcp-session-id --tls --addrs "$@"
	run_check "$TMP/$n.clean" python3 "$IT/tlsmcp_check.py" clean "$TMP/$n.db" --name "$n"
	case "$scen" in *big*)
		run_check "$TMP/$n.big" python3 "$IT/tlsmcp_check.py" big "$TMP/$n.db" "$TMP/$n.jsonl" --min $BIG --name "$n" ;;
	esac
}

# start_server NAME [--json-response]: tlsmcp_server.mjs outside mcptrace;
# sets spid and port
start_server() {
	n=$1
	shift
	if ! tlsmcp_start "$TMP" "$n" "$@"; then
		say_fail "$n: the HTTPS server did not start: $(tail -3 "$TMP/$n.server.err")"
		stop_server
		return 1
	fi
	return 0
}
stop_server() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	spid=
}

# hooked NAME FILE: mcptrace hooked the OpenSSL in node's executable
hooked_node() {
	if grep -q 'hooked TLS in .*node (the executable) (openssl' "$2"; then
		echo "ok $1: hooked the OpenSSL inside node"
	else
		say_fail "$1: no 'hooked TLS in ... node (the executable)' line: $(grep hooked "$2" | head -2)"
	fi
}

# client NAME SCENARIOS [SERVER FLAGS]: server outside, the SDK client traced
client() {
	n=$1 scen=$2
	shift 2
	start_server "$n" --keep-alive-ms 600000 "$@" || return
	timeout 120 "$MT" run --quiet --db "$TMP/$n.db" -- \
		node "$IT/tlsmcp_client.mjs" --url "https://127.0.0.1:$port/mcp" --server-pid "$spid" \
		--scenario "$scen" --big $BIG --log "$TMP/$n.jsonl" > "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	stop_server
	if [ $rc -ne 0 ]; then
		say_fail "$n: mcptrace run exited $rc (want the client's 0): $(grep -v '^mcptrace' "$TMP/$n.err" | tail -3)"
		return
	fi
	echo "ok $n: mcptrace run returns the client's exit status"
	hooked_node "$n" "$TMP/$n.err"
	check "$n" --client-only
}

# attach NAME SCENARIOS [SERVER FLAGS]: server started, mcptrace attach -p
# its pid, then the client untraced; mcptrace stopped by SIGINT
attach() {
	n=$1 scen=$2
	shift 2
	start_server "$n" --keep-alive-ms 600000 "$@" || return
	"$MT" attach -p "$spid" --quiet --db "$TMP/$n.db" > "$TMP/$n.out" 2> "$TMP/$n.err" &
	mpid=$!
	i=0
	while ! grep -q '^mcptrace: tracing' "$TMP/$n.err" && [ $i -lt 200 ] && kill -0 "$mpid" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q '^mcptrace: tracing' "$TMP/$n.err"; then
		say_fail "$n: no 'mcptrace: tracing' line on stderr within 20 s: $(tail -3 "$TMP/$n.err")"
		kill -INT "$mpid" 2> /dev/null
		wait "$mpid" 2> /dev/null
		mpid=
		stop_server
		return
	fi
	hooked_node "$n" "$TMP/$n.err"
	timeout 120 node "$IT/tlsmcp_client.mjs" --url "https://127.0.0.1:$port/mcp" --server-pid "$spid" \
		--scenario "$scen" --big $BIG --log "$TMP/$n.jsonl" 2> "$TMP/$n.client.err"
	rc=$?
	sleep 0.3
	kill -INT "$mpid"
	i=0
	while kill -0 "$mpid" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$mpid" 2> /dev/null && kill -KILL "$mpid"
	wait "$mpid"
	mrc=$?
	mpid=
	stop_server
	if [ $rc -ne 0 ]; then
		say_fail "$n: the client exited $rc: $(tail -3 "$TMP/$n.client.err")"
		return
	fi
	if [ $mrc -ne 0 ]; then
		say_fail "$n: mcptrace attach exited $mrc after SIGINT: $(tail -3 "$TMP/$n.err")"
	else
		echo "ok $n: mcptrace attach stops cleanly on SIGINT"
	fi
	check "$n" --attach
}

# both NAME SCENARIOS [SERVER FLAGS]: the client spawns the server, both traced
both() {
	n=$1 scen=$2
	shift 2
	timeout 150 "$MT" run --quiet --db "$TMP/$n.db" -- \
		node "$IT/tlsmcp_client.mjs" --spawn --cert "$TMP/cert.pem" --key "$TMP/key.pem" "$@" \
		--scenario "$scen" --big $BIG --log "$TMP/$n.jsonl" > "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$n: mcptrace run exited $rc (want the client's 0): $(grep -v '^mcptrace' "$TMP/$n.err" | tail -3)"
		return
	fi
	echo "ok $n: mcptrace run returns the client's exit status"
	hooked_node "$n" "$TMP/$n.err"
	check "$n"
}

want client-json && client client-json basic,big,bigecho --json-response
want client-sse && client client-sse basic,bigecho
want attach-sse && attach attach-sse basic,big
want attach-json && attach attach-json basic,bigecho --json-response
want both-sse && both both-sse basic,bigecho
want both-json && both both-json basic,big,bigecho --json-response

# --- raw clients: one initialize each, against an untraced server in each
# answer mode; the client traced by mcptrace run
init_body() {
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"%s","version":"0.0.1"}}}' "$1"
}
# raw_req FILE BODYFILE: the whole HTTP request, Connection: close
raw_req() {
	printf 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' \
		"$port" "$(wc -c < "$2" | tr -d ' ')" > "$1"
	cat "$2" >> "$1"
}
mkdir -p "$TMP/nssdb"
certutil -N --empty-password -d "sql:$TMP/nssdb" > /dev/null 2>&1

# raw NAME TOOL LIBKIND: runs the traced client TOOL (python curl gnutls nss)
# against the server on $port, then the DB checks
raw() {
	n=$1 tool=$2 lib=$3
	if ! have "$4"; then
		say_fail "$n: no $4 (scripts/install-deps.sh did not install it)"
		return
	fi
	init_body "mcptrace-raw-$tool" > "$TMP/$n.body"
	raw_req "$TMP/$n.req" "$TMP/$n.body"
	case $tool in
	python)
		set -- python3 "$IT/tlsmcp_client.py" "$port" "$TMP/cert.pem" "$TMP/$n.body" "$TMP/$n.resp" ;;
	curl)
		set -- curl -sS --cacert "$TMP/cert.pem" -X POST -H 'Content-Type: application/json' \
			-H 'Accept: application/json, text/event-stream' --data-binary "@$TMP/$n.body" \
			-o "$TMP/$n.resp" -w '%{content_type}\n' "https://127.0.0.1:$port/mcp" ;;
	gnutls)
		set -- sh -c "(cat '$TMP/$n.req'; sleep 1) | gnutls-cli --x509cafile '$TMP/cert.pem' -p $port 127.0.0.1" ;;
	nss)
		# stdin a file, not a pipe: tstclnt spins on a pipe's POLLHUP
		# once the server has closed (NSS 3.87), never exiting
		set -- sh -c "timeout 10 tstclnt -h 127.0.0.1 -p $port -d 'sql:$TMP/nssdb' -o < '$TMP/$n.req'" ;;
	esac
	timeout 60 "$MT" run --quiet --db "$TMP/$n.db" -- "$@" > "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$n: $tool exited $rc under mcptrace run: $(grep -v '^mcptrace' "$TMP/$n.err" | tail -3)"
		return
	fi
	echo "ok $n: $tool answered under mcptrace run"
	if grep -q "hooked TLS in .* ($lib: " "$TMP/$n.err"; then
		echo "ok $n: hooked $lib"
	else
		say_fail "$n: no 'hooked TLS in ... ($lib: ...)' line: $(grep hooked "$TMP/$n.err" | head -2)"
	fi
	case $tool in
	python | curl)
		set -- --response-body "$TMP/$n.resp" --content-type "$(head -1 "$TMP/$n.out")" ;;
	*)
		set -- --response-http "$TMP/$n.out" ;;
	esac
	run_check "$TMP/$n.check" python3 "$IT/tlsmcp_check.py" init "$TMP/$n.db" --request "$TMP/$n.body" \
		--client-name "mcptrace-raw-$tool" --name "$n" "$@"
	run_check "$TMP/$n.clean" python3 "$IT/tlsmcp_check.py" clean "$TMP/$n.db" --name "$n"
}

for mode in json sse; do
	flag=
	want raw-$mode || continue
	[ $mode = json ] && flag=--json-response
	start_server "raw-$mode" $flag || continue
	raw "python-$mode" python openssl python3
	raw "curl-$mode" curl openssl curl
	raw "gnutls-$mode" gnutls gnutls gnutls-cli
	raw "nss-$mode" nss nspr tstclnt
	stop_server
done

trap - EXIT
if [ $fails -eq 0 ]; then
	rm -rf "$TMP"
else
	echo "# $fails failed; files kept in $TMP"
fi
[ $fails -eq 0 ]
