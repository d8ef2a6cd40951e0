"""Witnesses for many small subset sums at once: reachable-sum bitsets in a window, vectorized.

The construction of Theorem 1 solves one small subset sum per target weight and branch: for a
784-100-10 target, 158,800 of them, each over about 40 products of a few bits. One Python call
per sum costs more than the sums themselves, so this module runs all of them together in NumPy.

Each row ``b`` is one problem: items ``products[b, :]`` (zero-padded), target ``targets[b]``.
The reachable sums of the first ``m`` items are kept as a bitset over the window
``[-W, W]`` (bit ``s + W``), one row of 64-bit words per problem, and each item shifts every
row by its own product at once. Restricting sums to the window only loses subsets whose
running sum leaves it, so a row found here has a real subset, replayed before it is returned;
a row not found proves nothing and must go to an exact method.
"""

from __future__ import annotations

import numpy as np

WORD = 64


def _shift(bits: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Row-wise shift of multiword bitsets ``bits`` (rows × words, bit i of the row = word
    i // 64, bit i % 64) towards higher bits by ``d[row]`` (negative: lower), zero-filled."""
    rows, words = bits.shape
    if words == 1:
        col = bits[:, 0]
        up = np.where(d >= 0, col << np.minimum(d, WORD - 1).clip(0).astype(np.uint64), 0)
        down = np.where(d < 0, col >> np.minimum(-d, WORD - 1).clip(0).astype(np.uint64), 0)
        out = np.where(np.abs(d) >= WORD, np.uint64(0), up | down)
        return out[:, None]
    # general case: word offset q and bit offset r, gathered from a zero-padded copy
    side = words + 2  # zero words on each side: every gathered index, minus one, stays inside
    pad = np.zeros((rows, words + 2 * side), dtype=np.uint64)
    pad[:, side: side + words] = bits
    q, r = np.divmod(d, WORD)  # d = 64 q + r with 0 <= r < 64 (also for negative d)
    q = np.clip(q, -(words + 1), words + 1)  # beyond that the result is all zero anyway
    idx = np.arange(words)[None, :] + side - q[:, None]
    low = np.take_along_axis(pad, idx, axis=1)
    high = np.take_along_axis(pad, idx - 1, axis=1)
    r = r.astype(np.uint64)[:, None]
    carry = np.where(r == 0, np.uint64(0), high >> (np.uint64(WORD) - r) % np.uint64(WORD))
    return (low << r) | carry


def window_witnesses(products: np.ndarray, targets: np.ndarray, half_width: int | None = None,
                     max_bytes: int = 1 << 28) -> tuple[np.ndarray, np.ndarray]:
    """For each row: a subset of its items whose products sum exactly to its target.

    ``products``: integer array (rows × items), zero where a row has fewer items (a zero item
    is never chosen). ``targets``: one integer per row. Returns ``(found, chosen)``: ``found[b]``
    is True when row b's subset was found (and replayed: ``products[b][chosen[b]]`` sums to
    ``targets[b]`` exactly); ``chosen`` is a bool array of ``products``' shape. A row not found
    may still have a subset whose running sums leave the window [-W, W] (rounded up to whole
    words: the last word's spare bit holds W + 1); ``half_width`` W
    defaults to max(31, max |target|, max |product|). Rows are processed in chunks whose
    bitset history fits ``max_bytes``.

    >>> found, chosen = window_witnesses(np.array([[3, -2, 5], [4, 4, 0]]), np.array([1, 3]))
    >>> found.tolist(), chosen.tolist()
    ([True, False], [[True, True, False], [False, False, False]])
    """
    products = np.asarray(products, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    rows, items = products.shape
    found = np.zeros(rows, dtype=bool)
    chosen = np.zeros((rows, items), dtype=bool)
    if rows == 0:
        return found, chosen
    if half_width is None:
        half_width = max(31, int(np.abs(targets).max()), int(np.abs(products).max(initial=0)))
    words = -(-(2 * half_width + 1) // WORD)
    W = (words * WORD - 1) // 2  # use the whole last word
    per_chunk = max(1, max_bytes // (8 * words * (items + 1)))
    for start in range(0, rows, per_chunk):
        part = slice(start, min(rows, start + per_chunk))
        f, c = _chunk(products[part], targets[part], W, words)
        found[part], chosen[part] = f, c
    sums = np.where(chosen, products, 0).sum(axis=1)
    if not np.array_equal(sums[found], targets[found]):  # replay: never return a wrong subset
        raise AssertionError("window_witnesses: a subset does not replay")
    return found, chosen


def _chunk(products, targets, W, words):
    rows, items = products.shape
    history = np.zeros((items + 1, rows, words), dtype=np.uint64)
    history[0, :, W // WORD] = np.uint64(1) << np.uint64(W % WORD)  # the empty sum, 0
    for m in range(items):
        history[m + 1] = history[m] | _shift(history[m], products[:, m])
    position = targets + W
    inside = (position >= 0) & (position < words * WORD)
    position = np.where(inside, position, 0)
    row_ids = np.arange(rows)

    def has(m, pos):
        word = history[m, row_ids, pos // WORD]
        return ((word >> (pos % WORD).astype(np.uint64)) & np.uint64(1)).astype(bool)

    found = inside & has(items, position)
    chosen = np.zeros((rows, items), dtype=bool)
    for m in range(items - 1, -1, -1):
        # reachable with items < m+1 but not with items < m: item m is in the subset
        use = found & ~has(m, position)
        chosen[:, m] = use
        position = position - np.where(use, products[:, m], 0)
    return found, chosen
