"""Building a suite: every instance of a spec, its exports, and its answer certified.

Layout of a suite directory::

    manifest.json                  every file's sha256, parameters, seed, the answer and its evidence
    instances/NAME.json            the instance (subset-sum or vector-subset-sum JSON)
    instances/NAME.cnf|.opb|.wcnf  its exports (``verify.encodings.export``; variables 1..n = x_i)
    instances/NAME.drup            for a "no" certified by SAT: the SAT solver's DRUP proof of NAME.cnf
    instances/NAME.target.npz, .random.npz, .cert.json (+ .cert.proofs/)   a network instance

Answers: ``planted`` instances are ``sat-verified`` by their planted subset, replayed.
``infeasible`` ones draw targets near the centre Λ/2 (uniform within ±M of it, inside the reachable
range; per coordinate for vectors; weights fixed by the seed) until one is
certified unreachable: by the exhaustive pre-filter (``unsat-exhaustive``: meet in the middle or
the bitset, within ``memory_budget``), else by a checked DRUP refutation of the exported CNF
itself (``unsat-proof-checked``); a target that is reachable is replaced by the next draw, and an
undecided one (the time limit) is kept and labelled ``unknown``, never guessed. Network
instances are certified by ``certify --find any`` (a ticket, or a certified "no ticket").

The manifest holds no timings or dates, so the same spec gives a byte-identical suite.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from fractions import Fraction
from pathlib import Path

from verify import __version__
from verify.certify import CertifyOptions, certify
from verify.encodings.export import export_problem
from verify.encodings.formats import read_dimacs
from verify.errors import BudgetExceeded, InputError
from verify.generators import (MAX_WEIGHT_BITS, SubsetSumOptions, planted_subset, subset_sum_instance,
                               target_network, theorem1_random_network, vector_instance, wide_uniform_weights)
from verify.networks import Rounding, save_network
from verify.problems import SubsetSum, dumps_readable, read_json_file, write_text_atomic
from verify.seeding import as_generator, uniform_ints
from verify.solve.dispatch import solve
from verify.solve.methods import SS
from verify.solve.outcome import Outcome
from verify.solve.refutation import refute
from verify.solve.sat import DEFAULT_SOLVER
from verify.status import Status
from verify.suites.spec import Point, SuiteSpec, critical_M
from verify.witness import replay_witness

INFEASIBLE_TRIES = 64
NETWORK_SEED_OFFSET = 1_000_000  # the random network's seed is the instance's seed + this


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wide_instance(n: int, M: int, zero: bool, target, size, seed: int) -> SubsetSum:
    """A subset-sum instance with weights uniform on {-M..M} beyond the generator's 2^60 (κ ≈ 1
    at n > 60, the frontier suite): drawn by ``wide_uniform_weights``, then planted as
    ``subset_sum_instance`` plants (the same steps, from the same seed)."""
    rng = as_generator(seed)
    weights = wide_uniform_weights(rng, n, M, zero)
    params = {"n": n, "zero": zero, "distribution": "uniform", "M": M, "size": size,
              "target": target if target == "planted" else "int"}
    meta = {"generator": "subset-sum-wide", "params": params, "seed": seed, "tool": f"slth-verify {__version__}"}
    if target == "planted":
        meta["planted"] = planted_subset(rng, n, size)
        target = sum(weights[i] for i in meta["planted"])
    return SubsetSum(weights=weights, targets=[target], size=size, meta=meta)


def _instance(point: Point, target):
    p = dict(point.params)
    size = p["n"] // 2 if p["size"] == "half" else p["size"]
    if point.kind == "subset-sum":
        M = critical_M(p["n"], Fraction(p["lambda"]))
        if M > 1 << MAX_WEIGHT_BITS:
            return _wide_instance(p["n"], M, p["zero"], target, size, point.seed)
        options = SubsetSumOptions(M=M, zero=p["zero"], target=target, size=size)
        return subset_sum_instance(p["n"], options, seed=point.seed)
    return vector_instance(p["n"], p["dim"], bits=p["bits"], zero=p["zero"], target=target, size=size,
                           seed=point.seed)


def exhaustive_answer(problem, budget):
    """The first exhaustive pre-filter answer that fits ``budget`` (None if none fits)."""

    # schroeppel-shamir after mitm: same answers in memory 2^(n/4), so it certifies "no" up to n = 60
    for method in ("mitm", SS, "dp"):
        try:
            return solve(problem, method, budget).answers[0]
        except (BudgetExceeded, InputError):  # InputError: beyond int64, or a size for schroeppel-shamir
            continue
    return None


def _sat_answer(problem, cnf_text: str, time_limit: float) -> tuple[Outcome, object]:
    """The default SAT solver on the exported CNF for at most ``time_limit`` seconds, its "no"
    proof-checked: (SAT, witness) / (UNSAT, proof lines of a checked refutation) / (UNKNOWN, why)."""

    cnf = read_dimacs(cnf_text)
    clauses = [list(c) for c in cnf.clauses]
    r = refute(cnf.nvars, clauses, DEFAULT_SOLVER, time_limit)
    if r.outcome is Outcome.SAT:
        return Outcome.SAT, [i for i in range(problem.n) if r.model[i] > 0]
    if r.outcome is Outcome.UNSAT:
        return (Outcome.UNSAT, r.proof) if r.checked else (Outcome.UNKNOWN, f"proof rejected: {r.check.message}")
    return Outcome.UNKNOWN, r.reason


def _write(directory: Path, name: str, text: str) -> dict:
    write_text_atomic(directory / name, text)
    return {"path": f"instances/{name}", "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _exports(problem, spec: SuiteSpec, directory: Path, stem: str) -> tuple[dict, dict]:
    """The instance's files in the spec's formats, and the formats no encoder can write (with
    why: the CNF encoders need Σ|a_i| < 2^63, so κ ≈ 1 beyond n ≈ 60 has no CNF)."""
    files, skipped = {}, {}
    for fmt in spec.formats:
        try:
            text, _ = export_problem(problem, fmt, encoding=spec.encoding)
        except BudgetExceeded as e:
            skipped[fmt] = str(e)
            continue
        files[fmt] = _write(directory, f"{stem}.{fmt}", text)
    return files, skipped


def _subset_sum_entry(point: Point, spec: SuiteSpec, directory: Path) -> dict:
    p = dict(point.params)
    stem = point.name
    notes = []
    if p["answer"] == "planted":
        problem = _instance(point, "planted")
        witness = problem.meta["planted"]
        answer = {"status": Status.SAT_VERIFIED.value, "method": "planted", "witness": witness}
    else:
        base = _instance(point, "planted")
        M = base.meta["params"]["M"]
        columns = [[w[j] for w in base.weights] for j in range(base.dim)] if point.kind == "vector" \
            else [list(base.weights)]
        rng = as_generator(point.seed + (1 << 62))
        answer, reachable = None, None  # reachable: the last draw found reachable, and its witness
        # The search is bounded by the draws and by time_limit for all of them together, the SAT
        # runs getting what is left (proof checking, which certifies, is never cut short).
        deadline = time.monotonic() + spec.time_limit
        why = f"no unreachable target among {INFEASIBLE_TRIES} draws"
        for drawn in range(INFEASIBLE_TRIES):
            left = deadline - time.monotonic()
            if left <= 0:
                why = f"no unreachable target certified within time_limit = {spec.time_limit:g} s ({drawn} draws)"
                break
            # near the centre Λ/2 of each coordinate, where solutions are densest and "no" is hardest
            t = tuple(int(uniform_ints(rng, max(sum(a for a in c if a < 0), sum(c) // 2 - M),
                                       min(sum(a for a in c if a > 0), sum(c) // 2 + M), 1)[0]) for c in columns)
            t = t if point.kind == "vector" else t[0]
            problem = _instance(point, t)
            exact = exhaustive_answer(problem, spec.memory_budget)
            if exact is not None:
                if exact.status.is_sat:
                    reachable = (problem, list(exact.witness))
                    continue
                answer = {"status": exact.status.value, "method": exact.method}
                break
            try:
                cnf_text = export_problem(problem, "cnf", encoding=spec.encoding)[0]
            except InputError:  # refuted by a necessary condition: trivial, not what a suite is for
                continue
            outcome, detail = _sat_answer(problem, cnf_text, left)
            if outcome is Outcome.SAT:
                reachable = (problem, detail)
                continue
            if outcome is Outcome.UNSAT:
                answer = {"status": Status.UNSAT_PROOF_CHECKED.value, "method": f"sat:{DEFAULT_SOLVER}",
                          "proof": _write(directory, f"{stem}.drup", "\n".join(detail) + "\n")}
            else:  # the seconds the run had left vary from run to run: the manifest says the limit
                timed_out = detail.startswith("time limit")
                answer = {"status": Status.UNKNOWN.value, "reason": "not certified within the limits: " + (
                    f"time_limit = {spec.time_limit:g} s for the search reached" if timed_out else detail)}
            break
        if answer is None and reachable is not None:  # every draw was reachable: keep the last, honestly labelled
            problem, witness = reachable
            answer = {"status": Status.SAT_VERIFIED.value, "method": "search", "witness": witness}
            notes.append(f"{why}: this one is reachable")
        elif answer is None:  # nothing decided at all: the last draw, labelled as such
            answer = {"status": Status.UNKNOWN.value, "reason": f"not certified within the limits: {why}"}
    target = problem.target_list()[0]
    if "witness" in answer:  # a bug, never a user error, when it does not replay
        replay_witness(problem, target, answer["witness"], f"{stem}: the witness")
    files = {"instance": _write(directory, f"{stem}.json", dumps_readable(problem.to_json()) + "\n")}
    exports, skipped = _exports(problem, spec, directory, stem)
    files.update(exports)
    if skipped:
        notes.append("not exported: " + "; ".join(f"{fmt}: {why}" for fmt, why in skipped.items()))
    if "proof" in answer:
        files["proof"] = answer.pop("proof")
    answer["target"] = list(target) if isinstance(target, tuple) else target
    return {"name": stem, "kind": point.kind, "params": p, "seed": point.seed, "instance_sha256": problem.sha256,
            "encoding": spec.encoding, "files": files, "answer": answer, **({"notes": notes} if notes else {})}


def _network_entry(point: Point, spec: SuiteSpec, directory: Path) -> dict:
    p = dict(point.params)
    stem = point.name
    bits = p["target_bits"]
    k = -(-bits // 2)
    target = target_network([int(w) for w in p["widths"].split(",")], bits, seed=point.seed,
                            rounding=Rounding("double", bits))
    random = theorem1_random_network(target, p["c"] * k, k, seed=point.seed + NETWORK_SEED_OFFSET)
    paths = {role: directory / f"{stem}.{role}.npz" for role in ("target", "random")}
    save_network(target, paths["target"])
    save_network(random, paths["random"])
    cert = directory / f"{stem}.cert.json"
    done = certify(paths["target"], paths["random"], cert, CertifyOptions("any", time_limit=spec.time_limit))
    files = {role: {"path": f"instances/{path.name}", "sha256": sha256_file(path)} for role, path in paths.items()}
    if done.certificate is None:
        answer = {"status": Status.UNKNOWN.value, "reason": done.message}
    else:
        obj = read_json_file(cert)
        # timings live in the certificate's unchecked "info": dropped, so suites are reproducible
        obj["info"] = {k: v for k, v in obj.get("info", {}).items() if "seconds" not in k}
        write_text_atomic(cert, dumps_readable(obj) + "\n")
        files["certificate"] = {"path": f"instances/{cert.name}", "sha256": sha256_file(cert)}
        answer = {"status": (Status.SAT_VERIFIED if done.ticket else Status.UNSAT_EXHAUSTIVE).value,
                  "method": "certify --find any", "ticket": done.ticket}
    return {"name": stem, "kind": "network", "params": p, "seed": point.seed,
            "instance_sha256": hashlib.sha256(f"{target.sha256} {random.sha256}".encode()).hexdigest(),
            "files": files, "answer": answer}


def build_suite(spec: SuiteSpec, output, progress=None) -> dict:
    """Build every instance of ``spec`` into the new directory ``output`` and write its
    manifest last (a suite without manifest.json is incomplete). Returns the manifest."""

    out = Path(output)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: exists and is not empty; a suite is built into a new directory")
    directory = out / "instances"
    directory.mkdir(parents=True, exist_ok=True)
    entries = []
    try:
        for point in spec.points:
            make = _network_entry if point.kind == "network" else _subset_sum_entry
            entries.append(make(point, spec, directory))
            if progress is not None:
                progress.update(entries[-1]["answer"]["status"])
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # never leave a suite that looks complete
        raise
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["answer"]["status"]] = counts.get(e["answer"]["status"], 0) + 1
    manifest = {"format": "slth-verify-suite", "version": 1, "tool": f"slth-verify {__version__}",
                "name": spec.name, "description": spec.description, "spec": json.loads(json.dumps(spec.source)),
                "counts": dict(sorted(counts.items())), "instances": entries}
    write_text_atomic(out / "manifest.json", dumps_readable(manifest) + "\n")
    return manifest
