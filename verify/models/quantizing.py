"""Float weight matrices onto the grid S_δ (δ = 2^-bits) as a target ``QuantizedNetwork``, exactly.

Layer i (weights ``W_i``, float, shape (out, in)) is first multiplied by a power of two 2^a_i
and then every weight is rounded to S_δ with the weight rounding mode: the stored integer is
``q = [W_i · 2^(a_i + bits)]`` and the real weight ``q / 2^bits``, so every layer has scale
exponent ``k_i = bits``. A bias-free ReLU network is positively homogeneous in each layer, so
with no output rounding the scaled network computes exactly ``2^(Σ a_i)`` times the float
model (argmax and every sign unchanged); only the weight rounding changes the function.

Scale exponents (``scale``):

- ``"fit"`` (default): per layer the unique integer a with ``max|W_i| · 2^a`` in (1/2, 1]
  (0 for an all-zero layer), so the largest weight uses the grid's whole range.
- ``"none"``: a_i = 0; a weight outside [-1, 1] is an error (suggesting ``fit``).
- a list of integers, one per layer; a weight with ``|w| · 2^a > 1`` is an error.

Weights are never clipped. The rounding is exact: float16/32/64 weights are dyadic rationals,
``w · 2^(a + bits)`` is an exact float64 multiplication unless it leaves float64's normal range
(checked per entry, with exact ``Fraction`` arithmetic for those), and the integer rounding uses
float operations that are exact on float64 (rint, floor, ceil, trunc; ties away from zero by
trunc plus the exact fractional part, never ``floor(x + 0.5)``, which rounds 0.49999999999999994 up).

``strict`` refuses any weight that rounding would move, naming its layer, position and value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.errors import InputError
from verify.models.reading import FloatLayer, check_layers, read_model
from verify.networks import QuantizedNetwork, Rounding
from verify.numbers import RoundingMode, rescale

MAX_BITS = 61  # the integer 2^bits must fit the networks' int64 weights with room to spare


@dataclass(frozen=True)
class LayerImport:
    """What quantizing one layer did. ``max_error`` is the largest |rounded − original| weight in
    the layer's original units (divided by 2^scale_exponent; a float, for reporting only)."""

    name: str
    node: str | None
    shape: tuple[int, int]  # (out, in)
    scale_exponent: int  # a_i: the layer was multiplied by 2^a_i before rounding
    max_abs: float  # max |w| of the float layer
    max_error: float
    moved: int  # weights that were not on the grid and were rounded

    @property
    def origin(self) -> str:
        return f"node {self.node}, weight '{self.name}'" if self.node else f"tensor '{self.name}'"

    def to_json(self) -> dict:
        return {"name": self.name, "node": self.node, "shape": list(self.shape),
                "scale_exponent": self.scale_exponent, "max_abs": self.max_abs,
                "max_rounding_error": self.max_error, "moved": self.moved,
                "num_weights": self.shape[0] * self.shape[1]}


@dataclass(frozen=True)
class ImportReport:
    """Provenance of an imported network: the source, the grid, the modes and each layer's
    scale and rounding error. The quantized network's outputs are ``2^total_exponent`` times
    the float model's when no weight moved and there is no output rounding."""

    source: str
    format: str
    bits: int
    weight_rounding: RoundingMode
    scale: str  # "fit", "none" or "explicit"
    layers: tuple[LayerImport, ...]

    @property
    def total_exponent(self) -> int:
        return sum(layer.scale_exponent for layer in self.layers)

    @property
    def moved(self) -> int:
        return sum(layer.moved for layer in self.layers)

    def to_json(self) -> dict:
        return {"source": self.source, "format": self.format, "bits": self.bits,
                "weight_rounding": self.weight_rounding.value, "scale": self.scale,
                "output_factor_exponent": self.total_exponent, "moved": self.moved,
                "layers": [layer.to_json() for layer in self.layers]}

    def lines(self) -> list[str]:
        """The human-readable report, one line per layer plus the output factor."""
        out = []
        for i, layer in enumerate(self.layers, start=1):
            total = layer.shape[0] * layer.shape[1]
            out.append(f"  layer {i}: {layer.origin}, shape {layer.shape[0]}x{layer.shape[1]} (out x in), "
                       f"scaled by 2^{layer.scale_exponent}, {layer.moved} of {total} weights moved, "
                       f"max rounding error {layer.max_error:.3g} (original units)")
        out.append(f"  outputs: 2^{self.total_exponent} times the float model's (exactly, when no weight "
                   f"moved and outputs are not rounded)")
        return out


