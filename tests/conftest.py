"""Test-run settings: in CI (DEPUTY_CI set), hypothesis is derandomized, so
every run explores the same examples and a failure always reproduces."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("DEPUTY_CI") else "dev")
