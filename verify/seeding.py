"""Seeds and exact uniform draws that give the same numbers on every machine.

Every random choice in the tool goes through a ``numpy.random.Generator`` made by
:func:`as_generator`; nothing touches global random state. Draws are made from the bit
generator's raw 64-bit output (PCG64, whose stream is fixed by NumPy's compatibility policy)
with our own exact rejection sampling, so instances do not depend on how a NumPy version
implements ``Generator.integers``: the same seed gives the same instance anywhere.
"""

from __future__ import annotations

import numpy as np

from verify.errors import InputError


def as_generator(seed: None | int | np.random.Generator) -> np.random.Generator:
    """Turn ``None | int | Generator`` into a Generator (PCG64 for ints and None).

    >>> as_generator(7).bit_generator.random_raw() == as_generator(7).bit_generator.random_raw()
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputError(f"seed: expected a non-negative integer, got {seed!r}")
    return np.random.Generator(np.random.PCG64(seed))


def uniform_ints(rng: np.random.Generator, lo: int, hi: int, size: int) -> np.ndarray:
    """``size`` independent integers uniform on ``lo..hi`` (inclusive), exactly, as int64.

    Masked rejection on raw 64-bit words: a word's low ``b`` bits (``2^b >= hi-lo+1``) are kept
    when below the span, otherwise redrawn, so every value has probability exactly 1/span.

    >>> uniform_ints(as_generator(1), -3, 3, 5).tolist() == uniform_ints(as_generator(1), -3, 3, 5).tolist()
    True
    """
    span = hi - lo + 1
    if span < 1 or span > 2**62 or lo < -(2**62) or hi > 2**62:
        raise InputError(f"uniform draw: bounds {lo}..{hi} must satisfy lo <= hi and fit in 63 bits")
    mask = np.uint64((1 << max(span - 1, 0).bit_length()) - 1)
    out = np.empty(size, dtype=np.int64)
    filled = 0
    while filled < size:
        need = size - filled
        raw = rng.bit_generator.random_raw(need + need // 2 + 8) & mask
        good = raw[raw < np.uint64(span)][:need]
        out[filled:filled + good.size] = good.astype(np.int64) + lo
        filled += good.size
    return out


def fair_bits(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` fair coin flips as a bool array (the low bit of raw words)."""
    return (rng.bit_generator.random_raw(size) & np.uint64(1)).astype(bool)


def random_permutation(rng: np.random.Generator, n: int) -> np.ndarray:
    """A uniform permutation of ``0..n-1`` (stable sort of raw 64-bit keys)."""
    keys = rng.bit_generator.random_raw(n)
    return np.argsort(keys, kind="stable")
