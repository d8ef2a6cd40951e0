"""Schroeppel–Shamir for one subset-sum target: exhaustive like meet in the middle, in memory
about 2^(n/4) instead of 2^(n/2).

The weights are split into four quarters A, B, C, D and the distinct subset sums of each are
enumerated (2^(n/4) each; one subset reaching a value stands for all that do). A solution is
``a + b + c + d = t``. With a modulus ``M`` about 2^(n/4), every pair sum ``a + b`` falls in one
residue class ``r = (a + b) mod M``, and then ``c + d ≡ t - r``. The classes are taken a batch of
consecutive residues at a time: the pair sums of A and B whose residue is in the batch, and those
of C and D whose residue is in the matching batch of ``t - r``, are generated as NumPy arrays (B
and D kept sorted by residue, so each A-sum's partners are one contiguous run), both sides sorted
and merged, and a value on both sides is a solution. Every pair of quarter sums is in exactly one
batch, so when no batch has a common value no subset reaches ``t``: the "no" is exhaustive. A
common value is split back into four subsets by two small look-ups (A against B, C against D),
and the caller replays the witness.

Cost: about ``2^(n/2)`` pair sums generated on each side, each sorted once (time
``≈ 2^(n/2)·n``), in batches of at most ``pair_cap`` pairs (memory: the 2^(n/4) quarter lists
plus one batch, tens of MiB at the default cap whatever n). A run of classes holding more pairs
than a batch is split, down to one class joined slice against slice, so the bound holds for any
weights; ``M`` is ``2^⌈n/4⌉`` or, when B's and D's sums crowd its classes (weights sharing their
low bits), a nearby odd modulus that spreads them (:func:`choose_modulus`). Residues come from
NumPy's ``%`` (in ``0..M-1`` for negative sums too). Sums stay exact in int64 when
``Σ|a_i| < 2^62`` (so ``t - (c + d)`` is below 2^63 in magnitude); heavier weights are refused
(``InputError``). No subset size, no "fewest": one target, decided.
"""

from __future__ import annotations

import numpy as np

from verify.errors import InputError, InternalError
from verify.prefilter.budget import require, resolve_budget

INT64_SAFE = 1 << 62
PAIR_CAP = 1 << 18  # pair sums per side per batch (16 MiB of temporaries): fastest measured, sorts in cache
BYTES_PER_PAIR = 64  # the batch's temporaries per pair sum (repeat, index, gather, sum, sort)


def fits_int64(weights) -> bool:
    """Whether every pair sum and ``t - (c + d)`` stays exact in int64: ``Σ|a_i| < 2^62``."""
    return sum(abs(int(a)) for a in weights) < INT64_SAFE


