"""The command line: outputs, JSON fields, and every error path (one line, exit code 2)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import main

DATA = Path(__file__).parent / "data"


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse's own errors exit through here
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_generate_solve_cover_count_round_trip(tmp_path, capsys):
    inst = tmp_path / "inst.json"
    code, _, err = run(capsys, "generate", "subset-sum", "--n", "20", "--bits", "10", "--seed", "7",
                       "-o", str(inst))
    assert code == 0 and "sha256" in err
    planted = json.loads(inst.read_text())["meta"]["planted"]
    code, out, _ = run(capsys, "solve", str(inst), "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "sat-verified"
    weights = json.loads(inst.read_text())["weights"]
    target = json.loads(inst.read_text())["targets"][0]
    assert sum(weights[i] for i in result["witness"]) == target == sum(weights[i] for i in planted)
    assert len(result["instance_sha256"]) == 64 and "total" in result["timings"]
    code, out, _ = run(capsys, "solve", str(inst), "--method", "mitm")
    assert code == 0 and "sat-verified" in out and "witness" in out


def test_cover_json_lists_unreachable_exactly(tmp_path, capsys):
    inst = tmp_path / "c.json"
    inst.write_text(json.dumps({"kind": "subset-sum", "version": 1, "weights": [2, 3, -4],
                                "targets": {"range": [-6, 6]}}))
    code, out, _ = run(capsys, "cover", str(inst), "--json")
    result = json.loads(out)
    sums = {0, 2, 3, -4, 5, -2, -1, 1}
    assert result["unreachable"] == [t for t in range(-6, 7) if t not in sums]
    assert result["reachable_count"] == len(sums)
    code, out, _ = run(capsys, "cover", str(inst))
    assert code == 0 and "unreachable 5" in out and "range: 3" in out and "dp-bitset: 2" in out


def test_count_prints_exact_counts(tmp_path, capsys):
    inst = tmp_path / "k.json"
    inst.write_text(json.dumps({"kind": "subset-sum", "version": 1, "weights": [1] * 70,
                                "targets": [35]}))
    code, out, _ = run(capsys, "count", str(inst), "--json")
    assert code == 0 and json.loads(out)["counts"] == [112186277816662845432]


def test_vector_generate_and_solve(tmp_path, capsys):
    inst = tmp_path / "v.json"
    assert run(capsys, "generate", "vector", "--n", "12", "--dim", "3", "--bits", "6",
               "--seed", "1", "-o", str(inst))[0] == 0
    code, out, _ = run(capsys, "solve", str(inst), "--json")
    assert code == 0 and json.loads(out)["status"] == "sat-verified"


def test_generate_to_stdout_is_valid_json(capsys):
    code, out, _ = run(capsys, "generate", "subset-sum", "--n", "5", "--bits", "3", "--target", "all")
    assert code == 0 and json.loads(out)["targets"] == {"range": [-8, 8]}


def test_demo_certifies(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", "--dir", str(tmp_path))
    assert code == 0 and "every certificate verified" in out and out.count(": verified") == 3
    for name in ("construction", "sparsest", "min-width"):
        assert run(capsys, "check", str(tmp_path / f"{name}.json"))[0] == 0


def test_demo_without_dir_removes_its_temporary_files(tmp_path, monkeypatch):
    import tempfile

    from verify import demo

    seen = []

    def fake(d, out, progress, kept):
        (d / "target.npz").write_bytes(b"x")
        seen.append((d, kept))
        return True

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(demo, "_network_demo", fake)
    assert demo.run_demo() and seen[0][0].parent == tmp_path and seen[0][1] is False
    assert list(tmp_path.iterdir()) == []


def test_subset_sum_demo_certifies(capsys):
    code, out, _ = run(capsys, "demo", "--subset-sum")
    assert code == 0
    assert "sat-verified" in out and "unsat-exhaustive" in out and "all answers certified" in out


def test_certify_and_check_from_the_command_line(capsys, tmp_path):
    t, r = str(tmp_path / "t.npz"), str(tmp_path / "r.npz")
    assert run(capsys, "generate", "target", "--widths", "2,2", "--bits", "2", "--seed", "3", "-o", t)[0] == 0
    cert = str(tmp_path / "c.json")
    for seed in range(4, 40):  # the first draw with a ticket (small random networks may have none)
        assert run(capsys, "generate", "random", "--for", t, "--c", "16", "--seed", str(seed), "-o", r)[0] == 0
        code, out, _ = run(capsys, "certify", "--target", t, "--random", r, "--find", "sparsest", "-o", cert, "--json")
        assert code == 0 and json.loads(out)["ok"] and json.loads(out)["certificate"] == cert
        if json.loads(out)["ticket"]:
            break
    code, out, _ = run(capsys, "check", cert)
    assert code == 0 and out.rstrip().endswith(f"verified: {cert}") and "FAILED" not in out
    tampered = json.loads(open(cert).read())
    tampered["claim"]["kept"] -= 1
    (tmp_path / "bad.json").write_text(json.dumps(tampered))
    code, out, _ = run(capsys, "check", str(tmp_path / "bad.json"))
    assert code == 1 and "FAILED" in out and "NOT VERIFIED" in out
    # too few units: "any" certifies that no ticket exists (a certificate too: exit code 0)
    small = str(tmp_path / "small.npz")
    assert run(capsys, "generate", "random", "--for", t, "--width-per-weight", "1", "--seed", "4", "-o", small)[0] == 0
    code, out, _ = run(capsys, "certify", "--target", t, "--random", small, "--find", "any", "-o", cert)
    assert code == 0 and "no ticket exists (certified)" in out
    assert run(capsys, "check", cert)[0] == 0


def test_check_of_a_missing_file_is_bad_input(capsys, tmp_path):
    code, out, err = run(capsys, "check", str(tmp_path / "nope.json"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "nope.json: no such file" in err


@pytest.mark.parametrize("extra, fragment", [
    (["--mask", "m.npz", "--find", "any"], "exclude each other"),
    (["--find", "best"], "invalid choice"),
    (["-o", "c.txt"], "a certificate is a .json file"),
    (["--mask", "missing.npz"], "missing.npz: no such file"),
])
def test_certify_errors_are_one_line(capsys, tmp_path, extra, fragment):
    t, r = str(tmp_path / "t.npz"), str(tmp_path / "r.npz")
    run(capsys, "generate", "target", "--widths", "1,1", "--bits", "2", "-o", t)
    run(capsys, "generate", "random", "--for", t, "-o", r)
    args = ["certify", "--target", t, "--random", r, "-o", str(tmp_path / "c.json")]
    code, out, err = run(capsys, *[a if not a.endswith((".npz", ".txt")) else str(tmp_path / a) for a in args + extra])
    assert code == 2 and err.count("\n") == 1 and fragment in err
    assert not (tmp_path / "c.json").exists()


@pytest.mark.parametrize("name", sorted(json.loads((DATA / "invalid" / "expected.json").read_text())))
def test_invalid_instances_exit_2_with_one_line(capsys, name):
    for command in ("solve", "cover", "count"):
        code, out, err = run(capsys, command, str(DATA / "invalid" / name))
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith("slth-verify: error: ") and name in err


@pytest.mark.parametrize("argv, fragment", [
    (["solve", "missing.json"], "missing.json: no such file"),
    (["solve", "{data}"], "is a directory"),
    (["solve", "{budget}", "--method", "dp", "--memory-budget", "1K"], "over the memory budget of 1.0 KiB"),
    (["solve", "{budget}", "--method", "sat", "--solver", "maplesat"], "maplesat"),
    # one check of a time limit, worded alike wherever it is given (verify.solve.limits)
    (["solve", "{budget}", "--time-limit", "-1"], "--time-limit: expected a positive number of seconds, at most 10^6, got -1.0"),
    (["solve", "{budget}", "--time-limit", "1e12"], "--time-limit: expected a positive number of seconds, at most 10^6"),
    (["cover", "{budget}", "--time-limit", "nan"], "--time-limit: expected a positive number of seconds, at most 10^6, got nan"),
    (["export", "{budget}", "--format", "cnf", "--time-limit", "0", "-o", "x"],
     "--time-limit: expected a positive number of seconds, at most 10^6, got 0.0"),
    (["certify", "--target", "t.npz", "--random", "r.npz", "--find", "any", "--time-limit", "inf", "-o", "c.json"],
     "--time-limit: expected a positive number of seconds, at most 10^6, got inf"),
    (["export", "{budget}", "--format", "pdf", "-o", "x"], "invalid choice"),
    (["count", "{budget}", "--method", "sat"], "invalid choice"),
    (["solve", "{budget}", "--memory-budget", "lots"], "memory budget: expected a size"),
    (["solve", "{budget}", "--method", "magic"], "invalid choice"),
    (["generate", "subset-sum", "--n", "5", "--target", "soon"], "expected planted, middle"),
    (["generate", "subset-sum", "--n", "-3"], "n: expected a positive integer"),
    (["generate", "subset-sum", "--n", "5", "--bits", "3", "--M", "9"], "exactly one of bits, M or kappa"),
    (["generate", "vector", "--n", "3", "--target", "1,x"], "comma-separated integers"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv, fragment):
    budget = tmp_path / "b.json"
    budget.write_text(json.dumps({"kind": "subset-sum", "version": 1,
                                  "weights": [2**30 + i for i in range(8)], "targets": [2**31 + 1]}))
    code, out, err = run(capsys, *[a.format(data=DATA, budget=budget) for a in argv])
    assert code == 2 and out == ""
    assert fragment in err and err.count("\n") == 1


def _random_weights(target_widths, units):
    from verify.generators import target_network
    from verify.networks import theorem1_shapes

    return theorem1_shapes(target_network(target_widths, 3), units)


@pytest.mark.parametrize("argv, size, estimate, budget", [
    (["subset-sum", "--n", "100000000"], "--n 100,000,000",
     lambda g: g.subset_sum_memory(10**8, bits=12), None),
    (["subset-sum", "--n", "100000", "--bits", "60", "--memory-budget", "10M", "-o", "{out}"], "--n 100,000",
     lambda g: g.subset_sum_memory(10**5, bits=60), "10M"),
    (["subset-sum", "--n", "100000000", "--distribution", "products", "--bits", "8"], "--n 100,000,000",
     lambda g: g.subset_sum_memory(10**8, bits=8, distribution="products"), None),
    (["vector", "--n", "10000000", "--dim", "3", "--memory-budget", "1G", "-o", "{out}"], "--n 10,000,000 --dim 3",
     lambda g: g.vector_memory(10**7, 3, bits=8), "1G"),
    (["target", "--widths", "100000,100000", "-o", "{out}"], "--widths 100000,100000",
     lambda g: g.target_memory([100000, 100000]), None),
    (["random", "--for", "{target}", "--c", "1000000000", "-o", "{out}"],
     f"{sum(r * c for r, c in _random_weights([2, 2], 2 * 10**9)):,} weights",
     lambda g: g.random_memory(_random_weights([2, 2], 2 * 10**9), 2), None),
])
def test_generate_refuses_a_size_over_the_memory_budget_before_drawing(tmp_path, capsys, monkeypatch, argv, size,
                                                                       estimate, budget):
    import verify.generators as g
    from verify.prefilter.budget import DEFAULT_BUDGET, ENV_VAR, human_bytes, parse_size

    monkeypatch.delenv(ENV_VAR, raising=False)
    target = tmp_path / "t.json"
    assert run(capsys, "generate", "target", "--widths", "2,2", "--bits", "3", "-o", str(target))[0] == 0
    out = tmp_path / "out.json"
    code, stdout, err = run(capsys, "generate", *[a.format(out=out, target=target) for a in argv])
    limit = DEFAULT_BUDGET if budget is None else parse_size(budget)
    assert code == 2 and stdout == "" and err.count("\n") == 1 and not out.exists()
    assert size in err and f"needs {human_bytes(estimate(g))}" in err and f"budget of {human_bytes(limit)}" in err


def test_generate_budget_is_solves_budget_exactly_at_the_estimate(tmp_path, capsys, monkeypatch):
    from verify.generators import subset_sum_memory
    from verify.prefilter.budget import ENV_VAR

    needed = subset_sum_memory(1000, bits=12)
    out = tmp_path / "i.json"
    argv = ["generate", "subset-sum", "--n", "1000", "-o", str(out)]
    assert run(capsys, *argv, "--memory-budget", str(needed))[0] == 0 and out.exists()
    out.unlink()
    assert run(capsys, *argv, "--memory-budget", str(needed - 1))[0] == 2 and not out.exists()
    monkeypatch.setenv(ENV_VAR, str(needed - 1))  # the environment default, as for solve
    code, _, err = run(capsys, *argv)
    assert code == 2 and "over the memory budget" in err and not out.exists()
    code, _, err = run(capsys, *argv, "--memory-budget", "lots")
    assert code == 2 and "memory budget: expected a size" in err and err.count("\n") == 1


def test_failed_generate_leaves_no_file(tmp_path, capsys):
    target = tmp_path / "never.json"
    code, _, err = run(capsys, "generate", "subset-sum", "--n", "5", "--bits", "99", "-o", str(target))
    assert code == 2 and not target.exists() and not list(tmp_path.iterdir())


def test_real_process_exit_codes_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "subset-sum", "version": 1, "weights": [1, NaN], "targets": [1]}')
    for argv, expected in ((["solve", str(bad)], 2), (["solve", str(tmp_path / "none.json")], 2),
                           (["--version"], 0)):
        proc = subprocess.run([sys.executable, "-m", "verify.cli", *argv], capture_output=True, text=True)
        assert proc.returncode == expected
        assert "Traceback" not in proc.stderr


def test_export_files_read_back(tmp_path, capsys):
    from verify.encodings.formats import read_dimacs, read_opb, read_wcnf
    inst = tmp_path / "e.json"
    inst.write_text(json.dumps({"kind": "subset-sum", "version": 1, "weights": [3, -5, 7, 2],
                                "targets": [4, 2]}))
    code, _, err = run(capsys, "export", str(inst), "--format", "cnf", "-o", str(tmp_path / "x.cnf"))
    assert code == 2 and "choose one with --target" in err
    for fmt, reader in (("cnf", read_dimacs), ("opb", read_opb), ("wcnf", read_wcnf)):
        out = tmp_path / f"x.{fmt}"
        code, _, err = run(capsys, "export", str(inst), "--format", fmt, "--target", "4", "-o", str(out))
        assert code == 0 and out.exists()
        parsed = reader(out.read_text())
        assert any("sha256" in c for c in parsed.comments)


def test_export_is_built_within_the_memory_budget(tmp_path, capsys):
    import numpy as np

    from verify.encodings.export import export_problem
    from verify.problems import load_problem

    weights = np.random.default_rng(1).integers(-4096, 4097, 32).tolist()  # sortnetwrk: gigabytes
    inst = tmp_path / "w.json"
    inst.write_text(json.dumps({"kind": "subset-sum", "version": 1, "weights": weights,
                                "targets": [sum(weights[:16])]}))
    out = tmp_path / "w.cnf"
    code, _, err = run(capsys, "export", str(inst), "--format", "cnf", "--encoding", "sortnetwrk",
                       "--memory-budget", "32M", "-o", str(out))
    assert code == 2 and "building the sortnetwrk encoding: it grew past" in err and not out.exists()
    # within the budget the file is the one the library writes with no bound at all
    assert run(capsys, "export", str(inst), "--format", "cnf", "-o", str(out))[0] == 0
    assert out.read_text() == export_problem(load_problem(inst), "cnf")[0]


def test_solve_with_sat_and_a_proof_dir(tmp_path, capsys):
    inst = tmp_path / "s.json"
    inst.write_text(json.dumps({"kind": "subset-sum", "version": 1, "weights": [3, 4, 5, 8, 9, 13],
                                "targets": [14, 12], "size": 3}))
    code, out, _ = run(capsys, "solve", str(inst), "--method", "sat", "--proof-dir",
                       str(tmp_path / "proofs"), "--json")
    result = json.loads(out)
    statuses = {a["target"]: a["status"] for a in result["answers"]}
    assert code == 0 and statuses == {14: "unsat-proof-checked", 12: "sat-verified"}
    assert any(p.suffix == ".drup" for p in (tmp_path / "proofs").iterdir())


def test_network_commands_construct_a_ticket(tmp_path, capsys):
    t, r, m = (str(tmp_path / name) for name in ("t.npz", "r.npz", "m.npz"))
    assert run(capsys, "generate", "target", "--widths", "2,2", "--bits", "2", "--seed", "1", "-o", t)[0] == 0
    assert run(capsys, "generate", "random", "--for", t, "--width-per-weight", "64", "--seed", "2",
               "-o", r)[0] == 0
    code, out, _ = run(capsys, "construct", "--target", t, "--random", r, "-o", m, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["equal"] and report["equal_on"] == "every real input (collapse)"
    assert all(c["status"] == "sat-verified" for c in report["choices"])
    assert report["kept"] < report["total"] and (tmp_path / "m.npz").exists()
    cert = str(tmp_path / "m.json")  # the written mask certifies as a given mask
    assert run(capsys, "certify", "--target", t, "--random", r, "--mask", m, "-o", cert)[0] == 0
    assert run(capsys, "check", cert)[0] == 0
    small = str(tmp_path / "small.npz")
    run(capsys, "generate", "random", "--for", t, "--width-per-weight", "1", "--seed", "2", "-o", small)
    code, out, _ = run(capsys, "construct", "--target", t, "--random", small, "-o", str(tmp_path / "x.npz"))
    assert code == 1 and "FAILED" in out and not (tmp_path / "x.npz").exists()
    code, _, err = run(capsys, "construct", "--target", t, "--random", t, "-o", m)
    assert code == 2 and "needs depth 2" in err and err.count("\n") == 1
    code, _, err = run(capsys, "construct", "--target", t, "--random", r, "--delta-bits", "0", "-o", m)
    assert code == 2 and "δ_in² <= δ² <= δ_t" in err and err.count("\n") == 1
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    code, _, err = run(capsys, "construct", "--target", str(bad), "--random", r, "-o", m)
    assert code == 2 and "not a network file" in err and err.count("\n") == 1
