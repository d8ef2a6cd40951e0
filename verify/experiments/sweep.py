"""Run a sweep: every task of a spec that has no row yet, on any ``concurrent.futures.Executor``,
each result stored as its own transaction the moment it arrives.

The executor is the local ``ProcessPool`` by default (per-task kill), or Dask distributed's
(``Client.get_executor``) for a cluster; both run the same picklable ``execute(task)``, so the
same spec gives the same rows (up to timings) on both. At most ``window`` tasks are in flight:
an interrupted sweep loses only those, and a re-run redoes exactly them.
"""

from __future__ import annotations

import logging
import socket
import time
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field
from functools import lru_cache

from verify import __version__
from verify.errors import InputError
from verify.interrupts import deferred
from verify.experiments import experiment
from verify.experiments.pool import ProcessPool, TaskKilled
from verify.experiments.progress import Progress, duration
from verify.experiments.spec import Spec, Task
from verify.experiments.store import Store
from verify.solve.report import versions
from verify.status import Status


@lru_cache(maxsize=1)
def _versions() -> dict:
    return versions()


def execute(task: Task) -> dict:
    """Run one task in a worker: its result, or the error it raised, with wall seconds, the
    versions and host that produced it. Never raises for a failing task (that is a row)."""
    start = time.perf_counter()
    try:
        result = experiment(task.experiment).run(dict(task.params), task.seed, task.method, task.time_limit)
        status, error = result["status"], None
    except Exception as e:  # noqa: BLE001 -- a failed task is an error row, not a failed sweep
        result, status, error = None, "error", f"{type(e).__name__}: {e}"
    return {"status": status, "result": result, "error": error,
            "seconds": time.perf_counter() - start, "versions": _versions(), "host": socket.gethostname()}


def row_for(task: Task, outcome: dict) -> dict:
    result = outcome.get("result")
    return {"experiment": task.experiment, "instance_sha256": (result or {}).get("instance_sha256", ""),
            "method": task.method, "params": task.params_json, "seed": task.seed,
            "tool_version": __version__, **outcome}


def _lost(error: BaseException) -> dict:
    """The row of a task whose worker was killed (a limit: ``unknown``) or died (``error``)."""
    status = Status.UNKNOWN.value if isinstance(error, TaskKilled) else "error"  # "error": a row status, no Status
    return {"status": status, "result": None, "error": f"{type(error).__name__}: {error}",
            "seconds": None, "versions": None, "host": None}


class Interrupted(Exception):
    """Ctrl-C during a sweep; ``summary`` says what was stored before it."""

    def __init__(self, summary: "SweepSummary"):
        super().__init__("interrupted")
        self.summary = summary


@dataclass
class SweepSummary:
    total: int
    skipped: int
    ran: int = 0
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def errors(self) -> int:
        return self.statuses.get("error", 0)

    def text(self, spec: Spec, db) -> str:
        counts = ", ".join(f"{v} {k}" for k, v in sorted(self.statuses.items())) or "nothing new"
        rate = f", {self.ran / self.seconds:.1f} task/s" if self.seconds > 0 and self.ran else ""
        head = "interrupted" if self.interrupted else "done"
        return (f"sweep {spec.experiment.name}: {head}: {self.ran} tasks run in {duration(self.seconds)}{rate} "
                f"({counts}); {self.skipped} already stored; {self.skipped + self.ran} of {self.total} "
                f"in {db}")


def run_sweep(spec: Spec, db, executor: Executor, *, window: int = 8, retry: tuple[str, ...] = (),
              progress: Progress | None = None, limit: int | None = None) -> SweepSummary:
    """Run every task of ``spec`` with no row in ``db`` (at most ``limit`` of them) on
    ``executor``; tasks of the spec stored with a status in ``retry`` (``error``, ``unknown``)
    run again. Ctrl-C raises ``Interrupted`` with the summary; rows written stay.

    Seven parameters, no record: the three positional ones say what runs where, the four
    keyword-only ones tune it and have defaults.
    """
    with Store(db) as store:
        tasks = spec.tasks()
        if retry:
            keys = {t.key for t in tasks}
            store.delete([k for k in store.done_keys(spec.experiment.name, statuses=retry) if k in keys])
        done = store.done_keys(spec.experiment.name)
        todo = [t for t in tasks if t.key not in done]
        summary = SweepSummary(total=len(tasks), skipped=len(tasks) - len(todo))
        if limit is not None:
            todo = todo[:limit]
        progress = progress or Progress(len(todo))
        progress.total = len(todo)
        start = time.monotonic()
        pending: dict = {}
        queue = iter(todo)
        try:
            while True:
                while len(pending) < window:
                    task = next(queue, None)
                    if task is None:
                        break
                    pending[executor.submit(execute, task)] = task
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    error = future.exception()
                    outcome = _lost(error) if error is not None else future.result()
                    store.add(row_for(task, outcome))
                    summary.ran += 1
                    summary.statuses[outcome["status"]] = summary.statuses.get(outcome["status"], 0) + 1
                    progress.update(outcome["status"])
        except KeyboardInterrupt:
            summary.interrupted = True
            for future in pending:
                future.cancel()
            raise Interrupted(summary) from None
        finally:
            summary.seconds = time.monotonic() - start
            progress.close()
    return summary


def make_executor(workers: int | None = None, dask_local: int | None = None, dask: str | None = None,
                  kill_after: float | None = None):
    """(executor, window, close): the local pool by default, or Dask's executor on a new
    ``LocalCluster`` or on the scheduler at ``dask`` (needs the ``dask`` extra)."""
    if dask_local is None and dask is None:
        n = 1 if workers is None else workers
        if n < 1:
            raise InputError(f"--workers: expected at least 1, got {n}")
        pool = ProcessPool(n, kill_after)
        return pool, 4 * n, pool.terminate
    try:  # optional: the dask extra
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--dask/--dask-local need Dask: pip install 'slth-verify[dask]'") from None
    if dask_local is not None:
        if dask_local < 1:
            raise InputError(f"--dask-local: expected at least 1 worker, got {dask_local}")
        import dask  # optional, like distributed above

        # the workers' statistical profiler samples every task's stack many times a second,
        # holding the GIL the task needs: measured at several percent of a sweep's throughput
        # started whole even when interrupted: a cluster stopped half-way cannot be closed
        # workers that are not daemons: a task starts processes of its own (SAT solvers, bounded
        # builders), which a daemonic process may not
        with dask.config.set({"distributed.worker.profile.enabled": False,
                              "distributed.worker.daemon": False}), deferred():
            # errors only: its warnings (tasks cancelled when a sweep is interrupted) are not ours
            cluster = LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
            client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(dask, timeout="20s")
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(f"--dask {dask}: cannot reach the scheduler ({e})") from None
    threads = sum(client.nthreads().values()) or 1

    def close():
        client.close()
        if cluster is not None:
            cluster.close()

    return client.get_executor(pure=False), 4 * threads, close
