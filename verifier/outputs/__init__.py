"""Renderings of ``deputy check`` results for CI systems (SARIF, JUnit XML).
No semantics here: each maps ``Result`` values onto a file format."""
