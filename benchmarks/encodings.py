"""Benchmark of the CNF encodings of subset sum, with CaDiCaL, proof checking, CP-SAT and the
pre-filter in the same tables.

What it measures
----------------
Classes: the grid n in {16, 24, 32, 48} x bits in {8, 12, 16}, plus two near-threshold classes
(kappa = bits/n close to 1 - log2(n)/(2n): n=16 bits=14, n=24 bits=21). For each class a few
seeds (3 by default): weights from ``verify.generators.subset_sum_instance(n, bits=B,
zero=False, seed=S)``, uniform on {-2^B..2^B} without 0. Two targets per instance, both read
off the exact reachable-sum table (``verify.prefilter.bitset.ReachableSums``):

- feasible: the reachable target closest to floor(sum(weights)/2) (ties: the lower one);
- infeasible: the unreachable target of the sum range [L, U] closest to that same middle (ties:
  the lower one). When every target of [L, U] is reachable the instance has none, the table
  says so, and its infeasible column is skipped. On dense classes (many subsets per sum) the
  closest unreachable target lies far from the middle, near an end of the range: its distance
  from the middle is printed.

For each (instance, target, encoding) with encoding in ``verify.encodings.cnf.ENCODINGS``
(``auto``, ``dd`` and PySAT's eight), one child process does what the tool does, in order:
``encode_subset_sum`` (timed), CaDiCaL 1.9.5 through ``verify.backends.satrun.run_sat(...,
solver="cadical195", proof=True)`` with the per-run time limit (its ``seconds``, process start
included, is the solve time), and for an UNSAT its DRUP proof checked with
``verify.backends.proofcheck.check_drup``: first ``engines="native"`` alone (the "native"
column), then ``engines="auto"`` (the pure-Python engine and the native one, which must agree:
what the default path runs; the "check" column). When the encoder refuted the constraint by
itself the solver is not run: if the encoder produced its own DRUP proof (``Encoded.proof``),
that proof is checked the same way against the encoder's clauses; if not, the row says
"refuted by encoder, no proof" and the run certifies nothing.

    solve+check = encode + solve                      (feasible target)
                = encode + solve + check(auto)        (infeasible target, solver's proof)
                = encode + check(auto)                (infeasible, the encoder's own proof)

An infeasible run without a checked proof (the solver timed out, the check was cut off, or an
encoder refutation without proof) has no solve+check time: it is shown but never counts as a
"best" time. A feasible run counts only if the model replays in exact arithmetic. A run whose
first pass took under 0.1 s is repeated in the same child (at most 5 passes, about 0.3 s in
all) and its fastest pass is kept, so that milliseconds of process start-up and scheduling do
not decide a comparison; CP-SAT and the pre-filter are repeated the same way.

Limits and guards (every skip is printed with its reason, never dropped silently):

- estimated size: before a run, encodings whose clause count would be huge are skipped: ``dd``
  and ``bdd`` on a feasible target from the reduced diagram's node count (``dd_size``;
  measured: dd writes at most about 6 clauses per node, PySAT's BDD about 5 with one variable
  per node), ``seqcounter`` from 4 n b and ``sortnetwrk`` from 85 sqrt(n) b, b the smaller of
  the normalized bound and its complement (measured factors, rounded up), against
  ``--clause-cap`` (3,000,000; 1,000,000 with ``--quick``);
- every run is a child process under an address-space limit (``--mem-gib``, 8 GiB more than
  the parent's), an encoding time limit (``--encode-limit``, 15 s), the solver's own time limit
  (``--limit``, 60 s) and a proof-check limit (``--check-limit``, 10 s, for the native check
  and for the auto check each); a limit hit is printed as such and counts as over the limit;
- the auto check's Python engine takes 11x to 18x the native engine's time on solver proofs of
  10,000+ lines (measured while writing this; the ratios of the run are printed at the end), so
  when the native check alone took more than 1/8 of the check limit the auto check is not run
  and the row says so (over the limit): this keeps the full run near 25 minutes;
- once a (class, target kind, encoding) was over a limit on more than half of the seeds, its
  median is already over the limit, so its remaining seeds are skipped ("median decided").

CP-SAT (``verify.solving.solve(problem, "cpsat", SolverOptions(time_limit=...))``, default
workers: one per core) and the pre-filter (``solve(problem, "dp")``) run on the same targets;
their times are wall time of the full call (for CP-SAT's INFEASIBLE that includes the library's
confirmation by the exact table; CP-SAT's own time is printed beside it).

Summary per class and target kind: median solve+check per encoding over the seeds (over a
limit counts as infinite), the best concrete encoding (``auto`` excluded), ``auto``'s choice and
the ratio of its median to the best, and the issue's criteria:

1. on every class ``auto``'s median solve+check is within 1.5x of the best encoding's (both
   target kinds);
2. the diagram's clause count beside PySAT's BDD's on every row, and for bits <= 8 the median
   solve+check of ``dd`` beats every other encoding (``auto``, which picks ``dd`` there, is not
   counted as another encoding);
3. the default SAT path, ``solve(problem, "sat", SolverOptions(encoding="auto",
   time_limit=60))``, reaches ``unsat-proof-checked`` on every infeasible instance within 60 s
   (run in a child process, cut at twice the limit).

The criteria are reported, not enforced. Each answer is cross-checked: a SAT model must replay,
and no method may call a reachable target unreachable or the reverse; the exit status is 1 when
any disagreement or unexpected error was seen.

How to run (from the repository root; one thing runs at a time, 2 cores)::

    python benchmarks/encodings.py            # the full grid, 3 seeds: about 20-25 minutes
    python benchmarks/encodings.py --quick    # n in {16, 24}, bits in {8, 12}, n=16 bits=14,
                                              # 2 seeds, 5 s limits: about 2 minutes

Other options: ``--seeds``, ``--seed`` (first seed), ``--limit``, ``--check-limit``,
``--encode-limit``, ``--mem-gib``, ``--clause-cap``, ``--classes 16x8,24x21`` (only these),
``--progress`` (one line per run on stderr).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import math
import multiprocessing
import multiprocessing.connection
import os
import platform
import resource
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from verify.backends.proofcheck import check_drup
from verify.backends.satrun import run_sat
from verify.encodings.cnf import DD_MAX_TABLE_BYTES, ENCODINGS, dd_size, dd_table_bytes
from verify.generators import subset_sum_instance
from verify.prefilter.bitset import ReachableSums
from verify.problems import SubsetSum
from verify.solvers import SolverOptions
from verify.solving import solve

SOLVER = "cadical195"
INF = math.inf
GRID_N = (16, 24, 32, 48)
GRID_BITS = (8, 12, 16)
THRESHOLD = ((16, 14), (24, 21))
QUICK_N = (16, 24)
QUICK_BITS = (8, 12)
QUICK_THRESHOLD = ((16, 14),)
CONCRETE = tuple(e for e in ENCODINGS if e != "auto")
# measured clause counts per unit of the estimate (see the module docstring), rounded up
CLAUSES_PER_DD_NODE = 6
CLAUSES_PER_BDD_NODE = 5
SEQCOUNTER_FACTOR = 4
SORTNETWRK_FACTOR = 85  # times sqrt(n): measured 20 n at n=16, 15 n at n=24, 10 n at n=48
# a run whose first encode+solve+check took under REPEAT_FIRST seconds is repeated (up to
# REPEATS_MAX passes in all, while their total stays under REPEAT_BUDGET) and the fastest pass kept
REPEAT_FIRST = 0.1
REPEAT_BUDGET = 0.3
REPEATS_MAX = 5
# The default path's check runs the pure-Python engine and the native one. On solver proofs of
# 10,000 lines or more the Python engine took 11x to 18x the native engine's time (parse
# included) in every measurement made while writing this benchmark, so when the native check
# alone takes more than check_limit / 8 the "auto" check would exceed the check limit: it is not
# run, and the row says so (over the limit). The ratios of this run are printed at the end.
PYTHON_OVER_NATIVE = 8
RATIO_MIN_LINES = 10_000


# ----------------------------------------------------------------------------------------------
# small helpers


def fmt_s(x) -> str:
    """Seconds with about three significant digits; '' for None, 'inf' never shown raw."""
    if x is None:
        return ""
    if x == INF:
        return "over"
    if x < 0.01:
        return f"{x:.4f}"
    if x < 10:
        return f"{x:.3f}"
    if x < 100:
        return f"{x:.2f}"
    return f"{x:.1f}"


def fmt_int(x) -> str:
    return "" if x is None else f"{x:,}"


def fmt_ratio(x) -> str:
    if x is None:
        return "n/a"
    if x == INF:
        return "inf"
    return f"{x:.2f}x"


def table(title: str, headers: list[str], rows: list[list], notes=(), left: int = 1) -> None:
    """Print a plain table; the first ``left`` columns are left-aligned, the others right."""
    rows = [["" if c is None else str(c) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))

    def line(cells):
        out = [c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "  ".join(out).rstrip()

    print()
    print(title)
    print("=" * len(title))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    for note in notes:
        print(note)
    sys.stdout.flush()


def pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def progress(args, text: str) -> None:
    if args.progress:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# classes, instances and targets


@dataclass(frozen=True)
class Klass:
    n: int
    bits: int
    threshold: bool = False

    @property
    def name(self) -> str:
        return f"n={self.n} bits={self.bits}" + (" (threshold)" if self.threshold else "")

    @property
    def short(self) -> str:
        return f"{self.n}x{self.bits}" + ("*" if self.threshold else "")

    @property
    def kappa(self) -> float:
        return self.bits / self.n

    @property
    def kappa_threshold(self) -> float:
        return 1 - math.log2(self.n) / (2 * self.n)


@dataclass
class Instance:
    klass: Klass
    seed: int
    weights: list[int]
    lo: int
    hi: int
    mid: int
    feasible: int
    infeasible: int | None
    unreachable: int  # number of unreachable targets in [lo, hi] (counted in the window searched)
    dd_nodes: int | None  # reduced diagram of the feasible target
    dd_seconds: float
    table_seconds: float

    def target(self, kind: str) -> int | None:
        return self.feasible if kind == "feasible" else self.infeasible


def closest_targets(rs: ReachableSums, lo: int, hi: int, mid: int) -> tuple[int | None, int | None]:
    """(reachable target closest to ``mid``, unreachable target of [lo, hi] closest to ``mid``),
    ties to the lower one, None when there is none. Searched in growing windows around mid."""
    radius = 64
    while True:
        a, b = max(lo, mid - radius), min(hi, mid + radius)
        mask = rs.reachable_mask(a, b)
        ts = np.arange(a, b + 1, dtype=np.int64)
        dist = np.abs(ts - mid) * 2 + (ts > mid)  # ties: the lower target first
        found = []
        for want in (True, False):
            sel = mask == want
            found.append(int(ts[sel][np.argmin(dist[sel])]) if sel.any() else None)
        covered = a == lo and b == hi
        # a hit at distance <= radius is the closest overall: every target that near was seen
        good = [f is not None and abs(f - mid) <= radius for f in found]
        if covered or all(good):
            return found[0], found[1]
        radius *= 4


def make_instance(klass: Klass, seed: int) -> Instance:
    problem = subset_sum_instance(klass.n, bits=klass.bits, zero=False, target="middle", seed=seed)
    weights = [int(a) for a in problem.weights]
    t0 = time.perf_counter()
    rs = ReachableSums(weights)
    lo, hi = rs.offset, rs.top
    mid = sum(weights) // 2
    feasible, infeasible = closest_targets(rs, lo, hi, mid)
    table_seconds = time.perf_counter() - t0
    if feasible is None:
        raise RuntimeError(f"{klass.name} seed {seed}: no reachable target at all")
    # unreachable count over the whole range (a bitset popcount)
    final = rs.final
    unreachable = (hi - lo + 1) - final.bit_count()
    t1 = time.perf_counter()
    nodes = dd_size(weights, feasible) if dd_table_bytes(weights) <= DD_MAX_TABLE_BYTES else None
    dd_seconds = time.perf_counter() - t1
    return Instance(klass, seed, weights, lo, hi, mid, feasible, infeasible, unreachable, nodes,
                    dd_seconds, table_seconds)


# ----------------------------------------------------------------------------------------------
# size estimates (skip what would blow up)


def normalized_bound(weights, target) -> tuple[int, int]:
    """(bound, total) of the equality after PySAT's sign normalization: Σ|a| y = bound."""
    total = sum(abs(a) for a in weights)
    return target - sum(a for a in weights if a < 0), total