@dataclass(frozen=True)
class QuantizeOptions:
    """How float weights are put on a grid (``import-network``'s options; module docstring).
    ``bits``: the weight grid 2^-bits (0..MAX_BITS); ``scale``: ``fit`` (a power of two per
    layer), ``none``, or one exponent a per layer (weights times 2^a must lie in [-1, 1]);
    ``weight_rounding``: the RoundingMode (or its name) onto the grid; ``strict``: refuse any
    weight off the grid instead of rounding it; ``rounding``: the network's output rounding
    schedule. Checked when used, with one-line ``InputError`` naming the field."""

    bits: int = 8
    scale: object = "fit"
    weight_rounding: RoundingMode | str = RoundingMode.NEAREST_EVEN
    strict: bool = False
    rounding: Rounding = Rounding()


def import_model(path, options: QuantizeOptions = QuantizeOptions()) -> tuple[QuantizedNetwork, ImportReport]:
    """Read a bias-free ReLU MLP (ONNX, safetensors or npz; see ``verify.models.reading``) and
    quantize it by ``options`` (see the module docstring). One-line ``InputError`` on any problem."""
    model = read_model(path)
    return _quantize(list(model.layers), options, model.source, model.format)


def quantize_matrices(matrices, names=None, options: QuantizeOptions = QuantizeOptions(),
                      source: str = "<matrices>") -> tuple[QuantizedNetwork, ImportReport]:
    """Quantize float matrices given directly, each of shape (out, in) in layer order (the torch
    convention; scikit-learn's ``coefs_`` are (in, out): pass their transposes), by ``options``.
    ``names`` defaults to "W0", "W1", ...; ``source`` names them in errors; the checks and the
    report are those of :func:`import_model`."""
    matrices = list(matrices)
    names = [f"W{i}" for i in range(len(matrices))] if names is None else [str(n) for n in names]
    if len(names) != len(matrices):
        raise InputError(f"{source}: {len(matrices)} matrices but {len(names)} names")
    layers = []
    for name, m in zip(names, matrices):
        a = np.asarray(m)
        if a.dtype.kind != "f":
            raise InputError(f"{source}: tensor '{name}': expected a float matrix, got dtype {a.dtype}")
        layers.append(FloatLayer(name, np.array(a, dtype=np.float64)))
    check_layers(layers, source)
    return _quantize(layers, options, source, "matrices")


def fit_exponent(max_abs: float) -> int:
    """The unique integer a with ``max_abs · 2^a`` in (1/2, 1]; 0 for 0.

    >>> [fit_exponent(x) for x in (0.75, 1.0, 0.5, 3.0, 0.3)]
    [0, 0, 1, -2, 1]
    """
    if max_abs == 0:
        return 0
    mantissa, exponent = math.frexp(max_abs)  # max_abs = mantissa · 2^exponent, mantissa in [1/2, 1)
    return 1 - exponent if mantissa == 0.5 else -exponent


