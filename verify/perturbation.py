"""Quantization noise on kept weights: each kept weight moves to a neighbouring grid point with
probability p, independently, seeded (the paper's open problem of ticket robustness).

The function knows nothing of layers or architectures: it takes a sequence of integer arrays of
any shapes (scaled values on the grid ``{-bound..bound}``, i.e. S_δ scaled by 1/δ), the masks of
the same shapes saying which entries are kept, the grid's bound per array, p and a seed. An MLP
passes its weight matrices; a convolutional network would pass its kernels the same way.

Conventions (docs/usage.md, "Robustness to quantization noise"):

- The grid is all of S_δ, 0 included: a kept weight moved to 0 stays in the mask and contributes
  nothing. Only kept entries move; pruned entries are untouched (they stay pruned).
- A moving weight goes one grid step (δ, i.e. 1 in scaled units) up or down, each with
  probability 1/2; at an edge of the grid (``±bound``) its only neighbour is inward, so it moves
  inward with probability p (it never leaves the grid).
- Exact probability: a weight moves iff ``U < p·Q``, with ``U`` uniform on ``{0..Q-1}`` from
  raw PCG64 output (``verify.seeding.uniform_ints``), ``Q = 10^12`` when ``p·10^12`` is an
  integer (every decimal p with up to 12 digits) and p's denominator otherwise: the probability
  is exactly p, no float is involved. One ``U`` and one direction bit are drawn for every kept
  entry whether it moves or not, array by array in row-major order, so for a fixed seed the set
  of moved weights only grows with p (common random numbers across p: curves against p are
  monotone per seed, not only on average).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.errors import InputError
from verify.seeding import as_generator, fair_bits, uniform_ints

COMMON_DENOMINATOR = 10**12  # Q for every decimal p with up to 12 digits (module docstring)


def probability(p) -> Fraction:
    """``p`` as an exact fraction in [0, 1] (an int, a Fraction, or a string like ``"0.01"``
    or ``"1/100"``; floats are refused, their binary value is rarely the p meant)."""
    if isinstance(p, bool) or not isinstance(p, (int, str, Fraction)):
        raise InputError(f"p: expected an exact probability like \"0.01\" or \"1/100\", got {p!r}")
    try:
        value = Fraction(p)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"p: expected an exact probability like \"0.01\" or \"1/100\", got {p!r}") from None
    if not 0 <= value <= 1:
        raise InputError(f"p: expected a probability in [0, 1], got {p!r}")
    return value


def _threshold(p: Fraction) -> tuple[int, int]:
    """(a, Q): a weight moves iff U < a, U uniform on {0..Q-1}, and a / Q = p exactly."""
    scaled = p * COMMON_DENOMINATOR
    if scaled.denominator == 1:
        return int(scaled), COMMON_DENOMINATOR
    return p.numerator, p.denominator


@dataclass(frozen=True)
class Perturbation:
    """The perturbed arrays (int64, the input shapes) and, per array, which entries moved."""

    weights: tuple
    moved: tuple

    @property
    def count(self) -> int:
        """How many weights moved in all."""
        return int(sum(int(m.sum()) for m in self.moved))


def perturb(weights, masks, grid, p, rng) -> Perturbation:
    """Move each kept weight to a neighbouring point of its grid with probability ``p``
    (module docstring for the conventions and the exact draw).

    ``weights``: integer arrays of any shapes, scaled values in ``{-bound..bound}``;
    ``masks``: bool arrays of the same shapes (True: kept, may move); ``grid``: the bound
    (``2^k`` for S_δ, δ = 2^-k) of every array, or one per array; ``p``: an exact probability
    (:func:`probability`); ``rng``: a seed or a ``numpy.random.Generator``.

    >>> w = [np.array([[4, -4, 2, 0]])]; m = [np.array([[True, True, True, False]])]
    >>> perturb(w, m, 4, 1, 7).weights[0].tolist()   # edges move inward; the pruned 0 stays
    [[3, -3, 1, 0]]
    >>> perturb(w, m, 4, 0, 7).count
    0
    """
    weights, masks = list(weights), list(masks)
    if len(weights) != len(masks):
        raise InputError(f"perturb: {len(weights)} weight arrays but {len(masks)} masks")
    bounds = [grid] * len(weights) if isinstance(grid, (int, np.integer)) else list(grid)
    if len(bounds) != len(weights) or any(isinstance(b, bool) or int(b) < 1 for b in bounds):
        raise InputError(f"perturb: expected a grid bound >= 1 per weight array, got {grid!r}")
    a, q = _threshold(probability(p))
    rng = as_generator(rng)
    out, moved = [], []
    for i, (w, m, bound) in enumerate(zip(weights, masks, bounds)):
        w, m, bound = np.asarray(w), np.asarray(m), int(bound)
        if w.shape != m.shape or m.dtype != bool or w.dtype.kind not in "iu":
            raise InputError(f"perturb: array {i}: expected integers and a bool mask of one shape, got "
                             f"{w.dtype} {w.shape} and {m.dtype} {m.shape}")
        new = w.astype(np.int64)
        if new.size and int(np.abs(new).max()) > bound:
            raise InputError(f"perturb: array {i}: a weight lies off the grid {{-{bound}..{bound}}}")
        kept = np.flatnonzero(m.ravel())
        go = uniform_ints(rng, 0, q - 1, kept.size) < a
        up = fair_bits(rng, kept.size)
        values = new.ravel()[kept]
        step = np.where(values == bound, -1, np.where(values == -bound, 1, np.where(up, 1, -1)))
        flat = new.ravel()  # a view: new is a fresh contiguous array
        flat[kept] = values + np.where(go, step, 0)
        hit = np.zeros(w.size, dtype=bool)
        hit[kept[go]] = True
        out.append(new)
        moved.append(hit.reshape(w.shape))
    return Perturbation(tuple(out), tuple(moved))
