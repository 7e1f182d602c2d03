"""The question and its answer: the threat model of THREAT_MODEL.md as a
query (``threat``), the one module that calls z3 (``solver``), the verdict
for a policy (``prover``), and models turned into readable requests
(``counterexample``).

Owns the rule that a ``safe`` verdict is an UNSAT answer on the full
encoding and that every counterexample is replayed through the evaluator
before it is reported. Must not render anything (that is ``outputs``) nor
read files (that is ``policy`` and ``sources``).
"""
