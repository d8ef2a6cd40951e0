"""The ``noise`` experiment and ``verify.perturbation``: the noise's conventions and
reproducibility, its verdicts against brute-force evaluation in exact rationals over every input
of the grid, its report, and its spec errors from the command line."""

import itertools
import json
import sqlite3
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.cli import main
from verify.equality import Verdict
from verify.errors import InputError
from verify.experiments import experiments
from verify.experiments.base import wilson_interval
from verify.experiments.noise import EXPERIMENT, decide, noise_rng, ticket
from verify.experiments.spec import parse_spec
from verify.networks import QuantizedNetwork, same_outputs
from verify.perturbation import COMMON_DENOMINATOR, _threshold, perturb, probability

BASE = {p.name: p.default for p in EXPERIMENT.params}
SMALL = {**BASE, "widths": "2,2,2", "target_bits": 3, "c": 24}
TINY = {**BASE, "widths": "1,2,1", "target_bits": 3, "c": 24}  # 17 inputs: S_δ, δ = 2^-3


def run_cli(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------ perturbation

def random_arrays(seed, shapes=((5, 7), (3, 5)), bound=4):
    rng = np.random.default_rng(seed)
    weights = [rng.integers(-bound, bound + 1, size=s) for s in shapes]
    masks = [rng.random(s) < 0.6 for s in shapes]
    return weights, masks


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["0", "0.01", "1/3", "0.5", "1"]), st.integers(1, 6))
def test_a_moved_weight_moves_one_step_and_stays_on_the_grid(seed, p, bound):
    weights, masks = random_arrays(seed % 1000, bound=bound)
    out = perturb(weights, masks, bound, p, seed)
    for w, m, new, moved in zip(weights, masks, out.weights, out.moved):
        assert new.shape == w.shape and moved.shape == w.shape
        assert np.abs(new).max() <= bound  # on the grid
        assert not (moved & ~m).any()  # only kept weights move
        assert np.array_equal(new[~moved], w[~moved])  # nothing else changes
        assert (np.abs(new[moved] - w[moved]) == 1).all()  # one grid step
        edge = moved & (np.abs(w) == bound)
        assert (np.abs(new[edge]) == bound - 1).all()  # inward at the edge
    assert out.count == sum(int(m.sum()) for m in out.moved)
    if p == "0":
        assert out.count == 0
    if p == "1":
        assert out.count == sum(int(m.sum()) for m in masks)


def test_the_noise_is_seeded_and_reproducible():
    weights, masks = random_arrays(3, shapes=((40, 50),))
    a = perturb(weights, masks, 4, "0.3", 11)
    b = perturb(weights, masks, 4, "0.3", np.random.Generator(np.random.PCG64(11)))
    c = perturb(weights, masks, 4, "0.3", 12)
    assert np.array_equal(a.weights[0], b.weights[0]) and np.array_equal(a.moved[0], b.moved[0])
    assert not np.array_equal(a.moved[0], c.moved[0])
    assert np.array_equal(noise_rng(5, 2).bit_generator.random_raw(4), noise_rng(5, 2).bit_generator.random_raw(4))
    assert not np.array_equal(noise_rng(5, 2).bit_generator.random_raw(4), noise_rng(5, 3).bit_generator.random_raw(4))


def test_the_weights_moved_at_a_smaller_p_move_at_every_larger_one_the_same_way():
    weights, masks = random_arrays(4, shapes=((30, 30), (10, 30)))
    ps = ["0", "0.001", "0.01", "0.125", "1/4", "1/2", "0.9", "1"]  # decimals: one common denominator
    runs = [perturb(weights, masks, 4, p, 99) for p in ps]
    for small, large in zip(runs, runs[1:]):
        for ms, ml, ws, wl in zip(small.moved, large.moved, small.weights, large.weights):
            assert not (ms & ~ml).any()
            assert np.array_equal(ws[ms], wl[ms])  # the same direction
    assert runs[0].count == 0 < runs[3].count < runs[-1].count


