"""Exact reduction of vector subset sum to one dimension (mixed-radix packing).

Coordinate j of any subset sum lies in ``[L_j, U_j]`` (Σ negative / Σ positive entries), a range
of ``r_j = U_j - L_j + 1`` values. Map a vector v to ``Σ_j v_j·P_j`` with ``P_j = Π_{i<j} r_i``.
For any subset, the image of its sum is ``Σ_j s_j P_j = C + Σ_j (s_j - L_j) P_j`` with digits
``s_j - L_j`` in ``[0, r_j)``, which determine s uniquely; so a subset reaches the target t
(inside the box) exactly when its scalar image reaches t's image. The same indices are witnesses
for both, and the 1-D pre-filter decides the vector problem exactly.
"""

from __future__ import annotations

from typing import NamedTuple


class Scalarized(NamedTuple):
    weights: tuple[int, ...]
    targets: list[int | None]  # None: the target leaves the box (refuted by range)
    refutations: list[str | None]  # for None targets: which coordinate is out of range
    scalar_range: int  # number of points of the packed range, Π r_j


def scalarize(weights, targets) -> Scalarized:
    """Pack vector weights and targets into integers (see the module docstring).

    >>> s = scalarize([(1, 0), (0, 1), (1, 1)], [(1, 1), (3, 0)])
    >>> s.weights, s.targets
    ((1, 3, 4), [4, None])
    """
    dim = len(weights[0])
    lows = [sum(min(w[j], 0) for w in weights) for j in range(dim)]
    highs = [sum(max(w[j], 0) for w in weights) for j in range(dim)]
    places, p = [], 1
    for lo, hi in zip(lows, highs):
        places.append(p)
        p *= hi - lo + 1
    packed = tuple(sum(w[j] * places[j] for j in range(dim)) for w in weights)
    out, why = [], []
    for t in targets:
        bad = next((j for j in range(dim) if not lows[j] <= t[j] <= highs[j]), None)
        if bad is None:
            out.append(sum(t[j] * places[j] for j in range(dim)))
            why.append(None)
        else:
            out.append(None)
            why.append(f"coordinate {bad} of the target, {t[bad]}, is outside the reachable range "
                       f"[{lows[bad]}, {highs[bad]}]")
    return Scalarized(packed, out, why, p)
