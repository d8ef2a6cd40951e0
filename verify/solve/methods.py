"""The exact pre-filter methods by name, what each is estimated to cost, and the choice between
them: ``dp`` (reachable-sum bitsets, cost ∝ n · sum range), ``mitm`` (meet in the middle,
cost ∝ 2^(n/2), any magnitude) or ``schroeppel-shamir`` (cost ∝ 2^(n/2) in memory ∝ 2^(n/4);
one target, no size, int64 sums). ``auto`` picks the cheapest that fits the memory budget. The
choice changes speed, never an answer.
"""

from __future__ import annotations

from verify.errors import BudgetExceeded, InputError
from verify.prefilter.budget import human_bytes, resolve_budget
from verify.prefilter import schroeppel_shamir
from verify.prefilter.mitm import applies, fits_int64, memory_needed
from verify.prefilter.vector import int64_exact as vector_int64_exact
from verify.prefilter.vector_mitm import applies as vector_mitm_applies
from verify.prefilter.vector_mitm import memory_needed as vector_mitm_memory
from verify.prefilter.vector_table import dense_estimate, sparse_estimate

SS = "schroeppel-shamir"
METHODS = ("auto", "dp", "mitm", SS, "cpsat", "sat", "representation")
# searches that can find a witness but never refute: only when asked for by name, never by auto
SEARCH_ONLY_METHODS = ("representation",)
PREFILTER_METHODS = ("auto", "dp", "mitm", SS)
COUNT_METHODS = ("auto", "dp", "mitm")  # the methods that count solutions, not only decide
SS_MAX_N = 60  # auto's limit: 2^30 pair sums per side, a few minutes; beyond it a solver
MITM_MAX_N = 60  # beyond this 2^(n/2) tables exceed any sensible memory budget
MITM_MAX_TARGETS = 10_000  # meet in the middle answers one target per pass


