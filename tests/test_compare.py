"""compare: heuristics against exact answers through the sweep machinery, on a suite and on a
generated spec; a heuristic's hit is always the exact checker's verdict."""

import json
import sqlite3

import pytest

from verify.cli import main
from verify.experiments import experiment
from verify.experiments.compare import band, instance
from verify.witness import witness_error

SUITE = """
name = "tiny"
seed = 3
[[family]]
kind = "subset-sum"
n = 12
lambda = [-1, 1]
answer = ["planted", "infeasible"]
[[family]]
kind = "network"
widths = "1,1"
target_bits = 3
c = 24
"""


@pytest.mark.parametrize("method", ["greedy", "kk", "ckk", "local-search", "beam", "exact"])
def test_every_method_is_judged_by_the_exact_checker(method):
    params = {"suite": "", "instance": "", "n": 14, "kappa": "0.8", "target": "planted", "zero": False, "size": -1}
    for seed in range(6):
        out = experiment("compare").run(params, seed, method, None)
        problem, _ = instance(params, seed)
        assert out["instance_sha256"] == problem.sha256
        if method == "exact":
            assert out["reachable"] is True and out["status"] == "sat-verified"
        else:
            from verify.heuristics import run_heuristic

            cand = run_heuristic(method, problem, seed=seed)
            assert out["hit"] == cand.hit == (witness_error(problem, problem.targets[0], cand.subset) is None)
            assert out["status"] == ("sat-verified" if cand.hit else "unknown")


def test_compare_on_a_suite_and_on_a_sweep(tmp_path, capsys):
    spec = tmp_path / "suite.toml"
    spec.write_text(SUITE)
    assert main(["suite", "build", "--spec", str(spec), "-o", str(tmp_path / "s")]) == 0
    db = tmp_path / "c.sqlite"
    capsys.readouterr()
    assert main(["compare", "--suite", str(tmp_path / "s"), "--db", str(db),
                 "--methods", "ckk,greedy,edge-popup,exact", "--plot", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "heuristics against the exact answer" in out and "ckk" in out and "network" in out
    assert "n/a" not in out and (tmp_path / "c.png").stat().st_size > 1000
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT method, result FROM results").fetchall()
    assert len(rows) == 5 * 4
    for method, result in rows:
        r = json.loads(result)
        network = r["kappa"] == "network"
        if method == "ckk" and not network:  # complete: hits exactly the certified-reachable instances
            assert r["hit"] == (r["suite_status"] == "sat-verified")
        if method == "exact" and not network:
            assert r["status"] == r["suite_status"]
        if network and r["hit"]:  # a network hit is a proved-equal ticket: the suite says one exists
            assert r["suite_status"] == "sat-verified"
        if method == "edge-popup" and not network:
            assert r["status"] == "unknown" and not r["hit"]
    sweep = tmp_path / "cmp.toml"
    sweep.write_text('experiment = "compare"\nseeds = 3\nmethods = ["kk", "exact"]\n'
                     '[parameters]\nn = 10\nkappa = ["0.5", "1"]\n')
    assert main(["compare", "--sweep", str(sweep), "--db", str(tmp_path / "d.sqlite")]) == 0
    assert "[0.4, 0.6)" in capsys.readouterr().out
    sweep.write_text('experiment = "threshold"\nseeds = 1\n[parameters]\nn = 4\nbits = 4\n')
    assert main(["compare", "--sweep", str(sweep), "--db", str(tmp_path / "e.sqlite")]) == 2
    assert "compare runs the 'compare' experiment" in capsys.readouterr().err


def test_bands():
    assert band("0.7999") == "[0.6, 0.8)" and band("0.8") == "[0.8, 1.0)" and band("1.25") == "[1.2, 1.4)"
