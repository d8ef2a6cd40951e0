"""Theorem 1's construction carried to convolutional and residual targets, and its collapse proof.

Every weighted target layer T (scale k_t) stands for a pair of random layers (scale k each,
2k >= k_t) with a ReLU between them; ReLU, flatten and residual skips are carried as they are
(the skip exactly: it has no weights). Two layouts (docs/usage.md, "Convolutional and residual networks"):

- ``unstructured``: a conv T (O, I, κ, κ) becomes a κ×κ conv into ``c·I·κ²`` channels (same
  stride and padding), then a 1×1 conv into O channels. Hidden channel h of group g = (i, a, b)
  keeps only its weight at kernel entry (i, a, b), so it computes u_h·x_i shifted by (a, b);
  every target kernel entry T[o, i, a, b] is then Lemma 5's quantized subset sum of products
  v_{oh}·u_h, branch A over u_h > 0 and branch B over u_h < 0 (``verify.constructions``'
  machinery, per kernel entry and branch). A dense T is the κ = 1 case of the same, exactly the
  MLP construction.
- ``structured``: a conv T becomes a 1×1 conv into ``c·I`` channels, then a κ×κ conv (T's
  stride and padding). Hidden channel h of group i keeps its one weight u_h from input i; the
  second layer keeps or removes whole κ×κ kernels V[o, h], so each target kernel T[o, i] (a
  κ² vector) must be a *vector* subset sum of the products u_h·V[o, h] per branch (the
  multidimensional problem, decided by ``verify.solve.dispatch.solve``).

In both layouts a pruned pair whose first layer reads one entry per hidden channel computes
``Σ_g A_g σ(x_g) − B_g σ(−x_g)`` with A (B) the summed products of the units with u > 0 (< 0);
when A = B = T for every output and entry the pair *is* T on every real input. The collapse
proof (:func:`collapse`) checks exactly that from the pruned weights alone, so equality of the
whole networks needs no input enumeration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from verify.architectures import Architecture, Conv, Dense, Flatten, ReLU, Residual
from verify.constructions import Construction, ConstructionOptions, DEFAULT_OPTIONS, lemma5_pair
from verify.conv_networks import ConvNetwork, check_mask, draw_network, input_grid, load_conv_network
from verify.equality import Equality, Verdict
from verify.errors import InputError
from verify.networks import save_mask
from verify.prefilter.budget import require
from verify.problems import VectorSubsetSum
from verify.solve.dispatch import solve
from verify.solve.grading import SolverOptions
from verify.status import Answer, Status
from verify.status_line import quiet
from verify.witness import replay_witness

LAYOUTS = ("unstructured", "structured")


# --------------------------------------------------------------------- the random architecture

def random_architecture(target: Architecture, units: int, bits, layout: str = "unstructured") -> Architecture:
    """The random network's architecture for ``target``: each weighted layer replaced by its pair
    (module docstring) with ``units`` hidden channels per group, the j-th pair's weights at scale
    ``bits[j]`` (or ``bits`` for all); the pair's second layer takes the target layer's output
    rounding (gamma, mode)."""
    if layout not in LAYOUTS:
        raise InputError(f"layout: expected one of {', '.join(LAYOUTS)}, got {layout!r}")
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise InputError(f"units per group: expected an integer >= 1, got {units!r}")
    n = len(target.weighted())
    bits = list(bits) if isinstance(bits, (list, tuple)) else [bits] * n
    if len(bits) != n or any(isinstance(b, bool) or not isinstance(b, int) or b < 0 for b in bits):
        raise InputError(f"random bits: expected {n} exponents >= 0, got {bits}")
    return Architecture(target.input_shape, tuple(_expand(target.layers, units, iter(bits), layout)))


def _expand(layers, units: int, bits, layout: str):
    for layer in layers:
        if isinstance(layer, Residual):
            yield Residual(tuple(_expand(layer.layers, units, bits, layout)))
        elif isinstance(layer, Dense):
            k = next(bits)
            hidden = units * layer.inputs
            yield from (Dense(layer.inputs, hidden, k), ReLU(),
                        Dense(hidden, layer.out, k, layer.gamma, layer.mode))
        elif isinstance(layer, Conv):
            k = next(bits)
            if layout == "unstructured":
                hidden = units * layer.in_channels * layer.kernel ** 2
                yield from (Conv(layer.in_channels, hidden, layer.kernel, layer.stride, layer.padding, k), ReLU(),
                            Conv(hidden, layer.out_channels, 1, 1, 0, k, layer.gamma, layer.mode))
            else:
                hidden = units * layer.in_channels
                yield from (Conv(layer.in_channels, hidden, 1, 1, 0, k), ReLU(),
                            Conv(hidden, layer.out_channels, layer.kernel, layer.stride, layer.padding, k,
                                 layer.gamma, layer.mode))
        else:
            yield layer


@dataclass(frozen=True)
class Pairing:
    """How a random network stands for a target: layout, units per group, and each pair's scale."""

    layout: str
    units: int
    bits: tuple[int, ...]


