"""Certificates: what was claimed about which files, with which evidence, and the checker.

A certificate (JSON, ``kind`` ``slth-verify-certificate``, version 2; version 1 still checks:
its sparsest CNFs are rebuilt as it built them) holds:

- ``claim``: ``ticket`` ("[R ⊙ S]_δ equals T on <domain>", with kept / total weights, and
  optionally "no ticket of the family keeps fewer weights" or "none uses fewer units per
  group", or with ``per_weight`` S "every target weight and branch is the sum of exactly S
  products") or ``no-ticket`` ("no ticket of the family with at most w units per group exists",
  with ``per_weight`` S: none in which every weight has exactly S products);
  ``statement`` is that sentence, regenerated and compared by the checker;
- ``files``: the target and random networks (paths relative to the certificate, content sha256);
- ``mask``: the kept positions per layer (flat row-major indices) and the mask's sha256;
- ``evidence``: the equality method and its domain; per-weight witnesses (units whose products
  sum to the target weight; the mask must be exactly their union); lower bounds (the
  component's CNF and DRUP proof files with their sha256; all components for a ``sparsest``
  claim, those proved for a searched ticket whose optimum is not); the exhaustive "no" of one
  subset sum (of exactly ``size`` elements for a fixed-size "no": ``verify.fixed_size``);
- ``info``: what the checker does not verify: search, timings, the tool's and solvers' versions,
  the construction's kept weights and Theorem 3's bound for comparison.

``check_certificate`` uses no solver. It first walks the certificate's structure
(:func:`validate_certificate`): a field missing, unknown, mistyped or outside its allowed
values makes the certificate malformed (bad input, named by its path). Then it re-hashes the
networks and proof files, rebuilds ``[R ⊙ S]_δ``, replays every witness in exact integer arithmetic, re-runs the equality method
(collapse or exhaustive; a miter's "equal" was only claimed by CP-SAT and is reported as such),
rebuilds every refuted CNF from (T, R) and compares it with the file (as DIMACS text), checks
its proof with the independent checker, re-runs every exhaustive "no", and checks that a
fixed-size ticket's witnesses have exactly ``per_weight`` units. Every field outside
``info`` is checked; a check that fails, or a cited file that does not read, rejects the claim
(ClaimRejected). Trusted: the networks' exact evaluation, the CNF encoder (rebuilt, not
read), the reachable-sum table, and dratify.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from verify.equality import collapse, exhaustive, ticket_network
from verify.errors import ClaimRejected, InputError, InternalError, MalformedCertificate, VerifyError
from verify.networks import QuantizedNetwork, density, load_network
from verify.numbers import RoundingMode
from verify.problems import read_json_file
from verify.solve.proofs import check_drup
from verify.status_line import quiet
from verify.fixed_size import decide_size
from verify.status import Status
from verify.tickets import component_cnf, components, decide_sum, family_sums, group_size

KIND = "slth-verify-certificate"
# 2: sparsest CNFs carry the twin order and count with a k-modulo totalizer
# (verify.tickets.component_cnf), and a sparsest search that proves only some components cites
# their refutations; version 1 certificates still check
VERSION = 2
VERSIONS = (1, 2)


# ------------------------------------------------------------------------------------ masks

def mask_to_json(mask) -> dict:
    """Kept positions per layer (flat row-major indices) and the mask's sha256."""
    layers = [{"shape": list(m.shape), "kept": np.flatnonzero(m).tolist()} for m in mask]
    return {"sha256": _sha(layers), "layers": layers}


def mask_from_json(obj, source: str = "mask", shapes=None) -> tuple[np.ndarray, ...]:
    """The boolean mask of a certificate's ``mask`` field (``source`` names it in messages);
    with ``shapes`` (the network's weight shapes), its layers must have exactly those.

    MalformedCertificate when ``obj`` is not shaped like a mask; ClaimRejected when its layers'
    shapes are not ``shapes``, its sha256 does not match its layers, or a kept position is out
    of its layer's range or repeated."""
    _validate(_MASK, obj, source)
    layers = obj["layers"]
    if shapes is not None:  # before anything is allocated: a forged shape may be huge
        got = [layer["shape"] for layer in layers]
        _require(got == [list(sh) for sh in shapes],
                 f"{source}.layers: shapes {got}, the random network's are {[list(sh) for sh in shapes]}")
    _require(obj["sha256"] == _sha(layers), f"{source}.sha256 does not match the mask")
    out = []
    for i, layer in enumerate(layers):
        (rows, cols), kept = layer["shape"], layer["kept"]
        _require(all(0 <= x < rows * cols for x in kept) and len(set(kept)) == len(kept),
                 f"{source}.layers[{i}].kept: positions out of range for shape {[rows, cols]} or repeated")
        m = np.zeros(rows * cols, dtype=bool)
        m[kept] = True
        out.append(m.reshape(rows, cols))
    return tuple(out)


