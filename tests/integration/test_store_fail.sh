#!/bin/sh
# A trace DB that cannot be written fails the trace, loudly: the DB on a
# 1 MiB tmpfs, a traced client writing 8 MiB of requests into a pipe.
# mcptrace must stop tracing at the first failure, say why once, let the
# traced command finish, and exit 3 (run and attach alike), not report
# rows it could not store. Root only (tmpfs, eBPF).
# Run from the top of the tree: sh tests/integration/test_store_fail.sh
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/preamble.sh

TMP=$(mktemp -d /tmp/mcptrace-full.XXXXXX)
MNT=$TMP/mnt
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=1m tmpfs "$MNT"; then
	echo "not ok store_fail: cannot mount a tmpfs (root needed)"
	exit 1
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT

flood="python3 $IT/rpc_flood.py 2000 4096"

# expect_failed NAME RC ERRFILE: the checks both commands share
expect_failed() {
	name=$1 rc=$2 err=$3
	if [ "$rc" -eq 3 ]; then
		echo "ok $name: exit status 3 (the trace failed) on a full disk"
	else
		say_fail "$name: exit status $rc on a full disk (want 3)"
		sed 's/^/#   /' "$err" | tail -5
	fi
	n=$(grep -c 'database or disk is full' "$err")
	if [ "$n" -ge 1 ] && [ "$n" -le 2 ]; then
		echo "ok $name: the full disk is said ($n lines, not one per row)"
	else
		say_fail "$name: 'database or disk is full' said $n times"
	fi
	if grep -q 'the trace stopped: the trace DB failed' "$err"; then
		echo "ok $name: says the trace stopped and why"
	else
		say_fail "$name: no word that the trace stopped: $(tail -2 "$err")"
	fi
	if grep -q '^mcptrace: stored ' "$err"; then
		say_fail "$name: still claims rows were stored: $(grep '^mcptrace: stored' "$err")"
	else
		echo "ok $name: claims no stored rows"
	fi
}

# run: CMD goes on untraced to its end; run returns after it.
timeout 120 "$MT" run --quiet --db "$MNT/run.db" -- \
	sh -c "$flood | cat > /dev/null && echo finished > $TMP/run.done" \
	> "$TMP/run.out" 2> "$TMP/run.err"
expect_failed run $? "$TMP/run.err"
if [ -s "$TMP/run.done" ]; then
	echo "ok run: the traced command ran to its end"
else
	say_fail "run: the traced command did not finish"
fi

# attach: the workload waits on a FIFO until mcptrace says it is tracing.
rm -f "$MNT"/run.db*
mkfifo "$TMP/go"
sh -c "read x < $TMP/go; $flood | cat > /dev/null; echo finished > $TMP/attach.done" &
wpid=$!
"$MT" attach --quiet --follow -p "$wpid" --db "$MNT/attach.db" \
	> "$TMP/attach.out" 2> "$TMP/attach.err" &
mpid=$!
i=0
until grep -q '^mcptrace: tracing' "$TMP/attach.err" 2>/dev/null; do
	if ! kill -0 "$mpid" 2>/dev/null; then
		break
	fi
	i=$((i + 1))
	[ $i -gt 3000 ] && break
	sleep 0.01
done
echo go > "$TMP/go"
wait "$mpid"
expect_failed attach $? "$TMP/attach.err"
wait "$wpid"
if [ -s "$TMP/attach.done" ]; then
	echo "ok attach: the traced command ran to its end"
else
	say_fail "attach: the traced command did not finish"
fi

[ "$fails" -eq 0 ]
