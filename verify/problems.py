"""Problems as validated, immutable data, with versioned JSON and a stable content hash.

Two kinds, both over exact Python integers (scaled grid values, see ``verify.numbers``):

- ``SubsetSum`` (JSON kind ``subset-sum``): weights ``a_1..a_n`` and a set of targets, a list or
  an inclusive range. Question per target t: is there S ⊆ {1..n} with Σ_{i∈S} a_i = t?
  Optional ``size`` k asks for |S| = k exactly; optional ``objective: "fewest"`` asks for the
  smallest |S|. The two options exclude each other.
- ``VectorSubsetSum`` (JSON kind ``vector-subset-sum``): weights and targets are integer vectors
  of one dimension d; the sum is taken coordinate-wise.

JSON (version 1)::

    {"kind": "subset-sum", "version": 1, "weights": [3, -5, 7],
     "targets": [2, 10] | {"range": [lo, hi]},
     "size": 2, "objective": "fewest", "meta": {...}}

``size``, ``objective`` and ``meta`` are optional. ``meta`` is provenance (generator, parameters,
seed, planted subset, tool version): kept in files, but not part of the problem, so not part of
equality or of the content hash. The content hash is the sha256 of the canonical encoding: the
problem fields (``kind``, ``version``, ``weights``, ``targets``, and ``size``/``objective`` when
set) as JSON with sorted keys and no spaces. Certificates cite it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Union

from verify.errors import InputError, MissingFileError
from verify.interrupts import deferred

FORMAT_VERSION = 1
OBJECTIVES = ("fewest",)


@dataclass(frozen=True)
class TargetRange:
    """All integers ``lo..hi`` inclusive."""

    lo: int
    hi: int

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.lo, self.hi + 1))

    def __len__(self) -> int:
        return self.hi - self.lo + 1

    def to_json(self) -> dict:
        return {"range": [self.lo, self.hi]}


Targets = Union[tuple, TargetRange]


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _describe(x) -> str:
    text = json.dumps(x) if isinstance(x, (bool, type(None), str)) else repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def _int(x, where: str) -> int:
    if not _is_int(x):
        raise InputError(f"{where}: expected an integer, got {_describe(x)}")
    return x


def _int_list(x, where: str) -> tuple[int, ...]:
    if not isinstance(x, (list, tuple)):
        raise InputError(f"{where}: expected a list of integers, got {_describe(x)}")
    if len(x) == 0:
        raise InputError(f"{where}: expected a non-empty list, got []")
    return tuple(_int(v, f"{where}[{i}]") for i, v in enumerate(x))


def _no_duplicates(values, where: str) -> None:
    seen = set()
    for i, v in enumerate(values):
        if v in seen:
            raise InputError(f"{where}[{i}]: duplicate target {_describe(v)}")
        seen.add(v)


def _parse_targets(x, where: str) -> Targets:
    if isinstance(x, TargetRange):
        return _parse_targets(x.to_json(), where)
    if _is_int(x):
        return (x,)
    if isinstance(x, dict):
        if set(x) != {"range"}:
            raise InputError(f"{where}: expected a list of integers or {{\"range\": [lo, hi]}}, "
                             f"got an object with keys {sorted(x)}")
        r = x["range"]
        if not isinstance(r, (list, tuple)) or len(r) != 2:
            raise InputError(f"{where}.range: expected [lo, hi], got {_describe(r)}")
        lo, hi = _int(r[0], f"{where}.range[0]"), _int(r[1], f"{where}.range[1]")
        if lo > hi:
            raise InputError(f"{where}.range: expected lo <= hi, got [{lo}, {hi}]")
        return TargetRange(lo, hi)
    values = _int_list(x, where)
    _no_duplicates(values, where)
    return values


def _check_options(size, objective, n: int) -> None:
    if size is not None:
        _int(size, "size")
        if not 0 <= size <= n:
            raise InputError(f"size: expected an integer in 0..{n} (the number of weights), got {size}")
    if objective is not None and objective not in OBJECTIVES:
        raise InputError(f"objective: expected one of {list(OBJECTIVES)}, got {_describe(objective)}")
    if size is not None and objective is not None:
        raise InputError("size and objective: a fixed size and 'fewest elements' exclude each other")


def _canonical_sha256(obj: dict) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class _JsonProblem:
    """What both problem kinds share: versioned JSON, the content hash, reading from JSON."""

    def _problem_json(self) -> dict:
        out = {"kind": self.kind, "version": FORMAT_VERSION, **self._fields_json()}
        if self.size is not None:
            out["size"] = self.size
        if self.objective is not None:
            out["objective"] = self.objective
        return out

    def to_json(self) -> dict:
        out = self._problem_json()
        if self.meta:
            out["meta"] = self.meta
        return out

    @property
    def sha256(self) -> str:
        """Content hash: sha256 of the canonical JSON of the problem fields (not ``meta``)."""
        return _canonical_sha256(self._problem_json())

    @classmethod
    def from_json(cls, obj: dict):
        _check_header(obj, cls.kind, {"weights", "targets", "size", "objective", "meta"})
        return cls(weights=_required(obj, "weights"), targets=_required(obj, "targets"),
                   size=obj.get("size"), objective=obj.get("objective"), meta=obj.get("meta", {}))


@dataclass(frozen=True)
class SubsetSum(_JsonProblem):
    """A one-dimensional subset-sum problem (see the module docstring).

    >>> p = SubsetSum(weights=[3, -5, 7], targets=[2])
    >>> p.n, p.sum_range()
    (3, (-5, 10))
    >>> SubsetSum.from_json(p.to_json()) == p
    True
    """

    weights: tuple[int, ...]
    targets: Targets
    size: int | None = None
    objective: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    kind = "subset-sum"

    def __post_init__(self):
        object.__setattr__(self, "weights", _int_list(self.weights, "weights"))
        object.__setattr__(self, "targets", _parse_targets(self.targets, "targets"))
        _check_options(self.size, self.objective, len(self.weights))
        if not isinstance(self.meta, dict):
            raise InputError(f"meta: expected an object, got {_describe(self.meta)}")

    @property
    def n(self) -> int:
        return len(self.weights)

    def target_list(self) -> list[int]:
        """The targets as a list (a range is expanded: mind its length)."""
        return list(self.targets)

    @property
    def num_targets(self) -> int:
        return len(self.targets)

    def sum_range(self) -> tuple[int, int]:
        """``(Σ negative weights, Σ positive weights)``: every subset sum lies in between."""
        return (sum(a for a in self.weights if a < 0), sum(a for a in self.weights if a > 0))

    def _fields_json(self) -> dict:
        return {"weights": list(self.weights),
                "targets": self.targets.to_json() if isinstance(self.targets, TargetRange)
                else list(self.targets)}


def _vector_list(x, where: str, dim: int | None) -> tuple[tuple[int, ...], ...]:
    if not isinstance(x, (list, tuple)) or len(x) == 0:
        raise InputError(f"{where}: expected a non-empty list of integer vectors, got {_describe(x)}")
    out = []
    for i, v in enumerate(x):
        vec = _int_list(v, f"{where}[{i}]")
        if dim is None:
            dim = len(vec)
        elif len(vec) != dim:
            raise InputError(f"{where}[{i}]: expected a vector of dimension {dim}, got dimension {len(vec)}")
        out.append(vec)
    return tuple(out)


@dataclass(frozen=True)
class VectorSubsetSum(_JsonProblem):
    """Subset sum over integer vectors of dimension d, summed coordinate-wise.

    >>> p = VectorSubsetSum(weights=[[1, 2], [3, -1]], targets=[[4, 1]])
    >>> p.n, p.dim
    (2, 2)
    """

    weights: tuple[tuple[int, ...], ...]
    targets: tuple[tuple[int, ...], ...]
    size: int | None = None
    objective: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    kind = "vector-subset-sum"

    def __post_init__(self):
        weights = _vector_list(self.weights, "weights", None)
        object.__setattr__(self, "weights", weights)
        targets = _vector_list(self.targets, "targets", len(weights[0]))
        _no_duplicates(targets, "targets")
        object.__setattr__(self, "targets", targets)
        _check_options(self.size, self.objective, len(weights))
        if not isinstance(self.meta, dict):
            raise InputError(f"meta: expected an object, got {_describe(self.meta)}")

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def dim(self) -> int:
        return len(self.weights[0])

    @property
    def num_targets(self) -> int:
        return len(self.targets)

    def target_list(self) -> list[tuple[int, ...]]:
        return list(self.targets)

    def _fields_json(self) -> dict:
        return {"weights": [list(v) for v in self.weights], "targets": [list(t) for t in self.targets]}


Problem = Union[SubsetSum, VectorSubsetSum]
KINDS = {SubsetSum.kind: SubsetSum, VectorSubsetSum.kind: VectorSubsetSum}


def _required(obj: dict, name: str):
    if name not in obj:
        raise InputError(f"field '{name}' is missing")
    return obj[name]


def _check_header(obj, kind: str, allowed: set[str]) -> None:
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object at top level, got {type(obj).__name__}")
    if obj.get("kind") != kind:
        raise InputError(f"field 'kind': expected {kind!r}, got {_describe(obj.get('kind'))}")
    version = obj.get("version")
    if not _is_int(version) or version != FORMAT_VERSION:
        raise InputError(f"field 'version': expected {FORMAT_VERSION}, got {_describe(version)}")
    unknown = sorted(set(obj) - allowed - {"kind", "version"})
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r} (expected fields: kind, version, "
                         f"{', '.join(sorted(allowed))})")


def problem_from_json(obj) -> Problem:
    """Build a problem of the right kind from parsed JSON, validating every field."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object at top level, got {type(obj).__name__}")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise InputError(f"field 'kind': expected one of {sorted(KINDS)}, got {_describe(kind)}")
    return KINDS[kind].from_json(obj)


