"""A one-line progress bar for sweeps: counts, rate, ETA and statuses so far; silent when the
stream is not a terminal (logs and CI get only the final summary)."""

from __future__ import annotations

import sys
import time


def duration(seconds: float) -> str:
    """``1:02:03`` / ``2:03`` style."""
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """``total`` tasks to run; redrawn at most every ``every`` seconds."""

    def __init__(self, total: int, stream=None, enabled: bool | None = None, width: int = 24, every: float = 0.2):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width, self.every = width, every
        self.done = 0
        self.statuses: dict[str, int] = {}
        self.start = time.monotonic()
        self._last = 0.0

    def update(self, status: str) -> None:
        self.done += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        now = time.monotonic()
        if self.enabled and (now - self._last >= self.every or self.done == self.total):
            self._last = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self.start
        frac = self.done / self.total if self.total else 1.0
        filled = int(frac * self.width)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = duration((self.total - self.done) / rate) if rate > 0 else "?"
        counts = " ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                f"{100 * frac:.0f}% {rate:.1f} task/s ETA {eta} | {counts}")

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
