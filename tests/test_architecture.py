"""Architecture specs: shapes that chain, and every bad spec as one line naming the layer and field."""

import json

import pytest

from verify.architectures import (Conv, Dense, Flatten, ReLU, Residual, architecture_from_json,
                                  load_architecture)
from verify.errors import InputError, MissingFileError

GOOD = {"input": [1, 5, 5], "layers": [
    {"type": "conv", "out_channels": 2, "kernel": 3, "stride": 2, "padding": 1, "bits": 3},
    {"type": "relu"},
    {"type": "residual", "layers": [{"type": "conv", "out_channels": 2, "kernel": 3, "padding": 1, "bits": 2},
                                    {"type": "relu"}]},
    {"type": "flatten"},
    {"type": "dense", "out": 3, "bits": 1, "gamma": 2, "mode": "floor"},
]}


def test_shapes_chain_and_round_trip():
    arch = architecture_from_json(GOOD)
    assert arch.shapes() == [(2, 3, 3), (2, 3, 3), (2, 3, 3), (18,), (3,)]
    assert [type(x) for x in arch.layers] == [Conv, ReLU, Residual, Flatten, Dense]
    assert [w.weight_shape for w in arch.weighted()] == [(2, 1, 3, 3), (2, 2, 3, 3), (3, 18)]
    assert architecture_from_json(arch.to_json()) == arch


def test_toml_and_json_files_read_alike(tmp_path):
    toml = tmp_path / "a.toml"
    toml.write_text('input = [1, 5, 5]\nlayers = [\n'
                    '  {type = "conv", out_channels = 2, kernel = 3, stride = 2, padding = 1, bits = 3},\n'
                    '  {type = "relu"},\n'
                    '  {type = "residual", layers = [{type = "conv", out_channels = 2, kernel = 3, padding = 1, '
                    'bits = 2}, {type = "relu"}]},\n'
                    '  {type = "flatten"},\n  {type = "dense", out = 3, bits = 1, gamma = 2, mode = "floor"},\n]\n')
    js = tmp_path / "a.json"
    js.write_text(json.dumps(GOOD))
    assert load_architecture(toml) == load_architecture(js) == architecture_from_json(GOOD)


def _with(i, **changes):
    spec = json.loads(json.dumps(GOOD))
    layer = spec["layers"][i]
    for k, v in changes.items():
        if v is None:
            layer.pop(k)
        else:
            layer[k] = v
    return spec


BAD = [
    (_with(0, kernel=None), "layer 1 (conv): missing field 'kernel'"),
    (_with(4, bits=None), "layer 5 (dense): missing field 'bits'"),
    (_with(0, out_channels=None), "layer 1 (conv): missing field 'out_channels'"),
    (_with(1, type="pool"), "layer 2: field 'type': unsupported layer type 'pool'"),
    (_with(0, stride=3), "layer 1 (conv): field 'stride'"),  # (5 + 2 - 3) = 4 is not a multiple of 3
    (_with(0, padding=0, stride=3), "layer 1 (conv): field 'stride'"),
    (_with(0, kernel=9), "layer 1 (conv): field 'kernel': 9 exceeds"),
    (_with(0, bits=-1), "layer 1 (conv): field 'bits': expected an integer >= 0"),
    (_with(0, kernel=2.5), "layer 1 (conv): field 'kernel'"),
    (_with(0, extra=1), "layer 1 (conv): unknown field 'extra'"),
    (_with(4, mode="floor", gamma=None), "layer 5 (dense): field 'mode'"),
    (_with(4, mode="sideways"), "layer 5 (dense): field 'mode'"),
    (_with(2, layers=[{"type": "conv", "out_channels": 3, "kernel": 1, "bits": 1}]),
     "layer 3 (residual): field 'layers': the block maps shape [2, 3, 3] to [3, 3, 3]"),
    (_with(2, layers=[{"type": "conv", "out_channels": 2, "kernel": 1}]), "layer 3.1 (conv): missing field 'bits'"),
    (_with(2, layers=[]), "layer 3 (residual): field 'layers'"),
    ({**GOOD, "layers": [GOOD["layers"][0], GOOD["layers"][4]]}, "layer 2 (dense): input shape [2, 3, 3] is not a vector"),
    ({**GOOD, "layers": [{"type": "flatten"}, {"type": "conv", "out_channels": 1, "kernel": 1, "bits": 0}]},
     "layer 2 (conv): input shape [25] is not (channels, height, width)"),
    ({**GOOD, "input": [1, 0, 5]}, "field 'input'"),
    ({"layers": GOOD["layers"]}, "field 'input'"),
    ({"input": [4], "layers": []}, "field 'layers'"),
    ({"input": [4], "layers": [{"type": "relu"}]}, "at least one conv or dense layer"),
    ({**GOOD, "colour": 1}, "unknown field 'colour'"),
]


@pytest.mark.parametrize("spec, message", BAD, ids=[m for _, m in BAD])
def test_bad_specs_name_the_layer_and_field(spec, message):
    with pytest.raises(InputError) as e:
        architecture_from_json(spec, "a.toml")
    text = str(e.value)
    assert text.startswith("a.toml: ") and message in text and "\n" not in text


def test_bad_files(tmp_path):
    with pytest.raises(MissingFileError):
        load_architecture(tmp_path / "none.toml")
    bad = tmp_path / "a.toml"
    bad.write_text("input = [1, 2")
    with pytest.raises(InputError, match="not valid TOML"):
        load_architecture(bad)
    (tmp_path / "a.yaml").write_text("input: [1]")
    with pytest.raises(InputError, match="expected a .toml or .json"):
        load_architecture(tmp_path / "a.yaml")


def test_builtin_specs_load_by_name_and_a_missing_name_lists_them():
    from verify.architectures import builtin_architectures

    assert "small-cnn" in builtin_architectures()
    for name in builtin_architectures():
        assert load_architecture(name).weighted()
    with pytest.raises(MissingFileError, match="built-in: small-cnn"):
        load_architecture("no-such-spec")
