"""Heuristics for quantized subset sum: greedy, Karmarkar–Karp, complete KK, local search, beam.

Conventions: indices are 0-based into ``problem.weights``; sums and errors are exact Python
integers (weights may be negative and exceed 64 bits); times are wall-clock seconds. All
randomness comes from the generator :func:`run_heuristic` makes with
``verify.seeding.as_generator(seed)``: the same seed gives the same candidate, unless a
``time_limit`` cut the search short.

A heuristic only proposes a subset. :func:`run_heuristic` decides ``hit`` with the exact witness
checker and computes ``error`` itself; nothing a heuristic reports is trusted.

**Partition reduction (Lemma 2)**, behind ``kk`` and ``ckk``. Let ``x_i = |w_i|``, ``Λ = Σ w_i``
and ``D = 2t − Λ``. A subset S is a sign vector σ (σ_i = +1 iff i ∈ S), and
``Σ σ_i w_i = 2·Σ_S w − Λ``; so Σ_S w = t iff ``Σ τ_i x_i = D`` with ``τ_i = σ_i·sgn(w_i)``
(a negative weight flips the meaning of its sign; a zero weight's side does not matter). Append
one item ``x_e = |D|``. Any signing of the n+1 items with signed sum δ, flipped as a whole (a
partition and its mirror image are the same partition) so that ``τ_e x_e = −D``, has
``Σ_{i<n} τ_i x_i = D + δ``, hence ``Σ_S w − t = δ/2``. So a perfect partition of the extended
items is exactly a hit, and discrepancy |δ| is subset error |δ|/2 (δ is always even: the
extended items sum to ``Σ|w_i| + |D| ≡ 2Λ (mod 2)``). With D = 0 the extra item is left out.

**Fixed size.** ``greedy``, ``local-search`` and ``beam`` respect ``size`` (every candidate has
exactly ``size`` elements). ``kk`` ignores it; ``ckk`` ranks candidates by (wrong size, error)
and keeps searching after a perfect partition of the wrong size, but its pruning can discard
the right-size ones, so with a size it is not complete. Either way the checker marks a
wrong-size subset not hit, even when its error (which is only ``|Σ − t|``) is 0.
"""

from __future__ import annotations

import heapq
import inspect
import math
import time
from bisect import insort
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from verify.errors import InputError, InternalError
from verify.problems import SubsetSum, TargetRange
from verify.seeding import as_generator
from verify.solve.limits import check_time_limit
from verify.witness import witness_error


@dataclass(frozen=True)
class Candidate:
    """A heuristic's best subset and what the exact checker says of it.

    ``subset``: sorted 0-based indices, None if the heuristic proposed nothing. ``hit``: the
    checker verified the sum (and the size, when fixed). ``error``: ``|Σ subset − target|``,
    exact, None without a subset. ``seconds``: wall time of the heuristic call alone.
    ``stats``: the heuristic's own JSON-able counters.
    """

    heuristic: str
    subset: tuple[int, ...] | None
    hit: bool
    error: int | None
    seconds: float
    stats: dict = field(default_factory=dict)


def _sgn(w: int) -> int:
    return -1 if w < 0 else 1


