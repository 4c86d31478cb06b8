#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# TLS capture, as root: a local HTTPS JSON-RPC server (tls_server.py, a
# self-signed certificate) and real clients traced under tls_dump: curl
# (libssl.so.3), python http.client (libssl, the _ex calls), node https
# (OpenSSL inside the node executable, memory BIOs), gnutls-cli (GnuTLS)
# and NSS's tstclnt (NSPR). For each: the TLS libraries were hooked, the
# plaintext request and response arrive as TLS records (MT_F_TLS) on the
# socket's fd with the socket's addresses, and nothing of the ciphertext
# stream is emitted. Then a 5 MiB POST body over TLS arrives whole, and a
# traced threaded server sees 8 concurrent connections apart.
# Prints "ok NAME" / "not ok NAME" per check, "# skip" for a missing tool.
OUT=${OUT:-build}
failed=0
pass() { echo "ok $1"; }
fail() { echo "not ok $1"; failed=$((failed + 1)); }
result() {
	if [ $? -eq 0 ]; then pass "$1"; else fail "$1"; fi
}
have() { command -v "$1" > /dev/null 2>&1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "not ok tls_root (test_tls.sh needs root)"
	exit 1
fi
for t in openssl python3; do
	if ! have $t; then
		echo "not ok tls_tools (no $t: run scripts/install-deps.sh)"
		exit 1
	fi
done

tmp=$(mktemp -d)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
here=tests/integration
dump=$tmp/tls_dump
CFLAGS="-g -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -Iinclude -Itracer -I$OUT"
LIBS="-lbpf -ldw -lelf -lz -lcjson -lsqlite3 -lm -lcapstone"
if ! cc $CFLAGS $here/tls_dump.c "$OUT/libmcptrace.a" $LIBS -o "$dump" 2> "$tmp/cc.log"; then
	objs="$OUT/tracer/capture/capture.o $OUT/tracer/capture/tls_lib.o $OUT/tracer/capture/tls_hooks.o $OUT/tracer/capture/go_tls.o"
	make -s $objs > /dev/null 2>&1
	if ! cc $CFLAGS $here/tls_dump.c $objs $LIBS \
		-o "$dump" 2>> "$tmp/cc.log"; then
		cat "$tmp/cc.log"
		echo "not ok tls_build"
		exit 1
	fi
fi
PY=$(python3 -c 'import sys; print(sys.executable)')

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
contiguous() {
	awk '/^(DATA|SKIP) / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		k = f["sid"] "/" f["dir"]
		if ((k in next_off) && next_off[k] != f["off"]) { print "gap in " k ": " $0; bad = 1 }
		next_off[k] = f["off"] + f["len"]
	} END { exit bad }' "$1"
}

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" > /dev/null 2>&1
# start_server [MAX]: a server in the background, its port in $port
start_server() {
	rm -f "$tmp/port"
	$PY $here/tls_server.py "$tmp/cert.pem" "$tmp/key.pem" "$tmp/port" $1 2> "$tmp/srv.err" &
	srv_pid=$!
	for _ in $(seq 100); do
		[ -f "$tmp/port" ] && break
		sleep 0.1
	done
	port=$(cat "$tmp/port" 2> /dev/null)
}
start_server
if [ -z "$port" ]; then
	cat "$tmp/srv.err"
	echo "not ok tls_server"
	exit 1
fi

body='{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"probe":"tls-plaintext-42"}}'
printf '%s' "$body" > "$tmp/body.json"
blen=$(printf '%s' "$body" | wc -c)
printf 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
	"$blen" "$body" > "$tmp/req.http"
answer='{"jsonrpc":"2.0","id":7,"result":{"tools":[]}}'
mkdir -p "$tmp/nssdb"
have certutil && certutil -N --empty-password -d "sql:$tmp/nssdb" > /dev/null 2>&1

