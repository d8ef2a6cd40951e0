"""Quantized bias-free ReLU networks as validated, immutable data, with exact evaluation.

A network ``f(x) = W_L σ(... σ(W_1 x))`` holds integer matrices ``W_i`` (shape d_i × d_{i-1})
with per-layer precision exponents ``k_i``: the real weight is ``W_i / 2^k_i``, on the grid
S_δ with δ = 2^-k_i when |W_i| <= 2^k_i. Inputs are scaled integers too (``x / 2^k_x``).

Rounding schedule of hidden and output values (docs/theory.md §1, "mixed precision"):

- ``none``: exact arithmetic throughout.
- ``double`` (γ-double): every layer's output, the last one included, is lowered to γ = 2^-m.
- ``triple`` (γ-triple): only the outputs of layers 2, 4, 6, ... are lowered (the odd layers are
  the "hidden half" of a target layer in the depth-2ℓ construction); the last layer's output is
  lowered when its index is even.
- ``after-first``: every layer's output but the first's (the depth-ℓ+1 construction of
  Theorem 2, whose first layer is the hidden half of the target's first layer).

Lowering uses ``verify.numbers`` with an explicit rounding mode (default nearest, ties to even),
applied after the ReLU (lowering commutes with ReLU for every mode here, since 0 is on every
grid and each mode is monotone). Evaluation is exact: int64 where a bound proves no overflow,
Python integers otherwise, and every value carries its scale.

Masks are tuples of bool arrays of the weights' shapes; density always means kept / total.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from verify.errors import InputError, MissingFileError
from verify.numbers import RoundingMode, rescale, rescale_array, to_scaled
from verify.problems import dumps_readable, read_json_file, write_atomic, write_text_atomic
from verify.recipes import Recipe, smallest_int_dtype

SCHEDULES = ("none", "double", "triple", "after-first")
INT64_LIMIT = 2**62  # values and partial sums stay below this in int64 mode
FORMAT_VERSION = 2  # version 1 hashed the weights as JSON text: far too slow at 10^7 weights


@dataclass(frozen=True)
class Rounding:
    """Which layer outputs are lowered (``schedule``), to γ = 2^-``gamma`` with ``mode``."""

    schedule: str = "none"
    gamma: int | None = None
    mode: RoundingMode = RoundingMode.NEAREST_EVEN

    def __post_init__(self):
        if self.schedule not in SCHEDULES:
            raise InputError(f"rounding schedule: expected one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        object.__setattr__(self, "mode", RoundingMode.parse(self.mode))
        if self.schedule == "none":
            if self.gamma is not None:
                raise InputError("rounding: gamma is only meaningful with schedule double or triple")
        elif isinstance(self.gamma, bool) or not isinstance(self.gamma, int) or self.gamma < 0:
            raise InputError(f"rounding gamma: expected an exponent m >= 0 (γ = 2^-m), got {self.gamma!r}")

    def lowers(self, layer: int) -> bool:
        """Is the output of ``layer`` (1-based) lowered to γ?"""
        return (self.schedule == "double" or (self.schedule == "triple" and layer % 2 == 0)
                or (self.schedule == "after-first" and layer >= 2))

    def to_json(self) -> dict:
        return {"schedule": self.schedule, "gamma": self.gamma, "mode": self.mode.value}


def _int_matrix(w, where: str) -> np.ndarray:
    """A read-only integer matrix in the smallest signed dtype that holds it (int8 for the grids
    up to 2^-6): a network of tens of millions of weights then takes bytes, not words, per weight.
    Code that multiplies or adds weights converts them first (int64 under a bound, or Python ints)."""
    a = np.asarray(w)
    if a.ndim != 2 or a.size == 0:
        raise InputError(f"{where}: expected a non-empty 2-D integer matrix, got shape {a.shape}")
    if a.dtype.kind == "b" or a.dtype.kind not in "iuO":
        raise InputError(f"{where}: expected integers, got dtype {a.dtype}")
    if a.dtype.kind == "O":
        for idx, v in np.ndenumerate(a):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise InputError(f"{where}{list(idx)}: expected an integer, got {v!r}")
        magnitude = max(abs(int(v)) for v in a.ravel())
    else:
        magnitude = max(abs(int(a.min())), abs(int(a.max())))
    if magnitude >= INT64_LIMIT:
        raise InputError(f"{where}: entries must be below 2^62 in magnitude")
    out = a.astype(smallest_int_dtype(magnitude), copy=False)
    if out is a and a.flags.writeable:
        out = a.copy()  # the network must not change when the caller's array does
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class QuantizedNetwork:
    """A bias-free ReLU MLP with integer weights ``W_i / 2^k_i`` (see the module docstring).

    >>> net = QuantizedNetwork([[[2, -1]], [[3]]], scales=[1, 0])
    >>> net.widths
    (2, 1, 1)
    >>> net.forward(np.array([[2, 1]]), input_scale=0)   # σ(2·2/2 - 1/2) = 1.5, times 3
    (array([[9]]), 1)
    """

    weights: tuple
    scales: tuple
    rounding: Rounding = Rounding()
    # how the weights were drawn, when they are a seeded random draw: the file then stores the
    # recipe instead of the weights (verify.recipes)
    recipe: Recipe | None = field(default=None, compare=False)

    def __post_init__(self):
        ws = tuple(_int_matrix(w, f"weights[{i}]") for i, w in enumerate(self.weights))
        if not ws:
            raise InputError("weights: expected at least one layer")
        for i in range(1, len(ws)):
            if ws[i].shape[1] != ws[i - 1].shape[0]:
                raise InputError(f"weights[{i}]: expected {ws[i - 1].shape[0]} columns (the width of "
                                 f"layer {i}), got {ws[i].shape[1]}")
        scales = tuple(self.scales)
        if len(scales) != len(ws) or any(isinstance(k, bool) or not isinstance(k, (int, np.integer))
                                         or k < 0 for k in scales):
            raise InputError(f"scales: expected {len(ws)} exponents k >= 0 (one per layer), got {list(scales)}")
        object.__setattr__(self, "weights", ws)
        object.__setattr__(self, "scales", tuple(int(k) for k in scales))
        if not isinstance(self.rounding, Rounding):
            raise InputError("rounding: expected a Rounding")

    @property
    def depth(self) -> int:
        return len(self.weights)

    @property
    def widths(self) -> tuple[int, ...]:
        """(d_0, d_1, ..., d_L): input width, then each layer's output width."""
        return (self.weights[0].shape[1],) + tuple(w.shape[0] for w in self.weights)

    @property
    def num_weights(self) -> int:
        return sum(w.size for w in self.weights)

    def header(self) -> dict:
        """The JSON description of everything but the arrays, with the content hash."""
        out = {"kind": "quantized-mlp", "version": FORMAT_VERSION, "widths": list(self.widths),
               "scales": list(self.scales), "rounding": self.rounding.to_json(), "sha256": self.sha256}
        if self.recipe is not None:
            out["recipe"] = self.recipe.to_json()
        return out

    @functools.cached_property  # immutable, and hashing a large network costs milliseconds
    def sha256(self) -> str:
        """sha256 of the content: a canonical JSON line (scales, rounding, each matrix's shape
        and dtype), then each matrix's bytes, little-endian, row-major, in the smallest signed
        dtype holding it (what ``weights`` holds), so equal networks hash alike however stored."""
        h = hashlib.sha256()
        head = {"scales": list(self.scales), "rounding": self.rounding.to_json(),
                "matrices": [[list(w.shape), w.dtype.newbyteorder("<").str] for w in self.weights]}
        h.update(json.dumps(head, sort_keys=True, separators=(",", ":")).encode() + b"\n")
        for w in self.weights:
            h.update(np.ascontiguousarray(w, dtype=w.dtype.newbyteorder("<")).data)
        return h.hexdigest()

    @classmethod
    def from_recipe(cls, recipe: Recipe, rounding: Rounding = Rounding()) -> QuantizedNetwork:
        """The network a recipe draws, every layer at the recipe's precision."""
        return cls(recipe.layers(), [recipe.bits] * len(recipe.shapes), rounding, recipe)

    def pruned(self, mask) -> QuantizedNetwork:
        """The network with the weights where ``mask`` is False set to 0."""
        mask = check_mask(self, mask)
        return QuantizedNetwork([np.where(m, w, 0) for w, m in zip(self.weights, mask)],
                                self.scales, self.rounding)

    def lowered(self, k: int, mode=RoundingMode.NEAREST_EVEN) -> QuantizedNetwork:
        """``[g]_δ``: every weight lowered (or exactly raised) to precision δ = 2^-k."""
        if all(s == k for s in self.scales):
            return self
        return QuantizedNetwork([rescale_array(w, s, k, mode) for w, s in zip(self.weights, self.scales)],
                                [k] * self.depth, self.rounding)

    def forward(self, x, input_scale: int) -> tuple[np.ndarray, int]:
        """Exact outputs for a batch ``x`` (rows of d_0 scaled integers at ``input_scale``):
        returns (integer array, scale), the real outputs being ``array / 2^scale``."""
        values = np.asarray(x)
        if values.ndim != 2 or values.shape[1] != self.widths[0]:
            raise InputError(f"inputs: expected a batch of shape (B, {self.widths[0]}), got {values.shape}")
        values = values.astype(object) if values.dtype.kind == "O" else values.astype(np.int64)
        scale = input_scale
        for i, (w, k) in enumerate(zip(self.weights, self.scales), start=1):
            values = _matmul_exact(values, w)
            scale += k
            if i < self.depth:
                values = np.maximum(values, 0)
            if self.rounding.lowers(i):
                values = _lower(values, scale, self.rounding.gamma, self.rounding.mode)
                scale = self.rounding.gamma
        return values, scale


