"""Regenerate torch_mlp_classic.onnx and torch_mlp_dynamo.onnx (read by tests/test_import_network.py).

Not run by the tests: torch is not a dependency of this project. Run it with a separate
environment that has torch 2.13.0 (CPU), onnx and onnxscript:

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 onnx onnxscript
    /tmp/torchenv/bin/python tests/data/make_torch_onnx.py

The model is nn.Sequential(Flatten, Linear(6, 4, bias=False), ReLU, Linear(4, 3, bias=False))
with weights set to multiples of 1/16 in [-1/2, 1/2] (seeded), so that they are exactly on the
grid 2^-4 and a float32 runtime computes its outputs on grid inputs exactly. The input has shape
(2, 2, 3), flattened to 6 features. The classic exporter writes Flatten -> MatMul (weights
pre-transposed to (in, out)) -> Relu -> MatMul; the dynamo exporter Reshape -> Gemm (transB=1).
"""

from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent


def model() -> nn.Sequential:
    torch.manual_seed(20240607)
    net = nn.Sequential(nn.Flatten(), nn.Linear(6, 4, bias=False), nn.ReLU(), nn.Linear(4, 3, bias=False))
    with torch.no_grad():
        for layer in (net[1], net[3]):
            layer.weight.copy_(torch.randint(-8, 9, layer.weight.shape).float() / 16)
    return net.eval()


def main() -> None:
    net = model()
    x = torch.zeros(2, 2, 3)
    torch.onnx.export(net, (x,), HERE / "torch_mlp_classic.onnx", dynamo=False,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}})
    torch.onnx.export(net, (x,), HERE / "torch_mlp_dynamo.onnx", dynamo=True,
                      dynamic_shapes=({0: torch.export.Dim("batch")},), external_data=False)
    for name in ("torch_mlp_classic.onnx", "torch_mlp_dynamo.onnx"):
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