def estimate(inst: Instance, kind: str, encoding: str) -> tuple[int | None, str]:
    """(estimated clauses or None when unknown, how it was estimated)."""
    n, t = inst.klass.n, inst.target(kind)
    bound, total = normalized_bound(inst.weights, t)
    side = min(bound, total - bound)
    if encoding == "dd" or (encoding == "bdd" and kind == "feasible"):
        if kind == "infeasible":
            return None, ""  # the diagram is empty; the encoder refutes (maybe with a proof)
        if inst.dd_nodes is None:
            return None, ""
        per = CLAUSES_PER_DD_NODE if encoding == "dd" else CLAUSES_PER_BDD_NODE
        return per * inst.dd_nodes, f"{per} x {inst.dd_nodes:,} diagram nodes"
    if encoding == "seqcounter":
        return SEQCOUNTER_FACTOR * n * side, f"{SEQCOUNTER_FACTOR} x n x bound {side:,}"
    if encoding == "sortnetwrk":
        return int(SORTNETWRK_FACTOR * math.sqrt(n) * side), f"{SORTNETWRK_FACTOR} x sqrt(n) x bound {side:,}"
    return None, ""


# ----------------------------------------------------------------------------------------------
# one run in a child process

_PR_SET_PDEATHSIG = 1


def _child_setup(mem_bytes: int, errpath: str) -> None:
    """Die with the parent, take SIGTERM at once, cap the address space, stderr to a file."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        except (OSError, AttributeError):
            pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd = os.open(errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            vm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")), 0)
    except OSError:
        vm = 0
    cap = vm + mem_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _one_pass(conn, weights, target, encoding, limit, check_limit, talk: bool) -> dict:
    """Encode, solve, check once; with ``talk`` every phase is announced to the parent (whose
    deadlines follow the phases). Returns the measurements of this pass."""
    from verify.encodings.cnf import encode_subset_sum

    send = conn.send if talk else (lambda msg: None)
    out: dict = {}
    t0 = time.perf_counter()
    enc = encode_subset_sum(weights, target, encoding)
    out["encode_s"] = time.perf_counter() - t0
    proof = getattr(enc, "proof", None)
    out.update({"chosen": enc.encoding, "clauses": len(enc.clauses), "variables": enc.nvars,
                "refuted": bool(enc.refuted_by_encoder),
                "encoder_proof": None if proof is None else len(proof)})
    send(("encoded", dict(out)))
    if proof is None and not enc.refuted_by_encoder:
        run = run_sat(enc.nvars, enc.clauses, SOLVER, time_limit=limit, proof=True)
        out.update({"outcome": run.outcome, "solve_s": run.seconds, "reason": run.reason,
                    "proof_lines": None if run.proof is None else len(run.proof)})
        if run.outcome == "sat":
            chosen = [i for i in range(len(weights)) if run.model[i] > 0]
            out["replays"] = sum(weights[i] for i in chosen) == target
        send(("solved", dict(out)))
        if run.outcome == "unsat":
            proof = run.proof
    if proof is not None:
        c = check_drup(enc.nvars, enc.clauses, proof, engines="native")
        out["native"] = {"ok": c.ok, "seconds": c.seconds, "message": c.message}
        send(("native", dict(out)))
        native = sum(c.seconds.values())
        if out["encoder_proof"] is None and len(proof) >= RATIO_MIN_LINES \
                and native * PYTHON_OVER_NATIVE > check_limit:
            out["auto_skipped"] = native * PYTHON_OVER_NATIVE
            send(("auto", dict(out)))
            return out
        c = check_drup(enc.nvars, enc.clauses, proof, engines="auto")
        out["auto"] = {"ok": c.ok, "seconds": c.seconds, "engines": c.engines, "message": c.message}
        send(("auto", dict(out)))
    return out


def _pass_total(m: dict) -> float:
    """encode + solve + check(auto) of one pass (the quantity minimized over repeats)."""
    return m["encode_s"] + m.get("solve_s", 0.0) + (sum(m["auto"]["seconds"].values())
                                                    if "auto" in m else 0.0)


def _child_encoding(conn, weights, target, encoding, limit, check_limit, repeat_budget, mem_bytes,
                    errpath) -> None:
    _child_setup(mem_bytes, errpath)
    try:
        passes = [_one_pass(conn, weights, target, encoding, limit, check_limit, talk=True)]
        conn.send(("first", passes[0]))
        # quick runs are repeated (same child, same work) and the fastest pass is kept, so that
        # milliseconds of process start-up and scheduling noise do not decide a comparison
        spent = _pass_total(passes[0])
        if spent < REPEAT_FIRST and passes[0].get("outcome") != "unknown":
            while spent < repeat_budget and len(passes) < REPEATS_MAX:
                passes.append(_one_pass(conn, weights, target, encoding, limit, check_limit, talk=False))
                spent += _pass_total(passes[-1])
        best = min(passes, key=_pass_total)
        best["passes"] = len(passes)
        conn.send(("done", best))
    except BaseException as exc:  # noqa: BLE001 - reported as text
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    conn.close()


def _child_default_path(conn, weights, target, limit, mem_bytes, errpath) -> None:
    _child_setup(mem_bytes, errpath)
    try:
        problem = SubsetSum(weights=weights, targets=[target])
        t0 = time.perf_counter()
        report = solve(problem, "sat", options=SolverOptions(encoding="auto", time_limit=limit))
        seconds = time.perf_counter() - t0
        a = report.answers[0]
        extra = {k: v for k, v in a.extra.items() if k in ("encoding", "clauses", "variables",
                                                            "proof_lines", "solve_seconds",
                                                            "check_seconds")}
        conn.send(("done", {"status": a.status.value, "method": a.method, "seconds": seconds,
                            "extra": extra, "evidence": a.evidence}))
    except BaseException as exc:  # noqa: BLE001
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    conn.close()


def _tail(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [ln.strip() for ln in f.read().splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[0][:120] if lines else ""


def _death(proc, errpath: str) -> str:
    code = proc.exitcode
    text = _tail(errpath)
    if "memory allocation" in text or "MemoryError" in text or "bad_alloc" in text:
        return "memory cap"
    if code is not None and code < 0:
        try:
            sig = signal.Signals(-code).name
        except ValueError:
            sig = f"signal {-code}"
        return f"died ({sig}{': ' + text if text else ''})"
    return f"died (exit {code}{': ' + text if text else ''})"


def in_child(fn, args: tuple, deadlines: dict, mem_bytes: int):
    """Run ``fn(conn, *args, mem_bytes, errpath)`` in a forked child. ``deadlines`` maps a
    message name to the seconds allowed until the next message once it arrived ("start" for
    the first). Returns (messages: dict name -> payload, failure text or "")."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    fd, errpath = tempfile.mkstemp(prefix="enc-bench-", suffix=".err")
    os.close(fd)
    proc = ctx.Process(target=fn, args=(send, *args, mem_bytes, errpath))
    got: dict = {}
    failure = ""
    try:
        proc.start()
        send.close()
        last = "start"
        deadline = time.monotonic() + deadlines["start"]
        while True:
            ready = multiprocessing.connection.wait([recv, proc.sentinel],
                                                    max(0.0, deadline - time.monotonic()))
            if recv in ready or (proc.sentinel in ready and recv.poll(0)):
                try:
                    name, payload = recv.recv()
                except (EOFError, OSError):
                    proc.join(1.0)
                    failure = _death(proc, errpath)
                    break
                got[name] = payload
                if name in ("done", "error"):
                    break
                last = name
                deadline = time.monotonic() + deadlines.get(name, deadlines["start"])
                continue
            if proc.sentinel in ready:
                proc.join()
                failure = _death(proc, errpath)
                break
            failure = f"timeout:{last}"
            break
    finally:
        if proc.pid is not None and proc.is_alive():
            proc.kill()
        if proc.pid is not None:
            proc.join()
        recv.close()
        try:
            os.unlink(errpath)
        except OSError:
            pass
    return got, failure