def _matmul_exact(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x @ w.T exactly: int64 when |x|·Σ|w| provably stays below 2^62, Python integers otherwise."""
    if x.dtype != object and x.size:
        bound = int(np.abs(x).max()) * int(np.abs(w).sum(axis=1).max())
        if bound < INT64_LIMIT:
            out = np.zeros((x.shape[0], w.shape[0]), dtype=np.int64)
            for j in range(w.shape[1]):  # integer matmul has no BLAS: accumulate column by column
                col = w[:, j]
                if col.any():
                    out += np.outer(x[:, j], col)
            return out
    return np.dot(x.astype(object), w.T.astype(object))


def _lower(values: np.ndarray, scale: int, gamma: int, mode: RoundingMode) -> np.ndarray:
    if values.dtype != object:
        if scale >= gamma or int(np.abs(values).max(initial=0)) < INT64_LIMIT >> (gamma - scale):
            return rescale_array(values, scale, gamma, mode)
        values = values.astype(object)
    return np.vectorize(lambda v: rescale(int(v), scale, gamma, mode), otypes=[object])(values)


def theorem1_shapes(target: QuantizedNetwork, c: int) -> list[tuple[int, int]]:
    """Shapes of the random network of Theorem 1 with ``c`` hidden units per input."""
    shapes = []
    for d_in, d_out in zip(target.widths[:-1], target.widths[1:]):
        shapes += [(c * d_in, d_in), (d_out, c * d_in)]
    return shapes


def theorem2_shapes(target: QuantizedNetwork, c1: int, copies: int) -> list[tuple[int, int]]:
    """Shapes of Theorem 2's random network (depth ℓ+1): ``c1`` first-layer units per input,
    ``copies`` copies of every hidden target neuron (none of the output neurons)."""
    widths, depth = target.widths, target.depth

    def rows(i):  # rows realising target layer i
        return widths[i] * (copies if i < depth else 1)

    shapes = [(c1 * widths[0], widths[0]), (rows(1), c1 * widths[0])]
    for i in range(2, depth + 1):
        shapes.append((rows(i), copies * widths[i - 1]))
    return shapes


def input_grid(d0: int, k: int, limit: int = 1 << 20) -> np.ndarray:
    """Every input of the quantized domain S_δ^d0 (δ = 2^-k) as rows of scaled integers, for
    exhaustive comparisons; refuses more than ``limit`` points.

    >>> input_grid(2, 0).tolist()
    [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 0], [0, 1], [1, -1], [1, 0], [1, 1]]
    """
    side = (1 << (k + 1)) + 1
    if side ** d0 > limit:
        raise InputError(f"input grid: {side}^{d0} points exceed the limit of {limit:,}; sample inputs instead")
    axes = [np.arange(-(1 << k), (1 << k) + 1, dtype=np.int64)] * d0
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d0)


def check_mask(network: QuantizedNetwork, mask) -> tuple[np.ndarray, ...]:
    """A mask as a tuple of bool arrays of the weights' shapes, or a one-line error."""
    mask = tuple(np.asarray(m) for m in mask)
    if len(mask) != network.depth:
        raise InputError(f"mask: expected {network.depth} layers, got {len(mask)}")
    for i, (m, w) in enumerate(zip(mask, network.weights)):
        if m.dtype != bool or m.shape != w.shape:
            raise InputError(f"mask[{i}]: expected a bool array of shape {w.shape}, got {m.dtype} {m.shape}")
    return mask


