"""``python -m verifier`` runs the ``deputy`` command."""

from verifier.launch import entry

entry()
