"""Solving CP-SAT models (``verify.encodings.cpsat``) under a time limit, with an explicit map
from CP-SAT's statuses to outcomes.

Conventions:

- Outcomes are ``"sat"`` (an assignment is returned; the caller replays it before claiming
  anything), ``"unsat"`` (CP-SAT said INFEASIBLE; it gives no proof, so the caller grades it
  ``unsat-claimed``) and ``"unknown"`` (a limit was hit). Every native status is mapped
  explicitly; MODEL_INVALID and any status this module does not know raise ``InternalError``.
  "Not OPTIMAL" never means "no".
- Parameters: ``symmetry_level = 1`` and no dual reductions in presolve, always (both have
  given false INFEASIBLE answers: see the comments at ``SYMMETRY_LEVEL``); ``num_workers``
  defaults to the number of CPU cores (1..8); a fixed ``random_seed``. With one worker a run is
  reproducible up to the time limit; with several, which worker finishes first (and so which
  witness is returned) may vary. Many tiny solves run about twice as fast with one worker
  (thread start-up dominates), hence the ``workers`` argument.
- ``time_limit`` is in seconds of wall time; None means no limit. For ``reachable_targets`` it
  bounds the whole call, not each solve.

>>> from verify.encodings.cpsat import build_model
>>> from verify.problems import SubsetSum
>>> r = solve_model(build_model(SubsetSum(weights=[3, -5, 7], targets=[2]), 2), 10.0, workers=1)
>>> r.outcome, r.assignment, r.optimal
('sat', [False, True, True], None)
>>> reachable_targets(SubsetSum(weights=[3, -5, 7], targets=[2]), [2, 4, 10], 10.0, workers=1)
{2: ('sat', [False, True, True]), 4: ('unsat', None), 10: ('sat', [True, False, True])}
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from verify.encodings.cpsat import (
    CpsatModel,
    build_model,
    build_reachability_model,
    target_key,
)
from verify.errors import InputError, InternalError
from verify.interrupts import stoppable
from verify.problems import Problem, TargetRange, VectorSubsetSum

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
    """What one solve gave.

    ``assignment[i]`` is True when weight ``i`` is chosen (``"sat"`` only). ``optimal`` is set
    for models with an objective: True for OPTIMAL, False for a FEASIBLE (not proven minimal)
    solution, None otherwise. ``status_name`` is CP-SAT's own name for the status.
    """

    outcome: str
    assignment: list[bool] | None
    optimal: bool | None
    seconds: float
    status_name: str


def default_workers() -> int:
    """The number of CPU cores, at least 1, at most ``MAX_DEFAULT_WORKERS``."""
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def _check_limit(time_limit) -> None:
    if time_limit is None:
        return
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) \
            or not math.isfinite(time_limit) or time_limit < 0:
        raise InputError(f"time_limit: expected None or a finite number of seconds >= 0, got {time_limit!r}")


def _check_workers(workers) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers: expected None or an integer >= 1, got {workers!r}")
    return workers


def outcome_of(status) -> str:
    """The outcome of a native status other than MODEL_INVALID, mapped one by one.

    >>> outcome_of(cp_model.FEASIBLE), outcome_of(cp_model.INFEASIBLE), outcome_of(cp_model.UNKNOWN)
    ('sat', 'unsat', 'unknown')
    """
    if status == cp_model.OPTIMAL or status == cp_model.FEASIBLE:
        return "sat"
    if status == cp_model.INFEASIBLE:
        return "unsat"
    if status == cp_model.UNKNOWN:
        return "unknown"
    raise InternalError(f"unmapped CP-SAT status {status!r}")


def _solve(model: cp_model.CpModel, time_limit: float | None, workers: int | None):
    """One solve with this module's parameters: (solver, status, wall seconds). Raises
    ``InternalError`` when CP-SAT rejects the model, with its validation message."""
    _check_limit(time_limit)
    solver = _new_solver()
    params = solver.parameters
    params.symmetry_level = SYMMETRY_LEVEL
    params.num_workers = _check_workers(workers)
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


def solve_model(m: CpsatModel, time_limit: float | None, workers: int | None = None) -> CpsatResult:
    """Solve ``m`` within ``time_limit`` seconds on ``workers`` threads (see the module docstring).

    Raises ``InternalError`` when CP-SAT rejects the model (with its validation message) or
    returns a status that is not mapped.
    """
    solver, status, seconds = _solve(m.model, time_limit, workers)
    outcome = outcome_of(status)
    # solver.status_name() without an argument fails in OR-Tools 9.15; with one it works.
    name = solver.status_name(status)
    assignment = [bool(solver.boolean_value(v)) for v in m.x] if outcome == "sat" else None
    optimal = None
    if m.has_objective and outcome == "sat":
        optimal = status == cp_model.OPTIMAL
    return CpsatResult(outcome, assignment, optimal, seconds, name)


class _Targets:
    """The requested targets: their order, membership, and each one's subset sum arithmetic."""

    def __init__(self, problem: Problem, targets):
        if targets is None:
            targets = problem.targets
        self.range = targets if isinstance(targets, TargetRange) else None
        keys = [target_key(problem, t) for t in targets]
        self.order = list(dict.fromkeys(keys))  # duplicates asked once, order kept
        self.members = None if self.range is not None else set(self.order)
        self.vector = isinstance(problem, VectorSubsetSum)
        if self.vector:
            self.columns = [[w[j] for w in problem.weights] for j in range(problem.dim)]
        else:
            self.columns = [list(problem.weights)]
        self.bounds = [(sum(a for a in c if a < 0), sum(a for a in c if a > 0)) for c in self.columns]

    def wanted(self, key) -> bool:
        if self.range is not None:
            return self.range.lo <= key <= self.range.hi
        return key in self.members

    def in_range(self, key) -> bool:
        values = key if self.vector else (key,)
        return all(lo <= v <= hi for v, (lo, hi) in zip(values, self.bounds))

    def sum_of(self, assignment):
        """The exact sum of the chosen weights (Python integers), as a target key."""
        s = tuple(sum(a for a, c in zip(col, assignment) if c) for col in self.columns)
        return s if self.vector else s[0]

    def deltas(self, assignment) -> list:
        """For each weight, how flipping its choice changes the sum."""
        out = []
        for i, chosen in enumerate(assignment):
            d = tuple(-col[i] if chosen else col[i] for col in self.columns)
            out.append(d if self.vector else d[0])
        return out


