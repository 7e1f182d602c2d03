"""The console script ``deputy``: Ctrl-C answered with one line and exit
130 from the first instant our code runs, while the command line is still
being imported (``verifier.cli.entry`` answers it once it runs)."""

from __future__ import annotations

import sys


def entry() -> None:
    try:
        from verifier.cli import entry as run
    except KeyboardInterrupt:
        sys.stderr.write("deputy: interrupted\n")
        raise SystemExit(130) from None
    run()