def pairing(target: ConvNetwork, random: ConvNetwork) -> Pairing:
    """The layout and units of ``random`` for ``target``, after checking that its architecture is
    exactly :func:`random_architecture`'s for one layout (a one-line error otherwise)."""
    t_layers, r_layers = target.architecture.weighted(), random.architecture.weighted()
    if len(r_layers) != 2 * len(t_layers):
        raise InputError(f"random network: expected {2 * len(t_layers)} weighted layers (a pair per target "
                         f"layer), got {len(r_layers)}")
    first_t, first_r = t_layers[0], r_layers[0]
    hidden = first_r.out if isinstance(first_r, Dense) else first_r.out_channels
    bits = tuple(r_layers[2 * j].bits for j in range(len(t_layers)))
    tried = []
    for layout in LAYOUTS:  # both, since a target whose first conv is 1×1 looks alike in both
        groups = first_t.inputs if isinstance(first_t, Dense) else (
            first_t.in_channels * (first_t.kernel ** 2 if layout == "unstructured" else 1))
        units = max(1, hidden // groups)
        if random_architecture(target.architecture, units, list(bits), layout).to_json() == \
                random.architecture.to_json():
            break
        tried.append(f"{layout} with {units} units per group")
    else:
        raise InputError(f"random network: its architecture is not the construction's for this target (tried "
                         f"{' and '.join(tried)}, bits {list(bits)}); generate it with generate random")
    for j, (t, b) in enumerate(zip(t_layers, bits)):
        if 2 * b < t.bits:
            raise InputError(f"random network: pair {j + 1} has weights at 2^-{b}; Theorem 1 needs "
                             f"δ² <= δ_t, i.e. 2·{b} >= {t.bits}")
    return Pairing(layout, units, bits)


def random_network_for(target: ConvNetwork, units: int, bits, layout: str, seed: int, zero: bool = True,
                       budget=None) -> ConvNetwork:
    """The seeded random network of :func:`random_architecture` for ``target``, refused over the
    memory ``budget`` (bytes or a size such as ``"2G"``) before anything is drawn."""
    arch = random_architecture(target.architecture, units, bits, layout)
    weights = sum(int(np.prod(layer.weight_shape)) for layer in arch.weighted())
    require(16 * weights, budget, f"generate random: {weights:,} weights",
            "an estimate made before drawing anything: ask for fewer units or raise --memory-budget")
    return draw_network(arch, seed, zero)


# ------------------------------------------------------------------------------ construction

@dataclass
class EntryChoice:
    """The evidence for one target kernel entry (or whole kernel, structured) and branch."""

    layer: int  # target weighted layer, 1-based
    output: int
    entry: tuple[int, ...]  # (i, a, b) of a conv kernel entry, (i,) for a whole kernel or a dense weight
    branch: str  # "A" (u > 0, for positive inputs) or "B" (u < 0, for negative ones)
    target: object  # the entry (an int) or kernel (a tuple) on the product grid
    units: tuple[int, ...]  # hidden channels chosen
    answer: Answer

    def describe(self) -> str:
        return (f"layer {self.layer} output {self.output} entry {self.entry} branch {self.branch}: "
                f"{self.answer.status.value} [{self.answer.method}] {self.answer.evidence}")


@dataclass
class ConvConstruction:
    """The mask over the random network's weighted layers, and every choice's evidence."""

    mask: tuple
    pairing: Pairing
    choices: list[EntryChoice] = field(default_factory=list)

    @property
    def failures(self) -> list[EntryChoice]:
        return [c for c in self.choices if not c.answer.status.is_sat]

    @property
    def ok(self) -> bool:
        return not self.failures


def construct_conv(target: ConvNetwork, random: ConvNetwork, options: ConstructionOptions = DEFAULT_OPTIONS,
                   time_limit: float | None = None) -> ConvConstruction:
    """The construction's mask for ``random`` to equal ``target`` (module docstring); weights
    are used at their own precision (no lowering). ``options.method`` and ``options.budget``
    decide each subset sum; the other options do not apply. ``time_limit``: seconds per vector
    subset sum given to a solver (structured layout; None: no limit): one it does not decide in
    time is ``unknown``, a failure that is not a "no"."""
    p = pairing(target, random)
    result = ConvConstruction((), p)
    masks: list[np.ndarray] = []
    for j, layer in enumerate(target.architecture.weighted()):
        options.progress(f"constructing target layer {j + 1} of {target.depth}")
        w_t, u, v = target.weights[j], random.weights[2 * j], random.weights[2 * j + 1]
        if p.layout == "structured" and isinstance(layer, Conv):
            limited = SolverOptions(time_limit=time_limit)
            masks += _structured_pair(result, j + 1, (w_t, u, v), p.units, 2 * p.bits[j] - layer.bits, options,
                                      limited)
            continue
        sub = Construction((), p.bits[j])
        pair = lemma5_pair(sub, j + 1, w_t.reshape(w_t.shape[0], -1), u.reshape(u.shape[0], -1),
                           v.reshape(v.shape[0], -1), p.units, layer.bits, p.bits[j],
                           ConstructionOptions(method=options.method, budget=options.budget))
        masks += [pair[0].reshape(u.shape), pair[1].reshape(v.shape)]
        for c in sub.choices:
            entry = tuple(int(x) for x in np.unravel_index(c.input, w_t.shape[1:]))
            result.choices.append(EntryChoice(c.layer, c.output, entry, c.branch, c.target, c.units, c.answer))
    result.mask = tuple(masks)
    return result


def _structured_pair(result: ConvConstruction, layer: int, arrays, c: int, shift: int,
                     options: ConstructionOptions, solver: SolverOptions) -> list[np.ndarray]:
    """Masks of a structured pair (``arrays`` = target w_t, random u, v): hidden channel h of
    group i keeps u[h, i]; output o keeps the whole kernels v[o, h] of a subset whose products
    u_h·v[o, h] sum to T[o, i] (per branch)."""
    w_t, u, v = arrays
    first, second = np.zeros(u.shape, dtype=bool), np.zeros(v.shape, dtype=bool)
    for i in range(w_t.shape[1]):
        rows = np.arange(i * c, (i + 1) * c)
        for branch, units in (("A", rows[u[rows, i, 0, 0] > 0]), ("B", rows[u[rows, i, 0, 0] < 0])):
            for o in range(w_t.shape[0]):
                want = tuple(int(x) << shift for x in w_t[o, i].ravel())
                products = [tuple(int(u[h, i, 0, 0]) * int(x) for x in v[o, h].ravel()) for h in units]
                answer = _vector_answer(products, want, branch, i, options, solver)
                chosen = tuple(int(units[t]) for t in answer.witness) if answer.status.is_sat else ()
                result.choices.append(EntryChoice(layer, o, (i,), branch, want, chosen, answer))
                second[o, list(chosen)] = True
                first[list(chosen), i] = True
    return [first, second]


def _vector_answer(products: list[tuple[int, ...]], want: tuple[int, ...], branch: str, i: int,
                   options: ConstructionOptions, solver: SolverOptions) -> Answer:
    """One vector subset sum: the empty subset for a zero kernel, "no" for a branch with no
    unit, else ``solve`` on the vector problem (its witness replayed here as well)."""
    if not any(want):
        return Answer(want, Status.SAT_VERIFIED, "empty", "the empty subset sums to the zero kernel", ())
    if not products:
        return Answer(want, Status.UNSAT_EXHAUSTIVE, "range",
                      f"branch {branch} of input channel {i} has no unit (no first-layer weight of that sign)")
    problem = VectorSubsetSum(weights=products, targets=[want])
    answer = solve(problem, "auto", options.budget, solver).answers[0]  # the methods that take vectors
    if answer.status.is_sat:
        replay_witness(problem, want, answer.witness, f"the {answer.method} subset for kernel {want}")
    return answer


# ------------------------------------------------------------------------------------ equality

def collapse(target: ConvNetwork, random: ConvNetwork, mask) -> Equality:
    """Prove ``random`` pruned by ``mask`` equal to ``target`` on every real input, from the
    weights alone: the architecture is the construction's (:func:`pairing`), and in every pair
    each hidden channel keeps at most one first-layer weight and the summed products of each
    branch equal the target kernel (module docstring). ``not-applicable`` (with the first pair
    and entry that fails) when the structure does not allow the argument: another method decides."""
    p = pairing(target, random)
    mask = check_mask(random, mask)
    pruned = random.pruned(mask)
    for j, layer in enumerate(target.architecture.weighted()):
        why = _pair_collapses(target.weights[j], pruned.weights[2 * j], pruned.weights[2 * j + 1],
                              2 * p.bits[j] - layer.bits, layer)
        if why is not None:
            return Equality("collapse", Verdict.NOT_APPLICABLE, None, f"target layer {j + 1}: {why}")
    return Equality("collapse", Verdict.EQUAL, "all real inputs",
                    f"every one of {target.depth} pairs collapses to its target layer ({p.layout} layout)")


def _pair_collapses(w_t: np.ndarray, u: np.ndarray, v: np.ndarray, shift: int, layer) -> str | None:
    """None when the pruned pair (u, v) is the map w_t (scaled by 2^shift), else why not."""
    if isinstance(layer, Dense):
        w_t, u, v = w_t[:, :, None, None], u[:, :, None, None], v[:, :, None, None]
    a_sum = np.zeros(w_t.shape, dtype=object)
    b_sum = np.zeros(w_t.shape, dtype=object)
    for h in range(u.shape[0]):
        nz = np.argwhere(u[h] != 0)
        if len(nz) == 0 or not v[:, h].any():  # a channel that reads or feeds nothing adds nothing
            continue
        if len(nz) > 1:
            return f"hidden channel {h} keeps {len(nz)} first-layer weights (the collapse needs at most one)"
        i, a, b = (int(x) for x in nz[0])
        contribution = int(u[h, i, a, b]) * v[:, h].astype(object)  # (O, k2, k2): one of the two kernels is 1×1
        total = a_sum if u[h, i, a, b] > 0 else b_sum
        ka, kb = contribution.shape[1], contribution.shape[2]
        total[:, i, a:a + ka, b:b + kb] += contribution
    want = w_t.astype(object) * (1 << shift)
    for name, got in (("A", a_sum), ("B", b_sum)):
        diff = np.argwhere(got != want)
        if len(diff):
            o, *entry = (int(x) for x in diff[0])
            return (f"branch {name} sums to {got[tuple(diff[0])]} at output {o} entry {tuple(entry)}, "
                    f"not {want[tuple(diff[0])]}")
    return None


def exhaustive(target: ConvNetwork, pruned: ConvNetwork, input_bits: int, limit: int = 1 << 16) -> Equality:
    """Compare both networks on every input of the grid 2^-``input_bits`` (at most ``limit``
    points): ``equal`` on that domain, or ``differ`` with the first differing input."""
    grid = input_grid(target.architecture.input_shape, input_bits, limit)
    a, b = target.forward(grid, input_bits), pruned.forward(grid, input_bits)
    s = max(a[1], b[1])
    va = a[0].astype(object) * (1 << (s - a[1]))
    vb = b[0].astype(object) * (1 << (s - b[1]))
    same = np.all((va == vb).reshape(len(grid), -1), axis=1)
    domain = f"every input on the grid 2^-{input_bits} ({len(grid):,} inputs)"
    if same.all():
        return Equality("exhaustive", Verdict.EQUAL, domain, f"{len(grid):,} inputs evaluated exactly", input_bits)
    bad = int(np.argmin(same))
    return Equality("exhaustive", Verdict.DIFFER, domain, f"input {bad} of the grid differs", input_bits,
                    tuple(int(x) for x in grid[bad].ravel()))


# --------------------------------------------------------------------------- files to a mask

@dataclass
class ConvTicket:
    """What ``construct`` did for a conv target: the networks, the construction, and (when it
    succeeded) the equality proof and the mask written."""

    target: ConvNetwork
    random: ConvNetwork
    construction: ConvConstruction
    equality: Equality | None

    @property
    def ok(self) -> bool:
        return self.construction.ok and self.equality is not None and self.equality.equal


def construct_conv_files(target_path, random_path, output, budget=None, progress=quiet,
                         time_limit: float | None = None) -> ConvTicket:
    """The construction for the networks in the two files, its collapse proof (exhaustive
    evaluation on the 2^-0 grid when the collapse does not apply and the grid is small), and the
    mask written to ``output`` (.npz) only when the construction succeeded and equality is proved."""
    progress("reading the networks")
    target, random = load_conv_network(target_path), load_conv_network(random_path)
    done = construct_conv(target, random, ConstructionOptions(budget=budget, progress=progress), time_limit)
    if not done.ok:
        return ConvTicket(target, random, done, None)
    progress("proving equality")
    proof = collapse(target, random, done.mask)
    if not proof.equal:
        try:
            proof = exhaustive(target, random.pruned(done.mask), 0)
        except InputError:  # the grid is too large to enumerate: equality stays unproved
            pass
    if proof.equal:
        save_mask(done.mask, Path(output), random.sha256)
    return ConvTicket(target, random, done, proof)