# check_client NAME LIBKIND: the assertions on $tmp/NAME (records), .err, .d/
check_client() {
	n=$1
	o=$tmp/$n
	grep -q "hooked TLS in .* ($2: " "$o.err"; result "${n}_hooked_$2"
	# the TLS stream: the one whose SOCKADDR says tls=1 towards our port
	sa=$(grep "^SOCKADDR .* tls=1 .* remote=127.0.0.1:$port\$" "$o" | head -1)
	sid=$(echo "$sa" | field sid)
	sfd=$(echo "$sa" | field fd)
	tgid=$(echo "$sa" | field tgid)
	[ -n "$sid" ] && grep -q "^SOCKADDR tgid=$tgid fd=$sfd sid=[0-9]* tls=1 family=2 local=127.0.0.1:[0-9]* remote=127.0.0.1:$port\$" "$o"
	result "${n}_sockaddr"
	[ -n "$sid" ] && grep -q -F "POST /mcp HTTP/1.1" "$o.d/$sid-1.bin" 2> /dev/null &&
		grep -q -F "$body" "$o.d/$sid-1.bin"; result "${n}_request_plaintext"
	[ -n "$sid" ] && grep -q -F "HTTP/1.1 200 OK" "$o.d/$sid-0.bin" 2> /dev/null &&
		grep -q -F "$answer" "$o.d/$sid-0.bin"; result "${n}_response_plaintext"
	# every record of the TLS stream: TLS flag, the socket's fd, AF_INET kind
	recs=$(grep "^DATA .* sid=$sid " "$o")
	[ -n "$recs" ] && [ -z "$(echo "$recs" | grep -v " fd=$sfd dir=[01] kind=3 ")" ] &&
		[ -z "$(echo "$recs" | awk '{ split($11, kv, "="); if (int(kv[2] / 8) % 2 != 1) print }')" ]
	result "${n}_tls_records_on_socket_fd"
	# the socket's own stream (tls=0 SOCKADDR, same fd) has no bytes out,
	# and no record on an inet socket lacks the TLS flag
	csid=$(grep "^SOCKADDR tgid=$tgid fd=$sfd .* tls=0 .* remote=127.0.0.1:$port\$" "$o" | head -1 | field sid)
	[ -n "$csid" ] && ! grep -q "^\(DATA\|SKIP\) .* sid=$csid " "$o" &&
		[ -z "$(grep '^\(DATA\|SKIP\) .* kind=3 ' "$o" | awk '{ split($11, kv, "="); if (int(kv[2] / 8) % 2 != 1) print }')" ]
	result "${n}_no_ciphertext"
	contiguous "$o" > /dev/null; result "${n}_contiguous"
}

# run_client NAME CMD: CMD traced, its records in $tmp/NAME
run_client() {
	mkdir -p "$tmp/$1.d"
	"$dump" -o "$tmp/$1.d" "$2" > "$tmp/$1" 2> "$tmp/$1.err"
}

run_client curl "curl -sk -X POST -H 'Content-Type: application/json' --data-binary @$tmp/body.json https://127.0.0.1:$port/mcp"
check_client curl openssl

run_client python "$PY $here/tls_client.py $port $tmp/body.json"
check_client python openssl

if have node; then
	run_client node "node $here/tls_client.mjs $port $tmp/body.json"
	check_client node openssl
	grep -q "hooked TLS in .*node (the executable) (openssl" "$tmp/node.err"; result node_tls_in_executable
else
	echo "# skip node: no node"
fi

if have gnutls-cli; then
	# the request waits out the hooking window after gnutls-cli starts (see tls_client.py)
	run_client gnutls "(cat $tmp/req.http; sleep 1) | gnutls-cli --insecure -p $port 127.0.0.1"
	check_client gnutls gnutls
else
	echo "# skip gnutls: no gnutls-cli (apt install gnutls-bin)"
fi

if have tstclnt; then
	run_client nss "(cat $tmp/req.http; sleep 1) | timeout 5 tstclnt -h 127.0.0.1 -p $port -d sql:$tmp/nssdb -o"
	check_client nss nspr
else
	echo "# skip nss: no tstclnt (apt install libnss3-tools)"
fi

