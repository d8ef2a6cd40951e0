"""Benchmark: sparsest and min-width tickets of the structured family, before and after the
reductions (issue 14, issue "Mask selection at scale").

What it measures
----------------
Rows: target widths w in {4, 8, 16} (``w,w,w``, depth 2), bits 2 and 3, seeds S (``--seeds``),
for each C in ``--c`` (default 24; e.g. ``--c 24,32``: at C = 24 most width-8/16 draws have no
ticket of the family, C = 32 gives width 16 some). Target ``target_network([w] * 3, bits,
seed=S, rounding=Rounding("double", bits))``; random ``theorem1_random_network(target, C·k, k,
seed=S + 1)``, k = ceil(bits/2), as ``slth-verify generate random --theorem 1 --c C`` draws it;
both saved in a temporary directory.

Per row and variant, in a forked child (certify gets twice ``--max-seconds``, also each solver
run's limit, then check gets ``--max-seconds``, or the child is killed; ``--search-seconds``
bounds certify's CP-SAT runs and refutations together, after which it writes a partial
certificate): ``certify --find sparsest`` (one library call), then ``check`` of what it wrote.
Variants: ``before`` builds the component CNFs as certificate version 1 did (no twin order, a
totalizer), one process; ``after`` is version 2's CNF (the twin order and a k-modulo
totalizer), one process; ``parallel`` is version 2 with components decided and proofs checked
in two processes (``SEARCH_WORKERS``/``CHECK_WORKERS``), today's default. Printed: certify
and check wall time, the outcome (optimal, partial with the kept weights' range, no ticket,
timeout), and summed over the components: CNF variables and clauses, proof lines (and the
largest), CP-SAT, SAT and proof-check seconds (in parallel these add up the two processes').
Then per row: kept weights and wall seconds of the construction, ``certify --find min-width``
(and its check) and the sparsest ticket, against Theorem 3's count (``theorem3_bound``) and R's size.

Single runs on a shared machine: compare ratios within one run. From the repository root::

    python benchmarks/tickets.py --quick               # width 4, 3 bits, seed 1: about a minute
    python benchmarks/tickets.py                       # widths 4, 8, 16; bits 2, 3; seed 1
    python benchmarks/tickets.py --seeds 1-5 --widths 8,16 --c 24,32 --variants parallel
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import verify.certificates as certificates_module
import verify.certify as certify_module
import verify.ticket_pipeline as pipeline
import verify.tickets as tickets_module
from verify.certificates import check_certificate, theorem3_bound
from verify.certify import CertifyOptions, certify
from verify.generators import target_network, theorem1_random_network
from verify.networks import Rounding, save_network
from verify.ticket_pipeline import construction_kept
from verify.tickets import find_sparsest

VARIANTS = ("before", "after", "parallel")


def build_row(width: int, bits: int, seed: int, c: int, folder: Path) -> dict:
    """The target and Theorem 1 random network of one row, saved in ``folder``."""
    k = math.ceil(bits / 2)
    target = target_network([width] * 3, bits, seed=seed, rounding=Rounding("double", bits))
    random = theorem1_random_network(target, c * k, k, seed=seed + 1)
    folder.mkdir(parents=True, exist_ok=True)
    save_network(target, folder / "target.npz")
    save_network(random, folder / "random.npz")
    return {"width": width, "bits": bits, "seed": seed, "c": c, "k": k, "target": target, "random": random, "dir": folder}


def sparsest_child(row: dict, variant: str, limit: float, search: float | None, send) -> None:
    """certify --find sparsest then check, in this (forked) process; sends stage results."""
    searched = []

    def capture(*args, **kwargs):
        searched.append(find_sparsest(*args, version=1 if variant == "before" else 2, **kwargs))
        return searched[-1]

    pipeline.find_sparsest = capture
    if variant == "before":
        certify_module.VERSION = 1  # the twin order came with version 2
    if variant != "parallel":
        tickets_module.SEARCH_WORKERS = certificates_module.CHECK_WORKERS = 1
    out = row["dir"] / f"sparsest-{variant}.json"
    start, cpu = time.perf_counter(), cpu_seconds()
    done = certify(row["dir"] / "target.npz", row["dir"] / "random.npz", out,
                   CertifyOptions("sparsest", time_limit=limit, search_seconds=search))
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    measured = searched[0].stats.get("measured", []) if searched else []
    info = (done.certificate or {}).get("info", {})
    send.send(("certify", {"s": seconds, "cpu": cpu, "ok": done.ok, "ticket": done.ticket, "message": done.message,
                           "sparsest": bool(done.certificate and done.certificate["claim"].get("sparsest")),
                           "kept": done.summary.size.kept if done.summary.size else None,
                           "between": info.get("kept_between"), "measured": measured}))
    if done.certificate is not None:
        start, cpu = time.perf_counter(), cpu_seconds()
        report = check_certificate(out)
        send.send(("check", {"s": time.perf_counter() - start, "cpu": cpu_seconds() - cpu, "ok": report.ok}))


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of every child it has joined (the
    solver and worker processes, theirs included): on a loaded machine a steadier measure than
    wall time, which the two-process variant divides by up to 2 on an idle one."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_limited(row: dict, variant: str, limit: float, search: float | None) -> dict:
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=sparsest_child, args=(row, variant, limit, search, send))
    proc.start()
    send.close()
    result = {}
    for stage, wait in (("certify", 2 * limit), ("check", limit)):  # certify's solver runs may add up past limit
        if not recv.poll(wait):
            result["timeout"] = stage
            break
        try:
            kind, value = recv.recv()
        except EOFError:
            result["error"] = f"the child ended in {stage} (exit code {proc.exitcode})"
            break
        result[kind] = value
        if stage == "certify" and not value.get("ticket") and not value.get("ok"):
            break
    proc.kill()
    proc.join()
    return result


def total(measured: list[dict], key: str) -> float:
    return sum(m.get(key) or 0 for m in measured)


def outcome(res: dict) -> str:
    if "timeout" in res:
        return f"timeout ({res['timeout']})"
    if "error" in res:
        return res["error"]
    got = res["certify"]
    if not got["ticket"]:
        return "no ticket" if got["ok"] else got["message"][:40]
    if got["sparsest"]:
        return "optimal"
    low, high = got["between"] or (None, None)
    return f"partial {low}..{high}"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    for line in [headers, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(str(x).rjust(w) for x, w in zip(line, widths)) + " |")


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        a, b = map(int, text.split("-"))
        return list(range(a, b + 1))
    return [int(x) for x in text.split(",")]


def sparsest_row(row: dict, variant: str, res: dict) -> list:
    got, chk = res.get("certify"), res.get("check")
    m = got["measured"] if got else []
    proved = [x for x in m if x.get("proof_lines")]
    return [row["width"], row["bits"], row["c"], row["seed"], variant, outcome(res),
            f"{got['s']:.1f}" if got else "-", f"{got['cpu']:.1f}" if got else "-",
            f"{chk['s']:.1f}" if chk else "-", f"{chk['cpu']:.1f}" if chk else "-", len(m), f"{total(m, 'variables'):,.0f}", f"{total(m, 'clauses'):,.0f}",
            f"{total(m, 'proof_lines'):,.0f}", f"{max((x['proof_lines'] for x in proved), default=0):,}",
            f"{total(m, 'cpsat_seconds'):.1f}", f"{total(m, 'sat_seconds'):.1f}", f"{total(m, 'check_seconds'):.1f}"]


def sizes_row(row: dict, sparsest: dict | None) -> list:
    """Kept weights and seconds of the construction, min-width (certify, then check) and the
    sparsest ticket (the last variant's certify), against Theorem 3's count."""
    start = time.perf_counter()
    built = construction_kept(row["target"], row["random"], row["k"])
    built_s = time.perf_counter() - start
    start = time.perf_counter()
    narrow = certify(row["dir"] / "target.npz", row["dir"] / "random.npz", row["dir"] / "min-width.json",
                     CertifyOptions("min-width"))
    narrow_s = time.perf_counter() - start
    start = time.perf_counter()
    narrow_ok = check_certificate(row["dir"] / "min-width.json").ok if narrow.certificate else None
    check_s = time.perf_counter() - start
    has = narrow.summary.size is not None
    got = (sparsest or {}).get("certify") or {}
    return [row["width"], row["bits"], row["c"], row["seed"],
            built if built is not None else "fails", f"{built_s:.1f}",
            narrow.summary.size.kept if has else "no ticket", narrow.summary.width if has else "-",
            f"{narrow_s:.1f}", f"{check_s:.1f}" + ("" if narrow_ok in (True, None) else " FAILED"),
            got.get("kept") if got.get("kept") is not None else "-",
            f"{got['s']:.1f}" if got else "-",
            f"{theorem3_bound(row['target']):.1f}", row["random"].num_weights]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", default="4,8,16")
    parser.add_argument("--bits", default="2,3")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--c", default="24", help="units per input and bit of precision, one or several (24,32)")
    parser.add_argument("--variants", default="before,after,parallel")
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--search-seconds", type=float, default=None,
                        help="certify's budget for all CP-SAT runs and refutations (then a partial certificate)")
    parser.add_argument("--no-sizes", action="store_true", help="skip the construction / min-width kept weights")
    parser.add_argument("--quick", action="store_true", help="a smoke run: width 4, 3 bits, seed 1, C = 24")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.bits, args.seeds, args.c = "4", "3", "1", "24"
    variants = [v for v in args.variants.split(",") if v in VARIANTS]
    rows, sizes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for c in map(int, args.c.split(",")):
            for width in map(int, args.widths.split(",")):
                for bits in map(int, args.bits.split(",")):
                    for seed in seeds_of(args.seeds):
                        row = build_row(width, bits, seed, c, Path(tmp) / f"c{c}w{width}b{bits}s{seed}")
                        res = None
                        for variant in variants:
                            res = run_limited(row, variant, args.max_seconds, args.search_seconds)
                            rows.append(sparsest_row(row, variant, res))
                            print(" ".join(map(str, rows[-1])), flush=True)
                        if not args.no_sizes:
                            sizes.append(sizes_row(row, res))
    print()
    print_table(["w", "bits", "C", "seed", "variant", "outcome", "certify s", "cpu s", "check s", "cpu s", "comps", "vars",
                 "clauses", "proof lines", "largest", "CP-SAT s", "SAT s", "proof check s"], rows)
    if sizes:
        print()
        print_table(["w", "bits", "C", "seed", "construction kept", "s", "min-width kept", "min width",
                     "certify s", "check s", "sparsest kept", "certify s", "Theorem 3", "R weights"], sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
