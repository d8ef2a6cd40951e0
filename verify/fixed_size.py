"""Fixed-size tickets: every target weight written as the sum of exactly S of its products.

The random fixed-size subset sum behind Natale et al.'s sparsity results for the lottery-ticket
hypothesis: in the structured family of ``verify.tickets`` (Theorem 1 layout), each subset sum
``Σ_h p[o, h]·y[o, h] = W_i[o, j]`` (one per target weight and branch: ``family_sums``) must be
met by exactly S products. A size-S ticket exists iff every one of those sums has a size-S
subset; the sums are independent (the first-layer units a sum uses are kept whoever else uses
them), so each is decided on its own and the ticket is the union of the chosen subsets.

Per sum and size the answer is exact (integers only):

- ``too-few``: the sum has fewer than S products (a count);
- ``size-range``: the target lies outside [sum of the S smallest, sum of the S largest products],
  the values S products can take (a sort);
- ``dp-bitset``: the reachable-sum table with size slots (``verify.prefilter.bitset``,
  ``cardinality=True``) over all subsets of exactly S products, or ``mitm``: meet in the middle
  with subset sizes in its keys (``verify.prefilter.mitm``); whichever ``choose_method`` finds
  cheaper within the memory budget. One table per sum answers every S of a sweep.

Every "yes" is a witness replayed with its size (``verify.witness.replay_subset``); every "no"
names which of the three exhaustive arguments backs it; a budget or time limit leaves the sum
``unknown``, never "no".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from verify.errors import BudgetExceeded, InputError
from verify.prefilter.bitset import ReachableSums
from verify.prefilter.mitm import MeetInTheMiddle
from verify.solve.methods import choose_method
from verify.status import Status
from verify.tickets import Search, SumSpec
from verify.witness import replay_subset

FIND = "fixed-size"
MAX_SIZES = 64  # sizes one sweep may ask for: each is a table read and a witness walk per sum


@dataclass(frozen=True)
class SizeAnswer:
    """Whether one sum has a subset of exactly ``size`` products: ``status`` (``sat-verified``,
    ``unsat-exhaustive`` or ``unknown``), the chosen ``units`` (for a "yes"), ``method`` and
    ``evidence`` (the sentence behind it)."""

    sum: SumSpec
    size: int
    status: Status
    units: tuple[int, ...] | None
    method: str
    evidence: str

    def to_json(self) -> dict:
        return {**self.sum.key(), "target": self.sum.target, "size": self.size,
                "status": self.status.value, "method": self.method, "evidence": self.evidence}


def parse_sizes(value, where: str = "per_weight") -> tuple[int, ...]:
    """The sizes S of a request: an integer, a list of integers, or text ``"3"``, ``"1..6"``,
    ``"2,4,8"`` (each >= 1); sorted, without repeats. InputError naming ``where`` otherwise."""
    if isinstance(value, str):
        sizes = _sizes_text(value.strip())
        if not sizes:
            raise InputError(f"{where}: expected S, A..B (A <= B) or S1,S2,... (integers >= 1), got {value!r}")
    elif isinstance(value, (list, tuple, range)):
        sizes = list(value)
    else:
        sizes = [value]
    bad = [s for s in sizes if isinstance(s, bool) or not isinstance(s, int) or s < 1]
    if bad or not sizes:
        raise InputError(f"{where}: expected sizes S >= 1 (products per target weight), got {value!r}")
    if len(set(sizes)) > MAX_SIZES:
        raise InputError(f"{where}: at most {MAX_SIZES} sizes in one sweep, got {len(set(sizes))}")
    return tuple(sorted(set(sizes)))


def _sizes_text(text: str) -> list[int]:
    """The sizes ``"3"``, ``"1..6"`` or ``"2,4"`` say; empty when the text is none of these."""
    try:
        if ".." in text:
            lo, hi = text.split("..")
            return list(range(int(lo), int(hi) + 1))
        return [int(x) for x in text.split(",")]
    except ValueError:  # int() of a non-number, or not exactly one ".."
        return []


def size_range(products, size: int) -> tuple[int, int]:
    """(least, greatest) sum of exactly ``size`` of ``products`` (``size`` <= their count)."""
    ordered = sorted(products)
    return sum(ordered[:size]), sum(ordered[len(ordered) - size:])


def _no(s: SumSpec, size: int, method: str, evidence: str) -> SizeAnswer:
    return SizeAnswer(s, size, Status.UNSAT_EXHAUSTIVE, None, method, evidence)


def _cheap(s: SumSpec, size: int) -> SizeAnswer | None:
    """The "no" a count or the range of S-subsets gives, else None."""
    n = len(s.products)
    if size > n:
        return _no(s, size, "too-few", f"the sum has {n} products, fewer than {size}")
    lo, hi = size_range(s.products, size)
    if not lo <= s.target <= hi:
        return _no(s, size, "size-range", f"target {s.target} is outside [{lo}, {hi}], the sums of "
                                          f"exactly {size} of its {n} products")
    return None


def table_evidence(method: str, n: int, size: int) -> str:
    """The sentence behind an exhaustive "no" of the table ``method`` for ``size`` of ``n``."""
    if method == "dp-bitset":
        return f"the reachable-sum table of the subsets of exactly {size} of its {n} products does not contain it"
    return (f"no pair of half-sums (subsets of exactly {size} of its {n} products, split "
            f"{n // 2} + {n - n // 2}) adds up to it")


def decide_sizes(s: SumSpec, sizes, budget=None) -> dict[int, SizeAnswer]:
    """For each ``size`` (>= 1), whether exactly that many of the sum's products reach its
    target (module docstring). ``budget`` (bytes or ``"2G"``) bounds the one exact table built
    for the sizes the count and range do not settle; when none fits, those are ``unknown``."""
    out = {size: _cheap(s, size) for size in sizes}
    open_ = [size for size, answer in out.items() if answer is None]
    if not open_:
        return out
    products, n = list(s.products), len(s.products)
    try:
        method = choose_method(products, "auto", True, budget, targets=len(open_))
        table = ReachableSums(products, cardinality=True, budget=budget) if method == "dp" \
            else MeetInTheMiddle(products, budget=budget)
    except BudgetExceeded as e:
        for size in open_:
            out[size] = SizeAnswer(s, size, Status.UNKNOWN, None, "budget", str(e))
        return out
    name = "dp-bitset" if method == "dp" else "mitm"
    for size in open_:
        found = table.witness(s.target, k=size)
        if found is None:
            out[size] = _no(s, size, name, table_evidence(name, n, size))
            continue
        chosen = replay_subset(products, s.target, found, f"the {name} witness of size {size} for "
                               f"layer {s.layer} row {s.output} input {s.input} branch {s.branch}", size)
        out[size] = SizeAnswer(s, size, Status.SAT_VERIFIED, tuple(s.units[i] for i in chosen), name,
                               f"witness of {size} products replayed in exact integer arithmetic")
    return out


def decide_size(s: SumSpec, size: int, budget=None) -> SizeAnswer:
    """:func:`decide_sizes` for one size (what a certificate's checker re-runs)."""
    return decide_sizes(s, (size,), budget)[size]


@dataclass
class FixedSize(Search):
    """A fixed-size search at ``per_weight`` = S: ``chosen`` holds each sum's S units (all of
    them: ``found``), ``refuted`` the first sum with no size-S subset (its method and
    evidence; ``missing`` lists them all), ``undecided`` the sums a limit left ``unknown``.
    ``sweep`` maps every size asked to its own search (this one included)."""

    per_weight: int = 0
    missing: list[SizeAnswer] = field(default_factory=list)
    undecided: list[SizeAnswer] = field(default_factory=list)
    sweep: dict = field(default_factory=dict)

    def row(self) -> dict:
        """This size's line of a sweep: sums with a representation, refuted (and which, with
        the method that refuted each), unknown."""
        total = len(self.sums)
        return {"per_weight": self.per_weight, "sums": total, "represented": len(self.chosen),
                "refuted": len(self.missing), "unknown": len(self.undecided), "ticket": self.found,
                "refuted_weights": [{**a.sum.key(), "method": a.method} for a in self.missing]}


def find_fixed_size(sums: list[SumSpec], width: int, sizes, budget=None,
                    total_seconds: float | None = None) -> FixedSize:
    """Fixed-size tickets of the family for every size in ``sizes`` (:func:`parse_sizes`);
    returns the search of the smallest size with a ticket (else of the smallest size), whose
    ``sweep`` holds every size's. ``width``: units per group the sums use. ``total_seconds``
    bounds the whole sweep: sums not reached when it is spent stay ``unknown``."""
    sizes = parse_sizes(sizes)
    searches = {size: FixedSize(FIND, width, sums, per_weight=size) for size in sizes}
    ends = None if total_seconds is None else time.perf_counter() + total_seconds
    for n, s in enumerate(sums):
        if ends is not None and time.perf_counter() > ends:
            answers = {size: SizeAnswer(s, size, Status.UNKNOWN, None, "time",
                                        f"the search's {total_seconds:g} s were spent") for size in sizes}
        else:
            answers = decide_sizes(s, sizes, budget)
        for size, answer in answers.items():
            found = searches[size]
            if answer.status is Status.SAT_VERIFIED:
                found.chosen[n] = answer.units
            elif answer.status is Status.UNKNOWN:
                found.undecided.append(answer)
            else:
                found.missing.append(answer)
    for found in searches.values():
        found.sweep = searches
        if found.missing:
            first = found.missing[0]
            found.refuted = (first.sum, first.method, first.evidence)
        elif found.undecided:
            first = found.undecided[0]
            found.stats["unknown"] = (f"{len(found.undecided)} sum(s) undecided at {found.per_weight} products, "
                                      f"first layer {first.sum.layer} row {first.sum.output}: {first.evidence}")
    best = next((f for f in searches.values() if f.found), searches[sizes[0]])
    return best
