"""Replaying witnesses in exact integer arithmetic: the check behind every ``sat-verified``.

Pure functions of a problem and a claimed subset; they trust nothing about how it was found.
"""

from __future__ import annotations

import numpy as np

from verify.problems import Problem, VectorSubsetSum


def witness_error(problem: Problem, target, witness) -> str | None:
    """Why ``witness`` (0-based indices) is not a solution for ``target``, or None if it is.

    Checks: distinct integer indices in range, exact sum (coordinate-wise for vectors) with Python
    integers, and the size when the problem fixes one.

    >>> from verify.problems import SubsetSum
    >>> p = SubsetSum(weights=[3, -5, 7], targets=[2])
    >>> witness_error(p, 2, [1, 2]) is None
    True
    >>> witness_error(p, 2, [0, 2])
    'the chosen weights sum to 10, not 2'
    """
    idx = list(witness)
    if any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) for i in idx):
        return "indices must be integers"
    if any(not 0 <= i < problem.n for i in idx):
        return f"an index is outside 0..{problem.n - 1}"
    if len(set(idx)) != len(idx):
        return "an index is repeated"
    if problem.size is not None and len(idx) != problem.size:
        return f"the subset has {len(idx)} elements, not {problem.size}"
    if isinstance(problem, VectorSubsetSum):
        got = tuple(sum(problem.weights[i][j] for i in idx) for j in range(problem.dim))
        want = tuple(target)
    else:
        got, want = sum(problem.weights[int(i)] for i in idx), target
    if got != want:
        return f"the chosen weights sum to {got}, not {want}"
    return None


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
