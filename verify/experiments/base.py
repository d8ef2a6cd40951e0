"""What an experiment is: typed parameters, a task function, and a report.

A *task* is one (parameters, seed, method) point of a sweep. Its function runs in a worker
process (local pool or Dask), regenerates its instance from the seed, decides it exactly and
returns a JSON-able result dict. Every result has ``instance_sha256`` (the content hash of what
was decided) and ``status`` (an evidence-graded status of ``verify.status``, or ``error``);
everything else is the experiment's own measurement. Timings go in ``seconds`` and are the only
fields allowed to differ between two runs of the same task.

The report side turns the stored rows into a ``Table`` (and optionally a plot); its floats are
estimates and fits, printed beside the exact counts they came from, never verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from verify.errors import InputError

REQUIRED = object()
# seconds per task when a spec sets no time_limit, for experiments whose methods run solvers that
# could otherwise run without bound (the limit the built-in specs give them)
DEFAULT_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class Param:
    """One parameter of an experiment: its type, range and default.

    ``kind``: ``int`` (with ``low``/``high``), ``bool``, ``choice`` (one of ``choices``),
    ``widths`` (a string like ``"4,4,4"``: the target's layer widths d_0..d_l),
    ``target`` (an integer, or a fraction ``"p/q"`` of M meaning floor(p·M/q), or ``planted``),
    ``number`` (an exact decimal or fraction given as a string or int, e.g. ``"0.95"``),
    ``text`` (any string, e.g. a path)."""

    name: str
    kind: str
    default: Any = REQUIRED
    help: str = ""
    low: int | None = None
    high: int | None = None
    choices: tuple = ()

    def check(self, value, where: str):
        """The value normalised (ints stay ints, fractions become canonical strings), or an
        ``InputError`` naming ``where`` (e.g. ``spec.toml: parameters.n``)."""
        bad = f"{where}: expected {self.expected()}, got {value!r}"
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError(bad)
            if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
                raise InputError(bad)
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise InputError(bad)
            return value
        if self.kind == "text":
            if not isinstance(value, str):
                raise InputError(bad)
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise InputError(bad)
            return value
        if self.kind == "widths":
            try:
                widths = [int(w) for w in str(value).split(",")]
            except ValueError:
                raise InputError(bad) from None
            if len(widths) < 2 or any(w < 1 for w in widths) or not isinstance(value, str):
                raise InputError(bad)
            return ",".join(map(str, widths))
        if self.kind == "target":
            if value == "planted" or (isinstance(value, int) and not isinstance(value, bool)):
                return value
            try:
                frac = Fraction(value) if isinstance(value, str) and "/" in value else None
            except (ValueError, ZeroDivisionError):
                frac = None
            if frac is None:
                raise InputError(bad)
            return f"{frac.numerator}/{frac.denominator}"
        if self.kind == "number":
            try:
                x = Fraction(str(value)) if not isinstance(value, bool) else None
            except (ValueError, ZeroDivisionError):
                x = None
            if x is None or (self.low is not None and x < self.low) or (self.high is not None and x > self.high):
                raise InputError(bad)
            return str(value)
        raise AssertionError(f"unknown parameter kind {self.kind}")

    def expected(self) -> str:
        if self.kind == "int":
            lo = "" if self.low is None else f" >= {self.low}"
            hi = "" if self.high is None else f" <= {self.high}"
            return f"an integer{lo}{' and' if lo and hi else ''}{hi}"
        if self.kind == "choice":
            return f"one of {list(self.choices)}"
        return {"bool": "true or false", "text": "a string", "widths": 'a string of >= 2 positive widths like "4,4,4"',
                "target": 'an integer, a fraction of M like "1/3", or "planted"',
                "number": "an exact number like 0.95 or \"19/20\"" + (
                    f" in [{self.low}, {self.high}]" if self.low is not None else "")}[self.kind]


def target_value(target, M: int):
    """The integer target a ``target`` parameter means for weights bounded by ``M``
    (``"p/q"`` is floor(p·M/q)); ``planted`` passes through."""
    if isinstance(target, str) and "/" in target:
        frac = Fraction(target)
        return frac.numerator * M // frac.denominator
    return target


@dataclass
class Table:
    """A report: column names, rows of printable values, and notes printed below."""

    columns: list[str]
    rows: list[list] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    title: str = ""


@dataclass(frozen=True)
class Experiment:
    """A built-in experiment: ``run(params, seed, method, time_limit) -> result dict`` (module
    docstring), ``tables(rows) -> [Table]`` over the stored rows (dicts with ``params``,
    ``seed``, ``method``, ``status``, ``result``, ``seconds``), and optionally
    ``plot(rows, figure)`` drawing on a matplotlib figure.

    ``applies(params, method)`` says why a combination is not a task of this experiment (None
    when it is): a sweep omits such combinations instead of storing a row that would look like
    a hit limit. ``describes(params)`` gives the parameters as they describe a task's instance:
    one that does not apply to the point (Theorem 1's ``copies``, say) is None, so that a stored
    row never holds a value its instance does not have; grid points equal after that are one
    task. ``default_time_limit`` bounds each task of a spec that sets no ``time_limit`` (for
    experiments whose methods would otherwise run without bound)."""

    name: str
    summary: str
    params: tuple[Param, ...]
    methods: tuple[str, ...]
    run: Callable[[dict, int, str, float | None], dict]
    tables: Callable[[list[dict]], list[Table]]
    plot: Callable | None = None
    applies: Callable[[dict, str], str | None] | None = None
    describes: Callable[[dict], dict] | None = None
    default_time_limit: float | None = None


def group(rows: list[dict], *keys: str) -> dict[tuple, list[dict]]:
    """Rows grouped by the values of parameters ``keys`` (``method`` and ``seed`` are keys too),
    in sorted key order."""
    out: dict[tuple, list[dict]] = {}
    for r in rows:
        k = tuple(r["method"] if key == "method" else r["seed"] if key == "seed" else r["params"].get(key)
                  for key in keys)
        out.setdefault(k, []).append(r)
    def order(item):
        return [(0, x, "") if isinstance(x, (int, float)) and not isinstance(x, bool) else (1, 0, str(x))
                for x in item[0]]

    return dict(sorted(out.items(), key=order))


def decided(rows: list[dict], field_name: str) -> tuple[int, int, int]:
    """(yes, decided, undecided) for a boolean result field that is None when undecided or
    when the task failed."""
    values = [r["result"].get(field_name) if r["result"] else None for r in rows]
    yes = sum(v is True for v in values)
    known = sum(v is not None for v in values)
    return yes, known, len(values) - known


def crossing(points: list[tuple[float, float]], level: float = 0.5) -> float | None:
    """Where a curve of (x, y) points, sorted by x, first crosses ``level`` (linear
    interpolation between the two points around it); None if it never does."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if (y0 - level) * (y1 - level) <= 0 and y0 != y1:
            return x0 + (level - y0) * (x1 - x0) / (y1 - y0)
    return None


def line_fit(xs: list[float], ys: list[float]) -> tuple[float, float] | None:
    """Least-squares slope and intercept of y against x (None with fewer than 2 distinct x)."""
    if len(set(xs)) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return slope, my - slope * mx


def wilson_interval(successes: int, trials: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """The Wilson score interval of a binomial rate (default 95%, z = 1.96): (low, high), or
    None without trials. A float for reports, beside the exact counts; never a verdict.

    >>> [round(x, 3) for x in wilson_interval(0, 10)]
    [0.0, 0.278]
    """
    if trials == 0:
        return None
    rate, z2 = successes / trials, z * z
    centre = (rate + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * ((rate * (1 - rate) / trials + z2 / (4 * trials * trials)) ** 0.5)
    # the ends are exact at 0 and n successes, where rounding could put them a hair inside
    return (0.0 if successes == 0 else max(0.0, centre - half)), (1.0 if successes == trials else min(1.0, centre + half))
