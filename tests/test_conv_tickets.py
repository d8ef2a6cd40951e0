"""``--find any`` and ``--find sparsest`` on conv targets: the sparsest agrees with brute force
over every mask of each component, certificates re-check with no search, and every tampering
or refused option is caught."""

import hashlib
import itertools
import json
import re
import shutil

import numpy as np
import pytest

from verify.architectures import architecture_from_json
from verify.cli import main
from verify.conv_certificates import _sha, certify_conv, check_conv_certificate
from verify.conv_constructions import collapse, random_architecture
from verify.conv_networks import ConvNetwork, draw_network, save_conv_network
from verify.conv_tickets import family_sums, search_conv
from verify.errors import InputError
from verify.tickets import components

SPEC = {"input": [1, 2, 2], "layers": [
    {"type": "conv", "out_channels": 2, "kernel": 2, "bits": 1},
    {"type": "relu"}, {"type": "flatten"}, {"type": "dense", "out": 2, "bits": 1}]}


def networks(seed: int, units: int = 24, layout: str = "unstructured"):
    """A target with weights in {-1, 0, 1} (targets ±2 on the product grid: most sums have a
    subset) and its random network, products ±1, ±2, ±4."""
    arch = architecture_from_json(SPEC)
    rng = np.random.default_rng(seed)
    target = ConvNetwork(arch, [rng.integers(-1, 2, layer.weight_shape) for layer in arch.weighted()])
    return target, draw_network(random_architecture(arch, units, 1, layout), seed + 100, zero=False)


def brute_component(comp) -> int | None:
    """The fewest kept weights of a component by enumeration: every subset of each sum's
    channels, every combination across its outputs; cost = channels used + products kept."""
    per_sum = []
    for s in comp.sums:
        ok = [sub for r in range(len(s.units) + 1) for sub in itertools.combinations(range(len(s.units)), r)
              if sum(s.products[i] for i in sub) == s.target]
        if not ok:
            return None
        per_sum.append([tuple(s.units[i] for i in sub) for sub in ok])
    return min(len(set().union(*choice)) + sum(map(len, choice)) for choice in itertools.product(*per_sum))


@pytest.mark.parametrize("seed", [0, 4, 6])
def test_sparsest_matches_brute_force_per_component(seed):
    target, random = networks(seed, units=16)  # about 8 channels per branch: a quick enumeration
    found = search_conv(target, random, "sparsest")
    assert found.found and found.optimal
    brute = {(c.layer, c.input, c.branch): brute_component(c) for c in components(family_sums(target, random))}
    assert {(p.layer, p.input, p.branch): p.kept for p in found.parts} == brute
    assert sum(int(m.sum()) for m in found.mask) == sum(brute.values())
    assert collapse(target, random, found.mask).equal


def test_sparse_targets_and_branches_with_no_channel_match_brute_force(tmp_path):
    """Two channels per group: often a branch has none (all of one sign), and a zero target
    there has no sum; one component per (layer, entry, branch) still, and the certificate checks."""
    arch = architecture_from_json({"input": [1, 2, 2], "layers": [
        {"type": "conv", "out_channels": 2, "kernel": 1, "bits": 1}, {"type": "relu"}, {"type": "flatten"},
        {"type": "dense", "out": 1, "bits": 1}]})
    found = 0
    for seed in range(120):
        rng = np.random.default_rng(seed)
        target = ConvNetwork(arch, [rng.choice([-1] + [0] * 8 + [1], layer.weight_shape)
                                    for layer in arch.weighted()])
        random = draw_network(random_architecture(arch, 2, 1), seed + 100, zero=False)
        result = search_conv(target, random, "sparsest")
        comps = components(result.sums)
        brute = [brute_component(c) for c in comps]
        assert result.found == (None not in brute)
        if result.found:  # (a branch with no channel and a nonzero target is its own refuted component)
            assert len({(c.layer, c.input, c.branch) for c in comps}) == len(comps)
            found += 1
            assert result.optimal and result.kept_between == (sum(brute), sum(brute))
            if found == 1:
                save_conv_network(target, tmp_path / "t.json")
                save_conv_network(random, tmp_path / "r.npz")
                assert certify_conv(tmp_path / "t.json", tmp_path / "r.npz", tmp_path / "c.json", find="sparsest").ok
    assert found >= 5


def test_any_is_a_ticket_and_an_infeasible_sum_is_refused_by_brute_force():
    target, random = networks(0)
    found = search_conv(target, random, "any")
    assert found.found and collapse(target, random, found.mask).equal and not found.optimal
    target, random = networks(2, units=8)  # too few units: some sum has no subset
    refused = search_conv(target, random, "sparsest")
    s, how, _ = refused.refuted
    assert not refused.found and how in ("range", "dp-bitset")
    assert not any(sum(c) == s.target for r in range(len(s.products) + 1)
                   for c in itertools.combinations(s.products, r))


