"""Text to typed AST: the first stage of the pipeline.

Owns the JSON layer (``jsontree``: positioned nodes, size and depth
limits), the one module that knows lark (``parser``: grammar to nodes, nodes
to ``ast``), the AST itself, the well-formedness diagnostics, the printer,
and the catalogues of condition keys and operators that every later stage
reads.

Must not touch anything of deputy's above it: no evaluator, no encoder, no
solver, no outputs. It imports only itself and ``verifier.errors``, so any
stage can depend on it and it depends on none.
"""
