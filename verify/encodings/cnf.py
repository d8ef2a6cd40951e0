"""CNF and WCNF encodings of subset-sum constraints ``Σ a_i x_i = t`` over signed integers.

Variables 1..n are always x_1..x_n (x_i true = weight i chosen), so any solver's model reads
back directly; auxiliary variables come after them.

Encodings (``ENCODINGS``):

- ``dd``: the project's decision diagram. Level i holds one node per partial sum s of
  x_1..x_i that is *alive*: reachable from the prefix, and with t - s reachable by the suffix
  (both read off the pre-filter's reachable-sum bitsets). This is the reduced diagram: two nodes
  of one level with different sums have disjoint completion sets, so nodes merge exactly when
  their sums agree, and all dead states merge into one false terminal that is never encoded.
  Its width is the number of distinct alive partial sums, small when the weights are quantized
  (few bits) and exponential in the worst case. A node variable v of level i-1 means "the rest of
  the constraint holds from here": ``v <-> (x_i ? hi : lo)``, six clauses per node (four for the
  equivalence, two redundant ones that strengthen propagation), constants folded.
- the pseudo-Boolean encodings of ``python-sat[pb]`` (``bdd``, ``seqcounter``, ``sortnetwrk``,
  ``adder``, ``binmerge``, ``totalizer``, ``mixedradix``, ``watchdog``): signs normalized first
  (``a x = |a| ~x - |a|`` for a < 0, since its equality rejects a negative bound), with a
  variable pool starting after x_n so auxiliary variables never collide.
- ``auto``: ``dd``, PySAT's ``bdd``, ``totalizer`` or ``adder`` by measured rules (see
  ``choose_encoding``): the diagram where it decides by itself or refutes, a solver-friendly
  encoding for a reachable target handed to a solver.

An exact size k adds ``Σ x_i = k`` through ``pysat.card``. An encoder may refute the constraint
by itself (the empty clause): ``Encoded.refuted_by_encoder`` says so, because that is not a
proof; the caller backs it with the exact pre-filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from pysat.card import CardEnc
from pysat.card import EncType as CardType
from pysat.formula import IDPool
from pysat.pb import EncType, PBEnc

from verify.errors import BudgetExceeded, InputError, InternalError
from verify.prefilter.bitset import ReachableSums
from verify.prefilter.budget import DEFAULT_BUDGET, human_bytes, resolve_budget
from verify.prefilter.mitm import MeetInTheMiddle

PB_ENCODINGS = ("bdd", "seqcounter", "sortnetwrk", "adder", "binmerge", "totalizer", "mixedradix",
                "watchdog")
ENCODINGS = ("auto", "dd") + PB_ENCODINGS
DD_AUTO_MAX_NODES = 200_000  # above this the diagram's clauses cost more than an arithmetic encoding
DD_MAX_TABLE_BYTES = 1 << 29  # the prefix and suffix bitsets of every level, at most 512 MiB
DD_MAX_NODES = 3_000_000  # about 15 million clauses: beyond this the CNF alone needs gigabytes
PB_MAX_SUM = 1 << 63
# Python memory per node, measured with tracemalloc at 20-80 thousand nodes (n = 20-40, 10-18
# bits): the diagram's six clauses at most 831 bytes, a refutation's two clauses and proof line
# at most 400 at its peak; rounded up.
DD_NODE_BYTES = 1024
REFUTATION_NODE_BYTES = 512


@dataclass
class Encoded:
    """A CNF over variables 1..nvars whose first n variables are the weights' choices.

    ``refuted_by_encoder``: the CNF is just the empty clause (no proof of anything).
    ``proof``: for an unsatisfiable CNF whose refutation the encoder knows (the decision
    diagram's, see :func:`refutation_dd`), its DRUP proof lines, to be checked independently."""

    n: int
    nvars: int
    clauses: list[list[int]]
    encoding: str
    refuted_by_encoder: bool = False
    stats: dict = field(default_factory=dict)
    proof: list[str] | None = None


def _bits(x: int, nbits: int) -> np.ndarray:
    """Positions of the set bits of a Python-int bitset, ascending."""
    if x == 0:
        return np.zeros(0, dtype=np.int64)
    words = np.frombuffer(x.to_bytes((nbits + 63) // 64 * 8, "little"), dtype="<u8")
    # only nonzero words are unpacked: wide, sparse tables (large weights) cost a pass over words
    nonzero = np.flatnonzero(words)
    rows, cols = np.nonzero(np.unpackbits(words[nonzero].view(np.uint8), bitorder="little").reshape(-1, 64))
    return nonzero[rows] * 64 + cols


def alive_levels(weights, target: int, budget=None) -> list[np.ndarray] | None:
    """See :func:`_alive_levels`; the last few results are kept, since choosing the encoding,
    reading a witness and writing clauses all ask for the same levels. Raises BudgetExceeded,
    allocating nothing, when their tables would not fit the memory budget."""
    need, limit = dd_table_bytes(weights), min(DD_MAX_TABLE_BYTES, _budget(budget))
    if need > limit:
        raise BudgetExceeded(f"the dd encoding's reachable-sum tables need {human_bytes(need)} "
                             f"(n = {len(weights)}, sum range {_span(weights) + 1:,}), over "
                             f"{_limit_text(limit, budget)}; use an arithmetic encoding such as adder")
    return _alive_levels(tuple(int(a) for a in weights), int(target))


def _budget(budget) -> int:
    """The memory budget in bytes; without one, the fixed default, not the environment's: an
    exported CNF (and a suite's) must be the same file on every machine."""
    return DEFAULT_BUDGET if budget is None else resolve_budget(budget)


def _limit_text(limit: int, budget) -> str:
    if limit == DD_MAX_TABLE_BYTES and _budget(budget) > DD_MAX_TABLE_BYTES:
        return f"the diagram's limit of {human_bytes(limit)}"
    return f"the memory budget of {human_bytes(limit)}"


def _span(weights) -> int:
    return sum(abs(a) for a in weights)


def _temporaries(weights) -> int:
    """Peak bytes of reading one level's sums off a bitset (its bytes, the unpacked nonzero
    words and a few int64 arrays over every reachable partial sum). Bounded by 2·range + 48
    bytes per reachable sum: the peaks measured with tracemalloc (n = 20-40, 10-18 bits, tables
    and clauses included) were 60-70% of that."""
    r = _span(weights) + 1
    return 2 * r + 48 * min(1 << min(len(weights), 62), r)


@lru_cache(maxsize=4)
def _alive_levels(weights: tuple, target: int) -> list[np.ndarray] | None:
    """For each level i = 0..n the sorted partial sums s of x_1..x_i that are reachable from the
    prefix and from which the suffix can still reach ``target``; None when level 0 is dead
    (the target is unreachable). Built from prefix and suffix reachable-sum bitsets.

    >>> [lv.tolist() for lv in alive_levels([2, 3, -1], 1)]
    [[0], [2], [2], [1]]
    """
    n = len(weights)
    # prefix bitsets: bit (s - off) set iff s is a subset sum of a_1..a_i
    prefix, offsets = [1], [0]
    for a in weights:
        p = prefix[-1]
        prefix.append(p | (p << abs(a)))
        offsets.append(offsets[-1] + min(a, 0))
    # suffix bitsets over a_{i+1..n}, same convention
    suffix, soff = [1] * (n + 1), [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        q, a = suffix[i + 1], weights[i]
        suffix[i] = q | (q << abs(a))
        soff[i] = soff[i + 1] + min(a, 0)
    levels = []
    for i in range(n + 1):
        width = sum(abs(a) for a in weights[:i]) + 1
        sums = _bits(prefix[i], width) + offsets[i]
        rest = target - sums  # what the suffix must still add
        qwidth = sum(abs(a) for a in weights[i:]) + 1
        pos = rest - soff[i]
        ok = (pos >= 0) & (pos < qwidth)
        words = np.frombuffer(suffix[i].to_bytes(((qwidth + 63) // 64) * 8, "little"), dtype="<u8")
        sel = pos[ok]
        hit = np.zeros(sums.size, dtype=bool)
        hit[ok] = ((words[sel >> 6] >> (sel & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)
        levels.append(sums[hit])
    if levels[0].size == 0:
        return None
    return levels


def dd_table_bytes(weights) -> int:
    """Bytes of the prefix and suffix bitsets the diagram is read from (about n · range / 8),
    and of reading a level off them."""
    return (len(weights) + 1) * (_span(weights) + 1) // 8 + _temporaries(weights)


def refutation_bytes(weights) -> int:
    """Bytes :func:`refutation_dd` needs besides its nodes: one prefix bitset (three copies
    while it is shifted) and reading a level off it."""
    return 3 * (_span(weights) + 1) // 8 + _temporaries(weights)


def refutation_fits(weights, budget=None) -> bool:
    """Whether the diagram's refutation can be read within the memory budget (its tables, and
    at least one node per weight)."""
    return refutation_bytes(weights) + len(weights) * REFUTATION_NODE_BYTES <= _budget(budget)


def dd_size(weights, target: int, budget=None) -> int | None:
    """Number of internal nodes of the reduced decision diagram (None: target unreachable)."""
    levels = alive_levels([weights[i] for i in dd_order(weights)], target, budget)
    return None if levels is None else sum(lv.size for lv in levels[:-1])


def dd_order(weights) -> list[int]:
    """The diagram's variable order: decreasing |a_i| (ties by index). Sorting by magnitude
    makes the diagram about 1.5x narrower than a random order on uniform weights (measured)."""
    return sorted(range(len(weights)), key=lambda i: (-abs(weights[i]), i))


def encode_dd(weights, target: int, first_var: int, budget=None) -> tuple[list[list[int]], int, dict]:
    """Clauses of the reduced decision diagram for ``Σ a_i x_i = target`` (x_i = variable i),
    levels in :func:`dd_order`, node variables numbered from ``first_var``. Returns (clauses,
    last variable used, stats). Raises BudgetExceeded before writing a clause when they would
    not fit the memory budget."""
    n = len(weights)
    order = dd_order(weights)
    weights = [weights[i] for i in order]
    levels = alive_levels(weights, target, budget)
    if levels is None:
        return [[]], first_var - 1, {"nodes": 0}
    nodes = sum(lv.size for lv in levels[:-1])
    if nodes > DD_MAX_NODES:
        raise BudgetExceeded(f"the dd encoding has {nodes:,} nodes, over its limit of "
                             f"{DD_MAX_NODES:,}; use an arithmetic encoding such as adder")
    need, limit = dd_table_bytes(weights) + nodes * DD_NODE_BYTES, _budget(budget)
    if need > limit:
        raise BudgetExceeded(f"the dd encoding's {nodes:,} nodes and tables need about "
                             f"{human_bytes(need)}, over the memory budget of {human_bytes(limit)}; "
                             f"use an arithmetic encoding such as adder")
    ids = []  # ids[i][j]: variable of node j of level i; level n is the true terminal, id 0
    nxt = first_var
    for lv in levels[:-1]:
        ids.append(np.arange(nxt, nxt + lv.size, dtype=np.int64))
        nxt += lv.size
    ids.append(np.zeros(1, dtype=np.int64))
    clauses: list[list[int]] = [[int(ids[0][0])]]  # the root holds
    for i in range(n):
        here, below = levels[i], levels[i + 1]  # every level is non-empty once the root is alive
        lo, hi = (_child(below, ids[i + 1], here + step) for step in (0, weights[i]))
        for node, l, h in zip(ids[i].tolist(), lo.tolist(), hi.tolist()):
            clauses.extend(_ite_clauses(node, order[i] + 1, h, l))
    return clauses, nxt - 1, {"nodes": int(nxt - first_var)}


DD_PROOF_MAX_NODES = 1_000_000  # beyond this the refutation costs more than the exhaustive table


def refutation_dd(weights, target: int, first_var: int, budget=None):
    """For an unreachable target: a CNF of ``Σ a_i x_i = target`` and its DRUP refutation, both
    read off the forward diagram; None when the diagram exceeds ``DD_PROOF_MAX_NODES`` or, with
    its tables, the memory budget.

    Node variable d(i, s) means "x over the first i levels sums to s". Nodes are the prefix
    sums s that the suffix could still bring to the target by its range ([min, max] of the
    suffix's subset sums). Clauses: d(0, 0); for each node and its level's variable x,
    ``d & ~x -> d(i+1, s)`` and ``d & x -> d(i+1, s + a)``, the implication reduced to a binary
    clause when that child is not a node. The proof derives ``~d(i, s)`` for every node from the
    last level back to the root (each is RUP: both its edges lead to refuted nodes), then the
    empty clause: every line is checkable by unit propagation, so an independent checker can
    confirm the target is unreachable without trusting this code.
    Returns (clauses, last variable, proof lines, stats)."""
    n = len(weights)
    order = dd_order(weights)
    w = [weights[i] for i in order]
    suffix_lo = [sum(min(a, 0) for a in w[i:]) for i in range(n + 1)]
    suffix_hi = [sum(max(a, 0) for a in w[i:]) for i in range(n + 1)]
    if not suffix_lo[0] <= target <= suffix_hi[0]:
        return None  # the range condition refutes it; nothing to encode
    room = _budget(budget) - refutation_bytes(weights)
    max_nodes = min(DD_PROOF_MAX_NODES, room // REFUTATION_NODE_BYTES)
    if max_nodes < n:
        return None
    levels, prefix, offset, total = [], 1, 0, 0
    for i in range(n + 1):
        if i:
            a = w[i - 1]
            prefix |= prefix << abs(a)
            offset += min(a, 0)
        width = sum(abs(a) for a in w[:i]) + 1
        sums = _bits(prefix, width) + offset
        keep = (sums >= target - suffix_hi[i]) & (sums <= target - suffix_lo[i])
        levels.append(sums[keep])
        total += int(keep.sum())
        if total > max_nodes:
            return None
    ids, nxt = [], first_var
    for lv in levels:
        ids.append(np.arange(nxt, nxt + lv.size, dtype=np.int64))
        nxt += lv.size
    clauses: list[list[int]] = [[int(ids[0][0])]]
    for i in range(n):
        x = order[i] + 1
        below = levels[i + 1]
        for sign, step in ((x, 0), (-x, w[i])):
            child = _child(below, ids[i + 1], levels[i] + step) if below.size else \
                np.full(levels[i].size, -1, dtype=np.int64)
            for d, c in zip(ids[i].tolist(), child.tolist()):
                clauses.append([-d, sign, c] if c > 0 else [-d, sign])
    proof = [f"-{d} 0" for lv in reversed(ids) for d in lv.tolist()]
    proof.append("0")
    return clauses, nxt - 1, proof, {"nodes": int(nxt - first_var)}


def dd_witness(weights, target: int, budget=None) -> tuple[int, ...] | None:
    """A solution read off the reduced diagram: from the root, follow any edge into an alive
    node (every alive node has one, down to the terminal); None when the target is unreachable.
    Sorted 0-based indices."""
    if _reachable(weights, target) is False:  # known without the diagram's tables
        return None
    order = dd_order(weights)
    w = [weights[i] for i in order]
    levels = alive_levels(w, target, budget)
    if levels is None:
        return None
    s, chosen = 0, []
    for i, a in enumerate(w):
        below = levels[i + 1]
        j = np.searchsorted(below, s + a)
        if a != 0 and j < below.size and below[j] == s + a:
            s += a
            chosen.append(order[i])
        elif not (np.searchsorted(below, s) < below.size and below[np.searchsorted(below, s)] == s):
            raise InternalError("the diagram has an alive node without an alive child")
    return tuple(sorted(chosen))


def _child(level: np.ndarray, ids: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """The node ids of ``sums`` in a level (sorted sums), -1 (false) where a sum is not alive."""
    j = np.minimum(np.searchsorted(level, sums), level.size - 1)
    return np.where(level[j] == sums, ids[j], -1)


def _ite_clauses(v: int, x: int, h: int, l: int) -> list[list[int]]:
    """Clauses of v <-> (x ? h : l) where h, l are variables, 0 (true) or -1 (false)."""
    out = []
    # x -> (v <-> h)
    if h == 0:
        out.append([-x, v])
    elif h == -1:
        out.append([-x, -v])
    else:
        out += [[-x, -h, v], [-x, h, -v]]
    # ~x -> (v <-> l)
    if l == 0:
        out.append([x, v])
    elif l == -1:
        out.append([x, -v])
    else:
        out += [[x, -l, v], [x, l, -v]]
    # redundant: (h and l) -> v, (~h and ~l) -> ~v
    if h > 0 and l > 0:
        out += [[-h, -l, v], [h, l, -v]]
    elif h > 0 and l == 0 or h == 0 and l > 0:
        out.append([-(h or l), v])
    elif h > 0 and l == -1 or h == -1 and l > 0:
        out.append([(h if h > 0 else l), -v])
    return out


def encode_pb(weights, target: int, encoding: str, first_var: int) -> tuple[list[list[int]], int]:
    """PySAT's pseudo-Boolean encoding of the equality, signs normalized (see module docstring)."""
    lits, coefs, bound = [], [], target
    for i, a in enumerate(weights):
        if a > 0:
            lits.append(i + 1)
            coefs.append(a)
        elif a < 0:
            lits.append(-(i + 1))
            coefs.append(-a)
            bound -= a  # a x = |a| (1 - x) - |a|: move -|a| to the right-hand side
    if sum(coefs) >= PB_MAX_SUM:
        # PySAT's encoders silently return the empty clause (or fail) beyond 64-bit sums:
        # that would be a false "no", so refuse instead
        raise BudgetExceeded(f"pseudo-Boolean encodings need Σ|a_i| < 2^63, got about "
                             f"2^{sum(coefs).bit_length() - 1}; no CNF encoding applies (--method "
                             f"auto or mitm decides it exactly up to n = 32)")
    if bound < 0 or bound > sum(coefs):
        return [[]], first_var - 1
    if not lits:
        return ([] if bound == 0 else [[]]), first_var - 1
    pool = IDPool(start_from=first_var)
    cnf = PBEnc.equals(lits=lits, weights=coefs, bound=bound, vpool=pool,
                       encoding=getattr(EncType, encoding))
    return [list(c) for c in cnf.clauses], max(pool.top, first_var - 1)


def cardinality(n: int, k: int, first_var: int) -> tuple[list[list[int]], int]:
    """``Σ x_i = k`` over variables 1..n through ``pysat.card`` (totalizer)."""
    pool = IDPool(start_from=first_var)
    cnf = CardEnc.equals(lits=list(range(1, n + 1)), bound=k, vpool=pool, encoding=CardType.totalizer)
    return [list(c) for c in cnf.clauses], max(pool.top, first_var - 1)


def cardinality_at_most(n: int, k: int, first_var: int) -> tuple[list[list[int]], int]:
    """``Σ x_i <= k`` over variables 1..n through ``pysat.card`` (totalizer)."""
    pool = IDPool(start_from=first_var)
    cnf = CardEnc.atmost(lits=list(range(1, n + 1)), bound=k, vpool=pool, encoding=CardType.totalizer)
    return [list(c) for c in cnf.clauses], max(pool.top, first_var - 1)


AUTO_ORACLE_MAX_N = 24  # up to here meet in the middle decides reachability in about a millisecond
AUTO_DD_MAX_WORK = 3_000_000  # n·Σ|a_i| of a reachable target above which the diagram is skipped
AUTO_TOTALIZER_MAX_N = 16  # small n, wide weights: CaDiCaL's totalizer proofs beat the diagram's
AUTO_TABLE_MAX_BITS = 1 << 28  # the reachable-sum table used as the oracle beyond n = 24


def _reachable(weights, target: int) -> bool | None:
    """Is ``target`` a subset sum? By meet in the middle (n <= 24) or the reachable-sum table
    (when it has at most ``AUTO_TABLE_MAX_BITS`` bits); None when neither is cheap. The last
    few answers are kept: the tool asks once to decide by itself, once to encode."""
    return _reachable_cached(tuple(int(a) for a in weights), int(target))


@lru_cache(maxsize=4)
def _reachable_cached(weights: tuple, target: int) -> bool | None:
    n, span = len(weights), sum(abs(a) for a in weights)
    if 0 < n <= AUTO_ORACLE_MAX_N:  # exact at any magnitude (Python integers beyond int64)
        return MeetInTheMiddle(weights).witness(target) is not None
    if span <= AUTO_TABLE_MAX_BITS:
        return ReachableSums(weights).has(target)
    return None


def choose_encoding(weights, target: int, encoding: str, for_solver: bool = False, budget=None) -> str:
    """``auto``'s choice (measured in ``benchmarks/encodings.py``; every other name is checked
    and returned). Reachability is decided first when that is cheap (:func:`_reachable`):

    - unreachable: ``totalizer`` when n <= 16 and n·Σ|a_i| > 200,000 (its CaDiCaL proofs are
      shorter than the diagram's refutation there), else ``dd`` (its own checked refutation;
      when that is too large to write, ``encode_subset_sum`` falls back to a solver) if its
      tables fit the memory budget, else ``adder`` (its size grows with n·log Σ|a_i| only);
    - reachable, decided by the tool itself (``for_solver=False``): ``dd``, whose path is a
      witness with no solver, when n·Σ|a_i| <= ``AUTO_DD_MAX_WORK`` (above it the diagram's
      bitset levels cost more than a whole solver run) and the diagram has at most
      ``DD_AUTO_MAX_NODES`` nodes;
    - reachable, handed to a solver (``for_solver=True``, what :func:`encode_subset_sum` and
      so ``export`` use), or too wide for the diagram: PySAT's ``bdd`` for n <= 16, and for
      n <= 24 with n·Σ|a_i| > ``AUTO_DD_MAX_WORK``; else ``adder`` (the fewest clauses, and the
      fastest for CaDiCaL there; the diagram's CNF of a reachable target is larger and slower).

    When reachability is not cheap the diagram's size decides: unreachable -> ``dd``; reachable
    as above with its node count; ``adder`` when the diagram's tables do not fit the budget.
    The choice never affects correctness, only speed."""
    if encoding not in ENCODINGS:
        raise InputError(f"encoding: expected one of {', '.join(ENCODINGS)}, got {encoding!r}")
    if encoding != "auto":
        return encoding
    n, span = len(weights), _span(weights)
    wide = n * span > AUTO_DD_MAX_WORK
    solver_choice = "bdd" if n <= AUTO_TOTALIZER_MAX_N or (n <= AUTO_ORACLE_MAX_N and wide) else "adder"
    reachable = _reachable(weights, target)
    if reachable is False:
        if n <= AUTO_TOTALIZER_MAX_N and n * span > 200_000:
            return "totalizer"
        return "dd" if refutation_fits(weights, budget) else "adder"
    if reachable and (for_solver or wide):
        return solver_choice
    if dd_table_bytes(weights) > min(DD_MAX_TABLE_BYTES, _budget(budget)):
        return "adder"
    nodes = dd_size(weights, target, budget)
    if nodes is None:
        return "dd"
    return "dd" if nodes <= DD_AUTO_MAX_NODES and not for_solver else solver_choice


def encode_subset_sum(weights, target: int, encoding: str = "auto", size: int | None = None,
                      budget=None) -> Encoded:
    """The CNF of ``Σ a_i x_i = target`` (and ``Σ x_i = size`` when given). The decision
    diagram's tables and clauses are checked against the memory budget before they are built
    (BudgetExceeded when they do not fit); PySAT's encoders cannot be bounded from here.

    >>> e = encode_subset_sum([3, -5, 7], 2, "dd")
    >>> e.n, e.encoding, e.refuted_by_encoder
    (3, 'dd', False)
    >>> refuted = encode_subset_sum([2, 4], 3, "dd")   # unreachable: a CNF and its refutation
    >>> refuted.refuted_by_encoder, refuted.proof
    (False, ['-3 0', '0'])
    """
    weights = [int(a) for a in weights]
    n = len(weights)
    chosen = choose_encoding(weights, target, encoding, for_solver=True, budget=budget)
    proof = None
    if n == 0:  # no variable to hang a clause on: the empty sum is 0
        clauses, top, stats = ([] if target == 0 else [[]]), 0, {}
    elif chosen == "dd":
        # a target known to be unreachable needs only the forward diagram of its refutation
        known_unreachable = _reachable(weights, target) is False
        clauses, top, stats = ([[]], n, {}) if known_unreachable else encode_dd(weights, target, n + 1, budget)
        if clauses == [[]]:
            refutation = refutation_dd(weights, target, n + 1, budget)
            if refutation is not None:
                clauses, top, proof, stats = refutation
            elif encoding == "auto":  # too large to refute by itself: let a solver prove it
                chosen = "totalizer" if n <= AUTO_ORACLE_MAX_N else "adder"
                clauses, top = encode_pb(weights, target, chosen, n + 1)
                stats = {}
    else:
        clauses, top = encode_pb(weights, target, chosen, n + 1)
        stats = {}
    if size is not None:
        more, top = cardinality(n, size, top + 1)
        clauses = clauses + more
    top = max(top, n)
    refuted = any(len(c) == 0 for c in clauses)
    # With a size, the diagram's refutation still holds: extra clauses only help propagation.
    stats.update({"clauses": len(clauses), "variables": top})
    return Encoded(n, top, clauses, chosen, refuted, stats, proof)


def fewest_wcnf(encoded: Encoded) -> tuple[list[list[int]], list[tuple[int, list[int]]]]:
    """WCNF for "fewest elements": the encoding as hard clauses, one soft clause ``~x_i`` of
    weight 1 per weight, so the optimum cost is the fewest elements of a solution."""
    return encoded.clauses, [(1, [-(i + 1)]) for i in range(encoded.n)]


def conjoin(parts: list[Encoded]) -> Encoded:
    """One CNF for several constraints over the same choices x_1..x_n (a vector problem's
    coordinates, one constraint each): every part's auxiliary variables (above n) are renumbered
    after the previous parts', so the parts share x_1..x_n and nothing else. The encoding is the
    parts' common name (or their names joined by ``+``); refuted by the encoder if any part is.

    >>> a = encode_subset_sum([1, 1], 1, "totalizer")
    >>> b = encode_subset_sum([1, 2], 2, "totalizer")
    >>> c = conjoin([a, b])
    >>> c.n, c.nvars == a.nvars + b.nvars - 2, len(c.clauses) == len(a.clauses) + len(b.clauses)
    (2, True, True)
    """
    n = parts[0].n
    clauses: list[list[int]] = []
    top = n
    for p in parts:
        shift = top - n
        clauses.extend([[lit if abs(lit) <= n else lit + shift if lit > 0 else lit - shift for lit in c]
                        for c in p.clauses])
        top += max(p.nvars - n, 0)
    names = list(dict.fromkeys(p.encoding for p in parts))
    return Encoded(n, top, clauses, "+".join(names), any(p.refuted_by_encoder for p in parts),
                   {"coordinates": len(parts)})
