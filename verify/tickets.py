"""Exact search for tickets beyond the paper's construction: any, the sparsest, the narrowest.

The family searched (the masks the theory uses; Theorem 1 layout, random depth 2ℓ): in the pair
of random layers (U, V) = (layer 2i-1, layer 2i) standing for target layer i, hidden unit h of
group j (rows j·c .. j·c+c-1) keeps at most its weight U[h, j] from input j, and each pair
computes its target layer exactly before rounding (``verify.equality.collapse`` proves the
network equal then). With products p[o, h] = V[o, h]·U[h, j] on the grid δ²ℤ this is, per
output o, input j and branch (A: U[h, j] > 0, B: U[h, j] < 0), the subset sum
``Σ_h p[o, h]·y[o, h] = W_i[o, j]`` with y[o, h] => s[h] (a second-layer weight needs its unit).
Pair 1 needs both branches (its inputs take both signs); later pairs only branch A: their inputs
are ReLU outputs, >= 0, so branch-B units never fire there (the construction keeps them anyway).
With ``width`` w only the first w units of each group may be used.

Kept weights = Σ s + Σ y (density = kept / total). The constraint graph (networkx) splits into
independent components, one per (layer, input, branch) with a non-empty branch; each is decided
on its own and the results assemble into one mask:

- ``any``: per subset sum, by the exact pre-filter (a component is feasible iff each of its
  sums is), or one joint model per component in CP-SAT or CNF (``method``);
- ``sparsest``: per component, CP-SAT minimizes the kept weights; the lower bound is certified
  by a DRUP refutation of the component's CNF with at most (optimum - 1) kept weights, checked
  by the independent checker (components side by side in :data:`SEARCH_WORKERS` processes);
- ``min-width``: for every subset sum, the shortest prefix of its group that reaches it
  (incremental reachable-sum bitsets); the network's minimal width is the largest, and the sum
  that needs it, cut to one unit fewer, is the certified "no" (its exhaustive table).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from verify.encodings.cnf import (
    DD_AUTO_MAX_NODES, DD_MAX_TABLE_BYTES, cardinality_at_most, dd_size, dd_table_bytes, encode_subset_sum,
)
from verify.errors import InputError, MethodDisagreement
from verify.layouts import single_precision, theorem1_units
from verify.networks import QuantizedNetwork
from verify.numbers import RoundingMode
from verify.prefilter.bitset import ReachableSums, small_witness
from verify.solve.building import build_cnf
from verify.solve.children import parallel_map
from verify.solve.outcome import Outcome
from verify.solve.refutation import refute
from verify.solve.sat import DEFAULT_SOLVER, run_sat
from verify.witness import replay_subset

SEARCHES = ("any", "sparsest", "min-width")
COMPONENT_METHODS = ("auto", "cpsat", "sat")


@dataclass(frozen=True)
class SumSpec:
    """One subset sum of the family: ``Σ products[i]·y_i = target`` over ``units`` (rows of
    the pair's first layer, in group order), all at scale 2k (the product grid δ²ℤ)."""

    layer: int  # target layer, 1-based
    output: int
    input: int
    branch: str  # "A" or "B"
    units: tuple[int, ...]
    products: tuple[int, ...]
    target: int

    def key(self) -> dict:
        return {"layer": self.layer, "row": self.output, "input": self.input, "branch": self.branch}


def _label(key: dict) -> str:
    """``layer 2 input 0 branch A``: a key as people read it in messages."""
    return " ".join(f"{name} {value}" for name, value in key.items())


@dataclass(frozen=True)
class Component:
    """The sums sharing first-layer units: one (layer, input, branch), every output."""

    layer: int
    input: int
    branch: str
    units: tuple[int, ...]
    sums: tuple[SumSpec, ...]

    def key(self) -> dict:
        return {"layer": self.layer, "input": self.input, "branch": self.branch}


@dataclass(frozen=True)
class LowerBound:
    """One component's lower bound (sparsest): no choice keeps at most ``at_most`` =
    ``kept`` - 1 weights. ``outcome`` is the SAT run's (``unsat``: refuted; ``unknown``: a
    limit, ``reason`` says which). A refutation carries its CNF (``nvars``, ``clauses``) and
    DRUP ``proof_lines``, and ``checked`` (the independent checker's verdict, its ``message``)."""

    layer: int
    input: int
    branch: str
    kept: int
    at_most: int
    outcome: str
    reason: str | None = None
    checked: bool | None = None
    message: str | None = None
    proof_lines: list[str] | None = None
    nvars: int | None = None
    clauses: list[list[int]] | None = None

    @property
    def proved(self) -> bool:
        """A refutation whose proof passed the checker."""
        return bool(self.checked)

    @property
    def why_unproved(self) -> str:
        """The limit that stopped it, else the checker's message."""
        return self.reason or self.message or ""


@dataclass
class Search:
    """What a search found. ``chosen`` maps each sum (by index in ``sums``) to its units;
    ``refuted`` is the sum (possibly cut to a narrower prefix) with no subset, with its
    evidence; ``bounds`` are per-component certified lower bounds (sparsest)."""

    search: str
    width: int
    sums: list[SumSpec]
    chosen: dict[int, tuple[int, ...]] = field(default_factory=dict)
    refuted: tuple[SumSpec, str, str] | None = None  # (sum, method, evidence)
    bounds: list[LowerBound] = field(default_factory=list)
    optimal: bool | None = None
    narrower: tuple[SumSpec, str, str] | None = None  # min-width: the "no" one unit narrower
    stats: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.refuted is None and len(self.chosen) == len(self.sums)

    def mask(self, random: QuantizedNetwork) -> tuple[np.ndarray, ...]:
        """The ticket found (``found`` must hold): the union of the chosen units' weights, the
        first-layer weight u[h, j] of every chosen unit h of input j and the second-layer
        weight v[o, h] of every sum's output o (the mask a certificate's witnesses replay to)."""
        mask = [np.zeros(w.shape, dtype=bool) for w in random.weights]
        for n, s in enumerate(self.sums):
            units = list(self.chosen[n])
            mask[2 * s.layer - 2][units, s.input] = True
            mask[2 * s.layer - 1][s.output, units] = True
        return tuple(mask)


def group_size(target: QuantizedNetwork, random: QuantizedNetwork) -> int:
    """c, the units per input of a Theorem 1 random network, checking every shape
    (:func:`verify.layouts.theorem1_units`)."""
    return theorem1_units(target, random)


def family_sums(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                mode=RoundingMode.NEAREST_EVEN, width: int | None = None) -> list[SumSpec]:
    """Every subset sum of the family (module docstring) for ``[R]_δ`` (δ = 2^-k, ``mode``),
    using the first ``width`` units of each group (default: all). Target weights are moved to
    the product grid (needs 2k >= k_t, as Theorem 1)."""
    c = group_size(target, random)
    width = c if width is None else width
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not 0 <= width <= c:
        raise InputError(f"width: expected 0..{c} units per group, got {width!r}")
    width = int(width)
    k_t = single_precision(target)
    if 2 * k < k_t:
        raise InputError(f"precision: the products of δ = 2^-{k} live on δ² = 2^-{2 * k}, coarser "
                         f"than the target's 2^-{k_t}")
    low = random.lowered(k, mode)
    out = []
    for i, w in enumerate(target.weights, start=1):
        u_mat, v_mat = low.weights[2 * i - 2], low.weights[2 * i - 1]
        for j in range(w.shape[1]):
            group = np.arange(j * c, j * c + width)
            u = u_mat[group, j]
            for branch, units in (("A", group[u > 0]), ("B", group[u < 0])):
                if branch == "B" and i > 1:
                    continue
                for o in range(w.shape[0]):
                    products = tuple(int(v_mat[o, h]) * int(u_mat[h, j]) for h in units)
                    out.append(SumSpec(i, o, j, branch, tuple(int(h) for h in units), products,
                                       int(w[o, j]) << (2 * k - k_t)))
    return out


def components(sums: list[SumSpec]) -> list[Component]:
    """The connected components of the constraint graph: nodes are first-layer units s[h] and
    second-layer weights y[o, h]; a sum links its y's, and each y links its unit."""
    import networkx as nx  # here, not at the top: about 0.4 s to import, and only searches need it

    g = nx.Graph()
    for n, s in enumerate(sums):
        g.add_node(("sum", n))
        for h in s.units:
            g.add_edge(("sum", n), ("y", s.layer, s.output, h))
            g.add_edge(("y", s.layer, s.output, h), ("s", s.layer, h))
    out = []
    for nodes in nx.connected_components(g):
        group = [sums[n] for n in sorted(x[1] for x in nodes if x[0] == "sum")]
        units = sorted(x[2] for x in nodes if x[0] == "s")
        first = group[0]
        out.append(Component(first.layer, first.input, first.branch, tuple(units), tuple(group)))
    return sorted(out, key=lambda c: (c.layer, c.input, c.branch))


# ------------------------------------------------------------------------------------- any

def decide_sum(s: SumSpec) -> tuple[tuple[int, ...] | None, str, str]:
    """(chosen units or None, method, evidence) for one sum, exactly: the empty subset, the
    range, or the reachable-sum table (every "no" here is exhaustive)."""
    if s.target == 0:
        return (), "empty", "the empty subset sums to 0"
    lo = sum(p for p in s.products if p < 0)
    hi = sum(p for p in s.products if p > 0)
    if not lo <= s.target <= hi:
        return None, "range", f"target {s.target} is outside the reachable range [{lo}, {hi}]"
    found = small_witness(list(s.products), s.target)
    if found is None:
        return None, "dp-bitset", (f"the reachable-sum table of all 2^{len(s.products)} subsets "
                                   f"does not contain {s.target}")
    return tuple(s.units[i] for i in found), "dp-bitset", "witness replayed"


def _replay(s: SumSpec, units) -> None:
    """Replay a solution's units for one sum (``WitnessNotReplayed`` when they are not one); a
    unit outside the sum is an index out of its range."""
    index = {h: i for i, h in enumerate(s.units)}
    replay_subset(s.products, s.target, [index.get(h, -1) for h in units],
                  f"the units {list(units)} of {_label(s.key())}")


def find_any(sums: list[SumSpec], width: int, method: str = "auto",
             time_limit: float | None = None, budget=None) -> Search:
    """A mask of the family, or the first sum with no subset (an exhaustive "no"). ``method``
    ``cpsat``/``sat`` solve each component as one joint model; every "no" they give is then
    pinned on one sum by the exact table (they must agree, or MethodDisagreement).
    ``time_limit`` (seconds) bounds each solver run and, with ``budget``, building a CNF."""
    if method not in COMPONENT_METHODS:
        raise InputError(f"method: expected one of {', '.join(COMPONENT_METHODS)}, got {method!r}")
    result = Search("any", width, sums)
    index = {id(s): n for n, s in enumerate(sums)}
    for comp in components(sums):
        if method != "auto":
            solved = _joint(comp, method, time_limit, budget=budget)
            if solved.outcome is Outcome.SAT:
                for s, units in zip(comp.sums, solved.chosen):
                    _replay(s, units)
                    result.chosen[index[id(s)]] = units
                continue
            if solved.outcome is Outcome.UNKNOWN:
                result.stats["unknown"] = f"{_label(comp.key())}: {solved.reason}"
                return result
        for s in comp.sums:
            units, how, why = decide_sum(s)
            if units is None:
                result.refuted = (s, how, why)
                return result
            _replay(s, units)
            result.chosen[index[id(s)]] = units
        if method != "auto":  # the joint model said no, yet no sum of the component is refuted
            raise MethodDisagreement(f"{method} says component {_label(comp.key())} has no solution, "
                                     f"but every one of its sums has a subset")
    return result


# --------------------------------------------------------------------------- joint models

def _layout(comp: Component) -> tuple[list[int], list[list[int]]]:
    """Variable numbers 1..N of the component: s[h] first, then y[o, h] per sum."""
    s_var = {h: n + 1 for n, h in enumerate(comp.units)}
    nxt = len(comp.units) + 1
    y_vars = []
    for s in comp.sums:
        y_vars.append(list(range(nxt, nxt + len(s.units))))
        nxt += len(s.units)
    return [s_var[h] for h in comp.units], y_vars


def _sum_encoding(s: SumSpec) -> str:
    """The encoding of one sum in a component's CNF: the decision diagram while it is small,
    else ``adder``. A fixed rule rather than ``auto`` (whose measured rules may change between
    versions), so that a certificate's CNF can be rebuilt identically later."""

    if dd_table_bytes(s.products) > DD_MAX_TABLE_BYTES:
        return "adder"
    nodes = dd_size(list(s.products), s.target)
    return "dd" if nodes is None or nodes <= DD_AUTO_MAX_NODES else "adder"


def twin_classes(comp: Component) -> list[tuple[int, ...]]:
    """The component's units with the same product in every one of its sums (hence the same
    first- and second-layer role everywhere in it), in unit order; only classes of two or more.
    A deterministic function of the component, so a checker recomputes them from the networks."""
    by_products: dict[tuple[int, ...], list[int]] = {}
    where = [dict(zip(s.units, s.products)) for s in comp.sums]
    for h in comp.units:
        by_products.setdefault(tuple(w.get(h) for w in where), []).append(h)
    return [tuple(units) for units in by_products.values() if len(units) > 1]


def _twin_clauses(comp: Component, s_vars: list[int], y_vars: list[list[int]]) -> list[list[int]]:
    """Symmetry-breaking clauses. Twins h1 < h2 next in their class (:func:`twin_classes`):
    s[h1] >= s[h2]. Units h1 < h2 next among a sum's units of the same product:
    s[h1] and y[o, h2] imply y[o, h1]. Any solution maps to one satisfying both with the same
    kept weights: move the kept units of each twin class to its front (twins are
    interchangeable in every sum), then in each sum, among its kept units of one product, move
    the chosen ones to the front (the sum's value, the units kept and the count of y's stay).
    So an UNSAT proof with these clauses still rules out every solution of the bound."""
    unit_var = dict(zip(comp.units, s_vars))
    clauses = []
    for twins in twin_classes(comp):
        clauses += [[unit_var[h1], -unit_var[h2]] for h1, h2 in zip(twins, twins[1:])]
    for s, ys in zip(comp.sums, y_vars):
        last: dict[int, tuple[int, int]] = {}  # product -> (unit, y) of the latest unit with it
        for h, p, y in zip(s.units, s.products, ys):
            if p in last:
                h1, y1 = last[p]
                clauses.append([-unit_var[h1], y1, -y])
            last[p] = (h, y)
    return clauses


# the CNF layout certify writes: 1 (certificate version 1): the constraints and a totalizer;
# 2: the twin order too, and a k-modulo totalizer (about half the proof lines, a third of the clauses)
CNF_VERSION = 2
CNF_VERSIONS = (1, 2)


def _at_most(n: int, k: int, first_var: int, version: int) -> tuple[list[list[int]], int]:
    """``Σ x_i <= k`` over variables 1..n, fresh variables from ``first_var``."""
    if version == 1:
        return cardinality_at_most(n, k, first_var)
    from pysat.card import CardEnc, EncType  # the package verify.encodings.cnf already loads
    from pysat.formula import IDPool

    pool = IDPool(start_from=first_var)
    cnf = CardEnc.atmost(lits=list(range(1, n + 1)), bound=k, vpool=pool, encoding=EncType.kmtotalizer)
    return [list(c) for c in cnf.clauses], max(pool.top, first_var - 1)


def component_cnf(comp: Component, at_most: int | None = None,
                  version: int = CNF_VERSION) -> tuple[int, list[list[int]]]:
    """The component's CNF (deterministic, so a checker can rebuild it): each sum through
    ``verify.encodings.cnf.encode_subset_sum`` (:func:`_sum_encoding`), y => s, and, with
    ``at_most``, at most that many kept weights over variables 1..N. ``version`` (of the
    certificate it goes in; :data:`CNF_VERSION` is written today): 1 counts with a totalizer;
    2 adds the twin order (:func:`_twin_clauses`) and counts with a k-modulo totalizer."""
    if version not in CNF_VERSIONS:
        raise InputError(f"CNF version: expected one of {CNF_VERSIONS}, got {version!r}")

    s_vars, y_vars = _layout(comp)
    unit_var = dict(zip(comp.units, s_vars))
    top = len(s_vars) + sum(len(y) for y in y_vars)
    clauses: list[list[int]] = []
    for s, ys in zip(comp.sums, y_vars):
        if not s.units:  # no weights: the encoder has no variable to hang a clause on
            if s.target != 0:
                clauses.append([])
            continue
        enc = encode_subset_sum(list(s.products), s.target, _sum_encoding(s))
        n = enc.n
        shift = top - n  # auxiliary variable v > n becomes v + shift

        def relabel(v, ys=ys, n=n, shift=shift):
            a = abs(v)
            new = ys[a - 1] if a <= n else a + shift
            return new if v > 0 else -new

        clauses += [[relabel(v) for v in c] for c in enc.clauses]
        top = max(top, enc.nvars + shift)
        clauses += [[-y, unit_var[h]] for y, h in zip(ys, s.units)]
    if version >= 2:
        clauses += _twin_clauses(comp, s_vars, y_vars)
    if at_most is not None:
        more, top = _at_most(len(s_vars) + sum(len(y) for y in y_vars), at_most, top + 1, version)
        clauses += more
    return top, clauses


# Σ over a component's sums of n·Σ|p| (the decision diagram's worst case) up to which its CNF
# is built in this process: a few MB at most, where a forked child would cost more than it saves
INLINE_MAX_WORK = 200_000


def _small(comp: Component) -> bool:
    return sum(len(s.products) * sum(map(abs, s.products)) for s in comp.sums) <= INLINE_MAX_WORK


@dataclass(frozen=True)
class _Joint:
    """A component's joint model, solved: for SAT the chosen units per sum, the kept weights
    (``cost``) and whether the minimum is proven (``optimal``; None when not minimizing); for
    UNSAT or UNKNOWN the ``reason``."""

    outcome: Outcome
    chosen: list[tuple[int, ...]] | None = None
    cost: int | None = None
    optimal: bool | None = None
    reason: str = ""


def _joint(comp: Component, method: str, time_limit, minimize: bool = False, budget=None) -> _Joint:
    """Solve the component's joint model with ``sat`` (its CNF) or ``cpsat``."""
    s_vars, y_vars = _layout(comp)
    n = len(s_vars) + sum(len(y) for y in y_vars)
    if method == "sat":
        cnf = build_cnf(component_cnf, (comp,), inline=_small(comp), budget=budget,
                        time_limit=time_limit, label=f"the CNF of component {_label(comp.key())}")
        if isinstance(cnf, str):
            return _Joint(Outcome.UNKNOWN, reason=cnf)
        nvars, clauses = cnf
        run = run_sat(nvars, clauses, DEFAULT_SOLVER, time_limit, proof=False)
        if run.outcome is not Outcome.SAT:
            return _Joint(run.outcome, reason=run.reason)
        true = {v for v in run.model if v > 0}
    else:
        # here, not at the top: these import OR-Tools, about 1 s, which --method sat never needs
        from verify.encodings.cpsat import build_linked_model
        from verify.solve.cpsat import run

        unit_var = dict(zip(comp.units, s_vars))
        sums = [(ys, s.products, s.target, [(y, unit_var[h]) for y, h in zip(ys, s.units)])
                for s, ys in zip(comp.sums, y_vars)]
        res = run(build_linked_model(n, sums, minimize), time_limit)
        if res.outcome is not Outcome.SAT:
            return _Joint(res.outcome, reason=f"CP-SAT {res.status_name}")
        true = {i + 1 for i, b in enumerate(res.assignment) if b}
        if minimize and not res.optimal:
            return _Joint(Outcome.SAT, _chosen(comp, y_vars, true), len(true), False)
    return _Joint(Outcome.SAT, _chosen(comp, y_vars, true), len(true & set(range(1, n + 1))),
                  minimize or None)


def _chosen(comp: Component, y_vars, true: set) -> list[tuple[int, ...]]:
    return [tuple(h for h, y in zip(s.units, ys) if y in true) for s, ys in zip(comp.sums, y_vars)]


def component_cost(comp: Component, chosen: list[tuple[int, ...]]) -> int:
    """Kept weights of a solution: its units (each once) plus its second-layer weights."""
    return len({h for units in chosen for h in units}) + sum(len(u) for u in chosen)


# ------------------------------------------------------------------------------- sparsest

def fewest_products(s: SumSpec) -> int | None:
    """The fewest products of the sum reaching its target (None: none does), by the exact
    table of the fewest products per reachable value (integers, every subset covered)."""
    best = {0: 0}
    for p in s.products:
        for value, count in list(best.items()):
            if best.get(value + p, count + 2) > count + 1:
                best[value + p] = count + 1
    return best.get(s.target)


def table_bound(comp: Component) -> int:
    """A lower bound on a feasible component's kept weights from its sums alone: each sum
    keeps at least its :func:`fewest_products` second-layer weights, on as many distinct
    units, so kept >= Σ fewest + max fewest. Exhaustive (no proof file needed)."""
    fewest = [fewest_products(s) for s in comp.sums]
    if None in fewest:
        raise InputError(f"component {_label(comp.key())}: a sum has no subset, the bound is of a feasible one")
    return sum(fewest) + max(fewest, default=0)


# processes that decide components side by side in a sparsest search (each runs CP-SAT, builds a
# CNF and refutes it, in children of its own)
SEARCH_WORKERS = min(2, os.cpu_count() or 1)


@dataclass
class _Decided:
    """One component of a sparsest search, decided: its sums' units, the kept-weight span
    (``stats["components"]``), the measurements, its lower bound (None when it keeps nothing)
    and whether its optimum is proven."""

    chosen: list[tuple[int, ...]]
    span: dict
    measured: dict
    bound: LowerBound | None
    optimal: bool


def find_sparsest(sums: list[SumSpec], width: int, time_limit: float | None = None,
                  engines: str = "auto", budget=None, version: int = CNF_VERSION,
                  total_seconds: float | None = None, workers: int | None = None) -> Search:
    """The fewest kept weights in the family: per component, CP-SAT's optimum c (replayed),
    and a checked DRUP refutation of the component's CNF with at most c - 1 kept weights.
    ``time_limit`` (seconds) bounds each solver run and each CNF's building, ``budget`` (bytes
    or a size such as ``"2G"``) the memory a CNF may take while it is built; a bound that hits
    either is left unproved (``optimal`` False, the reason in the bound).
    ``bounds`` lists, per component with c > 0, the refuted bound with the CNF and proof text
    (``nvars``/``clauses``/``proof_lines``); ``optimal`` is True only when every bound is checked.
    ``version``: the CNFs' layout (:func:`component_cnf`). ``total_seconds`` bounds the whole
    search's CP-SAT runs and refutations together: once spent, the components left keep the
    best ticket found (CP-SAT's, else the cheaper of the pre-filter's subsets and the fewest
    products per sum) and their table bound, unproved.
    ``workers``: components decided side by side (default :data:`SEARCH_WORKERS`; the answer
    does not depend on it). ``stats["components"]`` lists, per component, the kept weights
    found (``upper``) and the best lower bound held (``lower``: the optimum when its
    refutation is checked, else :func:`table_bound`), and ``stats["measured"]`` the same
    components' sizes and times (for benchmarks)."""
    first = find_any(sums, width)
    if not first.found:
        first.search = "sparsest"
        return first
    # here, before any fork, so that no child imports OR-Tools (about 1 s) on its own
    from verify.encodings.cpsat import build_linked_model  # noqa: F401
    from verify.solve.cpsat import run  # noqa: F401

    result = Search("sparsest", width, sums, optimal=True)
    index = {id(s): n for n, s in enumerate(sums)}
    ends = None if total_seconds is None else time.perf_counter() + total_seconds
    work = [(comp, [first.chosen[index[id(s)]] for s in comp.sums]) for comp in components(sums)]

    def decide(item):
        return _decide_component(*item, time_limit, engines, budget, version, ends, total_seconds)

    for (comp, _), done in zip(work, parallel_map(decide, work, SEARCH_WORKERS if workers is None else workers)):
        for s, units in zip(comp.sums, done.chosen):
            _replay(s, units)  # here too: what a child sends back is replayed by this process
            result.chosen[index[id(s)]] = units
        result.stats.setdefault("components", []).append(done.span)
        result.stats.setdefault("measured", []).append(done.measured)
        if done.bound is not None:
            result.bounds.append(done.bound)
        result.optimal = result.optimal and done.optimal
    return result


def _fewest_per_sum(comp: Component) -> list[tuple[int, ...]]:
    """Per sum of ``comp``, a subset with the fewest products (the cardinality table): a ticket
    of the component without a solver, usually far smaller than the first subset found."""
    chosen = []
    for s in comp.sums:
        table = ReachableSums(s.products, cardinality=True)
        found = table.witness(s.target, table.fewest(s.target))
        chosen.append(tuple(s.units[i] for i in found))
    return chosen


def _left(ends, time_limit):
    """Seconds for the next step: the per-run limit, cut to what the search has left."""
    left = None if ends is None else ends - time.perf_counter()
    return left if time_limit is None else time_limit if left is None else min(time_limit, left)


def _decide_component(comp: Component, prefiltered, time_limit, engines, budget, version, ends,
                      total_seconds) -> _Decided:
    """One component of :func:`find_sparsest`: CP-SAT's optimum (else the cheaper of
    ``prefiltered``, the pre-filter's subsets, and the fewest products per sum), then the
    refutation of one weight fewer."""
    started = time.perf_counter()
    limit = _left(ends, time_limit)
    if limit is not None and limit <= 0:
        best = _Joint(Outcome.UNKNOWN, reason=f"the search's {total_seconds:g} s were spent")
    else:
        best = _joint(comp, "cpsat", limit, minimize=True)
    measured = {"cpsat_seconds": time.perf_counter() - started}
    stopped = None
    if best.outcome is not Outcome.SAT:  # the pre-filter found a solution: CP-SAT must too
        if best.outcome is Outcome.UNSAT:
            raise MethodDisagreement(f"CP-SAT says component {_label(comp.key())} is infeasible, the "
                                     f"exact tables found a solution")
        # a limit: per-sum subsets are a solution too (the union of their units); the cheaper of
        # the pre-filter's and the fewest-elements ones (both exact tables, no solver)
        stopped = f"{best.reason}, a solver-free ticket kept"
        best = _Joint(Outcome.SAT, min(prefiltered, _fewest_per_sum(comp), key=lambda c: component_cost(comp, c)),
                      optimal=False)
    for s, units in zip(comp.sums, best.chosen):
        _replay(s, units)
    cost = component_cost(comp, best.chosen)
    span = {**comp.key(), "upper": cost, "lower": cost}
    decided = _Decided(best.chosen, span, measured, None, bool(best.optimal))
    if cost == 0:
        return decided
    where = (comp.layer, comp.input, comp.branch, cost, cost - 1)
    span["lower"] = table_bound(comp)
    decided.optimal = False
    if stopped is not None:  # no optimum to refute below
        decided.bound = LowerBound(*where, "unknown", reason=stopped)
        return decided
    limit = _left(ends, time_limit)
    if limit is not None and limit <= 0:
        decided.bound = LowerBound(*where, "unknown", reason=f"the search's {total_seconds:g} s "
                                   f"were spent before its refutation")
        return decided
    cnf = build_cnf(component_cnf, (comp, cost - 1, version), inline=_small(comp), budget=budget,
                    time_limit=limit, label=f"the CNF of component {_label(comp.key())}")
    if isinstance(cnf, str):
        decided.bound = LowerBound(*where, "unknown", reason=cnf)
        return decided
    nvars, clauses = cnf
    refuted = refute(nvars, clauses, DEFAULT_SOLVER, limit, engines)
    measured.update(variables=nvars, clauses=len(clauses), sat_seconds=refuted.seconds,
                    proof_lines=len(refuted.proof or ()),
                    check_seconds=sum(refuted.check.seconds.values()) if refuted.check else None)
    if refuted.outcome is Outcome.SAT and not best.optimal:  # CP-SAT stopped short of its optimum
        decided.bound = LowerBound(*where, "sat", reason=f"CP-SAT stopped at {cost} kept weights, not its optimum")
    elif refuted.outcome is Outcome.SAT:
        raise MethodDisagreement(f"component {_label(comp.key())}: CP-SAT's optimum is {cost} kept "
                                 f"weights but {refuted.solver} finds fewer")
    elif refuted.outcome is Outcome.UNSAT:
        decided.bound = LowerBound(*where, refuted.outcome.value, checked=refuted.checked,
                                   message=refuted.check.message, proof_lines=refuted.proof,
                                   nvars=nvars, clauses=clauses)
        decided.optimal = bool(best.optimal) and refuted.checked
        if refuted.checked:
            span["lower"] = cost
    else:
        decided.bound = LowerBound(*where, refuted.outcome.value, reason=refuted.reason)
    return decided


# ------------------------------------------------------------------------------ min-width

def shortest_prefix(s: SumSpec, group_start: int) -> int | None:
    """The fewest leading units of the group (counting units of either sign) among which the
    sum's own units reach its target; None when the whole group does not. One incremental
    reachable-sum table: bit b of ``acc`` is the sum ``offset + b``, offset the prefix's
    negative total."""
    if s.target == 0:
        return 0
    acc, offset = 1, 0
    for h, p in zip(s.units, s.products):
        acc |= acc << abs(p)
        offset += min(p, 0)
        if s.target >= offset and (acc >> (s.target - offset)) & 1:
            return h - group_start + 1
    return None


def cut(s: SumSpec, group_start: int, width: int) -> SumSpec:
    """The sum restricted to the first ``width`` units of its group."""
    keep = [i for i, h in enumerate(s.units) if h < group_start + width]
    return SumSpec(s.layer, s.output, s.input, s.branch, tuple(s.units[i] for i in keep),
                   tuple(s.products[i] for i in keep), s.target)


def find_min_width(target: QuantizedNetwork, random: QuantizedNetwork, k: int,
                   mode=RoundingMode.NEAREST_EVEN) -> Search:
    """The fewest units per group (a prefix of every group) for which the family has a
    ticket, that ticket, and in ``narrower`` the sum that has no subset with one unit fewer
    (an exhaustive "no"). With no ticket even at full width, ``refuted`` names the sum."""
    c = group_size(target, random)
    full = family_sums(target, random, k, mode)
    need = [(shortest_prefix(s, s.input * c), s) for s in full]
    missing = [s for m, s in need if m is None]
    if missing:
        result = Search("min-width", c, full)
        units, how, why = decide_sum(missing[0])
        if units is not None:
            raise MethodDisagreement(f"{missing[0].key()}: the incremental table says no prefix "
                                     f"reaches {missing[0].target}, the full table disagrees")
        result.refuted = (missing[0], how, why)
        return result
    width, critical = max(need, key=lambda t: t[0])
    result = find_any(family_sums(target, random, k, mode, width), width)
    result.search = "min-width"
    if not result.found:
        raise MethodDisagreement(f"every sum reaches its target within {width} units per group, "
                                 f"but the search at that width failed: {result.refuted}")
    if width > 0:
        narrow = cut(critical, critical.input * c, width - 1)
        units, how, why = decide_sum(narrow)
        if units is not None:
            raise MethodDisagreement(f"{narrow.key()}: reachable with {width - 1} units per group, "
                                     f"against the incremental table")
        result.narrower = (narrow, how, why)
    return result
