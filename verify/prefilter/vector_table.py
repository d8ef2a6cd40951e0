"""The reachable set of a vector subset-sum instance, with witness reconstruction.

Two exact representations of the set of subset sums (vectors, each coordinate exact):

- ``dense``: when the box of all subset sums is small, a bitset over its points. The box is
  packed into one integer range (``vector.scalarize``, an exact bijection of the box) and the
  one-dimensional table ``verify.prefilter.bitset.ReachableSums`` does the work; cost about
  ``n · Π r_j / 64`` word operations, ``Π r_j`` bits per layer kept.
- ``sparse``: otherwise, the set after each prefix of the weights as a sorted array of unique
  exact row keys (``verify.prefilter.vector_keys``), built layer by layer (``S ∪ (S + w_i)``)
  and pruned to the points from which the targets' bounding box is still reachable by the
  remaining weights (a coordinate-wise interval test, so nothing reachable is lost). Cost
  about ``Σ_i |S_i| · (dim + log |S_i|)``; every layer's keys are kept for the witnesses.

A size k (or "fewest elements") adds a column of ones to the weights, so the set holds
``(sum, size)``; the size is the last key digit, so the smallest size of a sum is the first key
at or after ``(sum, 0)``. Witnesses are read backwards: a point of layer i+1 that is in layer i
did not take weight i, otherwise it did. Both representations need int64 columns
(``vector.int64_exact``): beyond that no table is offered.
"""

from __future__ import annotations

import numpy as np

from verify.errors import BudgetExceeded, InternalError
from verify.prefilter.bitset import ReachableSums
from verify.prefilter.budget import human_bytes, require, resolve_budget
from verify.prefilter.vector import box, int64_exact, scalarize
from verify.prefilter.vector_keys import RowKeys

DENSE_MASK_SPAN = 1 << 24  # packed targets spanning more than this are looked up one by one


def _augmented(weights, cardinality: bool) -> np.ndarray:
    w = np.array(weights, dtype=np.int64).reshape(len(weights), -1)
    return np.concatenate([w, np.ones((w.shape[0], 1), dtype=np.int64)], axis=1) if cardinality else w


