"""Networks with an architecture: exact evaluation against a plain reference written here with
Fractions, files that round-trip, and damaged files and masks rejected."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from verify.architectures import architecture_from_json
from verify.conv_networks import (ConvNetwork, check_mask, draw_network, input_grid, load_conv_network,
                                  network_kind, save_conv_network)
from verify.errors import InputError
from verify.networks import save_mask, load_mask
from verify.numbers import rescale


def ref_conv(x, w, stride, padding):
    """Plain loops over Fractions: x[c][i][j], w[o][c][a][b]."""
    c_in, h, wd = len(x), len(x[0]), len(x[0][0])
    k = len(w[0][0])
    oh, ow = (h + 2 * padding - k) // stride + 1, (wd + 2 * padding - k) // stride + 1

    def at(c, i, j):
        i, j = i - padding, j - padding
        return x[c][i][j] if 0 <= i < h and 0 <= j < wd else 0

    return [[[sum(w[o][c][a][b] * at(c, stride * y + a, stride * z + b)
                  for c in range(c_in) for a in range(k) for b in range(k))
              for z in range(ow)] for y in range(oh)] for o in range(len(w))]


def ref_forward(layers, weights, x):
    """The network on one input as nested lists of Fractions (weights already as Fractions)."""
    for layer in layers:
        t = layer["type"]
        if t == "relu":
            x = _map(x, lambda v: max(v, 0))
        elif t == "flatten":
            x = [v for ch in x for row in ch for v in row]
        elif t == "residual":
            branch = ref_forward(layer["layers"], weights, x)
            x = _zip(x, branch)
        else:
            w = weights.pop(0)
            if t == "conv":
                x = ref_conv(x, w, layer.get("stride", 1), layer.get("padding", 0))
            else:
                x = [sum(wi * xi for wi, xi in zip(row, x)) for row in w]
            if "gamma" in layer:
                g = layer["gamma"]
                mode = layer.get("mode", "nearest-even")
                x = _map(x, lambda v: Fraction(rescale(int(v * 2 ** 40), 40, g, mode), 2 ** g))
    return x


def _map(x, f):
    return [_map(v, f) for v in x] if isinstance(x, list) else f(x)


def _zip(a, b):
    return [_zip(u, v) for u, v in zip(a, b)] if isinstance(a, list) else a + b


def _fractions(w, bits):
    return _map(w.tolist(), lambda v: Fraction(v, 2 ** bits))


SPEC = {"input": [2, 5, 5], "layers": [
    {"type": "conv", "out_channels": 3, "kernel": 3, "stride": 1, "padding": 1, "bits": 2},
    {"type": "relu"},
    {"type": "residual", "layers": [
        {"type": "conv", "out_channels": 2, "kernel": 1, "bits": 1, "gamma": 1, "mode": "floor"},
        {"type": "relu"},
        {"type": "conv", "out_channels": 3, "kernel": 3, "padding": 1, "bits": 3}]},
    {"type": "conv", "out_channels": 2, "kernel": 3, "stride": 2, "padding": 1, "bits": 1},
    {"type": "flatten"},
    {"type": "dense", "out": 2, "bits": 2, "gamma": 1},
]}


def _check_against_reference(spec, seed, input_bits):
    arch = architecture_from_json(spec)
    net = draw_network(arch, seed)
    rng = np.random.default_rng(seed)
    x = rng.integers(-(1 << input_bits), (1 << input_bits) + 1, size=(3, *arch.input_shape))
    out, scale = net.forward(x, input_bits)
    assert out.shape == (3, *arch.output_shape)
    for b in range(3):
        weights = [_fractions(w, layer.bits) for w, layer in zip(net.weights, arch.weighted())]
        want = ref_forward(spec["layers"], weights, _fractions(x[b], input_bits))
        got = _map(out[b].tolist(), lambda v: Fraction(int(v), 2 ** scale))
        assert got == want


def test_evaluation_matches_the_reference():
    _check_against_reference(SPEC, 3, 2)


@settings(max_examples=25, deadline=None)
@given(c=st.integers(1, 2), o=st.integers(1, 3), k=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.integers(0, 2), size=st.integers(3, 5), seed=st.integers(0, 1000))
def test_one_conv_matches_the_reference(c, o, k, stride, padding, size, seed):
    if (size + 2 * padding - k) % stride:
        return
    spec = {"input": [c, size, size], "layers": [
        {"type": "conv", "out_channels": o, "kernel": k, "stride": stride, "padding": padding, "bits": 2}]}
    _check_against_reference(spec, seed, 1)


def test_python_integers_take_over_when_int64_could_overflow():
    arch = architecture_from_json({"input": [1, 2, 2], "layers": [
        {"type": "conv", "out_channels": 1, "kernel": 2, "bits": 0}, {"type": "flatten"}]})
    net = ConvNetwork(arch, [np.full((1, 1, 2, 2), 2**40, dtype=np.int64)])
    out, _ = net.forward(np.full((1, 1, 2, 2), 2**30, dtype=np.int64), 0)
    assert out[0, 0] == 4 * 2**70


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_files_round_trip_and_tampering_is_caught(tmp_path, suffix):
    net = draw_network(architecture_from_json(SPEC), 5)
    path = tmp_path / f"n{suffix}"
    save_conv_network(net, path)
    assert load_conv_network(path) == net and network_kind(path) == "quantized-net"
    if suffix == ".json":
        text = path.read_text()
        path.write_text(text.replace('"bits": 3', '"bits": 2', 1))
        with pytest.raises(InputError, match="sha256"):
            load_conv_network(path)


def test_masks_round_trip_and_wrong_masks_are_refused(tmp_path):
    net = draw_network(architecture_from_json(SPEC), 5)
    mask = tuple(np.asarray(w) > 0 for w in net.weights)
    save_mask(mask, tmp_path / "m.npz", net.sha256)
    assert all((a == b).all() for a, b in zip(load_mask(tmp_path / "m.npz", net), mask))
    other = draw_network(architecture_from_json(SPEC), 6)
    with pytest.raises(InputError, match="for the random network"):
        load_mask(tmp_path / "m.npz", other)
    with pytest.raises(InputError, match=r"mask\[1\]"):
        check_mask(net, (mask[0], mask[0], *mask[2:]))
    pruned = net.pruned(mask)
    assert all(((w == 0) | m).all() for w, m in zip(pruned.weights, mask))


def test_bad_weights_and_inputs():
    arch = architecture_from_json(SPEC)
    with pytest.raises(InputError, match="expected 5 arrays"):
        ConvNetwork(arch, [])
    with pytest.raises(InputError, match=r"weights\[0\]: expected shape"):
        ConvNetwork(arch, [np.zeros((1, 1), dtype=int)] * 5)
    net = draw_network(arch, 1)
    with pytest.raises(InputError, match="inputs"):
        net.forward(np.zeros((1, 2, 4, 4), dtype=int), 0)


def test_input_grid_lists_every_input_once():
    g = input_grid((1, 1, 2), 0)
    assert g.shape == (9, 1, 1, 2) and len({tuple(r.ravel()) for r in g}) == 9
    with pytest.raises(InputError, match="exceed"):
        input_grid((1, 4, 4), 1)


def test_draws_are_seeded_and_on_each_layers_grid():
    arch = architecture_from_json(SPEC)
    a, b = draw_network(arch, 2), draw_network(arch, 2, zero=False)
    assert a == draw_network(arch, 2) and a != draw_network(arch, 3)
    for w, layer in zip(b.weights, arch.weighted()):
        assert np.abs(w).max() <= 1 << layer.bits and (w != 0).all()
