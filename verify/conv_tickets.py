"""Searches beyond the construction for conv and residual targets: any ticket and the sparsest.

The family (unstructured layout, and every dense pair of either layout): in the pair (U, V)
standing for target layer j, hidden channel h of group g (g a flat kernel entry (i, a, b) of
the target, rows g·c .. g·c+c-1) keeps at most its first-layer weight U[h, i, a, b], and the
pair's summed products equal the target kernel exactly, branch A (U > 0) and branch B (U < 0),
in *every* pair (the collapse proof, ``verify.conv_constructions.collapse``, needs both: a
residual skip can hand a later layer negative inputs). Flattening the kernel entries into
columns makes each pair the MLP pair of ``verify.tickets`` with I·κ² inputs: per output o,
entry g and branch, the subset sum ``Σ_h V[o, h]·U[h, g]·y[o, h] = T[o, g]·2^shift`` with
y[o, h] => s[h].

Kept weights = Σ s + Σ y: a kept product costs its second-layer weight, and its channel's
first-layer weight once however many outputs use it. The channel is shared by the outputs, so
the minimum does *not* split per (output, entry); it splits per component (layer, entry,
branch), and ``verify.tickets.find_sparsest`` solves each (CP-SAT, then a DRUP refutation one
below). A component's optimum is proved by the cheaper of two exact arguments: the
fewest-products table (``table_bound``: Σ fewest + max fewest, exhaustive, re-computed by a
checker in milliseconds) when it reaches the kept count — always the case with one output —
else the checked DRUP refutation. A component neither proves stays unproved between the two.

The structured layout's conv pairs keep whole kernels (vector sums): ``any`` is its
construction there, and ``sparsest`` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from verify.architectures import Conv
from verify.conv_constructions import Pairing, pairing
from verify.conv_networks import ConvNetwork
from verify.errors import InputError, MethodDisagreement
from verify.tickets import SumSpec, component_cost, components, find_any, find_sparsest, table_bound

FINDS = ("construction", "any", "sparsest")


def family_sums(target: ConvNetwork, random: ConvNetwork) -> list[SumSpec]:
    """Every subset sum of the family (module docstring), on the product grid of each pair;
    ``input`` is the flat kernel entry (C order of (i, a, b), or the dense input). A branch with
    no channel and a zero target has no sum (one component per (layer, entry, branch) stays so). An InputError
    for the structured layout with a conv layer (whole kernels: not this family)."""
    p = pairing(target, random)
    out = []
    for j, layer in enumerate(target.architecture.weighted()):
        if p.layout == "structured" and isinstance(layer, Conv):
            raise InputError("--find sparsest: the structured layout keeps whole kernels (vector sums); "
                             "only --find construction or any take it")
        w_t, u, v = _flat(target.weights[j]), _flat(random.weights[2 * j]), _flat(random.weights[2 * j + 1])
        shift = 2 * p.bits[j] - layer.bits
        for g in range(w_t.shape[1]):
            group = np.arange(g * p.units, (g + 1) * p.units)
            for branch, units in (("A", group[u[group, g] > 0]), ("B", group[u[group, g] < 0])):
                for o in range(w_t.shape[0]):
                    if not len(units) and not w_t[o, g]:  # nothing to choose: the empty subset is forced
                        continue
                    out.append(SumSpec(j + 1, o, g, branch, tuple(int(h) for h in units),
                                       tuple(int(v[o, h]) * int(u[h, g]) for h in units),
                                       int(w_t[o, g]) << shift))
    return out


def _flat(w: np.ndarray) -> np.ndarray:
    return w.reshape(w.shape[0], -1)


def entry_of(target: ConvNetwork, layer: int, flat: int) -> tuple[int, ...]:
    """The kernel entry (i, a, b) (or (i,) of a dense layer) of flat column ``flat``."""
    return tuple(int(x) for x in np.unravel_index(flat, target.weights[layer - 1].shape[1:]))


def family_mask(random: ConvNetwork, sums: list[SumSpec], chosen: dict[int, tuple[int, ...]]):
    """The union of the chosen channels' weights: U[h, g] of each chosen h, V[o, h] per sum."""
    mask = [np.zeros(_flat(w).shape, dtype=bool) for w in random.weights]
    for n, s in enumerate(sums):
        units = list(chosen[n])
        mask[2 * s.layer - 2][units, s.input] = True
        mask[2 * s.layer - 1][s.output, units] = True
    return tuple(m.reshape(w.shape) for m, w in zip(mask, random.weights))


