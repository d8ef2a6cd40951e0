"""Heuristic mask search for pruned quantized networks, every result judged by the exact checker.

Two searches for a mask S of Theorem 1's random network R (depth 2ℓ, layer 2i-1 of shape
c·d_{i-1} × d_{i-1}, layer 2i of shape d_i × c·d_{i-1}) such that ``[R ⊙ S]_δ`` equals the
target ``T``, bit for bit:

- :func:`edge_popup`: score-based search in the style of edge-popup (Ramanujan et al., "What's
  hidden in a randomly weighted neural network?"), written here from the idea, in NumPy. Every
  weight of R has a real score; the mask keeps, in each layer, the weights with the highest
  scores. The scores follow the gradient of a squared loss between a float surrogate of the
  pruned network and the target, through the straight-through estimator.
- :func:`construction_heuristic`: Theorem 1's construction (``verify.constructions``) with every
  per-weight subset sum handed to a subset-sum heuristic (``verify.heuristics.subset_sum``)
  instead of an exact method: each subset the heuristic returns is replayed, and a miss is
  ``unknown``, never "no".

Floats only steer the searches. ``NetworkCandidate.hit`` is True only when the ticket
pipeline's equality step (:func:`verify.ticket_pipeline.prove`, the one every ticket goes
through) proved ``[R ⊙ S]_δ`` equal to ``T`` (verdict ``equal``: by collapse on every real
input, or by exact evaluation on every input of the grid S_δ^d0, δ = 2^-input_bits); a miter's
``equal-claimed`` is not a hit.

Density is ALWAYS kept / total (never a "prune rate"). ``EdgePopupOptions(density=p)`` keeps
``ceil(p · n_l)`` weights of every layer l with n_l weights, ``p`` taken as the decimal it prints
as (``0.1`` is exactly 1/10, so 0.1 of 30 weights keeps 3, not 4); the candidate's ``density``
is the achieved kept / total, at least ``p``.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from numbers import Real
from types import MappingProxyType
from typing import Mapping

import numpy as np

from verify.constructions import ConstructionOptions, construct_theorem1
from verify.equality import EQUALITY_METHODS, Equality, Verdict, domain_size, grid_batches, pruned_rounding
from verify.errors import InputError, InternalError
from verify.heuristics.subset_sum import HEURISTICS, checked_indices
from verify.layouts import single_precision, theorem1_units
from verify.networks import QuantizedNetwork, check_mask, density as mask_density, same_outputs
from verify.numbers import RoundingMode
from verify.seeding import as_generator
from verify.solve.limits import check_time_limit
from verify.status import Answer, Status
from verify.ticket_pipeline import EqualityOptions, prove
from verify.witness import subset_error

LOSSES = ("layerwise", "output")
SCHEDULES = ("cosine", "constant")  # the step size over the iterations
MAX_FULL_BATCH = 4096  # input grids up to this size are used whole at every step


@dataclass(frozen=True)
class EdgePopupOptions:
    """:func:`edge_popup`'s settings (its docstring says what each does): ``density`` (kept /
    total per layer) and ``seed`` are required; ``iterations``, ``lr``, ``momentum``,
    ``weight_decay``, ``schedule`` and ``loss`` steer the score search; ``check_every`` and
    ``batch_size`` the exact judgement and the sampled inputs; ``input_bits`` (the input grid
    2^-input_bits, default the target's bits), ``mode`` (R's lowering), ``equality`` (the
    method) and ``budget`` the exact checker; ``time_limit`` (seconds) the whole search."""

    density: float
    seed: int
    iterations: int = 300
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "cosine"
    loss: str = "layerwise"
    check_every: int = 10
    batch_size: int = 256
    input_bits: int | None = None
    mode: RoundingMode | str = RoundingMode.NEAREST_EVEN
    equality: str = "auto"
    time_limit: float | None = None
    budget: int | str | None = None


@dataclass(frozen=True)
class HeuristicConstructionOptions:
    """:func:`construction_heuristic`'s settings: ``heuristic`` (a name in
    ``verify.heuristics.subset_sum.HEURISTICS``) with its own ``settings`` (keyword options),
    ``seed``, ``time_limit`` (seconds for the whole construction), and the exact checker's
    ``input_bits``, ``mode``, ``equality`` and ``budget`` (as in :class:`EdgePopupOptions`)."""

    heuristic: str
    seed: int
    time_limit: float | None = None
    input_bits: int | None = None
    mode: RoundingMode | str = RoundingMode.NEAREST_EVEN
    equality: str = "auto"
    budget: int | str | None = None
    settings: Mapping = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class NetworkCandidate:
    """One search's result. ``hit``: the exact checker proved ``[R ⊙ mask]_δ`` equal to the
    target; ``density`` = kept / total; ``stats`` says how the search went (keys per method)."""

    method: str
    mask: tuple | None
    hit: bool
    kept: int
    total: int
    density: float
    seconds: float
    stats: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------ validation

def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name}: expected an integer >= {low}, got {value!r}")
    return int(value)


def _check_layout(target: QuantizedNetwork, random: QuantizedNetwork, k) -> int:
    """Validate Theorem 1's layout (:func:`verify.layouts.theorem1_units`) and precisions;
    returns c (hidden units per input)."""
    if not isinstance(target, QuantizedNetwork):
        raise InputError(f"target: expected a QuantizedNetwork, got {type(target).__name__}")
    if not isinstance(random, QuantizedNetwork):
        raise InputError(f"random: expected a QuantizedNetwork, got {type(random).__name__}")
    single_precision(target)
    c = theorem1_units(target, random)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InputError(f"k: expected an integer precision exponent >= 0 (δ = 2^-k), got {k!r}")
    k_t, k_in = target.scales[0], min(random.scales)
    if not (k_in >= k and 2 * k >= k_t):
        raise InputError(f"k: Theorem 1 needs δ_in² <= δ² <= δ_t, i.e. {(k_t + 1) // 2} <= k <= {k_in} "
                         f"here (target bits {k_t}, random bits {k_in}), got {k}")

    pruned_rounding(target, random.depth)  # the target's schedule must be realisable
    return c


def _check_density(value) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Real) or \
            (isinstance(value, float) and not math.isfinite(value)):
        raise InputError(f"density: expected a number in (0, 1] (kept / total), got {value!r}")
    exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    if not 0 < exact <= 1:
        raise InputError(f"density: expected a number in (0, 1] (kept / total), got {value!r}")
    return exact


def kept_per_layer(shapes, density) -> list[int]:
    """Weights kept per layer by :func:`edge_popup` at ``density`` (kept / total):
    ``ceil(density · n_l)`` of each layer's n_l, ``density`` read as the decimal it prints as.

    >>> kept_per_layer([(32, 2), (2, 32), (30, 1)], 0.1)
    [7, 7, 3]
    """
    d = _check_density(density)
    return [math.ceil(d * (r * s)) for r, s in shapes]


# --------------------------------------------------------------------------- exact checking

class _Checker:
    """The exact verdict for a mask, with a sound exact pre-filter: the ticket's outputs on a
    batch of grid inputs (exact integer evaluation) must already equal the target's; then the
    ticket pipeline's equality step (``options.input_bits`` resolved)."""

    def __init__(self, target, random, k, mode, options: EqualityOptions, batch):
        self.target, self.random, self.k, self.mode, self.options = target, random, k, mode, options
        self.low = random.lowered(k, mode)
        self.rounding = pruned_rounding(target, random.depth)
        self.batch = batch
        self.batch_out = target.forward(batch, options.input_bits)
        self.checks = self.rejected_by_batch = self.full_checks = 0

    def __call__(self, mask) -> Equality:
        self.checks += 1
        bits = self.options.input_bits
        quick = QuantizedNetwork([np.where(m, w, 0) for w, m in zip(self.low.weights, mask)],
                                 self.low.scales, self.rounding)
        same = same_outputs(self.batch_out, quick.forward(self.batch, bits))
        if not same.all():
            self.rejected_by_batch += 1
            bad = tuple(int(v) for v in self.batch[int(np.argmin(same))])
            return Equality("batch", Verdict.DIFFER, None, f"outputs differ on input {list(bad)} (scale 2^-{bits})",
                            bits, bad)
        self.full_checks += 1
        return prove(self.target, self.random, mask, self.k, self.mode, self.options)


