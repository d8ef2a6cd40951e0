"""One-shot child processes that can be killed: how a native call is held to a time limit and a
memory budget.

Why a child process. PySAT's CaDiCaL and Lingeling cannot be interrupted from Python
(``interrupt()`` raises NotImplementedError), PySAT's pseudo-Boolean encoders (pindakaas, in
Rust) cannot be bounded from outside either, and a native call holds the interpreter, so the
only reliable limit is a process that can be killed. The call therefore runs in a child that
sends its result back through a pipe; at the limit the child gets SIGTERM, then SIGKILL after
``TERMINATE_GRACE`` seconds, and is always joined before the caller returns (also on an
exception such as Ctrl-C), so nothing keeps running in the background. On Linux the kernel also
kills the child if this process dies without cleaning up. An interruption is never an answer
(``verify.interrupts``): a child ended by SIGTERM from outside raises KeyboardInterrupt.

Start method. On Linux the child is forked: measured here, a fork round trip costs about 4 ms
(6 ms from a parent holding 500 MB), against about 115 ms for ``forkserver`` and 165 ms for
``spawn``, which re-import PySAT and pickle the clauses. Callers import every module the child
needs before the fork, so the child never takes the import lock. Elsewhere (macOS, Windows)
fork is unsafe or missing, and ``spawn`` is used.

Memory (``run_bounded``). When an allocation fails inside a native encoder under an address-space
limit the process was seen to hang rather than die, so no such limit is set: this process reads
the child's anonymous resident memory from ``/proc`` every ``POLL`` seconds and kills it once it
has grown past the budget. Elsewhere than Linux there is no ``/proc`` and only the time limit
applies.

Both entry points return a payload ``("ok", result)`` or ``("error", text)`` (an exception in
the child, as text), or None with the reason there is none.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import time

from verify.errors import VerifyError
from verify.interrupts import deferred
from verify.prefilter.budget import human_bytes

TERMINATE_GRACE = 0.5  # seconds between SIGTERM and SIGKILL
POLL = 0.01  # seconds between reads of a memory-bounded child's anonymous resident memory
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

# prctl(PR_SET_PDEATHSIG, ...) (<sys/prctl.h>), looked up here rather than in the forked child,
# where dlopen could meet a loader lock some other thread held at the fork.
_PR_SET_PDEATHSIG = 1
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
except (OSError, AttributeError):  # pragma: no cover - unusual libc
    _prctl = None


def _die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux), so a parent killed
    by SIGKILL or the OOM killer, which runs no cleanup, still leaves no solver behind.

    (The kernel watches the forking thread, not the process; that thread is blocked waiting
    for this child until it is joined, so the two lifetimes are the same.)"""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def child_main(conn, fn, args, parent: int) -> None:
    """Body of every child process: run ``fn(*args)`` and send ("ok", result) or ("error", text)
    through ``conn``; ``parent`` is the pid of the process that must outlive it."""
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


def process_context():
    """The multiprocessing context children are started with (fork on Linux, else spawn).
    Raises ``VerifyError`` in a daemonic process, which may not have children."""
    if multiprocessing.current_process().daemon:
        # multiprocessing refuses with a bare AssertionError; the usual cause is a Dask worker
        raise VerifyError("this process is a daemon and may not start the solver's process (a Dask worker "
                          "started without DASK_DISTRIBUTED__WORKER__DAEMON=False?)")
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def stop_child(proc) -> None:
    """Make sure ``proc`` is gone: SIGTERM, a short grace, SIGKILL, and always a join."""
    if proc.pid is None:  # never started
        return
    if proc.is_alive():
        proc.terminate()
        proc.join(TERMINATE_GRACE)
        if proc.is_alive():
            proc.kill()
    proc.join()


