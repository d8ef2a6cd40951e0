"""One exception root: every exception the package raises on purpose derives from VerifyError,
and each maps to one exit code (``verify.errors.exit_code``).

The audit reads the source (every ``raise`` in verify/, imports inside functions included), so a
new ``raise ValueError(...)`` that could reach the command line fails here until it is a
VerifyError subclass or, being internal, is listed below with the reason it never reaches it.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from verify.errors import (EXIT_INTERNAL, EXIT_REJECTED, EXIT_USAGE, BudgetExceeded, ClaimRejected,
                           InputError, InternalError, MalformedCertificate, MethodDisagreement,
                           MissingFileError, VerifyError, exit_code)

PACKAGE = Path(__file__).resolve().parent.parent / "verify"

# (module file, exception) raised on purpose outside VerifyError, and why that is right
INTERNAL = {
    ("interrupts.py", "KeyboardInterrupt"): "the signal itself: every command stops on it (exit 130)",
    ("solve/children.py", "KeyboardInterrupt"): "the signal: a solver or builder process was stopped from outside",
    ("cli.py", "ArgumentTypeError"): "argparse's own: the parser turns it into a usage error (exit 2)",
    ("networks.py", "ValueError"): "raised inside a try whose except turns it into an InputError",
    ("experiments/pool.py", "RuntimeError"): "the Executor contract: a submit after shutdown is the caller's bug",
    ("experiments/pool.py", "EOFError"): "caught a line below: a worker that died",
    ("experiments/sweep.py", "Interrupted"): "Ctrl-C during a sweep, carrying its summary; the CLI catches it",
    ("miter.py", "_TooBig"): "caught by the miter, which answers unknown",
    ("certificates.py", "_Bad"): "the structure walk's own: validate_certificate turns it into MalformedCertificate",
    ("prefilter/windowed.py", "AssertionError"): "an internal assertion (a subset that does not replay)",
    ("experiments/base.py", "AssertionError"): "an internal assertion (an unknown parameter kind)",
}


def _raised(tree) -> list[tuple[str, int]]:
    """(exception name, line) of every ``raise X`` / ``raise X(...)`` (a bare ``raise`` and
    ``raise err`` of a caught variable re-raise what was already raised)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = exc.attr if isinstance(exc, ast.Attribute) else exc.id if isinstance(exc, ast.Name) else None
            if name and name[0].isupper() or name and name.startswith("_") and name[1:2].isupper():
                out.append((name, node.lineno))
    return out


def _package_classes(trees) -> dict[str, list[str]]:
    """Every class defined in ``trees`` -> the names of its bases."""
    out = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                out[node.name] = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
    return out


def _derives_from_verify_error(name: str, classes: dict, seen=()) -> bool:
    if name == "VerifyError":
        return True
    return name in classes and name not in seen and any(
        _derives_from_verify_error(b, classes, seen + (name,)) for b in classes[name])


def test_every_exception_raised_on_purpose_is_a_verify_error():
    trees = {path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
             for path in sorted(PACKAGE.rglob("*.py"))}
    classes = _package_classes(trees.values())
    outside, used = [], set()
    for rel, tree in trees.items():
        for name, line in _raised(tree):
            if _derives_from_verify_error(name, classes):
                continue
            if (rel, name) in INTERNAL:
                used.add((rel, name))
                continue
            known = isinstance(getattr(builtins, name, None), type) or name in classes or name == "ArgumentTypeError"
            outside.append(f"verify/{rel}:{line}: raise {name}" + ("" if known else " (unknown class)"))
    assert not outside, "raised outside VerifyError and not listed as internal:\n" + "\n".join(outside)
    assert used == set(INTERNAL), f"listed but no longer raised: {sorted(set(INTERNAL) - used)}"


def test_the_audit_sees_a_builtin_raise():
    tree = ast.parse("def f(x):\n    if x:\n        raise ValueError('x')\n    raise KeyError  # why\n"
                     "    raise\n    raise err from None\n    raise argparse.ArgumentTypeError('y')\n")
    assert sorted(_raised(tree)) == [("ArgumentTypeError", 7), ("KeyError", 4), ("ValueError", 3)]


@pytest.mark.parametrize("error, code", [
    (ClaimRejected("c.json: mask.sha256 does not match the mask"), EXIT_REJECTED),
    (MalformedCertificate('c.json: claim.kind: expected one of "ticket", "no-ticket", got 1'), EXIT_USAGE),
    (InputError("x"), EXIT_USAGE), (MissingFileError("x"), EXIT_USAGE), (BudgetExceeded("x"), EXIT_USAGE),
    (InternalError("x"), EXIT_INTERNAL), (MethodDisagreement("x"), EXIT_INTERNAL),
    (FileNotFoundError(2, "No such file"), EXIT_USAGE), (MemoryError(), EXIT_USAGE),
    (KeyError("a bug"), EXIT_INTERNAL), (TypeError("a bug"), EXIT_INTERNAL), (ValueError("a bug"), EXIT_INTERNAL),
])
def test_each_error_has_one_exit_code(error, code):
    assert exit_code(error) == code


def test_the_certificate_errors_are_the_fitting_kinds():
    from verify.certificates import CertificateNotVerified, CheckReport

    assert issubclass(MalformedCertificate, InputError) and issubclass(MalformedCertificate, ValueError)
    assert issubclass(ClaimRejected, VerifyError) and not issubclass(ClaimRejected, InputError)
    assert issubclass(CertificateNotVerified, ClaimRejected)
    assert exit_code(CertificateNotVerified("c.json", CheckReport())) == EXIT_REJECTED


def test_a_pool_of_no_workers_is_bad_input():
    from verify.experiments.pool import ProcessPool

    with pytest.raises(InputError, match="workers"):
        ProcessPool(0)
