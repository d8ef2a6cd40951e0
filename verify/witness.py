"""Replaying witnesses in exact integer arithmetic: the check behind every ``sat-verified``.

Pure functions of weights, a target and a claimed subset; they trust nothing about how it was
found. ``*_error`` functions say why a subset is not a solution (None when it is): for
checking input, where a wrong subset is a verdict. ``replay*`` functions raise
``WitnessNotReplayed`` instead: for checking what a method of this tool produced, where a wrong
subset is a bug, whichever method (table, search, solver) produced it.
"""

from __future__ import annotations

import numpy as np

from verify.errors import WitnessNotReplayed
from verify.problems import Problem, VectorSubsetSum


def subset_error(weights, target, indices, size: int | None = None) -> str | None:
    """Why ``indices`` (0-based) do not pick a subset of ``weights`` summing to ``target``, or
    None when they do. Weights are integers, or tuples of integers summed coordinate-wise (a
    vector problem, whose target is then a sequence).

    Checks: distinct integer indices in range, the size when ``size`` is given, and the exact
    sum with Python integers.

    >>> subset_error([3, -5, 7], 2, [1, 2]) is None
    True
    >>> subset_error([3, -5, 7], 2, [0, 2])
    'the chosen weights sum to 10, not 2'
    >>> subset_error([(1, 2), (3, 4)], (4, 6), [0, 1]) is None
    True
    """
    idx = list(indices)
    n = len(weights)
    if any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) for i in idx):
        return "indices must be integers"
    if any(not 0 <= i < n for i in idx):
        return f"an index is outside 0..{n - 1}"
    if len(set(idx)) != len(idx):
        return "an index is repeated"
    if size is not None and len(idx) != size:
        return f"the subset has {len(idx)} elements, not {size}"
    if n and isinstance(weights[0], (tuple, list)):
        got = tuple(sum(weights[int(i)][j] for i in idx) for j in range(len(weights[0])))
        want = tuple(target)
    else:
        got, want = sum(weights[int(i)] for i in idx), target
    if got != want:
        return f"the chosen weights sum to {got}, not {want}"
    return None


def witness_error(problem: Problem, target, witness) -> str | None:
    """Why ``witness`` (0-based indices) is not a solution of ``problem`` for ``target``, or None
    if it is (:func:`subset_error` with the problem's weights and size).

    >>> from verify.problems import SubsetSum
    >>> p = SubsetSum(weights=[3, -5, 7], targets=[2])
    >>> witness_error(p, 2, [1, 2]) is None
    True
    >>> witness_error(p, 2, [0, 2])
    'the chosen weights sum to 10, not 2'
    """
    return subset_error(problem.weights, target, witness, problem.size)


def replay_subset(weights, target, indices, what: str, size: int | None = None) -> tuple[int, ...]:
    """The subset ``indices`` as a tuple of ints, after replaying it (:func:`subset_error`);
    ``WitnessNotReplayed`` naming ``what`` (say ``"the mitm witness for target 5"``) when it
    is not a solution."""
    why = subset_error(weights, target, indices, size)
    if why is not None:
        raise WitnessNotReplayed(f"{what} does not replay in exact integer arithmetic: {why}")
    return tuple(int(i) for i in indices)


def replay_witness(problem: Problem, target, witness, what: str) -> tuple[int, ...]:
    """:func:`replay_subset` with the problem's weights and size.

    >>> from verify.problems import SubsetSum
    >>> replay_witness(SubsetSum(weights=[3, -5, 7], targets=[2]), 2, [0, 2], "the witness")
    Traceback (most recent call last):
    ...
    verify.errors.WitnessNotReplayed: the witness does not replay in exact integer arithmetic: the chosen weights sum to 10, not 2
    """
    return replay_subset(problem.weights, target, witness, what, problem.size)


def replay_rows(weights, chosen: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Vectorized replay: for a bool matrix ``chosen`` (one subset per row) and the targets, which
    rows sum exactly to their target. int64 when ``Σ|a_i| < 2^63`` (no overflow possible),
    Python integers otherwise."""
    weights = list(weights)
    if sum(abs(a) for a in weights) < 2**63 and all(abs(int(t)) < 2**63 for t in (targets.min(), targets.max())):
        sums = np.zeros(chosen.shape[0], dtype=np.int64)
        for column, a in zip(np.ascontiguousarray(chosen.T), weights):  # integer matmul is slow
            if a:
                sums[column] += a
        return sums == targets.astype(np.int64)
    w = np.array(weights, dtype=object)
    return np.array([sum(w[row]) == int(t) for row, t in zip(chosen, targets.tolist())], dtype=bool)


def replay_matrix(problem: Problem, targets: np.ndarray, chosen: np.ndarray, what: str) -> None:
    """Replay one subset per row of the bool matrix ``chosen`` against the matching entry of
    ``targets`` (ints, or tuples for a vector problem), all at once; ``WitnessNotReplayed``
    naming ``what`` (say ``"a cover witness"``) when any row has the wrong size or sum."""
    if not len(targets):
        return
    if problem.size is not None and np.any(chosen.sum(axis=1) != problem.size):
        raise WitnessNotReplayed(f"{what} has the wrong number of elements")
    if isinstance(problem, VectorSubsetSum):
        for j in range(problem.dim):
            coords = [w[j] for w in problem.weights]
            want = np.array([t[j] for t in targets], dtype=object)
            if not replay_rows(coords, chosen, want).all():
                raise WitnessNotReplayed(f"{what} does not replay in exact integer arithmetic (coordinate {j})")
        return
    if not replay_rows(problem.weights, chosen, targets).all():
        raise WitnessNotReplayed(f"{what} does not replay in exact integer arithmetic")
