"""``coverage``: how much of ``{-M..M}`` n random weights reach, and P(all of it) (docs/theory.md §5.2).

Each task draws an instance and covers every target of ``{-M..M}`` exactly (a replayed witness
for each reachable one, an exhaustive table for the rest). ``distribution``: ``uniform`` (n
weights uniform on ``{-M..M}``, M = 2^bits, with or without 0) or ``products`` (Lemma 5's
branch-A products v·u⁺ of n random pairs on S_δ, δ = 2^-bits, so M = 4^bits). Lemma 4 is about
one target; whether a union bound over all 2M+1 targets holds is what this measures. The
counting bound 2^n >= 2M+1 is printed beside it.
"""

from __future__ import annotations

import hashlib
import json
import math

from verify.experiments.base import Experiment, Param, Table, group
from verify.experiments.plotting import legend_outside, style
from verify.generators import SubsetSumOptions, product_weights, subset_sum_instance
from verify.problems import SubsetSum, TargetRange
from verify.seeding import as_generator
from verify.solve.dispatch import cover
from verify.solve.grading import SolverOptions
from verify.status import Status

PARAMS = (
    Param("n", "int", low=1, high=200, help="weights drawn (pairs, for products)"),
    Param("bits", "int", low=1, high=30, help="M = 2^bits (uniform) or 4^bits (products)"),
    Param("zero", "bool", default=False, help="0 allowed among the weights"),
    Param("distribution", "choice", default="uniform", choices=("uniform", "products")),
)
METHODS = ("auto", "dp", "mitm")


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Cover every target of {-M..M}; ``reachable`` counts the targets with a replayed witness.

    Lemma 5's products can leave no weight at all (no pair with u > 0): then only 0, the empty
    sum, is reachable, and the instance hashed is the empty weight list."""
    n, bits, zero = params["n"], params["bits"], params["zero"]
    if params["distribution"] == "products":
        # the same draws as subset_sum_instance with distribution="products", which refuses an empty list
        weights, _ = product_weights(as_generator(seed), n, bits, "A", zero)
        M = 1 << (2 * bits)
    else:
        weights = subset_sum_instance(n, SubsetSumOptions(bits=bits, zero=zero, target=0), seed=seed).weights
        M = 1 << bits
    total = 2 * M + 1
    if not weights:
        empty = json.dumps({"kind": "subset-sum", "weights": [], "targets": {"range": [-M, M]}}, sort_keys=True)
        return {"instance_sha256": hashlib.sha256(empty.encode()).hexdigest(),
                "status": Status.UNSAT_EXHAUSTIVE.value, "M": M, "weights": 0, "targets": total,
                "reachable": 1, "all_reachable": False}
    whole = SubsetSum(weights=weights, targets=TargetRange(-M, M))
    # the tables answer within the memory budget or refuse; a solver that auto falls back to
    # for some targets is held to the task's time limit (such targets stay undecided)
    report = cover(whole, method, options=SolverOptions(time_limit=time_limit))
    reachable = report.extra["reachable_count"]
    complete = reachable + len(report.extra["unreachable"]) == total
    return {"instance_sha256": whole.sha256, "status": report.status.value, "M": M,
            "weights": len(weights), "targets": total, "reachable": reachable,
            "all_reachable": (reachable == total) if complete else None}


def tables(rows: list[dict]) -> list[Table]:
    out = Table(["distribution", "zero", "bits", "M", "n", "weights", "trials", "mean fraction",
                 "min fraction", "P(all)", "2^n >= 2M+1"],
                title="fraction of {-M..M} reachable, and P(every target reachable)")
    for (dist, zero, bits, n), rs in group(rows, "distribution", "zero", "bits", "n").items():
        done = [r["result"] for r in rs if r["result"] and r["result"]["all_reachable"] is not None]
        if not done:
            out.rows.append([dist, zero, bits, "-", n, "-", len(rs), "-", "-", "-", "-"])
            continue
        fractions = [d["reachable"] / d["targets"] for d in done]
        M = done[0]["M"]
        weights = sum(d["weights"] for d in done) / len(done)
        out.rows.append([dist, zero, bits, M, n, f"{weights:.1f}", len(rs), f"{sum(fractions) / len(done):.4f}",
                         f"{min(fractions):.4f}", f"{sum(d['all_reachable'] for d in done) / len(done):.3f}",
                         "yes" if weights >= math.log2(2 * M + 1) else "no"])
    out.notes.append("fractions are exact per instance (reachable targets / (2M+1)); P(all) over "
                     "instances fully covered; 'weights' is the mean count drawn (products keep u > 0)")
    return [out]


def plot(rows: list[dict], figure) -> None:
    """Mean reachable fraction and P(all reachable) against n, one line per distribution, M and
    0 allowed or not, in the same style on both panels (one legend for both)."""
    left, right = figure.subplots(1, 2)
    for i, ((dist, zero, bits), rs) in enumerate(group(rows, "distribution", "zero", "bits").items()):
        xs, frac, every = [], [], []
        for (n,), cell in group(rs, "n").items():
            done = [r["result"] for r in cell if r["result"] and r["result"]["all_reachable"] is not None]
            if done:
                xs.append(n)
                frac.append(sum(d["reachable"] / d["targets"] for d in done) / len(done))
                every.append(sum(d["all_reachable"] for d in done) / len(done))
        label = f"{dist}, bits {bits}{', with 0' if zero else ''}"
        left.plot(xs, frac, **style(i), label=label)
        right.plot(xs, every, **style(i), label=label)
    left.set(xlabel="n", ylabel="mean fraction of {-M..M} reachable", title="coverage")
    right.set(xlabel="n", ylabel="P(all targets reachable)", title="all targets at once")
    legend_outside(right, title="both panels")


EXPERIMENT = Experiment("coverage", "fraction of {-M..M} reachable and P(all reachable) against n",
                        PARAMS, METHODS, run, tables, plot)
