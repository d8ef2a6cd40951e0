"""Running RC2, PySAT's MaxSAT solver, on a WCNF in a killable child under a time limit.

RC2 gives no proof: its optimum is only a claim until the caller certifies it (``fewest`` with
SAT refutes "at most optimum - 1" with a checked proof, ``verify.solve.grading``), and its
"no solution" is only a claim. Its model is the caller's to replay.
"""

from __future__ import annotations

from dataclasses import dataclass

from pysat.examples.rc2 import RC2
from pysat.formula import WCNF

from verify.solve.children import call_in_child
from verify.solve.limits import check_time_limit
from verify.solve.outcome import Outcome


@dataclass(frozen=True)
class MaxsatResult:
    """What one RC2 run gave: ``outcome`` SAT with the optimum ``cost`` (the total weight of the
    falsified soft clauses) and its ``model`` (signed literals); UNSAT when the hard clauses
    have no model (no proof); UNKNOWN with the ``reason`` (time limit, crash)."""

    outcome: Outcome
    cost: int | None = None
    model: list[int] | None = None
    reason: str = ""


def _rc2(hard, soft):
    """Child-process body: RC2's optimum and model on the WCNF (hard, soft)."""
    wcnf = WCNF()
    for clause in hard:
        wcnf.append(clause)
    for weight, clause in soft:
        wcnf.append(clause, weight=weight)
    with RC2(wcnf) as rc2:
        model = rc2.compute()
        return (None, None) if model is None else (rc2.cost, model)


def minimize(hard: list[list[int]], soft: list[tuple[int, list[int]]],
             time_limit: float | None = None) -> MaxsatResult:
    """The minimum total weight of falsified ``soft`` clauses ``(weight, clause)`` over the
    models of the ``hard`` clauses (DIMACS literals), by RC2 within ``time_limit`` seconds.

    >>> r = minimize([[1, 2]], [(1, [-1]), (1, [-2])])
    >>> r.outcome, r.cost
    (<Outcome.SAT: 'sat'>, 1)
    """
    check_time_limit(time_limit)
    payload, reason = call_in_child(_rc2, (hard, soft), time_limit, "rc2")
    if payload is None or payload[0] == "error":
        return MaxsatResult(Outcome.UNKNOWN, reason=reason or f"RC2 failed: {payload[1]}")
    cost, model = payload[1]
    if cost is None:
        return MaxsatResult(Outcome.UNSAT)
    return MaxsatResult(Outcome.SAT, cost, list(model))
