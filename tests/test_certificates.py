"""Certificates: every method's certificate checks, and every single change to one is rejected."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from verify.certificates import check_certificate, mask_to_json
from verify.certify import CertifyOptions, certify
from verify.errors import InputError
from verify.generators import target_network, theorem1_random_network, theorem2_random_network
from verify.networks import QuantizedNetwork, Rounding, save_mask, save_network


def _pair(tmp_path, widths=(2, 2, 1), units=24, seed=1, theorem=1):
    target = target_network(list(widths), 2, seed=seed, rounding=Rounding("double", 2))
    if theorem == 1:
        random = theorem1_random_network(target, units, 2, seed=seed + 100)
    else:
        random = theorem2_random_network(target, units, 12, 2, seed=seed + 100, zero=False)
    save_network(target, tmp_path / "t.npz")
    save_network(random, tmp_path / "r.npz")
    return tmp_path / "t.npz", tmp_path / "r.npz"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """One certificate per kind of evidence, on one small target."""
    d = tmp_path_factory.mktemp("certs")
    for seed in range(1, 40):  # the first draw whose construction succeeds (about half do)
        t, r = _pair(d, seed=seed)
        if certify(t, r, d / "construction.json").ok:
            break
    out = {}
    for find in ("construction", "any", "sparsest", "min-width"):
        done = certify(t, r, d / f"{find}.json", CertifyOptions(find))
        assert done.ok and done.ticket, (find, done.message)
        out[find] = d / f"{find}.json"
    done = certify(t, r, d / "exhaustive.json", CertifyOptions("construction", equality="exhaustive", input_bits=2))
    assert done.ok
    out["exhaustive"] = d / "exhaustive.json"
    # too few units: no ticket, certified
    (d / "none").mkdir()
    t2, r2 = _pair(d / "none", units=1, seed=3)
    done = certify(t2, r2, d / "none" / "none.json", CertifyOptions("any"))
    assert done.ok and not done.ticket
    out["no-ticket"] = d / "none" / "none.json"
    return out


@pytest.mark.parametrize("kind", ["construction", "any", "sparsest", "min-width", "exhaustive", "no-ticket"])
def test_every_certificate_checks(certs, kind):
    report = check_certificate(certs[kind])
    assert report.ok, report.lines
    assert report.lines and all(line.startswith("ok") for line in report.lines)


def test_sparsest_and_min_width_say_what_they_prove(certs):
    sparse = json.loads(certs["sparsest"].read_text())
    narrow = json.loads(certs["min-width"].read_text())
    construction = json.loads(certs["construction"].read_text())
    assert sparse["claim"]["sparsest"] and sparse["evidence"]["lower_bounds"]
    assert sum(b["at_most"] + 1 for b in sparse["evidence"]["lower_bounds"]) == sparse["claim"]["kept"]
    assert sparse["claim"]["kept"] <= construction["claim"]["kept"]
    assert narrow["claim"]["minimal_width"] and narrow["evidence"]["narrower"]["width"] == narrow["claim"]["width"] - 1


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(obj, list) and obj:
        for i, v in enumerate(obj):
            yield from _leaves(v, path + (i,))
    else:
        yield path, obj


def _perturbed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0
    if isinstance(value, str):
        return value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x"
    if value is None:
        return 0
    if value == []:
        return [0]
    return None


def _set(obj, path, value):
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def _write_like(original, tmp_path, cert, name="tampered.json"):
    """A tampered copy next to the original's files (paths in it are relative)."""
    path = original.parent / name
    path.write_text(json.dumps(cert))
    return path


@pytest.mark.parametrize("kind", ["construction", "sparsest", "min-width", "exhaustive", "no-ticket"])
def test_every_single_field_change_is_rejected(certs, kind, tmp_path):
    original = json.loads(certs[kind].read_text())
    leaves = [(p, v) for p, v in _leaves(original) if p[0] != "info"]
    assert len(leaves) > 10
    for path, value in leaves:
        cert = json.loads(certs[kind].read_text())
        _set(cert, path, _perturbed(value))
        report = check_certificate(_write_like(certs[kind], tmp_path, cert))
        assert not report.ok, f"changing {'.'.join(map(str, path))} from {value!r} was accepted"
        assert any(line.startswith("FAILED") for line in report.lines)