def _sha(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------------------- statements

def layout_of(target: QuantizedNetwork, random: QuantizedNetwork) -> str:
    if random.depth == 2 * target.depth:
        return "theorem1"
    if random.depth == target.depth + 1:
        return "theorem2"
    if random.depth == target.depth:
        return "same-depth"
    raise InputError(f"random network: depth {random.depth} is not 2ℓ, ℓ+1 or ℓ for a target of depth {target.depth}")


def statement(claim: dict, domain: str | None) -> str:
    """The claim in one sentence (regenerated by the checker)."""
    pruned = f"R pruned by the mask and lowered to δ = 2^-{claim['delta_bits']} ({claim['lowering']})"
    family = "" if claim.get("width") is None else f" using at most the first {claim['width']} hidden units of each group"
    size = claim.get("per_weight")
    products = f"{size} product{'' if size == 1 else 's'}"
    exactly = "" if size is None else f" in which every target weight and branch is the sum of exactly {products}"
    if claim["kind"] == "no-ticket":
        return (f"no structured ticket (each kept hidden unit reads its group's input; each layer pair "
                f"exact){family}{exactly} exists for T in R")
    text = f"{pruned} equals T on {domain}; it keeps {claim['kept']} of {claim['total']} weights"
    if size is not None:
        text += f"; every target weight and branch is the sum of exactly {products}"
    if claim.get("sparsest"):
        text += f"; no structured ticket{family} keeps fewer"
    if claim.get("minimal_width"):
        text += f"; no structured ticket uses only the first {claim['width'] - 1} units of each group"
    return text


def theorem3_bound(target: QuantizedNetwork, p: float = 1.0) -> float:
    """Theorem 3's count: a network from which every target of this shape and precision can be
    pruned with probability p has at least N_t·log2(2/δ_t + 1) + log2 p nonzero weights
    (N_t = target weights). A float, for comparison only."""
    k_t = max(target.scales)
    return target.num_weights * math.log2((1 << (k_t + 1)) + 1) + math.log2(p)


# ---------------------------------------------------------------------------------- records

def refutation_record(s, width: int, method: str, why: str, size: int | None = None) -> dict:
    """The evidence that one subset sum of the family (``verify.tickets.SumSpec``) has no
    subset among the first ``width`` units of its group (of exactly ``size`` elements, given
    one: a fixed-size ticket's "no")."""
    out = {"layer": s.layer, "row": s.output, "input": s.input, "branch": s.branch,
           "width": width, "target": s.target, "method": method, "evidence": why}
    if size is not None:
        out["size"] = size
    return out


def equality_record(eq) -> dict:
    return eq.to_json()


# ----------------------------------------------------------------------------------- schema
#
# The shape of a certificate, walked before any check: a field missing, unknown, of the wrong
# type or outside its allowed values is a MalformedCertificate naming the field by its path
# (``evidence.witnesses[3].units``). Whatever relates fields to each other or to the files they
# cite is left to the checks, which then meet only well-typed data: an exception there is a bug.

def _show(value, limit: int = 40) -> str:
    """A JSON value as a message quotes it, cut to ``limit`` characters: written only that far,
    so a value nested a thousand deep or megabytes long costs no more than a short one."""
    parts: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)

    def write(v) -> None:
        if size > limit:
            return
        if isinstance(v, (list, dict)):
            put("[" if isinstance(v, list) else "{")
            for i, item in enumerate(v.items() if isinstance(v, dict) else v):
                if size > limit:
                    return
                put(", " if i else "")
                if isinstance(v, dict):
                    put(json.dumps(item[0][:limit], ensure_ascii=False) + ": ")
                    item = item[1]
                write(item)
            put("]" if isinstance(v, list) else "}")
        else:
            put(json.dumps(v[: limit + 1] if isinstance(v, str) else v, ensure_ascii=False))

    write(value)
    text = "".join(parts).encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate prints
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Bad(Exception):
    """A malformed field, raised by the schema walk; each enclosing list or object adds its key
    on the way out, so a certificate that is well formed (millions of fields at MNIST scale)
    never builds a path."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text, self.keys = text, []  # innermost key first


def _validate(spec, value, root: str = "") -> None:
    """Walk ``value`` with ``spec``; MalformedCertificate names the first wrong field by its
    path under ``root``."""
    try:
        spec(value)
    except _Bad as e:
        path = _path_text(reversed(e.keys), root)
        raise MalformedCertificate(f"{path}: {e.text}" if path else e.text) from None


def _path_text(keys, root: str = "") -> str:
    """``evidence.witnesses[3].units`` from ("evidence", "witnesses", 3, "units")."""
    text = root
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            name = key if key.isidentifier() and len(key) <= 40 else _show(key)
            text += f".{name}" if text else name
    return text


@dataclass(frozen=True)
class _Value:
    """A leaf: ``what`` names the allowed values in messages ("an integer >= 0")."""

    what: str
    test: object  # value -> bool

    def __call__(self, value) -> None:
        if not self.test(value):
            raise _Bad(f"expected {self.what}, got {_show(value)}")


@dataclass(frozen=True)
class _List:
    what: str
    item: object

    def __call__(self, value) -> None:
        if type(value) is not list:
            raise _Bad(f"expected {self.what}, got {_show(value)}")
        if _all_pass(self.item, value):
            return
        for i, x in enumerate(value):  # to name the first item that fails
            try:
                self.item(x)
            except _Bad as e:
                e.keys.append(i)
                raise


@dataclass(frozen=True)
class _Object:
    """An object with exactly the fields ``required`` plus any of ``optional``."""

    required: dict
    optional: dict = field(default_factory=dict)
    what: str = "an object"

    def __call__(self, value) -> None:
        if type(value) is not dict:
            raise _Bad(f"expected {self.what}, got {_show(value)}")
        for fields in (self.required, self.optional):
            for key, spec in fields.items():
                if key in value:
                    try:
                        spec(value[key])
                    except _Bad as e:
                        e.keys.append(key)
                        raise
                elif fields is self.required:
                    _bad_at(key, "missing")
        if len(value) > len(self.required):
            for key in sorted(set(value) - set(self.required) - set(self.optional)):
                _bad_at(key, "unknown field")


def _bad_at(key, text: str):
    e = _Bad(text)
    e.keys.append(key)
    raise e


@dataclass(frozen=True)
class _OrNull:
    spec: object

    def __call__(self, value) -> None:
        if value is None:
            return
        outer = {_Object: dict, _List: list}.get(type(self.spec))
        if (type(value) is not outer) if outer else not self.spec.test(value):
            raise _Bad(f"expected {self.spec.what} or null, got {_show(value)}")
        self.spec(value)  # an inner field's own message


@dataclass(frozen=True)
class _Integer(_Value):
    """An integer (never a bool), at least ``minimum`` when given."""

    minimum: int | None = None

    def all_pass(self, values: list) -> bool:
        """Whether every value passes, without a Python call per value."""
        return not values or (set(map(type, values)) == {int}
                              and (self.minimum is None or min(values) >= self.minimum))


def _integer(minimum: int | None = None) -> _Integer:
    return _Integer("an integer" if minimum is None else f"an integer >= {minimum}",
                    lambda v: type(v) is int and (minimum is None or v >= minimum), minimum)


def _all_pass(spec, values: list) -> bool:
    """True when every one of ``values`` certainly passes ``spec``, checked column by column
    (a certificate at MNIST scale has 158,800 witnesses and about 2 million unit indices);
    False sends the caller through the item-by-item walk, which names the first failure."""
    kind = type(spec)
    if kind is _Integer:
        return spec.all_pass(values)
    if kind is _Value:
        return all(map(spec.test, values))
    if kind is _List:
        return (all(type(v) is list for v in values)
                and _all_pass(spec.item, list(itertools.chain.from_iterable(values))))
    if kind is _Object and not spec.optional:
        keys = spec.required.keys()
        return (all(type(v) is dict and v.keys() == keys for v in values)
                and all(_all_pass(item, [v[key] for v in values]) for key, item in spec.required.items()))
    return False


def _one_of(*values: str) -> _Value:
    return _Value("one of " + ", ".join(json.dumps(v) for v in values), lambda v: type(v) is str and v in values)


def _file_path(v) -> bool:
    if type(v) is not str or not v or "\0" in v:
        return False
    try:
        v.encode("utf-8")  # a lone surrogate cannot name a file
    except UnicodeEncodeError:
        return False
    return True


_STRING = _Value("a string", lambda v: type(v) is str)
_SHA256 = _Value("a sha256 (64 lowercase hexadecimal digits)",
                 lambda v: type(v) is str and len(v) == 64 and all(c in "0123456789abcdef" for c in v))
_FILE = _Object({"path": _Value("a file path (a non-empty string without NUL)", _file_path), "sha256": _SHA256})
_BRANCH = _one_of("A", "B")
_MASK = _Object({"sha256": _SHA256, "layers": _List("a list of layers", _Object({
    "shape": _Value("[rows, columns] (two integers >= 0)",
                    lambda v: type(v) is list and len(v) == 2 and all(type(x) is int and x >= 0 for x in v)),
    "kept": _List("a list of integers", _integer())}))})
_REFUTATION = _Object({"layer": _integer(1), "row": _integer(0), "input": _integer(0), "branch": _BRANCH,
                       "width": _integer(0), "target": _integer(), "method": _STRING, "evidence": _STRING},
                      {"size": _integer(1)})
_EVIDENCE = _Object({
    "equality": _OrNull(_Object({"method": _one_of("collapse", "exhaustive", "miter"), "verdict": _STRING,
                                 "domain": _STRING, "input_bits": _OrNull(_integer(0))})),
    "witnesses": _List("a list of witnesses", _Object({
        "layer": _integer(1), "row": _integer(0), "input": _integer(0), "branch": _one_of("A", "B", "copies"),
        "target": _integer(), "units": _List("a list of integers", _integer())})),
    "lower_bounds": _List("a list of lower bounds", _Object({
        "layer": _integer(1), "input": _integer(0), "branch": _BRANCH, "at_most": _integer(0),
        "cnf": _FILE, "proof": _FILE})),
    "narrower": _OrNull(_REFUTATION),
    "no_ticket": _OrNull(_REFUTATION)})
FLAGS = ("sparsest", "minimal_width")
_CLAIM = {"kind": _one_of("ticket", "no-ticket"), "layout": _one_of("theorem1", "theorem2", "same-depth"),
          "delta_bits": _integer(0), "lowering": _one_of(*(m.value for m in RoundingMode)),
          "width": _OrNull(_integer(0)), "statement": _STRING}
_PER_WEIGHT = {"per_weight": _integer(1)}  # a fixed-size ticket (verify.fixed_size), or its "no"
_CLAIMS = {"no-ticket": _Object(_CLAIM, _PER_WEIGHT),
           "ticket": _Object({**_CLAIM, "kept": _integer(0), "total": _integer(0)},
                             {**dict.fromkeys(FLAGS, _Value("true or null", lambda v: v is None or v is True)),
                              **_PER_WEIGHT})}


def _claim(value) -> None:
    if type(value) is dict and "kind" in value:
        try:
            _CLAIM["kind"](value["kind"])
        except _Bad as e:
            e.keys.append("kind")
            raise
        _CLAIMS[value["kind"]](value)
    else:
        _CLAIMS["ticket"](value)  # says what is missing or mistyped


_CERTIFICATE = _Object({
    "kind": _one_of(KIND), "version": _Value(" or ".join(map(str, VERSIONS)), lambda v: type(v) is int and v in VERSIONS),
    "claim": _claim, "files": _Object({"target": _FILE, "random": _FILE}), "mask": _OrNull(_MASK),
    "evidence": _EVIDENCE, "info": _Value("any JSON value", lambda v: True)}, what="a JSON object (a certificate)")


def validate_certificate(cert) -> None:
    """Check that ``cert`` (parsed JSON) is shaped like a certificate: every field present,
    known, of its type and within its allowed values (``info`` may hold anything). Raises
    MalformedCertificate naming the first wrong field by its path, e.g.
    ``evidence.witnesses[3].units: expected a list of integers, got "x"``.

    >>> validate_certificate({"kind": "slth-verify-certificate", "version": 3})
    Traceback (most recent call last):
    ...
    verify.errors.MalformedCertificate: version: expected 1 or 2, got 3
    """
    _validate(_CERTIFICATE, cert)


# ---------------------------------------------------------------------------------- checker

@dataclass
class CheckReport:
    """The checker's lines (``ok ...`` or ``FAILED ...``) and verdict. ``error`` is the first
    failure as an exception to raise: MalformedCertificate (or another InputError: the file is
    not JSON) for bad input, ClaimRejected for a claim its evidence does not establish."""

    ok: bool = True
    lines: list[str] = field(default_factory=list)
    error: VerifyError | None = None
    # wall seconds: "total" (the whole check), "proofs" (the DRUP proof checker, 0 when none
    # ran) and, with lower bounds, "cnfs" (rebuilding their CNFs and comparing them with the
    # files); for benchmarks, which set the rest against a search's time
    timings: dict = field(default_factory=lambda: {"total": 0.0, "proofs": 0.0})

    def good(self, text: str) -> None:
        self.lines.append(f"ok      {text}")

    def bad(self, text: str, error: VerifyError | None = None) -> None:
        self.ok = False
        self.lines.append(f"FAILED  {text}")
        if self.error is None:
            self.error = error if error is not None else ClaimRejected(text)


@dataclass(frozen=True)
class Family:
    """What a claim's checks share: the networks, δ = 2^-``k`` and the ``mode`` that lower R,
    the ``layout`` the depths give, and the claim's ``width`` (units per group a searched ticket
    may use; None: any unit, as for a construction)."""

    target: QuantizedNetwork
    random: QuantizedNetwork
    k: int
    mode: RoundingMode
    layout: str
    width: int | None = None

    @cached_property
    def low(self) -> QuantizedNetwork:
        """[R]_δ: the random network lowered to the grid δℤ."""
        return self.random.lowered(self.k, self.mode)

    def sums(self):
        """The structured family's subset sums at this width (``verify.tickets.family_sums``)."""
        return family_sums(self.target, self.random, self.k, self.mode, self.width)


