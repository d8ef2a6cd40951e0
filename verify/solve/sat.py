"""Running a SAT solver on a CNF under a real time limit, with an optional DRUP proof.

``run_sat`` is the only way the tool calls a SAT solver. It answers ``sat`` (with a model that
was checked against every clause), ``unsat`` (with the solver's DRUP proof when asked for one)
or ``unknown`` (time limit, crash, solver error: never "no"). An ``unsat`` here is only the
solver's claim; it becomes ``unsat-proof-checked`` once ``verify.solve.proofs`` has
accepted the proof.

Why a child process. PySAT's CaDiCaL and Lingeling cannot be interrupted from Python
(``interrupt()`` raises NotImplementedError) and a native solve holds the interpreter, so the
only reliable time limit is a process that can be killed. The solve therefore runs in a child
that sends its result back through a pipe; on timeout the child gets SIGTERM, then SIGKILL after
``TERMINATE_GRACE`` seconds, and is always joined before ``run_sat`` returns (also on an
exception such as Ctrl-C), so no solver keeps running in the background. On Linux the kernel
also kills the child if this process dies without cleaning up. An interruption is never an
answer (``verify.interrupts``): a child ended by SIGTERM from outside, or an answer arriving
after a SIGINT or SIGTERM reached this process, raises KeyboardInterrupt instead.

Start method. On Linux the child is forked: measured here, a fork round trip costs about 4 ms
(6 ms from a parent holding 500 MB), against about 115 ms for ``forkserver`` and 165 ms for
``spawn``, which re-import PySAT and pickle the clauses. Every module the child needs is imported
before the fork, so the child never takes the import lock. Elsewhere (macOS, Windows) fork is
unsafe or missing, and ``spawn`` is used.

Tiny instances. With ``isolation="auto"`` (the default) an instance of at most
``INLINE_MAX_VARS`` variables and ``INLINE_MAX_LITERALS`` literal occurrences is solved in this
process instead: its search space has at most 2^12 assignments; over 25,000 runs of the five
proof solvers on random 2- to 6-CNFs at the bounds the median took 0.4 ms and
the slowest 22 ms, so the ~4 ms fork would be most of the cost and no time limit is needed.
``isolation="process"`` always uses a child.

Proofs. Only solvers whose PySAT proofs were checked valid are allowed with ``proof=True``
(``PROOF_SOLVERS``); the others are refused with an InputError before anything runs. Proofs are
always of the plain formula: this module never solves under assumptions, because an UNSAT under
assumptions refutes the assumptions, not the formula.

Conventions: variables are 1..nvars, clauses are lists of signed DIMACS literals (Python ints),
a model lists one signed literal per variable 1..nvars in order, and proof lines are PySAT's
text DRUP lines (``"1 -2 0"``, ``"d 1 -2 0"``, ``"0"``).
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from dataclasses import dataclass

from verify.errors import InputError, InternalError, VerifyError
from verify.interrupts import check as check_interrupted
from verify.interrupts import deferred

# Solvers whose PySAT proofs (with_proof=True, get_proof()) were checked valid on this project's
# instances. Keep this list measured, not hoped: a solver is added only after its proofs pass
# the checker (tests/test_satrun.py runs cadical195 and glucose4 end to end).
PROOF_SOLVERS = ("cadical195", "cadical153", "glucose4", "glucose3", "lingeling")

# Why each other solver is refused for proof logging (canonical PySAT names).
_OFF_BY_ONE = "its PySAT proofs are invalid (variables off by one)"
_NONE = "it produces no DRUP proof through PySAT"
_NO_PROOF = {"maplesat": _OFF_BY_ONE, "maplecm": _OFF_BY_ONE, "maplechrono": _OFF_BY_ONE,
             "minisat22": _NONE, "minisatgh": _NONE, "minicard": _NONE, "kissat404": _NONE,
             "mergesat3": _NONE}
_NO_PROOF_DEFAULT = "its PySAT proofs have not been validated for this tool"

INLINE_MAX_VARS = 12
INLINE_MAX_LITERALS = 4096
ISOLATIONS = ("auto", "process")

TERMINATE_GRACE = 0.5  # seconds between SIGTERM and SIGKILL

# prctl(PR_SET_PDEATHSIG, ...) (<sys/prctl.h>), looked up here rather than in the forked child,
# where dlopen could meet a loader lock some other thread held at the fork.
_PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):  # pragma: no cover - unusual libc
    _prctl = None

OUTCOMES = ("sat", "unsat", "unknown")


@dataclass(frozen=True)
class SatRun:
    """What one solver run produced.

    ``outcome`` is ``"sat"``, ``"unsat"`` or ``"unknown"``. ``model`` (sat only) has one signed
    literal per variable 1..nvars. ``proof`` (unsat with ``proof=True`` only) is the list of DRUP
    lines; it may be empty when the formula is refuted by unit propagation alone. ``seconds`` is
    wall-clock time seen by the caller, process start-up included. ``solver`` is the canonical
    PySAT name. ``reason`` says why the outcome is ``unknown`` (empty otherwise). ``isolated``
    tells whether the solve ran in a child process.
    """

    outcome: str
    model: list[int] | None
    proof: list[str] | None
    seconds: float
    solver: str
    reason: str = ""
    isolated: bool = True


def solver_name(name: str, proof: bool = True) -> str:
    """The canonical PySAT name of ``name`` (an alias such as ``"cd19"`` is accepted).

    Raises InputError for an unknown name, and for a solver refused for proof logging when
    ``proof`` is True.

    >>> solver_name("cd19")
    'cadical195'
    >>> solver_name("minisat22", proof=False)
    'minisat22'
    """
    from pysat.solvers import SolverNames

    if not isinstance(name, str):
        raise InputError(f"solver: expected a PySAT solver name, got {name!r}")
    key = name.strip().lower()
    canonical = None
    for candidate, aliases in vars(SolverNames).items():
        if not candidate.startswith("_") and isinstance(aliases, tuple) and key in aliases:
            canonical = candidate
            break
    if canonical is None:
        raise InputError(f"solver: unknown SAT solver {name!r}; with proofs use one of "
                         f"{', '.join(PROOF_SOLVERS)}")
    if proof and canonical not in PROOF_SOLVERS:
        why = _NO_PROOF.get(canonical, _NO_PROOF_DEFAULT)
        raise InputError(f"solver: {canonical} cannot be used with proof logging: {why}; "
                         f"use one of {', '.join(PROOF_SOLVERS)} (a solver's \"no\" counts only with a "
                         f"checked proof)")
    return canonical


def check_formula(nvars, clauses) -> int:
    """Validate a CNF (InputError naming the first bad clause); return its literal count."""
    if type(nvars) is not int or nvars < 0:
        raise InputError(f"nvars: expected a non-negative int, got {nvars!r}")
    if not isinstance(clauses, (list, tuple)):
        raise InputError(f"clauses: expected a list of clauses, got {type(clauses).__name__}")
    total = 0
    for i, clause in enumerate(clauses):
        if not isinstance(clause, (list, tuple)):
            raise InputError(f"clause {i}: expected a list of ints, got {clause!r}")
        if clause:
            # type() is not int also refuses bools and numpy integers, which PySAT may misread
            if any(type(lit) is not int for lit in clause) or 0 in clause:
                raise InputError(f"clause {i}: literals must be non-zero ints, "
                                 f"got {list(clause)!r}")
            if max(clause) > nvars or -min(clause) > nvars:
                raise InputError(f"clause {i}: literal out of range 1..{nvars}: {list(clause)!r}")
        total += len(clause)
    return total


def _solve_here(name: str, clauses, proof: bool) -> tuple[str, list[int] | None, list[str] | None]:
    """Solve in this process: (outcome, raw PySAT model or None, proof lines or None)."""
    from pysat.solvers import Solver

    # The plain solve() only: an UNSAT under assumptions would not refute the formula.
    with Solver(name=name, bootstrap_with=clauses, with_proof=proof) as s:
        answer = s.solve()
        if answer is True:
            return "sat", s.get_model(), None
        if answer is False:
            return "unsat", None, (list(s.get_proof() or []) if proof else None)
        return "unknown", None, None


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux), so a parent killed
    by SIGKILL or the OOM killer, which runs no cleanup, still leaves no solver behind.

    (The kernel watches the forking thread, not the process; that thread is blocked in
    ``run_sat`` until this child is joined, so the two lifetimes are the same.)"""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _child(conn, fn, args, parent: int) -> None:
    """Body of the child process: run ``fn(*args)`` and send ("ok", result) or ("error", text)."""
    _die_with_parent(parent)
    # SIGTERM must kill at once even inside native code, whatever handler the parent had; a
    # Ctrl-C is the parent's business (it stops this child), so no traceback from here.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        payload = ("ok", fn(*args))
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as text
        payload = ("error", f"{type(exc).__name__}: {exc}")
    conn.send(payload)
    conn.close()


