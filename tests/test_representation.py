"""The representation search: every witness it returns is a solution (checked against brute
force and meet in the middle), planted solutions are found with a fixed seed on small n, a miss
is never a "no", ``auto`` never picks it, and its errors are one-line input errors."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.brute import reachable, subset_table
from verify.cli import main
from verify.errors import InputError, WitnessNotReplayed
from verify.generators import SubsetSumOptions, subset_sum_instance, wide_uniform_weights
from verify.prefilter.mitm import MeetInTheMiddle
from verify.prefilter.representation import RepresentationOptions, plan, representation_search
from verify.problems import SubsetSum, save_problem
from verify.seeding import as_generator
from verify.solve import dispatch
from verify.solve.dispatch import solve
from verify.solve.grading import SolverOptions
from verify.solve.methods import PREFILTER_METHODS, SEARCH_ONLY_METHODS, choose_method
from verify.status import Status


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-40, 40), min_size=1, max_size=11), st.integers(-120, 120),
       st.sampled_from([None, "half"]), st.integers(0, 2**31))
def test_a_found_subset_is_a_solution_and_a_miss_only_where_brute_force_may_miss(weights, target, size, seed):
    k = len(weights) // 2 if size == "half" else None
    table = subset_table(weights)
    r = representation_search(weights, target, k, RepresentationOptions(seed=seed, max_attempts=30))
    if r.witness is not None:
        assert sum(weights[i] for i in r.witness) == target
        assert len(set(r.witness)) == len(r.witness) and all(0 <= i < len(weights) for i in r.witness)
        assert k is None or len(r.witness) == k
    else:
        assert r.reason and r.attempts == 30
    if not reachable(table, target, k):
        assert r.witness is None  # nothing can be found where brute force finds nothing


@pytest.mark.parametrize("n", [16, 20, 24])
@pytest.mark.parametrize("size", [None, "half"])
def test_planted_solutions_are_found_with_a_fixed_seed(n, size):
    for seed in range(3):
        k = n // 2 if size == "half" else None
        p = subset_sum_instance(n, SubsetSumOptions(bits=n, zero=False, target="planted", size=k), seed=seed)
        t = p.target_list()[0]
        r = representation_search(p.weights, t, k, RepresentationOptions(seed=seed, max_attempts=400))
        assert r.witness is not None, (n, size, seed, r.reason)
        assert sum(p.weights[i] for i in r.witness) == t
        # meet in the middle agrees that the target is reachable (with that size)
        assert MeetInTheMiddle(p.weights).witness(t, k) is not None


def test_the_same_seed_gives_the_same_search():
    p = subset_sum_instance(20, SubsetSumOptions(bits=20, zero=False), seed=5)
    runs = [representation_search(p.weights, p.target_list()[0], None, RepresentationOptions(seed=9, max_attempts=400))
            for _ in range(2)]
    assert runs[0].witness is not None
    assert (runs[0].witness, runs[0].attempts) == (runs[1].witness, runs[1].attempts)


def test_weights_beyond_int64_are_exact():
    rng = as_generator(3)
    weights = wide_uniform_weights(rng, 20, 2**70, zero=False)
    chosen = [0, 2, 3, 7, 8, 11, 13, 14, 17, 19]
    t = sum(weights[i] for i in chosen)
    r = representation_search(weights, t, None, RepresentationOptions(seed=1, max_attempts=400))
    assert r.witness is not None and sum(weights[i] for i in r.witness) == t
    # a target that agrees with it modulo 2^64 only is never "found"
    miss = representation_search(weights, t + 2**64, None, RepresentationOptions(seed=1, max_attempts=20))
    assert miss.witness is None


def test_a_candidate_that_does_not_sum_is_dropped(monkeypatch):
    from verify.prefilter import representation

    monkeypatch.setattr(representation._Attempt, "run", lambda self, deadline, inner: (0,))
    r = representation_search([3, 5, 9, 11], 14, None, RepresentationOptions(max_attempts=5))
    assert r.witness is None and r.attempts == 5


def test_plan_keeps_the_moduli_nested_and_the_lists_within_the_cap():
    for n, p in ((64, (16, 16)), (80, (20, 20)), (20, (3, 6))):
        pl = plan(n, p, 1.0, 1.0, 1 << 20)
        assert pl.m1 % pl.m2 == 0 and pl.m2 >= 1
        assert tuple(map(sum, zip(pl.e1, pl.e2))) == p
        assert tuple(map(sum, zip(*pl.quarters))) == p


def test_solve_with_representation_never_says_no():
    weights = [6, 10, 14, 22, 26, 34, 38, 46]  # all even: every odd target is out by gcd
    table = subset_table(weights)
    quick = SolverOptions(time_limit=0.2)  # a miss runs to the limit
    for t in range(0, 200, 6):
        a = solve(SubsetSum(weights=weights, targets=[t]), "representation", options=quick).answers[0]
        if reachable(table, t):
            assert a.status in (Status.SAT_VERIFIED, Status.UNKNOWN)
        elif a.method == "representation":  # not refuted by the exact conditions (range, gcd) first
            assert a.status is Status.UNKNOWN and "not evidence" in a.evidence
        else:
            assert a.method in ("range", "gcd") and a.status is Status.UNSAT_EXHAUSTIVE
    odd = solve(SubsetSum(weights=weights, targets=[7]), "representation", options=quick).answers[0]
    assert odd.status is Status.UNSAT_EXHAUSTIVE and odd.method == "gcd"  # the exact conditions, not the search


def test_auto_never_picks_the_search():
    assert "representation" in SEARCH_ONLY_METHODS and "representation" not in PREFILTER_METHODS
    p = subset_sum_instance(30, SubsetSumOptions(bits=30, zero=False), seed=1)
    assert choose_method(p.weights, "auto", False, None) != "representation"
    assert solve(p).method != "representation"


def test_a_search_witness_that_does_not_replay_is_a_bug(monkeypatch):
    from verify.prefilter.representation import RepresentationResult

    monkeypatch.setattr(dispatch, "representation_search", lambda *a, **k: RepresentationResult((0,), 1, 0.0))
    with pytest.raises(WitnessNotReplayed):
        solve(SubsetSum(weights=[3, 5, 9], targets=[14]), "representation")


@pytest.mark.parametrize("options, message", [
    (RepresentationOptions(), "time limit or a number of attempts"),
    (RepresentationOptions(max_attempts=0), "max_attempts"),
    (RepresentationOptions(max_attempts=1, c1=0), "c1"),
    (RepresentationOptions(max_attempts=1, inner=0), "inner"),
])
def test_bad_options_are_input_errors(options, message):
    with pytest.raises(InputError, match=message):
        representation_search([1, 2, 3], 3, None, options)


def test_cli_representation_and_its_errors(tmp_path, capsys):
    p = subset_sum_instance(24, SubsetSumOptions(bits=24, zero=False), seed=2)
    path = tmp_path / "p.json"
    save_problem(p, path)
    assert main(["solve", str(path), "--method", "representation", "--time-limit", "30"]) == 0
    assert "sat-verified" in capsys.readouterr().out
    fewest = tmp_path / "f.json"
    save_problem(SubsetSum(weights=[1, 2, 3], targets=[3], objective="fewest"), fewest)
    assert main(["solve", str(fewest), "--method", "representation"]) == 2
    err = capsys.readouterr().err
    assert "fewest" in err and len(err.strip().splitlines()) == 1
    assert main(["solve", str(path), "--method", "representation", "--time-limit", "-1"]) == 2
    with pytest.raises(SystemExit) as stop:  # count has no search: argparse refuses the choice
        main(["count", str(path), "--method", "representation"])
    assert stop.value.code == 2
