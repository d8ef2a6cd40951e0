"""Exact solution counts: how many subsets reach each target, as arbitrary-precision integers.

The counts are the coefficients of ``Π_i (1 + x^{|a_i|})`` (in the absolute-value space of
``verify.prefilter.bitset``: the coefficient of ``x^(t - L)`` counts the subsets summing to t).
The polynomial is evaluated at ``x = 2^b`` (Kronecker substitution) in one Python integer, with
``b`` = 64 * ceil((n+1)/64) bits per coefficient: a count is at most ``2^n < 2^b``, so fields
never carry into each other, and every step is a shift and an add in C. Counts for n > 63 need
more than 64 bits, and they get them.

With a fixed size k the polynomial is ``Π_i (1 + y x^{|a_i|})`` (``y + x^{|a_i|}`` for a
negative weight, whose "taken" in absolute space means "not chosen"): each sum owns ``n+1``
fields, one per subset size.
"""

from __future__ import annotations

import numpy as np

from verify.prefilter.budget import require


class SolutionCounts:
    """Exact counts of subsets per target sum (of exactly ``size`` elements if given).

    >>> c = SolutionCounts((1, 1, 2, -1))
    >>> c.count(1), c.count(5), c.counts(-1, 2)
    (4, 0, [1, 3, 4, 4])
    >>> SolutionCounts((1, 1, 2, -1), size=2).count(1)   # only {2, -1}
    1
    >>> SolutionCounts([1] * 70).count(35) == __import__("math").comb(70, 35)
    True
    """

    def __init__(self, weights, *, size: int | None = None, budget=None):
        self.weights = tuple(int(a) for a in weights)
        self.n = len(self.weights)
        self.size = size
        self.offset = sum(a for a in self.weights if a < 0)
        self.top = sum(a for a in self.weights if a > 0)
        self.field = 64 * -(-(self.n + 1) // 64)
        self.slot = self.field * (self.n + 1 if size is not None else 1)
        rows = self.top - self.offset + 1
        require(3 * rows * self.slot // 8, budget,
                f"exact counting over {rows:,} sums ({self.slot} bits each)",
                "raise --memory-budget, or count with --method mitm")
        b, S = self.field, self.slot
        acc = 1
        for a in sorted(self.weights, key=abs):
            if size is None:
                acc += acc << (abs(a) * b)
            elif a < 0:
                acc = (acc << b) + (acc << (-a * S))
            else:
                acc += acc << (a * S + b)
        self._acc = acc
        self._rows = rows

    def count(self, target: int) -> int:
        """Number of subsets summing to ``target`` (exact)."""
        if not self.offset <= target <= self.top:
            return 0
        k = self.size or 0
        return (self._acc >> ((target - self.offset) * self.slot + k * self.field)) & ((1 << self.field) - 1)

    def counts(self, lo: int, hi: int) -> list[int]:
        """Exact counts for every target ``lo..hi``, as Python integers."""
        out = [0] * (hi - lo + 1)
        a, b = max(lo, self.offset), min(hi, self.top)
        if a > b:
            return out
        words = np.frombuffer(self._acc.to_bytes(self._rows * self.slot // 8, "little"), dtype="<u8")
        per_slot, per_field = self.slot // 64, self.field // 64
        table = words.reshape(self._rows, per_slot)[a - self.offset:b - self.offset + 1]
        k = self.size or 0
        limbs = table[:, k * per_field:(k + 1) * per_field]
        if per_field == 1:
            values = limbs[:, 0].tolist()
        else:
            values = [sum(int(x) << (64 * j) for j, x in enumerate(row)) for row in limbs.tolist()]
        out[a - lo:b - lo + 1] = values
        return out
