#!/usr/bin/env python3
"""Compares an mcptrace DB with the JSONL log that tests/integration/host.mjs wrote.

usage: check_db.py DB LOG [--name NAME] [--after-go] [--attach]
                   [--stdout FILE] [--json-out FILE]
                   [--transport http|sse] [--mcp-session-id] [--sessions N]
                   [--client-only] [--http-status] [--addrs]

  --name NAME   prefix of every result line ("ok NAME: sessions")
  --after-go    only the messages logged after {"marker":"go"} must be in the DB
  --attach      only the server was traced (mcptrace attach -p SERVERPID): the
                client's side is unseen, so client-side facts are not required
  --max-msg N      traced with --max-msg N: a message over N bytes must be one
                   row with truncated=1, size_bytes its full size and a body
                   that is a prefix of it; calls involving one are not checked
  --stdout FILE    also check mcptrace's text output: one line per call
  --json-out FILE  also check its --json output against the calls table

For MCP over HTTP (logs of http_host.mjs); all opt-in:
  --transport T     sessions.transport must be T (default stdio); sessions are
                    matched to the log's servers by their Mcp-Session-Id (or
                    legacy SSE sessionId) when the log has one, else by pid
  --mcp-session-id  sessions.mcp_session_id must equal the id the host saw
                    (NULL where it saw none: a stateless server)
  --sessions N      the DB must hold N sessions (default: one per server in the log)
  --client-only     only the client was traced (the server ran outside):
                    server-side facts (server_pid, s2c sender_pid, recv_ns of
                    c2s, server_latency_ns) are not required
  --http-status     calls.http_status must be the HTTP status the host got for
                    a request whose POST failed, and NULL for every other call
  --addrs           sessions.server_addr, where not NULL, must be the loopback
                    address and port the host connected to; client_addr, where
                    not NULL, a loopback ip:port
  --stateless       a stateless Streamable HTTP server (no Mcp-Session-Id):
                    the DB may split the log's one server into several
                    sessions (one per client connection); each must have
                    transport http, mcp_session_id NULL and the right pids,
                    and they are checked as one (with --sessions N, N of them)
  --tls             the traffic was HTTPS: sessions.tls must be 1 (default 0)
A request whose POST got a 4xx/5xx (logged with http_status) and no JSON-RPC
answer with its id is expected with status 'error' (any response_msg_id and
error_code); with --http-status its calls.http_status is that status.

Prints one "ok NAME: CHECK" or "not ok NAME: CHECK: reason" line per check,
with the offending rows and log lines under a failing one, and exits 1 if any
check failed.
"""
import argparse
import collections
import json
import sqlite3
import sys

CLIENT_NAME = "mcptrace-test-host"  # host.mjs announces these
CLIENT_VERSION = "1.0.0"
TOL_NS = 1_000_000  # 1 ms tolerance on latencies
WALL_SLACK_NS = 2_000_000_000  # messages must be stamped within the run, +-2 s
MAX_SHOWN = 6

ap = argparse.ArgumentParser()
ap.add_argument("db")
ap.add_argument("log")
ap.add_argument("--name", default="check")
ap.add_argument("--after-go", action="store_true")
ap.add_argument("--attach", action="store_true")
ap.add_argument("--max-msg", type=int, default=0,
                help="traced with --max-msg N: messages over N bytes must be stored once, truncated")
ap.add_argument("--stdout", help="mcptrace's stdout (text): one line per call")
ap.add_argument("--json-out", help="mcptrace's stdout with --json: one object per call")
ap.add_argument("--transport", default="stdio", choices=["stdio", "http", "sse"])
ap.add_argument("--mcp-session-id", action="store_true")
ap.add_argument("--sessions", type=int, default=None)
ap.add_argument("--client-only", action="store_true")
ap.add_argument("--http-status", action="store_true")
ap.add_argument("--addrs", action="store_true")
ap.add_argument("--stateless", action="store_true")
ap.add_argument("--tls", action="store_true")
args = ap.parse_args()
HTTP = args.transport != "stdio"

failed = 0


