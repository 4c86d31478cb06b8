#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Smoke test of the kernel side and the capture stage, as root: runs real
# shell pipelines and python programs under capture_dump (a traced child,
# its records printed one per line, stream bytes saved by offset) and
# checks what arrived. Prints "ok NAME" / "not ok NAME" per check, then the
# measured overhead as comments; exits non-zero if any check failed.
OUT=${OUT:-build}
failed=0
pass() { echo "ok $1"; }
fail() { echo "not ok $1"; failed=$((failed + 1)); }
# COND; result NAME: names the outcome of the command before it
result() {
	if [ $? -eq 0 ]; then pass "$1"; else fail "$1"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok capture_root (test_capture.sh needs root)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dump=$tmp/capture_dump
CFLAGS="-g -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Itracer -I$OUT"
LIBS="-lbpf -ldw -lelf -lz -lcjson -lsqlite3 -lm -lcapstone"
# The library, or just the capture object if the library does not link now.
if ! cc $CFLAGS tests/integration/capture_dump.c "$OUT/libmcptrace.a" $LIBS -o "$dump" \
	2> "$tmp/cc.log"; then
	make -s "$OUT/tracer/capture/capture.o" >/dev/null 2>&1
	if ! cc $CFLAGS tests/integration/capture_dump.c "$OUT/tracer/capture/capture.o" $LIBS \
		-o "$dump" 2>> "$tmp/cc.log"; then
		cat "$tmp/cc.log"
		echo "not ok capture_build"
		exit 1
	fi
fi

# The real interpreter, not a pyenv-style shim that would run shells first.
PY=$(python3 -c 'import sys; print(sys.executable)')

# field NAME LINE...: prints the value of NAME=... from stdin records
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# Every (stream, direction) must be contiguous: each record starts where the
# previous one ended; a jump would be a lost or duplicated record.
contiguous() {
	awk '/^(DATA|SKIP) / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		k = f["sid"] "/" f["dir"]
		if ((k in next_off) && next_off[k] != f["off"]) { print "gap in " k ": " $0; bad = 1 }
		next_off[k] = f["off"] + f["len"]
	} END { exit bad }' "$1"
}

# --- a printf through a pipe: once per side, offset 0, the right bytes
out=$tmp/printf
mkdir -p "$out.d"
"$dump" -o "$out.d" "printf 'hello-mcptrace\n' | cat > /dev/null" > "$out" 2> "$out.err"
printf 'hello-mcptrace\n' > "$tmp/hello"
wr=$(grep '^DATA .* dir=1 kind=1 ' "$out")
rd=$(grep '^DATA .* dir=0 kind=1 ' "$out")
[ "$(echo "$wr" | grep -c 'off=0 len=15 sclen=15 flags=3 ')" -eq 1 ] && [ "$(echo "$wr" | grep -c .)" -eq 1 ]; result pipe_printf_write_once
[ "$(echo "$rd" | grep -c 'off=0 len=15 sclen=15 flags=3 ')" -eq 1 ] && [ "$(echo "$rd" | grep -c .)" -eq 1 ]; result pipe_printf_read_once
wsid=$(echo "$wr" | field sid)
rsid=$(echo "$rd" | field sid)
cmp -s "$out.d/$wsid-1.bin" "$tmp/hello"; result pipe_printf_bytes
cmp -s "$out.d/$rsid-0.bin" "$tmp/hello"; result pipe_printf_read_bytes
[ -n "$wr" ] && [ "$(echo "$wr" | field ino)" = "$(echo "$rd" | field ino)" ]; result pipe_same_ino
[ -n "$wsid" ] && [ "$wsid" != "$rsid" ] && [ "$wsid" -gt 0 ]; result pipe_distinct_streams
# cat closes its fds before exiting: the pipe's read stream ends with a close
grep -q "^CLOSE .* fd=0 sid=$rsid\$" "$out"; result close_event

# --- fork/exec/exit of followed children (same run)
root=$(grep '^EXEC .*comm=sh$' "$out" | head -1 | field tgid)
kids=$(grep "^FORK tgid=$root " "$out" | field child)
ok=1
[ "$(echo "$kids" | grep -c .)" -eq 2 ] || ok=0
for k in $kids; do
	grep -q "^EXIT tgid=$k " "$out" || ok=0
done
[ $ok -eq 1 ]; result fork_events
grep -q '^EXEC .*comm=cat$' "$out"; result exec_event
grep -q "^EXIT tgid=$root child=0 code=0 " "$out"; result exit_event

