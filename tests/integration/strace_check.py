#!/usr/bin/env python3
"""Dev check (not run by the tests): proves that host.mjs logs each JSON-RPC
message byte for byte as it crosses the host's pipes.

  strace -f -qq -e trace=read,write -xx -s 10000000 -o st.txt \
      node tests/integration/host.mjs --scenario basic,sampling,cancel --log st.jsonl
  python3 tests/integration/strace_check.py st.txt st.jsonl

Rebuilds every (pid, fd, read|write) byte stream from strace's hex dumps
(unfinished/resumed pairs joined), splits them at newlines, and reports
logged bodies not found byte-equal among the host's writes (c2s) or reads
(s2c), and how many JSON-RPC lines the host's main thread moved in all.
"""
import collections
import json
import re
import sys

trace, logf = sys.argv[1], sys.argv[2]
pat = re.compile(r'^(\d+)\s+(read|write)\((\d+), "((?:\\x[0-9a-f]{2})*)"(?:\.\.\.)?, \d+\s*\)\s*=\s*(\d+)')
pending = {}


def joined(path):
    for l in open(path):
        l = l.rstrip("\n")
        m = re.match(r"^(\d+)\s+(.*) <unfinished \.\.\.>$", l)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+)\s+<\.\.\. \w+ resumed>(.*)$", l)
        if m:
            head = pending.pop(m.group(1), None)
            if head is None:
                continue
            l = m.group(1) + " " + head + m.group(2)
        yield l


streams = collections.defaultdict(bytearray)
for l in joined(trace):
    m = pat.match(l)
    if m:
        pid, sc, fd, data, ret = m.groups()
        streams[(pid, sc, fd)] += bytes.fromhex(data.replace("\\x", ""))[: int(ret)]
lines = collections.Counter()
for (pid, sc, fd), b in streams.items():
    for ln in bytes(b).split(b"\n"):
        if ln.startswith(b"{") and b'"jsonrpc"' in ln:
            lines[(pid, "c2s" if sc == "write" else "s2c", ln)] += 1
host = min({p for (p, _, _) in lines}, key=int)
n = bad = 0
for l in open(logf):
    o = json.loads(l)
    if "body" not in o:
        continue
    n += 1
    if not lines.get((host, o["dir"], o["body"].encode())):
        bad += 1
        print("NOT ON THE WIRE", o["dir"], o["body"][:200])
wire = sum(c for (p, _, _), c in lines.items() if p == host)
print(f"{n} logged, {bad} not found byte-equal; host pid {host} moved {wire} JSON-RPC lines")
sys.exit(1 if bad or wire != n else 0)
