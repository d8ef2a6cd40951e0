"""The network miter against exhaustive evaluation on the whole input grid."""

import itertools

import numpy as np
import pytest

import verify.miter as miter
from verify.errors import InputError, InternalError
from verify.miter import find_difference
from verify.networks import SCHEDULES, QuantizedNetwork, Rounding, input_grid, same_outputs
from verify.numbers import RoundingMode

MODES = list(RoundingMode)


def random_net(rng, d0, d_out, rounding, weight_range=3, density=0.6):
    depth = int(rng.integers(1, 4))
    widths = [d0] + [int(rng.integers(1, 4)) for _ in range(depth - 1)] + [d_out]
    weights = [rng.integers(-weight_range, weight_range + 1, (widths[i + 1], widths[i]))
               * (rng.random((widths[i + 1], widths[i])) < density) for i in range(depth)]
    return QuantizedNetwork(weights, [int(k) for k in rng.integers(0, 4, depth)], rounding)


def random_rounding(rng, schedule, mode):
    return Rounding(schedule, None if schedule == "none" else int(rng.integers(0, 4)), mode)


def differing_inputs(a, b, bits):
    grid = input_grid(a.widths[0], bits)
    return grid[~same_outputs(a.forward(grid, bits), b.forward(grid, bits))]


def check_against_brute_force(a, b, bits) -> int:
    """Assert the miter agrees with exhaustive evaluation; returns the number of differing inputs."""
    expected = differing_inputs(a, b, bits)
    r = find_difference(a, b, bits, workers=1)
    if len(expected):
        assert r.outcome == "differ", (r, a, b, bits)
        assert any(tuple(row) == r.input for row in expected.tolist())
    else:
        assert r.outcome == "equal-claimed" and r.input is None, (r, a, b, bits)
    return len(expected)


def with_weight(net, layer, row, col, value):
    ws = [np.array(w) for w in net.weights]
    ws[layer][row, col] = value
    return QuantizedNetwork(ws, net.scales, net.rounding)


def perturbed(rng, net):
    """One weight moved by ±1, or another rounding mode or gamma: often equal or nearly."""
    kind = int(rng.integers(0, 3))
    r = net.rounding
    if kind == 1 and r.schedule != "none":
        return QuantizedNetwork(net.weights, net.scales, Rounding(r.schedule, r.gamma, MODES[rng.integers(0, 5)]))
    if kind == 2 and r.schedule != "none":
        return QuantizedNetwork(net.weights, net.scales, Rounding(r.schedule, int(rng.integers(0, 4)), r.mode))
    layer = int(rng.integers(0, net.depth))
    i, j = (int(rng.integers(0, n)) for n in net.weights[layer].shape)
    return with_weight(net, layer, i, j, int(net.weights[layer][i, j]) + int(rng.choice([-1, 1])))


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_miter_agrees_with_brute_force(schedule):
    counts = {"differ": 0, "equal": 0, "single": 0}
    for mode, seed in itertools.product(MODES, range(60)):
        rng = np.random.default_rng([SCHEDULES.index(schedule), MODES.index(mode), seed])
        d0, d_out, bits = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(0, 3))
        a = random_net(rng, d0, d_out, random_rounding(rng, schedule, mode))
        other = SCHEDULES[rng.integers(0, 4)]  # b may use any schedule and mode
        b = random_net(rng, d0, d_out, random_rounding(rng, other, MODES[rng.integers(0, 5)]))
        for y in (b, perturbed(rng, a)):
            n = check_against_brute_force(a, y, bits)
            counts["differ" if n else "equal"] += 1
            counts["single"] += n == 1
    # the loop must exercise both answers and near misses, or it proves little
    assert min(counts.values()) >= 5, counts


def add_zero_neuron(net, layer):
    """A hidden neuron after ``layer`` (0-based) with a zero row and a zero outgoing column."""
    ws = [np.array(w) for w in net.weights]
    ws[layer] = np.vstack([ws[layer], np.zeros((1, ws[layer].shape[1]), dtype=np.int64)])
    ws[layer + 1] = np.hstack([ws[layer + 1], np.zeros((ws[layer + 1].shape[0], 1), dtype=np.int64)])
    return QuantizedNetwork(ws, net.scales, net.rounding)


def split_neuron(rng, net, layer, unit):
    """Neuron ``unit`` of ``layer`` duplicated, its outgoing weights split between the copies:
    the next layer's exact sum is unchanged, whatever the rounding of ``layer``."""
    ws = [np.array(w) for w in net.weights]
    ws[layer] = np.vstack([ws[layer], ws[layer][unit:unit + 1]])
    out = ws[layer + 1][:, unit]
    part = rng.integers(-3, 4, out.shape)
    ws[layer + 1][:, unit] = out - part
    ws[layer + 1] = np.hstack([ws[layer + 1], part[:, None]])
    return QuantizedNetwork(ws, net.scales, net.rounding)


def rescaled_layer(net, layer):
    """Layer ``layer``'s weights doubled with its scale one higher: the same real weights."""
    ws = list(net.weights)
    ws[layer] = ws[layer] * 2
    scales = list(net.scales)
    scales[layer] += 1
    return QuantizedNetwork(ws, scales, net.rounding)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_equal_in_nontrivial_ways(schedule):
    for mode, seed in itertools.product(MODES, range(6)):
        rng = np.random.default_rng([7, SCHEDULES.index(schedule), MODES.index(mode), seed])
        d0, bits = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        a = random_net(rng, d0, int(rng.integers(1, 4)), random_rounding(rng, schedule, mode))
        copies = [a, rescaled_layer(a, int(rng.integers(0, a.depth)))]
        if a.depth > 1:
            layer = int(rng.integers(0, a.depth - 1))
            copies += [add_zero_neuron(a, layer),
                       split_neuron(rng, a, layer, int(rng.integers(0, a.weights[layer].shape[0])))]
        for b in copies:
            assert len(differing_inputs(a, b, bits)) == 0
            r = find_difference(a, b, bits, workers=1)
            assert r.outcome == "equal-claimed" and r.status_name == "INFEASIBLE", (r, a, b)


