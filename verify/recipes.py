"""Random networks stored as their recipe and regenerated on demand, byte for byte.

A random network of Theorem 1 or 2 is i.i.d. uniform weights on a grid: everything about it is
in (seed, shapes, grid). Storing that *recipe* instead of tens of millions of weights makes its
file a few hundred bytes; loading regenerates the weights and checks them against the content
hash the file records.

The stream (version 1): layer ``L`` (0-based) of shape (rows, cols) is cut into blocks of
``block_rows(cols)`` consecutive rows; block ``b`` draws its values, row-major, from its own
``PCG64(SeedSequence(seed, spawn_key=(L, b)))``: each raw 64-bit word is cut into lanes of 4,
8, 16 or 32 bits (the narrowest holding the ``b = bit_length(span - 1)`` bits a value needs),
lowest lane first; a lane's low ``b`` bits are kept when below the span, else skipped (exact
rejection sampling, several values per word). Blocks are independent, so any block can be regenerated alone
and generation runs chunk by chunk in bounded memory; NumPy's compatibility policy fixes both
SeedSequence and PCG64, so the same recipe gives the same weights on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.errors import InputError

STREAM = 1  # bump when the weights a recipe produces change
BLOCK_VALUES = 1 << 20  # values per independent stream (about 8 MB of raw draws)


def block_rows(cols: int) -> int:
    """Rows per independent stream for a layer with ``cols`` columns."""
    return max(1, BLOCK_VALUES // max(1, cols))


def smallest_int_dtype(magnitude: int) -> np.dtype:
    """The smallest signed integer dtype holding every value in [-magnitude, magnitude]
    (symmetric, so negation and abs never overflow)."""
    for dt in (np.int8, np.int16, np.int32, np.int64):
        if magnitude <= np.iinfo(dt).max:
            return np.dtype(dt)
    raise InputError(f"values up to {magnitude} in magnitude do not fit in int64")


def _lane_draws(rng: np.random.Generator, span: int, n: int) -> np.ndarray:
    """``n`` values uniform on 0..span-1 (span <= 2^32), several per raw word (module docstring)."""
    b = max(1, (span - 1).bit_length())
    lane = next(w for w in (4, 8, 16, 32) if b <= w)
    dtype = np.dtype(f"uint{max(lane, 8)}")
    keep = dtype.type((1 << b) - 1)
    out = np.empty(n, dtype=dtype)
    filled = 0
    while filled < n:
        need = n - filled
        words = int(need * (1 << b) / span / (64 // lane) * 1.02) + 2  # ~2% spare: one pass
        raw = rng.bit_generator.random_raw(words)
        if lane == 4:
            octets = raw.view(np.uint8)  # little-endian view: the lowest lane first
            lanes = np.empty(octets.size * 2, dtype=np.uint8)
            lanes[0::2], lanes[1::2] = octets & 15, octets >> 4
        else:
            lanes = raw.astype("<u8").view(dtype)
        lanes &= keep
        good = lanes[lanes < span][:need]
        out[filled:filled + good.size] = good
        filled += good.size
    return out


@dataclass(frozen=True)
class Recipe:
    """Weights i.i.d. uniform on the scaled grid {-2^bits..2^bits} (without 0 if not ``zero``),
    one matrix per shape, from ``seed`` by stream ``stream`` (module docstring)."""

    seed: int
    shapes: tuple[tuple[int, int], ...]
    bits: int
    zero: bool = True
    stream: int = STREAM

    def __post_init__(self):
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise InputError(f"recipe seed: expected an integer >= 0, got {self.seed!r}")
        if isinstance(self.bits, bool) or not isinstance(self.bits, (int, np.integer)) or not 0 <= self.bits <= 30:
            raise InputError(f"recipe bits: expected an integer 0..30, got {self.bits!r}")
        try:
            shapes = tuple((int(r), int(c)) for r, c in self.shapes)
        except (TypeError, ValueError):
            raise InputError(f"recipe shapes: expected pairs of positive integers, got {self.shapes!r}") from None
        if not shapes or any(r < 1 or c < 1 for r, c in shapes):
            raise InputError(f"recipe shapes: expected pairs of positive integers, got {self.shapes!r}")
        if not isinstance(self.zero, bool):
            raise InputError(f"recipe zero: expected true or false, got {self.zero!r}")
        if self.stream != STREAM:
            raise InputError(f"recipe stream: this tool regenerates stream {STREAM}, the file needs "
                             f"stream {self.stream!r} (written by another version of slth-verify)")
        object.__setattr__(self, "shapes", shapes)
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "bits", int(self.bits))

    def to_json(self) -> dict:
        return {"generator": "grid-uniform", "stream": self.stream, "seed": self.seed,
                "shapes": [list(s) for s in self.shapes], "bits": self.bits, "zero": self.zero}

    @classmethod
    def from_json(cls, obj) -> Recipe:
        if not isinstance(obj, dict) or obj.get("generator") != "grid-uniform":
            raise InputError(f"recipe: expected generator 'grid-uniform', got {obj!r:.80}")
        unknown = set(obj) - {"generator", "stream", "seed", "shapes", "bits", "zero"}
        if unknown:
            raise InputError(f"recipe: unknown fields {sorted(unknown)}")
        try:
            return cls(obj["seed"], obj["shapes"], obj["bits"], obj["zero"], obj["stream"])
        except KeyError as e:
            raise InputError(f"recipe: missing field {e}") from None

    @property
    def dtype(self) -> np.dtype:
        return smallest_int_dtype(1 << self.bits)

    def block(self, layer: int, b: int) -> np.ndarray:
        """Block ``b`` of layer ``layer``: an array of shape (rows in the block, cols)."""
        rows, cols = self.shapes[layer]
        per = block_rows(cols)
        n = min(per, rows - b * per)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(layer, b))))
        bound = 1 << self.bits
        if self.zero:
            values = _lane_draws(rng, 2 * bound + 1, n * cols).astype(self.dtype) - bound
        else:  # 2M values: 0..M-1 -> -M..-1 and M..2M-1 -> 1..M
            u = _lane_draws(rng, 2 * bound, n * cols).astype(self.dtype)
            values = np.where(u < bound, u - bound, u - bound + 1).astype(self.dtype)
        return values.reshape(n, cols)

    def layer(self, layer: int) -> np.ndarray:
        """The whole matrix of ``layer``, generated block by block into one array."""
        rows, cols = self.shapes[layer]
        out = np.empty((rows, cols), dtype=self.dtype)
        per = block_rows(cols)
        for b in range(-(-rows // per)):
            out[b * per:(b + 1) * per] = self.block(layer, b)
        return out

    def layers(self) -> list[np.ndarray]:
        return [self.layer(i) for i in range(len(self.shapes))]