# --- one 5 MiB write(2) through a pipe arrives whole on both sides
head -c 5242880 /dev/urandom > "$tmp/src"
srcino=$(stat -c %i "$tmp/src")
out=$tmp/big
mkdir -p "$out.d"
"$dump" -o "$out.d" "$PY -c 'import os,sys; d=open(sys.argv[1],\"rb\").read(); \
assert os.write(1, d) == len(d)' $tmp/src | cat > /dev/null" > "$out" 2> "$out.err"
wr=$(grep '^DATA .* dir=1 kind=1 .* sclen=5242880 ' "$out")
wsid=$(echo "$wr" | head -1 | field sid)
pino=$(echo "$wr" | head -1 | field ino)
rsid=$(grep "^DATA .* dir=0 kind=1 ino=$pino " "$out" | head -1 | field sid)
sum() { grep "^DATA .* sid=$1 " "$out" | grep " dir=$2 " | field len | awk '{s += $1} END {print s + 0}'; }
[ "$(echo "$wr" | grep -c .)" -eq 160 ] && \
	[ "$(echo "$wr" | head -1 | field flags)" = 1 ] && [ "$(echo "$wr" | tail -1 | field flags)" = 2 ]; result big_write_chunks
[ "$(sum "$wsid" 1)" -eq 5242880 ]; result big_write_sum
[ -n "$rsid" ] && [ "$(sum "$rsid" 0)" -eq 5242880 ]; result big_read_sum
contiguous "$out"; result big_contiguous
cmp -s "$out.d/$wsid-1.bin" "$tmp/src"; result big_write_bytes
cmp -s "$out.d/$rsid-0.bin" "$tmp/src"; result big_read_bytes
grep -q 'lost_events=0 lost_bytes=0 ' "$out"; result big_nothing_lost
# python read the 5 MiB regular file (and its own modules): none of it shows
[ "$(grep -c " ino=$srcino " "$out")" -eq 0 ]; result regular_file_not_captured
py=$(echo "$wr" | head -1 | field tgid)
[ "$(grep -c "^DATA tgid=$py " "$out")" -eq 160 ]; result regular_file_only_pipe

# dd between two regular files: nothing at all is copied
out=$tmp/regular
"$dump" "dd if=$tmp/src of=$tmp/copy bs=65536 2> $tmp/dd.err" > "$out" 2> "$out.err"
grep -q '^END status=0 ' "$out" && cmp -s "$tmp/src" "$tmp/copy" && \
	[ "$(grep -c '^DATA ' "$out")" -eq 0 ]; result regular_file_copy_not_captured

# --- a unix socketpair across fork: peer_ino is the other end's ino; the
# msg and vector calls split by iovec
cat > "$tmp/pair.py" << 'EOF'
import os, socket
a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.close()
    b.send(b"ping-unix")
    b.sendmsg([b"ab", b"cdef"])
    os.writev(b.fileno(), [b"12", b"345"])
    b.recv(1)  # stay alive: a closed end has no inode left to report
    os._exit(0)
b.close()
r = a.recv(9)
bufs = [bytearray(3), bytearray(3)]
n = a.recvmsg_into(bufs, 0, socket.MSG_WAITALL)[0]
x, y = bytearray(2), bytearray(10)
m = os.readv(a.fileno(), [x, y])
a.send(b"k")
os.waitpid(pid, 0)
assert r == b"ping-unix" and n == 6 and m == 5, (r, n, m)
EOF
out=$tmp/unix
mkdir -p "$out.d"
"$dump" -o "$out.d" "$PY $tmp/pair.py" > "$out" 2> "$out.err"
wr=$(grep '^DATA .* dir=1 kind=2 ' "$out")
rd=$(grep '^DATA .* dir=0 kind=2 ' "$out")
wino=$(echo "$wr" | head -1 | field ino)
wpeer=$(echo "$wr" | head -1 | field peer)
rino=$(echo "$rd" | head -1 | field ino)
rpeer=$(echo "$rd" | head -1 | field peer)
grep -q '^END status=0 ' "$out"; result unix_status
[ -n "$wino" ] && [ "$wino" != 0 ] && [ "$wpeer" = "$rino" ] && \
	[ "$rpeer" = "$wino" ] && [ "$wino" != "$rino" ]; result unix_peer_ino
