"""The construction on conv, dense and residual targets: pruned networks equal to the target on
every input of a tiny grid, the collapse proof agreeing with exhaustive evaluation, tampered
masks rejected, failures named per kernel entry and branch."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from verify.architectures import architecture_from_json
from verify.conv_constructions import (collapse, construct_conv, exhaustive, pairing, random_architecture)
from verify.conv_networks import draw_network
from verify.equality import Verdict
from verify.errors import InputError

SPEC = {"input": [1, 2, 2], "layers": [
    {"type": "conv", "out_channels": 2, "kernel": 2, "padding": 1, "bits": 2},
    {"type": "relu"},
    {"type": "residual", "layers": [{"type": "conv", "out_channels": 2, "kernel": 1, "bits": 1, "gamma": 1},
                                    {"type": "relu"}]},
    {"type": "conv", "out_channels": 1, "kernel": 1, "stride": 2, "bits": 1},
    {"type": "flatten"},
    {"type": "dense", "out": 2, "bits": 2, "gamma": 0, "mode": "floor"},
]}


@pytest.fixture(scope="module", params=[("unstructured", 48), ("structured", 80)])
def built(request):
    layout, units = request.param
    arch = architecture_from_json(SPEC)
    target = draw_network(arch, 1)
    random = draw_network(random_architecture(arch, units, 1, layout), 7)
    return target, random, construct_conv(target, random), layout


def test_the_construction_succeeds_and_its_network_equals_the_target_everywhere_on_a_grid(built):
    target, random, c, layout = built
    assert c.ok and c.pairing.layout == layout
    assert exhaustive(target, random.pruned(c.mask), 1).verdict is Verdict.EQUAL  # 5^4 inputs
    proof = collapse(target, random, c.mask)
    assert proof.verdict is Verdict.EQUAL and proof.domain == "all real inputs"


def test_every_kept_first_layer_channel_reads_one_entry(built):
    _, _, c, _ = built
    for first in c.mask[0::2]:
        flat = first.reshape(first.shape[0], -1)
        assert (flat.sum(axis=1) <= 1).all()


def test_every_choice_replays(built):
    target, random, c, layout = built
    for choice in c.choices:
        assert choice.answer.status.is_sat
        u = random.weights[2 * choice.layer - 2]
        v = random.weights[2 * choice.layer - 1]
        if u.ndim == 2:  # dense: one input column
            total = sum(int(v[choice.output, h]) * int(u[h, choice.entry[0]]) for h in choice.units)
        elif layout == "unstructured":
            i, a, b = choice.entry
            total = sum(int(v[choice.output, h, 0, 0]) * int(u[h, i, a, b]) for h in choice.units)
        else:
            i = choice.entry[0]
            total = tuple(sum(int(u[h, i, 0, 0]) * int(v[choice.output, h].ravel()[e]) for h in choice.units)
                          for e in range(v.shape[2] * v.shape[3]))
        assert total == choice.target


def _used(random, mask, j):
    """Hidden channels of pair j with a kept nonzero first-layer weight and a kept nonzero
    second-layer weight: removing either changes the pair's summed products."""
    u = (mask[2 * j] & (random.weights[2 * j] != 0)).reshape(mask[2 * j].shape[0], -1).any(axis=1)
    v = mask[2 * j + 1] & (random.weights[2 * j + 1] != 0)
    return u & v.reshape(v.shape[0], v.shape[1], -1).any(axis=(0, 2))


