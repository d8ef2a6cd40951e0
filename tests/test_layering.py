"""Layers depend downward only (README, "Architecture"): a module may import from its own layer
or lower ones, never higher. Imports inside functions count too: that is where layering leaks."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "verify"

# module prefix -> layer; the longest matching prefix wins. A new module must be placed here.
LAYERS = {
    "verify": 0,
    "verify.errors": 0,
    "verify.interrupts": 0,
    "verify.status_line": 0,
    "verify.exit_codes": 0,
    "verify.numbers": 1,
    "verify.status": 2,
    "verify.problems": 2,
    "verify.witness": 2,
    "verify.networks": 2,
    "verify.layouts": 2,
    "verify.seeding": 1,
    "verify.recipes": 2,
    "verify.generators": 3,
    "verify.models": 3,
    "verify.prefilter": 4,
    "verify.generation": 4,
    "verify.encodings": 5,
    "verify.solvers": 6,
    "verify.backends": 6,
    "verify.solving": 6,
    "verify.heuristics": 6,
    "verify.constructions": 7,
    "verify.equality": 7,
    "verify.miter": 7,
    "verify.tickets": 7,
    "verify.ticket_pipeline": 7,
    "verify.heuristics.network": 7,
    "verify.certificates": 8,
    "verify.certify": 8,
    "verify.experiments": 9,
    "verify.suites": 9,
    "verify.demo": 10,
    "verify.demo_digits": 10,
    "verify.cli": 10,
}


def layer_of(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_downward(path):
    own = module_name(path)
    explicit = [p for p in LAYERS if own == p or own.startswith(p + ".")]
    assert explicit and (own in LAYERS or max(explicit, key=len) != "verify"), \
        f"{own} has no layer in LAYERS"
    for target in imported_modules(path):
        if target == "verify" or target.startswith("verify."):
            assert layer_of(target) <= layer_of(own), \
                f"{own} (layer {layer_of(own)}) imports {target} (layer {layer_of(target)})"


def test_the_check_can_fail():
    assert layer_of("verify.cli") > layer_of("verify.prefilter.bitset") > layer_of("verify.numbers")
