"""The subset-sum experiments (threshold, coverage, counts) against brute force, their report
arithmetic against hand-made rows, and their parameter checks."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.brute import count as brute_count
from tests.brute import reachable, subset_table
from verify.errors import InputError
from verify.experiments import experiment
from verify.experiments.base import Param, crossing, line_fit, target_value
from verify.experiments.counts import predicted_count
from verify.experiments.threshold import bcp_critical_n
from verify.generators import SubsetSumOptions, subset_sum_instance

small = st.fixed_dictionaries({"n": st.integers(1, 10), "bits": st.integers(1, 5), "zero": st.booleans()})


@settings(max_examples=30, deadline=None)
@given(small, st.integers(0, 2**32), st.sampled_from(["1/3", "0/1", "1/1", 2]), st.sampled_from(["dp", "mitm"]))
def test_threshold_agrees_with_brute_force(params, seed, target, method):
    params = {**params, "target": target}
    out = experiment("threshold").run(params, seed, method, None)
    options = SubsetSumOptions(bits=params["bits"], zero=params["zero"], target=0)
    weights = subset_sum_instance(params["n"], options, seed=seed).weights
    t = target_value(target, 1 << params["bits"])
    assert out["target"] == t and out["reachable"] == reachable(subset_table(weights), t)
    assert out["status"] == ("sat-verified" if out["reachable"] else "unsat-exhaustive")


@settings(max_examples=25, deadline=None)
@given(small, st.integers(0, 2**32))
def test_coverage_agrees_with_brute_force(params, seed):
    out = experiment("coverage").run({**params, "distribution": "uniform"}, seed, "auto", None)
    options = SubsetSumOptions(bits=params["bits"], zero=params["zero"], target=0)
    weights = subset_sum_instance(params["n"], options, seed=seed).weights
    M = 1 << params["bits"]
    table = subset_table(weights)
    hit = sum(reachable(table, t) for t in range(-M, M + 1))
    assert (out["reachable"], out["targets"], out["all_reachable"]) == (hit, 2 * M + 1, hit == 2 * M + 1)


def test_coverage_products_are_the_generators_draws_and_may_be_empty():
    for seed in range(40):
        params = {"n": 2, "bits": 2, "zero": True, "distribution": "products"}
        out = experiment("coverage").run(params, seed, "dp", None)
        assert out["M"] == 16 and out["targets"] == 33
        try:
            options = SubsetSumOptions(bits=2, distribution="products", target=0)
            weights = subset_sum_instance(2, options, seed=seed).weights
        except InputError:  # no pair had u > 0: only the empty sum
            assert (out["weights"], out["reachable"], out["status"]) == (0, 1, "unsat-exhaustive")
            continue
        table = subset_table(weights)
        assert out["reachable"] == sum(reachable(table, t) for t in range(-16, 17))


@settings(max_examples=25, deadline=None)
@given(small, st.integers(0, 2**32))
def test_counts_agree_with_brute_force(params, seed):
    out = experiment("counts").run({**params, "target": "1/3"}, seed, "auto", None)
    options = SubsetSumOptions(bits=params["bits"], zero=params["zero"], target=0)
    weights = subset_sum_instance(params["n"], options, seed=seed).weights
    assert int(out["count"]) == brute_count(subset_table(weights), (1 << params["bits"]) // 3)
    assert out["predicted"] == predicted_count(params["n"], 1 << params["bits"], sum(weights), out["target"])


def test_predicted_count_is_the_theory_formula():
    n, M, total, t = 20, 4096, 300, 1365
    want = 2 ** n * math.sqrt(6 / (math.pi * n)) / M * math.exp(-3 * (2 * t - total) ** 2 / (2 * n * M * M))
    assert predicted_count(n, M, total, t) == pytest.approx(want, rel=1e-12)
    assert predicted_count(n, M, 2 * t, t) > predicted_count(n, M, 0, t)  # largest at the centre


def test_bcp_critical_count_solves_its_equation():
    for M in (2 ** 8, 2 ** 20):
        n = bcp_critical_n(M)
        assert n == pytest.approx(math.log2(M) + 0.5 * math.log2(n), abs=1e-9)


def test_crossing_and_line_fit():
    assert crossing([(4, 0.0), (6, 0.25), (8, 0.75)]) == 7.0
    assert crossing([(4, 0.0), (6, 0.4)]) is None
    assert line_fit([1, 2, 3], [2.5, 3, 3.5]) == pytest.approx((0.5, 2.0))
    assert line_fit([1, 1], [0, 1]) is None


def rows_for(name, params_list, seeds, method="dp"):
    exp = experiment(name)
    return [{"params": p, "seed": s, "method": method, "status": "", "seconds": 0.0,
             "result": exp.run(p, s, method, None)} for p in params_list for s in seeds]


def test_threshold_table_counts_what_the_rows_say():
    params = [{"n": n, "bits": 6, "zero": False, "target": "1/3"} for n in (3, 6, 9, 12)]
    rows = rows_for("threshold", params, range(20))
    rows.append({**rows[0], "result": None, "status": "error"})  # a failed task is counted as undecided
    curve, fits = experiment("threshold").tables(rows)
    by_n = {r[5]: r for r in curve.rows}
    for p in params:
        yes = sum(r["result"]["reachable"] for r in rows[:-1] if r["params"] == p)
        assert by_n[p["n"]][7] == yes
    assert by_n[3][9] == 1 and by_n[6][9] == 0
    assert len(fits.rows) == 1 and float(fits.rows[0][2]) > 3


def test_coverage_and_counts_tables_and_plots(tmp_path):
    from matplotlib.figure import Figure

    cov = rows_for("coverage", [{"n": n, "bits": 3, "zero": z, "distribution": "uniform"}
                                for n in (3, 6) for z in (False, True)], range(5))
    cnt = rows_for("counts", [{"n": n, "bits": 4, "zero": False, "target": "1/3"} for n in (6, 10)], range(5))
    thr = rows_for("threshold", [{"n": n, "bits": 4, "zero": False, "target": "1/3"} for n in (3, 6, 9)], range(5))
    for name, rows in (("coverage", cov), ("counts", cnt), ("threshold", thr)):
        tables = experiment(name).tables(rows)
        assert tables and all(t.rows for t in tables)
        fig = Figure()
        experiment(name).plot(rows, fig)
        fig.savefig(tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").stat().st_size > 1000


@pytest.mark.parametrize("kind, value, ok", [
    ("widths", "4,4,4", "4,4,4"), ("widths", "4", None), ("widths", [4, 4], None), ("widths", "4,0", None),
    ("target", "2/6", "1/3"), ("target", "planted", "planted"), ("target", 7, 7), ("target", "x", None),
    ("target", True, None), ("number", "0.95", "0.95"), ("number", "19/20", "19/20"), ("number", "y", None),
    ("bool", 0, None), ("int", 2.5, None), ("int", True, None),
])
def test_param_checks(kind, value, ok):
    p = Param("x", kind, low=1 if kind == "int" else None)
    if ok is None:
        with pytest.raises(InputError, match="where: expected"):
            p.check(value, "where")
    else:
        assert p.check(value, "where") == ok


def test_a_rows_seed_regenerates_its_instance_from_the_command_line(tmp_path, capsys):
    from verify.cli import main
    from verify.problems import load_problem

    out = experiment("threshold").run({"n": 20, "bits": 12, "zero": False, "target": "1/3"}, 7, "dp", None)
    path = tmp_path / "i.json"
    assert main(["generate", "subset-sum", "--n", "20", "--bits", "12", "--no-zero", "--target", "1365",
                 "--seed", "7", "-o", str(path)]) == 0
    assert load_problem(path).sha256 == out["instance_sha256"]
