"""Deciding, covering and counting subset-sum problems with the exact pre-filter methods.

Three questions, each answered per target with an evidence-graded status (``verify.status``):

- ``solve``: is each target reachable? A "yes" carries a witness replayed in exact arithmetic
  (``sat-verified``); a "no" names its exhaustive method (``unsat-exhaustive``: ``range``,
  ``gcd``, ``size-range``, ``dp-bitset``, ``mitm`` or ``schroeppel-shamir``). For
  ``objective: fewest`` the witness has the fewest elements and ``optimal`` is True (the method
  is exhaustive).
- ``cover``: the same for every target of a range or list at once, with vectorized witnesses.
- ``count``: exact numbers of solutions per target.

Methods: ``dp`` (reachable-sum bitsets, cost ∝ n · sum range), ``mitm`` (meet in the middle,
cost ∝ 2^(n/2), any magnitude: exact Python integers beyond int64 up to n = 32),
``schroeppel-shamir`` (cost ∝ 2^(n/2) in memory ∝ 2^(n/4); one target at a time, no size or
"fewest", int64 sums), ``auto`` (cheap conditions first, then the method with the smallest
estimated cost that fits the memory budget, ``verify.solve.methods``). The choice changes speed,
never an answer. ``cpsat`` and ``sat`` ask a solver per target, each answer graded by its
evidence (``verify.solve.grading``). Vector problems keep their vectors: ``dp`` and ``mitm`` run
``dp-vector`` and ``mitm-vector``, every coordinate exact and separate
(``verify.solve.vector_exact``), and ``auto`` chooses between them (``choose_vector_method``).
``representation`` (only when named, never by ``auto``) searches for a witness by the
representation technique: a found subset is replayed, a miss is ``unknown``, never "no".

The overall status of a report answers "is every target reachable?": ``sat-verified`` if all
are, ``unsat-exhaustive`` if some target is certainly unreachable, ``unknown`` otherwise.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from verify.errors import BudgetExceeded, InputError, MethodDisagreement
from verify.heuristics.subset_sum import HEURISTICS
from verify.prefilter.budget import require, resolve_budget
from verify.prefilter.counting import SolutionCounts
from verify.prefilter.mitm import MeetInTheMiddle
from verify.prefilter.representation import RepresentationOptions, representation_search
from verify.problems import Problem, SubsetSum, TargetRange
from verify.seeding import as_generator
from verify.solve.exact import backing, cover_dp, search_mitm, search_ss, unsat_evidence, verified
from verify.solve.grading import SatTarget, SolverOptions, cpsat_answer, cpsat_answers, sat_answer
from verify.solve.methods import (
    COUNT_METHODS,
    METHODS,
    MITM_MAX_N,
    MITM_MAX_TARGETS,
    SS,
    choose_method,
    choose_vector_method,
    dp_cost,
    mitm_cost,
    ss_cost,
)
from verify.solve.report import Report
from verify.solve.screening import Plain, screen
from verify.solve.vector_exact import (
    LABELS,
    cover_vector_dp,
    search_vector_mitm,
    vector_backing,
    vector_counts,
    vector_evidence,
)
from verify.status import Answer, Status
from verify.status_line import quiet

PRIMAL_MIN_OPS = 1_000_000  # the exhaustive method's estimated cost (about 1 ms) above which to try CKK first
PRIMAL_NODES = 512  # CKK's node budget: about 0.25 ms here


def _primal(command: str, method: str, chosen: str, plain: Plain, cardinality: bool) -> Answer | None:
    """``auto`` on one one-dimensional target whose exhaustive method is expensive: a short
    complete-Karmarkar-Karp search first. A subset it finds is replayed like any witness (the
    answer is ``sat-verified`` by ``ckk``); when it finds none, nothing is concluded and the
    exhaustive method runs as usual. Easy instances (many solutions) are answered in a fraction
    of the table's time."""
    if command != "solve" or method != "auto" or plain.todo.size != 1 or cardinality \
            or not isinstance(plain.problem, SubsetSum) or chosen not in ("dp", "mitm", SS):
        return None
    cost = {"dp": lambda w: dp_cost(w, False), "mitm": mitm_cost, SS: ss_cost}[chosen](plain.weights)[0]
    if cost < PRIMAL_MIN_OPS:
        return None

    i = int(plain.todo[0])
    found, _ = HEURISTICS["ckk"](plain.weights, int(plain.scalar[0]), size=None, rng=as_generator(0),
                                 time_limit=None, max_nodes=PRIMAL_NODES)
    if found is None or sum(plain.weights[j] for j in found) != int(plain.scalar[0]):
        return None
    return verified(plain, i, sorted(found), "ckk")


