"""``slth-verify demo --digits``: the demo end to end, the trainer's determinism, the pieces, and
the missing-extra path (one line, exit 2)."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from verify.cli import main

from verify import demo_digits as dd


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse's own errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def accuracies(out: str) -> dict:
    found = {}
    for line in out.splitlines():
        m = re.match(r"(float|target|onnx)\s.*test accuracy (\d+\.\d+)%", line)
        if m:
            found[m.group(1)] = float(m.group(2))
    return found


def test_demo_runs_end_to_end(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--digits", "--dir", str(tmp_path))
    assert code == 0, out + err
    acc = accuracies(out)
    assert set(acc) == {"float", "target", "onnx"}
    assert acc["onnx"] == acc["target"]  # the ticket computes the target exactly
    assert acc["float"] > 90 and acc["target"] > 85
    assert "identical outputs on all 539 test images" in out
    assert "certificate re-checked with no solver: verified" in out
    assert "every certificate verified, every output identical" in out
    assert re.search(r"kept [\d,]+ of [\d,]+ weights \(density 0\.\d+ = kept / total\)", out)
    assert re.search(r"overparameterization [\d.]+ random weights per target weight", out)
    assert re.search(r"^time .*; total [\d.]+ s$", out, re.M)
    for name in ("target.npz", "random.npz", "certificate.json", "ticket.onnx", "target.onnx"):
        assert (tmp_path / name).is_file()
    assert run(capsys, "check", str(tmp_path / "certificate.json"))[0] == 0


def test_default_directory_is_temporary_and_removed():
    lines = []
    assert dd.run_digits_demo(out=lines.append, c=4, attempts=1) == 1  # too few units: fails fast
    files = next(line for line in lines if line.startswith("files"))
    assert "removed when the demo ends" in files
    directory = Path(files.split()[1].rstrip(":"))
    assert directory.name.startswith("slth-verify-digits-") and not directory.exists()


def test_trainer_is_deterministic_and_accurate():
    x_train, y_train, x_test, y_test = dd.load_split()
    assert x_train.dtype == np.int64 and x_train.min() >= 0 and x_train.max() <= 16
    assert len(x_train) + len(x_test) == 1797 and len(x_test) == 539
    a = dd.train_mlp(x_train, y_train, epochs=50)
    b = dd.train_mlp(x_train, y_train, epochs=50)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert [w.shape for w in a] == [(32, 64), (10, 32)]
    c = dd.train_mlp(x_train, y_train, epochs=50, seed=1)
    assert not np.array_equal(a[0], c[0])
    assert dd.accuracy(dd.float_predict(a, x_test), y_test) > 0.85


def test_split_is_seeded():
    first, second = dd.load_split(), dd.load_split()
    assert all(np.array_equal(u, v) for u, v in zip(first, second))


def test_quantized_target_is_exactly_the_scaled_rounded_model():
    x_train, y_train, x_test, _ = dd.load_split()
    weights = dd.train_mlp(x_train, y_train, epochs=30)
    target, report = dd.quantize(weights)
    assert list(target.scales) == [4, 4]
    assert target.rounding.schedule == "none"
    ints, scale = target.forward(x_test[:20], dd.INPUT_BITS)
    # the same network in float64 with the integer weights: exact at these sizes
    h = x_test[:20].astype(np.float64)
    for i, w in enumerate(target.weights):
        h = h @ w.astype(np.float64).T
        if i < len(target.weights) - 1:
            h = np.maximum(h, 0)
    assert scale == dd.INPUT_BITS + sum(target.scales)
    assert np.array_equal(h, ints.astype(np.float64))
    assert report.bits == 4


def test_argmax_ties_go_to_the_lowest_index():
    assert np.argmax(np.array([[3, 5, 5, 1]]), axis=1).tolist() == [1]


def test_same_reals_aligns_scales_exactly():
    assert dd.same_reals(np.array([3, 4]), 2, np.array([12, 17]), 4).tolist() == [True, False]


def test_failed_construction_tries_the_next_seed(tmp_path):
    lines = []
    code = dd.run_digits_demo(tmp_path, out=lines.append, c=4, attempts=2)
    assert code == 1
    assert any("the construction failed" in line and "trying seed 2" in line for line in lines)
    assert any(line.startswith("construct FAILED on 2 random seed(s)") for line in lines)


@pytest.mark.parametrize("module", ["sklearn", "onnx", "onnxruntime"])
def test_missing_extra_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path, module):
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    code, out, err = run(capsys, "demo", "--digits", "--dir", str(tmp_path))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and 'pip install -e ".[models]"' in err
    assert list(tmp_path.iterdir()) == []


def test_digits_and_subset_sum_exclude_each_other(capsys):
    code, _, err = run(capsys, "demo", "--digits", "--subset-sum")
    assert code == 2 and "not allowed with" in err
