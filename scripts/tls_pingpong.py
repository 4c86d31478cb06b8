#!/usr/bin/env python3
"""One-byte TLS round trips between two threads of this process, over
loopback TCP, through the system libssl (Python's ssl). Each round trip is
four TLS calls: SSL_write and SSL_read at each end. Prints the best of
ROUNDS passes as "us_per_call=X" (microseconds per TLS call).
Usage: tls_pingpong.py CERT KEY N [ROUNDS]"""
import socket
import ssl
import sys
import threading
import time

cert, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3

sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(cert, key)
cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.check_hostname = False
cctx.verify_mode = ssl.CERT_NONE

ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)


def serve():
    conn, _ = ls.accept()
    with sctx.wrap_socket(conn, server_side=True) as s:
        while True:
            b = s.recv(1)
            if not b:
                return
            s.sendall(b)


t = threading.Thread(target=serve, daemon=True)
t.start()
c = cctx.wrap_socket(socket.create_connection(ls.getsockname()))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
best = None
for _ in range(rounds):
    t0 = time.perf_counter()
    for _ in range(n):
        c.sendall(b"x")
        c.recv(1)
    dt = time.perf_counter() - t0
    best = dt if best is None or dt < best else best
c.close()
print("us_per_call=%.2f" % (best / (4 * n) * 1e6))
