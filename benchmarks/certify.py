"""Benchmark: end-to-end ``certify`` and ``check`` times, kept weights and widths (issue 5).

What it measures
----------------
Rows: target widths w in {4, 8, 16} (every layer w: ``w,w,w`` at depth 2, ``w,w,w,w`` at depth 3),
depth 2 and 3, bits 2, 3, 4 (``--quick``: w 4 and 8, depth 2, bits 2-3), one seed S (``--seed``).
Target ``target_network(widths, bits, seed=S, rounding=Rounding("double", bits))``; random
``theorem1_random_network(target, C·k, k, seed=S + 1)``, k = ceil(bits/2), C the smallest of
``LADDER`` for which ``construct_theorem1`` succeeds with this seed (printed per row); both saved
with ``save_network`` in a temporary directory.

- Per search (construction, sparsest, min-width, fixed-size with ``--per-weight 1..6``): wall
  time of one library call ``certify(target, random, out, find)``, then of
  ``check_certificate(out)``, in a warm process. certify ends by checking what it wrote; that
  ``self-check`` is timed too (the checker certify calls is wrapped). ``search s`` is certify's
  own search time (the certificate's ``info.seconds.search``: finding the mask, its optimum's
  refutations included; fixed-size: the sweep, not its sparsest comparison); check's time is
  split by ``CheckReport.timings`` into ``proofs s`` (the DRUP proof checker) and ``rest s``
  (everything else: hashes, witness replay, equality, CNF rebuilding, refutations re-run), of
  which ``of it CNFs s`` rebuilds the lower bounds' CNFs and compares them with their files.
  ``search/rest`` = search / (check - proofs): a row whose search takes over 1 s with that
  ratio below 10 is flagged (FLAG): there check re-does too large a share of the search. sparsest
  and min-width run in a forked child (timed there); certify and check get ``--max-seconds`` of
  wall time each (also certify's per-solver ``time_limit``), then the child is killed
  (``timeout``), and wider rows of the same depth and bits skip that search.
- Kept weights of the three tickets against ``theorem3_bound(target)`` (Theorem 3: the nonzero
  weights a network needs to contain every target of the shape; compare the random network's
  size too); min-width's certified width against Theorem 1's C·k units per input.
- End to end, 8,8,8 at 3 bits: generate + save + certify (construction) + check, in process and as
  four ``slth-verify`` commands, against 60 s; start-up (``slth-verify --version``) printed once.
- Where the time goes: cProfile of certify and check (top 10 cumulative, shares of named steps),
  construction at 8,8,8 / 3 bits, sparsest at 4,4,4 / 3 bits (also checked per proof engine).

Single runs; other processes (load average printed) add noise: compare ratios within one run.
Run from the repository root::

    python benchmarks/certify.py            # full grid (14 min on 2 shared cores: 6 sparsest timeouts of 120 s)
    python benchmarks/certify.py --quick    # smoke run (1.5 min: 2 sparsest timeouts of 30 s)
    python benchmarks/certify.py --quick --finds sparsest,fixed-size   # some searches only
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import functools
import importlib
import math
import multiprocessing
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import verify.certify as certify_module
from verify import __version__ as verify_version
from verify.certificates import check_certificate, theorem3_bound
from verify.certify import CertifyOptions, certify
from verify.constructions import construct_theorem1
from verify.generators import target_network, theorem1_random_network
from verify.networks import Rounding, save_network

LADDER = (8, 12, 16, 20, 24, 32, 48, 64, 96, 128, 192, 256)
FINDS = ("construction", "sparsest", "min-width", "fixed-size")
PER_WEIGHT = "1..6"  # the fixed-size sweep (--per-weight)
E2E, HOW = (8, 2, 3), ("in process", "command line")  # widths 8,8,8 at 3 bits, end to end within 60 s?
PROFILED = {"construction": (8, 2, 3), "sparsest": (4, 2, 3)}
CERTIFY_STEPS = {"construct": "construction", "search": "search", "decide_equality": "equality",
                 "dumps_readable": "certificate JSON", "check_certificate": "self-check"}
CHECK_STEPS = {"load_network": "load networks", "replay_witnesses": "replay witnesses", "collapse": "collapse",
               "check_drup": "DRUP proof checks"}


def build_row(width: int, depth: int, bits: int, seed: int, folder: Path) -> dict:
    """Target and random network of one row, C from the ladder, both saved under ``folder``."""
    k = math.ceil(bits / 2)
    target = target_network([width] * (depth + 1), bits, seed=seed, rounding=Rounding("double", bits))
    for c in LADDER:
        random = theorem1_random_network(target, c * k, k, seed=seed + 1)
        if construct_theorem1(target, random, k).ok:
            break
    else:
        c = None
    folder.mkdir(parents=True, exist_ok=True)
    save_network(target, folder / "target.npz")
    save_network(random, folder / "random.npz")
    return {"key": (width, depth, bits), "name": ",".join([str(width)] * (depth + 1)), "k": k, "C": c,
            "units": None if c is None else c * k, "target": target, "random": random, "dir": folder}


def options(find: str, limit: float | None) -> CertifyOptions:
    """certify's options for one search: ``limit`` seconds per solver run; for a
    search (fixed-size: the sweep ``PER_WEIGHT`` and its sparsest comparison get ``limit`` / 3
    seconds, so that certify can finish within ``limit``)."""
    fixed = find == "fixed-size"
    return CertifyOptions(find, time_limit=limit, search_seconds=limit / 3 if fixed and limit else None,
                          per_weight=PER_WEIGHT if fixed else None)


def certify_and_check(row: dict, find: str, limit: float | None):
    """certify then check one search; yields ("certify", dict) then ("check", dict)."""
    self_check = []

    def timed_check(path, engines="auto", proofs=True, **more):  # the self-check certify runs on what it wrote
        seconds, report = timed(check_certificate, path, engines, proofs, **more)
        self_check.append(seconds)
        return report

    certify_module.check_certificate, out = timed_check, row["dir"] / f"{find}.json"
    try:
        seconds, done = timed(certify, row["dir"] / "target.npz", row["dir"] / "random.npz", out,
                              options(find, limit))
    finally:
        certify_module.check_certificate = check_certificate
    optimal = done.certificate is not None and bool(done.certificate["claim"].get("sparsest"))
    yield "certify", {"s": seconds, "self": sum(self_check), "search": done.summary.search_seconds,
                      "ok": done.ok, "message": done.message,
                      "kept": done.summary.size.kept if done.summary.size else None, "width": done.summary.width,
                      "optimal": optimal}
    checked = timed(check_certificate, out) if done.certificate is not None else None
    yield "check", checked and {"s": checked[0], "ok": checked[1].ok, "proofs": checked[1].timings["proofs"],
                                "cnfs": checked[1].timings.get("cnfs", 0.0)}


def run_limited(row: dict, find: str, limit: float) -> dict:
    """``certify_and_check`` in a forked child; certify and check get ``limit`` seconds each."""
    def child():
        try:
            for message in certify_and_check(row, find, limit):
                send.send(message)
        except BaseException as e:  # noqa: BLE001 - reported by the parent as the row's outcome
            send.send(("error", f"{type(e).__name__}: {e}"))

    ctx = multiprocessing.get_context("fork")  # fork: the child needs no pickling and inherits the imports
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=child)
    proc.start()
    send.close()
    result = {}
    for stage in ("certify", "check"):
        if not recv.poll(limit):
            result["timeout"] = stage
            break
        try:
            kind, value = recv.recv()
        except EOFError:
            kind, value = "error", f"the child died in {stage} (exit code {proc.exitcode})"
        result[kind] = value
        if kind == "error":
            break
    proc.kill()  # the solver children (verify.solve.children) die with it (PR_SET_PDEATHSIG)
    proc.join()
    return result


def timed(fn, *args, **kwargs):
    """(wall seconds, result) of one call."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def sec(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}" if x < 100 else f"{x:.1f}"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)))
    print(flush=True)


