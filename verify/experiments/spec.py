"""Sweep specs: a TOML file naming an experiment, a parameter grid, seeds, methods and limits.

```toml
experiment = "threshold"
description = "P(fixed target reachable) against n"   # optional
seeds = 40                 # seeds 0..39; or a list [1, 5, 9]; or {start = 1000, count = 40}
methods = ["dp"]           # optional: the experiment's first method
time_limit = 10            # optional: seconds per task, handed to the solvers
kill_after = 60            # optional: the local pool kills a task running longer (default
                           # 2·time_limit + 30 s; none without a time limit)
[parameters]               # a list is an axis of the grid; a scalar is fixed
n = [8, 10, 12]
bits = [8, 12]
zero = false
```

Everything is validated when the spec is loaded, before any work starts: an unknown key,
experiment, method or parameter, a missing required parameter or a bad value is a one-line
``InputError`` naming the file and the field. An experiment may declare (parameters, method)
combinations it does not run (``Experiment.applies``): the tasks omit them, and ``omitted`` says
how many and why; but a method or a listed parameter value that applies to no task at all is an
error, since the spec could simply leave it out. Without ``time_limit`` the experiment's
``default_time_limit`` applies (none for the experiments whose methods are bounded otherwise).

A task's seed is used as is, so the row ``(n=20, bits=12, seed=7)`` is the instance
``slth-verify generate subset-sum --n 20 --bits 12 --seed 7`` draws, and every grid point sees
the same seeds.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from verify.errors import InputError, MissingFileError
from verify.experiments.base import REQUIRED, Experiment
from verify.solve.limits import check_time_limit

SPECS_DIR = Path(__file__).resolve().parent / "specs"
TOP_LEVEL = {"experiment", "description", "seeds", "methods", "time_limit", "kill_after", "parameters"}
MAX_TASKS = 10_000_000


def load_toml(text: str) -> dict:
    try:  # tomllib is Python 3.11's; 3.10 has the tomli backport
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


@dataclass(frozen=True)
class Task:
    """One point of a sweep. ``key`` identifies it across runs (with the tool version)."""

    experiment: str
    params: tuple  # sorted (name, value) pairs, hashable and picklable
    seed: int
    method: str
    time_limit: float | None

    @property
    def params_json(self) -> str:
        return json.dumps(dict(self.params), sort_keys=True, separators=(",", ":"))

    @property
    def key(self) -> tuple:
        return (self.experiment, self.params_json, self.seed, self.method)


@dataclass(frozen=True)
class Spec:
    """A validated sweep spec (module docstring). ``points``, when given, are explicit
    (params, seed) pairs that replace the grid and the seeds (``compare --suite``: one point per
    suite instance, with that instance's own parameters and seed)."""

    source: str
    experiment: Experiment
    description: str
    seeds: tuple[int, ...]
    methods: tuple[str, ...]
    time_limit: float | None
    kill_after: float | None
    grid: tuple  # (name, (values...)) in the experiment's parameter order
    points: tuple = ()  # ((sorted (name, value) pairs), seed) ...

    def grid_points(self) -> list[tuple]:
        """The grid's parameter points, each as sorted (name, value) pairs, as the experiment
        describes them (``Experiment.describes``: points that differ only in parameters that do
        not apply are one point)."""
        names = [name for name, _ in self.grid]
        describes = self.experiment.describes or dict
        points = (describes(dict(zip(names, combo))) for combo in itertools.product(*(v for _, v in self.grid)))
        return list(dict.fromkeys(tuple(sorted(p.items())) for p in points))

    def _pairs(self) -> list[tuple]:
        if self.points:
            return list(self.points)
        points = self.grid_points()
        return [(p, seed) for seed in self.seeds for p in points]

    @cached_property
    def inapplicable(self) -> dict[tuple, str]:
        """(params, method) combinations the experiment does not run, each with its reason."""
        applies = self.experiment.applies
        if applies is None:
            return {}
        points = dict.fromkeys(p for p, _ in self.points) if self.points else self.grid_points()
        out = {}
        for p in points:
            for m in self.methods:
                why = applies(dict(p), m)
                if why is not None:
                    out[(p, m)] = why
        return out

    @property
    def omitted(self) -> dict[str, int]:
        """How many tasks of the grid (or of the points) each reason leaves out."""
        skip = self.inapplicable
        if not skip:
            return {}
        copies = Counter(p for p, _ in self.points) if self.points else None
        out: Counter = Counter()
        for (p, _), why in skip.items():
            out[why] += copies[p] if copies is not None else len(self.seeds)
        return dict(out)

    @property
    def size(self) -> int:
        """The number of tasks (combinations that do not apply are not tasks)."""
        n = len(self.methods) * (len(self.points) or len(self.seeds) * len(self.grid_points()))
        return n - sum(self.omitted.values())

    def tasks(self) -> list[Task]:
        """Every task, seeds outermost: an interrupted sweep has covered the whole grid with
        its first seeds rather than part of it with all of them."""
        skip = self.inapplicable
        return [Task(self.experiment.name, p, seed, method, self.time_limit)
                for p, seed in self._pairs() for method in self.methods if (p, method) not in skip]


def builtin_specs() -> list[str]:
    """Names of the default specs shipped with the package (``slth-verify sweep NAME``)."""
    return sorted(p.stem for p in SPECS_DIR.glob("*.toml"))


def resolve_spec_path(name_or_path: str) -> Path:
    """A spec file, or the built-in spec of that name when no such file exists."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    if p.suffix == "" and (SPECS_DIR / f"{name_or_path}.toml").is_file():
        return SPECS_DIR / f"{name_or_path}.toml"
    raise MissingFileError(f"{name_or_path}: no such spec file (built-in specs: {', '.join(builtin_specs())})")


def seconds(value, where: str) -> float:
    """A positive number of seconds, or an ``InputError`` naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise InputError(f"{where}: expected a positive number of seconds, got {value!r}")
    return float(value)


def default_kill_after(time_limit: float | None) -> float | None:
    """When the local pool kills a task that has a solver time limit: late enough that the
    solver stops itself first, and a construction or proof check after it can finish."""
    return 2 * time_limit + 30 if time_limit is not None else None


def spec_methods(value, exp: Experiment, where: str) -> tuple[str, ...]:
    """A non-empty list of distinct methods of ``exp`` (a single name is a list of one)."""
    methods = [value] if isinstance(value, str) else value
    if not isinstance(methods, list) or not methods or len(set(methods)) != len(methods):
        raise InputError(f"{where}: expected a non-empty list of distinct methods, got {value!r}")
    for m in methods:
        if m not in exp.methods:
            raise InputError(f"{where}: {exp.name} has methods {list(exp.methods)}, got {m!r}")
    return tuple(methods)


def _seeds(value, where: str) -> tuple[int, ...]:
    def seed_ok(s):
        return isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**63

    if seed_ok(value) and value > 0:
        return tuple(range(value))
    if isinstance(value, list) and value and all(seed_ok(s) for s in value):
        if len(set(value)) != len(value):
            raise InputError(f"{where}: the seed list repeats a seed")
        return tuple(value)
    if isinstance(value, dict) and set(value) == {"start", "count"} and seed_ok(value["start"]) \
            and seed_ok(value["count"]) and value["count"] > 0:
        return tuple(range(value["start"], value["start"] + value["count"]))
    raise InputError(f"{where}: expected a positive count, a non-empty list of distinct seeds "
                     f">= 0, or {{start = S, count = N}}, got {value!r}")


def check_fields(data: dict, allowed: set, required: tuple, source: str) -> None:
    """A TOML table's keys: none unknown, none of ``required`` missing (one-line errors)."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(f"{source}: unknown field {unknown[0]!r} (expected {', '.join(sorted(allowed))})")
    for field in required:
        if field not in data:
            raise InputError(f"{source}: missing field {field!r}")


def parse_spec(data: dict, source: str, experiments: dict[str, Experiment]) -> Spec:
    """Validate a parsed spec (module docstring); ``source`` names it in errors."""
    check_fields(data, TOP_LEVEL, ("experiment", "seeds"), source)
    name = data["experiment"]
    if name not in experiments:
        raise InputError(f"{source}: experiment: expected one of {sorted(experiments)}, got {name!r}")
    exp = experiments[name]
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError(f"{source}: description: expected a string, got {description!r}")
    seeds = _seeds(data["seeds"], f"{source}: seeds")
    methods = spec_methods(data.get("methods", [exp.methods[0]]), exp, f"{source}: methods")
    time_limit = check_time_limit(data["time_limit"], f"{source}: time_limit") if "time_limit" in data \
        else exp.default_time_limit
    kill_after = seconds(data["kill_after"], f"{source}: kill_after") if "kill_after" in data \
        else default_kill_after(time_limit)
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise InputError(f"{source}: parameters: expected a table [parameters], got {params!r}")
    unknown = sorted(set(params) - {p.name for p in exp.params})
    if unknown:
        raise InputError(f"{source}: parameters.{unknown[0]}: {name} has no such parameter "
                         f"(it has {', '.join(p.name for p in exp.params)})")
    grid = []
    for p in exp.params:
        where = f"{source}: parameters.{p.name}"
        if p.name not in params:
            if p.default is REQUIRED:
                raise InputError(f"{where}: missing (expected {p.expected()}; a list of them is a grid axis)")
            values = [p.default]
        else:
            raw = params[p.name]
            values = raw if isinstance(raw, list) else [raw]
            if not values:
                raise InputError(f"{where}: an empty list gives no tasks")
        checked = [p.check(v, where) for v in values]
        if len({json.dumps(v) for v in checked}) != len(checked):
            raise InputError(f"{where}: the list repeats a value")
        grid.append((p.name, tuple(checked)))
    size = len(seeds) * len(methods)
    for _, values in grid:
        size *= len(values)
    if size > MAX_TASKS:  # before anything enumerates the grid
        raise InputError(f"{source}: {size:,} tasks; split the sweep (at most {MAX_TASKS:,} per spec)")
    spec = Spec(source, exp, description, seeds, methods, time_limit, kill_after, tuple(grid))
    _check_applicable(spec)
    return spec


def _check_applicable(spec: Spec) -> None:
    """Every method and every listed parameter value must occur in some task that applies: one
    that never does is the spec's mistake, and leaving it out of the spec says so."""
    skip = spec.inapplicable
    if not skip:
        return
    points = spec.grid_points()
    for m in spec.methods:
        why = [skip.get((p, m)) for p in points]
        if all(why):
            raise InputError(f"{spec.source}: methods: {m} applies to no point of the grid: {why[0]}")
    for name, values in spec.grid:
        if len(values) == 1:  # a fixed value is covered by the check of the methods
            continue
        for v in values:
            why = [skip.get((p, m)) for p in points if dict(p)[name] == v for m in spec.methods]
            if not why:
                raise InputError(f"{spec.source}: parameters.{name} = {json.dumps(v)}: {name} applies to "
                                 f"no point of the grid")
            if all(why):
                raise InputError(f"{spec.source}: parameters.{name} = {json.dumps(v)}: no method applies "
                                 f"to it: {why[0]}")


def load_spec(name_or_path: str, experiments: dict[str, Experiment], overrides: dict | None = None) -> Spec:
    """Read and validate a spec file (or a built-in spec by name), with top-level fields
    replaced by ``overrides`` (a command-line ``--time-limit``, say)."""
    path = resolve_spec_path(name_or_path)
    try:
        data = load_toml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    except ValueError as e:  # tomllib.TOMLDecodeError
        raise InputError(f"{path}: not valid TOML: {e}") from None
    return parse_spec({**data, **(overrides or {})}, str(path), experiments)
