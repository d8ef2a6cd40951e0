"""``compare``: heuristics against the exact answer, per instance (``slth-verify compare``).

A task is one (instance, method). The instance is either generated (``source = "generated"``:
``n``, ``kappa``, ``target``, ``zero``, ``size``, from the task's seed, as ``slth-verify generate
subset-sum`` does) or read from a suite (``suite_spec``: ``source = "suite"``, ``suite`` = its
directory, ``instance`` = the manifest name, and the instance's own parameters and seed, so a row
says which instance it ran on; the manifest's certified answer rides along). Methods: the
subset-sum heuristics of ``verify.heuristics`` (each candidate judged by the exact checker:
``hit`` is never the heuristic's own claim) and ``exact`` (the library's ``solve``: a witness or
an evidence-graded "no"). ``edge-popup`` runs on network instances only, and no method on vector
instances (``applies``). A task without a time limit gets ``DEFAULT_TIME_LIMIT``: complete KK
alone can run for minutes at n = 40.

A heuristic row's status is ``sat-verified`` when it hit, else ``unknown`` (a miss is not
evidence of anything). The report joins each heuristic row with its instance's ``exact`` row (or
the suite's answer) to show success among the reachable instances and the time beside the exact
method's.
"""

from __future__ import annotations

import hashlib
import math
import statistics
import time
from fractions import Fraction
from pathlib import Path

from verify.constructions import construct_theorem1
from verify.errors import InputError
from verify.experiments.base import DEFAULT_TIME_LIMIT, Experiment, Param, Table, target_value
from verify.experiments.plotting import legend_outside, style
from verify.experiments.spec import Spec, default_kill_after, spec_methods
from verify.generators import SubsetSumOptions, m_for_kappa, subset_sum_instance
from verify.heuristics import run_heuristic
from verify.heuristics.network import (
    EdgePopupOptions, HeuristicConstructionOptions, construction_heuristic, edge_popup, exact_verdict,
)
from verify.networks import load_network
from verify.problems import load_problem, read_json_file
from verify.solve.dispatch import solve
from verify.solve.grading import SolverOptions
from verify.solve.limits import check_time_limit
from verify.status import Status
from verify.suites.spec import critical_M, parse_suite_spec

HEURISTIC_NAMES = ("greedy", "kk", "ckk", "local-search", "beam")
EDGE_POPUP_DENSITY = 0.25  # edge-popup's kept fraction on network instances (density = kept / total)
EDGE_POPUP_ITERATIONS = 300
PARAMS = (
    Param("source", "choice", default="generated", choices=("generated",),
          help="generated from the parameters below and the seed (rows of compare --suite say suite)"),
    Param("n", "int", default=24, low=1, high=400),
    Param("kappa", "number", default="0.9", low=0, high=4, help="κ = log2(M)/n"),
    Param("target", "target", default="planted"),
    Param("zero", "bool", default=False),
    Param("size", "int", default=-1, low=-1, help="exactly this many elements (-1: any)"),
)
METHODS = HEURISTIC_NAMES + ("edge-popup", "exact")


def _suite_instance(suite: str, name: str):
    """(problem, certified answer) of a suite's instance: a SubsetSum / VectorSubsetSum, or for a
    network instance the pair (target, random)."""

    manifest = read_json_file(Path(suite) / "manifest.json")
    entry = next((e for e in manifest.get("instances", []) if e.get("name") == name), None)
    if entry is None:
        raise InputError(f"{suite}: no instance named {name!r} in the manifest")
    files = entry["files"]
    if entry["kind"] == "network":
        return (load_network(Path(suite) / files["target"]["path"]),
                load_network(Path(suite) / files["random"]["path"])), entry["answer"]
    return load_problem(Path(suite) / files["instance"]["path"]), entry["answer"]