def _verdict_stats(eq: Equality) -> dict:
    """The verdict's part of a candidate's ``stats``: plain words and lists."""
    return {"verdict": eq.verdict.value, "equality_method": eq.method, "domain": eq.domain,
            "counterexample": list(eq.counterexample) if eq.counterexample is not None else None}


def _equality_options(target, method, input_bits, budget, time_limit) -> EqualityOptions:
    """The exact checker's options, each checked (one-line errors naming the argument)."""

    if method not in EQUALITY_METHODS:
        raise InputError(f"equality: expected one of {', '.join(EQUALITY_METHODS)}, got {method!r}")
    return EqualityOptions(method, _input_bits(target, input_bits), budget, check_time_limit(time_limit))


def exact_verdict(target: QuantizedNetwork, random: QuantizedNetwork, k: int, mask,
                  options: EqualityOptions = EqualityOptions(), mode=RoundingMode.NEAREST_EVEN) -> Equality:
    """The exact verdict on an arbitrary mask of Theorem 1's layout, as the searches judge
    theirs (R lowered to δ = 2^-k with ``mode``; ``options`` for the equality step, input
    grid default the target's bits): ``equal`` is a hit; ``differ`` carries a replayed
    ``counterexample`` (scaled integers at ``input_bits``); method ``batch`` when the exact
    pre-filter found it."""

    _check_layout(target, random, k)
    options = _equality_options(target, options.method, options.input_bits, options.budget, options.time_limit)
    mask = check_mask(random, mask)
    checker = _Checker(target, random, k, RoundingMode.parse(mode), options, _small_batch(target, options.input_bits))
    return checker(mask)