def round_scaled(w: np.ndarray, shift: int, mode: RoundingMode) -> tuple[np.ndarray, np.ndarray]:
    """The integers ``[w · 2^shift]`` rounded with ``mode`` (``verify.numbers``' modes), exactly,
    for a float64 array ``w`` with every ``|w · 2^shift| <= 2^62``; returns (int64 array, bool
    array of the entries that moved, i.e. were not already integers).

    >>> q, moved = round_scaled(np.array([0.49999999999999994, 2.5, -2.5, 3.0]), 0, RoundingMode.NEAREST_AWAY)
    >>> q.tolist(), moved.tolist()
    ([0, 3, -3, 3], [True, True, True, False])
    """
    x = np.ldexp(w, shift)
    # exact unless an entry lost bits in the subnormal range: check by scaling back
    exact = np.isfinite(x) & (np.ldexp(x, -shift) == w)
    x = np.where(exact, x, 0.0)
    if mode is RoundingMode.NEAREST_EVEN:
        q = np.rint(x)
    elif mode is RoundingMode.FLOOR:
        q = np.floor(x)
    elif mode is RoundingMode.CEIL:
        q = np.ceil(x)
    elif mode is RoundingMode.TOWARD_ZERO:
        q = np.trunc(x)
    else:
        t = np.trunc(x)
        q = t + np.sign(x) * (np.abs(x - t) >= 0.5)  # x - t is the exact fractional part
    moved = q != x  # both exact floats here
    out = q.astype(np.int64)
    for idx in zip(*np.nonzero(~exact)):
        f = Fraction(float(w[idx])) * Fraction(2) ** shift
        s = f.denominator.bit_length() - 1  # the denominator is a power of two
        out[idx] = rescale(f.numerator, s, 0, mode)
        moved[idx] = s > 0
    return out, moved


def _parse_scale(scale, depth: int, source: str) -> tuple[str, list[int] | None]:
    if isinstance(scale, str):
        if scale in ("fit", "none"):
            return scale, None
        try:
            scale = [int(x) for x in scale.split(",")]
        except ValueError:
            raise InputError(f"scale: expected fit, none or comma-separated integers, got {scale!r}") from None
    values = list(scale)
    if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in values):
        raise InputError(f"scale: expected integers, got {values}")
    if len(values) != depth:
        raise InputError(f"{source}: scale: expected {depth} exponents (one per layer), got {len(values)}")
    return "explicit", [int(a) for a in values]


def _quantize(layers: list[FloatLayer], options: QuantizeOptions, source: str,
              fmt: str) -> tuple[QuantizedNetwork, ImportReport]:
    bits, scale, strict, rounding = options.bits, options.scale, options.strict, options.rounding
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 0 <= bits <= MAX_BITS:
        raise InputError(f"bits: expected an integer in 0..{MAX_BITS} (δ = 2^-bits), got {bits!r}")
    bits = int(bits)
    mode = RoundingMode.parse(options.weight_rounding)
    if not isinstance(rounding, Rounding):
        raise InputError("rounding: expected a Rounding")
    kind, exponents = _parse_scale(scale, len(layers), source)
    integers, reports = [], []
    for i, layer in enumerate(layers, start=1):
        w = layer.weight
        where = f"{source}: layer {i} ({layer.origin})"
        max_abs = float(np.abs(w).max())
        a = fit_exponent(max_abs) if kind == "fit" else 0 if kind == "none" else exponents[i - 1]
        if kind != "fit":
            with np.errstate(over="ignore"):  # inf > 1 is the right answer
                over = np.argwhere(np.ldexp(np.abs(w), a) > 1)
            if over.size:
                pos = tuple(int(j) for j in over[0])
                raise InputError(f"{where}: weight {list(pos)} = {float(w[pos])!r} is outside [-1, 1] after "
                                 f"the scale 2^{a} ({len(over)} such weights); use --scale fit "
                                 f"(a power of two per layer) or a smaller exponent")
        q, moved_mask = round_scaled(w, a + bits, mode)
        moved = int(np.count_nonzero(moved_mask))
        if strict and moved:
            pos = tuple(int(j) for j in np.argwhere(moved_mask)[0])
            raise InputError(f"{where}: weight {list(pos)} = {float(w[pos])!r} is not on the grid 2^-{bits} after "
                             f"the scale 2^{a} ({moved} of {w.size} weights are off the grid; --strict "
                             f"refuses to round them)")
        with np.errstate(over="ignore"):  # a scale of 2^-1000 makes a moved weight's error inf: so be it
            error = np.abs(np.ldexp(q.astype(float), -(a + bits)) - w)
        integers.append(q)
        reports.append(LayerImport(layer.name, layer.node, (int(w.shape[0]), int(w.shape[1])), int(a),
                                   max_abs, float(error.max()), moved))
    network = QuantizedNetwork(integers, [bits] * len(integers), rounding)
    return network, ImportReport(source, fmt, bits, mode, kind, tuple(reports))
