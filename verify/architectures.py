"""Architecture specs for networks beyond MLPs: 2-D convolutions, ReLU, flatten, dense layers and
residual (identity skip) blocks, each weighted layer on its own grid (layer-wise mixed precision).

A spec is a TOML or JSON object (docs/formats.md, "Networks with an architecture")::

    input = [1, 4, 4]                                  # channels, height, width (or [d]: a vector)
    layers = [
      {type = "conv", out_channels = 2, kernel = 3, stride = 1, padding = 1, bits = 3},
      {type = "relu"},
      {type = "residual", layers = [{type = "conv", out_channels = 2, kernel = 3, padding = 1, bits = 2}]},
      {type = "flatten"},
      {type = "dense", out = 3, bits = 2, gamma = 2, mode = "floor"},
    ]

Every layer is bias-free. ``bits`` = k puts the layer's weights on S_δ, δ = 2^-k (scaled
integers ``{-2^k..2^k}``); ``gamma`` = m (optional) lowers the layer's output to 2^-m with
``mode`` (default nearest-even; ``verify.numbers``). A convolution has a square ``kernel``,
``stride`` (default 1) and zero ``padding`` (default 0), and must tile its input exactly:
``(size + 2·padding − kernel)`` divisible by ``stride``. A residual block's layers must give
back the shape they are given (the skip is the identity). Flatten orders values channel, row,
column (C-major, as NumPy's reshape).

Parsing checks everything at once and fails on the first problem with one line naming the
layer by its path (``layer 2.1 (conv)``: layer 1 inside layer 2) and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from verify.errors import InputError, MissingFileError
from verify.numbers import RoundingMode

LAYER_TYPES = ("conv", "relu", "flatten", "dense", "residual")
_FIELDS = {  # type -> (required, optional) fields besides "type"
    "conv": ({"out_channels", "kernel", "bits"}, {"stride", "padding", "gamma", "mode"}),
    "dense": ({"out", "bits"}, {"gamma", "mode"}),
    "relu": (set(), set()),
    "flatten": (set(), set()),
    "residual": ({"layers"}, set()),
}


@dataclass(frozen=True)
class Conv:
    """A bias-free 2-D convolution, weights (out_channels, in_channels, kernel, kernel) at scale ``bits``."""

    in_channels: int
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    bits: int = 0
    gamma: int | None = None
    mode: str = RoundingMode.NEAREST_EVEN.value

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.in_channels, self.kernel, self.kernel)

    def to_json(self) -> dict:
        out = {"type": "conv", "out_channels": self.out_channels, "kernel": self.kernel,
               "stride": self.stride, "padding": self.padding, "bits": self.bits}
        return _with_rounding(out, self)


@dataclass(frozen=True)
class Dense:
    """A bias-free dense layer, weights (out, inputs) at scale ``bits``."""

    inputs: int
    out: int
    bits: int = 0
    gamma: int | None = None
    mode: str = RoundingMode.NEAREST_EVEN.value

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.out, self.inputs)

    def to_json(self) -> dict:
        return _with_rounding({"type": "dense", "out": self.out, "bits": self.bits}, self)


@dataclass(frozen=True)
class ReLU:
    def to_json(self) -> dict:
        return {"type": "relu"}


@dataclass(frozen=True)
class Flatten:
    def to_json(self) -> dict:
        return {"type": "flatten"}


@dataclass(frozen=True)
class Residual:
    """``x + branch(x)``: the identity skip around ``layers``."""

    layers: tuple

    def to_json(self) -> dict:
        return {"type": "residual", "layers": [layer.to_json() for layer in self.layers]}


WEIGHTED = (Conv, Dense)


def _with_rounding(out: dict, layer) -> dict:
    if layer.gamma is not None:
        out["gamma"], out["mode"] = layer.gamma, layer.mode
    return out


@dataclass(frozen=True)
class Architecture:
    """An input shape ((C, H, W) or (d,)) and a tuple of layers whose shapes chain."""

    input_shape: tuple[int, ...]
    layers: tuple

    def weighted(self) -> list:
        """Every conv and dense layer, depth first (residual blocks in place): the order of a
        network's weight arrays."""
        return list(_weighted(self.layers))

    def shapes(self) -> list[tuple[int, ...]]:
        """The value shape after each top-level layer (the last one is the output's)."""
        shape, out = self.input_shape, []
        for i, layer in enumerate(self.layers, start=1):
            shape = _out_shape(layer, shape, str(i))
            out.append(shape)
        return out

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.shapes()[-1]

    def to_json(self) -> dict:
        return {"input": list(self.input_shape), "layers": [layer.to_json() for layer in self.layers]}


