#!/bin/sh
# What mcptrace keeps up with, flat out, and what it costs to hold: a writer
# (tests/integration/rpc_flood.py) piping JSON-RPC lines into cat, both
# traced by `mcptrace run`, then the fixed costs. Prints figures only:
#   burst    N small lines (~225 B) as fast as the writer goes: sent, stored,
#            distinct, duplicates, missing, lines counted lost per end, stored
#            msg/s over the run, tracer CPU per message, peak RSS
#   big      16 KiB lines paced at RATE_MB MB/s for SECS seconds: the same
#            figures, and the rate the writer reached
#   start    `mcptrace run -- true`: wall time, tracer CPU, peak RSS, and
#            processes of mcptrace left behind afterwards
# Usage: sh scripts/bench-burst.sh   (root; part of `make bench`)
# Environment: BURST_N (default 1000000), BIG_SECS (10), BIG_RATE_MB (100).
cd "$(dirname "$0")/.." || exit 1
MT=${MT:-build/mcptrace}
IT=tests/integration
N=${BURST_N:-1000000}
SECS=${BIG_SECS:-10}
RATE_MB=${BIG_RATE_MB:-100}

[ "$(id -u)" = 0 ] || { echo "bench-burst: needs root (eBPF)" >&2; exit 1; }
[ -x "$MT" ] || { echo "bench-burst: $MT not built" >&2; exit 1; }
TMP=$(mktemp -d /tmp/mcptrace-burst.XXXXXX)
trap '[ -n "$BENCH_KEEP" ] || rm -rf "$TMP"' EXIT
TCK=$(getconf CLK_TCK)

# follow PID: samples a running mcptrace every 20 ms; when it exits prints
# "cpu_seconds peak_rss_kib" (its own utime + stime, and VmHWM).
follow() {
	fpid=$1
	last="" hwm=0
	while s=$(cat "/proc/$fpid/stat" 2> /dev/null) && [ -n "$s" ]; do
		case $s in *") Z "*) break ;; esac
		last=$s
		h=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$fpid/status" 2> /dev/null)
		[ -n "$h" ] && hwm=$h
		sleep 0.02
	done
	echo "$last" | sed 's/.*) //' | awk -v t="$TCK" -v h="$hwm" '{ printf "%.3f %d\n", ($12 + $13) / t, h }'
}

now() { date +%s.%N; }

# flood NAME COUNT SIZE [RATE]: the writer into cat under mcptrace run;
# prints one line of figures
flood() {
	name=$1 count=$2 size=$3 rate=${4:-}
	db=$TMP/$name.db
	t0=$(now)
	"$MT" run --quiet --db "$db" -- sh -c \
		"python3 $IT/rpc_flood.py $count $size $rate | cat > /dev/null; date +%s.%N > $TMP/$name.wend" \
		> /dev/null 2> "$TMP/$name.err" &
	mpid=$!
	set -- $(follow "$mpid")
	cpu=$1 hwm=$2
	wait "$mpid"
	rc=$?
	t1=$(now)
	[ $rc -eq 0 ] || { echo "bench-burst: $name: mcptrace exited $rc: $(tail -2 "$TMP/$name.err")" >&2; return 1; }
	python3 - "$db" "$name" "$count" "$size" "$t0" "$t1" "$(cat "$TMP/$name.wend")" "$cpu" "$hwm" <<'EOF'
import sqlite3, sys
db, name, count, size, t0, t1, wend, cpu, hwm = sys.argv[1:]
count, size = int(count), int(size)
t0, t1, wend, cpu, hwm = float(t0), float(t1), float(wend), float(cpu), int(hwm)
c = sqlite3.connect(db)
rows, distinct = c.execute("select count(*), count(distinct rpc_id) from messages "
                           "where kind = 'request'").fetchone()
# a message is missing only when both ends' copies were lost: each side's
# loss is given in lines of the size written
lost = [c.execute("select coalesce(sum(bytes), 0) from losses where direction = ?",
                  (d,)).fetchone()[0] for d in ("write", "read")]
line = len('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":'
           '{"name":"echo","arguments":{"pad":""}}}\n') + size + len(str(count // 2))
print("bench: %-5s sent %d, stored %d, distinct %d, duplicates %d, missing %d, "
      "lost ~%d lines of the writer's, ~%d of the reader's; writer %.0f msg/s %.1f MB/s; stored %.0f msg/s "
      "over the run (%.2f s); tracer CPU %.2f s = %.1f us/msg; peak RSS %.1f MiB"
      % (name, count, rows, distinct, rows - distinct, count - distinct,
         lost[0] // line, lost[1] // line, count / (wend - t0), count * line / (wend - t0) / 1e6,
         rows / (t1 - t0), t1 - t0, cpu, cpu * 1e6 / max(rows, 1), hwm / 1024))
EOF
}

echo "bench-burst: $N small lines flat out; 16 KiB lines at $RATE_MB MB/s for $SECS s; start-up"
flood burst "$N" 100
big_rate=$((RATE_MB * 1000000 / 16500))
flood big $((big_rate * SECS)) 16384 "$big_rate"

t0=$(now)
"$MT" run --quiet --db "$TMP/true.db" -- true 2> "$TMP/true.err" &
mpid=$!
set -- $(follow "$mpid")
wait "$mpid"
t1=$(now)
left=$(pgrep -c -f "$MT run --quiet --db $TMP/true.db")
awk -v t0="$t0" -v t1="$t1" -v c="$1" -v h="$2" -v l="$left" 'BEGIN {
	printf "bench: start run -- true: %.3f s wall, tracer CPU %.3f s, peak RSS %.1f MiB, %d mcptrace processes left after it returned\n",
		t1 - t0, c, h / 1024, l }'
