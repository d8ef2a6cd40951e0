"""CP-SAT models and backend: every "sat" replays exactly, every "unsat" is truly infeasible
(brute-force enumeration), statuses are mapped explicitly, and big integers are refused."""

import random
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from tests import brute
from tests.test_prefilter import span, weight_lists
from verify.solve import cpsat as backend
from verify.solve.cpsat import default_workers, outcome_of, run
from verify.solve.reachability import reachable_targets, reachable_targets_per_target
from verify.encodings.cpsat import CpsatModel, build_model, build_reachability_model
from verify.errors import InputError, InternalError
from verify.problems import SubsetSum, TargetRange, VectorSubsetSum

LIMIT = 20.0  # generous: the instances are tiny, "unknown" would mean something is wrong
options = st.sampled_from([{}, {"objective": "fewest"}]) | st.integers(0, 10).map(lambda k: {"size": k})


def fit_size(opts, n):
    return {"size": n} if opts.get("size", 0) > n else opts


def chosen(assignment):
    return [i for i, c in enumerate(assignment) if c]


def replay(weights, assignment):
    """The exact sum (coordinate-wise for vectors) of the chosen weights, with Python ints."""
    idx = chosen(assignment)
    if isinstance(weights[0], (list, tuple)):
        return tuple(sum(weights[i][j] for i in idx) for j in range(len(weights[0])))
    return sum(weights[i] for i in idx)


def check_answer(weights, table, target, outcome, assignment, size=None):
    assert outcome in ("sat", "unsat"), outcome
    if outcome == "sat":
        assert len(assignment) == len(weights)
        assert replay(weights, assignment) == target
        if size is not None:
            assert sum(assignment) == size
    else:
        assert assignment is None
        assert not (target in table if isinstance(table, set) else brute.reachable(table, target, size))


@given(weight_lists(max_n=10), options, st.data())
def test_single_target_matches_brute_force(weights, opts, data):
    opts = fit_size(opts, len(weights))
    table = brute.subset_table(weights)
    size = opts.get("size")
    targets = data.draw(st.lists(st.sampled_from(list(span(weights))), min_size=1, max_size=3, unique=True))
    problem = SubsetSum(weights=weights, targets=targets, **opts)
    for t in targets:
        r = run(build_model(problem, t), LIMIT, workers=1)
        check_answer(weights, table, t, r.outcome, r.assignment, size)
        assert (r.outcome == "sat") == brute.reachable(table, t, size)
        if "objective" in opts and r.outcome == "sat":
            assert r.optimal is True and r.status_name == "OPTIMAL"
            assert sum(r.assignment) == brute.fewest(table, t)
        elif "objective" not in opts:
            assert r.optimal is None


vectors = st.integers(2, 3).flatmap(lambda d: st.lists(
    st.lists(st.integers(-4, 4), min_size=d, max_size=d), min_size=1, max_size=8))


@given(vectors, st.none() | st.just("fewest") | st.integers(0, 8), st.data())
def test_vector_matches_brute_force(weights, option, data):
    size = min(option, len(weights)) if isinstance(option, int) else None
    objective = "fewest" if option == "fewest" else None
    dim = len(weights[0])
    fewest = {}  # reachable vector -> fewest elements reaching it
    for s in brute.all_subsets(len(weights)):
        if size is None or len(s) == size:
            v = tuple(sum(weights[i][j] for i in s) for j in range(dim))
            fewest[v] = min(fewest.get(v, len(s)), len(s))
    reach = set(fewest)
    some = data.draw(st.lists(st.sampled_from(sorted(reach)), max_size=3))
    other = data.draw(st.lists(st.tuples(*[st.integers(-6, 6)] * dim), max_size=3))
    targets = list(dict.fromkeys([tuple(t) for t in some + other])) or [tuple([0] * dim)]
    problem = VectorSubsetSum(weights=weights, targets=targets, size=size, objective=objective)
    for t in targets:
        r = run(build_model(problem, t), LIMIT, workers=1)
        check_answer(weights, reach, t, r.outcome, r.assignment, size)
        assert (r.outcome == "sat") == (t in reach)
        if objective and r.outcome == "sat":
            assert r.optimal is True and sum(r.assignment) == fewest[t]
    for answers in (reachable_targets(problem, None, LIMIT, workers=1),
                    reachable_targets_per_target(problem, None, LIMIT, workers=1)):
        assert list(answers) == targets
        for t, (outcome, assignment) in answers.items():
            check_answer(weights, reach, t, outcome, assignment, size)
            assert (outcome == "sat") == (t in reach)


