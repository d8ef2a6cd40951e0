"""The float weight matrices of a trained bias-free ReLU MLP, out of an ONNX graph, a
safetensors file or an npz archive.

Every matrix comes out as float64 of shape (out, in), the torch ``nn.Linear`` convention, so
that layer i computes ``h @ W_i.T``; widening float16/bfloat16/float32 to float64 is exact, so
the matrices hold exactly the model's weights. The matrices chain: ``W_{i+1}.shape[1] ==
W_i.shape[0]``.

The reader is chosen by the file's content (magic bytes), and the suffix must agree:

- ONNX (``.onnx``): the graph must be exactly ``[Flatten|Reshape] -> Linear -> Relu -> Linear
  ... -> Linear`` (Identity nodes anywhere), each Linear a ``MatMul`` by a weight of shape
  (in, out), possibly through a ``Transpose`` of an initializer, or a ``Gemm`` with transA=0,
  alpha=1 and no C input (both exporters of torch write these). Anything else is refused with
  one line naming the node (name and op type) and why.
- safetensors (``.safetensors``) and npz (``.npz``, read with allow_pickle=False): 2-D float
  tensors of shape (out, in), taken in the natural order of their names ("2.weight" before
  "10.weight"). A 1-D tensor or a name ending in "bias" is refused: biases are not supported.
  An npz string scalar named "metadata" (what ``export-network`` writes) is skipped, so a
  network exported without output rounding imports back to itself.

Every problem (an empty, truncated or corrupted file, content that disagrees with the suffix, a
non-float or non-2-D tensor, NaN or infinity, shapes that do not chain) is an ``InputError``
with one line naming the file and the problem.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from verify.errors import InputError, MissingFileError

MODELS_EXTRA = 'pip install -e ".[models]"'
SUFFIXES = {".onnx": "onnx", ".safetensors": "safetensors", ".npz": "npz"}
DESCRIBE = {"onnx": "an ONNX model", "safetensors": "a safetensors file", "npz": "an npz archive",
            "npy": "a single .npy array", "unknown": "none of ONNX, safetensors or npz"}
# A serialized onnx.ModelProto starts with its lowest-numbered field present, and the checker
# requires ir_version (field 1, a varint: tag byte 0x08), so every valid model starts with 0x08.
ONNX_FIRST_BYTE = 0x08
SAFETENSORS_DTYPES = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "BF16": None}


@dataclass(frozen=True)
class FloatLayer:
    """One linear layer: ``weight`` (float64, shape (out, in)) and where it came from: the
    tensor ``name`` and, for ONNX, the ``node`` as "'name' (OpType)"."""

    name: str
    weight: np.ndarray
    node: str | None = None

    @property
    def origin(self) -> str:
        return f"node {self.node}, weight '{self.name}'" if self.node else f"tensor '{self.name}'"


@dataclass(frozen=True)
class FloatModel:
    """The layers of a bias-free ReLU MLP in order, read from ``source`` in ``format``."""

    source: str
    format: str
    layers: tuple[FloatLayer, ...]

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.layers[0].weight.shape[1],) + tuple(layer.weight.shape[0] for layer in self.layers)


def natural_key(name: str) -> tuple:
    """Sort key with digit runs compared as numbers: "2.weight" < "10.weight" < "fc1.weight"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", name) if part)


def sniff(data: bytes) -> str:
    """The format of a file's content by its magic bytes: onnx, safetensors, npz, npy or unknown."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "npz"
    if data[:6] == b"\x93NUMPY":
        return "npy"
    # safetensors: a little-endian u64 header length (below 2^32: its high bytes are zero; the
    # format caps headers at 100 MB), then the JSON header itself
    if len(data) >= 9 and data[4:8] == bytes(4) and data[8:9] == b"{" and int.from_bytes(data[:8], "little") > 0:
        return "safetensors"
    if data[0] == ONNX_FIRST_BYTE:
        return "onnx"
    return "unknown"


def read_model(path) -> FloatModel:
    """Read and validate a bias-free ReLU MLP's float matrices (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a model file")
    expected = SUFFIXES.get(path.suffix.lower())
    if expected is None:
        hint = " (a PyTorch checkpoint? save its state_dict with safetensors)" \
            if path.suffix.lower() in (".pt", ".pth", ".bin", ".ckpt") else ""
        raise InputError(f"{path}: expected a .onnx, .safetensors or .npz file{hint}")
    data = path.read_bytes()
    if not data:
        raise InputError(f"{path}: empty file")
    found = sniff(data)
    if found != expected:
        raise InputError(f"{path}: the suffix says {DESCRIBE[expected]}, but the content is "
                         f"{DESCRIBE[found]} (it starts with {data[:8]!r})")
    reader = {"onnx": _read_onnx, "safetensors": _read_safetensors, "npz": _read_npz}[found]
    layers = reader(data, str(path))
    check_layers(layers, str(path))
    return FloatModel(str(path), found, tuple(layers))