@dataclass(frozen=True)
class _Checking:
    """Where the certificate's files are (``base``), the proof engines (None: proofs not
    re-run) and the report the checks write to."""

    base: Path
    engines: str | None
    report: CheckReport


def _require(cond: bool, why: str) -> None:
    if not cond:
        raise ClaimRejected(why)


def _resolve(base: Path, rel: str) -> Path:
    p = Path(rel)
    return p if p.is_absolute() else base / p


def check_certificate(path, engines: str = "auto", proofs: bool = True, loaded: dict | None = None,
                      progress=quiet, raise_unreadable: bool = False) -> CheckReport:
    """Re-verify a certificate with no solver (module docstring); ``report.ok`` only when every
    claim and every piece of evidence holds. A failure is one FAILED line and ``report.error``,
    not an exception: MalformedCertificate when the certificate is not shaped like one
    (:func:`validate_certificate`), ClaimRejected when a check fails or a file it cites does not
    read; with ``raise_unreadable``, a certificate file that is not JSON at all raises its
    InputError. Any other exception is a bug of the checker and propagates.
    ``proofs=False`` skips running the proof checker on DRUP files, and ``loaded`` (role ->
    network) the re-reading of the network files (everything else, hashes included, is still
    verified): for ``certify``'s own re-read of what it just wrote, from networks it loaded and
    proofs it checked a moment before. ``report.timings`` splits the wall time: ``total`` and
    ``proofs`` (the DRUP proof checker)."""
    started = time.perf_counter()
    report = CheckReport()
    try:
        _check_file(Path(path), engines, proofs, loaded, progress, raise_unreadable, report)
    finally:
        report.timings["total"] = time.perf_counter() - started
    return report