def _plus(u, v):
    return tuple(a + b for a, b in zip(u, v)) if isinstance(u, tuple) else u + v


def _harvest(tg: _Targets, start: list[bool], s0, size, open_: Callable[[object], bool],
             deadline: float | None) -> dict:
    """Open targets reachable from a solution by flipping one or two choices, then from every
    new one in turn, until none is left one or two flips away or the deadline passes. Each
    CP-SAT solve names one target, and its neighbours are often targets too; checking them in
    exact arithmetic costs n^2 additions per target found. With a fixed size only swaps (one
    in, one out) keep it."""
    found = {}
    queue = [(start, s0)]
    n = len(start)
    flips = [(i,) for i in range(n)] + [(i, j) for i in range(n) for j in range(i + 1, n)]
    while queue and (deadline is None or time.perf_counter() < deadline):
        assignment, s = queue.pop()
        deltas = tg.deltas(assignment)
        if size is None:
            moves = flips
        else:
            ins = [i for i in range(n) if assignment[i]]
            outs = [j for j in range(n) if not assignment[j]]
            moves = [(i, j) for i in ins for j in outs]
        for move in moves:
            t = s
            for i in move:
                t = _plus(t, deltas[i])
            if t not in found and open_(t):
                flipped = list(assignment)
                for i in move:
                    flipped[i] = not flipped[i]
                found[t] = flipped
                queue.append((flipped, t))
    return found


