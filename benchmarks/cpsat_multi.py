"""Benchmark: which of many targets are reachable, with CP-SAT, three ways.

- ``per-target``: ``verify.solve.reachability.reachable_targets_per_target``, one model (n Booleans,
  one linear equality) and one solve per target;
- ``one-model``: ``reachable_targets(..., harvest=False)``, one model whose sum variable is
  restricted to the targets still open, re-solved with each found target removed until it is
  infeasible (one solve per reachable target, plus one final INFEASIBLE for all the rest);
- ``one-model+harvest``: the same, plus after each solution every target one or two flips away
  is checked in exact arithmetic and taken without a solve.

Instances: n weights uniform on [2^(bits-1), 2^bits) (Python ``random.Random(seed)``), and
``count`` targets, either ``middle`` (consecutive integers centred on half the total, mostly
reachable) or ``spread`` (distinct integers uniform on [0, total], reachable or not). Every method
runs with the same number of workers (default: the number of cores, as the library does) and
the same total time limit per call; a call that hits it is shown with ``>`` and its answers are
not compared. Answers are checked against ``verify.solve.dispatch.cover`` (exact bitset method): the
script exits with status 1 if any decided answer disagrees. Times are wall time of one run,
model building included.

Run from the repository root::

    python benchmarks/cpsat_multi.py            # the full grid, a few minutes on 2 cores
    python benchmarks/cpsat_multi.py --quick    # a few rows
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import time

from ortools import __version__ as ortools_version

from verify.problems import SubsetSum
from verify.solve.cpsat import default_workers
from verify.solve.dispatch import cover
from verify.solve.reachability import reachable_targets, reachable_targets_per_target


def instance(n: int, bits: int, count: int, pattern: str, seed: int) -> SubsetSum:
    rng = random.Random(f"{seed}-{n}-{bits}-{count}-{pattern}")
    weights = [rng.randrange(1 << (bits - 1), 1 << bits) for _ in range(n)]
    total = sum(weights)
    if pattern == "middle":
        start = total // 2 - count // 2
        targets = list(range(start, start + count))
    else:
        targets = rng.sample(range(total + 1), count)
    return SubsetSum(weights=weights, targets=targets)


def run(fn, problem, limit, workers, **kw):
    stats = {}
    start = time.perf_counter()
    answers = fn(problem, None, limit, workers=workers, stats=stats, **kw)
    return time.perf_counter() - start, answers, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--limit", type=float, default=120.0, help="seconds per call (all targets)")
    args = ap.parse_args()
    workers = args.workers or default_workers()
    if args.quick:
        grid = list(itertools.product([20, 30], [8, 12], [50], ["middle", "spread"]))
    else:
        grid = list(itertools.product([20, 25, 30], [8, 12], [50, 500], ["middle", "spread"]))
    print(f"cpsat_multi: ortools {ortools_version}, {os.cpu_count()} cores, num_workers={workers}, "
          f"limit {args.limit:g} s per call, seed {args.seed}")
    headers = ["n", "bits", "targets", "pattern", "reach", "per-target", "one-model", "solves",
               "+harvest", "solves", "best"]
    rows = []
    bad = 0
    for n, bits, count, pattern in grid:
        p = instance(n, bits, count, pattern, args.seed)
        truth_unreach = set(cover(p, "dp").extra["unreachable"])
        reach = sum(t not in truth_unreach for t in p.targets)
        times = {}
        cells = []
        for name, fn, kw in (("per-target", reachable_targets_per_target, {}),
                             ("one-model", reachable_targets, {"harvest": False}),
                             ("+harvest", reachable_targets, {"harvest": True})):
            seconds, answers, stats = run(fn, p, args.limit, workers, **kw)
            timed_out = any(o == "unknown" for o, _ in answers.values())
            for t, (o, _) in answers.items():
                if o != "unknown" and (o == "sat") != (t not in truth_unreach):
                    print(f"DISAGREEMENT: {name} n={n} bits={bits} target {t}: {o}", file=sys.stderr)
                    bad += 1
            times[name] = float("inf") if timed_out else seconds
            text = (">" if timed_out else "") + f"{seconds:.3f}"
            cells.append(text if name == "per-target" else f"{text}  {stats['solves']}".split("  "))
        best = min(times, key=times.get)
        rows.append([str(n), str(bits), str(count), pattern, str(reach), cells[0], *cells[1], *cells[2], best])
        print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    print("times in seconds (wall, model building included); reach = reachable targets (exact); "
          "solves = CP-SAT calls")
    if bad:
        print(f"{bad} answers disagree with the exact method")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