def why_died(proc) -> str:
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
    process that is killed at the time limit (seconds, None: none). Returns (payload or None,
    reason), see the module docstring; the reason says why there is no payload (limit, crash).
    Every native call that may run long goes through here or :func:`run_bounded`."""
    ctx = process_context()
    recv_end, send_end = ctx.Pipe(duplex=False)
    # Not a daemon: it is always joined below, and a daemonic caller (a multiprocessing.Pool
    # worker) may not start daemonic children.
    proc = ctx.Process(target=child_main, args=(send_end, fn, args, os.getpid()),
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
            # The child has finished; read the whole result before joining, as a child blocked
            # writing a large proof into a full pipe would never exit.
            try:
                return recv_end.recv(), ""
            except (EOFError, OSError):
                proc.join(TERMINATE_GRACE)
                return None, why_died(proc)
        if proc.sentinel in ready:
            # Exited with nothing in the pipe (a concurrent fork may still hold its write end,
            # so EOF alone cannot be relied on).
            proc.join()
            return None, why_died(proc)
        return None, f"time limit {float(time_limit)} s reached, solver process killed"
    finally:
        stop_child(proc)
        send_end.close()  # a no-op unless start() failed
        recv_end.close()


def _measured(start_rss, fn, *args):
    """In the child: record its resident size before ``fn`` runs, then run it."""
    start_rss.value = _rss("self") or 0
    return fn(*args)


def _rss(pid: int | str) -> int | None:
    """Anonymous resident bytes of a process (resident minus shared: what it allocated, not the
    pages of files and shared libraries a forked child faults in as it runs code), or None when
    /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            fields = f.read().split()
            return (int(fields[1]) - int(fields[2])) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def run_bounded(fn, args: tuple, time_limit: float | None, memory_limit: int, label: str):
    """Run ``fn(*args)`` in a child process killed at the time limit or once its anonymous
    resident memory has grown by more than ``memory_limit`` bytes. Returns ``(payload, reason,
    kind)``: payload as for :func:`call_in_child`, or None with the reason and kind ``time``,
    ``memory`` or ``died``."""
    ctx = process_context()
    recv_end, send_end = ctx.Pipe(duplex=False)
    # the child's own size when it starts, not this process's: a forked child maps the parent's
    # file-backed pages (shared libraries) lazily, so measured from the parent's size its growth
    # went unseen
    start_rss = ctx.Value("q", -1, lock=False)
    proc = ctx.Process(target=child_main, args=(send_end, _measured, (start_rss, fn) + tuple(args), os.getpid()),
                       name=f"build-{label}")
    start = time.monotonic()
    deadline = None if time_limit is None else start + time_limit
    try:
        with deferred():  # a forked child is always known to ``proc``, so the finally stops it
            proc.start()
        send_end.close()  # or a dead child would never look like EOF
        while True:
            now = time.monotonic()
            wait = POLL if deadline is None else max(0.0, min(POLL, deadline - now))
            ready = multiprocessing.connection.wait([recv_end, proc.sentinel], wait)
            if recv_end in ready or (proc.sentinel in ready and recv_end.poll(0)):
                try:
                    return recv_end.recv(), "", ""
                except (EOFError, OSError):
                    proc.join(1.0)
                    return None, why_died(proc), "died"
            if proc.sentinel in ready:
                proc.join()
                if proc.exitcode == -signal.SIGTERM:
                    raise KeyboardInterrupt  # stopped from outside, like the command itself
                return None, why_died(proc), "died"
            if deadline is not None and time.monotonic() >= deadline:
                return None, f"time limit {float(time_limit)} s reached while building it", "time"
            rss, base = _rss(proc.pid), start_rss.value
            if rss is not None and base >= 0 and rss - base > memory_limit:
                return None, (f"it grew past the memory budget of {human_bytes(memory_limit)} "
                              f"({human_bytes(rss - base)} after {time.monotonic() - start:.1f} s)"), "memory"
    finally:
        stop_child(proc)
        send_end.close()
        recv_end.close()


# ------------------------------------------------------------------------- parallel map

def _next_index(counter, count: int) -> int | None:
    with counter.get_lock():
        i = counter.value
        if i >= count:
            return None
        counter.value = i + 1
    return i


def _worker_main(conn, fn, items, counter, parent: int) -> None:
    """Body of a :func:`parallel_map` worker: take the next index until none is left, send
    (index, ("ok", result)) or (index, ("error", exception)) for each."""
    _die_with_parent(parent)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (i := _next_index(counter, len(items))) is not None:
        try:
            payload = ("ok", fn(items[i]))
        except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
            try:
                pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that does not pickle goes as text
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            payload = ("error", exc)
        conn.send((i, payload))
    conn.close()


def parallel_map(fn, items: list, workers: int) -> list:
    """``[fn(item) for item in items]``, computed in up to ``workers`` forked children that
    each take the next item as they finish one (items reach them by the fork, results come
    back pickled). In order; the first exception raised in a child is raised here (a
    VerifyError keeps its class). Runs in this process when ``workers`` <= 1, for one item,
    in a daemonic process (which may not have children) and where fork is missing. The
    children may start children of their own (they are not daemons); every child is stopped
    and joined before this returns, also on an exception."""
    items = list(items)
    if workers <= 1 or len(items) <= 1 or multiprocessing.current_process().daemon \
            or not sys.platform.startswith("linux"):
        return [fn(x) for x in items]
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)
    procs, conns, results, got = [], [], [None] * len(items), 0
    try:
        for n in range(min(workers, len(items))):
            recv_end, send_end = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker_main, args=(send_end, fn, items, counter, os.getpid()),
                               name=f"parallel-{n}")
            procs.append(proc)
            conns.append(recv_end)
            with deferred():
                proc.start()
            send_end.close()
        waiting = list(conns)
        while waiting:
            for conn in multiprocessing.connection.wait(waiting):
                try:
                    i, (kind, value) = conn.recv()
                except (EOFError, OSError):
                    waiting.remove(conn)
                    continue
                if kind == "error":
                    raise value
                results[i], got = value, got + 1
        if got < len(items):
            died = "; ".join(why_died(p) for p in procs if p.exitcode not in (0, None))
            raise VerifyError(f"{len(items) - got} of {len(items)} items got no answer: {died or 'a worker ended'}")
        return results
    finally:
        for proc in procs:
            stop_child(proc)
        for conn in conns:
            conn.close()
