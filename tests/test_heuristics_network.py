"""Heuristic mask search (verify.heuristics.network): every hit is re-verified here by an
independent, plain evaluator (real arithmetic with Fractions, the rounding schedule written out)
on every input of the grid, and every miss is a real difference."""

import math
from fractions import Fraction

import numpy as np
import pytest

from verify.constructions import ConstructionOptions, construct_theorem1
from verify.errors import InputError, InternalError
from verify.generators import target_network, theorem1_random_network
from verify.equality import Verdict
from verify.heuristics.network import (EdgePopupOptions, HeuristicConstructionOptions, NetworkCandidate,
                                       construction_heuristic, edge_popup, exact_verdict, kept_per_layer)
from verify.networks import QuantizedNetwork, Rounding, input_grid
from verify.numbers import rescale
from verify.status import Answer, Status


# ------------------------------------------------------------------ the independent checker

def plain_forward(weights, scales, rounding: Rounding, row, input_bits):
    """Real arithmetic, ReLU between layers, lowering by the schedule through exact rescale."""
    values = [Fraction(int(v), 2 ** input_bits) for v in row]
    for i, (w, k) in enumerate(zip(weights, scales), start=1):
        values = [sum(Fraction(int(w[r, c]), 2 ** k) * values[c] for c in range(w.shape[1]) if w[r, c])
                  for r in range(w.shape[0])]
        if i < len(weights):
            values = [max(v, Fraction(0)) for v in values]
        if rounding.lowers(i):
            g = rounding.gamma
            values = [Fraction(rescale(int(v * 2 ** 64), 64, g, rounding.mode), 2 ** g) for v in values]
    return values


def independently_equal(target, random, k, mask, input_bits=None) -> bool:
    """Is ``[R ⊙ mask]_δ`` equal to the target on every input of the grid? Theorem 1's
    depth-2ℓ ticket rounds the outputs of layers 2, 4, ... (γ-triple) when the target is γ-double."""
    input_bits = max(target.scales) if input_bits is None else input_bits
    low = random.lowered(k)
    weights = [np.where(m, w, 0) for w, m in zip(low.weights, mask)]
    r = target.rounding
    ticket = Rounding() if r.schedule == "none" else Rounding("triple", r.gamma, r.mode)
    for row in input_grid(target.widths[0], input_bits):
        if plain_forward(target.weights, target.scales, r, row, input_bits) != \
                plain_forward(weights, low.scales, ticket, row, input_bits):
            return False
    return True


