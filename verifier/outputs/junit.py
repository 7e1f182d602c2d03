"""JUnit XML: one test case per policy; a vulnerable policy is a failure,
an unknown or unreadable one an error, a suppressed finding is skipped
with its reason. CI systems show these as test results."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from verifier.results import Result, Verdict


def dumps(results: list[Result]) -> str:
    failures = sum(1 for r in results if r.verdict is Verdict.VULNERABLE and not r.suppressed)
    errors = sum(1 for r in results if r.verdict in (Verdict.UNKNOWN, Verdict.ERROR) and not r.suppressed)
    skipped = sum(1 for r in results if r.suppressed and r.verdict is not Verdict.SAFE)
    seconds = f"{sum(r.seconds for r in results):.3f}"
    counts = {"tests": str(len(results)), "failures": str(failures), "errors": str(errors), "time": seconds}
    suites = ET.Element("testsuites", {"name": "deputy", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "deputy check", **counts, "skipped": str(skipped)})
    for r in results:
        suite.append(_case(r))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _case(r: Result) -> ET.Element:
    resource = (r.source or {}).get("resource")
    line = (r.source or {}).get("line")
    attributes = {"classname": r.path, "name": resource or r.path, "time": f"{r.seconds:.3f}"}
    if line:
        attributes["file"], attributes["line"] = r.path, str(line)
    case = ET.Element("testcase", attributes)
    if r.verdict is Verdict.SAFE:
        return case
    if r.suppressed:
        ET.SubElement(case, "skipped", {"message": f"suppressed {r.verdict.value} finding: "
                                                   f"{r.suppression.get('reason', '')}"})
        return case
    tag = "failure" if r.verdict is Verdict.VULNERABLE else "error"
    element = ET.SubElement(case, tag, {"message": _clean(r.message), "type": r.verdict.value})
    body = [r.message]
    if r.counterexample is not None:
        body.append("counterexample: " + json.dumps(r.counterexample.to_json(), ensure_ascii=False))
    body += [f"{'allowed by' if r.counterexample else 'rests on'} {ref.describe()}" for ref in r.statements]
    body += [f"warning: {w}" for w in r.warnings]
    if r.suppression and r.suppression.get("expired"):
        body.append(r.suppression["expired"])
    element.text = _clean("\n".join(body))
    return case


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else f"\\x{ord(c):02x}" for c in text)
