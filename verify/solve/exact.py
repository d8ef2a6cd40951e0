"""The exact pre-filter methods on a screened problem (``verify.solve.screening.Plain``): one
meet-in-the-middle table per problem, one Schroeppel–Shamir pass per target, one reachable-sum
bitset covering every target at once (vectorized witnesses), and the exact decision that
confirms or contradicts a solver's "no".
Every witness replays on the original problem (``verify.witness``) before it is an answer.
"""

from __future__ import annotations

import time

import numpy as np

from verify.errors import BudgetExceeded
from verify.prefilter.bitset import ReachableSums
from verify.prefilter.mitm import MeetInTheMiddle
from verify.prefilter.schroeppel_shamir import SchroeppelShamir, quarter_bounds
from verify.solve.methods import SS, choose_method
from verify.solve.screening import Plain
from verify.status import Answer, Status
from verify.witness import replay_matrix, replay_witness


def verified(plain: Plain, i: int, witness, method: str, optimal: bool | None = None) -> Answer:
    """Target ``i``'s ``sat-verified`` answer, once ``witness`` replays on the original problem
    (else ``WitnessNotReplayed``: a bug, never a "yes")."""
    t = plain.target(i)
    chosen = replay_witness(plain.problem, t, witness, f"the {method} witness for target {t}")
    evidence = f"witness of {len(chosen)} elements replayed in exact integer arithmetic"
    return Answer(t, Status.SAT_VERIFIED, method, evidence, chosen, optimal)


def unsat_evidence(plain: Plain, method: str) -> str:
    """The sentence behind an exhaustive "no" of ``method`` (``dp-bitset``, ``mitm`` or
    ``schroeppel-shamir``)."""
    n = plain.problem.n
    scope = f"subsets of exactly {plain.problem.size} elements" if plain.problem.size is not None \
        else f"all 2^{n} subsets"
    quarters = " + ".join(str(b - a) for a, b in quarter_bounds(n))
    how = {"dp-bitset": f"the reachable-sum table of {scope} does not contain it",
           "mitm": f"no pair of half-sums ({scope}, split {n // 2} + {n - n // 2}) adds up to it",
           SS: f"no A+B quarter-pair sum plus a C+D one adds up to it ({scope}, quarters "
               f"{quarters}, every residue class of the pair sums compared)"}[method]
    return how + (f" (weights divided by their gcd {plain.g})" if plain.g > 1 else "")


def search_mitm(plain: Plain, fewest: bool, budget) -> tuple[list, dict]:
    """Every target's answer by one meet-in-the-middle table (the fewest elements when
    ``fewest``), and the timings."""
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
    evidence = unsat_evidence(plain, "mitm")
    for i, t in zip(plain.todo.tolist(), plain.scalar.tolist()):
        if fewest:
            best = table.fewest(t)
            w = None if best is None else best[1]
        else:
            w = table.witness(t, k=plain.problem.size)
        answers[i] = Answer(plain.target(i), Status.UNSAT_EXHAUSTIVE, "mitm", evidence) if w is None \
            else verified(plain, i, w, "mitm", True if fewest else None)
    timings["search"] = time.perf_counter() - t2
    return answers, timings


def search_ss(plain: Plain, budget) -> tuple[list, dict]:
    """Every target's answer by one Schroeppel–Shamir pass per target (no size, no "fewest"),
    and the timings."""
    answers: list = [None] * len(plain.targets)
    for i, a in plain.refuted.items():
        answers[i] = a
    if not plain.todo.size:
        return answers, {}
    t1 = time.perf_counter()
    lists = SchroeppelShamir(plain.weights, budget=budget)
    timings = {"table": time.perf_counter() - t1}
    t2 = time.perf_counter()
    evidence = unsat_evidence(plain, SS)
    for i, t in zip(plain.todo.tolist(), plain.scalar.tolist()):
        w = lists.witness(t)
        answers[i] = Answer(plain.target(i), Status.UNSAT_EXHAUSTIVE, SS, evidence) if w is None \
            else verified(plain, i, w, SS)
    timings["search"] = time.perf_counter() - t2
    return answers, timings


def _exact_table(plain: Plain, method: str, budget):
    """The table ``backing`` decides with, for the method ``auto`` chose."""
    size = plain.problem.size
    if method == "dp":
        return ReachableSums(plain.weights, cardinality=size is not None, budget=budget)
    if method == SS:
        return SchroeppelShamir(plain.weights, budget=budget)
    return MeetInTheMiddle(plain.weights, budget=budget)


def backing(plain: Plain, budget):
    """An exact pre-filter decision for single (scalar) targets, built on first use; None when
    no exact method fits the budget. Solvers' unproven "no" answers are checked against it."""
    cache: dict = {}
    size = plain.problem.size

    def decide(t: int):
        if "table" not in cache:
            try:
                m = choose_method(plain.weights, "auto", size is not None, budget)
                cache["table"] = (m, _exact_table(plain, m, budget))
            except BudgetExceeded:
                cache["table"] = None
        if cache["table"] is None:
            return None
        m, table = cache["table"]
        if m == "dp":
            return table.has(t, size), "dp-bitset"
        if m == SS:
            return table.witness(t) is not None, SS
        return table.witness(t, size) is not None, "mitm"

    return decide


def cover_dp(plain: Plain, cardinality: bool, fewest: bool, budget) -> tuple:
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
    replay_matrix(problem, plain.targets[hit], chosen, "a cover witness")
    timings["replay"] = time.perf_counter() - t3
    return chosen, hit, timings
