"""Screening a problem before any table or solver: the targets as an array, the cheap
necessary conditions (range, gcd, size range; per coordinate for vector problems) refuting what
they can, and the weights divided by their gcd (per coordinate for vectors) (``Plain``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.prefilter.conditions import Conditions, gcd_of
from verify.prefilter.vector import screen_vectors
from verify.problems import Problem, TargetRange, VectorSubsetSum
from verify.status import Answer, Status


def int_array(values) -> np.ndarray:
    """``values`` as int64 when every one fits with room for sums and differences (below
    2^62), else as exact Python integers (an object array)."""
    arr = np.array(values, dtype=object)
    if arr.size and max(int(arr.max()), -int(arr.min())) < 2**62:
        return arr.astype(np.int64)
    return arr


@dataclass
class Plain:
    """A problem with its targets screened by the cheap conditions and its weights divided by
    their gcd. A vector problem keeps its vectors: ``weights`` are tuples, each coordinate
    divided by its own gcd (``divisors``), ``g`` is 1 and ``scalar`` holds tuples."""

    problem: Problem
    weights: tuple  # ints divided by g, or vectors divided coordinate-wise by ``divisors``
    g: int
    targets: np.ndarray  # the problem's targets as given (int64 or objects; tuples for vectors)
    todo: np.ndarray  # indices of the targets the conditions did not refute
    scalar: np.ndarray  # for each todo index: the target divided by g (a tuple for vectors)
    refuted: dict[int, Answer]  # index -> the refutation of that target
    divisors: tuple[int, ...] = ()  # vector problems: each coordinate's gcd

    @property
    def vector(self) -> bool:
        return isinstance(self.problem, VectorSubsetSum)

    def target(self, i: int):
        """Target ``i`` as the problem states it: an int, or a tuple for a vector problem."""
        t = self.targets[i]
        return t if isinstance(t, tuple) else int(t)


def screen(problem: Problem) -> Plain:
    """The problem's targets with the ones the cheap conditions refute answered
    (``unsat-exhaustive`` by ``range``, ``gcd`` or ``size-range``), the rest left to decide."""
    if isinstance(problem.targets, TargetRange) and max(abs(problem.targets.lo), abs(problem.targets.hi)) < 2**62:
        targets = np.arange(problem.targets.lo, problem.targets.hi + 1, dtype=np.int64)
    elif isinstance(problem, VectorSubsetSum):
        targets = np.empty(problem.num_targets, dtype=object)
        targets[:] = problem.target_list()
    else:
        targets = int_array(problem.target_list())
    if isinstance(problem, VectorSubsetSum):
        return _screen_vectors(problem, targets)
    refuted: dict[int, Answer] = {}
    weights = problem.weights
    candidates = np.arange(len(targets), dtype=np.int64)
    packed = targets
    g = gcd_of(weights)
    conditions = Conditions(weights, problem.size, g)
    ok = (packed >= conditions.lo) & (packed <= conditions.hi)
    if g == 0:
        ok &= packed == 0
    elif g > 1:
        ok &= packed % g == 0
    if problem.size is not None:
        ok &= (packed >= conditions.size_lo) & (packed <= conditions.size_hi)
    ok = ok.astype(bool)
    for i, v in zip(candidates[~ok].tolist(), packed[~ok].tolist()):
        r = conditions.refute(int(v))
        refuted[i] = Answer(int(v), Status.UNSAT_EXHAUSTIVE, r.method, r.evidence)
    divisor = max(g, 1)
    return Plain(problem, tuple(a // divisor for a in weights), divisor, targets,
                  candidates[ok], int_array((packed[ok] // divisor).tolist()), refuted)


def _screen_vectors(problem: VectorSubsetSum, targets: np.ndarray) -> Plain:
    """``screen`` for a vector problem: each coordinate checked and divided on its own
    (``verify.prefilter.vector.screen_vectors``); nothing is packed into one integer."""
    s = screen_vectors(problem.weights, problem.target_list(), problem.size)
    refuted = {i: Answer(problem.targets[i], Status.UNSAT_EXHAUSTIVE, method, evidence)
               for i, (method, evidence) in s.refuted.items()}
    scalar = np.empty(len(s.reduced), dtype=object)
    scalar[:] = s.reduced
    return Plain(problem, s.weights, 1, targets, np.array(s.todo, dtype=np.int64), scalar, refuted,
                 s.divisors)