def time_row(row: dict, find: str, res: dict, limit: float) -> list[str]:
    """One line of a certify/check table: certify, its search and self-check; check, split into
    proof checking and the rest; certify/check; search / (check - proofs) and the flag."""
    head = [row["name"], str(row["key"][1]), str(row["key"][2])]
    c, k = res.get("certify"), res.get("check")
    if c is None:
        why = res.get("skipped") or (f"timeout: certify > {limit:g} s" if res.get("timeout") else res.get("error"))
        return head + ["-"] * 11 + [why]
    if k is None:
        why = f"timeout: check > {limit:g} s" if res.get("timeout") else res.get("error") or c["message"]
        return head + [sec(c["s"]), sec(c["search"]), sec(c["self"])] + ["-"] * 8 + [why]
    ratio = c["s"] / k["s"]
    rest = k["s"] - k["proofs"]
    search = c["search"] or 0.0
    search_ratio = search / rest if rest > 0 else math.inf
    outcome = ("checked" if k["ok"] else "CHECK FAILED") + (
        ", optimal (proved)" if c["optimal"] else ", optimality not proved" if find == "sparsest" else "")
    return head + [sec(c["s"]), sec(search), sec(c["self"]), sec(k["s"]), sec(k["proofs"]), sec(rest), sec(k["cnfs"]),
                   f"{ratio:.1f}", "yes" if ratio >= 10 else "NO", f"{search_ratio:.1f}",
                   "FLAG" if search > 1 and search_ratio < 10 else "", outcome]


