"""Suite specs: which hard instances a suite holds, in a TOML file.

```toml
name = "critical-window"
seed = 1                      # instance i (in spec order) is generated from seed + i
time_limit = 30               # seconds to certify one answer (a SAT run on the exported CNF)
memory_budget = "1G"          # for the exhaustive pre-filter methods that certify "no" answers
formats = ["cnf", "opb", "wcnf"]
encoding = "auto"             # CNF encoding of the exports (and of the proofs)

[[family]]
kind = "subset-sum"           # subset-sum | vector | network
n = [24, 32]
lambda = [-2, 0, 2]           # κ_n = 1 - log2(n)/(2n) + λ/n: M = floor(2^(n+λ) / sqrt(n)); 2λ integer
answer = ["planted", "infeasible"]
size = "half"                 # optional: exactly floor(n/2) elements (or an integer)
count = 2                     # instances per point of the family's grid
```

A ``vector`` family takes ``dim`` and ``bits`` (coordinates uniform on {-2^bits..2^bits})
instead of ``lambda``; a ``network`` family takes ``widths``, ``target_bits``, ``c`` (Theorem 1's
C) and no ``answer``: its answer is whether a ticket exists in the searched family, certified.
Lists are grid axes, scalars fixed; everything is checked before any instance is generated.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verify.encodings.cnf import ENCODINGS
from verify.errors import InputError, MissingFileError
from verify.experiments.spec import check_fields, load_toml
from verify.prefilter.budget import parse_size
from verify.solve.limits import check_time_limit

TOP = {"name", "description", "seed", "time_limit", "memory_budget", "formats", "encoding", "family"}
FAMILY_KEYS = {
    "subset-sum": {"kind", "n", "lambda", "answer", "size", "zero", "count"},
    "vector": {"kind", "n", "dim", "bits", "answer", "size", "zero", "count"},
    "network": {"kind", "widths", "target_bits", "c", "count"},
}
FORMATS = ("cnf", "opb", "wcnf")
ANSWERS = ("planted", "infeasible")


@dataclass(frozen=True)
class Point:
    """One instance to build: its family index, kind, parameters and seed."""

    family: int
    kind: str
    params: tuple  # sorted (name, value) pairs
    copy: int
    seed: int

    @property
    def name(self) -> str:
        p = dict(self.params)
        if self.kind == "network":
            tag = f"w{p['widths'].replace(',', '-')}-b{p['target_bits']}-c{p['c']}"
        elif self.kind == "vector":
            tag = f"n{p['n']}-d{p['dim']}-b{p['bits']}-{p['answer']}"
        else:
            tag = f"n{p['n']}-l{str(p['lambda']).replace('/', '_').replace('-', 'm')}-{p['answer']}"
        return f"{self.family:02d}-{self.kind}-{tag}" + (f"-k{p['size']}" if p.get("size") is not None else "") \
            + f"-{self.copy}"


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    description: str
    seed: int
    time_limit: float
    memory_budget: int
    formats: tuple[str, ...]
    encoding: str
    points: tuple[Point, ...]
    source: dict  # the spec as read, for the manifest


def critical_M(n: int, lam: Fraction) -> int:
    """floor(2^(n+λ) / sqrt(n)): κ = log2(M)/n sits at 1 - log2(n)/(2n) + λ/n. Exact for 2λ an
    integer, since floor(sqrt(x)) = isqrt(floor(x)).

    >>> critical_M(16, Fraction(0))   # 2^16 / 4
    16384
    """
    twice = 2 * (n + lam)
    if twice.denominator != 1 or twice < 0:
        raise InputError(f"lambda: 2·(n + λ) must be a non-negative integer, got n = {n}, λ = {lam}")
    num = 1 << int(twice)
    return max(1, math.isqrt(num // n))


def _ints(value, where, low):
    values = value if isinstance(value, list) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < low for v in values):
        raise InputError(f"{where}: expected an integer >= {low} or a non-empty list of them, got {value!r}")
    return values


def _family(i: int, fam, where: str) -> list[dict]:
    if not isinstance(fam, dict) or fam.get("kind") not in FAMILY_KEYS:
        raise InputError(f"{where}.kind: expected one of {sorted(FAMILY_KEYS)}, got "
                         f"{fam.get('kind') if isinstance(fam, dict) else fam!r}")
    kind = fam["kind"]
    unknown = sorted(set(fam) - FAMILY_KEYS[kind])
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: a {kind} family has no such field "
                         f"(it has {', '.join(sorted(FAMILY_KEYS[kind]))})")
    axes: dict[str, list] = {}
    if kind == "network":
        widths = fam.get("widths", "2,2")
        ws = widths if isinstance(widths, list) else [widths]
        for w in ws:
            if not isinstance(w, str) or not all(x.strip().isdigit() and int(x) > 0 for x in w.split(",")) \
                    or len(w.split(",")) < 2:
                raise InputError(f"{where}.widths: expected strings like \"2,2\", got {widths!r}")
        axes["widths"] = ws
        axes["target_bits"] = _ints(fam.get("target_bits", 3), f"{where}.target_bits", 1)
        axes["c"] = _ints(fam.get("c", 16), f"{where}.c", 1)
    else:
        for field in ("n",):
            if field not in fam:
                raise InputError(f"{where}.{field}: missing")
        axes["n"] = _ints(fam["n"], f"{where}.n", 1)
        if kind == "subset-sum":
            lams = fam.get("lambda", 0)
            lams = lams if isinstance(lams, list) else [lams]
            try:
                fr = [Fraction(str(v)) for v in lams if not isinstance(v, bool)]
            except (ValueError, ZeroDivisionError):
                fr = []
            if not lams or len(fr) != len(lams) or any((2 * x).denominator != 1 for x in fr):
                raise InputError(f"{where}.lambda: expected numbers with 2λ an integer (e.g. -1.5, 0, 2), got {lams!r}")
            axes["lambda"] = [str(x) for x in fr]
        else:
            axes["dim"] = _ints(fam.get("dim", 2), f"{where}.dim", 1)
            axes["bits"] = _ints(fam.get("bits", 8), f"{where}.bits", 1)
        answers = fam.get("answer", list(ANSWERS))
        answers = answers if isinstance(answers, list) else [answers]
        if not answers or any(a not in ANSWERS for a in answers):
            raise InputError(f"{where}.answer: expected {list(ANSWERS)} or a sublist, got {fam.get('answer')!r}")
        axes["answer"] = answers
        size = fam.get("size")
        if size is not None and size != "half" and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise InputError(f"{where}.size: expected \"half\" or an integer >= 0, got {size!r}")
        axes["size"] = [size]
        zero = fam.get("zero", False)
        if not isinstance(zero, bool):
            raise InputError(f"{where}.zero: expected true or false, got {zero!r}")
        axes["zero"] = [zero]
    count = fam.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InputError(f"{where}.count: expected an integer >= 1, got {count!r}")
    names = list(axes)
    return [dict(zip(names, combo), _count=count) for combo in itertools.product(*(axes[k] for k in names))]


def parse_suite_spec(data: dict, source: str) -> SuiteSpec:
    """Validate a parsed suite spec (module docstring); ``source`` names it in errors."""

    check_fields(data, TOP, ("name", "family"), source)
    name = data["name"]
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"{source}: name: expected a non-empty string without '/', got {name!r}")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**62:
        raise InputError(f"{source}: seed: expected an integer >= 0, got {seed!r}")
    time_limit = check_time_limit(data.get("time_limit", 30), f"{source}: time_limit", none_ok=False)
    try:
        budget = parse_size(data.get("memory_budget", "1G"))
    except InputError as e:
        raise InputError(f"{source}: memory_budget: {e}") from None
    formats = data.get("formats", list(FORMATS))
    if not isinstance(formats, list) or any(f not in FORMATS for f in formats):
        raise InputError(f"{source}: formats: expected a sublist of {list(FORMATS)}, got {formats!r}")

    encoding = data.get("encoding", "auto")
    if encoding not in ENCODINGS:
        raise InputError(f"{source}: encoding: expected one of {list(ENCODINGS)}, got {encoding!r}")
    families = data["family"]
    if not isinstance(families, list) or not families:
        raise InputError(f"{source}: family: expected one or more [[family]] tables")
    points = []
    for i, fam in enumerate(families):
        for params in _family(i, fam, f"{source}: family[{i}]"):
            count = params.pop("_count")
            for copy in range(count):
                points.append(Point(i, fam["kind"], tuple(sorted(params.items(), key=lambda kv: kv[0])),
                                    copy, seed + len(points)))
    return SuiteSpec(name, str(data.get("description", "")), seed, time_limit, budget,
                     tuple(formats), encoding, tuple(points), data)


SPECS_DIR = Path(__file__).resolve().parent / "specs"


def load_suite_spec(path) -> SuiteSpec:
    """Read and validate a suite spec file, or a built-in one by name (``critical-window``)."""

    p = Path(path)
    if not p.is_file() and p.suffix == "" and (SPECS_DIR / f"{path}.toml").is_file():
        p = SPECS_DIR / f"{path}.toml"
    if not p.is_file():
        builtin = ", ".join(sorted(x.stem for x in SPECS_DIR.glob("*.toml")))
        raise MissingFileError(f"{p}: no such suite spec (built-in: {builtin})")
    try:
        data = load_toml(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{p}: not a UTF-8 text file") from None
    except ValueError as e:
        raise InputError(f"{p}: not valid TOML: {e}") from None
    return parse_suite_spec(data, str(p))