def _input_bits(target, input_bits) -> int:
    if input_bits is None:
        return max(target.scales)
    return _check_int("input_bits", input_bits, 0)


# ------------------------------------------------------------------------------- edge-popup

def _top_mask(scores: list[np.ndarray], kept: list[int]) -> tuple[np.ndarray, ...]:
    """Per layer, the ``kept`` highest scores (ties: the lower flat index first)."""
    out = []
    for s, n in zip(scores, kept):
        order = np.argsort(-s.ravel(), kind="stable")
        m = np.zeros(s.size, dtype=bool)
        m[order[:n]] = True
        out.append(m.reshape(s.shape))
    return tuple(out)


def _chain_grads(x: np.ndarray, eff: list[np.ndarray], y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean squared error of the float chain ``eff`` (ReLU between layers, none after the last)
    on inputs ``x`` against ``y``, and its gradient w.r.t. each effective weight matrix."""
    acts, pre = [x], []
    for i, e in enumerate(eff):
        z = acts[-1] @ e.T
        pre.append(z)
        if i < len(eff) - 1:
            acts.append(np.maximum(z, 0.0))
    diff = pre[-1] - y
    loss = float(np.mean(diff ** 2))
    dz = 2.0 * diff / diff.size
    grads: list[np.ndarray] = [np.empty(0)] * len(eff)
    for i in range(len(eff) - 1, -1, -1):
        grads[i] = dz.T @ acts[i]
        if i:
            dz = (dz @ eff[i]) * (pre[i - 1] > 0)
    return loss, grads


def _target_values(target: QuantizedNetwork, x: np.ndarray, input_bits: int):
    """Float views of the target on ``x``: each layer's input (exact, rounding included) and each
    layer's pre-activation before rounding (``W_i h``), for the layer-wise loss."""
    inputs, pre = [x.astype(float) / 2.0 ** input_bits], []
    for i in range(1, target.depth + 1):
        w = target.weights[i - 1].astype(float) / 2.0 ** target.scales[i - 1]
        pre.append(inputs[-1] @ w.T)
        if i < target.depth:
            prefix = QuantizedNetwork(target.weights[:i], target.scales[:i], target.rounding)
            vals, scale = prefix.forward(x, input_bits)  # exact; the ReLU is the next line
            inputs.append(np.maximum(vals.astype(float), 0.0) / 2.0 ** scale)
    out, scale = target.forward(x, input_bits)
    return inputs, pre, out.astype(float) / 2.0 ** scale


def edge_popup(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
               options: EdgePopupOptions) -> NetworkCandidate:
    """Edge-popup-style score search for a mask of ``random`` (Theorem 1's layout, lowered to
    δ = 2^-``k``) equal to ``target``, judged exactly. The names below are ``options``' fields
    (:class:`EdgePopupOptions`).

    - Scores: one float per weight, drawn uniform on [0, 1) from ``seed`` (a weight lowered to
      0 contributes nothing and its score would never move: it gets -inf, so it is kept only
      when a layer's quota exceeds its nonzero weights); the mask keeps the top
      ``ceil(density · n_l)`` scores of each layer, ties to the lower flat index (see
      :func:`kept_per_layer`; density is kept / total).
    - Surrogate: the lowered weights as floats, ReLU between layers, no rounding anywhere. The
      effective weight is ``w · m`` with ``m`` the 0/1 mask; the straight-through estimator takes
      ``∂L/∂score = ∂L/∂(w·m) · w`` for every weight, kept or not.
    - Loss (``loss``): ``layerwise`` (default) sums, over the pairs of random layers standing for
      each target layer i, the mean squared error between the pair's output and the target's
      ``W_i h`` before rounding, on the target's own (exact, rounded) activations ``h`` as the
      pair's input (Theorem 1's layout aligns the pair's outputs with the target's neurons);
      ``output`` is the end-to-end error against the target's exact outputs.
    - Inputs: the target's grid S_δ^d0 (δ = 2^-``input_bits``, default the target's bits),
      whole when it has at most 4096 points, else ``batch_size`` points drawn each step.
    - Update: SGD with ``momentum`` (and optional L2 ``weight_decay`` on the scores), step
      ``lr``, annealed to 0 over ``iterations`` by ``schedule`` ``cosine`` (default) or kept
      ``constant``.
    - Exact judgement: the current mask is checked whenever its surrogate loss is the lowest
      so far, every ``check_every`` steps, and at the end (never twice in a row the same mask):
      exact evaluation on the batch first (a sound filter: a differing input is a replayed
      counterexample), then the ticket pipeline's equality step (``equality``). The first
      hit stops the search; ``time_limit`` (seconds) also stops it (the last mask is checked).

    The returned mask is the hit, or else the last mask. ``stats``: iterations, why it stopped
    (``hit``, ``iterations``, ``time limit``), checks (how many the batch filter rejected, how
    many went to the equality step), first/best/final surrogate loss, the verdict of the
    returned mask (``equality_method`` ``batch`` when the filter found the counterexample),
    ``found_at`` (the step of the hit), the kept count per layer. With ``equality="auto"`` and
    a grid above ``verify.equality.EXHAUSTIVE_MAX_POINTS`` a full check runs the CP-SAT miter.
    """
    start = time.perf_counter()
    _check_layout(target, random, k)
    options, exact_density = _checked_edge_popup(target, options)
    rng = as_generator(options.seed)

    if options.equality not in EQUALITY_METHODS:
        raise InputError(f"equality: expected one of {', '.join(EQUALITY_METHODS)}, got {options.equality!r}")
    d0, bits = target.widths[0], options.input_bits
    points = domain_size(d0, bits)
    full = points <= MAX_FULL_BATCH
    if full:
        grid = next(grid_batches(d0, bits, points))
    else:
        grid = rng.integers(-(1 << bits), (1 << bits) + 1, size=(options.batch_size, d0))
    checker = _Checker(target, random, k, options.mode,
                       EqualityOptions(options.equality, bits, options.budget, None), grid)
    search = _ScoreSearch(target, checker, options, exact_density, rng)
    stopped = search.run(grid if full else None, start)
    final, verdict = search.checked, search.verdict
    kept, total = mask_density(final)
    stats = {"iterations": search.step, "stopped": stopped, "loss": options.loss, "first_loss": search.first_loss,
             "best_loss": search.best_loss, "final_loss": search.last_loss, "lr": options.lr,
             "momentum": options.momentum, "weight_decay": options.weight_decay, "schedule": options.schedule,
             "kept_per_layer": search.kept, "requested_density": float(exact_density),
             "batch": "grid" if full else options.batch_size, "input_bits": bits, "checks": checker.checks,
             "rejected_by_batch": checker.rejected_by_batch, "full_checks": checker.full_checks,
             "found_at": search.found_at, **_verdict_stats(verdict)}
    return NetworkCandidate("edge-popup", final, verdict.equal, kept, total, kept / total,
                            time.perf_counter() - start, stats)


def _checked_edge_popup(target: QuantizedNetwork, options: EdgePopupOptions) -> tuple[EdgePopupOptions, Fraction]:
    """``options`` with every field checked (one-line errors naming the field), ``input_bits``
    resolved, ``mode`` parsed; and the density as the exact decimal it prints as."""
    if not isinstance(options, EdgePopupOptions):
        raise InputError(f"options: expected EdgePopupOptions, got {type(options).__name__}")
    exact_density = _check_density(options.density)
    counts = {name: _check_int(name, getattr(options, name), 1) for name in ("iterations", "check_every", "batch_size")}
    for name, lo, hi in (("lr", 0, math.inf), ("momentum", 0, 1), ("weight_decay", 0, math.inf)):
        value = getattr(options, name)
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
                or not (lo <= value < hi) or (name == "lr" and value == 0):
            raise InputError(f"{name}: expected a number in {'(0, ∞)' if name == 'lr' else f'[{lo}, {hi})'}, "
                             f"got {value!r}")
    if options.schedule not in SCHEDULES:
        raise InputError(f"schedule: expected one of {', '.join(SCHEDULES)}, got {options.schedule!r}")
    if options.loss not in LOSSES:
        raise InputError(f"loss: expected one of {', '.join(LOSSES)}, got {options.loss!r}")
    checked = replace(options, **counts, time_limit=check_time_limit(options.time_limit),
                      input_bits=_input_bits(target, options.input_bits), mode=RoundingMode.parse(options.mode))
    return checked, exact_density


class _ScoreSearch:
    """The state of one edge-popup search: scores, their momentum, the current mask, the
    losses seen, and the last mask the exact checker judged (with its verdict)."""

    def __init__(self, target, checker: _Checker, options: EdgePopupOptions, exact_density: Fraction, rng):
        low = checker.low
        self.target, self.checker, self.options, self.rng = target, checker, options, rng
        self.weights = [w.astype(float) / 2.0 ** s for w, s in zip(low.weights, low.scales)]
        shapes = [w.shape for w in self.weights]
        self.kept = [math.ceil(exact_density * (r * s)) for r, s in shapes]
        # a weight lowered to 0 contributes nothing, and its score would never move: it ranks last
        self.scores = [np.where(w != 0, rng.random(w.shape), -np.inf) for w in self.weights]
        self.velocity = [np.zeros(s) for s in shapes]
        self.first_loss = self.best_loss = self.last_loss = math.nan
        self.checked = None  # the last mask checked, to skip re-checking it
        self.verdict: Equality | None = None
        self.found_at = None
        self.step = 0

    def views(self, x):
        return _target_values(self.target, x, self.options.input_bits)

    def check(self, mask) -> bool:
        if self.checked is None or any((a != b).any() for a, b in zip(mask, self.checked)):
            self.checked = mask
            self.verdict = self.checker(mask)
        return self.verdict.equal

    def loss_and_grads(self, views, mask):
        """The surrogate loss of ``mask`` on ``views`` (inputs, pre-activations, outputs of the
        target) and its gradients w.r.t. the effective weights."""
        h_in, h_pre, y = views
        eff = [w * m for w, m in zip(self.weights, mask)]
        if self.options.loss == "output":
            return _chain_grads(h_in[0], eff, y)
        total, grads = 0.0, []
        for i in range(self.target.depth):
            part, g = _chain_grads(h_in[i], eff[2 * i:2 * i + 2], h_pre[i])
            total += part
            grads += g
        return total, grads

    def update(self, grads, step: int) -> None:
        o = self.options
        rate = o.lr if o.schedule == "constant" else 0.5 * o.lr * (1 + math.cos(math.pi * (step - 1) / o.iterations))
        for s, v, g, w in zip(self.scores, self.velocity, grads, self.weights):
            v *= o.momentum
            v += g * w + o.weight_decay * np.where(w != 0, s, 0.0)  # straight-through: ∂L/∂s = ∂L/∂(w·m) · w
            s -= rate * v

    def run(self, grid, start: float) -> str:
        """Search until a hit, the last iteration or the time limit (what it returns); ``grid``:
        the whole input grid, or None to draw a batch each step."""
        o, d0 = self.options, self.target.widths[0]
        fixed = self.views(grid) if grid is not None else None
        stopped = "iterations"
        mask = _top_mask(self.scores, self.kept)
        for step in range(1, o.iterations + 1):
            self.step = step
            views = fixed if fixed is not None else self.views(
                self.rng.integers(-(1 << o.input_bits), (1 << o.input_bits) + 1, size=(o.batch_size, d0)))
            self.last_loss, grads = self.loss_and_grads(views, mask)
            improved = not self.best_loss <= self.last_loss  # also at step 1 (best_loss is NaN)
            self.first_loss = self.last_loss if step == 1 else self.first_loss
            self.best_loss = self.last_loss if improved else self.best_loss
            if (improved or step % o.check_every == 0) and self.check(mask):  # the mask this loss is of
                self.found_at = step
                return "hit"
            if o.time_limit is not None and time.perf_counter() - start > o.time_limit:
                stopped = "time limit"
                break
            self.update(grads, step)
            mask = _top_mask(self.scores, self.kept)
        if self.check(mask):  # the last mask (after the last update)
            self.found_at, stopped = self.step, "hit"
        return stopped


# ------------------------------------------------------------------ construction + heuristic

def construction_heuristic(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                           options: HeuristicConstructionOptions) -> NetworkCandidate:
    """Theorem 1's construction (:func:`verify.constructions.construct_theorem1`: block-diagonal
    first layers, one subset sum of products v·u per target weight and branch on the product
    grid δ²ℤ) with each non-trivial sum solved by the subset-sum heuristic ``options.heuristic``
    (a name in ``verify.heuristics.subset_sum.HEURISTICS``; ``options.settings`` go to it)
    instead of exactly.

    Each subset the heuristic returns is checked (distinct indices in range) and replayed; a
    miss is recorded as ``unknown`` and leaves that weight and branch empty. ``time_limit``
    (seconds) bounds the whole construction: each sum gets the remaining time divided by the
    sums still to solve, and sums reached after it ran out are ``unknown`` unsolved. The mask,
    complete or not, is then judged by the exact checker; ``hit`` is its verdict ``equal``.

    ``stats``: sums (non-trivial ones handed to the heuristic), solved, missed, unsolved (time),
    trivial (zero weight or no unit), the construction's failures (``failed_sums``: layer,
    output, input, branch, status of each), the verdict and the heuristic's own stats summed
    where numeric. ``failures`` > 0 with ``hit`` is possible: a later pair's branch-B sums are
    never used (their inputs are ReLU outputs), and γ-rounding can hide a missing term on the
    grid (the verdict's ``domain`` then says "every input of S_δ^d0", not "every real input")."""

    start = time.perf_counter()
    _check_layout(target, random, k)
    table = HEURISTICS
    heuristic = options.heuristic
    if not isinstance(heuristic, str) or heuristic not in table:
        raise InputError(f"heuristic: expected one of {', '.join(sorted(table))}, got {heuristic!r}")
    _check_opts(heuristic, table[heuristic], options.settings)
    equality = _equality_options(target, options.equality, options.input_bits, options.budget, None)
    time_limit = check_time_limit(options.time_limit)
    mode = RoundingMode.parse(options.mode)
    solver = _HeuristicSolver(table[heuristic], replace(options, time_limit=time_limit), as_generator(options.seed),
                              2 * sum(a * b for a, b in zip(target.widths[:-1], target.widths[1:])), start)
    built = construct_theorem1(target, random, k, ConstructionOptions(mode, solver=solver))
    verdict = _Checker(target, random, k, mode, equality, _small_batch(target, equality.input_bits))(built.mask)
    kept, total = mask_density(built.mask)
    failures = built.failures
    stats = {**solver.counts, "trivial": len(built.choices) - solver.counts["sums"], "failures": len(failures),
             "unsat_trivially": sum(1 for c in failures if c.answer.status.is_unsat),
             "failed_sums": [[c.layer, c.output, c.input, c.branch, c.answer.status.value] for c in failures],
             "heuristic": heuristic, "heuristic_stats": solver.summed, "time_limit": time_limit,
             **_verdict_stats(verdict)}
    return NetworkCandidate(f"construction+{heuristic}", built.mask, verdict.equal, kept, total,
                            kept / total, time.perf_counter() - start, stats)


class _HeuristicSolver:
    """The construction's per-sum solver: ``(products, w) -> Answer`` by the heuristic
    ``solve_one`` (``options.heuristic``, with ``options.settings``), each found subset
    replayed, a miss ``unknown``; ``options.time_limit`` (seconds from ``start``) shared among
    the ``n_sums`` sums still to solve."""

    def __init__(self, solve_one, options: HeuristicConstructionOptions, rng, n_sums: int, start: float):
        self.name, self.solve_one, self.settings, self.rng = options.heuristic, solve_one, options.settings, rng
        self.time_limit, self.n_sums, self.start = options.time_limit, n_sums, start
        self.counts = {"sums": 0, "solved": 0, "missed": 0, "unsolved": 0}
        self.summed: dict = {}

    def __call__(self, products, w):
        name, counts = self.name, self.counts
        counts["sums"] += 1
        remaining = None
        if self.time_limit is not None:
            remaining = self.time_limit - (time.perf_counter() - self.start)
            if remaining <= 0:
                counts["unsolved"] += 1
                return Answer(w, Status.UNKNOWN, name, "not attempted: the time limit ran out")
            remaining /= max(1, self.n_sums - counts["sums"] + 1)
        found, hstats = self.solve_one(tuple(products), w, size=None, rng=self.rng, time_limit=remaining,
                                       **self.settings)
        for key, value in (hstats or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.summed[key] = self.summed.get(key, 0) + value
        if found is not None:
            idx = checked_indices(name, found, len(products))
            if subset_error(products, w, idx) is None:
                counts["solved"] += 1
                return Answer(w, Status.SAT_VERIFIED, name,
                              f"{name} subset of {len(idx)} products, replayed in exact integer arithmetic", idx)
        counts["missed"] += 1  # heuristics return their best near miss, or nothing
        return Answer(w, Status.UNKNOWN, name, f"{name} found no subset (which proves nothing)")


def _check_opts(name: str, fn, opts: dict) -> None:
    """Refuse options the heuristic does not take, by name, before any work."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    takes = sorted(p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY
                   and p not in ("size", "rng", "time_limit"))
    unknown = sorted(set(opts) - set(takes))
    if unknown:
        raise InputError(f"heuristic {name!r}: unknown option(s) {unknown}; it takes {takes}")


def _small_batch(target: QuantizedNetwork, input_bits: int, points: int = 64) -> np.ndarray:
    """A fixed, small set of grid inputs for the exact pre-filter: the corners, the unit vectors
    (both signs) and a spread of grid points, deterministic."""

    d0 = target.widths[0]
    total = domain_size(d0, input_bits)
    if total <= points:
        return next(grid_batches(d0, input_bits, total))
    one = 1 << input_bits
    rows = [np.eye(d0, dtype=np.int64)[j] * s * one for j in range(d0) for s in (1, -1)]
    step = max(1, total // points)
    side = 2 * one + 1
    for n in range(0, total, step):
        digits = []
        for _ in range(d0):
            n, r = divmod(n, side)
            digits.append(r - one)
        rows.append(np.array(digits[::-1], dtype=np.int64))
    return np.array(rows, dtype=np.int64)
