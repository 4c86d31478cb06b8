#!/bin/sh
# Integration tests over stdio against real MCP peers: host.mjs (the SDK's
# Client) spawning @modelcontextprotocol/server-everything, traced by
# build/mcptrace; check_db.py compares the DB with what the host logged.
# Prints "ok NAME" / "not ok NAME" lines (tests/run.sh counts them). Root only.
# Run from the top of the tree: sh tests/integration/test_stdio.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-it.XXXXXX)

# check NAME DB LOG [check_db.py options]: prints check_db.py's ok/not ok lines
check() {
	name=$1 db=$2 lg=$3
	shift 3
	if python3 "$IT/check_db.py" "$db" "$lg" --name "$name" "$@" > "$TMP/$name.check" 2>&1; then
		cat "$TMP/$name.check"
	else
		cat "$TMP/$name.check"
		grep -q '^not ok' "$TMP/$name.check" || echo "not ok $name: check_db.py crashed"
		fails=$((fails + 1))
	fi
}

# traced S [mcptrace run options]: one scenario under mcptrace run
traced() {
	s=$1
	shift
	timeout 120 "$MT" run --db "$TMP/$s.db" "$@" -- \
		node "$IT/host.mjs" --scenario "$s" --log "$TMP/$s.jsonl" \
		> "$TMP/$s.out" 2> "$TMP/$s.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		say_fail "$s: mcptrace run exited $rc (want the host's 0)"
		tail -5 "$TMP/$s.err" | sed 's/^/#   /'
		return 1
	fi
	echo "ok $s: mcptrace run returns the host's exit status"
	return 0
}

for s in basic concurrent cancel unknown-tool sampling roots progress big two-servers; do
	if traced "$s" --quiet; then
		check "$s" "$TMP/$s.db" "$TMP/$s.jsonl"
		if [ -s "$TMP/$s.out" ]; then
			say_fail "$s: --quiet printed on stdout: $(head -c 200 "$TMP/$s.out")"
		fi
	fi
done

# Each process's command line: the host's, and the server's it spawned
# (as the host logged its pid), words joined by spaces.
got=$(sqlite3 "$TMP/basic.db" "select cmdline from processes where pid = (select pid from processes order by id limit 1)")
srv=$(sed -n 's/.*"server_pid":\([0-9]*\).*/\1/p' "$TMP/basic.jsonl" | head -1)
got_srv=$(sqlite3 "$TMP/basic.db" "select cmdline from processes where pid = '$srv'")
case "$got|$got_srv" in
"node $IT/host.mjs --scenario basic --log $TMP/basic.jsonl|$(command -v node) "*"/server-everything/dist/index.js stdio")
	echo "ok cmdline: the host's and the spawned server's command lines are stored" ;;
*) say_fail "cmdline: host '$got', server (pid $srv) '$got_srv'" ;;
esac

# --max-msg takes its whole documented range: the probes load at the top
# of it as at the bottom.
for m in 4k 1g; do
	if "$MT" run --quiet --max-msg $m --db "$TMP/range-$m.db" -- true > /dev/null 2> "$TMP/range-$m.err"; then
		echo "ok max_msg_$m: the probes load with --max-msg $m"
	else
		say_fail "max_msg_$m: mcptrace run --max-msg $m failed: $(head -2 "$TMP/range-$m.err")"
	fi
done

# --max-msg: the two 5 MiB messages must be stored cut, flagged, full size,
# and the small calls after them still stored and paired.
timeout 120 "$MT" run --quiet --max-msg 65536 --db "$TMP/maxmsg.db" -- \
	node "$IT/host.mjs" --scenario big --log "$TMP/maxmsg.jsonl" > "$TMP/maxmsg.out" 2> "$TMP/maxmsg.err"
rc=$?
if [ $rc -ne 0 ]; then
	say_fail "maxmsg: mcptrace run --max-msg exited $rc"
