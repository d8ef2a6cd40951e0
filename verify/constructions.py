"""The paper's constructive pruning: Theorem 1 (depth 2ℓ, Lemmas 5-7), exactly.

Given a target ``T`` (depth ℓ, widths d_0..d_ℓ) and a random network ``R`` of depth 2ℓ whose
layer 2i-1 has ``c·d_{i-1}`` rows (group j = rows ``j·c .. j·c+c-1`` reads input j) and layer
2i has d_i rows, the construction works on ``[R]_δ`` (weights lowered to δ = 2^-k) and, for
every target layer i:

1. prunes layer 2i-1 to its block-diagonal part: unit h of group j keeps only its weight u_h
   from input j (units with u_h = 0 are useless: σ(0·x) = 0);
2. for every output o and input j, with the target weight w = T_i[o, j] moved to the product
   grid δ²ℤ (exact, since δ² <= δ_t), chooses branch A: units with u_h > 0, and a subset S_A
   with Σ_{h∈S_A} v_{oh} u_h = w; branch B: units with u_h < 0, a subset S_B with the same sum.
   For x_j > 0 only branch A's units are active and contribute w·x_j; for x_j < 0 only branch
   B's; so ``Σ_h v_{oh} σ(u_h x_j) = w·x_j`` for every real x_j (Lemma 5);
3. keeps v_{oh} exactly for the chosen units.

Each subset choice is a one-dimensional subset-sum problem decided by ``verify.solve.dispatch.solve``
(the exact pre-filter, or a solver with checked evidence), so every success carries a replayed
witness and every failure names the target weight, the branch, and the status and evidence of
its "no". The pruned network is then evaluated exactly and compared with the target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

from verify.errors import InputError
from verify.layouts import single_precision, theorem1_units
from verify.networks import QuantizedNetwork, theorem1_shapes, theorem2_shapes
from verify.numbers import RoundingMode
from verify.prefilter.bitset import small_witness
from verify.prefilter.windowed import window_witnesses
from verify.problems import SubsetSum
from verify.solve.dispatch import solve
from verify.status import Answer, Status
from verify.status_line import quiet
from verify.witness import replay_subset


@dataclass
class WeightChoice:
    """The evidence for one target weight and branch: which units, and how it was decided."""

    layer: int  # target layer, 1-based
    output: int
    input: int
    branch: str  # "A" (u > 0, used for x > 0) or "B" (u < 0, used for x < 0)
    target: int  # the target weight on the product grid (scale 2k)
    units: tuple[int, ...]  # hidden units (rows of layer 2i-1) chosen, when found
    answer: Answer


@dataclass
class Construction:
    """The mask and the per-weight evidence; ``failures`` lists the choices with no subset."""

    mask: tuple
    k: int
    choices: list[WeightChoice] = field(default_factory=list)

    @cached_property  # read once construction is over: a layer pair has 10^5 choices
    def failures(self) -> list[WeightChoice]:
        return [c for c in self.choices if not c.answer.status.is_sat]

    @property
    def ok(self) -> bool:
        return not self.failures

    def status_counts(self) -> dict[str, int]:
        """How many choices rest on each status (``{"sat-verified": 158797, ...}``), by status name."""
        return dict(sorted(Counter(c.answer.status.value for c in self.choices).items()))


@dataclass(frozen=True)
class ConstructionOptions:
    """How to construct: R lowered to δ with ``mode``; each per-weight subset sum decided by
    ``method`` (``verify.solve.dispatch`` methods; ``auto``: the exact tables first) within
    ``budget`` (bytes, or a size such as ``"2G"``; None: the default); ``solver`` (Theorem 1
    only), a callable ``(products, w) -> Answer`` deciding the sums instead (a heuristic);
    ``units`` and ``copies`` (Theorem 2 only): first-layer units per input and copies per
    neuron (None: read from R's shapes); ``progress`` is told each stage."""

    mode: RoundingMode | str = RoundingMode.NEAREST_EVEN
    method: str = "auto"
    budget: int | str | None = None
    solver: Callable | None = None
    units: int | None = None
    copies: int | None = None
    progress: Callable[[str], None] = quiet


DEFAULT_OPTIONS = ConstructionOptions()


def check_precisions(k_target: int, k: int, k_random: int) -> None:
    """Theorem 1's grids: δ_in² <= δ² <= δ_t, i.e. k_random >= k and 2k >= k_target."""
    if not (k_random >= k and 2 * k >= k_target):
        raise InputError(f"precisions: Theorem 1 needs δ_in² <= δ² <= δ_t, i.e. k_in >= k and "
                         f"2k >= k_t; got k_in = {k_random}, k = {k}, k_t = {k_target}")


def construct_theorem1(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                       options: ConstructionOptions = DEFAULT_OPTIONS) -> Construction:
    """Theorem 1's mask for ``random`` (lowered to δ = 2^-k with ``options.mode``) to equal ``target``.

    ``options.solver`` (optional): a callable ``(products, w) -> Answer`` deciding each
    non-trivial per-weight subset sum instead of ``solve`` (e.g. a heuristic answering
    ``unknown`` when it finds nothing); a ``sat-verified`` answer's witness is replayed here all
    the same. ``options.units`` and ``options.copies`` do not apply (R's shapes say c).

    >>> T = QuantizedNetwork([[[3, -2]]], [2])          # one layer: 0.75 x_0 - 0.5 x_1
    >>> from verify.seeding import as_generator, uniform_ints
    >>> rng = as_generator(1)
    >>> R = QuantizedNetwork([uniform_ints(rng, -2, 2, s[0] * s[1]).reshape(s)
    ...                       for s in theorem1_shapes(T, 40)], [1, 1])
    >>> construct_theorem1(T, R, 1).ok
    True
    """
    k_t = single_precision(target)
    c = theorem1_units(target, random)
    check_precisions(k_t, k, min(random.scales))
    low = random.lowered(k, options.mode)
    masks: list[np.ndarray] = []
    result = Construction((), k)
    for i, w_target in enumerate(target.weights, start=1):
        options.progress(f"constructing target layer {i} of {target.depth} ({2 * w_target.size:,} subset sums)")
        pair = _Pair(i, w_target, low.weights[2 * i - 2], low.weights[2 * i - 1], c, 1)
        masks += _lemma5_layers(result, pair, k_t, k, options)
    result.mask = tuple(masks)
    return result


@dataclass(frozen=True)
class _Pair:
    """The two lowered random layers (u_mat, v_mat) standing for target layer ``layer``
    (1-based, weights ``w_target``): ``c`` first-layer units per input, ``copies`` rows of the
    second layer per target output."""

    layer: int
    w_target: np.ndarray
    u_mat: np.ndarray
    v_mat: np.ndarray
    c: int
    copies: int


def _lemma5_layers(result: Construction, pair: _Pair, k_t: int, k: int,
                   options: ConstructionOptions) -> list[np.ndarray]:
    """Masks of the two random layers that realise target layer ``pair.layer`` by Lemma 5:
    first layer block-diagonal (group j = ``c`` units reading input j), second layer row
    ``o·copies + q`` (copy q of output o) choosing its own subsets per input and branch.

    With ``method="auto"`` and no ``solver``, every subset sum of the layer is first searched at
    once by ``window_witnesses`` (vectorized; a found subset is replayed there and here); only
    the sums it misses go one by one to :func:`_choose`, whose "no" is exhaustive."""
    layer, w_target, u_mat, v_mat, c, copies = (pair.layer, pair.w_target, pair.u_mat, pair.v_mat,
                                                pair.c, pair.copies)
    d_out, d_in = w_target.shape
    rows_out = d_out * copies
    first = np.zeros(u_mat.shape, dtype=bool)
    second = np.zeros(v_mat.shape, dtype=bool)
    groups = []  # (input j, branch, units), in the order the choices are listed
    for j in range(d_in):
        rows = np.arange(j * c, (j + 1) * c)
        u = u_mat[rows, j]
        groups += [(j, "A", rows[u > 0]), (j, "B", rows[u < 0])]
    targets = np.array([int(w_target[r // copies, j]) << (2 * k - k_t)  # onto the product grid δ²ℤ
                        for j, _, _ in groups for r in range(rows_out)], dtype=object)
    batch = None
    if options.method == "auto" and options.solver is None and (2 * k - k_t) < 62 and groups:
        batch = _window_batch(groups, targets, u_mat, v_mat, rows_out)
    for g, (j, branch, units) in enumerate(groups):
        if batch is not None:  # the found subsets' weights, marked in one go per group
            found, chosen = batch[0][g * rows_out:(g + 1) * rows_out], batch[1][g * rows_out:(g + 1) * rows_out]
            # only the rows whose choice is this subset (a zero weight keeps nothing, below)
            used = found & (targets[g * rows_out:(g + 1) * rows_out] != 0).astype(bool)
            r_at, at_all = np.nonzero(chosen[:, :units.size] & used[:, None])  # row-major: row r's are one run
            second[r_at, units[at_all]] = True
            first[units[np.unique(at_all)], j] = True
            runs = np.searchsorted(r_at, np.arange(rows_out + 1))
        for r in range(rows_out):
            w = int(targets[g * rows_out + r])
            if batch is not None and w != 0 and found[r]:
                at = at_all[runs[r]:runs[r + 1]]
                answer = Answer(w, Status.SAT_VERIFIED, "dp-window",
                                f"witness of {at.size} elements replayed in exact integer arithmetic",
                                tuple(at.tolist()))
                result.choices.append(WeightChoice(layer, r, j, branch, w, tuple(units[at].tolist()), answer))
                continue
            choice = _choose((layer, r, j, branch), w, units, u_mat[units, j], v_mat[r, units], options)
            result.choices.append(choice)
            second[r, list(choice.units)] = True
            first[list(choice.units), j] = True
    return [first, second]


def lemma5_pair(result: Construction, layer: int, w_target: np.ndarray, u_mat: np.ndarray, v_mat: np.ndarray,
                c: int, k_t: int, k: int, options: ConstructionOptions = DEFAULT_OPTIONS) -> list[np.ndarray]:
    """Lemma 5 for one target matrix ``w_target`` (d_out × d_in, scale ``k_t``) and a random pair
    ``u_mat`` ((c·d_in) × d_in) and ``v_mat`` (d_out × (c·d_in)), both at scale ``k`` (2k >= k_t):
    the pair's two masks, every choice appended to ``result`` (its ``layer`` field is ``layer``,
    its ``input`` the column of ``w_target``). Other layer kinds (convolutions, whose kernel
    entries are the columns) reuse the MLP construction through this."""
    return _lemma5_layers(result, _Pair(layer, w_target, u_mat, v_mat, c, 1), k_t, k, options)


def _window_batch(groups, targets, u_mat, v_mat, rows_out):
    """``window_witnesses`` over every (group, row) sum of a layer pair, when int64 holds them."""
    items = max(units.size for _, _, units in groups)
    bound = int(np.abs(u_mat).max()) * int(np.abs(v_mat).max()) * max(items, 1)
    if items == 0 or bound >= 1 << 62 or max(abs(int(t)) for t in targets) >= 1 << 62:
        return None
    products = np.zeros((len(groups) * rows_out, items), dtype=np.int64)
    for g, (j, _, units) in enumerate(groups):
        products[g * rows_out:(g + 1) * rows_out, :units.size] = (
            v_mat[:, units].astype(np.int64) * u_mat[units, j].astype(np.int64))
    found, chosen = window_witnesses(products, targets.astype(np.int64))
    return found, chosen


def construct_theorem2(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                       options: ConstructionOptions = DEFAULT_OPTIONS) -> Construction:
    """Theorem 2's copy-and-combine mask (depth ℓ+1; docs/theory.md §3): the first two random layers
    realise target layer 1 by Lemma 5, every one of ``copies`` rows per target neuron choosing
    its own subsets, so each neuron comes out ``copies`` times; then each later target weight
    W_i[o, j] is a subset sum of *single* random weights over the copies of neuron j (their
    values are equal and non-negative after the ReLU, so no sign split is needed). Needs
    δ_in <= δ <= δ_t, i.e. random bits >= k >= target bits. ``options.units`` (c1) and
    ``options.copies`` default to what R's shapes say; ``options.solver`` does not apply."""
    k_t = single_precision(target)
    if random.depth != target.depth + 1:
        raise InputError(f"random network: Theorem 2 needs depth {target.depth + 1} (the target's "
                         f"plus one), got {random.depth}")
    c1 = options.units or max(1, random.weights[0].shape[0] // target.widths[0])
    copies = options.copies or (max(1, random.weights[2].shape[1] // target.widths[1]) if random.depth > 2 else 1)
    exact = ConstructionOptions(options.mode, options.method, options.budget)  # no per-sum solver here
    if not (min(random.scales) >= k >= k_t):
        raise InputError(f"precisions: Theorem 2 needs δ_in <= δ <= δ_t, i.e. k_in >= k >= k_t; got "
                         f"k_in = {min(random.scales)}, k = {k}, k_t = {k_t}")
    if [w.shape for w in random.weights] != theorem2_shapes(target, c1, copies):
        raise InputError(f"random network shapes: expected {theorem2_shapes(target, c1, copies)} for "
                         f"{c1} first-layer units per input and {copies} copies, got "
                         f"{[w.shape for w in random.weights]}")
    options.progress("constructing")
    low = random.lowered(k, options.mode)
    result = Construction((), k)
    first_copies = copies if target.depth > 1 else 1
    masks = _lemma5_layers(result, _Pair(1, target.weights[0], low.weights[0], low.weights[1], c1, first_copies),
                           k_t, k, exact)
    for i in range(2, target.depth + 1):
        w_target, m = target.weights[i - 1], low.weights[i]
        reps = copies if i < target.depth else 1
        mask = np.zeros(m.shape, dtype=bool)
        for o in range(w_target.shape[0]):
            for q in range(reps):
                r = o * reps + q
                for j in range(w_target.shape[1]):
                    cols = np.arange(j * copies, (j + 1) * copies)
                    w = int(w_target[o, j]) << (k - k_t)
                    choice = _choose((i, r, j, "copies"), w, cols, np.ones(copies, dtype=np.int64), m[r, cols],
                                     exact)
                    result.choices.append(choice)
                    mask[r, list(choice.units)] = True
        masks.append(mask)
    result.mask = tuple(masks)
    return result


def _choose(where: tuple[int, int, int, str], w: int, units, u, v, options: ConstructionOptions) -> WeightChoice:
    """The choice for one target weight ``w`` (on the products' grid) at ``where`` = (layer,
    output, input, branch): a subset of ``units`` whose products ``v·u`` sum to ``w``, decided
    by ``options.solver``, the small exact table, or ``verify.solve.dispatch.solve``."""
    layer, output, inp, branch = where
    method, budget, solver = options.method, options.budget, options.solver
    if w == 0:
        answer = Answer(0, Status.SAT_VERIFIED, "empty", "the empty subset sums to 0", ())
        return WeightChoice(layer, output, inp, branch, 0, (), answer)
    if units.size == 0:
        answer = Answer(w, Status.UNSAT_EXHAUSTIVE, "range",
                        f"branch {branch} of input {inp} has no unit (no first-layer weight of that sign)")
        return WeightChoice(layer, output, inp, branch, w, (), answer)
    products = (v.astype(object) * u.astype(object)).tolist()
    if solver is not None:
        answer = solver(products, w)
        if answer.status.is_sat:
            replay_subset(products, w, answer.witness, f"the {answer.method} subset for target weight {w}")
    elif method == "auto" and len(products) * max(abs(p) for p in products) < SMALL_TABLE_BITS:
        answer = _small_answer(products, w)
    else:
        answer = solve(SubsetSum(weights=products, targets=[w]), method, budget).answers[0]
    chosen = tuple(int(units[i]) for i in answer.witness) if answer.status.is_sat else ()
    return WeightChoice(layer, output, inp, branch, w, chosen, answer)


SMALL_TABLE_BITS = 1 << 16  # tables this small are decided in place (see small_witness)


def _small_answer(products: list[int], w: int) -> Answer:
    """The per-weight decision for a small table: a witness replayed in exact arithmetic, or
    the exhaustive table's (or the range's) "no"."""
    found = small_witness(products, w)
    if found is None:
        lo = sum(p for p in products if p < 0)
        hi = sum(p for p in products if p > 0)
        if not lo <= w <= hi:
            return Answer(w, Status.UNSAT_EXHAUSTIVE, "range",
                          f"target {w} is outside the reachable range [{lo}, {hi}]")
        return Answer(w, Status.UNSAT_EXHAUSTIVE, "dp-bitset",
                      f"the reachable-sum table of all 2^{len(products)} subsets does not contain it")
    found = replay_subset(products, w, found, f"the dp-bitset subset for target weight {w}")
    return Answer(w, Status.SAT_VERIFIED, "dp-bitset",
                  f"witness of {len(found)} elements replayed in exact integer arithmetic", found)
