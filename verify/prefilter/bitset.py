"""Reachable-sum tables as packed bitsets, with witnesses, coverage and cardinality layers.

The table of a weight list ``a_1..a_n`` is the set of subset sums, a bitset over the signed range
``[L, U]`` (``L`` = Σ negative weights, ``U`` = Σ positive weights). Two choices keep it fast:

- *Shift in absolute values.* A subset sum equals ``L + Σ_{i∈T} |a_i|`` where T holds the chosen
  positive weights and the *unchosen* negative ones, so the table is built from bit 0 with left
  shifts only, and a witness maps back by inverting the negative weights' choices.
- *Packed in Python integers.* An arbitrary-precision integer is a packed bitset whose shift and
  or run in C over 30-bit digits; a ``numpy.uint64`` view is taken (``int.to_bytes``) wherever many
  bits are read at once. Equal weights are merged by binary splitting (chunks of 1, 2, 4, ...
  copies), and items go in ascending magnitude so the table grows as late as possible.

Deciding and covering need only the final table. Witness recovery walks back through every
layer (the table after each item), so the layers are built on the first witness request, after
the memory they need is estimated and checked against the budget.

With ``cardinality=True`` each sum owns a slot of ``S`` bits (``S`` = n+1 rounded up to a whole
byte) whose bit k says "reachable with exactly k elements": the same shifts, with the element
count added to the shift. That gives exact-k reachability and witnesses, and the fewest elements
reaching each target (the lowest set bit of its slot).
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np

from verify.errors import InputError, InternalError
from verify.prefilter.budget import require

# lowest set bit of each byte value (8 for 0, which is never looked up)
_LOWBIT = np.array([8] + [(b & -b).bit_length() - 1 for b in range(1, 256)], dtype=np.int64)


class _Item(NamedTuple):
    magnitude: int  # |a| times the number of copies in the chunk
    count: int  # copies in the chunk
    negative: bool
    indices: tuple[int, ...]


def _chunk_sizes(count: int) -> list[int]:
    """Binary splitting: chunks of 1, 2, 4, ... copies (the last one smaller) whose sub-sums
    reach every number of copies 0..count."""
    sizes, chunk = [], 1
    while count > 0:
        sizes.append(min(chunk, count))
        count -= sizes[-1]
        chunk *= 2
    return sizes


def _items(weights: tuple[int, ...], keep_zero: bool) -> list[_Item]:
    """Chunks of equal weights (see :func:`_chunk_sizes`), in ascending magnitude."""
    groups: dict[int, list[int]] = {}
    for i, a in enumerate(weights):
        if a != 0 or keep_zero:
            groups.setdefault(a, []).append(i)
    items = []
    for a, idx in groups.items():
        start = 0
        for take in _chunk_sizes(len(idx)):
            items.append(_Item(abs(a) * take, take, a < 0, tuple(idx[start:start + take])))
            start += take
    items.sort(key=lambda it: (it.magnitude, it.negative, it.indices))
    return items


def _split_magnitudes(weights) -> list[int]:
    """The shifts of the table: nonzero |a_i|, equal ones merged into chunks, ascending.
    (Same chunks as :func:`_items`, without the index bookkeeping witnesses need.)"""
    mags = [abs(a) for a in weights if a]
    if len(set(mags)) < len(mags):
        mags = [m * take for m, c in Counter(mags).items() for take in _chunk_sizes(c)]
    mags.sort()
    return mags


def reachable_table(weights) -> int:
    """The reachable-sum bitset as a Python int: bit i set iff ``L + i`` is a subset sum,
    ``L`` = Σ negative weights (see the module docstring).

    >>> bin(reachable_table([2, -1]))      # sums -1, 0, 1, 2 -> bits 0..3
    '0b1111'
    """
    acc = 1
    if len(weights) < 80 and (not weights or -1024 < weights[0] < 1024):
        # a table of some 10^4-10^5 bits (judged by one weight: this check must cost less than
        # sorting would save): the plain loop
        for a in weights:
            acc |= acc << abs(a)
        return acc
    for m in _split_magnitudes(weights):
        acc |= acc << m
    return acc


def small_witness(weights, target: int) -> tuple[int, ...] | None:
    """Sorted indices of a subset of ``weights`` summing to ``target``, or None when none does:
    the same table and walk as :class:`ReachableSums`, without its bookkeeping, for the many
    tiny problems of the network constructions (tens of weights of a few bits, where the fixed
    cost of a full ``solve`` is a hundred times the work).

    >>> small_witness([3, -5, 7], 2), small_witness([3, -5, 7], 1)
    ((1, 2), None)
    """
    offset = sum(a for a in weights if a < 0)
    if not offset <= target <= sum(a for a in weights if a > 0):
        return None
    acc, layers = 1, [1]
    for a in weights:
        acc |= acc << abs(a)
        layers.append(acc)
    pos = target - offset
    if not (acc >> pos) & 1:
        return None
    chosen = []
    for i in range(len(weights) - 1, -1, -1):
        a = weights[i]
        took = not (layers[i] >> pos) & 1  # taking in absolute space = choosing a >= 0, skipping a < 0
        if took:
            pos -= abs(a)
        if took != (a < 0):
            chosen.append(i)
    return tuple(sorted(chosen))


def _layer_words(layer: int, nbits: int) -> np.ndarray:
    """A Python-int bitset as little-endian uint64 words covering ``nbits`` bits."""
    nwords = max(1, -(-nbits // 64))
    return np.frombuffer(layer.to_bytes(nwords * 8, "little"), dtype="<u8")


def _bits_at(words: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Vectorized bit test; positions beyond the words read as 0."""
    w = positions >> 6
    inside = (positions >= 0) & (w < words.size)
    out = np.zeros(positions.shape, dtype=bool)
    p = positions[inside]
    out[inside] = ((words[p >> 6] >> (p & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)
    return out


class ReachableSums:
    """The reachable-sum table of a weight list (see the module docstring).

    >>> t = ReachableSums((3, -5, 7))
    >>> t.has(2), t.witness(2), t.has(1)
    (True, (1, 2), False)
    >>> t.reachable_mask(-5, 5).astype(int).tolist()
    [1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1]
    >>> c = ReachableSums((1, 1, 2), cardinality=True)
    >>> c.has(2, k=1), c.has(2, k=2), c.fewest(4), c.witness(2, k=2)
    (True, True, 3, (0, 1))
    """

    def __init__(self, weights, *, cardinality: bool = False, budget=None):
        self.weights = tuple(int(a) for a in weights)
        self.n = len(self.weights)
        self.cardinality = cardinality
        self.budget = budget
        self.offset = sum(a for a in self.weights if a < 0)
        self.top = sum(a for a in self.weights if a > 0)
        self.slot = 8 * -(-(self.n + 1) // 8) if cardinality else 1
        self._layers: list[int] | None = None
        nbits = (self.top - self.offset + 1) * self.slot
        require(3 * nbits // 8, budget, f"the reachable-sum table over {self.top - self.offset + 1:,} "
                f"sums{' with size slots' if cardinality else ''}", "raise --memory-budget, or use --method mitm")
        if cardinality:
            self.items, self.shifts = self._plan()
            self.final = self._forward(keep=False)
        else:
            self.final = reachable_table(self.weights)

    def _plan(self) -> tuple[list[_Item], list[tuple[int, int]]]:
        """The items and, per item, (shift when skipped in abs space, shift when taken)."""
        items = _items(self.weights, keep_zero=self.cardinality)
        S = self.slot
        shifts = []
        for it in items:
            if not self.cardinality:
                shifts.append((0, it.magnitude))
            elif it.negative:  # skipping in abs space = choosing the negative weights
                shifts.append((it.count, it.magnitude * S))
            else:
                shifts.append((0, it.magnitude * S + it.count))
        return items, shifts

    def _forward(self, keep: bool):
        acc = 1
        layers = [acc]
        for s_skip, s_take in self.shifts:
            acc = (acc << s_skip) | (acc << s_take) if s_skip else acc | (acc << s_take)
            if keep:
                layers.append(acc)
        return layers if keep else acc

    @property
    def layers(self) -> list[int]:
        """The table after each item (built on first use: only witnesses need them)."""
        if self._layers is None:
            if not self.cardinality:
                self.items, self.shifts = self._plan()
            total_bits, reach = 0, 1
            for s_skip, s_take in self.shifts:
                reach += max(s_skip, s_take)
                total_bits += reach
            require(total_bits // 8 + 64 * len(self.shifts), self.budget,
                    f"witness recovery ({len(self.shifts)} layers of the reachable-sum table over "
                    f"{self.top - self.offset + 1:,} sums)", "raise --memory-budget, or use --method mitm")
            self._layers = self._forward(keep=True)
            if self._layers[-1] != self.final:
                raise InternalError("the reachable-sum table differs between its two constructions")
        return self._layers

    def _position(self, target: int, k: int | None) -> int | None:
        if not self.offset <= target <= self.top:
            return None
        if self.cardinality:
            if k is None or not 0 <= k <= self.n:
                raise InputError(f"size: expected an integer in 0..{self.n}, got {k!r}")
            return (target - self.offset) * self.slot + k
        if k is not None:
            raise InputError("size: this table was built without cardinality layers")
        return target - self.offset

    def has(self, target: int, k: int | None = None) -> bool:
        """Is ``target`` a subset sum (with exactly ``k`` elements, for a cardinality table)?"""
        p = self._position(target, k)
        return p is not None and bool((self.final >> p) & 1)

    def witness(self, target: int, k: int | None = None) -> tuple[int, ...] | None:
        """Sorted 0-based indices of a subset summing to ``target`` (of size ``k``), or None."""
        if not self.has(target, k):
            return None
        p = self._position(target, k)
        layers = self.layers
        chosen: list[int] = []
        for j in range(len(self.items) - 1, -1, -1):
            prev = layers[j]
            s_skip, s_take = self.shifts[j]
            item = self.items[j]
            if p >= s_skip and (prev >> (p - s_skip)) & 1:
                took, p = False, p - s_skip
            else:
                took, p = True, p - s_take
            if took != item.negative:
                chosen.extend(item.indices)
        if p != 0:
            raise InternalError(f"witness walk for target {target} ended at position {p}, not 0")
        return tuple(sorted(chosen))

    def _slots(self, a: int, b: int) -> np.ndarray:
        """The size slots (one row of S/8 bytes per sum) of the sums ``a..b`` (inside the range)."""
        nb = self.slot // 8
        rows = self.top - self.offset + 1
        raw = np.frombuffer(self.final.to_bytes(rows * nb, "little"), dtype=np.uint8)
        return raw.reshape(rows, nb)[a - self.offset:b - self.offset + 1]

    def reachable_mask(self, lo: int, hi: int, k: int | None = None) -> np.ndarray:
        """Bool array over ``lo..hi``: which targets are subset sums (with exactly ``k``
        elements if given; any size otherwise)."""
        out = np.zeros(hi - lo + 1, dtype=bool)
        a, b = max(lo, self.offset), min(hi, self.top)
        if a > b:
            return out
        if self.cardinality:
            if k is None:
                return self.fewest_array(lo, hi) >= 0
            self._position(a, k)  # validates k
            out[a - lo:b - lo + 1] = (self._slots(a, b)[:, k // 8] >> (k % 8)) & 1
            return out
        self._position(a, k)
        words = _layer_words(self.final, self.top - self.offset + 1)
        out[a - lo:b - lo + 1] = _bits_at(words, np.arange(a - self.offset, b - self.offset + 1))
        return out

    def witnesses(self, targets, sizes=None, budget=None) -> np.ndarray:
        """Witnesses for many reachable targets at once: a bool matrix ``(len(targets), n)``
        whose row r marks a subset summing to ``targets[r]`` (with ``sizes[r]`` elements, for a
        cardinality table; ``sizes`` may be one integer for all). Every target must be reachable.
        """
        targets = np.asarray(targets, dtype=np.int64)
        require(targets.size * (self.n + 32), budget,
                f"witnesses for {targets.size:,} targets of {self.n} weights",
                "ask for fewer targets or raise --memory-budget")
        pos = (targets - self.offset) * self.slot
        if self.cardinality:
            if sizes is None:
                raise InputError("witnesses from a cardinality table need the subset sizes")
            pos = pos + np.asarray(sizes, dtype=np.int64)
        elif sizes is not None:
            raise InputError("size: this table was built without cardinality layers")
        chosen = np.zeros((targets.size, self.n), dtype=bool)
        nbits = (self.top - self.offset + 1) * self.slot
        inside = (targets >= self.offset) & (targets <= self.top)
        if targets.size == 1:  # one walk in plain ints: the vectorized one costs more per layer
            return self._one_witness(int(pos[0]), chosen) if inside.all() and self.final >> int(pos[0]) & 1 \
                else self._unreachable()
        if not (inside.all() and _bits_at(_layer_words(self.final, nbits), pos).all()):
            self._unreachable()

        def bits(layer, at):
            return _bits_at(_layer_words(layer, nbits), at)

        layers = self.layers
        for j in range(len(self.items) - 1, -1, -1):
            item = self.items[j]
            s_skip, s_take = self.shifts[j]
            took = ~bits(layers[j], pos - s_skip)
            pos = np.where(took, pos - s_take, pos - s_skip)
            chosen[:, list(item.indices)] = (took ^ item.negative)[:, None]
        if np.any(pos != 0):
            raise InternalError("vectorized witness walk did not end at the empty sum")
        return chosen

    @staticmethod
    def _unreachable():
        raise InputError("witnesses: every target must be reachable")

    def _one_witness(self, pos: int, chosen: np.ndarray) -> np.ndarray:
        layers = self.layers
        for j in range(len(self.items) - 1, -1, -1):
            item = self.items[j]
            s_skip, s_take = self.shifts[j]
            at = pos - s_skip
            took = at < 0 or not (layers[j] >> at) & 1
            pos -= s_take if took else s_skip
            chosen[0, list(item.indices)] = took != item.negative
        if pos != 0:
            raise InternalError("witness walk did not end at the empty sum")
        return chosen

    def fewest_array(self, lo: int, hi: int) -> np.ndarray:
        """For each target ``lo..hi`` the fewest elements of a subset reaching it, -1 if none.
        Needs a cardinality table."""
        if not self.cardinality:
            raise InputError("fewest elements: build the table with cardinality=True")
        out = np.full(hi - lo + 1, -1, dtype=np.int64)
        a, b = max(lo, self.offset), min(hi, self.top)
        if a > b:
            return out
        slots = self._slots(a, b)
        nonzero = slots != 0
        first = nonzero.argmax(axis=1)
        low = _LOWBIT[slots[np.arange(slots.shape[0]), first]] + 8 * first
        out[a - lo:b - lo + 1] = np.where(nonzero.any(axis=1), low, -1)
        return out

    def fewest(self, target: int) -> int | None:
        """The fewest elements of a subset summing to ``target``, None if unreachable."""
        v = int(self.fewest_array(target, target)[0])
        return None if v < 0 else v
