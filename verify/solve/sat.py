"""Running a SAT solver on a CNF under a real time limit, with an optional DRUP proof.

``run_sat`` is the only way the tool calls a SAT solver. It answers ``sat`` (with a model that
was checked against every clause), ``unsat`` (with the solver's DRUP proof when asked for one)
or ``unknown`` (time limit, crash, solver error: never "no"), as an ``Outcome``. An ``unsat``
here is only the solver's claim; it becomes ``unsat-proof-checked`` once the proof is checked
(``verify.solve.refutation.refute`` runs the solver and the checker together).

The solve runs in a killable child process (``verify.solve.children``: why, and how it is
stopped); an answer arriving after a SIGINT or SIGTERM reached this process is not returned
(``verify.interrupts``): KeyboardInterrupt instead.

Tiny instances. With ``isolation="auto"`` (the default) an instance of at most
``INLINE_MAX_VARS`` variables and ``INLINE_MAX_LITERALS`` literal occurrences is solved in this
process instead: its search space has at most 2^12 assignments; over 25,000 runs of the five
proof solvers on random 2- to 6-CNFs at the bounds the median took 0.4 ms and
the slowest 22 ms, so the ~4 ms fork would be most of the cost and no time limit is needed.
``isolation="process"`` always uses a child.

Proofs. Only solvers whose PySAT proofs were checked valid are allowed with ``proof=True``
(``PROOF_SOLVERS``); the others are refused with an InputError before anything runs. Proofs are
always of the plain formula: this module never solves under assumptions, because an UNSAT under
assumptions refutes the assumptions, not the formula.

Conventions: variables are 1..nvars, clauses are lists of signed DIMACS literals (Python ints),
a model lists one signed literal per variable 1..nvars in order, and proof lines are PySAT's
text DRUP lines (``"1 -2 0"``, ``"d 1 -2 0"``, ``"0"``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pysat.solvers import Solver, SolverNames

from verify.errors import InputError, InternalError
from verify.interrupts import check as check_interrupted
from verify.solve.children import call_in_child
from verify.solve.limits import check_time_limit
from verify.solve.outcome import Outcome

# The solver used wherever none is chosen (the CLI's --solver default, the tickets' searches,
# suites): CaDiCaL 1.9.5, whose PySAT proofs are valid and on which every encoding's rules were
# measured (benchmarks/encodings.py).
DEFAULT_SOLVER = "cadical195"

# Solvers whose PySAT proofs (with_proof=True, get_proof()) were checked valid on this project's
# instances. Keep this list measured, not hoped: a solver is added only after its proofs pass
# the checker (tests/test_satrun.py runs cadical195 and glucose4 end to end).
PROOF_SOLVERS = ("cadical195", "cadical153", "glucose4", "glucose3", "lingeling")

# Why each other solver is refused for proof logging (canonical PySAT names).
_OFF_BY_ONE = "its PySAT proofs are invalid (variables off by one)"
_NONE = "it produces no DRUP proof through PySAT"
_NO_PROOF = {"maplesat": _OFF_BY_ONE, "maplecm": _OFF_BY_ONE, "maplechrono": _OFF_BY_ONE,
             "minisat22": _NONE, "minisatgh": _NONE, "minicard": _NONE, "kissat404": _NONE,
             "mergesat3": _NONE}
_NO_PROOF_DEFAULT = "its PySAT proofs have not been validated for this tool"

INLINE_MAX_VARS = 12
INLINE_MAX_LITERALS = 4096
ISOLATIONS = ("auto", "process")

@dataclass(frozen=True)
class SatRun:
    """What one solver run produced.

    ``outcome`` is an ``Outcome``. ``model`` (sat only) has one signed
    literal per variable 1..nvars. ``proof`` (unsat with ``proof=True`` only) is the list of DRUP
    lines; it may be empty when the formula is refuted by unit propagation alone. ``seconds`` is
    wall-clock time seen by the caller, process start-up included. ``solver`` is the canonical
    PySAT name. ``reason`` says why the outcome is ``unknown`` (empty otherwise). ``isolated``
    tells whether the solve ran in a child process.
    """

    outcome: Outcome
    model: list[int] | None
    proof: list[str] | None
    seconds: float
    solver: str
    reason: str = ""
    isolated: bool = True


def solver_name(name: str, proof: bool = True) -> str:
    """The canonical PySAT name of ``name`` (an alias such as ``"cd19"`` is accepted).

    Raises InputError for an unknown name, and for a solver refused for proof logging when
    ``proof`` is True.

    >>> solver_name("cd19")
    'cadical195'
    >>> solver_name("minisat22", proof=False)
    'minisat22'
    """
    if not isinstance(name, str):
        raise InputError(f"solver: expected a PySAT solver name, got {name!r}")
    key = name.strip().lower()
    canonical = None
    for candidate, aliases in vars(SolverNames).items():
        if not candidate.startswith("_") and isinstance(aliases, tuple) and key in aliases:
            canonical = candidate
            break
    if canonical is None:
        raise InputError(f"solver: unknown SAT solver {name!r}; with proofs use one of "
                         f"{', '.join(PROOF_SOLVERS)}")
    if proof and canonical not in PROOF_SOLVERS:
        why = _NO_PROOF.get(canonical, _NO_PROOF_DEFAULT)
        raise InputError(f"solver: {canonical} cannot be used with proof logging: {why}; "
                         f"use one of {', '.join(PROOF_SOLVERS)} (a solver's \"no\" counts only with a "
                         f"checked proof)")
    return canonical


def check_formula(nvars, clauses) -> int:
    """Validate a CNF (InputError naming the first bad clause); return its literal count."""
    if type(nvars) is not int or nvars < 0:
        raise InputError(f"nvars: expected a non-negative int, got {nvars!r}")
    if not isinstance(clauses, (list, tuple)):
        raise InputError(f"clauses: expected a list of clauses, got {type(clauses).__name__}")
    total = 0
    for i, clause in enumerate(clauses):
        if not isinstance(clause, (list, tuple)):
            raise InputError(f"clause {i}: expected a list of ints, got {clause!r}")
        if clause:
            # type() is not int also refuses bools and numpy integers, which PySAT may misread
            if any(type(lit) is not int for lit in clause) or 0 in clause:
                raise InputError(f"clause {i}: literals must be non-zero ints, "
                                 f"got {list(clause)!r}")
            if max(clause) > nvars or -min(clause) > nvars:
                raise InputError(f"clause {i}: literal out of range 1..{nvars}: {list(clause)!r}")
        total += len(clause)
    return total


def _solve_here(name: str, clauses, proof: bool) -> tuple[Outcome, list[int] | None, list[str] | None]:
    """Solve in this process: (outcome, raw PySAT model or None, proof lines or None)."""
    # The plain solve() only: an UNSAT under assumptions would not refute the formula.
    with Solver(name=name, bootstrap_with=clauses, with_proof=proof) as s:
        answer = s.solve()
        if answer is True:
            return Outcome.SAT, s.get_model(), None
        if answer is False:
            return Outcome.UNSAT, None, (list(s.get_proof() or []) if proof else None)
        return Outcome.UNKNOWN, None, None


def run_sat(nvars: int, clauses: list[list[int]], solver: str = DEFAULT_SOLVER,
            time_limit: float | None = None, proof: bool = True, *,
            isolation: str = "auto") -> SatRun:
    """Solve ``clauses`` over variables 1..``nvars`` with a PySAT solver.

    ``time_limit`` (seconds, None = no limit) is wall-clock and enforced by killing the child
    process; a timed-out, crashed or failing solve returns ``Outcome.UNKNOWN`` with a reason,
    never ``UNSAT``. With ``proof=True`` (only for ``PROOF_SOLVERS``; others raise InputError)
    an ``UNSAT`` carries the DRUP proof lines, to be checked against exactly these clauses
    (``verify.solve.refutation.refute`` does both). A ``SAT`` model is checked against every
    clause here; one that fails is a solver bug (InternalError).

    ``isolation``: ``"auto"`` solves instances within ``INLINE_MAX_VARS`` and
    ``INLINE_MAX_LITERALS`` in this process (they cannot be slow) and everything else in a child
    process; ``"process"`` always uses a child.

    >>> run_sat(2, [[1, 2], [-1], [-2, 1]]).outcome is Outcome.UNSAT
    True
    >>> run_sat(2, [[1, 2], [-1]]).model
    [-1, 2]
    """
    name = solver_name(solver, proof=proof)
    check_time_limit(time_limit)
    if isolation not in ISOLATIONS:
        raise InputError(f"isolation: expected one of {', '.join(ISOLATIONS)}, got {isolation!r}")
    literals = check_formula(nvars, clauses)
    inline = isolation == "auto" and nvars <= INLINE_MAX_VARS and literals <= INLINE_MAX_LITERALS

    start = time.perf_counter()
    if inline:
        try:
            payload, reason = ("ok", _solve_here(name, clauses, proof)), ""
        except Exception as exc:  # noqa: BLE001 - same contract as a failing child
            payload, reason = ("error", f"{type(exc).__name__}: {exc}"), ""
    else:
        payload, reason = call_in_child(_solve_here, (name, clauses, proof), time_limit, name)
    check_interrupted()  # an answer had while the command was being interrupted is not returned
    seconds = time.perf_counter() - start

    def unknown(why: str) -> SatRun:
        return SatRun(Outcome.UNKNOWN, None, None, seconds, name, why, not inline)

    if payload is None:
        return unknown(reason)
    kind, result = payload
    if kind == "error":
        return unknown(f"solver {name} failed: {result}")
    outcome, raw_model, lines = result
    if outcome == Outcome.SAT:
        return SatRun(Outcome.SAT, _model(nvars, clauses, raw_model, name), None, seconds, name, "",
                      not inline)
    if outcome == Outcome.UNSAT:
        return SatRun(Outcome.UNSAT, None, lines, seconds, name, "", not inline)
    return unknown(f"solver {name} returned no answer")


def _model(nvars: int, clauses, raw, name: str) -> list[int]:
    """One signed literal per variable 1..nvars, checked against every clause.

    PySAT's model may stop at the largest variable the solver saw; variables it does not
    mention occur in no clause, so any value is right for them: they are set false.
    """
    value = [False] * (nvars + 1)
    for lit in raw or ():
        if 0 < abs(lit) <= nvars:
            value[abs(lit)] = lit > 0
    for i, clause in enumerate(clauses):
        if not any(value[lit] if lit > 0 else not value[-lit] for lit in clause):
            raise InternalError(f"solver {name} returned a model that falsifies clause {i}: "
                                f"{clause}")
    return [v if value[v] else -v for v in range(1, nvars + 1)]
