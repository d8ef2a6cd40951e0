"""The structured ticket family (verify.tickets) against brute force on tiny networks.

The brute force here shares nothing with the module: it recomputes the products from the
lowered random network, enumerates every mask of the family (every subset of first-layer
units and of second-layer weights, pair by pair, all at once), and, on the smallest
instances, every structured mask of the whole network compared with the target by exhaustive
evaluation on the input grid.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from tests.brute import all_subsets
from verify.solve.proofs import check_drup
from verify.equality import collapse, exhaustive, ticket_network
from verify.errors import InputError
from verify.generators import target_network, theorem1_random_network
from verify.networks import QuantizedNetwork, Rounding, input_grid, same_outputs
from verify.numbers import RoundingMode
from verify.tickets import (
    Component,
    SumSpec,
    component_cnf,
    table_bound,
    twin_classes,
    components,
    cut,
    decide_sum,
    family_sums,
    find_any,
    find_min_width,
    find_sparsest,
    group_size,
    shortest_prefix,
)

MODES = list(RoundingMode)
SHAPES = [(1, 1), (1, 2), (2, 1), (1, 1, 1), (2, 2), (1, 2, 1)]
CASES = 180  # random instances per brute-force comparison
MAX_C = {(1, 1): 4, (1, 2): 4, (2, 1): 4, (1, 1, 1): 4, (2, 2): 2, (1, 2, 1): 3}  # <= 2^16 masks a pair


# ----------------------------------------------------------------------------- instances

def random_instance(rng, widths, c, zero_rate=0.5, fine=False):
    """(target, random, k, mode) with small products; target weights often 0 so that a good
    share of the instances have tickets. Target rounding: none or γ-double, any mode. ``fine``:
    the target's grid is the product grid δ² or twice as coarse (else up to 2^-2)."""
    bits_in = int(rng.integers(1, 3))
    if fine:
        k = int(rng.integers(1, 3))
        k_t = 2 * k - int(rng.integers(0, 2))
    else:
        k_t = int(rng.integers(0, 3))
        k = int(rng.integers(max(1, (k_t + 1) // 2), 3))
    mode = MODES[int(rng.integers(len(MODES)))]
    if rng.random() < 0.5:
        rounding = Rounding()
    else:
        rounding = Rounding("double", int(rng.integers(0, 4)), MODES[int(rng.integers(len(MODES)))])
    base = target_network(widths, k_t, seed=int(rng.integers(1 << 30)))
    weights = [np.where(rng.random(w.shape) < zero_rate, 0, w) for w in base.weights]
    target = QuantizedNetwork(weights, base.scales, rounding)
    random = theorem1_random_network(target, c, bits_in, seed=int(rng.integers(1 << 30)))
    return target, random, k, mode


def planted_instance(rng, widths, c, miss=0.1):
    """Like :func:`random_instance`, but each target weight is, with probability 1 - ``miss``,
    drawn among the values both branches reach (branch A only after layer 1) and that lie on
    the target's grid, preferring non-zero ones: most instances have non-trivial tickets."""
    base, random, k, mode = random_instance(rng, widths, c, zero_rate=0, fine=rng.random() < 0.7)
    if rng.random() < 0.6:  # mirror units of layer 1 (-u, -v): both branches reach alike
        u_mat, v_mat = (np.array(w) for w in random.weights[:2])
        for j in range(base.widths[0]):
            for r in range(c // 2):
                h, mirror = j * c + r, j * c + c - 1 - r
                u_mat[mirror, j], v_mat[:, mirror] = -u_mat[h, j], -v_mat[:, h]
        random = QuantizedNetwork([u_mat, v_mat, *random.weights[2:]], random.scales)
    low = random.lowered(k, mode)
    k_t = base.scales[0]
    shift = 2 * k - k_t
    weights = []
    for layer, w in enumerate(base.weights, start=1):
        u_mat, v_mat = low.weights[2 * layer - 2], low.weights[2 * layer - 1]
        new = w.copy()
        for o, j in product(range(w.shape[0]), range(w.shape[1])):
            if rng.random() < miss:
                continue
            reach = None
            for sign in (1, -1) if layer == 1 else (1,):
                prods = [int(v_mat[o, h]) * int(u_mat[h, j]) for h in range(j * c, j * c + c)
                         if sign * u_mat[h, j] > 0]
                sums = {sum(prods[i] for i in sub) for sub in all_subsets(len(prods))}
                reach = sums if reach is None else reach & sums
            values = sorted(v >> shift for v in reach
                            if v % (1 << shift) == 0 and abs(v >> shift) <= 1 << k_t)
            nonzero = [v for v in values if v != 0]
            pool = nonzero if nonzero and rng.random() < 0.9 else values
            new[o, j] = pool[int(rng.integers(len(pool)))]
        weights.append(new)
    return QuantizedNetwork(weights, base.scales, base.rounding), random, k, mode


def assemble(random, sums, chosen) -> tuple[np.ndarray, ...]:
    """The mask of a search: (h, input) for every chosen unit, (row, h) for its weight."""
    mask = [np.zeros(w.shape, dtype=bool) for w in random.weights]
    for n, units in chosen.items():
        s = sums[n]
        for h in units:
            mask[2 * s.layer - 2][h, s.input] = True
            mask[2 * s.layer - 1][s.output, h] = True
    return tuple(mask)


def kept(mask) -> int:
    return sum(int(np.count_nonzero(m)) for m in mask)


# ---------------------------------------------------------------------------- brute force

def all_bits(n: int) -> np.ndarray:
    """Every assignment of n bits, one per row."""
    return ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1).astype(np.int64)


def pair_masks(target, random, k, mode, layer, width):
    """Every mask of one pair of the family (first-layer unit h keeps only U[h, h // c], the
    first ``width`` units of each group) with its kept count and whether it computes the target
    layer exactly: both branches for layer 1, branch A only later. Returns (bits, cost, ok,
    unit list, y list)."""
    c = random.weights[0].shape[0] // target.widths[0]
    low = random.lowered(k, mode)
    u_mat = low.weights[2 * layer - 2].astype(np.int64)
    v_mat = low.weights[2 * layer - 1].astype(np.int64)
    w = target.weights[layer - 1].astype(np.int64) << (2 * k - target.scales[0])
    d_out, d_in = w.shape
    units = [h for h in range(c * d_in) if h % c < width]
    ys = [(o, h) for o in range(d_out) for h in units]
    bits = all_bits(len(units) + len(ys))
    s_full = np.zeros((len(bits), c * d_in), dtype=np.int64)
    s_full[:, units] = bits[:, :len(units)]
    y_full = np.zeros((len(bits), d_out, c * d_in), dtype=np.int64)
    for n, (o, h) in enumerate(ys):
        y_full[:, o, h] = bits[:, len(units) + n]
    u_own = np.array([u_mat[h, h // c] for h in range(c * d_in)])
    prod = v_mat * u_own[None, :]  # p[o, h] = V[o, h]·U[h, own input]
    live = s_full[:, None, :] * y_full * prod[None]
    a = (live * (u_own > 0)).reshape(len(bits), d_out, d_in, c).sum(-1)
    b = (live * (u_own < 0)).reshape(len(bits), d_out, d_in, c).sum(-1)
    ok = (a == w).all(axis=(1, 2))
    if layer == 1:
        ok &= (b == w).all(axis=(1, 2))
    return bits, bits.sum(axis=1), ok, units, ys


def brute_family(target, random, k, mode, width=None):
    """(feasible, fewest kept weights or None) of the family by enumerating every mask."""
    c = random.weights[0].shape[0] // target.widths[0]
    width = c if width is None else width
    total = 0
    for layer in range(1, target.depth + 1):
        _, cost, ok, _, _ = pair_masks(target, random, k, mode, layer, width)
        if not ok.any():
            return False, None
        total += int(cost[ok].min())
    return True, total


def brute_min_width(target, random, k, mode):
    c = random.weights[0].shape[0] // target.widths[0]
    for w in range(c + 1):
        if brute_family(target, random, k, mode, w)[0]:
            return w
    return None


def reaches(products, target) -> bool:
    return any(sum(products[i] for i in sub) == target for sub in all_subsets(len(products)))


def true_products(target, random, k, mode, s: SumSpec):
    """The sum's units and products recomputed from the networks (independently of family_sums)."""
    c = random.weights[0].shape[0] // target.widths[0]
    low = random.lowered(k, mode)
    u_mat, v_mat = low.weights[2 * s.layer - 2], low.weights[2 * s.layer - 1]
    group = range(s.input * c, s.input * c + c)
    sign = 1 if s.branch == "A" else -1
    units = [h for h in group if np.sign(u_mat[h, s.input]) == sign]
    return units, {h: int(v_mat[s.output, h]) * int(u_mat[h, s.input]) for h in units}


def check_ticket(target, random, k, mode, mask, rng):
    """The assembled mask is a ticket: collapse proves it, exhaustive evaluation agrees."""
    pruned = ticket_network(target, random, mask, k, mode)
    proof = collapse(target, pruned)
    assert proof.verdict == "equal", proof.detail
    bits = int(rng.integers(1, 3))
    ex = exhaustive(target, pruned, bits)
    assert ex.verdict == "equal", ex.detail


# ------------------------------------------------------------------- family vs brute force

def test_family_sums_are_the_products_of_the_lowered_network():
    rng = np.random.default_rng(11)
    for _ in range(40):
        widths = SHAPES[int(rng.integers(len(SHAPES)))]
        c = int(rng.integers(2, 5))
        target, random, k, mode = random_instance(rng, widths, c)
        width = int(rng.integers(0, c + 1))
        sums = family_sums(target, random, k, mode, width)
        expected = set()
        for layer, w in enumerate(target.weights, start=1):
            for o, j in product(range(w.shape[0]), range(w.shape[1])):
                for branch in ("A", "B") if layer == 1 else ("A",):
                    expected.add((layer, o, j, branch))
        assert {(s.layer, s.output, s.input, s.branch) for s in sums} == expected
        assert len(sums) == len(expected)
        for s in sums:
            units, prods = true_products(target, random, k, mode, s)
            units = [h for h in units if h < s.input * c + width]
            assert list(s.units) == units
            assert list(s.products) == [prods[h] for h in units]
            w = int(target.weights[s.layer - 1][s.output, s.input])
            assert s.target * 2 ** target.scales[0] == w * 2 ** (2 * k)  # the same real value


def test_find_any_and_sparsest_match_brute_force_over_every_family_mask():
    rng = np.random.default_rng(2024)
    stats = {"found": 0, "not": 0, "kept": []}
    for case in range(CASES):
        widths = SHAPES[case % len(SHAPES)]
        c = int(rng.integers(2, MAX_C[widths] + 1))
        make = planted_instance if case % 3 else random_instance
        target, random, k, mode = make(rng, widths, c)
        width = c if case % 4 else int(rng.integers(0, c + 1))  # sometimes a prefix of each group
        feasible, fewest = brute_family(target, random, k, mode, width)
        sums = family_sums(target, random, k, mode, width)
        any_ = find_any(sums, width)
        assert any_.found == feasible, (case, widths, c)
        if not feasible:
            stats["not"] += 1
            s, how, why = any_.refuted
            assert how in ("range", "dp-bitset") and why
            assert not reaches(s.products, s.target)
            best = find_sparsest(sums, width)
            assert not best.found and best.search == "sparsest" and best.refuted == any_.refuted
            continue
        stats["found"] += 1
        stats["kept"].append(fewest)
        check_ticket(target, random, k, mode, assemble(random, sums, any_.chosen), rng)
        best = find_sparsest(sums, width)
        assert best.found and best.optimal is True
        assert all(b.checked for b in best.bounds) and all(b.outcome == "unsat" for b in best.bounds)
        mask = assemble(random, sums, best.chosen)
        assert all(np.array_equal(a, b) for a, b in zip(best.mask(random), mask))  # the search's own assembly
        assert kept(mask) == fewest
        assert all(h % c < width for m in mask[::2] for h in np.nonzero(m)[0])
        assert sum(b.kept for b in best.bounds) == fewest
        assert all(b.at_most == b.kept - 1 for b in best.bounds)
        comps = {(x.layer, x.input, x.branch): x for x in components(sums)}
        for b in best.bounds:  # each bound is a refutation of the component's own CNF
            comp = comps[(b.layer, b.input, b.branch)]
            assert component_cnf(comp, b.at_most) == (b.nvars, b.clauses)
            assert check_drup(b.nvars, b.clauses, b.proof_lines).ok
        check_ticket(target, random, k, mode, mask, rng)
        assert sum(x["lower"] for x in best.stats["components"]) == fewest
        assert all(x["lower"] == x["upper"] for x in best.stats["components"])
    assert stats["found"] >= 30 and stats["not"] >= 10 and len(set(stats["kept"])) >= 5, stats


def test_min_width_matches_brute_force_and_its_narrower_sum_has_no_subset():
    rng = np.random.default_rng(77)
    seen = set()
    for case in range(CASES):
        widths = SHAPES[case % len(SHAPES)]
        c = int(rng.integers(1, MAX_C[widths] + 1))
        target, random, k, mode = planted_instance(rng, widths, c, miss=0.05)
        expected = brute_min_width(target, random, k, mode)
        result = find_min_width(target, random, k, mode)
        if expected is None:
            assert not result.found and result.refuted is not None
            s = result.refuted[0]
            assert not reaches(s.products, s.target)
            seen.add("none")
            continue
        assert result.found and result.width == expected, (case, expected, result.width)
        seen.add(expected)
        width_sums = family_sums(target, random, k, mode, expected)
        check_ticket(target, random, k, mode, assemble(random, width_sums, result.chosen), rng)
        # the ticket uses only the first `expected` units of every group
        for n, units in result.chosen.items():
            s = result.sums[n]
            assert all(h < s.input * c + expected for h in units)
        if expected == 0:
            assert result.narrower is None
            continue
        narrow, how, why = result.narrower
        assert how in ("range", "dp-bitset") and why
        units, prods = true_products(target, random, k, mode, narrow)
        units = [h for h in units if h < narrow.input * c + expected - 1]
        assert list(narrow.units) == units and list(narrow.products) == [prods[h] for h in units]
        w = int(target.weights[narrow.layer - 1][narrow.output, narrow.input])
        assert narrow.target == w << (2 * k - target.scales[0])
        assert not reaches(narrow.products, narrow.target)
    assert "none" in seen and len(seen) >= 3, seen


def test_shortest_prefix_is_the_first_prefix_that_reaches_the_target():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(0, 6))
        start = int(rng.integers(0, 5))
        units = tuple(sorted(int(h) for h in rng.choice(np.arange(start, start + 8), n, replace=False)))
        prods = tuple(int(p) for p in rng.integers(-6, 7, n))
        t = int(rng.integers(-8, 9))
        s = SumSpec(1, 0, 0, "A", units, prods, t)
        expected = None
        for width in range(9):
            narrow = cut(s, start, width)
            assert all(h < start + width for h in narrow.units)
            if reaches(narrow.products, t):
                expected = width
                break
        assert shortest_prefix(s, start) == expected, (s, start)


def test_find_any_methods_agree():
    rng = np.random.default_rng(99)
    outcomes = set()
    for case in range(36):
        widths = SHAPES[case % len(SHAPES)]
        c = int(rng.integers(2, 4))
        make = planted_instance if case % 2 else random_instance
        target, random, k, mode = make(rng, widths, c)
        sums = family_sums(target, random, k, mode)
        auto = find_any(sums, c)
        outcomes.add(auto.found)
        for method in ("cpsat", "sat"):
            other = find_any(sums, c, method=method)
            assert other.found == auto.found, (case, method)
            if other.found:
                check_ticket(target, random, k, mode, assemble(random, sums, other.chosen), rng)
            else:
                s = other.refuted[0]
                assert not reaches(s.products, s.target)
    assert outcomes == {True, False}


def test_joint_models_handle_sums_without_units_or_with_zero_products():
    """Empty branches (no unit of that sign) and zero products, alone and together."""
    cases = [
        [SumSpec(1, 0, 0, "B", (), (), 0)],
        [SumSpec(1, 0, 0, "B", (), (), 4)],
        [SumSpec(1, 0, 0, "A", (0, 1), (0, 0), 0)],
        [SumSpec(1, 0, 0, "A", (0, 1), (0, 0), 2)],
        [SumSpec(1, 0, 0, "A", (0, 1), (2, 0), 2), SumSpec(1, 1, 0, "A", (0, 1), (0, 3), 0),
         SumSpec(1, 0, 0, "B", (), (), 0), SumSpec(1, 1, 0, "B", (), (), 0)],
        # one component whose first sums have subsets and whose last has none
        [SumSpec(1, 0, 0, "A", (0, 1), (2, 3), 2), SumSpec(1, 1, 0, "A", (0, 1), (1, 1), 1),
         SumSpec(1, 2, 0, "A", (0, 1), (1, 1), 5)],
    ]
    for sums in cases:
        feasible = all(reaches(s.products, s.target) for s in sums)
        for method in ("auto", "cpsat", "sat"):
            got = find_any(sums, 2, method=method)
            assert got.found == feasible, (sums, method)
            if not feasible:
                assert got.refuted[0] in sums and not reaches(got.refuted[0].products, got.refuted[0].target)
        if feasible:
            best = find_sparsest(sums, 2)
            assert best.found and best.optimal is True
            assert sum(b.kept for b in best.bounds) == (2 if len(sums) > 1 else 0)
        for comp in components(sums):
            component_cnf(comp)
            component_cnf(comp, 0)


def test_component_cnf_means_exactly_the_family_constraints():
    """For every assignment of the component's variables (s[h] in unit order, then y[o, h]
    per sum in unit order: 1..N), the version-1 CNF (no twin order), with its auxiliary
    variables, is satisfiable iff each sum holds, y => s, and (with ``at_most``) at most that
    many are true. In version 2 (the twin order, another cardinality encoding; what the
    sparsest search refutes) every satisfying assignment is still a solution, and the fewest
    kept weights over its solutions is the family's: symmetry breaking removes solutions,
    never a cost."""
    from pysat.solvers import Solver

    rng = np.random.default_rng(41)
    tried = broken = 0
    for case in range(40):
        widths = [(1, 1), (1, 2), (1, 3)][case % 3]
        c = int(rng.integers(1, 4))
        target, random, k, mode = planted_instance(rng, widths, c, miss=0.2)
        for comp in components(family_sums(target, random, k, mode)):
            n_s = len(comp.units)
            n = n_s + sum(len(x.units) for x in comp.sums)
            if n > 12:
                continue
            bound = int(rng.integers(0, n + 1))
            for at_most, version in ((None, 1), (bound, 1), (None, 2), (bound, 2)):
                nvars, clauses = component_cnf(comp, at_most, version)
                assert component_cnf(comp, at_most, version) == (nvars, clauses)  # deterministic
                assert all(0 < abs(v) <= nvars for cl in clauses for v in cl)
                fewest = {}
                with Solver(name="cadical195", bootstrap_with=clauses) as solver:
                    for bits in product((False, True), repeat=n):
                        s_on = dict(zip(comp.units, bits[:n_s]))
                        ok = at_most is None or sum(bits) <= at_most
                        pos = n_s
                        for x in comp.sums:
                            ys = bits[pos:pos + len(x.units)]
                            pos += len(x.units)
                            ok &= sum(p for p, y in zip(x.products, ys) if y) == x.target
                            ok &= all(s_on[h] for h, y in zip(x.units, ys) if y)
                        assumptions = [v + 1 if b else -(v + 1) for v, b in enumerate(bits)]
                        sat = solver.solve(assumptions=assumptions)
                        assert sat == ok if version == 1 else sat <= ok, (comp, at_most, version, bits)
                        for key, holds in (("family", ok), ("cnf", sat)):
                            if holds:
                                fewest[key] = min(fewest.get(key, n + 1), sum(bits))
                assert fewest.get("cnf") == fewest.get("family"), (comp, version, fewest)
                tried += 1
            broken += len(component_cnf(comp, None, 2)[1]) > len(component_cnf(comp, None, 1)[1])
    assert tried >= 40 and broken >= 3, (tried, broken)  # the twin order was there to be tested


def test_twin_order_keeps_every_cost_on_components_full_of_twins():
    """Components drawn on a tiny product grid, so that most units have twins (the same
    product in every sum) or share a product within a sum: over every assignment, each
    solution of the CNF with the twin order is one of the family, the fewest kept weights
    are the same, and the CNF at one below the brute-force optimum is UNSAT; the per-sum
    table bound never exceeds that optimum."""
    from pysat.solvers import Solver

    rng = np.random.default_rng(7)
    seen = {"twins": 0, "feasible": 0}
    for case in range(60):
        n_units, n_sums = int(rng.integers(2, 5)), int(rng.integers(1, 3))
        units = tuple(range(n_units))
        base = [int(x) for x in rng.choice([1, 2], size=n_units)]  # column factors: many twins
        sums = tuple(SumSpec(1, o, 0, "A", units, tuple(b * int(rng.choice([1, 2])) if o else b for b in base),
                             int(rng.integers(0, 6))) for o in range(n_sums))
        comp = Component(1, 0, "A", units, sums)
        seen["twins"] += bool(twin_classes(comp))
        n = n_units + n_units * n_sums
        family, cnf = set(), set()
        nvars, clauses = component_cnf(comp, None, 2)
        with Solver(name="cadical195", bootstrap_with=clauses) as solver:
            for bits in product((False, True), repeat=n):
                on = bits[:n_units]
                ys = [bits[n_units + o * n_units:n_units + (o + 1) * n_units] for o in range(n_sums)]
                ok = all(sum(p for p, y in zip(x.products, y_) if y) == x.target for x, y_ in zip(sums, ys))
                ok &= all(on[h] for y_ in ys for h, y in enumerate(y_) if y)
                sat = solver.solve(assumptions=[v + 1 if b else -(v + 1) for v, b in enumerate(bits)])
                assert sat <= ok, (comp, bits)
                if ok:
                    family.add(sum(bits))
                if sat:
                    cnf.add(sum(bits))
        assert min(family, default=None) == min(cnf, default=None), comp
        if family:
            seen["feasible"] += 1
            fewest = min(family)
            assert table_bound(comp) <= fewest
            if fewest:
                nv, cl = component_cnf(comp, fewest - 1, 2)
                with Solver(name="cadical195", bootstrap_with=cl) as solver:
                    assert not solver.solve()
    assert seen["twins"] >= 20 and seen["feasible"] >= 20, seen


# -------------------------------------------------- whole networks by exhaustive evaluation

def structured_masks(target, random):
    """Every structured mask of the whole network (unit h of a pair's first layer may keep
    only its weight from input h // c; any second-layer weight), as bool tuples."""
    c = random.weights[0].shape[0] // target.widths[0]
    slots = []
    for i, w in enumerate(random.weights):
        if i % 2 == 0:
            slots += [(i, h, h // c) for h in range(w.shape[0])]
        else:
            slots += [(i, o, h) for o in range(w.shape[0]) for h in range(w.shape[1])]
    for bits in product((False, True), repeat=len(slots)):
        mask = [np.zeros(w.shape, dtype=bool) for w in random.weights]
        for on, (i, r, col) in zip(bits, slots):
            mask[i][r, col] = on
        yield tuple(mask)


def in_family(target, random, k, mode, mask) -> bool:
    """Does a structured mask make every pair compute its target layer exactly (both
    branches on layer 1, the positive one later)? Straight from the pruned matrices."""
    low = random.lowered(k, mode)
    for layer, w in enumerate(target.weights, start=1):
        u = np.where(mask[2 * layer - 2], low.weights[2 * layer - 2], 0)
        v = np.where(mask[2 * layer - 1], low.weights[2 * layer - 1], 0)
        want = w.astype(np.int64) << (2 * k - target.scales[0])
        if not np.array_equal(v @ np.where(u > 0, u, 0), want):
            return False
        if layer == 1 and not np.array_equal(v @ np.where(u < 0, u, 0), want):
            return False
    return True


@pytest.mark.parametrize("widths, c, seeds, miss", [
    ((1, 1), 4, range(10), 0.25),
    ((1, 2), 3, range(12), 0.25),
    pytest.param((2, 1), 3, range(6), 0.25, marks=pytest.mark.slow),  # 10 s: the fast set has two shapes
    pytest.param((1, 1, 1), 3, range(3), 0.0, marks=pytest.mark.slow),
])
def test_whole_network_brute_force_by_exhaustive_evaluation(widths, c, seeds, miss):
    """Every structured mask, compared with the target on the whole input grid (not by the
    family's equations). Family tickets must be among the equal masks, and the sparsest
    ticket can be no sparser than the sparsest equal mask. For one layer without rounding,
    equality on the grid (x = ±e_j) is exactly the family's equations: then existence and the
    minimum agree."""
    bits, outcomes = 1, set()
    grid = input_grid(widths[0], bits)
    for seed in seeds:
        r = np.random.default_rng([seed, *widths, c])
        target, random, k, mode = planted_instance(r, widths, c, miss=miss)
        if seed % 2 == 0:  # and half of them without rounding
            target = QuantizedNetwork(target.weights, target.scales)
        want = target.forward(grid, bits)
        equal_costs, family_costs = [], []
        for mask in structured_masks(target, random):
            pruned = ticket_network(target, random, mask, k, mode)
            equal = bool(same_outputs(want, pruned.forward(grid, bits)).all())
            if equal:
                equal_costs.append(kept(mask))
            if in_family(target, random, k, mode, mask):
                assert equal, "a mask of the family is not a ticket"
                family_costs.append(kept(mask))
        fewest_equal = min(equal_costs) if equal_costs else None
        feasible, fewest = brute_family(target, random, k, mode)
        assert (min(family_costs) if family_costs else None) == fewest  # two enumerations agree
        sums = family_sums(target, random, k, mode)
        found = find_any(sums, c)
        assert found.found == feasible
        if feasible:
            assert fewest_equal is not None and fewest_equal <= fewest
            best = find_sparsest(sums, c)
            mask = assemble(random, sums, best.chosen)
            assert kept(mask) == fewest
            pruned = ticket_network(target, random, mask, k, mode)
            assert same_outputs(want, pruned.forward(grid, bits)).all()
        if target.depth == 1 and target.rounding.schedule == "none":
            assert feasible == (fewest_equal is not None)
            assert fewest == fewest_equal
        outcomes.add("none" if fewest is None else "zero" if fewest == 0 else "some")
    assert "some" in outcomes, outcomes


def test_every_family_mask_of_a_pair_is_a_ticket_for_that_pair():
    """Soundness of the family itself: every mask satisfying the pair equations (brute force)
    gives a network equal to the target, by collapse and on the grid."""
    rng = np.random.default_rng(3)
    checked = nontrivial = 0
    for case in range(40):
        widths = [(1, 1), (1, 2), (2, 1)][case % 3]
        c = 2
        target, random, k, mode = planted_instance(rng, widths, c, miss=0)
        bits, cost, ok, units, ys = pair_masks(target, random, k, mode, 1, c)
        nontrivial += int((cost[ok] > 0).any())
        for row in bits[ok][rng.permutation(int(ok.sum()))[:20]]:
            mask = [np.zeros(w.shape, dtype=bool) for w in random.weights]
            for on, h in zip(row[:len(units)], units):
                mask[0][h, h // c] = bool(on)
            for on, (o, h) in zip(row[len(units):], ys):
                mask[1][o, h] = bool(on)
            check_ticket(target, random, k, mode, tuple(mask), rng)
            checked += 1
    assert checked >= 100 and nontrivial >= 20, (checked, nontrivial)


# ------------------------------------------------------------------------------ components

def test_components_partition_the_sums_without_sharing_units():
    rng = np.random.default_rng(8)
    for case in range(60):
        widths = [(1, 1), (1, 2), (2, 1), (1, 1, 1), (2, 3), (3, 2, 2)][case % 6]
        c = int(rng.integers(1, 5))
        target, random, k, mode = random_instance(rng, widths, c)
        width = int(rng.integers(0, c + 1))
        sums = family_sums(target, random, k, mode, width)
        comps = components(sums)
        ids = [id(s) for comp in comps for s in comp.sums]
        assert sorted(ids) == sorted(id(s) for s in sums) and len(set(ids)) == len(sums)
        owner = {}
        for n, comp in enumerate(comps):
            assert set(comp.units) == {h for s in comp.sums for h in s.units}
            for s in comp.sums:
                assert (s.layer, s.input, s.branch) == (comp.layer, comp.input, comp.branch)
            for h in comp.units:
                assert owner.setdefault((comp.layer, h), n) == n, "a unit in two components"
        # sums of one (layer, input, branch) with units are all in one component
        where = {id(s): n for n, comp in enumerate(comps) for s in comp.sums}
        groups = {}
        for s in sums:
            if s.units:
                groups.setdefault((s.layer, s.input, s.branch), set()).add(where[id(s)])
        assert all(len(g) == 1 for g in groups.values())


# ------------------------------------------------------------------------------ error paths

def test_wrong_layouts_and_parameters_are_input_errors():
    target = target_network([2, 2], 2, seed=1)
    random = theorem1_random_network(target, 3, 2, seed=2)
    assert group_size(target, random) == 3
    with pytest.raises(InputError, match=r"Theorem 1's layout needs depth 2ℓ = 2 \(twice the target's\), got depth 1"):
        family_sums(target, QuantizedNetwork(random.weights[:1], [2]), 1)
    deep = target_network([2, 2, 2], 2, seed=1)
    with pytest.raises(InputError, match=r"depth 2ℓ = 4 \(twice the target's\), got depth 2"):
        family_sums(deep, random, 1)
    skewed = QuantizedNetwork([random.weights[0], np.ones((3, 6), dtype=np.int64)], [2, 2])
    with pytest.raises(InputError, match=r"random network shapes: expected \[\(6, 2\), \(2, 6\)\]"):
        family_sums(target, skewed, 1)
    narrow = QuantizedNetwork([np.ones((1, 2), dtype=np.int64), np.ones((2, 1), dtype=np.int64)], [2, 2])
    with pytest.raises(InputError, match="random network shapes"):
        family_sums(target, narrow, 1)
    for width in (-1, 4, True, 1.5, "2"):
        with pytest.raises(InputError, match="width: expected 0..3 units per group"):
            family_sums(target, random, 1, width=width)
    assert family_sums(target, random, 1, width=0) and family_sums(target, random, 1, width=3)
    with pytest.raises(InputError, match="precision: the products of δ = 2\\^-0"):
        family_sums(target, random, 0)  # 2k = 0 < k_t = 2
    coarse = target_network([2, 2], 3, seed=1)
    with pytest.raises(InputError, match="coarser than the target's 2\\^-3"):
        family_sums(coarse, theorem1_random_network(coarse, 3, 2, seed=2), 1)
    mixed = QuantizedNetwork(deep.weights, [2, 3])
    with pytest.raises(InputError, match="one precision"):
        family_sums(mixed, theorem1_random_network(mixed, 2, 2, seed=2), 2)
    with pytest.raises(InputError, match="Theorem 1's layout"):
        find_min_width(target, QuantizedNetwork(random.weights[:1], [2]), 1)
    with pytest.raises(InputError, match="method: expected one of auto, cpsat, sat"):
        find_any(family_sums(target, random, 1), 3, method="mitm")


def test_decide_sum_evidence():
    assert decide_sum(SumSpec(1, 0, 0, "A", (), (), 0))[:2] == ((), "empty")
    units, how, why = decide_sum(SumSpec(1, 0, 0, "A", (4, 5), (3, 5), 9))
    assert units is None and how == "range" and "[0, 8]" in why
    units, how, _ = decide_sum(SumSpec(1, 0, 0, "A", (4, 5), (4, 6), 5))
    assert units is None and how == "dp-bitset"
    units, how, _ = decide_sum(SumSpec(1, 0, 0, "A", (4, 5, 7), (4, -6, 3), -3))
    assert set(units) == {5, 7} and how == "dp-bitset"


def test_component_cnfs_built_in_a_bounded_child_are_the_same_and_a_limit_leaves_the_bound_open(monkeypatch):
    """Past INLINE_MAX_WORK a component's CNF is built in a child under the time limit and the
    memory budget: the same CNF, the same proofs; a budget it cannot meet leaves that bound
    unproved (``optimal`` False, the reason named) rather than failing the search."""
    import verify.tickets as tickets

    rng = np.random.default_rng(5)
    inline = None
    while inline is None or not inline.bounds:  # an instance with a target weight other than 0
        target, random, k, mode = planted_instance(rng, (2, 2), 2, miss=0)
        sums = family_sums(target, random, k, mode)
        inline = find_sparsest(sums, 2)
    assert inline.found and inline.optimal
    monkeypatch.setattr(tickets, "INLINE_MAX_WORK", -1)
    forked = find_sparsest(sums, 2)
    assert forked.optimal and [b.clauses for b in forked.bounds] == [b.clauses for b in inline.bounds]
    assert find_any(sums, 2, method="sat").found

    def hungry(comp, at_most=None, version=2):  # a CNF builder that outgrows any budget
        hoard = [bytearray(1 << 20) for _ in range(4096)]
        return 1, [[1]] * len(hoard)

    monkeypatch.setattr(tickets, "component_cnf", hungry)
    starved = find_sparsest(sums, 2, budget="64M")
    assert starved.found and starved.optimal is False
    assert all(b.outcome == "unknown" and "memory budget of 64.0 MiB" in b.reason for b in starved.bounds)
    assert find_any(sums, 2, method="sat", budget="64M").stats["unknown"].count("memory budget")


def test_a_component_left_open_keeps_its_fewest_products_not_the_first_subset_found():
    """With no time left for CP-SAT, the component keeps the cheaper solver-free ticket: here
    the bitset's first subset takes the three 1s, the fewest-products one the single 3."""
    import time

    import verify.tickets as tickets

    s = tickets.SumSpec(1, 0, 0, "A", (0, 1, 2, 3), (1, 1, 1, 3), 3)
    comp = tickets.Component(1, 0, "A", s.units, (s,))
    first = [decide_sum(s)[0]]
    assert tickets.component_cost(comp, first) == 6
    done = tickets._decide_component(comp, first, None, "auto", None, tickets.CNF_VERSION,
                                     time.perf_counter() - 1, 0)
    assert done.chosen == [(3,)] and done.span["upper"] == 2 and not done.optimal
    assert done.bound.outcome == "unknown"


def test_sparsest_left_open_keeps_a_ticket_and_bounds_around_the_optimum(monkeypatch):
    """CP-SAT stopped by a limit on one component, or the search's budget spent before any:
    the search still returns a ticket (the pre-filter's subsets there), not claimed optimal,
    and per component lower <= the brute-force optimum <= upper; the bounds proved are checked."""
    import verify.tickets as tickets
    from verify.solve.outcome import Outcome

    rng = np.random.default_rng(12)
    joint, tried = tickets._joint, 0
    for case in range(60):
        target, random, k, mode = planted_instance(rng, (1, 2), int(rng.integers(2, 4)), miss=0)
        feasible, fewest = brute_family(target, random, k, mode)
        sums = family_sums(target, random, k, mode)
        if not feasible or fewest == 0:
            continue
        calls = []

        def first_unknown(comp, method, *args, **kwargs):
            calls.append(comp)
            if kwargs.get("minimize") and len(calls) == 1:
                return tickets._Joint(Outcome.UNKNOWN, reason="CP-SAT UNKNOWN (test)")
            return joint(comp, method, *args, **kwargs)

        monkeypatch.setattr(tickets, "_joint", first_unknown)
        for budget in (None, 0):
            calls.clear()
            best = find_sparsest(sums, group_size(target, random), total_seconds=budget)
            assert best.found and best.optimal is False
            mask = assemble(random, sums, best.chosen)
            check_ticket(target, random, k, mode, mask, rng)
            spans = best.stats["components"]
            assert sum(x["upper"] for x in spans) == kept(mask) >= fewest
            assert sum(x["lower"] for x in spans) <= fewest
            assert all(b.checked for b in best.bounds if b.outcome == "unsat")
            why = "CP-SAT UNKNOWN (test)" if budget is None else "were spent"  # a spent budget runs no CP-SAT
            assert any(why in (b.reason or "") for b in best.bounds)
            if budget == 0:  # no solver ran: each component keeps the cheaper of two solver-free tickets
                first = find_any(sums, group_size(target, random))
                for comp, span in zip(tickets.components(sums), spans):
                    prefiltered = [first.chosen[sums.index(s)] for s in comp.sums]
                    assert span["upper"] == min(tickets.component_cost(comp, prefiltered),
                                                tickets.component_cost(comp, tickets._fewest_per_sum(comp)))
        tried += 1
        if tried >= 8:
            break
    assert tried >= 8, tried
