"""solve / cover / count: evidence-graded answers, checked against brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import brute
from tests.test_prefilter import huge_targets, huge_weight_lists, span, weight_lists
from verify.errors import BudgetExceeded, InternalError, MethodDisagreement, WitnessNotReplayed
from verify.prefilter import bitset
from verify.prefilter.mitm import MeetInTheMiddle
from verify.problems import SubsetSum, TargetRange, VectorSubsetSum
from verify.solve.dispatch import count, cover, solve
from verify.solve.grading import SolverOptions
from verify.solve.methods import choose_method
from verify.status import Status
from verify.witness import witness_error

METHODS = ["dp", "mitm"]
options = st.sampled_from([{}, {"objective": "fewest"}]) | st.integers(0, 10).map(lambda k: {"size": k})


def expected_status(table, t, size):
    return Status.SAT_VERIFIED if brute.reachable(table, t, size) else Status.UNSAT_EXHAUSTIVE


def _agrees_with_brute(problem, table, answer, size, fewest: bool) -> None:
    """One answer's status against brute force; a "yes" replays (and is optimal when asked)."""
    assert answer.status == expected_status(table, answer.target, size)
    if answer.status.is_sat:
        assert witness_error(problem, answer.target, answer.witness) is None
        if fewest:
            assert answer.optimal and len(answer.witness) == brute.fewest(table, answer.target)


@given(weight_lists(max_n=10), options, st.sampled_from(METHODS))
def test_solve_and_cover_match_brute_force(weights, opts, method):
    if opts.get("size", 0) > len(weights):
        opts = {"size": len(weights)}
    table = brute.subset_table(weights)
    targets = list(span(weights))
    problem = SubsetSum(weights=weights, targets=TargetRange(targets[0], targets[-1]), **opts)
    size = opts.get("size")
    for report in (solve(problem, method), cover(problem, method)):
        assert [a.target for a in report.answers] == targets
        for a in report.answers:
            _agrees_with_brute(problem, table, a, size, "objective" in opts)
            if not a.status.is_sat:
                assert a.witness is None and a.method in ("range", "gcd", "size-range", "dp-bitset", "mitm")
    rep = cover(problem, method)
    assert rep.extra["unreachable"] == [t for t in targets if not brute.reachable(table, t, size)]
    assert rep.extra["reachable_count"] == len(targets) - len(rep.extra["unreachable"])


@given(weight_lists(max_n=10), st.none() | st.integers(0, 10), st.sampled_from(METHODS))
def test_count_matches_brute_force(weights, size, method):
    if size is not None and size > len(weights):
        size = len(weights)
    table = brute.subset_table(weights)
    targets = list(span(weights))
    problem = SubsetSum(weights=weights, targets=targets, size=size)
    report = count(problem, method)
    assert report.extra["counts"] == [brute.count(table, t, size) for t in targets]
    for a in report.answers:
        assert a.status == expected_status(table, a.target, size)


@given(huge_weight_lists(max_n=8), options, st.sampled_from(["auto", "mitm"]))
@settings(max_examples=30)
def test_weights_beyond_int64_are_decided_exactly(weights, opts, method):
    if opts.get("size", 0) > len(weights):
        opts = {"size": len(weights)}
    size = opts.get("size")
    table = brute.subset_table(weights)
    targets = huge_targets(weights)[:40]
    problem = SubsetSum(weights=weights, targets=targets, **opts)
    report = solve(problem, method)
    for a in report.answers:
        _agrees_with_brute(problem, table, a, size, "objective" in opts)
    if "objective" not in opts:
        assert count(problem, method).extra["counts"] == [brute.count(table, t, size) for t in targets]


def test_vector_weights_packed_beyond_int64_are_decided_exactly():
    vectors = [[2**40, 3, -2**41], [5, 2**42, 7], [-2**40, 1, 2**39], [1, 1, 1], [2**41, -2**42, 0]]
    reach = brute.vector_table(vectors)
    targets = sorted(reach)[::3] + [(1, 4, 8), (2**40 + 1, 1, 1)]
    problem = VectorSubsetSum(weights=vectors, targets=targets)
    for a in solve(problem).answers:
        assert a.status.is_sat == (a.target in reach)
        assert a.status.is_sat or a.status is Status.UNSAT_EXHAUSTIVE
        if a.status.is_sat:
            assert witness_error(problem, a.target, a.witness) is None


@given(st.lists(st.lists(st.integers(-3, 3), min_size=3, max_size=3), min_size=1, max_size=7),
       st.sampled_from(METHODS))
