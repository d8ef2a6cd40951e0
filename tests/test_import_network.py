"""import-network: trained float MLPs (ONNX, safetensors, npz) quantized exactly into targets.

The ONNX graphs are built with onnx.helper in the shapes torch's exporters write (checked
against two real exports in tests/data, made by tests/data/make_torch_onnx.py), and evaluated
by onnxruntime as an independent reference. Rounding is checked against a brute-force Fraction
reference written here, not against verify.numbers."""

from __future__ import annotations

import io
import json
import math
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import safetensors.numpy as safetensors_numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from verify.cli import main
from verify.errors import InputError
from verify.models.quantizing import QuantizeOptions, import_model, quantize_matrices
from verify.models.reading import natural_key, read_model
from verify.networks import Rounding, input_grid, load_network

DATA = Path(__file__).resolve().parent / "data"
MODES = ["nearest-even", "nearest-away", "floor", "ceil", "toward-zero"]


# ---------------------------------------------------------------------------------- helpers

def grid_matrices(widths, k, seed):
    """Float32 matrices (out, in) with entries on the grid 2^-k in [-1, 1]."""
    rng = np.random.default_rng(seed)
    return [(rng.integers(-2**k, 2**k + 1, size=(o, i)) / 2**k).astype(np.float32)
            for i, o in zip(widths[:-1], widths[1:])]


def onnx_model(nodes, initializers, d0, out="y", inp="x", in_shape=None):
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info(inp, TensorProto.FLOAT, in_shape or ["batch", d0])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, ["batch", "outputs"])],
        [numpy_helper.from_array(np.asarray(a), name) for name, a in initializers])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="test")
    model.ir_version = 8
    return model