@given(weight_lists(max_n=10), options, st.booleans(), st.booleans(), st.data())
def test_reachable_targets_match_brute_force(weights, opts, harvest, as_range, data):
    opts = fit_size(opts, len(weights))
    table = brute.subset_table(weights)
    size = opts.get("size")
    everything = list(span(weights))
    if as_range:
        lo = data.draw(st.sampled_from(everything))
        targets = TargetRange(lo, min(everything[-1], lo + data.draw(st.integers(0, 40))))
    else:
        targets = data.draw(st.lists(st.sampled_from(everything), min_size=1, max_size=12, unique=True))
    problem = SubsetSum(weights=weights, targets=targets, **opts)
    stats = {}
    answers = reachable_targets(problem, None, LIMIT, workers=1, harvest=harvest, stats=stats)
    assert list(answers) == list(targets)
    for t, (outcome, assignment) in answers.items():
        check_answer(weights, table, t, outcome, assignment, size)
        assert (outcome == "sat") == brute.reachable(table, t, size)
    found = sum(o == "sat" for o, _ in answers.values())
    # one solve per target found without harvesting, at most one more to close
    assert stats["solves"] + stats["harvested"] <= found + 1
    baseline = reachable_targets_per_target(problem, None, LIMIT, workers=1)
    assert {t: o for t, (o, _) in baseline.items()} == {t: o for t, (o, _) in answers.items()}


def test_reachable_targets_edge_cases():
    p = SubsetSum(weights=[3, 3, 5, 0], targets=[6])
    stats = {}
    # duplicates are asked once; out-of-range and huge targets are unreachable without a solve
    answers = reachable_targets(p, [6, 6, -1, 2**70, 12, 7], LIMIT, workers=1, stats=stats)
    assert {t: o for t, (o, _) in answers.items()} == {6: "sat", -1: "unsat", 2**70: "unsat",
                                                       12: "unsat", 7: "unsat"}
    stats = {}
    assert reachable_targets(p, [-5, 2**70], LIMIT, stats=stats) == {-5: ("unsat", None),
                                                                     2**70: ("unsat", None)}
    assert stats["solves"] == 0
    with pytest.raises(InputError, match="target"):
        reachable_targets(p, [1.5], LIMIT)
    with pytest.raises(InputError, match="target"):
        build_model(VectorSubsetSum(weights=[[1, 2]], targets=[[1, 2]]), [1, 2, 3])


def test_reachability_model_shrinks_in_place():
    p = SubsetSum(weights=[1, 2, 4], targets=TargetRange(-10, 100))
    m = build_reachability_model(p)
    assert m.remaining() == list(range(8)) and m.remaining_count() == 8
    m.exclude([0, 3, 99, 2**80])
    assert m.remaining() == [1, 2, 4, 5, 6, 7]
    r = run(m, LIMIT, workers=1)
    assert r.outcome == "sat" and replay(p.weights, r.assignment) in m.remaining()
    m.exclude(range(8))
    assert m.exhausted and m.remaining() == []
    assert run(m, LIMIT, workers=1).outcome == "unsat"  # still a valid model


