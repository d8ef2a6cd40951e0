"""The ``structured`` experiment: seeded rows, success masks checked against the target by an
independent brute-force evaluation, failures naming their kernel entry, report rates that agree
with counting the stored rows, and spec errors from the command line."""

import json
import sqlite3

import numpy as np
import pytest

from verify.architectures import Conv, ReLU
from verify.cli import main
from verify.conv_constructions import construct_conv
from verify.experiments import experiments
from verify.experiments.base import wilson_interval
from verify.experiments.report import load_rows
from verify.experiments.spec import load_spec, parse_spec
from verify.experiments.structured import EXPERIMENT, conv_networks_for, run, target_params

BASE = {p.name: p.default for p in EXPERIMENT.params}
# 1 → 1 → 1 channels, 2×2 kernels on a 3×3 input: 3^9 inputs on the grid 2^0
TINY = {**BASE, "channels": "1,1,1", "kernel": 2, "size": 3, "bits": 1}


def run_cli(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------- brute-force evaluation

def lower_half_even(v: np.ndarray, drop: int) -> np.ndarray:
    """v / 2^drop rounded to the nearest integer, ties to even (drop >= 1)."""
    q = v >> drop
    r = v - (q << drop)
    half = 1 << (drop - 1)
    return q + ((r > half) | ((r == half) & (q % 2 == 1)))


def brute_forward(net, x: np.ndarray, scale: int) -> tuple[np.ndarray, int]:
    """The network on a batch x (B, C, H, W) of integers at ``scale``, layer by layer with
    explicit kernel offsets (no im2col, no library convolution)."""
    weights = iter(net.weights)
    v = x.astype(np.int64)
    for layer in net.architecture.layers:
        if isinstance(layer, ReLU):
            v = np.maximum(v, 0)
            continue
        assert isinstance(layer, Conv) and layer.stride == 1 and layer.padding == 0
        w = next(weights).astype(np.int64)
        k = layer.kernel
        # only the channels a nonzero weight reads or writes (a pruned network's are few): speed only
        reads, writes = np.flatnonzero(np.abs(w).sum(axis=(0, 2, 3))), np.flatnonzero(np.abs(w).sum(axis=(1, 2, 3)))
        oh, ow = v.shape[2] - k + 1, v.shape[3] - k + 1
        out = np.zeros((v.shape[0], w.shape[0], oh, ow), dtype=np.int64)
        for a in range(k):
            for e in range(k):
                out[:, writes] += np.einsum("bchw,oc->bohw", v[:, reads, a:a + oh, e:e + ow],
                                            w[writes][:, reads, a, e])
        v, scale = out, scale + layer.bits
        if layer.gamma is not None and scale > layer.gamma:
            v, scale = lower_half_even(v, scale - layer.gamma), layer.gamma
    return v, scale


def same(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int]) -> np.ndarray:
    """Per input: whether the two outputs are equal as rationals."""
    s = max(a[1], b[1])
    va, vb = a[0] << (s - a[1]), b[0] << (s - b[1])
    return np.all((va == vb).reshape(len(va), -1), axis=1)


def grid_inputs(shape) -> np.ndarray:
    n = int(np.prod(shape))
    axes = [np.array([-1, 0, 1])] * n
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape((-1, *shape))


# ------------------------------------------------------------------------------------ rows

def test_rows_are_seeded_and_reproducible():
    for pruning in ("unstructured", "structured", "mlp"):
        params = {**TINY, "c": 32, "pruning": pruning}
        a, b, other = run(params, 3, "construction", None), run(params, 3, "construction", None), \
            run(params, 4, "construction", None)
        assert a == b
        assert a["instance_sha256"] != other["instance_sha256"]
        assert a["target_params"] == 8 and a["sums_total"] > 0


@pytest.mark.parametrize("pruning, c", [("unstructured", 48), ("structured", 64)])
def test_a_success_mask_reproduces_the_target_by_brute_force(pruning, c):
    params = {**TINY, "c": c, "pruning": pruning}
    successes = 0
    for seed in range(4):
        row = run(params, seed, "construction", None)
        if not row["success"] or successes == 2:
            continue
        successes += 1
        assert row["status"] == "sat-verified" and row["equality"].startswith("collapse: equal on all real inputs")
        target, random, sha = conv_networks_for(params, seed)
        assert sha == row["instance_sha256"]
        mask = construct_conv(target, random).mask
        assert sum(int(m.sum()) for m in mask) == row["kept"]
        pruned = random.pruned(mask)
        x = grid_inputs(target.architecture.input_shape)
        assert same(brute_forward(target, x, 0), brute_forward(pruned, x, 0)).all()
        fine = np.random.default_rng(seed).integers(-8, 9, size=(200, *target.architecture.input_shape))
        assert same(brute_forward(target, fine, 3), brute_forward(pruned, fine, 3)).all()
        # the check can fail: a kept nonzero second-layer weight removed changes some output
        broken = [m.copy() for m in mask]
        broken[1][tuple(np.argwhere(broken[1] & (random.weights[1] != 0))[0])] = False
        other = random.pruned(broken)
        assert not (same(brute_forward(target, x, 0), brute_forward(other, x, 0)).all()
                    and same(brute_forward(target, fine, 3), brute_forward(other, fine, 3)).all())
    assert successes >= 2