# ----------------------------------------------------------------------------------------------
# records


@dataclass
class Run:
    """One (instance, target kind, method) measurement."""

    method: str
    kind: str
    chosen: str = ""
    clauses: int | None = None
    variables: int | None = None
    encode_s: float | None = None
    solve_s: float | None = None
    outcome: str = ""  # sat / unsat / unknown / refuted / ""
    proof_lines: int | None = None
    check_s: float | None = None  # engines="auto"
    native_s: float | None = None  # engines="native" (parse + native)
    python_s: float | None = None  # python engine inside the auto check
    total: float = INF  # solve+check, INF when not certified within the limits
    note: str = ""
    over: bool = False  # no certified result (over a limit, skipped, no proof): INF for the median
    limit_hit: bool = False  # over a time/memory limit or skipped as too large
    skipped: bool = False
    error: bool = False
    extra: dict = field(default_factory=dict)


def run_encoding(inst: Instance, kind: str, encoding: str, args) -> Run:
    t = inst.target(kind)
    r = Run(encoding, kind)
    est, how = estimate(inst, kind, encoding)
    if est is not None and est > args.clause_cap:
        r.skipped = r.over = r.limit_hit = True
        r.note = f"skipped: ~{est:,} clauses est. ({how}) > cap {args.clause_cap:,}"
        r.extra["estimate"] = est
        return r
    deadlines = {"start": args.encode_limit, "encoded": args.limit + 15, "solved": args.check_limit,
                 "native": args.check_limit, "auto": 30, "first": REPEAT_BUDGET + 30}
    got, failure = in_child(_child_encoding, (inst.weights, t, encoding, args.limit, args.check_limit,
                                              REPEAT_BUDGET),
                            deadlines, args.mem_gib << 30)
    # every message carries what was measured so far; "done" carries the fastest pass
    m: dict = {}
    for name in ("encoded", "solved", "native", "auto", "first", "done"):
        if name in got:
            m = got[name]
    if m:
        r.chosen = m["chosen"]
        r.clauses, r.variables, r.encode_s = m["clauses"], m["variables"], m["encode_s"]
        r.solve_s, r.outcome, r.proof_lines = m.get("solve_s"), m.get("outcome", ""), m.get("proof_lines")
        if m["refuted"] or m["encoder_proof"] is not None:
            r.outcome = "refuted"
            r.proof_lines = m["encoder_proof"]
        if "native" in m:
            r.native_s = sum(m["native"]["seconds"].values())
        if "auto" in m:
            r.check_s = sum(m["auto"]["seconds"].values())
            r.python_s = m["auto"]["seconds"].get("python")
        r.extra["passes"] = m.get("passes", 1)
    if "error" in got:
        r.error = r.over = True
        r.note = f"error: {got['error'][:150]}"
        return r
    if failure and "first" in got:
        failure = ""  # only a repeat was cut short: the first pass is complete
    if failure:
        r.over = r.limit_hit = True
        if failure.startswith("timeout:"):
            phase = failure.split(":", 1)[1]
            r.note = {"start": f"encode > {args.encode_limit:g} s (killed)",
                      "encoded": f"native check > {args.check_limit:g} s (killed)"
                      if m.get("encoder_proof") is not None else "solver did not return (killed)",
                      "solved": f"native check > {args.check_limit:g} s (killed)",
                      "native": f"auto check > {args.check_limit:g} s (killed)"}.get(phase, failure)
            if phase == "start":
                r.outcome = "timeout"
        else:
            r.note = failure + ("" if m else " while encoding")
            if failure == "memory cap" and not m:
                r.outcome = "memory"
        return r
    reason = m.get("reason", "")
    timed_out = "time limit" in reason
    if r.outcome == "unknown":
        r.over = r.limit_hit = True
        r.outcome = "timeout" if timed_out else "unknown"
        r.note = f"timeout ({args.limit:g} s)" if timed_out else f"unknown: {reason[:100]}"
        return r
    if kind == "feasible":
        if r.outcome == "sat" and m.get("replays"):
            r.total = r.encode_s + r.solve_s
        else:
            r.error = r.over = True
            r.note = ("DISAGREEMENT: model does not replay" if r.outcome == "sat"
                      else "DISAGREEMENT: feasible target called infeasible")
        return r
    # infeasible target
    if r.outcome == "sat":
        r.error = r.over = True
        r.note = "DISAGREEMENT: infeasible target got a model"
    elif r.outcome == "refuted" and r.proof_lines is None:
        r.over = True
        r.note = "refuted by encoder, no proof (not certified)"
    elif "auto_skipped" in m:
        r.over = r.limit_hit = True
        r.note = (f"auto check not run: native alone {fmt_s(r.native_s)} s, x{PYTHON_OVER_NATIVE} "
                  f"> {args.check_limit:g} s check limit")
    elif "auto" not in m or "native" not in m:
        r.over = True
        r.note = "no check result"
    elif not (m["auto"]["ok"] and m["native"]["ok"]):
        r.over = r.error = True
        r.note = f"proof REJECTED: {m['auto']['message'][:100]}"
    else:
        r.total = r.encode_s + (r.solve_s or 0.0) + r.check_s
        if r.outcome == "refuted":
            r.note = "refuted by encoder, its own proof checked"
    return r


