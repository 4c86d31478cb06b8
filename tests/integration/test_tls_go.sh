#!/bin/sh
# Go's crypto/tls (issue 10, item 2): peers written in Go with the standard
# library only (tests/integration/go/), built here with Debian's golang-go,
# no module downloads.
#   client-*  the one-shot Go MCP client (initialize, tools/list, a
#             tools/call) under mcptrace run, RUNS runs (default 10) per
#             build: with symbols, and stripped (-ldflags "-s -w": found
#             through .gopclntab). Its servers, untraced, take turns: node's
#             tlsmcp_server.mjs answering JSON, the same with SSE streams,
#             and the Go server; every other run the tracer is made late to
#             read (MCPTRACE_TEST_LAG_MS). Each run must store the
#             initialize request and its answer on a tls=1 session, the
#             tools/call answered, and nothing that is not JSON.
#   attach-*  the Go HTTPS MCP server (with symbols, then stripped) under
#             mcptrace attach -p; the Go client calls it, untraced: captured.
# One line per check; a failing run's checks are printed in full. Root only.
# Run from the top of the tree: sh tests/integration/test_tls_go.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh
RUNS=${RUNS:-10}

command -v go > /dev/null 2>&1 || sh scripts/install-deps.sh > /dev/null 2>&1
if ! command -v go > /dev/null 2>&1; then
	echo "not ok tls_go: no go toolchain (scripts/install-deps.sh installs golang-go)"
	exit 1
fi
TMP=$(mktemp -d /tmp/mcptrace-tlsgo.XXXXXX)
spid=
mpid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null
	[ -n "$mpid" ] && kill -INT "$mpid" 2> /dev/null
}
trap cleanup EXIT
. tests/integration/tls_cert.sh
make_cert "$TMP" tls_go || exit 1

# The standard library only: no modules, no proxy, this toolchain.
export GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local
[ -z "$HOME" ] && [ -z "$GOCACHE" ] && export GOCACHE=/tmp/mcptrace-gocache
for b in client server; do
	if ! go build -o "$TMP/go-$b" "$IT/go/mcp_$b.go" > "$TMP/build.log" 2>&1 ||
		! go build -ldflags='-s -w' -o "$TMP/go-$b-stripped" "$IT/go/mcp_$b.go" >> "$TMP/build.log" 2>&1; then
		echo "not ok tls_go: go build of mcp_$b.go failed: $(tail -3 "$TMP/build.log")"
		exit 1
	fi
done
if readelf -S "$TMP/go-client-stripped" | grep -q '\.symtab'; then
	echo "not ok tls_go: the stripped build still has a .symtab"
	exit 1
fi

# start_server KIND: node-json, node-sse (tlsmcp_server.mjs) or go (the Go
# server), untraced; sets spid and port
start_server() {
	case $1 in
	node-json) tlsmcp_start "$TMP" "$1" --json-response ;;
	node-sse) tlsmcp_start "$TMP" "$1" ;;
	go*)
		rm -f "$TMP/$1.port"
		bin=$TMP/go-server
		[ "$1" = go-stripped ] && bin=$TMP/go-server-stripped
		"$bin" -cert "$TMP/cert.pem" -key "$TMP/key.pem" -port-file "$TMP/$1.port" \
			2> "$TMP/$1.server.err" &
		spid=$!
		i=0
		while [ ! -s "$TMP/$1.port" ] && [ $i -lt 200 ] && kill -0 "$spid" 2> /dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		port=$(cat "$TMP/$1.port" 2> /dev/null)
		[ -n "$port" ] ;;
	esac
}
stop_server() {
	[ -n "$spid" ] && kill "$spid" 2> /dev/null && wait "$spid" 2> /dev/null
	spid=
}