def test_vector_solve_matches_brute_force(vectors, method):
    reach = brute.vector_table(vectors)
    candidates = sorted(reach)[:5] + [(9, 9, 9), (0, 0, 1), (1, -1, 0)]
    problem = VectorSubsetSum(weights=vectors, targets=list(dict.fromkeys(candidates)))
    for report in (solve(problem, method), cover(problem, method)):
        for a in report.answers:
            assert a.status.is_sat == (a.target in reach)
            if a.status.is_sat:
                assert witness_error(problem, a.target, a.witness) is None


def test_refutation_reasons_are_recorded():
    p = SubsetSum(weights=[4, 6, -2], targets=[11, 5, 4])
    by_target = {a.target: a for a in solve(p).answers}
    assert by_target[11].method == "range" and by_target[11].status is Status.UNSAT_EXHAUSTIVE
    assert by_target[5].method == "gcd" and "gcd(weights) = 2" in by_target[5].evidence
    assert by_target[4].status is Status.SAT_VERIFIED
    sized = solve(SubsetSum(weights=[1, 2, 3], targets=[6], size=1)).answers[0]
    assert sized.method == "size-range"


def test_all_zero_weights():
    p = SubsetSum(weights=[0, 0], targets=[0, 1])
    answers = solve(p).answers
    assert answers[0].status.is_sat and answers[1].method == "range"
    assert count(p).extra["counts"] == [4, 0]


def test_overall_status():
    assert solve(SubsetSum(weights=[1, 2], targets=[1, 3])).status is Status.SAT_VERIFIED
    assert solve(SubsetSum(weights=[2, 4], targets=[1, 2])).status is Status.UNSAT_EXHAUSTIVE


def test_tampered_witnesses_are_rejected():
    p = SubsetSum(weights=[3, -5, 7], targets=[2], size=2)
    assert witness_error(p, 2, [1, 2]) is None
    assert "sum to 10" in witness_error(p, 2, [0, 2])
    assert "outside" in witness_error(p, 2, [1, 3])
    assert "repeated" in witness_error(p, 2, [1, 1])
    assert "elements, not 2" in witness_error(p, 2, [0, 1, 2])
    assert "integers" in witness_error(p, 2, [1, True])
    v = VectorSubsetSum(weights=[[1, 0], [0, 1]], targets=[[1, 1]])
    assert witness_error(v, (1, 1), [0, 1]) is None
    assert "sum to (1, 0)" in witness_error(v, (1, 1), [0])


def test_a_bad_witness_from_a_method_is_a_bug_not_a_yes(monkeypatch):
    from verify.prefilter import mitm
    monkeypatch.setattr(mitm.MeetInTheMiddle, "witness", lambda self, t, k=None: (0,))
    with pytest.raises(WitnessNotReplayed, match="the mitm witness for target 2 does not replay"):
        solve(SubsetSum(weights=[3, -5, 7], targets=[2]), "mitm")


def test_a_bad_cover_witness_is_a_bug(monkeypatch):
    real = bitset.ReachableSums.witnesses

    def corrupt(self, targets, sizes=None, budget=None):
        chosen = real(self, targets, sizes, budget)
        chosen[0] = ~chosen[0]
        return chosen

    monkeypatch.setattr(bitset.ReachableSums, "witnesses", corrupt)
    with pytest.raises(WitnessNotReplayed, match="a cover witness does not replay"):
        cover(SubsetSum(weights=[3, -5, 7, 1], targets=TargetRange(-5, 11)), "dp")
    with pytest.raises(WitnessNotReplayed, match="does not replay"):
        solve(SubsetSum(weights=[3, -5, 7, 1], targets=[2]), "dp")


def test_every_replay_raises_the_one_error(monkeypatch):
    """A subset that does not reach its target is the same fault whoever produced it: a table,
    a solver, CP-SAT's many-target search, the tickets' joint models or a suite's builder."""
    from verify.solve import reachability
    from verify.solve.grading import _replayed
    from verify.tickets import SumSpec, _replay
    from verify.witness import replay_subset

    p = SubsetSum(weights=[3, -5, 7], targets=[2])
    with pytest.raises(WitnessNotReplayed, match="the subset sat:x returned for target 2 does not replay"):
        _replayed(p, 2, [0, 2], "sat:x")
    with pytest.raises(WitnessNotReplayed, match=r"the units \[4\] of layer 1 row 0 input 0 branch A"):
        _replay(SumSpec(1, 0, 0, "A", (3, 4), (2, 5), 2), (4,))
    with pytest.raises(WitnessNotReplayed, match="outside"):  # a unit that is not the sum's
        _replay(SumSpec(1, 0, 0, "A", (3, 4), (2, 5), 2), (9,))
    monkeypatch.setattr(reachability, "_harvest", lambda *a: {4: [True, False, True]})
    with pytest.raises(WitnessNotReplayed, match="the CP-SAT witness for target 4"):
        reachability.reachable_targets(p, [2, 4], 10.0, workers=1)
    with pytest.raises(InternalError):  # the one error is a bug, exit code 3, as before
        replay_subset([1], 2, [0], "x")


