"""The console script ``deputy``: Ctrl-C answered with one line and exit
130 from the first instant our code runs, while the command line is still
being imported (``verifier.cli.entry`` answers it once it runs)."""

from __future__ import annotations

import gc
import sys


def entry() -> None:
    # deputy keeps what it builds (automata, string classes, parser tables)
    # for the whole run, and a policy allocates many small objects: with
    # Python's default thresholds the collector walks that heap 800 times on
    # the corpus for nothing (a tenth of the run; bench/speed.py). Reference
    # counting frees almost everything; cycles are still collected, rarely.
    gc.set_threshold(100_000, 50, 100)
    try:
        from verifier.cli import entry as run
    except KeyboardInterrupt:
        sys.stderr.write("deputy: interrupted\n")
        raise SystemExit(130) from None
    run()