def _choose(plain: Plain, method: str, cardinality: bool, budget, command: str = "solve") -> str:
    """The method that answers the targets the conditions left: ``conditions`` when none is
    left; ``auto`` takes the pre-filter when a method fits the budget, SAT otherwise (for
    ``count``, never the pre-filter method that cannot count)."""
    if not plain.todo.size:
        return "conditions"
    if method in ("cpsat", "sat", "representation"):
        chosen = method
    else:
        try:
            chosen = choose_vector_method(plain.weights, method, cardinality, budget, plain.scalar.tolist()) \
                if plain.vector else choose_method(plain.weights, method, cardinality, budget, int(plain.todo.size),
                                                   exclude=(SS,) if command == "count" else ())
        except BudgetExceeded:
            if method != "auto":
                raise
            chosen = "sat"  # too large for any exact table: a solver, with proofs
    if chosen != "dp" and plain.todo.size > MITM_MAX_TARGETS:
        raise BudgetExceeded(f"{chosen} answers one target at a time; {plain.todo.size:,} "
                             f"targets is over its limit of {MITM_MAX_TARGETS:,}; use "
                             f"--method dp or fewer targets")
    return chosen


@dataclass(frozen=True)
class _Table:
    """What ``_decide`` settled before answering from a table: the ``chosen`` method (``dp``,
    or none when the conditions decided every target), the ``label`` its answers carry, and
    whether a size or "fewest" bounds the subset (``cardinality``; ``fewest``)."""

    chosen: str
    label: str
    cardinality: bool
    fewest: bool


def _table_report(command: str, plain: Plain, table: _Table, budget, reachable: np.ndarray) -> Report:
    """The report of the conditions alone or of one bitset over every target (``dp``), its
    per-target answers built only when asked for; marks the reachable targets."""
    label, fewest = table.label, table.fewest
    cover = cover_vector_dp if plain.vector else cover_dp
    chosen_rows, hit, timings = cover(plain, table.cardinality, fewest, budget) \
        if table.chosen == "dp" else (None, np.zeros(0, dtype=np.int64), {})
    reachable[hit] = True
    miss = plain.todo[~reachable[plain.todo]]
    evidence = (vector_evidence(plain, label) if plain.vector else unsat_evidence(plain, label)) \
        if miss.size else ""

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
    return Report(command, plain.problem, label, lazy=build, status_counts=counts, timings=timings)


def _unsat_methods(report: Report, plain: Plain, reachable: np.ndarray, label: str) -> dict:
    """How many targets each method refuted (or left undecided), without building lazy answers."""
    if report.has_answers:  # per-target answers: count what backs each "no"
        methods = Counter(a.method for a in report.answers if not a.status.is_sat)
    else:
        methods = Counter(a.method for a in plain.refuted.values())
        unsat_todo = int(plain.todo.size - reachable[plain.todo].sum())
        if unsat_todo:
            methods[label] += unsat_todo
    return dict(sorted(methods.items()))


def _decide(command: str, problem: Problem, method: str, budget,
            options: SolverOptions | None = None, progress=quiet) -> tuple[Report, np.ndarray]:
    """Answer every target: the conditions first, then one bitset for all targets at once
    (vectorized witnesses), one meet-in-the-middle search per target, or one solver run per
    target (``_choose``). Returns the report and a bool array over the targets: reachable (a
    replayed witness) or not."""
    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    t0 = time.perf_counter()
    require(problem.num_targets * 96, budget, f"answering {problem.num_targets:,} targets",
            "ask for fewer targets or raise --memory-budget")
    plain = screen(problem)
    fewest = problem.objective == "fewest"
    cardinality = problem.size is not None or fewest
    chosen = _choose(plain, method, cardinality, budget, command)
    label = LABELS.get(chosen, chosen) if plain.vector else "dp-bitset" if chosen == "dp" else chosen
    reachable = np.zeros(len(plain.targets), dtype=bool)
    primal = _primal(command, method, chosen, plain, cardinality)
    if primal is not None:
        answers = [plain.refuted.get(i) for i in range(len(plain.targets))]
        answers[int(plain.todo[0])] = primal
        reachable[int(plain.todo[0])] = True
        label = primal.method
        report = Report(command, problem, label, answers, timings={"primal": time.perf_counter() - t0})
    elif chosen in ("mitm", SS, "cpsat", "sat", "representation"):
        if chosen == "mitm":
            answers, timings = (search_vector_mitm if plain.vector else search_mitm)(plain, fewest, budget)
        elif chosen == SS:
            answers, timings = search_ss(plain, budget)
        elif chosen == "representation":
            answers, timings = _search_representation(plain, options or SolverOptions(), budget)
        else:
            answers, timings = _search_solver(plain, chosen, options or SolverOptions(), budget, progress)
        reachable[:] = [a.status.is_sat for a in answers]
        report = Report(command, problem, label, answers, timings=timings)
    else:
        report = _table_report(command, plain, _Table(chosen, label, cardinality, fewest), budget, reachable)
    report.extra["unsat_methods"] = _unsat_methods(report, plain, reachable, label)
    report.timings["total"] = time.perf_counter() - t0
    return report, reachable


