"""export-network: exported tickets and targets computed by onnxruntime and by docs/usage.md's NumPy
snippet equal the tool's exact forward bit for bit (every schedule, every mode, compact and
full, float32 and float64); the exactness bound refuses what floats cannot compute exactly;
a certificate that does not check, or proves no ticket, writes nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import safetensors

from verify.certificates import certified_ticket
from verify.certify import CertifyOptions, certify
from verify.cli import main
from verify.errors import InputError
from verify.generators import target_network, theorem1_random_network, theorem2_random_network
from verify.models.writing import (compact, exact_outputs, exactness_bounds, grid_floats, prepare,
                                   read_exported, run_numpy, run_onnx, write_npz, write_onnx,
                                   write_safetensors)
from verify.networks import QuantizedNetwork, Rounding, input_grid, same_outputs, save_network

MODES = ("nearest-even", "nearest-away", "floor", "ceil", "toward-zero")
SCHEDULES = ("none", "double", "triple", "after-first")
README = Path(__file__).resolve().parent.parent / "docs" / "usage.md"  # the page with the NumPy snippet


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def same(got, want):
    """Bit for bit: the same integers at the same scale."""
    (gv, gs), (wv, ws) = got, want
    return gs == ws and gv.shape == wv.shape and np.array_equal(gv.astype(object), wv.astype(object))


def grid_or_sample(d0: int, bits: int, n: int = 10_000, seed: int = 0) -> np.ndarray:
    """The whole input grid when small, else ``n`` seeded random grid points."""
    side = (1 << (bits + 1)) + 1
    if side ** d0 <= 1 << 16:
        return input_grid(d0, bits)
    rng = np.random.default_rng(seed)
    return rng.integers(-(1 << bits), (1 << bits) + 1, size=(n, d0), dtype=np.int64)


# ---------------------------------------------------------------------------------- fixtures

def _certify(d: Path, name: str, target, draw) -> Path:
    """The certificate of the construction for the first seed of ``draw(seed)`` on which it
    succeeds (small random networks fail now and then: that is an answer, not a ticket)."""
    save_network(target, d / f"{name}-target.npz")
    for seed in range(100, 140):
        save_network(draw(seed), d / f"{name}-random.npz")
        done = certify(d / f"{name}-target.npz", d / f"{name}-random.npz", d / f"{name}.json")
        if done.ok:
            break
    assert done.ok and done.ticket, (name, done.message)
    return d / f"{name}.json"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """Real certified tickets of every schedule: γ-triple (Theorem 1 of a γ-double target, one
    per mode), none (Theorem 1 of an exact target), after-first (Theorem 2); and a no-ticket."""
    d = tmp_path_factory.mktemp("certs")
    out = {}
    for mode in MODES:
        t = target_network([2, 2, 1], 2, seed=1, rounding=Rounding("double", 2, mode))
        out[f"triple-{mode}"] = _certify(d, f"triple-{mode}", t, lambda s, t=t: theorem1_random_network(t, 24, 2, seed=s))
    t = target_network([2, 2, 1], 2, seed=1)
    out["none"] = _certify(d, "none", t, lambda s: theorem1_random_network(t, 24, 2, seed=s))
    t = target_network([2, 2, 2], 2, seed=4, rounding=Rounding("double", 2))
    out["after-first"] = _certify(d, "after-first", t,
                                  lambda s: theorem2_random_network(t, 48, 24, 2, seed=s, zero=False))
    (d / "none-ticket").mkdir()
    t = target_network([2, 2, 1], 2, seed=3, rounding=Rounding("double", 2))
    save_network(t, d / "none-ticket" / "t.npz")
    save_network(theorem1_random_network(t, 1, 2, seed=103), d / "none-ticket" / "r.npz")
    done = certify(d / "none-ticket" / "t.npz", d / "none-ticket" / "r.npz", d / "none-ticket" / "c.json", CertifyOptions("any"))
    assert done.ok and not done.ticket
    out["no-ticket"] = d / "none-ticket" / "c.json"
    return out


def synthetic(schedule: str, mode: str, seed: int = 0) -> QuantizedNetwork:
    """A depth-4 network with dead units (a zero row, a zero column, and a unit that dies only
    once another is removed), mixed precisions, and many rounding ties on the 2^-2 grid."""
    rng = np.random.default_rng(seed)
    ws = [rng.integers(-8, 9, size=s) for s in [(6, 3), (5, 6), (4, 5), (2, 4)]]
    ws[0][1] = 0            # hidden layer 1, unit 1: zero row
    ws[1][:, 2] = 0         # hidden layer 1, unit 2: zero column
    ws[1][3] = 0            # hidden layer 2, unit 3: zero row ...
    ws[1][3, 2] = 0
    ws[2][:, 4] = 0         # ... and unit 4: zero column
    ws[3][:, 0] = 0
    ws[2][1] = 0
    ws[2][1, 0] = 0
    return QuantizedNetwork(ws, [3, 2, 3, 1], Rounding(schedule, None if schedule == "none" else 2, mode))


# ------------------------------------------------------------------- onnxruntime, bit for bit

@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("mode", MODES)
def test_every_schedule_and_mode_runs_exactly_in_onnxruntime(tmp_path, schedule, mode):
    net = synthetic(schedule, mode)
    x = input_grid(3, 2)
    want = net.forward(x, 2)
    for dtype in ("float32", "float64"):
        for full in (False, True):
            path = tmp_path / f"{dtype}-{full}.onnx"
            out = write_onnx(net, path, dtype, input_bits=2, full=full)
            assert out.dtype == dtype
            assert same(run_onnx(path, x), want), (schedule, mode, dtype, full)
            onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert out.widths == [3, 6, 5, 4, 2] and out.kept_units is None
    compacted = write_onnx(net, tmp_path / "c.onnx", input_bits=2)
    assert compacted.widths[0] == 3 and compacted.widths[-1] == 2
    assert sum(compacted.widths) < sum(net.widths)


def test_the_rounding_modes_differ_on_these_networks():
    """Otherwise the per-mode comparisons above could not fail: each pair of modes gives
    different outputs somewhere on the grid, under every lowering schedule."""
    x = input_grid(3, 2)
    for schedule in SCHEDULES[1:]:
        outs = {m: synthetic(schedule, m).forward(x, 2) for m in MODES}
        for i, a in enumerate(MODES):
            for b in MODES[i + 1:]:
                assert not same(outs[a], outs[b]), (schedule, a, b)


def test_a_graph_with_the_wrong_mode_is_caught(tmp_path):
    x = input_grid(3, 2)
    write_onnx(synthetic("double", "nearest-away"), tmp_path / "away.onnx", input_bits=2)
    assert not same(run_onnx(tmp_path / "away.onnx", x), synthetic("double", "nearest-even").forward(x, 2))


@pytest.mark.parametrize("name", ["triple-nearest-even", "triple-nearest-away", "triple-floor", "triple-ceil",
                                  "triple-toward-zero", "none", "after-first"])
def test_certified_tickets_and_targets_in_onnxruntime(certs, name, tmp_path, capsys):
    got = certified_ticket(certs[name])
    ticket, target, bits = got.ticket, got.target, got.input_bits
    x = input_grid(ticket.widths[0], bits)
    want = ticket.forward(x, bits)
    assert same_outputs(target.forward(x, bits), want).all()  # the certificate's claim, as rationals
    expected_schedule = {"none": "none", "after-first": "after-first"}.get(name, "triple")
    assert ticket.rounding.schedule == expected_schedule
    for dtype in ("float32", "float64"):
        for full in ((), ("--full",)):
            path = tmp_path / f"t-{dtype}-{len(full)}.onnx"
            code, out, err = run(capsys, "export-network", certs[name], "--format", "onnx", "-o", path,
                                 "--dtype", dtype, *full, "--json")
            assert code == 0, err
            report = json.loads(out)
            assert report["dtype"] == dtype and report["original_widths"] == list(ticket.widths)
            assert (report["widths"] == list(ticket.widths)) == bool(full)
            assert same(run_onnx(path, x), want), (name, dtype, full)
    target_file = certs[name].with_name(f"{name}-target.npz")
    code, _, err = run(capsys, "export-network", target_file, "--format", "onnx", "-o", tmp_path / "target.onnx")
    assert code == 0, err
    assert same(run_onnx(tmp_path / "target.onnx", x), target.forward(x, bits))


def test_ten_thousand_random_inputs_of_a_large_grid(certs, tmp_path, capsys):
    ticket = certified_ticket(certs["triple-floor"]).ticket
    x = grid_or_sample(2, 12)
    assert x.shape == (10_000, 2)
    for dtype in ("auto", "float64"):
        path = tmp_path / f"{dtype}.onnx"
        code, out, err = run(capsys, "export-network", certs["triple-floor"], "--format", "onnx", "-o", path,
                             "--input-bits", "12", "--dtype", dtype, "--json")
        assert code == 0, err
        assert json.loads(out)["input_bits"] == 12
        assert same(run_onnx(path, x), ticket.forward(x, 12))


def test_compact_keeps_exactly_the_recorded_units(certs, tmp_path):
    ticket = certified_ticket(certs["triple-nearest-even"]).ticket
    small, kept = compact(ticket)
    assert [len(k) for k in kept] == list(small.widths[1:-1])
    assert small.widths[1] < ticket.widths[1] and small.widths[3] < ticket.widths[3]
    rows = [np.arange(ticket.widths[0])] + [np.array(k) for k in kept] + [np.arange(ticket.widths[-1])]
    for i, (w, w_small) in enumerate(zip(ticket.weights, small.weights)):
        assert np.array_equal(np.asarray(w)[np.ix_(rows[i + 1], rows[i])], w_small)
        # what was dropped is dead: a zero row of layer i or a zero column of layer i + 1
    for h, k in enumerate(kept):
        dropped = np.setdiff1d(np.arange(ticket.widths[h + 1]), k)
        assert all(not np.asarray(ticket.weights[h])[u][rows[h]].any()
                   or not np.asarray(ticket.weights[h + 1])[rows[h + 2]][:, u].any() for u in dropped)
    write_onnx(ticket, tmp_path / "c.onnx")
    write_onnx(ticket, tmp_path / "f.onnx", full=True)
    assert (tmp_path / "c.onnx").stat().st_size < (tmp_path / "f.onnx").stat().st_size
    meta = onnx.load(str(tmp_path / "c.onnx")).metadata_props
    assert json.loads({p.key: p.value for p in meta}["kept_units"]) == kept


def test_a_layer_with_only_dead_units_keeps_one_zero_unit(tmp_path):
    net = QuantizedNetwork([[[1, 2], [3, 4]], [[0, 0]], [[5]]], [1, 1, 1], Rounding("double", 1, "ceil"))
    small, kept = compact(net)
    assert small.widths == (2, 1, 1, 1) and kept == [[0], [0]]
    x = input_grid(2, 1)
    write_onnx(net, tmp_path / "z.onnx", input_bits=1)
    assert same(run_onnx(tmp_path / "z.onnx", x), net.forward(x, 1))


# ------------------------------------------------------------------ npz, safetensors, NumPy

def readme_snippet() -> str:
    text = README.read_text()
    section = text[text.index("### Tickets out"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run_snippet(x_floats, npz=None, safetensors_path=None):
    code = readme_snippet()
    if npz is not None:
        assert '"ticket.npz"' in code
        code = code.replace('"ticket.npz"', repr(str(npz)))
        scope = {"x": x_floats}
    else:
        from safetensors import safe_open
        from safetensors.numpy import load_file

        lines = code.splitlines()
        assert lines[1].startswith("f = np.load(")
        code = "\n".join(lines[:1] + lines[2:])
        with safe_open(str(safetensors_path), "np") as f:
            meta = json.loads(f.metadata()["metadata"])
        scope = {"x": x_floats, "f": load_file(str(safetensors_path)), "meta": meta}
    exec(compile(code, "README snippet", "exec"), scope)
    return scope["h"], scope["meta"]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_readme_numpy_snippet_reproduces_the_outputs(tmp_path, schedule):
    x = input_grid(3, 2)
    for mode in MODES:
        net = synthetic(schedule, mode)  # seed 0: every pair of modes differs (tested above)
        want = net.forward(x, 2)
        for dtype in ("float32", "float64"):
            for full in (False, True):
                write_npz(net, tmp_path / "n.npz", dtype, 2, full)
                write_safetensors(net, tmp_path / "n.safetensors", dtype, 2, full)
                for kwargs in ({"npz": tmp_path / "n.npz"}, {"safetensors_path": tmp_path / "n.safetensors"}):
                    h, meta = run_snippet(grid_floats(x, 2, dtype), **kwargs)
                    assert h.dtype == np.dtype(dtype) and meta["dtype"] == dtype
                    assert same((exact_outputs(h, meta["output_scale"]), meta["output_scale"]), want), \
                        (schedule, mode, dtype, full, kwargs)


def test_npz_and_safetensors_of_a_certified_ticket(certs, tmp_path, capsys):
    got = certified_ticket(certs["triple-nearest-away"])
    x = input_grid(2, got.input_bits)
    want = got.ticket.forward(x, got.input_bits)
    for fmt in ("npz", "safetensors"):
        path = tmp_path / f"t.{fmt}"
        code, _, err = run(capsys, "export-network", certs["triple-nearest-away"], "--format", fmt, "-o", path)
        assert code == 0, err
        h, meta = run_snippet(grid_floats(x, got.input_bits, "float32"),
                              **({"npz": path} if fmt == "npz" else {"safetensors_path": path}))
        assert same((exact_outputs(h, meta["output_scale"]), meta["output_scale"]), want)
        assert meta["sources"]["target"]["sha256"] == got.target.sha256
        assert meta["sources"]["certificate"]["sha256"]
        assert meta["schedule"] == "triple" and meta["mode"] == "nearest-away" and meta["gamma"] == 2
    weights = np.load(tmp_path / "t.npz")
    assert weights["W0"].shape[1] == 2 and weights["W3"].shape[0] == 1  # (out, in)
    write_onnx(got.ticket, tmp_path / "t.onnx")
    for fmt in ("npz", "safetensors", "onnx"):  # the library's reader and NumPy forward pass
        assert same(run_numpy(tmp_path / f"t.{fmt}", x), want), fmt
        ws, meta = read_exported(tmp_path / f"t.{fmt}")
        assert [w.shape for w in ws] == [tuple(reversed(p)) for p in zip(meta["widths"], meta["widths"][1:])]


# ------------------------------------------------------------------- the exactness boundary

def _wide(first_row):
    """Layer 1 sums two inputs with these integer weights (scale 0)."""
    return QuantizedNetwork([[list(first_row)], [[1]]], [0, 0])


def test_float32_exactly_at_its_bound_and_refused_one_bit_beyond(tmp_path, capsys):
    x = input_grid(2, 0)
    at = _wide((2**23 - 1, 2**23))           # partial sums up to 2^24 - 1: 24 bits
    beyond = _wide((2**23 + 1, 2**23))       # x = (1, 1) sums to 2^24 + 1: not a float32
    assert exactness_bounds(at, 0)[0].sum_bits == 24 and exactness_bounds(beyond, 0)[0].sum_bits == 25
    # the refusal is not pedantry: float32 gets this one wrong
    w = np.array([[2**23 + 1, 2**23]], dtype=np.float32)
    assert float((np.ones((1, 2), np.float32) @ w.T)[0, 0]) != 2**24 + 1
    save_network(at, tmp_path / "at.npz")
    save_network(beyond, tmp_path / "beyond.npz")
    code, _, err = run(capsys, "export-network", tmp_path / "at.npz", "--format", "onnx", "-o", tmp_path / "at.onnx",
                       "--dtype", "float32")
    assert code == 0, err
    assert same(run_onnx(tmp_path / "at.onnx", x), at.forward(x, 0))
    code, out, err = run(capsys, "export-network", tmp_path / "beyond.npz", "--format", "onnx",
                         "-o", tmp_path / "b.onnx", "--dtype", "float32")
    assert code == 2 and not (tmp_path / "b.onnx").exists() and not out
    assert err.strip() == ("slth-verify: error: layer 1: partial sums need 2^25 > 2^24 at resolution 2^-0: "
                           "cannot export exactly in float32")
    code, out, err = run(capsys, "export-network", tmp_path / "beyond.npz", "--format", "onnx",
                         "-o", tmp_path / "b.onnx", "--json")
    assert code == 0 and json.loads(out)["dtype"] == "float64", err
    assert same(run_onnx(tmp_path / "b.onnx", x), beyond.forward(x, 0))


def test_beyond_float64_nothing_is_written(tmp_path, capsys):
    net = QuantizedNetwork([[[2**40, -(2**40) + 1]], [[3]]], [2, 0], Rounding("double", 1))
    save_network(net, tmp_path / "big.npz")
    for fmt in ("onnx", "npz", "safetensors"):
        code, out, err = run(capsys, "export-network", tmp_path / "big.npz", "--format", fmt,
                             "-o", tmp_path / f"big.{fmt}", "--input-bits", "14")
        assert code == 2 and not out and len(err.strip().splitlines()) == 1
        assert "layer 1: partial sums need 2^55 > 2^53 at resolution 2^-16: cannot export exactly in float64" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npz"]  # no temp files either
    with pytest.raises(InputError, match=re.escape("layer 2: weights need 2^61 > 2^53")):
        prepare(QuantizedNetwork([[[1]], [[2**60 + 1]]], [0, 0]), "float64")


def test_lowering_shrinks_the_bound(tmp_path):
    """Without the rounding the sums of layer 2 would not fit float32; lowering to 2^-1 keeps them small."""
    w = [[[2**10] * 3] * 3, [[2**10] * 3]]
    exact = QuantizedNetwork(w, [10, 0])
    lowered = QuantizedNetwork(w, [10, 0], Rounding("double", 1, "floor"))
    assert prepare(exact, input_bits=12).dtype == "float64"
    assert prepare(lowered, input_bits=12).dtype == "float32"
    b = exactness_bounds(lowered, 12)
    assert (b[0].sum_resolution, b[0].round_resolution, b[0].out_resolution) == (22, 21, 1)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("mode", MODES)
def test_the_bounds_hold_on_every_grid_input(schedule, mode):
    """Each layer's inputs, from the exact forward, are multiples of the claimed resolution, and
    Σ_j |W_ij|·|x_j| in those units stays below 2^sum_bits."""
    net = synthetic(schedule, mode)
    x = input_grid(3, 2)
    values, scale = x, 2
    for i, b in enumerate(exactness_bounds(net, 2)):
        s_in = b.sum_resolution - net.scales[i]
        units = values.astype(object) * 2**s_in
        assert (units % 2**scale == 0).all()  # a multiple of 2^-s_in
        units = units // 2**scale
        sums = np.abs(units).dot(np.abs(np.asarray(net.weights[i]).astype(object)).T)
        assert max(int(v) for v in sums.ravel()) < 2**b.sum_bits
        prefix = QuantizedNetwork(net.weights[:i + 1], net.scales[:i + 1], net.rounding)
        values, scale = prefix.forward(x, 2)
        values = np.maximum(values, 0)  # the ReLU the prefix's last layer skips (it commutes with lowering)


def test_bounds_beyond_int64_use_exact_integers():
    net = QuantizedNetwork([[[2**30, 2**30]], [[2**30]], [[-(2**30)]]], [0, 0, 0])
    bounds = exactness_bounds(net, 3)
    assert [b.sum_bits for b in bounds] == [35, 65, 95]
    with pytest.raises(InputError, match=re.escape("layer 2: partial sums need 2^65 > 2^53")):
        prepare(net, input_bits=3)


# ---------------------------------------------------------------- refusals and file hygiene

def test_a_tampered_certificate_writes_nothing(certs, tmp_path, capsys):
    d = tmp_path / "copy"
    shutil.copytree(certs["triple-floor"].parent, d, ignore=shutil.ignore_patterns("none-ticket"))
    cert = json.loads((d / "triple-floor.json").read_text())
    cert["claim"]["kept"] += 1
    (d / "triple-floor.json").write_text(json.dumps(cert))
    code, out, err = run(capsys, "export-network", d / "triple-floor.json", "--format", "onnx", "-o", d / "x.onnx")
    assert code == 1 and "FAILED" in out and "NOT VERIFIED" in out
    assert not (d / "x.onnx").exists()


def test_a_no_ticket_certificate_is_refused(certs, tmp_path, capsys):
    code, out, err = run(capsys, "export-network", certs["no-ticket"], "--format", "onnx", "-o", tmp_path / "x.onnx")
    assert code == 2 and not out and len(err.strip().splitlines()) == 1 and "no-ticket" in err
    assert not (tmp_path / "x.onnx").exists()


def test_onnx_model_metadata_and_permissions(certs, tmp_path, capsys):
    path = tmp_path / "t.onnx"
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, "export-network", certs["after-first"], "--format", "onnx", "-o", path)
    finally:
        os.umask(old)
    assert code == 0, err
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["t.onnx"]
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version >= 13 and model.ir_version <= 10
    assert [i.name for i in model.graph.input] == ["x"] and [o.name for o in model.graph.output] == ["y"]
    props = {p.key: p.value for p in model.metadata_props}
    for key in ("version", "sources", "scales", "schedule", "gamma", "mode", "input_bits", "dtype", "kept_units"):
        assert key in props, key
    assert props["schedule"] == "after-first" and props["dtype"] == "float32"
    assert "exact" in model.doc_string and "2^-2" in model.doc_string
    w0 = next(t for t in model.graph.initializer if t.name == "W0")
    assert list(w0.dims)[0] == 2  # (in, out) for MatMul


def test_the_models_extra_is_named_when_missing(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    for writer in (write_onnx, write_safetensors):
        with pytest.raises(InputError, match=re.escape('pip install -e ".[models]"')):
            writer(synthetic("none", "floor"), tmp_path / "x")
    assert list(tmp_path.iterdir()) == []
