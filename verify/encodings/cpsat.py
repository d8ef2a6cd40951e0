"""CP-SAT models of subset-sum problems (OR-Tools): building only, no solving.

Conventions:

- One Boolean variable per weight: ``x[i]`` true means weight ``i`` (0-based) is chosen.
- ``build_model(problem, t)`` asks one question, "is ``t`` reachable?": the linear equality
  ``Σ a_i x_i == t`` (one equality per coordinate for vectors), ``Σ x_i == k`` when the problem
  fixes a size ``k``, and ``Minimize(Σ x_i)`` for ``objective: "fewest"``.
- ``build_linked_model(nvars, sums)`` asks "do these subset sums, sharing choices and linked
  by implications, have a common solution?" (optionally with the fewest true variables).
- ``build_reachability_model(problem, targets)`` asks "which of these targets are reachable?" with
  one model: a sum variable ``T = Σ a_i x_i`` (one per coordinate) restricted to the targets not
  yet decided. A solution names one reachable target; ``exclude`` removes found targets from the
  model in place, so the caller re-solves the same model until it is infeasible, which then
  answers every remaining target at once. It has no objective: reachability does not depend on
  one, so its witnesses are not minimal.
- Integers: CP-SAT computes in int64 and rejects a model whose sums could overflow (its
  validator bounds every variable by ``±(2^63 - 1)/2`` and every linear sum by int64). Its
  presolve needs more room than the validator checks: with ``Σ|a_i|`` just below 2^62, a sum
  variable whose domain has holes spanning the whole range made OR-Tools 9.15 reject its own
  presolved model (MODEL_INVALID) in 13 of 60 trials, and in none of 60 at 2^61. Every model
  here therefore requires ``Σ|a_i| < 2^61`` (per coordinate) and ``|t| < 2^61`` for a single
  target, and raises ``InputError`` naming the limit otherwise. The reachability model does
  not reject large targets: one outside the range of all subset sums is unreachable and is
  left out of ``T``.

>>> from verify.problems import SubsetSum
>>> m = build_model(SubsetSum(weights=[3, -5, 7], targets=[2]), 2)
>>> len(m.x), m.has_objective
(3, False)
>>> r = build_reachability_model(SubsetSum(weights=[3, -5, 7], targets=[2]), [2, 5, 99])
>>> r.remaining()
[2, 5]
>>> r.exclude([5]); r.remaining()
[2]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from verify.errors import InputError
from verify.problems import Problem, TargetRange, VectorSubsetSum

INT64_SAFE_BITS = 61
INT64_SAFE = 1 << INT64_SAFE_BITS  # magnitudes must stay strictly below this


@dataclass
class CpsatModel:
    """A CP-SAT model with its choice variables: ``x[i]`` true = weight ``i`` chosen."""

    model: cp_model.CpModel
    x: list
    has_objective: bool


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _columns(problem: Problem) -> list[list[int]]:
    """The weights per coordinate: one column for a scalar problem, ``dim`` for a vector one."""
    if isinstance(problem, VectorSubsetSum):
        return [[w[j] for w in problem.weights] for j in range(problem.dim)]
    return [list(problem.weights)]


def _check_weights(columns: list[list[int]]) -> None:
    for j, col in enumerate(columns):
        total = sum(abs(a) for a in col)
        if total >= INT64_SAFE:
            where = f" in coordinate {j}" if len(columns) > 1 else ""
            raise InputError(f"weights: the sum of |a_i|{where} is {total}, CP-SAT needs it below "
                             f"2^{INT64_SAFE_BITS} (its 64-bit arithmetic must not overflow)")


def _as_tuple(problem: Problem, target, where: str) -> tuple[int, ...]:
    """A target as a tuple of coordinates, validated against the problem's dimension."""
    if isinstance(problem, VectorSubsetSum):
        if not isinstance(target, (list, tuple)) or len(target) != problem.dim \
                or not all(_is_int(v) for v in target):
            raise InputError(f"{where}: expected a vector of {problem.dim} integers, got {target!r}")
        return tuple(target)
    if not _is_int(target):
        raise InputError(f"{where}: expected an integer, got {target!r}")
    return (target,)