# --- a library loaded at run time (import ssl: MT_EV_MMAP), then an exec
# of a program mapping the same library: the pid's hooks serve it too
o=$tmp/exec
mkdir -p "$o.d"
"$dump" -o "$o.d" "$PY -c 'import ssl, os, sys
os.execv(sys.executable, [sys.executable, \"$here/tls_client.py\", \"$port\", \"$tmp/body.json\"])'" \
	> "$o" 2> "$o.err"
sid=$(grep "^SOCKADDR .* tls=1 .* remote=127.0.0.1:$port\$" "$o" | head -1 | field sid)
[ "$(grep -c '^EXEC .*comm=python3' "$o")" -eq 2 ] && [ "$(grep -c 'hooked TLS in .*libssl' "$o.err")" -eq 1 ] &&
	[ -n "$sid" ] && grep -q -F "$body" "$o.d/$sid-1.bin" && grep -q -F "$answer" "$o.d/$sid-0.bin"
result dlopen_then_exec_keeps_hooks

# --- 5 MiB of JSON-RPC in one POST over TLS arrives whole, in order
head -c 3932160 /dev/urandom | base64 -w0 > "$tmp/pad"
{ printf '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"big","arguments":{"d":"'
	cat "$tmp/pad"; printf '"}}}'; } > "$tmp/big.json"
bsum=$(sha256sum < "$tmp/big.json" | cut -d' ' -f1)
# big_check NAME: body = the bytes after the request head; the server's
# answer carries its sha256
big_check() {
	o=$tmp/$1
	sid=$(grep "^SOCKADDR .* tls=1 .* remote=127.0.0.1:$port\$" "$o" | head -1 | field sid)
	[ -n "$sid" ] && $PY -c '
import hashlib, sys
req = open(sys.argv[1], "rb").read()
resp = open(sys.argv[2], "rb").read()
body = req.split(b"\r\n\r\n", 1)[1]
ok = hashlib.sha256(body).hexdigest() == sys.argv[3] and sys.argv[3].encode() in resp
sys.exit(0 if ok else 1)' "$o.d/$sid-1.bin" "$o.d/$sid-0.bin" "$bsum"
	result "${1}_5mib_body_whole"
	grep -q 'lost_events=0 lost_bytes=0 ' "$o"; result "${1}_5mib_nothing_lost"
	contiguous "$o" > /dev/null; result "${1}_5mib_contiguous"
	[ -z "$(grep '^\(DATA\|SKIP\) .* kind=3 ' "$o" | awk '{ split($11, kv, "="); if (int(kv[2] / 8) % 2 != 1) print }')" ]
	result "${1}_5mib_no_ciphertext"
}
run_client bigcurl "curl -sk -H 'Content-Type: application/json' -H 'Expect:' --data-binary @$tmp/big.json https://127.0.0.1:$port/mcp"
big_check bigcurl
run_client bigpython "$PY $here/tls_client.py $port $tmp/big.json"
big_check bigpython
if have node; then
	run_client bignode "node $here/tls_client.mjs $port $tmp/big.json"
	big_check bignode
fi

# --- the server side, traced: 8 concurrent clients on 8 threads, each
# request and its answer on its own TLS stream
kill "$srv_pid" 2> /dev/null
wait "$srv_pid" 2> /dev/null
srv_pid=
o=$tmp/server
mkdir -p "$o.d"
rm -f "$tmp/port"
"$dump" -o "$o.d" "$PY $here/tls_server.py $tmp/cert.pem $tmp/key.pem $tmp/port 8" > "$o" 2> "$o.err" &
dump_pid=$!
for _ in $(seq 100); do
	[ -f "$tmp/port" ] && break
	sleep 0.1
done
port=$(cat "$tmp/port" 2> /dev/null)
sleep 0.5
for i in 1 2 3 4 5 6 7 8; do
	curl -sk -H 'Content-Type: application/json' \
		--data "{\"jsonrpc\":\"2.0\",\"id\":$((100 + i)),\"method\":\"ping\"}" \
		"https://127.0.0.1:$port/mcp" > /dev/null &
done
wait $dump_pid
grep -q "hooked TLS in .*libssl.so.3 (openssl: " "$o.err"; result server_hooked
ok=1
for i in 1 2 3 4 5 6 7 8; do
	id=$((100 + i))
	f=$(grep -l -F "\"id\":$id," "$o.d"/*-0.bin 2> /dev/null)
	[ "$(echo "$f" | grep -c .)" -eq 1 ] || { ok=0; continue; }
	# the answer with the same id is on the same stream, the other way
	grep -q -F "\"id\":$id," "${f%-0.bin}-1.bin" 2> /dev/null || ok=0
done
[ $ok -eq 1 ]; result server_8_connections_apart
[ "$(grep '^DATA .* flags=1[15] ' "$o" | grep -c ' dir=0 ')" -ge 8 ] &&
	[ "$(grep '^DATA .* dir=0 ' "$o" | field pid | sort -u | grep -c .)" -ge 2 ]; result server_threads
[ -z "$(grep '^\(DATA\|SKIP\) .* kind=3 ' "$o" | awk '{ split($11, kv, "="); if (int(kv[2] / 8) % 2 != 1) print }')" ]
result server_no_ciphertext

[ $failed -eq 0 ]
