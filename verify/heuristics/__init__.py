"""Heuristic solvers: fast candidates, each verified by the exact witness checker.

A heuristic only proposes a subset; whether it is a solution is decided by
:func:`verify.witness.witness_error` in exact integer arithmetic. A heuristic's failure to hit is
never evidence that a target is unreachable (``ckk`` without limits is the one complete method,
and only for problems without a fixed size).
"""

from verify.heuristics.subset_sum import HEURISTICS, Candidate, run_heuristic

__all__ = ["HEURISTICS", "Candidate", "run_heuristic"]