def target_key(problem: Problem, target):
    """A target in hashable form after validation: an int for scalar problems, a tuple of ints
    for vector problems (lists are accepted). Raises ``InputError`` on anything else.

    >>> from verify.problems import VectorSubsetSum
    >>> target_key(VectorSubsetSum(weights=[[1, 2]], targets=[[1, 2]]), [1, 2])
    (1, 2)
    """
    t = _as_tuple(problem, target, "target")
    return t if isinstance(problem, VectorSubsetSum) else t[0]


def _choices(model: cp_model.CpModel, problem: Problem) -> list:
    x = [model.new_bool_var(f"x{i}") for i in range(problem.n)]
    if problem.size is not None:
        model.add(sum(x) == problem.size)
    return x


def build_model(problem: Problem, target) -> CpsatModel:
    """The model of "is ``target`` reachable?" (see the module docstring).

    >>> from verify.problems import SubsetSum
    >>> build_model(SubsetSum(weights=[1, 2], targets=[3], objective="fewest"), 3).has_objective
    True
    >>> build_model(SubsetSum(weights=[2**61, 1], targets=[1]), 1)
    Traceback (most recent call last):
    ...
    verify.errors.InputError: weights: the sum of |a_i| is 2305843009213693953, CP-SAT needs it below 2^61 (its 64-bit arithmetic must not overflow)
    """
    columns = _columns(problem)
    _check_weights(columns)
    t = _as_tuple(problem, target, "target")
    for v in t:
        if abs(v) >= INT64_SAFE:
            raise InputError(f"target: |{v}| is not below 2^{INT64_SAFE_BITS}, the limit of CP-SAT's "
                             f"64-bit arithmetic")
    model = cp_model.CpModel()
    x = _choices(model, problem)
    for col, v in zip(columns, t):
        # Zero weights add nothing; leaving them out keeps the constraint small (x_i stays free).
        model.add(sum(a * xi for a, xi in zip(col, x) if a) == v)
    fewest = problem.objective == "fewest"
    if fewest:
        model.minimize(sum(x))
    return CpsatModel(model, x, fewest)


def build_linked_model(nvars: int, sums, minimize: bool = False) -> CpsatModel:
    """Several subset sums over shared Booleans numbered 1..``nvars`` as in a CNF (``x[v - 1]``
    is variable v): for each ``(variables, coefficients, target, implications)`` of ``sums``, in
    order, the sum ``Σ c_j·x[v_j] == target`` (zero coefficients left out), then ``x[a] ⇒ x[b]``
    for each ``(a, b)`` of its implications; with ``minimize`` the objective ``Minimize(Σ x)``.
    The structured family's components (``verify.tickets``) are such models; their CNF numbers
    the same variables.

    >>> m = build_linked_model(3, [([2, 3], [4, -1], 3, [(2, 1), (3, 1)])], minimize=True)
    >>> len(m.x), m.has_objective
    (3, True)
    """
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"v{i + 1}") for i in range(nvars)]
    for variables, coefficients, target, implications in sums:
        model.add(sum(c * x[v - 1] for c, v in zip(coefficients, variables) if c) == target)
        for a, b in implications:
            model.add_implication(x[a - 1], x[b - 1])
    if minimize:
        model.minimize(sum(x))
    return CpsatModel(model, x, minimize)


def _set_repeated(repeated, values) -> None:
    """Replace the contents of a repeated proto field in place (OR-Tools has changed the Python
    proto classes between versions: newer ones have ``clear()``, protobuf ones ``del [:]``)."""
    if hasattr(repeated, "clear"):
        repeated.clear()
    else:  # pragma: no cover - older OR-Tools with google.protobuf messages
        del repeated[:]
    repeated.extend(values)