def one_unit(mode, schedule="double", depth=1):
    return QuantizedNetwork([[[1]]] * depth, [0] * depth, Rounding(schedule, 0, mode))


@pytest.mark.parametrize("m1,m2", list(itertools.combinations(MODES, 2)))
def test_ties_decided_by_the_mode(m1, m2):
    # relu(x) lowered to the integers, x in {-1, -1/2, 0, 1/2, 1}: only x = 1/2 can tell modes
    # apart; without the ReLU x = -1/2 can too
    for schedule, depth in (("triple", 2), ("double", 1)):
        a, b = one_unit(m1, schedule, depth), one_unit(m2, schedule, depth)
        expected = differing_inputs(a, b, 1).tolist()
        assert len(expected) <= (1 if depth == 2 else 2)
        r = find_difference(a, b, 1, workers=1)
        assert r.outcome == ("differ" if expected else "equal-claimed")
        assert r.outcome == "equal-claimed" or list(r.input) in expected


def test_the_single_differing_input_is_found():
    r = find_difference(one_unit("nearest-even", "triple", 2), one_unit("nearest-away", "triple", 2), 1)
    assert (r.outcome, r.input) == ("differ", (1,))
    r = find_difference(one_unit("floor"), one_unit("toward-zero"), 1)
    assert (r.outcome, r.input) == ("differ", (-1,))
    assert r.status_name in ("OPTIMAL", "FEASIBLE") and r.seconds >= 0 and r.detail


def test_outcomes_are_verdicts_not_strings():
    """The miter answers with ``verify.equality.Verdict`` members, which equality passes on."""
    from verify.equality import Verdict, decide_equality

    differ = find_difference(one_unit("floor"), one_unit("toward-zero"), 1)
    same = find_difference(one_unit("floor"), one_unit("floor"), 1)
    assert differ.outcome is Verdict.DIFFER and same.outcome is Verdict.EQUAL_CLAIMED
    assert miter.OUTCOMES == (Verdict.DIFFER, Verdict.EQUAL_CLAIMED, Verdict.UNKNOWN)
    decided = decide_equality(one_unit("floor"), one_unit("toward-zero"), 1, method="miter")
    assert decided.verdict is Verdict.DIFFER and decided.counterexample == (-1,)


def test_different_widths_are_refused():
    a = QuantizedNetwork([[[1, 1]]], [0])
    for b in (QuantizedNetwork([[[1]]], [0]), QuantizedNetwork([[[1, 1], [1, 0]]], [0])):
        with pytest.raises(InputError) as e:
            find_difference(a, b, 1)
        assert "\n" not in str(e.value) and "widths" in str(e.value)


@pytest.mark.parametrize("args", [(1, -1.0, None), (-1, None, None), (True, None, None), (1, None, 0)])
def test_bad_arguments_are_refused(args):
    bits, limit, workers = args
    with pytest.raises(InputError):
        find_difference(one_unit("floor"), one_unit("ceil"), bits, limit, workers)


def test_bounds_beyond_int64_give_unknown():
    big = QuantizedNetwork([[[2**40]], [[2**40]]], [0, 0])
    r = find_difference(big, big, 1)
    assert r.outcome == "unknown" and r.input is None and "2^61" in r.detail
    # lowering by 2^71 needs a coefficient beyond int64, unless the quotient is a constant
    tiny = [[[1]]]
    floor = QuantizedNetwork(tiny, [70], Rounding("double", 0, "floor"))
    zero = QuantizedNetwork([[[0]]], [0])
    assert find_difference(floor, zero, 1).outcome == "unknown"
    nearest = QuantizedNetwork(tiny, [70], Rounding("double", 0, "nearest-even"))
    assert find_difference(nearest, zero, 1).outcome == "equal-claimed"
    # comparing at a common scale multiplies one side by 2^70
    fine = QuantizedNetwork(tiny, [70])
    assert find_difference(fine, QuantizedNetwork(tiny, [0]), 1).outcome == "unknown"


def test_a_time_limit_gives_unknown_never_equal():
    rng = np.random.default_rng(3)
    a = QuantizedNetwork([rng.integers(-8, 9, (12, 6)), rng.integers(-8, 9, (12, 12)), rng.integers(-8, 9, (3, 12))],
                         [3, 3, 3], Rounding("double", 2, "nearest-even"))
    b = split_neuron(rng, a, 1, 4)
    for limit in (0, 1e-9):
        r = find_difference(a, b, 4, time_limit=limit)
        assert r.outcome == "unknown" and r.status_name == "UNKNOWN" and r.input is None


def test_a_replay_that_agrees_is_an_internal_error(monkeypatch):
    from verify.solve.cpsat import CpsatValues
    from verify.solve.outcome import Outcome

    monkeypatch.setattr(miter, "run_values", lambda model, x, limit, workers: CpsatValues(Outcome.SAT, [0], 0.0, "OPTIMAL"))
    with pytest.raises(InternalError, match=r"\[0\]"):
        find_difference(one_unit("floor"), one_unit("toward-zero"), 1)
