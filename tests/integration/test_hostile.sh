#!/bin/sh
# A hostile traced process must not freeze, blind or fool mcptrace.
#   fifo  an unprivileged process in its own user and mount namespace maps a
#         file executable, then puts a FIFO over its path (fifo_attack.py):
#         mcptrace, which reads mapped files for TLS symbols, must not block
#         on it; run returns when the command does, with its traffic stored.
#   redact  a request carrying an AWS key, a password and a custom secret:
#         by default neither reaches the DB (a marker with a short hash
#         does), --redact-key adds a member name, --no-redact keeps them.
#   pidns mcptrace started inside a PID namespace (as in a container
#         without --pid=host) cannot be correct: it refuses, loudly.
#   escape  a command whose name carries terminal controls: shown escaped.
#   banner  a writer hides requests behind 20000 log lines each: the
#         stream is muted, and un-muted by the kernel at each request's
#         line; both requests are stored once, and what the kernel skipped
#         is a loss 'muted' no larger than the log lines.
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

# redacted DB FLAGS...: one request through a pipe to cat, traced
redacted() {
	db=$1
	shift
	"$MT" run -q --db "$db" "$@" -- sh -c "printf '%s\n' \
'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"s3\",\"arguments\":{\"key\":\"AKIAIOSFODNN7EXAMPLE\",\"password\":\"hunter2\",\"pin\":\"8642\"}}}' \
		| cat > /dev/null" > /dev/null 2> "$db.err" || say_fail "redact: mcptrace run $* failed: $(tail -1 "$db.err")"
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
"select group_concat(body) from messages").fetchone()[0])' "$db"
}
body=$(redacted "$TMP/r1.db")
case "$body" in
*AKIAIOSFODNN7EXAMPLE* | *hunter2*) say_fail "redact: a credential was stored: $body" ;;
*'[redacted:aws-key:'*'"password":"[redacted:key:'*'"pin":"8642"'*) echo "ok redact: by default keys and passwords are markers in the DB" ;;
*) say_fail "redact: unexpected body: $body" ;;
esac
body=$(redacted "$TMP/r2.db" --redact-key PIN)
case "$body" in
*8642*) say_fail "redact: --redact-key PIN kept the pin: $body" ;;
*'"pin":"[redacted:key:'*) echo "ok redact: --redact-key adds a member name (any case)" ;;
*) say_fail "redact: unexpected body with --redact-key: $body" ;;
esac
body=$(redacted "$TMP/r3.db" --no-redact)
case "$body" in
*AKIAIOSFODNN7EXAMPLE*hunter2*) echo "ok redact: --no-redact stores bodies as sent" ;;
*) say_fail "redact: --no-redact changed the body: $body" ;;
esac
if "$MT" run -q --db "$TMP/r4.db" --redact-key 'bad key' -- true 2> "$TMP/r4.err"; then
	say_fail "redact: --redact-key 'bad key' was taken"
else
	echo "ok redact: a key name that cannot match is refused: $(head -1 "$TMP/r4.err")"
fi

"$MT" run -q --db "$TMP/banner.db" -- sh -c "python3 $IT/banner_writer.py 20000 | cat > /dev/null" \
	> /dev/null 2> "$TMP/banner.err" || say_fail "banner: mcptrace run failed: $(tail -1 "$TMP/banner.err")"
python3 - "$TMP/banner.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute(
    "select rpc_id from messages where method = 'tools/list' and kind = 'request' order by rpc_id")]
# per side (the writer's, cat's): what was skipped there, at most the log lines
muted, rows = db.execute("select coalesce(max(b), 0), count(*) from (select sum(bytes) b from losses "
                         "where reason = 'muted' group by pid, fd, direction)").fetchone()
logs = 2 * sum(len(b"banner %d: the server is starting, please wait\n" % i) for i in range(20000))
if ids == ["1", "2"]:
    print("ok banner: both requests behind 20000 log lines each are stored, once")
else:
    print("not ok banner: requests stored %r, want ['1', '2']" % ids)
if muted <= logs:
    print("ok banner: at most %d bytes a side (%d sides) are 'muted' losses, of %d bytes of log lines" % (muted, rows, logs))
else:
    print("not ok banner: %d muted bytes on one side, more than the %d bytes of log lines" % (muted, logs))
PY

# Only log lines, and the writer exits with its stream muted (no close
# record): what the kernel skipped is still a row, to the last byte.
"$MT" run -q --db "$TMP/logs.db" -- sh -c "python3 $IT/banner_writer.py 20000 0 | cat > /dev/null" \
	> /dev/null 2> "$TMP/logs.err" || say_fail "banner: mcptrace run failed: $(tail -1 "$TMP/logs.err")"
python3 - "$TMP/logs.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
end = db.execute("select max(offset + bytes) from losses where reason = 'muted' and direction = 'write'").fetchone()[0]
total = sum(len(b"banner %d: the server is starting, please wait\n" % i) for i in range(20000))
if end == total:
    print("ok banner: a writer exiting while muted: its 'muted' row ends at its last byte (%d)" % total)
else:
    print("not ok banner: the writer's 'muted' rows end at %r, want %d" % (end, total))
PY

# A command named with terminal controls: mcptrace's own lines about it
# show them escaped, never raw.
ln -s /bin/true "$TMP/$(printf 'x\033]0;pwned\007\033[2Jy')"
"$MT" run --db "$TMP/esc.db" -- "$TMP/$(printf 'x\033]0;pwned\007\033[2Jy')" 2> "$TMP/esc.err"
rc=$?
if [ $rc -ne 0 ]; then
	say_fail "escape: mcptrace run exited $rc: $(tail -1 "$TMP/esc.err")"
elif LC_ALL=C grep -q "$(printf '[\033\007]')" "$TMP/esc.err"; then
	say_fail "escape: a control character of the command's name reached the terminal"
elif ! grep -q 'tracing .*x\\x1b\]0;pwned\\x07\\x1b\[2Jy (pid' "$TMP/esc.err"; then
	say_fail "escape: no escaped 'tracing' line: $(head -3 "$TMP/esc.err")"
else
	echo "ok escape: a command named with terminal controls is shown escaped"
fi

unshare --pid --fork --mount-proc "$MT" run -q --db "$TMP/pidns.db" -- true 2> "$TMP/pidns.err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'running in a PID namespace' "$TMP/pidns.err" && [ ! -e "$TMP/pidns.db" ]; then
	echo "ok pidns: inside a PID namespace mcptrace refuses and says why, before any DB"
else
	say_fail "pidns: exit $rc, $(head -1 "$TMP/pidns.err"), DB $(ls "$TMP/pidns.db" 2>&1)"
fi

[ "$fails" -eq 0 ]
