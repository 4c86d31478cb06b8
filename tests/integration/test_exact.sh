#!/bin/sh
# The same run gives the same trace, every time: real MCP pairs run many
# times under mcptrace run, each run checked for one session and every
# message once (a message stored twice, or a pair split in two half
# sessions, fails it).
#   stdio    diff_host.mjs spawning diff_server.mjs (SDK, both traced)
#   lag      the same with the tracer reading nothing for 1.5 s at start
#            (MCPTRACE_TEST_LAG_MS): both peers are gone from /proc before
#            their first record is read, so only the kernel's records can
#            pair them
#   pipe     a one-shot writer into cat that reads only once the writer has
#            exited, read late the same way: both gone from /proc
#   host     host.mjs spawning server-everything, checked by check_db.py
#            against what the host logged
#   tls      tlsmcp_client.mjs spawning its HTTPS server, both traced
#   burst    200000 small requests written flat out into cat, both traced:
#            each stored once, or the shortfall in losses; never twice
# then the stdio, host and tls rounds again with a busy loop on every core.
# Bounded: about 2 minutes on 2 cores with the default 4 rounds. Root only.
# Run from the top of the tree: sh tests/integration/test_exact.sh [ROUNDS]
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

ROUNDS=${1:-4}
TMP=$(mktemp -d /tmp/mcptrace-exact.XXXXXX)
burners=
cleanup() {
	[ -n "$burners" ] && kill $burners 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

. tests/integration/tls_cert.sh
make_cert "$TMP" exact || exit 1

q() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }

# The duplicates a message stored twice leaves: two rows of one direction,
# kind and id in one run (ids are not reused by these clients).
DUPS="select count(*) from (select direction, kind, rpc_id from messages
 where rpc_id is not null group by 1, 2, 3 having count(*) > 1)"