def _check_file(path: Path, engines, proofs: bool, loaded, progress, raise_unreadable: bool,
                report: CheckReport) -> None:
    """:func:`check_certificate`'s work, into ``report``."""
    progress(f"reading {path.name}")
    try:
        cert = read_json_file(path)
    except VerifyError as e:
        if raise_unreadable:
            raise
        report.bad(str(e), e)
        return
    except (ValueError, RecursionError) as e:  # the parser's limits: 4,300 digits, deep nesting
        error = MalformedCertificate(f"{path}: not a readable JSON file: {e}")
        if raise_unreadable:
            raise error from None
        report.bad(str(error), error)
        return
    try:
        validate_certificate(cert)
    except MalformedCertificate as e:
        report.bad(f"{path}: {e}", MalformedCertificate(f"{path}: {e}"))
        return
    try:
        _check(cert, _Checking(path.parent, engines if proofs else None, report), loaded or {}, progress)
    except ClaimRejected as e:
        report.bad(str(e), ClaimRejected(f"{path}: {e}"))
    except InternalError:
        raise
    except VerifyError as e:  # a cited file that does not read, networks that do not fit the claim
        report.bad(str(e), ClaimRejected(f"{path}: {e}"))


def _cited(base: Path, rel: str, where: str, sha256: str | None = None) -> Path:
    """A file the certificate cites, which must exist, be readable and, given ``sha256``, have
    those bytes."""
    f = _resolve(base, rel)
    try:
        _require(f.is_file(), f"{where}: {rel}: no such file")
        if sha256 is not None:
            _require(file_sha256(f) == sha256, f"{where}: {rel} does not match its sha256")
        return f
    except OSError as e:  # a name the system refuses (too long), a file it may not read
        raise ClaimRejected(f"{where}: {rel}: cannot be read ({e.strerror or e})") from None


