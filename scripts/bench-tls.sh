#!/bin/sh
# The cost of a TLS call under mcptrace, from one-byte TLS round trips
# (scripts/tls_pingpong.py: Python's ssl, the system libssl, 4 TLS calls a
# round trip), in three ways, alternated twice in one run:
#   plain     nothing traced, no mcptrace running
#   bystander mcptrace running (attach --follow to an idle process), the
#             benchmark untraced: the hooks are on libssl for every process,
#             so it pays the uprobe traps, and the kernel drops its calls
#   traced    under mcptrace run: its plaintext captured and stored
# Then the same three for Go's crypto/tls (scripts/tls_pingpong.go, built
# here with the standard library only), where the bystander is a Go
# process running an executable that mcptrace hooked (named on the command
# line of a traced command) but not traced itself.
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

# ---- Go's crypto/tls ----
if ! command -v go > /dev/null 2>&1; then
	echo "bench-tls: no go toolchain (scripts/install-deps.sh installs golang-go): Go not measured"
	exit 0
fi
if ! GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
	go build -o "$TMP/gopp" scripts/tls_pingpong.go > "$TMP/go.log" 2>&1; then
	echo "bench-tls: go build of scripts/tls_pingpong.go failed: $(tail -2 "$TMP/go.log")"
	exit 1
fi
GPP="$TMP/gopp $TMP/cert.pem $TMP/key.pem $N"
go_plain() { $GPP | us; }
go_bystander() {
	# a traced command that names the executable: it is hooked for every
	# process, and this one runs it untraced
	"$MT" run -q --db "$TMP/gb.db" -- sh -c 'exec sleep 600' "$TMP/gopp" 2> "$TMP/gb.err" &
	mpid=$!
	i=0
	while ! grep -q '^mcptrace: tracing' "$TMP/gb.err" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	$GPP | us
	# TERM: run passes it on, and a background sleep ignores INT
	kill -TERM $mpid
	wait $mpid
	mpid=
	rm -f "$TMP"/gb.db*
}
go_traced() {
	"$MT" run -q --db "$TMP/gt.db" -- $GPP 2> "$TMP/gt.err" | us
	rm -f "$TMP"/gt.db*
}
gp1=$(go_plain); gb1=$(go_bystander); gt1=$(go_traced)
gp2=$(go_plain); gb2=$(go_bystander); gt2=$(go_traced)
hooked=$(sed -n 's/.*gopp (go: \([^)]*\)).*/\1/p' "$TMP/gt.err" | head -1)
awk -v p1="$gp1" -v p2="$gp2" -v b1="$gb1" -v b2="$gb2" -v t1="$gt1" -v t2="$gt2" -v n="$N" -v h="$hooked" 'BEGIN {
	p = (p1 < p2 ? p1 : p2); b = (b1 < b2 ? b1 : b2); t = (t1 < t2 ? t1 : t2)
	printf "bench-tls: Go crypto/tls, %d one-byte round trips (4 TLS calls each), best of 2 x 3 passes\n", n
	printf "  plain      %7.2f us per TLS call  (runs %s, %s)\n", p, p1, p2
	printf "  bystander  %7.2f us per TLS call  (runs %s, %s): +%.2f us, hooked but untraced\n", b, b1, b2, b - p
	printf "  traced     %7.2f us per TLS call  (runs %s, %s): +%.2f us, captured and stored\n", t, t1, t2, t - p
	printf "  uprobes a call: Write 1 (its entry), Read 2 (its entry and the RET it leaves by); hooked as: %s\n", h
}'
