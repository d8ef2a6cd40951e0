"""Meet in the middle for vector subset sum, every coordinate exact and separate.

The weight vectors are split into halves A (first ⌊n/2⌋) and B. All ``2^|A|`` and ``2^|B|`` half
sums are enumerated as ``(2^m, dim)`` int64 arrays (row i is the sum of the vectors whose bit is
set in i). B's rows get one more column, the subset's size, and are sorted lexicographically by
exact keys (``verify.prefilter.vector_keys``: one int64 when the mixed-radix packing of B's box
provably fits, else big-endian words compared as bytes). Every A-sum a looks up ``(t - a, 0)``:
the first B row at or after it is a match exactly when its vector part equals ``t - a``, and has
the fewest elements among the matches; with a fixed size k it looks up ``(t - a, k - |a|)``.

int64 is used when every column's Σ|a_ij| is below 2^62 (``vector.int64_exact``, checked up
front), so no sum or difference overflows. Otherwise the halves are exact Python integers in
dictionaries keyed by the vector, offered up to ``OBJECT_MAX_N`` weights (2^16 half sums).
Cost: about ``2^(n/2)·(dim + log)`` time and ``2^(n/2)·(2·dim + 4)·8`` bytes.
"""

from __future__ import annotations

import numpy as np

from verify.errors import InputError
from verify.prefilter.budget import require
from verify.prefilter.vector import int64_exact
from verify.prefilter.vector_keys import RowKeys

CHUNK = 1 << 18  # A-sums searched per batch: bounds the temporaries
OBJECT_MAX_N = 32  # exact Python-integer halves up to here: 2^16 half sums each


def applies(weights) -> bool:
    """Whether vector meet in the middle can run: int64 columns, or at most ``OBJECT_MAX_N``
    weights for the exact Python-integer halves."""
    return int64_exact(weights) or len(weights) <= OBJECT_MAX_N


def memory_needed(n: int, dim: int) -> int:
    """Bytes of the tables for n weight vectors of dimension ``dim`` (int64 case): both halves'
    rows, B's keys, order and sorted rows, and the temporaries of one batch."""
    n1, n2 = n // 2, n - n // 2
    per_b = 8 * (2 * (dim + 1) + 2 + 2)
    return 8 * (dim + 1) * (1 << n1) + per_b * (1 << n2) + 8 * (3 * dim + 6) * min(CHUNK, 1 << n1)


def _half_sums(vectors: np.ndarray) -> np.ndarray:
    """All ``2^m`` subset sums of the m rows of ``vectors``, row i for the subset of bits of i."""
    s = np.zeros((1, vectors.shape[1]), dtype=vectors.dtype)
    for v in vectors:
        s = np.concatenate([s, s + v])
    return s


def _popcounts(m: int) -> np.ndarray:
    return np.bitwise_count(np.arange(1 << m, dtype=np.uint64)).astype(np.int64)


def _bits(mask: int, offset: int) -> list[int]:
    return [offset + j for j in range(mask.bit_length()) if (mask >> j) & 1]


