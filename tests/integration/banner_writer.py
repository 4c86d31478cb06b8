#!/usr/bin/env python3
"""A stdio peer that hides its JSON-RPC behind log lines: N banner lines,
each in its own write, then a request, N more, then another request.
mcptrace mutes a stream after a few lines that are not JSON; the kernel
must un-mute it at the request's line. With REQUESTS 0: the N banner
lines only. Usage: banner_writer.py N [REQUESTS]"""
import os
import sys

n = int(sys.argv[1])
requests = int(sys.argv[2]) if len(sys.argv) > 2 else 2
if not requests:
    for i in range(n):
        os.write(1, b"banner %d: the server is starting, please wait\n" % i)
for req in range(1, requests + 1):
    for i in range(n):
        os.write(1, b"banner %d: the server is starting, please wait\n" % i)
    os.write(1, b'{"jsonrpc":"2.0","id":%d,"method":"tools/list"}\n' % req)
