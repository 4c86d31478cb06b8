# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""HTTPS JSON-RPC test peer for test_tls.sh: answers POST /mcp with a
JSON-RPC response carrying the request's id (and, for a body over 100 kB,
the body's sha256 and length). Threaded: one thread per connection.

    python3 tls_server.py CERT KEY PORTFILE [MAX_REQUESTS]

Binds 127.0.0.1 on a free port and writes it to PORTFILE; with
MAX_REQUESTS it exits after answering that many."""
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        try:
            rid = json.loads(body).get("id")
        except ValueError:
            rid = None
        result = {"tools": []}
        if len(body) > 100000:
            result = {"sha256": hashlib.sha256(body).hexdigest(), "len": len(body)}
        out = json.dumps({"jsonrpc": "2.0", "id": rid, "result": result},
                         separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        self.server.count()

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, limit):
        super().__init__(("127.0.0.1", 0), Handler)
        self.limit = limit
        self.served = 0
        self.lock = threading.Lock()

    def count(self):
        with self.lock:
            self.served += 1
            if self.limit and self.served >= self.limit:
                threading.Thread(target=self.shutdown).start()


def main():
    cert, key, portfile = sys.argv[1:4]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    srv = Server(limit)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, portfile)
    srv.serve_forever()


main()
