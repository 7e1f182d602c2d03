"""What ``deputy check`` writes on the command line: its document in the
chosen format, colour when the stream is a terminal, and progress on stderr.

Renders ``Result`` values only; the command line (``verifier.cli``) decides
what to check and calls this to say it.
"""

from __future__ import annotations

import os


def check_document(fmt: str, results, model, skipped=(), notices=(), colour: bool = False, verbose: bool = False,
                   fail_on_useless: bool = False) -> str:
    """``check``'s output in ``fmt`` (text, json, sarif, junit, markdown)."""
    from verifier import __version__

    if fmt == "json":
        from verifier.outputs import json as json_output

        document = json_output.check_json(results, model)
        document["skipped"] = [{"path": s.path, "reason": s.reason} for s in skipped]
        document["warnings"] = [n.to_json() for n in notices]
        return json_output.dumps(document)
    if fmt == "sarif":
        from verifier.outputs import sarif

        return sarif.dumps(results, __version__, notices)
    if fmt == "junit":
        from verifier.outputs import junit

        return junit.dumps(results, fail_on_useless=fail_on_useless)
    if fmt == "markdown":
        from verifier.outputs import markdown

        return markdown.check_markdown(results)
    from verifier.outputs import text

    return text.check_text(results, colour=colour, verbose=verbose) + text.skipped_line(skipped, verbose)


def colour(choice: str, stream) -> bool:
    """Whether to colour text: ``always``, ``never``, or ``auto`` (a
    terminal, and ``NO_COLOR`` not set)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return isatty(stream)


def isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """``[i/n] file`` on stderr, redrawn in place, when stderr is a terminal
    and there are enough policies for the wait to be noticed."""

    THRESHOLD = 3

    def __init__(self, stream, total: int):
        self.stream, self.total, self.count = stream, total, 0
        self.on = total >= self.THRESHOLD and isatty(stream)

    def show(self, what: str) -> None:
        self.count += 1
        if self.on:
            text = f"deputy: checking [{self.count}/{self.total}] {what}"
            self.stream.write("\r\033[K" + text[:100])
            self.stream.flush()

    def done(self) -> None:
        if self.on:
            self.stream.write("\r\033[K")
            self.stream.flush()
