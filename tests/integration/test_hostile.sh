#!/bin/sh
# A hostile traced process must not freeze, blind or fool mcptrace.
#   fifo  an unprivileged process in its own user and mount namespace maps a
#         file executable, then puts a FIFO over its path (fifo_attack.py):
#         mcptrace, which reads mapped files for TLS symbols, must not block
#         on it; run returns when the command does, with its traffic stored.
# Root only. Run from the top of the tree: sh tests/integration/test_hostile.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-hostile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"

for t in setpriv unshare; do
	if ! command -v $t > /dev/null; then
		echo "not ok fifo: no $t (util-linux) to run the attack unprivileged"
		exit 1
	fi
done
cp "$IT/fifo_attack.py" "$TMP/" && chmod 644 "$TMP/fifo_attack.py"

# A hang shows as timeout's 124; the attack's own failure as its status.
timeout 60 "$MT" run -q --db "$TMP/fifo.db" -- sh -c \
	"setpriv --reuid=nobody --regid=nogroup --clear-groups unshare -Urm \
	 python3 $TMP/fifo_attack.py | cat > /dev/null" > "$TMP/fifo.out" 2> "$TMP/fifo.err"
rc=$?
if [ $rc -eq 0 ]; then
	echo "ok fifo: run returns with the command, not held by a FIFO over a mapped file"
else
	say_fail "fifo: mcptrace run exited $rc (124: it hung): $(tail -2 "$TMP/fifo.err")"
fi
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
"select count(*) from messages where method = '"'"'tools/list'"'"' and kind = '"'"'request'"'"'").fetchone()[0])' \
	"$TMP/fifo.db" 2>&1)
if [ "$n" = 2 ]; then
	echo "ok fifo: the attacker's two requests are stored"
else
	say_fail "fifo: $n tools/list requests stored, want 2"
fi

[ "$fails" -eq 0 ]