def _check(cert: dict, ctx: _Checking, loaded: dict, progress) -> None:
    """The checks proper, on a certificate ``validate_certificate`` accepted."""
    claim, files, evidence = cert["claim"], cert["files"], cert["evidence"]
    nets = {}
    for role in ("target", "random"):
        f = files[role]
        progress(f"reading the {role} network {f['path']}")
        net = loaded.get(role) or load_network(_cited(ctx.base, f["path"], f"files.{role}"))
        _require(net.sha256 == f["sha256"], f"files.{role}: {f['path']} has content sha256 "
                 f"{net.sha256}, the certificate says {f['sha256']}")
        nets[role] = net
    target, random = nets["target"], nets["random"]
    ctx.report.good(f"target {files['target']['path']} and random {files['random']['path']}: content sha256 match")
    layout = layout_of(target, random)
    _require(claim["layout"] == layout, f"claim.layout: the networks' depths give {layout}, not {claim['layout']}")
    family = Family(target, random, claim["delta_bits"], RoundingMode.parse(claim["lowering"]), layout,
                    claim["width"])
    width, equality = family.width, evidence["equality"]
    if claim.get("minimal_width"):  # before the statement, which names width - 1
        _require(width is not None and width >= 1, "claim.width: a minimal width needs a width of at least 1")
    if width is not None:  # the structured family is Theorem 1's, of c units per group
        c = group_size(target, random)
        _require(width <= c, f"claim.width: {width} units per group, the random network has {c}")
    if claim.get("per_weight") is not None:  # the statement names the structured family's width
        _require(width is not None, "claim.per_weight: a fixed-size claim is about the structured family (a width)")
    _require(claim["statement"] == statement(claim, equality["domain"] if equality else None),
             "claim.statement does not say what the claim's fields say")
    if claim["kind"] == "ticket":
        _check_ticket(cert, family, ctx, progress)
        return
    _require(cert["mask"] is None and evidence == {**dict.fromkeys(evidence), "witnesses": [],
                                                    "lower_bounds": [], "no_ticket": evidence["no_ticket"]}
             and evidence["no_ticket"] is not None,
             "a no-ticket claim carries only the refuted sum as evidence")
    if claim.get("per_weight") is not None:
        _check_no_size(evidence["no_ticket"], claim["per_weight"], family, ctx.report)
        return
    _check_refuted(evidence["no_ticket"], family, ctx.report, "no ticket")


def _check_ticket(cert: dict, family: Family, ctx: _Checking, progress) -> None:
    """A ticket claim: its mask, witnesses, equality, and the optimality it may claim."""
    claim, evidence = cert["claim"], cert["evidence"]
    target, width, equality = family.target, family.width, evidence["equality"]
    _require(evidence["no_ticket"] is None, "a ticket claim carries no no-ticket evidence")
    _require(cert["mask"] is not None and equality is not None, "a ticket claim needs a mask and equality evidence")
    mask = mask_from_json(cert["mask"], "mask", [w.shape for w in family.random.weights])
    pruned = ticket_network(target, family.random, mask, family.k, family.mode)
    kept, total = density(mask)
    _require((claim["kept"], claim["total"]) == (kept, total),
             f"claim.kept/total: the mask keeps {kept} of {total}, the claim says {claim['kept']} of {claim['total']}")
    ctx.report.good(f"mask: sha256 matches; keeps {kept:,} of {total:,} weights (density {kept / max(total, 1):.4f})")

    witnesses = evidence["witnesses"]
    if witnesses:
        _require(family.layout in ("theorem1", "theorem2"),
                 f"evidence.witnesses: a {family.layout} ticket has no per-weight witnesses")
        progress(f"replaying {len(witnesses):,} witnesses")
        union = replay_witnesses(witnesses, family)
        _require(all(np.array_equal(a, b) for a, b in zip(union, mask)),
                 "evidence.witnesses: the mask is not exactly the union of the witnesses' weights")
        ctx.report.good(f"{len(witnesses)} per-weight witnesses replayed in exact integer arithmetic; "
                        f"the mask is exactly their union")
    else:
        _require(width is None and not claim.get("sparsest") and not claim.get("minimal_width"),
                 "a claim about the structured family needs per-weight witnesses")
    if claim.get("per_weight") is not None:
        ctx.report.good(_check_per_weight(witnesses, claim["per_weight"], claim, evidence))

    method = equality["method"]
    progress(f"re-running equality ({method})")
    if method == "collapse":
        result = collapse(target, pruned)
    elif method == "exhaustive":
        bits = equality["input_bits"]
        # any finer grid has more points than an exhaustive check ever visits (EXHAUSTIVE_MAX_POINTS)
        _require(bits is not None and bits <= 62, f"evidence.equality.input_bits: {bits} is no exhaustive domain")
        result = exhaustive(target, pruned, bits)
    else:
        raise ClaimRejected("equality: only claimed by a CP-SAT miter (no checkable evidence): not verified")
    _require(result.verdict == "equal" and equality_record(result) == equality,
             f"equality by {method}: re-run gives {equality_record(result)} ({result.detail}), "
             f"the certificate says {equality}")
    ctx.report.good(f"equality by {method}: equal on {equality['domain']}")

    version = cert["version"]  # the component CNFs are rebuilt as that version built them
    if claim.get("sparsest"):
        progress("checking the lower bounds' proofs")
        _check_bounds(evidence["lower_bounds"], (kept, total), family, ctx, version)
    elif evidence["lower_bounds"]:
        _require(cert["version"] >= 2 and width is not None,
                 "lower bounds given for a claim that is not 'sparsest' (version 2 allows partial ones "
                 "for a searched ticket)")
        progress("checking the partial lower bounds' proofs")
        _check_bounds(evidence["lower_bounds"], (kept, total), family, ctx, version, complete=False)
    if claim.get("minimal_width"):
        _check_refuted(evidence["narrower"], replace(family, width=width - 1), ctx.report, "one unit narrower")
    else:
        _require(evidence["narrower"] is None, "a narrower refutation given for a claim that is not 'minimal_width'")


