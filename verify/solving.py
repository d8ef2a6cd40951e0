"""Deciding, covering and counting subset-sum problems with the exact pre-filter methods.

Three questions, each answered per target with an evidence-graded status (``verify.status``):

- ``solve``: is each target reachable? A "yes" carries a witness replayed in exact arithmetic
  (``sat-verified``); a "no" names its exhaustive method (``unsat-exhaustive``: ``range``,
  ``gcd``, ``size-range``, ``dp-bitset`` or ``mitm``). For ``objective: fewest`` the witness has
  the fewest elements and ``optimal`` is True (the method is exhaustive).
- ``cover``: the same for every target of a range or list at once, with vectorized witnesses.
- ``count``: exact numbers of solutions per target.

Methods: ``dp`` (reachable-sum bitsets, cost ∝ n · sum range), ``mitm`` (meet in the middle,
cost ∝ 2^(n/2), any magnitude), ``auto`` (cheap conditions first, then the method with the smaller
estimated cost that fits the memory budget). The choice changes speed, never an answer.

The overall status of a report answers "is every target reachable?": ``sat-verified`` if all
are, ``unsat-exhaustive`` if some target is certainly unreachable, ``unknown`` otherwise.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, replace

import numpy as np

from verify import __version__
from verify.errors import BudgetExceeded, InputError, InternalError, MethodDisagreement
from verify.prefilter.bitset import ReachableSums
from verify.prefilter.budget import human_bytes, resolve_budget
from verify.prefilter.conditions import Conditions, gcd_of
from verify.prefilter.counting import SolutionCounts
from verify.prefilter.mitm import INT64_SAFE, MeetInTheMiddle, memory_needed
from verify.prefilter.vector import scalarize
from verify.problems import Problem, SubsetSum, VectorSubsetSum  # noqa: F401 (SubsetSum: doctests)
from verify.status import Answer, Status
from verify.witness import replay_rows, witness_error

METHODS = ("auto", "dp", "mitm")
MITM_MAX_N = 60  # beyond this 2^(n/2) tables exceed any sensible memory budget
MITM_MAX_TARGETS = 10_000  # meet in the middle answers one target per pass


def versions() -> dict:
    """Versions of everything that produced a result."""
    return {"slth-verify": __version__, "python": platform.python_version(), "numpy": np.__version__}


@dataclass
class _Plain:
    """A problem reduced to one dimension and divided by the gcd of its weights."""

    problem: Problem
    weights: tuple[int, ...]  # scalar weights (packed for vectors), divided by g
    g: int
    targets: list  # the problem's targets, as given
    scalar: list[int | None]  # packed target divided by g, or None when refuted up front
    refuted: list[Answer | None]


def _plain(problem: Problem) -> _Plain:
    targets = problem.target_list()
    if isinstance(problem, VectorSubsetSum):
        s = scalarize(problem.weights, targets)
        weights, scalar = s.weights, s.targets
        early = [None if why is None else Answer(t, Status.UNSAT_EXHAUSTIVE, "range", why)
                 for t, why in zip(targets, s.refutations)]
    else:
        weights, scalar, early = problem.weights, list(targets), [None] * len(targets)
    g = gcd_of(weights)
    conditions = Conditions(weights, problem.size, g)
    refuted, reduced = [], []
    for t, st, e in zip(targets, scalar, early):
        if e is None:
            r = conditions.refute(st)
            if r is not None:
                e = Answer(t, Status.UNSAT_EXHAUSTIVE, r.method, r.evidence)
        refuted.append(e)
        reduced.append(None if e is not None or g == 0 else st // g)
    divided = tuple(a // g for a in weights) if g else tuple(weights)
    if g == 0:  # all weights zero: only target 0 survives the conditions, reached by the empty set
        reduced = [None if e is not None else 0 for e in refuted]
    return _Plain(problem, divided, max(g, 1), targets, reduced, refuted)


def _dp_cost(weights, cardinality: bool) -> tuple[int, int]:
    """(estimated word operations, bytes) of the bitset method with witness layers."""
    n = len(weights)
    rows = sum(abs(a) for a in weights) + 1
    slot = 8 * -(-(n + 1) // 8) if cardinality else 1
    bits = rows * slot
    return n * bits // 32 + 1, n * bits // 16 + bits // 2


def _mitm_cost(n: int) -> tuple[int, int]:
    return (1 << (n // 2)) * (n + 20) * 10, memory_needed(n)


def choose_method(weights, method: str, cardinality: bool, budget, targets: int = 1) -> str:
    """``dp`` or ``mitm`` for ``method``; ``auto`` picks the cheaper one for ``targets`` queries
    that fits the budget (the bitset answers them all at once, meet-in-the-middle one by one).

    Raises ``BudgetExceeded`` naming both costs when nothing fits.
    """
    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if method != "auto":
        return method
    limit = resolve_budget(budget)
    n = len(weights)
    dp_ops, dp_bytes = _dp_cost(weights, cardinality)
    dp_ops += targets * n
    mitm_ok = n <= MITM_MAX_N and sum(abs(a) for a in weights) * (n + 1) + n < INT64_SAFE
    mitm_ops, mitm_bytes = _mitm_cost(n) if mitm_ok else (None, None)
    if mitm_ok:
        mitm_ops *= targets
    fits = []
    if dp_bytes <= limit:
        fits.append((dp_ops, "dp"))
    if mitm_ok and mitm_bytes <= limit:
        fits.append((mitm_ops, "mitm"))
    if not fits:
        mitm_text = human_bytes(mitm_bytes) if mitm_ok else "not applicable (n or weights too large)"
        raise BudgetExceeded(f"no exact pre-filter method fits the memory budget of "
                             f"{human_bytes(limit)}: dp needs {human_bytes(dp_bytes)}, mitm "
                             f"{mitm_text}; raise --memory-budget")
    return min(fits)[1]


class Report:
    """The answers of one command on one problem, with what it took.

    ``answers`` may be built lazily (a cover of millions of targets keeps its witnesses as one
    bool matrix until someone asks for the per-target records); ``status_counts`` is then given
    up front so the overall status needs no materialization.
    """

    def __init__(self, command: str, problem: Problem, method: str, answers: list[Answer] | None = None,
                 *, lazy=None, status_counts: dict | None = None, timings: dict | None = None,
                 extra: dict | None = None):
        self.command, self.problem, self.method = command, problem, method
        self._answers, self._lazy = answers, lazy
        self.timings = timings or {}
        self.extra = extra or {}
        if status_counts is None:
            status_counts = {}
            for a in answers:
                status_counts[a.status] = status_counts.get(a.status, 0) + 1
        self.status_counts = status_counts

    @property
    def answers(self) -> list[Answer]:
        if self._answers is None:
            self._answers = self._lazy()
        return self._answers

    @answers.setter
    def answers(self, value: list[Answer]) -> None:
        self._answers = value

    @property
    def num_targets(self) -> int:
        return sum(self.status_counts.values())

    @property
    def status(self) -> Status:
        """``sat-verified`` if every target is, ``unknown`` if any is, else ``unsat-exhaustive``."""
        present = {s for s, c in self.status_counts.items() if c}
        if present == {Status.SAT_VERIFIED}:
            return Status.SAT_VERIFIED
        if Status.UNKNOWN in present or not present:
            return Status.UNKNOWN
        return Status.UNSAT_EXHAUSTIVE

    def to_json(self, with_answers: bool = True) -> dict:
        single = self.num_targets == 1
        first = self.answers[0] if single else None
        out = {
            "command": self.command,
            "status": self.status.value,
            "method": self.method,
            "instance_sha256": self.problem.sha256,
            "kind": self.problem.kind,
            "n": self.problem.n,
            "num_targets": self.num_targets,
            "status_counts": {s.value: c for s, c in self.status_counts.items() if c},
            "witness": list(first.witness) if first is not None and first.witness is not None else None,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "versions": versions(),
        }
        out.update(self.extra)
        if with_answers:
            out["answers"] = [a.to_json() for a in self.answers]
        return out


def _verified(plain: _Plain, i: int, witness, method: str, optimal: bool | None = None) -> Answer:
    """Replay ``witness`` on the original problem; a failure is a bug, never a "yes"."""
    t = plain.targets[i]
    why = witness_error(plain.problem, t, witness)
    if why is not None:
        raise InternalError(f"{method} produced a witness for target {t} that does not replay: {why}")
    evidence = f"witness of {len(witness)} elements replayed in exact integer arithmetic"
    return Answer(t, Status.SAT_VERIFIED, method, evidence, tuple(int(x) for x in witness), optimal)


def _unsat(plain: _Plain, i: int, method: str) -> Answer:
    n = plain.problem.n
    scope = f"subsets of exactly {plain.problem.size} elements" if plain.problem.size is not None \
        else f"all 2^{n} subsets"
    how = {"dp": f"the reachable-sum table of {scope} does not contain it",
           "mitm": f"no pair of half-sums ({scope}, split {n // 2} + {n - n // 2}) adds up to it"}[method]
    gcd = f" (weights divided by their gcd {plain.g})" if plain.g > 1 else ""
    return Answer(plain.targets[i], Status.UNSAT_EXHAUSTIVE, "dp-bitset" if method == "dp" else "mitm",
                  how + gcd)


def _decide(command: str, problem: Problem, method: str, budget) -> tuple[Report, list]:
    """Answer every target: the conditions first, then one bitset for all targets at once
    (vectorized witnesses) or one meet-in-the-middle search per target. Returns the report and
    the list of unreachable targets."""
    t0 = time.perf_counter()
    plain = _plain(problem)
    fewest = problem.objective == "fewest"
    cardinality = problem.size is not None or fewest
    todo = np.array([i for i, s in enumerate(plain.scalar) if s is not None], dtype=np.int64)
    chosen = "conditions"
    if todo.size:
        chosen = choose_method(plain.weights, method, cardinality, budget, int(todo.size))
        if chosen == "mitm" and todo.size > MITM_MAX_TARGETS:
            raise BudgetExceeded(f"meet-in-the-middle searches once per target; {todo.size:,} "
                                 f"targets is over its limit of {MITM_MAX_TARGETS:,}; use "
                                 f"--method dp or fewer targets")
    if chosen == "dp":
        build, counts, timings, unreachable = _cover_dp(plain, todo, cardinality, fewest, budget,
                                                        list(plain.refuted))
        report = Report(command, problem, "dp-bitset", lazy=build, status_counts=counts, timings=timings)
    else:
        answers, timings = _search_mitm(plain, todo, fewest, budget)
        report = Report(command, problem, chosen, answers, timings=timings)
        unreachable = [a.target for a in answers if not a.status.is_sat]
    report.timings["total"] = time.perf_counter() - t0
    return report, unreachable


def _search_mitm(plain: _Plain, todo: np.ndarray, fewest: bool, budget) -> tuple[list, dict]:
    answers = list(plain.refuted)
    timings = {}
    if not todo.size:
        return answers, timings
    t1 = time.perf_counter()
    table = MeetInTheMiddle(plain.weights, budget=budget)
    timings["table"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    for i in todo.tolist():
        t = plain.scalar[i]
        if fewest:
            best = table.fewest(t)
            w = None if best is None else best[1]
        else:
            w = table.witness(t, k=plain.problem.size)
        answers[i] = _unsat(plain, i, "mitm") if w is None else \
            _verified(plain, i, w, "mitm", True if fewest else None)
    timings["search"] = time.perf_counter() - t2
    return answers, timings


def solve(problem: Problem, method: str = "auto", budget=None) -> Report:
    """Decide every target of ``problem`` (see the module docstring).

    >>> r = solve(SubsetSum(weights=[3, -5, 7], targets=[2, 1]))
    >>> [(a.target, a.status.value, a.witness) for a in r.answers]
    [(2, 'sat-verified', (1, 2)), (1, 'unsat-exhaustive', None)]
    """
    return _decide("solve", problem, method, budget)[0]


def cover(problem: Problem, method: str = "auto", budget=None) -> Report:
    """Decide every target of the problem's range or list at once, with a replayed witness for
    each reachable one. ``report.extra`` holds ``reachable_count`` and ``unreachable`` (the exact
    list of unreachable targets).

    >>> r = cover(SubsetSum(weights=[2, 3], targets={"range": [0, 5]}))
    >>> r.extra["reachable_count"], r.extra["unreachable"]
    (4, [1, 4])
    """
    report, unreachable = _decide("cover", problem, method, budget)
    report.extra.update({"reachable_count": report.num_targets - len(unreachable),
                         "unreachable": unreachable})
    return report


def _cover_dp(plain: _Plain, todo: np.ndarray, cardinality: bool, fewest: bool, budget,
              answers: list) -> tuple:
    """Reachability and replayed witnesses for the targets ``todo`` from one bitset; returns a
    builder for the per-target answers (run on demand), status counts and timings."""
    problem = plain.problem
    timings = {}
    t1 = time.perf_counter()
    table = ReachableSums(plain.weights, cardinality=cardinality, budget=budget)
    scalar = [plain.scalar[i] for i in todo.tolist()]
    if max(abs(x) for x in scalar) >= 2**62:
        raise BudgetExceeded("cover: packed targets exceed 62 bits; use solve per target")
    scalar = np.array(scalar, dtype=np.int64)
    lo, hi = int(scalar.min()), int(scalar.max())
    if fewest:
        sizes = table.fewest_array(lo, hi)[scalar - lo]
        reach = sizes >= 0
    else:
        reach = table.reachable_mask(lo, hi, problem.size)[scalar - lo]
        sizes = None
    timings["table"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    hit, miss = todo[reach], todo[~reach]
    if fewest:
        row_sizes = sizes[reach]
    else:
        row_sizes = problem.size
    chosen = table.witnesses(scalar[reach], row_sizes, budget) if hit.size else \
        np.zeros((0, problem.n), dtype=bool)
    timings["witnesses"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    _replay_all(plain, hit, chosen, fewest)
    timings["replay"] = time.perf_counter() - t3

    def build() -> list[Answer]:
        out = list(answers)
        rows, cols = np.nonzero(chosen)
        bounds = np.searchsorted(rows, np.arange(hit.size + 1))
        cols = cols.tolist()
        for r, i in enumerate(hit.tolist()):
            w = tuple(cols[bounds[r]:bounds[r + 1]])
            out[i] = Answer(plain.targets[i], Status.SAT_VERIFIED, "dp-bitset",
                            f"witness of {len(w)} elements replayed in exact integer arithmetic",
                            w, True if fewest else None)
        for i in miss.tolist():
            out[i] = _unsat(plain, i, "dp")
        return out

    counts = {Status.SAT_VERIFIED: int(hit.size), Status.UNSAT_EXHAUSTIVE: int(miss.size)}
    for a in answers:
        if a is not None:
            counts[a.status] = counts.get(a.status, 0) + 1
    unreachable = [plain.targets[i] for i in sorted(set(range(len(plain.targets))) - set(hit.tolist()))]
    return build, counts, timings, unreachable


def _replay_all(plain: _Plain, rows: np.ndarray, chosen: np.ndarray, fewest: bool) -> None:
    """Replay every witness row on the original problem (vectorized), or raise: a bug."""
    if not rows.size:
        return
    problem = plain.problem
    if problem.size is not None and np.any(chosen.sum(axis=1) != problem.size):
        raise InternalError("a cover witness has the wrong number of elements")
    if isinstance(problem, VectorSubsetSum):
        for j in range(problem.dim):
            coords = [w[j] for w in problem.weights]
            want = np.array([plain.targets[i][j] for i in rows.tolist()], dtype=object)
            if not replay_rows(coords, chosen, want).all():
                raise InternalError(f"a cover witness does not replay (coordinate {j})")
        return
    want = np.array([plain.targets[i] for i in rows.tolist()], dtype=object)
    if not replay_rows(problem.weights, chosen, want).all():
        raise InternalError("a cover witness does not replay")


def count(problem: Problem, method: str = "auto", budget=None) -> Report:
    """Exact number of subsets reaching each target (of exactly ``size`` elements if set).

    The answers come from :func:`cover` (a replayed witness for every target with a positive
    count), and the counts from an independent exact method (``SolutionCounts`` for ``dp``,
    meet-in-the-middle counting for ``mitm``): if the two disagree on whether a target is
    reachable, that is a ``MethodDisagreement``, never a vote. ``report.extra["counts"]`` lists
    the counts in target order.

    >>> count(SubsetSum(weights=[1, 1, 2], targets=[2, 5])).extra["counts"]
    [2, 0]
    """
    t0 = time.perf_counter()
    base = cover(problem, method, budget)
    plain = _plain(problem)
    todo = [i for i, s in enumerate(plain.scalar) if s is not None]
    counts = [0] * len(plain.targets)
    counter = base.method
    if todo:
        if counter == "dp-bitset":
            rows = sum(abs(a) for a in plain.weights) + 1
            slot = 64 * -(-(problem.n + 1) // 64) * (problem.n + 1 if problem.size is not None else 1)
            if 3 * rows * slot // 8 > resolve_budget(budget) and problem.n <= MITM_MAX_N:
                counter = "mitm"  # the count table is 64x wider than the bitset
        t1 = time.perf_counter()
        if counter == "dp-bitset":
            table = SolutionCounts(plain.weights, size=problem.size, budget=budget)
            wanted = [plain.scalar[i] for i in todo]
            lo = min(wanted)
            span = table.counts(lo, max(wanted))
            for i, t in zip(todo, wanted):
                counts[i] = span[t - lo]
        else:
            table = MeetInTheMiddle(plain.weights, budget=budget)
            for i in todo:
                counts[i] = table.count(plain.scalar[i], problem.size)
        base.timings["count"] = time.perf_counter() - t1
    answers = []
    for a, c in zip(base.answers, counts):
        if (c > 0) != a.status.is_sat:
            raise MethodDisagreement(f"target {a.target}: {a.method} says {a.status.value} but "
                                     f"{counter} counts {c} solutions")
        answers.append(replace(a, extra={**a.extra, "count": c}))
    base.timings["total"] = time.perf_counter() - t0
    base.command, base.answers = "count", answers  # same statuses: status_counts still hold
    base.extra.update({"counts": counts, "total_solutions": sum(counts), "count_method": counter})
    return base
