"""Screening a problem before any table or solver: the targets as an array, vector problems
packed into one dimension, the cheap necessary conditions (range, gcd, size range) refuting
what they can, and the weights divided by their gcd (``Plain``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.prefilter.conditions import Conditions, gcd_of
from verify.prefilter.vector import scalarize
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
    """A problem reduced to one dimension, its targets screened by the cheap conditions, and its
    weights divided by their gcd."""

    problem: Problem
    weights: tuple[int, ...]  # scalar weights (packed for vectors), divided by g
    g: int
    targets: np.ndarray  # the problem's targets as given (int64 or objects; tuples for vectors)
    todo: np.ndarray  # indices of the targets the conditions did not refute
    scalar: np.ndarray  # for each todo index: the packed target divided by g
    refuted: dict[int, Answer]  # index -> the refutation of that target

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
    refuted: dict[int, Answer] = {}
    if isinstance(problem, VectorSubsetSum):
        s = scalarize(problem.weights, problem.target_list())
        weights = s.weights
        for i, why in enumerate(s.refutations):
            if why is not None:
                refuted[i] = Answer(problem.targets[i], Status.UNSAT_EXHAUSTIVE, "range", why)
        candidates = np.array([i for i, v in enumerate(s.targets) if v is not None], dtype=np.int64)
        packed = int_array([s.targets[i] for i in candidates.tolist()])
    else:
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
        refuted[i] = Answer(problem.targets[i] if isinstance(problem, VectorSubsetSum) else int(v),
                            Status.UNSAT_EXHAUSTIVE, r.method, r.evidence)
    divisor = max(g, 1)
    return Plain(problem, tuple(a // divisor for a in weights), divisor, targets,
                  candidates[ok], int_array((packed[ok] // divisor).tolist()), refuted)