def _positions(layout: str, layer: int, branch: str) -> tuple[int, int | None]:
    """(first, second) 0-based random layers a witness of target ``layer`` lives in."""
    if branch == "copies":
        _require(layout == "theorem2" and layer >= 2, "a 'copies' witness outside Theorem 2's later layers")
        return layer, None
    _require(branch in ("A", "B"), f"witness branch: expected A, B or copies, got {branch!r}")
    if layout == "theorem1":
        return 2 * layer - 2, 2 * layer - 1
    _require(layout == "theorem2" and layer == 1, f"a branch {branch} witness for layer {layer}")
    return 0, 1


def expected_witnesses(layout: str, target: QuantizedNetwork, random: QuantizedNetwork,
                       searched: bool) -> set[tuple]:
    """(layer, row, input, branch) of every witness a certificate must list: both branches of
    every weight of a pair fed by inputs of both signs, branch A only after the first pair of a
    searched ticket (the construction lists B too), ``copies`` in Theorem 2's later layers."""
    out = set()
    for i, w in enumerate(target.weights, start=1):
        if layout == "theorem2" and i >= 2:
            rows, branches = random.weights[i].shape[0], ("copies",)
        else:
            rows = random.weights[2 * i - 1 if layout == "theorem1" else 1].shape[0]
            branches = ("A",) if searched and i >= 2 else ("A", "B")
        out |= {(i, r, j, b) for r in range(rows) for j in range(w.shape[1]) for b in branches}
    return out


def replay_witnesses(witnesses, family: Family) -> list[np.ndarray]:
    """Replay every witness in exact integer arithmetic against ``[R]_δ`` and ``T`` and return
    the mask they imply (their union). Each (layer, row, input, branch) of
    :func:`expected_witnesses` must appear exactly once; the family's ``width`` (None: any unit
    of the group) bounds the units a searched ticket may use. Vectorized per (layer, branch): a
    784-100-10 ticket has 158,800 witnesses."""
    keys = [(w["layer"], w["row"], w["input"], w["branch"]) for w in witnesses]
    expected = expected_witnesses(family.layout, family.target, family.random, family.width is not None)
    _require(len(set(keys)) == len(keys) and set(keys) == expected,
             f"evidence.witnesses: expected one witness for each of {len(expected)} (layer, row, input, "
             f"branch), got {len(keys)} ({len(set(keys) - expected)} unexpected, {len(expected - set(keys))} missing)")
    union = [np.zeros(w.shape, dtype=bool) for w in family.low.weights]
    groups: dict[tuple, list] = {}
    for w in witnesses:
        groups.setdefault((w["layer"], w["branch"]), []).append(w)
    for (layer, branch), ws in sorted(groups.items()):
        _replay_group(ws, layer, branch, family, union)
    return union


