"""Networks of an architecture spec (``verify.architectures``): convolutions, ReLU, flatten, dense
layers and residual blocks, with integer weights and exact evaluation.

Each weighted layer ℓ (conv or dense, in the order ``Architecture.weighted`` lists them) holds an
integer array ``W_ℓ`` at its own scale ``bits_ℓ``: the real weight is ``W_ℓ / 2^bits_ℓ``
(layer-wise mixed precision). Inputs are scaled integers at ``input_scale``. Every value carries
one scale: a weighted layer adds its ``bits`` to it, a layer with ``gamma`` lowers its output
to scale ``gamma`` (``verify.numbers``, the layer's rounding mode), and a residual block adds
skip and branch after moving the coarser one to the finer scale (exact). Arithmetic is int64
where a bound proves no overflow, Python integers otherwise; floats are never used.

Convolution: ``out[b, o, y, x] = Σ_{c, a, e} W[o, c, a, e] · xpad[b, c, s·y + a, s·x + e]`` with
``xpad`` the input zero-padded by ``padding`` on each side and ``s`` the stride (cross-correlation,
as in every deep-learning library).

Files (docs/formats.md, "Networks with an architecture"): kind ``quantized-net``, a header with
the architecture and the content hash, the weights as lists (.json) or arrays ``W0, W1, ...``
(.npz). Masks are the MLP's mask files (``verify.networks.save_mask``): one bool array per
weighted layer.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify.architectures import Architecture, Conv, Dense, Flatten, ReLU, Residual, architecture_from_json
from verify.errors import InputError
# the .npz reader of the MLP files: the same damaged-archive handling for both kinds
from verify.networks import _read_npz
from verify.recipes import smallest_int_dtype
from verify.numbers import rescale, rescale_array
from verify.problems import dumps_readable, read_json_file, write_atomic, write_text_atomic
from verify.seeding import as_generator, uniform_ints

KIND = "quantized-net"
FORMAT_VERSION = 1
INT64_LIMIT = 2**62


def _int_array(w, shape: tuple[int, ...], where: str) -> np.ndarray:
    a = np.asarray(w)
    if a.shape != tuple(shape):
        raise InputError(f"{where}: expected shape {list(shape)}, got {list(a.shape)}")
    if a.dtype.kind == "O":
        if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in a.ravel()):
            raise InputError(f"{where}: expected integers")
    elif a.dtype.kind not in "iu":
        raise InputError(f"{where}: expected integers, got dtype {a.dtype}")
    magnitude = max((abs(int(v)) for v in (a.min(), a.max())), default=0) if a.size else 0
    if magnitude >= INT64_LIMIT:
        raise InputError(f"{where}: entries must be below 2^62 in magnitude")
    out = a.astype(smallest_int_dtype(magnitude))  # a copy: the caller's array may change
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class ConvNetwork:
    """A network of ``architecture`` with one integer array per weighted layer (module docstring).

    >>> from verify.architectures import architecture_from_json
    >>> arch = architecture_from_json({"input": [1, 2, 2], "layers": [
    ...     {"type": "conv", "out_channels": 1, "kernel": 2, "bits": 1}, {"type": "flatten"}]})
    >>> net = ConvNetwork(arch, [[[[[1, 2], [0, -1]]]]])
    >>> net.forward(np.array([[[[1, 1], [1, 3]]]]), input_scale=0)   # (1 + 2 - 3) / 2
    (array([[0]]), 1)
    """

    architecture: Architecture
    weights: tuple

    def __post_init__(self):
        layers = self.architecture.weighted()
        if len(self.weights) != len(layers):
            raise InputError(f"weights: expected {len(layers)} arrays (one per conv/dense layer), "
                             f"got {len(self.weights)}")
        ws = tuple(_int_array(w, layer.weight_shape, f"weights[{i}]")
                   for i, (w, layer) in enumerate(zip(self.weights, layers)))
        object.__setattr__(self, "weights", ws)

    def __eq__(self, other) -> bool:  # the content hash covers the architecture and every weight
        return isinstance(other, ConvNetwork) and other.sha256 == self.sha256

    def __hash__(self) -> int:
        return hash(self.sha256)

    @property
    def depth(self) -> int:
        """The number of weighted layers (of weight arrays, of mask arrays)."""
        return len(self.weights)

    @property
    def scales(self) -> tuple[int, ...]:
        return tuple(layer.bits for layer in self.architecture.weighted())

    @property
    def num_weights(self) -> int:
        return sum(w.size for w in self.weights)

    @functools.cached_property
    def sha256(self) -> str:
        """sha256 of a canonical JSON line (the architecture, each array's shape and dtype), then
        each array's bytes, little-endian, C order, in the smallest signed dtype holding it."""
        h = hashlib.sha256()
        head = {"architecture": self.architecture.to_json(),
                "arrays": [[list(w.shape), w.dtype.newbyteorder("<").str] for w in self.weights]}
        h.update(json.dumps(head, sort_keys=True, separators=(",", ":")).encode() + b"\n")
        for w in self.weights:
            h.update(np.ascontiguousarray(w, dtype=w.dtype.newbyteorder("<")).data)
        return h.hexdigest()

    def header(self) -> dict:
        return {"kind": KIND, "version": FORMAT_VERSION, "architecture": self.architecture.to_json(),
                "sha256": self.sha256}

    def pruned(self, mask) -> ConvNetwork:
        """The network with the weights where ``mask`` is False set to 0."""
        mask = check_mask(self, mask)
        return ConvNetwork(self.architecture, [np.where(m, w, 0) for w, m in zip(self.weights, mask)])

    def forward(self, x, input_scale: int) -> tuple[np.ndarray, int]:
        """Exact outputs for a batch ``x`` of shape (B, *input shape), scaled integers at
        ``input_scale``: (integer array of shape (B, *output shape), its scale)."""
        values = np.asarray(x)
        shape = self.architecture.input_shape
        if values.ndim != len(shape) + 1 or values.shape[1:] != shape:
            raise InputError(f"inputs: expected a batch of shape (B, {', '.join(map(str, shape))}), "
                             f"got {values.shape}")
        if values.dtype.kind not in "iuO":
            raise InputError(f"inputs: expected integers, got dtype {values.dtype}")
        values = values.astype(object) if values.dtype.kind == "O" else values.astype(np.int64)
        weights = iter(self.weights)
        return _run(self.architecture.layers, weights, values, input_scale)


def _run(layers, weights, values: np.ndarray, scale: int) -> tuple[np.ndarray, int]:
    for layer in layers:
        if isinstance(layer, ReLU):
            values = np.maximum(values, 0)
        elif isinstance(layer, Flatten):
            values = values.reshape(values.shape[0], -1)
        elif isinstance(layer, Residual):
            branch, b_scale = _run(layer.layers, weights, values, scale)
            values, scale = add_exact((values, scale), (branch, b_scale))
        else:
            w = next(weights)
            values = conv_exact(values, w, layer.stride, layer.padding) if isinstance(layer, Conv) \
                else dot_exact(values, w)
            scale += layer.bits
            if layer.gamma is not None:
                values, scale = lower(values, scale, layer.gamma, layer.mode), layer.gamma
    return values, scale


def add_exact(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    """The exact sum of two (values, scale) arrays, at the finer of the two scales."""
    (va, sa), (vb, sb) = a, b
    s = max(sa, sb)
    va, vb = _raise(va, s - sa), _raise(vb, s - sb)
    if va.dtype != object and vb.dtype != object:
        if int(np.abs(va).max(initial=0)) + int(np.abs(vb).max(initial=0)) < INT64_LIMIT:
            return va + vb, s
    return va.astype(object) + vb.astype(object), s


def _raise(v: np.ndarray, shift: int) -> np.ndarray:
    if shift == 0:
        return v
    if v.dtype != object and int(np.abs(v).max(initial=0)) < INT64_LIMIT >> shift:
        return v << shift
    return v.astype(object) * (1 << shift)


def dot_exact(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w.T`` exactly (x: (B, n), w: (m, n)): int64 under a bound, Python integers otherwise."""
    if x.dtype != object and x.size:
        bound = int(np.abs(x).max()) * int(np.abs(w.astype(np.int64)).sum(axis=1).max())
        if bound < INT64_LIMIT:
            return x @ w.T.astype(np.int64)  # integer matmul: exact, no BLAS
    return np.dot(x.astype(object), w.T.astype(object))


def conv_exact(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """The convolution of the module docstring for x (B, C, H, W) and w (O, C, k, k), exactly,
    as one :func:`dot_exact` over the patches (im2col)."""
    b, c, h, wd = x.shape
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - k) // stride + 1, (wd + 2 * padding - k) // stride + 1
    cols = np.empty((b, oh, ow, c, k, k), dtype=xp.dtype)
    for a in range(k):
        for e in range(k):
            cols[:, :, :, :, a, e] = xp[:, :, a:a + stride * (oh - 1) + 1:stride,
                                        e:e + stride * (ow - 1) + 1:stride].transpose(0, 2, 3, 1)
    out = dot_exact(cols.reshape(b * oh * ow, c * k * k), w.reshape(w.shape[0], -1))
    return out.reshape(b, oh, ow, -1).transpose(0, 3, 1, 2)


def lower(values: np.ndarray, scale: int, gamma: int, mode: str) -> np.ndarray:
    """Values at ``scale`` moved to scale ``gamma`` (lowered with ``mode`` when coarser)."""
    if values.dtype != object:
        if scale >= gamma or int(np.abs(values).max(initial=0)) < INT64_LIMIT >> (gamma - scale):
            return rescale_array(values, scale, gamma, mode)
        values = values.astype(object)
    return np.vectorize(lambda v: rescale(int(v), scale, gamma, mode), otypes=[object])(values)


def check_mask(network: ConvNetwork, mask) -> tuple[np.ndarray, ...]:
    """A mask as a tuple of bool arrays of the weights' shapes, or a one-line error."""
    mask = tuple(np.asarray(m) for m in mask)
    if len(mask) != network.depth:
        raise InputError(f"mask: expected {network.depth} layers, got {len(mask)}")
    for i, (m, w) in enumerate(zip(mask, network.weights)):
        if m.dtype != bool or m.shape != w.shape:
            raise InputError(f"mask[{i}]: expected a bool array of shape {w.shape}, got {m.dtype} {m.shape}")
    return mask


def input_grid(shape: tuple[int, ...], k: int, limit: int = 1 << 16) -> np.ndarray:
    """Every input of shape ``shape`` with entries on S_δ (δ = 2^-k), as scaled integers, for
    exhaustive comparisons; refuses more than ``limit`` points."""
    n = int(np.prod(shape))
    side = (1 << (k + 1)) + 1
    if side ** n > limit:
        raise InputError(f"input grid: {side}^{n} points exceed the limit of {limit:,}")
    axes = [np.arange(-(1 << k), (1 << k) + 1, dtype=np.int64)] * n
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape((-1, *shape))


def draw_network(architecture: Architecture, seed: int, zero: bool = True) -> ConvNetwork:
    """Weights i.i.d. uniform on each layer's grid {-2^bits..2^bits} (without 0 unless ``zero``),
    layer after layer from one seeded stream (``verify.seeding``)."""
    rng = as_generator(seed)
    weights = []
    for layer in architecture.weighted():
        n, bound = int(np.prod(layer.weight_shape)), 1 << layer.bits
        if zero:
            w = uniform_ints(rng, -bound, bound, n)
        else:
            u = uniform_ints(rng, 0, 2 * bound - 1, n)
            w = np.where(u < bound, u - bound, u - bound + 1)
        weights.append(w.reshape(layer.weight_shape))
    return ConvNetwork(architecture, weights)


# -------------------------------------------------------------------------------------- files

def conv_network_from_json(obj, source: str = "<network>") -> ConvNetwork:
    """Validate and build a network from its JSON form; one-line errors prefixed by ``source``."""
    try:
        if not isinstance(obj, dict) or obj.get("kind") != KIND:
            raise InputError(f"field 'kind': expected {KIND!r}, got "
                             f"{obj.get('kind') if isinstance(obj, dict) else obj!r:.60}")
        if obj.get("version") != FORMAT_VERSION:
            raise InputError(f"field 'version': expected {FORMAT_VERSION}, got {obj.get('version')!r}")
        arch = architecture_from_json(obj.get("architecture"), "field 'architecture'")
        weights = obj.get("weights")
        if not isinstance(weights, list):
            raise InputError("field 'weights': expected a list of arrays")
        net = ConvNetwork(arch, [w if isinstance(w, np.ndarray) else np.array(w, dtype=object) for w in weights])
        if obj.get("sha256") != net.sha256:
            raise InputError(f"field 'sha256': the content hashes to {net.sha256}, not {obj.get('sha256')}")
        return net
    except InputError as e:
        raise InputError(f"{source}: {e}") from None
    except (TypeError, ValueError) as e:
        raise InputError(f"{source}: malformed network: {e}") from None


def save_conv_network(net: ConvNetwork, path) -> None:
    """Write ``.json`` (weights as nested lists) or ``.npz`` (compressed arrays), atomically."""
    path = Path(path)
    if path.suffix == ".json":
        write_text_atomic(path, dumps_readable({**net.header(), "weights": [w.tolist() for w in net.weights]}) + "\n")
        return
    if path.suffix != ".npz":
        raise InputError(f"{path}: expected a .npz or .json file name")
    arrays = {f"W{i}": w for i, w in enumerate(net.weights)}
    write_atomic(path, lambda f: np.savez_compressed(f, header=np.array(json.dumps(net.header())), **arrays))


def load_conv_network(path) -> ConvNetwork:
    """Read a network written by :func:`save_conv_network` (its content hash must match)."""
    path = Path(path)
    if path.suffix == ".json":
        return conv_network_from_json(read_json_file(path), str(path))

    def names(header, files):
        return sorted((f for f in files if f.startswith("W")), key=lambda f: int(f[1:]) if f[1:].isdigit() else -1)

    header, weights = _read_npz(path, "network", names)
    return conv_network_from_json({**header, "weights": weights}, str(path))


def network_kind(path) -> str:
    """The ``kind`` a network file declares (``quantized-mlp`` or ``quantized-net``), read from
    its header alone; an unreadable file raises the readers' one-line errors."""
    path = Path(path)
    if path.suffix == ".json":
        obj = read_json_file(path)
        return obj.get("kind") if isinstance(obj, dict) else None
    header, _ = _read_npz(path, "network", lambda header, files: [])
    return header.get("kind")
