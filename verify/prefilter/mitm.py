"""Meet-in-the-middle (Horowitz–Sahni) for subset sum, vectorized with sorted half-sums.

The weights are split into halves A (first ⌊n/2⌋) and B. All ``2^|A|`` and ``2^|B|`` subset
sums are enumerated with NumPy (the index of a sum, read in binary, is its subset), B's are
sorted, and every A-sum looks up ``t - sum`` by binary search. Cost: about ``2^(n/2)·n`` time and
``2^(n/2)`` memory, independent of the weights' magnitude, so it decides instances at any
precision whose sum range is far too wide for a bitset; n up to about 44-48 fits in a few GiB.

With subset sizes, each B-sum is keyed as ``sum·(n+1) + |subset|``, so a single search finds an
exact-size match, and the smallest key with a given sum gives the fewest elements. The arithmetic
is int64 when the bound checked up front (``Σ|a_i|·(n+1) < 2^62``) rules out overflow; beyond it
the same tables hold Python integers (NumPy object arrays: exact at any size, about 30x slower and
6x larger), which is only offered up to ``OBJECT_MAX_N`` weights, where that is still instant.
"""

from __future__ import annotations

import sys

import numpy as np

from verify.errors import InputError
from verify.prefilter.budget import require

CHUNK = 1 << 20  # A-sums searched per batch: bounds the temporaries to a few tens of MiB
INT64_SAFE = 1 << 62
OBJECT_MAX_N = 32  # exact Python-integer tables up to here: 2^16 half-sums, well under a second


def _subset_sums(weights: tuple[int, ...], dtype) -> np.ndarray:
    """All 2^m subset sums; entry i is the sum of the weights whose bit is set in i."""
    s = np.zeros(1, dtype=dtype)
    for a in weights:
        s = np.concatenate([s, s + (np.int64(a) if dtype is np.int64 else a)])
    return s


def _popcounts(m: int) -> np.ndarray:
    return np.bitwise_count(np.arange(1 << m, dtype=np.uint64)).astype(np.int64)


def _bits(mask: int, offset: int) -> list[int]:
    return [offset + j for j in range(mask.bit_length()) if (mask >> j) & 1]


def fits_int64(weights) -> bool:
    """Whether every key of the tables (a sum times n+1 plus a size) stays below 2^62."""
    n = len(weights)
    return sum(abs(a) for a in weights) * (n + 1) + n < INT64_SAFE


def applies(weights) -> bool:
    """Whether meet in the middle can run on these weights: int64 tables, or exact Python
    integers for at most ``OBJECT_MAX_N`` weights."""
    return fits_int64(weights) or len(weights) <= OBJECT_MAX_N


def memory_needed(n: int, weights=None) -> int:
    """Bytes the meet-in-the-middle tables need for n weights (with sizes: the larger case);
    given the weights, for the exact Python-integer tables when int64 cannot hold them."""
    n1 = n // 2
    entry = 8
    if weights is not None and not fits_int64(weights):
        # a pointer plus the int object of a key (sum·(n+1) + size), and as much for temporaries
        key_bits = (sum(abs(a) for a in weights) * (n + 1) + n).bit_length()
        entry = 2 * (8 + sys.getsizeof(1 << key_bits))
    return entry * (2 * (1 << n1) + 4 * (1 << (n - n1))) + 6 * entry * min(CHUNK, 1 << n1)


