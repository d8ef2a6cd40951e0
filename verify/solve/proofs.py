"""Checking a SAT solver's DRUP proof of unsatisfiability with independent checkers.

A solver's "unsat" becomes ``unsat-proof-checked`` only when its proof passes here. The checker
is dratify, which shares no code with any solver. By default its native (Rust) engine checks
(``cdclkit[native]``, a dependency, registers it with dratify on import; the pure-Python engine
stands in if it is missing). ``engines="both"`` adds the pure-Python engine as a second opinion
on the same parsed proof: the two verdicts must agree, and a disagreement is a bug in one of them
that raises MethodDisagreement; it is never resolved by picking a side.

The formula given to the checker is exactly the clauses that were solved, built here from the
same signed-literal lists (dratify collapses repeated literals and drops tautologies, which
changes no model). A proof may be a list of PySAT's DRUP lines (``"1 -2 0"``, ``"d 1 -2 0"``,
``"0"``: each line must be exactly one clause, so a damaged line cannot silently merge with the
next) or one text in which, as for drat-trim, line breaks are only whitespace.

With the native engine alone, plain DRUP text is read here (NumPy) into the engine's literals
instead of through dratify's Python parser, which cost about as much as the check on large
proofs; any other text takes dratify's path. The verdict rests on the formula passed, not on
the reading: an accepted sequence of steps refutes it whatever text it came from.

A proof that cannot be read, that never derives the empty clause or that has a step which is
neither RUP nor RAT is not an error: the result is ``ok=False`` with the reason in ``message``.
Bad formulas and bad arguments are InputErrors.

Speed, measured here on CaDiCaL proofs: 69,147 lines (PHP(8), 2.7 MB) take 0.4 s to parse,
0.5 s in the native engine and 6.8 s in the Python engine; 141,806 lines (a random 3-CNF, 250
variables) take 0.6 s, 2.9 s and 42 s: the second opinion costs 15-20x the first.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import dratify
import numpy as np

from verify.encodings.formats import read_dimacs
from verify.errors import InputError, MethodDisagreement, MissingFileError
from verify.solve.sat import check_formula

try:  # importing cdclkit registers its native checker with dratify (optional dependency)
    import cdclkit  # noqa: F401
except ImportError:  # pragma: no cover - depends on the installation
    pass

ENGINES = ("auto", "both", "python", "native")

# One DRUP line: an optional deletion mark, non-zero literals, the terminating 0.
_LINE = re.compile(r"\s*(?:d\s+)?(?:-?[1-9][0-9]*\s+)*0\s*")


@dataclass(frozen=True)
class ProofCheck:
    """The verdict on one proof.

    ``ok`` is True only when every engine that ran accepted the proof. ``engines`` maps each
    engine that ran (``"python"``, ``"native"``) to its verdict and ``seconds`` to its time
    (``"parse"`` is the shared parsing). ``message`` is one sentence saying why.
    """

    ok: bool
    engines: dict[str, bool]
    seconds: dict[str, float]
    message: str


def native_available() -> bool:
    """True when dratify's native engine is available (cdclkit[native] installed)."""
    return dratify.native_available()


def _engines_to_run(engines: str) -> list[str]:
    if engines not in ENGINES:
        raise InputError(f"engines: expected one of {', '.join(ENGINES)}, got {engines!r}")
    if engines in ("both", "native") and not native_available():
        raise InputError(f"engines: {engines!r} needs the native proof checker, which is not "
                         f"installed (pip install 'cdclkit[native]'); use 'auto' or 'python'")
    if engines == "auto":
        return ["native"] if native_available() else ["python"]
    return {"python": ["python"], "native": ["native"], "both": ["native", "python"]}[engines]


def _proof_text(proof) -> tuple[str | None, str]:
    """(text, "") for a readable proof, or (None, why it cannot be read)."""
    if isinstance(proof, str):
        return proof, ""
    if not isinstance(proof, (list, tuple)):
        raise InputError(f"proof: expected DRUP lines or text, got {type(proof).__name__}")
    for i, line in enumerate(proof, 1):
        if not isinstance(line, str):
            raise InputError(f"proof line {i}: expected a string, got {line!r}")
        if not _LINE.fullmatch(line) and not line.lstrip().startswith("c"):
            return None, f"proof line {i} is not one DRUP clause: {line[:80]!r}"
    return "\n".join(proof), ""


