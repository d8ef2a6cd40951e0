"""The ticket pipeline (verify.ticket_pipeline) and what it stands on: the layouts, the typed
results, the named exit codes. Every ticket it reports is re-proved here by the library's
independent pieces (the construction itself, the certificate checker's witness replay, exact
evaluation on the grid), and every refusal is one line naming the culprit."""

from __future__ import annotations

import numpy as np
import pytest

from verify.certificates import Family, replay_witnesses
from verify.certify import CertifyOptions, CertifySummary, certify
from verify.constructions import ConstructionOptions, construct_theorem1, construct_theorem2
from verify.equality import Verdict, decide_equality, ticket_network
from verify.errors import BudgetExceeded, InputError, InternalError
from verify.exit_codes import ExitCode
from verify.generation import RandomNetworkRequest, generate_random
from verify.generators import target_network, theorem1_random_network, theorem2_random_network
from verify.layouts import Layout, construction_theorem, layout_of, theorem1_units
from verify.networks import QuantizedNetwork, Rounding, input_grid, same_outputs, save_network
from verify.numbers import RoundingMode
from verify.ticket_pipeline import EqualityOptions, Find, TicketRequest, TicketSize, prove, run


def pair(theorem=1, seed=1, units=24):
    target = target_network([2, 2, 1], 2, seed=seed, rounding=Rounding("double", 2))
    if theorem == 1:
        return target, theorem1_random_network(target, units, 1, seed=seed + 100)
    return target, theorem2_random_network(target, 2 * units, units, 2, seed=seed + 100)


def equal_on_grid(target, random, mask, k, bits=2) -> bool:
    x = input_grid(target.widths[0], bits)
    return bool(same_outputs(target.forward(x, bits), ticket_network(target, random, mask, k).forward(x, bits)).all())


def witnesses(search):
    return [{"layer": s.layer, "row": s.output, "input": s.input, "branch": s.branch, "target": s.target,
             "units": sorted(search.chosen[n])} for n, s in enumerate(search.sums)]


def first_ticket(theorem, find=Find.CONSTRUCTION):
    for seed in range(1, 40):
        target, random = pair(theorem, seed)
        outcome = run(target, random, TicketRequest(find))
        if outcome.proved:
            return target, random, outcome
    raise AssertionError("no ticket in 39 draws")


@pytest.mark.parametrize("theorem", [1, 2])
def test_the_construction_is_the_constructions_mask_proved_equal(theorem):
    target, random, outcome = first_ticket(theorem)
    k = min(random.scales)
    build = construct_theorem1 if theorem == 1 else construct_theorem2
    built = build(target, random, k)
    assert outcome.theorem == theorem and outcome.find is Find.CONSTRUCTION and outcome.k == k
    assert outcome.layout is (Layout.THEOREM1 if theorem == 1 else Layout.THEOREM2)
    assert all(np.array_equal(a, b) for a, b in zip(outcome.mask, built.mask))
    assert outcome.equality.verdict is Verdict.EQUAL and outcome.equality.method == "collapse"
    assert equal_on_grid(target, random, outcome.mask, k)
    size = outcome.size(target)
    assert (size.kept, size.total) == (sum(int(m.sum()) for m in built.mask), random.num_weights)
    assert size.density == size.kept / size.total and size.overparameterization == size.total / target.num_weights


def test_a_failed_construction_has_no_mask_and_no_proof():
    target, random = pair(1, seed=3, units=1)
    outcome = run(target, random)
    assert not outcome.construction.ok and outcome.mask is None and outcome.equality is None and not outcome.proved


@pytest.mark.parametrize("find", [Find.ANY, Find.SPARSEST, Find.MIN_WIDTH])
def test_a_searched_mask_is_what_its_witnesses_replay_to(find):
    target, random, outcome = first_ticket(1, find)
    search = outcome.search
    assert outcome.construction is None and search.found and outcome.equality.verdict is Verdict.EQUAL
    family = Family(target, random, outcome.k, RoundingMode.NEAREST_EVEN, "theorem1", search.width)
    replayed = replay_witnesses(witnesses(search), family)
    assert all(np.array_equal(a, b) for a, b in zip(outcome.mask, replayed))
    assert equal_on_grid(target, random, outcome.mask, outcome.k)


def test_a_given_mask_is_proved_as_given_and_a_wrong_one_differs_on_a_replayed_input():
    target, random, found = first_ticket(1)
    k = found.k
    outcome = run(target, random, TicketRequest(mask=found.mask))
    assert outcome.find is None and outcome.construction is None and outcome.search is None and outcome.proved
    for row, col in np.argwhere(found.mask[1]):
        smaller = [m.copy() for m in found.mask]
        smaller[1][row, col] = False
        eq = run(target, random, TicketRequest(mask=tuple(smaller), equality="exhaustive")).equality
        if eq.verdict is Verdict.DIFFER:
            x = np.array([eq.counterexample])
            pruned = ticket_network(target, random, smaller, k)
            assert not same_outputs(target.forward(x, eq.input_bits), pruned.forward(x, eq.input_bits)).all()
            return
        assert eq.verdict is Verdict.EQUAL and equal_on_grid(target, random, smaller, k)
    raise AssertionError("no kept weight whose removal changes the outputs")


def test_prove_is_decide_equality_on_the_ticket_network():
    target, random, found = first_ticket(1)
    k = found.k
    for method in ("collapse", "exhaustive"):
        got = prove(target, random, found.mask, k, options=EqualityOptions(method, input_bits=1))
        want = decide_equality(target, ticket_network(target, random, found.mask, k), 1, method)
        assert got == want and got.to_json() == {"method": method, "verdict": "equal", "domain": want.domain,
                                                  "input_bits": want.input_bits}


