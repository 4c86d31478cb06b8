#!/bin/sh
# The cost of a TLS call under mcptrace, from one-byte TLS round trips
# (scripts/tls_pingpong.py: Python's ssl, the system libssl, 4 TLS calls a
# round trip), in three ways, alternated twice in one run:
#   plain     nothing traced, no mcptrace running
#   bystander mcptrace running (attach --follow to an idle process), the
#             benchmark untraced: the hooks are on libssl for every process,
#             so it pays the uprobe traps, and the kernel drops its calls
#   traced    under mcptrace run: its plaintext captured and stored
# Prints microseconds per TLS call for each and the added cost per call.
# Figures only, no pass/fail. Usage: sh scripts/bench-tls.sh [N]  (root)
cd "$(dirname "$0")/.." || exit 1
N=${1:-20000}
MT=${MT:-build/mcptrace}
[ "$(id -u)" = 0 ] || { echo "bench-tls: needs root (eBPF)" >&2; exit 1; }
[ -x "$MT" ] || { echo "bench-tls: $MT not built" >&2; exit 1; }
TMP=$(mktemp -d /tmp/mcptrace-benchtls.XXXXXX)
idle=
mpid=
trap '[ -n "$mpid" ] && kill -INT $mpid 2> /dev/null; [ -n "$idle" ] && kill $idle 2> /dev/null; rm -rf "$TMP"' EXIT
. tests/integration/tls_cert.sh
make_cert "$TMP" bench-tls > /dev/null || exit 1
PP="python3 scripts/tls_pingpong.py $TMP/cert.pem $TMP/key.pem $N"
us() { sed -n 's/^us_per_call=//p'; }

plain() { $PP | us; }
bystander() {
	sleep 600 &
	idle=$!
	"$MT" attach -p $idle --follow -q --db "$TMP/b.db" 2> "$TMP/b.err" &
	mpid=$!
	i=0
	while ! grep -q '^mcptrace: tracing' "$TMP/b.err" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	$PP | us
	kill -INT $mpid
	wait $mpid
	mpid=
	kill $idle
	idle=
	rm -f "$TMP"/b.db*
}
traced() {
	"$MT" run -q --db "$TMP/t.db" -- $PP 2> "$TMP/t.err" | us
	rm -f "$TMP"/t.db*
}
p1=$(plain); b1=$(bystander); t1=$(traced)
p2=$(plain); b2=$(bystander); t2=$(traced)
awk -v p1="$p1" -v p2="$p2" -v b1="$b1" -v b2="$b2" -v t1="$t1" -v t2="$t2" -v n="$N" 'BEGIN {
	p = (p1 < p2 ? p1 : p2); b = (b1 < b2 ? b1 : b2); t = (t1 < t2 ? t1 : t2)
	printf "bench-tls: %d one-byte round trips (4 TLS calls each), best of 2 x 3 passes\n", n
	printf "  plain      %7.2f us per TLS call  (runs %s, %s)\n", p, p1, p2
	printf "  bystander  %7.2f us per TLS call  (runs %s, %s): +%.2f us, untraced while mcptrace runs\n", b, b1, b2, b - p
	printf "  traced     %7.2f us per TLS call  (runs %s, %s): +%.2f us, captured and stored\n", t, t1, t2, t - p
	printf "  uprobes a call: 2 (entry and return); the bystander pays the traps and one map lookup\n"
}'
