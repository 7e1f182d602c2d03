"""deputy: a formal verifier for the cross-service confused deputy in AWS access policies.

The library (docs/library.md)::

    import verifier

    report = verifier.check("infra/", account="111122223333")
    for result in report:
        print(result.where(), result.verdict.value)

``check``, ``evaluate`` and ``repair`` are the functions; the types they
return are re-exported here and are stable (fields may be added, none
removed). Everything is imported on first use, so ``import verifier`` costs
nothing and the command line starts fast.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "check": "verifier.api", "evaluate": "verifier.api", "repair": "verifier.api",
    "threat_model": "verifier.api", "Report": "verifier.api",
    "Result": "verifier.results", "DeputyResult": "verifier.results", "Verdict": "verifier.results",
    "StatementRef": "verifier.results",
    "Request": "verifier.request", "ContextValue": "verifier.request", "make_request": "verifier.request",
    "Decision": "verifier.evaluator", "Evaluation": "verifier.evaluator",
    "Repair": "verifier.debug.repair", "FileRepair": "verifier.fixing", "PolicyFix": "verifier.fixing",
    "ThreatModel": "verifier.prove.threat",
    "DeputyError": "verifier.errors", "InputError": "verifier.errors", "UsageError": "verifier.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    """The public names, imported when first asked for (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'verifier' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