def _context():
    if multiprocessing.current_process().daemon:
        # multiprocessing refuses with a bare AssertionError; the usual cause is a Dask worker
        raise VerifyError("this process is a daemon and may not start the solver's process (a Dask worker "
                          "started without DASK_DISTRIBUTED__WORKER__DAEMON=False?)")
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _stop(proc) -> None:
    """Make sure ``proc`` is gone: SIGTERM, a short grace, SIGKILL, and always a join."""
    if proc.pid is None:  # never started
        return
    if proc.is_alive():
        proc.terminate()
        proc.join(TERMINATE_GRACE)
        if proc.is_alive():
            proc.kill()
    proc.join()


def _died(proc) -> str:
    """Why a child that has ended gave no answer. Ended by SIGTERM, which this process sends
    only once it no longer waits for an answer, it was stopped from outside as a command is
    (the same signal usually reaches this process too): KeyboardInterrupt, not a failure."""
    code = proc.exitcode
    if code == -signal.SIGTERM:
        raise KeyboardInterrupt
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    elif code is None:
        how = "closed its pipe"
    else:
        how = f"exited with code {code}"
    return f"solver process {how} without an answer"


def call_in_child(fn, args: tuple, time_limit: float | None, label: str = "solver"):
    """Run ``fn(*args)`` (a module-level function, so it also works with spawn) in a child
    process that is killed at the time limit. Returns (payload or None, reason): payload is
    ("ok", result) or ("error", text); reason says why there is none (limit, crash). Every
    native call that may run long goes through here: solvers, and the MaxSAT search."""
    ctx = _context()
    recv_end, send_end = ctx.Pipe(duplex=False)
    # Not a daemon: it is always joined below, and a daemonic caller (a multiprocessing.Pool
    # worker) may not start daemonic children.
    proc = ctx.Process(target=_child, args=(send_end, fn, args, os.getpid()),
                       name=f"satrun-{label}")
    deadline = None if time_limit is None else time.monotonic() + time_limit
    try:
        with deferred():  # a forked child is always known to ``proc``, so the finally stops it
            proc.start()
        # Our copy of the sending end must go, or a dead child would never look like EOF.
        send_end.close()
        # wait() retries after signals with the remaining time, so "nothing ready" is the limit
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready = multiprocessing.connection.wait([recv_end, proc.sentinel], timeout)
        if recv_end in ready or (proc.sentinel in ready and recv_end.poll(0)):
            # The child has finished solving; read the whole result before joining, as a child
            # blocked writing a large proof into a full pipe would never exit.
            try:
                return recv_end.recv(), ""
            except (EOFError, OSError):
                proc.join(TERMINATE_GRACE)
                return None, _died(proc)
        if proc.sentinel in ready:
            # Exited with nothing in the pipe (a concurrent fork may still hold its write end,
            # so EOF alone cannot be relied on).
            proc.join()
            return None, _died(proc)
        return None, f"time limit {float(time_limit)} s reached, solver process killed"
    finally:
        _stop(proc)
        send_end.close()  # a no-op unless start() failed
        recv_end.close()