def _weighted(layers):
    for layer in layers:
        if isinstance(layer, Residual):
            yield from _weighted(layer.layers)
        elif isinstance(layer, WEIGHTED):
            yield layer


def _out_shape(layer, shape: tuple[int, ...], where: str) -> tuple[int, ...]:
    """The output shape of an already validated layer on input ``shape``."""
    if isinstance(layer, Conv):
        return (layer.out_channels,) + tuple((s + 2 * layer.padding - layer.kernel) // layer.stride + 1
                                            for s in shape[1:])
    if isinstance(layer, Dense):
        return (layer.out,)
    if isinstance(layer, Flatten):
        return (shape[0] * shape[1] * shape[2],) if len(shape) == 3 else shape
    if isinstance(layer, Residual):
        for j, inner in enumerate(layer.layers, start=1):
            shape = _out_shape(inner, shape, f"{where}.{j}")
        return shape
    return shape


# ------------------------------------------------------------------------------------ parsing

def _int_field(obj: dict, name: str, where: str, minimum: int, default=None):
    if name not in obj:
        if default is None:
            raise InputError(f"{where}: missing field '{name}'")
        return default
    v = obj[name]
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise InputError(f"{where}: field '{name}': expected an integer >= {minimum}, got {v!r}")
    return v


def _rounding_fields(obj: dict, where: str) -> dict:
    gamma = _int_field(obj, "gamma", where, 0, default=-1)
    if gamma == -1:
        if "mode" in obj:
            raise InputError(f"{where}: field 'mode': only meaningful with 'gamma' (the output grid)")
        return {}
    try:
        mode = RoundingMode.parse(obj.get("mode", RoundingMode.NEAREST_EVEN.value)).value
    except InputError as e:
        raise InputError(f"{where}: field 'mode': {e}") from None
    return {"gamma": gamma, "mode": mode}


def _parse_layer(obj, shape: tuple[int, ...], where: str):
    """(layer, output shape) of one spec entry on input ``shape``, or a one-line error."""
    if not isinstance(obj, dict):
        raise InputError(f"layer {where}: expected a table/object, got {obj!r:.60}")
    kind = obj.get("type")
    if kind not in LAYER_TYPES:
        raise InputError(f"layer {where}: field 'type': unsupported layer type {kind!r} "
                         f"(expected one of {', '.join(LAYER_TYPES)})")
    where = f"layer {where} ({kind})"
    required, optional = _FIELDS[kind]
    unknown = set(obj) - required - optional - {"type"}
    if unknown:
        raise InputError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    if kind == "conv":
        return _parse_conv(obj, shape, where)
    if kind == "dense":
        if len(shape) != 1:
            raise InputError(f"{where}: input shape {list(shape)} is not a vector (flatten first)")
        layer = Dense(shape[0], _int_field(obj, "out", where, 1), _int_field(obj, "bits", where, 0),
                      **_rounding_fields(obj, where))
        return layer, (layer.out,)
    if kind == "flatten":
        if len(shape) != 3:
            raise InputError(f"{where}: input shape {list(shape)} is not (channels, height, width)")
        return Flatten(), (shape[0] * shape[1] * shape[2],)
    if kind == "relu":
        return ReLU(), shape
    return _parse_residual(obj, shape, where)


