"""What a solve, cover or count returns: a ``Report`` of per-target answers with the overall
status, timings and extras, and the ``versions`` of everything that may have produced it.
"""

from __future__ import annotations

import platform
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

from verify import __version__
from verify.problems import Problem
from verify.status import Answer, Status


def versions() -> dict:
    """Versions of everything that may have produced a result (None: not installed)."""
    out = {"slth-verify": __version__, "python": platform.python_version()}
    for package in ("numpy", "ortools", "python-sat", "dratify", "cdclkit-native"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


class Report:
    """The answers of one command on one problem, with what it took.

    ``answers`` may be built lazily (a cover of millions of targets keeps its witnesses as one
    bool matrix until someone asks for the per-target records); ``status_counts`` is then given
    up front so the overall status needs no materialization.

    The constructor's eight parameters are the report's fields, as a dataclass's would be (the
    optional ones keyword-only); it is not a dataclass because ``answers`` is a lazy property.
    ``timings`` are in seconds, by stage.
    """

    def __init__(self, command: str, problem: Problem, method: str, answers: list[Answer] | None = None,
                 *, lazy=None, status_counts: dict | None = None, timings: dict | None = None,
                 extra: dict | None = None):
        self.command, self.problem, self.method = command, problem, method
        self._answers, self._lazy = answers, lazy
        self.timings = timings or {}
        self.extra = extra or {}
        if status_counts is None:
            status_counts = {}
            for a in answers:
                status_counts[a.status] = status_counts.get(a.status, 0) + 1
        self.status_counts = status_counts

    @property
    def has_answers(self) -> bool:
        """True when the per-target answers exist (were given, or were asked for)."""
        return self._answers is not None

    @property
    def answers(self) -> list[Answer]:
        """One answer per target, in target order (built on first use when lazy)."""
        if self._answers is None:
            self._answers = self._lazy()
        return self._answers

    @answers.setter
    def answers(self, value: list[Answer]) -> None:
        self._answers = value

    def annotate_answers(self, key: str, values: list) -> None:
        """Add ``key: value`` to each answer's extras, lazily like the answers themselves."""
        previous = self._lazy if self._answers is None else (lambda answers=self._answers: answers)
        self._answers = None
        self._lazy = lambda: [replace(a, extra={**a.extra, key: v}) for a, v in zip(previous(), values)]

    @property
    def num_targets(self) -> int:
        """How many targets the report answers."""
        return sum(self.status_counts.values())

    @property
    def status(self) -> Status:
        """The answer to "is every target reachable?": ``sat-verified`` if every target is;
        else the strongest evidence that some target is not (``unsat-exhaustive``, then
        ``unsat-proof-checked``); else ``unknown`` if some target is undecided; else
        ``unsat-claimed``."""
        present = {s for s, c in self.status_counts.items() if c}
        if present == {Status.SAT_VERIFIED}:
            return Status.SAT_VERIFIED
        for certified in (Status.UNSAT_EXHAUSTIVE, Status.UNSAT_PROOF_CHECKED):
            if certified in present:
                return certified
        if Status.UNKNOWN in present or not present:
            return Status.UNKNOWN
        return Status.UNSAT_CLAIMED

    def to_json(self, with_answers: bool = True) -> dict:
        """The report as JSON data (what ``--json`` prints): status, method, counts, the first
        witness of a single target, timings in seconds, versions, extras and, with
        ``with_answers``, every target's answer."""
        single = self.num_targets == 1
        first = self.answers[0] if single else None
        out = {
            "command": self.command,
            "status": self.status.value,
            "method": self.method,
            "instance_sha256": self.problem.sha256,
            "kind": self.problem.kind,
            "n": self.problem.n,
            "num_targets": self.num_targets,
            "status_counts": {s.value: c for s, c in self.status_counts.items() if c},
            "witness": list(first.witness) if first is not None and first.witness is not None else None,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "versions": versions(),
        }
        out.update(self.extra)
        if with_answers:
            out["answers"] = [a.to_json() for a in self.answers]
        return out
