"""Cheap necessary conditions, checked before any table is built, each with its reason.

A target that fails one is answered ``unsat-exhaustive`` with the condition as the method:
the argument covers every subset at once, so it is exhaustive evidence, not a guess.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Refutation(NamedTuple):
    method: str  # "range", "gcd" or "size-range"
    evidence: str


def gcd_of(values) -> int:
    """gcd of the values (0 when all are zero).

    >>> gcd_of([6, -9, 0, 15])
    3
    """
    g = 0
    for v in values:
        g = math.gcd(g, v)
    return g


def refute(weights: tuple[int, ...], target: int, size: int | None = None,
           g: int | None = None) -> Refutation | None:
    """A reason why no subset of ``weights`` sums to ``target`` (with ``size`` elements if set),
    or None when these cheap conditions cannot rule it out.

    >>> refute((4, 6, -2), 11).method
    'range'
    >>> refute((4, 6, -2), 5).method
    'gcd'
    >>> refute((1, 2, 3), 6, size=1).method
    'size-range'
    >>> refute((1, 2, 3), 5) is None
    True
    """
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    if not lo <= target <= hi:
        return Refutation("range", f"target {target} is outside the reachable range [{lo}, {hi}] "
                                   f"(sum of negative weights, sum of positive weights)")
    g = gcd_of(weights) if g is None else g
    if g == 0 and target != 0 or g > 1 and target % g:
        return Refutation("gcd", f"every subset sum is a multiple of gcd(weights) = {g}, "
                                 f"and {target} is not")
    if size is not None:
        ordered = sorted(weights)
        smallest = sum(ordered[:size])
        largest = sum(ordered[len(ordered) - size:]) if size else 0
        if not smallest <= target <= largest:
            return Refutation("size-range", f"every subset of {size} weights sums to a value in "
                                            f"[{smallest}, {largest}], and {target} is not in it")
    return None