def _suffix_boxes(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per i the box of the subset sums of weights i..n-1 (row n: the empty suffix, zero)."""
    n, d = w.shape
    lo = np.zeros((n + 1, d), dtype=np.int64)
    hi = np.zeros((n + 1, d), dtype=np.int64)
    for i in range(n - 1, -1, -1):
        lo[i] = lo[i + 1] + np.minimum(w[i], 0)
        hi[i] = hi[i + 1] + np.maximum(w[i], 0)
    return lo, hi


def sparse_estimate(weights, t_lo, t_hi, cardinality: bool) -> tuple[int, int]:
    """(estimated operations, bytes) of the sparse table for targets in the box
    ``[t_lo, t_hi]``: layer i holds at most ``min(2^i, points of the prefix box that can still
    reach the target box)`` rows."""
    n = len(weights)
    w = [tuple(v) + ((1,) if cardinality else ()) for v in weights]
    t_lo = list(t_lo) + ([0] if cardinality else [])
    t_hi = list(t_hi) + ([n] if cardinality else [])
    d = len(w[0])
    suffix_lo = [[0] * d for _ in range(n + 1)]
    suffix_hi = [[0] * d for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        suffix_lo[i] = [a + min(b, 0) for a, b in zip(suffix_lo[i + 1], w[i])]
        suffix_hi[i] = [a + max(b, 0) for a, b in zip(suffix_hi[i + 1], w[i])]
    pre_lo, pre_hi = [0] * d, [0] * d
    rows = widest = 1
    for i in range(n):
        pre_lo = [a + min(b, 0) for a, b in zip(pre_lo, w[i])]
        pre_hi = [a + max(b, 0) for a, b in zip(pre_hi, w[i])]
        points = 1
        for j in range(d):
            lo = max(pre_lo[j], t_lo[j] - suffix_hi[i + 1][j])
            hi = min(pre_hi[j], t_hi[j] - suffix_lo[i + 1][j])
            points *= max(hi - lo + 1, 0)
        layer = min(1 << (i + 1), points)
        rows += layer
        widest = max(widest, layer)
    keys = RowKeys(*box(w)) if int64_exact(w) else None
    words = len(keys.words) if keys is not None and keys.fits else d
    # every layer's keys are kept; the widest layer's rows, doubled and filtered, are the peak
    return rows * (d + 20) * 2, rows * 8 * words + 2 * widest * 8 * (4 * d + words + 2)


def dense_estimate(weights, cardinality: bool) -> tuple[int, int]:
    """(estimated word operations, bytes) of the dense table (the bitset over the packed box)."""
    packed = scalarize(weights, []).weights
    n = len(packed)
    points = sum(abs(a) for a in packed) + 1
    slot = 8 * -(-(n + 1) // 8) if cardinality else 1
    bits = points * slot
    return n * bits // 32 + 1, n * bits // 16 + bits // 2


class VectorTable:
    """Which of ``targets`` (vectors) are subset sums of ``weights`` (of exactly ``size``
    elements; the fewest elements with ``fewest``), each with a witness.

    ``kind`` is ``dense`` or ``sparse`` (module docstring); None picks the cheaper one that
    fits ``budget``.

    >>> t = VectorTable([(1, 0), (0, 1), (1, 1)], [(1, 1), (2, 2), (0, 2)])
    >>> t.reach.tolist(), t.chosen.astype(int).tolist()
    ([True, True, False], [[1, 1, 0], [1, 1, 1]])
    >>> VectorTable([(1, 0), (0, 1), (1, 1)], [(1, 1)], fewest=True, kind="sparse").sizes.tolist()
    [1]
    """

    def __init__(self, weights, targets, *, size: int | None = None, fewest: bool = False,
                 kind: str | None = None, budget=None):
        self.weights = tuple(tuple(int(v) for v in w) for w in weights)
        self.n, self.dim = len(self.weights), len(self.weights[0])
        self.size, self.fewest = size, fewest
        self.cardinality = size is not None or fewest
        if not int64_exact(self.weights):
            raise BudgetExceeded("the reachable-vector table needs every coordinate's Σ|a| below "
                                 "2^62 (int64 sums); use --method mitm or a solver")
        targets = [tuple(int(v) for v in t) for t in targets]
        self.kind = kind or self._pick(targets, budget)
        if self.kind == "dense":
            self._dense(targets, budget)
        else:
            self._sparse(np.array(targets, dtype=np.int64).reshape(len(targets), self.dim), budget)

    def _pick(self, targets, budget) -> str:
        limit = resolve_budget(budget)
        lows = [min(t[j] for t in targets) for j in range(self.dim)] if targets else [0] * self.dim
        highs = [max(t[j] for t in targets) for j in range(self.dim)] if targets else [0] * self.dim
        options, needs = [], []
        for name, (ops, nbytes) in (("dense", dense_estimate(self.weights, self.cardinality)),
                                    ("sparse", sparse_estimate(self.weights, lows, highs, self.cardinality))):
            needs.append(f"{name} {human_bytes(nbytes)}")
            if nbytes <= limit:
                options.append((ops, name))
        if not options:
            raise BudgetExceeded(f"no reachable-vector table fits the memory budget of {human_bytes(limit)} "
                                 f"({', '.join(needs)}); use --method mitm or raise --memory-budget")
        return min(options)[1]

    def _dense(self, targets, budget) -> None:
        packed = scalarize(self.weights, targets)
        table = ReachableSums(packed.weights, cardinality=self.cardinality, budget=budget)
        scalars = np.array([-1 if v is None else v for v in packed.targets], dtype=object)
        inside = np.array([v is not None for v in packed.targets], dtype=bool)
        reach = np.zeros(len(targets), dtype=bool)
        sizes = np.full(len(targets), -1, dtype=np.int64)
        for i in np.flatnonzero(inside).tolist():
            t = int(scalars[i])
            if self.fewest:
                f = table.fewest(t)
                reach[i], sizes[i] = f is not None, -1 if f is None else f
            else:
                reach[i] = table.has(t, self.size)
        self.reach, self.sizes = reach, sizes[reach] if self.fewest else None
        hit = [int(scalars[i]) for i in np.flatnonzero(reach).tolist()]
        row_sizes = self.sizes if self.fewest else self.size
        self.chosen = table.witnesses(np.array(hit, dtype=np.int64), row_sizes, budget) if hit \
            else np.zeros((0, self.n), dtype=bool)

    def _sparse(self, targets: np.ndarray, budget) -> None:
        w = _augmented(self.weights, self.cardinality)
        d = w.shape[1]
        lows, highs = box(w.tolist())
        keyer = RowKeys(lows, highs)
        want = targets
        if self.cardinality:
            extra = np.full((targets.shape[0], 1), 0 if self.fewest else self.size, dtype=np.int64)
            want = np.concatenate([targets, extra], axis=1)
        t_lo = want.min(axis=0) if want.size else np.zeros(d, dtype=np.int64)
        t_hi = want.max(axis=0) if want.size else np.zeros(d, dtype=np.int64)
        if self.fewest:
            t_hi[-1] = self.n
        s_lo, s_hi = _suffix_boxes(w)
        rows = np.zeros((1, d), dtype=np.int64)
        layers = [keyer.keys(rows)]
        stored = layers[0].nbytes
        limit = resolve_budget(budget)
        for i in range(self.n):
            grown = np.concatenate([rows, rows + w[i]])
            keep = np.all((t_lo - grown <= s_hi[i + 1]) & (t_hi - grown >= s_lo[i + 1]), axis=1)
            grown = grown[keep]
            keys, first = np.unique(keyer.keys(grown), return_index=True)
            rows = grown[first]
            stored += keys.nbytes
            require(stored + 4 * rows.nbytes, limit, f"the reachable-vector table over {self.n} weights "
                    f"(layer {i + 1}: {rows.shape[0]:,} points)", "raise --memory-budget, or use --method mitm")
            layers.append(keys)
        self._finish_sparse(w, want, keyer, layers, rows)

    def _finish_sparse(self, w: np.ndarray, want: np.ndarray, keyer: RowKeys, layers: list,
                       final_rows: np.ndarray) -> None:
        final = layers[-1]
        ok = keyer.inside(want) if want.size else np.zeros(0, dtype=bool)
        pos = np.zeros(want.shape[0], dtype=np.int64)
        # with "fewest" the size digit of ``want`` is 0 and last: the first row at or after it
        # with the same sum has the smallest size
        pos[ok] = np.searchsorted(final, keyer.keys(want[ok]))
        found = ok & (pos < final.size)
        cols = want.shape[1] - 1 if self.fewest else want.shape[1]
        found[found] = np.all(final_rows[pos[found], :cols] == want[found, :cols], axis=1)
        cur = final_rows[pos[found]].copy()
        self.sizes = cur[:, -1].copy() if self.fewest else None
        self.reach = found
        chosen = np.zeros((cur.shape[0], self.n), dtype=bool)
        for i in range(self.n - 1, -1, -1):
            keys = keyer.keys(cur) if cur.size else layers[i][:0]
            p = np.searchsorted(layers[i], keys)
            there = (p < layers[i].size)
            there[there] = layers[i][p[there]] == keys[there]
            chosen[~there, i] = True
            cur[~there] -= w[i]
        if cur.size and np.any(cur != 0):
            raise InternalError("reachable-vector witness walk did not end at the empty sum")
        self.chosen = chosen
