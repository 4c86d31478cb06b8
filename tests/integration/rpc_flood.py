#!/usr/bin/env python3
"""Writes N JSON-RPC tools/call requests of about SIZE bytes each to
stdout, one per line, flushing each: a client that never stops talking,
for tests that need many big messages (a trace DB that fills its disk).
Usage: rpc_flood.py N SIZE"""
import sys

n, size = int(sys.argv[1]), int(sys.argv[2])
pad = "x" * size
out = sys.stdout
for i in range(1, n + 1):
    out.write('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":'
              '{"name":"echo","arguments":{"pad":"%s"}}}\n' % (i, pad))
    out.flush()
