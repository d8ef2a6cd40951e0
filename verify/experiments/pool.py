"""A process pool that can stop one task: a ``concurrent.futures.Executor`` whose workers are
killed, with every process they started, when a task overruns ``kill_after`` seconds.

Why not ``ProcessPoolExecutor``: a native solver stuck in C ignores Python's signals and
cannot be cancelled there, and a worker that dies takes the whole pool down
(``BrokenProcessPool``). Here each worker is a process in its own session, fed one task at a
time through a pipe; a dispatcher thread watches the pipes and the deadlines. An overrun task's
future fails with ``TaskKilled`` and a dead worker's with ``WorkerLost``; either way the worker
is replaced and the other tasks go on. Workers start with ``spawn`` (a fork of a process with
threads is unsafe).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import deque
from concurrent.futures import Executor, Future
from multiprocessing.connection import wait

from verify.errors import InputError, VerifyError
from verify.interrupts import deferred


class TaskKilled(VerifyError):
    """The task ran past the pool's ``kill_after`` and its worker was killed."""


class WorkerLost(VerifyError):
    """The worker process died while running the task (a crash, or killed from outside)."""


class RemoteError(VerifyError):
    """The task raised in its worker; ``kind`` is the exception's class name."""

    def __init__(self, kind: str, message: str, tb: str = ""):
        super().__init__(f"{kind}: {message}")
        self.kind, self.tb = kind, tb


def _worker_main(conn) -> None:
    os.setsid()  # its own process group: a kill takes its solver children with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        fn, args, kwargs = job
        try:
            reply = ("ok", fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 -- everything goes back to the caller
            reply = ("err", (type(e).__name__, str(e), traceback.format_exc()))
        try:
            conn.send(reply)
        except Exception as e:  # an unpicklable result
            conn.send(("err", (type(e).__name__, f"result could not be sent back: {e}", "")))


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        # not a daemon: tasks start processes of their own (SAT solvers, proof checkers), which
        # a daemon may not; the pool kills its workers itself, at exit too (atexit below)
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=False)
        self.process.start()
        child.close()
        self.future: Future | None = None
        self.deadline = float("inf")

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        # a worker killed while still starting up has not called setsid yet: no group of its
        # own, so killpg missed it (and joining it waited 5 s, then left it running)
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class ProcessPool(Executor):
    """``workers`` processes; a task running more than ``kill_after`` seconds (None: never) is
    killed with its worker's whole process group."""

    def __init__(self, workers: int = 1, kill_after: float | None = None):
        if workers < 1:
            raise InputError("workers: expected at least 1")
        self.kill_after = kill_after
        self._ctx = multiprocessing.get_context("spawn")
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._shutdown = self._terminate = False
        # started whole even when interrupted: a spawned worker stopped before it has read its
        # start-up data prints a traceback, and a pool without its dispatcher is never stopped
        with deferred():
            self._workers = [_Worker(self._ctx) for _ in range(workers)]
            self._thread = threading.Thread(target=self._dispatch, name="slth-verify-pool", daemon=True)
            self._thread.start()
            atexit.register(self._at_exit)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a pool that was shut down")
            self._queue.append((future, (fn, args, kwargs)))
        self._wake_w.send(None)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft()[0].cancel()
        self._wake_w.send(None)
        if wait:
            self._thread.join()

    def terminate(self) -> None:
        """Stop now: cancel what is queued, kill every worker, fail running tasks' futures."""
        self.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._terminate = True
        self._wake_w.send(None)
        self._thread.join()

    def _at_exit(self) -> None:
        if self._thread.is_alive():
            self.terminate()

    def _start(self, w: _Worker) -> None:
        with self._lock:
            while self._queue:
                future, job = self._queue.popleft()
                if future.running() or future.set_running_or_notify_cancel():
                    break
            else:
                return
        try:
            w.conn.send(job)
        except OSError:  # the worker died while idle: replace it, the job goes first again
            with self._lock:
                self._queue.appendleft((future, job))
            self._replace(w, None)
            return
        except Exception as e:  # the job itself cannot be pickled
            future.set_exception(RemoteError(type(e).__name__, f"task could not be sent: {e}"))
            return
        w.future = future
        w.deadline = time.monotonic() + self.kill_after if self.kill_after else float("inf")

    def _replace(self, w: _Worker, error: Exception | None) -> None:
        w.kill()
        if error is not None and w.future is not None and not w.future.done():
            w.future.set_exception(error)
        self._workers[self._workers.index(w)] = _Worker(self._ctx)

    def _dispatch(self) -> None:
        try:
            while True:
                with self._lock:
                    terminate, idle_exit = self._terminate, self._shutdown and not self._queue
                if terminate or (idle_exit and all(w.future is None for w in self._workers)):
                    break
                for w in self._workers:
                    if w.future is None:
                        self._start(w)
                busy = [w for w in self._workers if w.future is not None]
                timeout = max(0.0, min((w.deadline for w in busy), default=float("inf")) - time.monotonic())
                ready = wait([self._wake_r] + [w.conn for w in busy] + [w.process.sentinel for w in busy],
                             timeout=None if timeout == float("inf") else timeout)
                if self._wake_r in ready:
                    while self._wake_r.poll():
                        self._wake_r.recv()
                for w in busy:
                    if w.conn in ready or w.process.sentinel in ready:
                        self._collect(w)
                    elif time.monotonic() >= w.deadline:
                        self._replace(w, TaskKilled(f"killed after {self.kill_after:g} s (kill_after)"))
        finally:
            self._stop_workers()
            atexit.unregister(self._at_exit)

    def _collect(self, w: _Worker) -> None:
        try:
            if not w.conn.poll():
                raise EOFError
            kind, value = w.conn.recv()
        except (EOFError, OSError):
            w.process.join(1)
            self._replace(w, WorkerLost(f"worker process died (exit code {w.process.exitcode}) "
                                        "while running the task"))
            return
        future, w.future, w.deadline = w.future, None, float("inf")
        if kind == "ok":
            future.set_result(value)
        else:
            future.set_exception(RemoteError(*value))
        if not w.process.is_alive():
            self._replace(w, None)

    def _stop_workers(self) -> None:
        for w in self._workers:
            if w.future is not None and not w.future.done():
                w.future.set_exception(TaskKilled("the pool was stopped"))
            if self._terminate or w.future is not None:
                w.kill()
                continue
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.process.join(5)
            if w.process.is_alive():
                w.kill()
        with self._lock:
            while self._queue:
                future = self._queue.popleft()[0]
                if not future.cancel():
                    future.set_exception(TaskKilled("the pool was stopped"))