@pytest.mark.parametrize("kind", ["construction", "sparsest"])
def test_every_mask_bit_flip_is_rejected_even_with_its_hash_updated(certs, kind, tmp_path):
    original = json.loads(certs[kind].read_text())
    layers = original["mask"]["layers"]
    for li, layer in enumerate(layers):
        size = layer["shape"][0] * layer["shape"][1]
        for bit in range(size):
            cert = json.loads(certs[kind].read_text())
            kept = set(cert["mask"]["layers"][li]["kept"])
            kept ^= {bit}
            cert["mask"]["layers"][li]["kept"] = sorted(kept)
            for rehash in (False, True):
                if rehash:  # a consistent forgery: the mask's own hash and the counts updated
                    masks = [np.zeros(lay["shape"][0] * lay["shape"][1], bool) for lay in cert["mask"]["layers"]]
                    for m, lay in zip(masks, cert["mask"]["layers"]):
                        m[lay["kept"]] = True
                    cert["mask"] = mask_to_json([m.reshape(lay["shape"]) for m, lay in zip(masks, cert["mask"]["layers"])])
                    cert["claim"]["kept"] += 1 if bit in kept else -1
                    from verify.certificates import statement

                    cert["claim"]["statement"] = statement(cert["claim"], cert["evidence"]["equality"]["domain"])
                report = check_certificate(_write_like(certs[kind], tmp_path, cert))
                assert not report.ok, f"flipping bit {bit} of layer {li} (rehash={rehash}) was accepted"


def test_every_witness_change_is_rejected(certs, tmp_path):
    original = json.loads(certs["construction"].read_text())
    for i, w in enumerate(original["evidence"]["witnesses"]):
        changes = [("target", w["target"] + 1), ("units", w["units"][:-1]), ("units", w["units"] + [10**6]),
                   ("row", w["row"] + 1), ("branch", "B" if w["branch"] == "A" else "A")]
        for field, value in changes:
            if field == "units" and value == w["units"]:
                continue
            cert = json.loads(certs["construction"].read_text())
            cert["evidence"]["witnesses"][i][field] = value
            assert not check_certificate(_write_like(certs["construction"], tmp_path, cert)).ok, (i, field)


def _copy_tree(src_cert, tmp_path):
    """A copy of a certificate with its networks and proofs, to tamper with files."""
    cert = json.loads(src_cert.read_text())
    for role in ("target", "random"):
        shutil.copy(src_cert.parent / cert["files"][role]["path"], tmp_path / cert["files"][role]["path"])
    proofs = src_cert.parent / (src_cert.stem + ".proofs")
    if proofs.exists():
        shutil.copytree(proofs, tmp_path / proofs.name)
    shutil.copy(src_cert, tmp_path / src_cert.name)
    return tmp_path / src_cert.name, cert


def test_changed_network_weights_are_rejected(certs, tmp_path):
    from verify.networks import load_network

    path, cert = _copy_tree(certs["construction"], tmp_path)
    for role in ("target", "random"):
        net_path = tmp_path / cert["files"][role]["path"]
        original = load_network(net_path)
        weights = [w.copy() for w in original.weights]
        # a weight the ticket uses (a change the mask prunes away would rightly go unnoticed)
        at = cert["mask"]["layers"][-1]["kept"][0] if role == "random" else 0
        weights[-1].flat[at] += 1
        save_network(QuantizedNetwork(weights, original.scales, original.rounding), net_path)
        report = check_certificate(path)
        assert not report.ok and "sha256" in " ".join(report.lines)
        # and with the certificate's hash updated to the new file, the evidence fails instead
        forged = json.loads(path.read_text())
        forged["files"][role]["sha256"] = load_network(net_path).sha256
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        assert not check_certificate(tmp_path / "forged.json").ok
        save_network(original, net_path)
        assert check_certificate(path).ok


