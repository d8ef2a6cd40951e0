"""Every file the tool reads, damaged: a one-line error naming the file, exit code 2, no output.

The corpus is made here from files the tool itself writes (nothing binary is kept in git): for
each kind of file a truncated, an empty, a bit-flipped and a wrong-format version (and for a
JSON file two the parser refuses: nesting 100,000 deep and an integer of 5,000 digits), and every
command that reads that kind is run on each (in-process through ``main``, plus one real
``slth-verify`` process to show that no traceback reaches a terminal).

Bit flips: a flip inside a compressed ``.npz`` member is caught by zlib or the member's CRC-32;
a flip in a digit of a JSON network is caught by the content sha256 the file records. Instance
files, TOML specs and suite manifests record no hash of themselves, so a flipped digit there is
a different valid file that no reader can tell apart: their flip is of a structural character
(``{`` becomes ``z``, ``=`` becomes ``<``), which breaks the syntax. SQLite has no checksums
either: its flip is of the page-type byte of a table's root page, which ``PRAGMA quick_check``
finds. Certificates and the CNF and DRUP files they cite record sha256s: a flipped digit there
is caught by ``check`` as tampering (exit code 1, "a certificate that does not check", as the
README says); a certificate that is not JSON at all is bad input (exit code 2).

Model files for ``import-network`` (ONNX, safetensors, npz) have their own damaged corpus in
tests/test_import_network.py (``bad_files``): not repeated here.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from verify.cli import main

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

SWEEP_SPEC = """experiment = "threshold"
seeds = 2
methods = ["auto"]
[parameters]
bits = 8
n = [6, 7]
zero = false
target = "1/3"
"""
SUITE_SPEC = """name = "tiny"
seed = 7
time_limit = 20
memory_budget = "64M"
[[family]]
kind = "subset-sum"
n = 8
lambda = 0
answer = "planted"
"""


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own errors exit through here
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """Intact files of every kind, written by the tool: the originals of the damaged ones."""
    from verify.experiments.store import Store
    from verify.generators import theorem1_random_network
    from verify.networks import load_network, save_mask, save_network
    from verify.suites.build import build_suite
    from verify.suites.spec import load_suite_spec

    d = tmp_path_factory.mktemp("good")
    assert main(["generate", "subset-sum", "--n", "10", "--bits", "6", "-o", str(d / "inst.json")]) == 0
    for name in ("t.npz", "t.json"):
        assert main(["generate", "target", "--widths", "2,1", "--bits", "2", "--seed", "1",
                     "-o", str(d / name)]) == 0
    target = load_network(d / "t.npz")
    # the first draw with a ticket whose sparsest certificate cites a proof that matters (one of
    # a formula that unit propagation alone does not refute)
    for seed in range(1, 40):
        random = theorem1_random_network(target, 16, 1, seed)
        save_network(random, d / "r.npz")  # its recipe
        shutil.rmtree(d / "c.proofs", ignore_errors=True)
        code = main(["certify", "--target", str(d / "t.npz"), "--random", str(d / "r.npz"),
                     "--find", "sparsest", "-o", str(d / "c.json")])
        assert code == 0
        if json.loads((d / "c.json").read_text())["claim"]["kind"] == "ticket" and _hard_component(d):
            break
    assert _hard_component(d), "no draw with a proof whose steps matter"
    save_network(random, d / "rw.npz", store="weights")
    save_mask([np.ones(w.shape, dtype=bool) for w in random.weights], d / "m.npz", random.sha256)
    with Store(d / "db.sqlite") as store:
        store.add({"experiment": "threshold", "instance_sha256": "0" * 64, "method": "auto",
                   "params": '{"bits":8}', "seed": 0, "tool_version": "0", "status": "sat-verified",
                   "result": {"reachable": True}, "error": None, "seconds": 0.1, "versions": {}, "host": "h"})
    (d / "spec.toml").write_text(SWEEP_SPEC)
    (d / "suite.toml").write_text(SUITE_SPEC)
    build_suite(load_suite_spec(d / "suite.toml"), d / "suite")
    return d


def _hard_component(d: Path) -> tuple[Path, Path] | None:
    """(CNF, DRUP) of a lower bound of the certificate ``d/c.json`` that unit propagation alone
    does not refute (an empty proof fails), so that the proof's steps matter; None if none."""
    from verify.solve.proofs import check_drup, read_cnf_file

    for cnf in sorted((d / "c.proofs").glob("*.cnf")) if (d / "c.proofs").is_dir() else ():
        if not check_drup(*read_cnf_file(cnf), "", engines="python").ok:
            return cnf, cnf.with_suffix(".drup")
    return None


def flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def npz_flip_offset(data: bytes) -> int:
    """The middle of the first member's compressed data (after its local header)."""
    member = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    name_len, extra_len = struct.unpack("<HH", data[member.header_offset + 26: member.header_offset + 30])
    return member.header_offset + 30 + name_len + extra_len + member.compress_size // 2


def sqlite_flip_offset(path: Path) -> int:
    """The page-type byte of the results table's root page."""
    db = sqlite3.connect(path)
    try:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'results'").fetchone()[0]
    finally:
        db.close()
    return (root - 1) * page_size


def json_digit_offset(data: bytes, after: bytes) -> int:
    """The first digit after ``after`` (not inside it: ``"sha256"`` has digits of its own) that
    ends a run of digits: with its low bit flipped it is still a digit, and never a leading
    zero, so JSON stays valid and says something else."""
    start = data.index(after) + len(after)
    return next(i for i in range(start, len(data)) if data[i:i + 1].isdigit() and not data[i + 1:i + 2].isdigit())


# kind -> (the file in ``good``, where to flip, the wrong-format content)
KINDS = {
    "instance": ("inst.json", lambda p, b: b.index(b"{"), "npz"),
    "network-npz": ("t.npz", lambda p, b: npz_flip_offset(b), "json"),
    "network-recipe": ("r.npz", lambda p, b: npz_flip_offset(b), "text"),
    "network-weights": ("rw.npz", lambda p, b: npz_flip_offset(b), "json"),
    "network-json": ("t.json", lambda p, b: json_digit_offset(b, b'"weights"'), "png"),
    "mask": ("m.npz", lambda p, b: npz_flip_offset(b), "text"),
    "certificate": ("c.json", lambda p, b: b.index(b"{"), "npz"),
    "sweep-spec": ("spec.toml", lambda p, b: b.index(b"="), "png"),
    "suite-spec": ("suite.toml", lambda p, b: b.index(b"="), "json"),
    "manifest": ("suite/manifest.json", lambda p, b: b.index(b"{"), "png"),
    "database": ("db.sqlite", lambda p, b: sqlite_flip_offset(p), "png"),
}


