"""Vector subset sum decided natively: per-coordinate exact meet in the middle and reachable-vector
tables against brute force, the int64 boundary and its exact fallback, screening per coordinate,
witness replay and tampering, and the per-coordinate SAT / CP-SAT / CNF encodings."""

from __future__ import annotations

import json
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import brute
from verify.encodings.export import export_problem
from verify.errors import BudgetExceeded, InputError, WitnessNotReplayed
from verify.prefilter import vector_mitm
from verify.prefilter.vector import int64_exact, screen_vectors
from verify.prefilter.vector_keys import RowKeys
from verify.prefilter.vector_mitm import VectorMeetInTheMiddle
from verify.prefilter.vector_table import VectorTable
from verify.problems import SubsetSum, VectorSubsetSum
from verify.solve.dispatch import count, cover, solve
from verify.status import Status
from verify.witness import replay_witness, witness_error


def sizes_table(weights) -> dict:
    """vector sum -> {size: number of subsets of that size reaching it}, by enumeration."""
    dim = len(weights[0])
    out: dict = {}
    for subset in brute.all_subsets(len(weights)):
        s = tuple(sum(weights[i][j] for i in subset) for j in range(dim))
        by = out.setdefault(s, {})
        by[len(subset)] = by.get(len(subset), 0) + 1
    return out


vectors = st.integers(1, 3).flatmap(lambda d: st.lists(
    st.lists(st.integers(-4, 4), min_size=d, max_size=d), min_size=1, max_size=7))


def _targets(weights, table, extra) -> list[tuple[int, ...]]:
    dim = len(weights[0])
    near = sorted(table)[::3][:6]
    return list(dict.fromkeys(near + [tuple(v for v in (list(extra) * dim)[:dim])]))


@settings(max_examples=60, deadline=None)
@given(vectors, st.integers(-9, 9), st.data())
def test_mitm_matches_brute_force(weights, extra, data):
    table = sizes_table(weights)
    m = VectorMeetInTheMiddle(weights)
    size = data.draw(st.none() | st.integers(0, len(weights)))
    for t in _targets(weights, table, [extra]):
        by = table.get(t, {})
        assert m.count(t, size) == (sum(by.values()) if size is None else by.get(size, 0))
        w = m.witness(t, size)
        assert (w is not None) == (by.get(size, 0) > 0 if size is not None else bool(by))
        if w is not None:
            assert witness_error(VectorSubsetSum(weights=weights, targets=[t], size=size), t, w) is None
        f = m.fewest(t)
        assert (f is None) == (not by)
        if f is not None:
            assert f[0] == min(by) == len(f[1]) and witness_error(
                VectorSubsetSum(weights=weights, targets=[t]), t, f[1]) is None


@settings(max_examples=60, deadline=None)
@given(vectors, st.integers(-9, 9), st.sampled_from(["dense", "sparse"]), st.data())
def test_table_matches_brute_force(weights, extra, kind, data):
    table = sizes_table(weights)
    targets = _targets(weights, table, [extra])
    size = data.draw(st.none() | st.integers(0, len(weights)))
    fewest = size is None and data.draw(st.booleans())
    t = VectorTable(weights, targets, size=size, fewest=fewest, kind=kind)
    want = [bool(table.get(x)) if size is None else table.get(x, {}).get(size, 0) > 0 for x in targets]
    assert t.reach.tolist() == want
    hit = [x for x, ok in zip(targets, want) if ok]
    p = VectorSubsetSum(weights=weights, targets=targets, size=size)
    for r, x in enumerate(hit):
        chosen = np.flatnonzero(t.chosen[r]).tolist()
        assert witness_error(p, x, chosen) is None
        if fewest:
            assert len(chosen) == min(table[x]) == t.sizes[r]


@settings(max_examples=40, deadline=None)
@given(vectors, st.sampled_from(["auto", "dp", "mitm"]), st.data())
def test_solve_cover_count_match_brute_force(weights, method, data):
    table = sizes_table(weights)
    size = data.draw(st.none() | st.integers(0, len(weights)))
    dim = len(weights[0])
    targets = list(dict.fromkeys(sorted(table)[:4] + [(99,) * dim, (0,) * (dim - 1) + (1,)]))
    p = VectorSubsetSum(weights=weights, targets=targets, size=size)
    for report in (solve(p, method), cover(p, method)):
        for a in report.answers:
            by = table.get(a.target, {})
            assert a.status.is_sat == (by.get(size, 0) > 0 if size is not None else bool(by))
            assert a.status in (Status.SAT_VERIFIED, Status.UNSAT_EXHAUSTIVE)
            if a.status.is_sat:
                assert witness_error(p, a.target, a.witness) is None
    counts = count(p, method).extra["counts"]
    assert counts == [sum(table.get(x, {}).values()) if size is None else table.get(x, {}).get(size, 0)
                      for x in targets]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-6, 6), min_size=1, max_size=8), st.integers(-12, 12),
       st.sampled_from(["dp", "mitm"]))
