"""Schroeppel–Shamir: exhaustive decisions checked against brute force and meet in the middle,
witnesses replayed, its refusals, its memory budget, and when ``auto`` picks it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import brute
from tests.test_prefilter import span, weight_lists
from verify.errors import BudgetExceeded, InputError, WitnessNotReplayed
from verify.prefilter import schroeppel_shamir as ssm
from verify.prefilter.mitm import MeetInTheMiddle
from verify.prefilter.schroeppel_shamir import SchroeppelShamir, quarter_bounds
from verify.cli import main
from verify.problems import SubsetSum, VectorSubsetSum, save_problem
from verify.solve.dispatch import count, cover, solve
from verify.solve.methods import SS, choose_method, mitm_cost, ss_cost
from verify.status import Status
from verify.witness import subset_error

caps = st.sampled_from([None, 1, 2, 3, 16])  # tiny caps split batches and join slice by slice


def _check(weights, lists, target, reachable):
    w = lists.witness(target)
    assert (w is not None) == reachable, (weights, target)
    if w is not None:
        assert subset_error(weights, target, w) is None
        assert list(w) == sorted(w)


@given(weight_lists(max_n=11), caps)
def test_matches_brute_force_on_sums_their_neighbours_and_outside(weights, cap):
    table = brute.subset_table(weights)
    lists = SchroeppelShamir(weights, pair_cap=cap)
    sums = sorted(table)[::max(1, len(table) // 25)]
    every = span(weights, pad=3)  # targets outside the range too
    for t in sorted({t + d for t in sums for d in (-1, 0, 1)} | {every[0], every[-1]}):
        _check(weights, lists, t, brute.reachable(table, t))


@given(st.lists(st.integers(-(2**55), 2**55), min_size=1, max_size=14), st.data(), caps)
@settings(max_examples=30)
def test_matches_meet_in_the_middle_at_56_bits(weights, data, cap):
    """Wide signed weights: planted targets, their neighbours and random values."""
    mitm = MeetInTheMiddle(weights)
    lists = SchroeppelShamir(weights, pair_cap=cap)
    chosen = data.draw(st.lists(st.booleans(), min_size=len(weights), max_size=len(weights)))
    planted = sum(a for a, c in zip(weights, chosen) if c)
    targets = [planted, planted + 1, planted - 1, data.draw(st.integers(-(2**59), 2**59))]
    for t in targets:
        _check(weights, lists, t, mitm.witness(t) is not None)


@pytest.mark.parametrize("weights", [[], [0], [0, 0, 0], [5], [-4, 9], [3, -5, 7]])
def test_fewer_than_four_weights_and_zeros(weights):
    table = brute.subset_table(weights)
    lists = SchroeppelShamir(weights)
    for t in span(weights, pad=2):
        _check(weights, lists, t, brute.reachable(table, t))


@given(st.integers(0, 4), st.integers(1, 6), st.integers(0, 30), st.booleans())
def test_skewed_residues_still_exact(low_bits, n_small, shift, power_of_two):
    """Weights that all share their low bits put every pair sum in a few classes mod 2^m: with
    the modulus forced to 2^m a class over the batch cap is joined slice against slice; else an
    odd modulus spreads them. Nothing is missed either way."""
    weights = [(k + 1) << shift for k in range(10 - n_small)] + [low_bits] * n_small
    table = brute.subset_table(weights)
    with pytest.MonkeyPatch.context() as mp:
        if power_of_two:
            mp.setattr(ssm, "MODULI", (0,))
        lists = SchroeppelShamir(weights, pair_cap=4)
    for t in sorted(table)[::7] + [max(table) + 1, -1]:
        _check(weights, lists, t, brute.reachable(table, t))


def test_crowded_classes_get_an_odd_modulus():
    weights = [(3 * k + 1) << 12 for k in range(15)] + [1]
    lists = SchroeppelShamir(weights)
    assert lists.m % 2 == 1 and abs(lists.m - (1 << 4)) <= 9
    spread = np.random.default_rng(7).integers(-(2**40), 2**40, 16).tolist()
    assert SchroeppelShamir(spread).m == 1 << 4  # random weights: 2^m kept
    target = sum(weights[:7])
    assert subset_error(weights, target, lists.witness(target)) is None
    table = brute.subset_table(weights)
    for t in (target + 1, target + 2, target + 4096):
        _check(weights, lists, t, brute.reachable(table, t))


def test_quarters_cover_every_index_once():
    for n in range(0, 23):
        bounds = quarter_bounds(n)
        assert [i for a, b in bounds for i in range(a, b)] == list(range(n))
        sizes = [b - a for a, b in bounds]
        assert max(sizes) - min(sizes) <= 1


def test_weights_beyond_int64_are_refused():
    with pytest.raises(InputError, match="too large for exact int64 sums"):
        SchroeppelShamir([2**61, 2**61, 5])
    SchroeppelShamir([2**61 - 1, 2**60])  # just below 2^62 in total: accepted


def test_memory_budget_refusal_and_smaller_batches():
    with pytest.raises(BudgetExceeded, match="Schroeppel–Shamir over 40 weights.*over the memory budget"):
        SchroeppelShamir(list(range(1, 41)), budget="64K")
    tight = ssm.memory_needed(40, 1 << 14)
    lists = SchroeppelShamir(list(range(1, 41)), budget=tight)
    assert lists.pair_cap < ssm.PAIR_CAP and ssm.memory_needed(40, lists.pair_cap) <= tight
    assert lists.witness(100) is not None and lists.witness(10**6) is None


@given(weight_lists(max_n=9))
@settings(max_examples=30)
def test_solve_and_cover_by_the_method_match_brute_force(weights):
    table = brute.subset_table(weights)
    targets = list(span(weights, pad=1))
    problem = SubsetSum(weights=weights, targets=targets)
    for report in (solve(problem, SS), cover(problem, SS)):
        for a in report.answers:
            assert a.status is (Status.SAT_VERIFIED if brute.reachable(table, a.target)
                                else Status.UNSAT_EXHAUSTIVE)
            if a.status.is_sat:
                assert a.method == SS and subset_error(weights, a.target, a.witness) is None


def test_evidence_names_the_method():
    weights = [2**40 + 3 * i for i in range(13)]
    answer = solve(SubsetSum(weights=weights, targets=[2**40 + 1]), SS).answers[0]
    assert answer.status is Status.UNSAT_EXHAUSTIVE and answer.method == SS
    assert "quarters 4 + 3 + 3 + 3" in answer.evidence and "2^13 subsets" in answer.evidence


def test_a_wrong_witness_is_a_bug_not_a_yes(monkeypatch):
    monkeypatch.setattr(SchroeppelShamir, "witness", lambda self, t: (0,))
    with pytest.raises(WitnessNotReplayed, match="schroeppel-shamir witness"):
        solve(SubsetSum(weights=[3, 5, 9], targets=[14]), SS)


def test_sizes_fewest_and_counts_are_refused():
    with pytest.raises(InputError, match="without a subset size or the fewest objective"):
        solve(SubsetSum(weights=[1, 2, 3], targets=[3], size=2), SS)
    with pytest.raises(InputError, match="without a subset size or the fewest objective"):
        solve(SubsetSum(weights=[1, 2, 3], targets=[3], objective="fewest"), SS)
    with pytest.raises(InputError, match="count supports auto, dp, mitm"):
        count(SubsetSum(weights=[1, 2, 3], targets=[3]), SS)


def test_auto_picks_it_when_meet_in_the_middle_does_not_fit():
    weights = [2**40 + 7 * i for i in range(44)]
    # meet in the middle needs hundreds of MiB here, the bitset far more
    assert choose_method(weights, "auto", False, "64M") == SS
    assert ss_cost(weights)[1] <= 2**26 < mitm_cost(weights)[1]
    with pytest.raises(BudgetExceeded, match="schroeppel-shamir not applicable"):
        choose_method(weights, "auto", True, "64M")  # with a size it does not apply
    with pytest.raises(BudgetExceeded):
        choose_method(weights, "auto", False, "64M", exclude=(SS,))  # count's choice


def test_auto_keeps_the_bitset_for_narrow_weights_and_many_targets():
    assert choose_method(list(range(1, 41)), "auto", False, None, targets=100) == "dp"
    assert choose_method([1, 2, 3], "auto", False, None) == "dp"


def test_auto_counts_without_it():
    weights = [2**40 + 7 * i for i in range(20)]
    report = count(SubsetSum(weights=weights, targets=[sum(weights[:10])]))
    assert report.extra["counts"] == [1] and report.extra["count_method"] != SS


def test_cli_accepts_the_method_and_refuses_counting_with_it(tmp_path, capsys):
    inst = tmp_path / "inst.json"
    save_problem(SubsetSum(weights=[2**40 + 3 * i for i in range(13)], targets=[2**40 + 1]), inst)
    assert main(["solve", str(inst), "--method", SS]) == 0
    out = capsys.readouterr().out
    assert "unsat-exhaustive" in out and f"[{SS}]" in out
    with pytest.raises(SystemExit) as stop:
        main(["count", str(inst), "--method", SS])
    assert stop.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_vector_instances_are_refused_with_the_methods_that_take_them():
    problem = VectorSubsetSum(weights=[[1, 2], [3, 4], [5, 6]], targets=[[4, 6]])
    with pytest.raises(InputError, match="one-dimensional.*auto, dp, mitm"):
        solve(problem, method=SS)
    with pytest.raises(InputError, match="one-dimensional.*auto, dp, mitm"):
        solve(problem, method="representation")  # the other one-dimensional method, likewise
