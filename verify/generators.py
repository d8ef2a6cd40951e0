"""Seeded instance generators: the paper's distributions, planted and near-threshold targets.

Every generator is reproducible bit for bit from (kind, parameters, seed) on any machine (see
``verify.seeding``), and records them in the problem's ``meta`` so a file says how it was made.

Distributions (weights are scaled grid integers, see ``verify.numbers``):

- ``uniform``: i.i.d. uniform on ``{-M..M}`` (``zero=False``: on ``{-M..M} \\ {0}``, Lemma 4's
  distribution). With ``bits=k``, ``M = 2^k``: exactly the grid S_δ, δ = 2^-k, scaled by 1/δ.
  With ``kappa``, ``M = floor(2^(κ n))`` computed exactly, so ``κ = log2(M)/n`` up to the floor.
- ``products``: Lemma 5's branch products. ``n`` pairs ``(u_i, v_i)`` are drawn uniform on
  S_δ; branch A keeps the pairs with ``u_i > 0``, branch B those with ``u_i < 0``, and the weights
  are ``v_i * u_i`` on the grid δ²ℤ ∩ [-1, 1] (scale 2k, ``M = 2^(2k)``). So the number of weights
  is random, about n/2. With ``rejection=True`` each product z is kept with probability
  ``c_min / c(z)`` (``c(z)`` = number of grid pairs with product z), which makes the kept ones
  exactly uniform on ``{-m..m}`` (without 0 when ``zero=False``). The paper's ``M = δ^-2`` is
  not attainable exactly (a prime above 2^k is no product of two grid values), so ``m`` defaults
  to the largest value for which every ``|z| <= m`` is a product; this is a documented choice.

Targets: ``planted`` (the sum of a random subset, recorded in ``meta.planted``; of exactly
``size`` elements when a size is set), ``middle`` (``floor(Σ a_i / 2)``, the centre of the
reachable range, where solutions are most numerous), ``all`` (the range ``{-M..M}``), an integer,
or an inclusive range ``(lo, hi)``.

Memory: ``subset_sum_memory``, ``vector_memory``, ``target_memory`` and ``random_memory``
estimate, from the arguments alone, the peak bytes a generator and the writing of its file hold,
so a caller can refuse a size before drawing anything (``slth-verify generate --memory-budget``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify import __version__
from verify.errors import InputError
from verify.networks import QuantizedNetwork, Rounding, theorem1_shapes, theorem2_shapes
from verify.problems import SubsetSum, TargetRange, VectorSubsetSum
from verify.recipes import BLOCK_VALUES, Recipe, smallest_int_dtype
from verify.seeding import as_generator, fair_bits, random_permutation, uniform_ints

DISTRIBUTIONS = ("uniform", "products")
BRANCHES = ("A", "B")
MAX_REJECTION_BITS = 12  # c(z) is tabulated over 2^(2k+1)+1 products: 2^25 entries at k = 12
MAX_WEIGHT_BITS = 60  # |weights| <= 2^60: the exact draws need the span 2M+1 within 63 bits
# Peak bytes per weight of a subset-sum instance, besides its digits: the int64 draw, a Python
# int and its list slot, the problem's tuple, the canonical and the readable JSON. Measured: peak
# resident memory 110 B a weight at 12 bits and 160 B at 60 bits (n = 10^6 to 10^8, interpreter
# not counted); tracemalloc's peak 155 and 167 B at n = 50,000
INSTANCE_BYTES_PER_WEIGHT = 120
INSTANCE_BYTES_PER_DIGIT = 3  # each decimal digit is held in three texts (str, both JSONs)
TARGET_BYTES_PER_WEIGHT = 32  # int64 draw, raw words, the network's copy (measured: 20-24 B)
RANDOM_BLOCK_BYTES = 16 * BLOCK_VALUES  # one block's raw words, lanes and values while it is drawn


def m_for_kappa(n: int, kappa) -> int:
    """``M = floor(2^(κ·n))`` in exact integer arithmetic (κ as int, Fraction or decimal string).

    >>> m_for_kappa(10, "0.5")
    32
    >>> m_for_kappa(3, "0.5")     # 2^1.5 = 2.83
    2
    """
    try:
        k = Fraction(kappa)
    except (ValueError, TypeError, ZeroDivisionError):
        raise InputError(f"kappa: expected a number, got {kappa!r}") from None
    if k <= 0 or k > 4:
        raise InputError(f"kappa: expected a value in (0, 4], got {kappa}")
    if k * n > MAX_WEIGHT_BITS:  # before the search below, which is slow for a huge κ·n
        raise InputError(f"kappa: M = floor(2^(κ·n)) must fit in {MAX_WEIGHT_BITS} bits, as with bits and M; "
                         f"κ·n = {float(k * n):g} for n = {n}, kappa = {kappa}")
    p, q = (k * n).numerator, (k * n).denominator  # want the largest M with M^q <= 2^p
    lo, hi = 1, 1 << (p // q + 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid**q <= 1 << p:
            lo = mid
        else:
            hi = mid - 1
    return lo


def uniform_weights(rng, n: int, M: int, zero: bool = True) -> list[int]:
    """``n`` i.i.d. integers uniform on ``{-M..M}``, or on ``{-M..M} \\ {0}`` if ``zero=False``."""
    if zero:
        return uniform_ints(rng, -M, M, n).tolist()
    u = uniform_ints(rng, 0, 2 * M - 1, n)  # 2M values: map 0..M-1 -> -M..-1, M..2M-1 -> 1..M
    return np.where(u < M, u - M, u - M + 1).tolist()


def wide_uniform_weights(rng, n: int, M: int, zero: bool = True) -> list[int]:
    """``n`` i.i.d. integers uniform on ``{-M..M}`` (without 0 if ``zero=False``) for any ``M``,
    beyond ``2^MAX_WEIGHT_BITS`` too (the frontier suites' κ ≈ 1 at n > 60): each draw joins
    enough raw 64-bit words into one integer of the span's bit length and is redrawn when it is
    not below the span (exact rejection, as ``uniform_ints``). Python integers, one at a time:
    meant for tens to thousands of weights.

    >>> w = wide_uniform_weights(as_generator(1), 4, 2**70)
    >>> w == wide_uniform_weights(as_generator(1), 4, 2**70), all(abs(x) <= 2**70 for x in w)
    (True, True)
    """
    span = 2 * M + (1 if zero else 0)
    bits = max(span - 1, 1).bit_length()
    words = -(-bits // 64)
    out = []
    while len(out) < n:
        raw = rng.bit_generator.random_raw(words).tolist()
        value = sum(int(w) << (64 * i) for i, w in enumerate(raw)) & ((1 << bits) - 1)
        if value < span:
            out.append(value - M if zero or value < M else value - M + 1)
    return out


def product_counts(k: int, zero: bool = True) -> np.ndarray:
    """``c(z)``: for each product ``z`` in ``-4^k..4^k`` (index ``z + 4^k``), the number of grid
    pairs ``(u, v)`` with ``u`` in ``1..2^k`` and ``v`` in S_δ (without 0 if ``zero=False``) and
    ``u*v = z``. Branch B has the same counts (negate v)."""
    if k > MAX_REJECTION_BITS:
        raise InputError(f"bits: rejection sampling tabulates 2^(2k+1) products; "
                         f"expected k <= {MAX_REJECTION_BITS}, got {k}")
    B = 1 << k
    u = np.arange(1, B + 1, dtype=np.int64)
    v = np.arange(-B, B + 1, dtype=np.int64)
    if not zero:
        v = v[v != 0]
    z = np.multiply.outer(u, v).ravel()
    return np.bincount(z + B * B, minlength=2 * B * B + 1)


def default_uniform_bound(counts: np.ndarray, zero: bool) -> int:
    """Largest ``m`` such that every ``z`` with ``|z| <= m`` (``z != 0`` without zero) has
    ``c(z) > 0``."""
    c0 = (counts.size - 1) // 2
    m = 0
    while m + 1 <= c0 and counts[c0 + m + 1] > 0 and counts[c0 - m - 1] > 0:
        m += 1
    return m


def product_weights(rng, pairs: int, k: int, branch: str = "A", zero: bool = True,
                    rejection: bool = False, uniform_bound: int | None = None) -> tuple[list[int], dict]:
    """Lemma 5's branch products ``v_i * u_i`` at scale 2k (see the module docstring).

    Returns the weights and a dict of provenance (which pairs were kept, the rejection bound).

    Seven parameters, no record: the generator, the draw's size and grid and the branch are
    what every caller passes; the rest are defaults the subset-sum generator forwards.
    """
    if branch not in BRANCHES:
        raise InputError(f"branch: expected 'A' or 'B', got {branch!r}")
    B = 1 << k
    u = np.array(uniform_weights(rng, pairs, B, zero), dtype=np.int64)
    v = np.array(uniform_weights(rng, pairs, B, zero), dtype=np.int64)
    keep = u > 0 if branch == "A" else u < 0
    z = (u * v)[keep]
    kept_pairs = np.flatnonzero(keep)
    info = {"pairs": pairs, "branch": branch, "kept_pairs": int(kept_pairs.size)}
    if rejection:
        counts = product_counts(k, zero)
        m = default_uniform_bound(counts, zero) if uniform_bound is None else uniform_bound
        c0 = B * B
        window = np.arange(-m, m + 1)
        if not zero:
            window = window[window != 0]
        if m < 1 or m > c0 or np.any(counts[window + c0] == 0):
            raise InputError(f"uniform bound: every product in -{m}..{m} must be attainable; "
                             f"the largest such bound at bits={k} is {default_uniform_bound(counts, zero)}")
        c_min = int(counts[window + c0].min())
        accepted = []
        for zi in z.tolist():
            if abs(zi) > m or (zi == 0 and not zero):
                continue
            if int(uniform_ints(rng, 0, int(counts[zi + c0]) - 1, 1)[0]) < c_min:
                accepted.append(zi)
        info.update({"rejection": True, "uniform_bound": m, "accepted": len(accepted)})
        return accepted, info
    return z.tolist(), info


def planted_subset(rng, n: int, size: int | None) -> list[int]:
    """A random subset of ``0..n-1``: each index with probability 1/2, or exactly ``size`` of
    them uniformly when ``size`` is given. Returned sorted."""
    if size is None:
        return np.flatnonzero(fair_bits(rng, n)).tolist()
    return sorted(random_permutation(rng, n)[:size].tolist())


def _provenance(generator: str, params: dict, seed) -> dict:
    return {"generator": generator, "params": params, "seed": seed,
            "tool": f"slth-verify {__version__}"}


def _resolve_bound(n: int, bits: int | None, M: int | None, kappa) -> tuple[int, dict]:
    given = [x is not None for x in (bits, M, kappa)]
    if sum(given) != 1:
        raise InputError("weight range: give exactly one of bits, M or kappa")
    if bits is not None:
        if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits <= MAX_WEIGHT_BITS:
            raise InputError(f"bits: expected an integer in 0..{MAX_WEIGHT_BITS}, got {bits!r}")
        return 1 << bits, {"bits": bits}
    if M is not None:
        if isinstance(M, bool) or not isinstance(M, int) or not 1 <= M <= 2**MAX_WEIGHT_BITS:
            raise InputError(f"M: expected an integer in 1..2^{MAX_WEIGHT_BITS}, got {M!r}")
        return M, {"M": M}
    return m_for_kappa(n, kappa), {"kappa": str(kappa)}


def _coefficient_range(coefficients, zero: bool) -> tuple[int, int]:
    """``(lo, hi)`` checked: integers, lo <= hi, within the weights' bit limit, no ``zero=False``."""
    try:
        lo, hi = coefficients
    except (TypeError, ValueError):
        raise InputError(f"coefficients: expected a pair lo..hi, got {coefficients!r}") from None
    limit = 2 ** MAX_WEIGHT_BITS
    if any(isinstance(x, bool) or not isinstance(x, int) for x in (lo, hi)) or not -limit <= lo <= hi <= limit:
        raise InputError(f"coefficients: expected integers lo <= hi within ±2^{MAX_WEIGHT_BITS}, got {lo!r}..{hi!r}")
    if not zero:
        raise InputError("coefficients: a coefficient range includes its own choice of 0; drop --no-zero")
    return lo, hi


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name}: expected a positive integer, got {value!r}")
    return value