def _reject_constant(name: str):
    raise InputError(f"{name} is not allowed (numbers must be finite integers)")


def read_json_file(path: str | os.PathLike):
    """Parse a JSON file strictly (no NaN/Infinity), with one-line errors naming the file.

    Every failure to read is an InputError (exit code 2) or, for a missing file, a
    MissingFileError: invalid syntax, a non-finite constant, an integer longer than Python's
    limit for integer strings and nesting deeper than the parser's recursion."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MissingFileError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, expected a JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text, expected a JSON file") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise InputError(f"{p}: not valid JSON: {e.msg.removesuffix(' at')} at line {e.lineno} column {e.colno}") from None
    except InputError as e:
        raise InputError(f"{p}: {e}") from None
    # the parser's own limits, well-formed JSON it still refuses: an integer over Python's
    # 4,300 digits (ValueError) and nesting deeper than the interpreter's stack (RecursionError)
    except (ValueError, RecursionError) as e:
        raise InputError(f"{p}: not a readable JSON file: {e}") from None


def load_problem(path: str | os.PathLike) -> Problem:
    """Read and validate a problem file; errors are one line, prefixed with the file name."""
    obj = read_json_file(path)
    try:
        return problem_from_json(obj)
    except InputError as e:
        raise InputError(f"{Path(path)}: {e}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a text file so that it either appears complete or not at all (temp file + rename)."""
    write_atomic(path, lambda f: f.write(text.encode("utf-8")))