def reachable_targets(problem: Problem, targets=None, time_limit: float | None = None, *,
                      workers: int | None = None, harvest: bool = True,
                      stats: dict | None = None) -> dict:
    """Which of ``targets`` (default: the problem's) are reachable, with one CP-SAT model.

    Returns ``{target: (outcome, assignment)}`` in the order the targets were given (ints for
    scalar problems, tuples for vectors; a range is expanded here: mind its length). The model
    restricts the sum to the targets still open; each solution names one reachable target (and,
    with ``harvest``, its neighbours one or two flips away), which is then removed from the
    model; the first INFEASIBLE answers all remaining targets ``"unsat"`` at once. Targets
    outside the range of all subset sums are ``"unsat"`` without a solve. When the time limit
    runs out the targets still open are ``"unknown"``. The problem's objective is ignored:
    reachability does not depend on it, and witnesses here are not minimal.

    Speed (``benchmarks/cpsat_multi.py``, n = 20..30, 8-12 bit weights, 50-500 targets, 2
    workers): with ``harvest`` this beat one solve per target on 22 of 24 rows, by 30-70x on
    500 consecutive targets (one solve, the neighbours do the rest); on 50 targets scattered
    over the whole sum range of 12-bit weights it was as slow or 1.4x slower. Without
    ``harvest`` it is not reliably faster (14 of 24 rows, from 2.3x faster to 2.6x slower):
    each solve is slower than a single-target one (the sum's domain has holes), and the one
    final INFEASIBLE does not always make up for it.

    Every ``"sat"`` assignment is replayed in exact arithmetic before it is returned; one that
    does not reach its target raises ``InternalError``. ``stats``, when given, receives
    ``solves`` and ``harvested`` counts.
    """
    _check_limit(time_limit)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    tg = _Targets(problem, targets)
    results: dict = {}
    m = build_reachability_model(problem, tg.range if tg.range is not None else tg.order)

    def open_(t) -> bool:
        return t not in results and tg.wanted(t)

    solves = harvested = 0
    last = "unsat"
    while not m.exhausted:
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            last = "unknown"
            break
        r = solve_model(m, left, workers)
        solves += 1
        if r.outcome != "sat":
            last = r.outcome
            break
        t = tg.sum_of(r.assignment)
        if not open_(t):
            raise InternalError(f"CP-SAT returned a subset summing to {t!r}, which is not an open target")
        new = {t: r.assignment}
        if harvest:
            more = _harvest(tg, r.assignment, t, problem.size,
                            lambda v, first=t: v != first and open_(v), deadline)
            harvested += len(more)
            new.update(more)
        results.update((k, ("sat", a)) for k, a in new.items())
        m.exclude(new)
    if stats is not None:
        stats.update(solves=solves, harvested=harvested)
    return _finish(tg, problem, results, last)


def _finish(tg: _Targets, problem: Problem, results: dict, rest: str) -> dict:
    out = {}
    for t in tg.order:
        if t in results:
            a = results[t][1]
            if tg.sum_of(a) != t or (problem.size is not None and sum(a) != problem.size):
                raise InternalError(f"the CP-SAT witness for target {t!r} does not replay")
            out[t] = results[t]
        elif not tg.in_range(t):
            out[t] = ("unsat", None)
        else:
            out[t] = (rest, None)
    return out


def reachable_targets_per_target(problem: Problem, targets=None, time_limit: float | None = None, *,
                                 workers: int | None = None, stats: dict | None = None) -> dict:
    """The baseline for ``reachable_targets``: one model and one solve per target, same answers
    and conventions (the time limit bounds the whole call; the objective is ignored)."""
    _check_limit(time_limit)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    tg = _Targets(problem, targets)
    plain = replace(problem, objective=None)
    results: dict = {}
    solves = 0
    for t in tg.order:
        if not tg.in_range(t):
            continue
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            break
        r = solve_model(build_model(plain, t), left, workers)
        solves += 1
        if r.outcome == "sat":
            results[t] = ("sat", r.assignment)
        elif r.outcome == "unsat":
            results[t] = ("unsat", None)
    if stats is not None:
        stats.update(solves=solves, harvested=0)
    out = _finish(tg, problem, {t: v for t, v in results.items() if v[0] == "sat"}, "unknown")
    for t, v in results.items():
        if v[0] == "unsat":
            out[t] = v
    return out


def solve_values(model: cp_model.CpModel, variables: list, time_limit: float | None,
                 workers: int | None = None) -> tuple[str, list[int] | None, float, str]:
    """Solve any CP-SAT ``model`` with this module's parameters (symmetry level, no dual
    reductions, seed, workers; see the module docstring) within ``time_limit`` seconds.

    Returns ``(outcome, values, seconds, status_name)``: the outcome as in ``outcome_of``, the
    integer values of ``variables`` for ``"sat"`` (else None; the caller replays them), the
    wall time of the solve, CP-SAT's status name. Raises ``InternalError`` on MODEL_INVALID.
    """
    solver, status, seconds = _solve(model, time_limit, workers)
    outcome = outcome_of(status)
    values = [int(solver.value(v)) for v in variables] if outcome == "sat" else None
    return outcome, values, seconds, solver.status_name(status)
