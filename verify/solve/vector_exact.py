"""The exact vector methods on a screened vector problem (``Plain`` with vector weights): one
meet-in-the-middle table for every target (``mitm-vector``), one reachable-vector table
covering every target at once (``dp-vector``), the exact decision that confirms or contradicts
a solver's "no", and exact counts. Every coordinate is computed exactly and on its own
(``verify.prefilter.vector_mitm``, ``verify.prefilter.vector_table``); every witness replays on
the original problem (``verify.witness``) before it is an answer.
"""

from __future__ import annotations

import time

from verify.errors import BudgetExceeded
from verify.prefilter.counting import SolutionCounts
from verify.prefilter.vector import scalarize
from verify.prefilter.vector_mitm import VectorMeetInTheMiddle
from verify.prefilter.vector_mitm import applies as mitm_applies
from verify.prefilter.vector_table import VectorTable
from verify.solve.exact import verified
from verify.solve.methods import MITM_MAX_N, choose_vector_method
from verify.solve.screening import Plain
from verify.status import Answer, Status
from verify.witness import replay_matrix

LABELS = {"dp": "dp-vector", "mitm": "mitm-vector"}
DENSE_COUNT_BITS = 1 << 30  # a counting polynomial up to 128 MiB: faster than the half sums


def vector_evidence(plain: Plain, method: str) -> str:
    """The sentence behind an exhaustive "no" of ``dp-vector`` or ``mitm-vector``."""
    n = plain.problem.n
    scope = f"subsets of exactly {plain.problem.size} elements" if plain.problem.size is not None \
        else f"all 2^{n} subsets"
    how = {"dp-vector": f"the reachable set of vector sums of {scope} (every coordinate exact) "
                        f"does not contain it",
           "mitm-vector": f"no pair of half-sum vectors ({scope}, split {n // 2} + {n - n // 2}, "
                          f"every coordinate exact) adds up to it"}[method]
    if any(g > 1 for g in plain.divisors):
        how += f" (coordinates divided by their gcds {list(plain.divisors)})"
    return how


def search_vector_mitm(plain: Plain, fewest: bool, budget) -> tuple[list, dict]:
    """Every target's answer from one vector meet-in-the-middle table (the fewest elements when
    ``fewest``), and the timings."""
    answers: list = [None] * len(plain.targets)
    for i, a in plain.refuted.items():
        answers[i] = a
    timings = {}
    if not plain.todo.size:
        return answers, timings
    t1 = time.perf_counter()
    table = VectorMeetInTheMiddle(plain.weights, budget=budget)
    timings["table"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    evidence = vector_evidence(plain, "mitm-vector")
    for i, t in zip(plain.todo.tolist(), plain.scalar.tolist()):
        if fewest:
            best = table.fewest(t)
            w = None if best is None else best[1]
        else:
            w = table.witness(t, k=plain.problem.size)
        answers[i] = Answer(plain.target(i), Status.UNSAT_EXHAUSTIVE, "mitm-vector", evidence) \
            if w is None else verified(plain, i, w, "mitm-vector", True if fewest else None)
    timings["search"] = time.perf_counter() - t2
    return answers, timings


def cover_vector_dp(plain: Plain, cardinality: bool, fewest: bool, budget) -> tuple:
    """Reachability and replayed witnesses for the targets ``plain.todo`` from one
    reachable-vector table; returns the witness matrix (one row per reachable target), those
    targets' indices, and the timings (as ``verify.solve.exact.cover_dp``)."""
    timings = {}
    t1 = time.perf_counter()
    table = VectorTable(plain.weights, plain.scalar.tolist(), size=plain.problem.size,
                        fewest=fewest, budget=budget)
    timings["table"] = time.perf_counter() - t1
    hit = plain.todo[table.reach]
    t3 = time.perf_counter()
    replay_matrix(plain.problem, plain.targets[hit], table.chosen, "a reachable-vector witness")
    timings["replay"] = time.perf_counter() - t3
    return table.chosen, hit, timings


def vector_backing(plain: Plain, budget):
    """An exact decision for single vector targets (as screened), built on first use; None when
    no exact method fits the budget. Solvers' unproven "no" answers are checked against it."""
    cache: dict = {}
    size = plain.problem.size

    def decide(t):
        t = tuple(t)
        if "mitm" not in cache:
            try:
                m = choose_vector_method(plain.weights, "auto", size is not None, budget, [t])
                cache["mitm"] = VectorMeetInTheMiddle(plain.weights, budget=budget) if m == "mitm" else None
            except BudgetExceeded:
                cache["mitm"] = False
        if cache["mitm"] is False:
            return None
        if cache["mitm"] is None:  # the table is per target set: one small table per question
            try:
                table = VectorTable(plain.weights, [t], size=size, budget=budget)
            except BudgetExceeded:
                return None
            return bool(table.reach[0]), "dp-vector"
        return cache["mitm"].witness(t, size) is not None, "mitm-vector"

    return decide


def vector_counts(plain: Plain, budget) -> tuple[list[int], str]:
    """Exact numbers of subsets reaching each of ``plain.todo``'s targets (of exactly ``size``
    elements if set), and the counting method's name: the counting polynomial over the packed
    box (``dp-vector``: ``verify.prefilter.counting`` on ``vector.scalarize``'s exact bijection)
    when the box is small or meet in the middle cannot run, else vector meet in the middle."""
    n, size = plain.problem.n, plain.problem.size
    packed = scalarize(plain.weights, plain.scalar.tolist())
    bits = packed.scalar_range * 64 * -(-(n + 1) // 64) * (n + 1 if size is not None else 1)
    if bits <= DENSE_COUNT_BITS or n > MITM_MAX_N or not mitm_applies(plain.weights):
        table = SolutionCounts(packed.weights, size=size, budget=budget)
        return [table.count(t) for t in packed.targets], "dp-vector"
    table = VectorMeetInTheMiddle(plain.weights, budget=budget)
    return [table.count(t, size) for t in plain.scalar.tolist()], "mitm-vector"
