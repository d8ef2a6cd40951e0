"""Exact, order-preserving sort keys for integer rows whose coordinates lie in known ranges.

Rows (int64, one vector per row) are compared lexicographically, coordinate 0 first. Coordinate
j lies in ``[lo_j, hi_j]``; its offset ``v_j - lo_j`` is a digit in ``[0, r_j)``. Consecutive
coordinates are packed into one word as mixed-radix digits (``Σ offset_j·P_j`` with the *last*
coordinate of the word least significant) while the word's range ``Π r_j`` stays below 2^63, so
a word is an exact int64 and word order is the lexicographic order of its coordinates.

- One word: the key is that int64 (the fast case: NumPy sorts and searches int64 natively).
- Several words: each word is written big-endian unsigned and the row's words are viewed as one
  opaque byte string (``np.void``), whose byte order NumPy compares like ``memcmp``: again the
  lexicographic order of the rows. No combined integer is ever formed, so nothing can overflow.

Keys are only defined for rows inside the ranges (``inside`` says which are); a coordinate whose
own range reaches 2^63 cannot be keyed (``RowKeys.fits`` is False) and the callers fall back to
exact Python integers.
"""

from __future__ import annotations

import numpy as np

from verify.errors import InternalError

WORD_LIMIT = 1 << 63


class RowKeys:
    """Keys for rows with coordinate j in ``[lows[j], highs[j]]`` (see the module docstring).

    >>> k = RowKeys([0, -1], [3, 1])
    >>> rows = np.array([[1, 1], [0, -1], [1, -1], [3, 0]])
    >>> np.argsort(k.keys(rows)).tolist()
    [1, 2, 0, 3]
    """

    def __init__(self, lows, highs):
        self.lows = [int(v) for v in lows]
        self.highs = [int(v) for v in highs]
        spans = [h - lo + 1 for lo, h in zip(self.lows, self.highs)]
        self.fits = all(0 < r < WORD_LIMIT for r in spans) and \
            all(-WORD_LIMIT < v < WORD_LIMIT for v in self.lows + self.highs)
        self.words: list[tuple[list[int], list[int]]] = []  # (coordinates, places) per word
        if not self.fits:
            return
        cols: list[int] = []
        total = 1
        for j, r in enumerate(spans):
            if cols and total * r >= WORD_LIMIT:
                self.words.append(self._places(cols, spans))
                cols, total = [], 1
            cols.append(j)
            total *= r
        self.words.append(self._places(cols, spans))

    @staticmethod
    def _places(cols: list[int], spans: list[int]) -> tuple[list[int], list[int]]:
        places, p = [], 1
        for j in reversed(cols):  # the word's last coordinate is its least significant digit
            places.append(p)
            p *= spans[j]
        return cols, places[::-1]

    @property
    def single(self) -> bool:
        """True when a key is one int64 (else an ``np.void`` of 8 bytes per word)."""
        return len(self.words) == 1

    def inside(self, rows: np.ndarray) -> np.ndarray:
        """Bool per row: every coordinate within its range (only those rows have keys)."""
        lo = np.array(self.lows, dtype=np.int64)
        hi = np.array(self.highs, dtype=np.int64)
        return np.all((rows >= lo) & (rows <= hi), axis=1)

    def _word(self, rows: np.ndarray, cols: list[int], places: list[int]) -> np.ndarray:
        out = np.zeros(rows.shape[0], dtype=np.int64)
        for j, p in zip(cols, places):
            out += (rows[:, j] - np.int64(self.lows[j])) * np.int64(p)
        return out

    def keys(self, rows: np.ndarray) -> np.ndarray:
        """The keys of int64 ``rows`` (shape ``(m, len(lows))``, every row inside the ranges)."""
        if not self.fits:
            raise InternalError("row keys asked for ranges that have no int64 keys (a caller's bug)")
        words = [self._word(rows, c, p) for c, p in self.words]
        if self.single:
            return words[0]
        stacked = np.empty((rows.shape[0], len(words)), dtype=">u8")
        for w, values in enumerate(words):
            stacked[:, w] = values
        return stacked.view(np.dtype((np.void, 8 * len(words)))).ravel()
