"""Generators: reproducible bit for bit, and drawing from the distributions they claim."""

import json
from collections import Counter

import numpy as np
import pytest

from verify.errors import InputError
from verify.generators import (MAX_WEIGHT_BITS, SubsetSumOptions, default_uniform_bound, m_for_kappa, product_counts,
                               product_weights, random_memory, subset_sum_instance, subset_sum_memory,
                               target_memory, target_network, theorem1_random_network, vector_instance,
                               vector_memory)
from verify.networks import save_network, theorem1_shapes
from verify.problems import dumps_readable, save_problem
from verify.seeding import as_generator, uniform_ints


def instance(n, seed=0, **options):
    """``subset_sum_instance`` with the options as keywords, for cases kept as dicts."""
    return subset_sum_instance(n, SubsetSumOptions(**options), seed=seed)


def file_bytes(problem, path):
    save_problem(problem, path)
    return path.read_bytes()


@pytest.mark.parametrize("kwargs", [
    {"n": 32, "bits": 12},
    {"n": 20, "bits": 8, "zero": False, "target": "middle"},
    {"n": 24, "kappa": "0.9", "target": "all"},
    {"n": 40, "bits": 3, "distribution": "products", "branch": "B"},
    {"n": 400, "bits": 3, "distribution": "products", "rejection": True},
    {"n": 16, "bits": 10, "size": 5},
])
def test_same_seed_same_bytes_different_seed_differs(tmp_path, kwargs):
    a = file_bytes(instance(**kwargs, seed=7), tmp_path / "a.json")
    b = file_bytes(instance(**kwargs, seed=7), tmp_path / "b.json")
    c = file_bytes(instance(**kwargs, seed=8), tmp_path / "c.json")
    assert a == b
    assert a != c


def test_vector_instances_are_reproducible(tmp_path):
    a = file_bytes(vector_instance(10, 3, bits=5, seed=1), tmp_path / "a.json")
    assert a == file_bytes(vector_instance(10, 3, bits=5, seed=1), tmp_path / "b.json")
    assert a != file_bytes(vector_instance(10, 3, bits=5, seed=2), tmp_path / "c.json")


def test_vector_coefficient_ranges_draw_on_the_range_and_make_market_split_targets():
    p = vector_instance(400, 5, bits=0, coefficients=(0, 7), target="middle", seed=3)
    coordinates = {x for w in p.weights for x in w}
    assert coordinates == set(range(8))  # 2,000 draws on 8 values: all of them, nothing else
    assert list(p.targets[0]) == [sum(w[j] for w in p.weights) // 2 for j in range(5)]
    assert p.meta["params"]["coefficients"] == [0, 7]
    again = vector_instance(400, 5, bits=0, coefficients=(0, 7), target="middle", seed=3)
    assert again.weights == p.weights
    assert vector_memory(400, 5, bits=0, coefficients=(0, 7)) > 0


@pytest.mark.parametrize("coefficients, zero, message", [
    ((5, 2), True, "lo <= hi"), ((0, 2 ** 61), True, "2^60"), ((0, 1.5), True, "integers"),
    ((1,), True, "a pair"), ((0, 3), False, "--no-zero")])
def test_vector_coefficient_ranges_refuse_bad_values(coefficients, zero, message):
    with pytest.raises(InputError, match="coefficients: .*" + message.replace("^", r"\^")):
        vector_instance(4, 2, bits=0, coefficients=coefficients, zero=zero)


def test_uniform_ints_are_uniform_and_in_range():
    draws = uniform_ints(as_generator(3), -3, 3, 70_000)
    assert draws.min() == -3 and draws.max() == 3
    counts = np.bincount(draws + 3)
    assert np.all(np.abs(counts - 10_000) < 500)  # about 5 standard deviations


def test_weights_respect_range_and_zero_option():
    p = subset_sum_instance(5000, SubsetSumOptions(bits=2, zero=False), seed=1)
    assert set(p.weights) == {-4, -3, -2, -1, 1, 2, 3, 4}
    q = subset_sum_instance(5000, SubsetSumOptions(bits=2), seed=1)
    assert set(q.weights) == set(range(-4, 5))


def test_planted_target_is_the_sum_of_the_recorded_subset():
    for seed in range(20):
        p = subset_sum_instance(30, SubsetSumOptions(bits=16), seed=seed)
        assert p.targets == (sum(p.weights[i] for i in p.meta["planted"]),)
        q = subset_sum_instance(30, SubsetSumOptions(bits=16, size=7), seed=seed)
        assert len(q.meta["planted"]) == 7
        assert q.targets == (sum(q.weights[i] for i in q.meta["planted"]),)


def test_kappa_gives_the_exact_floor():
    for n in range(1, 40):
        for kappa in ("0.5", "0.9", "1", "1.25", "7/8"):
            from fractions import Fraction
            M = m_for_kappa(n, kappa)
            e = Fraction(kappa) * n  # M = floor(2^e): M^q <= 2^p < (M+1)^q
            assert M ** e.denominator <= 2 ** e.numerator < (M + 1) ** e.denominator
    assert subset_sum_instance(20, SubsetSumOptions(kappa="0.5"), seed=0).meta["params"]["M"] == 1024


def test_product_counts_match_enumeration():
    for k in (1, 2, 3):
        for zero in (True, False):
            B = 1 << k
            vs = [v for v in range(-B, B + 1) if zero or v]
            c = Counter(u * v for u in range(1, B + 1) for v in vs)
            table = product_counts(k, zero)
            assert all(table[z + B * B] == c.get(z, 0) for z in range(-B * B, B * B + 1))


def test_default_uniform_bound_is_the_largest_gapless_range():
    counts = product_counts(3)  # u in 1..8, v in -8..8: every |z| <= 10 is a product, 11 is not
    assert default_uniform_bound(counts, True) == 10


def test_products_follow_the_branch_sign():
    rng = as_generator(4)
    weights, info = product_weights(rng, 200, 3, branch="A")
    assert info["kept_pairs"] == len(weights) and all(abs(w) <= 64 for w in weights)
    p = subset_sum_instance(300, SubsetSumOptions(bits=3, distribution="products", rejection=True), seed=2)
    m = p.meta["params"]["uniform_bound"]
    assert all(abs(w) <= m for w in p.weights)


def test_rejection_sampling_is_uniform():
    p = subset_sum_instance(60_000, SubsetSumOptions(bits=2, distribution="products", rejection=True), seed=3)
    m = p.meta["params"]["uniform_bound"]  # 4: every |z| <= 4 is a product of u in 1..4, v in -4..4
    counts = Counter(p.weights)
    assert set(counts) == set(range(-m, m + 1))
    expected = len(p.weights) / (2 * m + 1)
    assert all(abs(c - expected) < 6 * expected ** 0.5 for c in counts.values())


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0, "bits": 3}, "n: expected a positive integer"),
    ({"n": 5, "bits": 3, "M": 4}, "exactly one of bits, M or kappa"),
    ({"n": 5, "bits": 99}, "bits: expected an integer in 0..60"),
    ({"n": 5, "kappa": "x"}, "kappa: expected a number"),
    ({"n": 5, "bits": 3, "distribution": "normal"}, "distribution: expected one of"),
    ({"n": 5, "bits": 3, "target": "nearby"}, "target: expected planted"),
    ({"n": 5, "bits": 3, "size": 9}, "size: expected an integer in 0..5"),
    ({"n": 5, "bits": 14, "distribution": "products", "rejection": True}, "rejection sampling"),
    ({"n": 5, "bits": 3, "seed": -1}, "seed: expected a non-negative integer"),
])
def test_generator_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        instance(**kwargs)