def density(mask) -> tuple[int, int]:
    """(kept, total) of a mask; density = kept / total."""
    return sum(int(np.count_nonzero(m)) for m in mask), sum(int(np.size(m)) for m in mask)


def same_outputs(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int]) -> np.ndarray:
    """Row-wise exact equality of two (values, scale) outputs as rationals."""
    (va, sa), (vb, sb) = a, b
    s = max(sa, sb)
    va = va.astype(object) * (1 << (s - sa))
    vb = vb.astype(object) * (1 << (s - sb))
    return np.all(va == vb, axis=1)


def network_to_json(net: QuantizedNetwork) -> dict:
    """The JSON form (for small networks): header fields plus the weights as nested lists."""
    return {**net.header(), "weights": [w.tolist() for w in net.weights]}


def _legacy_sha256(net: QuantizedNetwork) -> str:
    """The content hash of format version 1 (canonical JSON of scales, rounding and weights)."""
    canonical = {"scales": list(net.scales), "rounding": net.rounding.to_json(),
                 "weights": [w.tolist() for w in net.weights]}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def network_from_json(obj, source: str = "<network>") -> QuantizedNetwork:
    """Validate and build a network from its JSON form (weights as lists or arrays, or a
    ``recipe`` to regenerate them); one-line errors prefixed by ``source``."""
    try:
        if not isinstance(obj, dict) or obj.get("kind") != "quantized-mlp":
            raise InputError(f"field 'kind': expected 'quantized-mlp', got {obj.get('kind') if isinstance(obj, dict) else obj!r}")
        version = obj.get("version")
        if version not in (1, FORMAT_VERSION):
            raise InputError(f"field 'version': expected 1 or {FORMAT_VERSION}, got {version!r}")
        r = obj.get("rounding", {"schedule": "none", "gamma": None, "mode": "nearest-even"})
        if not isinstance(r, dict):
            raise InputError(f"field 'rounding': expected an object, got {r!r}")
        rounding = Rounding(r.get("schedule", "none"), r.get("gamma"), r.get("mode", "nearest-even"))
        recipe = Recipe.from_json(obj["recipe"]) if obj.get("recipe") is not None else None
        if recipe is not None:
            weights = recipe.layers()
        else:
            weights = [w if isinstance(w, np.ndarray) else np.array(w, dtype=object) for w in obj.get("weights", [])]
        net = QuantizedNetwork(weights, obj.get("scales", []), rounding, recipe)
        if recipe is not None and list(net.scales) != [recipe.bits] * net.depth:
            raise InputError(f"field 'scales': a recipe draws every layer at 2^-{recipe.bits}, got {list(net.scales)}")
        if "sha256" in obj:
            got = net.sha256 if version == FORMAT_VERSION else _legacy_sha256(net)
            if obj["sha256"] != got:
                raise InputError(f"field 'sha256': the content hashes to {got}, not {obj['sha256']}")
        return net
    except InputError as e:
        raise InputError(f"{source}: {e}") from None
    except (TypeError, ValueError) as e:
        raise InputError(f"{source}: malformed network: {e}") from None