def torch_like(matrices, style, prefix=None):
    """A bias-free ReLU MLP as torch writes it. style: classic (MatMul by a pre-transposed (in, out)
    initializer), transpose (Transpose node of the (out, in) weight, then MatMul: the classic
    exporter without constant folding), gemm (Gemm transB=1: the dynamo exporter), gemm0 (Gemm
    transB=0). prefix: flatten or reshape (an input of shape (batch, 2, d0/2)) or identity."""
    nodes, inits, cur = [], [], "x"
    d0 = matrices[0].shape[1]
    in_shape = None
    if prefix == "flatten":
        nodes.append(helper.make_node("Flatten", [cur], ["flat"], name="/0/Flatten", axis=1))
        cur, in_shape = "flat", ["batch", 2, d0 // 2]
    elif prefix == "reshape":
        inits.append(("val_3", np.array([-1, d0], dtype=np.int64)))
        nodes.append(helper.make_node("Reshape", [cur, "val_3"], ["view"], name="node_view"))
        cur, in_shape = "view", ["batch", 2, d0 // 2]
    elif prefix == "identity":
        nodes.append(helper.make_node("Identity", [cur], ["same"], name="/Identity"))
        cur = "same"
    for i, w in enumerate(matrices):
        out = "y" if i == len(matrices) - 1 else f"lin{i}"
        name = f"{2 * i}.weight"
        if style == "classic":
            inits.append((f"onnx::MatMul_{9 + i}", w.T.copy()))
            nodes.append(helper.make_node("MatMul", [cur, f"onnx::MatMul_{9 + i}"], [out], name=f"/{2 * i}/MatMul"))
        elif style == "transpose":
            inits.append((name, w))
            nodes.append(helper.make_node("Transpose", [name], [f"t{i}"], name=f"/{2 * i}/Transpose", perm=[1, 0]))
            nodes.append(helper.make_node("MatMul", [cur, f"t{i}"], [out], name=f"/{2 * i}/MatMul"))
        elif style == "gemm":
            inits.append((name, w))
            nodes.append(helper.make_node("Gemm", [cur, name], [out], name=f"node_linear_{i}",
                                          alpha=1.0, beta=1.0, transA=0, transB=1))
        elif style == "gemm0":
            inits.append((name, w.T.copy()))
            nodes.append(helper.make_node("Gemm", [cur, name], [out], name=f"node_linear_{i}"))
        if i < len(matrices) - 1:
            nodes.append(helper.make_node("Relu", [out], [f"relu{i}"], name=f"/{2 * i + 1}/Relu"))
            cur = f"relu{i}"
    return onnx_model(nodes, inits, d0, in_shape=in_shape)


def save_onnx(model, path):
    onnx.save(model, str(path))
    return path


def run_ort(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x.astype(np.float32)})[0]


def assert_equals_runtime(net, report, path, x_int, k_in, in_shape=None):
    """The exact forward of the imported network equals the runtime's float outputs times
    2^(sum a), compared as exact rationals (every float is one)."""
    values, scale = net.forward(x_int, input_scale=k_in)
    x = x_int.astype(np.float64) / 2**k_in
    y = run_ort(path, x.reshape((len(x),) + tuple(in_shape)) if in_shape else x).astype(np.float64)
    # y · 2^(sum a) = values / 2^scale  <=>  y · 2^(scale + sum a) = values; scaling a float by a
    # power of two and an int64 below 2^53 to float64 are both exact, so == is exact equality
    assert np.abs(values).max() < 2**53
    assert np.array_equal(np.ldexp(y, scale + report.total_exponent), values.astype(np.float64))


def one_error_line(capsys, path):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("slth-verify: error:"), err
    assert str(path) in lines[0], err
    return lines[0]


# ---------------------------------------------------------------------------------- real torch exports

@pytest.mark.parametrize("exporter", ["classic", "dynamo"])
@pytest.mark.parametrize("scale", ["none", "fit"])
def test_torch_exports_import_exactly_and_match_onnxruntime(exporter, scale):
    path = DATA / f"torch_mlp_{exporter}.onnx"
    net, report = import_model(path, QuantizeOptions(bits=4, scale=scale, strict=True))
    assert net.widths == (6, 4, 3) and net.scales == (4, 4)
    assert report.moved == 0 and all(layer.max_error == 0 for layer in report.layers)
    if scale == "none":
        assert report.total_exponent == 0
    else:  # each layer's largest weight scaled into (1/2, 1]
        for w, layer in zip(net.weights, report.layers):
            assert 2**3 < np.abs(w).max() <= 2**4, layer
    rng = np.random.default_rng(5)
    x = np.concatenate([input_grid(6, 0), rng.integers(-4, 5, size=(500, 6))])  # S_1^6, and S_{1/4}
    assert_equals_runtime(net, report, path, x[:729], 0, in_shape=(2, 3))
    x = x[729:]
    assert_equals_runtime(net, report, path, x, 2, in_shape=(2, 3))


def test_both_torch_exporters_give_the_same_network():
    a, _ = import_model(DATA / "torch_mlp_classic.onnx", QuantizeOptions(bits=4, strict=True))
    b, report = import_model(DATA / "torch_mlp_dynamo.onnx", QuantizeOptions(bits=4, strict=True))
    assert a.sha256 == b.sha256
    assert [layer.name for layer in report.layers] == ["1.weight", "3.weight"]  # torch's own names
    assert [layer.node for layer in report.layers] == ["'node_linear' (Gemm)", "'node_linear_1' (Gemm)"]


# ---------------------------------------------------------------------------------- graph shapes

@pytest.mark.parametrize("style", ["classic", "transpose", "gemm", "gemm0"])
@pytest.mark.parametrize("prefix", [None, "flatten", "reshape", "identity"])
def test_torch_shaped_graphs_round_trip(tmp_path, style, prefix):
    matrices = grid_matrices([4, 5, 3, 2], 3, seed=7)
    path = save_onnx(torch_like(matrices, style, prefix), tmp_path / "m.onnx")
    model = read_model(path)
    assert model.format == "onnx" and model.widths == (4, 5, 3, 2)
    for layer, w in zip(model.layers, matrices):
        assert layer.weight.shape == w.shape and np.array_equal(layer.weight, w)
    for scale in ("none", "fit", [1, 0, 2]):
        if scale == [1, 0, 2] and any(np.abs(w).max() * 2**a > 1 for w, a in zip(matrices, scale)):
            continue
        net, report = import_model(path, QuantizeOptions(bits=3, scale=scale, strict=True))
        exps = [layer.scale_exponent for layer in report.layers]
        for w, q, a in zip(matrices, net.weights, exps):  # q = w · 2^(a + 3), independently
            assert [[Fraction(float(v)) * 2**(a + 3) for v in row] for row in w] == q.tolist()
        x = input_grid(4, 1)
        in_shape = (2, 2) if prefix in ("flatten", "reshape") else None
        assert_equals_runtime(net, report, path, x, 1, in_shape)


def test_fit_exponent_puts_the_largest_weight_in_the_upper_half(tmp_path):
    w = [np.array([[0.75, -3.0]]), np.array([[0.5]]), np.array([[1.0]]), np.array([[2.0**-20]])]
    net, report = quantize_matrices(w, None, QuantizeOptions(bits=2))
    assert [layer.scale_exponent for layer in report.layers] == [-2, 1, 0, 20]
    assert report.total_exponent == 19
    assert [q.tolist() for q in net.weights] == [[[1, -3]], [[4]], [[4]], [[4]]]  # 0.75·2^-2·2^2 -> 1


# ---------------------------------------------------------------------------------- rounding

def reference_round(x: Fraction, mode: str) -> int:
    if mode == "floor":
        return math.floor(x)
    if mode == "ceil":
        return math.ceil(x)
    if mode == "toward-zero":
        return math.trunc(x)
    if mode == "nearest-even":
        return round(x)  # Fraction rounds half to even
    return int(math.copysign(math.floor(abs(x) + Fraction(1, 2)), x))


def reference_fit(m: Fraction) -> int:
    if m == 0:
        return 0
    a = 0
    while m * Fraction(2) ** a > 1:
        a -= 1
    while m * Fraction(2) ** a <= Fraction(1, 2):
        a += 1
    return a


EDGE = [0.0, 0.5, -0.5, 0.25, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001,
        1.0, -1.0, 5e-324, -5e-324, 3 * 2.0**-1074, 2.0**-1022, 0.1, 1 / 3, 0.375, -0.625]
weights = st.one_of(st.sampled_from(EDGE), st.floats(-1, 1, allow_nan=False),
                    st.floats(-1, 1, width=32, allow_nan=False),
                    st.integers(-64, 64).map(lambda n: n / 64))


@settings(max_examples=100, deadline=None)
@given(st.lists(weights, min_size=1, max_size=6), st.integers(0, 12), st.sampled_from(MODES),
       st.one_of(st.just("fit"), st.integers(-1100, 0)))
def test_rounding_matches_a_fraction_reference(values, bits, mode, scale):
    w = np.array([values], dtype=np.float64)
    net, report = quantize_matrices([w], ["w"], QuantizeOptions(bits=bits, scale="fit" if scale == "fit" else [scale],
                                                                weight_rounding=mode))
    exact = [Fraction(v) for v in values]
    a = reference_fit(max(abs(f) for f in exact)) if scale == "fit" else scale
    assert report.layers[0].scale_exponent == a
    scaled = [f * Fraction(2) ** (a + bits) for f in exact]
    expected = [reference_round(x, mode) for x in scaled]
    assert net.weights[0].tolist() == [expected]
    assert report.layers[0].moved == sum(1 for x, q in zip(scaled, expected) if x != q)
    assert all(abs(q) <= 2**bits for q in expected)


def test_subnormal_weights_round_exactly():
    # 3·2^-1074 · 2^-1 is not a float: the exact path must still see it is positive and tiny
    w = np.array([[3 * 2.0**-1074, 0.5, -3 * 2.0**-1074]])
    for mode, expected in [("ceil", [1, 1, 0]), ("floor", [0, 0, -1]), ("nearest-even", [0, 0, 0]),
                           ("toward-zero", [0, 0, 0])]:
        net, report = quantize_matrices([w], None, QuantizeOptions(bits=0, scale=[-1], weight_rounding=mode))
        assert net.weights[0].tolist() == [expected], mode
        assert report.layers[0].moved == 3


def test_strict_refuses_an_off_grid_weight_naming_it():
    w = [np.array([[0.5, 0.25], [0.125, -0.5]]), np.array([[0.5, 0.3]])]
    with pytest.raises(InputError, match=r"layer 2 \(tensor 'b'\): weight \[0, 1\] = 0\.3 is not on the grid 2\^-3"):
        quantize_matrices(w, ["a", "b"], QuantizeOptions(bits=3, strict=True))
    net, report = quantize_matrices(w, ["a", "b"], QuantizeOptions(bits=3))
    assert [layer.moved for layer in report.layers] == [0, 1]
    assert report.layers[1].max_error == pytest.approx(abs(5 / 16 - 0.3))  # a = 1: 0.6 -> 5/8, /2


def test_scale_none_refuses_weights_outside_one():
    with pytest.raises(InputError, match=r"layer 1 \(tensor 'W0'\): weight \[0, 1\] = 1\.5 .*--scale fit"):
        quantize_matrices([np.array([[0.5, 1.5]])], None, QuantizeOptions(bits=3, scale="none"))
    with pytest.raises(InputError, match=r"weight \[0, 0\] = 0\.75 is outside \[-1, 1\] after the scale 2\^1"):
        quantize_matrices([np.array([[0.75]])], None, QuantizeOptions(bits=3, scale=[1]))
    with pytest.raises(InputError, match="expected 2 exponents"):
        quantize_matrices([np.ones((2, 2)) / 2, np.ones((1, 2)) / 2], None, QuantizeOptions(bits=3, scale=[0]))


def test_output_rounding_is_recorded_in_the_network():
    net, _ = quantize_matrices([np.array([[0.5]])], None,
                               QuantizeOptions(bits=2, rounding=Rounding("double", 1, "floor")))
    assert net.rounding == Rounding("double", 1, "floor")


# ---------------------------------------------------------------------------------- ONNX refusals

def linear(cur, out, w, name):
    return helper.make_node("MatMul", [cur, w], [out], name=name)


W1 = np.full((3, 2), 0.5, dtype=np.float32)  # (in, out) as MatMul takes it
W2 = np.full((2, 2), 0.25, dtype=np.float32)


def refusal_graphs():
    b = np.zeros(2, dtype=np.float32)
    inits = [("W1", W1), ("W2", W2)]
    yield "gemm bias", "'/0/Gemm' (Gemm)", "biases are not supported", onnx_model(
        [helper.make_node("Gemm", ["x", "W1", "b"], ["h"], name="/0/Gemm"),
         helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"), linear("r", "y", "W2", "/2/MatMul")],
        inits + [("b", b)], 3)
    yield "add bias", "'/0/Add' (Add)", "biases are not supported", onnx_model(
        [linear("x", "m", "W1", "/0/MatMul"), helper.make_node("Add", ["m", "b"], ["h"], name="/0/Add"),
         helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"), linear("r", "y", "W2", "/2/MatMul")],
        inits + [("b", b)], 3)
    yield "sigmoid", "'/1/Sigmoid' (Sigmoid)", "only Relu", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Sigmoid", ["h"], ["r"], name="/1/Sigmoid"),
         linear("r", "y", "W2", "/2/MatMul")], inits, 3)
    yield "conv", "'/0/Conv' (Conv)", "convolutions are not supported", onnx_model(
        [helper.make_node("Conv", ["x", "K"], ["y"], name="/0/Conv")],
        [("K", np.ones((1, 1, 3), dtype=np.float32))], 3, in_shape=["batch", 1, 3])
    yield "skip", "'/3/Add' (Add)", "also feeds '/1/Relu' (Relu)", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"),
         linear("r", "z", "W2", "/2/MatMul"), helper.make_node("Add", ["z", "h"], ["y"], name="/3/Add")],
        inits, 3)
    yield "relu at the output", "'/3/Relu' (Relu)", "Relu at the output", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"),
         linear("r", "z", "W2", "/2/MatMul"), helper.make_node("Relu", ["z"], ["y"], name="/3/Relu")],
        inits, 3)
    yield "two relus", "'/2/Relu' (Relu)", "two Relus in a row", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"),
         helper.make_node("Relu", ["r"], ["s"], name="/2/Relu"), linear("s", "y", "W2", "/3/MatMul")],
        inits, 3)
    yield "no relu", "'/1/MatMul' (MatMul)", "no Relu between them", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), linear("h", "y", "W2", "/1/MatMul")], inits, 3)
    yield "tanh", "'/1/Tanh' (Tanh)", "only Relu", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Tanh", ["h"], ["r"], name="/1/Tanh"),
         linear("r", "y", "W2", "/2/MatMul")], inits, 3)
    yield "scaled weight", "'/0/Mul' (Mul)", "computes on constant weights", onnx_model(
        [helper.make_node("Mul", ["W1", "two"], ["W1s"], name="/0/Mul"), linear("x", "y", "W1s", "/1/MatMul")],
        inits[:1] + [("two", np.float32(2))], 3)
    yield "gemm alpha", "'/0/Gemm' (Gemm)", "alpha=0.5", onnx_model(
        [helper.make_node("Gemm", ["x", "W1"], ["y"], name="/0/Gemm", alpha=0.5)], inits[:1], 3)
    yield "flatten later", "'/2/Flatten' (Flatten)", "only understood at the input", onnx_model(
        [linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"),
         helper.make_node("Flatten", ["r"], ["f"], name="/2/Flatten"), linear("f", "y", "W2", "/3/MatMul")],
        inits, 3)
    yield "int weights", "'/0/MatMul' (MatMul)", "expected a float tensor", onnx_model(
        [linear("x", "y", "Wi", "/0/MatMul")], [("Wi", np.ones((3, 2), dtype=np.int64))], 3)
    yield "nan weight", "weight 'Wn'", "non-finite", onnx_model(
        [linear("x", "y", "Wn", "/0/MatMul")], [("Wn", np.array([[0.5, np.nan]] * 3, dtype=np.float32))], 3)