def applies(params: dict, method: str) -> str | None:
    """Why ``method`` does not run on this instance (None: it does)."""
    kind = params.get("kind", "subset-sum")
    if kind == "vector":
        return "vector instances are left out: the heuristics are one-dimensional"
    if method == "edge-popup" and kind != "network":
        return "edge-popup prunes networks, not subset-sum instances"
    return None


def _suite_params(directory: Path, entry) -> dict:
    """A suite instance's own parameters, as its row stores them: the suite family's (``lambda``,
    ``answer``, ...) and the instance's exact n, size and target; κ = log2(M)/n of the family's
    M (4 decimals), as for a generated instance."""

    where = f"{directory / 'manifest.json'}: instances"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
            or entry.get("kind") not in ("subset-sum", "vector", "network") or not isinstance(entry.get("params"), dict) \
            or not all(v is None or isinstance(v, (str, int, float)) for v in entry["params"].values()):
        raise InputError(f"{where}: expected entries with a name, a kind (subset-sum, vector or network) and "
                         f"parameters, got {str(entry)[:80]!r}")
    out = {**entry["params"], "source": "suite", "suite": str(directory), "instance": entry["name"],
           "kind": entry["kind"]}
    if entry["kind"] != "subset-sum":
        return out
    try:
        problem = load_problem(directory / entry["files"]["instance"]["path"])
        M = critical_M(problem.n, Fraction(str(entry["params"]["lambda"])))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        raise InputError(f"{where}: {entry['name']}: expected files.instance.path and params.lambda") from None
    out.update(n=problem.n, M=M, kappa=f"{math.log2(M) / problem.n:.4f}", size=-1 if problem.size is None
               else problem.size, target="planted" if out.get("answer") == "planted" else problem.target_list()[0])
    return out


def suite_spec(directory, methods=None, time_limit: float | None = None):
    """The sweep spec of ``compare --suite``: one point per instance of the suite at
    ``directory`` (its parameters and seed), ``methods`` (default: every method; each one named
    must apply to some instance), ``time_limit`` per task (default: the suite spec's, what
    certifying its answers was given)."""

    directory = Path(directory).resolve()
    source = f"--suite {directory}"
    manifest = read_json_file(directory / "manifest.json")
    entries = manifest.get("instances") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{directory / 'manifest.json'}: instances: expected a non-empty list")
    seeds = [e.get("seed") if isinstance(e, dict) else None for e in entries]
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds):
        raise InputError(f"{directory / 'manifest.json'}: instances: every instance needs its seed (an integer >= 0)")
    points = tuple((tuple(sorted(_suite_params(directory, e).items())), s) for e, s in zip(entries, seeds))
    if time_limit is None:
        spec_data = manifest.get("spec")
        time_limit = parse_suite_spec(spec_data, f"{directory / 'manifest.json'}: spec").time_limit \
            if isinstance(spec_data, dict) else DEFAULT_TIME_LIMIT
    time_limit = check_time_limit(time_limit, "--time-limit")
    spec = Spec(source, EXPERIMENT, str(manifest.get("description", "")), tuple(sorted(set(seeds))),
                spec_methods(list(METHODS) if methods is None else methods, EXPERIMENT, f"{source}: methods"),
                time_limit, default_kill_after(time_limit), (), points)
    for m in spec.methods if methods is not None else ():  # the default, every method, may omit some
        why = sorted({spec.inapplicable.get((p, m)) for p, _ in points}, key=str)
        if all(why):
            raise InputError(f"{source}: methods: {m} applies to no instance of the suite: {'; '.join(why)}")
    if spec.size == 0:
        raise InputError(f"{source}: no method applies to any instance: {'; '.join(sorted(spec.omitted))}")
    return spec


