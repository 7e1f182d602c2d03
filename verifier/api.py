"""The public library: ``check``, ``evaluate``, ``repair`` (re-exported by
``verifier``; docs/library.md).

Each function takes what a Python user has at hand (a path, a text, a
dict) and plain keyword arguments named like deputy.toml's settings, and
returns the same result types the command line renders. No configuration
file is read: what is not passed is the default question of
docs/threat-model.md. Bad input raises ``InputError`` (with file, line and
column) only where a single input was given to ``evaluate`` or ``repair``;
``check`` reports an unreadable policy as an ``error`` result, as the
command line does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from verifier.results import Result, Verdict

TEXT_NAME = "<text>"
"""How a policy, template or plan given as text is named in results."""


@dataclass
class Report:
    """What ``check`` found: one ``Result`` per policy, in input order
    (iterate, index or ``len`` it as a list), and the files a directory
    walk skipped because they are not policies (``(path, reason)``)."""

    results: list[Result]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    threat_model: object = None

    def __iter__(self):
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, index):
        return self.results[index]

    @property
    def verdict(self) -> Verdict | None:
        """The worst verdict (vulnerable, then error, then unknown, then
        safe), as the exit code ranks them; None when no policy was found."""
        for verdict in (Verdict.VULNERABLE, Verdict.ERROR, Verdict.UNKNOWN, Verdict.SAFE):
            if any(r.verdict is verdict for r in self.results):
                return verdict
        return None

    @property
    def exit_code(self) -> int:
        """The exit code ``deputy check`` would give (README, exit codes)."""
        from verifier import checking

        return checking.exit_code(self.results)

    def to_json(self) -> dict:
        """The document ``deputy check --format json`` prints."""
        from verifier.outputs import json as json_output

        document = json_output.check_json(self.results, self.threat_model)
        document["skipped"] = [{"path": p, "reason": r} for p, r in self.skipped]
        return document


def threat_model(account: str | None = None, *, trusted_accounts=(), trusted_orgs=(), services=(), actions=(),
                 require_keys=(), source_service: str | None = None, strict_attribution: bool = False):
    """The ``ThreatModel`` these settings describe (docs/threat-model.md);
    ``UsageError`` for a value that cannot be right (an account that is not
    12 digits, ``services=["rekognition"]``)."""
    from verifier import config

    settings = {"trusted_accounts": list(trusted_accounts), "trusted_orgs": list(trusted_orgs),
                "service": list(_strings(services)), "action": list(_strings(actions)),
                "require_keys": list(require_keys), "source_service": source_service,
                "strict_attribution": strict_attribution}
    return config.threat_model(account, settings)


def check(source, *, account: str | None = None, trusted_accounts=(), trusted_orgs=(), services=(), actions=(),
          require_keys=(), source_service: str | None = None, strict_attribution: bool = False,
          input_format: str | None = None, timeout: float = 5.0, exclude=(), explain: bool = False,
          max_counterexamples: int = 0) -> Report:
    """Check every policy in ``source`` (docs/library.md).

    ``source``: a path (``str`` or ``os.PathLike``: a file, a directory
    walked as ``deputy check`` walks it, a glob), a list of paths, the text
    of a policy, template or plan (a ``str`` that starts with ``{`` or
    ``[`` or holds a line break), or a ``dict`` (a parsed policy or
    template). The keyword arguments are ``deputy check``'s options;
    ``explain`` adds each verdict's explanation, ``max_counterexamples`` > 0
    lists that many counterexamples of different kinds (``--all``)."""
    from verifier import checking

    model = threat_model(account, trusted_accounts=trusted_accounts, trusted_orgs=trusted_orgs, services=services,
                         actions=actions, require_keys=require_keys, source_service=source_service,
                         strict_attribution=strict_attribution)
    details = None
    if explain or max_counterexamples:
        details = {"explain": explain, "all": max_counterexamples > 0,
                   "max_counterexamples": max(1, max_counterexamples)}
    text = _text(source)
    if text is not None:
        from verifier.sources import detect

        found = detect.find(TEXT_NAME, input_format, model.owner or None, set(model.trusted_accounts),
                            data=text.encode("utf-8"))
        return Report(checking.check_all(found, model, timeout, details=details), [], model)
    paths = [os.fspath(p) for p in source] if isinstance(source, (list, tuple)) else [os.fspath(source)]
    scan = checking.scan_paths(paths, tuple(exclude))
    found = checking.collect(scan.files, model, input_format)
    results = checking.check_all(found, model, timeout, details=details)
    return Report(results, [(s.path, s.reason) for s in scan.skipped], model)


def evaluate(policy, request):
    """The concrete decision of ``policy`` on ``request``, with the trace of
    every statement (an ``Evaluation``: ``.decision`` is a ``Decision``).

    ``policy``: a path, a JSON text, a ``dict``, or a parsed ``Policy``;
    ``request``: a ``Request``, a ``dict`` or JSON text in the form
    ``deputy eval --request`` reads (a printed counterexample as it is), or
    a path to one. ``InputError`` if either cannot be read."""
    from verifier.evaluator import evaluate as decide
    from verifier.policy import loading
    from verifier.policy.ast import Policy
    from verifier.request import Request, parse_request, read_request

    if isinstance(policy, Policy):
        parsed = policy
    else:
        text = _text(policy)
        parsed = (loading.load_text(text, TEXT_NAME) if text is not None else loading.load_file(os.fspath(policy))).policy
    if not isinstance(request, Request):
        text = _text(request)
        request = parse_request(text, "<request>") if text is not None else read_request(os.fspath(request))
    return decide(parsed, request)


def repair(source, *, account: str | None = None, trusted_accounts=(), trusted_orgs=(), services=(), actions=(),
           require_keys=(), source_service: str | None = None, strict_attribution: bool = False,
           timeout: float = 5.0, write: bool = False, budget: float | None = 60.0):
    """The proved repair of a policy, template or plan (``deputy fix``): a
    ``Repair`` (``.status`` "repaired", "already-safe" or "failed";
    ``.text`` the repaired text; ``.diff()``), or for a template or plan a
    ``FileRepair`` with one ``PolicyFix`` per policy in ``.policies``.

    ``source``: a path, or a text or ``dict`` as for ``check``. ``write``:
    replace the file with the repair once it is proved (a path only).
    ``budget``: seconds for the whole repair (``deputy fix --budget``;
    None: only each proof's ``timeout``). ``InputError`` if the input cannot be read; ``UsageError`` for
    ``write`` with a text or a Terraform plan."""
    from verifier import fixing
    from verifier.debug import repair as repairing
    from verifier.errors import UsageError

    model = threat_model(account, trusted_accounts=trusted_accounts, trusted_orgs=trusted_orgs, services=services,
                         actions=actions, require_keys=require_keys, source_service=source_service,
                         strict_attribution=strict_attribution)
    text = _text(source)
    if text is not None:
        if write:
            raise UsageError("write=True needs a path: a text has no file to write", "verifier.repair")
        return fixing.fix_data(TEXT_NAME, text.encode("utf-8"), model, timeout, budget=budget)
    path = os.fspath(source)
    outcome = fixing.fix_file(path, model, timeout, write, budget)
    if write and outcome.status == "repaired":
        repairing.write(outcome)
    return outcome


def _text(source) -> str | None:
    """``source`` as a document's text, or None when it names a path."""
    if isinstance(source, dict):
        return json.dumps(source, indent=2)
    if isinstance(source, str) and ("\n" in source or source.lstrip()[:1] in ("{", "[")):
        return source
    return None


def _strings(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)
