"""Refuting a CNF: a SAT solver's "unsat" with its DRUP proof checked, in one call.

``refute`` is the one way the tool turns a solver's "no" into evidence: it runs the solver
with proof logging (``verify.solve.sat.run_sat``: in a killable child, under the time limit)
and, on UNSAT, checks the proof against exactly the clauses solved with the configured engines
(``verify.solve.proofs.check_drup``). Proof checking, which is what certifies, is not cut short
by the time limit. A ``Refutation`` keeps everything a caller reports or stores: the
solver's outcome, its model or proof, and the checker's verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from verify.solve.outcome import Outcome
from verify.solve.proofs import ProofCheck, check_drup
from verify.solve.sat import DEFAULT_SOLVER, run_sat


@dataclass(frozen=True)
class Refutation:
    """What one ``refute`` call gave.

    ``outcome`` is the solver's answer. ``model`` (SAT only) has one signed literal per variable
    1..nvars, checked against every clause. ``proof`` (UNSAT only) is the solver's DRUP lines
    and ``check`` the checker's verdict on them. ``reason`` says why the outcome is UNKNOWN.
    ``seconds`` is the solver's wall time (the check's is in ``check.seconds``); ``solver`` the
    canonical PySAT name.
    """

    outcome: Outcome
    model: list[int] | None
    proof: list[str] | None
    check: ProofCheck | None
    seconds: float
    solver: str
    reason: str = ""

    @property
    def checked(self) -> bool:
        """True when the formula is refuted: UNSAT with a proof every checker engine accepted."""
        return self.check is not None and self.check.ok


def refute(nvars: int, clauses: list[list[int]], solver: str = DEFAULT_SOLVER,
           time_limit: float | None = None, engines: str = "auto") -> Refutation:
    """Solve ``clauses`` over variables 1..``nvars`` with ``solver`` (one of
    ``verify.solve.sat.PROOF_SOLVERS``) within ``time_limit`` seconds (None: no limit), and
    check an UNSAT's DRUP proof with ``engines`` (``verify.solve.proofs.ENGINES``).

    >>> r = refute(2, [[1, 2], [-1, 2], [1, -2], [-1, -2]])
    >>> r.outcome is Outcome.UNSAT, r.checked
    (True, True)
    >>> refute(2, [[1, 2], [-1]]).model
    [-1, 2]
    """
    run = run_sat(nvars, clauses, solver, time_limit, proof=True)
    check = check_drup(nvars, clauses, run.proof, engines) if run.outcome is Outcome.UNSAT else None
    return Refutation(run.outcome, run.model, run.proof, check, run.seconds, run.solver, run.reason)
