"""Renderings of results: text for a person (``text``), the stable JSON
document (``json``), SARIF 2.1.0 and JUnit XML for CI systems.

No semantics here and no verdict is computed: each module maps ``Result``
values (and the explanations already attached to them) onto a format. It
imports neither the encoder, nor the solver, nor the prover.
"""
