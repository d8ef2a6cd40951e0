"""A one-line status for long steps: what is being done and for how long, on a terminal only.

Library functions that can take seconds accept ``progress``, a callable taking one short
phrase ("constructing layer 1 of 2"), and call it when they start a stage. The command line
passes :meth:`StatusLine.stage`: once a command has run for ``after`` seconds, a background
thread redraws ``slth-verify certify: constructing layer 1 of 2 (3.4 s)`` on stderr twice a
second and clears it at the end. Redirected or piped output never sees it.
"""

from __future__ import annotations

import sys
import threading
import time


def quiet(_phrase: str) -> None:
    """The ``progress`` callable that reports nothing (the default)."""


class StatusLine:
    """A context manager drawing ``prefix: stage (elapsed)`` after ``after`` seconds."""

    def __init__(self, prefix: str, stream=None, after: float = 2.0, every: float = 0.5,
                 enabled: bool | None = None):
        self.prefix, self.after, self.every = prefix, after, every
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.phrase = "starting"
        self._start = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False
        self._lock = threading.Lock()  # a redraw never lands in the middle of echo's line

    def stage(self, phrase: str) -> None:
        self.phrase = phrase

    def echo(self, line: str) -> None:
        """Print ``line`` on standard output, clearing the status line first (a command that
        reports as it goes, like the demo, keeps its lines whole); it is redrawn below."""
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            print(line, flush=True)

    def __enter__(self) -> StatusLine:
        self._start = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _run(self) -> None:
        if self._stop.wait(self.after):
            return
        while not self._stop.is_set():
            with self._lock:
                self.stream.write(f"\r{self.prefix}: {self.phrase} ({time.monotonic() - self._start:.1f} s)\x1b[K")
                self.stream.flush()
                self._drawn = True
            self._stop.wait(self.every)