def test_a_tampered_mask_is_not_collapsed(built):
    target, random, c, _ = built
    for j in range(len(c.mask) // 2):
        h = int(np.argwhere(_used(random, c.mask, j))[0, 0])
        first = [m.copy() for m in c.mask]
        first[2 * j][h] = False  # the channel reads nothing now
        assert collapse(target, random, first).verdict is Verdict.NOT_APPLICABLE
        second = [m.copy() for m in c.mask]
        second[2 * j + 1][:, h] = False  # nothing reads the channel now
        assert collapse(target, random, second).verdict is Verdict.NOT_APPLICABLE
        extra = [m.copy() for m in c.mask]
        extra[2 * j][h] |= random.weights[2 * j][h] != 0  # the channel reads every entry it can
        if extra[2 * j][h].sum() > 1:
            assert collapse(target, random, extra).verdict is Verdict.NOT_APPLICABLE


def test_collapse_is_sound_on_random_masks(built):
    target, random, c, _ = built
    rng = np.random.default_rng(0)
    for _ in range(5):
        mask = [m ^ (rng.random(m.shape) < 0.01) for m in c.mask]
        if collapse(target, random, mask).equal:
            assert exhaustive(target, random.pruned(mask), 1).equal


@pytest.mark.parametrize("layout, units", [("unstructured", 40), ("structured", 100)])
def test_a_tampered_mask_of_one_conv_differs_on_the_grid(layout, units):
    arch = architecture_from_json({"input": [1, 2, 2], "layers": [
        {"type": "conv", "out_channels": 1, "kernel": 2, "padding": 1, "bits": 1}]})
    target = draw_network(arch, 3)
    random = draw_network(random_architecture(arch, units, 1, layout), 4)
    c = construct_conv(target, random)
    assert c.ok and exhaustive(target, random.pruned(c.mask), 0).verdict is Verdict.EQUAL
    mask = [m.copy() for m in c.mask]
    mask[1][tuple(np.argwhere(mask[1] & (random.weights[1] != 0))[0])] = False
    got = exhaustive(target, random.pruned(mask), 0)
    assert got.verdict is Verdict.DIFFER
    x = np.array(got.counterexample).reshape(1, 1, 2, 2)
    a, b = target.forward(x, 0), random.pruned(mask).forward(x, 0)
    assert (a[0] * 2 ** b[1] != b[0] * 2 ** a[1]).any()


def test_a_first_layer_channel_reading_two_entries_is_not_collapsed(built):
    target, random, c, _ = built
    mask = [m.copy() for m in c.mask]
    h = int(np.argwhere(mask[0].reshape(mask[0].shape[0], -1).any(axis=1))[0, 0])
    mask[0][h] = random.weights[0][h] != 0
    if mask[0][h].sum() > 1:
        assert "first-layer weights" in collapse(target, random, mask).detail


def test_failures_name_the_kernel_entry_and_branch():
    arch = architecture_from_json(SPEC)
    target = draw_network(arch, 1)
    random = draw_network(random_architecture(arch, 1, 1), 7)  # one unit per entry: too few
    c = construct_conv(target, random)
    assert not c.ok
    first = c.failures[0]
    assert first.answer.status.value.startswith("unsat") and first.branch in "AB"
    assert "entry (" in first.describe() and f"layer {first.layer}" in first.describe()


def test_a_random_network_of_another_architecture_is_refused():
    arch = architecture_from_json(SPEC)
    target = draw_network(arch, 1)
    with pytest.raises(InputError, match="weighted layers"):
        pairing(target, target)
    other = architecture_from_json({**SPEC, "layers": [{**SPEC["layers"][0], "out_channels": 3}]})
    one = architecture_from_json({**SPEC, "layers": SPEC["layers"][:1]})
    with pytest.raises(InputError, match="not the construction.s for this target"):
        pairing(draw_network(other, 1), draw_network(random_architecture(one, 4, 1), 1))
    with pytest.raises(InputError, match="δ² <= δ_t"):
        pairing(target, draw_network(random_architecture(arch, 4, 0), 1))


def test_random_architecture_arguments():
    arch = architecture_from_json(SPEC)
    with pytest.raises(InputError, match="layout"):
        random_architecture(arch, 4, 1, "diagonal")
    with pytest.raises(InputError, match="units"):
        random_architecture(arch, 0, 1)
    with pytest.raises(InputError, match="random bits"):
        random_architecture(arch, 4, [1, 1])


def test_a_first_1x1_conv_is_paired_in_either_layout():
    arch = architecture_from_json({"input": [1, 2, 2], "layers": [
        {"type": "conv", "out_channels": 1, "kernel": 1, "bits": 1}, {"type": "relu"},
        {"type": "conv", "out_channels": 1, "kernel": 2, "padding": 1, "bits": 1}]})
    target = draw_network(arch, 2)
    for layout, units in (("unstructured", 40), ("structured", 100)):
        random = draw_network(random_architecture(arch, units, 1, layout), 3)
        p = pairing(target, random)
        assert (p.layout, p.units) == (layout, units)
        c = construct_conv(target, random)
        assert c.ok and collapse(target, random, c.mask).equal
        assert exhaustive(target, random.pruned(c.mask), 1).equal


def test_a_random_network_over_the_budget_is_refused_before_drawing():
    from verify.conv_constructions import random_network_for
    from verify.errors import BudgetExceeded

    target = draw_network(architecture_from_json(SPEC), 1)
    with pytest.raises(BudgetExceeded, match="generate random"):
        random_network_for(target, 10**6, 1, "unstructured", 0, budget="1M")


@settings(max_examples=10, deadline=None)
@given(o=st.integers(1, 2), k=st.integers(1, 2), stride=st.integers(1, 2), padding=st.integers(0, 1),
       residual=st.booleans(), seed=st.integers(0, 10_000), structured=st.booleans())
def test_random_small_targets_construct_to_equal_networks(o, k, stride, padding, residual, seed, structured):
    """Whatever the geometry: a construction that succeeds is equal on the grid and collapses; one
    that fails says "no" with exhaustive evidence, per entry and branch."""
    if (2 + 2 * padding - k) % stride:
        return
    layers = [{"type": "conv", "out_channels": o, "kernel": k, "stride": stride, "padding": padding, "bits": 2}]
    if residual:
        layers += [{"type": "relu"}, {"type": "residual", "layers": [
            {"type": "conv", "out_channels": o, "kernel": 1, "bits": 1}]}]
    arch = architecture_from_json({"input": [1, 2, 2], "layers": layers})
    layout = "structured" if structured else "unstructured"
    target = draw_network(arch, seed)
    random = draw_network(random_architecture(arch, 100 if structured else 60, 1, layout), seed + 1)
    c = construct_conv(target, random)
    if c.ok:
        assert collapse(target, random, c.mask).equal
        assert exhaustive(target, random.pruned(c.mask), 1).equal
    else:
        assert all(f.answer.status.value == "unsat-exhaustive" for f in c.failures)


def test_the_time_limit_reaches_the_vector_solver(monkeypatch):
    import verify.conv_constructions as cc

    seen = []
    real = cc.solve

    def spy(problem, method, budget, options=None):
        seen.append(options.time_limit)
        return real(problem, method, budget, options)

    monkeypatch.setattr(cc, "solve", spy)
    arch = architecture_from_json({"input": [1, 2, 2], "layers": [
        {"type": "conv", "out_channels": 1, "kernel": 2, "padding": 1, "bits": 1}]})
    target = draw_network(arch, 3)
    construct_conv(target, draw_network(random_architecture(arch, 20, 1, "structured"), 4), time_limit=2.5)
    assert seen and set(seen) == {2.5}
