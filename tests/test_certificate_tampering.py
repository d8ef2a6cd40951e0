"""Tampering with real certificates: ``check`` says "malformed" (exit 2) or "the claim does not
check" (exit 1), each in one line on stderr, and never fails with a traceback.

A seeded fuzz mutates certificates that ``certify`` wrote for tiny networks (every kind of
evidence: the construction of Theorems 1 and 2, ``--find any``, ``sparsest`` with DRUP proofs,
``min-width``, a no-ticket, a given ``--mask``, an exhaustive equality): values replaced by
values of other types, numbers moved by ±1, strings and booleans changed, keys deleted and
added, list items swapped, duplicated and cut; and it damages the files a certificate cites
(networks, CNF and DRUP proofs), with and without the recorded hash forged to match.

The oracle is the checker's documented insensitivity: ``info`` is not verified, witnesses and
lower bounds may come in any order, a witness's units too, a flag set to null is a flag
absent, and a ticket claim about no structured family needs no witnesses. A tampered certificate equal to its original up to those is accepted (exit 0);
any other is refused, and a refusal as malformed names a field inside what was changed.
``SLTH_VERIFY_FUZZ_CASES`` sets the number of mutations per certificate (the slow variant
runs ten times as many) and ``SLTH_VERIFY_FUZZ_SEED`` draws other ones.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random as pyrandom
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.test_certificates import _pair  # the same tiny networks the checker's tests certify
from verify.certificates import VERSIONS, check_certificate, mask_from_json
from verify.certify import CertifyOptions, certify
from verify.cli import main
from verify.errors import ClaimRejected, MalformedCertificate
from verify.networks import load_network, save_mask

CASES = int(os.environ.get("SLTH_VERIFY_FUZZ_CASES", "100"))
SEED = int(os.environ.get("SLTH_VERIFY_FUZZ_SEED", "1"))  # another seed, other cases
CLI_EVERY = 4  # every 4th case also through ``slth-verify check`` in-process
FLAGS = ("sparsest", "minimal_width")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """One certificate per kind of evidence, each written by ``certify`` beside its networks."""
    root = tmp_path_factory.mktemp("corpus")
    out = {}
    d = root / "theorem1"
    d.mkdir()
    for seed in range(1, 60):  # the first draw with a ticket by the construction and the search
        t, r = _pair(d, seed=seed)
        if certify(t, r, d / "construction.json").ok and certify(t, r, d / "any.json", CertifyOptions(find="any")).ticket:
            break
    else:
        raise AssertionError("no draw with a ticket")
    out["construction"], out["any"] = d / "construction.json", d / "any.json"
    for find in ("sparsest", "min-width"):
        done = certify(t, r, d / f"{find}.json", CertifyOptions(find=find))
        assert done.ok and done.ticket, (find, done.message)
        out[find] = d / f"{find}.json"
    sparsest = json.loads(out["sparsest"].read_text())
    assert sparsest["evidence"]["lower_bounds"], "the sparsest certificate cites no proof"
    assert json.loads(out["min-width"].read_text())["evidence"]["narrower"] is not None
    done = certify(t, r, d / "exhaustive.json", CertifyOptions(find="construction", equality="exhaustive", input_bits=1))
    assert done.ok
    out["exhaustive"] = d / "exhaustive.json"
    construction = json.loads(out["construction"].read_text())
    random = load_network(r)
    save_mask(list(mask_from_json(construction["mask"])), d / "m.npz", random.sha256)
    done = certify(t, r, d / "mask.json", CertifyOptions(mask_path=d / "m.npz"))
    assert done.ok and done.ticket
    out["mask"] = d / "mask.json"

    d = root / "none"
    d.mkdir()
    t, r = _pair(d, seed=3, units=1)
    done = certify(t, r, d / "no-ticket.json", CertifyOptions(find="any"))
    assert done.ok and not done.ticket
    out["no-ticket"] = d / "no-ticket.json"

    d = root / "theorem2"
    d.mkdir()
    for seed in range(4, 60):
        t, r = _pair(d, seed=seed, theorem=2, widths=(2, 2, 2))
        if certify(t, r, d / "theorem2.json").ok:
            break
    else:
        raise AssertionError("no Theorem 2 draw with a ticket")
    assert json.loads((d / "theorem2.json").read_text())["claim"]["layout"] == "theorem2"
    out["theorem2"] = d / "theorem2.json"
    return out


# ------------------------------------------------------------------------------- the oracle

def canonical(cert, original: dict) -> str:
    """The certificate up to what the checker may not tell apart (module docstring); a ticket
    claim that says nothing about the structured family needs no witnesses (a ``--mask``
    certificate has none), so none there stands for ``original``'s."""
    try:
        c = copy.deepcopy(cert)
    except RecursionError:  # a value nested past Python's recursion: not the original's
        return "nested too deep to be the original"
    if isinstance(c, dict):
        if "info" in c:
            c["info"] = "present"
        claim = c.get("claim")
        if isinstance(claim, dict):
            for flag in FLAGS:
                if flag in claim and claim[flag] is None:
                    del claim[flag]
        evidence = c.get("evidence")
        if isinstance(claim, dict) and isinstance(evidence, dict) and evidence.get("witnesses") == [] \
                and claim.get("kind") == "ticket" and claim.get("width") is None and not set(FLAGS) & set(claim):
            evidence["witnesses"] = copy.deepcopy(original["evidence"]["witnesses"])
        # the version decides only how lower bounds' CNFs are rebuilt: without any, every
        # supported version says the same
        if isinstance(evidence, dict) and evidence.get("lower_bounds") == [] \
                and type(c.get("version")) is int and c["version"] in VERSIONS:
            c["version"] = "any supported"
        if isinstance(evidence, dict):
            for key in ("witnesses", "lower_bounds"):
                if isinstance(evidence.get(key), list):
                    items = evidence[key]
                    for w in items:
                        if key == "witnesses" and isinstance(w, dict) and isinstance(w.get("units"), list):
                            w["units"] = sorted(w["units"], key=lambda x: json.dumps(x))
                    evidence[key] = sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    # JSON text, not Python equality: True == 1 and 1.0 == 1 in Python, not in a certificate
    return json.dumps(c, sort_keys=True)