@dataclass
class ComponentResult:
    """One component's kept weights (``kept``, the ticket's), its proved lower bound, and the
    evidence: ``table`` (fewest-products table), ``drup`` (``proof`` lines refute ``kept`` - 1)
    or ``none`` (unproved: ``lower`` is the table bound, ``why`` the limit that stopped it)."""

    layer: int
    input: int
    branch: str
    kept: int
    lower: int
    evidence: str
    proof: list[str] | None = None
    why: str = ""

    @property
    def proved(self) -> bool:
        return self.evidence in ("table", "drup") and self.lower == self.kept


@dataclass
class ConvSearch:
    """A search's result: ``sums`` and, when ``found``, the channels ``chosen`` per sum and the
    mask; else ``refuted`` = (sum, method, evidence) with no subset (an exhaustive "no"), or
    ``unknown`` the reason. Sparsest: ``parts`` per component and whether all are proved."""

    find: str
    pairing: Pairing
    sums: list[SumSpec]
    chosen: dict[int, tuple[int, ...]] = field(default_factory=dict)
    mask: tuple | None = None
    refuted: tuple | None = None
    refuted_entry: tuple[int, ...] | None = None  # the kernel entry of ``refuted``'s flat input
    unknown: str | None = None
    parts: list[ComponentResult] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.mask is not None

    @property
    def optimal(self) -> bool:
        return self.find == "sparsest" and self.found and all(c.proved for c in self.parts)

    @property
    def kept_between(self) -> tuple[int, int]:
        """[Σ lower, Σ kept] over the components (sparsest)."""
        return sum(c.lower for c in self.parts), sum(c.kept for c in self.parts)


def search_conv(target: ConvNetwork, random: ConvNetwork, find: str, time_limit: float | None = None,
                budget=None, total_seconds: float | None = None) -> ConvSearch:
    """``any`` or ``sparsest`` ticket of the family (module docstring). ``time_limit`` bounds
    each CP-SAT run and refutation, ``total_seconds`` all of them together, ``budget`` (bytes
    or a size such as ``"2G"``) each CNF's building; a component they stop keeps its ticket
    and stays unproved (never a "no")."""
    if find not in ("any", "sparsest"):
        raise InputError(f"--find: expected any or sparsest, got {find!r}")
    p = pairing(target, random)
    sums = family_sums(target, random)
    done = find_any(sums, p.units) if find == "any" else find_sparsest(
        sums, p.units, time_limit, budget=budget, total_seconds=total_seconds)
    result = ConvSearch(find, p, sums, dict(done.chosen), refuted=done.refuted, unknown=done.stats.get("unknown"))
    if not done.found:
        if done.refuted is not None:
            result.refuted_entry = entry_of(target, done.refuted[0].layer, done.refuted[0].input)
        return result
    result.mask = family_mask(random, sums, result.chosen)
    if find == "sparsest":
        result.parts = _parts(sums, result.chosen, done.bounds)
    return result


def _parts(sums: list[SumSpec], chosen, bounds) -> list[ComponentResult]:
    """Each component's count and the cheapest evidence that proves it (module docstring)."""
    index = {id(s): n for n, s in enumerate(sums)}
    refuted = {(b.layer, b.input, b.branch): b for b in bounds}
    out = []
    for comp in components(sums):
        kept = component_cost(comp, [chosen[index[id(s)]] for s in comp.sums])
        table = table_bound(comp)
        part = ComponentResult(comp.layer, comp.input, comp.branch, kept, table, "table")
        b = refuted.get((comp.layer, comp.input, comp.branch))
        if table > kept:
            raise MethodDisagreement(f"component layer {comp.layer} input {comp.input} branch {comp.branch}: "
                                     f"a ticket keeps {kept} weights, below the table's bound {table}")
        if table == kept:  # the ticket reaches the exact table bound
            part.lower = kept
        elif b is not None and b.proved and b.at_most == kept - 1:
            part.lower, part.evidence, part.proof = kept, "drup", list(b.proof_lines)
        else:
            part.evidence, part.why = "none", (b.why_unproved if b is not None else "no refutation")
        out.append(part)
    return out