# db_checks NAME DB BODY RESP CTYPE CLIENT: the initialize pair, nothing
# but JSON, and the tools/call answered; checker lines into $TMP/NAME.check
db_checks() {
	dn=$1 db=$2
	python3 "$IT/tlsmcp_check.py" init "$db" --request "$3" --client-name "$6" --name "$dn" \
		--response-body "$4" --content-type "$5" > "$TMP/$dn.check" 2>&1 || return 1
	python3 "$IT/tlsmcp_check.py" clean "$db" --name "$dn" >> "$TMP/$dn.check" 2>&1 || return 1
	calls=$(sqlite3 "$db" "SELECT group_concat(method || '=' || status, ' ') FROM calls" 2>&1)
	case " $calls " in
	*" tools/call=ok "*) echo "ok $dn: tools/call stored, answered" >> "$TMP/$dn.check" ;;
	*) echo "not ok $dn: no tools/call answered in the calls table: $calls" >> "$TMP/$dn.check"
		return 1 ;;
	esac
}

# one_run BUILD N SERVER: the traced Go client's run N; 0 when every check
# passed, else its output is in $TMP/BUILD.fail
one_run() {
	b=$1 rn=$2
	r=$TMP/$b.$rn
	name="go-$b-$rn"
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"%s","version":"0.0.1"}}}' \
		"$name" > "$r.body"
	bin=$TMP/go-client
	[ "$b" = stripped ] && bin=$TMP/go-client-stripped
	lag=0
	[ $((rn % 2)) -eq 1 ] && lag=400
	if ! MCPTRACE_TEST_LAG_MS=$lag timeout 60 "$MT" run --quiet --db "$r.db" -- "$bin" \
		-url "https://127.0.0.1:$port/mcp" -cacert "$TMP/cert.pem" -init-body "$r.body" \
		-init-out "$r.resp" -message "run $rn" > "$r.out" 2> "$r.err"; then
		echo "# run $rn ($3): the Go client exited non-zero: $(grep -v '^mcptrace' "$r.err" | tail -2)" > "$TMP/$b.fail"
		return 1
	fi
	want="functions from .symtab"
	[ "$b" = stripped ] && want="functions from .gopclntab"
	# said before the command starts (and per process if it is still
	# there when its exec record is read)
	if ! grep -q "^mcptrace: TLS hooked before the command starts: .*/go-client[-a-z]* (go: go1[.0-9]*, $want" "$r.err"; then
		echo "# run $rn ($3): no 'TLS hooked before the command starts: ... (go: ... $want' line: $(grep -i 'tls' "$r.err" | head -3)" > "$TMP/$b.fail"
		return 1
	fi
	if ! db_checks "go $b run $rn ($3)" "$r.db" "$r.body" "$r.resp" "$(head -1 "$r.out")" "$name"; then
		grep -v '^ok ' "$TMP/go $b run $rn ($3).check" > "$TMP/$b.fail"
		return 1
	fi
	rm -f "$r".* "$TMP/go $b run $rn ($3).check"
	return 0
}

builds="symbols stripped"
for b in $builds; do
	: > "$TMP/$b.good"
	: > "$TMP/$b.fail"
done
n=0
for server in node-json node-sse go; do
	if ! start_server $server; then
		say_fail "tls_go: the $server HTTPS server did not start: $(tail -3 "$TMP/$server.server.err")"
		stop_server
		continue
	fi
	# RUNS runs per build, shared out among the three servers
	case $server in
	node-json) runs=$((RUNS / 3)) ;;
	node-sse) runs=$((RUNS / 3)) ;;
	go) runs=$((RUNS - 2 * (RUNS / 3))) ;;
	esac
	for i in $(seq "$runs"); do
		n=$((n + 1))
		for b in $builds; do
			[ -s "$TMP/$b.fail" ] && continue
			one_run "$b" "$n" "$server" && echo "$n" >> "$TMP/$b.good"
		done
	done
	stop_server
done
for b in $builds; do
	good=$(grep -c . "$TMP/$b.good")
	if [ "$good" -eq "$RUNS" ]; then
		echo "ok client-$b: $good of $RUNS one-shot Go client runs stored the initialize request and its answer (tls=1, only JSON) and the tools/call"
	else
		say_fail "client-$b: $good of $RUNS runs good before the first failure"
		cat "$TMP/$b.fail"
	fi