class MeetInTheMiddle:
    """Half-sum tables of a weight list, answering decision, witness, count and fewest queries.

    >>> m = MeetInTheMiddle((3, -5, 7, 11))
    >>> m.witness(13), m.witness(4), m.count(6)
    ((1, 2, 3), None, 1)
    >>> m.witness(2, k=2), m.fewest(13)
    ((1, 2), (3, (1, 2, 3)))
    """

    def __init__(self, weights, *, budget=None):
        self.weights = tuple(int(a) for a in weights)
        self.n = n = len(self.weights)
        if not applies(self.weights):
            raise InputError(f"meet-in-the-middle: the weights are too large for exact int64 sums "
                             f"(needs Σ|a|·(n+1) < 2^62) and n = {n} is over {OBJECT_MAX_N}, the "
                             f"most weights for its exact Python-integer tables")
        self.exact_int64 = fits_int64(self.weights)
        # int64 scalars keep NumPy in int64; Python ints in object arrays stay exact
        self._int = np.int64 if self.exact_int64 else int
        require(memory_needed(n, self.weights), budget, f"meet-in-the-middle over {n} weights "
                f"(2^{n // 2} + 2^{n - n // 2} half-sums)", "raise --memory-budget, or split the instance")
        self.lo = sum(a for a in self.weights if a < 0)
        self.hi = sum(a for a in self.weights if a > 0)
        dtype = np.int64 if self.exact_int64 else object
        self.n1 = n // 2
        self.sums_a = _subset_sums(self.weights[:self.n1], dtype)
        self.pc_a = _popcounts(self.n1).astype(dtype)
        sums_b = _subset_sums(self.weights[self.n1:], dtype)
        keys_b = sums_b * self._int(n + 1) + _popcounts(n - self.n1).astype(dtype)
        self.order_b = np.argsort(keys_b, kind="stable")
        self.keys_b = keys_b[self.order_b]
        self.sums_b_sorted = self.sums_b_of_keys(self.keys_b)

    def sums_b_of_keys(self, keys: np.ndarray) -> np.ndarray:
        return np.floor_divide(keys, self._int(self.n + 1))

    def _outside(self, target: int) -> bool:
        """Outside [Σ negatives, Σ positives]: no subset reaches it (and int64 need not hold it)."""
        return not self.lo <= target <= self.hi

    def _witness_from(self, ia: int, pos: int) -> tuple[int, ...]:
        return tuple(_bits(ia, 0) + _bits(int(self.order_b[pos]), self.n1))

    def _chunks(self, first: int = CHUNK):
        """Batches of A-sums: ``first`` of them, then twice as many each time, up to CHUNK (a
        witness search starts small: a target with many solutions is hit in the first batch)."""
        start, size = 0, first
        while start < self.sums_a.size:
            yield start, self.sums_a[start:start + size], self.pc_a[start:start + size]
            start += size
            size = min(2 * size, CHUNK)

    def witness(self, target: int, k: int | None = None) -> tuple[int, ...] | None:
        """Sorted indices of a subset summing to ``target`` (of exactly ``k`` elements), or None."""
        if self._outside(target):
            return None
        n1 = self._int(self.n + 1)
        for start, sa, pa in self._chunks(first=1 << 10):
            need = self._int(target) - sa
            if k is None:
                pos = np.searchsorted(self.sums_b_sorted, need, side="left")
                ok = pos < self.keys_b.size
                ok[ok] = self.sums_b_sorted[pos[ok]] == need[ok]
            else:
                key = need * n1 + (self._int(k) - pa)
                pos = np.searchsorted(self.keys_b, key, side="left")
                ok = (pos < self.keys_b.size) & (pa <= k) & (k - pa <= self.n - self.n1)
                ok[ok] = self.keys_b[pos[ok]] == key[ok]
            hits = np.flatnonzero(ok)
            if hits.size:
                i = int(hits[0])
                return self._witness_from(start + i, int(pos[i]))
        return None

    def count(self, target: int, k: int | None = None) -> int:
        """Exact number of subsets summing to ``target`` (with exactly ``k`` elements)."""
        if self._outside(target):
            return 0
        total = 0
        n1 = self._int(self.n + 1)
        for _, sa, pa in self._chunks():
            need = self._int(target) - sa
            if k is None:
                lo = np.searchsorted(self.sums_b_sorted, need, side="left")
                hi = np.searchsorted(self.sums_b_sorted, need, side="right")
            else:
                key = need * n1 + (self._int(k) - pa)
                lo = np.searchsorted(self.keys_b, key, side="left")
                hi = np.searchsorted(self.keys_b, key, side="right")
                valid = (pa <= k) & (k - pa <= self.n - self.n1)
                lo, hi = lo[valid], hi[valid]
            total += int((hi - lo).sum())
        return total

    def fewest(self, target: int) -> tuple[int, tuple[int, ...]] | None:
        """``(fewest elements, a witness of that size)`` for ``target``, or None if unreachable."""
        if self._outside(target):
            return None
        best = None
        n1 = self._int(self.n + 1)
        for start, sa, pa in self._chunks():
            need = self._int(target) - sa
            pos = np.searchsorted(self.keys_b, need * n1, side="left")  # smallest size first
            ok = pos < self.keys_b.size
            ok[ok] = self.sums_b_sorted[pos[ok]] == need[ok]
            if not ok.any():
                continue
            idx = np.flatnonzero(ok)
            sizes = pa[idx] + (self.keys_b[pos[idx]] - need[idx] * n1)
            j = int(np.argmin(sizes))
            if best is None or int(sizes[j]) < best[0]:
                best = (int(sizes[j]), self._witness_from(start + int(idx[j]), int(pos[idx[j]])))
        return best
