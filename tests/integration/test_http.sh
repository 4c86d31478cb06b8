#!/bin/sh
# Integration tests of MCP over HTTP against real peers: http_host.mjs (the
# SDK's Client over StreamableHTTPClientTransport or the legacy
# SSEClientTransport) talking to @modelcontextprotocol/server-everything
# (`streamableHttp` and `sse` modes) and to http_server.mjs (the SDK's
# McpServer with enableJsonResponse and/or stateless), traced by
# build/mcptrace three ways:
#   both    mcptrace run -- node http_host.mjs --spawn ...  (client and server)
#   attach  server started first, mcptrace attach -p SERVERPID, then the host
#   client  server started outside, mcptrace run -- node http_host.mjs --url ...
# check_db.py compares each DB with what the host logged off the wire.
# Prints "ok NAME" / "not ok NAME" lines (tests/run.sh counts them). Root only.
# Run from the top of the tree: sh tests/integration/test_http.sh [CONFIG...]
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-http.XXXXXX)
EVERYTHING=$IT/node_modules/@modelcontextprotocol/server-everything/dist/index.js
ONLY=" $* "

want() { [ "$ONLY" = "  " ] || case "$ONLY" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# check NAME [check_db.py options]: prints check_db.py's ok/not ok lines
check() {
	name=$1
	shift
	if python3 "$IT/check_db.py" "$TMP/$name.db" "$TMP/$name.jsonl" --name "$name" "$@" > "$TMP/$name.check" 2>&1; then
		cat "$TMP/$name.check"
	else
		cat "$TMP/$name.check"
		grep -q '^not ok' "$TMP/$name.check" || echo "not ok $name: check_db.py crashed"
		fails=$((fails + 1))
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (20 s)
wait_port() {
	python3 - "$1" << 'EOF'
import socket, sys, time
end = time.time() + 20
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# start_server NAME KIND TRANSPORT [FLAGS]: starts a server outside mcptrace;
# sets spid and url. KIND everything|own.
start_server() {
	n=$1 kind=$2 tr=$3
	shift 3
	port=$(free_port)
	if [ "$kind" = everything ]; then
		mode=streamableHttp path=/mcp
		[ "$tr" = sse ] && mode=sse path=/sse
		PORT=$port node "$EVERYTHING" "$mode" > "$TMP/$n.server.out" 2> "$TMP/$n.server.err" &
	else
		path=/mcp
		node "$IT/http_server.mjs" --port "$port" "$@" > "$TMP/$n.server.out" 2> "$TMP/$n.server.err" &
	fi
	spid=$!
	url=http://127.0.0.1:$port$path
	if ! wait_port "$port"; then
		say_fail "$n: the server did not listen on $port: $(tail -3 "$TMP/$n.server.err")"
		kill "$spid" 2> /dev/null
		return 1
	fi
	return 0
}

stop_server() {
	kill "$spid" 2> /dev/null
	wait "$spid" 2> /dev/null
}

# both NAME TRANSPORT [--quiet] HOSTARGS...: client and server under one mcptrace run
both() {
	n=$1 tr=$2
	shift 2
	q=
	if [ "$1" = --quiet ]; then q=--quiet; shift; fi
	timeout 120 "$MT" run $q --db "$TMP/$n.db" -- \
		node "$IT/http_host.mjs" --transport "$tr" --log "$TMP/$n.jsonl" "$@" \
		> "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$n: mcptrace run exited $rc (want the host's 0)"
		tail -5 "$TMP/$n.err" | sed 's/^/#   /'
		return 1
	fi
	echo "ok $n: mcptrace run returns the host's exit status"
	return 0
}

# client NAME TRANSPORT KIND SERVERFLAGS -- HOSTARGS: server outside, client traced
client() {
	n=$1 tr=$2 kind=$3
	shift 3
	sf=
	while [ "$1" != -- ]; do sf="$sf $1"; shift; done
	shift
	# shellcheck disable=SC2086
	start_server "$n" "$kind" "$tr" $sf || return 1
	timeout 120 "$MT" run --quiet --db "$TMP/$n.db" -- \
		node "$IT/http_host.mjs" --transport "$tr" --url "$url" --server-pid "$spid" --log "$TMP/$n.jsonl" "$@" \
		> "$TMP/$n.out" 2> "$TMP/$n.err"
	rc=$?
	stop_server
	if [ $rc -ne 0 ]; then
		say_fail "$n: mcptrace run exited $rc (want the host's 0)"
		tail -5 "$TMP/$n.err" | sed 's/^/#   /'
		return 1
	fi
	echo "ok $n: mcptrace run returns the host's exit status"
	return 0
}

# attach NAME TRANSPORT KIND SERVERFLAGS -- HOSTARGS: server started first and
# attached to while it runs; then the host runs untraced; then SIGINT.
attach() {
	n=$1 tr=$2 kind=$3
	shift 3
	sf=
	while [ "$1" != -- ]; do sf="$sf $1"; shift; done
	shift
	# shellcheck disable=SC2086
	start_server "$n" "$kind" "$tr" $sf || return 1
	"$MT" attach -p "$spid" --db "$TMP/$n.db" --quiet > "$TMP/$n.out" 2> "$TMP/$n.err" &
	mpid=$!
	i=0
	while ! grep -q '^mcptrace: tracing' "$TMP/$n.err" && [ $i -lt 200 ] && kill -0 "$mpid" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q '^mcptrace: tracing' "$TMP/$n.err"; then
		say_fail "$n: no 'mcptrace: tracing' line on stderr within 20 s: $(tail -3 "$TMP/$n.err")"
		kill -INT "$mpid" 2> /dev/null
		wait "$mpid"
		stop_server
		return 1
	fi
	echo "ok $n: mcptrace attach says it is tracing"
	timeout 120 node "$IT/http_host.mjs" --transport "$tr" --url "$url" --server-pid "$spid" \
		--log "$TMP/$n.jsonl" "$@" 2> "$TMP/$n.host.err"
	hrc=$?
	[ $hrc -eq 0 ] || say_fail "$n: host exited $hrc: $(tail -3 "$TMP/$n.host.err")"
	# the server runs on: stop mcptrace with SIGINT, as a user would
	kill -INT "$mpid"
	i=0
	while kill -0 "$mpid" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$mpid" 2> /dev/null; then
		say_fail "$n: mcptrace attach still running 10 s after SIGINT"
		kill -KILL "$mpid"
		wait "$mpid"
		stop_server
		return 1
	fi
	wait "$mpid"
	mrc=$?
	stop_server
	if [ $mrc -ne 0 ]; then
		say_fail "$n: mcptrace attach exited $mrc after SIGINT: $(tail -3 "$TMP/$n.err")"
		return 1
	fi
	echo "ok $n: mcptrace attach stops on SIGINT"
	[ $hrc -eq 0 ]
}

EV_HTTP=basic,progress,sampling,roots,errors,concurrent
EV_SSE=basic,progress,sampling,roots,errors,concurrent
OWN=own-basic,own-errors,own-concurrent
HC="--transport http --mcp-session-id --http-status --addrs"
SC="--transport sse --mcp-session-id --http-status --addrs"

# Streamable HTTP and legacy SSE, both ends traced; the first one also
# without --quiet, checking the call lines on stdout.
if want http-both && both http-both http --spawn everything --scenario "$EV_HTTP"; then
	# shellcheck disable=SC2086
	check http-both $HC --stdout "$TMP/http-both.out"
fi
if want sse-both && both sse-both sse --quiet --spawn everything --scenario "$EV_SSE"; then
	# shellcheck disable=SC2086
	check sse-both $SC
fi
# An HTTP 400 for a POST under an unknown Mcp-Session-Id: its own session;
# the body is a JSON-RPC error without an id, the call must still be an
# error with http_status 400.
if want http-badsession && both http-badsession http --quiet --spawn everything --scenario errors,bad-session; then
	# shellcheck disable=SC2086
	check http-badsession $HC --sessions 2
fi

# Server only: attached while it runs.
if want http-attach && attach http-attach http everything -- --scenario "$EV_HTTP"; then
	# shellcheck disable=SC2086
	check http-attach $HC --attach
fi
if want sse-attach && attach sse-attach sse everything -- --scenario "$EV_SSE"; then
	# shellcheck disable=SC2086
	check sse-attach $SC --attach
fi

# Client only: the server runs outside mcptrace.
if want http-client && client http-client http everything -- --scenario "$EV_HTTP"; then
	# shellcheck disable=SC2086
	check http-client $HC --client-only
fi
if want sse-client && client sse-client sse everything -- --scenario "$EV_SSE"; then
	# shellcheck disable=SC2086
	check sse-client $SC --client-only
fi

# The SDK's McpServer in the modes server-everything lacks: JSON responses,
# stateless (no Mcp-Session-Id: mcp_session_id NULL; the README makes one
# session per client connection, so the DB's sessions are checked as one),
# and both; the http-500 call must carry http_status 500.
if want own-json && both own-json http --quiet --spawn own --json-response --scenario "$OWN"; then
	# shellcheck disable=SC2086
	check own-json $HC
fi
if want own-stateless && both own-stateless http --quiet --spawn own --stateless --scenario "$OWN"; then
	# shellcheck disable=SC2086
	check own-stateless $HC --stateless
fi
if want own-stateless-json && both own-stateless-json http --quiet --spawn own --stateless --json-response --scenario "$OWN"; then
	# shellcheck disable=SC2086
	check own-stateless-json $HC --stateless
fi
if want own-json-client && client own-json-client http own --json-response -- --scenario "$OWN"; then
	# shellcheck disable=SC2086
	check own-json-client $HC --client-only
fi

if [ $fails -eq 0 ]; then
	rm -rf "$TMP"
else
	echo "# $fails failed; files kept in $TMP"
fi
[ $fails -eq 0 ]
