"""The ticket pipeline: find a mask of R, prove ``[R ⊙ S]_δ`` equal to T, summarize.

Every path from a (target T, random network R) pair to a ticket goes through here:
``slth-verify construct`` (:func:`construct_and_save`), ``verify.certify`` (which then writes and
checks a certificate), the ``network`` experiment, and the network heuristics (whose masks,
found by their own searches, are proved by :func:`prove`). The stages:

1. find a mask: the paper's construction, Theorem 1 or 2 by the depths (:func:`construct`); a
   search of the structured family of ``verify.tickets`` (:func:`search`: ``any``,
   ``sparsest``, ``min-width``; ``fixed-size``: ``verify.fixed_size``); or a mask given by the caller;
2. prove equality (:func:`prove`): ``verify.equality`` on ``[R ⊙ S]_δ`` (R lowered to δ =
   2^-k) against T, an :class:`~verify.equality.Equality` with a typed verdict;
3. summarize: :class:`TicketOutcome` says what was found and proved, :class:`TicketSize` how
   much of R the ticket keeps (density = kept / total).

:func:`run` chains the three for one :class:`TicketRequest`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

from verify.constructions import Construction, ConstructionOptions, construct_theorem1, construct_theorem2
from verify.equality import Equality, decide_equality, ticket_network
from verify.errors import InputError
from verify.fixed_size import find_fixed_size
from verify.layouts import Layout, construction_theorem, layout_of
from verify.networks import QuantizedNetwork, density, load_network, save_mask
from verify.numbers import RoundingMode
from verify.status_line import quiet
from verify.tickets import Search, family_sums, find_any, find_min_width, find_sparsest, group_size


class Find(str, Enum):
    """How the mask is found (the value is the word the command line and certificates use)."""

    CONSTRUCTION = "construction"  # the paper's, Theorem 1 or 2 by the depths
    ANY = "any"  # a ticket of the structured family, or a certified "no"
    SPARSEST = "sparsest"  # the fewest kept weights of the family, proven
    MIN_WIDTH = "min-width"  # the fewest units per group of the family, proven
    FIXED_SIZE = "fixed-size"  # exactly S products per target weight and branch (verify.fixed_size)

    @classmethod
    def parse(cls, value) -> Find:
        """A member from itself or its word; anything else is an ``InputError`` naming ``find``."""
        try:
            return cls(value)
        except ValueError:
            raise InputError(f"find: expected one of {', '.join(FINDS)}, got {value!r}") from None


FINDS = tuple(f.value for f in Find)


@dataclass(frozen=True)
class EqualityOptions:
    """How :func:`prove` decides equality: ``method`` (``verify.equality.EQUALITY_METHODS``;
    ``auto``: collapse, then the grid, then the miter), ``input_bits`` (the input grid of
    exhaustive or miter equality, 2^-input_bits; None: the target's finest precision),
    ``budget`` (bytes or a size such as ``"2G"``) and ``time_limit`` (seconds, the miter)."""

    method: str = "auto"
    input_bits: int | None = None
    budget: int | str | None = None
    time_limit: float | None = None


@dataclass(frozen=True)
class TicketRequest:
    """One run of the pipeline. ``mask`` (a tuple of bool arrays of R's shapes) is proved as
    given instead of finding one by ``find``. ``k``: R lowered to δ = 2^-k with ``mode``
    (None: R's finest precision). ``method`` decides the components of ``find="any"``
    (``verify.tickets.COMPONENT_METHODS``); ``engines`` check the DRUP proofs of
    ``sparsest``. ``time_limit`` (seconds) bounds each solver run and the miter; ``budget``
    the memory of the exact tables and of building a CNF. ``equality`` and ``input_bits`` go
    to :class:`EqualityOptions`; ``units`` and ``copies`` to Theorem 2's construction (None:
    read from R's shapes). ``search_seconds`` bounds all of ``sparsest``'s CP-SAT runs
    and refutations together (components left when it is spent stay unproved, with their bounds),
    and a ``fixed-size`` sweep. ``per_weight``: the sizes S of ``fixed-size``
    (``verify.fixed_size.parse_sizes``: 3, "1..6", "2,4")."""

    find: Find | str = Find.CONSTRUCTION
    mask: tuple | None = None
    k: int | None = None
    mode: RoundingMode | str = RoundingMode.NEAREST_EVEN
    method: str = "auto"
    engines: str = "auto"
    time_limit: float | None = None
    budget: int | str | None = None
    equality: str = "auto"
    input_bits: int | None = None
    units: int | None = None
    copies: int | None = None
    search_seconds: float | None = None
    per_weight: int | str | tuple | None = None

    @property
    def equality_options(self) -> EqualityOptions:
        """The options of the equality step (:func:`prove`)."""
        return EqualityOptions(self.equality, self.input_bits, self.budget, self.time_limit)

    def construction_options(self, progress: Callable[[str], None] = quiet) -> ConstructionOptions:
        """The options of the construction step (:func:`construct`), telling ``progress``."""
        return ConstructionOptions(RoundingMode.parse(self.mode), budget=self.budget, units=self.units,
                                   copies=self.copies, progress=progress)


@dataclass(frozen=True)
class TicketSize:
    """How much of R a mask keeps: ``kept`` of ``total`` weights (density = kept / total), and
    ``total`` against the target's ``target_weights`` (overparameterization)."""

    kept: int
    total: int
    target_weights: int

    @classmethod
    def of(cls, mask, target: QuantizedNetwork) -> TicketSize:
        """The size of ``mask`` (a tuple of bool arrays of R's shapes) against ``target``."""
        kept, total = density(mask)
        return cls(kept, total, target.num_weights)

    @property
    def density(self) -> float:
        """Kept / total."""
        return self.kept / self.total

    @property
    def overparameterization(self) -> float:
        """Random weights per target weight."""
        return self.total / self.target_weights


@dataclass(frozen=True)
class TicketOutcome:
    """What :func:`run` found and proved. ``find`` is None for a given mask. ``construction``
    (with ``theorem``) or ``search`` is the finding step's own record; ``mask`` the mask found
    (None: the construction failed, or the search found no ticket: ``search.refuted`` is a
    certified "no", else a limit stopped it); ``equality`` its proof (None without a mask);
    ``seconds``: wall time of finding (``find``) and of proving equality (``equality``)."""

    layout: Layout
    k: int
    find: Find | None
    mask: tuple | None
    equality: Equality | None
    theorem: int | None = None
    construction: Construction | None = None
    search: Search | None = None
    seconds: dict = field(default_factory=dict)  # "find", "equality": wall time of each stage

    @property
    def proved(self) -> bool:
        """A mask was found and proved equal to the target (a claimed equality is not)."""
        return self.equality is not None and self.equality.equal

    def size(self, target: QuantizedNetwork) -> TicketSize | None:
        """How much of R the mask keeps (None without a mask)."""
        return None if self.mask is None else TicketSize.of(self.mask, target)


# ------------------------------------------------------------------------------------ stages

def construct(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
              options: ConstructionOptions = ConstructionOptions()) -> tuple[int, Construction]:
    """(theorem, construction): the paper's construction, Theorem 1 for R of depth 2ℓ, Theorem 2
    for depth ℓ+1 (``verify.constructions``)."""
    theorem = construction_theorem(target, random)
    build = construct_theorem1 if theorem == 1 else construct_theorem2
    return theorem, build(target, random, k, options)


def construction_kept(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                      options: ConstructionOptions = ConstructionOptions()) -> int | None:
    """The weights the paper's construction keeps on this pair (None: it fails here), the
    yardstick a searched ticket is compared with."""
    _, built = construct(target, random, k, options)
    return density(built.mask)[0] if built.ok else None


def sparsest_kept(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                  request: TicketRequest) -> dict:
    """The sparsest ticket of the family, the yardstick a fixed-size ticket is compared with:
    ``kept`` (None: no ticket), ``lower`` (its certified lower bound, summed over components),
    ``optimal`` (every component's optimum refuted below with a checked proof). Bounded by
    ``request``'s ``time_limit`` per run and ``search_seconds`` in all."""
    found = search(target, random, k, TicketRequest(Find.SPARSEST, None, k, request.mode, engines=request.engines,
                                                    time_limit=request.time_limit, budget=request.budget,
                                                    search_seconds=request.search_seconds))
    if not found.found:
        return {"kept": None, "lower": None, "optimal": False}
    spans = found.stats.get("components", [])
    return {"kept": density(found.mask(random))[0], "lower": sum(c["lower"] for c in spans),
            "optimal": bool(found.optimal)}


def search(target: QuantizedNetwork, random: QuantizedNetwork, k: int, request: TicketRequest) -> Search:
    """A search of the structured family (Theorem 1's layout; ``verify.tickets``) by
    ``request.find`` (``any``, ``sparsest``, ``min-width`` or ``fixed-size``:
    ``verify.fixed_size``)."""
    find = Find.parse(request.find)
    mode = RoundingMode.parse(request.mode)
    if find is Find.MIN_WIDTH:
        return find_min_width(target, random, k, mode)
    if find is Find.CONSTRUCTION:
        raise InputError("find: construction is not a search of the structured family")
    c = group_size(target, random)
    sums = family_sums(target, random, k, mode)
    if find is Find.FIXED_SIZE:
        if request.per_weight is None:
            raise InputError("find fixed-size: give the products per target weight (--per-weight S)")
        return find_fixed_size(sums, c, request.per_weight, request.budget, request.search_seconds)
    if find is Find.ANY:
        return find_any(sums, c, request.method, request.time_limit, request.budget)
    return find_sparsest(sums, c, request.time_limit, request.engines, request.budget,
                         total_seconds=request.search_seconds)


def prove(target: QuantizedNetwork, random: QuantizedNetwork, mask, k: int,
          mode=RoundingMode.NEAREST_EVEN, options: EqualityOptions = EqualityOptions()) -> Equality:
    """Is ``[R ⊙ mask]_δ`` (δ = 2^-k, lowered with ``mode``; ``verify.equality.ticket_network``)
    equal to ``target``? ``verify.equality.decide_equality`` by ``options``."""
    input_bits = max(target.scales) if options.input_bits is None else options.input_bits
    pruned = ticket_network(target, random, mask, k, mode)
    return decide_equality(target, pruned, input_bits, options.method, options.budget, options.time_limit)


def run(target: QuantizedNetwork, random: QuantizedNetwork, request: TicketRequest = TicketRequest(),
        progress: Callable[[str], None] = quiet) -> TicketOutcome:
    """Find a mask (or take ``request.mask``), then prove it; ``progress`` is told each stage."""
    layout = layout_of(target, random)
    k = min(random.scales) if request.k is None else request.k
    mode = RoundingMode.parse(request.mode)
    find = None if request.mask is not None else Find.parse(request.find)
    theorem = built = searched = None
    started = time.perf_counter()
    if find is None:
        mask = request.mask
    elif find is Find.CONSTRUCTION:
        theorem, built = construct(target, random, k, request.construction_options(progress))
        mask = built.mask if built.ok else None
    else:
        progress(f"searching ({find.value}"
                 f"{': each optimum proved by a checked refutation' if find is Find.SPARSEST else ''})")
        searched = search(target, random, k, request)
        mask = searched.mask(random) if searched.found else None
    seconds = {"find": time.perf_counter() - started}
    equality = None
    if mask is not None:
        progress("proving equality")
        started = time.perf_counter()
        equality = prove(target, random, mask, k, mode, request.equality_options)
        seconds["equality"] = time.perf_counter() - started
    return TicketOutcome(layout, k, find, mask, equality, theorem, built, searched, seconds)


# ------------------------------------------------------------------------------- construct

@dataclass(frozen=True)
class ConstructedTicket:
    """What :func:`construct_and_save` did: the pair, the outcome, and whether the mask file
    was written (only for a successful construction)."""

    target: QuantizedNetwork
    random: QuantizedNetwork
    outcome: TicketOutcome
    written: bool

    @property
    def ok(self) -> bool:
        """The construction succeeded (every subset sum had a subset)."""
        return self.outcome.construction.ok

    @property
    def size(self) -> TicketSize:
        """The construction's mask (partial when it failed) against R and T."""
        return TicketSize.of(self.outcome.construction.mask, self.target)

    def to_json(self, choices: bool = False) -> dict:
        """The report of ``slth-verify construct --json``; ``choices`` adds every per-weight choice."""
        built, size, eq = self.outcome.construction, self.size, self.outcome.equality
        report = {"ok": built.ok, "theorem": self.outcome.theorem, "delta_bits": self.outcome.k,
                  "kept": size.kept, "total": size.total, "density": size.density,
                  "overparameterization": size.overparameterization, "target_weights": size.target_weights,
                  "target_sha256": self.target.sha256, "random_sha256": self.random.sha256,
                  "failures": [{"layer": c.layer, "output": c.output, "input": c.input, "branch": c.branch,
                                "target": c.target, "status": c.answer.status.value, "method": c.answer.method,
                                "evidence": c.answer.evidence} for c in built.failures],
                  "evidence": built.status_counts()}
        if eq is not None:
            report["equal"] = eq.equal
            report["equal_on"] = f"{eq.domain} ({eq.method})"
        if choices:
            report["choices"] = [{"layer": c.layer, "row": c.output, "input": c.input, "branch": c.branch,
                                  "target": c.target, "units": list(c.units), "status": c.answer.status.value,
                                  "method": c.answer.method} for c in built.choices]
        return report


def construct_and_save(target_path, random_path, output, k: int | None = None, budget=None,
                       progress: Callable[[str], None] = quiet) -> ConstructedTicket:
    """The paper's mask for the networks in ``target_path`` and ``random_path`` (R lowered to
    δ = 2^-k, default its own precision), proved equal to the target and written to ``output``
    (``.npz``; only when the construction succeeded). ``budget``: the exact tables' memory."""

    progress("reading the networks (a recipe is regenerated)")
    target, random = load_network(target_path), load_network(random_path)
    outcome = run(target, random, TicketRequest(k=k, budget=budget), progress)
    if outcome.mask is not None:
        progress("writing the mask")
        save_mask(outcome.mask, Path(output), random.sha256)
    return ConstructedTicket(target, random, outcome, outcome.mask is not None)
