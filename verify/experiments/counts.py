"""``counts``: exact solution counts against the second-moment prediction (docs/theory.md §5.3).

Each task counts exactly (arbitrary precision) the subsets of n weights uniform on ``{-M..M}``
(M = 2^bits) that sum to the target, and stores beside it the prediction of docs/theory.md §2,

    E #{S : Σ_S X = t} ≈ 2^n · sqrt(6/(π n)) / M · exp(−3 (2t − Λ)² / (2 n M²)),   Λ = Σ X,

(the partition heuristic through Lemma 2; parity matches automatically since 2t − Λ ≡ Λ mod 2).
The report compares them by the ratio exact / predicted, whose median should be near 1 where
the heuristic holds (large counts) and scatter where counts are small.
"""

from __future__ import annotations

import math
import statistics

from verify.experiments.base import Experiment, Param, Table, group, target_value
from verify.experiments.plotting import legend_outside, style
from verify.generators import SubsetSumOptions, subset_sum_instance
from verify.solve.dispatch import count

PARAMS = (
    Param("n", "int", low=1, high=200, help="number of weights"),
    Param("bits", "int", low=1, high=60, help="M = 2^bits"),
    Param("zero", "bool", default=False, help="0 allowed among the weights"),
    Param("target", "target", default="1/3", help='an integer, "p/q" of M, or "planted"'),
)
METHODS = ("auto", "dp", "mitm")


def predicted_count(n: int, M: int, total: int, target: int) -> float:
    """docs/theory.md §2's second-moment estimate of the number of subsets summing to ``target``."""
    d = 2 * target - total
    return 2.0 ** n * math.sqrt(6 / (math.pi * n)) / M * math.exp(-3 * d * d / (2 * n * M * M))


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Count exactly; ``count`` is a decimal string (it can exceed 2^63), ``predicted`` a float."""
    n, bits = params["n"], params["bits"]
    M = 1 << bits
    options = SubsetSumOptions(bits=bits, zero=params["zero"], target=target_value(params["target"], M))
    inst = subset_sum_instance(n, options, seed=seed)
    report = count(inst, method)
    exact = report.extra["counts"][0]
    target = inst.targets[0]
    return {"instance_sha256": inst.sha256, "status": report.status.value, "target": target,
            "count": str(exact), "predicted": predicted_count(n, M, sum(inst.weights), target),
            "counted_by": report.extra["count_method"]}


def tables(rows: list[dict]) -> list[Table]:
    out = Table(["bits", "n", "target", "trials", "mean count", "mean predicted", "median ratio",
                 "P(count = 0)"], title="exact solution counts against the second-moment prediction")
    for (bits, n, target), rs in group(rows, "bits", "n", "target").items():
        done = [r["result"] for r in rs if r["result"]]
        if not done:
            continue
        exact = [int(d["count"]) for d in done]
        pred = [d["predicted"] for d in done]
        ratios = [e / p for e, p in zip(exact, pred) if p > 0]
        out.rows.append([bits, n, target, len(done), f"{sum(exact) / len(done):.4g}",
                         f"{sum(pred) / len(done):.4g}",
                         f"{statistics.median(ratios):.3f}" if ratios else "-",
                         f"{sum(e == 0 for e in exact) / len(done):.3f}"])
    out.notes.append("counts are exact (each positive one backed by a replayed witness); the "
                     "prediction is a heuristic, not evidence")
    return [out]


def plot(rows: list[dict], figure) -> None:
    """Mean exact count (solid) and the second-moment prediction (dashed, same colour and marker)
    against n, per M and target."""
    ax = figure.subplots()
    for i, ((bits, target), rs) in enumerate(group(rows, "bits", "target").items()):
        xs, exact, pred = [], [], []
        for (n,), cell in group(rs, "n").items():
            done = [r["result"] for r in cell if r["result"]]
            if done:
                xs.append(n)
                exact.append(sum(int(d["count"]) for d in done) / len(done))
                pred.append(sum(d["predicted"] for d in done) / len(done))
        ax.plot(xs, exact, **style(i, "-"), label=f"M = 2^{bits}, target {target}: exact mean")
        ax.plot(xs, pred, **style(i, "--"), label=f"M = 2^{bits}, target {target}: prediction")
    ax.set_yscale("symlog")
    ax.set(xlabel="n", ylabel="number of solutions", title="solution counts (dashed: second-moment prediction)")
    legend_outside(ax)


EXPERIMENT = Experiment("counts", "exact solution counts against the second-moment prediction",
                        PARAMS, METHODS, run, tables, plot)
