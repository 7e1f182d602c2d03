"""Why a verdict holds, and how to change it: explanations of a
counterexample or a proof (``explain``), counterexamples of different
kinds (``attacks``), both attached where a policy is read (``details``);
proved repairs (``repair``) of the edits ``edits`` proposes, applied to a
policy file's text (``textedit``) or a CloudFormation template's
(``template_edits``, ``templatetext``) without disturbing the rest of it,
and written back safely (``writing``).

Everything here asks the prover (``verifier.prove``) and the evaluator; it
never decides a verdict by itself, and it renders nothing (that is
``outputs``).
"""
