"""What a solver run answered, before any evidence is weighed: ``Outcome``.

Every runner of this package (SAT, CP-SAT, MaxSAT) reports one of three outcomes. They are the
solver's word only: a ``sat`` becomes ``sat-verified`` once its witness replays, an ``unsat``
becomes ``unsat-proof-checked`` only with a checked proof (``verify.solve.grading`` grades them
into ``verify.status.Status``). ``unknown`` is a limit hit, a crash or a refusal: never "no".
"""

from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    """A solver's answer.

    - ``sat``: it found an assignment (the caller replays it before claiming anything).
    - ``unsat``: it said the formula or model has no solution (a claim until a proof is checked).
    - ``unknown``: it did not answer (time or memory limit, crash, no answer).

    The values are the strings stored wherever an outcome is written (a certificate's lower
    bounds, for one), and compare equal to them.

    >>> Outcome("unsat") is Outcome.UNSAT, f"{Outcome.SAT}"
    (True, 'sat')
    """

    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"

    def __str__(self) -> str:  # f-strings and str() give the value, as for a plain string
        return self.value
