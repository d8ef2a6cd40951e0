"""Differential tests of the exact pre-filter against brute-force enumeration."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import brute
from verify.errors import BudgetExceeded, InputError
from verify.prefilter.bitset import ReachableSums, reachable_table
from verify.prefilter.conditions import Conditions
from verify.prefilter.counting import SolutionCounts
from verify.prefilter.mitm import MeetInTheMiddle
from verify.prefilter.vector import scalarize


def weight_lists(max_n=12):
    """Signed weights of several bit widths, with zeros and duplicates likely."""
    return st.integers(0, 7).flatmap(lambda bits: st.lists(
        st.integers(-(1 << bits), 1 << bits) | st.sampled_from([0, 1, -1, 1 << bits]),
        min_size=1, max_size=max_n))


def span(weights, pad=2):
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    return range(lo - pad, hi + pad + 1)


def check_subset(weights, witness, target, size=None):
    assert len(set(witness)) == len(witness)
    assert all(0 <= i < len(weights) for i in witness)
    assert sum(weights[i] for i in witness) == target
    if size is not None:
        assert len(witness) == size


@given(weight_lists())
def test_bitset_decision_witness_and_cover_match_brute_force(weights):
    table = brute.subset_table(weights)
    r = ReachableSums(weights)
    targets = list(span(weights))
    for t in targets:
        assert r.has(t) == brute.reachable(table, t)
        w = r.witness(t)
        assert (w is not None) == brute.reachable(table, t)
        if w is not None:
            check_subset(weights, w, t)
    mask = r.reachable_mask(targets[0], targets[-1])
    assert mask.tolist() == [brute.reachable(table, t) for t in targets]
    hits = np.array([t for t in targets if brute.reachable(table, t)], dtype=np.int64)
    chosen = r.witnesses(hits)
    for row, t in zip(chosen, hits.tolist()):
        check_subset(weights, np.flatnonzero(row).tolist(), t)


@given(weight_lists())
def test_reachable_table_is_the_signed_shift_or(weights):
    lo = sum(a for a in weights if a < 0)
    plain = 1 << -lo
    for a in weights:
        plain = plain | (plain << a) if a >= 0 else plain | (plain >> -a)
    assert reachable_table(weights) == plain


@given(weight_lists(max_n=10))
def test_cardinality_layers_match_brute_force(weights):
    table = brute.subset_table(weights)
    r = ReachableSums(weights, cardinality=True)
    targets = list(span(weights, pad=1))
    for t in targets:
        assert r.fewest(t) == brute.fewest(table, t)
        for k in range(len(weights) + 1):
            assert r.has(t, k) == brute.reachable(table, t, k)
            w = r.witness(t, k)
            assert (w is not None) == brute.reachable(table, t, k)
            if w is not None:
                check_subset(weights, w, t, k)
    f = r.fewest_array(targets[0], targets[-1])
    assert f.tolist() == [-1 if brute.fewest(table, t) is None else brute.fewest(table, t) for t in targets]
    for k in range(len(weights) + 1):
        mask = r.reachable_mask(targets[0], targets[-1], k)
        assert mask.tolist() == [brute.reachable(table, t, k) for t in targets]
        hits = np.array([t for t in targets if brute.reachable(table, t, k)], dtype=np.int64)
        if hits.size:
            for row, t in zip(r.witnesses(hits, k), hits.tolist()):
                check_subset(weights, np.flatnonzero(row).tolist(), t, k)


@given(weight_lists(max_n=10), st.booleans())
def test_counts_match_brute_force(weights, sized):
    table = brute.subset_table(weights)
    targets = list(span(weights))
    sizes = range(len(weights) + 1) if sized else [None]
    for k in sizes:
        c = SolutionCounts(weights, size=k)
        assert c.counts(targets[0], targets[-1]) == [brute.count(table, t, k) for t in targets]
        assert [c.count(t) for t in targets] == [brute.count(table, t, k) for t in targets]


def test_counts_exceed_64_bits_exactly():
    weights = [1] * 70 + [0] * 3
    c = SolutionCounts(weights)
    assert c.count(35) == math.comb(70, 35) * 8
    assert c.count(35) > 2**64
    assert SolutionCounts(weights, size=40).count(37) == math.comb(70, 37) * math.comb(3, 3)


def _mitm_agrees_with_brute(m, table, weights, t) -> None:
    """Witness, count and fewest of one target against the brute-force table."""
    w = m.witness(t)
    assert (w is not None) == brute.reachable(table, t)
    if w is not None:
        check_subset(weights, w, t)
    assert m.count(t) == brute.count(table, t)
    best = m.fewest(t)
    assert (best is None) == (brute.fewest(table, t) is None)
    if best is not None:
        assert best[0] == brute.fewest(table, t)
        check_subset(weights, best[1], t, best[0])


@given(weight_lists(max_n=12))
def test_mitm_matches_brute_force(weights):
    table = brute.subset_table(weights)
    m = MeetInTheMiddle(weights)
    for t in span(weights):
        _mitm_agrees_with_brute(m, table, weights, t)
        for k in range(len(weights) + 1):
            w = m.witness(t, k)
            assert (w is not None) == brute.reachable(table, t, k)
            assert m.count(t, k) == brute.count(table, t, k)


@given(st.integers(18, 30), st.integers(6, 20), st.integers(0, 2**32 - 1))
def test_dp_and_mitm_agree_on_larger_instances(n, bits, seed):
    rng = np.random.default_rng(seed)
    weights = rng.integers(-(1 << bits), (1 << bits) + 1, n).tolist()
    dp, mitm = ReachableSums(weights), MeetInTheMiddle(weights)
    half = sum(weights) // 2
    for t in [half, half + 1, 0, (1 << bits) // 3, -(1 << bits)]:
        a, b = dp.witness(t), mitm.witness(t)
        assert (a is None) == (b is None)
        for w in (a, b):
            if w is not None:
                check_subset(weights, w, t)


def test_dp_and_mitm_counts_agree_on_a_larger_instance():
    rng = np.random.default_rng(5)
    weights = rng.integers(-64, 65, 22).tolist()
    c, m = SolutionCounts(weights), MeetInTheMiddle(weights)
    for t in range(-40, 41, 7):
        assert c.count(t) == m.count(t)
    c5 = SolutionCounts(weights, size=5)
    assert all(c5.count(t) == m.count(t, 5) for t in range(-40, 41, 9))


@given(st.lists(st.lists(st.integers(-3, 3), min_size=2, max_size=2), min_size=1, max_size=8))
def test_vector_packing_is_exact(vectors):
    reach = brute.vector_table(vectors)
    lows = [sum(min(v[j], 0) for v in vectors) for j in range(2)]
    highs = [sum(max(v[j], 0) for v in vectors) for j in range(2)]
    box = [(x, y) for x in range(lows[0] - 1, highs[0] + 2) for y in range(lows[1] - 1, highs[1] + 2)]
    packed = scalarize(vectors, box)
    r = ReachableSums(packed.weights)
    for t, s in zip(box, packed.targets):
        got = s is not None and r.has(s)
        assert got == (t in reach)


@given(weight_lists(max_n=10), st.integers(-300, 300), st.none() | st.integers(0, 10))
def test_conditions_never_refute_a_reachable_target(weights, target, size):
    if size is not None and size > len(weights):
        size = len(weights)
    table = brute.subset_table(weights)
    refutation = Conditions(weights, size).refute(target)
    if refutation is not None:
        assert not brute.reachable(table, target, size)


def test_budget_refuses_before_allocating():
    with pytest.raises(BudgetExceeded, match=r"over the memory budget of 1\.0 KiB.*--memory-budget"):
        ReachableSums([1 << 20] * 4, budget=1024)
    with pytest.raises(BudgetExceeded, match="meet-in-the-middle over 40 weights"):
        MeetInTheMiddle([3] * 40, budget="1M")
    with pytest.raises(BudgetExceeded, match="exact counting"):
        SolutionCounts([1 << 20] * 4, budget=1024)


def huge_weight_lists(max_n=9):
    """Weights around 2^70 (beyond int64): few distinct high parts, so sums collide and many
    targets are reachable, plus small ones."""
    return st.lists(st.builds(lambda k, r: k * 2**70 + r, st.integers(-2, 2), st.integers(-3, 3)),
                    min_size=1, max_size=max_n)


def huge_targets(weights):
    """Every subset sum, its neighbours, and targets outside the range."""
    sums = set(brute.subset_table(weights))
    return sorted(sums | {s + 1 for s in sums} | {s - 2**69 for s in sums} | {sum(map(abs, weights)) + 1})


@given(huge_weight_lists(max_n=8))
@settings(max_examples=30)
def test_mitm_is_exact_beyond_int64(weights):
    table = brute.subset_table(weights)
    m = MeetInTheMiddle(weights)
    assert not m.exact_int64 or max(map(abs, weights)) < 2**60
    for t in huge_targets(weights):
        _mitm_agrees_with_brute(m, table, weights, t)
        k = len(weights) // 2
        w = m.witness(t, k)
        assert (w is not None) == brute.reachable(table, t, k)
        assert m.count(t, k) == brute.count(table, t, k)


def test_mitm_beyond_int64_is_limited_to_small_n():
    from verify.prefilter.mitm import OBJECT_MAX_N

    MeetInTheMiddle([2**61, 2**61, 5])  # exact Python integers
    with pytest.raises(InputError, match=f"too large for exact int64.*over {OBJECT_MAX_N}"):
        MeetInTheMiddle([2**61] * (OBJECT_MAX_N + 1))


def test_size_query_needs_a_cardinality_table():
    with pytest.raises(InputError, match="without cardinality"):
        ReachableSums([1, 2]).has(1, k=1)
    with pytest.raises(InputError, match="size: expected an integer in 0..2"):
        ReachableSums([1, 2], cardinality=True).has(1, k=5)


@given(weight_lists(max_n=10), st.integers(-200, 200))
def test_small_witness_matches_brute_force(weights, target):
    from verify.prefilter.bitset import small_witness
    table = brute.subset_table(weights)
    found = small_witness(weights, target)
    assert (found is not None) == brute.reachable(table, target)
    if found is not None:
        check_subset(weights, found, target)
