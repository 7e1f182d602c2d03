"""Why a verdict holds, and how to change it: explanations of a
counterexample or a proof (``explain``), counterexamples of different
kinds (``attacks``), proved repairs (``repair``), and the text edits that
apply a repair to a policy file (``textedit``) or to a CloudFormation
template (``template_edits``, ``templatetext``) without disturbing the rest
of it.

Everything here asks the prover (``verifier.prove``) and the evaluator; it
never decides a verdict by itself, and it renders nothing (that is
``outputs``).
"""