def warm_up(row: dict) -> None:
    """Imports and lazy loading outside every timing; the forked children inherit them."""
    for name in ("pysat.solvers", "ortools.sat.python.cp_model", "verify.solve.cpsat",
                 "verify.solve.proofs", "verify.encodings.cnf", "verify.encodings.cpsat", "verify.tickets"):
        importlib.import_module(name)
    list(certify_and_check(row, "construction", None))


def command(argv: list[str], cwd=None) -> tuple[float, int]:
    seconds, proc = timed(subprocess.run, ["slth-verify", *argv], cwd=cwd, capture_output=True, check=False)
    return seconds, proc.returncode


def end_to_end(row: dict, seed: int, folder: Path) -> list[tuple[bool, float]]:
    """Generate + save + certify + check, in process and by the command line: (ok, seconds) each."""
    (width, depth, bits), widths = row["key"], ",".join([str(row["key"][0])] * (row["key"][1] + 1))
    folder.mkdir()

    def generate():
        target = target_network([width] * (depth + 1), bits, seed=seed, rounding=Rounding("double", bits))
        save_network(target, folder / "target.npz")
        save_network(theorem1_random_network(target, row["units"], row["k"], seed=seed + 1), folder / "random.npz")

    gen, _ = timed(generate)
    cert, done = timed(certify, folder / "target.npz", folder / "random.npz", folder / "c.json")
    chk, report = timed(check_certificate, folder / "c.json")
    times, ok = [gen, cert, chk], done.ok and report.ok
    cli = [command(a, folder) for a in (
        ["generate", "target", "--widths", widths, "--bits", str(bits), "--rounding", "double", "--gamma",
         str(bits), "--seed", str(seed), "-o", "t.npz"],
        ["generate", "random", "--for", "t.npz", "--theorem", "1", "--c", str(row["C"]), "--seed",
         str(seed + 1), "-o", "r.npz"],
        ["certify", "--target", "t.npz", "--random", "r.npz", "-o", "cli.json"], ["check", "cli.json"])]
    cli_ok = all(rc == 0 for _, rc in cli)
    cli_times = [cli[0][0] + cli[1][0], cli[2][0], cli[3][0]]
    same = (folder / "t.npz").read_bytes() == (folder / "target.npz").read_bytes()
    print(f"End to end, widths {widths}, {bits} bits, C = {row['C']}: generate (target and random, saved) + "
          f"certify (construction) + check")
    print_table(["", "generate s", "certify s", "check s", "total s", "checked", "< 60 s"],
                [[label, *map(sec, t), sec(sum(t)), "yes" if good else "NO", "YES" if good and sum(t) < 60 else "NO"]
                 for label, t, good in zip(HOW, (times, cli_times), (ok, cli_ok))])
    print(f"(command line: each of the 4 commands includes process start-up; its target file is byte-identical "
          f"to the in-process one: {'yes' if same else 'NO'})\n")
    return [(ok, sum(times)), (cli_ok, sum(cli_times))]


