"""Grammar files, installed as ``verifier.grammar`` so the parser finds them as package data."""