def test_layouts_by_depth_and_the_one_theorem1_check():
    target, random = pair(1)
    _, random2 = pair(2)
    assert layout_of(target, random) is Layout.THEOREM1 and construction_theorem(target, random) == 1
    assert layout_of(target, random2) is Layout.THEOREM2 and construction_theorem(target, random2) == 2
    assert layout_of(target, target) is Layout.SAME_DEPTH
    assert theorem1_units(target, random) == 24
    with pytest.raises(InputError, match=r"construction needs depth 2ℓ = 4 \(Theorem 1\) or ℓ\+1 = 3"):
        construction_theorem(target, target)
    deep = QuantizedNetwork(list(random.weights) + [np.ones((1, 1), dtype=np.int64)] * 2, list(random.scales) + [1, 1])
    with pytest.raises(InputError, match="depth 6 is not 2ℓ, ℓ\\+1 or ℓ"):
        layout_of(target, deep)
    searched = TicketRequest("any")
    for check in (theorem1_units, lambda t, r: construct_theorem1(t, r, 1), lambda t, r: run(t, r, searched)):
        with pytest.raises(InputError, match=r"^random network: Theorem 1's layout needs depth 2ℓ = 4 \(twice"):
            check(target, random2)
    w = random.weights
    skewed = QuantizedNetwork([w[0], w[1], w[2][:20], w[3][:, :20]], random.scales)  # 10 units per input in pair 2
    with pytest.raises(InputError, match=r"^random network shapes: expected .* \(Theorem 1 with 24 units per input\)"):
        theorem1_units(target, skewed)


def test_an_unexpected_miter_outcome_is_a_bug_not_unknown(monkeypatch):
    import verify.miter as miter

    class Odd:
        outcome, detail, input = "maybe", "?", None

    monkeypatch.setattr(miter, "find_difference", lambda *a, **k: Odd())
    target, random, found = first_ticket(1)
    with pytest.raises(InternalError, match="unexpected outcome 'maybe'"):
        decide_equality(target, ticket_network(target, random, found.mask, found.k), 1, "miter")


def test_certify_summary_fields_by_outcome(tmp_path):
    target, random = pair(1, seed=3, units=1)  # too few units: the construction fails, "any" refutes
    save_network(target, tmp_path / "t.npz")
    save_network(random, tmp_path / "r.npz")
    failed = certify(tmp_path / "t.npz", tmp_path / "r.npz", tmp_path / "c.json")
    assert not failed.ok and failed.summary.failures and set(failed.summary.to_json()) == {
        "search", "layout", "delta_bits", "failures"}
    assert set(failed.summary.to_json()["failures"][0]) == {"layer", "row", "input", "branch", "status", "evidence"}
    refuted = certify(tmp_path / "t.npz", tmp_path / "r.npz", tmp_path / "n.json", CertifyOptions("any"))
    assert refuted.ok and not refuted.ticket and refuted.summary.size is None and not refuted.summary.compared
    assert set(refuted.summary.to_json()) == {"search", "layout", "delta_bits", "width", "theorem1_width",
                                              "theorem3_bound", "claim"}
    info = refuted.certificate["info"]
    assert {k: v for k, v in info.items() if k not in ("seconds", "versions")} == {
        k: v for k, v in refuted.summary.to_json().items() if k != "claim"}
    stopped = CertifySummary("any", "theorem1", 1, stopped="a limit")
    assert stopped.to_json() == {"search": "any", "layout": "theorem1", "delta_bits": 1, "unknown": "a limit"}
    compared = CertifySummary("sparsest", "theorem1", 1, compared=True)
    assert compared.to_json()["construction_kept"] is None  # the construction fails: said, not left out
    with pytest.raises(InputError, match="--mask and --find exclude each other"):
        CertifyOptions("any", mask_path="m.npz")


def test_ticket_size_is_kept_over_total():
    size = TicketSize(3, 12, 2)
    assert (size.density, size.overparameterization) == (0.25, 6.0)


def test_exit_codes_keep_their_values():
    from verify.errors import EXIT_INTERNAL, EXIT_USAGE
    from verify.interrupts import EXIT_INTERRUPTED

    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 130]
    assert (ExitCode.USAGE, ExitCode.INTERNAL, ExitCode.INTERRUPTED) == (EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED)


def test_random_networks_get_the_papers_defaults_and_the_budget_is_checked_before_drawing():
    target = target_network([2, 2, 1], 3, seed=1)
    one = generate_random(target, RandomNetworkRequest(1, c=4, seed=5))
    assert (one.bits, one.units_per_input, one.copies) == (2, 8, None)  # ceil(3 / 2); C·log2(1/δ)
    assert one.network.sha256 == theorem1_random_network(target, 8, 2, seed=5).sha256
    two = generate_random(target, RandomNetworkRequest(2, c=4, seed=5))
    assert (two.bits, two.units_per_input, two.copies) == (3, 12, 3)
    assert two.network.sha256 == theorem2_random_network(target, 12, 3, 3, seed=5).sha256
    with pytest.raises(BudgetExceeded, match="generate random: .* weights on the grid 2\\^-2 needs"):
        generate_random(target, RandomNetworkRequest(1, units_per_input=10**9, budget="1M"))


def test_construction_options_reach_theorem2():
    target, random = pair(2)
    a = construct_theorem2(target, random, 2)
    b = construct_theorem2(target, random, 2, ConstructionOptions(units=48, copies=24))
    assert [c.units for c in a.choices] == [c.units for c in b.choices]
