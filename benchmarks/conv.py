"""Benchmark: the construction on convolutional targets, and what each equality method costs.

What it measures
----------------
Rows: one conv layer T (2 → 2 channels, kernel κ, padding 1, weights at 2^-2) on a 2-channel
input of side s, followed by ReLU, a residual 1×1 conv block and a dense layer; for each layout
(unstructured: κ×κ then 1×1 per kernel entry; structured: 1×1 then κ×κ with whole kernels, a
vector subset sum of dimension κ²) and κ in {1, 2, 3} (``--quick``: κ in {1, 2}). The random
network has ``units`` hidden channels per group, the smallest of ``LADDER`` for which the
construction succeeds with this seed (printed; ``-`` when none does, or when the row takes more
than ``--max-seconds``: measured on a busy 2-core machine, structured κ = 3 at 128 units did not
finish one 9-dimensional vector subset sum of 48 vectors in 300 s).

Columns: wall time of ``construct_conv`` (all subset sums), of the ``collapse`` proof (every real
input, from the pruned weights) and of ``exhaustive`` evaluation of the pruned network on every
input of the grid 2^-0 (3^(2·s²) inputs: s = 2, 6,561), and the ratio exhaustive / collapse, in
one warm process. Kept weights against the random network's size.

A second table (unstructured layout, same networks): ``--find sparsest``'s search
(``search_conv``: CP-SAT per component, DRUP refutations), the kept weights it proves against
the construction's (ratio sparsest / construction), how many components the fewest-products
table proves and how many a checked DRUP refutation, and the time ``check`` takes to re-derive
the claim (re-count, tables, DRUP checks, collapse) from a written certificate.

Single runs on whatever machine runs it: compare ratios within one run. From the repository root::

    python benchmarks/conv.py            # kernels 1-3
    python benchmarks/conv.py --quick    # kernels 1-2
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

from verify.architectures import architecture_from_json
from verify.conv_constructions import collapse, construct_conv, exhaustive, random_architecture
from verify.conv_certificates import certify_conv, check_conv_certificate
from verify.conv_networks import draw_network, save_conv_network

LADDER = (8, 16, 32, 64, 128, 256)


class OverTime(Exception):
    pass


def _alarm(signum, frame):
    raise OverTime


def spec(kernel: int) -> dict:
    return {"input": [2, 2, 2], "layers": [
        {"type": "conv", "out_channels": 2, "kernel": kernel, "padding": 1 if kernel > 1 else 0, "bits": 2},
        {"type": "relu"},
        {"type": "residual", "layers": [{"type": "conv", "out_channels": 2, "kernel": 1, "bits": 1}]},
        {"type": "flatten"},
        {"type": "dense", "out": 2, "bits": 2}]}


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def row(kernel: int, layout: str, seed: int) -> str:
    arch = architecture_from_json(spec(kernel))
    target = draw_network(arch, seed)
    for units in LADDER:
        random = draw_network(random_architecture(arch, units, 1, layout), seed + 1)
        built, t_construct = timed(lambda: construct_conv(target, random))
        if built.ok:
            break
    else:
        return f"{layout:<13}{kernel:>3}{'-':>7}   (no success up to {LADDER[-1]} units)"
    proof, t_collapse = timed(lambda: collapse(target, random, built.mask))
    grid, t_grid = timed(lambda: exhaustive(target, random.pruned(built.mask), 0))
    assert proof.equal and grid.equal
    kept = sum(int(m.sum()) for m in built.mask)
    return (f"{layout:<13}{kernel:>3}{units:>7}{t_construct:>12.3f}{t_collapse:>11.4f}{t_grid:>11.3f}"
            f"{t_grid / t_collapse:>9.0f}x{kept:>8,} / {random.num_weights:,}")


def sparsest_row(kernel: int, seed: int) -> str:
    """The sparsest search on the first network of the ladder the construction succeeds on."""
    arch = architecture_from_json(spec(kernel))
    target = draw_network(arch, seed)
    for units in LADDER:
        random = draw_network(random_architecture(arch, units, 1), seed + 1)
        if construct_conv(target, random).ok:
            break
    else:
        return f"{kernel:>3}{'-':>7}   (no construction up to {LADDER[-1]} units)"
    with tempfile.TemporaryDirectory() as d:
        save_conv_network(target, Path(d) / "t.json")
        save_conv_network(random, Path(d) / "r.npz")
        done, t_search = timed(lambda: certify_conv(Path(d) / "t.json", Path(d) / "r.npz", Path(d) / "c.json",
                                                    find="sparsest"))
        assert done.ok
        report, t_check = timed(lambda: check_conv_certificate(Path(d) / "c.json"))
        assert report.ok
    found = done.search
    counts = [sum(p.evidence == e for p in found.parts) for e in ("table", "drup", "none")]
    low, high = found.kept_between
    kept = f"{high}" if found.optimal else f"{low}..{high}"
    return (f"{kernel:>3}{units:>7}{t_search:>12.2f}{t_check:>10.2f}{kept:>10}{done.construction_kept:>8}"
            f"{high / done.construction_kept:>8.2f}x{counts[0]:>8}{counts[1]:>6}{counts[2]:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="kernels 1 and 2 only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=int, default=120, help="per row (default 120)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; seed {args.seed}")
    print(f"{'layout':<13}{'k':>3}{'units':>7}{'construct s':>12}{'collapse s':>11}{'exhaust. s':>11}"
          f"{'ratio':>10}   kept / total")
    signal.signal(signal.SIGALRM, _alarm)
    for kernel in ((1, 2) if args.quick else (1, 2, 3)):
        for layout in ("unstructured", "structured"):
            signal.alarm(args.max_seconds)
            try:
                text = row(kernel, layout, args.seed)
            except OverTime:  # a vector subset sum the solver does not finish (dimension κ²)
                text = f"{layout:<13}{kernel:>3}{'-':>7}   (over {args.max_seconds} s)"
            signal.alarm(0)
            print(text, flush=True)
    print("\nsparsest (unstructured): certify --find sparsest, then check")
    print(f"{'k':>3}{'units':>7}{'certify s':>12}{'check s':>10}{'kept':>10}{'constr.':>8}{'ratio':>9}"
          f"{'table':>8}{'drup':>6}{'open':>6}")
    for kernel in ((1, 2) if args.quick else (1, 2, 3)):
        signal.alarm(args.max_seconds)
        try:
            text = sparsest_row(kernel, args.seed)
        except OverTime:
            text = f"{kernel:>3}{'-':>7}   (over {args.max_seconds} s)"
        signal.alarm(0)
        print(text, flush=True)


if __name__ == "__main__":
    main()