# stdio_round NAME I [env...]: diff_host's 30 x 2 calls, both ends traced
stdio_round() {
	name=$1 i=$2
	shift 2
	db=$TMP/$name-$i.db
	env "$@" DIFF_SLOW_MS=0 timeout 120 "$MT" run -q --db "$db" -- \
		node "$IT/diff_host.mjs" 30 > /dev/null 2> "$TMP/$name-$i.err"
	rc=$?
	[ $rc -eq 0 ] || { echo "$name $i: mcptrace run exited $rc: $(tail -2 "$TMP/$name-$i.err")"; return; }
	got=$(q "$db" "select (select count(*) from sessions) || ' ' || (select count(*) from messages)
 || ' ' || (select count(*) from calls where status = 'ok') || ' ' || ($DUPS)")
	# initialize, tools/list and 60 tools/call, each a request and a
	# response, and notifications/initialized
	want="1 125 62 0"
	[ "$got" = "$want" ] || echo "$name $i: sessions messages ok-calls dups = $got, want $want"
}

# pipe_round NAME I [env...]: 5 requests into a pipe whose reader starts
# only once the writer has exited (it waits on a FIFO the writer's shell
# writes after python is gone)
pipe_round() {
	name=$1 i=$2
	shift 2
	db=$TMP/$name-$i.db
	mkfifo "$TMP/$name-$i.go"
	env "$@" timeout 60 "$MT" run -q --db "$db" -- sh -c \
		"{ python3 $IT/rpc_flood.py 5 100; echo > $TMP/$name-$i.go; } |
		 { cat $TMP/$name-$i.go > /dev/null; cat > /dev/null; }" 2> "$TMP/$name-$i.err"
	rc=$?
	[ $rc -eq 0 ] || { echo "$name $i: mcptrace run exited $rc: $(tail -2 "$TMP/$name-$i.err")"; return; }
	got=$(q "$db" "select (select count(*) from sessions) || ' ' || count(*) || ' ' ||
 sum(sent_ns is not null and recv_ns is not null) from messages")
	[ "$got" = "1 5 5" ] || echo "$name $i: sessions rows rows-with-both-times = $got, want 1 5 5"
}

# host_round NAME I: host.mjs basic against server-everything
host_round() {
	name=$1 i=$2
	db=$TMP/$name-$i.db
	timeout 120 "$MT" run -q --db "$db" -- node "$IT/host.mjs" --scenario basic \
		--log "$TMP/$name-$i.jsonl" > /dev/null 2> "$TMP/$name-$i.err"
	rc=$?
	[ $rc -eq 0 ] || { echo "$name $i: mcptrace run exited $rc: $(tail -2 "$TMP/$name-$i.err")"; return; }
	python3 "$IT/check_db.py" "$db" "$TMP/$name-$i.jsonl" --name "$name-$i" > "$TMP/$name-$i.check" 2>&1 ||
		grep -q '^not ok' "$TMP/$name-$i.check" || echo "$name $i: check_db.py crashed"
	grep '^not ok' "$TMP/$name-$i.check" | sed "s/^not ok /$name $i: /"
	[ "$(q "$db" 'select count(*) from sessions')" = 1 ] || echo "$name $i: $(q "$db" 'select count(*) from sessions') sessions"
}

# tls_round NAME I: the SDK client spawning its HTTPS server
tls_round() {
	name=$1 i=$2
	db=$TMP/$name-$i.db
	timeout 120 "$MT" run -q --db "$db" -- node "$IT/tlsmcp_client.mjs" --spawn \
		--cert "$TMP/cert.pem" --key "$TMP/key.pem" --scenario basic \
		--log "$TMP/$name-$i.jsonl" > /dev/null 2> "$TMP/$name-$i.err"
	rc=$?
	[ $rc -eq 0 ] || { echo "$name $i: mcptrace run exited $rc: $(tail -2 "$TMP/$name-$i.err")"; return; }
	python3 "$IT/check_db.py" "$db" "$TMP/$name-$i.jsonl" --name "$name-$i" --transport http \
		--mcp-session-id --tls --addrs > "$TMP/$name-$i.check" 2>&1 ||
		grep -q '^not ok' "$TMP/$name-$i.check" || echo "$name $i: check_db.py crashed"
	grep '^not ok' "$TMP/$name-$i.check" | sed "s/^not ok /$name $i: /"
	[ "$(q "$db" "$DUPS")" = 0 ] || echo "$name $i: $(q "$db" "$DUPS") messages stored twice"
}

# rounds NAME FN N [env...]: N rounds of FN, one ok line or the failures
rounds() {
	name=$1 fn=$2 n=$3
	shift 3
	: > "$TMP/$name.fails"
	i=1
	while [ $i -le "$n" ]; do
		$fn "$name" $i "$@" >> "$TMP/$name.fails"
		i=$((i + 1))
	done
	bad=$(cut -d: -f1 "$TMP/$name.fails" | sort -u | wc -l)
	if [ -s "$TMP/$name.fails" ]; then
		say_fail "$name: $bad of $n runs differ"
		head -5 "$TMP/$name.fails" | sed 's/^/#   /'
	else
		echo "ok $name: $n of $n runs exact"
	fi
}

rounds stdio stdio_round "$ROUNDS"
rounds lag stdio_round $((ROUNDS / 2)) MCPTRACE_TEST_LAG_MS=1500
rounds pipe pipe_round $((ROUNDS / 2)) MCPTRACE_TEST_LAG_MS=1000
rounds host host_round "$ROUNDS"
rounds tls tls_round "$ROUNDS"

# burst: every request once, or the shortfall counted; never a duplicate
N=200000
timeout 300 "$MT" run -q --db "$TMP/burst.db" -- sh -c \
	"python3 $IT/rpc_flood.py $N 100 | cat > /dev/null" > /dev/null 2> "$TMP/burst.err"
rc=$?
got=$(q "$TMP/burst.db" "select count(*) || ' ' || count(distinct rpc_id) || ' ' ||
 (select count(*) from losses where reason = 'ringbuf') || ' ' || count(sent_ns) || ' ' ||
 count(recv_ns) from messages")
set -- $got
echo "# burst: $N requests: $1 rows, $2 distinct ids, $3 ringbuf losses, $4 with the writer's time, $5 with the reader's"
if [ $rc -ne 0 ]; then
	say_fail "burst: mcptrace run exited $rc: $(tail -2 "$TMP/burst.err")"
elif [ "$1" != "$2" ]; then
	say_fail "burst: $(($1 - $2)) requests stored twice"
elif [ "$1" != $N ] && [ "$3" = 0 ]; then
	say_fail "burst: $1 of $N requests stored and no loss recorded"
else
	echo "ok burst: $N requests each stored once (or counted lost: $3 losses)"
fi

for c in $(seq "$(nproc)"); do
	sh -c 'while :; do :; done' &
	burners="$burners $!"
done
rounds loaded-stdio stdio_round "$ROUNDS"
rounds loaded-host host_round $((ROUNDS / 2))
rounds loaded-tls tls_round $((ROUNDS / 2))
kill $burners 2> /dev/null
burners=

[ "$fails" -eq 0 ]