def path_text(path: tuple) -> str:
    """A field's path as the checker's messages write it: ``evidence.witnesses[3].units``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            name = p if p.isidentifier() else json.dumps(p)
            out += f".{name}" if out else name
    return out


# ------------------------------------------------------------------------------ mutations

DEEP: list = [1]
for _ in range(300):
    DEEP = [DEEP]
ODD_VALUES = [0, -1, 1, 7, 2**64, -(2**70), 1.5, 2.0, "", "x", "A", "ticket", "\ud800", "a\x00b",
              True, False, None, [], [1, 2], ["x"], {}, {"a": 1}, 10**40, DEEP, "z" * 5000]


def _nodes(obj, path=()):
    """(path, value) of every value in ``obj`` outside ``info``, containers included."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not (path == () and k == "info"):
                yield from _nodes(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _nodes(v, path + (i,))


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def _put(obj, path, value):
    if not path:
        return value
    _get(obj, path[:-1])[path[-1]] = value
    return obj


def _nudged(value, rng):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice((-1, 1))
    if isinstance(value, float):
        return value + 1
    if isinstance(value, str):
        return rng.choice((value + "0", value[:-1], value[:-1] + ("1" if value[-1:] == "0" else "0"),
                           value.upper(), " " + value))
    if value is None:
        return rng.choice((0, False, ""))
    return rng.choice(ODD_VALUES)


def forged(cert):
    """``cert`` with what can be recomputed recomputed: the statement from the claim's fields and
    the mask's sha256 from its layers, so that a change gets past them to the checks behind.
    Whatever is too damaged to recompute is left as it is."""
    from verify.certificates import statement

    cert = copy.deepcopy(cert)
    try:
        equality = cert["evidence"]["equality"]
        cert["claim"]["statement"] = statement(cert["claim"], equality["domain"] if equality else None)
    except (KeyError, TypeError, IndexError, AttributeError):
        pass
    try:
        layers = cert["mask"]["layers"]
        cert["mask"]["sha256"] = hashlib.sha256(
            json.dumps(layers, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    except (KeyError, TypeError):
        pass
    return cert


def mutate(cert, rng: pyrandom.Random):
    """(tampered copy, what was done, the path of the changed node)."""
    cert = copy.deepcopy(cert)
    nodes = list(_nodes(cert))
    dicts = [(p, v) for p, v in nodes if isinstance(v, dict)]
    lists = [(p, v) for p, v in nodes if isinstance(v, list) and v]
    op = rng.choice(("retype", "nudge", "nudge", "delete", "add", "swap", "truncate", "duplicate"))
    if op in ("swap", "truncate", "duplicate") and not lists or op == "delete" and not any(v for _, v in dicts):
        op = "retype"
    if op in ("retype", "nudge"):
        path, value = rng.choice([(p, v) for p, v in nodes if p])
        new = rng.choice(ODD_VALUES) if op == "retype" else _nudged(value, rng)
        return _put(cert, path, new), f"{op} {path_text(path)}: {value!r:.40} -> {new!r:.40}", path
    if op == "delete":
        path, d = rng.choice([(p, v) for p, v in dicts if v])
        key = rng.choice(sorted(d))
        del d[key]
        return cert, f"delete {path_text(path + (key,))}", path + (key,)
    if op == "add":
        path, d = rng.choice(dicts)
        key = rng.choice(("extra", "sparsest", "minimal_width", "kept", "width", "units", "sha256", "path"))
        if key in d:
            key = "extra"
        d[key] = rng.choice(ODD_VALUES)
        return cert, f"add {path_text(path + (key,))} = {d[key]!r:.40}", path + (key,)
    path, items = rng.choice(lists)
    if op == "swap" and len(items) >= 2:
        i, j = rng.sample(range(len(items)), 2)
        items[i], items[j] = items[j], items[i]
        return cert, f"swap {path_text(path)}[{i}] and [{j}]", path
    if op == "duplicate":
        items.append(copy.deepcopy(rng.choice(items)))
        return cert, f"duplicate an item of {path_text(path)}", path
    cut = rng.randrange(len(items))
    del items[cut:]
    return cert, f"truncate {path_text(path)} to {cut}", path


# ------------------------------------------------------------------------------- outcomes

def run_check(capsys, path: Path) -> tuple[int, str, str]:
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def verdict_problem(code: int, out: str, err: str, path: Path) -> str | None:
    """What is wrong with ``check``'s output for a refused certificate (None: nothing)."""
    if "Traceback" in out + err or "internal error" in err:
        return "an internal error"
    if code not in (1, 2):
        return f"exit code {code}"
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith(f"slth-verify: error: {path}: "):
        return "not one error line naming the certificate"
    if code == 2:
        return "a malformed certificate printed a report" if out else None
    failed = [x.removeprefix("FAILED  ") for x in out.splitlines() if x.startswith("FAILED")]
    if len(failed) != 1 or not out.rstrip().endswith(f"NOT VERIFIED: {path}"):
        return "a rejection without exactly one FAILED line and NOT VERIFIED"
    if lines[0] != f"slth-verify: error: {path}: {failed[0]}":
        return "stderr is not the FAILED line"
    return None


def reported_path(message: str, path: Path) -> str:
    """The field path a malformed certificate's message names ('' for the whole file)."""
    rest = message.removeprefix(f"{path}: ")
    head = rest.split(": ", 1)[0]
    return "" if head.startswith(("expected", "not a readable")) else head


def _fuzz(corpus, kind, capsys, cases, seed):
    original = json.loads(corpus[kind].read_text())
    where = corpus[kind].parent / f"tampered-{kind}.json"
    baseline = canonical(original, original)
    rng = pyrandom.Random(f"{seed}-{kind}")
    seen = {"accepted": 0, "malformed": 0, "rejected": 0}
    for n in range(cases):
        steps = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        cert, what, region = original, [], None
        for _ in range(steps):
            cert, done, region = mutate(cert, rng)
            what.append(done)
        forge = rng.random() < 0.3
        if forge:
            cert = forged(cert)
            what.append("statement and mask sha256 recomputed")
        where.write_text(json.dumps(cert))
        case = f"{kind} case {n}: {'; '.join(what)}"
        try:  # the library first: any exception out of the checker is a bug
            report = check_certificate(where)
        except Exception as e:  # noqa: BLE001 - the test's whole point
            raise AssertionError(f"{case}: the checker raised {type(e).__name__}: {e}") from e
        if canonical(cert, original) == baseline:
            assert report.ok, f"{case}: an unchanged claim was refused: {report.lines}"
            seen["accepted"] += 1
            continue
        if forge and report.ok:  # a consistent forgery may state another true claim
            seen["accepted"] += 1
            continue
        assert not report.ok, f"{case}: accepted"
        malformed = isinstance(report.error, MalformedCertificate)
        assert malformed or isinstance(report.error, ClaimRejected), f"{case}: {report.error!r}"
        assert len([x for x in report.lines if x.startswith("FAILED")]) == 1, f"{case}: {report.lines}"
        seen["malformed" if malformed else "rejected"] += 1
        if malformed and steps == 1:  # the field named lies inside what was changed
            parent = path_text(region[:-1]) if region else ""
            named = reported_path(str(report.error), where)
            assert named.startswith(parent), f"{case}: the error names {named!r}, outside {parent!r}: {report.error}"
        if n % CLI_EVERY == 0:  # the command line says the same (its parser costs more than most checks)
            code, out, err = run_check(capsys, where)
            problem = verdict_problem(code, out, err, where)
            assert problem is None and code == (2 if malformed else 1), f"{case}: {problem}: {out}{err}"
            assert err == f"slth-verify: error: {report.error}\n", case
    where.unlink()
    return seen


KINDS = ["construction", "any", "sparsest", "min-width", "exhaustive", "mask", "no-ticket", "theorem2"]


@pytest.mark.parametrize("kind", KINDS)
def test_untampered_certificates_check(corpus, kind, capsys):
    code, out, err = run_check(capsys, corpus[kind])
    assert code == 0 and err == "" and out.rstrip().endswith(f"verified: {corpus[kind]}"), out + err


@pytest.mark.parametrize("kind", KINDS)
def test_every_tampering_is_a_clean_verdict(corpus, kind, capsys):
    seen = _fuzz(corpus, kind, capsys, CASES, seed=SEED)
    # the fuzz reaches both refusals, not only the schema
    assert seen["malformed"] > CASES // 10 and seen["rejected"] > CASES // 20, seen


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_every_tampering_is_a_clean_verdict_at_length(corpus, kind, capsys):
    _fuzz(corpus, kind, capsys, 10 * CASES, seed=SEED + 1)


# ------------------------------------------------------------------------------ cited files

def _flipped(data: bytes) -> bytes:
    """The low bit of one byte flipped, past the middle: in text, the last digit of a number
    (so it stays a number, and a formula says something else: a flipped line break could turn
    into another line break, \\n into \\v, and leave the formula as it was)."""
    at = next((i for i in range(len(data) // 2, len(data) - 1)
               if data[i:i + 1].isdigit() and not data[i + 1:i + 2].isdigit()), len(data) // 2)
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def _damage(member: Path, variant: str, other: Path) -> None:
    data = member.read_bytes()
    if variant == "deleted":
        member.unlink()
    elif variant == "directory":
        member.unlink()
        member.mkdir()
    else:
        member.write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                            "flipped": _flipped(data),
                            "other": other.read_bytes()}[variant])


DAMAGES = ("truncated", "empty", "flipped", "deleted", "directory", "other")


@pytest.mark.parametrize("kind", ["construction", "sparsest", "no-ticket", "theorem2"])
def test_every_damaged_cited_file_is_a_clean_rejection(corpus, kind, tmp_path, capsys):
    """The networks and proof files a certificate cites, damaged (cut, emptied, a byte flipped,
    deleted, a folder in their place, another cited file's bytes): the claim does not check
    (exit 1, its FAILED line on stderr). With a CNF's or proof's recorded sha256 forged to the
    damaged bytes, the strict readers and the proof checker decide: never an internal error,
    and a verdict of 0 only for a proof that still refutes (the CNF must be the rebuilt one)."""
    src = corpus[kind]
    cert = json.loads(src.read_text())
    bounds = cert["evidence"]["lower_bounds"][:2]  # two components: each is checked the same way
    cited = [(f["path"], None) for f in cert["files"].values()]
    cited += [(b[part]["path"], (i, part)) for i, b in enumerate(bounds) for part in ("cnf", "proof")]
    assert len(cited) == (6 if kind == "sparsest" else 2)
    n = 0
    for rel, bound in cited:
        other = src.parent / next(r for r, b in cited if r != rel and (b is None) == (bound is None))
        for variant in DAMAGES:
            for forge in (False, True) if bound and variant not in ("deleted", "directory") else (False,):
                n += 1
                d = tmp_path / str(n)
                shutil.copytree(src.parent, d)
                _damage(d / rel, variant, other)
                tampered = d / src.name
                if forge:
                    obj = json.loads(tampered.read_text())
                    i, part = bound
                    obj["evidence"]["lower_bounds"][i][part]["sha256"] = hashlib.sha256((d / rel).read_bytes()).hexdigest()
                    tampered.write_text(json.dumps(obj))
                case = f"{kind}: {rel} {variant}{' (sha256 forged)' if forge else ''}"
                try:
                    report = check_certificate(tampered)
                except Exception as e:  # noqa: BLE001 - the test's whole point
                    raise AssertionError(f"{case}: the checker raised {type(e).__name__}: {e}") from e
                code, out, err = run_check(capsys, tampered)
                if report.ok:
                    assert forge and bound[1] == "proof" and code == 0 and err == "", case
                    continue
                assert isinstance(report.error, ClaimRejected), f"{case}: {report.error!r}"
                assert verdict_problem(code, out, err, tampered) is None and code == 1, f"{case}: {out}{err}"
                assert forge or Path(rel).name in err, f"{case}: the file is not named: {err}"


# ------------------------------------------------------------------ each malformed field named

def _set(path, value):
    def change(cert):
        _put(cert, path, value)
    return change


def _delete(path):
    def change(cert):
        del _get(cert, path[:-1])[path[-1]]
    return change


MALFORMED = [  # (kind, change, the message after the certificate's name)
    ("construction", _set(("evidence", "witnesses", 3, "units"), "x"),
     'evidence.witnesses[3].units: expected a list of integers, got "x"'),
    ("construction", _set(("evidence", "witnesses", 3, "units", 0), 2.0),
     "evidence.witnesses[3].units[0]: expected an integer, got 2.0"),
    ("construction", _set(("evidence", "witnesses", 0, "branch"), "C"),
     'evidence.witnesses[0].branch: expected one of "A", "B", "copies", got "C"'),
    ("construction", _set(("evidence", "witnesses", 1, "layer"), 0),
     "evidence.witnesses[1].layer: expected an integer >= 1, got 0"),
    ("construction", _delete(("evidence", "witnesses", 2, "target")), "evidence.witnesses[2].target: missing"),
    ("construction", _set(("evidence", "witnesses"), {}), "evidence.witnesses: expected a list of witnesses, got {}"),
    ("construction", _set(("evidence", "colour"), 1), "evidence.colour: unknown field"),
    ("construction", _set(("evidence", "odd key"), 1), 'evidence."odd key": unknown field'),
    ("construction", _set(("kind",), "certificate"), 'kind: expected one of "slth-verify-certificate", got "certificate"'),
    ("construction", _set(("version",), 3), "version: expected 1 or 2, got 3"),
    ("construction", _set(("version",), True), "version: expected 1 or 2, got true"),
    ("construction", _delete(("info",)), "info: missing"),
    ("construction", _set(("claim", "kind"), "maybe"), 'claim.kind: expected one of "ticket", "no-ticket", got "maybe"'),
    ("construction", _delete(("claim", "statement")), "claim.statement: missing"),
    ("construction", _set(("claim", "delta_bits"), -1), "claim.delta_bits: expected an integer >= 0, got -1"),
    ("construction", _set(("claim", "width"), "3"), 'claim.width: expected an integer >= 0 or null, got "3"'),
    ("construction", _set(("claim", "sparsest"), False), "claim.sparsest: expected true or null, got false"),
    ("construction", _set(("claim", "lowering"), "up"), 'claim.lowering: expected one of "nearest-even", '
     '"nearest-away", "floor", "ceil", "toward-zero", got "up"'),
    ("construction", _set(("claim", "layout"), 1), 'claim.layout: expected one of "theorem1", "theorem2", '
     '"same-depth", got 1'),
    ("construction", _set(("files", "target", "sha256"), "abc"),
     'files.target.sha256: expected a sha256 (64 lowercase hexadecimal digits), got "abc"'),
    ("construction", _set(("files", "random", "path"), ""),
     'files.random.path: expected a file path (a non-empty string without NUL), got ""'),
    ("construction", _set(("files", "random"), []), "files.random: expected an object, got []"),
    ("construction", _set(("mask", "layers", 1, "kept", 2), "7"),
     'mask.layers[1].kept[2]: expected an integer, got "7"'),
    ("construction", _set(("mask", "layers", 0, "shape"), [48]),
     "mask.layers[0].shape: expected [rows, columns] (two integers >= 0), got [48]"),
    ("construction", _set(("mask",), "all"), 'mask: expected an object or null, got "all"'),
    ("construction", _set(("evidence", "equality", "method"), "guess"),
     'evidence.equality.method: expected one of "collapse", "exhaustive", "miter", got "guess"'),
    ("exhaustive", _set(("evidence", "equality", "input_bits"), -1),
     "evidence.equality.input_bits: expected an integer >= 0 or null, got -1"),
    ("sparsest", _set(("evidence", "lower_bounds", 0, "cnf", "path"), 7),
     "evidence.lower_bounds[0].cnf.path: expected a file path (a non-empty string without NUL), got 7"),
    ("sparsest", _set(("evidence", "lower_bounds", 0, "branch"), "copies"),
     'evidence.lower_bounds[0].branch: expected one of "A", "B", got "copies"'),
    ("sparsest", _set(("evidence", "lower_bounds", 0, "at_most"), -1),
     "evidence.lower_bounds[0].at_most: expected an integer >= 0, got -1"),
    ("min-width", _set(("evidence", "narrower"), "x"), 'evidence.narrower: expected an object or null, got "x"'),
    ("no-ticket", _set(("evidence", "no_ticket", "width"), None),
     "evidence.no_ticket.width: expected an integer >= 0, got null"),
    ("no-ticket", _set(("claim", "kept"), 3), "claim.kept: unknown field"),
]


@pytest.mark.parametrize("kind, change, message", MALFORMED, ids=[m[2].split(":")[0] for m in MALFORMED])
def test_each_malformed_field_is_named_by_its_path(corpus, kind, change, message, capsys):
    cert = json.loads(corpus[kind].read_text())
    change(cert)
    path = corpus[kind].parent / "malformed.json"
    path.write_text(json.dumps(cert))
    code, out, err = run_check(capsys, path)
    assert (code, out, err) == (2, "", f"slth-verify: error: {path}: {message}\n")
    assert isinstance(check_certificate(path).error, MalformedCertificate)


def test_the_whole_file_of_the_wrong_shape_is_malformed(corpus, capsys):
    path = corpus["construction"].parent / "malformed.json"
    for text, message in (("[]", "expected a JSON object (a certificate), got []"),
                          ("1" * 5000, "not a readable JSON file: Exceeds the limit"),
                          ("[" * 100_000 + "]" * 100_000, "not a readable JSON file: maximum recursion depth"),
                          ('{"kind": "slth-verify-certificate", "version": 1, "claim": {"kind": "ticket"}}',
                           "claim.layout: missing")):
        path.write_text(text)
        code, out, err = run_check(capsys, path)
        assert code == 2 and out == "" and err.startswith(f"slth-verify: error: {path}: {message}"), err
        assert err.count("\n") == 1


def test_a_long_value_is_cut_in_the_message(corpus, capsys):
    path = corpus["construction"].parent / "malformed.json"
    deep = [1]
    for _ in range(500):
        deep = [deep]
    for field, value, message in (
            ("statement", ["x" * 100], f'claim.statement: expected a string, got ["{"x" * 35}...'),
            ("statement", deep, f"claim.statement: expected a string, got {'[' * 37}..."),
            ("y" * 10**6, 1, f'claim."{"y" * 36}...: unknown field')):
        cert = json.loads(corpus["construction"].read_text())
        cert["claim"][field] = value
        path.write_text(json.dumps(cert))
        code, _, err = run_check(capsys, path)
        assert code == 2 and err == f"slth-verify: error: {path}: {message}\n", err[:200]


def test_a_width_beyond_the_group_is_rejected(corpus, capsys):
    """Found by the fuzz: a ticket's width (outside its statement unless sparsest or minimal) was
    only used to bound the witnesses' units, so one larger than the group passed."""
    from verify.certificates import statement

    cert = json.loads(corpus["any"].read_text())
    cert["claim"]["width"] += 1
    cert["claim"]["statement"] = statement(cert["claim"], cert["evidence"]["equality"]["domain"])
    path = corpus["any"].parent / "wider.json"
    path.write_text(json.dumps(cert))
    code, out, err = run_check(capsys, path)
    assert code == 1 and verdict_problem(code, out, err, path) is None
    assert "claim.width" in err and "units per group" in err


def test_a_bug_in_the_checker_is_an_internal_error_not_a_verdict(corpus, capsys, monkeypatch):
    """An exception the tool does not raise on purpose is exit 3 with its traceback: not "the
    claim is false" (1), not "bad input" (2)."""
    import verify.certificates

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(verify.certificates, "replay_witnesses", broken)
    with pytest.raises(KeyError):
        check_certificate(corpus["construction"])
    code, out, err = run_check(capsys, corpus["construction"])
    assert code == 3 and "Traceback" in err and "KeyError" in err
    assert err.splitlines()[-1].startswith("slth-verify: internal error")


@pytest.mark.parametrize("field", [("files", "target", "path"), ("evidence", "lower_bounds", 0, "proof", "path")])
def test_a_cited_path_the_system_refuses_is_a_rejection(corpus, field, capsys):
    """A name too long for the file system: the cited file cannot be read, so the claim does not
    check (exit 1), named; not bad input of the command, and no OSError out of the checker."""
    cert = json.loads(corpus["sparsest"].read_text())
    _put(cert, field, "x" * 5000 + ".npz")
    path = corpus["sparsest"].parent / "long.json"
    path.write_text(json.dumps(cert))
    assert isinstance(check_certificate(path).error, ClaimRejected)
    code, out, err = run_check(capsys, path)
    assert code == 1 and verdict_problem(code, out, err, path) is None and "cannot be read" in err, err


def test_export_network_separates_malformed_from_not_verified(corpus, tmp_path, capsys):
    """``export-network`` re-checks a certificate: a malformed one is bad input (exit 2, the
    field's path on stderr), one whose claim does not check is exit 1; nothing written."""
    cert = json.loads(corpus["construction"].read_text())
    for change, code_wanted, fragment in ((_set(("mask", "layers", 0, "kept"), "x"), 2, "mask.layers[0].kept"),
                                          (_set(("claim", "kept"), cert["claim"]["kept"] + 1), 1, "NOT VERIFIED")):
        tampered = copy.deepcopy(cert)
        change(tampered)
        path = corpus["construction"].parent / "export.json"
        path.write_text(json.dumps(tampered))
        code = main(["export-network", str(path), "--format", "npz", "-o", str(tmp_path / "x.npz")])
        out, err = capsys.readouterr()
        assert code == code_wanted and fragment in out + err and not (tmp_path / "x.npz").exists(), out + err
        assert "Traceback" not in out + err and (code == 1 or (out == "" and err.count("\n") == 1)), out + err