def timed_min(fn, budget: float = REPEAT_BUDGET):
    """(result of the fastest call, its wall time): repeated while under ``budget`` when the
    first call took under ``REPEAT_FIRST``."""
    t0 = time.perf_counter()
    best_result = fn()
    best = spent = time.perf_counter() - t0
    k = 1
    if best < REPEAT_FIRST:
        while spent < budget and k < REPEATS_MAX:
            t0 = time.perf_counter()
            result = fn()
            dt = time.perf_counter() - t0
            if dt < best:
                best, best_result = dt, result
            spent, k = spent + dt, k + 1
    return best_result, best


def run_cpsat(inst: Instance, kind: str, args) -> Run:
    t = inst.target(kind)
    r = Run("cp-sat", kind)
    problem = SubsetSum(weights=inst.weights, targets=[t])
    try:
        report, wall = timed_min(lambda: solve(problem, "cpsat",
                                               options=SolverOptions(time_limit=args.limit)))
    except Exception as exc:  # noqa: BLE001
        r.error = r.over = True
        r.note = f"error: {type(exc).__name__}: {exc}"[:150]
        return r
    a = report.answers[0]
    r.outcome = a.status.value
    r.solve_s = a.extra.get("seconds")
    r.extra["wall"] = wall
    if a.status.value == "sat-verified":
        if kind != "feasible":
            r.error = r.over = True
            r.note = "DISAGREEMENT"
        else:
            r.total = wall
    elif a.status.is_unsat:
        if kind != "infeasible":
            r.error = r.over = True
            r.note = "DISAGREEMENT"
        else:
            r.total = wall
            r.note = f"{a.status.value} ({a.method})"
    else:
        r.over = True
        r.outcome = "timeout"
        r.note = f"unknown ({a.extra.get('cpsat_status', '')})"
    return r


