"""The question and its answer: which deputies a policy has (``deputies``,
``grants``), the threat model of THREAT_MODEL.md (``threat``) as one query
per deputy (``question``), concrete requests tried before any formula
(``witness``), the one module that calls z3 (``solver``, with the SMT-LIB
text it sends: ``smtlib``) and cvc5's second opinion (``certify``), the verdict for a policy (``prover``) and for a
change (``diff``), and models turned into requests a person can read and
AWS would accept (``counterexample``, ``canonical``, ``readable``) with what
they rest on (``findings``).

Owns the rule that a ``safe`` verdict is an UNSAT answer on the full
encoding and that every counterexample is replayed through the evaluator
before it is reported. Must not render anything (that is ``outputs``) nor
read files (that is ``policy`` and ``sources``).
"""
