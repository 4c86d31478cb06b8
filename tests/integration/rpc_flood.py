#!/usr/bin/env python3
"""Writes N JSON-RPC tools/call requests of about SIZE bytes each to
stdout, one per line, flushing each: a client that never stops talking,
for tests that need many big messages (a trace DB that fills its disk)
and for benchmarks. With RATE (messages per second), paced to it: ahead
of time, it waits; behind, it writes without waiting, to catch up.
Usage: rpc_flood.py N SIZE [RATE]"""
import sys
import time

n, size = int(sys.argv[1]), int(sys.argv[2])
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
pad = "x" * size
out = sys.stdout
start = time.monotonic()
for i in range(1, n + 1):
    out.write('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":'
              '{"name":"echo","arguments":{"pad":"%s"}}}\n' % (i, pad))
    out.flush()
    if rate and i % 64 == 0:
        ahead = start + i / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