def test_dimension_one_agrees_with_the_one_dimensional_path(weights, target, method):
    targets = sorted({target, sum(weights), 0})
    scalar = solve(SubsetSum(weights=weights, targets=targets), method)
    vector = solve(VectorSubsetSum(weights=[[a] for a in weights], targets=[[t] for t in targets]), method)
    for a, b in zip(scalar.answers, vector.answers):
        assert a.status.is_sat == b.status.is_sat and b.target == (a.target,)


def test_zero_vectors_and_negative_coefficients():
    p = VectorSubsetSum(weights=[[0, 0], [0, 0], [-3, 2], [3, -2]], targets=[[0, 0], [-3, 2]])
    for method in ("dp", "mitm"):
        assert count(p, method).extra["counts"] == [8, 4]
    fewest = VectorSubsetSum(weights=p.weights, targets=p.targets, objective="fewest")
    for method in ("dp", "mitm"):
        answers = solve(fewest, method).answers
        assert [len(a.witness) for a in answers] == [0, 1] and all(a.optimal for a in answers)


def test_screening_names_the_coordinate():
    p = VectorSubsetSum(weights=[[1, 2], [3, 4]], targets=[[1, 9], [1, 3], [4, 6]], size=1)
    by = {a.target: a for a in solve(p).answers}
    assert by[(1, 9)].method == "range" and by[(1, 9)].evidence.startswith("coordinate 1:")
    assert by[(1, 3)].method == "gcd" and by[(1, 3)].evidence.startswith("coordinate 1:")
    assert by[(4, 6)].method == "size-range" and by[(4, 6)].evidence.startswith("coordinate 0:")
    assert all(a.status is Status.UNSAT_EXHAUSTIVE for a in by.values())
    s = screen_vectors([(2, 0), (4, 0)], [(6, 0)])
    assert s.weights == ((1, 0), (2, 0)) and s.divisors == (2, 1) and s.reduced == [(3, 0)]


def test_evidence_names_the_exhaustive_vector_method():
    p = VectorSubsetSum(weights=[[1, 1], [2, 1], [3, 5]], targets=[[3, 1]])
    for method, label in (("dp", "dp-vector"), ("mitm", "mitm-vector")):
        a = solve(p, method).answers[0]
        assert (a.status, a.method) == (Status.UNSAT_EXHAUSTIVE, label)
        assert "every coordinate exact" in a.evidence


def test_int64_boundary_falls_back_to_exact_integers():
    edge = (1 << 62) - 1
    assert int64_exact([(edge, 1), (0, 1)]) and not int64_exact([(edge, 1), (1, 1)])
    for big in (edge, edge + 1):
        weights = [[big - 6, 1], [1, -1], [0, 2], [-5, 3]]  # column 0's Σ|a| = big
        table = sizes_table(weights)
        targets = sorted(table)[::2] + [(big - 7, 0)]
        p = VectorSubsetSum(weights=weights, targets=targets)
        m = VectorMeetInTheMiddle(weights)
        assert m.exact_int64 == int64_exact(weights) == (big == edge)
        methods = ["mitm", "dp"] if big == edge else ["mitm"]
        for a in [a for method in methods for a in solve(p, method).answers]:
            assert a.status.is_sat == (a.target in table)
            if a.status.is_sat:
                assert witness_error(p, a.target, a.witness) is None
        assert [m.count(t) for t in targets] == [sum(table.get(t, {}).values()) for t in targets]


def test_beyond_int64_refusals_are_clear():
    huge = [[1 << 63, 1]] + [[1, 1]] * 40
    with pytest.raises(InputError, match="2\\^62"):
        VectorMeetInTheMiddle(huge)
    with pytest.raises(BudgetExceeded, match="int64"):
        VectorTable(huge, [(0, 0)])
    assert not vector_mitm.applies(huge)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-2**61, 2**61), st.integers(0, 2**40)), min_size=2, max_size=3),
       st.data())
