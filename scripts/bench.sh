#!/bin/sh
# Traced vs untraced throughput of a stdio echo workload through the real MCP
# SDK: tests/integration/host.mjs --scenario bench does N sequential
# tools/call echo round trips with @modelcontextprotocol/server-everything.
# Runs untraced / traced alternately, twice each, and prints the throughput
# ratio and mcptrace's own CPU time per stored message (its utime+stime from
# /proc, sampled every 50 ms until it exits). Prints figures only.
# Usage: sh scripts/bench.sh [N]   (root; `make bench`)
cd "$(dirname "$0")/.." || exit 1
N=${1:-${BENCH_N:-3000}}
MT=${MT:-build/mcptrace}
IT=tests/integration

[ "$(id -u)" = 0 ] || { echo "bench: needs root (eBPF)" >&2; exit 1; }
[ -x "$MT" ] || { echo "bench: $MT not built" >&2; exit 1; }
if [ ! -d "$IT/node_modules/@modelcontextprotocol/server-everything" ]; then
	(cd "$IT" && npm ci --no-audit --no-fund --loglevel=error > /dev/null 2>&1) ||
		{ echo "bench: npm ci in $IT failed" >&2; exit 1; }
fi
TMP=$(mktemp -d /tmp/mcptrace-bench.XXXXXX)
trap '[ -n "$BENCH_KEEP" ] || rm -rf "$TMP"' EXIT
TCK=$(getconf CLK_TCK)

rate() { sed -n 's/.*= \([0-9.]*\) calls\/s.*/\1/p' "$1" | tail -1; }

untraced() {
	node "$IT/host.mjs" --scenario bench --count "$N" 2> "$TMP/u.err" || { cat "$TMP/u.err" >&2; exit 1; }
	rate "$TMP/u.err"
}

# cpu_of PID: follows a running mcptrace and prints its own CPU seconds
# (utime + stime of all its threads, children excluded) when it exits
cpu_of() {
	mpid=$1
	last=""
	while s=$(cat "/proc/$mpid/stat" 2> /dev/null) && [ -n "$s" ]; do
		# fields after the ") ": state is $1, utime $12, stime $13
		case $s in *") Z "*) break ;; esac
		last=$s
		sleep 0.05
	done
	echo "$last" | sed 's/.*) //' | awk -v t="$TCK" '{ printf "%.3f", ($12 + $13) / t }'
}

# traced I: prints "calls/s cpu_seconds messages"
traced() {
	db=$TMP/t$1.db
	"$MT" run --quiet --db "$db" -- node "$IT/host.mjs" --scenario bench --count "$N" 2> "$TMP/t.err" &
	mpid=$!
	cpu=$(cpu_of "$mpid")
	wait "$mpid" || { cat "$TMP/t.err" >&2; exit 1; }
	msgs=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from messages").fetchone()[0])' "$db")
	echo "$(rate "$TMP/t.err") $cpu $msgs"
}

echo "bench: $N sequential tools/call echo round trips per run (host + server-everything over stdio)"
printf '%-6s %-10s %12s %12s %10s %14s\n' run mode calls/s ratio messages tracer_us/msg
for i in 1 2; do
	u=$(untraced)
	set -- $(traced "$i")
	t=$1 cpu=$2 msgs=$3
	printf '%-6s %-10s %12s\n' "$i" untraced "$u"
	awk -v i="$i" -v t="$t" -v u="$u" -v c="$cpu" -v m="$msgs" 'BEGIN {
		printf "%-6s %-10s %12s %12.3f %10d %14.1f\n", i, "traced", t, t / u, m, (m > 0 ? c * 1e6 / m : 0) }'
	echo "$i $u $t $cpu $msgs" >> "$TMP/all"
done
# The fixed cost: mcptrace tracing a command that moves no message.
"$MT" run --quiet --db "$TMP/base.db" -- sleep 1 2> /dev/null &
base=$(cpu_of $!)
wait
awk -v b="$base" '{ u += $2; t += $3; c += $4; m += $5 } END {
	printf "bench: throughput traced/untraced = %.3f (%.0f vs %.0f calls/s)\n", t / u, t / NR, u / NR
	printf "bench: tracer CPU %.3f s for %d messages = %.1f us/message; less its fixed cost (%.3f s tracing sleep 1): %.1f us/message\n",
		c, m, (m > 0 ? c * 1e6 / m : 0), b, (m > 0 ? (c - NR * b) * 1e6 / m : 0) }' "$TMP/all"