def run_sat(nvars: int, clauses: list[list[int]], solver: str = "cadical195",
            time_limit: float | None = None, proof: bool = True, *,
            isolation: str = "auto") -> SatRun:
    """Solve ``clauses`` over variables 1..``nvars`` with a PySAT solver.

    ``time_limit`` (seconds, None = no limit) is wall-clock and enforced by killing the child
    process; a timed-out, crashed or failing solve returns outcome ``"unknown"`` with a reason,
    never ``"unsat"``. With ``proof=True`` (only for ``PROOF_SOLVERS``; others raise InputError)
    an ``"unsat"`` carries the DRUP proof lines, to be checked by
    ``verify.solve.proofs.check_drup`` against exactly these clauses. A ``"sat"`` model
    is checked against every clause here; one that fails is a solver bug (InternalError).

    ``isolation``: ``"auto"`` solves instances within ``INLINE_MAX_VARS`` and
    ``INLINE_MAX_LITERALS`` in this process (they cannot be slow) and everything else in a child
    process; ``"process"`` always uses a child.

    >>> run_sat(2, [[1, 2], [-1], [-2, 1]]).outcome
    'unsat'
    >>> run_sat(2, [[1, 2], [-1]]).model
    [-1, 2]
    """
    name = solver_name(solver, proof=proof)
    if time_limit is not None and (isinstance(time_limit, bool)
                                   or not isinstance(time_limit, (int, float))
                                   or not math.isfinite(time_limit) or time_limit <= 0):
        raise InputError(f"time_limit: expected a positive number of seconds or None, "
                         f"got {time_limit!r}")
    if isolation not in ISOLATIONS:
        raise InputError(f"isolation: expected one of {', '.join(ISOLATIONS)}, got {isolation!r}")
    literals = check_formula(nvars, clauses)
    inline = isolation == "auto" and nvars <= INLINE_MAX_VARS and literals <= INLINE_MAX_LITERALS

    import pysat.solvers  # noqa: F401 - imported before any fork, so the child imports nothing

    start = time.perf_counter()
    if inline:
        try:
            payload, reason = ("ok", _solve_here(name, clauses, proof)), ""
        except Exception as exc:  # noqa: BLE001 - same contract as a failing child
            payload, reason = ("error", f"{type(exc).__name__}: {exc}"), ""
    else:
        payload, reason = call_in_child(_solve_here, (name, clauses, proof), time_limit, name)
    check_interrupted()  # an answer had while the command was being interrupted is not returned
    seconds = time.perf_counter() - start

    def unknown(why: str) -> SatRun:
        return SatRun("unknown", None, None, seconds, name, why, not inline)

    if payload is None:
        return unknown(reason)
    kind, result = payload
    if kind == "error":
        return unknown(f"solver {name} failed: {result}")
    outcome, raw_model, lines = result
    if outcome == "sat":
        return SatRun("sat", _model(nvars, clauses, raw_model, name), None, seconds, name, "",
                      not inline)
    if outcome == "unsat":
        return SatRun("unsat", None, lines, seconds, name, "", not inline)
    return unknown(f"solver {name} returned no answer")


def _model(nvars: int, clauses, raw, name: str) -> list[int]:
    """One signed literal per variable 1..nvars, checked against every clause.

    PySAT's model may stop at the largest variable the solver saw; variables it does not
    mention occur in no clause, so any value is right for them: they are set false.
    """
    value = [False] * (nvars + 1)
    for lit in raw or ():
        if 0 < abs(lit) <= nvars:
            value[abs(lit)] = lit > 0
    for i, clause in enumerate(clauses):
        if not any(value[lit] if lit > 0 else not value[-lit] for lit in clause):
            raise InternalError(f"solver {name} returned a model that falsifies clause {i}: "
                                f"{clause}")
    return [v if value[v] else -v for v in range(1, nvars + 1)]
