"""compare: heuristics against exact answers through the sweep machinery, on a suite and on a
generated spec; a heuristic's hit is always the exact checker's verdict; every task is bounded,
and a suite's rows carry the suite instance's own parameters."""

import json
import math
import shutil
import sqlite3

import pytest

from verify.cli import main
from verify.errors import InputError
from verify.experiments import experiment, experiments
from verify.experiments.compare import DEFAULT_TIME_LIMIT, band, instance, source_label, suite_spec
from verify.experiments.report import load_rows
from verify.experiments.spec import load_spec
from verify.problems import read_json_file
from verify.suites.spec import parse_suite_spec
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
kind = "subset-sum"
n = 12
lambda = 0
answer = "planted"
size = "half"
[[family]]
kind = "network"
widths = "1,1"
target_bits = 3
c = 24
[[family]]
kind = "vector"
n = 6
bits = 4
answer = "planted"
"""
GENERATED = {"source": "generated", "n": 14, "kappa": "0.8", "target": "planted", "zero": False, "size": -1}


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    d = tmp_path_factory.mktemp("suite")
    (d / "suite.toml").write_text(SUITE)
    assert main(["suite", "build", "--spec", str(d / "suite.toml"), "-o", str(d / "s")]) == 0
    return d / "s"


def edited_suite(suite, tmp_path, edit):
    """A copy of the suite whose manifest ``edit`` changed in place."""
    copy = tmp_path / "edited"
    shutil.copytree(suite, copy)
    manifest = read_json_file(copy / "manifest.json")
    edit(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def db_rows(db):
    with sqlite3.connect(db) as c:
        return [(m, json.loads(p), s, json.loads(r)) for m, p, s, r in
                c.execute("SELECT method, params, seed, result FROM results").fetchall()]


@pytest.mark.parametrize("method", ["greedy", "kk", "ckk", "local-search", "beam", "exact"])
def test_every_method_is_judged_by_the_exact_checker(method):
    for seed in range(6):
        out = experiment("compare").run(GENERATED, seed, method, None)
        problem, _ = instance(GENERATED, seed)
        assert out["instance_sha256"] == problem.sha256
        if method == "exact":
            assert out["reachable"] is True and out["status"] == "sat-verified"
        else:
            from verify.heuristics import run_heuristic

            cand = run_heuristic(method, problem, seed=seed)
            assert out["hit"] == cand.hit == (witness_error(problem, problem.targets[0], cand.subset) is None)
            assert out["status"] == ("sat-verified" if cand.hit else "unknown")


def test_compare_on_a_suite_and_on_a_sweep(suite, tmp_path, capsys):
    entries = read_json_file(suite / "manifest.json")["instances"]
    kinds = [e["kind"] for e in entries]
    db = tmp_path / "c.sqlite"
    code, out, err = run_cli(capsys, "compare", "--suite", suite, "--db", db, "--methods", "ckk,greedy,edge-popup,exact",
                             "--plot", tmp_path / "c.png")
    assert code == 0
    assert "heuristics against the exact answer" in out and "ckk" in out and "network" in out
    assert "n/a" not in out and (tmp_path / "c.png").stat().st_size > 1000
    limit = parse_suite_spec(read_json_file(suite / "manifest.json")["spec"], "spec").time_limit
    assert f"at most {limit:g} s" in err  # the suite's own time limit bounds every task
    # edge-popup runs on networks only, nothing on vector instances: omitted, said, not stored
    assert f"{kinds.count('subset-sum'):,} tasks omitted (not applicable): edge-popup prunes networks" in err
    assert f"{4 * kinds.count('vector'):,} tasks omitted (not applicable): vector instances" in err
    rows = db_rows(db)
    assert len(rows) == 3 * kinds.count("subset-sum") + 4 * kinds.count("network")
    for method, _, _, r in rows:
        network = r["kappa"] == "network"
        if method == "ckk" and not network:  # complete: hits exactly the certified-reachable instances
            assert r["hit"] == (r["suite_status"] == "sat-verified")
        if method == "exact" and not network:
            assert r["status"] == r["suite_status"]
        if network and r["hit"]:  # a network hit is a proved-equal ticket: the suite says one exists
            assert r["suite_status"] == "sat-verified"
        assert method != "edge-popup" or network
    sweep = tmp_path / "cmp.toml"
    sweep.write_text('experiment = "compare"\nseeds = 3\nmethods = ["kk", "exact"]\n'
                     '[parameters]\nn = 10\nkappa = ["0.5", "1"]\n')
    code, out, err = run_cli(capsys, "compare", "--sweep", sweep, "--db", tmp_path / "d.sqlite")
    assert code == 0 and "[0.4, 0.6)" in out
    assert f"at most {DEFAULT_TIME_LIMIT:g} s" in err  # the spec sets none: compare's default


def test_suite_rows_store_their_instances_parameters_and_stay_apart_from_sweep_rows(suite, tmp_path, capsys):
    db = tmp_path / "shared.sqlite"
    assert run_cli(capsys, "compare", "--suite", suite, "--db", db, "--methods", "kk,exact")[0] == 0
    entries = {e["name"]: e for e in read_json_file(suite / "manifest.json")["instances"]}
    rows = db_rows(db)
    assert {p["instance"] for _, p, _, _ in rows} == {n for n, e in entries.items() if e["kind"] != "vector"}
    for _, p, seed, r in rows:
        e = entries[p["instance"]]
        assert p["source"] == "suite" and p["suite"] == str(suite.resolve()) and p["kind"] == e["kind"]
        assert seed == e["seed"]  # the seed the suite drew the instance from
        if e["kind"] == "network":
            assert {k: p[k] for k in e["params"]} == e["params"]
            continue
        inst = read_json_file(suite / e["files"]["instance"]["path"])
        n, M = len(inst["weights"]), inst["meta"]["params"]["M"]
        assert p["n"] == r["n"] == n and p["M"] == M and p["kappa"] == f"{math.log2(M) / n:.4f}"
        assert p["size"] == (-1 if inst.get("size") is None else inst["size"])
        assert p["target"] == ("planted" if e["params"]["answer"] == "planted" else e["answer"]["target"])
        assert p["answer"] == e["params"]["answer"] and p["lambda"] == e["params"]["lambda"]

    # the same database gets generated rows in the same κ bands: the report keeps the two apart
    sweep = tmp_path / "cmp.toml"
    sweep.write_text('experiment = "compare"\nseeds = 2\nmethods = ["kk", "exact"]\n'
                     '[parameters]\nn = 12\nkappa = ["0.7", "0.9", "1"]\n')
    assert run_cli(capsys, "compare", "--sweep", sweep, "--db", db, "--csv", tmp_path / "c.csv")[0] == 0
    exp, rows = load_rows(db, "compare", experiments())
    assert {r["params"]["source"] for r in rows} == {"generated", "suite"}
    assert {source_label(r["params"]) for r in rows} == {"generated", f"suite {suite.name}"}
    table = exp.tables(rows)[0]
    bands = {}
    for row in table.rows:
        cell = dict(zip(table.columns, row))
        same = [r for r in rows if source_label(r["params"]) == cell["source"] and r["method"] == cell["method"]
                and r["result"]["n"] == cell["n"] and band(r["result"]["kappa"]) == cell["κ band"]]
        assert cell["instances"] == len(same) > 0  # no cell counts rows of the other source
        bands.setdefault(cell["κ band"], set()).add(cell["source"])
    assert any(len(sources) == 2 for sources in bands.values())  # the same band, in two rows
    csv = (tmp_path / "c.csv").read_text().splitlines()
    column = csv[0].split(",").index("p.source")
    assert {line.split(",")[column] for line in csv[1:]} == {"generated", "suite"}


def test_every_compare_task_has_a_time_limit(suite, tmp_path):
    exps = experiments()
    manifest = read_json_file(suite / "manifest.json")
    spec = suite_spec(suite)
    assert spec.time_limit == parse_suite_spec(manifest["spec"], "spec").time_limit
    assert {t.time_limit for t in spec.tasks()} == {spec.time_limit} and spec.kill_after > spec.time_limit
    assert suite_spec(suite, time_limit=3).time_limit == 3.0
    seven = edited_suite(suite, tmp_path, lambda m: m["spec"].update(time_limit=7))
    assert suite_spec(seven).time_limit == 7.0
    shutil.rmtree(seven)
    bare = edited_suite(suite, tmp_path, lambda m: m.pop("spec"))
    assert suite_spec(bare).time_limit == DEFAULT_TIME_LIMIT
    sweep = tmp_path / "cmp.toml"
    sweep.write_text('experiment = "compare"\nseeds = 1\n[parameters]\nn = 10\n')
    assert load_spec(str(sweep), exps).time_limit == DEFAULT_TIME_LIMIT
    assert load_spec(str(sweep), exps, {"time_limit": 2}).time_limit == 2.0
    assert load_spec("compare", exps).time_limit is not None


def no_networks(m):
    m["instances"] = [e for e in m["instances"] if e["kind"] != "network"]


BAD = [
    (None, ["--time-limit", "0"], "--time-limit: expected a positive number of seconds"),
    (None, ["--time-limit", "nan"], "--time-limit: expected a positive number of seconds"),
    (None, ["--time-limit", "inf"], "--time-limit: expected a positive number of seconds"),
    (None, ["--methods", "kk,magic"], "methods: compare has methods"),
    (no_networks, ["--methods", "kk,edge-popup"], "methods: edge-popup applies to no instance of the suite: "
                                                  "edge-popup prunes networks"),
    (lambda m: m.update(instances=[e for e in m["instances"] if e["kind"] == "vector"]), [],
     "no method applies to any instance: vector instances are left out"),
    (lambda m: m.update(instances=[]), [], "instances: expected a non-empty list"),
    (lambda m: m["instances"][0].pop("seed"), [], "every instance needs its seed"),
    (lambda m: m["instances"][0].update(params=[1]), [], "expected entries with a name, a kind"),
    (lambda m: m["instances"][0]["params"].pop("lambda"), [], "expected files.instance.path and params.lambda"),
    (lambda m: m["spec"].update(time_limit=-5), [], "spec: time_limit: expected a positive number"),
]


@pytest.mark.parametrize("edit, argv, message", BAD, ids=[m for _, _, m in BAD])
def test_bad_compare_input_is_one_line_exit_2_and_no_database(suite, tmp_path, capsys, edit, argv, message):
    directory = suite if edit is None else edited_suite(suite, tmp_path, edit)
    db = tmp_path / "c.sqlite"
    code, out, err = run_cli(capsys, "compare", "--suite", directory, "--db", db, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and not db.exists()


@pytest.mark.parametrize("text, message", [
    ('methods = ["kk", "edge-popup"]\n[parameters]\nn = 10',
     "methods: edge-popup applies to no point of the grid: edge-popup prunes networks"),
    ('[parameters]\nsource = "suite"', "parameters.source: expected one of ['generated']"),
    ('[parameters]\nsuite = "dir"', "parameters.suite: compare has no such parameter"),
])
def test_bad_compare_sweeps_are_refused_before_any_work(tmp_path, capsys, text, message):
    sweep = tmp_path / "cmp.toml"
    sweep.write_text(f'experiment = "compare"\nseeds = 1\n{text}\n')
    db = tmp_path / "c.sqlite"
    code, _, err = run_cli(capsys, "compare", "--sweep", sweep, "--db", db)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and not db.exists()
    with pytest.raises(InputError, match="not applicable|edge-popup prunes networks"):
        experiment("compare").run(GENERATED, 0, "edge-popup", None)


def test_bands():
    assert band("0.7999") == "[0.6, 0.8)" and band("0.8") == "[0.8, 1.0)" and band("1.25") == "[1.2, 1.4)"
