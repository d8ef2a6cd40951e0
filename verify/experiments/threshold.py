"""``threshold``: P(one fixed target is reachable) against n, for several M (docs/theory.md §5.1).

Each task draws n weights i.i.d. uniform on ``{-M..M}`` (without 0 by default, Lemma 4's
distribution), M = 2^bits, and decides exactly whether a subset sums to the fixed target
(default floor(M/3)). The report gives P against n per M, the n at which P crosses 1/2 (linear
interpolation between grid points), and ``n_50 - log2 M`` against ``log2 n_50``: Borgs–Chayes–
Pittel predict slope 1/2 (the critical count ``n_c = log2 M + ½ log2 n - λ``).
"""

from __future__ import annotations

import math

from verify.experiments.base import (DEFAULT_TIME_LIMIT, Experiment, Param, Table, crossing, decided, group,
                                     line_fit, target_value)
from verify.experiments.plotting import legend_entry, legend_outside, reference_style, style
from verify.generators import SubsetSumOptions, subset_sum_instance
from verify.solve.grading import SolverOptions
from verify.solve.dispatch import solve

PARAMS = (
    Param("n", "int", low=1, high=200, help="number of weights"),
    Param("bits", "int", low=1, high=60, help="M = 2^bits"),
    Param("zero", "bool", default=False, help="0 allowed among the weights"),
    Param("target", "target", default="1/3", help='the fixed target: an integer or "p/q" of M'),
)
METHODS = ("auto", "dp", "mitm", "sat", "cpsat")


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Decide one instance; ``reachable`` is True/False when certified, None otherwise."""
    M = 1 << params["bits"]
    target = target_value(params["target"], M)
    options = SubsetSumOptions(bits=params["bits"], zero=params["zero"], target=target)
    inst = subset_sum_instance(params["n"], options, seed=seed)
    answer = solve(inst, method, options=SolverOptions(time_limit=time_limit)).answers[0]
    reachable = True if answer.status.is_sat else False if answer.status.is_certified else None
    return {"instance_sha256": inst.sha256, "status": answer.status.value, "reachable": reachable,
            "target": target, "decided_by": answer.method}


def bcp_critical_n(M: int) -> float:
    """The n solving n = log2 M + ½ log2 n (the critical count at λ = 0), by fixed-point iteration."""
    n = max(1.0, math.log2(M))
    for _ in range(100):
        n = math.log2(M) + 0.5 * math.log2(n)
    return n


def tables(rows: list[dict]) -> list[Table]:
    curve = Table(["bits", "M", "zero", "target", "method", "n", "trials", "reachable", "P", "undecided"],
                  title="P(the fixed target is reachable) against n")
    fits = Table(["bits", "log2 M", "n_50", "n_50 - log2 M", "log2 n_50", "BCP n_c (λ=0)"],
                 title="where P crosses 1/2, against the Borgs-Chayes-Pittel critical count")
    xs, ys = [], []
    for (bits, zero, target, method), rs in group(rows, "bits", "zero", "target", "method").items():
        points = []
        for (n,), cell in group(rs, "n").items():
            yes, known, unknown = decided(cell, "reachable")
            p = yes / known if known else None
            curve.rows.append([bits, 1 << bits, zero, target, method, n, len(cell), yes,
                               "-" if p is None else f"{p:.3f}", unknown])
            if p is not None:
                points.append((n, p))
        n50 = crossing(points)
        if n50 is not None:
            fits.rows.append([bits, bits, f"{n50:.2f}", f"{n50 - bits:.2f}", f"{math.log2(n50):.3f}",
                              f"{bcp_critical_n(1 << bits):.2f}"])
            xs.append(math.log2(n50))
            ys.append(n50 - bits)
    fit = line_fit(xs, ys)
    fits.notes.append("n_50: linear interpolation of P between grid points; P counts certified answers only")
    fits.notes.append(f"slope of n_50 - log2 M against log2 n_50: {fit[0]:.3f} (prediction 0.5)" if fit
                      else "slope: needs n_50 at two or more M")
    return [curve, fits]


def plot(rows: list[dict], figure) -> None:
    """P(reachable) against n, one line per M (target, 0 allowed, method); at right each curve's
    crossing n_50, in that curve's colour and marker, against the slope Borgs–Chayes–Pittel predict."""
    left, right = figure.subplots(1, 2)
    xs, ys = [], []
    for i, ((bits, zero, target, method), rs) in enumerate(group(rows, "bits", "zero", "target", "method").items()):
        points = []
        for (n,), cell in group(rs, "n").items():
            yes, known, _ = decided(cell, "reachable")
            if known:
                points.append((n, yes / known))
        if points:
            left.plot(*zip(*points), **style(i),
                      label=f"M = 2^{bits}, t = {target}{' with 0' if zero else ''} ({method})")
        n50 = crossing(points)
        if n50 is not None:
            xs.append(math.log2(n50))
            ys.append(n50 - bits)
            right.plot(xs[-1:], ys[-1:], **{**style(i), "linestyle": "None"})
    left.axhline(0.5, **reference_style(0))
    left.set(xlabel="n", ylabel="P(target reachable)", title="threshold")
    legend_outside(left)
    handles = []
    if xs:
        handles.append(legend_entry("measured n_50\n(marker of its curve)", color="grey", marker="o",
                                    markerfacecolor="none", linestyle="None"))
        lo, hi = min(xs), max(xs)
        c = sum(y - 0.5 * x for x, y in zip(xs, ys)) / len(xs)
        handles += right.plot([lo, hi], [0.5 * lo + c, 0.5 * hi + c], **reference_style(1), label="slope 1/2 (BCP)")
    right.set(xlabel="log2 n_50", ylabel="n_50 - log2 M", title="critical count")
    legend_outside(right, handles)


EXPERIMENT = Experiment("threshold", "P(a fixed target is reachable) against n, for several M",
                        PARAMS, METHODS, run, tables, plot, default_time_limit=DEFAULT_TIME_LIMIT)