def damaged(good: Path, kind: str) -> dict[str, bytes]:
    """The damaged versions of ``kind``'s file: four of every file, two more of a JSON one."""
    name, where, wrong = KINDS[kind]
    path = good / name
    data = path.read_bytes()
    foreign = {"npz": (good / "t.npz").read_bytes(), "json": (good / "t.json").read_bytes(),
               "text": b"hello, this is a text file\n", "png": PNG}[wrong]
    versions = {"truncated": data[: len(data) // 2], "empty": b"", "flipped": flip(data, where(path, data)),
                "wrong": foreign}
    if path.suffix == ".json":  # well-formed JSON that the parser still refuses
        versions["deep"] = b"[" * 100_000 + b"]" * 100_000
        versions["long-integer"] = b'{"kind": ' + b"7" * 5000 + b"}"
    return versions


# kind -> commands reading it: argv with X the damaged file, G the good files' directory and O a
# prefix for outputs (none of which may exist afterwards)
COMMANDS = {
    "instance": [["solve", "X"], ["cover", "X"], ["count", "X"], ["export", "X", "--format", "cnf", "-o", "O.cnf"]],
    "network-npz": [["generate", "random", "--for", "X", "-o", "O.npz"],
                    ["construct", "--target", "X", "--random", "G/r.npz", "-o", "O.npz"],
                    ["certify", "--target", "X", "--random", "G/r.npz", "-o", "O.json"],
                    ["export-network", "X", "--format", "npz", "-o", "O.npz"]],
    "network-recipe": [["construct", "--target", "G/t.npz", "--random", "X", "-o", "O.npz"],
                       ["certify", "--target", "G/t.npz", "--random", "X", "-o", "O.json"],
                       ["export-network", "X", "--format", "onnx", "-o", "O.onnx"]],
    "network-weights": [["construct", "--target", "G/t.npz", "--random", "X", "-o", "O.npz"],
                        ["certify", "--target", "G/t.npz", "--random", "X", "--find", "any", "-o", "O.json"]],
    "network-json": [["generate", "random", "--for", "X", "-o", "O.npz"],
                     ["construct", "--target", "X", "--random", "G/r.npz", "-o", "O.npz"],
                     ["certify", "--target", "X", "--random", "G/r.npz", "-o", "O.json"],
                     ["export-network", "X", "--format", "safetensors", "-o", "O.safetensors"]],
    "mask": [["certify", "--target", "G/t.npz", "--random", "G/r.npz", "--mask", "X", "-o", "O.json"]],
    "certificate": [["check", "X"], ["export-network", "X", "--format", "npz", "-o", "O.npz"]],
    "sweep-spec": [["sweep", "X", "--db", "O.sqlite", "--limit", "1"], ["sweep", "X", "--print-spec"],
                   ["compare", "--sweep", "X", "--db", "O.sqlite", "--limit", "1"]],
    "suite-spec": [["suite", "build", "--spec", "X", "-o", "O.suite"]],
    "manifest": [["suite", "check", "D"], ["compare", "--suite", "D", "--db", "O.sqlite", "--limit", "1"]],
    "database": [["report", "X", "--csv", "O.csv"],
                 ["sweep", "G/spec.toml", "--db", "X", "--limit", "1"],
                 ["compare", "--sweep", "compare", "--db", "X", "--limit", "1"]],
}


def _argv(template, x: Path, good: Path, out: Path) -> list[str]:
    subst = {"X": str(x), "D": str(x.parent)}
    return [subst.get(a) or a.replace("G/", f"{good}/").replace("O.", f"{out}.") for a in template]


def _place(good: Path, kind: str, data: bytes, where: Path) -> Path:
    """Write the damaged file where a command will read it (a manifest inside a suite copy)."""
    if kind == "manifest":
        shutil.copytree(good / "suite", where / "suite")
        x = where / "suite" / "manifest.json"
    else:
        x = where / Path(KINDS[kind][0]).name
    x.write_bytes(data)
    return x


def _wrong_line(code, err, x: Path, kind: str) -> str | None:
    """What is wrong with a command's reaction to a damaged file (None: it is right)."""
    lines = err.splitlines()
    if code != 2:
        return f"exit code {code}"
    if "Traceback" in err or len(lines) != 1 or not lines[0].startswith("slth-verify: error: "):
        return "not one error line"
    if str(x) not in lines[0] and not (kind == "manifest" and str(x.parent) in lines[0]):
        return "the file is not named"
    return None


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_a_damaged_file_is_one_line_naming_it_and_nothing_is_written(good, tmp_path, capsys, kind):
    """Every command reading ``kind`` on each damaged version: exit code 2, one line on stderr
    naming the file, no output file (nor a -wal or -journal beside a database), and the damaged
    file left as it was. A flipped bit of a JSON network is caught by its content sha256, one in
    a compressed .npz member by zlib or the member's CRC-32 (module docstring for the others)."""
    for variant, data in damaged(good, kind).items():
        where = tmp_path / variant
        where.mkdir()
        x = _place(good, kind, data, where)
        before = sorted(p.relative_to(where) for p in where.rglob("*"))
        for template in COMMANDS[kind]:
            argv = _argv(template, x, good, where / "out")
            code, out, err = run(capsys, *argv)
            case = f"{kind} {variant}: slth-verify {' '.join(argv)}: {err or out}"
            assert _wrong_line(code, err, x, kind) is None, f"{_wrong_line(code, err, x, kind)}: {case}"
            assert sorted(p.relative_to(where) for p in where.rglob("*")) == before, case
            assert x.read_bytes() == data, case
            if variant == "flipped" and kind == "network-json":
                assert "sha256" in err, case
            if variant == "flipped" and x.suffix == ".npz":
                assert "CRC-32" in err or "decompressing" in err, case


def test_the_corpus_damages_every_file(good):
    """Each damaged version differs from its original, and is not another readable file of its
    kind (the originals themselves are read without error)."""
    for kind in KINDS:
        original = (good / KINDS[kind][0]).read_bytes()
        versions = damaged(good, kind)
        expected = 6 if KINDS[kind][0].endswith(".json") else 4
        assert len(versions) == expected and all(v != original for v in versions.values()), kind
        flipped = versions["flipped"]
        assert len(flipped) == len(original) and sum(a != b for a, b in zip(flipped, original)) == 1, kind


def test_the_originals_are_read_without_error(good, tmp_path, capsys):
    """The intact files pass the readers the damaged ones fail (so the failures are the damage's)."""
    from verify.experiments import experiments
    from verify.experiments.report import load_rows
    from verify.experiments.spec import load_spec
    from verify.suites.check import check_suite
    from verify.suites.spec import load_suite_spec

    assert run(capsys, "solve", good / "inst.json")[0] == 0
    for name in ("t.npz", "r.npz", "rw.npz", "t.json"):
        assert run(capsys, "export-network", good / name, "--format", "npz", "-o", tmp_path / f"{name}.npz")[0] == 0
    assert run(capsys, "check", good / "c.json")[0] == 0
    assert run(capsys, "certify", "--target", good / "t.npz", "--random", good / "r.npz", "--mask",
               good / "m.npz", "-o", tmp_path / "m.json")[0] in (0, 1)  # read; whether it is a ticket is no matter
    load_spec(str(good / "spec.toml"), experiments())
    load_suite_spec(good / "suite.toml")
    assert check_suite(good / "suite").ok
    assert load_rows(good / "db.sqlite", "threshold", experiments())[1]


def _rejection(code, out, err, cert: Path) -> str | None:
    """What is wrong with ``check``'s report of a claim that does not check (None: it is right):
    exit code 1, the checks on stdout ending with one FAILED line and NOT VERIFIED, and that
    FAILED line, after the certificate's name, as the one line on stderr."""
    failed = [line.removeprefix("FAILED  ") for line in out.splitlines() if line.startswith("FAILED")]
    if code != 1 or len(failed) != 1 or not out.rstrip().endswith(f"NOT VERIFIED: {cert}"):
        return f"exit code {code}, {len(failed)} FAILED lines"
    if "Traceback" in out + err or err != f"slth-verify: error: {cert}: {failed[0]}\n":
        return "stderr is not the FAILED line"
    return None


def test_a_flipped_digit_in_a_certificate_is_caught_by_its_hashes(good, tmp_path, capsys):
    """A certificate is JSON whose digits can flip into other digits: its mask sha256 and the
    networks' content sha256s catch that. ``check`` then says the certificate does not check
    (exit code 1, the README's "a certificate that does not check"), naming the field on its
    FAILED line and on stderr, and ``export-network`` writes nothing."""
    shutil.copytree(good, tmp_path / "g", ignore=shutil.ignore_patterns("suite"))
    cert = tmp_path / "g" / "c.json"
    original = cert.read_bytes()
    for after, field in ((b'"kept": [', "mask"), (b'"sha256": "', "sha256")):
        cert.write_bytes(flip(original, json_digit_offset(original, after)))
        code, out, err = run(capsys, "check", cert)
        assert _rejection(code, out, err, cert) is None, _rejection(code, out, err, cert) + out + err
        assert any(line.startswith("FAILED") and field in line for line in out.splitlines()), out
        code, out, err = run(capsys, "export-network", cert, "--format", "npz", "-o", tmp_path / "x.npz")
        assert code == 1 and "NOT VERIFIED" in out and not (tmp_path / "x.npz").exists(), (out, err)


def test_damaged_networks_of_a_certificate_fail_its_check_by_name(good, tmp_path, capsys):
    """The networks a certificate cites, damaged: ``check`` re-reads them, and says which one
    does not read or does not hash to what the certificate records (exit code 1, one FAILED
    line naming it, repeated on stderr); ``export-network`` of the certificate then writes
    nothing."""
    for kind in ("network-npz", "network-recipe"):
        for variant, data in damaged(good, kind).items():
            d = tmp_path / f"{kind}-{variant}"
            shutil.copytree(good, d, ignore=shutil.ignore_patterns("suite"))
            member = d / KINDS[kind][0]
            member.write_bytes(data)
            code, out, err = run(capsys, "check", d / "c.json")
            failed = [line for line in out.splitlines() if line.startswith("FAILED")]
            case = f"{kind} {variant}: {out}{err}"
            assert _rejection(code, out, err, d / "c.json") is None and member.name in failed[0], case
            if variant == "flipped":  # the same check: once is enough
                code, out, err = run(capsys, "export-network", d / "c.json", "--format", "npz", "-o", d / "x.npz")
                assert code == 1 and "Traceback" not in out + err and not (d / "x.npz").exists(), case


def _forged(cert: Path, member: Path, data: bytes) -> None:
    """Rewrite ``cert`` so it records ``data``'s sha256 for ``member``: a consistent forgery,
    which gets past the hash to the CNF or DRUP reader."""
    import hashlib

    obj = json.loads(cert.read_text())
    for bound in obj["evidence"]["lower_bounds"]:
        for kind in ("cnf", "proof"):
            if cert.parent / bound[kind]["path"] == member:
                bound[kind]["sha256"] = hashlib.sha256(data).hexdigest()
    cert.write_text(json.dumps(obj))


@pytest.mark.parametrize("suffix", [".cnf", ".drup"])
def test_damaged_proof_files_of_a_certificate_fail_its_check(good, tmp_path, capsys, suffix):
    """The CNF and DRUP files a sparsest certificate cites (the only CNF and DRUP files a command
    reads back), damaged: ``check`` names the file (its sha256 differs) and exits 1. With the
    recorded sha256 forged to match, the damage reaches the strict readers: a CNF that is not
    the component's, or a proof that is empty, not text or cut inside a clause, is refused (one
    FAILED line, repeated on stderr, exit 1). A proof with a flipped literal may still be a
    refutation (then the claim is still proved): only a clean verdict is asserted for it."""
    for variant in ("truncated", "empty", "flipped", "wrong"):
        d = tmp_path / variant
        shutil.copytree(good, d, ignore=shutil.ignore_patterns("suite"))
        member = [p for p in _hard_component(d) if p.suffix == suffix][0]
        original = member.read_bytes()
        # cut inside a clause: a proof cut at a line's end is a shorter proof, which may refute
        cut = original[: len(original) // 2].rstrip(b" 0\n") if suffix == ".drup" else original[: len(original) // 2]
        data = {"truncated": cut, "empty": b"", "wrong": PNG,
                "flipped": flip(original, json_digit_offset(original, b"\n"))}[variant]
        member.write_bytes(data)
        for forged in (False, True):
            if forged:
                _forged(d / "c.json", member, data)
            code, out, err = run(capsys, "check", d / "c.json")
            failed = [line for line in out.splitlines() if line.startswith("FAILED")]
            case = f"{variant} {member.name} (hash forged: {forged}): {out}{err}"
            if code == 0:
                assert err == "" and not failed and out.rstrip().endswith(f"verified: {d / 'c.json'}"), case
            else:
                assert _rejection(code, out, err, d / "c.json") is None, case
            if not forged:
                assert code == 1 and member.name in failed[0] and "sha256" in failed[0], case
            elif suffix == ".cnf" or variant != "flipped":
                assert code == 1, case


def test_damaged_members_of_a_suite_fail_its_check_by_name(good, tmp_path, capsys):
    """A suite's files are read after their sha256 is checked against the manifest: a damaged one
    is a tampered file (exit code 1, its name on a FAILED line, the README's contract for suite
    check). With the manifest's sha256 forged to match, the damage reaches the readers (the
    instance reader, the instance's content hash, the byte comparison of the exports), which
    refuse it the same way. (The instance's flipped digit is a weight's: ``meta`` is provenance,
    outside the content hash, so a flip there would only be caught by the file's sha256.)"""
    import hashlib

    members = sorted((good / "suite" / "instances").iterdir())
    assert {p.suffix for p in members} == {".json", ".cnf", ".opb", ".wcnf"}
    for n, member in enumerate(members):
        for variant in ("truncated", "empty", "flipped", "wrong"):
            d = tmp_path / f"{n}-{variant}"
            shutil.copytree(good / "suite", d)
            original = member.read_bytes()
            data = {"truncated": original[: len(original) // 2], "empty": b"",
                    "flipped": flip(original, json_digit_offset(original, b'"weights"' if member.suffix == ".json"
                                                                else b" ")), "wrong": PNG}[variant]
            (d / "instances" / member.name).write_bytes(data)
            # the sha256 check alone is simple: it runs on one damage; the readers on all
            for forged in (True,) if variant != "flipped" else (False, True):
                if forged:
                    manifest = json.loads((d / "manifest.json").read_text())
                    for record in manifest["instances"][0]["files"].values():
                        if record["path"].endswith(member.name):
                            record["sha256"] = hashlib.sha256(data).hexdigest()
                    (d / "manifest.json").write_text(json.dumps(manifest))
                code, out, err = run(capsys, "suite", "check", d)
                failed = [line for line in out.splitlines() if line.startswith("FAILED")]
                case = f"{member.name} {variant} (hash forged: {forged}): {out}{err}"
                assert code == 1 and err == "" and len(failed) == 1 and "Traceback" not in out, case
                assert forged or member.name in failed[0], case


def test_a_manifest_of_the_wrong_shape_fails_cleanly(good, tmp_path, capsys):
    """Valid JSON that is not a manifest's shape: instances not a list is bad input (exit code 2);
    an entry that is not an object, or whose files or answer are not, fails by name (exit 1)."""
    d = tmp_path / "suite"
    shutil.copytree(good / "suite", d)
    manifest = json.loads((d / "manifest.json").read_text())
    entry = manifest["instances"][0]
    for instances, code_wanted in ({"a": 1}, 2), ([7], 1), ([{**entry, "files": [1]}], 1), \
            ([{**entry, "files": {"cnf": {"path": 3, "sha256": "x"}}}], 1), ([{**entry, "answer": "yes"}], 1):
        (d / "manifest.json").write_text(json.dumps({**manifest, "instances": instances}))
        code, out, err = run(capsys, "suite", "check", d)
        assert code == code_wanted and "Traceback" not in out + err, (instances, out, err)
        if code == 2:
            assert _wrong_line(code, err, d / "manifest.json", "manifest") is None and "instances" in err, err
        else:
            failed = [line for line in out.splitlines() if line.startswith("FAILED")]
            assert len(failed) == 1 and "malformed entry" in failed[0], out


def test_results_database_of_other_tables_is_not_written_to(tmp_path, capsys):
    """A SQLite database that is not a results database (another program's) is refused by sweep
    before anything is added to it, and by report."""
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()
    data = other.read_bytes()
    spec = tmp_path / "spec.toml"
    spec.write_text(SWEEP_SPEC)
    for argv in (["sweep", spec, "--db", other, "--limit", "1"], ["report", other]):
        code, out, err = run(capsys, *argv)
        assert _wrong_line(code, err, other, "database") is None and "not a results database" in err, err
        assert other.read_bytes() == data and sorted(tmp_path.iterdir()) == [other, spec]


def test_no_traceback_reaches_the_terminal(good, tmp_path):
    """A real ``slth-verify`` process on a bit-flipped npz network (the damage first reported):
    one line on stderr, exit code 2, nothing written."""
    program = Path(sys.executable).with_name("slth-verify")
    npz = _place(good, "network-npz", damaged(good, "network-npz")["flipped"], tmp_path)
    done = subprocess.run([str(program), "construct", "--target", str(npz), "--random", str(good / "r.npz"),
                           "-o", str(tmp_path / "m.npz")], capture_output=True, text=True, timeout=120)
    assert _wrong_line(done.returncode, done.stderr, npz, "network-npz") is None, done.stderr
    assert "CRC-32" in done.stderr and done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz"]