REFUSALS = list(refusal_graphs())


@pytest.mark.parametrize("case", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_onnx_refusals_name_the_node(tmp_path, case, capsys):
    _, node, why, model = case
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    with pytest.raises(InputError) as e:
        import_model(path, QuantizeOptions(bits=4))
    message = str(e.value)
    assert "\n" not in message and node in message and why in message, message
    assert main(["import-network", str(path), "-o", str(tmp_path / "t.npz"), "--bits", "4"]) == 2
    assert node in one_error_line(capsys, path)
    assert not (tmp_path / "t.npz").exists()


def test_a_valid_graph_is_accepted_by_the_same_builders(tmp_path):
    # the refusal graphs differ from this one only in the refused node: the builders are right
    path = tmp_path / "m.onnx"
    onnx.save(onnx_model([linear("x", "h", "W1", "/0/MatMul"), helper.make_node("Relu", ["h"], ["r"], name="/1/Relu"),
                          linear("r", "y", "W2", "/2/MatMul")], [("W1", W1), ("W2", W2)], 3), str(path))
    net, report = import_model(path, QuantizeOptions(bits=2, scale="none", strict=True))
    assert [w.tolist() for w in net.weights] == [[[2, 2, 2]] * 2, [[1, 1]] * 2]
    assert_equals_runtime(net, report, path, input_grid(3, 1), 1)


# ---------------------------------------------------------------------------------- tensor files

def write_safetensors(path, tensors):
    path.write_bytes(safetensors_numpy.save(tensors))
    return path


def write_npz(path, tensors):
    np.savez(path, **tensors)
    return path


WRITERS = {"safetensors": write_safetensors, "npz": write_npz}


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
def test_state_dict_names_in_natural_order(tmp_path, fmt):
    # chains only in natural order: 0 (3 -> 4), 2 (4 -> 5), 10 (5 -> 2); "10" < "2" as text
    ws = grid_matrices([3, 4, 5, 2], 2, seed=3)
    tensors = {"0.weight": ws[0], "10.weight": ws[2], "2.weight": ws[1]}
    path = WRITERS[fmt](tmp_path / f"m.{fmt}", tensors)
    net, report = import_model(path, QuantizeOptions(bits=2, scale="none", strict=True))
    assert [layer.name for layer in report.layers] == ["0.weight", "2.weight", "10.weight"]
    assert report.format == fmt and net.widths == (3, 4, 5, 2)
    for w, q in zip(ws, net.weights):
        assert np.array_equal(q, (w * 4).astype(np.int64))
    assert sorted(["fc10.weight", "fc2.weight", "fc1.weight"], key=natural_key) == \
        ["fc1.weight", "fc2.weight", "fc10.weight"]


@pytest.mark.parametrize("fmt", ["safetensors", "npz"])
@pytest.mark.parametrize("case", ["bias", "vector", "chain", "nan", "inf", "int", "3d"])
def test_tensor_file_refusals_name_the_tensor(tmp_path, fmt, case, capsys):
    w0, w1 = np.full((4, 3), 0.5, np.float32), np.full((2, 4), 0.5, np.float32)
    tensors, expect = {"0.weight": w0, "2.weight": w1}, None
    if case == "bias":
        tensors["0.bias"], expect = np.zeros((4, 1), np.float32), r"'0\.bias': biases are not supported"
    elif case == "vector":
        tensors["1.scale"], expect = np.zeros(4, np.float32), r"'1\.scale': biases are not supported"
    elif case == "chain":
        tensors["2.weight"] = np.full((2, 5), 0.5, np.float32)
        expect = r"shapes do not chain: tensor '0\.weight' has shape \(4, 3\).* tensor '2\.weight' has shape \(2, 5\)"
    elif case == "nan":
        w1 = w1.copy()
        w1[1, 2] = np.nan
        tensors["2.weight"], expect = w1, r"tensor '2\.weight': weight \[1, 2\] is nan"
    elif case == "inf":
        w0 = w0.astype(np.float64)
        w0[3, 0] = -np.inf
        tensors["0.weight"], expect = w0, r"tensor '0\.weight': weight \[3, 0\] is -inf"
    elif case == "int":
        tensors["2.weight"], expect = np.ones((2, 4), np.int32), r"'2\.weight': expected a float tensor"
    else:
        tensors["1.weight"], expect = np.ones((4, 4, 1), np.float32), r"'1\.weight': expected a 2-D weight matrix"
    path = WRITERS[fmt](tmp_path / f"m.{fmt}", tensors)
    with pytest.raises(InputError, match=expect):
        import_model(path, QuantizeOptions(bits=4))
    assert main(["import-network", str(path), "-o", str(tmp_path / "t.npz"), "--bits", "4"]) == 2
    one_error_line(capsys, path)
    assert not (tmp_path / "t.npz").exists()


def test_bfloat16_and_float16_safetensors_are_read_exactly(tmp_path):
    values = np.array([[0.5, -0.375], [0.1, 1.0]], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2")  # truncation: bfloat16 of each value
    header = json.dumps({"a.weight": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]},
                         "b.weight": {"dtype": "F16", "shape": [1, 2], "data_offsets": [8, 12]}}).encode()
    data = bf16.tobytes() + np.array([[0.25, -0.5]], dtype="<f2").tobytes()
    path = tmp_path / "m.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)
    model = read_model(path)
    expected = (bf16.astype(np.uint32) << 16).view(np.float32)
    assert np.array_equal(model.layers[0].weight, expected) and model.layers[0].weight[1, 0] != 0.1
    assert model.layers[1].weight.tolist() == [[0.25, -0.5]]


