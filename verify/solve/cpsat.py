"""Running CP-SAT on a model (``verify.encodings.cpsat``) under a time limit, with an explicit
map from CP-SAT's statuses to outcomes.

Conventions:

- Outcomes (``verify.solve.outcome.Outcome``) are ``sat`` (an assignment is returned; the caller
  replays it before claiming anything), ``unsat`` (CP-SAT said INFEASIBLE; it gives no proof, so
  the caller grades it ``unsat-claimed``) and ``unknown`` (a limit was hit). Every native status
  is mapped explicitly; MODEL_INVALID and any status this module does not know raise
  ``InternalError``. "Not OPTIMAL" never means "no".
- Parameters: ``symmetry_level = 1`` and no dual reductions in presolve, always (both have
  given false INFEASIBLE answers: see the comments at ``SYMMETRY_LEVEL``); ``num_workers``
  defaults to the number of CPU cores (1..8); a fixed ``random_seed``. With one worker a run is
  reproducible up to the time limit; with several, which worker finishes first (and so which
  witness is returned) may vary. Many tiny solves run about twice as fast with one worker
  (thread start-up dominates), hence the ``workers`` argument.
- ``time_limit`` is in seconds of wall time (``verify.solve.limits``; 0 is accepted: what is
  left of a larger limit); None means no limit.

>>> from verify.encodings.cpsat import build_model
>>> from verify.problems import SubsetSum
>>> r = run(build_model(SubsetSum(weights=[3, -5, 7], targets=[2]), 2), 10.0, workers=1)
>>> str(r.outcome), r.assignment, r.optimal
('sat', [False, True, True], None)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from verify.encodings.cpsat import CpsatModel
from verify.errors import InputError, InternalError
from verify.interrupts import stoppable
from verify.solve.limits import check_time_limit
from verify.solve.outcome import Outcome

MAX_DEFAULT_WORKERS = 8
RANDOM_SEED = 20240611
# CP-SAT's symmetry handling has produced wrong INFEASIBLE answers at levels above 1 (reported
# upstream for several releases); a false "no" is the one error this tool must not make, so the
# level is pinned to 1 (symmetries found in presolve only) whatever the version.
SYMMETRY_LEVEL = 1
# OR-Tools 9.15's presolve also answers INFEASIBLE wrongly on tiny feasible models through its
# dual (dominance) reductions: 6 Booleans, ``Σ x == 4`` and ``-2 y0 + y1 + y2 + y3`` in the
# domain {-2, 2, 3} (tests/test_cpsat.py keeps the model). In a fuzz against brute force,
# about 92,000 small reachability models (sum variable with holes in its domain) got 7 such
# answers with the default parameters and none of about 91,000 with dual reductions off, which
# is what ``keep_all_feasible_solutions_in_presolve`` does; it is set for every solve. (Single
# target models: no false answer either way in about 92,000; speed: no consistent difference.)
KEEP_ALL_SOLUTIONS = True

_new_solver = cp_model.CpSolver  # the tests swap in a fake to reach the unmapped-status branch


@dataclass(frozen=True)
class CpsatResult:
    """What one run of a model with Boolean choices gave.

    ``assignment[i]`` is True when choice ``i`` (``model.x[i]``) is true (SAT only).
    ``optimal`` is set for models with an objective: True for OPTIMAL, False for a FEASIBLE (not
    proven minimal) solution, None otherwise. ``seconds`` is the solve's wall time and
    ``status_name`` CP-SAT's own name for the status.
    """

    outcome: Outcome
    assignment: list[bool] | None
    optimal: bool | None
    seconds: float
    status_name: str


@dataclass(frozen=True)
class CpsatValues:
    """What one run of any model gave: ``values`` are the integer values of the variables asked
    for (SAT only; the caller replays them), the rest as in ``CpsatResult``."""

    outcome: Outcome
    values: list[int] | None
    seconds: float
    status_name: str


def default_workers() -> int:
    """The number of CPU cores, at least 1, at most ``MAX_DEFAULT_WORKERS``."""
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def check_workers(workers) -> int:
    """The number of CP-SAT threads for ``workers`` (None: ``default_workers()``), or an
    InputError naming the field."""
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers: expected None or an integer >= 1, got {workers!r}")
    return workers


def outcome_of(status) -> Outcome:
    """The outcome of a native status other than MODEL_INVALID, mapped one by one.

    >>> [str(outcome_of(s)) for s in (cp_model.FEASIBLE, cp_model.INFEASIBLE, cp_model.UNKNOWN)]
    ['sat', 'unsat', 'unknown']
    """
    if status == cp_model.OPTIMAL or status == cp_model.FEASIBLE:
        return Outcome.SAT
    if status == cp_model.INFEASIBLE:
        return Outcome.UNSAT
    if status == cp_model.UNKNOWN:
        return Outcome.UNKNOWN
    raise InternalError(f"unmapped CP-SAT status {status!r}")


def _solve(model: cp_model.CpModel, time_limit: float | None, workers: int | None):
    """One solve with this module's parameters: (solver, status, wall seconds). Raises
    ``InternalError`` when CP-SAT rejects the model, with its validation message."""
    check_time_limit(time_limit, zero_ok=True)
    solver = _new_solver()
    params = solver.parameters
    params.symmetry_level = SYMMETRY_LEVEL
    params.num_workers = check_workers(workers)
    params.random_seed = RANDOM_SEED
    params.keep_all_feasible_solutions_in_presolve = KEEP_ALL_SOLUTIONS
    # CP-SAT's own Ctrl-C handling returns an interrupted solve as UNKNOWN and breaks SIGINT
    # for the rest of the process (verify.interrupts): the interruption is handled here instead
    params.catch_sigint_signal = False
    if time_limit is not None:
        params.max_time_in_seconds = float(time_limit)
    start = time.perf_counter()
    status = stoppable(lambda: solver.solve(model), solver.stop_search)
    seconds = time.perf_counter() - start
    if status == cp_model.MODEL_INVALID:
        raise InternalError(f"CP-SAT rejected the model (MODEL_INVALID): "
                            f"{model.validate() or 'no validation message'}")
    return solver, status, seconds


def run(m: CpsatModel, time_limit: float | None, workers: int | None = None) -> CpsatResult:
    """Solve ``m`` within ``time_limit`` seconds on ``workers`` threads (see the module docstring).

    Raises ``InternalError`` when CP-SAT rejects the model (with its validation message) or
    returns a status that is not mapped.
    """
    solver, status, seconds = _solve(m.model, time_limit, workers)
    outcome = outcome_of(status)
    # solver.status_name() without an argument fails in OR-Tools 9.15; with one it works.
    name = solver.status_name(status)
    assignment = [bool(solver.boolean_value(v)) for v in m.x] if outcome is Outcome.SAT else None
    optimal = None
    if m.has_objective and outcome is Outcome.SAT:
        optimal = status == cp_model.OPTIMAL
    return CpsatResult(outcome, assignment, optimal, seconds, name)


def run_values(model: cp_model.CpModel, variables: list, time_limit: float | None,
               workers: int | None = None) -> CpsatValues:
    """Solve any CP-SAT ``model`` with this module's parameters (symmetry level, no dual
    reductions, seed, workers; see the module docstring) within ``time_limit`` seconds, and
    read the integer values of ``variables`` (SAT only). Raises ``InternalError`` on
    MODEL_INVALID."""
    solver, status, seconds = _solve(model, time_limit, workers)
    outcome = outcome_of(status)
    values = [int(solver.value(v)) for v in variables] if outcome is Outcome.SAT else None
    return CpsatValues(outcome, values, seconds, solver.status_name(status))
