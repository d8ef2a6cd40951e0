"""The built-in demos.

``run_demo`` (``slth-verify demo``): the network story. A seeded quantized target network, the
random network of Theorem 1 for it, the paper's ticket constructed and certified, the
certificate re-checked with no solver, then the sparsest ticket (its optimality proven by checked
DRUP refutations) and the narrowest (the "no" one unit narrower certified), against the
construction, Theorem 1's width and Theorem 3's bound.

``run_subset_sum_demo`` (``slth-verify demo --subset-sum``): a near-threshold quantized
subset-sum instance, decided, covered and counted.

Everything printed is backed by evidence; the only floats on screen are ratios, Theorem 3's
bound and the local-CLT estimate of a count, each labelled.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from verify.certificates import check_certificate, theorem3_bound
from verify.certify import CertifyOptions, certify
from verify.generators import SubsetSumOptions, subset_sum_instance, target_network, theorem1_random_network
from verify.interrupts import undo_on_failure
from verify.layouts import paper_delta_bits, paper_units
from verify.networks import Rounding, save_network
from verify.problems import SubsetSum, TargetRange
from verify.solve.dispatch import count, cover, solve
from verify.status_line import quiet

DEMO_N = 16
DEMO_BITS = 14  # κ = 14/16 = 0.875 = 1 - log2(16)/(2·16): the centre of the critical window
DEMO_SEED = 2025


def clt_estimate(weights, target: int) -> float:
    """Local-CLT estimate of the number of subsets summing to ``target``: a random subset's sum
    has mean Σa/2 and variance Σa²/4 (a prediction to compare with exact counts, never evidence)."""
    mean = sum(weights) / 2
    var = sum(a * a for a in weights) / 4
    if var == 0:
        return float(2 ** len(weights)) if target == 0 else 0.0
    return 2 ** len(weights) / math.sqrt(2 * math.pi * var) * math.exp(-(target - mean) ** 2 / (2 * var))


def _short(witness) -> str:
    w = list(witness)
    return str(w) if len(w) <= 12 else f"[{', '.join(map(str, w[:12]))}, ...] ({len(w)} elements)"


def run_subset_sum_demo(n: int = DEMO_N, bits: int = DEMO_BITS, seed: int = DEMO_SEED, out=print) -> bool:
    """Run the demo, printing a short evidence-graded report; True when every step verified."""
    M = 1 << bits
    target = M // 3
    inst = subset_sum_instance(n, SubsetSumOptions(bits=bits, zero=False, target=target), seed=seed)
    kappa = bits / n
    kappa_n = 1 - math.log2(n) / (2 * n)
    out("slth-verify demo: quantized random subset sum near the Borgs-Chayes-Pittel threshold")
    out(f"instance  {n} weights i.i.d. uniform on {{-{M}..{M}}} \\ {{0}} (the grid S_d, d = 2^-{bits}, "
        f"scaled by 2^{bits}), seed {seed}")
    out(f"          kappa = log2(M)/n = {kappa:.3f}; critical window centre 1 - log2(n)/(2n) = "
        f"{kappa_n:.3f} (lambda = {n * (kappa - kappa_n):+.2f})")
    out(f"          sha256 {inst.sha256}")

    dp = solve(inst, "dp").answers[0]
    mitm = solve(inst, "mitm").answers[0]
    agree = dp.status == mitm.status
    out(f"decide    target {target}: {dp.status.value} by {dp.method}"
        + (f", witness {_short(dp.witness)}" if dp.witness else f" ({dp.evidence})"))
    out(f"          cross-check by {mitm.method}: {mitm.status.value}"
        + (f", witness {_short(mitm.witness)}" if mitm.witness else "")
        + (" -- the two exact methods agree" if agree else " -- DISAGREEMENT"))

    whole = SubsetSum(weights=inst.weights, targets=TargetRange(-M, M))
    rep = cover(whole)
    unreachable = rep.extra["unreachable"]
    reachable = rep.extra["reachable_count"]
    out(f"cover     all {rep.num_targets:,} targets of {{-{M}..{M}}}: {reachable:,} reachable "
        f"(sat-verified, every witness replayed), {len(unreachable):,} unreachable "
        f"(unsat-exhaustive by {rep.method}) in {rep.timings['total']:.2f} s")
    if unreachable:
        out(f"          smallest unreachable |t|: {abs(min(unreachable, key=abs))}: at this M, "
            f"covering all 2M+1 targets needs more weights than deciding one")
    c = count(inst).extra["counts"][0]
    out(f"count     exact number of subsets summing to {target}: {c:,} "
        f"(local-CLT prediction {clt_estimate(inst.weights, target):.1f}, not evidence)")
    ok = agree and dp.status.is_certified and rep.status.is_certified and (c > 0) == dp.status.is_sat
    out(f"evidence  {'all answers certified' if ok else 'SOMETHING DID NOT VERIFY'}: "
        "sat-verified = witness replayed in exact integer arithmetic; "
        "unsat-exhaustive = exhaustive reachable-sum table or meet-in-the-middle")
    return ok


NET_WIDTHS = (4, 4, 4)  # target d_0, d_1, d_2: depth 2, 32 weights
NET_BITS = 3  # target weights on S_δt, δt = 2^-3; outputs rounded to 2^-3 (γ-double)
NET_C = 20  # Theorem 1: C·log2(1/δ) units per input, δ = 2^-2 (δ² <= δt)
NET_SEED = 1
RANDOM_SEED = 1002  # the construction fails about half the time at C = 20: this seed shows a success


def run_demo(directory=None, out=print, progress=quiet) -> bool:
    """The network story (module docstring); files go to ``directory`` (default: a temporary
    one, removed at the end). True when every certificate was written and re-checked."""
    if directory is not None:
        with undo_on_failure() as undo:  # an interrupted demo leaves no new files behind
            undo.watch(directory)
            return _network_demo(Path(directory), out, progress, kept=True)
    with tempfile.TemporaryDirectory(prefix="slth-verify-demo-") as tmp:
        return _network_demo(Path(tmp), out, progress, kept=False)


def _network_demo(d: Path, out, progress, kept: bool) -> bool:
    d.mkdir(parents=True, exist_ok=True)
    bits = paper_delta_bits(1, NET_BITS)
    units = paper_units(NET_C, bits)
    target = target_network(list(NET_WIDTHS), NET_BITS, seed=NET_SEED, rounding=Rounding("double", NET_BITS))
    random = theorem1_random_network(target, units, bits, seed=RANDOM_SEED)
    save_network(target, d / "target.npz")
    save_network(random, d / "random.npz")
    out("slth-verify demo: a random quantized network contains a target network, bit for bit")
    out(f"target    widths {list(target.widths)}, {target.num_weights} weights on S_δ, δ = 2^-{NET_BITS}; "
        f"every layer's output rounded to 2^-{NET_BITS} (nearest-even); seed {NET_SEED}")
    out(f"random    Theorem 1's network: widths {list(random.widths)}, {units} hidden units per input "
        f"(C = {NET_C} times log2(1/δ) = {bits}), weights uniform on 2^-{bits}; {random.num_weights:,} "
        f"weights ({random.num_weights / target.num_weights:.0f} per target weight)")
    ok = True
    results = {}
    for find, label in (("construction", "construct"), ("sparsest", "sparsest"), ("min-width", "min-width")):
        done = certify(d / "target.npz", d / "random.npz", d / f"{find}.json", CertifyOptions(find),
                       progress=lambda phrase, find=find: progress(f"{find}: {phrase}"))
        progress(f"{find}: re-checking {find}.json")
        check = check_certificate(d / f"{find}.json") if done.certificate else None
        results[find] = done
        ok = ok and done.ok and check is not None and check.ok
        s = done.summary
        if not done.ok:
            out(f"{label:<9} FAILED: {done.message}")
            continue
        if find == "construction":
            line = "the paper's ticket (a subset sum per target weight and sign, each replayed)"
        elif find == "sparsest":
            line = "the fewest kept weights, proven: each component refuted with one fewer (DRUP, checked)"
        else:
            line = (f"the fewest units per group: {s.width} of {s.theorem1_width}; with "
                    f"{s.width - 1} some weight has no subset (exhaustive table)")
        out(f"{label:<9} {line}")
        out(f"          kept {s.size.kept:,} of {s.size.total:,} (density {s.size.density:.4f} = kept / total); "
            f"equal to the target on {s.equality.domain} ({s.equality.method}); "
            f"certificate {find}.json re-checked with no solver: {'verified' if check.ok else 'NOT VERIFIED'}")
    if ok:
        out(f"compare   kept weights: construction {results['construction'].summary.size.kept}, sparsest "
            f"{results['sparsest'].summary.size.kept}; Theorem 3: a network from which every target of "
            f"this shape can be pruned has >= {theorem3_bound(target):.1f} nonzero weights")
    if kept:
        out(f"files     {d} (re-check any of them: slth-verify check {d / 'construction.json'})")
    else:
        out("files     written to a temporary directory and removed; keep them with slth-verify demo --dir DIR")
    out(f"evidence  {'every certificate verified' if ok else 'SOMETHING DID NOT VERIFY'}")
    return ok
