"""The windowed batch search finds only real subsets, and finds every subset whose running sums
stay in the window (differential against brute force)."""

import itertools

import numpy as np
from hypothesis import given, strategies as st

from verify.prefilter.windowed import _shift, window_witnesses


@given(st.integers(1, 3), st.integers(0, 2**32), st.lists(st.integers(-250, 250), min_size=1, max_size=12))
def test_shift_matches_python_integers(words, seed, shifts):
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**63, size=(len(shifts), words), dtype=np.uint64)
    out = _shift(bits, np.array(shifts))
    for b, d in enumerate(shifts):
        v = sum(int(bits[b, w]) << (64 * w) for w in range(words))
        v = (v << d if d >= 0 else v >> -d) & ((1 << (64 * words)) - 1)
        assert v == sum(int(out[b, w]) << (64 * w) for w in range(words))


def _prefix_reachable(items, target, lo, hi):
    """Brute force: is there a subset whose running sums (in item order) stay in [lo, hi]?"""
    for r in range(len(items) + 1):
        for subset in itertools.combinations(range(len(items)), r):
            running = np.cumsum([0] + [items[i] for i in subset])
            if running[-1] == target and lo <= running.min() and running.max() <= hi:
                return True
    return False


@given(st.integers(0, 2**32), st.integers(1, 7), st.sampled_from([31, 40, 70, 130]))
def test_found_rows_replay_and_window_reachable_rows_are_found(seed, items, half_width):
    rng = np.random.default_rng(seed)
    products = rng.integers(-40, 41, size=(12, items))
    products[rng.random(products.shape) < 0.2] = 0  # padding
    targets = rng.integers(-60, 61, size=12)
    found, chosen = window_witnesses(products, targets, half_width=half_width)
    words = -(-(2 * half_width + 1) // 64)
    W = (words * 64 - 1) // 2  # the window actually used: bits 0..64·words-1 are sums -W..
    lo, hi = -W, words * 64 - 1 - W
    for b in range(12):
        if found[b]:
            assert products[b][chosen[b]].sum() == targets[b]
            assert not (chosen[b] & (products[b] == 0)).any()  # padding is never chosen
        else:
            assert not chosen[b].any()
        assert found[b] == _prefix_reachable(list(products[b]), targets[b], lo, hi)


def test_chunks_give_the_same_answers():
    rng = np.random.default_rng(3)
    products = rng.integers(-16, 17, size=(500, 30))
    targets = rng.integers(-16, 17, size=500)
    whole = window_witnesses(products, targets)
    chunked = window_witnesses(products, targets, max_bytes=8 * 31 * 7)
    assert np.array_equal(whole[0], chunked[0]) and np.array_equal(whole[1], chunked[1])
