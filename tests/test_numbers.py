"""Grids and precision lowering, against a reference written with Fractions."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.errors import InputError
from verify.numbers import (RoundingMode, from_scaled, grid_bound, grid_size, rescale,
                            rescale_array, to_scaled)


def reference(value: int, from_k: int, to_k: int, mode: RoundingMode) -> int:
    x = Fraction(value, 2**from_k) * 2**to_k
    fl, ce = math.floor(x), math.ceil(x)
    if mode is RoundingMode.FLOOR:
        return fl
    if mode is RoundingMode.CEIL:
        return ce
    if mode is RoundingMode.TOWARD_ZERO:
        return fl if x >= 0 else ce
    if x - fl != Fraction(1, 2):
        return round(x)  # not a tie: Fraction rounds to nearest
    if mode is RoundingMode.NEAREST_AWAY:
        return ce if x > 0 else fl
    return fl if fl % 2 == 0 else ce


@given(st.integers(-(2**70), 2**70), st.integers(0, 70), st.integers(0, 70), st.sampled_from(list(RoundingMode)))
def test_rescale_matches_fraction_reference(value, from_k, to_k, mode):
    assert rescale(value, from_k, to_k, mode) == reference(value, from_k, to_k, mode)


@given(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=30), st.integers(0, 40),
       st.integers(0, 40), st.sampled_from(list(RoundingMode)))
def test_rescale_array_matches_scalar(values, from_k, to_k, mode):
    want = [rescale(v, from_k, to_k, mode) for v in values]
    if max(abs(w) for w in want) >= 2**63:
        with pytest.raises(InputError, match="overflows int64"):
            rescale_array(np.array(values, dtype=np.int64), from_k, to_k, mode)
    else:
        assert rescale_array(np.array(values, dtype=np.int64), from_k, to_k, mode).tolist() == want


def test_ties_follow_the_documented_modes():
    # 1.5, 2.5, -1.5, -2.5 at scale 1 (values 3, 5, -3, -5) lowered to integers
    values = [3, 5, -3, -5]
    assert [rescale(v, 1, 0, "nearest-even") for v in values] == [2, 2, -2, -2]
    assert [rescale(v, 1, 0, "nearest-away") for v in values] == [2, 3, -2, -3]
    assert [rescale(v, 1, 0, "floor") for v in values] == [1, 2, -2, -3]
    assert [rescale(v, 1, 0, "toward-zero") for v in values] == [1, 2, -1, -2]
    assert [rescale(v, 1, 0, "ceil") for v in values] == [2, 3, -1, -2]


def test_grid_points_and_exact_conversion():
    assert grid_size(2) == len(range(-grid_bound(2), grid_bound(2) + 1)) == 9
    for k in range(6):
        for v in range(-grid_bound(k), grid_bound(k) + 1):
            assert to_scaled(from_scaled(v, k), k) == v
    assert to_scaled(-1.0, 5) == -32


@pytest.mark.parametrize("bad, message", [
    (("x", 1, 0), "value: expected an integer"),
    ((True, 1, 0), "value: expected an integer"),
    ((1, -1, 0), "precision exponent k"),
    ((1, 1, 0, "banker"), "rounding mode: expected one of"),
])
def test_rescale_errors(bad, message):
    with pytest.raises(InputError, match=message):
        rescale(*bad)


@pytest.mark.parametrize("x", [0.1, "1/3", float("nan"), float("inf"), "abc"])
def test_values_off_the_grid_are_named(x):
    with pytest.raises(InputError):
        to_scaled(x, 8)


def test_rescale_array_overflow_is_refused():
    with pytest.raises(InputError, match="overflows int64"):
        rescale_array(np.array([2**40]), 0, 30)