def run_dp(inst: Instance, kind: str) -> Run:
    t = inst.target(kind)
    r = Run("dp", kind)
    problem = SubsetSum(weights=inst.weights, targets=[t])
    report, wall = timed_min(lambda: solve(problem, "dp"))
    a = report.answers[0]
    r.outcome = a.status.value
    want = "sat-verified" if kind == "feasible" else "unsat-exhaustive"
    if a.status.value != want:
        r.error = r.over = True
        r.note = f"DISAGREEMENT: {a.status.value}"
    else:
        r.total = wall
    r.solve_s = wall
    return r


def run_default_path(inst: Instance, args) -> dict:
    cap = 2 * args.limit
    got, failure = in_child(_child_default_path, (inst.weights, inst.infeasible, args.limit),
                            {"start": cap}, args.mem_gib << 30)
    if "done" in got:
        return got["done"]
    if "error" in got:
        return {"status": "error", "seconds": None, "method": "", "extra": {}, "evidence": got["error"]}
    why = f"> {cap:g} s" if failure.startswith("timeout") else failure
    return {"status": f"not finished ({why})",
            "seconds": None, "method": "", "extra": {}, "evidence": ""}


# ----------------------------------------------------------------------------------------------
# the run


def classes(args) -> list[Klass]:
    if args.quick:
        out = [Klass(n, b) for n in QUICK_N for b in QUICK_BITS]
        out += [Klass(n, b, True) for n, b in QUICK_THRESHOLD]
    else:
        out = [Klass(n, b) for n in GRID_N for b in GRID_BITS]
        out += [Klass(n, b, True) for n, b in THRESHOLD]
    if args.classes:
        wanted = {c.strip() for c in args.classes.split(",") if c.strip()}
        known = {f"{c.n}x{c.bits}" for c in out}
        extra = wanted - known
        out = [c for c in out if f"{c.n}x{c.bits}" in wanted]
        for name in sorted(extra):  # any other NxB asked for explicitly
            n, b = (int(x) for x in name.split("x"))
            out.append(Klass(n, b, abs(b / n - (1 - math.log2(n) / (2 * n))) < 0.05))
    return out


