"""Ctrl-C (SIGINT) and SIGTERM: one way for a command to stop, whatever it is doing.

The command line runs every command inside ``handling()``: there both signals raise
KeyboardInterrupt in the main thread, which the CLI turns into "slth-verify: interrupted" and
exit code 130. The exception is raised once: a signal arriving while the first one unwinds the
stack (a solver child being killed and joined, a temporary file being removed) is noted, not
raised, so that cleanup is never cut short; inside ``deferred()`` a signal is raised only on
the way out, for steps that must not be split (starting a child process), and never inside an
import (modules are imported lazily, mid-command).

Native code does not run Python's handlers until it returns, and some native code takes
SIGINT for itself:

- CP-SAT's own SIGINT handler (``catch_sigint_signal``, on by default) ends the solve as if a
  limit had been hit, so the interruption came back as an UNKNOWN answer; it also leaves SIGINT
  at its default action afterwards (the next Ctrl-C killed the process silently) and can abort
  the process (``std::bad_function_call``) when the signal reaches another thread.
  ``verify.solve.cpsat`` turns it off and runs each solve through ``stoppable``: the solve
  runs in a helper thread while the main thread waits in Python, sees the signal at once,
  stops the search and raises.
- PySAT's native calls made from the main thread (solves, cardinality encodings) swap in their
  own SIGINT handler and turn a Ctrl-C into an ordinary error ("Caught keyboard interrupt"),
  which a caller reads as a failed solve. Inside ``handling()`` PySAT is told it never runs in
  the main thread, so it leaves SIGINT alone; the long solves run in killable child processes
  anyway (``verify.solve.children``).

``check()`` raises KeyboardInterrupt if a signal arrived: callers use it after a solve
returns, so a result obtained while the command was being interrupted is never returned.

``undo_on_failure()`` removes what a command created (files, directories such as a
certificate's ``.proofs/``) when it does not complete.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C
RESEND = 0.05  # seconds: how soon a signal that came during an import is looked at again

_received: int | None = None  # the first signal since handling() began
_raised = False  # whether KeyboardInterrupt was raised for it
_deferring = 0  # depth of deferred() blocks (and the program's start)


def _on_signal(signum, frame) -> None:
    global _received, _raised
    if _received is None:
        _received = signum
    if _raised or _deferring:
        return
    if _importing(frame):
        # a module interrupted half-way stays broken, and a native one (OR-Tools') turns the
        # exception into "ImportError: initialization failed" or makes the interpreter exit by
        # SIGINT whatever the exit code: the signal is sent again until the import is over
        again = threading.Timer(RESEND, _resend, (signum,))
        again.daemon = True
        again.start()
        return
    _raised = True
    raise KeyboardInterrupt


def _importing(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _resend(signum: int) -> None:
    if _received is not None and not _raised:
        os.kill(os.getpid(), signum)


def received() -> bool:
    """Whether SIGINT or SIGTERM arrived since ``handling()`` began."""
    return _received is not None


def check() -> None:
    """Raise KeyboardInterrupt if a signal arrived: what was being computed is not a result."""
    global _raised
    if _received is not None:
        _raised = True
        raise KeyboardInterrupt


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def install_early() -> None:
    """Catch both signals from now on, raising nothing until ``handling()`` begins: for the
    program's start, while NumPy, OR-Tools and PySAT load (about a second)."""
    global _deferring
    if _in_main_thread():
        _deferring += 1
        for s in SIGNALS:
            signal.signal(s, _on_signal)


@contextmanager
def handling(final: bool = False):
    """Inside, SIGINT and SIGTERM raise KeyboardInterrupt once (module docstring); a signal
    that arrived before (``install_early``) is raised by the first ``check()``.

    On the way out the previous handlers come back, or with ``final`` (the process ends
    next) both signals are ignored: the command has finished, and a late signal must not
    turn its result into a traceback. Outside the main thread, where no signal is delivered,
    this does nothing."""
    global _received, _raised, _deferring
    if not _in_main_thread():
        yield
        return
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    early = saved[signal.SIGINT] is _on_signal
    if not early:
        _received = None
    _raised, _deferring = False, 0
    pysat = _pysat_main_thread_check()
    for s in SIGNALS:
        signal.signal(s, _on_signal)
    try:
        yield
    finally:
        for s, h in saved.items():
            if final or h is _on_signal:
                h = signal.SIG_IGN
            signal.signal(s, signal.SIG_DFL if h is None else h)  # None: set outside Python
        if pysat is not None:
            pysat[0].check = pysat[1]
        _received, _raised = None, False


