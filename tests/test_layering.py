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
    "verify.architectures": 2,
    "verify.conv_networks": 2,
    "verify.layouts": 2,
    "verify.perturbation": 2,
    "verify.seeding": 1,
    "verify.recipes": 2,
    "verify.generators": 3,
    "verify.models": 3,
    "verify.prefilter": 4,
    "verify.generation": 4,
    "verify.encodings": 5,
    "verify.solve": 6,
    "verify.heuristics": 6,
    "verify.constructions": 7,
    "verify.conv_constructions": 7,
    "verify.conv_tickets": 7,
    "verify.equality": 7,
    "verify.miter": 7,
    "verify.tickets": 7,
    "verify.fixed_size": 7,
    "verify.ticket_pipeline": 7,
    "verify.heuristics.network": 7,
    "verify.certificates": 8,
    "verify.certify": 8,
    "verify.conv_certificates": 8,
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


def is_module(name: str) -> bool:
    """Whether ``verify.x.y`` is a module or package of the source tree."""
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imported_modules(source: str, own: str, is_package: bool = False):
    """Every module of the package that ``source`` (the text of module ``own``) imports, in
    every form: ``import verify.x``, ``from verify.x import y`` (y itself when it is a module),
    ``from verify import x``, relative imports, and imports inside functions."""
    package = own if is_package else own.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                yield sub if is_module(sub) else module


MODULES = sorted(PACKAGE.rglob("*.py"))


def violations(source: str, own: str, is_package: bool = False) -> list[str]:
    return [f"{own} (layer {layer_of(own)}) imports {target} (layer {layer_of(target)})"
            for target in imported_modules(source, own, is_package)
            if (target == "verify" or target.startswith("verify.")) and layer_of(target) > layer_of(own)]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_downward(path):
    own = module_name(path)
    explicit = [p for p in LAYERS if own == p or own.startswith(p + ".")]
    assert explicit and (own in LAYERS or max(explicit, key=len) != "verify"), \
        f"{own} has no layer in LAYERS"
    assert not violations(path.read_text(), own, path.name == "__init__.py")


@pytest.mark.parametrize("source", [
    "import verify.cli",
    "from verify.cli import main",
    "from verify import cli",
    "from . import cli",
    "from .cli import main",
    "def f():\n    from verify import cli\n",
    "from .experiments import sweep",
])
def test_every_form_of_an_upward_import_is_caught(source):
    assert violations(source, "verify.numbers")


def test_relative_imports_resolve_against_the_package():
    assert list(imported_modules("from . import bitset", "verify.prefilter.mitm")) == ["verify.prefilter.bitset"]
    assert list(imported_modules("from .. import numbers", "verify.prefilter.mitm")) == ["verify.numbers"]
    assert list(imported_modules("from . import bitset", "verify.prefilter", True)) == ["verify.prefilter.bitset"]
    assert list(imported_modules("from verify import __version__", "verify.numbers")) == ["verify"]
    assert not violations("from verify import __version__\nfrom . import errors", "verify.numbers")


def test_the_check_can_fail():
    assert layer_of("verify.cli") > layer_of("verify.prefilter.bitset") > layer_of("verify.numbers")


def _function_imports(path: Path):
    for fn in ast.walk(ast.parse(path.read_text())):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from (n for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))


# the command line imports each command's modules when the command runs (its docstring says why)
LAZY_BY_DESIGN = {"verify.cli"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_an_import_inside_a_function_says_why(path):
    """Imports belong at the top, where they show the graph; one inside a function (a heavy or
    optional dependency, a cycle) carries a comment on its line or above its group of imports."""
    if module_name(path) in LAZY_BY_DESIGN:
        return
    lines = path.read_text().split("\n")
    silent = []
    for node in _function_imports(path):
        at = node.lineno - 1
        while at > 0 and lines[at - 1].strip().startswith(("import ", "from ")) and "#" not in lines[at]:
            at -= 1  # up a group of imports to its first line
        if "#" not in lines[node.lineno - 1] and "#" not in lines[at] and "#" not in lines[at - 1]:
            silent.append(f"{module_name(path)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not silent, "imports inside functions without a reason:\n" + "\n".join(silent)
