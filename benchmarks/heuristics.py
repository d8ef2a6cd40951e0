"""Heuristics against the exact method: success rate and median time per κ band (issue 7's
criterion: on the easy band κ < 0.8 the exact method's median time stays within 10x of the
fastest heuristic's).

Every task runs in this one process, one after another, through the ``compare`` experiment's
task function (the same code ``slth-verify compare`` runs in its workers), so the times are
comparable: planted instances (every one reachable) at n = 24 and 32, seeds 0..S-1. Each
heuristic's hit is the exact checker's verdict. Baseline: the exact method, measured in the
same run on the same instances.

    .venv/bin/python benchmarks/heuristics.py            # about 2 minutes on 1 core
    .venv/bin/python benchmarks/heuristics.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys

from verify.experiments import experiment
from verify.experiments.base import Table
from verify.experiments.compare import HEURISTIC_NAMES
from verify.experiments.report import format_table

KAPPAS = ("0.5", "0.6", "0.7", "0.9", "1", "1.1", "1.3")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    seeds = 3 if args.quick else args.seeds
    ns = (24,) if args.quick else (24, 32)
    exp = experiment("compare")
    import numpy
    import ortools

    print(f"machine: {platform.machine()}, Python {platform.python_version()}, NumPy {numpy.__version__}, "
          f"OR-Tools {ortools.__version__}; {seeds} seeds, n in {ns}")
    rows = []
    for n in ns:
        for kappa in KAPPAS:
            params = {"source": "generated", "n": n, "kappa": kappa, "target": "planted", "zero": False,
                      "size": -1}
            exp.run(params, 10_000, "exact", 10)  # warm: imports and caches are not a method's time
            for seed in range(seeds):
                for method in HEURISTIC_NAMES + ("exact",):  # edge-popup prunes networks
                    result = exp.run(params, seed, method, 10)
                    rows.append({"params": params, "seed": seed, "method": method, "status": result["status"],
                                 "result": result, "seconds": result["method_seconds"]})
    print()
    print(format_table(exp.tables(rows)[0]))
    easy: dict[str, list[float]] = {}
    for r in rows:
        if float(r["result"]["kappa"]) < 0.8:
            easy.setdefault(r["method"], []).append(r["result"]["method_seconds"])
    medians = {m: statistics.median(v) for m, v in easy.items()}
    fastest = min((m for m in medians if m != "exact"), key=medians.get)
    ratio = medians["exact"] / medians[fastest]
    verdict = Table(["band", "exact median s", "fastest heuristic", "its median s", "exact / fastest"],
                    title="criterion: exact within 10x of the fastest heuristic on κ < 0.8")
    verdict.rows.append(["κ < 0.8", f"{medians['exact']:.6f}", fastest, f"{medians[fastest]:.6f}",
                         f"{ratio:.1f}x"])
    verdict.notes.append(f"{'PASS' if ratio <= 10 else 'FAIL'} (criterion <= 10x)")
    print()
    print(format_table(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
