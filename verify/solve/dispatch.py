"""Deciding, covering and counting subset-sum problems with the exact pre-filter methods.

Three questions, each answered per target with an evidence-graded status (``verify.status``):

- ``solve``: is each target reachable? A "yes" carries a witness replayed in exact arithmetic
  (``sat-verified``); a "no" names its exhaustive method (``unsat-exhaustive``: ``range``,
  ``gcd``, ``size-range``, ``dp-bitset`` or ``mitm``). For ``objective: fewest`` the witness has
  the fewest elements and ``optimal`` is True (the method is exhaustive).
- ``cover``: the same for every target of a range or list at once, with vectorized witnesses.
- ``count``: exact numbers of solutions per target.

Methods: ``dp`` (reachable-sum bitsets, cost ∝ n · sum range), ``mitm`` (meet in the middle,
cost ∝ 2^(n/2), any magnitude: exact Python integers beyond int64 up to n = 32), ``auto`` (cheap conditions first, then the method with the smaller
estimated cost that fits the memory budget). The choice changes speed, never an answer.

The overall status of a report answers "is every target reachable?": ``sat-verified`` if all
are, ``unsat-exhaustive`` if some target is certainly unreachable, ``unknown`` otherwise.
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from verify import __version__
from verify.errors import BudgetExceeded, InputError, InternalError, MethodDisagreement
from verify.prefilter.bitset import ReachableSums
from verify.prefilter.budget import human_bytes, require, resolve_budget
from verify.prefilter.conditions import Conditions, gcd_of
from verify.prefilter.counting import SolutionCounts
from verify.prefilter.mitm import MeetInTheMiddle, applies, fits_int64, memory_needed
from verify.prefilter.vector import scalarize
from verify.solve.grading import SolverOptions, cpsat_answer, cpsat_answers, sat_answer
from verify.problems import Problem, SubsetSum, TargetRange, VectorSubsetSum  # noqa: F401 (SubsetSum: doctests)
from verify.status import Answer, Status
from verify.status_line import quiet
from verify.witness import replay_rows, witness_error

METHODS = ("auto", "dp", "mitm", "cpsat", "sat")
PREFILTER_METHODS = ("auto", "dp", "mitm")
MITM_MAX_N = 60  # beyond this 2^(n/2) tables exceed any sensible memory budget
MITM_MAX_TARGETS = 10_000  # meet in the middle answers one target per pass


def versions() -> dict:
    """Versions of everything that may have produced a result (None: not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"slth-verify": __version__, "python": platform.python_version()}
    for package in ("numpy", "ortools", "python-sat", "dratify", "cdclkit-native"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


def _int_array(values) -> np.ndarray:
    """int64 when every value fits (with room for the arithmetic below), else exact objects."""
    arr = np.array(values, dtype=object)
    if arr.size and max(int(arr.max()), -int(arr.min())) < 2**62:
        return arr.astype(np.int64)
    return arr


@dataclass
class _Plain:
    """A problem reduced to one dimension, its targets screened by the cheap conditions, and its
    weights divided by their gcd."""

    problem: Problem
    weights: tuple[int, ...]  # scalar weights (packed for vectors), divided by g
    g: int
    targets: np.ndarray  # the problem's targets as given (int64 or objects; tuples for vectors)
    todo: np.ndarray  # indices of the targets the conditions did not refute
    scalar: np.ndarray  # for each todo index: the packed target divided by g
    refuted: dict[int, Answer]  # index -> the refutation of that target

    def target(self, i: int):
        t = self.targets[i]
        return t if isinstance(t, tuple) else int(t)


def _plain(problem: Problem) -> _Plain:
    if isinstance(problem.targets, TargetRange) and max(abs(problem.targets.lo), abs(problem.targets.hi)) < 2**62:
        targets = np.arange(problem.targets.lo, problem.targets.hi + 1, dtype=np.int64)
    elif isinstance(problem, VectorSubsetSum):
        targets = np.empty(problem.num_targets, dtype=object)
        targets[:] = problem.target_list()
    else:
        targets = _int_array(problem.target_list())
    refuted: dict[int, Answer] = {}
    if isinstance(problem, VectorSubsetSum):
        s = scalarize(problem.weights, problem.target_list())
        weights = s.weights
        for i, why in enumerate(s.refutations):
            if why is not None:
                refuted[i] = Answer(problem.targets[i], Status.UNSAT_EXHAUSTIVE, "range", why)
        candidates = np.array([i for i, v in enumerate(s.targets) if v is not None], dtype=np.int64)
        packed = _int_array([s.targets[i] for i in candidates.tolist()])
    else:
        weights = problem.weights
        candidates = np.arange(len(targets), dtype=np.int64)
        packed = targets
    g = gcd_of(weights)
    conditions = Conditions(weights, problem.size, g)
    ok = (packed >= conditions.lo) & (packed <= conditions.hi)
    if g == 0:
        ok &= packed == 0
    elif g > 1:
        ok &= packed % g == 0
    if problem.size is not None:
        ok &= (packed >= conditions.size_lo) & (packed <= conditions.size_hi)
    ok = ok.astype(bool)
    for i, v in zip(candidates[~ok].tolist(), packed[~ok].tolist()):
        r = conditions.refute(int(v))
        refuted[i] = Answer(problem.targets[i] if isinstance(problem, VectorSubsetSum) else int(v),
                            Status.UNSAT_EXHAUSTIVE, r.method, r.evidence)
    divisor = max(g, 1)
    return _Plain(problem, tuple(a // divisor for a in weights), divisor, targets,
                  candidates[ok], _int_array((packed[ok] // divisor).tolist()), refuted)


def _dp_cost(weights, cardinality: bool) -> tuple[int, int]:
    """(estimated word operations, bytes) of the bitset method with witness layers."""
    n = len(weights)
    rows = sum(abs(a) for a in weights) + 1
    slot = 8 * -(-(n + 1) // 8) if cardinality else 1
    bits = rows * slot
    return n * bits // 32 + 1, n * bits // 16 + bits // 2


MITM_OBJECT_COST = 30  # Python-integer tables against int64 ones (measured: 0.65 s at n = 32)


def _mitm_cost(weights) -> tuple[int, int]:
    # calibrated 2026-12-02 against _dp_cost: about 0.22 ns per unit here against 0.7-2.4 ns for dp
    n = len(weights)
    ops = (1 << (n // 2)) * (n + 20) * 2
    return ops if fits_int64(weights) else ops * MITM_OBJECT_COST, memory_needed(n, weights)


def choose_method(weights, method: str, cardinality: bool, budget, targets: int = 1) -> str:
    """``dp`` or ``mitm`` for ``method``; ``auto`` picks the cheaper one for ``targets`` queries
    that fits the budget (the bitset answers them all at once, meet-in-the-middle one by one).

    Raises ``BudgetExceeded`` naming both costs when nothing fits.
    """
    if method not in PREFILTER_METHODS:
        raise InputError(f"method: expected one of {', '.join(PREFILTER_METHODS)}, got {method!r}")
    if method != "auto":
        return method
    limit = resolve_budget(budget)
    n = len(weights)
    dp_ops, dp_bytes = _dp_cost(weights, cardinality)
    dp_ops += targets * n
    mitm_ok = n <= MITM_MAX_N and applies(weights)
    mitm_ops, mitm_bytes = _mitm_cost(weights) if mitm_ok else (None, None)
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

    def annotate_answers(self, key: str, values: list) -> None:
        """Add ``key: value`` to each answer's extras, lazily like the answers themselves."""
        previous = self._lazy if self._answers is None else (lambda answers=self._answers: answers)
        self._answers = None
        self._lazy = lambda: [replace(a, extra={**a.extra, key: v}) for a, v in zip(previous(), values)]

    @property
    def num_targets(self) -> int:
        return sum(self.status_counts.values())

    @property
    def status(self) -> Status:
        """The answer to "is every target reachable?": ``sat-verified`` if every target is;
        else the strongest evidence that some target is not (``unsat-exhaustive``, then
        ``unsat-proof-checked``); else ``unknown`` if some target is undecided; else
        ``unsat-claimed``."""
        present = {s for s, c in self.status_counts.items() if c}
        if present == {Status.SAT_VERIFIED}:
            return Status.SAT_VERIFIED
        for certified in (Status.UNSAT_EXHAUSTIVE, Status.UNSAT_PROOF_CHECKED):
            if certified in present:
                return certified
        if Status.UNKNOWN in present or not present:
            return Status.UNKNOWN
        return Status.UNSAT_CLAIMED

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
    t = plain.target(i)
    why = witness_error(plain.problem, t, witness)
    if why is not None:
        raise InternalError(f"{method} produced a witness for target {t} that does not replay: {why}")
    evidence = f"witness of {len(witness)} elements replayed in exact integer arithmetic"
    return Answer(t, Status.SAT_VERIFIED, method, evidence, tuple(int(x) for x in witness), optimal)


def _unsat_evidence(plain: _Plain, method: str) -> str:
    n = plain.problem.n
    scope = f"subsets of exactly {plain.problem.size} elements" if plain.problem.size is not None \
        else f"all 2^{n} subsets"
    how = {"dp-bitset": f"the reachable-sum table of {scope} does not contain it",
           "mitm": f"no pair of half-sums ({scope}, split {n // 2} + {n - n // 2}) adds up to it"}[method]
    return how + (f" (weights divided by their gcd {plain.g})" if plain.g > 1 else "")


PRIMAL_MIN_OPS = 1_000_000  # the exhaustive method's estimated cost (about 1 ms) above which to try CKK first
PRIMAL_NODES = 512  # CKK's node budget: about 0.25 ms here


def _primal(command: str, method: str, chosen: str, plain: _Plain, cardinality: bool) -> Answer | None:
    """``auto`` on one one-dimensional target whose exhaustive method is expensive: a short
    complete-Karmarkar-Karp search first. A subset it finds is replayed like any witness (the
    answer is ``sat-verified`` by ``ckk``); when it finds none, nothing is concluded and the
    exhaustive method runs as usual. Easy instances (many solutions) are answered in a fraction
    of the table's time."""
    if command != "solve" or method != "auto" or plain.todo.size != 1 or cardinality \
            or not isinstance(plain.problem, SubsetSum) or chosen not in ("dp", "mitm"):
        return None
    cost = _dp_cost(plain.weights, False)[0] if chosen == "dp" else _mitm_cost(plain.weights)[0]
    if cost < PRIMAL_MIN_OPS:
        return None
    from verify.heuristics.subset_sum import HEURISTICS
    from verify.seeding import as_generator

    i = int(plain.todo[0])
    found, _ = HEURISTICS["ckk"](plain.weights, int(plain.scalar[0]), size=None, rng=as_generator(0),
                                 time_limit=None, max_nodes=PRIMAL_NODES)
    if found is None or sum(plain.weights[j] for j in found) != int(plain.scalar[0]):
        return None
    return _verified(plain, i, sorted(found), "ckk")


def _decide(command: str, problem: Problem, method: str, budget,
            options: SolverOptions | None = None, progress=quiet) -> tuple[Report, np.ndarray]:
    """Answer every target: the conditions first, then one bitset for all targets at once
    (vectorized witnesses), one meet-in-the-middle search per target, or one solver run per
    target. ``auto`` uses the pre-filter when a method fits the budget, SAT otherwise. Returns
    the report and a bool array over the targets: reachable (a replayed witness) or not."""
    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    t0 = time.perf_counter()
    require(problem.num_targets * 96, budget, f"answering {problem.num_targets:,} targets",
            "ask for fewer targets or raise --memory-budget")
    plain = _plain(problem)
    fewest = problem.objective == "fewest"
    cardinality = problem.size is not None or fewest
    chosen = "conditions"
    if plain.todo.size:
        if method in ("cpsat", "sat"):
            chosen = method
        else:
            try:
                chosen = choose_method(plain.weights, method, cardinality, budget, int(plain.todo.size))
            except BudgetExceeded:
                if method != "auto":
                    raise
                chosen = "sat"  # too large for any exact table: a solver, with proofs
        if chosen != "dp" and plain.todo.size > MITM_MAX_TARGETS:
            raise BudgetExceeded(f"{chosen} answers one target at a time; {plain.todo.size:,} "
                                 f"targets is over its limit of {MITM_MAX_TARGETS:,}; use "
                                 f"--method dp or fewer targets")
    label = "dp-bitset" if chosen == "dp" else chosen
    reachable = np.zeros(len(plain.targets), dtype=bool)
    primal = _primal(command, method, chosen, plain, cardinality)
    if primal is not None:
        answers = [plain.refuted.get(i) for i in range(len(plain.targets))]
        answers[int(plain.todo[0])] = primal
        reachable[int(plain.todo[0])] = True
        label = primal.method
        report = Report(command, problem, label, answers, timings={"primal": time.perf_counter() - t0})
    elif chosen in ("mitm", "cpsat", "sat"):
        if chosen == "mitm":
            answers, timings = _search_mitm(plain, fewest, budget)
        else:
            answers, timings = _search_solver(plain, chosen, options or SolverOptions(), budget, progress)
        reachable[:] = [a.status.is_sat for a in answers]
        report = Report(command, problem, label, answers, timings=timings)
    else:
        chosen_rows, hit, timings = _cover_dp(plain, cardinality, fewest, budget) \
            if chosen == "dp" else (None, np.zeros(0, dtype=np.int64), {})
        reachable[hit] = True
        miss = plain.todo[~reachable[plain.todo]]
        evidence = _unsat_evidence(plain, "dp-bitset") if miss.size else ""

        def build() -> list[Answer]:
            out: list = [None] * len(plain.targets)
            for i, a in plain.refuted.items():
                out[i] = a
            if hit.size:
                rows, cols = np.nonzero(chosen_rows)
                bounds = np.searchsorted(rows, np.arange(hit.size + 1)).tolist()
                cols = cols.tolist()
                for r, i in enumerate(hit.tolist()):
                    w = tuple(cols[bounds[r]:bounds[r + 1]])
                    out[i] = Answer(plain.target(i), Status.SAT_VERIFIED, label,
                                    f"witness of {len(w)} elements replayed in exact integer arithmetic",
                                    w, True if fewest else None)
            for i in miss.tolist():
                out[i] = Answer(plain.target(i), Status.UNSAT_EXHAUSTIVE, label, evidence)
            return out

        counts = {Status.SAT_VERIFIED: int(hit.size),
                  Status.UNSAT_EXHAUSTIVE: int(miss.size) + len(plain.refuted)}
        report = Report(command, problem, label, lazy=build, status_counts=counts, timings=timings)
    if report._answers is not None:  # per-target answers: count what backs each "no"
        methods = Counter(a.method for a in report.answers if not a.status.is_sat)
    else:
        methods = Counter(a.method for a in plain.refuted.values())
        unsat_todo = int(plain.todo.size - reachable[plain.todo].sum())
        if unsat_todo:
            methods[label] += unsat_todo
    report.extra["unsat_methods"] = dict(sorted(methods.items()))
    report.timings["total"] = time.perf_counter() - t0
    return report, reachable


def _search_mitm(plain: _Plain, fewest: bool, budget) -> tuple[list, dict]:
    answers: list = [None] * len(plain.targets)
    for i, a in plain.refuted.items():
        answers[i] = a
    timings = {}
    if not plain.todo.size:
        return answers, timings
    t1 = time.perf_counter()
    table = MeetInTheMiddle(plain.weights, budget=budget)
    timings["table"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    evidence = _unsat_evidence(plain, "mitm")
    for i, t in zip(plain.todo.tolist(), plain.scalar.tolist()):
        if fewest:
            best = table.fewest(t)
            w = None if best is None else best[1]
        else:
            w = table.witness(t, k=plain.problem.size)
        answers[i] = Answer(plain.target(i), Status.UNSAT_EXHAUSTIVE, "mitm", evidence) if w is None \
            else _verified(plain, i, w, "mitm", True if fewest else None)
    timings["search"] = time.perf_counter() - t2
    return answers, timings


def _backing(plain: _Plain, budget):
    """An exact pre-filter decision for single (scalar) targets, built on first use; None when
    no exact method fits the budget. Solvers' unproven "no" answers are checked against it."""
    cache: dict = {}
    size = plain.problem.size

    def decide(t: int):
        if "table" not in cache:
            try:
                m = choose_method(plain.weights, "auto", size is not None, budget)
                cache["table"] = (m, ReachableSums(plain.weights, cardinality=size is not None,
                                                   budget=budget) if m == "dp"
                                  else MeetInTheMiddle(plain.weights, budget=budget))
            except BudgetExceeded:
                cache["table"] = None
        if cache["table"] is None:
            return None
        m, table = cache["table"]
        if m == "dp":
            return table.has(t, size), "dp-bitset"
        return table.witness(t, size) is not None, "mitm"

    return decide


def _search_solver(plain: _Plain, method: str, options: SolverOptions, budget,
                   progress=quiet) -> tuple[list, dict]:
    answers: list = [None] * len(plain.targets)
    for i, a in plain.refuted.items():
        answers[i] = a
    backing = _backing(plain, budget)
    t1 = time.perf_counter()
    if method == "cpsat" and plain.todo.size > 1 and plain.problem.objective is None:
        todo = plain.todo.tolist()
        progress(f"CP-SAT on {len(todo):,} targets at once")
        found = cpsat_answers(plain.problem, [plain.target(i) for i in todo], plain.scalar.tolist(),
                              options, backing)
        for i, a in zip(todo, found):
            answers[i] = a
        return answers, {"search": time.perf_counter() - t1}
    for done, (i, t) in enumerate(zip(plain.todo.tolist(), plain.scalar.tolist())):
        progress(f"{method} on target {done + 1:,} of {plain.todo.size:,}")
        target = plain.target(i)
        try:
            if method == "sat":
                build = budget if options.build_budget is None else options.build_budget
                answers[i] = sat_answer(plain.problem, target, plain.weights, t, options, backing,
                                        f"{plain.problem.sha256[:16]}-target{i}", plain.g,
                                        resolve_budget(build))
            else:
                answers[i] = cpsat_answer(plain.problem, target, t, options, backing)
        except BudgetExceeded as e:  # this target cannot be encoded within the limits
            answers[i] = Answer(target, Status.UNKNOWN, method, str(e))
    return answers, {"search": time.perf_counter() - t1}


def solve(problem: Problem, method: str = "auto", budget=None,
          options: SolverOptions | None = None, progress=quiet) -> Report:
    """Decide every target of ``problem`` (see the module docstring); ``options`` tune the
    ``sat`` and ``cpsat`` methods (solver, encoding, time limit, proof directory); ``progress``
    is told which target a solver is on (``verify.status_line``).

    >>> r = solve(SubsetSum(weights=[3, -5, 7], targets=[2, 1]))
    >>> [(a.target, a.status.value, a.witness) for a in r.answers]
    [(2, 'sat-verified', (1, 2)), (1, 'unsat-exhaustive', None)]
    """
    return _decide("solve", problem, method, budget, options, progress)[0]


def cover(problem: Problem, method: str = "auto", budget=None,
          options: SolverOptions | None = None, progress=quiet) -> Report:
    """Decide every target of the problem's range or list at once, with a replayed witness for
    each reachable one. ``report.extra`` holds ``reachable_count``, ``unreachable`` (the exact
    list of certainly unreachable targets), ``unsat_methods`` (how many each method refuted),
    and when a solver was used ``claimed_unreachable`` (a "no" without checkable evidence) and
    ``undecided`` (a limit was hit).

    >>> r = cover(SubsetSum(weights=[2, 3], targets={"range": [0, 5]}))
    >>> r.extra["reachable_count"], r.extra["unreachable"]
    (4, [1, 4])
    """
    report, reachable = _decide("cover", problem, method, budget, options, progress)
    report.extra["reachable_count"] = int(reachable.sum())
    targets = problem.targets
    undecided = np.zeros(len(reachable), dtype=bool)
    claimed = np.zeros(len(reachable), dtype=bool)
    if report._answers is not None:
        undecided[:] = [a.status is Status.UNKNOWN for a in report.answers]
        claimed[:] = [a.status is Status.UNSAT_CLAIMED for a in report.answers]

    def at(mask):
        where = np.flatnonzero(mask).tolist()
        return [targets.lo + i for i in where] if isinstance(targets, TargetRange) else [targets[i] for i in where]

    report.extra["unreachable"] = at(~reachable & ~undecided & ~claimed)
    if claimed.any():
        report.extra["claimed_unreachable"] = at(claimed)
    if undecided.any():
        report.extra["undecided"] = at(undecided)
    return report


def _cover_dp(plain: _Plain, cardinality: bool, fewest: bool, budget) -> tuple:
    """Reachability and replayed witnesses for the targets ``plain.todo`` from one bitset;
    returns the witness matrix (one row per reachable target), those targets' indices, timings."""
    problem = plain.problem
    timings = {}
    t1 = time.perf_counter()
    table = ReachableSums(plain.weights, cardinality=cardinality, budget=budget)
    if plain.scalar.dtype != np.int64:
        raise BudgetExceeded("the packed targets exceed 62 bits; no bitset can cover them")
    scalar = plain.scalar
    lo, hi = int(scalar.min()), int(scalar.max())
    if fewest:
        sizes = table.fewest_array(lo, hi)[scalar - lo]
        reach = sizes >= 0
        row_sizes = sizes[reach]
    else:
        reach = table.reachable_mask(lo, hi, problem.size)[scalar - lo]
        row_sizes = problem.size
    timings["table"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    hit = plain.todo[reach]
    chosen = table.witnesses(scalar[reach], row_sizes, budget) if hit.size else \
        np.zeros((0, problem.n), dtype=bool)
    timings["witnesses"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    _replay_all(plain, hit, chosen)
    timings["replay"] = time.perf_counter() - t3
    return chosen, hit, timings


def _replay_all(plain: _Plain, rows: np.ndarray, chosen: np.ndarray) -> None:
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
    if not replay_rows(problem.weights, chosen, plain.targets[rows]).all():
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
    if method not in PREFILTER_METHODS:
        raise InputError(f"method: count supports {', '.join(PREFILTER_METHODS)}, got {method!r}")
    t0 = time.perf_counter()
    base, reachable = _decide("count", problem, method, budget)
    plain = _plain(problem)
    counts = [0] * len(plain.targets)
    counter = base.method
    if plain.todo.size:
        if counter == "dp-bitset":
            rows = sum(abs(a) for a in plain.weights) + 1
            slot = 64 * -(-(problem.n + 1) // 64) * (problem.n + 1 if problem.size is not None else 1)
            if 3 * rows * slot // 8 > resolve_budget(budget) and problem.n <= MITM_MAX_N:
                counter = "mitm"  # the count table is 64x wider than the bitset
        t1 = time.perf_counter()
        wanted = plain.scalar.tolist()
        if counter == "dp-bitset":
            table = SolutionCounts(plain.weights, size=problem.size, budget=budget)
            lo = min(wanted)
            span = table.counts(lo, max(wanted))
            for i, t in zip(plain.todo.tolist(), wanted):
                counts[i] = span[t - lo]
        else:
            table = MeetInTheMiddle(plain.weights, budget=budget)
            for i, t in zip(plain.todo.tolist(), wanted):
                counts[i] = table.count(t, problem.size)
        base.timings["count"] = time.perf_counter() - t1
    disagree = np.flatnonzero((np.array(counts, dtype=object) > 0) != reachable)
    if disagree.size:
        i = int(disagree[0])
        raise MethodDisagreement(f"target {plain.target(i)}: {base.method} says "
                                 f"{'reachable' if reachable[i] else 'unreachable'} but {counter} "
                                 f"counts {counts[i]} solutions")
    base.annotate_answers("count", counts)
    base.timings["total"] = time.perf_counter() - t0
    base.extra.update({"counts": counts, "total_solutions": sum(counts), "count_method": counter})
    return base
