"""Benchmark: vector subset sum decided natively (``mitm-vector``, ``dp-vector``) against CP-SAT.

Instances are market-split shaped: n weight vectors of dimension ``dim`` with coordinates uniform
on ``0..c`` (NumPy ``default_rng`` seeded from the row), and one target, either ``split`` (half
the column sums, rounded down: mostly unreachable, the hard case) or ``planted`` (the sum of a
random subset). Each row runs, on the same instance:

- ``mitm``: ``solve(problem, "mitm")``, vector meet in the middle (per-coordinate int64);
- ``dp``: ``solve(problem, "dp")``, the reachable-vector table (dense bitset over the box or a
  sparse set of rows); skipped (``skip``) when its estimated cost is over about a minute, or
  ``n/a`` when it does not fit the memory budget;
- ``auto``: what ``solve(problem)`` picks, and its time;
- ``cpsat``: the baseline, ``solve(problem, "cpsat")`` with one linear equality per coordinate,
  OR-Tools' default workers, under ``--limit`` seconds (``>`` when hit: no answer).

Ratios are the baseline's time over the method's (``>``: the baseline hit its limit, so at
least this much). Every decided answer must agree across methods, else the script exits with
status 1. Times are wall time of one run, table building and witness replay included.

Run from the repository root::

    python benchmarks/vector.py            # the full grid, about 10-20 minutes on 2 cores
    python benchmarks/vector.py --quick    # a few rows, about a minute
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

import numpy as np

from verify.problems import VectorSubsetSum
from verify.solve.dispatch import solve
from verify.solve.grading import SolverOptions
from verify.solve.methods import vector_dp_cost
from verify.solve.screening import screen
from verify.status import Status

DP_MAX_OPS = 3 * 10**10  # about a minute of the table at the measured 2-9 ns per unit


def instance(dim: int, n: int, c: int, target: str, seed: int) -> VectorSubsetSum:
    rng = np.random.default_rng([seed, dim, n, c, target == "split"])
    w = rng.integers(0, c + 1, size=(n, dim))
    t = w.sum(axis=0) // 2 if target == "split" else w[rng.random(n) < 0.5].sum(axis=0)
    return VectorSubsetSum(weights=w.tolist(), targets=[t.tolist()])


def timed(problem, method: str, budget, options=None) -> tuple[float, str, str]:
    """(seconds, verdict yes/no/?, method label) of one solve."""
    start = time.perf_counter()
    report = solve(problem, method, budget, options)
    seconds = time.perf_counter() - start
    a = report.answers[0]
    verdict = "yes" if a.status.is_sat else "?" if a.status is Status.UNKNOWN else "no"
    return seconds, verdict, report.method


def dp_fits(problem) -> bool:
    plain = screen(problem)
    if not plain.todo.size:
        return True
    return vector_dp_cost(plain.weights, plain.scalar.tolist(), False)[0] <= DP_MAX_OPS


def ratio(base: float, base_verdict: str, t: float | None) -> str:
    if t is None:
        return "-"
    return f"{'>' if base_verdict == '?' else ''}{base / t:.1f}x"


def row(dim, n, c, target, args) -> tuple[list[str], bool]:
    problem = instance(dim, n, c, target, args.seed)
    options = SolverOptions(time_limit=args.limit)
    cp_t, cp_v, _ = timed(problem, "cpsat", args.budget, options)
    mitm_t = mitm_v = None
    if n <= 48:
        mitm_t, mitm_v, _ = timed(problem, "mitm", args.budget)
    dp_t = dp_v = None
    dp_text = "skip"
    if dp_fits(problem):
        try:
            dp_t, dp_v, _ = timed(problem, "dp", args.budget)
            dp_text = f"{dp_t:.2f}"
        except Exception as e:  # over the budget: shown, not fatal
            if type(e).__name__ != "BudgetExceeded":
                raise
            dp_text = "n/a"
    auto_t, auto_v, auto_m = timed(problem, "auto", args.budget, options)
    verdicts = {v for v in (cp_v, mitm_v, dp_v, auto_v) if v in ("yes", "no")}
    answer = verdicts.pop() if len(verdicts) == 1 else ("DISAGREE" if verdicts else "?")
    cells = [str(dim), str(n), str(c), target, answer,
             f"{'>' if cp_v == '?' else ''}{cp_t:.2f}",
             "-" if mitm_t is None else f"{mitm_t:.2f}", ratio(cp_t, cp_v, mitm_t),
             dp_text, ratio(cp_t, cp_v, dp_t), f"{auto_m} {auto_t:.2f}", ratio(cp_t, cp_v, auto_t)]
    return cells, answer != "DISAGREE"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few rows")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=None, help="CP-SAT seconds per instance "
                    "(default 10 with --quick, else 60)")
    ap.add_argument("--budget", default="4G", help="memory budget of the exact methods")
    args = ap.parse_args()
    if args.limit is None:
        args.limit = 10.0 if args.quick else 60.0
    if args.quick:
        grid = [(3, 30, 10, "split"), (5, 30, 200, "split"), (5, 40, 200, "split"),
                (8, 40, 1000, "planted")]
    else:
        grid = list(itertools.product([2, 5, 8], [20, 30, 40], [10, 200, 1000], ["split", "planted"]))
    print(f"vector: {os.cpu_count()} cores, CP-SAT limit {args.limit:g} s, budget {args.budget}, "
          f"seed {args.seed}; ratios = cpsat time / method time")
    headers = ["dim", "n", "c", "target", "answer", "cpsat s", "mitm s", "ratio", "dp s", "ratio",
               "auto s", "ratio"]
    rows, ok = [], True
    for dim, n, c, target in grid:
        cells, agree = row(dim, n, c, target, args)
        ok &= agree
        rows.append(cells)
        print("  ".join(cells), flush=True, file=sys.stderr)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    for r in rows:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)))
    if not ok:
        print("methods DISAGREE on some instance", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