def _verdict(result) -> str:
    if result.ok:
        return f"{result.reason} ({result.steps} steps)"
    if result.failed_step <= 0:
        return result.reason
    lits = [str(dratify.to_dimacs(lit)) for lit in (result.failed_clause or ())]
    clause = f"clause {' '.join(lits)} 0" if lits else "the empty clause"
    return f"{result.reason}; first bad step {result.failed_step}: {clause}"


def check_drup(nvars: int, clauses: list[list[int]], proof: list[str] | str,
               engines: str = "auto") -> ProofCheck:
    """Check that ``proof`` (DRUP/DRAT, text) refutes ``clauses`` over variables 1..``nvars``.

    ``engines``: ``"auto"`` runs the native engine (the Python one when the native one is not
    installed); ``"both"`` runs both, and their verdicts must agree (else MethodDisagreement);
    ``"python"`` or ``"native"`` runs only that one. Every step is checked forward (RUP,
    else RAT); deletions of unit clauses are ignored, as by every mainstream checker.

    >>> check_drup(2, [[1, 2], [-1, 2], [1, -2], [-1, -2]], ["2 0", "0"]).ok
    True
    >>> bad = check_drup(2, [[1, 2], [-1, 2], [1, -2]], ["2 0", "0"], engines="python")
    >>> bad.ok, bad.engines
    (False, {'python': False})
    >>> bad.message.endswith("first bad step 2: the empty clause")
    True
    """
    check_formula(nvars, clauses)
    order = _engines_to_run(engines)
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    text, unreadable = _proof_text(proof)
    if text is not None and order == ["native"]:
        fast = _fast_native(nvars, clauses, text)
        if fast is not None:
            return fast
    steps = None
    if text is not None:
        try:
            steps = dratify.parse_proof(text)
        except ValueError as exc:
            unreadable = f"proof is not text DRUP: {exc}"
    seconds["parse"] = time.perf_counter() - start
    if steps is None:
        return ProofCheck(False, {}, seconds, unreadable)

    formula = dratify.CNF(nvars)
    for clause in clauses:
        formula.add_dimacs(clause)

    results: dict[str, tuple[bool, str]] = {}
    for engine in order:
        start = time.perf_counter()
        try:
            results[engine] = _check_with(formula, steps, engine)
        except (TypeError, ValueError) as exc:
            # dratify refuses steps it cannot interpret before any engine runs
            return ProofCheck(False, {}, seconds, f"proof is not checkable: {exc}")
        seconds[engine] = time.perf_counter() - start

    verdicts = {engine: ok for engine, (ok, _) in results.items()}
    if len(set(verdicts.values())) > 1:
        said = "; ".join(f"{engine} checker {'accepted' if ok else 'rejected'} it ({text})"
                         for engine, (ok, text) in results.items())
        raise MethodDisagreement(f"proof checkers disagree on a {len(steps)}-step proof: {said}")
    ok = all(verdicts.values())
    names = " and ".join(results)
    first = next(iter(results.values()))[1]
    message = f"proof {'accepted' if ok else 'rejected'} by {names}: {first}"
    return ProofCheck(ok, verdicts, seconds, message)


# Characters of a plain DRUP text (no comments); a "d" must stand alone between whitespace.
_NOT_PLAIN = re.compile(r"[^0-9\sd-]|\Sd|d\S")
# What a deletion mark becomes while the text is read as integers: above any literal allowed.
_DELETE = 1 << 62


