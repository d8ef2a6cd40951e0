"""Benchmark: the command line at scale (64-32-10, 256-128-10, 784-100-10 targets), against a
per-weight CP-SAT baseline sampled and extrapolated.

What it measures
----------------
Rows (``--rows``, default all seven): targets with widths 64-32-10, 256-128-10 and 784-100-10 at 4
and 8 bits (weights uniform on S_δt, δt = 2^-bits), and 784-100-10 at 4 bits again with a random
grid without 0 (``WIDTHS:BITS:no-zero``, ``generate random --no-zero``). With 0 in the grid of
{-4..4}/4, a unit of the 96 of an input is in branch A and has an odd product v·u (in units of 2^-4)
with probability 4/9 · 2/9, so a branch has only even products with probability (1 - 8/81)^96 ≈
5·10^-5: about half of the 158,800 target weights are odd, and 3-11 of them have no subset on every
seed tried (a parity "no", exhaustive). Without 0 that is (1 - 1/8)^96 ≈ 3·10^-6 per sum, about 0.2
failures per network, and most seeds construct. Theorem 1's random network with ``--c``
units per random bit (default 48 at 4 bits and 24 at 8 bits): random bits k = ceil(bits/2) (the
CLI default), so ``c·k`` = 96 hidden units per input in both cases. At 8 bits c = 24 rather than
48 keeps the 784-100-10 random network at 784·96 = 75,264 first-layer units (67.4 million
weights, as at 4 bits) so that the row fits on 2 cores and 24 GB; 48 units per branch and
products on {-256..256} still reach every target weight in practice (the success column says
how it went).

Per row, the five steps a user runs, each as its own ``slth-verify`` process in the row's
directory, exactly as typed (no extra flags)::

    slth-verify generate target --widths W --bits B --seed 1 -o target.npz
    slth-verify generate random --for target.npz --theorem 1 --c C --seed S -o random.npz
    slth-verify construct --target target.npz --random random.npz -o mask.npz
    slth-verify certify --target target.npz --random random.npz -o cert.json
    slth-verify check cert.json

- time: wall seconds from spawning the process to reaping it; memory: its peak resident set,
  GNU ``/usr/bin/time -f %M`` (the command's ru_maxrss, covering the descendants it waited
  for), in MB (10^6 bytes). Not ``os.wait4`` on a child of this process: Linux carries the
  RSS high-water mark of the forked copy of this process (NumPy and OR-Tools loaded, ~95 MB)
  over the exec into the child's ru_maxrss; that is the fallback without /usr/bin/time, and
  the header says which was used. A step running longer than
  ``--step-timeout`` (600 s) is killed with its process group and shown as ``> 600 s``.
- S starts at 2 and, when ``construct`` exits 1 (some target weight and branch has no subset:
  a certified "no", not an error), the next seed is tried, up to ``--tries`` (3) seeds;
  ``seed`` says which one was used and on which try. Times are the successful seed's; the
  construct times of failed seeds are listed under the table.
- files: sizes of target.npz, random.npz, mask.npz, cert.json and the certificate's proofs
  directory if any (``-``: none was written).
- kept, total, density: from the certificate's claim.

The baseline, in this process: the approach of Pensia et al.'s code, one CP-SAT model per
target weight and branch. The networks are loaded from the row's files (``load_network``), the
random one lowered to its own precision (what ``construct`` does by default). For target layer
i, input j, output o and branch (A: the units of group j whose first-layer weight u > 0; B:
u < 0), the problem is "Σ_h x_h·(v_oh·u_h) == w·2^(2k - bits)" with one Boolean x_h per unit of
the branch; one fresh ``cp_model.CpModel`` each, solved for feasibility with ``num_workers=1``,
``random_seed`` fixed, ``symmetry_level=1`` and ``keep_all_feasible_solutions_in_presolve`` (the
project's sound settings, ``verify/solve/cpsat.py``), ``--cpsat-limit`` seconds per model.
Products, model building and solving are timed together. Pairs: 2·Σ_i d_{i-1}·d_i (both
branches in every layer pair, as the construction does), counted exactly. The trivial ones
(w = 0: the empty subset; a branch with no unit: no subset) are answered without a model, as by
the construction, and cost the baseline nothing. A seeded random sample (``--sample``, 200;
``--quick`` 50) of the non-trivial pairs is solved; the extrapolated baseline is the sample's
mean time per model times the exact number of non-trivial pairs (with a 95% interval from the
sample's standard deviation), and ``ratio`` is that over the ``construct`` step's wall time.
Each CP-SAT solution is replayed (the subset must sum exactly to w); when the construction
succeeded every sampled pair has a subset, so a CP-SAT INFEASIBLE there is a disagreement.

Single runs, one after the other; other processes on the machine add noise (the load average
is printed). Run from the repository root::

    python benchmarks/scale.py                              # all seven rows (many minutes)
    python benchmarks/scale.py --quick                      # 64-32-10 at 4 bits, 50-pair sample
    python benchmarks/scale.py --rows 64-32-10:4,256-128-10:8 --out /tmp/scale
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from ortools import __version__ as ortools_version
from ortools.sat.python import cp_model

from verify import __version__ as verify_version
from verify.networks import load_network

ROWS = ("64-32-10:4", "64-32-10:8", "256-128-10:4", "256-128-10:8", "784-100-10:4", "784-100-10:4:no-zero",
        "784-100-10:8")
QUICK_ROWS = ("64-32-10:4",)
DEFAULT_C = {4: 48, 8: 24}
TARGET_SEED = 1
FIRST_RANDOM_SEED = 2
CPSAT_SEED = 20240611
ROOT = Path(__file__).resolve().parent.parent
# GNU time measures each step's peak memory (see run_step); without it, os.wait4's rusage
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


# ----------------------------------------------------------------------------------------------
# running one CLI step


def cli() -> str:
    """The ``slth-verify`` next to this Python (the venv's), else the one on PATH."""
    here = Path(sys.executable).parent / "slth-verify"
    if here.exists():
        return str(here)
    found = shutil.which("slth-verify")
    if found is None:
        sys.exit("scale.py: no slth-verify command next to this Python nor on PATH")
    return found


def run_step(argv: list[str], cwd: Path, timeout: float, log: Path) -> dict:
    """Run one command under ``/usr/bin/time``: its wall time (measured here, from spawn to
    reap), its peak RSS (GNU time's %M: the ru_maxrss of the command, which time forks and
    execs itself), its exit code. A run longer than ``timeout`` is killed with its process
    group (started here, for it).

    The rusage of a child forked from this process would not do: Linux carries the RSS
    high-water mark of the forked copy (this process, with NumPy and OR-Tools loaded) over the
    exec into the child's ru_maxrss. GNU time is small, so its child's peak is the command's."""
    out_path, err_path, mem_path = (log.with_suffix(s) for s in (".out", ".err", ".rss"))
    mem_path.unlink(missing_ok=True)
    wrapped = [TIME, "-f", "%M", "-o", str(mem_path)] + argv if TIME else argv
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the group is this child's own session
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    rss_kib = usage.ru_maxrss
    stderr = err_path.read_text(errors="replace")
    if TIME:
        rss_kib = None
        if mem_path.exists():
            lines = mem_path.read_text().strip().splitlines()
            if lines and lines[-1].strip().isdigit():
                rss_kib = int(lines[-1])
            # GNU time writes "Command exited with non-zero status N" before the format line
        mem_path.unlink(missing_ok=True)
    return {"argv": argv, "seconds": seconds, "rss_mb": None if rss_kib is None else rss_kib * 1024 / 1e6,
            "rc": proc.returncode, "timed_out": timed_out.is_set(),
            "stdout": out_path.read_text(errors="replace"), "stderr": stderr}


def looks_like_bug(step: dict, ok_codes: tuple[int, ...]) -> bool:
    """A traceback, an internal error (exit 3), a crash (signal) or an unexpected exit code."""
    if step["timed_out"]:
        return False
    return "Traceback" in step["stderr"] or step["rc"] not in ok_codes


# ----------------------------------------------------------------------------------------------
# the baseline: one fresh CP-SAT model per target weight and branch


def cpsat_subset(products: list[int], target: int, limit: float):
    """One CP-SAT feasibility model: Boolean x_h, Σ products_h·x_h == target."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{h}") for h in range(len(products))]
    model.add(cp_model.LinearExpr.weighted_sum(x, products) == target)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = CPSAT_SEED
    solver.parameters.symmetry_level = 1
    solver.parameters.keep_all_feasible_solutions_in_presolve = True
    solver.parameters.max_time_in_seconds = limit
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "sat", [h for h in range(len(products)) if solver.boolean_value(x[h])]
    if status == cp_model.INFEASIBLE:
        return "unsat", None
    return "unknown", None


def pairs_of(target, random):
    """Every (layer, output, input, branch) pair of the construction, as an int array with
    columns layer (1-based), o, j, branch (0 = A, 1 = B), w on the product grid, units in the
    branch; and the lowered random network with c and k."""
    k = min(random.scales)  # construct's default: the random weights' own precision
    low = random.lowered(k)
    k_t = target.scales[0]
    c = random.weights[0].shape[0] // target.widths[0]
    blocks = []
    for i, w_target in enumerate(target.weights, start=1):
        u_mat = low.weights[2 * i - 2]
        d_out, d_in = w_target.shape
        for j in range(d_in):
            u = np.asarray(u_mat[j * c:(j + 1) * c, j], dtype=np.int64)
            sizes = (int(np.count_nonzero(u > 0)), int(np.count_nonzero(u < 0)))
            w = np.asarray(w_target[:, j], dtype=np.int64) << (2 * k - k_t)
            for branch in (0, 1):
                block = np.empty((d_out, 6), dtype=np.int64)
                block[:, 0], block[:, 1], block[:, 2], block[:, 3] = i, np.arange(d_out), j, branch
                block[:, 4], block[:, 5] = w, sizes[branch]
                blocks.append(block)
    return np.concatenate(blocks), low, c


def baseline(folder: Path, sample: int, limit: float, seed_key: list[int], construction_ok: bool) -> dict:
    target = load_network(folder / "target.npz")
    random = load_network(folder / "random.npz")
    pairs, low, c = pairs_of(target, random)
    nontrivial = np.flatnonzero((pairs[:, 4] != 0) & (pairs[:, 5] > 0))
    rng = np.random.default_rng(seed_key)
    cpsat_subset([3, -5, 7], 2, limit)  # CP-SAT's first solve loads its code: outside the timings
    picked = np.sort(rng.choice(nontrivial, size=min(sample, nontrivial.size), replace=False))
    times, outcomes, problems = [], {"sat": 0, "unsat": 0, "unknown": 0}, []
    for n in picked:
        layer, o, j, branch, w, _ = (int(v) for v in pairs[n])
        start = time.perf_counter()
        u_mat, v_mat = low.weights[2 * layer - 2], low.weights[2 * layer - 1]
        rows = np.arange(j * c, (j + 1) * c)
        u = u_mat[rows, j]
        units = rows[u > 0] if branch == 0 else rows[u < 0]
        products = [int(a) * int(b) for a, b in zip(u_mat[units, j], v_mat[o, units])]
        outcome, subset = cpsat_subset(products, w, limit)
        times.append(time.perf_counter() - start)
        outcomes[outcome] += 1
        where = f"layer {layer} output {o} input {j} branch {'AB'[branch]} target {w}"
        if outcome == "sat" and sum(products[h] for h in subset) != w:
            problems.append(f"CP-SAT's subset does not sum to the target ({where})")
        if outcome == "unsat" and construction_ok:
            problems.append(f"CP-SAT says infeasible where the construction found a subset ({where})")
    times = np.array(times)
    mean = float(times.mean()) if times.size else 0.0
    half = 1.96 * float(times.std(ddof=1)) / math.sqrt(times.size) if times.size > 1 else float("nan")
    return {"pairs": len(pairs), "nontrivial": int(nontrivial.size), "sampled": int(picked.size),
            "mean": mean, "max": float(times.max()) if times.size else 0.0,
            "total": mean * nontrivial.size, "half": half * nontrivial.size,
            "outcomes": outcomes, "problems": problems}


# ----------------------------------------------------------------------------------------------
# one row


def file_size(path: Path) -> int | None:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else None


def proofs_dir(folder: Path) -> Path | None:
    found = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith("cert") and p.name.endswith(".proofs")]
    return found[0] if found else None


def run_row(widths: str, bits: int, c: int, no_zero: bool, folder: Path, args, exe: str, bugs: list[str],
            notes: list[str]) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    label = f"{widths} at {bits} bits" + (" without 0" if no_zero else "")

    def step(name: str, argv: list[str], ok_codes=(0,)) -> dict:
        print(f"  {label}: {name} ...", file=sys.stderr, flush=True)
        result = run_step([exe] + argv, folder, args.step_timeout, folder / name)
        result["name"] = name
        if looks_like_bug(result, ok_codes):
            tail = "\n".join(result["stderr"].strip().splitlines()[-6:])
            bugs.append(f"{label}: `cd {folder} && {shlex.join(['slth-verify'] + argv)}` exited "
                        f"{result['rc']}:\n{tail}")
        print(f"  {label}: {name} {result['seconds']:.2f} s, {mb(result['rss_mb'])}, exit {result['rc']}"
              + (" (timed out)" if result["timed_out"] else ""), file=sys.stderr, flush=True)
        return result

    row = {"widths": widths, "bits": bits, "c": c, "k": math.ceil(bits / 2), "zero": not no_zero, "steps": {}}
    steps = row["steps"]
    steps["generate target"] = step("gen-target", ["generate", "target", "--widths", widths.replace("-", ","),
                                                   "--bits", str(bits), "--seed", str(TARGET_SEED),
                                                   "-o", "target.npz"])
    if steps["generate target"]["rc"] != 0:
        return row
    row["construction"] = "failed"
    for attempt in range(args.tries):
        seed = FIRST_RANDOM_SEED + attempt
        for name in ("mask.npz", "cert.json"):
            (folder / name).unlink(missing_ok=True)
        steps["generate random"] = step("gen-random", ["generate", "random", "--for", "target.npz", "--theorem", "1",
                                                       "--c", str(c), "--seed", str(seed), "-o", "random.npz"]
                                      + (["--no-zero"] if no_zero else []))
        if steps["generate random"]["rc"] != 0:
            return row
        steps["construct"] = step("construct", ["construct", "--target", "target.npz", "--random", "random.npz",
                                                "-o", "mask.npz"], ok_codes=(0, 1))
        row["seed"], row["try"] = seed, attempt + 1
        if steps["construct"]["rc"] == 0:
            row["construction"] = "ok"
            break
        if steps["construct"]["timed_out"] or steps["construct"]["rc"] != 1:
            row["construction"] = "timeout" if steps["construct"]["timed_out"] else "error"
            break
        lines = steps["construct"]["stdout"].splitlines()
        evidence = [line.split(None, 1)[1] for line in lines if line.startswith("evidence") and " " in line]
        fails = [line.split(None, 1)[1] for line in lines if line.startswith("FAILED") and " " in line]
        notes.append(f"{label}: random seed {seed}: construct exited 1 after {steps['construct']['seconds']:.2f} s"
                     + (f"; evidence {evidence[0]}" if evidence else "")
                     + (f"; first failure: {fails[0]}" if fails else ""))
    if row["construction"] == "ok":
        steps["certify"] = step("certify", ["certify", "--target", "target.npz", "--random", "random.npz",
                                            "-o", "cert.json"])
        if steps["certify"]["rc"] == 0:
            steps["check"] = step("check", ["check", "cert.json"])
    proofs = proofs_dir(folder)
    row["files"] = {name: file_size(folder / name) for name in ("target.npz", "random.npz", "mask.npz", "cert.json")}
    row["files"]["proofs"] = file_size(proofs) if proofs else None
    if (folder / "cert.json").exists():
        claim = json.loads((folder / "cert.json").read_text())["claim"]
        row["kept"], row["total"] = claim.get("kept"), claim.get("total")
    if (folder / "random.npz").exists() and steps["generate random"]["rc"] == 0 and not args.no_baseline:
        print(f"  {label}: CP-SAT baseline on {args.sample} pairs ...", file=sys.stderr, flush=True)
        key = [args.sample_seed, bits] + [int(w) for w in widths.split("-")]
        row["baseline"] = baseline(folder, args.sample, args.cpsat_limit, key, row["construction"] == "ok")
        for p in row["baseline"]["problems"]:
            bugs.append(f"{label}: baseline check: {p}")
    return row


# ----------------------------------------------------------------------------------------------
# output


def sec(x: float) -> str:
    if x >= 3600:
        return f"{x / 3600:.2f} h"
    if x >= 60:
        return f"{x / 60:.1f} min"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.1f} ms"


def mb(x: float | None) -> str:
    return "? MB" if x is None else f"{x:,.0f} MB"


def size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def step_cell(row: dict, name: str, timeout: float) -> str:
    s = row["steps"].get(name)
    if s is None:
        return "-"
    if s["timed_out"]:
        return f"> {timeout:g} s (timeout)"
    cell = f"{s['seconds']:.2f} s / {mb(s['rss_mb'])}"
    return cell if s["rc"] == 0 else f"{cell} (exit {s['rc']})"


def table_rows(rows: list[dict], timeout: float) -> tuple[list[str], list[list[str]]]:
    headers = ["target", "bits", "c", "0 in grid", "units/input", "random seed (try)", "generate target", "generate random",
               "construct", "certify", "check", "target.npz", "random.npz", "mask.npz", "cert.json", "proofs",
               "kept", "total", "density", "construction", "pairs (non-trivial)", "CP-SAT sample",
               "CP-SAT mean/model", "CP-SAT extrapolated", "ratio"]
    out = []
    for r in rows:
        b = r.get("baseline")
        f = r.get("files", {})
        construct = r["steps"].get("construct")
        kept, total = r.get("kept"), r.get("total")
        if b:
            o = b["outcomes"]
            sample_cell = f"{b['sampled']} ({o['sat']} sat, {o['unsat']} unsat, {o['unknown']} unknown)"
            ratio = "-"
            if construct and not construct["timed_out"] and construct["seconds"] > 0:
                ratio = f"{b['total'] / construct['seconds']:,.0f}x"
            elif construct and construct["timed_out"]:
                ratio = f"< {b['total'] / timeout:,.0f}x"
            base = [f"{b['pairs']:,} ({b['nontrivial']:,})", sample_cell, sec(b["mean"]),
                    f"{sec(b['total'])} ± {100 * b['half'] / b['total']:.0f}%" if b["total"] else "0", ratio]
        else:
            base = ["-"] * 5
        out.append([r["widths"], str(r["bits"]), str(r["c"]), "yes" if r["zero"] else "no", str(r["c"] * r["k"]),
                    f"{r['seed']} ({r['try']})" if "seed" in r else "-",
                    step_cell(r, "generate target", timeout), step_cell(r, "generate random", timeout),
                    step_cell(r, "construct", timeout), step_cell(r, "certify", timeout),
                    step_cell(r, "check", timeout),
                    size(f.get("target.npz")), size(f.get("random.npz")), size(f.get("mask.npz")),
                    size(f.get("cert.json")), size(f.get("proofs")),
                    f"{kept:,}" if kept is not None else "-", f"{total:,}" if total is not None else "-",
                    f"{kept / total:.4f}" if kept is not None and total else "-",
                    r.get("construction", "-")] + base)
    return headers, out


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    git = "unknown"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "verify"], cwd=ROOT,
                               capture_output=True, text=True)
        git = head.stdout.strip() + (" (verify/ has uncommitted changes)" if dirty.stdout.strip() else "")
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"- CPU: {cpu}, {os.cpu_count()} cores ({platform.machine()}), memory {mem}",
            f"- OS: {platform.platform()}",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, OR-Tools {ortools_version}, "
            f"slth-verify {verify_version} (git {git})",
            f"- load average at start: {load}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="only 64-32-10 at 4 bits, a 50-pair sample (under a minute)")
    ap.add_argument("--rows", help=f"comma-separated WIDTHS:BITS (default {','.join(ROWS)})")
    ap.add_argument("--c", default=None, help="C per bits, BITS:C,... (default 4:48,8:24); "
                    "units per input = C·ceil(bits/2)")
    ap.add_argument("--out", type=Path, help="keep each row's files under this directory (default: a temporary one)")
    ap.add_argument("--sample", type=int, default=None, help="CP-SAT baseline pairs per row (default 200; quick: 50)")
    ap.add_argument("--sample-seed", type=int, default=0, help="seed of the baseline's sample")
    ap.add_argument("--cpsat-limit", type=float, default=60.0, help="seconds per CP-SAT model")
    ap.add_argument("--step-timeout", type=float, default=600.0, help="seconds before a CLI step is killed")
    ap.add_argument("--tries", type=int, default=3, help="random seeds tried when construct exits 1")
    ap.add_argument("--no-baseline", action="store_true", help="skip the CP-SAT baseline")
    args = ap.parse_args()
    if args.sample is None:
        args.sample = 50 if args.quick else 200
    rows_spec = args.rows.split(",") if args.rows else list(QUICK_ROWS if args.quick else ROWS)
    c_of = dict(DEFAULT_C)
    if args.c:
        for item in args.c.split(","):
            b, c = item.split(":")
            c_of[int(b)] = int(c)
    plan = []
    for spec in rows_spec:
        try:
            widths, bits, *flag = spec.strip().split(":")
            bits = int(bits)
            [int(w) for w in widths.split("-")]
            if flag not in ([], ["no-zero"]):
                raise ValueError
        except ValueError:
            ap.error(f"--rows: expected WIDTHS:BITS or WIDTHS:BITS:no-zero like 64-32-10:4, got {spec!r}")
        if bits not in c_of:
            ap.error(f"--c: no C for {bits} bits (give --c {bits}:C)")
        plan.append((widths, bits, c_of[bits], bool(flag)))

    exe = cli()
    command = shlex.join([os.path.relpath(sys.executable, Path.cwd()), os.path.relpath(__file__, Path.cwd())]
                         + sys.argv[1:])
    print("# slth-verify at scale: the command line on 64-32-10 to 784-100-10 targets")
    print()
    print(f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"- command: `{command}`")
    for line in machine():
        print(line)
    start_up = run_step([exe, "--version"], Path.cwd(), 60, Path(tempfile.gettempdir()) / f"scale-version-{os.getpid()}")
    for suffix in (".out", ".err"):
        (Path(tempfile.gettempdir()) / f"scale-version-{os.getpid()}{suffix}").unlink(missing_ok=True)
    print(f"- `slth-verify --version`: {(start_up['stdout'] + start_up['stderr']).strip()} "
          f"({start_up['seconds']:.2f} s, {mb(start_up['rss_mb'])}: the start-up in every step below)")
    print("- peak memory: " + ("GNU time's %M (ru_maxrss of the command itself)" if TIME else
          "os.wait4's ru_maxrss (/usr/bin/time not found: it includes this process's RSS at the fork)"))
    print(f"- settings: target seed {TARGET_SEED}, random seeds from {FIRST_RANDOM_SEED} (up to {args.tries}), "
          f"random bits ceil(bits/2), C = {', '.join(f'{c} at {b} bits' for b, c in sorted(c_of.items()))}; "
          f"step timeout {args.step_timeout:g} s; CP-SAT baseline: {args.sample} sampled non-trivial pairs per row "
          f"(sample seed {args.sample_seed}), one model each, num_workers=1, random_seed={CPSAT_SEED}, "
          f"symmetry_level=1, keep_all_feasible_solutions_in_presolve, {args.cpsat_limit:g} s per model")
    print(flush=True)

    bugs: list[str] = []
    notes: list[str] = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="slth-scale-") as tmp:
        base = args.out if args.out else Path(tmp)
        for widths, bits, c, no_zero in plan:
            folder = base / (f"{widths}-{bits}bits" + ("-no-zero" if no_zero else ""))
            rows.append(run_row(widths, bits, c, no_zero, folder, args, exe, bugs, notes))

    headers, cells = table_rows(rows, args.step_timeout)
    print(markdown_table(headers, cells))
    print()
    print("Steps: wall time / peak RSS (MB = 10^6 bytes) of each `slth-verify` process, start-up included. "
          "random seed (try): the `generate random --seed` used and on which try. kept, total: the certificate's "
          "claim; density = kept / total. pairs: (target weight, branch) subset sums of the construction, "
          "2·Σ d_{i-1}·d_i, and the non-trivial ones (w ≠ 0, branch not empty). CP-SAT sample: models solved and "
          "their answers; extrapolated = mean per model × non-trivial pairs (± the 95% interval of the mean); "
          "ratio = extrapolated CP-SAT / the construct step's wall time.")
    if notes:
        print()
        print("Seeds that failed:")
        for n in notes:
            print(f"- {n}")
    print()
    if bugs:
        print(f"PROBLEMS ({len(bugs)}):")
        for b in bugs:
            print(f"- {b}")
    else:
        print("No step crashed or printed a traceback; every CP-SAT subset replayed and none contradicted "
              "a successful construction.")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
