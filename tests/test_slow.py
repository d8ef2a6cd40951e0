"""Long differential runs, excluded by default: ``pytest -m slow``."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import brute
from tests.test_prefilter import span, weight_lists
from verify.generators import SubsetSumOptions, subset_sum_instance
from verify.prefilter.counting import SolutionCounts
from verify.prefilter.mitm import MeetInTheMiddle
from verify.problems import SubsetSum, TargetRange
from verify.solve.dispatch import cover, solve
from verify.witness import witness_error

pytestmark = pytest.mark.slow


@settings(max_examples=400, deadline=None)
@given(weight_lists(max_n=14), st.sampled_from(["dp", "mitm"]))
def test_cover_matches_brute_force_at_n_14(weights, method):
    table = brute.subset_table(weights)
    targets = list(span(weights))
    problem = SubsetSum(weights=weights, targets=TargetRange(targets[0], targets[-1]))
    report = cover(problem, method)
    assert report.extra["unreachable"] == [t for t in targets if not brute.reachable(table, t)]
    for a in report.answers:
        if a.status.is_sat:
            assert witness_error(problem, a.target, a.witness) is None


@pytest.mark.parametrize("n, bits, seed", [(34, 10, 1), (36, 12, 2), (38, 14, 3), (40, 16, 4)])
def test_dp_and_mitm_agree_near_the_bitset_limit(n, bits, seed):
    p = subset_sum_instance(n, SubsetSumOptions(bits=bits), seed=seed)
    rng = np.random.default_rng(seed)
    M = 1 << bits
    targets = sorted(set(rng.integers(-n * M // 4, n * M // 4, 40).tolist()) | {p.targets[0]})
    problem = SubsetSum(weights=p.weights, targets=targets)
    dp, mitm = solve(problem, "dp"), solve(problem, "mitm")
    assert [a.status for a in dp.answers] == [a.status for a in mitm.answers]
    counts, meet = SolutionCounts(p.weights), MeetInTheMiddle(p.weights)
    for t in targets[:8]:
        assert counts.count(t) == meet.count(t)
    sized = SolutionCounts(p.weights, size=n // 3)
    for t in targets[:4]:
        assert sized.count(t) == meet.count(t, n // 3)


@settings(max_examples=2000, deadline=None)
@given(weight_lists(max_n=8), st.data())
def test_thousands_of_instances_every_method_agrees(weights, data):
    """Brute force, pre-filter (dp, mitm), CP-SAT and SAT (two solvers, several encodings),
    with sizes and the fewest objective: every answer the same, every witness replayed."""
    from verify.solve.grading import SolverOptions
    from verify.solve.dispatch import solve
    from verify.status import Status

    table = brute.subset_table(weights)
    lo, hi = min(table), max(table)
    targets = sorted(set(data.draw(st.lists(st.integers(lo - 1, hi + 1), min_size=1, max_size=3))))
    opts = data.draw(st.sampled_from([{}, {"objective": "fewest"}])
                     | st.integers(0, len(weights)).map(lambda k: {"size": k}))
    problem = SubsetSum(weights=weights, targets=targets, **opts)
    size = opts.get("size")
    runs = [("dp", None), ("mitm", None), ("cpsat", None)]
    runs += [("sat", SolverOptions(solver=s, encoding=data.draw(st.sampled_from(
        ["auto", "dd", "bdd", "seqcounter", "sortnetwrk", "adder", "binmerge", "totalizer",
         "mixedradix", "watchdog"])))) for s in ("cadical195", "glucose4")]
    for method, options in runs:
        for a in solve(problem, method, options=options).answers:
            reachable = bool(table.get(a.target, {})) if size is None \
                else table.get(a.target, {}).get(size, 0) > 0
            assert a.status.is_sat == reachable, (method, options, a)
            if a.status.is_sat:
                assert witness_error(problem, a.target, a.witness) is None
                if "objective" in opts and method != "cpsat":
                    assert len(a.witness) == min(table[a.target])
            else:
                assert a.status in (Status.UNSAT_EXHAUSTIVE, Status.UNSAT_PROOF_CHECKED), (method, a)