def _network_run(pair, known, seed: int, method: str, time_limit) -> dict:
    """A method on a network instance: the subset-sum heuristics solve the construction's
    per-weight sums, ``edge-popup`` searches masks by scores, ``exact`` is the exact construction;
    ``hit`` only when the pruned network is proved equal to the target."""
    target, random = pair
    k = -(-max(target.scales) // 2)
    out = {"instance_sha256": hashlib.sha256(f"{target.sha256} {random.sha256}".encode()).hexdigest(),
           "n": target.num_weights, "kappa": "network", "suite_status": known["status"] if known else None}
    start = time.perf_counter()
    if method == "exact":
        built = construct_theorem1(target, random, k)
        hit = built.ok and exact_verdict(target, random, k, built.mask).equal
    elif method == "edge-popup":
        options = EdgePopupOptions(density=EDGE_POPUP_DENSITY, seed=seed, iterations=EDGE_POPUP_ITERATIONS,
                                   time_limit=time_limit)
        hit = edge_popup(target, random, k, options).hit
    else:
        hit = construction_heuristic(target, random, k,
                                     HeuristicConstructionOptions(method, seed=seed, time_limit=time_limit)).hit
    out.update(status=(Status.SAT_VERIFIED if hit else Status.UNKNOWN).value, hit=hit, error=None,
               method_seconds=time.perf_counter() - start)
    if method == "exact":
        out["reachable"] = hit or None  # the exact construction failing is not "no ticket"
    return out


def instance(params: dict, seed: int):
    """(problem, certified answer from a suite or None)."""

    if params.get("source") == "suite":
        return _suite_instance(params["suite"], params["instance"])
    n, kappa = params["n"], params["kappa"]
    size = None if params["size"] < 0 else params["size"]
    target = target_value(params["target"], m_for_kappa(n, kappa))
    options = SubsetSumOptions(kappa=kappa, zero=params["zero"], target=target, size=size)
    return subset_sum_instance(n, options, seed=seed), None


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """One method on one instance: hit and exact error for a heuristic, the answer for ``exact``."""
    why = applies(params, method)
    if why is not None:
        raise InputError(f"method {method}: {why}")
    problem, known = instance(params, seed)
    if isinstance(problem, tuple):
        return _network_run(problem, known, seed, method, time_limit)
    M = max(abs(w) for w in problem.weights)
    out = {"instance_sha256": problem.sha256, "n": problem.n,
           "kappa": f"{math.log2(M) / problem.n:.4f}" if M else "0",
           "suite_status": known["status"] if known else None}
    if method == "exact":
        start = time.perf_counter()
        answer = solve(problem, "auto", options=SolverOptions(time_limit=time_limit)).answers[0]
        out.update(status=answer.status.value, method_seconds=time.perf_counter() - start,
                   reachable=True if answer.status.is_sat else False if answer.status.is_certified else None,
                   decided_by=answer.method)
        return out

    start = time.perf_counter()
    cand = run_heuristic(method, problem, seed=seed, time_limit=time_limit)
    # method_seconds counts the exact check of the candidate, as the exact method's counts its replay
    out.update(status=(Status.SAT_VERIFIED if cand.hit else Status.UNKNOWN).value, hit=cand.hit,
               error=None if cand.error is None else str(cand.error),
               method_seconds=time.perf_counter() - start, heuristic_seconds=cand.seconds)
    return out


# a suite's answers that decide reachability, as stored (a status's value)
CERTIFIED = tuple(s.value for s in Status if s.is_certified)


def _reachable(rows: list[dict]) -> dict[str, bool | None]:
    """instance hash -> reachable, from exact rows and suites' certified answers."""
    out: dict[str, bool | None] = {}
    for r in rows:
        res = r["result"]
        if not res:
            continue
        if r["method"] == "exact" and res.get("reachable") is not None:
            out[res["instance_sha256"]] = res["reachable"]
        elif res.get("suite_status") in CERTIFIED and res["instance_sha256"] not in out:
            out[res["instance_sha256"]] = Status(res["suite_status"]).is_sat
    return out


def band(kappa: str) -> str:
    """κ bands of width 0.2 (the easy band is κ < 0.8); network instances are their own band."""
    if kappa in ("network", "n/a"):
        return kappa
    lo = math.floor(float(Fraction(kappa)) * 5) / 5
    return f"[{lo:.1f}, {lo + 0.2:.1f})"


def source_label(params: dict) -> str:
    """Where a row's instance came from: ``generated``, or ``suite NAME`` (the directory's name)."""
    suite = params.get("suite")  # rows written before ``source`` existed have suite = "" when generated
    return f"suite {Path(suite).name}" if suite else "generated"


def tables(rows: list[dict]) -> list[Table]:
    reach = _reachable(rows)
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        # kappa n/a: edge-popup on a subset-sum instance, stored by versions before ``applies``
        if r["result"] and r["result"]["kappa"] != "n/a":
            res = r["result"]
            cells.setdefault((source_label(r["params"]), band(res["kappa"]), res["n"], r["method"]), []).append(res)
    t = Table(["source", "κ band", "n", "method", "instances", "reachable", "hits", "success",
               "median |error| of misses", "median s", "vs exact"], title="heuristics against the exact answer")
    for where, b, n in sorted({k[:3] for k in cells}):
        exact = [x["method_seconds"] for x in cells.get((where, b, n, "exact"), [])]
        exact_med = statistics.median(exact) if exact else None
        for m in METHODS:
            res = cells.get((where, b, n, m))
            if not res:
                continue
            known = [x for x in res if reach.get(x["instance_sha256"]) is not None]
            yes = [x for x in known if reach[x["instance_sha256"]]]
            med = statistics.median(x["method_seconds"] for x in res)
            if m == "exact":
                hits = sum(bool(x.get("reachable")) for x in res)
                misses = []
            else:
                hits = sum(bool(x["hit"]) for x in res)
                misses = [int(x["error"]) for x in res if not x["hit"] and x["error"] is not None]
            t.rows.append([where, b, n, m, len(res), f"{len(yes)}/{len(known)}" if known else "-", hits,
                           f"{hits / len(yes):.3f}" if yes else "-",
                           f"{statistics.median(misses):.4g}" if misses else "-", f"{med:.5f}",
                           f"{med / exact_med:.2f}x" if exact_med else "-"])
    t.notes.append("success = hits / reachable instances (reachability from the exact rows or the suite's "
                   "certified answers); a heuristic's miss says nothing about reachability; times include "
                   "the exact check of each candidate, as the exact method's include its replay; κ = "
                   "log2(max |w|)/n of each instance; generated and suite instances are never in one band")
    return [t]


def plot(rows: list[dict], figure) -> None:
    """Success among reachable instances and median time against κ, one line per method and n."""
    left, right = figure.subplots(1, 2)
    reach = _reachable(rows)
    curves: dict[tuple, dict[float, list]] = {}
    for r in rows:
        res = r["result"]
        if not res or not reach.get(res["instance_sha256"]) or res["kappa"] in ("network", "n/a"):
            continue
        k = round(float(Fraction(res["kappa"])), 2)
        curves.setdefault((METHODS.index(r["method"]), r["method"], res["n"]), {}).setdefault(k, []).append(
            (bool(res.get("hit", res.get("reachable"))), res["method_seconds"]))
    for i, ((_, m, n), pts) in enumerate(sorted(curves.items())):
        xs = sorted(pts)
        left.plot(xs, [sum(h for h, _ in pts[x]) / len(pts[x]) for x in xs], **style(i), label=f"{m}, n = {n}")
        right.plot(xs, [statistics.median(s for _, s in pts[x]) for x in xs], **style(i), label=f"{m}, n = {n}")
    left.set(xlabel="κ = log2(M)/n", ylabel="success rate (reachable instances)", title="heuristics vs exact")
    right.set(xlabel="κ = log2(M)/n", ylabel="median seconds", yscale="log", title="time")
    legend_outside(right, title="both panels")


EXPERIMENT = Experiment("compare", "heuristics against the exact answer, per instance", PARAMS, METHODS,
                        run, tables, plot, applies=applies, default_time_limit=DEFAULT_TIME_LIMIT)
