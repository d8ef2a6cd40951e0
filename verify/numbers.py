"""Exact numbers: the grids S_δ with δ = 2^-k, values held as scaled integers, precision lowering.

A value x on the grid S_δ (δ = 2^-k) is stored as the integer ``x / δ = x * 2^k``; S_δ itself is
the integers ``{-2^k, ..., 2^k}`` at scale ``k``. Products of two scale-k values are at scale 2k
(the grid δ²ℤ of Lemma 5). Nothing here uses floating point to decide anything: lowering uses
integer division with an explicit rounding mode.

Rounding modes (``RoundingMode``) for lowering a value to a coarser grid:

- ``nearest-even``: to the nearest grid point, ties to the even multiple (IEEE default). Default.
- ``nearest-away``: to the nearest grid point, ties away from zero.
- ``floor``: toward -inf (the paper's "truncation" when read as floor).
- ``ceil``: toward +inf.
- ``toward-zero``: drop the low bits of |x| (truncation when read as toward zero).

The paper does not say whether ``[w]_γ`` rounds or truncates; the tool asks.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction

import numpy as np

from verify.errors import InputError


class RoundingMode(str, Enum):
    """How a value between two grid points is lowered (see the module docstring)."""

    NEAREST_EVEN = "nearest-even"
    NEAREST_AWAY = "nearest-away"
    FLOOR = "floor"
    CEIL = "ceil"
    TOWARD_ZERO = "toward-zero"

    @classmethod
    def parse(cls, text: str | RoundingMode) -> RoundingMode:
        """Parse a mode name, with a one-line error listing the valid names."""
        try:
            return cls(text)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise InputError(f"rounding mode: expected one of {names}, got {text!r}") from None


DEFAULT_ROUNDING = RoundingMode.NEAREST_EVEN


def grid_size(k: int) -> int:
    """Number of points of S_δ with δ = 2^-k: ``2/δ + 1 = 2^(k+1) + 1``.

    >>> grid_size(3)
    17
    """
    _check_scale(k)
    return 2 ** (k + 1) + 1


def grid_bound(k: int) -> int:
    """Largest scaled value of S_δ (δ = 2^-k), i.e. the scaled value of 1: ``2^k``.

    >>> grid_bound(4)
    16
    """
    _check_scale(k)
    return 2**k


def _check_scale(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InputError(f"precision exponent k: expected an integer >= 0, got {k!r}")


def _round_div_pow2(v: int, s: int, mode: RoundingMode) -> int:
    """Round the exact rational v / 2^s to an integer (s >= 0) with the given mode."""
    if s == 0:
        return v
    q = v >> s  # floor division by 2^s for Python ints, negative included
    rem = v - (q << s)  # 0 <= rem < 2^s
    if rem == 0 or mode is RoundingMode.FLOOR:
        return q
    if mode is RoundingMode.CEIL:
        return q + 1
    if mode is RoundingMode.TOWARD_ZERO:
        return q + 1 if v < 0 else q
    half = 1 << (s - 1)
    if rem > half:
        return q + 1
    if rem < half:
        return q
    if mode is RoundingMode.NEAREST_AWAY:
        return q if v < 0 else q + 1
    return q if q % 2 == 0 else q + 1  # ties to even


def rescale(value: int, from_k: int, to_k: int, mode: RoundingMode | str = DEFAULT_ROUNDING) -> int:
    """Move a scaled integer from scale ``from_k`` to scale ``to_k`` (both δ = 2^-k exponents).

    Raising precision (``to_k >= from_k``) is exact. Lowering it computes ``[x]_γ`` with
    ``γ = 2^-to_k`` by exact integer division and the given rounding mode.

    >>> rescale(5, 2, 0)          # 5/4 = 1.25 -> nearest integer is 1
    1
    >>> rescale(6, 2, 0)          # 6/4 = 1.5 -> tie, to even: 2
    2
    >>> rescale(-6, 2, 0, "toward-zero")   # -1.5 -> -1
    -1
    >>> rescale(3, 1, 3)          # 1.5 at scale 3 is 12/8
    12
    """
    _check_scale(from_k)
    _check_scale(to_k)
    mode = RoundingMode.parse(mode)
    value = _as_exact_int(value, "value")
    if to_k >= from_k:
        return value << (to_k - from_k)
    return _round_div_pow2(value, from_k - to_k, mode)


def rescale_array(values: np.ndarray, from_k: int, to_k: int,
                  mode: RoundingMode | str = DEFAULT_ROUNDING) -> np.ndarray:
    """Vectorized :func:`rescale` for int64 arrays (same conventions, exact integer arithmetic).

    Raising precision checks that the result still fits in int64 and raises otherwise.

    >>> rescale_array(np.array([5, 6, 7, -6]), 2, 0).tolist()
    [1, 2, 2, -2]
    """
    _check_scale(from_k)
    _check_scale(to_k)
    mode = RoundingMode.parse(mode)
    v = np.asarray(values)
    if v.dtype.kind not in "iu":
        raise InputError(f"values: expected an integer array, got dtype {v.dtype}")
    v = v.astype(np.int64)
    if to_k >= from_k:
        s = to_k - from_k
        limit = np.iinfo(np.int64).max >> s
        if v.size and int(np.abs(v).max()) > limit:
            raise InputError(f"values: raising precision by 2^{s} overflows int64")
        return v << s
    s = from_k - to_k
    if s >= 63:
        v = v.astype(object)
        return np.array([_round_div_pow2(int(x), s, mode) for x in v.ravel()],
                        dtype=np.int64).reshape(v.shape)
    q = v >> s  # arithmetic shift: floor
    rem = v - (q << s)
    if mode is RoundingMode.FLOOR:
        return q
    up = rem != 0
    if mode is RoundingMode.CEIL:
        return q + up
    if mode is RoundingMode.TOWARD_ZERO:
        return q + (up & (v < 0))
    half = np.int64(1) << (s - 1)
    tie = rem == half
    if mode is RoundingMode.NEAREST_AWAY:
        tie_up = tie & (v >= 0)
    else:
        tie_up = tie & (q % 2 != 0)
    return q + ((rem > half) | tie_up)


def _as_exact_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name}: expected an integer, got {value!r}")
    return int(value)


def to_scaled(x: int | float | str | Fraction, k: int) -> int:
    """The scaled integer ``x * 2^k`` of a real ``x`` that lies exactly on the grid of scale k.

    Floats are converted exactly (every finite float is a dyadic rational), decimal strings
    exactly through ``Fraction``. A value that is not a multiple of ``2^-k`` is an error naming it.

    >>> to_scaled(0.375, 3)
    3
    >>> to_scaled("-1.25", 2)
    -5
    >>> to_scaled(0.1, 3)
    Traceback (most recent call last):
    ...
    verify.errors.InputError: value 0.1 is not on the grid 2^-3 (needs a finer precision)
    """
    _check_scale(k)
    if isinstance(x, bool):
        raise InputError(f"value: expected a number, got {x!r}")
    try:
        f = Fraction(x)
    except (ValueError, TypeError, OverflowError):
        raise InputError(f"value: expected a finite number, got {x!r}") from None
    scaled = f * (2**k)
    if scaled.denominator != 1:
        raise InputError(f"value {x} is not on the grid 2^-{k} (needs a finer precision)")
    return int(scaled)


def from_scaled(v: int, k: int) -> Fraction:
    """The exact real value ``v * 2^-k`` of a scaled integer, as a Fraction.

    >>> from_scaled(-5, 2)
    Fraction(-5, 4)
    """
    _check_scale(k)
    return Fraction(_as_exact_int(v, "value"), 2**k)