printf 'ping-unixabcdef12345' > "$tmp/unix.want"
cmp -s "$out.d/$(echo "$wr" | head -1 | field sid)-1.bin" "$tmp/unix.want"; result unix_write_bytes
cmp -s "$out.d/$(echo "$rd" | head -1 | field sid)-0.bin" "$tmp/unix.want"; result unix_read_bytes
# sendmsg of ["ab", "cdef"]: two records of one syscall, START then END
[ "$(echo "$wr" | grep -c 'off=9 len=2 sclen=6 flags=1 ')" -eq 1 ] && \
	[ "$(echo "$wr" | grep -c 'off=11 len=4 sclen=6 flags=2 ')" -eq 1 ]; result unix_sendmsg_iov
[ "$(echo "$rd" | grep -c 'off=9 len=3 sclen=6 flags=1 ')" -eq 1 ] && \
	[ "$(echo "$rd" | grep -c 'off=12 len=3 sclen=6 flags=2 ')" -eq 1 ]; result unix_recvmsg_iov
[ "$(echo "$rd" | grep -c 'off=15 len=2 sclen=5 flags=1 ')" -eq 1 ] && \
	[ "$(echo "$rd" | grep -c 'off=17 len=3 sclen=5 flags=2 ')" -eq 1 ]; result unix_readv_iov
contiguous "$out"; result unix_contiguous

# --- writev of 200 iovecs: one record per iovec, the bytes in order
out=$tmp/iov
mkdir -p "$out.d"
"$dump" -o "$out.d" "$PY -c '
import os
v = [bytes([65 + i % 26]) * (i % 9 + 1) for i in range(200)]
assert os.writev(1, v) == sum(map(len, v))
' | cat > /dev/null" > "$out" 2> "$out.err"
$PY -c '
import sys
v = [bytes([65 + i % 26]) * (i % 9 + 1) for i in range(200)]
sys.stdout.buffer.write(b"".join(v))' > "$tmp/iov.want"
wr=$(grep '^DATA .* dir=1 kind=1 ' "$out")
[ "$(echo "$wr" | grep -c .)" -eq 200 ] && \
	cmp -s "$out.d/$(echo "$wr" | head -1 | field sid)-1.bin" "$tmp/iov.want"; result writev_200_iovecs

# --- past max_msg: the first 100 bytes, then one exact SKIP
out=$tmp/cap
"$dump" -m 100 "$PY -c 'import os; os.write(1, b\"x\" * 1000)' | cat > /dev/null" \
	> "$out" 2> "$out.err"
wr=$(grep ' dir=1 kind=1 ' "$out")
[ "$(echo "$wr" | grep -c '^DATA .* off=0 len=100 sclen=1000 flags=1 ')" -eq 1 ]; result max_msg_data
[ "$(echo "$wr" | grep -c '^SKIP .* off=100 len=900 sclen=1000 flags=2 ')" -eq 1 ] && [ "$(echo "$wr" | grep -c .)" -eq 2 ]; result max_msg_skip
contiguous "$out"; result max_msg_contiguous

# --- a closed fd number reused for another pipe is a new stream
out=$tmp/reuse
"$dump" "$PY -c '
import os
for i in range(3):
    r, w = os.pipe()
    os.write(w, b\"abc\")
    os.close(w); os.close(r)
'" > "$out" 2> "$out.err"
[ "$(grep '^DATA .* dir=1 kind=1 .* off=0 len=3 ' "$out" | field sid | sort -u | grep -c .)" -eq 3 ]; result fd_reuse_new_stream

# --- a muted stream stops being copied; the next stream is unaffected
out=$tmp/mute
"$dump" -M "$PY -c '
import os, time
for i in range(20):
    os.write(1, b\"m\" * 1000)
    time.sleep(0.02)
' | cat > /dev/null" > "$out" 2> "$out.err"
n=$(grep -c '^DATA .* dir=1 kind=1 .* sclen=1000 ' "$out")
[ "$n" -ge 1 ] && [ "$n" -lt 10 ]; result mute_stops_copy

# --- overhead: dd of 1M 64-byte writes into cat, plain / attached but not
# tracing it / tracing it (records counted, not printed)
cmd='dd if=/dev/zero bs=64 count=200000 2>/dev/null | cat > /dev/null'
t0=$(date +%s%N)
sh -c "$cmd"
t1=$(date +%s%N)
idle=$("$dump" -i -q "$cmd" | field elapsed_ms)
traced=$("$dump" -q "$cmd")
echo "# overhead: dd bs=64 count=200000 | cat: plain $(((t1 - t0) / 1000000)) ms," \
	"attached untraced $idle ms, traced $(echo "$traced" | field elapsed_ms) ms"
echo "# traced run: $traced"

[ $failed -eq 0 ]