def report(check, problems, detail=None):
    """problems: list of strings; empty means the check passed."""
    global failed
    if not problems:
        print(f"ok {args.name}: {check}" + (f" ({detail})" if detail else ""))
        return
    failed += 1
    print(f"not ok {args.name}: {check}: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))
    for p in problems[:MAX_SHOWN]:
        print(f"#   {p}")
    if len(problems) > MAX_SHOWN:
        print(f"#   ... {len(problems) - MAX_SHOWN} more")


def short(s, n=160):
    if isinstance(s, bytes):
        s = s.decode("utf-8", "replace")
    s = str(s)
    return s if len(s) <= n else s[:n] + f"...[{len(s)} chars]"


# ---- the log -------------------------------------------------------------
logmsgs = []  # dicts: label, dir, body (str), raw (bytes), obj, after_go, seq
latency = {}  # (label, call_id json text) -> (method, ms)
pids = {}  # label -> (server_pid, client_pid)
names = {}  # label -> dict
wall_start = wall_end = None
mcp_sid = {}  # label -> Mcp-Session-Id the host saw (None: none)
http_status = {}  # (label, call_id json text) -> HTTP status of the failed POST
server_addr = {}  # label -> "127.0.0.1:PORT" the host connected to
go_seen = False
with open(args.log, encoding="utf-8") as f:
    for n, line in enumerate(f):
        o = json.loads(line)
        if o.get("marker") == "go":
            go_seen = True
        elif "body" in o:
            logmsgs.append(
                {
                    "label": o["server"],
                    "dir": o["dir"],
                    "body": o["body"],
                    "raw": o["body"].encode("utf-8"),
                    "obj": json.loads(o["body"]),
                    "after_go": go_seen,
                    "seq": n,
                }
            )
        elif "latency_ms" in o:
            latency[(o["server"], o["call_id"])] = (o["method"], o["latency_ms"], go_seen)
        elif "server_pid" in o:
            pids[o["server"]] = (o["server_pid"], o["client_pid"])
        elif "mcp_session_id" in o:
            mcp_sid[o["server"]] = o["mcp_session_id"]
        elif "http_status" in o:
            http_status[(o["server"], o["call_id"])] = o["http_status"]
        elif "server_addr" in o:
            server_addr[o["server"]] = o["server_addr"]
        elif "server_name" in o:
            names[o["server"]] = o
        elif "wall_start_ms" in o:
            wall_start = int(o["wall_start_ms"] * 1e6)
        elif "wall_end_ms" in o:
            wall_end = int(o["wall_end_ms"] * 1e6)
if args.after_go and not go_seen:
    print(f"not ok {args.name}: log has no go marker")
    sys.exit(1)
if wall_end is None:
    print(f"not ok {args.name}: log is incomplete (no wall_end_ms line: the host failed?)")
    sys.exit(1)

expected = [m for m in logmsgs if m["after_go"]] if args.after_go else logmsgs
labels = sorted(pids)


def classify(obj):
    if "method" in obj:
        return ("request" if "id" in obj else "notification"), obj["method"]
    return ("error" if "error" in obj else "response"), None


def idtext(obj):
    return json.dumps(obj["id"], separators=(",", ":"), ensure_ascii=False) if "id" in obj else None


# Each logged message's expected kind, rpc_id, method; requests and their answers.
requests = {}  # (label, dir, rpc_id) -> logged request message (all of the log)
for m in logmsgs:
    kind, method = classify(m["obj"])
    m["kind"], m["rpc_id"] = kind, idtext(m["obj"])
    m["method"] = method
    if kind == "request":
        requests[(m["label"], m["dir"], m["rpc_id"])] = m
    elif kind in ("response", "error"):
        other = "s2c" if m["dir"] == "c2s" else "c2s"
        req = requests.get((m["label"], other, m["rpc_id"]))
        m["request"] = req
        m["method"] = req["method"] if req else None
        if req is not None:
            req["answer"] = m

# ---- the DB --------------------------------------------------------------
db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
db.row_factory = sqlite3.Row
sessions = [dict(r) for r in db.execute("SELECT * FROM sessions ORDER BY id")]
rows = [
    dict(r)
    for r in db.execute("SELECT *, CAST(body AS BLOB) AS raw FROM messages ORDER BY id")
]
calls = [dict(r) for r in db.execute("SELECT * FROM calls ORDER BY id")]
calls_by_id = {c["id"]: c for c in calls}
merged_from = []  # --stateless: the DB sessions checked as one
if args.stateless and sessions:
    merged_from = sessions
    keep = sessions[0]["id"]
    for r in rows:
        r["session_id"] = keep
    for c in calls:
        c["session_id"] = keep
    first = dict(sessions[0])
    # the facts of the session that saw initialize, the widest time span
    for x in sessions:
        if x.get("client_name") is not None:
            for col in ("client_name", "client_version", "server_name", "server_version", "protocol_version"):
                first[col] = x.get(col)
    st = [x["started_ns"] for x in sessions if x["started_ns"] is not None]
    en = [x["ended_ns"] for x in sessions]
    first["started_ns"] = min(st) if st else None
    first["ended_ns"] = None if any(e is None for e in en) else max(en)
    sessions = [first]

# ---- sessions ------------------------------------------------------------
sess_of = {}  # label -> session id
problems = []
want_n = args.sessions if args.sessions is not None else len(labels)
if args.stateless:
    n_db = len(merged_from)
    if (args.sessions is not None and n_db != want_n) or n_db == 0:
        problems.append(f"{n_db} sessions in the DB, want {want_n if args.sessions is not None else 'at least 1'} (stateless)")
    for x in merged_from:
        for col, v in (("transport", "http"), ("mcp_session_id", None), ("client_pid", None if args.attach else pids[labels[0]][1]),
                       ("server_pid", None if args.client_only else pids[labels[0]][0])):
            if v is not None or col == "mcp_session_id":
                if x.get(col) != v:
                    problems.append(f"stateless session {x['id']}: {col} = {x.get(col)!r}, want {v!r}")
elif len(sessions) != want_n:
    problems.append(f"{len(sessions)} sessions in the DB, want {want_n} ({len(labels)} servers in the log: {', '.join(labels)})")
for label in labels:
    spid, cpid = pids[label]
    if HTTP and mcp_sid.get(label) is not None:
        cand = [s for s in sessions if s.get("mcp_session_id") == mcp_sid[label]]
        how = f"mcp_session_id {mcp_sid[label]}"
    elif HTTP and args.client_only:
        cand = [s for s in sessions if s["client_pid"] == cpid]
        how = f"client_pid {cpid}"
    else:
        cand = [s for s in sessions if s["server_pid"] == spid]
        how = f"server_pid {spid}"
    if len(cand) != 1:
        if HTTP:
            problems.append(
                f"server {label}: {len(cand)} sessions with {how}; sessions (id transport client_pid server_pid "
                f"mcp_session_id): {[(s['id'], s['transport'], s['client_pid'], s['server_pid'], s.get('mcp_session_id')) for s in sessions]}"
            )
            if len(sessions) == 1 and len(labels) == 1:
                sess_of[label] = sessions[0]["id"]
            continue
        problems.append(
            f"server {label} (pid {spid}): {len(cand)} sessions with that server_pid; "
            f"sessions: {[(s['id'], s['client_pid'], s['server_pid']) for s in sessions]}"
        )
        if len(sessions) == 1 and len(labels) == 1:
            sess_of[label] = sessions[0]["id"]  # go on with the other checks
        continue
    s = cand[0]
    sess_of[label] = s["id"]
    want = {"transport": args.transport, "tls": 1 if args.tls else 0}
    if HTTP and not args.client_only:
        want["server_pid"] = spid
    if HTTP and args.mcp_session_id:
        want["mcp_session_id"] = mcp_sid.get(label)
    if not args.attach:
        init = next(
            (m for m in logmsgs if m["label"] == label and m["dir"] == "s2c" and m["method"] == "initialize"),
            None,
        )
        res = init["obj"].get("result", {}) if init else {}
        want["client_pid"] = cpid
        if not HTTP or label in names:  # an HTTP label without initialize (bad-session) has no names
            want.update(
                client_name=CLIENT_NAME,
                client_version=CLIENT_VERSION,
                server_name=names.get(label, {}).get("server_name"),
                server_version=names.get(label, {}).get("server_version"),
                protocol_version=res.get("protocolVersion"),
            )
    for col, v in want.items():
        if s.get(col) != v:
            problems.append(f"server {label}: session {s['id']} {col} = {s.get(col)!r}, want {v!r}")
    st, en = s.get("started_ns"), s.get("ended_ns")
    lo, hi = wall_start - WALL_SLACK_NS, wall_end + WALL_SLACK_NS
    if st is None or not lo <= st <= hi:
        problems.append(f"server {label}: session {s['id']} started_ns {st} outside the host's run [{wall_start}, {wall_end}] (+-2 s)")
    # the host closed every session before it exited
    if en is None or not lo <= en <= hi + 10 * WALL_SLACK_NS or (st is not None and en < st):
        problems.append(f"server {label}: session {s['id']} ended_ns {en} (started_ns {st}): want a time after the start, within the run")
if args.addrs:
    for label in labels:
        s = next((x for x in sessions if x["id"] == sess_of.get(label)), None)
        if s is None:
            continue
        if "server_addr" not in s or "client_addr" not in s:
            problems.append("sessions has no server_addr/client_addr columns")
            break
        host, port = server_addr[label].rsplit(":", 1)
        ok_srv = {f"{host}:{port}", f"::ffff:{host}:{port}", f"[::ffff:{host}]:{port}"}
        if s["server_addr"] is not None and s["server_addr"] not in ok_srv:
            problems.append(f"server {label}: session {s['id']} server_addr = {s['server_addr']!r}, want {server_addr[label]!r}")
        ca = s["client_addr"]
        if ca is not None and not any(ca.startswith(p) and ca[len(p):].isdigit() for p in (f"{host}:", f"::ffff:{host}:", f"[::ffff:{host}]:")):
            problems.append(f"server {label}: session {s['id']} client_addr = {ca!r}, want {host}:PORT")
report(
    "sessions",
    problems,
    ", ".join(f"{l}: session {sess_of.get(l)} server_pid {pids[l][0]}" for l in labels),
)

# ---- every logged message stored once, byte-equal -------------------------
# Rows are matched to log lines by (session, direction, exact bytes), in order.
pool = collections.defaultdict(collections.deque)
label_of_sess = {v: k for k, v in sess_of.items()}
for r in rows:
    pool[(r["session_id"], r["direction"], bytes(r["raw"]) if r["raw"] is not None else None)].append(r)
problems = []
over = [m for m in expected if args.max_msg and len(m["raw"]) > args.max_msg]
for m in over:
    m["over"] = True
    sid = sess_of.get(m["label"])
    cand = [
        r for r in rows
        if "matched" not in r and r["session_id"] == sid and r["direction"] == m["dir"] and r["truncated"] == 1
        and r["size_bytes"] == len(m["raw"]) and r["raw"] is not None and m["raw"].startswith(bytes(r["raw"]))
    ]
    if cand:
        m["row"] = cand[0]
        cand[0]["matched"] = m
    else:
        m["row"] = None
        problems.append(
            f"log line {m['seq'] + 1} [{m['label']} {m['dir']}] {len(m['raw'])} bytes (over --max-msg {args.max_msg}): "
            f"no row with truncated=1, size_bytes={len(m['raw'])} and a prefix of it as body: {short(m['body'], 100)}"
        )
for m in expected:
    if m.get("over"):
        continue
    sid = sess_of.get(m["label"])
    q = pool.get((sid, m["dir"], m["raw"]))
    while q and "matched" in q[0]:
        q.popleft()
    if q:
        m["row"] = q.popleft()
        m["row"]["matched"] = m
    else:
        m["row"] = None
        # say why: a row with the same bytes elsewhere, or a near miss
        anyrow = next((r for r in rows if r["raw"] is not None and bytes(r["raw"]) == m["raw"]), None)
        why = ""
        if anyrow is not None:
            why = f" (a row with these bytes exists: id {anyrow['id']} session {anyrow['session_id']} dir {anyrow['direction']})"
        else:
            same = [
                r for r in rows
                if r["session_id"] == sid and r["direction"] == m["dir"] and r["rpc_id"] == m["rpc_id"]
                and r["kind"] == m["kind"] and (r["method"] == m["method"] or m["kind"] != "notification")
            ]
            if same:
                r = same[0]
                rb = bytes(r["raw"] or b"")
                i = next((k for k in range(min(len(rb), len(m["raw"]))) if rb[k] != m["raw"][k]), min(len(rb), len(m["raw"])))
                why = (f" (row {r['id']} has the same id/kind but differs at byte {i}: "
                       f"{len(rb)} bytes vs {len(m['raw'])}, truncated={r['truncated']})")
        problems.append(f"log line {m['seq'] + 1} [{m['label']} {m['dir']}] not in messages: {short(m['body'])}{why}")
n_matched = sum(1 for m in expected if m["row"] is not None)
report("every logged message stored byte-equal", problems,
       f"{n_matched}/{len(expected)} messages" + (f", {len(over)} of them truncated" if over else ""))

problems = []
for r in rows:
    if "matched" not in r:
        problems.append(
            f"row {r['id']} session {r['session_id']} {r['direction']} {r['kind']} id={r['rpc_id']} "
            f"method={r['method']}: {short(r['raw'])}"
        )
report("no extra rows in messages", problems, f"{len(rows)} rows")

# ---- per-message columns -------------------------------------------------
problems = []
for m in expected:
    r = m["row"]
    if r is None:
        continue
    want = {
        "direction": m["dir"],
        "kind": m["kind"],
        "rpc_id": m["rpc_id"],
        "size_bytes": len(m["raw"]),
        "truncated": 1 if m.get("over") else 0,
    }
    if m.get("over"):  # the id may lie past the cut: only what the prefix shows
        for col in ("kind", "rpc_id"):
            del want[col]
    # In an attach run a response whose request came before the go point
    # cannot know its method.
    if m.get("over") and m["kind"] != "notification":
        pass
    elif not (m["kind"] in ("response", "error") and (m.get("request") is None or (args.after_go and not m["request"]["after_go"]))):
        want["method"] = m["method"]
    spid, cpid = pids[m["label"]]
    sender = cpid if m["dir"] == "c2s" else spid
    if not (args.attach and m["dir"] == "c2s") and not (args.client_only and m["dir"] == "s2c"):
        want["sender_pid"] = sender
    for col, v in want.items():
        if r.get(col) != v:
            problems.append(f"row {r['id']} (log line {m['seq'] + 1}): {col} = {r.get(col)!r}, want {v!r}: {short(m['body'], 100)}")
    ts = r.get("ts_ns")
    if ts is None or not (wall_start - WALL_SLACK_NS <= ts <= wall_end + WALL_SLACK_NS):
        problems.append(f"row {r['id']}: ts_ns {ts} outside the host's run [{wall_start}, {wall_end}] (+-2 s)")
    if r.get("sent_ns") is not None and r.get("recv_ns") is not None and r["sent_ns"] > r["recv_ns"] + TOL_NS:
        problems.append(f"row {r['id']}: sent_ns {r['sent_ns']} > recv_ns {r['recv_ns']}")
    if not args.attach and not args.client_only and (r.get("sent_ns") is None or r.get("recv_ns") is None):
        problems.append(f"row {r['id']}: both ends traced but sent_ns={r.get('sent_ns')} recv_ns={r.get('recv_ns')}")
report("message columns (direction kind rpc_id method size sender ts)", problems)

# ---- calls ---------------------------------------------------------------
def expected_status(req):
    ans = req.get("answer")
    if ans is None and req["dir"] == "c2s" and (req["label"], req["rpc_id"]) in http_status:
        return "error"  # the failed HTTP exchange answered it
    if ans is not None:
        if ans["kind"] == "error":
            return "error"
        res = ans["obj"].get("result")
        if req["method"] == "tools/call" and isinstance(res, dict) and res.get("isError") is True:
            return "tool_error"
        return "ok"
    for m in logmsgs:
        o = m["obj"]
        if (m["label"] == req["label"] and m["dir"] == req["dir"] and o.get("method") == "notifications/cancelled"
                and json.dumps(o.get("params", {}).get("requestId"), separators=(",", ":")) == req["rpc_id"]):
            return "cancelled"
    return "unanswered"


def expected_target(req):
    p = req["obj"].get("params") or {}
    if req["method"] in ("tools/call", "prompts/get"):
        return p.get("name")
    if req["method"] in ("resources/read", "resources/subscribe", "resources/unsubscribe"):
        return p.get("uri")
    return None


exp_reqs = [m for m in expected if m["kind"] == "request" and not m.get("over")
            and not (m.get("answer") or {}).get("over")]
skipped_calls = [m for m in expected if m["kind"] == "request" and m not in exp_reqs]
problems = []
call_of_req = {}
for req in exp_reqs:
    sid = sess_of.get(req["label"])
    cand = [c for c in calls if c["session_id"] == sid and c["direction"] == req["dir"] and c["rpc_id"] == req["rpc_id"]]
    if len(cand) != 1:
        problems.append(f"{len(cand)} calls for {req['label']} {req['dir']} id {req['rpc_id']} {req['method']} (want 1)")
        continue
    c = cand[0]
    call_of_req[id(req)] = c
    ans = req.get("answer")
    want = {
        "method": req["method"],
        "status": expected_status(req),
        "request_msg_id": req["row"]["id"] if req["row"] else "(request row missing)",
    }
    if ans is None and want["status"] == "error":
        pass  # failed HTTP exchange without a JSON-RPC answer: response_msg_id may name its body
    elif want["status"] in ("ok", "error", "tool_error"):
        want["response_msg_id"] = ans["row"]["id"] if ans.get("row") else "(response row missing)"
    else:
        want["response_msg_id"] = None
    if req["method"] in ("tools/call", "prompts/get", "resources/read", "resources/subscribe", "resources/unsubscribe"):
        want["target"] = expected_target(req)
    if want["status"] == "error" and ans is not None:
        want["error_code"] = ans["obj"]["error"].get("code")
        want["error_message"] = ans["obj"]["error"].get("message")
    for col, v in want.items():
        if c.get(col) != v:
            problems.append(f"call {c['id']} ({req['dir']} id {req['rpc_id']} {req['method']}): {col} = {c.get(col)!r}, want {v!r}")
sids = set(sess_of.values())
def is_skipped(c):
    return any(c["rpc_id"] == m["rpc_id"] and c["direction"] == m["dir"] and c["session_id"] == sess_of.get(m["label"])
               for m in skipped_calls)


extra = [c for c in calls if c["id"] not in {x["id"] for x in call_of_req.values()} and not is_skipped(c)]
for c in extra:
    problems.append(f"extra call {c['id']}: session {c['session_id']} {c['direction']} id {c['rpc_id']} {c['method']} status {c['status']}")
by_status = collections.Counter(expected_status(r) for r in exp_reqs)
report("calls (one per request: method target status response)", problems,
       f"{len(exp_reqs)} calls: " + " ".join(f"{k}={v}" for k, v in sorted(by_status.items())))

# call_id on messages: requests, answers, progress and cancellation.
problems = []
for req in exp_reqs:
    c = call_of_req.get(id(req))
    if c is None:
        continue
    members = [("request", req)]
    if req.get("answer") is not None:
        members.append(("answer", req["answer"]))
    tok = ((req["obj"].get("params") or {}).get("_meta") or {}).get("progressToken")
    for m in expected:
        o = m["obj"]
        if m["label"] != req["label"]:
            continue
        if tok is not None and o.get("method") == "notifications/progress" and m["dir"] != req["dir"] \
                and (o.get("params") or {}).get("progressToken") == tok:
            members.append(("progress", m))
        if o.get("method") == "notifications/cancelled" and m["dir"] == req["dir"] \
                and json.dumps((o.get("params") or {}).get("requestId"), separators=(",", ":")) == req["rpc_id"]:
            members.append(("cancel", m))
    for what, m in members:
        if m.get("row") is not None and m["row"]["call_id"] != c["id"]:
            problems.append(f"{what} row {m['row']['id']} of call {c['id']} ({req['method']} id {req['rpc_id']}): call_id = {m['row']['call_id']!r}")
report("messages.call_id (request, answer, progress, cancel)", problems)

# ---- latency -------------------------------------------------------------
problems = []
n_lat = 0
for req in exp_reqs:
    c = call_of_req.get(id(req))
    if c is None:
        continue
    st = expected_status(req)
    lat, slat = c.get("latency_ns"), c.get("server_latency_ns")
    where = f"call {c['id']} ({req['dir']} id {req['rpc_id']} {req['method']})"
    if st in ("cancelled", "unanswered"):
        if lat is not None:
            problems.append(f"{where} {st}: latency_ns = {lat}, want NULL")
        continue
    if lat is None or lat <= 0:
        problems.append(f"{where}: latency_ns = {lat!r}, want > 0")
        continue
    if req["dir"] == "c2s":
        lg = latency.get((req["label"], req["rpc_id"]))
        if lg is None:
            problems.append(f"{where}: no client latency in the log")
            continue
        n_lat += 1
        if lat > lg[1] * 1e6 + TOL_NS:
            problems.append(f"{where}: latency_ns {lat} > the client's own measure {lg[1] * 1e6:.0f} + 1 ms")
        if args.client_only:
            pass
        elif slat is None or slat <= 0:
            problems.append(f"{where}: server is traced but server_latency_ns = {slat!r}")
        elif slat > lat + TOL_NS:
            problems.append(f"{where}: server_latency_ns {slat} > latency_ns {lat}")
        if c.get("start_ns") is None or c.get("end_ns") is None or c["end_ns"] < c["start_ns"]:
            problems.append(f"{where}: start_ns {c.get('start_ns')} end_ns {c.get('end_ns')}")
report("latency (0 < traced <= client's + 1 ms; server's <= total)", problems, f"{n_lat} client-timed calls")

# ---- HTTP status of failed exchanges ---------------------------------------
if args.http_status:
    problems = []
    if calls and "http_status" not in calls[0]:
        problems.append("calls has no http_status column")
    else:
        for req in exp_reqs:
            c = call_of_req.get(id(req))
            if c is None:
                continue
            want = http_status.get((req["label"], req["rpc_id"])) if req["dir"] == "c2s" else None
            if c.get("http_status") != want:
                problems.append(f"call {c['id']} ({req['dir']} id {req['rpc_id']} {req['method']}): http_status = {c.get('http_status')!r}, want {want!r}")
    report("calls.http_status (the failed POST's status, else NULL)", problems,
           f"{len(http_status)} failed exchanges")

# ---- what mcptrace printed on stdout -------------------------------------
def want_lines():
    return collections.Counter((r["dir"], r["method"], expected_status(r)) for r in exp_reqs)


if args.stdout:
    got = collections.Counter()
    problems = []
    statuses = {"ok", "error", "tool_error", "cancelled", "unanswered", "pending"}
    lines = [l for l in open(args.stdout, encoding="utf-8", errors="replace").read().split("\n") if l.strip()]
    for l in lines:
        t = l.split()
        d = next((i for i, x in enumerate(t) if x in ("c2s", "s2c")), None)
        st = next((x for x in t if x in statuses), None)
        if d is None or d + 1 >= len(t) or st is None:
            problems.append(f"unparsed line: {l!r}")
            continue
        got[(t[d], t[d + 1], st)] += 1
    w = want_lines()
    for k in sorted(set(w) | set(got)):
        if w[k] != got[k]:
            problems.append(f"{k[0]} {k[1]} {k[2]}: {got[k]} lines, want {w[k]}")
    report("stdout: one line per call (direction method status)", problems, f"{len(lines)} lines")

if args.json_out:
    problems = []
    objs = []
    for n, l in enumerate(open(args.json_out, encoding="utf-8")):
        if not l.strip():
            continue
        try:
            objs.append(json.loads(l))
        except ValueError as e:
            problems.append(f"line {n + 1} is not JSON ({e}): {short(l)}")
    w = want_lines()
    got = collections.Counter((o.get("direction"), o.get("method"), o.get("status")) for o in objs)
    for k in sorted(set(w) | set(got), key=str):
        if w[k] != got[k]:
            problems.append(f"{k}: {got[k]} objects, want {w[k]}")
    for o in objs:
        c = calls_by_id.get(o.get("call_id"))
        if c is None:
            problems.append(f"call_id {o.get('call_id')!r} is no call in the DB")
            continue
        for col in ("start_ns", "latency_ns", "server_latency_ns", "rpc_id", "target", "error_code"):
            if col in o and (o[col] != c[col] or type(o[col]) is float):
                problems.append(f"call {c['id']}: {col} printed {o[col]!r}, DB has {c[col]!r}")
    report("--json: one object per call, values equal to the DB's", problems, f"{len(objs)} objects")

sys.exit(1 if failed else 0)
