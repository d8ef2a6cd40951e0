"""Quantized networks: exact evaluation against a straightforward Fraction evaluator."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.errors import InputError
from verify.networks import QuantizedNetwork, Rounding, density, same_outputs
from verify.numbers import RoundingMode, rescale


def reference(net: QuantizedNetwork, x_row, input_scale: int) -> list[Fraction]:
    """The paper's semantics written plainly: real arithmetic, ReLU between layers, lowering
    by the schedule (through the exact scalar rescale)."""
    values = [Fraction(int(v), 2**input_scale) for v in x_row]
    for i, (w, k) in enumerate(zip(net.weights, net.scales), start=1):
        values = [sum(Fraction(int(w[r, c]), 2**k) * values[c] for c in range(w.shape[1]))
                  for r in range(w.shape[0])]
        if i < net.depth:
            values = [max(v, 0) for v in values]
        if net.rounding.lowers(i):
            g = net.rounding.gamma
            # lower a rational v to the grid 2^-g: exact through a fine enough common scale
            values = [Fraction(rescale(int(v * 2**200), 200, g, net.rounding.mode), 2**g) for v in values]
    return values


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    bits = draw(st.integers(0, 4))
    weights = [np.array(draw(st.lists(st.lists(st.integers(-(2**bits), 2**bits), min_size=widths[i],
                                                max_size=widths[i]), min_size=widths[i + 1],
                                       max_size=widths[i + 1])), dtype=np.int64)
               for i in range(depth)]
    schedule = draw(st.sampled_from(["none", "double", "triple"]))
    rounding = Rounding(schedule, None if schedule == "none" else draw(st.integers(0, 6)),
                        draw(st.sampled_from(list(RoundingMode))))
    return QuantizedNetwork(weights, [bits] * depth, rounding)


@given(networks(), st.integers(0, 3), st.data())
def test_forward_matches_the_fraction_reference(net, input_scale, data):
    d0 = net.widths[0]
    x = np.array(data.draw(st.lists(st.lists(st.integers(-(2**input_scale), 2**input_scale),
                                             min_size=d0, max_size=d0), min_size=1, max_size=5)))
    values, scale = net.forward(x, input_scale)
    for row, out in zip(x, values):
        assert [Fraction(int(v), 2**scale) for v in out] == reference(net, row, input_scale)


def test_big_values_switch_to_exact_integers():
    net = QuantizedNetwork([[[2**40, 2**40]], [[2**40]]], [0, 0])
    values, scale = net.forward(np.array([[2**30, 2**30]]), 0)
    assert values[0, 0] == 2**40 * 2**31 * 2**40 and scale == 0


def test_pruning_lowering_density_and_equality():
    net = QuantizedNetwork([[[3, -5], [7, 2]], [[1, 1]]], [3, 3])
    mask = (np.array([[True, False], [True, True]]), np.array([[True, False]]))
    pruned = net.pruned(mask)
    assert pruned.weights[0].tolist() == [[3, 0], [7, 2]] and density(mask) == (4, 6)
    low = net.lowered(1, "floor")
    assert low.weights[0].tolist() == [[0, -2], [1, 0]] and low.scales == (1, 1)
    x = np.array([[1, 2], [-3, 4]])
    assert same_outputs(net.forward(x, 0), net.lowered(5).forward(x, 0)).all()
    assert not same_outputs(net.forward(x, 0), pruned.forward(x, 0)).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": [[[1, 2]], [[1, 2]]], "scales": [0, 0]}, r"weights\[1\]: expected 1 columns"),
    ({"weights": [[[1.5]]], "scales": [0]}, r"weights\[0\]: expected integers"),
    ({"weights": [[[True]]], "scales": [0]}, r"weights\[0\]: expected integers"),
    ({"weights": [[[1]]], "scales": [-1]}, "scales: expected 1 exponents"),
    ({"weights": [], "scales": []}, "at least one layer"),
])
def test_invalid_networks(kwargs, message):
    with pytest.raises(InputError, match=message):
        QuantizedNetwork(**kwargs)


def test_invalid_rounding_and_masks():
    with pytest.raises(InputError, match="rounding schedule"):
        Rounding("sometimes", 2)
    with pytest.raises(InputError, match="rounding gamma"):
        Rounding("double", None)
    net = QuantizedNetwork([[[1, 2]]], [0])
    with pytest.raises(InputError, match=r"mask\[0\]: expected a bool array of shape \(1, 2\)"):
        net.pruned([np.array([[1, 0]])])


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_files_round_trip_and_detect_tampering(tmp_path, suffix):
    from verify.networks import load_network, save_network
    net = QuantizedNetwork([[[3, -5], [7, 2]], [[1, -1]]], [3, 2], Rounding("double", 2, "floor"))
    path = tmp_path / f"net{suffix}"
    save_network(net, path)
    back = load_network(path)
    assert back.sha256 == net.sha256 and back.rounding == net.rounding
    if suffix == ".json":
        text = path.read_text().replace("7", "6", 1)
        path.write_text(text)
        with pytest.raises(InputError, match="sha256"):
            load_network(path)


def test_float_import_names_the_offending_entry():
    from verify.networks import from_float_weights
    net = from_float_weights([[[0.5, -0.25]], [[1.0]]], 2)
    assert net.weights[0].tolist() == [[2, -1]]
    with pytest.raises(InputError, match=r"weights\[1\]\[0, 0\]: value 0.3 is not on the grid"):
        from_float_weights([[[0.5, -0.25]], [[0.3]]], 2)


def test_bad_network_files(tmp_path):
    from verify.errors import MissingFileError
    from verify.networks import load_network
    with pytest.raises(MissingFileError):
        load_network(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a network file"):
        load_network(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"kind": "quantized-mlp", "version": 1, "scales": [0], "weights": [[[1.5]]]}')
    with pytest.raises(InputError, match="wrong.json"):
        load_network(wrong)


@pytest.mark.parametrize("header, message", [("[" * 100_000 + "]" * 100_000, "maximum recursion depth"),
                                             ('{"scales": ' + "7" * 5000 + "}", "Exceeds the limit")])
def test_an_npz_header_the_json_parser_refuses_is_bad_input(tmp_path, header, message):
    """The header's JSON meets the parser's own limits (nesting, integer length): InputError
    naming the file, as for every other JSON the tool reads."""
    from verify.networks import load_network
    path = tmp_path / "deep.npz"
    np.savez(path, header=np.array(header))
    with pytest.raises(InputError, match=f"deep.npz: not a network file: {message}"):
        load_network(path)
