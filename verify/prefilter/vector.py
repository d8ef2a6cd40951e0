"""Vector subset sum: per-coordinate conditions, and the exact packing of a small box.

Coordinate j of any subset sum lies in ``[L_j, U_j]`` (Σ negative / Σ positive entries of column
j). The vector methods (``vector_mitm``, ``vector_table``) compute every coordinate exactly and
separately; this module holds what they share:

- ``screen_vectors``: the cheap necessary conditions, one coordinate at a time (range, gcd,
  size range, each refutation naming its coordinate), and the columns divided by their gcds.
- ``int64_exact``: whether int64 holds every sum and difference of a column (Σ|a_ij| < 2^62).
- ``scalarize``: the mixed-radix packing of the box into one integer, used only where the box
  is small enough for a dense table (``vector_table``): a vector v maps to ``Σ_j v_j·P_j`` with
  ``P_j = Π_{i<j} r_i``, ``r_j = U_j - L_j + 1``. For any subset the image of its sum is
  ``C + Σ_j (s_j - L_j) P_j`` with digits ``s_j - L_j`` in ``[0, r_j)``, which determine s
  uniquely; so a subset reaches t (inside the box) exactly when its image reaches t's image.
  Python integers throughout: the packing itself never overflows.
"""

from __future__ import annotations

from typing import NamedTuple

from verify.prefilter.conditions import Conditions

INT64_SAFE = 1 << 62  # a column's Σ|a| below this: sums, t - s and offsets all fit in int64


def columns_of(weights) -> list[tuple[int, ...]]:
    """The weight vectors' coordinates as columns: ``columns_of(w)[j][i] == w[i][j]``."""
    return [tuple(w[j] for w in weights) for j in range(len(weights[0]))]


def box(weights) -> tuple[list[int], list[int]]:
    """``(lows, highs)``: per coordinate the sum of the negative and of the positive entries;
    every subset sum lies in this box."""
    cols = columns_of(weights)
    return [sum(a for a in c if a < 0) for c in cols], [sum(a for a in c if a > 0) for c in cols]


def int64_exact(weights) -> bool:
    """Whether every coordinate of every subset sum, and every difference of two of them, fits
    int64 (each column's Σ|a| below 2^62)."""
    return all(sum(abs(a) for a in c) < INT64_SAFE for c in columns_of(weights))


class Screened(NamedTuple):
    """The outcome of :func:`screen_vectors`."""

    weights: tuple[tuple[int, ...], ...]  # columns divided by their gcds (a zero column stays 0)
    divisors: tuple[int, ...]  # each column's gcd (1 for a zero column)
    todo: list[int]  # indices of the targets no condition refuted
    reduced: list[tuple[int, ...]]  # for each todo index: the target divided by the divisors
    refuted: dict[int, tuple[str, str]]  # index -> (method, evidence)


def screen_vectors(weights, targets, size: int | None = None) -> Screened:
    """Check every target against each coordinate's range, gcd and (with ``size``) size range
    (``verify.prefilter.conditions``), and divide each column by its gcd.

    >>> s = screen_vectors([(2, 1), (4, 0)], [(6, 1), (3, 1), (2, 5)])
    >>> s.weights, s.todo, s.reduced, sorted(m for m, _ in s.refuted.values())
    (((1, 1), (2, 0)), [0], [(3, 1)], ['gcd', 'range'])
    """
    cols = columns_of(weights)
    conds = [Conditions(c, size) for c in cols]
    divisors = tuple(max(c.g, 1) for c in conds)
    todo, reduced, refuted = [], [], {}
    for i, t in enumerate(targets):
        for j, (c, v) in enumerate(zip(conds, t)):
            r = c.refute(v)
            if r is not None:
                refuted[i] = (r.method, f"coordinate {j}: {r.evidence}")
                break
        else:
            todo.append(i)
            reduced.append(tuple(v // g for v, g in zip(t, divisors)))
    divided = tuple(tuple(a // g for a, g in zip(w, divisors)) for w in weights)
    return Screened(divided, divisors, todo, reduced, refuted)


def box_points(weights) -> int:
    """Number of points of the box (``Π r_j``): the size of a dense table over it."""
    lows, highs = box(weights)
    p = 1
    for lo, hi in zip(lows, highs):
        p *= hi - lo + 1
    return p


class Scalarized(NamedTuple):
    weights: tuple[int, ...]
    targets: list[int | None]  # None: the target leaves the box (refuted by range)
    refutations: list[str | None]  # for None targets: which coordinate is out of range
    scalar_range: int  # number of points of the packed range, Π r_j


def scalarize(weights, targets) -> Scalarized:
    """Pack vector weights and targets into integers (see the module docstring).

    >>> s = scalarize([(1, 0), (0, 1), (1, 1)], [(1, 1), (3, 0)])
    >>> s.weights, s.targets
    ((1, 3, 4), [4, None])
    """
    dim = len(weights[0])
    lows, highs = box(weights)
    places, p = [], 1
    for lo, hi in zip(lows, highs):
        places.append(p)
        p *= hi - lo + 1
    packed = tuple(sum(w[j] * places[j] for j in range(dim)) for w in weights)
    out, why = [], []
    for t in targets:
        bad = next((j for j in range(dim) if not lows[j] <= t[j] <= highs[j]), None)
        if bad is None:
            out.append(sum(t[j] * places[j] for j in range(dim)))
            why.append(None)
        else:
            out.append(None)
            why.append(f"coordinate {bad} of the target, {t[bad]}, is outside the reachable range "
                       f"[{lows[bad]}, {highs[bad]}]")
    return Scalarized(packed, out, why, p)