else
	check maxmsg "$TMP/maxmsg.db" "$TMP/maxmsg.jsonl" --max-msg 65536
fi

# The exit status of the traced command is passed through.
timeout 60 "$MT" run --db "$TMP/exit.db" --quiet -- sh -c 'exit 7' > /dev/null 2>&1
rc=$?
if [ $rc -eq 7 ]; then echo "ok run passes the command's exit status (7)"; else say_fail "run passes the command's exit status: got $rc, want 7"; fi

# Without --quiet: one line per call on stdout; with --json, one object per call.
timeout 120 "$MT" run --db "$TMP/loud.db" -- node "$IT/host.mjs" --scenario basic,unknown-tool \
	--log "$TMP/loud.jsonl" > "$TMP/loud.out" 2> "$TMP/loud.err"
rc=$?
if [ $rc -ne 0 ]; then
	say_fail "loud: mcptrace run exited $rc"
else
	check loud "$TMP/loud.db" "$TMP/loud.jsonl" --stdout "$TMP/loud.out"
fi
timeout 120 "$MT" run --json --db "$TMP/json.db" -- node "$IT/host.mjs" --scenario basic,cancel \
	--log "$TMP/json.jsonl" > "$TMP/json.out" 2> "$TMP/json.err"
rc=$?
if [ $rc -ne 0 ]; then
	say_fail "json: mcptrace run exited $rc"
else
	check json "$TMP/json.db" "$TMP/json.jsonl" --json-out "$TMP/json.out"
fi

# attach: the host initializes its server untraced, writes the server's pid,
# and waits for the go file; mcptrace attaches to the server only, then the
# host runs its calls. The DB must hold exactly what was logged after go.
node "$IT/host.mjs" --scenario attach --log "$TMP/attach.jsonl" \
	--pid-file "$TMP/attach.pid" --go-file "$TMP/attach.go" 2> "$TMP/attach.host.err" &
hpid=$!
i=0
while [ ! -s "$TMP/attach.pid" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$TMP/attach.pid" ]; then
	say_fail "attach: the host never wrote its server's pid"
	kill "$hpid" 2> /dev/null
else
	spid=$(cat "$TMP/attach.pid")
	"$MT" attach -p "$spid" --db "$TMP/attach.db" --quiet > "$TMP/attach.out" 2> "$TMP/attach.err" &
	mpid=$!
	i=0
	while ! grep -q '^mcptrace: tracing' "$TMP/attach.err" && [ $i -lt 200 ] && kill -0 "$mpid" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if grep -q '^mcptrace: tracing' "$TMP/attach.err"; then
		echo "ok attach: mcptrace says it is tracing"
	else
		say_fail "attach: no 'mcptrace: tracing' line on stderr within 20 s: $(tail -3 "$TMP/attach.err")"
	fi
	touch "$TMP/attach.go"
	wait "$hpid"
	hrc=$?
	[ $hrc -eq 0 ] || say_fail "attach: host exited $hrc: $(tail -3 "$TMP/attach.host.err")"
	# The server has exited with the host: attach must end by itself.
	i=0
	while kill -0 "$mpid" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$mpid" 2> /dev/null; then
		say_fail "attach: mcptrace still running 10 s after its process exited; sending SIGINT"
		kill -INT "$mpid"
		i=0
		while kill -0 "$mpid" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -0 "$mpid" 2> /dev/null && kill -KILL "$mpid"
		wait "$mpid"
	else
		wait "$mpid"
		mrc=$?
		if [ $mrc -eq 0 ]; then echo "ok attach: mcptrace ends by itself when its process exits"; else say_fail "attach: mcptrace exited $mrc: $(tail -3 "$TMP/attach.err")"; fi
	fi
	check attach "$TMP/attach.db" "$TMP/attach.jsonl" --after-go --attach
fi

if [ $fails -eq 0 ]; then
	rm -rf "$TMP"
else
	echo "# $fails failed; files kept in $TMP"
fi
[ $fails -eq 0 ]