def test_npz_with_pickled_objects_or_a_network_file_is_refused(tmp_path, capsys):
    path = tmp_path / "obj.npz"
    np.savez(path, w=np.array([[0.5, None]], dtype=object))
    assert main(["import-network", str(path), "-o", str(tmp_path / "t.npz"), "--bits", "4"]) == 2
    one_error_line(capsys, path)
    net, _ = quantize_matrices([np.array([[0.5]])], None, QuantizeOptions(bits=2))
    from verify.networks import save_network

    save_network(net, tmp_path / "net.npz")
    with pytest.raises(InputError, match="quantized network file"):
        import_model(tmp_path / "net.npz", QuantizeOptions(bits=2))


# ---------------------------------------------------------------------------------- bad files

def good_files(tmp_path):
    ws = grid_matrices([4, 3, 2], 3, seed=1)
    onnx_path = save_onnx(torch_like(ws, "classic"), tmp_path / "good.onnx")
    st_path = write_safetensors(tmp_path / "good.safetensors", {"0.weight": ws[0], "2.weight": ws[1]})
    npz_path = write_npz(tmp_path / "good.npz", {"0.weight": ws[0], "2.weight": ws[1]})
    return {"onnx": onnx_path, "safetensors": st_path, "npz": npz_path}


def flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def bad_files(tmp_path):
    good = good_files(tmp_path)
    raw = {k: p.read_bytes() for k, p in good.items()}
    header_len = struct.unpack("<Q", raw["safetensors"][:8])[0]
    return {
        "empty.onnx": b"",
        "empty.safetensors": b"",
        "empty.npz": b"",
        "truncated.onnx": raw["onnx"][: len(raw["onnx"]) // 2],
        "truncated.safetensors": raw["safetensors"][:-5],
        "truncated-header.safetensors": raw["safetensors"][: 8 + header_len // 2],
        "truncated.npz": raw["npz"][: len(raw["npz"]) // 2],
        "flipped-op.onnx": flip(raw["onnx"], raw["onnx"].index(b"\x22\x04Relu") + 5),  # op_type Relu -> Relt
        "flipped-header.safetensors": flip(raw["safetensors"], raw["safetensors"].index(b'"shape"') + 7),
        "flipped-data.npz": flip(raw["npz"], raw["npz"].index(b"NUMPY") + 140),  # CRC-32 catches it
        "npz-content.onnx": raw["npz"],
        "onnx-content.npz": raw["onnx"],
        "safetensors-content.npz": raw["safetensors"],
        "npz-content.safetensors": raw["npz"],
        "text.onnx": b"hello, this is not a model\n",
        "json.onnx": b'{"kind": "quantized-mlp"}\n',
        "model.pt": raw["npz"],
        "array.npz": _npy_bytes(),
    }


def _npy_bytes():
    buffer = io.BytesIO()
    np.save(buffer, np.ones((2, 2)))
    return buffer.getvalue()


def test_bad_files_give_one_line_naming_the_file_and_no_output(tmp_path, capsys):
    files = bad_files(tmp_path)
    for good in good_files(tmp_path).values():  # the damaged files' originals import
        assert main(["import-network", str(good), "-o", str(tmp_path / "ok.npz"), "--bits", "3"]) == 0
    capsys.readouterr()
    messages = {}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        out = tmp_path / f"out-{name}.npz"
        assert main(["import-network", str(path), "-o", str(out), "--bits", "3"]) == 2, name
        messages[name] = one_error_line(capsys, path)
        assert not out.exists(), name
        assert "Traceback" not in messages[name]
    assert "empty file" in messages["empty.onnx"]
    assert "the suffix says an ONNX model, but the content is an npz archive" in messages["npz-content.onnx"]
    assert "the suffix says an npz archive, but the content is an ONNX model" in messages["onnx-content.npz"]
    assert "Bad CRC-32" in messages["flipped-data.npz"]
    assert "Relt" in messages["flipped-op.onnx"]
    assert "none of ONNX, safetensors or npz" in messages["text.onnx"]
    assert "PyTorch checkpoint" in messages["model.pt"]
    assert "single .npy array" in messages["array.npz"]


def test_missing_file_and_bad_output_name(tmp_path, capsys):
    assert main(["import-network", str(tmp_path / "nope.onnx"), "-o", str(tmp_path / "t.npz"), "--bits", "3"]) == 2
    assert "no such file" in one_error_line(capsys, tmp_path / "nope.onnx")
    good = good_files(tmp_path)["npz"]
    assert main(["import-network", str(good), "-o", str(tmp_path / "t.txt"), "--bits", "3"]) == 2
    one_error_line(capsys, tmp_path / "t.txt")
    assert main(["import-network", str(good), "-o", str(good), "--bits", "3"]) == 2
    assert "overwrite" in one_error_line(capsys, good)
    with pytest.raises(SystemExit) as e:  # argparse's error, made one line by the CLI's parser
        main(["import-network", str(good), "-o", str(tmp_path / "t.npz"), "--bits", "3", "--scale", "1,x"])
    assert e.value.code == 2
    assert "slth-verify import-network: error:" in capsys.readouterr().err


def test_missing_extra_names_it(tmp_path, monkeypatch):
    good = good_files(tmp_path)
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    monkeypatch.setitem(sys.modules, "safetensors", None)
    for fmt in ("onnx", "safetensors"):
        with pytest.raises(InputError, match=r'pip install -e "\.\[models\]"'):
            read_model(good[fmt])


# ---------------------------------------------------------------------------------- the command

def test_cli_writes_the_network_and_reports_provenance(tmp_path, capsys):
    path = DATA / "torch_mlp_dynamo.onnx"
    out = tmp_path / "target.npz"
    assert main(["import-network", str(path), "-o", str(out), "--bits", "3", "--weight-rounding", "floor",
                 "--rounding", "double", "--gamma", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    net = load_network(out)
    assert report["sha256"] == net.sha256 and report["widths"] == [6, 4, 3]
    assert net.rounding == Rounding("double", 2, "nearest-even")  # --mode, not --weight-rounding
    assert report["weight_rounding"] == "floor" and report["bits"] == 3
    assert [layer["node"] for layer in report["layers"]] == ["'node_linear' (Gemm)", "'node_linear_1' (Gemm)"]
    assert report["output_factor_exponent"] == sum(layer["scale_exponent"] for layer in report["layers"])
    expected, _ = import_model(path, QuantizeOptions(bits=3, weight_rounding="floor", rounding=Rounding("double", 2)))
    assert expected.sha256 == net.sha256

    assert main(["import-network", str(path), "-o", str(tmp_path / "t.json"), "--bits", "4", "--strict"]) == 0
    err = capsys.readouterr().err
    assert "wrote" in err and "node 'node_linear' (Gemm), weight '1.weight'" in err and "0 of 24 weights moved" in err
    assert load_network(tmp_path / "t.json").widths == (6, 4, 3)


def test_cli_strict_refusal(tmp_path, capsys):
    path = save_onnx(torch_like([np.array([[0.3, 0.5]], dtype=np.float32)], "gemm"), tmp_path / "m.onnx")
    out = tmp_path / "t.npz"
    assert main(["import-network", str(path), "-o", str(out), "--bits", "4", "--strict", "--scale", "none"]) == 2
    line = one_error_line(capsys, path)
    assert "node 'node_linear_0' (Gemm)" in line and "weight [0, 0] = 0.30000001192092896" in line
    assert not out.exists()


def test_external_data_is_refused(tmp_path):
    model = torch_like(grid_matrices([4, 3, 2], 3, seed=1), "gemm")
    path = tmp_path / "m.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="m.onnx.data", size_threshold=0)
    with pytest.raises(InputError, match="external data file"):
        import_model(path, QuantizeOptions(bits=3))


@pytest.mark.parametrize("fmt", ["onnx", "npz", "safetensors"])
def test_export_network_files_import_back_to_the_same_network(tmp_path, fmt):
    from verify.generators import target_network
    from verify.models.writing import export_network

    net = target_network([5, 4, 3, 2], 4, seed=11)
    path = tmp_path / f"t.{fmt}"
    export_network(net, path, fmt, full=True)  # full: no compaction, the widths stay
    back, report = import_model(path, QuantizeOptions(bits=4, scale="none", strict=True))
    assert back.sha256 == net.sha256 and report.moved == 0