def test_a_search_out_of_time_keeps_its_ticket_unproved_never_optimal():
    target, random = networks(0)
    found = search_conv(target, random, "sparsest", total_seconds=0)
    assert found.found and collapse(target, random, found.mask).equal
    assert found.optimal == all(p.proved for p in found.parts)
    low, high = found.kept_between
    assert low <= high == sum(int(m.sum()) for m in found.mask)
    for p in found.parts:
        assert p.evidence in ("table", "none") and (p.lower == p.kept) == (p.evidence == "table")


def test_the_structured_layout_refuses_sparsest():
    target, random = networks(0, units=6, layout="structured")
    with pytest.raises(InputError, match="structured"):
        search_conv(target, random, "sparsest")


# ------------------------------------------------------------------------------ certificates

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv-sparsest")
    target, random = networks(0)
    save_conv_network(target, d / "t.json")
    save_conv_network(random, d / "r.npz")
    done = certify_conv(d / "t.json", d / "r.npz", d / "cert.json", find="sparsest")
    assert done.ok and done.search.optimal and done.equality.method == "collapse"
    cert = json.loads((d / "cert.json").read_text())
    assert any(c["evidence"] == "drup" for c in cert["search"]["components"])  # both kinds of bound are tested
    assert any(c["evidence"] == "table" for c in cert["search"]["components"])
    return d


def _tampered(written, tmp_path, change):
    shutil.copytree(written, tmp_path / "c")
    path = tmp_path / "c" / "cert.json"
    cert = json.loads(path.read_text())
    change(cert, tmp_path / "c")
    path.write_text(json.dumps(cert))
    return check_conv_certificate(path)


def test_the_sparsest_certificate_checks(written):
    report = check_conv_certificate(written / "cert.json")
    assert report.ok and any("the fewest of the family" in line for line in report.lines)


def _mask_changed(extra: bool):
    def change(cert, _):
        layer = cert["mask"]["layers"][0 if extra else 1]
        if extra:  # a first-layer weight of an unused channel: witnesses and collapse still hold
            layer["kept"] = sorted(layer["kept"] + [min(set(range(len(layer["kept"]) + 1)) - set(layer["kept"]))])
        else:
            layer["kept"] = layer["kept"][1:]
        cert["mask"]["sha256"] = _sha(cert["mask"]["layers"])
        kept = sum(len(x["kept"]) for x in cert["mask"]["layers"])
        cert["claim"]["statement"] = cert["claim"]["statement"].replace(f"keeps {cert['claim']['kept']} ",
                                                                        f"keeps {kept} ")
        cert["claim"]["kept"] = kept
    return change


def _component(evidence):
    return lambda cert: next(c for c in cert["search"]["components"] if c["evidence"] == evidence)


def _lower_count(cert, _):
    c = _component("drup")(cert)
    c["kept"] -= 1
    c["lower"] -= 1


def _drup_to_table(cert, _):
    _component("drup")(cert)["evidence"] = "table"


def _table_to_drup(cert, _):
    proof = _component("drup")(cert)["proof"]
    c = _component("table")(cert)
    c["evidence"], c["proof"] = "drup", proof


def _proof_edited(cert, d):
    c = _component("drup")(cert)
    f = d / c["proof"]["path"]
    lines = f.read_text().splitlines()
    f.write_text("\n".join(lines[:1] + ["0"]) + "\n")  # an empty clause that is not RUP at step 2
    c["proof"]["sha256"] = hashlib.sha256(f.read_bytes()).hexdigest()


def _claim_unproved(cert, _):
    cert["claim"]["sparsest"] = False


def _witness_dropped(cert, _):
    cert["evidence"]["witnesses"].pop()