def check_layers(layers, source: str) -> None:
    """Every weight a non-empty finite 2-D float64 matrix, the shapes chaining; else one line."""
    if not layers:
        raise InputError(f"{source}: no weight matrices")
    for layer in layers:
        w = layer.weight
        if w.ndim != 2 or w.size == 0:
            raise InputError(f"{source}: {layer.origin}: expected a non-empty 2-D matrix, got shape {w.shape}")
        bad = np.argwhere(~np.isfinite(w))
        if bad.size:
            pos = tuple(int(i) for i in bad[0])
            raise InputError(f"{source}: {layer.origin}: weight {list(pos)} is {w[pos]} "
                             f"({len(bad)} non-finite value(s)): only finite weights can be quantized")
    for prev, layer in zip(layers, layers[1:]):
        if layer.weight.shape[1] != prev.weight.shape[0]:
            raise InputError(f"{source}: shapes do not chain: {prev.origin} has shape {prev.weight.shape} "
                             f"(out, in) but {layer.origin} has shape {layer.weight.shape}: its "
                             f"{layer.weight.shape[1]} inputs are not the {prev.weight.shape[0]} outputs before it")


def _as_float64(array: np.ndarray, where: str) -> np.ndarray:
    """Exact widening of a float16/bfloat16/float32/float64 array; other dtypes are refused."""
    if array.dtype.kind != "f" and array.dtype.name != "bfloat16":
        raise InputError(f"{where}: expected a float tensor, got dtype {array.dtype}")
    return np.array(array, dtype=np.float64)


def _tensor_layers(tensors: dict, source: str, what: str) -> list[FloatLayer]:
    """Order tensors by the natural order of their names; refuse biases and non-matrices."""
    layers = []
    for name in sorted(tensors, key=natural_key):
        array = tensors[name]
        where = f"{source}: {what} '{name}'"
        if name.lower().endswith("bias") or array.ndim == 1:
            raise InputError(f"{where}: biases are not supported (shape {array.shape}): the network "
                             f"must be a bias-free ReLU MLP (nn.Linear(..., bias=False))")
        if array.ndim != 2:
            raise InputError(f"{where}: expected a 2-D weight matrix (out, in), got shape {array.shape}")
        layers.append(FloatLayer(name, _as_float64(array, where)))
    return layers


# ---------------------------------------------------------------------------------- npz

def _read_npz(data: bytes, source: str) -> list[FloatLayer]:
    tensors = {}
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if "header" in archive.files and "W0" in archive.files:
                raise InputError(f"{source}: this is a quantized network file (slth-verify's format), "
                                 f"not float weights")
            for name in archive.files:
                array = archive[name]
                if name == "metadata" and array.ndim == 0 and array.dtype.kind == "U":
                    continue  # export-network's provenance (a JSON string), not a weight
                tensors[name] = array
    except InputError:
        raise
    # a bad zip directory, a CRC mismatch (bit flips), a cut compressed stream, a pickled array
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as e:
        raise InputError(f"{source}: not a readable npz archive ({type(e).__name__}: {_one_line(e)})") from None
    if not tensors:
        raise InputError(f"{source}: the npz archive holds no arrays")
    return _tensor_layers(tensors, source, "array")


# ---------------------------------------------------------------------------------- safetensors

def _read_safetensors(data: bytes, source: str) -> list[FloatLayer]:
    try:
        import safetensors  # optional: the models extra
    except ImportError:
        raise InputError(f"{source}: reading safetensors files needs the safetensors package: "
                         f"{MODELS_EXTRA}") from None
    try:
        entries = safetensors.deserialize(data)
    except safetensors.SafetensorError as e:
        raise InputError(f"{source}: not a readable safetensors file ({_one_line(e)})") from None
    tensors = {}
    for name, entry in entries:
        shape, dtype = tuple(entry["shape"]), entry["dtype"]
        if dtype not in SAFETENSORS_DTYPES:
            if name.lower().endswith("bias") or len(shape) == 1:
                raise InputError(f"{source}: tensor '{name}': biases are not supported (shape {shape})")
            raise InputError(f"{source}: tensor '{name}': expected a float tensor, got dtype {dtype}")
        raw = bytes(entry["data"])
        if dtype == "BF16":
            # bfloat16 is the top half of a float32: shifting it up is exact
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[dtype])
        tensors[name] = array.reshape(shape)
    if not tensors:
        raise InputError(f"{source}: the safetensors file holds no tensors")
    return _tensor_layers(tensors, source, "tensor")


