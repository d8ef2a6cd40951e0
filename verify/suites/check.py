"""Checking a suite from its files alone, with no generator: ``slth-verify suite check DIR``.

For every instance of the manifest: every file's sha256; the instance file's content hash; every
export rebuilt from the instance file and compared byte for byte (so a CNF cannot say something
else than the instance); and the answer: a witness replayed in exact arithmetic, an exhaustive
"no" recomputed by the exhaustive method it names, a DRUP proof checked against the CNF file, a
network certificate re-checked by ``check_certificate``. ``unknown`` answers are reported as
such (nothing to verify), never as verified.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from verify.certificates import check_certificate
from verify.encodings.export import export_problem
from verify.errors import InputError, MissingFileError
from verify.networks import load_network
from verify.problems import load_problem, read_json_file
from verify.solve.dispatch import solve
from verify.solve.methods import SS
from verify.solve.proofs import check_drup_files
from verify.status import Status
from verify.witness import witness_error


@dataclass
class SuiteCheck:
    ok: bool = True
    lines: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    def bad(self, name: str, text: str) -> None:
        self.ok = False
        self.lines.append(f"FAILED  {name}: {text}")


def _verify_file(root: Path, name: str, role: str, record: dict) -> Path:
    path = (root / record["path"]).resolve()
    if root.resolve() not in path.parents:
        raise InputError(f"{role} path {record['path']!r} leaves the suite directory")
    if not path.is_file():
        raise InputError(f"{role} file {record['path']} is missing")
    if hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
        raise InputError(f"{role} file {record['path']} does not match its sha256 in the manifest")
    return path


def _check_subset_sum(root: Path, entry: dict, engines: str) -> str:
    files = entry["files"]
    paths = {role: _verify_file(root, entry["name"], role, rec) for role, rec in files.items()}
    problem = load_problem(paths["instance"])
    if problem.sha256 != entry["instance_sha256"]:
        raise InputError("the instance's content hash differs from the manifest's")
    encoding = entry.get("encoding") or "auto"
    for fmt in ("cnf", "opb", "wcnf"):
        # compared as bytes: a damaged export need not be UTF-8 (its hash may have been forged too)
        if fmt in paths and export_problem(problem, fmt, encoding=encoding)[0].encode() != paths[fmt].read_bytes():
            raise InputError(f"{fmt} file is not the export of the instance")
    answer = entry["answer"]
    target = problem.target_list()[0]
    if answer.get("target") != (list(target) if isinstance(target, tuple) else target):
        raise InputError(f"answer target {answer.get('target')} is not the instance's target")
    status = _status(answer["status"])
    if status is Status.SAT_VERIFIED:
        why = witness_error(problem, target, answer.get("witness"))
        if why is not None:
            raise InputError(f"witness does not replay: {why}")
        return "witness replayed"
    if status is Status.UNSAT_EXHAUSTIVE:
        method = answer.get("method", "")
        again = solve(problem, SS if method == SS else "mitm" if method.startswith("mitm") else "dp").answers[0]
        if again.status is not Status.UNSAT_EXHAUSTIVE:
            raise InputError(f"the exhaustive method says {again.status.value}, the manifest says unreachable")
        return f"unreachable, recomputed by {again.method}"
    if status is Status.UNSAT_PROOF_CHECKED:
        if "proof" not in paths or "cnf" not in paths:
            raise InputError("a proof-checked answer needs its cnf and proof files")
        check = check_drup_files(paths["cnf"], paths["proof"], engines)
        if not check.ok:
            raise InputError(f"the DRUP proof does not check: {check.message}")
        return f"DRUP refutation of the CNF checked ({', '.join(check.engines)})"
    if status is Status.UNKNOWN:
        return "unknown (not certified when built; nothing to verify)"
    raise InputError(f"unexpected answer status {answer['status']!r}")  # unsat-claimed: never in a suite


def _status(stored) -> Status:
    """A manifest answer's stored status word as a Status; InputError for any other value."""
    try:
        return Status(stored)
    except (ValueError, TypeError):
        raise InputError(f"unexpected answer status {stored!r}") from None


def _check_network(root: Path, entry: dict, engines: str) -> str:
    paths = {role: _verify_file(root, entry["name"], role, rec) for role, rec in entry["files"].items()}
    target, random = load_network(paths["target"]), load_network(paths["random"])
    if hashlib.sha256(f"{target.sha256} {random.sha256}".encode()).hexdigest() != entry["instance_sha256"]:
        raise InputError("the networks' content hashes differ from the manifest's")
    if entry["answer"]["status"] == Status.UNKNOWN.value:  # any other word: the certificate decides
        return "unknown (not certified when built; nothing to verify)"
    if "certificate" not in paths:
        raise InputError("a certified network answer needs its certificate")
    report = check_certificate(paths["certificate"], engines)
    if not report.ok:
        raise InputError("certificate does not check: " + next((x for x in report.lines if "FAIL" in x), "?"))
    cert_ticket = '"kind": "ticket"' in paths["certificate"].read_text(encoding="utf-8")
    if cert_ticket != bool(entry["answer"].get("ticket")):
        raise InputError("the certificate's claim is not the manifest's answer")
    return "certificate re-checked"


def _malformed(entry) -> str | None:
    """What is wrong with the shape of a manifest entry (None: nothing), so that the checks
    below meet dicts and strings where they expect them."""
    if not isinstance(entry, dict):
        return f"expected an object, got {type(entry).__name__}"
    files, answer = entry.get("files"), entry.get("answer")
    if not isinstance(files, dict) or not all(isinstance(r, dict) and isinstance(r.get("path"), str)
                                              and isinstance(r.get("sha256"), str) for r in files.values()):
        return "files: expected an object of {path, sha256} records"
    if not isinstance(answer, dict):
        return "answer: expected an object"
    return None


def check_suite(directory, engines: str = "auto") -> SuiteCheck:
    """Re-verify every answer of the suite in ``directory`` (module docstring)."""

    root = Path(directory)
    if not (root / "manifest.json").is_file():
        raise MissingFileError(f"{root}: no manifest.json (not a suite, or an incomplete one)")
    manifest = read_json_file(root / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != "slth-verify-suite" or manifest.get("version") != 1:
        raise InputError(f"{root / 'manifest.json'}: not a slth-verify suite manifest (format/version)")
    if not isinstance(manifest.get("instances"), list):
        raise InputError(f"{root / 'manifest.json'}: instances: expected a list")
    result = SuiteCheck()
    counts: dict[str, int] = {}
    for i, entry in enumerate(manifest["instances"]):
        name = entry.get("name", "?") if isinstance(entry, dict) else f"instances[{i}]"
        why = _malformed(entry)
        if why:
            result.bad(name, f"malformed entry ({why})")
            continue
        try:
            how = (_check_network if entry.get("kind") == "network" else _check_subset_sum)(root, entry, engines)
        except (InputError, MissingFileError, KeyError, TypeError) as e:
            result.bad(name, str(e) if not isinstance(e, (KeyError, TypeError)) else f"malformed entry ({e!r})")
            continue
        status = entry["answer"]["status"]
        counts[status] = counts.get(status, 0) + 1
        result.lines.append(f"ok      {name}: {status}: {how}")
    if counts != manifest.get("counts") and result.ok:
        result.bad("manifest", f"counts {manifest.get('counts')} do not match the instances ({counts})")
    result.counts = counts
    return result
