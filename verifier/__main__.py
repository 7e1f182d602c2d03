"""``python -m verifier`` runs the ``deputy`` command."""

from verifier.cli import entry

entry()