def test_disagreeing_methods_are_an_error(monkeypatch):
    from verify.prefilter import counting
    monkeypatch.setattr(counting.SolutionCounts, "counts", lambda self, lo, hi: [0] * (hi - lo + 1))
    with pytest.raises(MethodDisagreement, match="counts 0 solutions"):
        count(SubsetSum(weights=[3, -5, 7], targets=[2]), "dp")


def test_auto_prefers_mitm_for_wide_ranges_and_dp_for_many_targets():
    wide = [2**40 + i for i in range(30)]
    assert choose_method(wide, "auto", True, None) == "mitm"  # a size: Schroeppel–Shamir does not apply
    narrow = list(range(1, 40))
    assert choose_method(narrow, "auto", False, None, targets=1000) == "dp"
    report = solve(SubsetSum(weights=wide, targets=[sum(wide[:15])], size=15))
    assert report.method == "mitm" and report.status is Status.SAT_VERIFIED


def test_nothing_fits_the_budget():
    weights = [2**40 + i for i in range(64)]
    with pytest.raises(BudgetExceeded, match="no exact pre-filter method fits the memory budget"):
        choose_method(weights, "auto", False, "1G")


def test_auto_falls_back_to_a_proof_producing_solver(tmp_path):
    weights = [2**40 + 7 * i for i in range(70)]
    problem = SubsetSum(weights=weights, targets=[sum(weights[:3])], size=3)
    answer = solve(problem, budget="1G", options=SolverOptions(time_limit=20)).answers[0]
    assert answer.method.startswith("sat:cadical195/")
    assert answer.status in (Status.SAT_VERIFIED, Status.UNKNOWN)
    if answer.status.is_sat:
        assert witness_error(problem, answer.target, answer.witness) is None


def test_report_json_has_the_documented_fields():
    out = solve(SubsetSum(weights=[3, -5, 7], targets=[2])).to_json()
    for key in ("status", "witness", "method", "instance_sha256", "timings", "versions"):
        assert key in out
    assert out["witness"] == [1, 2] and out["status"] == "sat-verified"
    assert solve(SubsetSum(weights=[3, -5, 7], targets=[2, 3])).to_json()["witness"] is None


@settings(max_examples=25)
@given(weight_lists(max_n=9), options, st.sampled_from(["sat", "cpsat"]), st.data())
def test_solver_methods_match_brute_force(weights, opts, method, data):
    if opts.get("size", 0) > len(weights):
        opts = {"size": len(weights)}
    table = brute.subset_table(weights)
    span_ = list(span(weights, pad=1))
    targets = sorted(set(data.draw(st.lists(st.sampled_from(span_), min_size=1, max_size=4))))
    problem = SubsetSum(weights=weights, targets=targets, **opts)
    size = opts.get("size")
    encoding = data.draw(st.sampled_from(["auto", "dd", "mixedradix", "adder"]))
    report = solve(problem, method, options=SolverOptions(encoding=encoding))
    for a in report.answers:
        assert a.status.is_sat == brute.reachable(table, a.target, size)
        if a.status.is_sat:
            assert witness_error(problem, a.target, a.witness) is None
            if "objective" in opts:
                assert len(a.witness) == brute.fewest(table, a.target)
        else:
            assert a.status in (Status.UNSAT_EXHAUSTIVE, Status.UNSAT_PROOF_CHECKED)