def write_atomic(path: str | os.PathLike, write) -> None:
    """Call ``write(binary file)`` on a temporary file beside ``path`` and rename it into place,
    so the file appears complete or not at all, with the umask's permissions."""
    p = Path(path)
    directory = p.parent if str(p.parent) else Path(".")
    if not directory.is_dir():
        raise MissingFileError(f"{p}: directory {directory} does not exist")
    tmp = None
    try:
        with deferred():  # a temporary file made is always known here, so it is removed below
            fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make results private by accident
        os.replace(tmp, p)
    except BaseException:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise


def dumps_readable(obj) -> str:
    """JSON with one field per line (sorted keys), lists of numbers on one line, and each
    object inside a list on one line of its own (a certificate lists 10^5 witnesses: one per
    line, written by the C encoder, keeps it readable and fast to write).

    >>> print(dumps_readable({"b": [1, -2], "a": {"range": [0, 3]}, "c": [{"x": 1}, {"x": 2}]}))
    {
     "a": {
      "range": [0, 3]
     },
     "b": [1, -2],
     "c": [
      {"x": 1},
      {"x": 2}
     ]
    }
    """
    compact = json.JSONEncoder(sort_keys=True, separators=(", ", ": ")).encode  # one encoder, 10^5 calls

    def encode(o, level: int) -> str:
        pad, close = " " * (level + 1), " " * level
        if isinstance(o, dict) and o:
            fields = [f"{pad}{json.dumps(str(k))}: {encode(v, level + 1)}" for k, v in sorted(o.items())]
            return "{\n" + ",\n".join(fields) + "\n" + close + "}"
        if isinstance(o, list) and any(isinstance(x, (dict, list)) for x in o):
            return "[\n" + ",\n".join(pad + compact(x) for x in o) + "\n" + close + "]"
        return compact(o)

    return encode(obj, 0)


def save_problem(problem: Problem, path: str | os.PathLike) -> None:
    """Write a problem as JSON (see :func:`dumps_readable`), atomically."""
    write_text_atomic(path, dumps_readable(problem.to_json()) + "\n")