class VectorMeetInTheMiddle:
    """Half-sum tables of vector weights, answering witness, count and fewest queries.

    >>> m = VectorMeetInTheMiddle([(1, 0), (0, 1), (1, 1), (2, -1)])
    >>> m.witness((2, 1)), m.witness((5, 5)), m.count((1, 1))
    ((0, 2), None, 2)
    >>> m.witness((2, 1), k=1), m.fewest((3, 0))
    (None, (2, (2, 3)))
    """

    def __init__(self, weights, *, budget=None):
        self.weights = tuple(tuple(int(v) for v in w) for w in weights)
        self.n = n = len(self.weights)
        self.dim = dim = len(self.weights[0])
        if not applies(self.weights):
            raise InputError(f"vector meet-in-the-middle: a coordinate's Σ|a| is not below 2^62 "
                             f"(int64 cannot hold its sums) and n = {n} is over {OBJECT_MAX_N}, "
                             f"the most weights for its exact Python-integer tables")
        self.n1 = n // 2
        self.n2 = n - self.n1
        self.exact_int64 = int64_exact(self.weights)
        if not self.exact_int64:
            # a tuple of dim Python integers, its mask and size, and a dictionary slot per half sum
            key_bytes = max(sum(abs(w[j]) for w in self.weights).bit_length() for j in range(dim)) // 8 + 32
            require((1 << self.n2) * (dim * key_bytes + 200) * 2, budget,
                    f"vector meet-in-the-middle over {n} weights in exact Python integers",
                    "raise --memory-budget")
            self._build_objects()
            return
        require(memory_needed(n, dim), budget, f"vector meet-in-the-middle over {n} weights of "
                f"dimension {dim} (2^{self.n1} + 2^{self.n2} half sums)",
                "raise --memory-budget, or use --method dp")
        w = np.array(self.weights, dtype=np.int64).reshape(n, dim)
        self.sums_a = _half_sums(w[:self.n1])
        self.pc_a = _popcounts(self.n1)
        rows_b = np.concatenate([_half_sums(w[self.n1:]), _popcounts(self.n2)[:, None]], axis=1)
        part = self.weights[self.n1:]
        lows = [sum(min(v[j], 0) for v in part) for j in range(dim)] + [0]
        highs = [sum(max(v[j], 0) for v in part) for j in range(dim)] + [self.n2]
        self.keyer = RowKeys(lows, highs)
        keys = self.keyer.keys(rows_b)
        self.order_b = np.argsort(keys, kind="stable")
        self.keys_b = keys[self.order_b]
        self.rows_b = rows_b[self.order_b]

    def _build_objects(self) -> None:
        """Python-integer halves: B's vectors map to ``[(size, mask), ...]`` sorted by size."""
        def half(vs):
            out = [((0,) * self.dim, 0, 0)]
            for i, v in enumerate(vs):
                out += [(tuple(a + b for a, b in zip(s, v)), m | (1 << i), c + 1) for s, m, c in out]
            return out

        self.half_a = half(self.weights[:self.n1])
        table: dict = {}
        for s, m, c in half(self.weights[self.n1:]):
            table.setdefault(s, []).append((c, m))
        for entries in table.values():
            entries.sort()
        self.table_b = table

    def _witness_from(self, mask_a: int, mask_b: int) -> tuple[int, ...]:
        return tuple(_bits(mask_a, 0) + _bits(mask_b, self.n1))

    def _chunks(self, first: int = CHUNK):
        """Batches of A-sums, ``first`` of them then doubling up to CHUNK (a target with many
        solutions is hit in the first, small batch)."""
        start, size = 0, first
        while start < self.sums_a.shape[0]:
            yield start, self.sums_a[start:start + size], self.pc_a[start:start + size]
            start += size
            size = min(2 * size, CHUNK)

    def _probe(self, target, sa: np.ndarray, sizes: np.ndarray, side: str = "left"):
        """For each A row: the rows ``(t - a, size)`` inside B's box (a bool mask), and for those
        the position of the first (``left``) or past the last (``right``) B row at or below it."""
        need = np.concatenate([np.asarray(target, dtype=np.int64)[None, :] - sa, sizes[:, None]], axis=1)
        ok = self.keyer.inside(need)
        pos = np.searchsorted(self.keys_b, self.keyer.keys(need[ok]), side=side)
        return need, ok, pos

    def _outside(self, target) -> bool:
        lows = [sum(min(v[j], 0) for v in self.weights) for j in range(self.dim)]
        highs = [sum(max(v[j], 0) for v in self.weights) for j in range(self.dim)]
        return any(not lo <= t <= hi for t, lo, hi in zip(target, lows, highs))

    def witness(self, target, k: int | None = None) -> tuple[int, ...] | None:
        """Sorted indices of a subset summing to ``target`` (of exactly ``k`` elements), or None."""
        target = tuple(int(v) for v in target)
        if self._outside(target):
            return None
        if not self.exact_int64:
            for s, ma, ca in self.half_a:
                for c, mb in self.table_b.get(tuple(t - v for t, v in zip(target, s)), ()):
                    if k is None or c + ca == k:
                        return self._witness_from(ma, mb)
            return None
        for start, sa, pa in self._chunks(first=1 << 10):
            sizes = np.zeros_like(pa) if k is None else np.int64(k) - pa
            need, ok, pos = self._probe(target, sa, sizes)
            idx = np.flatnonzero(ok)
            valid = pos < self.keys_b.size
            idx, pos = idx[valid], pos[valid]
            cols = self.dim if k is None else self.dim + 1
            match = np.all(self.rows_b[pos, :cols] == need[idx, :cols], axis=1)
            if match.any():
                j = int(np.argmax(match))
                return self._witness_from(start + int(idx[j]), int(self.order_b[pos[j]]))
        return None

    def count(self, target, k: int | None = None) -> int:
        """Exact number of subsets summing to ``target`` (with exactly ``k`` elements)."""
        target = tuple(int(v) for v in target)
        if self._outside(target):
            return 0
        if not self.exact_int64:
            return sum(1 for s, _, ca in self.half_a
                       for c, _ in self.table_b.get(tuple(t - v for t, v in zip(target, s)), ())
                       if k is None or c + ca == k)
        total = 0
        for _, sa, pa in self._chunks():
            lo_size = np.zeros_like(pa) if k is None else np.int64(k) - pa
            hi_size = np.full_like(pa, self.n2) if k is None else lo_size
            # the size column ranges over 0..n2 (any size) or is k - |a| (both probes alike),
            # so both probes keep the same rows
            lo = self._probe(target, sa, lo_size, "left")[2]
            hi = self._probe(target, sa, hi_size, "right")[2]
            total += int((hi - lo).sum())
        return total

    def fewest(self, target) -> tuple[int, tuple[int, ...]] | None:
        """``(fewest elements, a witness of that size)`` for ``target``, or None if unreachable."""
        target = tuple(int(v) for v in target)
        if self._outside(target):
            return None
        best = None
        if not self.exact_int64:
            for s, ma, ca in self.half_a:
                entries = self.table_b.get(tuple(t - v for t, v in zip(target, s)))
                if entries and (best is None or ca + entries[0][0] < best[0]):
                    best = (ca + entries[0][0], self._witness_from(ma, entries[0][1]))
            return best
        for start, sa, pa in self._chunks():
            need, ok, pos = self._probe(target, sa, np.zeros_like(pa))
            idx = np.flatnonzero(ok)
            valid = pos < self.keys_b.size
            idx, pos = idx[valid], pos[valid]
            match = np.all(self.rows_b[pos, :self.dim] == need[idx, :self.dim], axis=1)
            if not match.any():
                continue
            idx, pos = idx[match], pos[match]
            sizes = pa[idx] + self.rows_b[pos, self.dim]
            j = int(np.argmin(sizes))
            if best is None or int(sizes[j]) < best[0]:
                best = (int(sizes[j]), self._witness_from(start + int(idx[j]), int(self.order_b[pos[j]])))
        return best