def test_default_sat_falls_back_to_an_encoding_within_the_budget():
    # the path of the user's report (n = 20 at 30 bits, below), here at n = 17 and 10 bits with a
    # budget too small for the diagram's tables
    weights = np.random.default_rng(0).integers(-2**10, 2**10 + 1, 17).tolist()
    target = 2473  # unreachable (asserted by meet in the middle below)
    assert MeetInTheMiddle(weights).witness(target) is None
    problem = SubsetSum(weights=weights, targets=[target])
    small = solve(problem, "sat", budget="256K").answers[0]  # the tables need 0.5M, adder less
    assert small.status is Status.UNSAT_PROOF_CHECKED and small.extra["encoding"] == "adder"
    roomy = solve(problem, "sat").answers[0]
    assert roomy.status is Status.UNSAT_PROOF_CHECKED and roomy.method == "dd-proof"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_default_sat_proves_no_where_the_diagram_does_not_fit(kind):
    """The hardening issue's report: n = 20, weights uniform in ±2^30 (seed 5), an unreachable
    target; the diagram's tables would need about 30 GiB, and ``auto`` used to give up."""
    rng = np.random.default_rng(5)
    if kind == "scalar":
        weights = rng.integers(-2**30, 2**30, size=20, endpoint=True).tolist()
        problem = SubsetSum(weights=weights, targets=[sum(weights) // 2])
    else:
        weights = rng.integers(-2**8, 2**8, size=(20, 3), endpoint=True).tolist()
        problem = VectorSubsetSum(weights=weights, targets=[[sum(w[j] for w in weights) // 2 + 1 for j in range(3)]])
    assert solve(problem, "mitm").answers[0].status is Status.UNSAT_EXHAUSTIVE
    answer = solve(problem, "sat").answers[0]
    assert answer.status is Status.UNSAT_PROOF_CHECKED and answer.extra["encoding"] != "dd"


def test_sat_refutations_carry_checked_proofs(tmp_path):
    # A size constraint the diagram alone cannot refute: the solver must, with a proof.
    problem = SubsetSum(weights=[3, 4, 5, 8, 9, 13], targets=[14], size=3)
    answer = solve(problem, "sat", options=SolverOptions(proof_dir=str(tmp_path))).answers[0]
    assert answer.status is Status.UNSAT_PROOF_CHECKED
    assert answer.extra["proof_lines"] > 0 and all(answer.extra["checker"].values())
    from verify.solve.proofs import check_drup_files
    assert check_drup_files(answer.extra["cnf"], answer.extra["proof"]).ok


def test_fewest_with_sat_certifies_optimality():
    problem = SubsetSum(weights=[5, 3, 2, 7, 1, 4], targets=[12], objective="fewest")
    answer = solve(problem, "sat").answers[0]
    assert answer.status.is_sat and len(answer.witness) == 2 and answer.optimal
    assert answer.extra["optimality"] == "unsat-proof-checked"


def test_cpsat_infeasible_is_only_claimed_without_backing():
    problem = SubsetSum(weights=[2**40 + i for i in range(64)], targets=[1])
    answer = solve(problem, "cpsat", budget="1M").answers[0]  # no exact table fits 1 MiB
    assert answer.status is Status.UNSAT_CLAIMED and "no proof" in answer.evidence
    backed = solve(SubsetSum(weights=[2, 4, 7], targets=[5]), "cpsat").answers[0]
    assert backed.status is Status.UNSAT_EXHAUSTIVE and "CP-SAT said INFEASIBLE" in backed.evidence


def test_time_limit_gives_unknown_and_leaves_no_solver_running():
    import multiprocessing
    import time as clock

    from verify.generators import SubsetSumOptions, subset_sum_instance
    p = subset_sum_instance(44, SubsetSumOptions(bits=40, zero=False, target="middle"), seed=3)
    start = clock.monotonic()
    answer = solve(p, "sat", options=SolverOptions(encoding="mixedradix", time_limit=1.0)).answers[0]
    assert clock.monotonic() - start < 10
    assert not multiprocessing.active_children()
    if answer.status is Status.UNKNOWN:
        assert "time limit" in answer.evidence
    else:  # solved within the second after all: then it must agree with meet-in-the-middle
        assert answer.status.is_sat == solve(p, "mitm").answers[0].status.is_sat


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-40, 40), min_size=1, max_size=10), st.integers(-120, 120))
def test_primal_ckk_first_never_changes_an_answer(weights, target):
    """With the primal step forced on (any cost), auto agrees with brute force: a ckk "yes" is a
    replayed witness, and a ckk miss falls back to the exhaustive method."""
    import verify.solve.dispatch as dispatch

    old = dispatch.PRIMAL_MIN_OPS
    dispatch.PRIMAL_MIN_OPS = 0
    try:
        a = solve(SubsetSum(weights=weights, targets=[target])).answers[0]
    finally:
        dispatch.PRIMAL_MIN_OPS = old
    want = brute.reachable(brute.subset_table(weights), target)
    assert a.status.is_sat == want and a.status.is_certified
    if a.status.is_sat:
        assert witness_error(SubsetSum(weights=weights, targets=[target]), target, a.witness) is None


def test_primal_ckk_answers_expensive_easy_instances():
    from verify.generators import SubsetSumOptions, subset_sum_instance

    planted = SubsetSumOptions(kappa="0.5", zero=False, target="planted")
    methods = {solve(subset_sum_instance(32, planted, seed=s)).answers[0].method
               for s in range(12)}
    assert "ckk" in methods  # the table would cost ~2 ms; many solutions: CKK hits within its budget