def _parse_conv(obj: dict, shape: tuple[int, ...], where: str):
    if len(shape) != 3:
        raise InputError(f"{where}: input shape {list(shape)} is not (channels, height, width)")
    k = _int_field(obj, "kernel", where, 1)
    out_channels = _int_field(obj, "out_channels", where, 1)
    bits = _int_field(obj, "bits", where, 0)
    stride = _int_field(obj, "stride", where, 1, default=1)
    padding = _int_field(obj, "padding", where, 0, default=0)
    sizes = []
    for axis, s in zip(("height", "width"), shape[1:]):
        span = s + 2 * padding - k
        if span < 0:
            raise InputError(f"{where}: field 'kernel': {k} exceeds the padded {axis} {s + 2 * padding}")
        if span % stride:
            raise InputError(f"{where}: field 'stride': ({axis} {s} + 2·padding {padding} − kernel {k}) = "
                             f"{span} is not a multiple of stride {stride} (a fractional output size)")
        sizes.append(span // stride + 1)
    layer = Conv(shape[0], out_channels, k, stride, padding, bits, **_rounding_fields(obj, where))
    return layer, (out_channels, *sizes)


def _parse_residual(obj: dict, shape: tuple[int, ...], where: str):
    inner = obj["layers"]
    if not isinstance(inner, list) or not inner:
        raise InputError(f"{where}: field 'layers': expected a non-empty list of layers")
    prefix = where.split(" ")[1]
    layers, current = [], shape
    for j, sub in enumerate(inner, start=1):
        layer, current = _parse_layer(sub, current, f"{prefix}.{j}")
        layers.append(layer)
    if current != shape:
        raise InputError(f"{where}: field 'layers': the block maps shape {list(shape)} to {list(current)}; "
                         f"the identity skip needs them equal")
    return Residual(tuple(layers)), shape


def architecture_from_json(obj, source: str = "<architecture>") -> Architecture:
    """Validate a spec object (``input`` and ``layers``); errors are one line prefixed by ``source``."""
    try:
        if not isinstance(obj, dict):
            raise InputError("expected a table/object with 'input' and 'layers'")
        unknown = set(obj) - {"input", "layers"}
        if unknown:
            raise InputError(f"unknown field {sorted(unknown)[0]!r} (expected input and layers)")
        shape = obj.get("input")
        if (not isinstance(shape, list) or len(shape) not in (1, 3)
                or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape)):
            raise InputError(f"field 'input': expected [channels, height, width] or [d] of positive "
                             f"integers, got {shape!r}")
        layers_obj = obj.get("layers")
        if not isinstance(layers_obj, list) or not layers_obj:
            raise InputError("field 'layers': expected a non-empty list of layers")
        layers, current = [], tuple(shape)
        for i, entry in enumerate(layers_obj, start=1):
            layer, current = _parse_layer(entry, current, str(i))
            layers.append(layer)
        arch = Architecture(tuple(shape), tuple(layers))
        if not arch.weighted():
            raise InputError("field 'layers': expected at least one conv or dense layer")
        return arch
    except InputError as e:
        raise InputError(f"{source}: {e}") from None


SPECS_DIR = Path(__file__).resolve().parent / "architecture_specs"


def builtin_architectures() -> list[str]:
    """The names of the built-in specs (``verify/architecture_specs/*.toml``)."""
    return sorted(p.stem for p in SPECS_DIR.glob("*.toml"))


def load_architecture(path) -> Architecture:
    """Read a spec from a ``.toml`` or ``.json`` file, or the built-in spec of that name when no
    such file exists (one-line errors naming the file)."""
    path = Path(path)
    if not path.exists() and path.suffix == "" and (SPECS_DIR / f"{path}.toml").is_file():
        path = SPECS_DIR / f"{path}.toml"
    elif not path.exists():
        raise MissingFileError(f"{path}: no such architecture spec (built-in: {', '.join(builtin_architectures())})")
    if path.suffix not in (".toml", ".json"):
        raise InputError(f"{path}: expected a .toml or .json architecture spec")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MissingFileError(f"{path}: no such file") from None
    except (UnicodeDecodeError, IsADirectoryError) as e:
        raise InputError(f"{path}: not a readable text file ({type(e).__name__})") from None
    try:
        if path.suffix == ".json":
            obj = json.loads(text)
        else:
            try:  # tomllib is Python 3.11's; 3.10 has the tomli backport
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            obj = tomllib.loads(text)
    except ValueError as e:  # JSONDecodeError and TOMLDecodeError both derive from it
        raise InputError(f"{path}: not valid {path.suffix[1:].upper()}: {e}") from None
    return architecture_from_json(obj, str(path))
