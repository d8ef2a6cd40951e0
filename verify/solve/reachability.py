"""Which of many targets are reachable, with one CP-SAT model (``reachable_targets``), and the
one-model-per-target baseline it is measured against.

Outcomes are ``verify.solve.outcome.Outcome``; the time limit (seconds, None: none) bounds the
whole call, not each solve; every SAT assignment is replayed in exact arithmetic before it is
returned (``verify.witness``).

>>> from verify.problems import SubsetSum
>>> found = reachable_targets(SubsetSum(weights=[3, -5, 7], targets=[2]), [2, 4, 10], 10.0, workers=1)
>>> {t: (str(outcome), assignment) for t, (outcome, assignment) in found.items()}
{2: ('sat', [False, True, True]), 4: ('unsat', None), 10: ('sat', [True, False, True])}
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from verify.encodings.cpsat import build_model, build_reachability_model, target_key
from verify.errors import InternalError
from verify.problems import Problem, TargetRange, VectorSubsetSum
from verify.solve.cpsat import run
from verify.solve.limits import check_time_limit
from verify.solve.outcome import Outcome
from verify.witness import replay_witness


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

    Returns ``{target: (Outcome, assignment)}`` in the order the targets were given (ints for
    scalar problems, tuples for vectors; a range is expanded here: mind its length). The model
    restricts the sum to the targets still open; each solution names one reachable target (and,
    with ``harvest``, its neighbours one or two flips away), which is then removed from the
    model; the first INFEASIBLE answers all remaining targets UNSAT at once. Targets
    outside the range of all subset sums are UNSAT without a solve. When the time limit
    runs out the targets still open are UNKNOWN. The problem's objective is ignored:
    reachability does not depend on it, and witnesses here are not minimal.

    Speed (``benchmarks/cpsat_multi.py``, n = 20..30, 8-12 bit weights, 50-500 targets, 2
    workers): with ``harvest`` this beat one solve per target on 22 of 24 rows, by 30-70x on
    500 consecutive targets (one solve, the neighbours do the rest); on 50 targets scattered
    over the whole sum range of 12-bit weights it was as slow or 1.4x slower. Without
    ``harvest`` it is not reliably faster (14 of 24 rows, from 2.3x faster to 2.6x slower):
    each solve is slower than a single-target one (the sum's domain has holes), and the one
    final INFEASIBLE does not always make up for it.

    Every SAT assignment is replayed in exact arithmetic before it is returned; one that
    does not reach its target raises ``WitnessNotReplayed``. ``stats``, when given, receives
    ``solves`` and ``harvested`` counts.
    """
    check_time_limit(time_limit, zero_ok=True)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    tg = _Targets(problem, targets)
    results: dict = {}
    m = build_reachability_model(problem, tg.range if tg.range is not None else tg.order)

    def open_(t) -> bool:
        return t not in results and tg.wanted(t)

    solves = harvested = 0
    last = Outcome.UNSAT
    while not m.exhausted:
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            last = Outcome.UNKNOWN
            break
        r = run(m, left, workers)
        solves += 1
        if r.outcome is not Outcome.SAT:
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
        results.update((k, (Outcome.SAT, a)) for k, a in new.items())
        m.exclude(new)
    if stats is not None:
        stats.update(solves=solves, harvested=harvested)
    return _finish(tg, problem, results, last)


def _finish(tg: _Targets, problem: Problem, results: dict, rest: Outcome) -> dict:
    out = {}
    for t in tg.order:
        if t in results:
            a = results[t][1]
            replay_witness(problem, t, [i for i, chosen in enumerate(a) if chosen],
                           f"the CP-SAT witness for target {t!r}")
            out[t] = results[t]
        elif not tg.in_range(t):
            out[t] = (Outcome.UNSAT, None)
        else:
            out[t] = (rest, None)
    return out


def reachable_targets_per_target(problem: Problem, targets=None, time_limit: float | None = None, *,
                                 workers: int | None = None, stats: dict | None = None) -> dict:
    """The baseline for ``reachable_targets``: one model and one solve per target, same answers
    and conventions (the time limit bounds the whole call; the objective is ignored)."""
    check_time_limit(time_limit, zero_ok=True)
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
        r = run(build_model(plain, t), left, workers)
        solves += 1
        if r.outcome is not Outcome.UNKNOWN:
            results[t] = (r.outcome, r.assignment)
    if stats is not None:
        stats.update(solves=solves, harvested=0)
    out = _finish(tg, problem, {t: v for t, v in results.items() if v[0] is Outcome.SAT}, Outcome.UNKNOWN)
    for t, v in results.items():
        if v[0] is Outcome.UNSAT:
            out[t] = v
    return out
