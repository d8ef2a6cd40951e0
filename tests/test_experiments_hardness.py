"""The ``hardness`` experiment: every method against brute force on small instances, the
budget and confirmation paths, determinism, and the report on hand-built rows."""

import pytest

from tests.brute import reachable, subset_table
from verify.experiments.hardness import EXPERIMENT, instance

BASE = {p.name: p.default for p in EXPERIMENT.params}
SMALL = [{**BASE, "n": 10, "kappa": kappa, "target": target}
         for kappa in ("0.5", "1", "1.5") for target in ("planted", "1/3")]


def without_seconds(result):
    return {k: v for k, v in result.items() if not k.endswith("_seconds")}


@pytest.fixture(scope="module")
def runs():
    return {(i, s, m): EXPERIMENT.run(p, s, m, 10) for i, p in enumerate(SMALL) for s in range(3)
            for m in EXPERIMENT.methods}


def test_every_method_agrees_with_brute_force_on_the_same_instance(runs):
    seen = set()
    for (i, s, m), out in runs.items():
        inst = instance(SMALL[i], s)
        want = reachable(subset_table(inst.weights), inst.targets[0])
        assert out["instance_sha256"] == inst.sha256 == runs[i, s, "dp"]["instance_sha256"]
        assert out["reachable"] is want, (SMALL[i], s, m, out)
        assert out["status"] == ("sat-verified" if want else out["status"])
        assert out["status"] in ("sat-verified", "unsat-exhaustive", "unsat-proof-checked")
        if SMALL[i]["target"] == "planted":
            assert want
        seen.add(want)
    assert seen == {True, False}


def test_a_solver_no_is_confirmed_apart_and_its_own_time_recorded(runs):
    nos = [(k, out) for k, out in runs.items() if k[2] in ("cpsat", "sat") and out["reachable"] is False]
    assert {k[2] for k, _ in nos} == {"cpsat", "sat"}
    for (_, _, m), out in nos:
        if m == "cpsat":  # INFEASIBLE carries no proof: claimed by CP-SAT, certified by the table
            assert out["method_status"] == "unsat-claimed" and out["decided_by"] == "cpsat"
            assert out["confirmed_by"] == "mitm" and out["status"] == "unsat-exhaustive"
            assert "confirm_seconds" in out and "solve_seconds" in out
        else:  # a DRUP proof checked by the independent checker; nothing to confirm
            assert out["method_status"] == out["status"] == "unsat-proof-checked"
            assert out["decided_by"].startswith("sat:") and "confirmed_by" not in out
            assert out["check_seconds"] >= 0


def test_dp_over_budget_is_unknown_with_the_reason_not_an_error():
    params = {**BASE, "n": 24, "kappa": "2", "budget_mib": 1}
    out = EXPERIMENT.run(params, 0, "dp", None)
    assert out["status"] == "unknown" and out["over_budget"] and out["reachable"] is None
    assert "budget" in out["reason"]
    mitm = EXPERIMENT.run(params, 0, "mitm", None)  # 2^12 half-sums fit in 1 MiB
    assert mitm["status"] == "sat-verified" and mitm["instance_sha256"] == out["instance_sha256"]


def test_deterministic_except_seconds(runs):
    for m in EXPERIMENT.methods:
        assert without_seconds(EXPERIMENT.run(SMALL[3], 1, m, 10)) == without_seconds(runs[3, 1, m])


def test_tables_and_plot(runs, tmp_path):
    rows = [{"params": SMALL[i], "seed": s, "method": m, "status": out["status"], "result": out, "seconds": 0.1}
            for (i, s, m), out in runs.items()]
    rows.append({"params": SMALL[0], "seed": 9, "method": "dp", "status": "error", "result": None, "seconds": 0.0})
    (table,) = EXPERIMENT.tables(rows)
    assert len(table.rows) == 2 * 4 * 3  # (target, method, κ)
    dp_half = next(r for r in table.rows if r[2] == "planted" and r[3] == "dp" and r[4] == "0.5")
    assert dp_half[6] == 4 and dp_half[7] == "3/4" and dp_half[8] == "1.00"
    assert [r[4] for r in table.rows[:3]] == ["0.5", "1", "1.5"]
    assert any("slowest median" in note for note in table.notes)
    from matplotlib.figure import Figure

    fig = Figure()
    EXPERIMENT.plot(rows, fig)
    fig.savefig(tmp_path / "hardness.png")
    assert (tmp_path / "hardness.png").stat().st_size > 1000