def planted(n, bits, seed):
    rng = random.Random(seed)
    weights = [rng.randrange(1 << (bits - 1), 1 << bits) for _ in range(n)]
    subset = rng.sample(range(n), n // 2)
    return weights, sum(weights[i] for i in subset)


def test_tiny_time_limit_never_gives_a_wrong_answer():
    weights, target = planted(60, 40, seed=7)  # a middle target, reachable by construction
    problem = SubsetSum(weights=weights, targets=[target])
    r = run(build_model(problem, target), 0.001)
    assert r.outcome in ("unknown", "sat")
    if r.outcome == "sat":
        assert replay(weights, r.assignment) == target
    else:
        assert r.assignment is None and r.status_name == "UNKNOWN"
    answers = reachable_targets(problem, [target, target + 1], 0.001)
    assert answers[target][0] in ("unknown", "sat")
    assert run(build_model(problem, target), 0).outcome in ("unknown", "sat")


class FakeSolver:
    def __init__(self, status):
        self.parameters = SimpleNamespace()
        self.status = status

    def solve(self, model):
        return self.status

    def stop_search(self):  # called only on an interruption
        pass

    def status_name(self, status):
        return "FAKE"


def test_status_map_is_explicit(monkeypatch):
    m = build_model(SubsetSum(weights=[1, 2], targets=[3]), 3)
    monkeypatch.setattr(backend, "_new_solver", lambda: FakeSolver(42))
    with pytest.raises(InternalError, match="unmapped CP-SAT status 42"):
        run(m, 1.0)
    for status, outcome in ((cp_model.OPTIMAL, "sat"), (cp_model.FEASIBLE, "sat"),
                            (cp_model.INFEASIBLE, "unsat"), (cp_model.UNKNOWN, "unknown")):
        assert outcome_of(status) == outcome
        monkeypatch.setattr(backend, "_new_solver", lambda status=status: FakeSolver(status))
        if outcome != "sat":  # a fake cannot give values
            r = run(m, 1.0)
            assert (r.outcome, r.assignment, r.optimal) == (outcome, None, None)
    with pytest.raises(InternalError):
        outcome_of(cp_model.MODEL_INVALID)


def test_feasible_is_sat_but_not_optimal(monkeypatch):
    m = build_model(SubsetSum(weights=[1, 2], targets=[3], objective="fewest"), 3)

    class Feasible(FakeSolver):
        def boolean_value(self, v):
            return True

    monkeypatch.setattr(backend, "_new_solver", lambda: Feasible(cp_model.FEASIBLE))
    r = run(m, 1.0)
    assert (r.outcome, r.assignment, r.optimal) == ("sat", [True, True], False)


def test_model_invalid_raises_with_the_validation_message():
    model = cp_model.CpModel()
    y = model.new_int_var(0, 2**62, "y")  # outside CP-SAT's variable bounds
    model.add(y == 1)
    with pytest.raises(InternalError, match="MODEL_INVALID.*domain"):
        run(CpsatModel(model, [], False), 1.0)


def test_parameters(monkeypatch):
    made = []

    def recording():
        made.append(cp_model.CpSolver())
        return made[-1]

    monkeypatch.setattr(backend, "_new_solver", recording)
    m = build_model(SubsetSum(weights=[1, 2], targets=[3]), 3)
    assert run(m, 2.5).outcome == "sat"
    params = made[-1].parameters
    assert params.symmetry_level == 1 and params.num_workers == default_workers()
    assert params.max_time_in_seconds == 2.5 and params.random_seed == backend.RANDOM_SEED
    assert params.catch_sigint_signal is False  # verify.interrupts handles Ctrl-C
    assert 1 <= default_workers() <= 8
    run(m, None, workers=1)
    assert made[-1].parameters.num_workers == 1
    for bad in (-1, float("nan"), float("inf"), "1", True):
        with pytest.raises(InputError, match="time_limit"):
            run(m, bad)
    for bad in (0, 1.5, True):
        with pytest.raises(InputError, match="workers"):
            run(m, 1.0, workers=bad)


def test_int64_guard():
    big = SubsetSum(weights=[2**60, 2**60], targets=[0])
    for build in (lambda: build_model(big, 0), lambda: build_reachability_model(big, [0])):
        with pytest.raises(InputError, match=r"2\^61"):
            build()
    vec = VectorSubsetSum(weights=[[1, 2**61]], targets=[[1, 0]])
    with pytest.raises(InputError, match=r"coordinate 1.*2\^61"):
        build_model(vec, (1, 0))
    small = SubsetSum(weights=[1, 2], targets=[3])
    for t in (2**61, -(2**61)):
        with pytest.raises(InputError, match=r"2\^61"):
            build_model(small, t)
    # just below the limit everything is accepted and exact
    b = 2**61 - 1
    weights = [b // 3, -(b // 3), b - 2 * (b // 3)]
    p = SubsetSum(weights=weights, targets=[weights[0] + weights[2]])
    r = run(build_model(p, weights[0] + weights[2]), LIMIT, workers=1)
    assert r.outcome == "sat" and replay(weights, r.assignment) == weights[0] + weights[2]
    answers = reachable_targets(p, [weights[0] + weights[2], weights[1], 5], LIMIT, workers=1)
    assert [o for o, _ in answers.values()] == ["sat", "sat", "unsat"]


def test_presolve_dual_reduction_bug_is_avoided():
    # OR-Tools 9.15 with default parameters calls this feasible model INFEASIBLE (its presolve's
    # dominance reductions); z0 = z1 = y1 = y2 = 1 is a solution. See KEEP_ALL_SOLUTIONS.
    model = cp_model.CpModel()
    z = [model.new_bool_var(f"z{i}") for i in range(2)]
    y = [model.new_bool_var(f"y{i}") for i in range(4)]
    model.add(sum(z + y) == 4)
    model.add_linear_expression_in_domain(-2 * y[0] + y[1] + y[2] + y[3],
                                          cp_model.Domain.from_values([-2, 2, 3]))
    r = run(CpsatModel(model, z + y, False), LIMIT, workers=1)
    assert r.outcome == "sat"
    a = r.assignment
    assert sum(a) == 4 and -2 * a[2] + a[3] + a[4] + a[5] in (-2, 2, 3)
    # the same question through the library: weights [0, 0, -2, 1, 1, 1], size 4
    p = SubsetSum(weights=[0, 0, -2, 1, 1, 1], targets=[-2, 2, 3], size=4)
    answers = reachable_targets(p, None, LIMIT, workers=1, harvest=False)
    assert {t: o for t, (o, _) in answers.items()} == {-2: "unsat", 2: "sat", 3: "sat"}
