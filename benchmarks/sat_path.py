"""The tool's SAT path per encoding: ``solve(problem, "sat", encoding=E)`` from start to a
certified answer (encode, solve or decide, replay, proof check), on the classes of
``benchmarks/encodings.py``.

``benchmarks/encodings.py`` measures every encoding's CNF through CaDiCaL and the checker; this
script measures what a user of ``slth-verify solve --method sat --encoding E`` waits for, which
differs for the decision diagram: it decides by itself (a path of the diagram for a reachable
target, its own checked DRUP refutation otherwise) and runs no solver. An encoding that refutes
the constraint with an empty clause proves nothing by itself (the tool then asks the exact
pre-filter): such runs are left out, so "-" can also mean that. It checks two claims:

1. on every class, ``auto``'s median time is within 1.5x of the best encoding's median;
2. on the classes with bits <= 8, the decision diagram's median beats every other encoding's.

Run: ``python benchmarks/sat_path.py`` (about 5 minutes on 2 cores; ``--quick`` for a smoke run).
Targets: per seed, the reachable target closest to the middle of the sum range and the
unreachable one closest to it (found by the exact pre-filter). Each run has a 60 s limit;
a run that hits it counts as 60 s, and such an encoding cannot be the best.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version

from verify.encodings.cnf import _alive_levels
from verify.generators import subset_sum_instance
from verify.prefilter.bitset import ReachableSums
from verify.problems import SubsetSum
from verify.solvers import SolverOptions
from verify.solving import solve

CLASSES = [(16, 8), (24, 8), (32, 8), (48, 8), (16, 12), (24, 12), (32, 12), (48, 12),
           (16, 16), (24, 16), (32, 16), (48, 16), (16, 14), (24, 21)]
QUICK = [(16, 8), (24, 8), (16, 12), (16, 14)]
ENCODINGS = ["auto", "dd", "adder", "mixedradix", "binmerge", "totalizer", "seqcounter", "bdd",
             "sortnetwrk", "watchdog"]
LIMIT = 60.0
TOO_BIG = {"seqcounter": 12, "sortnetwrk": 12, "bdd": 12, "totalizer": 12, "watchdog": 12}  # max bits


def targets(weights):
    table = ReachableSums(weights)
    mid = sum(weights) // 2
    lo, hi = table.offset, table.top
    feasible = next((mid + s * d for d in range(hi - lo + 1) for s in (1, -1)
                     if lo <= mid + s * d <= hi and table.has(mid + s * d)), None)
    infeasible = next((mid + s * d for d in range(hi - lo + 1) for s in (1, -1)
                       if lo <= mid + s * d <= hi and not table.has(mid + s * d)), None)
    return {"feasible": feasible, "infeasible": infeasible}


def timed(problem, encoding):
    """Best of up to 3 runs (runs under 0.5 s are repeated: sub-millisecond timings are noisy)."""
    best = None
    for _ in range(3):
        _alive_levels.cache_clear()  # no run may reuse the diagram another run built
        start = time.perf_counter()
        answer = solve(problem, "sat", options=SolverOptions(encoding=encoding, time_limit=LIMIT)).answers[0]
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
        if seconds > 0.5:
            break
    return best, answer


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args(argv)
    classes = QUICK if args.quick else CLASSES
    seeds = 2 if args.quick else args.seeds
    print("The tool's SAT path per encoding (benchmarks/sat_path.py)")
    print(f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}; machine: "
          f"{platform.machine()}, cpu_count={os.cpu_count()}; python {platform.python_version()}, "
          f"python-sat {version('python-sat')}, dratify {version('dratify')}")
    print(f"median seconds over {seeds} seeds; limit {LIMIT:.0f} s per run; '-' = not run (too large)\n")
    header = f"{'class':>12} {'target':>10} " + " ".join(f"{e:>10}" for e in ENCODINGS) + "  best      auto/best  dd best?"
    print(header)
    print("-" * len(header))
    verdict1, verdict2 = [], []
    timed(SubsetSum(weights=[3, 5, 7, 11], targets=[12]), "adder")  # warm up imports and fork
    for n, bits in classes:
        for kind in ("feasible", "infeasible"):
            times = {e: [] for e in ENCODINGS}
            for seed in range(seeds):
                p = subset_sum_instance(n, bits=bits, zero=False, target="middle", seed=seed)
                t = targets(list(p.weights))[kind]
                if t is None:
                    continue
                problem = SubsetSum(weights=p.weights, targets=[t])
                for e in ENCODINGS:
                    if bits > TOO_BIG.get(e, 99):
                        continue
                    seconds, answer = timed(problem, e)
                    if answer.method in ("dp-bitset", "mitm", "range", "gcd"):
                        continue  # the encoder produced the empty clause: not a proof of its own
                    if answer.status.value == "unknown" or (kind == "feasible") != answer.status.is_sat:
                        seconds = LIMIT if answer.status.value == "unknown" else float("nan")
                        if seconds != seconds:
                            print(f"WRONG ANSWER {n} {bits} {seed} {e} {answer}", file=sys.stderr)
                            return 2
                    times[e].append(seconds)
            med = {e: statistics.median(v) for e, v in times.items() if v}
            if not med:
                print(f"{f'n={n} b={bits}':>12} {kind:>10}  (no such target)")
                continue
            best = min((v, e) for e, v in med.items() if e != "auto")
            # encodings whose every run was an encoder refutation without proof are left out
            ratio = med["auto"] / best[0]
            verdict1.append(ratio <= 1.5)
            dd_best = None
            if bits <= 8:
                dd_best = all(med["dd"] <= v for e, v in med.items() if e not in ("dd", "auto"))
                verdict2.append(dd_best)
            cells = " ".join(f"{med[e]:>10.4f}" if e in med else f"{'-':>10}" for e in ENCODINGS)
            print(f"{f'n={n} b={bits}':>12} {kind:>10} {cells}  {best[1]:<9} {ratio:>9.2f}  "
                  f"{'' if dd_best is None else ('yes' if dd_best else 'NO')}")
    print()
    print(f"(1) auto within 1.5x of the best encoding on every class: "
          f"{'HOLDS' if all(verdict1) else 'FAILS'} ({sum(verdict1)}/{len(verdict1)})")
    print(f"(2) at bits <= 8 the decision diagram beats every other encoding: "
          f"{'HOLDS' if all(verdict2) else 'FAILS'} ({sum(verdict2)}/{len(verdict2)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