def save_network(net: QuantizedNetwork, path, store: str = "auto") -> None:
    """Write ``.npz`` or ``.json`` atomically. ``store``: ``auto`` writes a seeded random
    network as its recipe (a few hundred bytes) and any other network as its weights;
    ``weights`` always writes the weights (.npz: compressed, in their smallest integer dtype)."""
    path = Path(path)
    if store not in ("auto", "weights"):
        raise InputError(f"store: expected auto or weights, got {store!r}")
    as_recipe = net.recipe is not None and store == "auto"
    header = net.header() if as_recipe else {k: v for k, v in net.header().items() if k != "recipe"}
    if path.suffix == ".json":
        write_text_atomic(path, dumps_readable(header if as_recipe else {**header, "weights": [
            w.tolist() for w in net.weights]}) + "\n")
        return
    if path.suffix != ".npz":
        raise InputError(f"{path}: expected a .npz or .json file name")
    arrays = {} if as_recipe else {f"W{i}": w for i, w in enumerate(net.weights)}
    write_atomic(path, lambda f: np.savez_compressed(f, header=np.array(json.dumps(header, sort_keys=True)), **arrays))


def _open_npz(path: Path, what: str):
    """np.load of an .npz, with every way a damaged or foreign file fails as one InputError."""
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    if path.is_file() and path.stat().st_size == 0:  # np.load would say "No data left in file"
        raise InputError(f"{path}: not a {what} file: the file is empty")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise InputError(f"{path}: not a {what} file: {_why(e)}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise InputError(f"{path}: not a {what} file: a single .npy array, not an .npz archive")
    return data


def _why(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "pickled" in text:  # NumPy's message when a file is not an array archive at all
        text = "not a NumPy .npz archive (unreadable or another format)"
    return text


def _read_npz(path: Path, what: str, names) -> tuple[dict, list[np.ndarray]]:
    """The JSON header and the named arrays of an .npz (``names(header)`` lists them)."""
    with _open_npz(path, what) as data:
        try:
            header = json.loads(str(data["header"]))
            if not isinstance(header, dict):
                raise ValueError("the header is not a JSON object")
            arrays = [data[name] for name in names(header, data.files)]
        # members are decompressed here, lazily: a flipped bit shows as a zlib error or a bad CRC
        except (OSError, ValueError, RecursionError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
                zlib.error) as e:
            raise InputError(f"{path}: not a {what} file: {_why(e)}") from None
    return header, arrays


def load_network(path) -> QuantizedNetwork:
    """Read a network from ``.npz`` or ``.json`` (regenerating a recipe's weights); the content
    hash in the header must match."""
    path = Path(path)
    if path.suffix == ".json":
        return network_from_json(read_json_file(path), str(path))

    def names(header, files):
        if header.get("recipe") is not None:
            return []
        return [f"W{i}" for i in range(len(header["scales"]))]

    header, weights = _read_npz(path, "network", names)
    if header.get("recipe") is None:
        # integer arrays go in as they are (validated whole); anything else takes the JSON route
        header["weights"] = weights if all(w.dtype.kind == "i" for w in weights) else [w.tolist() for w in weights]
    return network_from_json(header, str(path))


def from_float_weights(weights, k: int, rounding: Rounding = Rounding()) -> QuantizedNetwork:
    """Import float weights that lie exactly on the grid 2^-k (scale k for every layer); an
    entry off the grid is an error naming its layer and position."""

    layers = []
    for i, w in enumerate(weights):
        a = np.asarray(w, dtype=float)
        out = np.zeros(a.shape, dtype=np.int64)
        for idx, v in np.ndenumerate(a):
            try:
                out[idx] = to_scaled(float(v), k)
            except InputError as e:
                raise InputError(f"weights[{i}]{list(idx)}: {e}") from None
        layers.append(out)
    return QuantizedNetwork(layers, [k] * len(layers), rounding)


def save_mask(mask, path, random_sha256: str) -> None:
    """Write a mask as ``.npz``, atomically: each layer bit-packed (``np.packbits``, row-major)
    and compressed, plus a JSON header with the shapes and the random network it prunes."""
    path = Path(path)
    if path.suffix != ".npz":
        raise InputError(f"{path}: expected a .npz file name for a mask")
    mask = [np.asarray(m, dtype=bool) for m in mask]
    header = json.dumps({"kind": "mask", "version": 2, "random_sha256": random_sha256,
                         "shapes": [list(m.shape) for m in mask]})
    write_atomic(path, lambda f: np.savez_compressed(
        f, header=np.array(header), **{f"M{i}": np.packbits(m, axis=None) for i, m in enumerate(mask)}))


def load_mask(path, network: QuantizedNetwork) -> tuple[np.ndarray, ...]:
    """Read a mask written by :func:`save_mask` for ``network`` (its sha256 must match)."""
    path = Path(path)

    def names(header, files):
        return [f"M{i}" for i in range(sum(1 for name in files if name.startswith("M")))]

    header, mask = _read_npz(path, "mask", names)
    if header.get("kind") != "mask":
        raise InputError(f"{path}: not a mask file (header kind {header.get('kind')!r})")
    if header.get("random_sha256") != network.sha256:
        raise InputError(f"{path}: the mask is for the random network {header.get('random_sha256')}, "
                         f"not {network.sha256}")
    if header.get("version") == 2:
        shapes = header.get("shapes")
        if not isinstance(shapes, list) or len(shapes) != len(mask):
            raise InputError(f"{path}: header 'shapes' does not list one shape per layer")
        unpacked = []
        for i, (bits, shape) in enumerate(zip(mask, shapes)):
            try:
                size = int(np.prod(shape))
                if bits.dtype != np.uint8 or bits.ndim != 1 or bits.size != -(-size // 8):
                    raise ValueError(f"{bits.size} packed bytes")
                unpacked.append(np.unpackbits(bits, count=size).astype(bool).reshape(shape))
            except (TypeError, ValueError) as e:
                raise InputError(f"{path}: layer {i}: packed bits do not fit shape {shape} ({e})") from None
        mask = unpacked
    elif header.get("version") != 1:
        raise InputError(f"{path}: mask format version {header.get('version')!r} (expected 1 or 2)")
    try:
        return check_mask(network, mask)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
