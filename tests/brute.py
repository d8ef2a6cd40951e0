"""Brute-force references for the tests: enumerate every subset, with nothing clever in it."""

from __future__ import annotations

from itertools import combinations


def all_subsets(n: int):
    for k in range(n + 1):
        yield from combinations(range(n), k)


def subset_table(weights) -> dict:
    """sum -> {size: number of subsets of that size reaching the sum}."""
    table: dict = {}
    for subset in all_subsets(len(weights)):
        s = sum(weights[i] for i in subset)
        by_size = table.setdefault(s, {})
        by_size[len(subset)] = by_size.get(len(subset), 0) + 1
    return table


def vector_table(weights) -> set:
    """The set of reachable vector sums."""
    dim = len(weights[0])
    return {tuple(sum(weights[i][j] for i in subset) for j in range(dim))
            for subset in all_subsets(len(weights))}


def reachable(table, target, size=None) -> bool:
    sizes = table.get(target, {})
    return bool(sizes) if size is None else sizes.get(size, 0) > 0


def count(table, target, size=None) -> int:
    sizes = table.get(target, {})
    return sum(sizes.values()) if size is None else sizes.get(size, 0)


def fewest(table, target):
    sizes = table.get(target, {})
    return min(sizes) if sizes else None
