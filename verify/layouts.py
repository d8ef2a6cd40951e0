"""Which of the paper's layouts a (target, random network) pair has, checked in one place.

A target T of depth ℓ meets a random network R of depth 2ℓ (Theorem 1: every target layer is
a pair of random layers, the first with ``c`` hidden units per input), of depth ℓ+1 (Theorem 2:
the first pair realises target layer 1, every later layer copies and combines), or of depth ℓ
(a mask given by hand). The paper's defaults for R's precision, its units per input and its
copies per neuron are here too, so that every command, experiment and demo draws the same R.
"""

from __future__ import annotations

from enum import Enum

from verify.errors import InputError
from verify.networks import QuantizedNetwork, theorem1_shapes


class Layout(str, Enum):
    """How R's layers stand for T's (the value is the word certificates store)."""

    THEOREM1 = "theorem1"  # depth 2ℓ: layers 2i-1 and 2i stand for target layer i
    THEOREM2 = "theorem2"  # depth ℓ+1: layers 1 and 2 stand for target layer 1, layer i+1 for i
    SAME_DEPTH = "same-depth"  # depth ℓ: layer i stands for target layer i


def layout_of(target: QuantizedNetwork, random: QuantizedNetwork) -> Layout:
    """The layout by the depths (2ℓ before ℓ+1: for ℓ = 1 both are 2, and Theorem 1 is meant).

    >>> from verify.networks import QuantizedNetwork
    >>> T = QuantizedNetwork([[[1]]], [1])
    >>> layout_of(T, QuantizedNetwork([[[1]], [[1]]], [1, 1])).value
    'theorem1'
    """
    if random.depth == 2 * target.depth:
        return Layout.THEOREM1
    if random.depth == target.depth + 1:
        return Layout.THEOREM2
    if random.depth == target.depth:
        return Layout.SAME_DEPTH
    raise InputError(f"random network: depth {random.depth} is not 2ℓ, ℓ+1 or ℓ for a target of depth {target.depth}")


def construction_theorem(target: QuantizedNetwork, random: QuantizedNetwork) -> int:
    """1 or 2: the theorem whose construction prunes ``random`` into ``target``, by the depths."""
    if random.depth == 2 * target.depth:
        return 1
    if random.depth == target.depth + 1:
        return 2
    raise InputError(f"random network: the paper's construction needs depth 2ℓ = {2 * target.depth} "
                     f"(Theorem 1) or ℓ+1 = {target.depth + 1} (Theorem 2), got depth {random.depth}")


def single_precision(target: QuantizedNetwork) -> int:
    """k_t, the target's one precision exponent (δ_t = 2^-k_t); the theorems need one."""
    if len(set(target.scales)) != 1:
        raise InputError(f"target scales: expected one precision for all layers, got {list(target.scales)}")
    return target.scales[0]


def theorem1_units(target: QuantizedNetwork, random: QuantizedNetwork) -> int:
    """c, the hidden units per input of a Theorem 1 random network, after checking its depth
    (2ℓ) and every layer's shape (``verify.networks.theorem1_shapes``): the one check of
    Theorem 1's layout, shared by the construction, the searches and the heuristics."""
    if random.depth != 2 * target.depth:
        raise InputError(f"random network: Theorem 1's layout needs depth 2ℓ = {2 * target.depth} "
                         f"(twice the target's), got depth {random.depth}")
    c = random.weights[0].shape[0] // max(1, target.widths[0])
    if c < 1 or [w.shape for w in random.weights] != theorem1_shapes(target, c):
        raise InputError(f"random network shapes: expected {theorem1_shapes(target, max(c, 1))} "
                         f"(Theorem 1 with {max(c, 1)} units per input), got "
                         f"{[w.shape for w in random.weights]}")
    return c


# ----------------------------------------------------------------------- the paper's defaults

def paper_delta_bits(theorem: int, target_bits: int) -> int:
    """k with δ = 2^-k for R's weights: Theorem 1 needs δ² <= δ_t, so ceil(k_t / 2); Theorem 2
    needs δ <= δ_t, so k_t.

    >>> paper_delta_bits(1, 3), paper_delta_bits(2, 3)
    (2, 3)
    """
    return -(-target_bits // 2) if theorem == 1 else target_bits


def paper_units(c: int, bits: int) -> int:
    """Hidden units per input, C·log2(1/δ) with δ = 2^-bits (at least C)."""
    return c * max(bits, 1)


def paper_copies(bits: int) -> int:
    """Theorem 2's copies per hidden neuron, log2(1/δ) with δ = 2^-bits (at least 1)."""
    return max(bits, 1)
