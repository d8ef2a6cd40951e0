"""The ``network`` experiment against the library's constructions and searches run by hand on
the same seeds, its report on hand-built rows, and its determinism."""

import pytest

from verify.constructions import ConstructionOptions, construct_theorem1, construct_theorem2
from verify.errors import InputError
from verify.experiments.network import EXPERIMENT, RANDOM_SEED_OFFSET, theorem3, union_bound
from verify.generators import target_network, theorem1_random_network, theorem2_random_network
from verify.networks import Rounding, density
from verify.tickets import family_sums, find_any

BASE = {p.name: p.default for p in EXPERIMENT.params}
T1 = {**BASE, "widths": "2,2,2", "target_bits": 3, "c": 12}  # 24 units per input, δ = 2^-2
T2 = {**BASE, "widths": "2,2,2", "target_bits": 3, "theorem": 2, "c1": 36, "copies": 8}
SEEDS = range(6)


def pair(params, seed):
    t = target_network([2, 2, 2], 3, seed=seed, rounding=Rounding("double", 3))
    if params["theorem"] == 1:
        return t, theorem1_random_network(t, 2 * params["c"], 2, seed=seed + RANDOM_SEED_OFFSET)
    return t, theorem2_random_network(t, params["c1"], params["copies"], 3, seed=seed + RANDOM_SEED_OFFSET)


def without_seconds(result):
    return {k: v for k, v in result.items() if not k.endswith("_seconds")}


@pytest.fixture(scope="module")
def runs():
    return {(m, s): EXPERIMENT.run(T1, s, m, 10) for m in EXPERIMENT.methods for s in SEEDS}


def test_construction_agrees_with_construct_theorem1(runs):
    outcomes = set()
    for s in SEEDS:
        out = runs["construction", s]
        t, r = pair(T1, s)
        built = construct_theorem1(t, r, 2)
        outcomes.add(built.ok)
        assert out["success"] is built.ok and out["total"] == r.num_weights == 2 * 8 * 24
        assert out["status"] == ("sat-verified" if built.ok else "unsat-exhaustive")
        assert out["sums_total"] == len(built.choices) and out["sums_ok"] == len(built.choices) - len(built.failures)
        failed = {(c.layer, c.output, c.input) for c in built.failures}
        assert (out["weights_ok"], out["weights_total"]) == (8 - len(failed), t.num_weights)
        assert out.get("kept") == (density(built.mask)[0] if built.ok else None)
    assert outcomes == {True, False}  # the seeds cover both outcomes


def test_theorem2_construction_agrees_with_construct_theorem2():
    for s in range(3):
        out = EXPERIMENT.run(T2, s, "construction", None)
        t, r = pair(T2, s)
        built = construct_theorem2(t, r, 3, ConstructionOptions(units=36, copies=8))
        assert out["success"] is built.ok and out["sums_total"] == len(built.choices)
        assert out["weights_total"] == 8 and out["units"] == 36 and out["copies"] == 8
        if built.ok:
            assert out["kept"] == density(built.mask)[0] and out["weights_ok"] == 8


def test_min_width_is_at_most_theorem1_width_and_minimal(runs):
    found = 0
    for s in SEEDS:
        out = runs["min-width", s]
        t, r = pair(T1, s)
        if out["status"] != "sat-verified":
            assert out["status"] == "unsat-exhaustive" and out["found"] is False
            assert not find_any(family_sums(t, r, 2), 24).found
            continue
        found += 1
        w = out["min_width"]
        assert w <= out["theorem1_width"] == 24 and out["narrower_certified"]
        assert find_any(family_sums(t, r, 2, width=w), w).found
        assert not find_any(family_sums(t, r, 2, width=w - 1), w - 1).found
    assert found


def test_sparsest_keeps_no_more_than_the_construction_or_the_narrowest(runs):
    compared = 0
    for s in SEEDS:
        out, cons, narrow = runs["sparsest", s], runs["construction", s], runs["min-width", s]
        assert out["instance_sha256"] == cons["instance_sha256"] == narrow["instance_sha256"]
        assert out["status"] == narrow["status"]  # both search the same family
        if out["status"] != "sat-verified":
            continue
        assert out["optimal"] and out["kept"] <= narrow["kept"]
        assert out["construction_kept"] == cons.get("kept")
        if cons["success"]:
            compared += 1
            assert out["kept"] <= cons["kept"]
    assert compared


def test_search_methods_on_theorem2_are_not_tasks():
    for method in ("min-width", "sparsest"):
        assert "Theorem 1" in EXPERIMENT.applies(T2, method)
        assert EXPERIMENT.applies(T1, method) is None
        with pytest.raises(InputError, match="Theorem 1's layout only"):
            EXPERIMENT.run(T2, 0, method, None)
    assert EXPERIMENT.applies(T2, "construction") is None


def test_deterministic_and_targets_independent_of_c(runs):
    for m in EXPERIMENT.methods:
        assert without_seconds(EXPERIMENT.run(T1, 1, m, 10)) == without_seconds(runs[m, 1])
    other = EXPERIMENT.run({**T1, "c": 13}, 1, "construction", None)
    assert other["target_weights"] == 8 and other["instance_sha256"] != runs["construction", 1]["instance_sha256"]


def test_tables_and_plot(runs, tmp_path):
    rows = [{"params": T1, "seed": s, "method": m, "status": r["status"], "result": r, "seconds": 0.1}
            for (m, s), r in runs.items()]
    rows += [{"params": {**T1, "c": 4}, "seed": s, "method": "construction", "status": "error", "result": None,
              "seconds": 0.0} for s in range(2)]
    for s in range(2):
        r = EXPERIMENT.run(T2, s, "construction", None)
        rows.append({"params": T2, "seed": s, "method": "construction", "status": r["status"], "result": r,
                     "seconds": 0.1})
    cons, narrow, sparse = EXPERIMENT.tables(rows)
    yes = sum(runs["construction", s]["success"] for s in SEEDS)
    row = next(r for r in cons.rows if r[0] == 1 and r[3] == 12)
    assert row[7] == f"{yes}/{len(SEEDS)}" and row[10] == 8
    p = sum(runs["construction", s]["weights_ok"] for s in SEEDS) / (8 * len(SEEDS))
    assert row[11] == f"{union_bound(8, p):.3f}"
    assert any(r[3] == 4 and r[7] == "0/0" for r in cons.rows)  # failed tasks count as trials only
    assert len(narrow.rows) == len(sparse.rows) == 1 and sparse.rows[0][9] == f"{theorem3('2,2,2', 3):.1f}"
    assert union_bound(8, 1.0) == 1.0 and union_bound(8, 0.5) == 0.0
    from matplotlib.figure import Figure

    fig = Figure()
    EXPERIMENT.plot(rows, fig)
    fig.savefig(tmp_path / "network.png")
    assert (tmp_path / "network.png").stat().st_size > 1000
