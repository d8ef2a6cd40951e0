"""Is a pruned network equal to a target, bit for bit? Three methods, each saying what it covers.

- ``collapse`` (every real input): when every kept hidden unit of a *pair* of layers reads one
  input, the pair computes ``y = A x⁺ + B x⁻`` coordinatewise (``A``: the units with a positive
  first-layer weight, active for x_j > 0; ``B``: the negative ones, active for x_j < 0), by
  positive homogeneity of ReLU. On the first pair, whose inputs take both signs, the pair is the
  linear map ``A`` when ``A = B``; on later pairs the inputs are ReLU outputs (>= 0), so only
  ``A`` acts. After the pairs collapse, both networks are brought to a canonical form by sound
  rewrites only (hidden neurons with a zero incoming row or a zero outgoing column dropped,
  neurons with identical incoming rows merged by adding their outgoing columns, neurons sorted,
  each layer's rational matrix reduced), and compared exactly with their rounding schedules.
  Equal forms prove equality on every real input; different forms prove nothing (the method
  then says "not applicable" and another method decides).
- ``exhaustive`` (every input of the quantized domain S_δ^d0, δ = 2^-input_bits): exact
  evaluation of both networks on all (2^(b+1)+1)^d0 inputs, in batches within the memory budget.
- ``miter`` (the same domain, when it is too large to enumerate): a CP-SAT model whose
  solutions are inputs where the networks differ (``verify.miter``). A found input is replayed;
  "no such input" carries no checkable evidence and is reported as claimed.

Pairs: a pruned network of depth 2ℓ against a target of depth ℓ pairs every two layers
(Theorem 1); depth ℓ+1 pairs the first two (Theorem 2); equal depths pair nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from verify.errors import InputError, InternalError
from verify.networks import QuantizedNetwork, Rounding, same_outputs
from verify.numbers import RoundingMode
from verify.prefilter.budget import require, resolve_budget

EQUALITY_METHODS = ("auto", "collapse", "exhaustive", "miter")
EXHAUSTIVE_MAX_POINTS = 1 << 22  # ~4 million inputs: seconds for the networks of the benchmarks


class Verdict(str, Enum):
    """What one method says about two networks (its value is the word certificates store).

    - ``equal``: proved equal on the method's domain (collapse: every real input; exhaustive:
      every input of the grid).
    - ``differ``: a counterexample input, replayed by exact evaluation of both networks.
    - ``equal-claimed``: a solver (the CP-SAT miter) found no differing input, with no
      checkable evidence.
    - ``unknown``: a limit was hit.
    - ``not-applicable``: the method cannot decide this pair of networks (another may).
    """

    EQUAL = "equal"
    DIFFER = "differ"
    EQUAL_CLAIMED = "equal-claimed"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not-applicable"

    @property
    def certified(self) -> bool:
        """True when the verdict carries evidence a third party can re-check."""
        return self in (Verdict.EQUAL, Verdict.DIFFER)


@dataclass(frozen=True)
class Equality:
    """The verdict of one method.

    ``verdict`` (:class:`Verdict`): proved ``equal`` on ``domain``, ``differ`` with
    ``counterexample`` (a replayed input of scaled integers at scale ``input_bits``),
    ``equal-claimed``, ``unknown``, or ``not-applicable`` (``detail`` says why). ``domain`` is
    None only for a difference found on a sample of inputs (no domain was covered)."""

    method: str
    verdict: Verdict
    domain: str | None
    detail: str
    input_bits: int | None = None
    counterexample: tuple[int, ...] | None = None

    @property
    def certified(self) -> bool:
        return self.verdict.certified

    @property
    def equal(self) -> bool:
        """Proved equal (a claimed equality is not)."""
        return self.verdict is Verdict.EQUAL

    def to_json(self) -> dict:
        """The record a certificate stores as its equality evidence (``verdict`` as its word)."""
        return {"method": self.method, "verdict": self.verdict.value, "domain": self.domain,
                "input_bits": self.input_bits}


def pruned_rounding(target: QuantizedNetwork, depth: int) -> Rounding:
    """The rounding schedule of the pruned network that stands for ``target``: the target's γ
    and mode, applied exactly at the outputs that realise target layers (γ-triple for depth
    2ℓ, after-first for depth ℓ+1, the target's own schedule for depth ℓ)."""
    r = target.rounding
    if r.schedule == "none" or depth == target.depth:
        return r
    if r.schedule != "double":
        raise InputError(f"target rounding: pruned networks of depth {depth} realise γ-double "
                         f"targets only, got schedule {r.schedule!r}")
    if depth == 2 * target.depth:
        return Rounding("triple", r.gamma, r.mode)
    if depth == target.depth + 1:
        return Rounding("after-first", r.gamma, r.mode)
    raise InputError(f"random network: depth {depth} is neither 2ℓ = {2 * target.depth} "
                     f"(Theorem 1) nor ℓ+1 = {target.depth + 1} (Theorem 2)")


def ticket_network(target: QuantizedNetwork, random: QuantizedNetwork, mask, k: int,
                   mode=RoundingMode.NEAREST_EVEN) -> QuantizedNetwork:
    """``[R ⊙ S]_δ``: ``random`` with its weights lowered to δ = 2^-k (``mode``), pruned by
    ``mask``, with :func:`pruned_rounding`'s schedule. The network every claim is about."""
    low = random.lowered(k, mode).pruned(mask)
    return QuantizedNetwork(low.weights, low.scales, pruned_rounding(target, random.depth))


# ---------------------------------------------------------------------------------- collapse

def _pairs(target_depth: int, depth: int) -> list[tuple[int, ...]]:
    """Groups of pruned layers (0-based) standing for each target layer."""
    if depth == 2 * target_depth:
        return [(2 * i, 2 * i + 1) for i in range(target_depth)]
    if depth == target_depth + 1:
        return [(0, 1)] + [(i,) for i in range(2, depth)]
    if depth == target_depth:
        return [(i,) for i in range(depth)]
    return []


def _collapse_pair(u: np.ndarray, v: np.ndarray, both_signs: bool, where: str):
    """(effective matrix, None) or (None, why not) for ``v σ(u x)`` at scale k_u + k_v.

    Every hidden unit h reads at most one input j(h), so the pair is
    ``A[o, j] = Σ_{h: j(h) = j, u_h > 0} v[o, h] u_h`` (and B likewise over u_h < 0): computed
    per unit, then summed per input over the units sorted by input (a Theorem 1 pair of a
    784-input target has 75,264 units: no dense product of the two matrices is ever formed)."""
    reads = np.count_nonzero(u, axis=1)
    if (reads > 1).any():
        h = int(np.argmax(reads > 1))
        return None, f"{where}: hidden unit {h} reads {int(reads[h])} inputs"
    live = np.flatnonzero(reads == 1)
    inputs = np.argmax(u[live] != 0, axis=1)
    order = np.argsort(inputs, kind="stable")
    live, inputs = live[order], inputs[order]
    u_live = u[live, inputs]
    bound = int(np.abs(v).max(initial=0)) * int(np.abs(u_live).max(initial=0)) * max(1, live.size)
    dtype = np.int64 if bound < 1 << 62 else object
    starts = np.searchsorted(inputs, np.arange(u.shape[1] + 1))  # units of input j: starts[j]..starts[j+1]

    def per_input(sign: int) -> np.ndarray:
        part = np.where(u_live * sign > 0, u_live, 0).astype(dtype)
        contributions = v[:, live].astype(dtype) * part[None, :]
        running = np.zeros((v.shape[0], live.size + 1), dtype=dtype)
        np.cumsum(contributions, axis=1, out=running[:, 1:])
        return running[:, starts[1:]] - running[:, starts[:-1]]

    a, b = per_input(1), per_input(-1)
    if both_signs and not np.array_equal(a, b):
        o, j = (int(t) for t in np.argwhere(a != b)[0])
        return None, (f"{where}: output {o} gets {a[o, j]} from input {j} when it is positive "
                      f"and {b[o, j]} when it is negative")
    return a, None


def _reduced(w: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """The unique (matrix, scale) of the rational matrix w / 2^k with the smallest scale."""
    w = w.astype(object)
    while k > 0 and all(int(x) % 2 == 0 for x in w.ravel()):
        w, k = w // 2, k - 1
    return w, k


def _canonical(layers: list[tuple[np.ndarray, int]]) -> list[tuple[np.ndarray, int]]:
    """Sound rewrites to a canonical form (module docstring): drop dead or unused hidden
    neurons, merge duplicates, sort; each matrix reduced."""
    layers = [(w.astype(object), k) for w, k in layers]
    changed = True
    while changed:
        changed = False
        for i in range(len(layers) - 1):
            (w, k), (w2, k2) = layers[i], layers[i + 1]
            keep = [h for h in range(w.shape[0]) if w[h].any() and w2[:, h].any()]
            rows: dict[tuple, int] = {}
            new_w, new_cols = [], []
            for h in keep:
                key = tuple(w[h])
                if key in rows:
                    new_cols[rows[key]] = new_cols[rows[key]] + w2[:, h]
                else:
                    rows[key] = len(new_w)
                    new_w.append(w[h])
                    new_cols.append(w2[:, h])
            order = sorted(range(len(new_w)), key=lambda r: tuple(new_w[r]))
            if len(new_w) != w.shape[0] or order != list(range(len(new_w))):
                changed = True
            m = len(new_w)
            w_new = np.array([new_w[r] for r in order], dtype=object).reshape(m, w.shape[1])
            w2_new = np.array([new_cols[r] for r in order], dtype=object).T.reshape(w2.shape[0], m)
            layers[i], layers[i + 1] = (w_new, k), (w2_new, k2)
    return [_reduced(w, k) for w, k in layers]


def collapse(target: QuantizedNetwork, pruned: QuantizedNetwork) -> Equality:
    """Equality on every real input by structural collapse (module docstring), or
    ``not-applicable`` with the reason."""
    domain = "every real input"

    def na(why: str) -> Equality:
        return Equality("collapse", Verdict.NOT_APPLICABLE, domain, why)

    groups = _pairs(target.depth, pruned.depth)
    if not groups:
        return na(f"depth {pruned.depth} is not 2ℓ, ℓ+1 or ℓ for a target of depth ℓ = {target.depth}")
    if target.widths[0] != pruned.widths[0] or target.widths[-1] != pruned.widths[-1]:
        return na(f"input/output widths differ: {target.widths[0]}/{target.widths[-1]} vs "
                  f"{pruned.widths[0]}/{pruned.widths[-1]}")
    layers = []
    for i, group in enumerate(groups):
        last = group[-1] + 1
        if any(pruned.rounding.lowers(g + 1) for g in group[:-1]):
            return na(f"layer {group[0] + 1} of the pruned network is rounded inside a pair")
        tr, pr = target.rounding.lowers(i + 1), pruned.rounding.lowers(last)
        if tr != pr or (tr and (target.rounding.gamma, target.rounding.mode)
                        != (pruned.rounding.gamma, pruned.rounding.mode)):
            return na(f"target layer {i + 1} and pruned layer {last} are not rounded alike")
        if len(group) == 1:
            layers.append((pruned.weights[group[0]], pruned.scales[group[0]]))
            continue
        u, v = (pruned.weights[g] for g in group)
        eff, why = _collapse_pair(u, v, both_signs=(i == 0), where=f"layers {group[0] + 1}-{last}")
        if eff is None:
            return na(why)
        layers.append((eff, sum(pruned.scales[g] for g in group)))
    ours = _canonical(layers)
    theirs = _canonical(list(zip(target.weights, target.scales)))
    for i, ((a, ka), (b, kb)) in enumerate(zip(ours, theirs), start=1):
        if ka != kb or a.shape != b.shape or not np.array_equal(a, b):
            return na(f"the collapsed networks differ at target layer {i} (this proves nothing: "
                      f"use exhaustive or miter)")
    return Equality("collapse", Verdict.EQUAL, domain,
                    f"{len(groups)} layer groups collapsed to the target's canonical weights")


# -------------------------------------------------------------------------------- exhaustive

def domain_size(d0: int, input_bits: int) -> int:
    """Number of inputs of S_δ^d0 with δ = 2^-input_bits."""
    return ((1 << (input_bits + 1)) + 1) ** d0


def grid_batches(d0: int, input_bits: int, batch: int):
    """Every input of S_δ^d0 (scaled integers, lexicographic order) in arrays of at most
    ``batch`` rows, without building the whole grid."""
    side, lo = (1 << (input_bits + 1)) + 1, -(1 << input_bits)
    total = side ** d0
    for start in range(0, total, batch):
        idx = np.arange(start, min(total, start + batch), dtype=np.int64)
        digits = np.empty((idx.size, d0), dtype=np.int64)
        for col in range(d0 - 1, -1, -1):
            idx, digits[:, col] = np.divmod(idx, side)
        yield digits + lo


def exhaustive(target: QuantizedNetwork, pruned: QuantizedNetwork, input_bits: int,
               budget=None, max_points: int = EXHAUSTIVE_MAX_POINTS) -> Equality:
    """Equality on every input of S_δ^d0 (δ = 2^-input_bits) by exact evaluation of both
    networks, in batches sized to the memory budget; the first differing input is returned."""
    d0 = target.widths[0]
    points = domain_size(d0, input_bits)
    domain = f"every input of S_δ^{d0}, δ = 2^-{input_bits} ({points:,} points)"
    if points > max_points:
        return Equality("exhaustive", Verdict.NOT_APPLICABLE, domain,
                        f"{points:,} inputs exceed the limit of {max_points:,}", input_bits)
    widest = max(max(target.widths), max(pruned.widths))
    row_bytes = 8 * 4 * widest  # int64 values, a few live arrays per layer
    require(row_bytes, budget, "exhaustive comparison", "lower the input precision")
    batch = max(1, min(1 << 16, resolve_budget(budget) // (8 * row_bytes)))
    for x in grid_batches(d0, input_bits, batch):
        same = same_outputs(target.forward(x, input_bits), pruned.forward(x, input_bits))
        if not same.all():
            bad = tuple(int(v) for v in x[int(np.argmin(same))])
            return Equality("exhaustive", Verdict.DIFFER, domain,
                            f"outputs differ on input {list(bad)} (scale 2^-{input_bits})", input_bits, bad)
    return Equality("exhaustive", Verdict.EQUAL, domain, "both networks evaluated exactly on every input",
                    input_bits)


# --------------------------------------------------------------------------------- together

def decide_equality(target: QuantizedNetwork, pruned: QuantizedNetwork, input_bits: int,
                    method: str = "auto", budget=None, time_limit: float | None = None) -> Equality:
    """Equality by ``method``; ``auto`` tries collapse (every real input), then exhaustive
    evaluation when the domain has at most ``EXHAUSTIVE_MAX_POINTS`` inputs, then the miter."""
    if method not in EQUALITY_METHODS:
        raise InputError(f"equality method: expected one of {', '.join(EQUALITY_METHODS)}, got {method!r}")
    if target.widths[0] != pruned.widths[0] or target.widths[-1] != pruned.widths[-1]:
        raise InputError(f"networks: input/output widths differ ({target.widths[0]}/{target.widths[-1]} "
                         f"vs {pruned.widths[0]}/{pruned.widths[-1]})")
    if method in ("auto", "collapse"):
        result = collapse(target, pruned)
        if method == "collapse" or result.verdict is Verdict.EQUAL:
            return result
    if method in ("auto", "exhaustive"):
        result = exhaustive(target, pruned, input_bits, budget)
        if method == "exhaustive" or result.verdict is not Verdict.NOT_APPLICABLE:
            return result
    from verify.miter import OUTCOMES, find_difference  # here: it imports OR-Tools (about 1 s), rarely needed

    m = find_difference(target, pruned, input_bits, time_limit=time_limit)
    if not isinstance(m.outcome, Verdict) or m.outcome not in OUTCOMES:  # a bug, never "unknown"
        raise InternalError(f"miter: unexpected outcome {m.outcome!r}")
    return Equality("miter", m.outcome, f"every input of S_δ^{target.widths[0]}, δ = 2^-{input_bits}",
                    m.detail, input_bits, m.input)
