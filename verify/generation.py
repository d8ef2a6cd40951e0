"""The ``generate`` commands as library calls: the tool's defaults (the paper's, for random
networks), and the memory a request would take, refused over the budget before anything is drawn.

``verify.generators`` draws; this module decides what to draw when a caller leaves a choice
open, and whether it fits: each request's estimate (``verify.generators``' ``*_memory``) is
checked against the budget (``verify.prefilter.budget``: bytes or a size such as ``"512M"``;
None: the default, or ``$SLTH_VERIFY_MEMORY_BUDGET``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from verify.generators import (SubsetSumOptions, random_memory, subset_sum_instance, subset_sum_memory,
                               target_memory, target_network, theorem1_random_network, theorem2_random_network,
                               vector_instance, vector_memory)
from verify.layouts import paper_copies, paper_delta_bits, paper_units
from verify.networks import QuantizedNetwork, Rounding, theorem1_shapes, theorem2_shapes
from verify.prefilter.budget import require
from verify.problems import SubsetSum, VectorSubsetSum

DEFAULT_SUBSET_SUM_BITS = 12  # weights on {-2^12..2^12} when neither bits, M nor kappa is given


def _within_budget(what: str, needed: int, budget) -> None:
    """Refuse a request whose estimated peak memory is over the budget, before it draws."""
    require(needed, budget, what, "an estimate made before drawing anything: ask for a smaller size "
                                  "or raise --memory-budget")


@dataclass(frozen=True)
class SubsetSumRequest:
    """A one-dimensional instance: ``verify.generators.subset_sum_instance``'s ``n``,
    ``options`` and ``seed`` (with none of ``bits``, ``M`` and ``kappa`` set, the weights are on
    ``{-2^12..2^12}``), drawn only within ``budget``."""

    n: int
    options: SubsetSumOptions = SubsetSumOptions()
    seed: int = 0
    budget: int | str | None = None


def generate_subset_sum(request: SubsetSumRequest) -> SubsetSum:
    """The instance ``request`` asks for (``BudgetExceeded`` over the budget, nothing drawn)."""
    o = request.options
    if (o.bits, o.M, o.kappa) == (None, None, None):
        o = replace(o, bits=DEFAULT_SUBSET_SUM_BITS)
    _within_budget(f"generate subset-sum --n {request.n:,}", subset_sum_memory(
        request.n, bits=o.bits, M=o.M, kappa=o.kappa, distribution=o.distribution, rejection=o.rejection),
        request.budget)
    return subset_sum_instance(request.n, o, seed=request.seed)


@dataclass(frozen=True)
class VectorRequest:
    """A vector instance (``verify.generators.vector_instance``'s arguments), within ``budget``."""

    n: int
    dim: int = 2
    bits: int = 8
    zero: bool = True
    target: object = "planted"
    size: int | None = None
    seed: int = 0
    budget: int | str | None = None
    coefficients: tuple[int, int] | None = None  # coordinates on lo..hi instead of ±2^bits


def generate_vector(request: VectorRequest) -> VectorSubsetSum:
    """The instance ``request`` asks for (``BudgetExceeded`` over the budget, nothing drawn)."""
    r = request
    _within_budget(f"generate vector --n {r.n:,} --dim {r.dim:,}",
                   vector_memory(r.n, r.dim, bits=r.bits, coefficients=r.coefficients), r.budget)
    return vector_instance(r.n, r.dim, bits=r.bits, zero=r.zero, target=r.target, size=r.size, seed=r.seed,
                           coefficients=r.coefficients)


def generate_target(widths, bits: int, seed: int = 0, rounding: Rounding | None = None,
                    budget=None) -> QuantizedNetwork:
    """A seeded target network (``verify.generators.target_network``) within ``budget``."""
    _within_budget(f"generate target --widths {','.join(map(str, widths))}", target_memory(widths), budget)
    return target_network(widths, bits, seed, rounding)


@dataclass(frozen=True)
class RandomNetworkRequest:
    """The random network of Theorem ``theorem`` (1 or 2) for a target, with the paper's
    defaults for what is left None: ``bits`` (δ_in = 2^-bits; Theorem 1 ceil(k_t / 2), so that
    δ_in² <= δ² <= δ_t; Theorem 2 k_t), ``units_per_input`` (C·log2(1/δ) with C = ``c``) and
    ``copies`` (Theorem 2, log2(1/δ)). ``zero``: 0 among Theorem 1's weights (Theorem 2's never
    include it)."""

    theorem: int = 1
    bits: int | None = None
    c: int = 8
    units_per_input: int | None = None
    copies: int | None = None
    seed: int = 0
    zero: bool = True
    budget: int | str | None = None


@dataclass(frozen=True)
class RandomNetwork:
    """A drawn random network, and the choices it was drawn with."""

    network: QuantizedNetwork
    theorem: int
    bits: int
    units_per_input: int
    copies: int | None  # Theorem 2 only


def generate_random(target: QuantizedNetwork, request: RandomNetworkRequest) -> RandomNetwork:
    """The random network ``request`` asks for ``target`` (``BudgetExceeded`` over the budget,
    nothing drawn)."""
    r = request
    bits = r.bits if r.bits is not None else paper_delta_bits(r.theorem, target.scales[0])
    units = r.units_per_input if r.units_per_input is not None else paper_units(r.c, bits)
    copies = r.copies if r.copies is not None else paper_copies(bits)
    shapes = theorem1_shapes(target, units) if r.theorem == 1 else theorem2_shapes(target, units, copies)
    _within_budget(f"generate random: {sum(rows * cols for rows, cols in shapes):,} weights on the grid 2^-{bits}",
                   random_memory(shapes, bits), r.budget)
    if r.theorem == 1:
        return RandomNetwork(theorem1_random_network(target, units, bits, r.seed, zero=r.zero), 1, bits, units, None)
    return RandomNetwork(theorem2_random_network(target, units, copies, bits, r.seed, zero=False), 2, bits, units,
                         copies)
