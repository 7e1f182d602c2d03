"""JUnit XML: one test case per (policy, deputy), or per policy where it
has none; a vulnerable deputy is a failure, an unknown one or an
unreadable policy an error, a useless finding a failure only with
``--fail-on-useless``, a suppressed finding is skipped with its reason. CI
systems show these as test results."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from verifier.results import Result, Verdict


def dumps(results: list[Result], fail_on_useless: bool = False) -> str:
    cases = [_case(policy, answer, name, fail_on_useless) for policy in results
             for answer, name in _cases(policy)]
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    seconds = f"{sum(r.seconds for r in results):.3f}"
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors), "time": seconds}
    suites = ET.Element("testsuites", {"name": "deputy", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "deputy check", **counts, "skipped": str(skipped)})
    for case in cases:
        suite.append(case)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _cases(policy: Result):
    """(answer, test name) for each test case of a policy."""
    name = (policy.source or {}).get("resource") or policy.path
    if policy.verdict is Verdict.ERROR or not policy.deputies:
        return [(policy, name)]
    return [(a.result, f"{name}: {a.label}") for a in policy.deputies]


def _case(policy: Result, r: Result, name: str, fail_on_useless: bool) -> ET.Element:
    line = (r.source or policy.source or {}).get("line")
    attributes = {"classname": policy.path, "name": name, "time": f"{r.seconds:.3f}"}
    if line:
        attributes["file"], attributes["line"] = policy.path, str(line)
    case = ET.Element("testcase", attributes)
    if r.verdict is Verdict.SAFE and not (fail_on_useless and r.useless):
        return case
    if policy.suppressed:
        ET.SubElement(case, "skipped", {"message": f"suppressed {r.verdict.value} finding: "
                                                   f"{policy.suppression.get('reason', '')}"})
        return case
    if r.verdict is Verdict.SAFE:
        element = ET.SubElement(case, "failure", {"message": _clean(r.useless[0]["message"]), "type": "useless"})
        element.text = _clean("\n".join(f"line {u['line']}: {u['message']}" for u in r.useless))
        return case
    tag = "failure" if r.verdict is Verdict.VULNERABLE else "error"
    element = ET.SubElement(case, tag, {"message": _clean(r.message), "type": r.verdict.value})
    body = [r.message]
    if r.counterexample is not None:
        body.append("counterexample: " + json.dumps(r.counterexample.to_json(), ensure_ascii=False))
    body += [f"{'allowed by' if r.counterexample else 'rests on'} {ref.describe()}" for ref in r.statements]
    body += [f"warning: {w}" for w in r.warnings]
    if policy.suppression and policy.suppression.get("expired"):
        body.append(policy.suppression["expired"])
    element.text = _clean("\n".join(body))
    return case


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else f"\\x{ord(c):02x}" for c in text)
