#!/usr/bin/env python3
"""DB checks of test_tls_mcp.sh (MCP over HTTPS), beside check_db.py.

  tlsmcp_check.py clean DB --name N
      no stored message is ciphertext: every messages.body parses as JSON (or
      the row is truncated=1 and its body is a head of the message); no
      parse_errors excerpt holds TLS record bytes (a byte 0x14..0x17 followed
      by 0x03: a record header); every session is transport 'http', tls = 1
  tlsmcp_check.py big DB LOG --min BYTES --name N
      every message of the host's log (check_db.py's format) of BYTES or more
      is one row: size_bytes its length, truncated 0, body byte-equal
  tlsmcp_check.py init DB --request FILE --client-name NAME --name N
                  [--response-http FILE | --response-body FILE --content-type CT]
                  [--client-pid PID]
      a raw client's initialize over HTTPS: the request body (FILE's bytes) is
      one c2s row in a session with transport 'http', tls 1 and that
      client_name; with a response (the raw HTTP response the client printed,
      or its body and Content-Type), the JSON-RPC answer (the JSON body, or
      the data of the SSE event that carries it) is the s2c row of the same
      session, and the call is status 'ok' with both rows.

Prints "ok N: CHECK" / "not ok N: CHECK: why" lines; exits 1 if one failed.
"""
import argparse
import json
import re
import sqlite3
import sys

ap = argparse.ArgumentParser()
ap.add_argument("what", choices=["clean", "big", "init"])
ap.add_argument("db")
ap.add_argument("log", nargs="?")
ap.add_argument("--name", default="tlsmcp")
ap.add_argument("--min", type=int, default=1 << 20)
ap.add_argument("--request")
ap.add_argument("--client-name")
ap.add_argument("--client-pid", type=int)
ap.add_argument("--response-http")
ap.add_argument("--response-body")
ap.add_argument("--content-type")
args = ap.parse_args()

failed = 0