def header(args) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).astimezone()
    try:
        import cdclkit  # noqa: F401
        import dratify
        native = dratify.native_available()
    except ImportError:
        native = False
    print("Encodings benchmark (benchmarks/encodings.py)" + ("  [--quick]" if args.quick else ""))
    print(f"date:      {now.isoformat(timespec='seconds')}")
    print(f"machine:   {platform.machine()}, cpu_count={os.cpu_count()}, {cpu_model()}")
    print(f"platform:  {platform.platform()}")
    print(f"versions:  python {platform.python_version()}, ortools {pkg_version('ortools')}, "
          f"python-sat {pkg_version('python-sat')}, dratify {pkg_version('dratify')}, "
          f"cdclkit-native {pkg_version('cdclkit-native')} (native checker available: {native}), "
          f"numpy {np.__version__}, slth-verify {pkg_version('slth-verify')}")
    print(f"settings:  solver {SOLVER}; seeds {args.seed}..{args.seed + args.seeds - 1}; solver time "
          f"limit {args.limit:g} s per run; proof-check limit {args.check_limit:g} s; encode limit "
          f"{args.encode_limit:g} s; memory cap {args.mem_gib} GiB per run; clause cap "
          f"{args.clause_cap:,} (estimated); CP-SAT workers: library default ({os.cpu_count()} cores)")
    sys.stdout.flush()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=float, default=None, help="solver time limit per run (s)")
    ap.add_argument("--check-limit", type=float, default=None, help="proof-check limit (s)")
    ap.add_argument("--encode-limit", type=float, default=None)
    ap.add_argument("--mem-gib", type=int, default=8)
    ap.add_argument("--clause-cap", type=int, default=None)
    ap.add_argument("--classes", default="")
    ap.add_argument("--progress", action="store_true")
    args = ap.parse_args(argv)
    if args.seeds is None:
        args.seeds = 2 if args.quick else 3
    if args.limit is None:
        args.limit = 5.0 if args.quick else 60.0
    if args.check_limit is None:
        args.check_limit = 5.0 if args.quick else 10.0
    if args.clause_cap is None:
        args.clause_cap = 1_000_000 if args.quick else 3_000_000
    if args.encode_limit is None:
        args.encode_limit = 5.0 if args.quick else 15.0
    started = time.perf_counter()
    header(args)
    # warm-up, not measured: CP-SAT's first solve in a process pays a one-time start-up
    solve(SubsetSum(weights=[3, -5, 7], targets=[2]), "cpsat", options=SolverOptions(time_limit=5))

    klasses = classes(args)
    instances: dict[Klass, list[Instance]] = {}
    inst_rows = []
    for k in klasses:
        instances[k] = []
        for s in range(args.seed, args.seed + args.seeds):
            inst = make_instance(k, s)
            instances[k].append(inst)
            inf = inst.infeasible
            inst_rows.append([k.name, s, f"{k.kappa:.3f}", f"{k.kappa_threshold:.3f}",
                              f"[{inst.lo:,}, {inst.hi:,}]", f"{inst.unreachable:,}", f"{inst.mid:,}",
                              f"{inst.feasible:,} ({inst.feasible - inst.mid:+,})",
                              "none in range" if inf is None else f"{inf:,} ({inf - inst.mid:+,})",
                              fmt_int(inst.dd_nodes), fmt_s(inst.table_seconds + inst.dd_seconds)])
    table("Instances and targets", ["class", "seed", "kappa", "1-log2(n)/2n", "sum range [L, U]",
                                    "unreachable", "middle", "feasible (vs middle)",
                                    "infeasible (vs middle)", "dd nodes (feas.)", "prep s"],
          inst_rows, [("feasible / infeasible: the reachable / unreachable target of [L, U] closest "
                       "to floor(sum/2); 'dd nodes': the reduced diagram of the feasible target; "
                       "'prep s': table + targets + diagram size, not part of any timing below.")])

    results: dict[tuple, list[Run]] = {}  # (klass, kind, method) -> one Run per seed (in order)
    default_rows, disagreements = [], []
    for k in klasses:
        detail = []
        for kind in ("feasible", "infeasible"):
            for inst in instances[k]:
                t = inst.target(kind)
                if t is None:
                    detail.append([kind, inst.seed, "(all)", "", "", "", "", "", "", "", "", "",
                                   "no unreachable target in [L, U]: infeasible column skipped"])
                    continue
                for enc in ENCODINGS:
                    previous = results.setdefault((k, kind, enc), [])
                    over_before = sum(1 for p in previous if p.limit_hit)
                    if over_before * 2 > args.seeds:
                        r = Run(enc, kind, over=True, skipped=True, limit_hit=True,
                                note=f"skipped: over a limit on {over_before} of {args.seeds} seeds "
                                     f"already (median decided)")
                    else:
                        t0 = time.perf_counter()
                        r = run_encoding(inst, kind, enc, args)
                        progress(args, f"{k.short} s{inst.seed} {kind[:4]} {enc}: "
                                       f"{fmt_s(r.total)} {r.note} [{time.perf_counter() - t0:.1f}s]")
                    previous.append(r)
                    if r.error:
                        disagreements.append(f"{k.name} seed {inst.seed} {kind} {enc}: {r.note}")
                    name = enc if enc != "auto" or not r.chosen else f"auto->{r.chosen}"
                    detail.append([kind, inst.seed, name, fmt_int(r.clauses), fmt_int(r.variables),
                                   fmt_s(r.encode_s), fmt_s(r.solve_s), r.outcome,
                                   fmt_int(r.proof_lines), fmt_s(r.check_s), fmt_s(r.native_s),
                                   "" if r.total == INF else fmt_s(r.total), r.note])
                for method in ("cp-sat", "dp"):
                    r = run_cpsat(inst, kind, args) if method == "cp-sat" else run_dp(inst, kind)
                    progress(args, f"{k.short} s{inst.seed} {kind[:4]} {method}: {fmt_s(r.total)}")
                    results.setdefault((k, kind, method), []).append(r)
                    if r.error:
                        disagreements.append(f"{k.name} seed {inst.seed} {kind} {method}: {r.note}")
                    note = r.note
                    if method == "cp-sat":
                        own = f"CP-SAT's own {fmt_s(r.solve_s)} s" if r.solve_s is not None else ""
                        note = "; ".join(x for x in (own, note) if x)
                    detail.append([kind, inst.seed, method, "", "", "",
                                   fmt_s(r.extra.get("wall", r.solve_s)), r.outcome, "", "", "",
                                   "" if r.total == INF else fmt_s(r.total), note])
                if kind == "infeasible":
                    t0 = time.perf_counter()
                    d = run_default_path(inst, args)
                    progress(args, f"{k.short} s{inst.seed} default path: {d['status']} "
                                   f"[{time.perf_counter() - t0:.1f}s]")
                    default_rows.append((k, inst, d))
                    if d["status"] in ("sat-verified", "error"):
                        disagreements.append(f"{k.name} seed {inst.seed} default path: {d['status']} "
                                             f"{d.get('evidence', '')[:100]}")
        table(f"Class {k.name}: per run", ["target", "seed", "method", "clauses", "vars", "encode s",
                                           "solve s", "outcome", "proof lines", "check s",
                                           "native s", "solve+check", "note"], detail,
              left=3)
    print_summaries(args, klasses, instances, results, default_rows, disagreements)
    print()
    print(f"total wall time: {time.perf_counter() - started:.0f} s")
    return 1 if disagreements else 0