TAMPERINGS = {
    "an extra kept weight": _mask_changed(True),
    "a kept weight removed": _mask_changed(False),
    "a component's count below its witnesses": _lower_count,
    "drup evidence relabelled table": _drup_to_table,
    "table evidence relabelled drup": _table_to_drup,
    "a proof edited (hash redone)": _proof_edited,
    "a proof file's hash": lambda c, _: _component("drup")(c)["proof"].__setitem__("sha256", "0" * 64),
    "the sparsest claim": _claim_unproved,
    "the kept range": lambda c, _: c["claim"].__setitem__("kept_between", [0, c["claim"]["kept"]]),
    "a witness dropped": _witness_dropped,
    "the search kind": lambda c, _: c["search"].__setitem__("find", "fewest"),
    "the search relabelled any": lambda c, _: c["search"].__setitem__("find", "any"),
    "the statement": lambda c, _: c["claim"].__setitem__("statement", c["claim"]["statement"].split(", the")[0]),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_tampering_is_rejected(written, tmp_path, name):
    report = _tampered(written, tmp_path, TAMPERINGS[name])
    assert not report.ok and report.error is not None
    if name == "an extra kept weight":
        assert "not exactly the union" in str(report.error)


def test_a_version_1_certificate_still_checks(tmp_path):
    target, random = networks(0)
    save_conv_network(target, tmp_path / "t.json")
    save_conv_network(random, tmp_path / "r.npz")
    assert certify_conv(tmp_path / "t.json", tmp_path / "r.npz", tmp_path / "c.json").ok
    cert = json.loads((tmp_path / "c.json").read_text())
    assert cert["version"] == 2 and cert["search"]["find"] == "construction"
    cert["version"] = 1
    del cert["search"]
    (tmp_path / "c.json").write_text(json.dumps(cert))
    assert check_conv_certificate(tmp_path / "c.json").ok


# ------------------------------------------------------------------------------------- CLI

def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def files(tmp_path):
    target, random = networks(0)
    save_conv_network(target, tmp_path / "t.json")
    save_conv_network(random, tmp_path / "r.npz")
    return tmp_path


def test_certify_sparsest_from_the_command_line(files, capsys):
    code, out, _ = run(capsys, "certify", "--target", files / "t.json", "--random", files / "r.npz",
                       "--find", "sparsest", "-o", files / "c.json")
    assert code == 0
    for text in ("density", "the construction keeps", "optimum   proved", "equal (collapse)", "written and checked"):
        assert text in out
    code, out, _ = run(capsys, "check", files / "c.json")
    assert code == 0 and "verified" in out


@pytest.mark.parametrize("find", ["min-width", "fixed-size"])
def test_other_searches_are_refused_in_one_line(files, capsys, find):
    code, out, err = run(capsys, "certify", "--target", files / "t.json", "--random", files / "r.npz",
                         "--find", find, "-o", files / "c.json")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--find" in err
    assert not (files / "c.json").exists()


def test_structured_sparsest_is_refused_in_one_line(tmp_path, capsys):
    target, random = networks(0, units=6, layout="structured")
    save_conv_network(target, tmp_path / "t.json")
    save_conv_network(random, tmp_path / "r.npz")
    code, _, err = run(capsys, "certify", "--target", tmp_path / "t.json", "--random", tmp_path / "r.npz",
                       "--find", "sparsest", "-o", tmp_path / "c.json")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "structured" in err
    assert not (tmp_path / "c.json").exists()


def test_a_search_cut_short_reports_its_range_and_still_checks(files, capsys):
    code, out, _ = run(capsys, "certify", "--target", files / "t.json", "--random", files / "r.npz",
                       "--find", "sparsest", "--search-time-limit", "0.001", "--json", "-o", files / "c.json")
    got = json.loads(out)
    cert = json.loads((files / "c.json").read_text())
    assert code == 0 and got["certificate"] and got["sparsest"]["optimal"] is cert["claim"]["sparsest"]
    low, high = got["sparsest"]["kept_between"]
    assert high == got["kept"] == cert["claim"]["kept"] and low <= high and (low == high) == got["sparsest"]["optimal"]
    assert all(c["evidence"] != "drup" for c in cert["search"]["components"])  # no refutation had time
    assert check_conv_certificate(files / "c.json").ok


def test_a_malformed_search_record_is_exit_2_in_one_line(written, tmp_path, capsys):
    shutil.copytree(written, tmp_path / "c")
    path = tmp_path / "c" / "cert.json"
    cert = json.loads(path.read_text())
    del cert["search"]["components"][0]["evidence"]
    path.write_text(json.dumps(cert))
    code, _, err = run(capsys, "check", path)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "malformed" in err


def test_a_sum_with_no_subset_exits_1_naming_its_entry_and_writes_nothing(tmp_path, capsys):
    target, random = networks(2, units=8)
    save_conv_network(target, tmp_path / "t.json")
    save_conv_network(random, tmp_path / "r.npz")
    code, out, _ = run(capsys, "certify", "--target", tmp_path / "t.json", "--random", tmp_path / "r.npz",
                       "--find", "any", "-o", tmp_path / "c.json")
    assert code == 1 and re.search(r"FAILED    layer \d output \d entry \(\d, \d, \d\) branch [AB]: no \[", out)
    assert not (tmp_path / "c.json").exists() and not (tmp_path / "c.proofs").exists()
