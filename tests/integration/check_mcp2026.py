#!/usr/bin/env python3
"""Compares an mcptrace DB with the log mcp2026_client.mjs wrote of its own messages.

usage: check_mcp2026.py DB LOG --name NAME --transport stdio|http [--client-only]
                         [--fallback]

The log is one JSON line {dir, msg} per message the client sent (c2s) or
received (s2c). Checks, one "ok NAME: CHECK" / "not ok NAME: CHECK: why" line
each (exit 1 if any failed):
  messages   the DB's messages equal the log's, message for message (direction,
             kind, rpc_id, method and the parsed body), none truncated
  session    one session, with the transport, protocol version 2026-07-28 and
             the client's and server's names and versions from the envelopes
  calls      one call per logged request, with the status its response calls
             for (ok, tool_error, error + code, input_required), every one answered
  rounds     a request that echoed a requestState names, in previous_round_id,
             the call whose result sent that requestState; no other call names one
  order      the ten concurrent chain calls (k = 0..9), asked at once, were
             answered out of order: the last asked (k = 9, which the others
             wait for) before the first, in the client's log and in the DB
             (the order its response rows were made)
  listen     the subscriptions/listen call is cancelled, and the
             notifications on its stream name it (messages.call_id)
  ends       (both ends traced) every message has its sent_ns and recv_ns
With --fallback (the client in mode 'auto' against a 2025-only server):
  session    the protocol version and server are the initialize result's
  fallback   the first call is the server/discover probe, failed with the
             server's error code, the next is initialize, answered ok
and rounds, order and listen are not checked (that server has no such tools).
"""
import argparse
import collections
import json
import sqlite3
import sys

ap = argparse.ArgumentParser()
ap.add_argument("db")
ap.add_argument("log")
ap.add_argument("--name", required=True)
ap.add_argument("--transport", required=True)
ap.add_argument("--client-only", action="store_true")
ap.add_argument("--fallback", action="store_true")
a = ap.parse_args()

fails = 0


def report(check, why, detail=()):
    global fails
    if why:
        fails += 1
        print(f"not ok {a.name}: {check}: {why}")
        for d in list(detail)[:6]:
            print(f"#   {d}")
    else:
        print(f"ok {a.name}: {check}")


def kind(m):
    if "method" in m:
        return "request" if "id" in m else "notification"
    return "error" if "error" in m else "response"


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


log = [json.loads(line) for line in open(a.log) if line.strip()]
db = sqlite3.connect(a.db)
db.row_factory = sqlite3.Row

# messages
want = collections.Counter()
requests = {}  # rpc_id text -> request message
responses = {}
for e in log:
    m = e["msg"]
    rid = canon(m["id"]) if "id" in m else None
    method = m.get("method")
    if kind(m) == "request":
        requests[rid] = m
    elif rid in requests:
        responses[rid] = m
        method = requests[rid]["method"]
    want[(e["dir"], kind(m), rid, method, canon(m))] += 1
got = collections.Counter()
truncated = 0
for r in db.execute("select direction, kind, rpc_id, method, body, truncated from messages"):
    truncated += r["truncated"]
    try:
        body = canon(json.loads(r["body"]))
    except ValueError:
        body = r["body"][:80]
    got[(r["direction"], r["kind"], r["rpc_id"], r["method"], body)] += 1
missing, extra = want - got, got - want
report("messages",
       None if not missing and not extra and not truncated and sum(want.values()) > 0 else
       f"{sum(missing.values())} logged but not in the DB, {sum(extra.values())} in the DB "
       f"but not logged, {truncated} truncated (of {sum(want.values())} logged)",
       [f"missing {k[:4]} {k[4][:100]}" for k in missing] + [f"extra {k[:4]} {k[4][:100]}" for k in extra])

# session
sess = db.execute("select * from sessions").fetchall()
ci = si = {}
for e in log:
    meta = (e["msg"].get("params") or e["msg"].get("result") or {}).get("_meta") or {}
    ci = meta.get("io.modelcontextprotocol/clientInfo", ci)
    si = meta.get("io.modelcontextprotocol/serverInfo", si)
version = "2026-07-28"
for rid, res in responses.items():
    if requests[rid]["method"] == "initialize" and "result" in res:
        version = res["result"].get("protocolVersion")
        si = res["result"].get("serverInfo", {})
want_s = (a.transport, version, ci.get("name"), ci.get("version"), si.get("name"), si.get("version"))
got_s = [(s["transport"], s["protocol_version"], s["client_name"], s["client_version"],
          s["server_name"], s["server_version"]) for s in sess]
report("session", None if got_s == [want_s] else f"want [{want_s}], got {got_s}")