# ----------------------------------------------------------------------------------------------
# summaries


def median_total(runs: list[Run]) -> float:
    vals = [INF if r.over else r.total for r in runs]
    return statistics.median(vals) if vals else INF


def print_summaries(args, klasses, instances, results, default_rows, disagreements) -> None:
    # dd vs bdd clause counts, every row
    rows = []
    for k in klasses:
        for kind in ("feasible", "infeasible"):
            dd_runs = results.get((k, kind, "dd"), [])
            bdd_runs = results.get((k, kind, "bdd"), [])
            for inst, d, b in zip(instances[k], dd_runs, bdd_runs):
                def show(r: Run) -> str:
                    if r.clauses is not None:
                        text = fmt_int(r.clauses)
                        if r.outcome == "refuted" and r.proof_lines is not None:
                            text += " (refutation CNF)"
                        elif r.outcome == "refuted":
                            text += " (empty clause)"
                        return text
                    if "estimate" in r.extra:
                        return f"~{r.extra['estimate']:,} (skipped)"
                    return r.note[:40] or "?"
                ratio = ""
                if d.clauses and b.clauses and b.clauses > 1 and d.clauses > 1:
                    ratio = f"{d.clauses / b.clauses:.2f}"
                rows.append([k.name, kind, inst.seed, fmt_int(inst.dd_nodes) if kind == "feasible" else "",
                             show(d), show(b), ratio])
    table("Decision diagram (dd) vs PySAT's BDD: clause counts", ["class", "target", "seed",
                                                                  "dd nodes", "dd clauses",
                                                                  "bdd clauses", "dd/bdd"], rows, left=2)

    # median matrix
    methods = list(ENCODINGS) + ["cp-sat", "dp"]
    rows, verdict1, verdict2 = [], [], []
    crit1_rows, crit2_rows = [], []
    for k in klasses:
        class_ok1, class_ok2 = True, True
        for kind in ("feasible", "infeasible"):
            if not results.get((k, kind, "auto")):
                continue
            seeds_here = len(results[(k, kind, "auto")])
            med = {m: median_total(results.get((k, kind, m), [])) for m in methods}
            rows.append([k.name, kind, seeds_here] + [fmt_s(med[m]) for m in methods])
            best = min(CONCRETE, key=lambda m: med[m])
            chosen = sorted({r.chosen for r in results[(k, kind, "auto")] if r.chosen})
            if med[best] == INF:
                ratio, ok1 = None, False
            else:
                ratio = med["auto"] / med[best]
                ok1 = ratio <= 1.5
            class_ok1 &= ok1
            diff = med["auto"] - med[best] if ratio is not None and med["auto"] != INF else None
            crit1_rows.append([k.name, kind, f"{best} {fmt_s(med[best])}",
                               f"{'/'.join(chosen) or '?'} {fmt_s(med['auto'])}", fmt_ratio(ratio),
                               "" if diff is None else f"{diff * 1000:+,.1f}", "yes" if ok1 else "NO"])
            if k.bits <= 8:
                others = [m for m in CONCRETE if m != "dd"]
                runner = min(others, key=lambda m: med[m])
                ok2 = med["dd"] < med[runner]
                class_ok2 &= ok2
                crit2_rows.append([k.name, kind, fmt_s(med["dd"]), f"{runner} {fmt_s(med[runner])}",
                                   fmt_ratio(med[runner] / med["dd"] if med["dd"] not in (0, INF) else None),
                                   "yes" if ok2 else "NO"])
        verdict1.append((k, class_ok1))
        if k.bits <= 8:
            verdict2.append((k, class_ok2))
    table("Median solve+check (s) per class, target kind and method",
          ["class", "target", "seeds"] + methods, rows,
          [("'over': the median run was over a limit, skipped as too large, or not certified "
            "(an encoder refutation without proof); cp-sat and dp: wall time of the full call.")],
          left=2)
    table("Criterion 1: auto within 1.5x of the best encoding (medians of solve+check)",
          ["class", "target", "best encoding (median s)", "auto's choice (median s)",
           "auto/best", "auto-best ms", "holds"], crit1_rows, left=2)
    table("Criterion 2: at bits <= 8 the dd median beats every other encoding",
          ["class", "target", "dd median s", "best other (median s)", "other/dd", "holds"],
          crit2_rows, ["'auto' (which chooses dd here) is not counted as another encoding."], left=2)

    # criterion 3
    rows, ok3_all = [], True
    for k, inst, d in default_rows:
        ok3 = d["status"] == "unsat-proof-checked" and d["seconds"] is not None and d["seconds"] <= args.limit
        ok3_all &= ok3
        ex = d.get("extra", {})
        rows.append([k.name, inst.seed, f"{inst.infeasible:,}", d["status"], d["method"],
                     fmt_s(d["seconds"]), fmt_int(ex.get("clauses")), fmt_int(ex.get("proof_lines")),
                     fmt_s(sum(ex["check_seconds"].values())) if isinstance(ex.get("check_seconds"), dict) else "",
                     "yes" if ok3 else "NO"])
    table(f"Criterion 3: default SAT path (encoding auto, {SOLVER}, limit {args.limit:g} s) on "
          f"every infeasible instance", ["class", "seed", "target", "status", "method", "seconds",
                                         "clauses", "proof lines", "check s", f"certified <= {args.limit:g} s"],
          rows, [("seconds: the whole solve() call (encode, solve, proof check); check s: as the "
                  "library reports it (parse + python + native).")], left=2)
    missing = [f"{k.name} seed {inst.seed}" for k in klasses for inst in instances[k] if inst.infeasible is None]

    # calibration of the skip rule for the "auto" check
    ratios = sorted(r.check_s / r.native_s for runs in results.values() for r in runs
                    if r.check_s and r.native_s and r.outcome == "unsat"
                    and (r.proof_lines or 0) >= RATIO_MIN_LINES)
    skipped_checks = sum(1 for runs in results.values() for r in runs if "auto check not run" in r.note)
    print()
    if ratios:
        print(f"Check-time ratio auto/native on solver proofs of >= {RATIO_MIN_LINES:,} lines, this run: "
              f"min {ratios[0]:.1f}, median {statistics.median(ratios):.1f}, max {ratios[-1]:.1f} "
              f"over {len(ratios)} checks; auto checks not run because native x{PYTHON_OVER_NATIVE} > "
              f"{args.check_limit:g} s: {skipped_checks}")
    else:
        print(f"No solver proof of >= {RATIO_MIN_LINES:,} lines was checked by both engines in this run; "
              f"auto checks not run because native x{PYTHON_OVER_NATIVE} > {args.check_limit:g} s: "
              f"{skipped_checks}")

    print()
    print("Verdicts")
    print("========")
    bad1 = [k.name for k, ok in verdict1 if not ok]
    print(f"(1) auto within 1.5x of the best encoding on every class: "
          f"{'HOLDS' if not bad1 else 'FAILS on ' + '; '.join(bad1)}")
    bad2 = [k.name for k, ok in verdict2 if not ok]
    print(f"(2) dd clause counts beside bdd's: printed above; dd's median beats every other "
          f"encoding at bits <= 8: {'HOLDS' if verdict2 and not bad2 else ('FAILS on ' + '; '.join(bad2) if bad2 else 'no class with bits <= 8')}")
    print(f"(3) default SAT path certifies (proof checked) every infeasible instance within "
          f"{args.limit:g} s: {'HOLDS' if ok3_all else 'FAILS'} ({sum(1 for *_, d in default_rows if d['status'] == 'unsat-proof-checked' and d['seconds'] is not None and d['seconds'] <= args.limit)} of {len(default_rows)})")
    if missing:
        print(f"    instances without an unreachable target in [L, U] (no infeasible run): {', '.join(missing)}")
    if disagreements:
        print("DISAGREEMENTS / ERRORS:")
        for d in disagreements:
            print("  " + d)
    else:
        print("cross-checks: every decided answer agreed with the exact pre-filter; no errors.")


if __name__ == "__main__":
    sys.exit(main())
