#!/usr/bin/env python3
"""Builds the DB a perfect tracer would write for a host.mjs log, with the
schema in schema/*.sql. Only for testing check_db.py itself (test_check_db.sh):
check_db.py must pass on it, and fail on each mutation of it.

usage: mkdb.py LOG DB [--after-go] [--max-msg N]
  --max-msg N  store messages over N bytes cut to their first N bytes, truncated=1
"""
import glob
import json
import os
import sqlite3
import sys

log, out = sys.argv[1], sys.argv[2]
after_go = "--after-go" in sys.argv[3:]
max_msg = int(sys.argv[sys.argv.index("--max-msg") + 1]) if "--max-msg" in sys.argv else 0
top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

msgs, lat, pids, names = [], {}, {}, {}
go = False
wall_start = wall_end = None
for line in open(log, encoding="utf-8"):
    o = json.loads(line)
    if o.get("marker") == "go":
        go = True
    elif "body" in o:
        if go or not after_go:
            msgs.append(o)
    elif "latency_ms" in o:
        lat[(o["server"], o["call_id"])] = o["latency_ms"]
    elif "server_pid" in o:
        pids[o["server"]] = (o["server_pid"], o["client_pid"])
    elif "server_name" in o:
        names[o["server"]] = o
    elif "wall_start_ms" in o:
        wall_start = int(o["wall_start_ms"] * 1e6)
    elif "wall_end_ms" in o:
        wall_end = int(o["wall_end_ms"] * 1e6)

if os.path.exists(out):
    os.unlink(out)
db = sqlite3.connect(out)
for f in sorted(glob.glob(os.path.join(top, "schema", "*.sql"))):
    db.executescript(open(f, encoding="utf-8").read())
db.execute("INSERT INTO runs(id, started_ns) VALUES (1, ?)", (wall_start,))
sess = {}
for label, (spid, cpid) in sorted(pids.items()):
    n = names.get(label, {})
    init = next((json.loads(m["body"]) for m in msgs if m["server"] == label and '"protocolVersion"' in m["body"] and m["dir"] == "s2c"), {})
    cur = db.execute(
        "INSERT INTO sessions(run_id, transport, client_pid, server_pid, client_name, client_version,"
        " server_name, server_version, protocol_version, started_ns, ended_ns) VALUES (1,'stdio',?,?,?,?,?,?,?,?,?)",
        (cpid, spid, n.get("client_name"), "1.0.0", n.get("server_name"), n.get("server_version"),
         (init.get("result") or {}).get("protocolVersion"), wall_start, wall_end),
    )
    sess[label] = cur.lastrowid

open_calls = {}  # (label, dir, id) -> call row id
tokens = {}  # (label, token json) -> call id
for i, m in enumerate(msgs):
    o = json.loads(m["body"])
    label, d = m["server"], m["dir"]
    ts = wall_start + (i + 1) * 1_000_000
    idt = json.dumps(o["id"], separators=(",", ":"), ensure_ascii=False) if "id" in o else None
    spid, cpid = pids[label]
    trunc = max_msg and len(m["body"].encode()) > max_msg
    kind = ("request" if "id" in o else "notification") if "method" in o else ("error" if "error" in o else "response")
    method = o.get("method")
    call_id = None
    other = "s2c" if d == "c2s" else "c2s"
    if kind in ("response", "error"):
        call_id = open_calls.pop((label, other, idt), None)
        if call_id is not None:
            method = db.execute("SELECT method FROM calls WHERE id=?", (call_id,)).fetchone()[0]
    elif method == "notifications/progress":
        call_id = tokens.get((label, json.dumps(o["params"].get("progressToken"))))
    elif method == "notifications/cancelled":
        call_id = open_calls.get((label, d, json.dumps(o["params"].get("requestId"))))
    cur = db.execute(
        "INSERT INTO messages(session_id, call_id, ts_ns, sent_ns, recv_ns, sender_pid, direction, kind,"
        " rpc_id, method, size_bytes, truncated, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (sess[label], call_id, ts, ts, ts + 1000, cpid if d == "c2s" else spid, d, kind, idt, method,
         len(m["body"].encode()), int(trunc), m["body"].encode()[:max_msg] if trunc else m["body"]),
    )
    mid = cur.lastrowid
    if kind == "request":
        p = o.get("params") or {}
        target = p.get("name") if method in ("tools/call", "prompts/get") else p.get("uri") if method.startswith("resources/") else None
        c = db.execute(
            "INSERT INTO calls(session_id, rpc_id, direction, method, target, request_msg_id, start_ns, status)"
            " VALUES (?,?,?,?,?,?,?,'unanswered')",
            (sess[label], idt, d, method, target, mid, ts),
        ).lastrowid
        db.execute("UPDATE messages SET call_id=? WHERE id=?", (c, mid))
        open_calls[(label, d, idt)] = c
        tok = (p.get("_meta") or {}).get("progressToken")
        if tok is not None:
            tokens[(label, json.dumps(tok))] = c
    elif method == "notifications/cancelled" and call_id is not None:
        db.execute("UPDATE calls SET status='cancelled' WHERE id=?", (call_id,))
        open_calls.pop((label, d, json.dumps(o["params"].get("requestId"))), None)
    elif kind in ("response", "error") and call_id is not None:
        ms = lat.get((label, idt), 1.0) if other == "c2s" else 1.0
        latency = int(ms * 1e6 * 0.9)
        status = "error" if kind == "error" else "tool_error" if (o.get("result") or {}).get("isError") is True else "ok"
        err = o.get("error") or {}
        db.execute(
            "UPDATE calls SET response_msg_id=?, end_ns=?, latency_ns=?, server_latency_ns=?, status=?,"
            " error_code=?, error_message=? WHERE id=?",
            (mid, ts, latency, latency // 2, status, err.get("code"), err.get("message"), call_id),
        )
db.commit()