def profile(label: str, fn, roots: set, named: dict) -> None:
    """cProfile one call: the top 10 functions by cumulative time (``roots`` left out) and the
    share of each function in ``named`` (function name -> label; nested, so they may overlap)."""
    prof = cProfile.Profile()
    total, _ = timed(prof.runcall, fn)
    stats = pstats.Stats(prof).stats
    entries = sorted(((cum, ncalls, f"{Path(file).stem}:{func}" if file != "~" else func)
                      for (file, _, func), (_, ncalls, _, cum, _) in stats.items()
                      if func not in roots and "cProfile" not in file), reverse=True)
    print(f"{label}: {total:.3f} s under cProfile; top 10 by cumulative time")
    print_table(["cum s", "share", "calls", "function"],
                [[f"{c:.3f}", f"{100 * c / total:.0f}%", str(n), name] for c, n, name in entries[:10]])
    shares = [(what, sum(v[3] for (f, _, fn_), v in stats.items() if fn_ == func and "verify" in f))
              for func, what in named.items()]
    print("  shares: " + ", ".join(f"{what} {100 * c / total:.0f}%" for what, c in shares if c >= total / 100) + "\n")


def where_time_goes(rows: list[dict], results: dict, limit: float) -> None:
    print("Where the time goes")
    for find, key in PROFILED.items():
        row = next((r for r in rows if r["key"] == key), None)
        if row is None or not results.get((key, find), {}).get("check"):
            print(f"{find} at {key} (width, depth, bits): not profiled (not certified in this run)\n")
            continue
        t, r, out = row["dir"] / "target.npz", row["dir"] / "random.npz", row["dir"] / f"prof-{find}.json"
        profile(f"certify --find {find}, widths {row['name']}, {key[2]} bits",
                functools.partial(certify, t, r, out, options(find, limit)), {"certify"},
                {**CERTIFY_STEPS, **CHECK_STEPS})
        profile("check, the same certificate", functools.partial(check_certificate, out),
                {"check_certificate", "_check"}, CHECK_STEPS)
        if find == "sparsest":
            times = [(e, *timed(check_certificate, out, e)) for e in ("auto", "python", "native")]
            print("check of this sparsest certificate by proof-checker engine: " + ", ".join(
                f"{e} {t:.3f} s{'' if r.ok else ' (FAILED)'}" for e, t, r in times) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="widths 4 and 8, depth 2, bits 2-3 (a minute or two)")
    ap.add_argument("--seed", type=int, default=1, help="target seed S (random network: S + 1)")
    ap.add_argument("--max-seconds", type=float, help="wall time for each sparsest/min-width certify and check "
                    "(default 120; quick 30)")
    ap.add_argument("--finds", default=",".join(FINDS),
                    help=f"searches to time, comma-separated (default {','.join(FINDS)})")
    args = ap.parse_args()
    finds = [f for f in FINDS if f in args.finds.split(",")]
    if not finds or set(args.finds.split(",")) - set(FINDS):
        ap.error(f"--finds: expected some of {','.join(FINDS)}, got {args.finds!r}")
    limit = args.max_seconds or (30.0 if args.quick else 120.0)
    widths, depths, bits = ((4, 8), (2,), (2, 3)) if args.quick else ((4, 8, 16), (2, 3), (2, 3, 4))
    grid = [(w, d, b) for w in widths for d in depths for b in bits]
    import dratify
    from ortools import __version__ as ortools_version

    run_start = time.perf_counter()
    print("certify and check: Theorem 1 tickets (construction, sparsest, min-width), certified and re-checked")
    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {platform.machine()}, cpu_count={os.cpu_count()}, load average "
          f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min)")
    print(f"python {platform.python_version()}, numpy {np.__version__}, ortools {ortools_version}, "
          f"dratify {getattr(dratify, '__version__', '?')}, slth-verify {verify_version}")
    print(f"settings: seed {args.seed} (random network {args.seed + 1}), rounding double at the target's bits, "
          f"k = ceil(bits/2), budget {limit:g} s per sparsest/min-width certify and per check")
    startup = min(command(["--version"])[0] for _ in range(3))
    print(f"process start-up (slth-verify --version, best of 3): {startup:.3f} s\n", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="slth-bench-certify-"))
    rows = [build_row(*key, args.seed, tmp / "w{}-d{}-b{}".format(*key)) for key in grid]
    warm_up(rows[0])
    results: dict = {}
    for row in (r for r in rows if r["C"]):
        for find in finds:
            over = [r["key"] for r in rows if results.get((r["key"], find), {}).get("timeout")
                    and r["key"][1:] == row["key"][1:] and r["key"][0] < row["key"][0]]
            if find == "construction":
                res = dict(certify_and_check(row, find, None))
            elif over:
                res = {"skipped": "skipped (width {} depth {} bits {} took > {:g} s)".format(*over[0], limit)}
            else:
                res = run_limited(row, find, limit)
            results[row["key"], find] = res
        print(f"  done: widths {row['name']} bits {row['key'][2]} ({time.perf_counter() - run_start:.0f} s)",
              file=sys.stderr, flush=True)

    print(f"Rows: C = the smallest of {','.join(map(str, LADDER))} for which the construction succeeds "
          f"with seed {args.seed}")
    print_table(["widths", "depth", "bits", "k", "C", "units/input", "target weights", "random weights"],
                [[r["name"], str(r["key"][1]), str(r["key"][2]), str(r["k"]), str(r["C"]), str(r["units"]),
                  str(r["target"].num_weights), str(r["random"].num_weights)] for r in rows])
    tally = {}
    for find in finds:
        lines = [time_row(r, find, results[r["key"], find], limit) for r in rows if r["C"]]
        ratios = [float(line[10]) for line in lines if line[10] != "-"]
        tally[find] = (sum(x < 10 for x in ratios), len(ratios), min(ratios, default=0), max(ratios, default=0),
                       len(lines) - len(ratios), sum(line[13] == "FLAG" for line in lines))
        sweep = f" --per-weight {PER_WEIGHT}" if find == "fixed-size" else ""
        print(f"certify --find {find}{sweep}, then check")
        print_table(["widths", "depth", "bits", "certify s", "search s", "self-check s", "check s", "proofs s",
                     "rest s", "of it CNFs s", "certify/check", ">= 10x", "search/rest", "flag", "outcome"], lines)
    print("Kept weights and widths (Theorem 3: nonzero weights a network needs to contain every target of the shape)")
    table = []
    for r in rows:
        done = [results.get((r["key"], f), {}).get("certify") or {"ok": False} for f in FINDS]
        c, s, m, fs = (d["kept"] if d["ok"] and d.get("kept") else None for d in done)
        bound, width = theorem3_bound(r["target"]), done[2]["width"] if done[2]["ok"] else None
        table.append([r["name"], str(r["key"][1]), str(r["key"][2]), str(r["random"].num_weights),
                      *(str(x) if x is not None else "-" for x in (c, s, m, fs)), f"{bound:.1f}",
                      *(f"{x / bound:.2f}" if x else "-" for x in (c, s)), str(width) if width else "-",
                      str(r["units"]), f"{width / r['units']:.2f}" if width else "-"])
    print_table(["widths", "depth", "bits", "random", "construction", "sparsest", "min-width", "fixed-size",
                 "Theorem 3",
                 "constr/Th3", "sparsest/Th3", "min width", "Theorem 1 width", "min/Th1"], table)

    e2e = [end_to_end(r, args.seed, tmp / "e2e") for r in rows if r["key"] == E2E and r["C"]]
    where_time_goes(rows, results, limit)

    print("Verdicts")
    holds = "NO" if any(t[0] for t in tally.values()) else "YES"
    print(f"  check >= 10x faster than certify on every measured row: {holds} (" + "; ".join(
        f"{f}: {bad} of {n} below 10x, certify/check {lo:.1f}-{hi:.1f}" + (f", {u} not measured" if u else "")
        for f, (bad, n, lo, hi, u, _) in tally.items()) + ")")
    print("  rows whose search takes over 1 s with search / (check - proof checking) below 10 (FLAG): " + "; ".join(
        f"{f}: {flagged}" for f, (*_, flagged) in tally.items()))
    for run in e2e:  # at most one
        print("  widths 8,8,8 at 3 bits certified end to end within 60 s: " + ", ".join(
            f"{how} {'YES' if ok and t < 60 else 'NO'} ({t:.2f} s)" for how, (ok, t) in zip(HOW, run)))
    print(f"load average at the end: {'/'.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min)")
    print(f"total run time: {time.perf_counter() - run_start:.0f} s; files in {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
