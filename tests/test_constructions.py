"""Theorem 1's construction: the pruned random network equals the target, bit for bit."""

from itertools import combinations, product

import numpy as np
import pytest

from tests.test_networks import reference
from verify.constructions import construct_theorem1, theorem1_shapes
from verify.equality import ticket_network
from verify.errors import InputError
from verify.networks import QuantizedNetwork, Rounding, same_outputs
from verify.seeding import as_generator, uniform_ints
from verify.ticket_pipeline import TicketSize


def random_target(widths, k_t, seed, rounding=None):
    rng = as_generator(seed)
    return QuantizedNetwork([uniform_ints(rng, -(1 << k_t), 1 << k_t, a * b).reshape(b, a)
                             for a, b in zip(widths[:-1], widths[1:])], [k_t] * (len(widths) - 1),
                            rounding or Rounding())


def random_network(target, c, k_in, seed):
    rng = as_generator(seed)
    return QuantizedNetwork([uniform_ints(rng, -(1 << k_in), 1 << k_in, r * s).reshape(r, s)
                             for r, s in theorem1_shapes(target, c)], [k_in] * (2 * target.depth))


def grid_inputs(d0, kx):
    points = range(-(1 << kx), (1 << kx) + 1)
    return np.array(list(product(points, repeat=d0)), dtype=np.int64)


@pytest.mark.parametrize("widths, k_t, k_in, k, schedule", [
    ((2, 3), 2, 1, 1, "none"),
    ((2, 3, 2), 3, 3, 2, "double"),
    ((3, 2, 2, 1), 4, 2, 2, "double"),
    ((2, 2, 2), 2, 2, 2, "none"),
])
def test_construction_reproduces_the_target_exactly(widths, k_t, k_in, k, schedule):
    rounding = Rounding() if schedule == "none" else Rounding("double", 2)
    target = random_target(widths, k_t, seed=sum(widths) + k_t, rounding=rounding)
    random = random_network(target, c=48 * k, k_in=k_in, seed=7)  # generous: failures ~never
    built = construct_theorem1(target, random, k)
    assert built.ok, [(c.layer, c.output, c.input, c.branch, c.answer.evidence) for c in built.failures]
    pruned = ticket_network(target, random, built.mask, built.k)
    x = grid_inputs(widths[0], 2)  # every input on the grid 2^-2, negative ones included
    assert same_outputs(target.forward(x, 2), pruned.forward(x, 2)).all()
    for row in x[:: max(1, len(x) // 25)]:  # and an independent straightforward evaluator
        assert reference(target, row, 2) == reference(pruned, row, 2)
    size = TicketSize.of(built.mask, target)
    assert 0 < size.density < 1 and not built.failures


def test_too_small_widths_name_each_missing_subset_exactly():
    target = random_target((2, 2), 4, seed=3)
    random = random_network(target, c=2, k_in=2, seed=5)
    built = construct_theorem1(target, random, 2)
    assert not built.ok
    low = random.lowered(2)
    for choice in built.choices:
        j, o = choice.input, choice.output
        u = low.weights[0][j * 2:(j + 1) * 2, j]
        v = low.weights[1][o, j * 2:(j + 1) * 2]
        units = [h for h in range(2) if (u[h] > 0 if choice.branch == "A" else u[h] < 0)]
        products = [int(v[h]) * int(u[h]) for h in units]
        exists = any(sum(s) == choice.target for r in range(len(products) + 1)
                     for s in combinations(products, r))
        assert choice.answer.status.is_sat == exists
        if not exists:
            assert choice.answer.status.is_certified and choice.answer.evidence


def test_precision_and_shape_mismatches_are_errors():
    target = random_target((2, 2), 4, seed=1)
    random = random_network(target, c=4, k_in=2, seed=2)
    with pytest.raises(InputError, match="δ_in² <= δ² <= δ_t"):
        construct_theorem1(target, random, 1)  # 2k = 2 < k_t = 4
    with pytest.raises(InputError, match="needs depth 2"):
        construct_theorem1(target, QuantizedNetwork(random.weights[:1], [2]), 2)


@pytest.mark.parametrize("widths, bits, schedule", [
    ((2, 2), 2, "none"),
    ((2, 3, 2), 2, "double"),
    ((2, 2, 2, 2), 3, "double"),
])
def test_theorem2_copy_and_combine_reproduces_the_target(widths, bits, schedule):
    from verify.constructions import ConstructionOptions, construct_theorem2
    from verify.generators import theorem2_random_network
    rounding = Rounding() if schedule == "none" else Rounding("double", 2)
    target = random_target(widths, bits, seed=11, rounding=rounding)
    random = theorem2_random_network(target, 48, 24, bits, seed=4)
    built = construct_theorem2(target, random, bits, ConstructionOptions(units=48, copies=24))
    assert built.ok, [(c.layer, c.output, c.input, c.branch, c.answer.evidence) for c in built.failures]
    pruned = ticket_network(target, random, built.mask, built.k)
    assert pruned.depth == target.depth + 1
    x = grid_inputs(widths[0], 2)
    assert same_outputs(target.forward(x, 2), pruned.forward(x, 2)).all()
    for row in x[:: max(1, len(x) // 10)]:
        assert reference(target, row, 2) == reference(pruned, row, 2)


def test_larger_construction_matches_on_thousands_of_random_grid_inputs():
    target = random_target((6, 6, 6), 3, seed=21, rounding=Rounding("double", 3, "toward-zero"))
    random = random_network(target, c=96, k_in=2, seed=22)
    built = construct_theorem1(target, random, 2)
    assert built.ok
    pruned = ticket_network(target, random, built.mask, built.k)  # the target's toward-zero rounding
    x = np.random.default_rng(0).integers(-4, 5, size=(3000, 6))
    assert same_outputs(target.forward(x, 2), pruned.forward(x, 2)).all()