def _packed_steps(nvars: int, text: str) -> list[tuple[bool, list[int]]] | None:
    """The proof as the native engine takes it, (is a deletion, internal literals) per step, read
    with NumPy; None for anything but plain DRUP (comments, a missing final 0, a stray mark, a
    literal past dratify's bound), which the dratify parser then reads or explains."""
    if _NOT_PLAIN.search(text):
        return None
    try:
        values = np.array(text.replace("d", str(_DELETE)).split(), dtype=np.int64)
    except (ValueError, OverflowError):
        return None
    if values.size == 0 or values[-1] != 0:
        return None
    ends = np.flatnonzero(values == 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    marks = values == _DELETE
    deletion = marks[starts]
    if int(marks.sum()) != int(deletion.sum()):  # a mark inside a clause
        return None
    lits = values[(values != 0) & ~marks]
    # dratify's bound on a proof's variables: the formula's and at most one per occurrence
    if lits.size and int(np.abs(lits).max()) > nvars + max(lits.size, len(text)):
        return None
    internal = ((np.abs(lits) - 1) << 1) | (lits < 0)
    sizes = ends - starts - deletion
    hi = np.cumsum(sizes)
    flat = internal.tolist()
    return [(d, flat[a:b]) for d, a, b in zip(deletion.tolist(), (hi - sizes).tolist(), hi.tolist())]


def _internal_clause(clause: list[int]) -> list[int]:
    """A DIMACS clause in dratify's internal literals, normalized as ``dratify.CNF.add`` does
    (repeated literals collapsed; a tautology becomes None, dropped)."""
    if len({abs(d) for d in clause}) == len(clause):
        return [((abs(d) - 1) << 1) | (d < 0) for d in clause]
    seen = set(clause)
    if any(-d in seen for d in seen):
        return None
    return [((abs(d) - 1) << 1) | (d < 0) for d in dict.fromkeys(clause)]


def _fast_native(nvars: int, clauses: list[list[int]], text: str) -> ProofCheck | None:
    """The native engine's verdict on plain DRUP text, called with the steps read by
    :func:`_packed_steps` rather than dratify's Python parser (most of the time of a large
    check went to parsing and repacking). Sound whatever the reading: the verdict is on the
    formula, and an accepted sequence of steps refutes it whichever text it came from. None
    (the caller then takes dratify's path) when the text is not plain DRUP or the native
    module answers in a shape it does not expect."""
    native = dratify.native_implementation()
    if native is None:
        return None
    start = time.perf_counter()
    packed = _packed_steps(nvars, text)
    if packed is None:
        return None
    formula = [c for c in map(_internal_clause, clauses) if c is not None]
    seconds = {"parse": time.perf_counter() - start}
    start = time.perf_counter()
    try:
        fields = tuple(native.check_proof(nvars, formula, packed, True, True))
    except (TypeError, ValueError):
        return None
    seconds["native"] = time.perf_counter() - start
    if len(fields) != 10 or (fields[0] and not fields[9]):
        return None
    ok, reason, steps, failed_step = bool(fields[0]), fields[1], fields[2], fields[8]
    failed = packed[failed_step - 1][1] if 0 < failed_step <= len(packed) else None
    result = SimpleNamespace(ok=ok, reason=reason, steps=steps, failed_step=failed_step, failed_clause=failed)
    return ProofCheck(ok, {"native": ok}, seconds, f"proof {'accepted' if ok else 'rejected'} by native: "
                      f"{_verdict(result)}")


def _check_with(formula, steps, engine: str) -> tuple[bool, str]:
    result = dratify.check_proof(formula, steps, engine=engine)
    return bool(result.ok), _verdict(result)


def read_cnf_file(path) -> tuple[int, list[list[int]]]:
    """(nvars, clauses) of a DIMACS CNF file, read by ``verify.encodings.formats.read_dimacs``
    with the SATLIB end marker refused: a file that disagrees with its header, or says more
    than its formula, is refused (InputError), never repaired, because a certificate must check
    the formula the file states. A missing file is a MissingFileError; the file must be ASCII.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise MissingFileError(f"{path}: no such CNF file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not an ASCII DIMACS file ({exc.reason} at byte "
                         f"{exc.start})") from None
    cnf = read_dimacs(text, str(path), end_marker=False)
    return cnf.nvars, [list(clause) for clause in cnf.clauses]


def check_drup_files(cnf_path, proof_path, engines: str = "auto") -> ProofCheck:
    """``check_drup`` on a DIMACS CNF file (read by :func:`read_cnf_file`) and a text DRUP file.

    Binary DRAT is not supported: a proof file that is not ASCII text is an InputError.
    """
    nvars, clauses = read_cnf_file(cnf_path)
    proof_path = Path(proof_path)
    try:
        text = proof_path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise MissingFileError(f"{proof_path}: no such proof file") from None
    except UnicodeDecodeError:
        raise InputError(f"{proof_path}: not a text DRUP proof (binary DRAT is not "
                         f"supported)") from None
    return check_drup(nvars, clauses, text, engines=engines)
