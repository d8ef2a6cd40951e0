"""Exhaustive methods at the frontier: meet in the middle against Schroeppel–Shamir, with CP-SAT
and CaDiCaL beside them, on the same hard instances (density κ = 1).

Instances: for each n (default 32, 36, .., 56), ``subset_sum_instance(n, kappa=1, seed=base+n)``:
weights uniform on {-2^n..2^n}, the hardest density. Two targets per n: ``yes``, the planted
subset sum, and ``no``, a value drawn uniformly from the middle half of the sum range with the
same seed (most such values are unreachable at κ = 1; whatever the answer, every method must
give the same one).

Every (instance, target, method) runs in its own child process (this script with ``--child``), so
that its time and peak memory are its own: the child reports the wall time of the ``solve`` call
and its peak resident set (``getrusage`` maxrss of itself and of its own children: CaDiCaL runs
in one), and a ``baseline`` child that imports everything and solves nothing gives the floor to
read the peaks against. A child past its limit is killed and reported as ``timeout``, never as an
answer; a method that refuses (int64 sums, the memory budget) says so.

Methods (``RUNNERS``, in table order; a new method is one more entry there):

- ``mitm``: ``solve(..., "mitm", budget)``, meet in the middle (the baseline of the ratios);
- ``schroeppel-shamir``: ``solve(..., "schroeppel-shamir", budget)``;
- ``cpsat`` and ``sat`` (CaDiCaL 1.9.5 with DRUP proofs checked): the project's solver paths
  with ``--solver-limit`` seconds and a pre-filter budget too small for any table, so that no
  exact method confirms their "no" inside their time (as the hardness experiment does).

Every certified answer on a target is compared with the others: a disagreement aborts the run
(exit 1). Ratios are time against ``mitm`` on the same target in the same run ("-" where mitm did
not answer).

Run from the repository root::

    python benchmarks/frontier.py            # n = 32..56, about 40 minutes on 2 cores
    python benchmarks/frontier.py --quick    # n = 32..40, solvers 5 s: a few minutes
    python benchmarks/frontier.py --n 48 52 --methods schroeppel-shamir mitm
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a script from anywhere: the checkout's own package
    sys.path.insert(0, ROOT)

from verify.generators import SubsetSumOptions, subset_sum_instance  # noqa: E402
from verify.problems import SubsetSum  # noqa: E402
from verify.solve.dispatch import solve  # noqa: E402
from verify.solve.grading import SolverOptions  # noqa: E402

NO_PREFILTER = 96  # bytes: room for one answer, none for a table that would confirm a solver's "no"


class BenchmarkError(Exception):
    """Two methods gave different certified answers: no timing of this run may be trusted."""


def instance(n: int, seed: int, kind: str) -> SubsetSum:
    """The benchmark's instance: κ = 1, the planted target (``yes``) or a seeded value in the
    middle half of the sum range (``no``)."""
    planted = subset_sum_instance(n, SubsetSumOptions(kappa=1), seed=seed)
    if kind == "yes":
        return planted
    weights = planted.weights
    lo, hi = sum(a for a in weights if a < 0), sum(a for a in weights if a > 0)
    rng = np.random.default_rng(seed)
    quarter = (hi - lo) // 4
    t = lo + quarter + int(rng.integers(0, 2 * quarter + 1)) if quarter else lo
    return SubsetSum(weights=weights, targets=[t], meta={"benchmark": "frontier", "seed": seed})


def _exact(method):
    def run(problem, args):
        return solve(problem, method, args.memory_budget)
    return run


def _solver(method):
    def run(problem, args):
        options = SolverOptions(time_limit=args.solver_limit, build_budget=args.memory_budget)
        return solve(problem, method, NO_PREFILTER, options)
    return run


# name -> runner(problem, args) -> Report; the table's columns follow this order. Another exact
# method (say a representation-technique search) is one more entry here.
RUNNERS = {
    "mitm": _exact("mitm"),
    "schroeppel-shamir": _exact("schroeppel-shamir"),
    "cpsat": _solver("cpsat"),
    "sat": _solver("sat"),
}
BASELINE = "mitm"


def _peak_kib() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids)


def child(args) -> int:
    """One run, reported as one JSON line on stdout."""
    from verify.errors import BudgetExceeded, InputError

    if args.child == "baseline":
        print(json.dumps({"status": "baseline", "seconds": 0.0, "peak_kib": _peak_kib()}))
        return 0
    problem = instance(args.n[0], args.seed + args.n[0], args.kind)
    t0 = time.perf_counter()
    try:
        report = RUNNERS[args.child](problem, args)
    except (BudgetExceeded, InputError) as e:
        print(json.dumps({"status": "refused", "reason": str(e), "seconds": time.perf_counter() - t0,
                          "peak_kib": _peak_kib()}))
        return 0
    seconds = time.perf_counter() - t0
    a = report.answers[0]
    print(json.dumps({"status": a.status.value, "method": a.method, "seconds": seconds,
                      "peak_kib": _peak_kib(), "target": a.target}))
    return 0


def run_child(args, method: str, n: int, kind: str) -> dict:
    limit = args.solver_limit + 60 if method in ("cpsat", "sat") else args.exact_limit
    cmd = [sys.executable, os.path.abspath(__file__), "--child", method, "--n", str(n), "--kind", kind,
           "--seed", str(args.seed), "--solver-limit", str(args.solver_limit),
           "--memory-budget", str(args.memory_budget)]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env=env)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": time.perf_counter() - t0, "peak_kib": None}
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchmarkError(f"{method} at n = {n} ({kind}) failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cell_status(r: dict, args, method: str) -> str:
    s = r["status"]
    if s == "unknown" and method in ("cpsat", "sat"):
        return f"timeout ({args.solver_limit:g} s)"
    if s == "timeout":
        return f"timeout (>{args.exact_limit:g} s)" if method not in ("cpsat", "sat") else "killed"
    if s == "refused":
        return "over budget" if "memory budget" in r.get("reason", "") else "refused (int64)"
    return s


def fmt_time(seconds) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 600 else f"{seconds / 60:.1f} min"


def _decided(r: dict) -> bool:
    return r["status"] in ("sat-verified", "unsat-exhaustive", "unsat-proof-checked")


def measure(args) -> list[list[str]]:
    base = run_child(args, "baseline", 0, "yes")
    print(f"baseline:  a child that imports everything and solves nothing peaks at "
          f"{base['peak_kib'] / 1024:.0f} MiB resident", flush=True)
    rows = []
    for n in args.n:
        for kind in ("yes", "no"):
            results = {m: run_child(args, m, n, kind) for m in args.methods}
            answers = {m: r["status"].startswith("sat") for m, r in results.items() if _decided(r)}
            if len(set(answers.values())) > 1:
                raise BenchmarkError(f"n = {n} ({kind}): the methods disagree: {answers}")
            ref = results.get(BASELINE)
            for m, r in results.items():
                ratio = "-"
                if ref is not None and _decided(ref) and _decided(r):
                    ratio = f"{r['seconds'] / ref['seconds']:.3f}"
                peak = "-" if r.get("peak_kib") is None else f"{r['peak_kib'] / 1024:,.0f} MiB"
                rows.append([str(n), kind, m, _cell_status(r, args, m), fmt_time(r["seconds"]), peak, ratio])
                print("  " + "  ".join(rows[-1]), file=sys.stderr, flush=True)
    return rows


def print_table(rows: list[list[str]]) -> None:
    headers = ["n", "target", "method", "answer", "time", "peak RSS", f"time/{BASELINE}"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print()
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="n = 32..40, solvers 5 s")
    p.add_argument("--n", type=int, nargs="+", help="the sizes (default 32 36 .. 56)")
    p.add_argument("--methods", nargs="+", choices=list(RUNNERS), help="default: all, in table order")
    p.add_argument("--seed", type=int, default=9000, help="base seed; instance n uses seed + n")
    p.add_argument("--solver-limit", type=float, default=None, help="seconds per solver run (default 30)")
    p.add_argument("--exact-limit", type=float, default=900, help="seconds before an exact run is killed")
    p.add_argument("--memory-budget", default="2G", help="the exact methods' memory budget (default 2G)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--kind", default="yes", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.solver_limit is None:
        args.solver_limit = 5.0 if args.quick else 30.0
    if args.child:
        return child(args)
    args.n = args.n or (list(range(32, 41, 4)) if args.quick else list(range(32, 57, 4)))
    args.methods = [m for m in RUNNERS if m in (args.methods or RUNNERS)]
    now = datetime.datetime.now(datetime.timezone.utc).astimezone()
    print("Frontier benchmark (benchmarks/frontier.py)" + ("  [--quick]" if args.quick else ""))
    print(f"date:      {now.isoformat(timespec='seconds')}")
    print(f"machine:   {platform.machine()}, cpu_count={os.cpu_count()}, python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"settings:  κ = 1, seed {args.seed} + n, exact budget {args.memory_budget}, solvers "
          f"{args.solver_limit:g} s, exact runs killed after {args.exact_limit:g} s")
    try:
        rows = measure(args)
    except BenchmarkError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