done

# attach KIND: the Go server (go or go-stripped) traced by attach -p, the
# Go client untraced; mcptrace stopped by SIGINT once the client is done
# (it drains what the kernel handed it before it exits)
attach() {
	n=attach-$1
	if ! start_server "$1"; then
		say_fail "$n: the Go HTTPS server did not start: $(tail -3 "$TMP/$1.server.err")"
		stop_server
		return
	fi
	"$MT" attach -p "$spid" --quiet --db "$TMP/$n.db" > "$TMP/$n.out" 2> "$TMP/$n.err" &
	mpid=$!
	if ! wait_line "$TMP/$n.err" '^mcptrace: tracing' "$mpid"; then
		say_fail "$n: no 'mcptrace: tracing' line on stderr within 20 s: $(tail -3 "$TMP/$n.err")"
		kill -INT "$mpid" 2> /dev/null
		wait "$mpid" 2> /dev/null
		mpid=
		stop_server
		return
	fi
	want="functions from .symtab"
	[ "$1" = go-stripped ] && want="functions from .gopclntab"
	if grep -q "pid $spid (go-server.*): hooked TLS in .*go-server.* (the executable) (go: .*$want" "$TMP/$n.err"; then
		echo "ok $n: hooked crypto/tls in the Go server ($want)"
	else
		say_fail "$n: no 'hooked TLS in ... (go: ... $want' line: $(grep -i tls "$TMP/$n.err" | head -3)"
	fi
	# A second mcptrace reads the server's executable while the first
	# one's uprobes are on it (the kernel shows their int3s in any
	# mapping of the file): it must still find Read's RETs.
	exe=$TMP/go-server
	[ "$1" = go-stripped ] && exe=$TMP/go-server-stripped
	"$MT" run --db "$TMP/$n.second.db" -- sh -c true "$exe" > /dev/null 2> "$TMP/$n.second.err"
	if grep -q "^mcptrace: TLS hooked before the command starts: .*$exe (go: .*Read's entry.* and [1-9][0-9]* RETs" "$TMP/$n.second.err"; then
		echo "ok $n: a second mcptrace hooks the executable while the first one's uprobes are on it"
	else
		say_fail "$n: a second mcptrace did not hook the executable the first one hooked: $(grep -i 'tls' "$TMP/$n.second.err" | head -3)"
	fi
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"%s","version":"0.0.1"}}}' \
		"$n" > "$TMP/$n.body"
	timeout 60 "$TMP/go-client" -url "https://127.0.0.1:$port/mcp" -cacert "$TMP/cert.pem" \
		-init-body "$TMP/$n.body" -init-out "$TMP/$n.resp" > "$TMP/$n.cout" 2> "$TMP/$n.cerr"
	rc=$?
	kill -INT "$mpid"
	i=0
	while kill -0 "$mpid" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$mpid" 2> /dev/null && kill -KILL "$mpid"
	wait "$mpid"
	mrc=$?
	mpid=
	stop_server
	if [ $rc -ne 0 ]; then
		say_fail "$n: the Go client exited $rc: $(tail -3 "$TMP/$n.cerr")"
		return
	fi
	if [ $mrc -ne 0 ]; then
		say_fail "$n: mcptrace attach exited $mrc after SIGINT: $(tail -3 "$TMP/$n.err")"
		return
	fi
	if db_checks "$n" "$TMP/$n.db" "$TMP/$n.body" "$TMP/$n.resp" "$(head -1 "$TMP/$n.cout")" "$n"; then
		cat "$TMP/$n.check"
	else
		cat "$TMP/$n.check"
		grep -q '^not ok' "$TMP/$n.check" || echo "not ok $n: its checker crashed"
		fails=$((fails + 1))
	fi
}

attach go
attach go-stripped

trap - EXIT
cleanup
if [ $fails -eq 0 ]; then
	rm -rf "$TMP"
else
	echo "# $fails failed; files kept in $TMP"
fi
[ $fails -eq 0 ]