def _deadline(time_limit: float | None) -> float | None:
    return None if time_limit is None else time.perf_counter() + time_limit


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() > deadline


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{what}: expected a positive integer, got {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------- greedy

def _greedy_pass(weights, order, target: int, size: int | None) -> list[int]:
    total, chosen = 0, []
    for pos, i in enumerate(order):
        w = weights[i]
        if size is not None:
            slots = size - len(chosen)
            if slots == 0:
                break
            if slots == len(order) - pos:  # every remaining item is needed to reach the size
                chosen.append(i)
                total += w
                continue
        if abs(total + w - target) < abs(total - target):
            chosen.append(i)
            total += w
    return chosen


def greedy(weights, target, *, size, rng, time_limit):
    """Largest |w| first, take a weight when it brings the running sum strictly closer to the
    target. Two deterministic variants, the better kept (ties: ``add``): ``add`` builds S from
    nothing; ``remove`` builds the complement (target ``Λ − t``, size ``n − size``), i.e. starts
    from all weights and drops them. With a fixed size, the last items are taken when they are
    needed to fill it, so candidates always have the right size. ``rng``, ``time_limit``: unused.
    """
    n, lam = len(weights), sum(weights)
    order = sorted(range(n), key=lambda i: (-abs(weights[i]), i))
    add = _greedy_pass(weights, order, target, size)
    dropped = set(_greedy_pass(weights, order, lam - target, None if size is None else n - size))
    remove = [i for i in range(n) if i not in dropped]
    err = [abs(sum(weights[i] for i in s) - target) for s in (add, remove)]
    variant = "add" if err[0] <= err[1] else "remove"
    return tuple(sorted(add if variant == "add" else remove)), {"variant": variant}


# ------------------------------------------------------------------------------ Karmarkar–Karp

def _extended(weights, target: int) -> tuple[list[int], int]:
    """The partition items of Lemma 2 (``|w_i|``, then ``|D|`` when D != 0) and ``D = 2t − Λ``."""
    d = 2 * target - sum(weights)
    values = [abs(w) for w in weights]
    if d:
        values.append(abs(d))
    return values, d


def _to_subset(weights, d: int, tau) -> tuple[int, ...]:
    """The subset for signs ``tau`` of the extended items (module docstring)."""
    n = len(weights)
    flip = -1 if d and tau[n] != -_sgn(d) else 1
    return tuple(i for i in range(n) if flip * tau[i] * _sgn(weights[i]) == 1)


def _resolve_signs(parent, rel, roots: dict, count: int) -> list[int]:
    """Item signs from the differencing forest: a node's sign relative to its parent is ``rel``.
    Parents always have larger ids than their children, so one pass from the top suffices."""
    sign = [0] * count
    for node in range(count - 1, -1, -1):
        sign[node] = roots[node] if node in roots else sign[parent[node]] * rel[node]
    return sign


def kk(weights, target, *, size, rng, time_limit):
    """Karmarkar–Karp largest differencing on the extended partition items (module docstring):
    replace the two largest a >= b by a − b (opposite sides) until one value, the discrepancy δ,
    remains; the tree gives the signs, which map back to a subset with error δ/2. Ties are
    broken by item index, so it is deterministic. Ignores ``size``, ``rng``, ``time_limit``.
    Stats: ``discrepancy``.
    """
    values, d = _extended(weights, target)
    m = len(values)
    parent, rel = [0] * (2 * m), [1] * (2 * m)
    heap = [(-v, i) for i, v in enumerate(values)]
    heapq.heapify(heap)
    node = m
    while len(heap) > 1:
        na, a = heapq.heappop(heap)
        nb, b = heapq.heappop(heap)
        parent[a] = parent[b] = node
        rel[a], rel[b] = 1, -1
        heapq.heappush(heap, (na - nb, node))  # -(|a| - |b|)
        node += 1
    neg, root = heap[0]
    sign = _resolve_signs(parent, rel, {root: 1}, node)
    return _to_subset(weights, d, sign), {"discrepancy": -neg}


def ckk(weights, target, *, size, rng, time_limit, max_nodes=None):
    """Korf's complete Karmarkar–Karp on the extended partition items, depth-first, anytime.

    At each node the two largest values a >= b are replaced either by a − b (tried first: KK's
    choice) or by a + b. A node whose largest value is at least the sum of the rest is a leaf:
    its best completion puts everything else opposite, with discrepancy ``largest − rest``.
    The best leaf so far is kept, ranked by (wrong size, discrepancy); the search stops at a hit
    (discrepancy 0 and right size), after ``max_nodes`` nodes, or at ``time_limit`` seconds.
    Without limits and without a fixed size it is complete: it hits iff the target is reachable.
    Stats: ``nodes``, ``leaves``, ``discrepancy`` (of the best), ``stopped`` (``hit``,
    ``exhausted``, ``max_nodes`` or ``time_limit``). ``rng`` is unused.
    """
    if max_nodes is not None:
        max_nodes = _positive_int(max_nodes, "max_nodes")
    values, d = _extended(weights, target)
    m = len(values)
    parent, rel = [0] * (2 * m), [1] * (2 * m)
    deadline = _deadline(time_limit)
    best = None  # ((wrong size, discrepancy), subset)
    nodes = leaves = 0
    stopped = "exhausted"
    # A frame's link is applied when the frame is popped, not pushed: the sibling pushed with it
    # re-links the same two nodes, and depth-first order makes the popped frame's links current.
    stack = [(sorted((v, i) for i, v in enumerate(values)), sum(values), 0, None)]
    while stack:
        items, total, depth, link = stack.pop()
        if link is not None:
            a, b, s, node = link
            parent[a] = parent[b] = node
            rel[a], rel[b] = 1, s
        if max_nodes is not None and nodes >= max_nodes:
            stopped = "max_nodes"
            break
        if deadline is not None and nodes % 512 == 0 and _past(deadline):
            stopped = "time_limit"
            break
        nodes += 1
        big, top = items[-1]
        if 2 * big >= total:
            leaves += 1
            disc = 2 * big - total
            if best is None or disc < best[0][1] or best[0][0]:
                roots = {i: -1 for _, i in items}
                roots[top] = 1
                subset = _to_subset(weights, d, _resolve_signs(parent, rel, roots, m + depth))
                rank = (size is not None and len(subset) != size, disc)
                if best is None or rank < best[0]:
                    best = (rank, subset)
                if best[0] == (False, 0):
                    stopped = "hit"
                    break
            continue
        small, second = items[-2]
        node = m + depth  # ids are reused per depth: a node deeper than the path is dead
        rest = items[:-2]
        summed = rest.copy()
        insort(summed, (big + small, node))
        insort(rest, (big - small, node))
        stack.append((summed, total, depth + 1, (top, second, 1, node)))
        stack.append((rest, total - 2 * small, depth + 1, (top, second, -1, node)))
    stats = {"nodes": nodes, "leaves": leaves, "stopped": stopped,
             "discrepancy": None if best is None else best[0][1]}
    return (None if best is None else best[1]), stats


# -------------------------------------------------------------------------------- local search

class _Walk:
    """A local-search state: chosen and unchosen indices as lists with O(1) moves (swap-remove
    through positions), their sum, and the unchosen indices by value for exact lookups."""

    def __init__(self, weights, is_in: list[bool]):
        self.weights, self.is_in = weights, is_in
        self.inside = [i for i in range(len(weights)) if is_in[i]]
        self.outside = [i for i in range(len(weights)) if not is_in[i]]
        self.pos = {i: k for k, i in enumerate(self.inside)} | {i: k for k, i in enumerate(self.outside)}
        self.out_by_value: dict[int, set] = {}
        for i in self.outside:
            self.out_by_value.setdefault(weights[i], set()).add(i)
        self.total = sum(weights[i] for i in self.inside)

    def move(self, i: int, into: bool) -> None:
        src, dst = (self.outside, self.inside) if into else (self.inside, self.outside)
        last = src.pop()
        if last != i:
            src[self.pos[i]] = last
            self.pos[last] = self.pos[i]
        self.pos[i] = len(dst)
        dst.append(i)
        self.is_in[i] = into
        w = self.weights[i]
        if into:
            self.out_by_value[w].discard(i)
            self.total += w
        else:
            self.out_by_value.setdefault(w, set()).add(i)
            self.total -= w

    def exact_move(self, target: int, flips: bool):
        """Moves ``(index, into)``: one flip (if ``flips``) or one swap reaching ``target``, or None."""
        r, w = target - self.total, self.weights
        if flips and self.out_by_value.get(r):
            return [(min(self.out_by_value[r]), True)]
        for o in self.inside:
            if flips and w[o] == -r:
                return [(o, False)]
            ins = self.out_by_value.get(r + w[o])
            if ins:
                return [(o, False), (min(ins), True)]
        return None


def local_search(weights, target, *, size, rng, time_limit, iterations=20_000, restarts=8,
                 lookahead=True):
    """Simulated annealing with random restarts, ``iterations`` moves in all.

    Each restart starts from a random subset (each weight with probability 1/2, or a uniform
    ``size``-subset) and runs ``iterations // restarts`` random moves: flip one weight in or out,
    or swap one in for one out (only swaps with a fixed size, so the size is respected). A move
    that does not increase the error is accepted; a worse one with probability ``exp(−Δ/T)``,
    T falling geometrically from the mean |w| to 1/2 over the restart. With ``lookahead``, each
    step first checks in O(n) whether one flip or swap hits the target exactly, and takes it.
    Stops at a hit, after ``iterations``, or at ``time_limit``. Stats: ``iterations``,
    ``restarts`` (started), ``accepted_worse``, ``lookahead_hits``.

    Eight parameters, no record: the first five are every heuristic's calling convention
    (``HEURISTICS``), the last three its own options, which ``run_heuristic`` checks and passes
    by name.
    """
    iterations = _positive_int(iterations, "iterations")
    restarts = _positive_int(restarts, "restarts")
    n = len(weights)
    steps = max(1, iterations // restarts)
    log_hot = math.log(max(1, sum(abs(w) for w in weights) // n))
    log_cold = math.log(0.5)
    deadline = _deadline(time_limit)
    stats = {"iterations": 0, "restarts": 0, "accepted_worse": 0, "lookahead_hits": 0}
    best = None  # (error, subset)
    reach = 2 * max(abs(w) for w in weights)  # no single move changes the sum by more
    for _ in range(restarts):
        if (best is not None and best[0] == 0) or _past(deadline):
            break
        stats["restarts"] += 1
        if size is None:
            is_in = (rng.random(n) < 0.5).tolist()
        else:
            is_in = [False] * n
            for i in rng.permutation(n)[:size].tolist():
                is_in[i] = True
        walk = _Walk(weights, is_in)
        draws = rng.random((steps, 4)).tolist()
        for step in range(steps + 1):
            err = abs(walk.total - target)
            if best is None or err < best[0]:
                best = (err, tuple(sorted(walk.inside)))
            if err == 0 or step == steps or (deadline is not None and step % 256 == 0 and _past(deadline)):
                break
            stats["iterations"] += 1
            if lookahead and err <= reach:
                exact = walk.exact_move(target, size is None)
                if exact is not None:
                    for i, into in exact:
                        walk.move(i, into)
                    stats["lookahead_hits"] += 1
                    continue
            kind, u, v, accept = draws[step]
            inside, outside = walk.inside, walk.outside
            if size is None and (kind < 0.5 or not inside or not outside):
                i = int(u * n)
                changes = [(i, not is_in[i])]
            elif inside and outside:
                changes = [(inside[int(u * len(inside))], False), (outside[int(v * len(outside))], True)]
            else:
                break  # size 0 or n: no move keeps the size
            after = walk.total + sum(weights[i] if into else -weights[i] for i, into in changes)
            delta = abs(after - target) - err
            if delta > 0:
                # Δ/T through logs: both can be far beyond float range for huge weights
                log_t = log_hot + (log_cold - log_hot) * step / steps
                if accept >= math.exp(-math.exp(min(50.0, math.log(delta) - log_t))):
                    continue
                stats["accepted_worse"] += 1
            for i, into in changes:
                walk.move(i, into)
    return (None if best is None else best[1]), stats


# ------------------------------------------------------------------------------------------ beam

def _beam_rank(state, target: int, size: int | None, layer) -> tuple:
    """(cannot fill the size, distance of the target from the completable interval, distance of
    the residual from that interval's centre): exact integers, smaller is better."""
    s, c = state
    m, rem_total, lo_free, hi_free, prefix = layer
    r = target - s
    if size is None:
        lo, hi, centre = lo_free, hi_free, abs(2 * r - rem_total)
    else:
        q = size - c
        if not 0 <= q <= m:
            return (1, 0, 0)
        lo, hi = prefix[q], rem_total - prefix[m - q]
        centre = abs(r * m - q * rem_total)  # the mean sum of q of the m remaining is q·Σ/m
    return (0, max(0, r - hi, lo - r), centre)


def beam(weights, target, *, size, rng, time_limit, width=64):
    """Beam search over partial sums, weights taken in order of |w| descending (ties by index).

    After each weight, the distinct states (partial sum, count) are ranked by how far the target
    is from what the remaining weights can still add (the interval [Σ negatives, Σ positives],
    or with a fixed size [sum of the q smallest, sum of the q largest], q = slots left; states
    that cannot fill the size rank last), then by the distance of the residual from the centre
    of that interval, where subset sums of the rest are densest. The best ``width`` are kept,
    with back-pointers. A state that already hits (with the right count) ends the search.
    Respects ``size``. Past ``time_limit`` the width drops to 1 (a greedy finish). Stats:
    ``layers``, ``truncated``. ``rng`` is unused.
    """
    width = _positive_int(width, "width")
    order = sorted(range(len(weights)), key=lambda i: (-abs(weights[i]), i))
    deadline = _deadline(time_limit)
    states = [(0, 0)]
    back = []  # per layer: (parent index, took) of each kept state
    truncated = False
    for j, item in enumerate(order):
        if not truncated and _past(deadline):
            truncated, width = True, 1
        rem = sorted(weights[k] for k in order[j + 1:])
        prefix = [0]
        for w in rem:
            prefix.append(prefix[-1] + w)
        layer = (len(rem), prefix[-1], sum(w for w in rem if w < 0), sum(w for w in rem if w > 0), prefix)
        found: dict = {}
        for p, (s, c) in enumerate(states):
            found.setdefault((s, c), (p, False))
            found.setdefault((s + weights[item], c + 1), (p, True))
        hits = [st for st in found if st[0] == target and (size is None or st[1] == size)]
        if hits:  # skipping every remaining weight completes it, however it would rank
            back.append([found[min(hits)]])
            break
        states = [st for _, st in sorted((_beam_rank(st, target, size, layer), st) for st in found)[:width]]
        back.append([found[st] for st in states])
    subset, k = [], 0
    for layer in range(len(back) - 1, -1, -1):
        k, took = back[layer][k]
        if took:
            subset.append(order[layer])
    return tuple(sorted(subset)), {"layers": len(back), "truncated": truncated}


HEURISTICS: dict[str, Callable] = {
    "greedy": greedy,
    "kk": kk,
    "ckk": ckk,
    "local-search": local_search,
    "beam": beam,
}


# ---------------------------------------------------------------------------------------- runner

def _target_at(problem: SubsetSum, index) -> int:
    count = problem.num_targets
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < count:
        raise InputError(f"target_index: expected an integer in 0..{count - 1}, got {index!r}")
    if isinstance(problem.targets, TargetRange):
        return problem.targets.lo + int(index)
    return problem.targets[int(index)]


def _check_opts(name: str, fn: Callable, opts: dict) -> None:
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    known = [p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY
             and p not in ("size", "rng", "time_limit")]
    unknown = sorted(set(opts) - set(known))
    if unknown:
        raise InputError(f"heuristic {name!r}: unknown option(s) {unknown}; it takes {known}")


def checked_indices(name: str, subset, n: int) -> tuple[int, ...]:
    """Heuristic ``name``'s ``subset`` of ``0..n-1`` as sorted distinct ints. Malformed indices
    (not integers, out of range, repeated) are a bug in the heuristic, not a near miss: an
    InternalError naming it. Whether the subset hits is for the witness replay to say."""
    idx = list(subset)
    if any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) for i in idx):
        raise InternalError(f"heuristic {name!r} returned non-integer indices: {idx!r}")
    if any(not 0 <= i < n for i in idx):
        raise InternalError(f"heuristic {name!r} returned an index outside 0..{n - 1}: {idx!r}")
    if len(set(idx)) != len(idx):
        raise InternalError(f"heuristic {name!r} returned a repeated index: {idx!r}")
    return tuple(sorted(int(i) for i in idx))


def run_heuristic(name: str, problem: SubsetSum, target_index: int = 0, *, seed=0,
                  time_limit: float | None = None, **opts) -> Candidate:
    """Run heuristic ``name`` on target ``target_index`` (0-based) of ``problem`` and verify.

    ``seed`` (int or Generator) seeds all randomness; ``time_limit`` (seconds, or None) bounds the
    search where the heuristic supports it; ``opts`` are the heuristic's own options (unknown
    ones are refused). ``hit`` comes only from :func:`verify.witness.witness_error`; ``error``
    is ``|Σ − t|`` computed here in exact integers (0 with ``hit``; with a fixed size, a subset
    of the wrong size may have error 0 and still not hit). Indices that are out of range,
    repeated or not integers raise :class:`InternalError` (a heuristic bug, never a miss).

    >>> p = SubsetSum(weights=[8, 7, 6, 5, 4], targets=[15])
    >>> c = run_heuristic("ckk", p)
    >>> c.subset, c.hit, c.error
    ((0, 1), True, 0)
    """
    fn = HEURISTICS.get(name) if isinstance(name, str) else None
    if fn is None:
        raise InputError(f"heuristic: unknown name {name!r}; expected one of {sorted(HEURISTICS)}")
    if not isinstance(problem, SubsetSum):
        raise InputError(f"heuristic {name!r}: expected a one-dimensional subset-sum problem, "
                         f"got {type(problem).__name__}")
    target = _target_at(problem, target_index)
    time_limit = check_time_limit(time_limit)
    _check_opts(name, fn, opts)
    rng = as_generator(seed)
    start = time.perf_counter()
    subset, stats = fn(problem.weights, target, size=problem.size, rng=rng, time_limit=time_limit, **opts)
    seconds = time.perf_counter() - start
    if subset is None:
        return Candidate(name, None, False, None, seconds, dict(stats))
    subset = checked_indices(name, subset, problem.n)
    hit = witness_error(problem, target, subset) is None
    error = abs(sum(problem.weights[i] for i in subset) - target)
    if hit and error != 0:
        raise InternalError(f"heuristic {name!r}: the checker accepted a subset with error {error}")
    return Candidate(name, subset, hit, error, seconds, dict(stats))