def dp_cost(weights, cardinality: bool) -> tuple[int, int]:
    """(estimated word operations, bytes) of the bitset method with witness layers."""
    n = len(weights)
    rows = sum(abs(a) for a in weights) + 1
    slot = 8 * -(-(n + 1) // 8) if cardinality else 1
    bits = rows * slot
    return n * bits // 32 + 1, n * bits // 16 + bits // 2


MITM_OBJECT_COST = 30  # Python-integer tables against int64 ones (measured: 0.65 s at n = 32)


def mitm_cost(weights) -> tuple[int, int]:
    """(estimated operations, bytes) of one meet-in-the-middle search, in the units of
    :func:`dp_cost`."""
    # calibrated 2026-12-02 against dp_cost: about 0.22 ns per unit here against 0.7-2.4 ns for dp
    n = len(weights)
    ops = (1 << (n // 2)) * (n + 20) * 2
    return ops if fits_int64(weights) else ops * MITM_OBJECT_COST, memory_needed(n, weights)


SS_VS_MITM = 5  # measured 2026-12-03, one target with no solution: 0.08-0.23x mitm's time at n = 32-44
SS_FIXED = 1_500_000  # its set-up and per-batch Python work: about 0.35 ms, 4x mitm's at n = 16


def ss_cost(weights) -> tuple[int, int]:
    """(estimated operations, bytes) of one Schroeppel–Shamir search, in the units of
    :func:`dp_cost` (scaled from :func:`mitm_cost` by the ratio measured in one run,
    ``benchmarks/frontier.py``); the bytes are the least it runs in (its batches shrink to fit
    the budget, down to one quarter's sums per batch)."""
    n = len(weights)
    ops = (1 << (n // 2)) * (n + 20) * 2 // SS_VS_MITM + SS_FIXED
    return ops, schroeppel_shamir.memory_needed(n, schroeppel_shamir.min_pair_cap(n))


def ss_applies(weights, cardinality: bool) -> bool:
    """Whether ``auto`` may pick Schroeppel–Shamir: no size or "fewest", int64 sums, n <= 60."""
    return not cardinality and len(weights) <= SS_MAX_N and schroeppel_shamir.fits_int64(weights)


def choose_method(weights, method: str, cardinality: bool, budget, targets: int = 1,
                  exclude: tuple[str, ...] = ()) -> str:
    """``dp``, ``mitm`` or ``schroeppel-shamir`` for ``method``; ``auto`` picks the cheapest for
    ``targets`` queries that fits the budget (the bitset answers them all at once, the others one
    by one), never one named in ``exclude`` (``count`` excludes the method that cannot count).

    Raises ``BudgetExceeded`` naming the costs when nothing fits, ``InputError`` when
    ``schroeppel-shamir`` is asked for with a size or "fewest".
    """
    if method not in PREFILTER_METHODS:
        raise InputError(f"method: expected one of {', '.join(PREFILTER_METHODS)}, got {method!r}")
    if method == SS and cardinality:
        raise InputError(f"method: {SS} decides a target without a subset size or the fewest "
                         f"objective; use mitm or dp for those")
    if method != "auto":
        return method
    limit = resolve_budget(budget)
    n = len(weights)
    dp_ops, dp_bytes = dp_cost(weights, cardinality)
    dp_ops += targets * n
    mitm_ok = n <= MITM_MAX_N and applies(weights)
    mitm_ops, mitm_bytes = mitm_cost(weights) if mitm_ok else (None, None)
    if mitm_ok:
        mitm_ops *= targets
    fits = []
    if dp_bytes <= limit:
        fits.append((dp_ops, "dp"))
    if mitm_ok and mitm_bytes <= limit:
        fits.append((mitm_ops, "mitm"))
    ss_ok = SS not in exclude and ss_applies(weights, cardinality)
    ss_ops, ss_bytes = ss_cost(weights) if ss_ok else (None, None)
    if ss_ok and ss_bytes <= limit:
        fits.append((ss_ops * targets, SS))
    if not fits:
        mitm_text = human_bytes(mitm_bytes) if mitm_ok else "not applicable (n or weights too large)"
        ss_text = human_bytes(ss_bytes) if ss_ok else "not applicable"
        raise BudgetExceeded(f"no exact pre-filter method fits the memory budget of "
                             f"{human_bytes(limit)}: dp needs {human_bytes(dp_bytes)}, mitm "
                             f"{mitm_text}, {SS} {ss_text}; raise --memory-budget")
    return min(fits)[1]


# Vector problems (``verify.prefilter.vector_mitm`` / ``vector_table``): the same names, methods
# that keep every coordinate exact and separate. Costs in the units of ``dp_cost``.
VECTOR_MITM_UNIT = 150  # per half-sum row and coordinate (measured: 4 s at n = 40, dim 5, busy)
VECTOR_SPARSE_UNIT = 3  # sparse_estimate's unit costs about 7 ns here, dp_cost's 2-9 ns (busy)


def vector_mitm_cost(weights) -> tuple[int, int]:
    """(estimated operations, bytes) of one vector meet-in-the-middle search."""
    n, dim = len(weights), len(weights[0])
    ops = (1 << (n - n // 2)) * (dim + 2) * VECTOR_MITM_UNIT
    if not vector_int64_exact(weights):
        ops *= MITM_OBJECT_COST
    return ops, vector_mitm_memory(n, dim)


def vector_dp_cost(weights, targets, cardinality: bool) -> tuple[int, int]:
    """(estimated operations, bytes) of the reachable-vector table for ``targets`` (vectors):
    the cheaper of its dense and sparse forms that is estimated."""
    dim = len(weights[0])
    lows = [min(t[j] for t in targets) for j in range(dim)]
    highs = [max(t[j] for t in targets) for j in range(dim)]
    dense = dense_estimate(weights, cardinality)
    ops, nbytes = sparse_estimate(weights, lows, highs, cardinality)
    return min(dense, (ops * VECTOR_SPARSE_UNIT, nbytes))


def choose_vector_method(weights, method: str, cardinality: bool, budget, targets) -> str:
    """``dp`` or ``mitm`` for a vector problem's ``targets`` (vectors, divided as screened):
    ``auto`` picks the cheaper one that fits the budget, as :func:`choose_method` does.
    Raises ``BudgetExceeded`` when nothing fits (``auto`` then asks a solver)."""
    if method not in PREFILTER_METHODS:
        raise InputError(f"method: expected one of {', '.join(PREFILTER_METHODS)}, got {method!r}")
    if method == SS:
        raise InputError(f"method: {SS} answers one-dimensional instances; for a vector instance use "
                         f"auto, dp, mitm, cpsat or sat")
    if method != "auto":
        return method
    limit = resolve_budget(budget)
    fits, why = [], []
    if vector_int64_exact(weights):
        dp_ops, dp_bytes = vector_dp_cost(weights, targets, cardinality)
        why.append(f"dp needs {human_bytes(dp_bytes)}")
        if dp_bytes <= limit:
            fits.append((dp_ops + len(targets) * len(weights), "dp"))
    if len(weights) <= MITM_MAX_N and vector_mitm_applies(weights):
        mitm_ops, mitm_bytes = vector_mitm_cost(weights)
        why.append(f"mitm {human_bytes(mitm_bytes)}")
        if mitm_bytes <= limit:
            fits.append((mitm_ops * len(targets), "mitm"))
    if not fits:
        raise BudgetExceeded(f"no exact vector method fits the memory budget of {human_bytes(limit)}"
                             f"{': ' + ', '.join(why) if why else ''}; raise --memory-budget")
    return min(fits)[1]