def instance(widths, bits, c, seed, rounding="none"):
    rnd = Rounding() if rounding == "none" else Rounding("double", bits)
    target = target_network(list(widths), bits, seed=seed, rounding=rnd)
    k = -(-bits // 2)
    return target, theorem1_random_network(target, c, k, seed=seed + 100), k


def tamper(target, random, k, mask):
    """Drop one kept second-layer weight v_oh of the first pair whose unit h keeps a nonzero
    first-layer weight u_hj (v_oh ≠ 0 too): on a one-input-per-unit mask without rounding this
    changes output o by -v_oh·σ(u_hj x_j), nonzero for x_j of u's sign."""
    low = random.lowered(k)
    u, v = low.weights[0], low.weights[1]
    for o, h in zip(*np.nonzero(mask[1])):
        if v[o, h] != 0 and (mask[0][h] & (u[h] != 0)).any():
            bad = [m.copy() for m in mask]
            bad[1][o, h] = False
            return tuple(bad)
    raise AssertionError("no kept weight to tamper with")


# -------------------------------------------------------------------------------- edge-popup

EP_SEEDS = range(6)  # (1, 1) targets with 2-bit weights, 32 units: edge-popup hits some


def edge_popup_runs():
    out = []
    for seed in EP_SEEDS:
        target, random, k = instance((1, 1), 2, 32, seed)
        options = EdgePopupOptions(density=0.25, seed=seed, iterations=300)
        out.append((target, random, k, edge_popup(target, random, k, options)))
    return out


@pytest.fixture(scope="module")
def ep_runs():
    return edge_popup_runs()


def test_edge_popup_hits_are_equal_and_misses_differ_by_an_independent_check(ep_runs):
    hits = 0
    for target, random, k, cand in ep_runs:
        assert isinstance(cand, NetworkCandidate) and cand.method == "edge-popup"
        assert cand.hit == independently_equal(target, random, k, cand.mask)
        assert cand.hit == (cand.stats["verdict"] == "equal")
        if not cand.hit:
            bad = cand.stats["counterexample"]  # replayed: the plain evaluator disagrees there
            low = random.lowered(k)
            w = [np.where(m, x, 0) for x, m in zip(low.weights, cand.mask)]
            assert plain_forward(target.weights, target.scales, target.rounding, bad, 2) != \
                plain_forward(w, low.scales, Rounding(), bad, 2)
        hits += cand.hit and target.weights[0][0, 0] != 0
    assert hits >= 1  # a non-trivial target (weight ≠ 0) found, so hits are tested


def test_edge_popup_tampered_hit_is_rejected(ep_runs):
    target, random, k, cand = next(r for r in ep_runs if r[3].hit and r[0].weights[0][0, 0] != 0)
    bad = tamper(target, random, k, cand.mask)
    assert not independently_equal(target, random, k, bad)
    verdict = exact_verdict(target, random, k, bad)
    assert not verdict.equal and verdict.verdict is Verdict.DIFFER
    assert exact_verdict(target, random, k, cand.mask).equal


@pytest.mark.parametrize("density", [0.1, 0.37, 0.05, 1, 1.0, 0.999])
def test_edge_popup_keeps_ceil_of_density_per_layer(density):
    target, _, k = instance((2, 2), 2, 15, 0)
    random = theorem1_random_network(target, 15, k, seed=3)  # layers of 60 weights
    cand = edge_popup(target, random, k, EdgePopupOptions(density=density, seed=1, iterations=3))
    exact = Fraction(str(density))
    want = [math.ceil(exact * m.size) for m in cand.mask]
    assert [int(m.sum()) for m in cand.mask] == want == cand.stats["kept_per_layer"]
    assert kept_per_layer([m.shape for m in cand.mask], density) == want
    assert (cand.kept, cand.total) == (sum(want), random.num_weights)
    assert cand.density == cand.kept / cand.total >= float(density)
    if density == 0.1:
        assert want == [6, 6]  # 0.1 · 60 is 6.000000000000001 in floats: still 6


def test_edge_popup_is_deterministic_per_seed():
    target, random, k = instance((2, 2, 2), 3, 8, 4, "double")
    a = edge_popup(target, random, k, EdgePopupOptions(density=0.3, seed=5, iterations=40))
    b = edge_popup(target, random, k, EdgePopupOptions(density=0.3, seed=5, iterations=40))
    c = edge_popup(target, random, k, EdgePopupOptions(density=0.3, seed=6, iterations=40))
    assert all(np.array_equal(x, y) for x, y in zip(a.mask, b.mask))
    assert {**a.stats} == {**b.stats}
    assert any(not np.array_equal(x, y) for x, y in zip(a.mask, c.mask))
    assert a.hit == independently_equal(target, random, k, a.mask)


def test_edge_popup_output_loss_and_sampled_batches_run_and_are_judged_exactly():
    target, random, k = instance((2, 2), 4, 8, 2)
    # input grid 2^-6: 129² points > 4096, so batches are sampled; the verdict is still exact
    cand = edge_popup(target, random, k, EdgePopupOptions(density=0.5, seed=0, iterations=20, loss="output",
                                                          input_bits=6, batch_size=64, schedule="constant"))
    assert cand.stats["batch"] == 64 and not cand.hit and cand.stats["verdict"] == "differ"
    assert len(cand.stats["counterexample"]) == 2


# ------------------------------------------------------------------- construction + heuristic

def subset_sum_heuristics():
    from verify.heuristics.subset_sum import HEURISTICS

    return HEURISTICS


def failure_keys(choices):
    return {(c.layer, c.output, c.input, c.branch) for c in choices if not c.answer.status.is_sat}


def test_greedy_construction_agrees_with_the_exact_one_and_misses_honestly():
    subset_sum_heuristics()
    both = honest_miss = 0
    for seed in range(12):
        target, random, k = instance((2, 2), 2, 24, seed)
        exact = construct_theorem1(target, random, k)
        cand = construction_heuristic(target, random, k, HeuristicConstructionOptions("greedy", seed=seed))
        assert cand.method == "construction+greedy"
        assert cand.hit == independently_equal(target, random, k, cand.mask)
        assert cand.stats["solved"] + cand.stats["missed"] == cand.stats["sums"]
        greedy_failures = {tuple(f[:4]) for f in cand.stats["failed_sums"]}
        assert len(greedy_failures) == cand.stats["failures"] >= cand.stats["missed"]
        # the exact decisions fail only where greedy failed too (greedy never beats them)
        assert failure_keys(exact.choices) <= greedy_failures
        if cand.hit:
            assert independently_equal(target, random, k, exact.mask)
            if exact.ok:
                both += 1
        if exact.ok and greedy_failures:
            assert not cand.hit and cand.stats["verdict"] == "differ"
            honest_miss += 1
    assert both >= 1 and honest_miss >= 1


def test_the_solver_callback_sees_every_nontrivial_sum_and_its_unknown_is_a_failure():
    target, random, k = instance((2, 2), 2, 24, 8)
    exact = construct_theorem1(target, random, k)
    seen = []

    def spy(products, w):  # the callback sees exactly the non-trivial sums
        seen.append((tuple(products), w))
        return Answer(w, Status.UNKNOWN, "spy", "nothing tried")

    built = construct_theorem1(target, random, k, ConstructionOptions(solver=spy))
    trivial = [c for c in exact.choices if c.target == 0 or "no unit" in c.answer.evidence]
    assert len(seen) == len(exact.choices) - len(trivial) > 0
    assert all(w == c.target for (_, w), c in zip(seen, [c for c in exact.choices if c not in trivial]))
    assert len(built.failures) == len(seen) + sum(1 for c in trivial if c.target != 0)
    assert all(not c.units and c.answer.status is Status.UNKNOWN for c in built.failures if c.target != 0
               and "no unit" not in c.answer.evidence)

    def liar(products, w):  # a "sat" answer that does not replay is a bug, caught
        return Answer(w, Status.SAT_VERIFIED, "liar", "trust me", (0,) if products[0] != w else ())

    with pytest.raises(InternalError):
        construct_theorem1(target, random, k, ConstructionOptions(solver=liar))


@pytest.mark.parametrize("name", ["greedy", "kk", "ckk", "local-search", "beam"])
def test_every_heuristic_construction_is_verified(name):
    if name not in subset_sum_heuristics():
        pytest.skip(f"{name} not available")
    target, random, k = instance((2, 2, 2), 2, 16, 1, "double")
    cand = construction_heuristic(target, random, k, HeuristicConstructionOptions(name, seed=3, time_limit=5))
    assert cand.hit == independently_equal(target, random, k, cand.mask)
    kept = sum(int(m.sum()) for m in cand.mask)
    assert (cand.kept, cand.total, cand.density) == (kept, random.num_weights, kept / random.num_weights)


def test_a_construction_hit_with_a_missed_sum_is_equal_on_the_grid_only():
    # branch B of one first-layer weight has no subset at all, yet the rounding to 2^-2 hides it
    subset_sum_heuristics()
    target, random, k = instance((2, 2, 2), 2, 16, 88, "double")  # seed 88: found by a search
    cand = construction_heuristic(target, random, k, HeuristicConstructionOptions("greedy", seed=0))
    assert cand.stats["failures"] >= 1
    assert cand.hit and cand.stats["equality_method"] == "exhaustive"
    assert cand.stats["domain"].startswith("every input of S_δ^2")
    assert independently_equal(target, random, k, cand.mask)


def test_construction_hit_tampered_is_rejected():
    subset_sum_heuristics()
    for seed in range(12):
        target, random, k = instance((2, 2), 2, 24, seed)
        cand = construction_heuristic(target, random, k, HeuristicConstructionOptions("greedy", seed=seed))
        if cand.hit and target.weights[0].all():
            break
    else:
        raise AssertionError("no greedy hit with all target weights nonzero")
    assert cand.stats["equality_method"] == "collapse"
    bad = tamper(target, random, k, cand.mask)
    assert not independently_equal(target, random, k, bad)
    assert exact_verdict(target, random, k, bad).verdict is Verdict.DIFFER


def test_construction_heuristic_is_deterministic_per_seed():
    if "local-search" not in subset_sum_heuristics():
        pytest.skip("local-search not available")
    target, random, k = instance((2, 2), 2, 24, 5)
    a = construction_heuristic(target, random, k, HeuristicConstructionOptions("local-search", seed=2))
    b = construction_heuristic(target, random, k, HeuristicConstructionOptions("local-search", seed=2))
    assert all(np.array_equal(x, y) for x, y in zip(a.mask, b.mask)) and a.hit == b.hit


# ------------------------------------------------------------------------------- arguments

def one_line(excinfo, name):
    msg = str(excinfo.value)
    assert "\n" not in msg and msg.startswith(name), msg


@pytest.mark.parametrize("density", [0, -0.1, 1.5, float("nan"), float("inf"), True, "0.5", None])
def test_bad_density_is_refused(density):
    target, random, k = instance((1, 1), 2, 4, 0)
    with pytest.raises(InputError) as e:
        edge_popup(target, random, k, EdgePopupOptions(density=density, seed=0))
    one_line(e, "density")


@pytest.mark.parametrize("k", [1, 3, -1, "2", 2.0, True])
def test_incompatible_k_is_refused(k):
    target = target_network([2, 2], 3, seed=0)  # δ_t = 2^-3: needs 2k >= 3
    random = theorem1_random_network(target, 4, 2, seed=0)  # δ_in = 2^-2: needs k <= 2
    with pytest.raises(InputError) as e:
        edge_popup(target, random, k, EdgePopupOptions(density=0.5, seed=0))
    one_line(e, "k")
    if "greedy" in subset_sum_heuristics():
        with pytest.raises(InputError) as e:
            construction_heuristic(target, random, k, HeuristicConstructionOptions("greedy", seed=0))
        one_line(e, "k")


def test_other_bad_arguments_name_themselves():
    target, random, k = instance((1, 1), 2, 4, 0)
    for kwargs, name in [({"iterations": 0}, "iterations"), ({"check_every": 0}, "check_every"),
                         ({"lr": 0}, "lr"), ({"momentum": 1}, "momentum"), ({"loss": "l1"}, "loss"),
                         ({"schedule": "step"}, "schedule"), ({"time_limit": -1}, "time_limit"),
                         ({"equality": "guess"}, "equality"), ({"seed": -1}, "seed")]:
        with pytest.raises(InputError) as e:
            edge_popup(target, random, k, EdgePopupOptions(**{"density": 0.5, "seed": 0, **kwargs}))
        one_line(e, name)
    wrong = QuantizedNetwork(random.weights[:1], random.scales[:1])
    with pytest.raises(InputError) as e:
        edge_popup(target, wrong, k, EdgePopupOptions(density=0.5, seed=0))
    one_line(e, "random")
    if subset_sum_heuristics():
        with pytest.raises(InputError) as e:
            construction_heuristic(target, random, k, HeuristicConstructionOptions("simplex", seed=0))
        one_line(e, "heuristic")
        with pytest.raises(InputError) as e:
            construction_heuristic(target, random, k,
                                   HeuristicConstructionOptions("greedy", seed=0, settings={"width": 3}))
        one_line(e, "heuristic")
        with pytest.raises(InputError) as e:
            construction_heuristic(target, random, k, HeuristicConstructionOptions("greedy", seed=0, time_limit=0))
        one_line(e, "time_limit")
