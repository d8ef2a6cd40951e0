"""Certified tickets out: a quantized network as an ONNX graph or float weight files that an
independent runtime evaluates to exactly the tool's outputs.

The exported computation is in floating point on real values. Inputs ``x`` are floats on the
grid S_δ^d0 (δ = 2^-input_bits, |x_j| <= 1). Layer i is ``h @ W_i.T`` with the float weights
``W_i / 2^k_i``, then ReLU (not after the last layer), then, where the rounding schedule lowers
layer i's output to γ = 2^-gamma: multiply by 2^gamma, round with the mode, multiply by
2^-gamma. The modes as float operations: nearest-even = ONNX Round (ties to even); floor =
Floor; ceil = Ceil; toward-zero = Sign·Floor(|v|); nearest-away = Sign·Floor(|v| + 0.5).

Exactness rule (:func:`exactness_bounds`, proved before anything is written): every value in
the graph is a dyadic rational. Floating point computes it exactly if every weight, product,
partial sum (in any order, so bounded by the sum of absolute values) and every value fed to a
rounding op is an integer multiple of the current resolution 2^-s whose magnitude in units of
2^-s is below 2^p (p = 24 significand bits for float32, 53 for float64), and every exponent
stays in the normal range (no subnormals, which runtimes may flush to zero; no overflow).
Bounds are tracked per unit in exact integer arithmetic. A network that does not fit the
requested dtype is refused; nothing is ever exported inexactly.

Compaction (the default): hidden units with an all-zero incoming row or an all-zero outgoing
column, iterated to a fixpoint, are removed. Exact for every rounding mode: a unit with a zero
row outputs σ(0) = 0, lowered to 0, and a unit with a zero column contributes nothing. The
metadata records which original unit indices each hidden layer keeps. Input and output widths
never change.

Files: ONNX (input ``x`` [batch, d0], output ``y``, MatMul weights stored (in, out)); ``.npz``
and ``.safetensors`` hold ``W0, W1, ...`` of shape (out, in) (the torch ``nn.Linear``
convention), already divided by 2^k_i, plus the metadata as JSON. onnx, onnxruntime and
safetensors are optional (the ``models`` extra) and imported only where they are used.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from verify import __version__
from verify.errors import InputError, MissingFileError
from verify.networks import QuantizedNetwork
from verify.numbers import RoundingMode

FORMATS = ("onnx", "npz", "safetensors")
DTYPES = ("auto", "float32", "float64")
# significand bits (hidden bit included), smallest normal exponent, largest exponent
FLOATS = {"float32": (24, -126, 127), "float64": (53, -1022, 1023)}
OPSET = 17
IR_VERSION = 8  # the IR of opset 17; onnxruntime accepts it (newer onnx packages default higher)
MODELS_EXTRA = 'pip install -e ".[models]"'


# ---------------------------------------------------------------------------------- bounds

@dataclass(frozen=True)
class LayerBound:
    """What layer ``layer`` (1-based) of the exported graph needs to be exact.

    Every count is a bit length n: the magnitudes are < 2^n in units of the resolution named
    next to it (a value at resolution s is an integer multiple of 2^-s).

    - ``weight_bits``: the integer weights |W_i| (units of 2^-k_i, resolution ``k_i``);
    - ``sum_bits`` at ``sum_resolution`` = s_in + k_i: every product and every partial sum of
      the MatMul, bounded per output unit by Σ_j |W_ij|·b_j (b_j: the input's bound);
    - ``round_bits`` at ``round_resolution`` (None when the layer is not lowered): the values
      fed to the rounding op, after ×2^γ (and + 0.5 for nearest-away);
    - ``out_resolution``: the layer's output is a multiple of 2^-out_resolution.
    """

    layer: int
    weight_bits: int
    sum_bits: int
    sum_resolution: int
    round_bits: int | None
    round_resolution: int | None
    out_resolution: int

    @property
    def bits(self) -> int:
        """Significand bits the layer needs: the largest of its counts."""
        return max(self.weight_bits, self.sum_bits, self.round_bits or 0)


def _bit_length(values) -> int:
    """Bit length of the largest magnitude (0 for none)."""
    if values.dtype != object:
        return int(np.abs(values).max(initial=0)).bit_length()
    return max((abs(int(v)).bit_length() for v in values), default=0)


ROWS_PER_BLOCK = 4096  # bounds a block of rows at a time: a 75,264 × 784 int8 layer never widens whole


def _row_sums(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """(Σ_j |W_ij|·b_j per row, bit length of max |W_ij|), exactly: int64 when it provably
    fits, Python integers otherwise."""
    sums, weight_bits = [], 0
    for start in range(0, w.shape[0], ROWS_PER_BLOCK):
        # weights may be stored in any integer dtype (int8 ...): widen before any arithmetic
        block = np.abs(np.asarray(w[start:start + ROWS_PER_BLOCK]).astype(np.int64))
        big = int(block.max(initial=0))
        weight_bits = max(weight_bits, big.bit_length())
        if b.dtype != object and big * int(b.max(initial=0)) * block.shape[1] < 2**62:
            sums.append(block @ b)
        else:
            sums.append(block.astype(object).dot(b.astype(object)))
    if any(s.dtype == object for s in sums):
        sums = [s.astype(object) for s in sums]
    return np.concatenate(sums), weight_bits


def exactness_bounds(network: QuantizedNetwork, input_bits: int) -> list[LayerBound]:
    """Per layer, the significand bits and resolutions of the exported float computation on
    inputs of S_δ^d0 (δ = 2^-``input_bits``, |x_j| <= 1). Pure, exact integer arithmetic.

    >>> from verify.networks import Rounding
    >>> net = QuantizedNetwork([[[3, -1]], [[5]]], [2, 1], Rounding("double", 1))
    >>> [(b.sum_bits, b.sum_resolution, b.round_bits, b.out_resolution) for b in exactness_bounds(net, 1)]
    [(4, 3, 4, 1), (4, 2, 4, 1)]
    """
    if isinstance(input_bits, bool) or not isinstance(input_bits, int) or input_bits < 0:
        raise InputError(f"input bits: expected an integer >= 0, got {input_bits!r}")
    r = network.rounding
    s = input_bits
    bound = np.full(network.widths[0], 1 << input_bits, dtype=np.int64)  # |x_j| <= 1 = 2^b units
    out = []
    for i, (w, k) in enumerate(zip(network.weights, network.scales), start=1):
        sums, weight_bits = _row_sums(w, bound)  # per unit: products and partial sums, units of 2^-(s + k)
        s_sum, sum_bits = s + k, _bit_length(sums)
        round_bits = round_res = None
        s = s_sum
        if r.lowers(i):
            t = s_sum - r.gamma  # resolution after ×2^γ (t <= 0: already a multiple of 2^-γ)
            if r.mode is RoundingMode.NEAREST_AWAY:
                round_res = max(t, 1)  # |v| + 0.5 is a multiple of 2^-1 at least
                big = max((int(v) for v in sums), default=0)
                round_bits = ((big << (round_res - t)) + (1 << (round_res - 1))).bit_length()
            else:
                round_res, round_bits = t, sum_bits
            if t > 0:  # |round(v)| <= ceil(|v|), in units of 2^-γ
                sums, s = -((-sums) >> t), r.gamma
        out.append(LayerBound(i, weight_bits, sum_bits, s_sum, round_bits, round_res, s))
        bound = sums
    return out


def exactness_failure(network: QuantizedNetwork, bounds: list[LayerBound], input_bits: int,
                      dtype: str) -> str | None:
    """None when ``dtype`` computes the network exactly on its input grid, else one line
    naming the first layer and bound that does not fit."""
    p, emin, emax = FLOATS[dtype]
    cannot = f"cannot export exactly in {dtype}"
    if input_bits > p or input_bits > -emin:
        return f"inputs: the grid 2^-{input_bits} needs {input_bits} significand bits > {p}: {cannot}"
    r = network.rounding
    for b in bounds:
        what = [("weights", b.weight_bits, network.scales[b.layer - 1]),
                ("partial sums", b.sum_bits, b.sum_resolution)]
        if b.round_bits is not None:
            what.append(("rounding inputs", b.round_bits, b.round_resolution))
            if r.gamma > emax or r.gamma > -emin:
                return f"layer {b.layer}: the scale 2^{r.gamma} is outside the normal {dtype} range: {cannot}"
        for name, bits, res in what:
            if bits > p:
                return f"layer {b.layer}: {name} need 2^{bits} > 2^{p} at resolution 2^-{res}: {cannot}"
            if bits and (res > -emin or bits - res > emax + 1):
                return (f"layer {b.layer}: {name} reach 2^{bits - res} with resolution 2^-{res}, "
                        f"outside the normal {dtype} range: {cannot}")
    return None


def choose_dtype(network: QuantizedNetwork, input_bits: int, dtype: str = "auto") -> tuple[str, list[LayerBound]]:
    """The dtype to export in (``auto``: float32 when it is exact, else float64) and the
    bounds that prove it; an InputError naming the layer and bound when none fits."""
    if dtype not in DTYPES:
        raise InputError(f"dtype: expected one of {', '.join(DTYPES)}, got {dtype!r}")
    bounds = exactness_bounds(network, input_bits)
    why = None
    for candidate in (("float32", "float64") if dtype == "auto" else (dtype,)):
        why = exactness_failure(network, bounds, input_bits, candidate)
        if why is None:
            return candidate, bounds
    raise InputError(why)


def output_scale(network: QuantizedNetwork, input_bits: int) -> int:
    """The scale of :meth:`QuantizedNetwork.forward`'s outputs: y · 2^scale are its integers."""
    scale = input_bits
    for i, k in enumerate(network.scales, start=1):
        scale = network.rounding.gamma if network.rounding.lowers(i) else scale + k
    return scale


# ------------------------------------------------------------------------------ compaction

def compact(network: QuantizedNetwork) -> tuple[QuantizedNetwork, list[list[int]]]:
    """The network without its dead hidden units (module docstring), and per hidden layer the
    original indices of the units kept. A hidden layer whose units are all dead keeps its
    first unit with a zero row and column (a layer of width 0 is no network)."""
    ws = [np.array(w) for w in network.weights]  # copies in the stored dtype: no arithmetic here
    kept = [np.arange(w.shape[0]) for w in ws[:-1]]
    changed = True
    while changed:
        changed = False
        for h in range(len(ws) - 1):  # hidden layer h: rows of ws[h], columns of ws[h + 1]
            live = ws[h].any(axis=1) & ws[h + 1].any(axis=0)
            if live.all():
                continue
            if not live.any():
                if ws[h].shape[0] == 1 and not ws[h].any() and not ws[h + 1].any():
                    continue  # already the one zero unit
                live[0] = True
                ws[h][0, :] = 0
                ws[h + 1][:, 0] = 0
            ws[h], ws[h + 1], kept[h] = ws[h][live], ws[h + 1][:, live], kept[h][live]
            changed = True
    return (QuantizedNetwork(ws, network.scales, network.rounding),
            [[int(u) for u in k] for k in kept])


# -------------------------------------------------------------------------------- exporting

@dataclass(frozen=True)
class Prepared:
    """What a writer serializes: the (compacted) network, the dtype, the float weights
    (out, in), the exactness bounds and the metadata."""

    network: QuantizedNetwork
    dtype: str
    weights: list
    bounds: list
    metadata: dict


def prepare(network: QuantizedNetwork, dtype: str = "auto", input_bits: int | None = None,
            full: bool = False, sources: dict | None = None) -> Prepared:
    """Compact (unless ``full``), prove exactness in ``dtype`` on the grid 2^-``input_bits``
    (default: the network's finest weight precision, max k_i) and build the metadata.
    ``sources``: sha256s and paths of what the network came from, recorded as they are."""
    if input_bits is None:
        input_bits = max(network.scales)
    original = network.widths
    kept = None
    if not full:
        network, kept = compact(network)
    dtype, bounds = choose_dtype(network, input_bits, dtype)
    np_dtype = np.dtype(dtype)
    # exact: |W| < 2^p was proved, and dividing by a power of two in the normal range is exact
    weights = [np.ldexp(np.asarray(w).astype(np_dtype), np.int32(-k)).astype(np_dtype, copy=False)
               for w, k in zip(network.weights, network.scales)]
    r = network.rounding
    metadata = {
        "tool": "slth-verify", "version": __version__,
        "computes": describe(network, input_bits, dtype),
        "sources": sources or {},
        "widths": list(network.widths), "original_widths": list(original),
        "scales": list(network.scales),
        "rounding": r.to_json(), "schedule": r.schedule, "gamma": r.gamma, "mode": r.mode.value,
        "lowers": [r.lowers(i) for i in range(1, network.depth + 1)],
        "input_bits": input_bits, "output_scale": output_scale(network, input_bits),
        "dtype": dtype, "compact": not full, "kept_units": kept,
        "bits_needed": [b.bits for b in bounds],
    }
    return Prepared(network, dtype, weights, bounds, metadata)


def describe(network: QuantizedNetwork, input_bits: int, dtype: str) -> str:
    """One sentence: what the exported model computes and on which inputs it is exact."""
    r = network.rounding
    lowering = ("" if r.schedule == "none" else
                f", layer outputs lowered to 2^-{r.gamma} ({r.mode.value}) by the {r.schedule} schedule")
    return (f"y = W_L relu(... relu(W_1 x)) for the bias-free quantized ReLU network of widths "
            f"{list(network.widths)}{lowering}, bit for bit equal to slth-verify's exact evaluation "
            f"for every input x on the grid 2^-{input_bits} with |x_j| <= 1, computed in {dtype}.")


def _write_bytes_atomic(path, data: bytes) -> None:
    """Write ``data`` so that ``path`` appears complete or not at all, with the umask's
    permissions (mkstemp's 0600 would make exports private by accident)."""
    p = Path(path)
    directory = p.parent if str(p.parent) else Path(".")
    if not directory.is_dir():
        raise MissingFileError(f"{p}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _flat_metadata(metadata: dict) -> dict[str, str]:
    """String key -> string value (JSON for anything but strings), plus the whole JSON."""
    flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()}
    flat["metadata"] = json.dumps(metadata, sort_keys=True)
    return flat


def onnx_bytes(prep: Prepared) -> bytes:
    """The ONNX model of a prepared network (module docstring), checked by onnx.checker."""
    try:  # optional dependency (the models extra): imported only when exporting ONNX
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise InputError(f"ONNX export needs the onnx package: {MODELS_EXTRA}") from None
    net, dt = prep.network, np.dtype(prep.dtype)
    elem = TensorProto.FLOAT if prep.dtype == "float32" else TensorProto.DOUBLE
    r = net.rounding
    inits = [numpy_helper.from_array(np.ascontiguousarray(w.T), f"W{i}") for i, w in enumerate(prep.weights)]
    nodes = []
    if r.schedule != "none":
        inits += [numpy_helper.from_array(np.array(np.ldexp(1.0, r.gamma), dtype=dt), "gamma_up"),
                  numpy_helper.from_array(np.array(np.ldexp(1.0, -r.gamma), dtype=dt), "gamma_down")]
    if r.schedule != "none" and r.mode is RoundingMode.NEAREST_AWAY:
        inits.append(numpy_helper.from_array(np.array(0.5, dtype=dt), "half"))
    h = "x"
    for i in range(net.depth):
        last = i == net.depth - 1
        lowers = r.lowers(i + 1)

        def name(part, final=False):
            return "y" if final else f"l{i + 1}_{part}"

        nodes.append(helper.make_node("MatMul", [h, f"W{i}"], [h := name("matmul", last and not lowers)]))
        if not last:
            nodes.append(helper.make_node("Relu", [h], [h := name("relu")]))
        if lowers:
            nodes.append(helper.make_node("Mul", [h, "gamma_up"], [v := name("up")]))
            mode = r.mode
            if mode is RoundingMode.NEAREST_EVEN:
                nodes.append(helper.make_node("Round", [v], [q := name("round")]))
            elif mode is RoundingMode.FLOOR:
                nodes.append(helper.make_node("Floor", [v], [q := name("floor")]))
            elif mode is RoundingMode.CEIL:
                nodes.append(helper.make_node("Ceil", [v], [q := name("ceil")]))
            else:  # toward-zero: Sign·Floor(|v|); nearest-away: Sign·Floor(|v| + 0.5)
                nodes.append(helper.make_node("Abs", [v], [a := name("abs")]))
                if mode is RoundingMode.NEAREST_AWAY:
                    nodes.append(helper.make_node("Add", [a, "half"], [a := name("abs_half")]))
                nodes.append(helper.make_node("Floor", [a], [f := name("floor")]))
                nodes.append(helper.make_node("Sign", [v], [sg := name("sign")]))
                nodes.append(helper.make_node("Mul", [sg, f], [q := name("round")]))
            nodes.append(helper.make_node("Mul", [q, "gamma_down"], [h := name("down", last)]))
    graph = helper.make_graph(
        nodes, "slth_verify_network",
        [helper.make_tensor_value_info("x", elem, ["batch", net.widths[0]])],
        [helper.make_tensor_value_info("y", elem, ["batch", net.widths[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="slth-verify", producer_version=__version__,
                              doc_string=prep.metadata["computes"])
    helper.set_model_props(model, _flat_metadata(prep.metadata))
    data = model.SerializeToString()
    onnx.checker.check_model(data, full_check=True)  # the bytes: serializing twice costs seconds at 10^7 weights
    return data


def npz_bytes(prep: Prepared) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, metadata=np.array(json.dumps(prep.metadata, sort_keys=True)),
             **{f"W{i}": np.ascontiguousarray(w) for i, w in enumerate(prep.weights)})
    return buffer.getvalue()


def safetensors_bytes(prep: Prepared) -> bytes:
    try:  # optional dependency (the models extra)
        from safetensors.numpy import save
    except ImportError:
        raise InputError(f"safetensors export needs the safetensors package: {MODELS_EXTRA}") from None
    return save({f"W{i}": np.ascontiguousarray(w) for i, w in enumerate(prep.weights)},
                metadata=_flat_metadata(prep.metadata))


@dataclass(frozen=True)
class Exported:
    """What was written: ``path``, ``format``, ``dtype``, the exported widths and the
    original ones, kept unit indices (None with ``full``), the bits each layer needs, bytes."""

    path: str
    format: str
    dtype: str
    widths: list
    original_widths: list
    kept_units: list | None
    bits_needed: list
    input_bits: int
    output_scale: int
    size: int

    def to_json(self) -> dict:
        return asdict(self)


def export_network(network: QuantizedNetwork, path, format: str, *, dtype: str = "auto",
                   input_bits: int | None = None, full: bool = False,
                   sources: dict | None = None) -> Exported:
    """Write ``network`` as ``format`` (onnx, npz, safetensors) to ``path``, atomically, once
    exactness in ``dtype`` is proved (:func:`prepare`); nothing is written on any error.

    Seven parameters, no record: after what and where, each is a separate choice of
    ``export-network``, keyword-only with a default.
    """
    if format not in FORMATS:
        raise InputError(f"format: expected one of {', '.join(FORMATS)}, got {format!r}")
    prep = prepare(network, dtype, input_bits, full, sources)
    data = {"onnx": onnx_bytes, "npz": npz_bytes, "safetensors": safetensors_bytes}[format](prep)
    _write_bytes_atomic(path, data)
    m = prep.metadata
    return Exported(str(path), format, prep.dtype, m["widths"], m["original_widths"], m["kept_units"],
                    m["bits_needed"], m["input_bits"], m["output_scale"], len(data))


def write_onnx(network: QuantizedNetwork, path, dtype: str = "auto", input_bits: int | None = None,
               full: bool = False, sources: dict | None = None) -> Exported:
    return export_network(network, path, "onnx", dtype=dtype, input_bits=input_bits, full=full, sources=sources)


def write_npz(network: QuantizedNetwork, path, dtype: str = "auto", input_bits: int | None = None,
              full: bool = False, sources: dict | None = None) -> Exported:
    return export_network(network, path, "npz", dtype=dtype, input_bits=input_bits, full=full, sources=sources)


def write_safetensors(network: QuantizedNetwork, path, dtype: str = "auto", input_bits: int | None = None,
                      full: bool = False, sources: dict | None = None) -> Exported:
    return export_network(network, path, "safetensors", dtype=dtype, input_bits=input_bits, full=full, sources=sources)


# ---------------------------------------------------------------------------------- reading

def exact_outputs(y: np.ndarray, scale: int) -> np.ndarray:
    """Float outputs as the tool's integers ``y · 2^scale``; an InputError if one is not an
    integer (the export was not exact, which the bounds rule out)."""
    z = np.ldexp(np.asarray(y, dtype=np.float64), scale)  # float32 -> float64 and ×2^scale: exact
    if not np.isfinite(z).all() or (z != np.floor(z)).any():
        raise InputError(f"outputs: not integers at scale 2^-{scale}: the runtime was not exact")
    if z.size == 0 or np.abs(z).max() < 2.0**53:
        return z.astype(np.int64)
    return np.array([int(v) for v in z.ravel()], dtype=object).reshape(z.shape)


def grid_floats(x, input_bits: int, dtype: str) -> np.ndarray:
    """Scaled integer inputs (x / 2^input_bits, |x| <= 2^input_bits) as floats in ``dtype``."""
    a = np.asarray(x)
    if a.dtype.kind not in "iuO":
        raise InputError(f"inputs: expected scaled integers, got dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.size and int(np.abs(a).max()) > 1 << input_bits:
        raise InputError(f"inputs: values beyond |x_j| <= 1 (2^{input_bits} at scale 2^-{input_bits}): "
                         f"the export is exact on the grid only")
    return np.ldexp(a.astype(np.float64), -input_bits).astype(dtype)


def run_onnx(path, x) -> tuple[np.ndarray, int]:
    """Run an exported ONNX file in onnxruntime on a batch ``x`` of scaled integers at the
    file's ``input_bits`` (rows of d0 integers, |x_j| <= 2^input_bits) and return (exact
    integer array, scale) like :meth:`QuantizedNetwork.forward` with that input scale."""
    try:  # optional dependency (the models extra)
        import onnxruntime
    except ImportError:
        raise InputError(f"running ONNX needs onnxruntime: {MODELS_EXTRA}") from None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = json.loads(session.get_modelmeta().custom_metadata_map["metadata"])
    xs = grid_floats(x, meta["input_bits"], meta["dtype"])
    (y,) = session.run(["y"], {"x": xs})
    return exact_outputs(y, meta["output_scale"]), meta["output_scale"]


def read_exported(path) -> tuple[list[np.ndarray], dict]:
    """The float weights (out, in), already divided by 2^k_i, and the metadata of an exported
    ``.npz``, ``.safetensors`` or ``.onnx`` file."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: no such file")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["metadata"]))
            return [f[f"W{i}"] for i in range(len(meta["scales"]))], meta
    if path.suffix == ".safetensors":
        try:  # optional dependency (the models extra)
            from safetensors import safe_open
        except ImportError:
            raise InputError(f"reading safetensors needs the safetensors package: {MODELS_EXTRA}") from None
        with safe_open(str(path), "np") as f:
            meta = json.loads(f.metadata()["metadata"])
            return [f.get_tensor(f"W{i}") for i in range(len(meta["scales"]))], meta
    if path.suffix == ".onnx":
        try:  # optional dependency (the models extra)
            import onnx
            from onnx import numpy_helper
        except ImportError:
            raise InputError(f"reading ONNX needs the onnx package: {MODELS_EXTRA}") from None
        model = onnx.load(str(path))
        meta = json.loads({p.key: p.value for p in model.metadata_props}["metadata"])
        inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        return [inits[f"W{i}"].T for i in range(len(meta["scales"]))], meta
    raise InputError(f"{path}: expected an exported .npz, .safetensors or .onnx file")


def run_numpy(path, x) -> tuple[np.ndarray, int]:
    """docs/usage.md's NumPy forward pass on an exported file: a batch ``x`` of scaled integers at
    the file's ``input_bits`` in, (exact integer array, scale) out, like :func:`run_onnx`."""
    weights, meta = read_exported(path)
    rnd = {"nearest-even": np.round, "floor": np.floor, "ceil": np.ceil, "toward-zero": np.trunc,
           "nearest-away": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5)}[meta["mode"]]
    g = np.ldexp(np.array(1.0, dtype=meta["dtype"]), meta["gamma"] or 0)
    h = grid_floats(x, meta["input_bits"], meta["dtype"])
    for i, lowers in enumerate(meta["lowers"]):
        h = h @ weights[i].T
        if i < len(weights) - 1:
            h = np.maximum(h, 0)
        if lowers:
            h = rnd(h * g) / g
    return exact_outputs(h, meta["output_scale"]), meta["output_scale"]