def test_a_failure_names_its_kernel_entry_and_evidence():
    for pruning, where in (("unstructured", "entry (0, "), ("structured", "entry (0,)"), ("mlp", "row ")):
        row = run({**TINY, "c": 4, "pruning": pruning}, 0, "construction", None)
        assert row["success"] is False and row["status"].startswith("unsat-")
        assert where in row["failure"] and "branch" in row["failure"] and row["sums_ok"] < row["sums_total"]
        assert "kept" not in row and "equality" not in row


def test_the_mlp_reference_has_as_many_target_weights():
    for channels, kernel in (("1,2,2", 3), ("2,3", 2), ("1,2,2", 2)):
        params = {**TINY, "channels": channels, "kernel": kernel, "size": 6, "c": 2, "pruning": "mlp"}
        row = run(params, 0, "construction", None)
        widths = [int(c) * kernel for c in channels.split(",")]
        assert target_params(params) == sum(a * b for a, b in zip(widths, widths[1:]))
        assert row["random_params"] == sum(row["units"] * a * (a + b) for a, b in zip(widths, widths[1:]))


# ----------------------------------------------------------------------------- command line

SPEC = """experiment = "structured"
seeds = {seeds}
[parameters]
channels = {channels}
kernel = 2
size = 3
bits = {bits}
c = {c}
pruning = {pruning}
"""


def spec_text(seeds=4, channels='"1,1,1"', bits=1, c="[24, 48]", pruning='["unstructured", "structured", "mlp"]'):
    return SPEC.format(seeds=seeds, channels=channels, bits=bits, c=c, pruning=pruning)


def test_report_rates_agree_with_counting_rows(tmp_path, capsys):
    spec, db = tmp_path / "s.toml", tmp_path / "s.sqlite"
    spec.write_text(spec_text())
    code, _, err = run_cli(capsys, "sweep", spec, "--db", db, "--quiet")
    assert code == 0 and "24 tasks" in err
    _, rows = load_rows(db, None, experiments())
    rates = EXPERIMENT.tables(rows)[0]
    col = {name: i for i, name in enumerate(rates.columns)}
    assert len(rates.rows) == 6
    for line in rates.rows:
        cell = [r for r in rows
                if r["params"]["pruning"] == line[col["pruning"]] and r["params"]["c"] == line[col["c"]]]
        yes = sum(r["status"] == "sat-verified" for r in cell)
        dec = sum(r["status"] in ("sat-verified", "unsat-exhaustive", "unsat-proof-checked") for r in cell)
        assert yes == sum(r["result"]["success"] is True for r in cell)
        assert line[col["success"]] == f"{yes}/{dec}" and line[col["rows"]] == len(cell) == 4
        lo, hi = wilson_interval(yes, dec)
        assert line[col["95% Wilson"]] == f"[{lo:.3f}, {hi:.3f}]"
    stored = [json.loads(p) for (p,) in sqlite3.connect(db).execute("SELECT params FROM results")]
    assert {s["size"] for s in stored if s["pruning"] == "mlp"} == {None}
    code, out, _ = run_cli(capsys, "report", db)
    assert code == 0 and "overparameterization" in out


@pytest.mark.parametrize("text, field", [
    (spec_text(c="[0, 8]"), "parameters.c"), (spec_text(channels='"1,0,2"'), "parameters.channels"),
    (spec_text(bits=7), "parameters.bits"), (spec_text(bits=0), "parameters.bits"),
    (spec_text(pruning='"pruned"'), "parameters.pruning"), (spec_text(seeds=0), "seeds"),
    (spec_text(channels='"1,1,1,1,1"').replace("size = 3", "size = 4"), "do not fit")])
def test_a_bad_spec_is_one_line_and_exit_2(tmp_path, capsys, text, field):
    spec, db = tmp_path / "bad.toml", tmp_path / "r.sqlite"
    spec.write_text(text)
    code, _, err = run_cli(capsys, "sweep", spec, "--db", db)
    assert code == 2 and field in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not db.exists()


def test_the_builtin_spec_is_small_and_compares_all_three():
    spec = load_spec("structured", experiments())
    assert spec.size <= 300 and set(dict(spec.grid)["pruning"]) == {"unstructured", "structured", "mlp"}
    assert parse_spec({"experiment": "structured", "seeds": 1}, "inline", experiments()).size == 1


def test_a_level_counts_undecided_rows_as_failures():
    def row(c, seed, success):
        result = None if success is None else {"success": success, "units": c, "channels_per_channel": c,
                                                "random_params": 10 * c, "target_params": 8, "kept": 5}
        status = {True: "sat-verified", False: "unsat-exhaustive", None: "unknown"}[success]
        return {"params": {**TINY, "c": c, "pruning": "structured"}, "seed": seed, "method": "construction",
                "status": status, "result": result, "seconds": 0.1}

    # c = 8: 2 of 2 decided succeed but 4 tasks were killed; c = 16: 5 of 6 succeed
    rows = [row(8, s, True if s < 2 else None) for s in range(6)] + [row(16, s, s > 0) for s in range(6)]
    rates, over = EXPERIMENT.tables(rows)
    assert [line[rates.columns.index("success")] for line in rates.rows] == ["2/2", "5/6"]
    assert [line[rates.columns.index("undecided")] for line in rates.rows] == [4, 0]
    reached = {line[over.columns.index("level")]: line[over.columns.index("c")] for line in over.rows}
    assert reached == {0.5: 16, 0.9: "not reached"}
    assert over.rows[0][over.columns.index("random/target")] == "20.0"
