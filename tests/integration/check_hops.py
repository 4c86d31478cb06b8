#!/usr/bin/env python3
"""Checks the hops through a gateway in an mcptrace DB (issue 11).

usage: check_hops.py DB --gateway PID --inbound T --backend T [--name NAME]

  --gateway PID  the gateway's pid: server of the inbound hop, client of the
                 backend hop
  --inbound T    the inbound hop's transport (http, sse, stdio)
  --backend T    the backend hop's transport

Checks, one "ok NAME: CHECK" or "not ok NAME: CHECK: reason" line each:
  sessions   at least one inbound session (server_pid PID, transport T) and
             one backend session (client_pid PID), all tls 0; each backend
             session with a linked call names an inbound session in
             parent_session_id; no inbound session has a parent
  linked     every call of the inbound hop is linked to exactly one call of
             the backend hop, with the same method and target: a call the
             client made (c2s) is named by one backend call's parent_call_id;
             a call the server made (s2c, forwarded to the client) names the
             backend call in its own parent_call_id
  one-to-one no call is the parent of two calls
  cost       the gateway's own time of each answered pair (the inbound call's
             time at the gateway less the backend call's) is >= 0
Exits 1 if a check failed.
"""
import argparse
import collections
import sqlite3
import sys

ap = argparse.ArgumentParser()
ap.add_argument("db")
ap.add_argument("--gateway", type=int, required=True)
ap.add_argument("--inbound", required=True)
ap.add_argument("--backend", required=True)
ap.add_argument("--name", default="hops")
args = ap.parse_args()

db = sqlite3.connect(args.db)
db.row_factory = sqlite3.Row
sessions = [dict(r) for r in db.execute("SELECT * FROM sessions ORDER BY id")]
calls = {r["id"]: dict(r) for r in db.execute("SELECT * FROM calls ORDER BY id")}
failed = False


def report(check, problems, detail=""):
    global failed
    if problems:
        failed = True
        print(f"not ok {args.name}: {check}: {problems[0]}")
        for p in problems[1:6]:
            print(f"#   {p}")
    else:
        print(f"ok {args.name}: {check}" + (f" ({detail})" if detail else ""))


inbound = {s["id"] for s in sessions if s["server_pid"] == args.gateway and s["transport"] == args.inbound}
backend = {s["id"] for s in sessions if s["client_pid"] == args.gateway and s["transport"] == args.backend}
# backend sessions with a call linked to an inbound one (a gateway may open
# sessions of its own: mcp-remote probes the server first)
linked_sessions = {c["session_id"] for c in calls.values()
                   if c["session_id"] in backend and calls.get(c["parent_call_id"], {}).get("session_id") in inbound}
problems = []
if not inbound:
    problems.append(f"no {args.inbound} session served by pid {args.gateway}")
if not backend:
    problems.append(f"no {args.backend} session of client pid {args.gateway}")
for s in sessions:
    if s["id"] in inbound | backend and s["tls"] != 0:
        problems.append(f"session {s['id']}: tls {s['tls']}, want 0")
    if s["id"] in linked_sessions and s["parent_session_id"] not in inbound:
        problems.append(f"backend session {s['id']}: parent_session_id {s['parent_session_id']}, want one of {sorted(inbound)}")
    if s["id"] in inbound and s["parent_session_id"] is not None:
        problems.append(f"inbound session {s['id']}: parent_session_id {s['parent_session_id']}, want NULL")
report("sessions", problems, f"inbound {sorted(inbound)}, backend {sorted(backend)}")

children = collections.defaultdict(list)
for c in calls.values():
    if c["parent_call_id"] is not None:
        children[c["parent_call_id"]].append(c)

problems, pairs = [], []
n_in = 0
for h in calls.values():
    if h["session_id"] not in inbound:
        continue
    n_in += 1
    below = [c for c in children[h["id"]] if c["session_id"] in backend]
    above = calls.get(h["parent_call_id"]) if h["parent_call_id"] is not None else None
    if above is not None and above["session_id"] not in backend:
        above = None
    partners = below + ([above] if above else [])
    if len(partners) != 1:
        problems.append(
            f"call {h['id']} ({h['direction']} {h['method']} {h['target']} rpc id {h['rpc_id']} {h['status']}): "
            f"{len(partners)} linked backend calls {[p['id'] for p in partners]}"
        )
        continue
    b = partners[0]
    if (b["method"], b["target"]) != (h["method"], h["target"]):
        problems.append(f"call {h['id']} {h['method']} {h['target']} linked to call {b['id']} {b['method']} {b['target']}")
    # served = the call the gateway received, made = the one it made for it
    pairs.append((h, b) if below else (b, h))
report("linked", problems, f"{n_in} calls of the inbound hop, each served by one backend call")

problems = [f"call {p}: parent of {[c['id'] for c in cs]}" for p, cs in children.items() if len(cs) > 1]
report("one-to-one", problems)

problems = []
n_timed = 0
for served, made in pairs:
    own = served["server_latency_ns"] if served["server_latency_ns"] is not None else served["latency_ns"]
    if own is None or made["latency_ns"] is None:
        continue
    n_timed += 1
    if own - made["latency_ns"] < 0:
        problems.append(f"call {served['id']} ({own} ns at the gateway) served by call {made['id']} ({made['latency_ns']} ns)")
report("cost", problems, f"{n_timed} answered pairs")
sys.exit(1 if failed else 0)
