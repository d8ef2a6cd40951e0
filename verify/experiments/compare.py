"""``compare``: heuristics against the exact answer, per instance (``slth-verify compare``).

A task is one (instance, method). The instance is either generated (``n``, ``kappa``, ``target``,
``zero``, ``size``, from the task's seed, as ``slth-verify generate subset-sum`` does) or read from
a suite (``suite`` = its directory, ``instance`` = the manifest name; the manifest's certified
answer rides along). Methods: the subset-sum heuristics of ``verify.heuristics`` (each candidate
judged by the exact checker: ``hit`` is never the heuristic's own claim) and ``exact`` (the
library's ``solve``: a witness or an evidence-graded "no").

A heuristic row's status is ``sat-verified`` when it hit, else ``unknown`` (a miss is not
evidence of anything). The report joins each heuristic row with its instance's ``exact`` row (or
the suite's answer) to show success among the reachable instances and the time beside the exact
method's.
"""

from __future__ import annotations

import math
import statistics
import time
from fractions import Fraction
from pathlib import Path

from verify.errors import InputError
from verify.experiments.base import Experiment, Param, Table, target_value

HEURISTIC_NAMES = ("greedy", "kk", "ckk", "local-search", "beam")
EDGE_POPUP_DENSITY = 0.25  # edge-popup's kept fraction on network instances (density = kept / total)
EDGE_POPUP_ITERATIONS = 300
PARAMS = (
    Param("suite", "text", default="", help="a suite directory (then instance names one of its instances)"),
    Param("instance", "text", default="", help="the instance's name in the suite's manifest"),
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
    from verify.networks import load_network
    from verify.problems import load_problem, read_json_file

    manifest = read_json_file(Path(suite) / "manifest.json")
    entry = next((e for e in manifest.get("instances", []) if e.get("name") == name), None)
    if entry is None:
        raise InputError(f"{suite}: no instance named {name!r} in the manifest")
    files = entry["files"]
    if entry["kind"] == "network":
        return (load_network(Path(suite) / files["target"]["path"]),
                load_network(Path(suite) / files["random"]["path"])), entry["answer"]
    return load_problem(Path(suite) / files["instance"]["path"]), entry["answer"]


def _network_run(pair, known, seed: int, method: str, time_limit) -> dict:
    """A method on a network instance: the subset-sum heuristics solve the construction's
    per-weight sums, ``edge-popup`` searches masks by scores, ``exact`` is the exact construction;
    ``hit`` only when the pruned network is proved equal to the target."""
    import hashlib

    from verify.constructions import construct_theorem1
    from verify.heuristics.network import construction_heuristic, edge_popup, exact_verdict

    target, random = pair
    k = -(-max(target.scales) // 2)
    out = {"instance_sha256": hashlib.sha256(f"{target.sha256} {random.sha256}".encode()).hexdigest(),
           "n": target.num_weights, "kappa": "network", "suite_status": known["status"] if known else None}
    start = time.perf_counter()
    if method == "exact":
        built = construct_theorem1(target, random, k)
        hit = built.ok and exact_verdict(target, random, k, built.mask)["hit"]
    elif method == "edge-popup":
        hit = edge_popup(target, random, k, density=EDGE_POPUP_DENSITY, seed=seed,
                         iterations=EDGE_POPUP_ITERATIONS, time_limit=time_limit).hit
    else:
        hit = construction_heuristic(target, random, k, method, seed=seed, time_limit=time_limit).hit
    out.update(status="sat-verified" if hit else "unknown", hit=hit, error=None,
               method_seconds=time.perf_counter() - start)
    if method == "exact":
        out["reachable"] = hit or None  # the exact construction failing is not "no ticket"
    return out


def instance(params: dict, seed: int):
    """(problem, certified answer from a suite or None)."""
    from verify.generators import m_for_kappa, subset_sum_instance

    if params["suite"]:
        return _suite_instance(params["suite"], params["instance"])
    n, kappa = params["n"], params["kappa"]
    size = None if params["size"] < 0 else params["size"]
    target = target_value(params["target"], m_for_kappa(n, kappa))
    return subset_sum_instance(n, kappa=kappa, zero=params["zero"], target=target, size=size, seed=seed), None


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """One method on one instance: hit and exact error for a heuristic, the answer for ``exact``."""
    problem, known = instance(params, seed)
    if isinstance(problem, tuple):
        return _network_run(problem, known, seed, method, time_limit)
    if method == "edge-popup":
        return {"instance_sha256": problem.sha256, "status": "unknown", "n": problem.n, "kappa": "n/a",
                "hit": False, "error": None, "method_seconds": 0.0, "reason": "edge-popup prunes networks"}
    M = max(abs(w) for w in problem.weights)
    out = {"instance_sha256": problem.sha256, "n": problem.n,
           "kappa": f"{math.log2(M) / problem.n:.4f}" if M else "0",
           "suite_status": known["status"] if known else None}
    if method == "exact":
        from verify.solvers import SolverOptions
        from verify.solving import solve

        start = time.perf_counter()
        answer = solve(problem, "auto", options=SolverOptions(time_limit=time_limit)).answers[0]
        out.update(status=answer.status.value, method_seconds=time.perf_counter() - start,
                   reachable=True if answer.status.is_sat else False if answer.status.is_certified else None,
                   decided_by=answer.method)
        return out
    from verify.heuristics import run_heuristic

    start = time.perf_counter()
    cand = run_heuristic(method, problem, seed=seed, time_limit=time_limit)
    # method_seconds counts the exact check of the candidate, as the exact method's counts its replay
    out.update(status="sat-verified" if cand.hit else "unknown", hit=cand.hit,
               error=None if cand.error is None else str(cand.error),
               method_seconds=time.perf_counter() - start, heuristic_seconds=cand.seconds)
    return out


def _reachable(rows: list[dict]) -> dict[str, bool | None]:
    """instance hash -> reachable, from exact rows and suites' certified answers."""
    out: dict[str, bool | None] = {}
    for r in rows:
        res = r["result"]
        if not res:
            continue
        if r["method"] == "exact" and res.get("reachable") is not None:
            out[res["instance_sha256"]] = res["reachable"]
        elif res.get("suite_status") in ("sat-verified", "unsat-exhaustive", "unsat-proof-checked") \
                and res["instance_sha256"] not in out:
            out[res["instance_sha256"]] = res["suite_status"] == "sat-verified"
    return out


def band(kappa: str) -> str:
    """κ bands of width 0.2 (the easy band is κ < 0.8); network instances are their own band."""
    if kappa in ("network", "n/a"):
        return kappa
    lo = math.floor(float(Fraction(kappa)) * 5) / 5
    return f"[{lo:.1f}, {lo + 0.2:.1f})"


def tables(rows: list[dict]) -> list[Table]:
    reach = _reachable(rows)
    cells: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["result"] and r["result"]["kappa"] != "n/a":  # n/a: edge-popup on a subset-sum instance
            res = r["result"]
            cells.setdefault((band(res["kappa"]), res["n"], r["method"]), []).append(res)
    t = Table(["κ band", "n", "method", "instances", "reachable", "hits", "success", "median |error| of misses",
               "median s", "vs exact"], title="heuristics against the exact answer")
    for b, n in sorted({k[:2] for k in cells}):
        exact = [x["method_seconds"] for x in cells.get((b, n, "exact"), [])]
        exact_med = statistics.median(exact) if exact else None
        for m in METHODS:
            res = cells.get((b, n, m))
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
            t.rows.append([b, n, m, len(res), f"{len(yes)}/{len(known)}" if known else "-", hits,
                           f"{hits / len(yes):.3f}" if yes else "-",
                           f"{statistics.median(misses):.4g}" if misses else "-", f"{med:.5f}",
                           f"{med / exact_med:.2f}x" if exact_med else "-"])
    t.notes.append("success = hits / reachable instances (reachability from the exact rows or the suite's "
                   "certified answers); a heuristic's miss says nothing about reachability; times include "
                   "the exact check of each candidate, as the exact method's include its replay")
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
    for (_, m, n), pts in sorted(curves.items()):
        xs = sorted(pts)
        line, = left.plot(xs, [sum(h for h, _ in pts[x]) / len(pts[x]) for x in xs], marker="o", label=f"{m}, n = {n}")
        right.plot(xs, [statistics.median(s for _, s in pts[x]) for x in xs], marker="o", color=line.get_color())
    left.set(xlabel="κ = log2(M)/n", ylabel="success rate (reachable instances)", title="heuristics vs exact")
    right.set(xlabel="κ = log2(M)/n", ylabel="median seconds", yscale="log", title="time")
    if left.get_legend_handles_labels()[0]:
        left.legend(fontsize="x-small", ncol=2)


EXPERIMENT = Experiment("compare", "heuristics against the exact answer, per instance", PARAMS, METHODS,
                        run, tables, plot)