# ---------------------------------------------------------------------------------- ONNX

ACTIVATIONS = {"Sigmoid", "Tanh", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Softmax",
               "LogSoftmax", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Clip", "Mish",
               "ThresholdedRelu", "Swish"}
BIAS_OPS = {"Add", "Sub", "Sum"}
CONVOLUTIONS = {"Conv", "ConvTranspose", "ConvInteger", "QLinearConv"}


def _read_onnx(data: bytes, source: str) -> list[FloatLayer]:
    try:
        import onnx  # optional: the models extra
        from google.protobuf.message import DecodeError
    except ImportError:
        raise InputError(f"{source}: reading ONNX models needs the onnx package: {MODELS_EXTRA}") from None
    try:
        model = onnx.load_model_from_string(data)
    except DecodeError as e:
        raise InputError(f"{source}: not a readable ONNX model (truncated or corrupted: {_one_line(e)})") from None
    if not model.HasField("graph"):
        raise InputError(f"{source}: not a readable ONNX model (no graph: truncated or corrupted?)")
    for t in model.graph.initializer:  # before the checker, which would look for the data file
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise InputError(f"{source}: initializer '{t.name}' is stored in an external data file: "
                             f"not supported (re-export the model in one file)")
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as e:
        raise InputError(f"{source}: invalid ONNX model ({_one_line(e)})") from None
    return _OnnxGraph(model.graph, source).layers()