def _pysat_main_thread_check():
    """Make PySAT believe it never runs in the main thread (module docstring); return what
    to restore, or None without PySAT."""
    try:  # here: this layer-0 module is imported before anything else, PySAT included
        from pysat._utils import MainThread
    except ImportError:  # pragma: no cover - PySAT is a dependency
        return None
    original = MainThread.__dict__["check"]
    MainThread.check = staticmethod(lambda: False)
    return MainThread, original


@contextmanager
def deferred():
    """A step that must not be split by an interruption: a signal arriving inside raises
    KeyboardInterrupt when the step is over."""
    global _deferring, _raised
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if _received is not None and not _raised and not _deferring:
        _raised = True
        raise KeyboardInterrupt


POLL = 0.1  # seconds: how often a waiting main thread looks for a signal another thread took

# One helper thread per process, started on first use: measured on tiny CP-SAT solves, a new
# thread per call cost about 400 us a solve (CP-SAT sets up per-thread state), this one about
# 75 us. Jobs are (run, box, done).
_helper: tuple[int, queue.SimpleQueue] | None = None  # (pid, jobs): a forked child needs its own


def _serve(jobs: queue.SimpleQueue) -> None:
    while True:
        run, box, done = jobs.get()
        try:
            box["value"] = run()
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = e
        finally:
            done.set()


def _jobs() -> queue.SimpleQueue:
    global _helper
    if _helper is None or _helper[0] != os.getpid():
        jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=_serve, args=(jobs,), name="slth-verify-stoppable", daemon=True).start()
        _helper = (os.getpid(), jobs)
    return _helper[1]


def stoppable(run, stop):
    """``run()``, a blocking native call, with ``stop()`` (callable from any thread) making it
    return early. From the main thread ``run`` goes to a helper thread: the main thread waits
    in Python, so a signal raises KeyboardInterrupt at once; ``stop()`` is then called until
    ``run`` returns, and the KeyboardInterrupt goes on instead of its result. Exceptions of
    ``run`` are raised here. Elsewhere ``run()`` is called directly."""
    if not _in_main_thread():
        return run()
    done = threading.Event()
    box: dict = {}
    sent = False
    try:
        with deferred():  # so that a job handed over is always waited for
            _jobs().put((run, box, done))
            sent = True
        # a timed wait: a signal delivered to another thread (a solver's) does not wake an
        # untimed one
        while not done.wait(POLL):
            pass
    except KeyboardInterrupt:
        if sent:
            while not done.wait(POLL / 2):
                stop()  # repeated: a stop before the search has started may be missed
        raise
    if "error" in box:
        raise box["error"]
    check()
    return box["value"]


class Undo:
    """Paths a command may create, and what ``undo()`` removes: a watched path that did not
    exist is removed (a directory with everything in it); a watched directory that existed
    loses the entries it did not have. Nothing that existed before is removed."""

    def __init__(self):
        self._watched: list[tuple[Path, set | None]] = []

    def watch(self, *paths) -> None:
        """Remember how ``paths`` are now (missing, or a directory's entries); None is skipped."""
        for p in (Path(x) for x in paths if x is not None):
            if not p.exists():
                before = None
            elif p.is_dir():
                before = set(os.listdir(p))
            else:
                before = set()  # an existing file: left as it is
            self._watched.append((p, before))

    def undo(self) -> None:
        """Remove what appeared at the watched paths since they were watched."""
        for p, before in reversed(self._watched):
            if before is None:
                _remove(p)
            elif p.is_dir():
                for name in set(os.listdir(p)) - before:
                    _remove(p / name)


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


@contextmanager
def undo_on_failure():
    """An ``Undo`` whose ``undo()`` runs if the block raises (an interruption, an error),
    so a command that did not complete leaves none of the paths it was watching behind."""
    u = Undo()
    try:
        yield u
    except BaseException:
        u.undo()
        raise
