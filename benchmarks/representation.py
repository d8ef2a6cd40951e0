"""Benchmark: the representation search on planted subset sum at κ ≈ 1, against n.

What it measures
----------------
Instances: n weights uniform on {-M..M} \\ {0}, M = floor(2^n / sqrt(n)) (the critical window at
λ = 0, as the frontier suite draws them; beyond 2^60 by ``wide_uniform_weights``), a planted
subset of exactly n/2 weights (``--any-size``: each weight in with probability 1/2), seeds
0..S-1. Per instance: ``representation_search`` with ``--time-limit`` seconds, seed = the
instance's seed; found or not, attempts, wall seconds. Baseline in the same run: meet in the
middle's table build at n = 40 (``MeetInTheMiddle``), the exact method the search stands in for
where 2^(n/2) tables no longer fit.

Single runs on a busy machine add noise: compare ratios within one run. From the repository root::

    python benchmarks/representation.py            # n = 48..80, 3 seeds, 300 s each
    python benchmarks/representation.py --quick    # n = 48, 56, 64, 2 seeds, 120 s each
"""

import argparse
import os
import statistics
import time
from fractions import Fraction

from verify.generators import SubsetSumOptions, planted_subset, subset_sum_instance, wide_uniform_weights
from verify.prefilter.mitm import MeetInTheMiddle
from verify.prefilter.representation import RepresentationOptions, representation_search
from verify.seeding import as_generator
from verify.suites.spec import critical_M


def instance(n: int, seed: int, half: bool):
    M = critical_M(n, Fraction(0))
    size = n // 2 if half else None
    if M <= 1 << 60:
        p = subset_sum_instance(n, SubsetSumOptions(M=M, zero=False, target="planted", size=size), seed=seed)
        return list(p.weights), p.target_list()[0], size
    rng = as_generator(seed)
    weights = wide_uniform_weights(rng, n, M, zero=False)
    chosen = planted_subset(rng, n, size)
    return weights, sum(weights[i] for i in chosen), size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--any-size", action="store_true")
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--n", help="comma-separated sizes")
    ap.add_argument("--inner", type=int, default=8, help="residues r1 per build of the quarter lists")
    ap.add_argument("--c", type=float, default=1.0, help="representations kept per level (c1 = c2)")
    a = ap.parse_args()
    ns = [int(x) for x in a.n.split(",")] if a.n else ([48, 56, 64] if a.quick else [48, 56, 64, 72, 80])
    seeds = a.seeds or (2 if a.quick else 3)
    limit = a.time_limit or (120.0 if a.quick else 300.0)
    print(f"load average {os.getloadavg()[0]:.2f}; time limit {limit:g} s; inner {a.inner}, c {a.c:g}; planted size "
          f"{'any' if a.any_size else 'n/2'}")
    t = time.perf_counter()
    MeetInTheMiddle(instance(40, 0, True)[0])
    base = time.perf_counter() - t
    print(f"baseline: meet-in-the-middle table at n = 40: {base:.2f} s")
    print(f"{'n':>4} {'found':>7} {'median s':>9} {'max s':>8} {'attempts':>9} {'median/base':>12}")
    for n in ns:
        times, found, attempts = [], 0, []
        for seed in range(seeds):
            w, target, size = instance(n, seed, not a.any_size)
            r = representation_search(w, target, size, RepresentationOptions(seed=seed, time_limit=limit,
                                                                                inner=a.inner, c1=a.c, c2=a.c))
            found += r.witness is not None
            times.append(r.seconds)
            attempts.append(r.attempts)
            print(f"     n = {n} seed {seed}: {'found' if r.witness else 'miss'} in {r.seconds:.1f} s, "
                  f"{r.attempts} attempts {r.reason}", flush=True)
        med = statistics.median(times)
        print(f"{n:>4} {found:>3}/{seeds:<3} {med:>9.1f} {max(times):>8.1f} {statistics.median(attempts):>9} "
              f"{med / base:>12.1f}", flush=True)


if __name__ == "__main__":
    main()
