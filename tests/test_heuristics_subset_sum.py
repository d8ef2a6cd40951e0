"""Heuristics for subset sum: every candidate is checked against brute force and exact sums."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tests.brute import reachable, subset_table
from verify.errors import InputError, InternalError
from verify.generators import SubsetSumOptions, subset_sum_instance
from verify.heuristics import HEURISTICS, Candidate, run_heuristic
from verify.problems import SubsetSum, VectorSubsetSum

FAST = {"local-search": {"iterations": 2000}}  # keeps unreachable targets cheap


@st.composite
def problems(draw, sized: bool):
    weights = draw(st.lists(st.integers(-30, 30), min_size=1, max_size=9))
    if draw(st.booleans()):  # a reachable target half the time, otherwise anything nearby
        chosen = draw(st.lists(st.booleans(), min_size=len(weights), max_size=len(weights)))
        target = sum(w for w, c in zip(weights, chosen) if c)
    else:
        target = draw(st.integers(-120, 120))
    size = draw(st.none() | st.integers(0, len(weights))) if sized else None
    return SubsetSum(weights=weights, targets=[target], size=size)


def _check(c: Candidate, p: SubsetSum, table) -> None:
    t = p.targets[0]
    assert c.subset is not None and list(c.subset) == sorted(set(c.subset))
    total = sum(p.weights[i] for i in c.subset)
    assert c.error == abs(total - t) and isinstance(c.error, int)
    right_size = p.size is None or len(c.subset) == p.size
    assert c.hit == (total == t and right_size)
    if c.hit:
        assert reachable(table, t, p.size)


@settings(max_examples=50, deadline=None)
@given(problems(sized=False), st.integers(0, 3))
def test_candidates_against_brute_force(p, seed):
    table = subset_table(p.weights)
    for name in HEURISTICS:
        c = run_heuristic(name, p, seed=seed, **FAST.get(name, {}))
        assert c.heuristic == name
        _check(c, p, table)
    # the partition reduction: discrepancy δ is subset error δ/2
    assert run_heuristic("kk", p).stats["discrepancy"] == 2 * run_heuristic("kk", p).error
    ckk = run_heuristic("ckk", p)
    assert ckk.stats["discrepancy"] == 2 * ckk.error
    assert ckk.hit == reachable(table, p.targets[0])  # complete without limits


@settings(max_examples=50, deadline=None)
@given(problems(sized=True), st.integers(0, 3))
def test_fixed_size_candidates(p, seed):
    table = subset_table(p.weights)
    for name in HEURISTICS:
        c = run_heuristic(name, p, seed=seed, **FAST.get(name, {}))
        _check(c, p, table)
        if name in ("greedy", "local-search", "beam") and p.size is not None:
            assert len(c.subset) == p.size


def _fake(subset, stats=None):
    def fake(weights, target, *, size, rng, time_limit, **opts):
        return subset, dict(stats or {})
    return fake


def test_wrong_answers_are_never_hits(monkeypatch):
    p = SubsetSum(weights=[3, -5, 7, 2], targets=[5])
    monkeypatch.setitem(HEURISTICS, "greedy", _fake([0, 2], {"hit": True}))  # 10, not 5
    c = run_heuristic("greedy", p)
    assert (c.hit, c.error, c.subset) == (False, 5, (0, 2))
    monkeypatch.setitem(HEURISTICS, "greedy", _fake(np.array([3, 0])))  # numpy indices are fine
    c = run_heuristic("greedy", p)
    assert (c.hit, c.error, c.subset) == (True, 0, (0, 3))
    sized = SubsetSum(weights=[3, -5, 7, 2], targets=[5], size=3)
    c = run_heuristic("greedy", sized)  # the right sum with the wrong size
    assert (c.hit, c.error) == (False, 0)
    monkeypatch.setitem(HEURISTICS, "greedy", _fake(None))
    c = run_heuristic("greedy", p)
    assert (c.subset, c.hit, c.error) == (None, False, None)


@pytest.mark.parametrize("subset", [[0, 4], [-1, 3], [0, 0, 3], [0.0, 3], [True]])
def test_malformed_indices_are_internal_errors(monkeypatch, subset):
    # a heuristic that returns nonsense has a bug: it must fail loudly, never count as a miss
    monkeypatch.setitem(HEURISTICS, "beam", _fake(subset))
    with pytest.raises(InternalError, match="beam"):
        run_heuristic("beam", SubsetSum(weights=[3, -5, 7, 2], targets=[5]))


def test_same_seed_same_candidate():
    p = subset_sum_instance(16, SubsetSumOptions(kappa="0.9", zero=False, target="planted"), seed=5)
    sized = subset_sum_instance(16, SubsetSumOptions(kappa="0.9", zero=False, target="planted", size=6), seed=5)
    for name in HEURISTICS:
        for q in (p, sized):
            a, b = (dataclasses.replace(run_heuristic(name, q, seed=11), seconds=0.0) for _ in range(2))
            assert a == b


def test_kk_and_ckk_on_the_classic_partition():
    # {8,7,6,5,4}: KK differences to 2 (8-7, 6-5, 4-1, 3-1); CKK finds {8,7} vs {6,5,4}
    p = SubsetSum(weights=[8, 7, 6, 5, 4], targets=[15])
    kk = run_heuristic("kk", p)
    assert (kk.stats["discrepancy"], kk.error, kk.hit) == (2, 1, False)
    ckk = run_heuristic("ckk", p)
    assert (ckk.hit, ckk.error, ckk.stats["stopped"]) == (True, 0, "hit")
    # negating weights flips their signs' meaning: Λ = 2, t = 1 is the same partition (D = 0),
    # and its perfect side {8, 7} becomes the subset {7, -6}
    neg = SubsetSum(weights=[-8, 7, -6, 5, 4], targets=[1])
    assert run_heuristic("kk", neg).stats["discrepancy"] == 2
    assert run_heuristic("ckk", neg).subset == (1, 2)


def test_ckk_limits():
    p = subset_sum_instance(22, SubsetSumOptions(kappa="1.5", zero=False, target="middle"), seed=2)
    c = run_heuristic("ckk", p, max_nodes=200)
    assert c.stats["nodes"] == 200 and c.stats["stopped"] == "max_nodes" and not c.hit
    assert c.subset is None or c.error == abs(sum(p.weights[i] for i in c.subset) - p.targets[0])
    with pytest.raises(InputError, match="max_nodes"):
        run_heuristic("ckk", p, max_nodes=0)


@pytest.mark.parametrize("bits", [70, 1100])  # past int64, and past the float range
def test_big_weights(bits):
    rng = np.random.default_rng(bits)
    weights = [int.from_bytes(rng.bytes(bits // 8 + 1), "little") % (1 << bits) * (-1) ** k
               for k in range(12)]
    target = weights[1] + weights[4] + weights[5] + weights[10]
    p = SubsetSum(weights=weights, targets=[target])
    for name in HEURISTICS:
        c = run_heuristic(name, p, **FAST.get(name, {}))
        assert c.error == abs(sum(weights[i] for i in c.subset) - target)
        assert c.hit == (c.error == 0)
    assert run_heuristic("ckk", p).subset == (1, 4, 5, 10)


def test_targets_by_index_and_range():
    p = SubsetSum(weights=[1, 2, 4], targets={"range": [-1, 7]})
    c = run_heuristic("ckk", p, target_index=6)  # target 5
    assert c.hit and c.subset == (0, 2)
    assert not run_heuristic("ckk", p, target_index=0).hit
    with pytest.raises(InputError, match="target_index"):
        run_heuristic("ckk", p, target_index=9)


def test_bad_requests():
    p = SubsetSum(weights=[1, 2], targets=[3])
    with pytest.raises(InputError, match=r"'tabu'.*'beam'.*'ckk'.*'greedy'.*'kk'.*'local-search'"):
        run_heuristic("tabu", p)
    with pytest.raises(InputError, match="width"):
        run_heuristic("beam", p, widht=3)
    with pytest.raises(InputError, match="time_limit"):
        run_heuristic("beam", p, time_limit=0)
    with pytest.raises(InputError, match="one-dimensional"):
        run_heuristic("kk", VectorSubsetSum(weights=[[1, 2]], targets=[[1, 2]]))