def _replay_group(ws, layer: int, branch: str, family: Family, union: list[np.ndarray]) -> None:
    """Replay the witnesses of one (layer, branch), all at once, marking their weights in
    ``union``; the first failing one is named."""
    target, low, k, width = family.target, family.low, family.k, family.width
    def where(n: int) -> str:
        w = ws[n]
        return f"witness (layer {layer}, row {w['row']}, input {w['input']}, branch {branch})"

    counts = np.array([len(w["units"]) for w in ws], dtype=np.int64)
    flat = [h for w in ws for h in w["units"]]
    _require(all(-(1 << 62) < h < 1 << 62 for h in flat), "evidence.witnesses: a unit index out of range")
    h = np.array(flat, dtype=np.int64)
    wid = np.repeat(np.arange(len(ws)), counts)
    rows = np.array([w["row"] for w in ws], dtype=np.int64)
    inputs = np.array([w["input"] for w in ws], dtype=np.int64)

    def first_bad(ok_per_unit: np.ndarray) -> int | None:
        bad = np.flatnonzero(~ok_per_unit)
        return int(wid[bad[0]]) if bad.size else None

    order = np.lexsort((h, wid))
    repeated = (wid[order][1:] == wid[order][:-1]) & (h[order][1:] == h[order][:-1])
    _require(1 <= layer <= target.depth and not repeated.any(),
             f"{where(int(wid[order][1:][repeated][0])) if repeated.any() else 'witness'}: a unit listed twice")
    first, second = _positions(family.layout, layer, branch)
    t_w = target.weights[layer - 1]
    if second is None:  # Theorem 2: single weights over the copies of neuron j
        m = low.weights[first]
        copies, reps = m.shape[1] // t_w.shape[1], m.shape[0] // t_w.shape[0]
        j = inputs[wid]
        n = first_bad((j * copies <= h) & (h < (j + 1) * copies))
        _require(n is None, f"{where(n or 0)}: a unit outside input {ws[n or 0]['input']}'s copies")
        n = _first_true((rows < 0) | (rows >= t_w.shape[0] * reps))
        _require(n is None, f"{where(n or 0)}: row out of range")
        values, scale = [m[rows[wid], h]], k
        union[first][rows[wid], h] = True
    else:
        u, v = low.weights[first], low.weights[second]
        reps = v.shape[0] // t_w.shape[0]
        sign = 1 if branch == "A" else -1
        j = inputs[wid]
        n = first_bad((h >= 0) & (h < u.shape[0]))
        _require(n is None, f"{where(n or 0)}: a unit outside the random layer's {u.shape[0]} units")
        n = first_bad(u[h, j].astype(np.int64) * sign > 0)
        _require(n is None, f"{where(n or 0)}: a unit whose weight from input {ws[n or 0]['input']} is not "
                 f"{'positive' if sign > 0 else 'negative'}")
        if width is not None:
            c = u.shape[0] // t_w.shape[1]
            n = first_bad((j * c <= h) & (h < j * c + width))
            _require(n is None, f"{where(n or 0)}: a unit outside the first {width} of group {ws[n or 0]['input']}")
        n = _first_true((rows < 0) | (rows >= t_w.shape[0] * reps))
        _require(n is None, f"{where(n or 0)}: row out of range")
        values, scale = [v[rows[wid], h], u[h, j]], 2 * k
        union[first][h, j] = True
        union[second][rows[wid], h] = True
    k_t = max(target.scales)
    totals = _exact_sums(values, wid, len(ws))
    want = [int(t_w[r // reps, i]) << (scale - k_t) for r, i in zip(rows.tolist(), inputs.tolist())]
    for n, w in enumerate(ws):
        if totals[n] != want[n] or w["target"] != want[n]:
            raise ClaimRejected(f"{where(n)}: the units sum to {totals[n]}, the target weight is {want[n]} "
                          f"(recorded {w['target']})")


def _first_true(flags: np.ndarray) -> int | None:
    hit = np.flatnonzero(flags)
    return int(hit[0]) if hit.size else None


def _exact_sums(factors: list[np.ndarray], wid: np.ndarray, count: int) -> list[int]:
    """Per witness, the exact sum of the products of ``factors`` over its units: int64 when a
    bound proves no overflow, Python integers otherwise."""
    bound = 1
    for f in factors:
        bound *= int(np.abs(f.astype(np.int64)).max(initial=0)) if f.dtype != object else max(
            (abs(int(x)) for x in f), default=0)
    bound *= int(np.bincount(wid, minlength=1).max(initial=0)) if wid.size else 0
    exact = bound < 1 << 62
    product = np.ones(wid.size, dtype=np.int64 if exact else object)
    for f in factors:
        product = product * f.astype(np.int64 if exact else object)
    totals = np.zeros(count, dtype=np.int64 if exact else object)
    np.add.at(totals, wid, product)
    return totals.tolist()


def _sum_of(record, family: Family):
    key = (record["layer"], record["row"], record["input"], record["branch"])
    for s in family.sums():
        if (s.layer, s.output, s.input, s.branch) == key:
            return s
    raise ClaimRejected(f"no subset sum {key} in the family at width {family.width}")


def _check_refuted(record, family: Family, report: CheckReport, what: str) -> None:
    """An exhaustive "no": the recorded sum of the family at its width has no subset (re-run)."""
    width = family.width
    _require(isinstance(record, dict) and record.get("width") == width and "size" not in record,
             f"{what}: expected a refuted sum at width {width} (of any size)")
    s = _sum_of(record, family)
    units, how, why = decide_sum(s)
    _require(units is None and record == refutation_record(s, width, how, why),
             f"{what}: layer {s.layer} row {s.output} input {s.input} branch {s.branch} at width "
             f"{width}: re-run gives {'a subset' if units is not None else how} ({why})")
    report.good(f"{what}: layer {s.layer} row {s.output} input {s.input} branch {s.branch} has no "
                f"subset among the first {width} units of its group ({how}, re-run: {why})")


def _states_cnf(path: Path, nvars: int, clauses: list[list[int]]) -> bool:
    """Whether the DIMACS file at ``path`` states exactly this CNF: past its leading comment
    lines, its text is the one DIMACS text of it (``p cnf`` header, one clause a line, as
    ``verify.encodings.formats.write_dimacs`` writes it). Stricter than parsing (any other
    spacing is refused) and about 5x cheaper: the clauses are rendered, not read back."""
    try:
        text = path.read_bytes().decode("ascii")
    except (UnicodeDecodeError, OSError):
        return False
    start = 0
    while text.startswith("c", start) and text[start + 1:start + 2] in (" ", "\n"):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    body = [f"p cnf {nvars} {len(clauses)}\n"]
    body += [" ".join(map(str, clause)) + " 0\n" if clause else "0\n" for clause in clauses]
    return text[start:] == "".join(body)


def _proof_text(path: Path, where: str) -> str:
    """A cited DRUP proof's text (ASCII: binary DRAT is not supported)."""
    try:
        return path.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise ClaimRejected(f"{where}: {path.name}: not a text DRUP proof (binary DRAT is not supported)") from None
    except OSError as e:
        raise ClaimRejected(f"{where}: {path.name}: cannot be read ({e.strerror or e})") from None


def _check_no_size(record, size: int, family: Family, report: CheckReport) -> None:
    """A fixed-size "no": the recorded sum has no subset of exactly ``size`` products among the
    first ``width`` units of its group; the count, range or exact table
    (``verify.fixed_size.decide_size``) is re-run on that one sum and must give the record."""
    width = family.width
    _require(width is not None and record.get("width") == width and record.get("size") == size,
             f"no ticket of {size} products per weight: expected a refuted sum of size {size} at width {width}")
    s = _sum_of(record, family)
    answer = decide_size(s, size)
    _require(answer.status is Status.UNSAT_EXHAUSTIVE
             and record == refutation_record(s, width, answer.method, answer.evidence, size),
             f"no ticket of {size} products per weight: layer {s.layer} row {s.output} input {s.input} branch "
             f"{s.branch}: re-run gives {answer.status.value} by {answer.method} ({answer.evidence})")
    report.good(f"no ticket of {size} products per weight: layer {s.layer} row {s.output} input {s.input} "
                f"branch {s.branch} has no subset of exactly {size} products among the first {width} units "
                f"of its group ({answer.method}, re-run: {answer.evidence})")


def _check_per_weight(witnesses, size: int, claim: dict, evidence: dict) -> str:
    """A fixed-size ticket: every witness (replayed elsewhere) has exactly ``size`` units, and
    the claim is about the structured family and nothing else; the report line."""
    _require(claim["width"] is not None and witnesses, "a fixed-size claim needs per-weight witnesses of the family")
    _require(not claim.get("sparsest") and not claim.get("minimal_width") and not evidence["lower_bounds"]
             and evidence["narrower"] is None, "a fixed-size claim carries no optimality evidence")
    wrong = [w for w in witnesses if len(w["units"]) != size]
    _require(not wrong, f"claim.per_weight: {len(wrong)} witness(es) do not have exactly {size} units, first "
             f"(layer {wrong[0]['layer']}, row {wrong[0]['row']}, input {wrong[0]['input']}, branch "
             f"{wrong[0]['branch']}) has {len(wrong[0]['units'])}" if wrong else "")
    return f"fixed size: each of the {len(witnesses)} witnesses has exactly {size} units"


def _check_bounds(bounds, size: tuple[int, int], family: Family, ctx: _Checking, version: int = VERSION,
                  complete: bool = True) -> None:
    """Sparsest: each component's CNF with at most ``at_most`` kept weights is rebuilt (as
    certificate ``version`` builds it: ``verify.tickets.component_cnf``) and compared with its file,
    its DRUP proof checked, and, when ``complete``, the bounds add up to the mask's kept
    weights (``size``: the mask's kept and total weights); else they are a partial bound, on
    the components they name only."""
    kept, total_weights = size
    base, engines, report = ctx.base, ctx.engines, ctx.report
    comps = {(c.layer, c.input, c.branch): c for c in components(family.sums())}
    seen, total = set(), 0
    for b in bounds:
        key = (b["layer"], b["input"], b["branch"])
        _require(key in comps and key not in seen, f"lower bound for component {key}: unknown or repeated")
        seen.add(key)
        cited = {}
        for kind in ("cnf", "proof"):
            cited[kind] = _cited(base, b[kind]["path"], f"lower bound {key}", b[kind]["sha256"])
        # the mask keeps every weight at most once: no bound reaches the network's weight count
        _require(b["at_most"] < total_weights, f"lower bound {key}: at most {b['at_most']} of the "
                 f"network's {total_weights} weights bounds nothing")
        started = time.perf_counter()
        nvars, clauses = component_cnf(comps[key], b["at_most"], version)
        _require(_states_cnf(cited["cnf"], nvars, clauses),
                 f"lower bound {key}: the CNF file is not the component's CNF with at most {b['at_most']} kept weights")
        report.timings["cnfs"] = report.timings.get("cnfs", 0.0) + time.perf_counter() - started
        if engines is not None:
            started = time.perf_counter()
            # the file is that CNF (just compared), so it is not parsed a second time
            check = check_drup(nvars, clauses, _proof_text(cited["proof"], f"lower bound {key}"), engines=engines)
            report.timings["proofs"] += time.perf_counter() - started
            _require(check.ok, f"lower bound {key}: proof rejected ({check.message})")
        total += b["at_most"] + 1
    how = "DRUP proof checked" if engines is not None else "proof not re-run"
    if not complete:
        report.good(f"partial: {len(bounds)} of {len(comps)} component refutations (CNF rebuilt, {how}): "
                    f"those components keep at least {total} weights")
        return
    _require(total >= kept, f"lower bounds add up to {total} kept weights, below the mask's {kept}")
    report.good(f"sparsest: {len(bounds)} component refutations (CNF rebuilt, {how}) "
                f"add up to a lower bound of {total} = the mask's kept weights")


# ------------------------------------------------------------------------- certified tickets

class CertificateNotVerified(ClaimRejected):
    """A certificate whose claim its evidence does not establish (``report`` holds the
    checker's lines); a result that could not be had, not bad input."""

    def __init__(self, path, report: CheckReport):
        super().__init__(f"{path}: the certificate does not check")
        self.report = report


@dataclass(frozen=True)
class CertifiedTicket:
    """A re-verified certificate's ``ticket`` [R ⊙ S]_δ (the network its claim is about), its
    ``target``, ``input_bits`` (the grid 2^-input_bits of an exhaustive equality, else the
    target's finest precision) and ``sources`` (the certificate's and networks' sha256s)."""

    ticket: QuantizedNetwork
    target: QuantizedNetwork
    input_bits: int
    sources: dict


def certified_ticket(path, engines: str = "auto") -> CertifiedTicket:
    """Check the certificate at ``path``, then rebuild its ticket from the very files checked
    (the certificate's bytes and the networks' content hashes are compared again).
    CertificateNotVerified when its claim does not check; MalformedCertificate (an InputError)
    when it is not shaped like a certificate; InputError for a no-ticket certificate."""
    path = Path(path)
    before = file_sha256(path)
    report = check_certificate(path, engines)
    if report.error is not None and not isinstance(report.error, ClaimRejected):
        raise report.error  # bad input, not a verdict
    if report.ok and file_sha256(path) != before:
        report.bad(f"{path}: the certificate changed during the check")
    if not report.ok:
        raise CertificateNotVerified(path, report)
    cert = read_json_file(path)
    if cert["claim"]["kind"] != "ticket":
        raise InputError(f"{path}: a no-ticket certificate proves that no ticket exists: it has no ticket network")
    nets = {role: load_network(_resolve(path.parent, f["path"])) for role, f in cert["files"].items()}
    if any(nets[role].sha256 != f["sha256"] for role, f in cert["files"].items()):
        report.bad(f"{path}: a network file changed after the check")
        raise CertificateNotVerified(path, report)
    claim = cert["claim"]
    ticket = ticket_network(nets["target"], nets["random"], mask_from_json(cert["mask"], "mask"),
                            claim["delta_bits"], RoundingMode.parse(claim["lowering"]))
    bits = cert["evidence"]["equality"]["input_bits"]
    return CertifiedTicket(ticket, nets["target"], max(nets["target"].scales) if bits is None else bits,
                           {"certificate": {"path": str(path), "sha256": before},
                            "target": cert["files"]["target"], "random": cert["files"]["random"],
                            "mask_sha256": cert["mask"]["sha256"], "claim": claim["statement"]})