@dataclass
class ReachabilityModel(CpsatModel):
    """One model for "which targets are reachable?" (see the module docstring).

    ``sums[j]`` is the sum variable of coordinate ``j``; ``bounds[j]`` the range of every subset
    sum there. The open targets are the domain of ``sums[0]`` for a scalar problem (intervals,
    so a long range costs nothing) and the rows of a table constraint on ``sums`` for a vector
    problem.
    """

    sums: list
    bounds: list[tuple[int, int]]
    vector: bool
    _domain: cp_model.Domain | None = None  # scalar: the targets still open
    _table: object = None  # vector: the table constraint listing the targets still open
    _open: set = field(default_factory=set)  # vector: the targets still open
    _closed: bool = False

    @property
    def exhausted(self) -> bool:
        """True when no target is left: the model is then infeasible by construction."""
        return self._closed

    def remaining(self) -> list:
        """The targets still open, sorted (ints for scalar problems, tuples for vectors)."""
        if self._closed:
            return []
        if self.vector:
            return sorted(self._open)
        return [v for lo, hi in _pairs(self._domain.flattened_intervals()) for v in range(lo, hi + 1)]

    def remaining_count(self) -> int:
        if self._closed:
            return 0
        return len(self._open) if self.vector else self._domain.size()

    def exclude(self, found) -> None:
        """Remove ``found`` targets from the model in place (values not open are ignored)."""
        found = list(found)
        if not found or self._closed:
            return
        if self.vector:
            self._open.difference_update(tuple(t) for t in found)
            self._write_vector()
        else:
            gone = cp_model.Domain.from_values(sorted({int(t) for t in found if abs(t) < INT64_SAFE}))
            self._domain = self._domain.intersection_with(gone.complement())
            self._write_scalar()

    def _close(self) -> None:
        # An empty domain would make CP-SAT reject the model (MODEL_INVALID); an empty clause
        # keeps it valid and infeasible, the same way for scalar and vector models.
        self.model.add_bool_or([])
        self._closed = True

    def _write_scalar(self) -> None:
        if self._domain.is_empty():
            self._close()
            return
        var = self.model.proto.variables[self.sums[0].index]
        _set_repeated(var.domain, self._domain.flattened_intervals())

    def _write_vector(self) -> None:
        if not self._open:
            self._close()
            return
        rows = sorted(self._open)
        _set_repeated(self.model.proto.constraints[self._table.index].table.values,
                      [v for row in rows for v in row])
        # Each coordinate's domain is implied by the table; it is stated too, as it costs little.
        for j, var in enumerate(self.sums):
            values = sorted({row[j] for row in rows})
            _set_repeated(self.model.proto.variables[var.index].domain,
                          cp_model.Domain.from_values(values).flattened_intervals())


def _pairs(flat):
    return zip(flat[0::2], flat[1::2])


def build_reachability_model(problem: Problem, targets=None) -> ReachabilityModel:
    """One model answering "which of ``targets`` are reachable?" (default: the problem's targets).

    ``targets`` is an iterable of targets or a ``TargetRange`` (kept as intervals, never
    expanded). Targets outside the range of all subset sums are left out: they are unreachable.

    >>> from verify.problems import VectorSubsetSum
    >>> p = VectorSubsetSum(weights=[[1, 2], [3, -1]], targets=[[4, 1]])
    >>> r = build_reachability_model(p, [[4, 1], [1, 2], [9, 9]])
    >>> r.remaining()
    [(1, 2), (4, 1)]
    """
    columns = _columns(problem)
    _check_weights(columns)
    bounds = [(sum(a for a in col if a < 0), sum(a for a in col if a > 0)) for col in columns]
    if targets is None:
        targets = problem.targets
    model = cp_model.CpModel()
    x = _choices(model, problem)
    vector = isinstance(problem, VectorSubsetSum)
    sums = []
    for j, (col, (lo, hi)) in enumerate(zip(columns, bounds)):
        s = model.new_int_var(lo, hi, f"T{j}")
        model.add(sum(a * xi for a, xi in zip(col, x) if a) == s)
        sums.append(s)
    m = ReachabilityModel(model, x, False, sums, bounds, vector)
    if vector:
        wanted = {_as_tuple(problem, t, "targets") for t in targets}
        m._open = {t for t in wanted if all(lo <= v <= hi for v, (lo, hi) in zip(t, bounds))}
        m._table = model.add_allowed_assignments(sums, sorted(m._open) or [])
        m._write_vector()
        return m
    lo, hi = bounds[0]
    if isinstance(targets, TargetRange):
        a, b = max(lo, targets.lo), min(hi, targets.hi)
        domain = cp_model.Domain(a, b) if a <= b else cp_model.Domain.from_values([])
    else:
        values = {_as_tuple(problem, t, "targets")[0] for t in targets}
        domain = cp_model.Domain.from_values(sorted(v for v in values if lo <= v <= hi))
    m._domain = domain
    m._write_scalar()
    return m