REPRESENTATION_TIME_LIMIT = 60.0  # seconds per target when --time-limit is not given: a miss never ends it


def _search_representation(plain: Plain, options: SolverOptions, budget) -> tuple[list, dict]:
    """Every target's answer from the representation search (``verify.prefilter.representation``):
    a found subset replayed (``sat-verified``), a miss ``unknown`` (never "no"). The seed is the
    instance's content hash, so a run is reproducible up to where the time limit cuts it."""
    if plain.problem.objective == "fewest":
        raise InputError("method representation: it finds a subset, not the fewest elements; use dp or mitm")
    if plain.vector:
        raise InputError("method representation: it searches one-dimensional instances; for a vector "
                         "instance use auto, dp, mitm, cpsat or sat")
    answers: list = [None] * len(plain.targets)
    for i, a in plain.refuted.items():
        answers[i] = a
    t1 = time.perf_counter()
    limit = REPRESENTATION_TIME_LIMIT if options.time_limit is None else options.time_limit
    for i, t in zip(plain.todo.tolist(), plain.scalar.tolist()):
        found = representation_search(plain.weights, int(t), plain.problem.size, RepresentationOptions(
            seed=int(plain.problem.sha256[:15], 16), time_limit=limit, budget=budget))
        if found.witness is not None:
            answers[i] = verified(plain, i, found.witness, "representation")
            answers[i].extra["attempts"] = found.attempts
        else:
            answers[i] = Answer(plain.target(i), Status.UNKNOWN, "representation",
                                f"no subset found by the representation search ({found.reason}); "
                                f"a miss is not evidence that none exists")
    return answers, {"search": time.perf_counter() - t1}


def _search_solver(plain: Plain, method: str, options: SolverOptions, budget,
                   progress=quiet) -> tuple[list, dict]:
    """Every target's answer from ``sat`` or ``cpsat`` (``verify.solve.grading``), each "no"
    without a checked proof confirmed by an exact table when one fits; and the timings."""
    answers: list = [None] * len(plain.targets)
    for i, a in plain.refuted.items():
        answers[i] = a
    exact = (vector_backing if plain.vector else backing)(plain, budget)
    t1 = time.perf_counter()
    if method == "cpsat" and plain.todo.size > 1 and plain.problem.objective is None:
        todo = plain.todo.tolist()
        progress(f"CP-SAT on {len(todo):,} targets at once")
        found = cpsat_answers(plain.problem, [plain.target(i) for i in todo], plain.scalar.tolist(),
                              options, exact)
        for i, a in zip(todo, found):
            answers[i] = a
        return answers, {"search": time.perf_counter() - t1}
    for done, (i, t) in enumerate(zip(plain.todo.tolist(), plain.scalar.tolist())):
        progress(f"{method} on target {done + 1:,} of {plain.todo.size:,}")
        target = plain.target(i)
        try:
            if method == "sat":
                build = budget if options.build_budget is None else options.build_budget
                question = SatTarget(problem=plain.problem, target=target, weights=plain.weights, t=t,
                                     backing=exact, stem=f"{plain.problem.sha256[:16]}-target{i}",
                                     divisor=plain.g)
                answers[i] = sat_answer(question, options, resolve_budget(build))
            else:
                answers[i] = cpsat_answer(plain.problem, target, t, options, exact)
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
    if report.has_answers:
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
    if method not in COUNT_METHODS:
        raise InputError(f"method: count supports {', '.join(COUNT_METHODS)}, got {method!r}")
    t0 = time.perf_counter()
    base, reachable = _decide("count", problem, method, budget)
    plain = screen(problem)
    counts = [0] * len(plain.targets)
    counter = base.method
    if plain.todo.size and plain.vector:
        t1 = time.perf_counter()
        found, counter = vector_counts(plain, budget)
        for i, c in zip(plain.todo.tolist(), found):
            counts[i] = c
        base.timings["count"] = time.perf_counter() - t1
    elif plain.todo.size:
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