def _weights_memory(count: int, magnitude: int) -> int:
    digits = magnitude.bit_length() * 30103 // 100000 + 2  # decimal digits of the magnitude, and a sign
    return count * (INSTANCE_BYTES_PER_WEIGHT + INSTANCE_BYTES_PER_DIGIT * digits)


def subset_sum_memory(n: int, *, bits: int | None = None, M: int | None = None, kappa=None,
                      distribution: str = "uniform", rejection: bool = False) -> int:
    """About the peak bytes of ``subset_sum_instance`` with these arguments and of writing its
    file, from the arguments alone (invalid ones raise the generator's own errors)."""
    _count(n, "n")
    if distribution != "products":
        return _weights_memory(n, _resolve_bound(n, bits, M, kappa)[0])
    if bits is None or M is not None or kappa is not None:
        return 0  # subset_sum_instance refuses these, saying why
    _resolve_bound(1, bits, None, None)
    table = 3 * 8 * ((1 << (2 * bits + 1)) + 1) if rejection and bits <= MAX_REJECTION_BITS else 0
    # branch A or B keeps about half of the n pairs; the pairs themselves are two int64 arrays
    return _weights_memory(n // 2 + 1, 1 << (2 * bits)) + 2 * 8 * n + table


def vector_memory(n: int, dim: int, *, bits: int, coefficients=None) -> int:
    """About the peak bytes of ``vector_instance`` (n vectors of ``dim`` coordinates) and of
    writing its file, from the arguments alone."""
    coordinates = _count(n, "n") * _count(dim, "dim")
    magnitude = (_resolve_bound(1, bits, None, None)[0] if coefficients is None
                 else max(abs(x) for x in _coefficient_range(coefficients, True)))
    return _weights_memory(coordinates, magnitude) + n * (56 + 8 * dim)


def target_memory(widths) -> int:
    """About the peak bytes of ``target_network`` for these widths."""
    widths = [int(w) for w in widths]
    return TARGET_BYTES_PER_WEIGHT * sum(a * b for a, b in zip(widths[:-1], widths[1:]))


def random_memory(shapes, bits: int) -> int:
    """About the peak bytes of drawing, hashing and writing a random network of these layer
    shapes on the grid 2^-bits: its weights in the smallest integer type, twice (measured: 1.9
    and 3.9 B a weight at 1 and 2 bytes each), and one block of draws."""
    _resolve_bound(1, bits, None, None)
    itemsize = smallest_int_dtype(1 << bits).itemsize
    return 2 * itemsize * sum(r * c for r, c in shapes) + RANDOM_BLOCK_BYTES


@dataclass(frozen=True)
class SubsetSumOptions:
    """How :func:`subset_sum_instance` draws an instance (``generate subset-sum``'s options; the
    module docstring says what each means). The weight grid: at most one of ``bits`` (weights on
    ``{-2^bits..2^bits}``), ``M`` (on ``{-M..M}``) and ``kappa`` (M from the density κ), or
    ``bits`` alone for ``products``; ``zero``: 0 may be drawn; ``distribution``: ``uniform`` or
    ``products`` (with ``branch`` A or B and ``rejection`` sampling); ``target``: ``planted``,
    ``middle``, ``all``, an integer or a (lo, hi) range; ``size``: a fixed subset size;
    ``objective``: None or ``fewest``. Checked when used, with one-line ``InputError``."""

    bits: int | None = None
    M: int | None = None
    kappa: str | int | None = None
    zero: bool = True
    distribution: str = "uniform"
    branch: str = "A"
    rejection: bool = False
    target: object = "planted"
    size: int | None = None
    objective: str | None = None


def subset_sum_instance(n: int, options: SubsetSumOptions = SubsetSumOptions(), seed: int = 0) -> SubsetSum:
    """A seeded subset-sum instance drawn as ``options`` say (see the module docstring).

    ``n`` is the number of weights (``uniform``) or of random pairs drawn (``products``);
    ``seed`` an int or a ``numpy.random.Generator``.

    >>> p = subset_sum_instance(8, SubsetSumOptions(bits=4), seed=3)
    >>> p == subset_sum_instance(8, SubsetSumOptions(bits=4), seed=3)
    True
    >>> p.sha256 == subset_sum_instance(8, SubsetSumOptions(bits=4), seed=4).sha256
    False
    """
    o = options
    bits, M, kappa, zero, distribution, branch = o.bits, o.M, o.kappa, o.zero, o.distribution, o.branch
    rejection, target, size, objective = o.rejection, o.target, o.size, o.objective
    _count(n, "n")
    if distribution not in DISTRIBUTIONS:
        raise InputError(f"distribution: expected one of {list(DISTRIBUTIONS)}, got {distribution!r}")
    rng = as_generator(seed)
    params = {"n": n, "zero": zero, "distribution": distribution}
    if distribution == "uniform":
        bound, info = _resolve_bound(n, bits, M, kappa)
        params.update(info)
        params["M"] = bound
        weights = uniform_weights(rng, n, bound, zero)
    else:
        if bits is None or M is not None or kappa is not None:
            raise InputError("products: give bits (the grid S_δ, δ = 2^-bits, of u and v), not M or kappa")
        bound = 1 << (2 * bits)
        weights, info = product_weights(rng, n, bits, branch, zero, rejection)
        params.update({"bits": bits, "M": bound, **info})
        if not weights:
            raise InputError(f"products: no weight survived (pairs={n}, branch {branch}); draw more pairs")
    extra_meta = {}
    if size is not None and not (isinstance(size, int) and 0 <= size <= len(weights)):
        raise InputError(f"size: expected an integer in 0..{len(weights)}, got {size!r}")
    if target == "planted":
        chosen = planted_subset(rng, len(weights), size)
        targets = [sum(weights[i] for i in chosen)]
        extra_meta["planted"] = chosen
    elif target == "middle":
        targets = [sum(weights) // 2]
    elif target == "all":
        targets = TargetRange(-bound, bound)
    elif isinstance(target, tuple):
        targets = TargetRange(*target)
    elif isinstance(target, int) and not isinstance(target, bool):
        targets = [target]
    else:
        raise InputError(f"target: expected planted, middle, all, an integer or lo:hi, got {target!r}")
    params.update({"target": target if not isinstance(target, tuple) else list(target),
                   "size": size, "objective": objective})
    meta = _provenance("subset-sum", params, seed)
    meta.update(extra_meta)
    return SubsetSum(weights=weights, targets=targets, size=size, objective=objective, meta=meta)


def vector_instance(n: int, dim: int, *, bits: int, zero: bool = True, target="planted",
                    size: int | None = None, seed: int = 0, coefficients=None) -> VectorSubsetSum:
    """A seeded vector instance: ``n`` weight vectors of dimension ``dim``, coordinates i.i.d.
    uniform on ``{-2^bits..2^bits}`` (without 0 if ``zero=False``), or on ``{lo..hi}`` when
    ``coefficients = (lo, hi)`` is given (then ``bits`` is ignored and ``zero`` must be True):
    ``coefficients=(0, 200), target="middle"`` is a market-split-shaped instance.

    ``target``: ``planted``, ``middle`` (coordinate-wise ``floor(Σ/2)``) or a tuple of ints.

    Eight parameters, no record: ``n``, ``dim`` and ``bits`` make the instance, the rest are
    keyword-only with defaults (``verify.generation.VectorRequest`` is the CLI's record).
    """
    _count(n, "n")
    _count(dim, "dim")
    rng = as_generator(seed)
    if coefficients is None:
        bound, info = _resolve_bound(n, bits, None, None)
        flat = uniform_weights(rng, n * dim, bound, zero)
    else:
        lo, hi = _coefficient_range(coefficients, zero)
        bound, info = max(-lo, hi), {"coefficients": [lo, hi]}
        flat = uniform_ints(rng, lo, hi, n * dim).tolist()
    weights = [flat[i * dim:(i + 1) * dim] for i in range(n)]
    extra_meta = {}
    if target == "planted":
        chosen = planted_subset(rng, n, size)
        targets = [[sum(weights[i][j] for i in chosen) for j in range(dim)]]
        extra_meta["planted"] = chosen
    elif target == "middle":
        targets = [[sum(w[j] for w in weights) // 2 for j in range(dim)]]
    elif isinstance(target, (tuple, list)) and len(target) == dim:
        targets = [list(target)]
    else:
        raise InputError(f"target: expected planted, middle or {dim} comma-separated integers, got {target!r}")
    params = {"n": n, "dim": dim, "zero": zero, **info, "M": bound,
              "target": target if isinstance(target, str) else list(target), "size": size}
    meta = _provenance("vector-subset-sum", params, seed)
    meta.update(extra_meta)
    return VectorSubsetSum(weights=weights, targets=targets, size=size, meta=meta)


def target_network(widths, bits: int, seed: int = 0, rounding=None):
    """A seeded target network: weights i.i.d. uniform on S_δ_t (δ_t = 2^-bits, scaled), one
    matrix per consecutive pair of ``widths`` (d_0, d_1, ..., d_ℓ)."""
    widths = [int(w) for w in widths]
    if len(widths) < 2 or any(w < 1 for w in widths):
        raise InputError(f"widths: expected at least two positive widths, got {widths}")
    _resolve_bound(1, bits, None, None)
    rng = as_generator(seed)
    bound = 1 << bits
    layers = [uniform_ints(rng, -bound, bound, a * b).reshape(b, a) for a, b in zip(widths[:-1], widths[1:])]
    return QuantizedNetwork(layers, [bits] * len(layers), rounding or Rounding())


def theorem1_random_network(target, units_per_input: int, bits: int, seed: int = 0, zero: bool = True):
    """The random network of Theorem 1 for ``target``: depth 2ℓ, layer 2i-1 of shape
    (c·d_{i-1}) × d_{i-1} and layer 2i of shape d_i × (c·d_{i-1}), c = ``units_per_input``,
    weights i.i.d. uniform on S_δ_in (δ_in = 2^-bits; without 0 if ``zero=False``), drawn by
    ``verify.recipes`` (so the network is stored as its recipe and regenerated on load)."""
    if isinstance(units_per_input, bool) or not isinstance(units_per_input, int) or units_per_input < 1:
        raise InputError(f"units per input: expected a positive integer, got {units_per_input!r}")
    _resolve_bound(1, bits, None, None)
    return QuantizedNetwork.from_recipe(Recipe(seed, theorem1_shapes(target, units_per_input), bits, zero))


def theorem2_random_network(target, units_per_input: int, copies: int, bits: int, seed: int = 0,
                            zero: bool = False):
    """The random network of Theorem 2 for ``target`` (depth ℓ+1, shapes of
    ``verify.networks.theorem2_shapes``), weights i.i.d. uniform on S_δ_in without 0 by
    default (the theorem's grid), drawn by ``verify.recipes``. ``copies`` is a parameter: the
    paper's log2(1/δ) sits at the threshold κ = 1 itself."""
    for name, v in (("units per input", units_per_input), ("copies", copies)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InputError(f"{name}: expected a positive integer, got {v!r}")
    _resolve_bound(1, bits, None, None)
    return QuantizedNetwork.from_recipe(Recipe(seed, theorem2_shapes(target, units_per_input, copies), bits, zero))
