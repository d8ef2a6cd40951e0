"""``suite rate``: on a tiny suite every solver's decided answer agrees with the certified one and
is recorded in rate.json; a tampered suite whose certified answer is wrong is reported as a
disagreement naming the instance; bad input is one line and exit code 2."""

import json
import shutil

import pytest

from tests.brute import reachable, subset_table, vector_table
from verify.cli import main
from verify.errors import InputError
from verify.problems import dumps_readable, load_problem
from verify.suites.build import build_suite
from verify.suites.rate import parse_solvers, rate_suite
from verify.suites.spec import load_suite_spec, parse_suite_spec
from verify.experiments.spec import load_toml

TINY = """
name = "tiny-frontier"
seed = 11
time_limit = 10
memory_budget = "256M"
formats = ["cnf", "opb"]
[[family]]
kind = "subset-sum"
n = [10, 14]
lambda = 0
zero = false
answer = ["planted", "infeasible"]
[[family]]
kind = "vector"
n = 8
dim = 2
bits = 3
answer = "planted"
"""


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("rate") / "suite"
    build_suite(parse_suite_spec(load_toml(TINY), "tiny"), out)
    return out


def test_rating_agrees_with_the_certified_answers_and_brute_force(suite, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(suite, copy)
    solvers = parse_solvers("cadical195,glucose4,cpsat,representation")
    rating = rate_suite(copy, solvers, 3)  # tiny: every solver decides at once; the search misses run to it
    assert not rating.disagreements
    manifest = json.loads((copy / "manifest.json").read_text())
    assert len(rating.rows) == len(manifest["instances"]) * 4
    for row in rating.rows:
        entry = next(e for e in manifest["instances"] if e["name"] == row["instance"])
        problem = load_problem(copy / entry["files"]["instance"]["path"])
        target = problem.target_list()[0]
        truth = target in vector_table(problem.weights) if problem.kind == "vector-subset-sum" \
            else reachable(subset_table(problem.weights), target, problem.size)
        if row["solver"] == "representation" and problem.kind == "vector-subset-sum":
            assert row["outcome"] == "n/a"
        elif row["solver"] != "representation":
            assert row["outcome"] == ("sat" if truth else "unsat")  # tiny: every solver decides
            assert row["agrees"] is True
        else:
            assert row["outcome"] in (("sat", "unknown") if truth else ("unknown",))
    stored = json.loads((copy / "rate.json").read_text())
    assert stored["rows"] == rating.rows and stored["disagreements"] == []
    table = rating.table(solvers)
    assert "10" in table and "14" in table and "cpsat" in table and " 8 " in table + " "


def test_a_wrong_certified_answer_is_a_disagreement_naming_the_instance(suite, tmp_path, capsys):
    copy = tmp_path / "s"
    shutil.copytree(suite, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    victim = next(e for e in manifest["instances"] if e["answer"]["status"] == "unsat-exhaustive")
    victim["answer"] = {"status": "sat-verified", "method": "planted", "witness": [0], "target": victim["answer"]["target"]}
    (copy / "manifest.json").write_text(dumps_readable(manifest) + "\n")
    code = main(["suite", "rate", str(copy), "--solvers", "cadical195,cpsat", "--time-limit", "20"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"DISAGREEMENT  {victim['name']}: cadical195 says unsat" in out
    assert f"DISAGREEMENT  {victim['name']}: cpsat says unsat" in out
    assert len(json.loads((copy / "rate.json").read_text())["disagreements"]) == 2


def test_a_model_that_does_not_replay_is_a_disagreement(suite, tmp_path, monkeypatch):
    from verify.suites import rate

    copy = tmp_path / "s"
    shutil.copytree(suite, copy)
    monkeypatch.setattr(rate, "_run", lambda *a: ("sat", 0.0, [0, 0], ""))
    rating = rate_suite(copy, ("cadical195",), 5)
    assert rating.disagreements and all("does not replay" in d for d in rating.disagreements)


def test_cli_rate_prints_the_table(suite, tmp_path, capsys):
    copy = tmp_path / "s"
    shutil.copytree(suite, copy)
    assert main(["suite", "rate", str(copy), "--solvers", "glucose4", "--time-limit", "20"]) == 0
    out = capsys.readouterr().out
    assert "glucose4" in out and "DISAGREEMENT" not in out and (copy / "rate.json").is_file()


@pytest.mark.parametrize("args, message", [
    (["--solvers", "nosuch"], "unknown solver 'nosuch'"),
    (["--solvers", "cadical195,cd19"], "named twice"),
    (["--solvers", ""], "expected comma-separated"),
    (["--time-limit", "0"], "--time-limit"),
    (["--time-limit", "-3"], "--time-limit"),
])
def test_bad_arguments_are_one_line_exit_2(suite, args, message, capsys):
    full = ["suite", "rate", str(suite), "--solvers", "cadical195", "--time-limit", "5"]
    for k in range(0, len(args), 2):
        full[full.index(args[k]) + 1] = args[k + 1]
    assert main(full) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (suite / "rate.json").exists()


def test_missing_and_non_suite_directories_are_exit_2(tmp_path, capsys):
    assert main(["suite", "rate", str(tmp_path / "nope"), "--time-limit", "5"]) == 2
    assert "no such suite directory" in capsys.readouterr().err
    assert main(["suite", "rate", str(tmp_path), "--time-limit", "5"]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    assert main(["suite", "rate", str(tmp_path), "--time-limit", "5"]) == 2
    assert "not a slth-verify suite" in capsys.readouterr().err


def test_a_damaged_file_is_an_input_error(suite, tmp_path):
    copy = tmp_path / "s"
    shutil.copytree(suite, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    cnf = copy / manifest["instances"][0]["files"]["cnf"]["path"]
    cnf.write_text(cnf.read_text() + "c tampered\n")
    with pytest.raises(InputError, match="does not match its sha256"):
        rate_suite(copy, ("cadical195",), 5)
    assert not (copy / "rate.json").exists()


def test_the_builtin_frontier_spec_reads_and_its_tiny_variant_builds(tmp_path):
    spec = load_suite_spec("frontier")
    ns = sorted({dict(p.params)["n"] for p in spec.points})
    assert ns[-1] == 80 and spec.formats == ("cnf", "opb")
    # beyond 2^60 the weights come from the wide draw; the answer is the planted subset, replayed
    text = TINY.split('[[family]]\nkind = "vector"')[0].replace("n = [10, 14]", "n = 66").replace('answer = ["planted", "infeasible"]', 'answer = "planted"')
    manifest = build_suite(parse_suite_spec(load_toml(text), "wide"), tmp_path / "w")
    entry = manifest["instances"][0]
    assert entry["answer"]["status"] == "sat-verified" and "cnf" not in entry["files"]
    assert "not exported: cnf" in entry["notes"][0]
    problem = load_problem(tmp_path / "w" / entry["files"]["instance"]["path"])
    assert max(abs(a) for a in problem.weights) > 2**60
    assert main(["suite", "check", str(tmp_path / "w")]) == 0
    rating = rate_suite(tmp_path / "w", ("cadical195", "cpsat"), 5)
    assert [r["outcome"] for r in rating.rows] == ["n/a", "n/a"] and not rating.disagreements