def quarter_bounds(n: int) -> list[tuple[int, int]]:
    """The index ranges ``[start, stop)`` of the four quarters (sizes differ by at most one;
    some are empty when n < 4)."""
    sizes = [n // 4 + (1 if j < n % 4 else 0) for j in range(4)]
    starts = np.cumsum([0] + sizes).tolist()
    return [(starts[j], starts[j + 1]) for j in range(4)]


def _modulus_bits(n: int) -> int:
    return max(n // 4 + (1 if n % 4 else 0), 0)


def min_pair_cap(n: int) -> int:
    """The smallest batch: one A-sum with all of B's partners (a quarter's 2^⌈n/4⌉ sums)."""
    return 1 << _modulus_bits(n)


def memory_needed(n: int, pair_cap: int = PAIR_CAP) -> int:
    """Bytes for n weights with batches of ``pair_cap`` pair sums: the quarter lists (values,
    subsets, residue orders, doubled partner lists, class offsets) and one batch per side."""
    q = min_pair_cap(n)
    cap = max(pair_cap, q)
    lists = 8 * 32 * q  # words per quarter sum: values, subsets, residues, orders, doubled partners
    return lists + 2 * BYTES_PER_PAIR * (cap + q)  # a batch per side, and the witness look-ups


def fitting_cap(n: int, budget) -> int:
    """The largest batch (at most ``PAIR_CAP``) whose memory fits ``budget``; ``BudgetExceeded``
    when even the smallest does not."""
    limit = resolve_budget(budget)
    cap = PAIR_CAP
    while cap > min_pair_cap(n) and memory_needed(n, cap) > limit:
        cap //= 2
    require(memory_needed(n, cap), budget, f"Schroeppel–Shamir over {n} weights (quarter lists of "
            f"2^{_modulus_bits(n)} sums, batches of {cap:,} pair sums)",
            "raise --memory-budget, or split the instance")
    return max(cap, min_pair_cap(n))


MODULI = (0, -1, 1, -3, 3, -5, 5, -9)  # offsets from 2^m tried: 2^m itself, then odd moduli


def choose_modulus(partners: list[np.ndarray], m_bits: int) -> int:
    """The modulus near ``2^m_bits`` that spreads the partner lists (B's and D's sums) most
    evenly over its residue classes: a class holds at most ``|A| x`` its fullest bucket pair
    sums. Weights sharing their low bits (all even but one, say) crowd a power of two's classes;
    an odd modulus spreads them. Ties keep the first, so random weights keep ``2^m``."""
    base = 1 << m_bits
    best = None
    for d in MODULI:
        m = base + d
        if m < 1 or (best is not None and m == best[1]):
            continue
        fullest = max(int(np.bincount(v % m, minlength=m).max()) for v in partners)
        if best is None or fullest < best[0]:
            best = (fullest, m)
        if fullest <= 8 + 2 * max(v.size for v in partners) // m:
            break  # about as even as random sums (their fullest class: 7 or 8 at n = 56)
    return best[1]


def _distinct_sums(weights: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct subset sums of ``weights`` (sorted) and, for each, the first subset reaching
    it, as a bit mask over ``weights`` (bit j: weight j chosen)."""
    s = np.zeros(1, dtype=np.int64)
    for a in weights:
        s = np.concatenate([s, s + np.int64(a)])
    values, first = np.unique(s, return_index=True)
    return values, first.astype(np.int64)


class _Side:
    """The pair sums x + y of two quarters X, Y by residue class mod ``m``: Y's sums sorted by
    residue and doubled, so the partners of an x in any run of consecutive classes are one
    contiguous run."""

    def __init__(self, x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray], m: int):
        self.m = m
        (self.vx, self.sx), (self.vy, self.sy) = x, y
        self.rx = self.vx % m  # NumPy's % takes the divisor's sign: in 0..m-1 for negative sums too
        ry = self.vy % m
        order = np.argsort(ry, kind="stable")
        self.vy2 = np.concatenate([self.vy[order]] * 2)
        off = np.searchsorted(ry[order], np.arange(m + 1, dtype=np.int64))
        self.off2 = np.concatenate([off, off[-1] + off[1:]])  # offsets of the doubled list

    def bounds(self, r0: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """For every x, the run ``[lo, hi)`` of the doubled Y list whose y make
        ``(x + y) mod M`` one of the k classes ``r0, r0 + 1, ..`` (cyclically)."""
        s = (np.int64(r0) - self.rx) % self.m
        return self.off2[s], self.off2[s + k]

    def pairs(self, lo: np.ndarray, hi: np.ndarray, start: int, stop: int) -> np.ndarray:
        """The pair sums of the x with indices ``start..stop-1`` and their runs (unsorted)."""
        counts = hi[start:stop] - lo[start:stop]
        total = int(counts.sum())
        ends = np.cumsum(counts)
        idx = np.arange(total, dtype=np.int64) + np.repeat(lo[start:stop] - (ends - counts), counts)
        return np.repeat(self.vx[start:stop], counts) + self.vy2[idx]

    def split(self, value: int) -> tuple[int, int] | None:
        """Subsets (bit masks over X and Y) of an x and a y with ``x + y = value``, or None."""
        need = np.int64(value) - self.vx
        pos = np.minimum(np.searchsorted(self.vy, need), self.vy.size - 1)
        hit = np.flatnonzero(self.vy[pos] == need)
        if not hit.size:
            return None
        i = int(hit[0])
        return int(self.sx[i]), int(self.sy[pos[i]])


def _slices(counts: np.ndarray, cap: int) -> list[tuple[int, int]]:
    """Consecutive index ranges whose counts add up to at most ``cap`` each (a single entry over
    ``cap`` gets a range of its own)."""
    ends = np.cumsum(counts)
    out, start, base = [], 0, 0
    while start < counts.size:
        stop = max(int(np.searchsorted(ends, base + cap, side="right")), start + 1)
        out.append((start, stop))
        base = int(ends[stop - 1])
        start = stop
    return out


def _repeats(x: np.ndarray) -> int:
    return int(np.count_nonzero(x[1:] == x[:-1]))


def _common(left: np.ndarray, right: np.ndarray) -> bool:
    """Whether two sorted arrays share a value. Merged (timsort merges the two sorted runs in
    linear time, far faster than a binary search per element), a value with x copies on the left
    and y on the right gives x + y - 1 equal neighbours against (x - 1) + (y - 1) apart: the
    excess counts exactly the values in both."""
    merged = np.concatenate([left, right])
    merged.sort(kind="stable")
    return _repeats(merged) > _repeats(left) + _repeats(right)


def _bits(mask: int, offset: int) -> list[int]:
    return [offset + j for j in range(mask.bit_length()) if (mask >> j) & 1]


class SchroeppelShamir:
    """Quarter-sum lists of a weight list, deciding one target per :meth:`witness` call.

    >>> s = SchroeppelShamir((3, -5, 7, 11, 2))
    >>> s.witness(15), s.witness(19), s.witness(100)
    ((1, 2, 3, 4), None, None)
    """

    def __init__(self, weights, *, budget=None, pair_cap: int | None = None):
        self.weights = tuple(int(a) for a in weights)
        self.n = n = len(self.weights)
        if not fits_int64(self.weights):
            bits = sum(abs(a) for a in self.weights).bit_length()
            raise InputError(f"schroeppel-shamir: the weights are too large for exact int64 sums "
                             f"(needs Σ|a| < 2^62, got Σ|a| of {bits} bits); use --method mitm "
                             f"(exact Python integers up to n = 32) or sat")
        self.pair_cap = fitting_cap(n, budget) if pair_cap is None else max(int(pair_cap), min_pair_cap(n))
        self.lo = sum(a for a in self.weights if a < 0)
        self.hi = sum(a for a in self.weights if a > 0)
        self.quarters = quarter_bounds(n)
        lists = [_distinct_sums(self.weights[a:b]) for a, b in self.quarters]
        self.m = choose_modulus([lists[1][0], lists[3][0]], _modulus_bits(n))
        self.ab = _Side(lists[0], lists[1], self.m)
        self.cd = _Side(lists[2], lists[3], self.m)
        self.batches = 0  # batches joined by the last witness call (for benchmarks)

    def witness(self, target: int) -> tuple[int, ...] | None:
        """Sorted indices of a subset summing to ``target``, or None when no subset does (every
        pair of A+B and C+D sums was compared)."""
        target = int(target)
        self.batches = 0
        if not self.lo <= target <= self.hi:
            return None
        value = self._search(target)
        return None if value is None else self._witness_of(target, value)

    def _search(self, t: int) -> int | None:
        """An A+B sum ``v`` such that ``t - v`` is a C+D sum, or None: every residue class once."""
        classes = self.m
        expected = max(1, self.ab.vx.size * self.ab.vy.size // classes)
        k = max(1, min(classes, self.pair_cap // (2 * expected)))
        r0 = 0
        while r0 < classes:
            k = min(k, classes - r0)
            ab = self.ab.bounds(r0, k)
            cd = self.cd.bounds((t - r0 - k + 1) % classes, k)
            n_ab, n_cd = int((ab[1] - ab[0]).sum()), int((cd[1] - cd[0]).sum())
            if max(n_ab, n_cd) > self.pair_cap and k > 1:
                k //= 2  # an unlucky (or skewed) run of classes: fewer classes per batch
                continue
            self.batches += 1
            found = self._join(t, ab, cd)
            if found is not None:
                return found
            r0 += k
            if 2 * max(n_ab, n_cd) < self.pair_cap:
                k *= 2
        return None

    def _join(self, t: int, ab, cd) -> int | None:
        """Within one batch: an A+B sum equal to ``t`` minus a C+D sum, or None. A batch over the
        cap (a single class of skewed weights) is joined slice against slice."""
        cd_slices = _slices(cd[1] - cd[0], self.pair_cap)
        for s0, s1 in _slices(ab[1] - ab[0], self.pair_cap):
            left = np.sort(self.ab.pairs(ab[0], ab[1], s0, s1))
            if not left.size:
                continue
            for c0, c1 in cd_slices:
                need = np.sort(np.int64(t) - self.cd.pairs(cd[0], cd[1], c0, c1))
                if _common(left, need):
                    pos = np.minimum(np.searchsorted(left, need), left.size - 1)
                    return int(need[np.flatnonzero(left[pos] == need)[0]])
        return None

    def _witness_of(self, t: int, value: int) -> tuple[int, ...]:
        (a0, _), (b0, _), (c0, _), (d0, _) = self.quarters
        first, second = self.ab.split(value), self.cd.split(t - value)
        if first is None or second is None:  # the join saw these sums, so they split: a bug
            raise InternalError(f"schroeppel-shamir: matched sum {value} does not split")
        return tuple(_bits(first[0], a0) + _bits(first[1], b0)
                     + _bits(second[0], c0) + _bits(second[1], d0))