def test_tampered_proof_files_are_rejected(certs, tmp_path):
    from verify.solve.proofs import check_drup_files

    path, cert = _copy_tree(certs["sparsest"], tmp_path)
    # a component whose CNF unit propagation alone does not refute: its proof's steps matter
    empty = tmp_path / "empty.drup"
    empty.write_text("")
    hard = [b for b in cert["evidence"]["lower_bounds"]
            if not check_drup_files(tmp_path / b["cnf"]["path"], empty).ok]
    assert hard, "every component is refuted by unit propagation: the fixture tests no proof step"
    bound = hard[0]
    proof = tmp_path / bound["proof"]["path"]
    cnf = tmp_path / bound["cnf"]["path"]
    text = proof.read_text()
    lines = text.splitlines()
    import hashlib

    for i in range(len(lines)):  # every line dropped: the file no longer matches its hash
        proof.write_text("\n".join(lines[:i] + lines[i + 1:]) + "\n")
        assert not check_certificate(path).ok, f"proof line {i} dropped was accepted"
    for new_text, what in (("\n".join(lines[:-1]) + "\n", "without its empty clause"),
                           ("\n".join(lines[: len(lines) // 2]) + "\n", "truncated")):
        proof.write_text(new_text)  # a consistent forgery: the hash updated, the checker must refuse
        forged = json.loads(path.read_text())
        forged["evidence"]["lower_bounds"][cert["evidence"]["lower_bounds"].index(bound)]["proof"]["sha256"] = hashlib.sha256(new_text.encode()).hexdigest()
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        report = check_certificate(tmp_path / "forged.json")
        assert not report.ok and "proof rejected" in " ".join(report.lines), what
    proof.write_text(text)
    cnf_text = cnf.read_text()
    weaker = "\n".join(line for line in cnf_text.splitlines() if not line.startswith("p "))
    clauses = [c for c in weaker.splitlines() if c and not c.startswith("c")]
    forged_cnf = f"p cnf {cnf_text.split('p cnf ')[1].split()[0]} {len(clauses) - 1}\n" + "\n".join(clauses[:-1]) + "\n"
    cnf.write_text(forged_cnf)
    forged = json.loads(path.read_text())
    forged["evidence"]["lower_bounds"][cert["evidence"]["lower_bounds"].index(bound)]["cnf"]["sha256"] = hashlib.sha256(forged_cnf.encode()).hexdigest()
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    report = check_certificate(tmp_path / "forged.json")
    assert not report.ok and "is not the component's CNF" in " ".join(report.lines)
    cnf.write_text(cnf_text)
    assert check_certificate(path).ok


def test_theorem2_construction_certifies(tmp_path):
    for seed in range(4, 40):  # the first draw whose construction succeeds
        t, r = _pair(tmp_path, widths=(2, 2, 2), units=24, seed=seed, theorem=2)
        done = certify(t, r, tmp_path / "c.json")
        if done.ok:
            break
    assert done.ok and done.ticket and done.summary.equality.method == "collapse"
    assert check_certificate(tmp_path / "c.json").ok


def test_a_given_mask_is_certified_or_refuted_with_a_replayed_input(tmp_path, certs):
    from verify.certificates import mask_from_json
    from verify.networks import load_network

    cert = json.loads(certs["construction"].read_text())
    d = certs["construction"].parent
    random = load_network(d / cert["files"]["random"]["path"])
    mask = list(mask_from_json(cert["mask"], "mask"))
    save_mask(mask, tmp_path / "m.npz", random.sha256)
    t, r = d / cert["files"]["target"]["path"], d / cert["files"]["random"]["path"]
    done = certify(t, r, tmp_path / "given.json", CertifyOptions(mask_path=tmp_path / "m.npz"))
    assert done.ok and check_certificate(tmp_path / "given.json").ok
    # drop one second-layer weight at a time: with the target's rounding the pruned network may
    # still agree on the input grid (then its certificate must check), else a replayed input
    from verify.equality import ticket_network

    target = load_network(t)
    refuted = 0
    for row, col in np.argwhere(mask[1])[:12]:
        smaller = [m.copy() for m in mask]
        smaller[1][row, col] = False
        save_mask(smaller, tmp_path / "m2.npz", random.sha256)
        out = tmp_path / "smaller.json"
        out.unlink(missing_ok=True)
        done = certify(t, r, out, CertifyOptions(mask_path=tmp_path / "m2.npz"))
        if done.ok:
            assert check_certificate(out).ok
            continue
        refuted += 1
        assert done.certificate is None and not out.exists()
        x = np.array([done.summary.counterexample])
        pruned = ticket_network(target, random, smaller, cert["claim"]["delta_bits"])
        assert not (target.forward(x, 2)[0] == pruned.forward(x, 2)[0]).all()
    assert refuted > 0


def test_bad_requests_are_one_line_errors(tmp_path, certs):
    d = certs["construction"].parent
    cert = json.loads(certs["construction"].read_text())
    t, r = d / cert["files"]["target"]["path"], d / cert["files"]["random"]["path"]
    with pytest.raises(InputError, match="find"):
        certify(t, r, tmp_path / "x.json", CertifyOptions("best"))
    with pytest.raises(InputError, match=".json"):
        certify(t, r, tmp_path / "x.txt")
    with pytest.raises(InputError, match="does not exist"):
        certify(t, r, tmp_path / "nowhere" / "x.json")
    with pytest.raises(InputError, match="depth"):
        certify(t, t, tmp_path / "x.json", CertifyOptions("sparsest"))
    (tmp_path / "junk.json").write_text("{}")
    report = check_certificate(tmp_path / "junk.json")
    assert not report.ok and len(report.lines) == 1
    report = check_certificate(tmp_path / "missing.json")
    assert not report.ok and "no such file" in report.lines[0]


def test_a_failed_construction_suggests_find_any_only_where_it_can_help():
    from types import SimpleNamespace

    from verify.certify import _after_failure

    def at(*layers):  # failed choices (verify.constructions.WeightChoice) of these target layers
        return tuple(SimpleNamespace(layer=layer) for layer in layers)

    assert "--find any" in _after_failure(at(2, 3))
    hint = _after_failure(at(1, 2))
    assert "--find any" not in hint and "--c" in hint


def test_version_1_sparsest_certificates_still_check(certs, tmp_path, monkeypatch):
    """Version 1 refuted component CNFs without the twin order, with a totalizer: such a
    certificate still checks (its CNFs are rebuilt as version 1 built them), and neither
    version's CNF files pass for the other's."""
    import functools

    import verify.certify as certify_module
    import verify.ticket_pipeline as pipeline
    from verify.tickets import find_sparsest

    t, r = (certs["sparsest"].parent / p for p in ("t.npz", "r.npz"))
    monkeypatch.setattr(certify_module, "VERSION", 1)
    monkeypatch.setattr(pipeline, "find_sparsest", functools.partial(find_sparsest, version=1))
    done = certify(t, r, tmp_path / "v1.json", CertifyOptions("sparsest"))
    assert done.ok and done.certificate["version"] == 1
    assert check_certificate(tmp_path / "v1.json").ok
    for path, version in ((tmp_path / "v1.json", 2), (certs["sparsest"], 1)):
        cert = json.loads(path.read_text())
        cert["version"] = version
        relabelled = path.with_name(f"as-version-{version}.json")
        relabelled.write_text(json.dumps(cert))
        report = check_certificate(relabelled, proofs=False)
        assert not report.ok and "is not the component's CNF" in report.lines[-1], report.lines


def test_a_component_left_unproved_leaves_checked_partial_bounds(certs, tmp_path, monkeypatch):
    """A refutation that stops at a limit does not fail the run: the ticket is certified,
    not as the sparsest; the components proved are cited and checked as a partial bound, and
    ``info`` gives the kept weights' range and the open components."""
    import verify.tickets as tickets
    from verify.solve.outcome import Outcome
    from verify.solve.refutation import refute

    calls = []

    def first_unknown(nvars, clauses, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            done = refute(nvars, clauses, *args, **kwargs)
            return type(done)(Outcome.UNKNOWN, None, None, None, 0.0, done.solver, "time limit (test)")
        return refute(nvars, clauses, *args, **kwargs)

    monkeypatch.setattr(tickets, "refute", first_unknown)
    monkeypatch.setattr(tickets, "SEARCH_WORKERS", 1)  # the count of calls lives in one process
    t, r = (certs["sparsest"].parent / p for p in ("t.npz", "r.npz"))
    done = certify(t, r, tmp_path / "partial.json", CertifyOptions("sparsest"))
    assert done.ok and done.ticket and len(calls) >= 2
    cert = done.certificate
    assert "sparsest" not in cert["claim"] and len(cert["evidence"]["lower_bounds"]) == len(calls) - 1
    low, high = cert["info"]["kept_between"]
    assert low < high == cert["claim"]["kept"] and len(cert["info"]["unproved_components"]) == 1
    report = check_certificate(tmp_path / "partial.json")
    assert report.ok and any("partial:" in line for line in report.lines), report.lines


def test_a_spent_search_budget_certifies_the_ticket_with_its_table_bounds(certs, tmp_path):
    """``search_seconds`` spent before any refutation: the ticket is still certified, not as
    the sparsest, with no proof cited, and the kept weights' range from the exact per-sum
    tables (each component keeps at least Σ fewest + max fewest)."""
    t, r = (certs["sparsest"].parent / p for p in ("t.npz", "r.npz"))
    done = certify(t, r, tmp_path / "spent.json", CertifyOptions("sparsest", search_seconds=0))
    assert done.ok and done.ticket
    cert = done.certificate
    assert "sparsest" not in cert["claim"] and cert["evidence"]["lower_bounds"] == []
    low, high = cert["info"]["kept_between"]
    assert 0 < low <= high == cert["claim"]["kept"]
    assert "spent" in cert["info"]["optimality"]
    assert check_certificate(tmp_path / "spent.json").ok