def test_meta_records_provenance():
    p = subset_sum_instance(8, SubsetSumOptions(bits=4, target="middle"), seed=11)
    assert p.meta["seed"] == 11 and p.meta["params"]["bits"] == 4
    assert p.meta["tool"].startswith("slth-verify ")
    assert json.loads(json.dumps(p.to_json()))["meta"] == p.meta


def _traced_peak(work) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("estimate, work", [
    (lambda: subset_sum_memory(20_000, bits=12),
     lambda tmp: dumps_readable(subset_sum_instance(20_000, SubsetSumOptions(bits=12)).to_json())),
    (lambda: subset_sum_memory(20_000, M=2**60),
     lambda tmp: dumps_readable(subset_sum_instance(20_000, SubsetSumOptions(M=2**60)).to_json())),
    (lambda: subset_sum_memory(20_000, bits=8, distribution="products"),
     lambda tmp: dumps_readable(
         subset_sum_instance(20_000, SubsetSumOptions(bits=8, distribution="products")).to_json())),
    (lambda: vector_memory(8_000, 3, bits=8), lambda tmp: dumps_readable(vector_instance(8_000, 3, bits=8).to_json())),
    (lambda: target_memory([200, 200, 100]), lambda tmp: target_network([200, 200, 100], 8)),
    (lambda: random_memory(theorem1_shapes(target_network([16, 16, 4], 4), 2048), 2),
     lambda tmp: save_network(theorem1_random_network(target_network([16, 16, 4], 4), 2048, 2), tmp / "r.npz")),
], ids=["uniform", "60 bits", "products", "vector", "target", "random"])
def test_memory_estimates_are_near_the_peak_they_estimate(tmp_path, estimate, work):
    peak = _traced_peak(lambda: work(tmp_path))
    # an estimate guards a budget: well above nothing, not far below what is really held
    assert peak / 4 < estimate() and peak < 1.5 * estimate()


def test_kappa_beyond_60_bits_is_refused_before_the_search_for_m():
    assert m_for_kappa(15, "4") == 2**MAX_WEIGHT_BITS
    # the last two would search for M over millions of bits (hours) without the check
    for n, kappa in ((16, "4"), (1000, "0.123456789"), (10**8, "1")):
        for call in (lambda: m_for_kappa(n, kappa), lambda: subset_sum_instance(n, SubsetSumOptions(kappa=kappa)),
                     lambda: subset_sum_memory(n, kappa=kappa)):
            with pytest.raises(InputError, match=f"must fit in {MAX_WEIGHT_BITS} bits"):
                call()
