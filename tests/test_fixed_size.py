"""Fixed-size tickets (``certify --find fixed-size``): the per-sum decision against brute force,
the sweep, the certificates and their tampering, and the command line's error paths."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verify.fixed_size as fixed_size
from verify.certificates import check_certificate, mask_to_json
from verify.certify import CertifyOptions, certify
from verify.cli import main
from verify.errors import InputError
from verify.fixed_size import decide_size, decide_sizes, find_fixed_size, parse_sizes
from verify.generators import target_network, theorem1_random_network
from verify.networks import Rounding, save_network
from verify.status import Status
from verify.tickets import SumSpec, family_sums, group_size
from verify.witness import subset_error

from .brute import reachable, subset_table


def _sum(products, target) -> SumSpec:
    return SumSpec(1, 0, 0, "A", tuple(range(10, 10 + len(products))), tuple(products), target)


def _agrees_with_brute(products, target, sizes, answers) -> None:
    table = subset_table(products)
    for size in sizes:
        a = answers[size]
        assert a.status is not Status.UNKNOWN
        assert (a.status is Status.SAT_VERIFIED) == reachable(table, target, size), (products, target, size, a)
        if a.units is not None:
            indices = [u - 10 for u in a.units]
            assert len(indices) == size and subset_error(products, target, indices, size) is None
        else:
            assert a.method in ("too-few", "size-range", "dp-bitset", "mitm") and a.evidence


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-9, 9), max_size=8), st.integers(-30, 30))
def test_every_size_matches_brute_force(products, target):
    sizes = range(1, len(products) + 3)
    _agrees_with_brute(products, target, sizes, decide_sizes(_sum(products, target), sizes))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-9, 9), min_size=1, max_size=8), st.integers(-30, 30))
def test_meet_in_the_middle_gives_the_same_answers(products, target):
    sizes = range(1, len(products) + 1)
    original = fixed_size.choose_method
    try:
        fixed_size.choose_method = lambda *args, **kw: "mitm"
        answers = decide_sizes(_sum(products, target), sizes)
    finally:
        fixed_size.choose_method = original
    assert all(a.method != "dp-bitset" for a in answers.values())
    _agrees_with_brute(products, target, sizes, answers)


def test_a_table_over_the_budget_is_unknown_never_no():
    products = [3, -5, 7, 11, -2, 6]
    answers = decide_sizes(_sum(products, 9), (2, 3, 9), budget=1)
    assert answers[9].status is Status.UNSAT_EXHAUSTIVE and answers[9].method == "too-few"
    assert {answers[2].status, answers[3].status} == {Status.UNKNOWN}
    assert "budget" in answers[2].method and answers[2].units is None


def test_the_cheap_refutations_say_why():
    a = decide_size(_sum([1, 2, 3], 100), 2)
    assert a.method == "size-range" and "[3, 5]" in a.evidence
    assert decide_size(_sum([1, 2], 3), 3).method == "too-few"


@pytest.mark.parametrize("text, sizes", [("3", (3,)), ("1..4", (1, 2, 3, 4)), ("4,2,2", (2, 4)), (5, (5,)),
                                         ([2, 1], (1, 2)), (range(2, 4), (2, 3))])
def test_sizes_parse(text, sizes):
    assert parse_sizes(text) == sizes


@pytest.mark.parametrize("bad", ["0", "-1", "x", "3..1", "1..x", "", 0, True, [1, "2"], [], "1..100"])
def test_bad_sizes_are_input_errors(bad):
    with pytest.raises(InputError, match="per_weight"):
        parse_sizes(bad)


def _networks(seed: int, units: int = 12):
    target = target_network([2, 2, 1], 2, seed=seed, rounding=Rounding("double", 2))
    return target, theorem1_random_network(target, units, 2, seed=seed + 100)


@pytest.mark.parametrize("seed", [1, 2, 3, 5])
def test_a_sweep_on_a_tiny_network_matches_brute_force_per_weight(seed):
    target, random = _networks(seed)
    sums = family_sums(target, random, 2)
    c = group_size(target, random)
    sizes = tuple(range(1, c + 2))
    best = find_fixed_size(sums, c, sizes)
    for size, found in best.sweep.items():
        brute = [n for n, s in enumerate(sums) if reachable(subset_table(s.products), s.target, size)]
        assert sorted(found.chosen) == brute
        assert {id(a.sum) for a in found.missing} == {id(s) for n, s in enumerate(sums) if n not in brute}
        assert found.found == (len(brute) == len(sums))
        for n, units in found.chosen.items():
            assert len(units) == size and set(units) <= set(sums[n].units)
    with_ticket = [size for size, f in best.sweep.items() if f.found]
    assert best.per_weight == (with_ticket[0] if with_ticket else sizes[0])


def test_a_spent_time_budget_leaves_every_sum_unknown():
    target, random = _networks(5)
    found = find_fixed_size(family_sums(target, random, 2), 12, "1..3", total_seconds=0)
    assert not found.found and found.refuted is None and not found.missing
    assert len(found.undecided) == len(found.sums) and "spent" in found.stats["unknown"]


# ------------------------------------------------------------------------------ certificates

@pytest.fixture(scope="module")
def fixed_certs(tmp_path_factory):
    """A fixed-size ticket and a fixed-size "no" on one small pair (seed 5: S = 4..6 have
    tickets, S = 1 does not)."""
    d = tmp_path_factory.mktemp("fixed")
    target, random = _networks(5, units=24)
    save_network(target, d / "t.npz")
    save_network(random, d / "r.npz")
    yes = certify(d / "t.npz", d / "r.npz", d / "yes.json", CertifyOptions("fixed-size", per_weight="1..6"))
    no = certify(d / "t.npz", d / "r.npz", d / "no.json", CertifyOptions("fixed-size", per_weight=1))
    assert yes.ok and yes.ticket and no.ok and not no.ticket, (yes.message, no.message)
    return {"yes": d / "yes.json", "no": d / "no.json", "summary": yes.summary}


def test_fixed_size_certificates_check(fixed_certs):
    for kind in ("yes", "no"):
        report = check_certificate(fixed_certs[kind])
        assert report.ok, report.lines
    cert = json.loads(fixed_certs["yes"].read_text())
    size = cert["claim"]["per_weight"]
    assert all(len(w["units"]) == size for w in cert["evidence"]["witnesses"])
    report = fixed_certs["summary"].fixed_size
    assert size == min(report["with_ticket"])
    assert report["sparsest"]["kept"] <= cert["claim"]["kept"]  # the sparsest keeps no more than any ticket


def _tampered(original, cert, name="tampered.json"):
    path = original.parent / name
    path.write_text(json.dumps(cert))
    return check_certificate(path)


def _restated(cert):
    from verify.certificates import statement

    eq = cert["evidence"]["equality"]
    cert["claim"]["statement"] = statement(cert["claim"], eq["domain"] if eq else None)
    return cert


def test_a_changed_size_is_rejected(fixed_certs):
    for path in (fixed_certs["yes"], fixed_certs["no"]):
        for size in (2, 7):
            cert = json.loads(path.read_text())
            cert["claim"]["per_weight"] = size
            report = _tampered(path, _restated(cert))
            assert not report.ok, (path.name, size)


def test_a_changed_mask_or_witness_size_is_rejected(fixed_certs):
    path = fixed_certs["yes"]
    cert = json.loads(path.read_text())
    import numpy as np

    layers = cert["mask"]["layers"]
    masks = [np.zeros(lay["shape"][0] * lay["shape"][1], bool) for lay in layers]
    for m, lay in zip(masks, layers):
        m[lay["kept"]] = True
    masks[0][int(np.flatnonzero(~masks[0])[0])] = True  # one more weight kept, hashes made consistent
    cert["mask"] = mask_to_json([m.reshape(lay["shape"]) for m, lay in zip(masks, layers)])
    cert["claim"]["kept"] += 1
    assert not _tampered(path, _restated(cert)).ok
    # a witness with one unit fewer: its size (and its sum, and the mask as their union) is wrong
    cert = json.loads(path.read_text())
    cert["evidence"]["witnesses"][0]["units"] = cert["evidence"]["witnesses"][0]["units"][:-1]
    report = _tampered(path, cert)
    assert not report.ok


def test_a_refuted_weight_claimed_is_rejected(fixed_certs):
    """The "no" names a sum that has a size-S subset, or changes its evidence: rejected."""
    path = fixed_certs["no"]
    original = json.loads(path.read_text())
    record = original["evidence"]["no_ticket"]
    target, random = _networks(5, units=24)
    sums = family_sums(target, random, 2)
    having = [s for s in sums if decide_size(s, 1).status is Status.SAT_VERIFIED]
    assert having
    s = having[0]
    for change in ({"row": s.output, "input": s.input, "branch": s.branch, "layer": s.layer, "target": s.target},
                   {"size": 2}, {"method": "dp-bitset"}, {"evidence": "trust me"}):
        cert = json.loads(path.read_text())
        cert["evidence"]["no_ticket"].update(change)
        assert not _tampered(path, cert).ok, change
    cert = json.loads(path.read_text())
    del cert["evidence"]["no_ticket"]["size"]
    assert not _tampered(path, cert).ok
    # a plain no-ticket claim (any size) cannot cite a size-S refutation
    cert = json.loads(path.read_text())
    del cert["claim"]["per_weight"]
    assert not _tampered(path, _restated(cert)).ok
    assert record["size"] == 1


def test_check_reports_its_time_split(fixed_certs):
    report = check_certificate(fixed_certs["yes"])
    assert report.timings["total"] > 0 and report.timings["proofs"] == 0


# ------------------------------------------------------------------------------ command line

def _run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    return (code, *capsys.readouterr())


@pytest.mark.parametrize("extra, fragment", [
    (["--find", "fixed-size", "--per-weight", "0"], "--per-weight: expected sizes S >= 1"),
    (["--find", "fixed-size", "--per-weight", "-2"], "--per-weight: expected sizes S >= 1"),
    (["--find", "fixed-size", "--per-weight", "3..1"], "--per-weight: expected S, A..B"),
    (["--find", "fixed-size"], "--find fixed-size: give the products per target weight"),
    (["--find", "any", "--per-weight", "3"], "--per-weight: only with --find fixed-size, not with --find any"),
    (["--per-weight", "3"], "not with --find construction"),
    (["--find", "sparsest", "--search-time-limit", "-1"], "--search-time-limit: expected a positive number"),
    (["--find", "sparsest", "--search-time-limit", "0"], "--search-time-limit: expected a positive number"),
    (["--find", "sparsest", "--search-time-limit", "soon"], "--search-time-limit: invalid float value"),
])
def test_fixed_size_and_search_time_errors_are_one_line(capsys, tmp_path, extra, fragment):
    target, random = _networks(5)
    save_network(target, tmp_path / "t.npz")
    save_network(random, tmp_path / "r.npz")
    code, out, err = _run(capsys, "certify", "--target", tmp_path / "t.npz", "--random", tmp_path / "r.npz",
                          "-o", tmp_path / "c.json", *extra)
    assert code == 2 and out == "" and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "c.json").exists()


def test_fixed_size_sweep_from_the_command_line(capsys, tmp_path):
    target, random = _networks(5, units=24)
    save_network(target, tmp_path / "t.npz")
    save_network(random, tmp_path / "r.npz")
    code, out, err = _run(capsys, "certify", "--target", tmp_path / "t.npz", "--random", tmp_path / "r.npz",
                          "--find", "fixed-size", "--per-weight", "3..5", "--search-time-limit", "60",
                          "-o", tmp_path / "c.json", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["ok"] and summary["ticket"]
    rows = {r["per_weight"]: r for r in summary["fixed_size"]["sweep"]}
    report = summary["fixed_size"]
    assert sorted(rows) == [3, 4, 5] and report["per_weight"] == min(report["with_ticket"])
    assert all(r["represented"] + r["refuted"] + r["unknown"] == r["sums"] for r in rows.values())
    assert json.loads((tmp_path / "c.json").read_text())["info"]["seconds"]["search"] >= 0
    code, out, _ = _run(capsys, "check", tmp_path / "c.json")
    assert code == 0 and "exactly" in out


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list) and obj:
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    else:
        yield path, obj


def _changed(value):
    if isinstance(value, bool) or value is None:
        return 0 if value is None else not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x"
    return [0] if value == [] else None


@pytest.mark.parametrize("kind", ["yes", "no"])
def test_every_single_field_change_of_a_fixed_size_certificate_is_rejected(fixed_certs, kind):
    path = fixed_certs[kind]
    original = json.loads(path.read_text())
    leaves = [(p, v) for p, v in _leaves(original) if p[0] != "info"]
    assert len(leaves) > 10
    for where, value in leaves:
        cert = json.loads(path.read_text())
        obj = cert
        for key in where[:-1]:
            obj = obj[key]
        obj[where[-1]] = _changed(value)
        assert not _tampered(path, cert).ok, f"changing {'.'.join(map(str, where))} from {value!r} was accepted"