def report(check, problems, detail=None):
    global failed
    if not problems:
        print(f"ok {args.name}: {check}" + (f" ({detail})" if detail else ""))
        return
    failed += 1
    print(f"not ok {args.name}: {check}: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))
    for p in problems[:6]:
        print(f"#   {p}")


def short(b, n=120):
    if b is None:
        return "NULL"
    s = bytes(b).decode("utf-8", "replace")
    return s if len(s) <= n else s[:n] + f"...[{len(b)} bytes]"


db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
db.row_factory = sqlite3.Row
rows = [dict(r) for r in db.execute("SELECT *, CAST(body AS BLOB) AS raw FROM messages ORDER BY id")]
sessions = [dict(r) for r in db.execute("SELECT * FROM sessions ORDER BY id")]
TLS_RECORD = re.compile(rb"[\x14-\x17]\x03")


def clean():
    problems = []
    for r in rows:
        raw = bytes(r["raw"]) if r["raw"] is not None else b""
        if TLS_RECORD.search(raw[:5]):
            problems.append(f"row {r['id']} starts like a TLS record: {raw[:16].hex()}")
            continue
        try:
            json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            if r["truncated"] != 1 or len(raw) >= (r["size_bytes"] or 0):
                problems.append(f"row {r['id']} ({r['direction']} {r['kind']}, {len(raw)} bytes, truncated={r['truncated']}) "
                                f"is not JSON ({e}): {short(raw)}")
    report("every messages.body is JSON (no ciphertext)", problems, f"{len(rows)} rows")
    problems = []
    n = 0
    for r in db.execute("SELECT id, pid, fd, direction, error, CAST(excerpt AS BLOB) AS ex FROM parse_errors"):
        n += 1
        ex = bytes(r["ex"] or b"")
        if TLS_RECORD.search(ex):
            problems.append(f"parse_errors {r['id']} (pid {r['pid']} fd {r['fd']} {r['direction']}: {r['error']}) "
                            f"holds TLS record bytes: {ex[:24].hex()}")
    report("no parse_errors row holds TLS record bytes", problems, f"{n} parse_errors rows")
    problems = []
    for s in sessions:
        if s["transport"] != "http" or s["tls"] != 1:
            problems.append(f"session {s['id']}: transport {s['transport']!r} tls {s['tls']!r}, want 'http' 1 "
                            f"(client_pid {s['client_pid']} server_pid {s['server_pid']})")
    if not sessions:
        problems.append("no sessions")
    report("every session is transport http, tls 1", problems, f"{len(sessions)} sessions")


def big():
    problems = []
    want = []
    with open(args.log, encoding="utf-8") as f:
        for n, line in enumerate(f):
            o = json.loads(line)
            if "body" in o and len(o["body"].encode()) >= args.min:
                want.append((n + 1, o["dir"], o["body"].encode()))
    if not want:
        problems.append(f"the log has no message of {args.min} bytes or more")
    for n, d, b in want:
        cand = [r for r in rows if r["size_bytes"] == len(b) and r["direction"] == d]
        same = [r for r in cand if r["truncated"] == 0 and r["raw"] is not None and bytes(r["raw"]) == b]
        if len(same) != 1:
            near = ", ".join(f"row {r['id']} truncated={r['truncated']} body {len(bytes(r['raw'] or b''))} bytes" for r in cand) or "none"
            big_rows = ", ".join(f"row {r['id']} {r['direction']} size_bytes={r['size_bytes']} truncated={r['truncated']}"
                                 for r in rows if (r["size_bytes"] or 0) >= args.min) or "none"
            problems.append(f"log line {n} ({d}, {len(b)} bytes): {len(same)} rows byte-equal, truncated 0 "
                            f"(rows of that size: {near}; rows of {args.min}+ bytes: {big_rows})")
    report(f"messages of {args.min}+ bytes stored whole (size_bytes, truncated 0, byte-equal)", problems,
           ", ".join(f"{d} {len(b)} bytes" for _, d, b in want))


def sse_data(body):
    """The data of each event of a text/event-stream body."""
    out, data = [], None
    for line in re.split(rb"\r\n|\n|\r", body):
        if line == b"":
            if data is not None:
                out.append(data)
            data = None
        elif line.startswith(b":"):
            continue
        else:
            field, _, value = line.partition(b":")
            if value.startswith(b" "):
                value = value[1:]
            if field == b"data":
                data = value if data is None else data + b"\n" + value
    if data is not None:
        out.append(data)
    return out


def parse_http(raw):
    """(content type, decoded body) of the first HTTP response in raw."""
    i = raw.find(b"HTTP/1.1 ")
    if i < 0:
        raise ValueError("no HTTP/1.1 status line")
    head, sep, rest = raw[i:].partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of the response head")
    hdrs = {}
    for l in head.split(b"\r\n")[1:]:
        k, _, v = l.partition(b":")
        hdrs[k.strip().lower()] = v.strip()
    ct = hdrs.get(b"content-type", b"").split(b";")[0].strip().decode().lower()
    if b"chunked" in hdrs.get(b"transfer-encoding", b"").lower():
        body = b""
        while True:
            line, _, rest = rest.partition(b"\r\n")
            size = int(line.split(b";")[0], 16)
            if size == 0:
                break
            body += rest[:size]
            rest = rest[size + 2:]
    elif b"content-length" in hdrs:
        body = rest[: int(hdrs[b"content-length"])]
    else:
        body = rest
    return ct, body


def init():
    req = open(args.request, "rb").read()
    problems = []
    resp = None
    if args.response_http or args.response_body:
        try:
            if args.response_http:
                ct, body = parse_http(open(args.response_http, "rb").read())
            else:
                ct, body = args.content_type.split(";")[0].strip().lower(), open(args.response_body, "rb").read()
            cands = sse_data(body) if ct == "text/event-stream" else [body]
            rid = json.loads(req)["id"]
            for c in cands:
                try:
                    o = json.loads(c)
                except ValueError:
                    continue
                if isinstance(o, dict) and o.get("id") == rid and "result" in o:
                    resp = c
            if resp is None:
                problems.append(f"the client's response ({ct}) has no answer to id {rid}: {short(body)}")
        except (ValueError, OSError) as e:
            problems.append(f"cannot read the client's response: {e}")
    reqrows = [r for r in rows if r["raw"] is not None and bytes(r["raw"]) == req]
    if len(reqrows) != 1:
        problems.append(f"{len(reqrows)} rows hold the request body byte-equal (want 1); rows: "
                        + "; ".join(f"{r['id']} {r['direction']} {r['kind']} {short(r['raw'], 60)}" for r in rows))
        report("initialize request stored byte-equal", problems)
        return
    q = reqrows[0]
    for col, v in (("direction", "c2s"), ("kind", "request"), ("method", "initialize"), ("size_bytes", len(req)),
                   ("truncated", 0), ("rpc_id", "1")):
        if q[col] != v:
            problems.append(f"request row {q['id']}: {col} = {q[col]!r}, want {v!r}")
    if args.client_pid and q["sender_pid"] != args.client_pid:
        problems.append(f"request row {q['id']}: sender_pid = {q['sender_pid']!r}, want {args.client_pid}")
    report("initialize request stored byte-equal", problems, f"row {q['id']}, {len(req)} bytes")
    problems = []
    s = next((x for x in sessions if x["id"] == q["session_id"]), None)
    if s is None:
        problems.append(f"request row {q['id']} names no session ({q['session_id']!r})")
    else:
        want = {"transport": "http", "tls": 1, "client_name": args.client_name}
        if resp is not None:
            want["protocol_version"] = json.loads(resp)["result"].get("protocolVersion")
            want["server_name"] = json.loads(resp)["result"].get("serverInfo", {}).get("name")
        if args.client_pid:
            want["client_pid"] = args.client_pid
        for col, v in want.items():
            if s[col] != v:
                problems.append(f"session {s['id']}: {col} = {s[col]!r}, want {v!r}")
    report("session: transport http, tls 1, names", problems, f"session {q['session_id']}")
    if args.response_http or args.response_body:
        problems = []
        if resp is not None:
            rr = [r for r in rows if r["raw"] is not None and bytes(r["raw"]) == resp]
            if len(rr) != 1:
                problems.append(f"{len(rr)} rows hold the response byte-equal (want 1): {short(resp)}; rows: "
                                + "; ".join(f"{r['id']} {r['direction']} {r['kind']} {short(r['raw'], 60)}" for r in rows))
            else:
                r = rr[0]
                for col, v in (("direction", "s2c"), ("kind", "response"), ("method", "initialize"),
                               ("session_id", q["session_id"]), ("size_bytes", len(resp)), ("truncated", 0)):
                    if r[col] != v:
                        problems.append(f"response row {r['id']}: {col} = {r[col]!r}, want {v!r}")
                c = db.execute("SELECT * FROM calls WHERE request_msg_id = ?", (q["id"],)).fetchall()
                if len(c) != 1:
                    problems.append(f"{len(c)} calls with request_msg_id {q['id']} (want 1)")
                else:
                    c = dict(c[0])
                    for col, v in (("status", "ok"), ("response_msg_id", r["id"]), ("method", "initialize")):
                        if c[col] != v:
                            problems.append(f"call {c['id']}: {col} = {c[col]!r}, want {v!r}")
                    if not c["latency_ns"] or c["latency_ns"] <= 0:
                        problems.append(f"call {c['id']}: latency_ns = {c['latency_ns']!r}")
        report("initialize response stored byte-equal, call ok", problems)


{"clean": clean, "big": big, "init": init}[args.what]()
sys.exit(1 if failed else 0)
