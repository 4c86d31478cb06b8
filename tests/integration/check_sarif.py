#!/usr/bin/env python3
"""Checks a SARIF file from `mcptrace audit --format sarif` against what
GitHub code scanning requires of an upload, as the SARIF SDK's GitHub rules
(GH1001-GH1007, GH1013-GH1018, GH2012: github.com/microsoft/sarif-sdk)
state them: a run with a named driver and its rules, each rule with a
short and full description and help text; each result with a rule id the
driver has, a message text, at least one location with an artifact URI
that is relative or file: and a region with startLine, and
partialFingerprints. The JSON schema itself is checked by the multitool
(test_audit.sh). Prints ok/not ok lines.

usage: check_sarif.py FILE.sarif RULE_ID...   (rule ids that must have results)
"""
import json
import re
import sys

path, want = sys.argv[1], set(sys.argv[2:])
fails = 0


def check(cond, what):
    global fails
    print(("ok " if cond else "not ok ") + what)
    if not cond:
        fails += 1


doc = json.load(open(path, encoding="utf-8"))
check(doc.get("version") == "2.1.0" and isinstance(doc.get("runs"), list) and len(doc["runs"]) == 1,
      "sarif: version 2.1.0, one run")
run = doc["runs"][0]
driver = run.get("tool", {}).get("driver", {})
rules = driver.get("rules", [])
check(driver.get("name") == "mcptrace" and len(rules) == 11, "sarif: driver mcptrace with its 11 rules")
bad_rules = [r.get("id") for r in rules
             if not (r.get("id") and r.get("shortDescription", {}).get("text")
                     and r.get("fullDescription", {}).get("text") and r.get("help", {}).get("text")
                     and r.get("name") and r.get("name") != r.get("id")
                     and r.get("properties", {}).get("security-severity"))]
check(not bad_rules, f"sarif: every rule has descriptions, help, a name and a security-severity {bad_rules}")
ids = [r["id"] for r in rules]
results = run.get("results", [])
problems = []
for i, r in enumerate(results):
    where = f"results[{i}]"
    if r.get("ruleId") not in ids or ids.index(r["ruleId"]) != r.get("ruleIndex"):
        problems.append(f"{where}: ruleId/ruleIndex")
    if r.get("level") not in ("error", "warning", "note"):
        problems.append(f"{where}: level")
    if not r.get("message", {}).get("text", "").strip():
        problems.append(f"{where}: message.text")
    if re.search(r"\{\d+\}", r.get("message", {}).get("text", "")):
        problems.append(f"{where}: unformatted message (GH1007)")
    locs = r.get("locations") or []
    if not locs:
        problems.append(f"{where}: no locations")
    for loc in locs:
        pl = loc.get("physicalLocation", {})
        uri = pl.get("artifactLocation", {}).get("uri", "")
        if not uri or (re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri) and not uri.startswith("file:")):
            problems.append(f"{where}: artifact uri {uri!r} (GH1005)")
        if not isinstance(pl.get("region", {}).get("startLine"), int) or pl["region"]["startLine"] < 1:
            problems.append(f"{where}: region.startLine (GH1003)")
        names = [ll.get("name", "") for ll in loc.get("logicalLocations", [])]
        if not any(re.match(r"^(messages|sessions)/\d+$", n) for n in names):
            problems.append(f"{where}: no logical location naming a DB row")
    if not r.get("partialFingerprints"):
        problems.append(f"{where}: partialFingerprints")
check(results and not problems, f"sarif: {len(results)} results, each as GitHub code scanning takes it {problems[:5]}")
have = {r.get("ruleId") for r in results}
check(want <= have, f"sarif: results for every expected rule (missing {sorted(want - have)})")
sys.exit(1 if fails else 0)
