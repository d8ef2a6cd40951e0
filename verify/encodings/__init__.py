"""Encodings (layer 5): problems translated into solver languages and standard file formats.

- ``formats``: DIMACS CNF, OPB and WCNF writers and readers.
- ``cpsat``: CP-SAT models (OR-Tools).
- ``cnf``: CNF and WCNF encodings of subset-sum constraints (the project's decision diagram,
  PySAT's pseudo-Boolean and cardinality encodings).

This package is ``verify.encodings``, never a top-level ``encodings``: that name is Python's
built-in codec package, imported before any user code, so a top-level one could not be imported.
"""