class _OnnxGraph:
    """Walks a graph from its one input to its one output, accepting exactly the bias-free ReLU
    MLP shapes of the module docstring."""

    def __init__(self, graph, source: str):
        self.graph, self.source = graph, source
        self.constants: dict[str, tuple[np.ndarray, str]] = {}  # value -> (array, its origin)

    def fail(self, node, index: int, why: str):
        name = node.name or f"#{index}"
        raise InputError(f"{self.source}: node '{name}' ({node.op_type}): {why}")

    def layers(self) -> list[FloatLayer]:
        from onnx import numpy_helper  # optional: the models extra

        g, src = self.graph, self.source
        for t in g.initializer:
            self.constants[t.name] = (numpy_helper.to_array(t), t.name)
        inputs = [i.name for i in g.input if i.name not in self.constants]
        if len(inputs) != 1 or len(g.output) != 1:
            raise InputError(f"{src}: expected a graph with one input and one output, got inputs "
                             f"{inputs} and outputs {[o.name for o in g.output]}")
        chain = []  # (index, node) of the nodes that compute on the data
        for index, node in enumerate(g.node):
            if node.input and all(n in self.constants for n in node.input if n):
                self._fold(node, index)
            elif node.op_type == "Constant":
                self.constants[node.output[0]] = (self._constant_value(node, index), node.output[0])
            else:
                chain.append((index, node))
        consumers: dict[str, list] = {}
        for index, node in chain:
            for name in dict.fromkeys(n for n in node.input if n and n not in self.constants):
                consumers.setdefault(name, []).append((index, node))

        current, output = inputs[0], g.output[0].name
        state, last, layers, seen = "input", None, [], set()
        while current != output:
            readers = consumers.get(current, [])
            if not readers:
                raise InputError(f"{src}: value '{current}' feeds no node and is not the graph's output")
            if len(readers) > 1:
                index, node = readers[1]
                other = readers[0][1]
                self.fail(node, index, f"reads '{current}', which also feeds '{other.name}' ({other.op_type}): "
                                       f"skip connections and branches are not supported")
            index, node = readers[0]
            data_inputs = [n for n in node.input if n and n not in self.constants]
            if len(data_inputs) != 1:
                self.fail(node, index, f"combines the computed values {data_inputs}: skip connections "
                                       f"and branches are not supported")
            if len(node.output) != 1:
                self.fail(node, index, f"has {len(node.output)} outputs: expected one")
            state = self._step(node, index, state, current, layers)
            last = (index, node)
            seen.add(index)
            current = node.output[0]
        if consumers.get(output):
            index, node = consumers[output][0]
            self.fail(node, index, f"reads the graph's output '{output}': branches are not supported")
        if state == "relu":
            self.fail(last[1], last[0], "a Relu at the output: the last layer must be linear")
        if not layers:
            raise InputError(f"{src}: no linear layer (MatMul or Gemm) between the input and the output")
        for index, node in chain:
            if index not in seen:
                self.fail(node, index, "is not on the path from the input to the output")
        return layers

    def _fold(self, node, index: int) -> None:
        """Evaluate a node whose inputs are all constants: a weight seen through a Transpose or an
        Identity (as torch's exporters write it); computing anything else on weights is refused."""
        from onnx import helper  # optional: the models extra

        args = [self.constants[n][0] for n in node.input if n]
        origin = self.constants[node.input[0]][1]
        if node.op_type == "Identity":
            value = args[0]
        elif node.op_type == "Transpose":
            perm = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "perm"), None)
            value = np.transpose(args[0], perm)
        else:
            self.fail(node, index, "computes on constant weights: only Transpose and Identity of a "
                                   "weight are understood")
        for out in node.output:
            self.constants[out] = (value, origin)

    def _constant_value(self, node, index: int) -> np.ndarray:
        from onnx import helper, numpy_helper  # optional: the models extra

        for a in node.attribute:
            if a.name == "value":
                return numpy_helper.to_array(a.t)
            if a.name in ("value_float", "value_floats", "value_int", "value_ints"):
                return np.array(helper.get_attribute_value(a))
        self.fail(node, index, "a Constant without a tensor or number value: not supported")

    def _step(self, node, index: int, state: str, current: str, layers: list) -> str:
        """One node of the chain; returns the new state: input (before any layer), linear (after
        a MatMul/Gemm), relu (after a Relu)."""
        from onnx import helper  # optional: the models extra

        op = node.op_type
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        name = node.name or f"#{index}"
        if op == "Identity":
            return state
        if op in ("Flatten", "Reshape"):
            if state != "input":
                self.fail(node, index, f"{op} is only understood at the input, before the first layer")
            if op == "Flatten" and attrs.get("axis", 1) != 1:
                self.fail(node, index, f"Flatten with axis {attrs['axis']}: expected axis 1 (keep the batch axis)")
            if op == "Reshape":
                shape = self.constants[node.input[1]][0] if node.input[1] in self.constants else None
                if node.input[0] != current or shape is None or np.asarray(shape).shape != (2,):
                    self.fail(node, index, "expected a Reshape of the input to a constant 2-D shape (batch, features)")
            return state
        if op in ("MatMul", "Gemm"):
            if state == "linear":
                self.fail(node, index, "two linear layers with no Relu between them: not a ReLU MLP")
            if node.input[0] != current or len(node.input) < 2 or node.input[1] not in self.constants:
                self.fail(node, index, "expected the data as the first input and a constant weight as the second")
            weight = np.asarray(self.constants[node.input[1]][0])
            what = f"weight '{self.constants[node.input[1]][1]}'"
            if weight.ndim != 2:
                self.fail(node, index, f"{what} has shape {weight.shape}: expected a 2-D matrix")
            if op == "MatMul":
                matrix = weight.T  # MatMul multiplies by (in, out)
            else:
                if len(node.input) > 2 and node.input[2]:
                    self.fail(node, index, f"has a C input '{node.input[2]}': biases are not supported "
                                           f"(nn.Linear(..., bias=False))")
                if attrs.get("transA", 0) != 0:
                    self.fail(node, index, "transA=1: expected the data untransposed")
                if attrs.get("alpha", 1.0) != 1.0:
                    self.fail(node, index, f"alpha={attrs['alpha']}: expected 1")
                matrix = weight if attrs.get("transB", 0) else weight.T
            where = f"{self.source}: node '{name}' ({op}), {what}"
            layers.append(FloatLayer(self.constants[node.input[1]][1], _as_float64(matrix, where),
                                     f"'{name}' ({op})"))
            return "linear"
        if op == "Relu":
            if state == "relu":
                self.fail(node, index, "two Relus in a row")
            if state == "input":
                self.fail(node, index, "a Relu before the first linear layer")
            return "relu"
        if op in BIAS_OPS:
            self.fail(node, index, "adds to a layer's output: biases are not supported (bias-free ReLU MLPs only)")
        if op in ACTIVATIONS:
            self.fail(node, index, "only Relu is supported between layers")
        if op in CONVOLUTIONS:
            self.fail(node, index, "convolutions are not supported: only fully connected layers")
        self.fail(node, index, "not part of a bias-free ReLU MLP (MatMul/Gemm, Relu, and Flatten, "
                               "Reshape or Identity at the input)")


def _one_line(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text if len(text) <= 300 else text[:297] + "..."
