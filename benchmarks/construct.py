"""Benchmark: Theorem 1's construction against a per-weight CP-SAT baseline, with exactness checks.

What it measures
----------------
Grid: widths w in {4, 8, 16} (every width of the target equal to w: widths ``w,w,w`` for depth 2,
``w,w,w,w`` for depth 3), depth in {2, 3}, target precision bits in {2, 3, 4}. For each grid point
and each of ``--seeds`` seeds (5 by default, 1 with ``--quick``):

- the target ``verify.generators.target_network(widths, bits, seed=b + 2s)`` (b = ``--seed``,
  default 1; weights uniform on S_δt, δt = 2^-bits);
- the random network ``verify.generators.theorem1_random_network(target, c, k, seed=b + 2s + 1)``
  with k = ceil(bits/2) (so 2k >= bits; random bits = k, so lowering to 2^-k changes nothing)
  and c = ``--units`` hidden units per input (128 by default: measured with widths 16, depth 3
  on a few seeds, 16·k units left 57 to 406 of the 1536 subset problems without a subset, 48·k
  still 17 at bits 2, 64 units still 0 to 2 (gcd and range obstructions: e.g. every product of
  a branch even and the target odd); 128 left none; the success column says how it went in
  this run);
- ``ours``: wall time of ``verify.constructions.construct_theorem1(target, random, k)`` (default
  method ``auto``: the exact pre-filter, every witness replayed);
- ``CP-SAT``: wall time of the baseline below, which solves the same per-weight problems: the
  random network lowered to 2^-k the same way, for every target layer i, input j, output o and
  branch (A: units of group j with first-layer weight u > 0, B: u < 0), the problem
  "Σ_h v_{o,h}·u_h·x_h == w·2^(2k-bits)" with one Boolean x_h per unit of the branch, each in
  one fresh CP-SAT model (``num_workers=1``, ``symmetry_level=1``, a per-model time limit
  ``--cpsat-limit``; this is the approach of Pensia et al.'s public code, one mixed-integer
  program per weight). The two trivial cases the construction answers without a solver are
  answered the same way without a model: w = 0 (the empty subset) and a branch with no unit
  (no subset; "infeasible"). Model building is included in the time.

Checks (a failed check is printed and makes the exit status 1):

- agreement, for every weight and branch: a CP-SAT solution must sum exactly to the target and
  the project must have found a subset too; a CP-SAT INFEASIBLE must match a project "unsat"
  status; a CP-SAT UNKNOWN (time limit) is a failure of the baseline and is counted;
- exactness: when the construction succeeds, ``ticket_network(target, random, c.mask, c.k).forward(x, 2)`` must
  equal ``target.forward(x, 2)`` (``verify.networks.same_outputs``) on ``--inputs`` random grid
  inputs x (scale 2: entries uniform on {-4..4}, i.e. on S_{1/4} ∩ [-1, 1]).

Columns: ``target weights`` and ``random weights`` (sizes of the two networks), ``subset
problems`` (weight-branch problems per construction, 2 per target weight), ``success``
(constructions with every problem solved / seeds, and the share of problems with a subset),
``ours s`` and ``CP-SAT s`` (mean wall time per construction over the seeds), ``ratio``
(CP-SAT total / ours total), ``equal`` (pruned network equal to the target on every input of
every successful construction), ``agree`` (problems on which the two answers agree / compared).
With ``--sample N`` the baseline times only a random sample of N non-trivial problems per
construction and extrapolates (its time is then marked ``~``, and agreement covers the sample).
Ours and the baseline run one after the other on the same instance, so load from another
process affects both; the timings are single runs, imports and CP-SAT start-up are warmed up
before the first one.

Run from the repository root::

    python benchmarks/construct.py            # full grid, 5 seeds per point (a few minutes on 2 cores)
    python benchmarks/construct.py --quick    # 1 seed per point, fewer inputs (under a minute)
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
import time

import numpy as np
from ortools import __version__ as ortools_version
from ortools.sat.python import cp_model

from verify import __version__ as verify_version
from verify.constructions import construct_theorem1
from verify.equality import ticket_network
from verify.generators import target_network, theorem1_random_network
from verify.networks import same_outputs

WIDTHS = (4, 8, 16)
DEPTHS = (2, 3)
BITS = (2, 3, 4)
LARGEST = (16, 3, 4)
INPUT_SCALE = 2


# ----------------------------------------------------------------------------------------------
# the baseline: one fresh CP-SAT model per target weight and branch


def cpsat_subset(products: list[int], target: int, limit: float):
    """One CP-SAT model: Boolean x_h, Σ products_h x_h == target. Returns (outcome, chosen)."""
    model = cp_model.CpModel()
    x = [model.NewBoolVar(f"x{h}") for h in range(len(products))]
    model.Add(cp_model.LinearExpr.WeightedSum(x, products) == target)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.symmetry_level = 1
    solver.parameters.max_time_in_seconds = limit
    status = solver.Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "sat", [h for h in range(len(products)) if solver.Value(x[h])]
    if status == cp_model.INFEASIBLE:
        return "unsat", None
    return "unknown", None


def baseline(target, random, k: int, limit: float, sample: int, rng):
    """The per-weight baseline. Returns (answers keyed like the construction's choices: (outcome,
    target, products, chosen indices or None), the number of non-trivial problems, how many were
    solved by a model, the mean time per solved model)."""
    k_t = target.scales[0]
    low = random.lowered(k)
    c = random.weights[0].shape[0] // target.widths[0]
    plan = []  # (key, w, units, products) in the construction's order
    for i, w_target in enumerate(target.weights, start=1):
        u_mat, v_mat = low.weights[2 * i - 2], low.weights[2 * i - 1]
        d_out, d_in = w_target.shape
        for j in range(d_in):
            rows = np.arange(j * c, (j + 1) * c)
            u = u_mat[rows, j]
            for o in range(d_out):
                w = int(w_target[o, j]) << (2 * k - k_t)
                for branch, units in (("A", rows[u > 0]), ("B", rows[u < 0])):
                    plan.append(((i, o, j, branch), w, units, u_mat, v_mat))
    nontrivial = [n for n, (_, w, units, _, _) in enumerate(plan) if w != 0 and units.size]
    chosen = set(nontrivial)
    if sample and len(nontrivial) > sample:
        chosen = set(rng.choice(nontrivial, size=sample, replace=False).tolist())
    answers = {}
    model_seconds = 0.0
    for n, (key, w, units, u_mat, v_mat) in enumerate(plan):
        _, _, j, _ = key
        if w == 0:
            answers[key] = ("sat", w, [], [])  # the empty subset
        elif units.size == 0:
            answers[key] = ("unsat", w, [], None)  # no unit of this sign
        elif n in chosen:
            start = time.perf_counter()
            products = [int(a) * int(b) for a, b in zip(u_mat[units, j], v_mat[key[1], units])]
            outcome, subset = cpsat_subset(products, w, limit)
            model_seconds += time.perf_counter() - start
            answers[key] = (outcome, w, products, subset)
    per_model = model_seconds / len(chosen) if chosen else 0.0
    return answers, len(nontrivial), len(chosen), per_model


def compare(construction, answers) -> tuple[int, int, list[str]]:
    """(agreeing, compared, messages) between the construction's choices and the baseline's."""
    agree = compared = 0
    problems = []
    for ch in construction.choices:
        key = (ch.layer, ch.output, ch.input, ch.branch)
        if key not in answers:
            continue  # not in the baseline's sample
        compared += 1
        entry = answers[key]
        outcome, w, products, subset = entry
        ok = w == ch.target
        if outcome == "sat":  # the subset must sum exactly, and the project must have found one
            ok = ok and sum(products[h] for h in subset) == w and ch.answer.status.is_sat
        elif outcome == "unsat":
            ok = ok and ch.answer.status.is_unsat
        else:
            ok = False
        if ok:
            agree += 1
        elif len(problems) < 5:
            problems.append(f"layer {ch.layer} output {ch.output} input {ch.input} branch {ch.branch} "
                            f"target {ch.target}: CP-SAT {outcome}, ours {ch.answer.status.value}")
    return agree, compared, problems


# ----------------------------------------------------------------------------------------------
# one grid point


def run_point(width: int, depth: int, bits: int, args, failures: list[str]) -> tuple[list[str], float, bool]:
    k = math.ceil(bits / 2)
    widths = [width] * (depth + 1)
    ours_total = cpsat_total = 0.0
    ok_count = sat_problems = all_problems = 0
    equal_inputs = equal_ok = 0
    agree_total = compared_total = 0
    extrapolated = False
    unknowns = 0
    sizes = None
    for s in range(args.seeds):
        seed = args.seed + 2 * s
        target = target_network(widths, bits, seed=seed)
        random = theorem1_random_network(target, args.units, k, seed=seed + 1)
        sizes = (target.num_weights, random.num_weights)

        start = time.perf_counter()
        construction = construct_theorem1(target, random, k)
        ours_total += time.perf_counter() - start

        rng = np.random.default_rng([args.seed, width, depth, bits, s])
        start = time.perf_counter()
        answers, nontrivial, solved, per_model = baseline(target, random, k, args.cpsat_limit, args.sample, rng)
        elapsed = time.perf_counter() - start
        if solved < nontrivial:
            extrapolated = True
            elapsed += per_model * (nontrivial - solved)
        cpsat_total += elapsed
        unknowns += sum(1 for a in answers.values() if a[0] == "unknown")

        agree, compared, problems = compare(construction, answers)
        agree_total += agree
        compared_total += compared
        for p in problems:
            failures.append(f"widths {width} depth {depth} bits {bits} seed {s}: disagreement: {p}")

        all_problems += len(construction.choices)
        sat_problems += sum(1 for ch in construction.choices if ch.answer.status.is_sat)
        if construction.ok:
            ok_count += 1
            x = np.random.default_rng([args.seed, width, depth, bits, s, 1]).integers(
                -(1 << INPUT_SCALE), (1 << INPUT_SCALE) + 1, size=(args.inputs, width))
            pruned = ticket_network(target, random, construction.mask, construction.k)
            same = same_outputs(target.forward(x, INPUT_SCALE), pruned.forward(x, INPUT_SCALE))
            equal_inputs += same.size
            equal_ok += int(np.count_nonzero(same))
            if not same.all():
                failures.append(f"widths {width} depth {depth} bits {bits} seed {s}: pruned network differs "
                                f"from the target on {same.size - int(np.count_nonzero(same))} of {same.size} inputs")
    if unknowns:
        failures.append(f"widths {width} depth {depth} bits {bits}: {unknowns} CP-SAT models hit the time limit")
    ratio = cpsat_total / ours_total if ours_total else float("inf")
    success = f"{ok_count}/{args.seeds} ({100 * sat_problems / all_problems:.2f}%)"
    if ok_count == 0:
        equal = "-"
    else:
        equal = ("yes" if equal_ok == equal_inputs else "NO") + f" {equal_ok}/{equal_inputs}"
    mark = "~" if extrapolated else ""
    row = [",".join(map(str, widths)), str(depth), str(bits), str(sizes[0]), str(sizes[1]),
           str(all_problems // args.seeds), success, f"{ours_total / args.seeds:.3f}",
           f"{mark}{cpsat_total / args.seeds:.3f}", f"{mark}{ratio:.2f}", equal,
           f"{agree_total}/{compared_total}"]
    return row, ratio, extrapolated


# ----------------------------------------------------------------------------------------------


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)))


def warm_up() -> None:
    """Imports, lazy module loading and CP-SAT start-up, outside every timing."""
    target = target_network([2, 2], 2, seed=0)
    random = theorem1_random_network(target, 16, 1, seed=1)
    construct_theorem1(target, random, 1)
    baseline(target, random, 1, 10.0, 0, np.random.default_rng(0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 seed per grid point, 1000 inputs (about a minute)")
    ap.add_argument("--seeds", type=int, default=None, help="constructions per grid point (default 5; quick: 1)")
    ap.add_argument("--seed", type=int, default=1, help="base seed (target seed = base + 2s, random = base + 2s + 1)")
    ap.add_argument("--units", type=int, default=128, help="hidden units per input of the random network")
    ap.add_argument("--inputs", type=int, default=None, help="random grid inputs per equality check "
                    "(default 4000; quick: 1000)")
    ap.add_argument("--cpsat-limit", type=float, default=60.0, help="seconds per CP-SAT model")
    ap.add_argument("--sample", type=int, default=0, help="time only this many non-trivial CP-SAT problems "
                    "per construction and extrapolate (0: all)")
    ap.add_argument("--progress", action="store_true", help="report each finished row on stderr")
    args = ap.parse_args()
    args.seeds = args.seeds or (1 if args.quick else 5)
    args.inputs = args.inputs or (1000 if args.quick else 4000)

    print("Theorem 1 construction vs one CP-SAT model per target weight and branch")
    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {platform.machine()}, cpu_count={os.cpu_count()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, ortools {ortools_version}, "
          f"slth-verify {verify_version}")
    print(f"settings: seeds per point {args.seeds}, units per input {args.units}, k = ceil(bits/2), "
          f"random bits = k, {args.inputs} inputs per equality check at scale {INPUT_SCALE}, CP-SAT "
          f"num_workers=1 symmetry_level=1 limit {args.cpsat_limit:g} s per model"
          + (f", CP-SAT sampled: {args.sample} problems per construction" if args.sample else
             ", CP-SAT on every problem"))
    print(flush=True)

    warm_up()
    failures: list[str] = []
    rows = []
    largest = None
    any_extrapolated = False
    for width in WIDTHS:
        for depth in DEPTHS:
            for bits in BITS:
                row, ratio, extrapolated = run_point(width, depth, bits, args, failures)
                rows.append(row)
                any_extrapolated |= extrapolated
                if (width, depth, bits) == LARGEST:
                    largest = (ratio, row)
                if args.progress:
                    print("  ".join(row), file=sys.stderr, flush=True)

    headers = ["widths", "depth", "bits", "target weights", "random weights", "subset problems",
               "success", "ours s", "CP-SAT s", "ratio", "equal", "agree"]
    print_table(headers, rows)
    print()
    print("success: constructions with every subset problem solved / seeds (share of problems with a subset);")
    print("ours s, CP-SAT s: mean wall time per construction; ratio = CP-SAT / ours (> 1: ours faster);")
    print("equal: pruned network == target on every random grid input of the successful constructions;")
    print("agree: weight-branch problems on which CP-SAT and the construction give the same answer.")
    if any_extrapolated:
        print("~: CP-SAT time extrapolated from a random sample of its problems (--sample); "
              "agreement covers the sample and the trivial problems only.")
    else:
        print("CP-SAT solved every problem of every construction (no sampling, no extrapolation).")
    print()
    if failures:
        print(f"CHECKS FAILED ({len(failures)}):")
        for f in failures[:50]:
            print(f"  {f}")
    else:
        print("checks: every CP-SAT answer agrees with the construction, every found subset sums exactly,"
              " and every successful construction's pruned network equals its target on every input.")
    ratio, row = largest
    exact = not failures and row[10].startswith("yes")
    verdict = "YES" if ratio >= 10 else "NO"
    print(f"ours is at least 10x faster on the largest grid point (widths 16, depth 3, bits 4): {verdict} "
          f"(ratio {ratio:.2f}{', extrapolated' if row[9].startswith('~') else ''}; exact: "
          f"{'yes' if exact else 'no'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
