"""Verdict counts over a directory with every deputy each policy names.

    python bench/every_deputy.py DIR [ACCOUNT]

Until ``deputy check`` asks about every deputy by default, this checks each
policy once per (service principal named in an Allow statement, literal
action of that statement) pair, under the default threat model otherwise,
and prints the counts and each unknown verdict. An approximation of the
every-deputy question (wildcard actions and unnamed deputies are left out),
kept to measure unknowns on ``../shared/corpus/cfn``.
"""
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from verifier import checking
from verifier.prove.threat import ThreatModel
from verifier.sources import detect, walk
from verifier.sources.unresolved import settle
from verifier.policy.jsontree import JArray, JScalar

def texts(node):
    if isinstance(node, JScalar): return [node.value]
    if isinstance(node, JArray): return [t for i in node.items for t in texts(i)]
    return []

def pairs(node):
    out = set()
    stmts = None
    for m in getattr(node, "members", ()):
        if m.name == "Statement": stmts = m.value
    items = stmts.items if isinstance(stmts, JArray) else ([stmts] if stmts is not None else [])
    for s in items:
        d = {m.name: m.value for m in getattr(s, "members", ())}
        if getattr(d.get("Effect"), "value", None) != "Allow": continue
        services = []
        p = d.get("Principal")
        for m in getattr(p, "members", ()):
            if m.name == "Service": services += texts(m.value)
        for a in texts(d.get("Action")) if d.get("Action") is not None else []:
            for svc in services:
                if a and "*" not in a and "?" not in a and svc: out.add((svc, a))
    return out

account = sys.argv[2] if len(sys.argv) > 2 else None
counts = collections.Counter(); unknown = []
for path in walk.scan([sys.argv[1]]).files:
    for found in detect.find(path, None, account, set()):
        if found.error is not None: counts["error"] += 1; continue
        node = settle(found.node).node if found.node is not None else None
        for svc, action in sorted(pairs(node)):
            model = ThreatModel(owner=account or "", service=svc, action=action)
            r = checking.check_found(found, model, 5.0)
            counts[r.verdict.value] += 1
            if r.verdict.value == "unknown": unknown.append((path, found.resource, svc, action, r.message[:300]))
print(dict(counts))
for u in unknown: print(*u)