# calls
calls = {r["rpc_id"]: r for r in db.execute("select * from calls")}
bad = []
for rid, req in requests.items():
    res = responses.get(rid)
    c = calls.get(rid)
    if res is None:
        if req["method"] != "subscriptions/listen":
            bad.append(f"{rid}: no response logged")
        continue
    if "error" in res:
        want_c = ("error", res["error"].get("code"))
    elif res["result"].get("resultType") == "input_required":
        want_c = ("input_required", None)
    else:
        want_c = ("tool_error" if res["result"].get("isError") else "ok", None)
    want_c = (req["method"], req.get("params", {}).get("name") if req["method"] == "tools/call" else None) + want_c
    got_c = c and (c["method"], c["target"], c["status"], c["error_code"])
    if got_c != want_c or c["response_msg_id"] is None or c["latency_ns"] is None:
        bad.append(f"{rid}: want {want_c}, got {got_c}")
if len(calls) != len(requests):
    bad.append(f"{len(calls)} calls in the DB, {len(requests)} requests logged")
report("calls", f"{len(bad)} calls differ" if bad else None, bad)

if a.fallback:
    first = [(c["method"], c["status"], c["error_code"]) for c in
             db.execute("select * from calls order by start_ns, id limit 2")]
    probe = responses.get(canon("server-discover-probe-1"), {}).get("error", {}).get("code")
    want_f = [("server/discover", "error", probe), ("initialize", "ok", None)]
    report("fallback", None if first == want_f and probe else f"want {want_f}, got {first}")
    sys.exit(1 if fails else 0)

# rounds
state_of = {}  # requestState -> rpc_id of the round that sent it
for rid, res in responses.items():
    st = (res.get("result") or {}).get("requestState")
    if st is not None:
        state_of[st] = rid
bad = []
linked = 0
by_id = {c["id"]: c["rpc_id"] for c in calls.values()}
for rid, req in requests.items():
    st = req.get("params", {}).get("requestState")
    want_prev = state_of.get(st) if st is not None else None
    c = calls.get(rid)
    got_prev = c and by_id.get(c["previous_round_id"])
    linked += want_prev is not None
    if c and got_prev != want_prev:
        bad.append(f"{rid}: previous round want {want_prev}, got {got_prev}")
report("rounds", "no multi-round call logged" if not linked else
       f"{len(bad)} wrong" if bad else None, bad)

# concurrent calls answered in reverse order
chain = sorted(((rid, req["params"]["arguments"]["k"]) for rid, req in requests.items()
                if req["method"] == "tools/call" and req["params"]["name"] == "chain"),
               key=lambda x: x[1])
order_log = [json.loads(canon(e["msg"]["id"])) for e in log
             if e["dir"] == "s2c" and canon(e["msg"].get("id")) in dict(chain)]
resp_id = {rid: calls[rid]["response_msg_id"] or 0 for rid, _ in chain}
if len(chain) == 10:
    first, last = chain[0][0], chain[9][0]
    why = None
    if order_log.index(json.loads(last)) > order_log.index(json.loads(first)):
        why = f"the client got k=0 before k=9: {order_log}"
    elif not resp_id[last] or not resp_id[first] or resp_id[last] > resp_id[first]:
        why = f"the DB has k=9's response (message {resp_id[last]}) after k=0's ({resp_id[first]})"
    report("order", why)
else:
    report("order", f"{len(chain)} chain calls logged, want 10")

listen = [rid for rid, req in requests.items() if req["method"] == "subscriptions/listen"]
bad = []
for rid in listen:
    c = calls.get(rid)
    if c is None:
        bad.append(f"{rid}: no call in the DB")
        continue
    tied = db.execute("select count(*) from messages where call_id = ? and kind = 'notification' "
                      "and direction = 's2c'", (c["id"],)).fetchone()[0]
    sent = sum(1 for e in log if e["dir"] == "s2c" and kind(e["msg"]) == "notification" and
               (e["msg"].get("params") or {}).get("_meta", {}).get(
                   "io.modelcontextprotocol/subscriptionId") == json.loads(rid))
    if c["status"] != "cancelled" or tied != sent or not sent:
        bad.append(f"{rid}: status {c['status']}, {tied} notifications tied of {sent} on its stream")
report("listen", "no subscriptions/listen logged" if not listen else
       f"{len(bad)} wrong" if bad else None, bad)

if not a.client_only:
    n = db.execute("select count(*) from messages where sent_ns is null or recv_ns is null").fetchone()[0]
    report("ends", f"{n} messages lack a sighting of one end" if n else None)
sys.exit(1 if fails else 0)