def test_the_probability_is_exact_and_the_draw_has_that_rate():
    assert _threshold(Fraction(1, 100)) == (COMMON_DENOMINATOR // 100, COMMON_DENOMINATOR)
    assert _threshold(Fraction(1, 3)) == (1, 3)  # no decimal: its own denominator
    assert probability("0.1") == Fraction(1, 10) and probability(1) == 1 and probability("2/5") == Fraction(2, 5)
    w = [np.zeros(40_000, dtype=np.int64)]
    m = [np.ones(40_000, dtype=bool)]
    for p in ("1/3", "0.05"):
        moved = perturb(w, m, 2, p, 1).count
        assert abs(moved / 40_000 - float(Fraction(p))) < 4 * (float(Fraction(p)) / 40_000) ** 0.5
    up = perturb(w, m, 2, 1, 2).weights[0]  # from 0 both neighbours are inside: a fair coin
    assert set(np.unique(up)) == {-1, 1} and abs(int((up == 1).sum()) - 20_000) < 600


@pytest.mark.parametrize("bad, match", [
    ("1.5", "in \\[0, 1\\]"), ("-0.1", "in \\[0, 1\\]"), (0.5, "exact probability"), ("x", "exact probability"),
    (True, "exact probability")])
def test_a_bad_probability_is_refused(bad, match):
    with pytest.raises(InputError, match=match):
        perturb([np.zeros((2, 2), dtype=int)], [np.ones((2, 2), dtype=bool)], 4, bad, 0)


def test_bad_arrays_are_refused():
    w, m = [np.array([[5, 0]])], [np.array([[True, True]])]
    with pytest.raises(InputError, match="off the grid"):
        perturb(w, m, 4, "0.1", 0)
    with pytest.raises(InputError, match="one shape"):
        perturb([np.zeros((2, 2), dtype=int)], [np.ones((2, 3), dtype=bool)], 4, "0.1", 0)
    with pytest.raises(InputError, match="masks"):
        perturb(w, [], 4, "0.1", 0)
    with pytest.raises(InputError, match="grid bound"):
        perturb(w, m, 0, "0.1", 0)


# ------------------------------------------------------------------ verdicts against brute force

def lower(x: Fraction, gamma: int) -> Fraction:
    return Fraction(round(x * 2**gamma), 2**gamma)  # round() of a Fraction: ties to even


def brute_forward(net: QuantizedNetwork, x: list[Fraction]) -> list[Fraction]:
    """The network in exact rationals, from the definition (nearest-even rounding only)."""
    assert net.rounding.mode.value == "nearest-even"
    values = x
    for i, (w, k) in enumerate(zip(net.weights, net.scales), start=1):
        rows = [[(j, Fraction(int(w[o, j]), 2**k)) for j in np.flatnonzero(w[o])] for o in range(w.shape[0])]
        values = [sum((c * values[j] for j, c in row), Fraction(0)) for row in rows]
        if i < net.depth:
            values = [max(v, Fraction(0)) for v in values]
        if net.rounding.lowers(i):
            values = [lower(v, net.rounding.gamma) for v in values]
    return values


def brute_differs_at(target, other, bits: int, x) -> bool:
    point = [Fraction(v, 2**bits) for v in x]
    return brute_forward(target, point) != brute_forward(other, point)


def brute_differ(target, other, bits: int) -> list[tuple]:
    side = range(-(1 << bits), (1 << bits) + 1)
    return [x for x in itertools.product(side, repeat=target.widths[0]) if brute_differs_at(target, other, bits, x)]


def perturbed(params, seed, method, p, noise_seed):
    t = ticket(params, seed, method, 10)
    if t.network is None:
        return t, None
    noisy = perturb(t.network.weights, t.mask, [1 << k for k in t.network.scales], p, noise_rng(seed, noise_seed))
    return t, QuantizedNetwork(noisy.weights, t.network.scales, t.network.rounding)


@pytest.mark.parametrize("params", [TINY, {**TINY, "widths": "2,1,1"}, {**TINY, "rounding": "none", "widths": "1,1,2"},
                                    {**TINY, "theorem": 2, "c": 16, "copies": 8}])
def test_the_verdict_agrees_with_brute_force_on_every_input_of_the_grid(params):
    verdicts, proved = set(), set()
    draws = range(3) if params["widths"].startswith("1,") else range(1)  # 2 inputs: 289 points to replay
    for seed, p, noise_seed in itertools.product(range(4), ("0", "0.05", "0.2"), draws):
        t, net = perturbed(params, seed, "construction", p, noise_seed)
        if net is None:
            continue
        bits = max(t.target.scales)
        eq = decide(t.target, net, 10)
        row = EXPERIMENT.run({**params, "p": p, "noise_seed": noise_seed}, seed, "construction", 10)
        assert eq.verdict in (Verdict.EQUAL, Verdict.DIFFER) and row["equal"] is (eq.verdict is Verdict.EQUAL)
        if eq.verdict is Verdict.DIFFER:  # one replayed input suffices; "equal" needs every input
            assert brute_differs_at(t.target, net, bits, eq.counterexample)
            assert row["counterexample"] == list(eq.counterexample) and row["status"] == "sat-verified"
        else:
            if (t.target.sha256, net.sha256) not in proved:  # p = 0 gives the same network for every noise seed
                assert not brute_differ(t.target, net, bits)
                proved.add((t.target.sha256, net.sha256))
            assert row["status"] == "unsat-exhaustive" and row["equality"] in ("collapse", "exhaustive")
        if row["moved"] == 0:
            assert row["equal"] is True
        verdicts.add(eq.verdict)
    assert verdicts == {Verdict.EQUAL, Verdict.DIFFER}  # both outcomes are exercised


@pytest.mark.slow
@pytest.mark.parametrize("params", [{**TINY, "widths": "1,1,1"}, {**TINY, "widths": "1,3,2"},
                                    {**TINY, "theorem": 2, "c": 12, "copies": 6, "widths": "1,2,2"}])
def test_many_verdicts_agree_with_brute_force(params):
    seen = set()
    for seed, p, noise_seed in itertools.product(range(12), ("0.02", "0.1", "0.3", "1"), range(4)):
        t, net = perturbed(params, seed, "construction", p, noise_seed)
        if net is None:
            continue
        eq = decide(t.target, net, 10)
        bits = max(t.target.scales)
        if eq.verdict is Verdict.DIFFER:
            assert brute_differs_at(t.target, net, bits, eq.counterexample)
        else:
            assert eq.verdict is Verdict.EQUAL and not brute_differ(t.target, net, bits)
        seen.add(eq.verdict)
    assert seen == {Verdict.EQUAL, Verdict.DIFFER}


def test_a_tampered_counterexample_does_not_replay():
    """The replay that backs a "differ" verdict accepts the counterexample and rejects an input
    where the networks agree (brute force says which is which)."""
    for seed, noise_seed in itertools.product(range(4), range(6)):
        t, net = perturbed(TINY, seed, "construction", "0.2", noise_seed)
        if net is None:
            continue
        eq = decide(t.target, net, 10)
        if eq.verdict is not Verdict.DIFFER:
            continue
        bits = max(t.target.scales)
        differ = brute_differ(t.target, net, bits)
        agree = [x for x in itertools.product(range(-(1 << bits), (1 << bits) + 1), repeat=t.target.widths[0])
                 if x not in differ]
        if not agree:
            continue

        def replays(x):
            batch = np.array([x], dtype=np.int64)
            return not same_outputs(t.target.forward(batch, bits), net.forward(batch, bits)).all()

        assert replays(tuple(eq.counterexample)) and not replays(agree[0])
        return
    pytest.fail("no perturbed ticket that differs on some inputs and agrees on others among the seeds")


# --------------------------------------------------------------------------------- the rows

@pytest.fixture(scope="module")
def rows():
    return {(s, p, n): EXPERIMENT.run({**SMALL, "p": p, "noise_seed": n}, s, "construction", 10)
            for s in range(4) for p in ("0", "0.01", "0.1") for n in range(3)}


def test_p_zero_is_always_equal_and_moves_nothing(rows):
    zero = [r for (s, p, n), r in rows.items() if p == "0" and r["ticket"]]
    assert zero
    for r in zero:
        assert r["equal"] is True and r["moved"] == 0 and r["equality"] == "collapse"


def test_rows_count_kept_and_moved_and_are_deterministic(rows):
    for (s, p, n), r in rows.items():
        if not r["ticket"]:
            assert r["equal"] is None and r["status"] == "unknown" and "no ticket" in r["reason"]
            continue
        t = ticket({**SMALL, "p": p, "noise_seed": n}, s, "construction", 10)
        assert r["kept"] == sum(int(m.sum()) for m in t.mask) and 0 <= r["moved"] <= r["kept"]
        assert r["total"] == 2 * (48 * 2 * 2 + 2 * 48 * 2) and r["p"] == p  # two pairs of 96 x 2 and 2 x 96
    assert any(r.get("moved", 0) > 0 for r in rows.values())
    again = EXPERIMENT.run({**SMALL, "p": "0.1", "noise_seed": 2}, 3, "construction", 10)
    assert again == rows[3, "0.1", 2]


def test_the_sparsest_ticket_is_perturbed_too():
    r = EXPERIMENT.run({**TINY, "p": "0.05", "noise_seed": 1}, 2, "sparsest", 10)
    c = EXPERIMENT.run({**TINY, "p": "0.05", "noise_seed": 1}, 2, "construction", 10)
    assert r["ticket"] and c["ticket"] and r["kept"] < c["kept"]
    with pytest.raises(InputError, match="Theorem 1"):
        EXPERIMENT.run({**SMALL, "theorem": 2, "p": "0.05"}, 1, "sparsest", 10)


# -------------------------------------------------------------------------------- the report

def row(p, method, equal, moved, kept=50, seed=0, equality="collapse"):
    res = {"ticket": equal is not None or moved is not None, "equal": equal, "moved": moved, "kept": kept,
           "equality": equality}
    params = {**SMALL, "p": p, "noise_seed": seed, "c1": None, "copies": None}
    return {"params": params, "seed": seed, "method": method, "status": "sat-verified", "result": res}


def test_the_report_counts_rates_with_wilson_intervals_and_the_analytic_line():
    rs = [row("0", "construction", True, 0)] * 4 + [row("0.1", "construction", True, 0)] \
        + [row("0.1", "construction", False, 3)] * 3 + [row("0.1", "construction", None, 2)]
    (table,) = EXPERIMENT.tables(rs)
    by_p = {r[table.columns.index("p")]: dict(zip(table.columns, r)) for r in table.rows}
    assert by_p["0"]["equal"] == "4/4" and by_p["0"]["(1-p)^kept"] == "1.000"
    assert by_p["0.1"]["equal"] == "1/4" and by_p["0.1"]["rate"] == "0.250" and by_p["0.1"]["rows"] == 5
    assert by_p["0.1"]["undecided"] == 1 and by_p["0"]["undecided"] == 0
    lo, hi = wilson_interval(1, 4)
    assert by_p["0.1"]["95% Wilson"] == f"[{lo:.3f}, {hi:.3f}]"
    assert by_p["0.1"]["(1-p)^kept"] == f"{0.9 ** 50:.3f}"
    assert list(by_p) == ["0", "0.1"]


def test_wilson_interval():
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(5, 10)
    assert abs(lo - 0.2366) < 1e-3 and abs(hi - 0.7634) < 1e-3  # the textbook value
    for yes, n in ((0, 7), (7, 7), (3, 40), (39, 40)):
        lo, hi = wilson_interval(yes, n)
        assert 0 <= lo <= yes / n <= hi <= 1
    assert wilson_interval(30, 100)[1] - wilson_interval(30, 100)[0] < wilson_interval(3, 10)[1] - wilson_interval(3, 10)[0]


# ----------------------------------------------------------------------------- command line

SPEC = """experiment = "noise"
seeds = {seeds}
methods = ["construction"]
[parameters]
widths = "1,2,1"
target_bits = 3
c = 24
p = {p}
noise_seed = {noise_seed}
"""


@pytest.mark.parametrize("seeds, p, noise_seed, field", [
    (2, "[0, 1.5]", "0", "parameters.p"), (2, "-0.1", "0", "parameters.p"), (2, '"x"', "0", "parameters.p"),
    (2, "0.1", "-1", "parameters.noise_seed"), (-3, "0.1", "0", "seeds"), (2, "0.1", "[0, 0]", "parameters.noise_seed")])
def test_a_bad_spec_is_one_line_and_exit_2(tmp_path, capsys, seeds, p, noise_seed, field):
    spec = tmp_path / "bad.toml"
    spec.write_text(SPEC.format(seeds=seeds, p=p, noise_seed=noise_seed))
    db = tmp_path / "r.sqlite"
    code, _, err = run_cli(capsys, "sweep", spec, "--db", db)
    assert code == 2 and field in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not db.exists()


def test_sweep_and_report_from_the_command_line(tmp_path, capsys):
    spec = tmp_path / "noise.toml"
    spec.write_text(SPEC.format(seeds=2, p='["0", "1/4"]', noise_seed="[0, 1]"))
    db = tmp_path / "r.sqlite"
    code, out, err = run_cli(capsys, "sweep", spec, "--db", db, "--quiet")
    assert code == 0 and "8 tasks" in err
    stored = [json.loads(p) for (p,) in sqlite3.connect(db).execute("SELECT params FROM results")]
    assert sorted({s["p"] for s in stored}) == ["0", "1/4"] and len(stored) == 8
    code, out, _ = run_cli(capsys, "report", db, "--csv", tmp_path / "noise.csv")
    assert code == 0 and "P(the perturbed ticket still equals its target)" in out
    assert "r.moved" in (tmp_path / "noise.csv").read_text().splitlines()[0]


def test_the_builtin_spec_is_small():
    spec = parse_spec({"experiment": "noise", "seeds": 1}, "inline", experiments())
    assert spec.size == 1 and spec.methods == ("construction",)
    from verify.experiments.spec import load_spec

    builtin = load_spec("noise", experiments())
    assert builtin.size <= 2000 and "0" in dict(builtin.grid)["p"]
