"""Representation-technique search (after Howgrave-Graham and Joux) for one subset-sum target.

A *search*, not a decision method: it finds a subset reaching the target, or it finds nothing,
and nothing is never evidence of anything (``unknown``, never "no").

Idea. A solution ``e`` (0/1 vector) with ``pL`` ones among the left half of the positions and
``pR`` among the right half is written as ``e = e1 + e2`` with disjoint supports of prescribed
left/right weights; there are ``R1 = C(pL, p1L)·C(pR, p1R)`` such *representations*. Fixing a
random residue ``r1`` modulo ``M1 ≈ R1 / c1`` keeps about ``c1`` of them while it shrinks the
lists of candidate halves by the factor ``M1``. One level down each half is again written as a
sum of two quarter vectors (``R2`` representations, modulus ``M2 ≈ R2 / c2`` dividing ``M1``),
and each quarter is enumerated as a left-half subset plus a right-half subset of fixed weights,
joined on its residue modulo ``M2``. So four quarter lists (joined modulo ``M2``) give two half
lists (joined modulo ``M1`` and filtered to disjoint supports) whose join on the full sum gives
the solution; the first half list is kept sorted, the second streamed against it. The level-2
lists are reused for several residues ``r1`` with the same value modulo ``M2``.

Each *attempt* draws a random permutation of the positions (which half a weight is in) and a
guess of ``(pL, pR)`` (the most probable ones first, for a planted subset: each weight in with
probability 1/2, or of the problem's exact size); a guess above half of a half is handled by
complementing that half (negated weights, shifted target), so no list is larger than for a
balanced guess. An attempt finds a solution with the guessed weights with a probability that
the constants ``c1``, ``c2`` set (measured in ``benchmarks/representation.py``); attempts repeat
until a solution is found, the time limit or the attempt limit.

Arithmetic. Residues are exact (weights reduced modulo ``M1 < 2^48`` with Python integers, then
int64), full sums are compared modulo ``2^64`` (uint64 wrap-around), so weights of any size work;
every candidate is then checked in exact integer arithmetic (``verify.witness.subset_error``)
before it is returned, and a sum that only agrees modulo ``2^64`` is dropped. Everything random
comes from the seed.

Cost at a balanced guess with ``c1 = c2 = 1``: quarter lists of ``C(n/2, n/8)^2 / M2`` entries
(about 0.26 M at n = 64, 6.8 M at n = 80) and half lists of about ``C(n/2, n/4)^2 / M1``
(0.7 M at n = 64, 21 M at n = 80), 24-32 bytes an entry.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from verify.errors import InputError, InternalError
from verify.prefilter.budget import resolve_budget
from verify.seeding import as_generator, random_permutation, uniform_ints
from verify.witness import subset_error

MAX_N = 128  # each half of the positions is one uint64 bit mask
MAX_MODULUS = 1 << 48  # residues and their sums stay far inside int64
CHUNK_PAIRS = 1 << 21  # pairs expanded per batch of a join: bounds the temporaries
ENTRY_BYTES = 32  # a list entry: sum, residue or two masks, indices (measured peak per entry)
WORD = (1 << 64) - 1


@dataclass(frozen=True)
class RepresentationOptions:
    """How the search runs. ``c1``, ``c2``: representations kept per level on average (larger:
    more likely to succeed per attempt, lists proportionally longer); ``inner``: residues
    ``r1`` tried per build of the quarter lists; ``time_limit`` in seconds of wall time (None:
    none); ``max_attempts`` (None: until the time limit; one of the two must be set);
    ``budget``: bytes (or "4G") the lists may hold, the moduli are raised to fit it."""

    seed: int = 0
    time_limit: float | None = None
    max_attempts: int | None = None
    c1: float = 1.0
    c2: float = 1.0
    inner: int = 8
    budget: int | str | None = None


@dataclass(frozen=True)
class RepresentationResult:
    """A found subset (sorted 0-based indices, already checked exactly) or None; how many
    attempts ran, the seconds they took, and why the search stopped without one."""

    witness: tuple[int, ...] | None
    attempts: int
    seconds: float
    reason: str = ""


@dataclass
class _Base:
    """All subsets of one weight ``k`` of one half: bit masks over the half's positions,
    residues modulo M1 and sums modulo 2^64."""

    masks: np.ndarray
    res: np.ndarray
    s64: np.ndarray


@dataclass
class _List:
    """A list of candidate vectors: residues modulo M1, sums modulo 2^64 and the two masks."""

    res: np.ndarray
    s64: np.ndarray
    left: np.ndarray
    right: np.ndarray

    @property
    def size(self) -> int:
        return int(self.s64.size)


def _bases(res_w: list[int], s64_w: list[int], kmax: int) -> list[_Base]:
    """All subsets of each weight 0..kmax of one half (positions 0..m-1 of the given weights),
    by the recursion "subsets of the first j positions, with or without position j"."""
    levels = [_Base(np.zeros(1, np.uint64), np.zeros(1, np.int64), np.zeros(1, np.uint64))]
    levels += [_Base(np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.uint64))
               for _ in range(kmax)]
    for j, (r, s) in enumerate(zip(res_w, s64_w)):
        bit, rj, sj = np.uint64(1 << j), np.int64(r), np.uint64(s)
        for k in range(min(kmax, j + 1), 0, -1):
            prev, cur = levels[k - 1], levels[k]
            levels[k] = _Base(np.concatenate([cur.masks, prev.masks | bit]),
                              np.concatenate([cur.res, prev.res + rj]),
                              np.concatenate([cur.s64, prev.s64 + sj]))
    return levels


def _matches(want: np.ndarray, keys: np.ndarray, per_item: float):
    """Pairs ``(ia, ib)`` with ``keys[ib] == want[ia]`` (``keys`` sorted), in batches of about
    ``CHUNK_PAIRS`` pairs (``per_item``: the expected matches of one ``want``). The needles are
    sorted first: binary searches in increasing order stay in cache (measured: 5-10x faster
    than random order on lists of a million)."""
    step = max(1, int(CHUNK_PAIRS / max(per_item, 1e-9)))
    for start in range(0, want.size, step):
        w = want[start:start + step]
        needles = np.argsort(w, kind="stable")
        ws = w[needles]
        lo = np.searchsorted(keys, ws, "left")
        count = np.searchsorted(keys, ws, "right") - lo
        total = int(count.sum())
        if not total:
            continue
        ia = np.repeat(np.arange(w.size), count)
        offsets = np.repeat(np.cumsum(count) - count, count)
        yield start + needles[ia], lo[ia] + (np.arange(total) - offsets)


def _quarter(bl: _Base, br: _Base, r: int, m1: int, m2: int) -> _List:
    """The vectors (a left subset of ``bl``, a right one of ``br``) whose residue is ``r``
    modulo ``m2``."""
    keys = br.res % m2
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    want = (r - bl.res) % m2
    parts = []
    for ia, ib in _matches(want, keys, br.res.size / m2):
        jb = order[ib]
        parts.append(((bl.res[ia] + br.res[jb]) % m1, bl.s64[ia] + br.s64[jb], bl.masks[ia], br.masks[jb]))
    return _concat(parts)


def _concat(parts) -> _List:
    if not parts:
        e64, eu = np.zeros(0, np.int64), np.zeros(0, np.uint64)
        return _List(e64, eu, eu, eu)
    return _List(*(np.concatenate([p[i] for p in parts]) for i in range(4)))


def _halves(y: _List, z: _List, r1: int, m1: int, m2: int):
    """Batches ``(s64, left, right)`` of the disjoint sums y + z with residue ``r1`` mod ``m1``."""
    order = np.argsort(z.res, kind="stable")
    keys = z.res[order]
    want = (r1 - y.res) % m1
    for ia, ib in _matches(want, keys, z.size * m2 / m1):
        jb = order[ib]
        left_a, left_b = y.left[ia], z.left[jb]
        right_a, right_b = y.right[ia], z.right[jb]
        ok = ((left_a & left_b) == 0) & ((right_a & right_b) == 0)
        if ok.any():
            yield y.s64[ia[ok]] + z.s64[jb[ok]], left_a[ok] | left_b[ok], right_a[ok] | right_b[ok]


@dataclass(frozen=True)
class _Plan:
    """One attempt's shape: the weights (left, right) of e1, e2 and of the four quarters, and
    the moduli ``m2 | m1``."""

    e1: tuple[int, int]
    e2: tuple[int, int]
    quarters: tuple[tuple[int, int], ...]
    m1: int
    m2: int


def _split(p: tuple[int, int], first_low: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two parts of (left, right) weights summing to ``p``, each near half of it (the rounding
    alternates so that their total weights differ by at most one)."""
    lo = (p[0] // 2, -(-p[1] // 2)) if first_low else (-(-p[0] // 2), p[1] // 2)
    return lo, (p[0] - lo[0], p[1] - lo[1])


def plan(n: int, p: tuple[int, int], c1: float, c2: float, max_entries: int) -> _Plan:
    """The shape and moduli of an attempt at a solution with ``p = (pL, pR)`` ones in the
    left / right half (``pL <= ⌈h/2⌉`` after complementing), keeping about ``c1``
    representations at level 1 and ``c2`` at level 2, and each list within ``max_entries``."""
    h = n // 2
    e1, e2 = _split(p, True)
    q = _split(e1, True) + _split(e2, False)
    reps2 = min(math.comb(e[0], a[0]) * math.comb(e[1], a[1]) for e, a in ((e1, q[0]), (e2, q[2])))
    reps1 = math.comb(p[0], e1[0]) * math.comb(p[1], e1[1])
    m2 = max(1, min(MAX_MODULUS, int(reps2 / c2)))
    quarter_size = max(math.comb(h, a[0]) * math.comb(n - h, a[1]) for a in q)
    m2 = max(m2, -(-quarter_size // max_entries))  # the lists must fit: fewer survivors instead
    half_size = math.comb(h, e1[0]) * math.comb(n - h, e1[1]) * max(1.0, reps2 / m2)
    m1 = max(m2, int(reps1 / c1), int(half_size // max_entries) + 1)
    m1 = min(m2 * -(-m1 // m2), MAX_MODULUS // m2 * m2)
    return _Plan(e1, e2, tuple(q), m1, m2)


def _guesses(n: int, size: int | None):
    """(pL, pR) guesses, most probable first for a planted subset (each weight in with
    probability 1/2; of exactly ``size`` weights when given), cycled forever."""
    h, h2 = n // 2, n - n // 2
    if size is None:
        pairs = [(a, b) for a in range(h + 1) for b in range(h2 + 1)]
        prob = {pq: math.comb(h, pq[0]) * math.comb(h2, pq[1]) for pq in pairs}
    else:
        pairs = [(a, size - a) for a in range(max(0, size - h2), min(h, size) + 1)]
        prob = {pq: math.comb(h, pq[0]) * math.comb(h2, pq[1]) for pq in pairs}
    order = sorted(pairs, key=lambda pq: (-prob[pq], pq))
    total = sum(prob.values())
    # the guesses holding 99.9% of the probability, then the rest (a solution of any shape is found)
    cut, mass = 0, 0
    while cut < len(order) and mass * 1000 < total * 999:
        mass += prob[order[cut]]
        cut += 1
    head = order[:cut]
    return itertools.chain(itertools.islice(itertools.cycle(head), 4 * len(head)), itertools.cycle(order))


class _Attempt:
    """One permutation, one guess: the transformed weights, the lists, the search."""

    def __init__(self, weights: tuple[int, ...], target: int, guess: tuple[int, int], rng, options,
                 max_entries: int):
        n = len(weights)
        self.n, self.h = n, n // 2
        self.perm = random_permutation(rng, n).tolist()
        self.flip = (2 * guess[0] > self.h, 2 * guess[1] > n - self.h)
        p = (self.h - guess[0] if self.flip[0] else guess[0],
             n - self.h - guess[1] if self.flip[1] else guess[1])
        self.plan = plan(n, p, options.c1, options.c2, max_entries)
        b = [weights[i] for i in self.perm]
        shift = 0
        for j in range(n):
            if self.flip[0 if j < self.h else 1]:
                shift += b[j]
                b[j] = -b[j]
        self.b, self.t = b, target - shift  # e' over b: e = e' XOR flipped halves
        self.rng = rng

    def _base_lists(self) -> tuple[list[_Base], list[_Base]]:
        m1 = self.plan.m1
        kl = max(q[0] for q in self.plan.quarters)
        kr = max(q[1] for q in self.plan.quarters)
        res = [x % m1 for x in self.b]
        s64 = [x & WORD for x in self.b]
        left = _bases(res[:self.h], s64[:self.h], kl)
        right = _bases(res[self.h:], s64[self.h:], kr)
        for lv in left + right:
            lv.res %= m1
        return left, right

    def run(self, deadline: float | None, inner: int) -> tuple[int, ...] | None:
        """Build the quarter lists for one residue modulo m2 and try ``inner`` residues r1."""
        m1, m2 = self.plan.m1, self.plan.m2
        left, right = self._base_lists()
        q = self.plan.quarters
        r_low = int(uniform_ints(self.rng, 0, m2 - 1, 1)[0])
        ry, ru = (int(v) for v in uniform_ints(self.rng, 0, m2 - 1, 2))
        t_m1 = self.t % m1
        if deadline is not None and time.monotonic() > deadline:
            return None
        quarters = [_quarter(left[q[0][0]], right[q[0][1]], ry, m1, m2),
                    _quarter(left[q[1][0]], right[q[1][1]], (r_low - ry) % m2, m1, m2),
                    _quarter(left[q[2][0]], right[q[2][1]], ru, m1, m2),
                    _quarter(left[q[3][0]], right[q[3][1]], (t_m1 - r_low - ru) % m2, m1, m2)]
        highs = m1 // m2
        tries = min(inner, highs)
        picks = set()
        while len(picks) < tries:
            picks.add(int(uniform_ints(self.rng, 0, highs - 1, 1)[0]))
        for high in sorted(picks):
            if deadline is not None and time.monotonic() > deadline:
                return None
            r1 = r_low + m2 * high
            found = self._join(quarters, r1, (t_m1 - r1) % m1, m1, deadline)
            if found is not None:
                return found
        return None

    def _join(self, quarters, r1: int, r2: int, m1: int, deadline: float | None) -> tuple[int, ...] | None:
        """The first half list (sorted by sum), the second streamed against it; None at the
        deadline (checked between batches, so a join overruns it by one batch at most)."""
        def late() -> bool:
            return deadline is not None and time.monotonic() > deadline

        parts = []
        for part in _halves(quarters[0], quarters[1], r1, m1, self.plan.m2):
            if late():
                return None
            parts.append(part)
        if not parts:
            return None
        s64 = np.concatenate([p[0] for p in parts])
        order = np.argsort(s64, kind="stable")
        s64 = s64[order]
        left = np.concatenate([p[1] for p in parts])[order]
        right = np.concatenate([p[2] for p in parts])[order]
        t64 = np.uint64(self.t & WORD)
        for s2, l2, r2m in _halves(quarters[2], quarters[3], r2, m1, self.plan.m2):
            if late():
                return None
            for ia, ib in _matches(t64 - s2, s64, 1.0):
                ok = ((l2[ia] & left[ib]) == 0) & ((r2m[ia] & right[ib]) == 0)
                for k in np.flatnonzero(ok).tolist():
                    w = self._witness(int(l2[ia[k]] | left[ib[k]]), int(r2m[ia[k]] | right[ib[k]]))
                    if w is not None:
                        return w
        return None

    def _witness(self, left: int, right: int) -> tuple[int, ...] | None:
        """The original indices of a candidate, after undoing the complements; None when its sum
        only agrees modulo 2^64 (checked exactly by the caller's weights)."""
        chosen = []
        for j in range(self.n):
            bit = (left >> j) & 1 if j < self.h else (right >> (j - self.h)) & 1
            if bit != self.flip[0 if j < self.h else 1]:
                chosen.append(self.perm[j])
        return tuple(sorted(chosen))


def _check(weights, target, size, options: RepresentationOptions) -> None:
    n = len(weights)
    if not 1 <= n <= MAX_N:
        raise InputError(f"representation search: expected 1..{MAX_N} weights, got {n}")
    if options.time_limit is None and options.max_attempts is None:
        raise InputError("representation search: give a time limit or a number of attempts (a miss "
                         "never ends it otherwise)")
    if options.max_attempts is not None and (isinstance(options.max_attempts, bool)
                                             or not isinstance(options.max_attempts, int)
                                             or options.max_attempts < 1):
        raise InputError(f"max_attempts: expected an integer >= 1, got {options.max_attempts!r}")
    for name in ("c1", "c2"):
        value = getattr(options, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1e6:
            raise InputError(f"{name}: expected a number in (0, 10^6], got {value!r}")
    if isinstance(options.inner, bool) or not isinstance(options.inner, int) or options.inner < 1:
        raise InputError(f"inner: expected an integer >= 1, got {options.inner!r}")
    if size is not None and not 0 <= size <= n:
        raise InputError(f"size: expected 0..{n}, got {size}")


def representation_search(weights, target: int, size: int | None = None,
                          options: RepresentationOptions = RepresentationOptions(max_attempts=8)
                          ) -> RepresentationResult:
    """Search for a subset of ``weights`` (integers of any size) summing to ``target`` (of
    exactly ``size`` elements when given) by the representation technique (module docstring).

    Returns the subset (sorted 0-based indices, checked in exact integer arithmetic), or None
    with the reason the search stopped: a miss is never evidence that no subset exists.
    Reproducible from ``options.seed`` up to where the time limit cuts it.

    >>> w = [31, -17, 45, 8, -29, 60, 12, -3, 27, 51, -40, 19]
    >>> r = representation_search(w, 31 + 45 + 60 - 3 + 51 - 40, options=RepresentationOptions(max_attempts=50))
    >>> sum(w[i] for i in r.witness) == 144
    True
    """
    weights = tuple(int(a) for a in weights)
    _check(weights, target, size, options)
    start = time.monotonic()
    deadline = None if options.time_limit is None else start + options.time_limit
    max_entries = max(1 << 10, resolve_budget(options.budget) // (8 * ENTRY_BYTES))
    rng = as_generator(options.seed)
    attempts = 0
    for guess in _guesses(len(weights), size):
        if options.max_attempts is not None and attempts >= options.max_attempts:
            return RepresentationResult(None, attempts, time.monotonic() - start,
                                        f"no subset found in {attempts} attempts")
        if deadline is not None and time.monotonic() > deadline:
            return RepresentationResult(None, attempts, time.monotonic() - start,
                                        f"time limit {options.time_limit:g} s reached after {attempts} attempts")
        attempts += 1
        found = _Attempt(weights, target, guess, rng, options, max_entries).run(deadline, options.inner)
        if found is not None and subset_error(weights, target, found, size) is None:
            return RepresentationResult(found, attempts, time.monotonic() - start)
    raise InternalError("the guesses of the representation search ran out (they cycle forever)")  # pragma: no cover

