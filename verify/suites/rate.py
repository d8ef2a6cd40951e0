"""Rating solvers on a suite: ``slth-verify suite rate DIR --solvers cadical195,glucose4,cpsat``.

Every subset-sum instance of the suite is put to every named solver with the same time limit:
PySAT solvers on the exported CNF (``verify.solve.sat.run_sat``: a killable child process, no
proof logging, so an UNSAT is the solver's claim only), CP-SAT on the instance's model
(``verify.encodings.cpsat.build_model``, ``verify.solve.cpsat.run`` with its own time limit and one
worker, so every solver gets one core), and ``representation`` on the instance itself (the
search of ``verify.prefilter.representation``, seeded by the instance's hash: it can only ever
say "yes"). A solver's "yes" is replayed against the instance in exact integer arithmetic before
it counts; a model that does not replay is reported like any wrong answer.

Per instance and solver the outcome is ``sat``, ``unsat``, ``unknown`` (the limit, a crash) or
``n/a`` (the solver cannot take the instance: no CNF was exported, CP-SAT's int64 bound), with
its seconds and whether it agrees with the suite's certified answer (None when the suite's
answer is ``unknown`` or the solver did not decide). A decided answer that contradicts the
certified one is a *disagreement*: a solver bug, or a suite whose answer is wrong, named by
instance. The records are written to ``DIR/rate.json`` atomically (replacing an earlier rating).

Instances are read as ``suite check`` reads them (manifest, sha256 of each file used); network
instances are skipped (they have no single CNF).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from verify import __version__
from verify.encodings.cpsat import build_model
from verify.encodings.formats import read_dimacs
from verify.errors import InputError, MissingFileError
from verify.prefilter.representation import RepresentationOptions, representation_search
from verify.problems import VectorSubsetSum, dumps_readable, load_problem, read_json_file, write_text_atomic
from verify.solve.cpsat import run as run_cpsat
from verify.solve.limits import check_time_limit
from verify.solve.outcome import Outcome
from verify.solve.sat import run_sat, solver_name
from verify.status import Status
from verify.witness import witness_error

OUTPUT = "rate.json"
NOT_SAT_SOLVERS = ("cpsat", "representation")


def parse_solvers(text: str) -> tuple[str, ...]:
    """Comma-separated solver names: PySAT names (canonical or aliases, any solver: no proofs
    are asked for), ``cpsat`` and ``representation``; InputError naming the first bad one.

    >>> parse_solvers("cd19,cpsat")
    ('cadical195', 'cpsat')
    """
    names = [x.strip() for x in (text or "").split(",") if x.strip()]
    if not names:
        raise InputError(f"--solvers: expected comma-separated solver names, got {text!r}")
    out = []
    for name in names:
        if name.lower() in NOT_SAT_SOLVERS:
            canonical = name.lower()
        else:
            try:
                canonical = solver_name(name, proof=False)
            except InputError:
                raise InputError(f"--solvers: unknown solver {name!r} (PySAT names such as cadical195, "
                                 f"glucose4, minisat22; or cpsat, representation)") from None
        if canonical in out:
            raise InputError(f"--solvers: {name!r} is named twice")
        out.append(canonical)
    return tuple(out)


@dataclass
class Rating:
    """What ``rate_suite`` found: one record per (instance, solver) and the disagreements."""

    rows: list[dict] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)

    def table(self, solvers) -> str:
        """Fraction of instances each solver decided, per n (``decided/instances``, and how
        many it could not take: ``(k n/a)``)."""
        by_n: dict[int, dict[str, list[int]]] = {}
        for r in self.rows:
            cell = by_n.setdefault(r["n"], {}).setdefault(r["solver"], [0, 0, 0])
            cell[0] += r["outcome"] in ("sat", "unsat")
            cell[1] += 1
            cell[2] += r["outcome"] == "n/a"
        head = ["n"] + list(solvers)
        lines = ["  ".join(f"{h:>14}" for h in head)]
        for n in sorted(by_n):
            cells = [f"{c[0]}/{c[1]}" + (f" ({c[2]} n/a)" if c[2] else "")
                     for c in (by_n[n].get(s, [0, 0, 0]) for s in solvers)]
            lines.append("  ".join(f"{x:>14}" for x in [str(n)] + cells))
        return "\n".join(lines)


def _file(root: Path, entry: dict, role: str) -> Path | None:
    """The suite file of ``role`` after checking its sha256 (None when the entry has none)."""
    record = entry["files"].get(role)
    if record is None:
        return None
    path = (root / record["path"]).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        raise InputError(f"{entry['name']}: {role} file {record['path']} is missing or outside the suite")
    if hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
        raise InputError(f"{entry['name']}: {role} file {record['path']} does not match its sha256")
    return path


def _run(solver: str, problem, target, cnf: Path | None, time_limit: float) -> tuple[str, float, object, str]:
    """(outcome, seconds, witness or None, reason) of one solver on one instance."""
    if solver == "representation":
        if isinstance(problem, VectorSubsetSum):
            return "n/a", 0.0, None, "the representation search takes one-dimensional instances"
        found = representation_search(problem.weights, target, problem.size, RepresentationOptions(
            seed=int(problem.sha256[:15], 16), time_limit=time_limit))
        if found.witness is None:
            return "unknown", found.seconds, None, found.reason
        return "sat", found.seconds, list(found.witness), ""
    if solver == "cpsat":
        try:
            model = build_model(problem, target)
        except InputError as e:
            return "n/a", 0.0, None, str(e)
        r = run_cpsat(model, time_limit, workers=1)
        witness = [i for i, v in enumerate(r.assignment) if v] if r.outcome is Outcome.SAT else None
        return r.outcome.value, r.seconds, witness, "" if r.outcome is not Outcome.UNKNOWN else "time limit"
    if cnf is None:
        return "n/a", 0.0, None, "no CNF was exported for this instance"
    dimacs = read_dimacs(cnf.read_text(encoding="utf-8"), str(cnf))
    run = run_sat(dimacs.nvars, [list(c) for c in dimacs.clauses], solver, time_limit, proof=False)
    witness = [i for i in range(problem.n) if run.model[i] > 0] if run.outcome is Outcome.SAT else None
    return run.outcome.value, run.seconds, witness, run.reason


def _judge(name: str, solver: str, outcome: str, witness, problem, target, certified: str) -> tuple[bool | None, str]:
    """Whether a solver's answer agrees with the certified one, and the disagreement's text."""
    if outcome == "sat":
        why = witness_error(problem, target, witness)
        if why is not None:
            return False, f"{name}: {solver} says sat but its model does not replay ({why})"
        if Status(certified).is_unsat:
            return False, f"{name}: {solver} found a replayed solution, the suite says {certified}"
        return (True if certified == Status.SAT_VERIFIED.value else None), ""
    if outcome == "unsat":
        if certified == Status.SAT_VERIFIED.value:
            return False, f"{name}: {solver} says unsat, the suite's answer is sat-verified (a replayed witness)"
        return (True if Status(certified).is_unsat else None), ""
    return None, ""


def _manifest(root: Path) -> dict:
    if not root.is_dir():
        raise MissingFileError(f"{root}: no such suite directory")
    if not (root / "manifest.json").is_file():
        raise InputError(f"{root}: no manifest.json (not a suite, or an incomplete one)")
    manifest = read_json_file(root / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != "slth-verify-suite" \
            or not isinstance(manifest.get("instances"), list):
        raise InputError(f"{root / 'manifest.json'}: not a slth-verify suite manifest")
    return manifest


def rate_suite(directory, solvers, time_limit, progress=None) -> Rating:
    """Run every subset-sum instance of the suite in ``directory`` through each of ``solvers``
    (names as :func:`parse_solvers` returns them) with ``time_limit`` seconds each, write
    ``rate.json`` into the suite and return the rating (module docstring)."""
    root = Path(directory)
    limit = check_time_limit(time_limit, "--time-limit", none_ok=False)
    manifest = _manifest(root)
    rating = Rating()
    for entry in manifest["instances"]:
        if not isinstance(entry, dict) or entry.get("kind") == "network":
            continue
        try:
            name, certified = entry["name"], Status(entry["answer"]["status"]).value
            problem = load_problem(_file(root, entry, "instance"))
            cnf = _file(root, entry, "cnf")
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"{root / 'manifest.json'}: malformed instance entry ({e})") from None
        target = problem.target_list()[0]
        for solver in solvers:
            outcome, seconds, witness, reason = _run(solver, problem, target, cnf, limit)
            agrees, text = _judge(name, solver, outcome, witness, problem, target, certified)
            if text:
                rating.disagreements.append(text)
            rating.rows.append({"instance": name, "n": problem.n, "solver": solver, "outcome": outcome,
                                "seconds": round(seconds, 4), "certified": certified, "agrees": agrees,
                                **({"reason": reason} if reason else {})})
            if progress is not None:
                progress.update(outcome)
    write_text_atomic(root / OUTPUT, dumps_readable({
        "format": "slth-verify-suite-rate", "version": 1, "tool": f"slth-verify {__version__}",
        "suite": manifest.get("name"), "solvers": list(solvers), "time_limit": limit,
        "rows": rating.rows, "disagreements": rating.disagreements}) + "\n")
    return rating


def count_instances(directory) -> int:
    """How many instances ``rate_suite`` runs (for a progress display)."""
    return sum(1 for e in _manifest(Path(directory))["instances"] if isinstance(e, dict) and e.get("kind") != "network")
