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


class Conditions:
    """The necessary conditions of one weight list (and subset size), computed once and asked
    per target.

    >>> c = Conditions((4, 6, -2))
    >>> c.refute(11).method, c.refute(5).method, c.refute(4) is None
    ('range', 'gcd', True)
    >>> Conditions((1, 2, 3), size=1).refute(6).method
    'size-range'
    """

    def __init__(self, weights, size: int | None = None, g: int | None = None):
        self.lo = sum(a for a in weights if a < 0)
        self.hi = sum(a for a in weights if a > 0)
        self.g = gcd_of(weights) if g is None else g
        self.size = size
        if size is not None:
            ordered = sorted(weights)
            self.size_lo = sum(ordered[:size])
            self.size_hi = sum(ordered[len(ordered) - size:]) if size else 0

    def refute(self, target: int) -> Refutation | None:
        """A reason why no subset sums to ``target`` (with ``size`` elements if set), or None
        when these cheap conditions cannot rule it out."""
        if not self.lo <= target <= self.hi:
            return Refutation("range", f"target {target} is outside the reachable range "
                                       f"[{self.lo}, {self.hi}] (sum of negative weights, sum of "
                                       f"positive weights)")
        g = self.g
        if g == 0 and target != 0 or g > 1 and target % g:
            return Refutation("gcd", f"every subset sum is a multiple of gcd(weights) = {g}, "
                                     f"and {target} is not")
        if self.size is not None and not self.size_lo <= target <= self.size_hi:
            return Refutation("size-range", f"every subset of {self.size} weights sums to a value "
                                            f"in [{self.size_lo}, {self.size_hi}], and {target} is not in it")
        return None
