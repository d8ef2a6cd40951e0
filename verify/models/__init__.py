"""Trained models in and certified tickets out.

- ``reading``: the float weight matrices of a bias-free ReLU MLP out of an ONNX graph, a
  safetensors file or an npz archive (the graph checked to be exactly such an MLP).
- ``quantizing``: float matrices onto the grid S_δ as a target ``QuantizedNetwork``, exactly,
  with a per-layer report (``import_model``, ``quantize_matrices``).
- ``writing``: a quantized network out as ONNX or float weight files that evaluate exactly.

onnx, onnxruntime and safetensors are optional (the ``models`` extra) and imported only where
they are used; nothing is re-exported here so that importing one half never loads the other.
"""