def test_row_keys_order_is_lexicographic(ranges, data):
    """Wide ranges need several words (void keys), narrow ones share one int64: both sort rows
    exactly as Python sorts tuples."""
    lows = [min(a, a + b) for a, b in ranges]
    highs = [a + b for a, b in ranges]
    keyer = RowKeys(lows, highs)
    rows = data.draw(st.lists(st.tuples(*[st.integers(lo, hi) for lo, hi in zip(lows, highs)]),
                              min_size=2, max_size=8))
    keys = keyer.keys(np.array(rows, dtype=np.int64))
    for (i, a), (j, b) in combinations(enumerate(rows), 2):
        assert (keys[i] == keys[j]) == (a == b)
        if keyer.single:
            assert (keys[i] < keys[j]) == (a < b)
    order = np.argsort(keys, kind="stable")
    assert [rows[i] for i in order] == sorted(rows)


def test_tampered_witness_is_rejected(monkeypatch):
    p = VectorSubsetSum(weights=[[1, 2], [3, 4], [5, 6]], targets=[[4, 6]])
    assert replay_witness(p, (4, 6), [0, 1], "w") == (0, 1)
    with pytest.raises(WitnessNotReplayed):
        replay_witness(p, (4, 6), [0, 2], "w")
    monkeypatch.setattr(VectorMeetInTheMiddle, "witness", lambda self, t, k=None: (0, 2))
    with pytest.raises(WitnessNotReplayed):
        solve(p, "mitm")


small = st.integers(1, 3).flatmap(lambda d: st.lists(
    st.lists(st.integers(-3, 3), min_size=d, max_size=d), min_size=1, max_size=5))


@settings(max_examples=12, deadline=None)
@given(small, st.sampled_from(["sat", "cpsat"]))
def test_solver_encodings_per_coordinate_agree_with_brute_force(weights, method):
    table = sizes_table(weights)
    dim = len(weights[0])
    targets = list(dict.fromkeys(sorted(table)[:3] + [(1,) * dim, (-1,) + (2,) * (dim - 1)]))
    p = VectorSubsetSum(weights=weights, targets=targets)
    for a in solve(p, method).answers:
        assert a.status.is_sat == (a.target in table)
        if a.status.is_sat:
            assert witness_error(p, a.target, a.witness) is None
        else:
            assert a.status in (Status.UNSAT_EXHAUSTIVE, Status.UNSAT_PROOF_CHECKED)


def test_sat_encodes_each_coordinate_where_packing_would_overflow():
    big = 1 << 40
    weights = [[big, 1, 3], [2, big, 5], [big - 1, 7, big], [3, 3, 3], [1, -big, 2]]
    table = sizes_table(weights)
    targets = sorted(table)[::7][:3] + [(big + 1, 2, 4)]
    p = VectorSubsetSum(weights=weights, targets=targets)
    for a in solve(p, "sat", budget="64M").answers:
        assert a.status.is_sat == (a.target in table)
    text, summary = export_problem(p, "cnf", target=targets[0], encoding="totalizer")
    assert "one constraint per coordinate" in text and summary.startswith("DIMACS CNF")


def test_cli_decides_a_market_split_instance(tmp_path, capsys):
    from verify.cli import main

    rng = np.random.default_rng(5)
    w = rng.integers(0, 201, size=(24, 5))
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"kind": "vector-subset-sum", "version": 1, "weights": w.tolist(),
                                "targets": [(w.sum(axis=0) // 2).tolist(), w[:7].sum(axis=0).tolist()]}))
    assert main(["solve", str(path), "--json"]) in (0, 1)
    out = json.loads(capsys.readouterr().out)
    assert out["method"] in ("mitm-vector", "dp-vector")
    assert out["answers"][1]["status"] == "sat-verified"
    assert out["answers"][0]["status"] in ("sat-verified", "unsat-exhaustive")


@pytest.mark.parametrize("encoding", ["totalizer", "bdd", "dd"])
def test_exported_cnf_has_exactly_the_vector_solutions(encoding):
    from pysat.solvers import Solver

    weights = [[1, -2, 0], [2, 1, 1], [1, 1, 0], [3, -1, 1], [0, 0, 0], [-1, 2, 1]]
    target = (3, -1, 1)
    want = {s for s in brute.all_subsets(len(weights))
            if tuple(sum(weights[i][j] for i in s) for j in range(3)) == target}
    p = VectorSubsetSum(weights=weights, targets=[list(target)])
    text, _ = export_problem(p, "cnf", encoding=encoding)
    clauses = [[int(v) for v in line.split()[:-1]] for line in text.splitlines()
               if line and not line.startswith(("c", "p"))]
    found = set()
    with Solver(name="cadical195", bootstrap_with=clauses) as s:
        while s.solve():
            model = s.get_model()
            chosen = tuple(i for i in range(len(weights)) if model[i] > 0)
            found.add(chosen)
            s.add_clause([-(i + 1) if i in chosen else i + 1 for i in range(len(weights))])
    assert found == want and want
