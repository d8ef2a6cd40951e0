"""Certificates for targets with an architecture: written after the construction, re-checked
with no solver, and every tampering rejected."""

import json

import numpy as np
import pytest

from verify.cli import main
from verify.conv_certificates import _sha, certify_conv, check_conv_certificate, decide
from verify.conv_constructions import random_architecture
from verify.architectures import architecture_from_json
from verify.conv_networks import draw_network, save_conv_network
from verify.errors import ClaimRejected, InputError, MalformedCertificate


SPEC = {"input": [1, 2, 2], "layers": [  # 3^4 inputs on the grid 2^-0: exhaustive checks are quick
    {"type": "conv", "out_channels": 2, "kernel": 2, "padding": 1, "bits": 2},
    {"type": "relu"},
    {"type": "residual", "layers": [{"type": "conv", "out_channels": 2, "kernel": 1, "bits": 1, "gamma": 1}]},
    {"type": "flatten"},
    {"type": "dense", "out": 2, "bits": 2},
]}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv-cert")
    arch = architecture_from_json(SPEC)
    save_conv_network(draw_network(arch, 1), d / "t.json")
    save_conv_network(draw_network(random_architecture(arch, 60, 1), 2), d / "r.npz")
    done = certify_conv(d / "t.json", d / "r.npz", d / "cert.json")
    assert done.ok and done.equality.method == "collapse"
    return d


def _tampered(written, tmp_path, change):
    cert = json.loads((written / "cert.json").read_text())
    change(cert)
    for f in ("t.json", "r.npz"):
        (tmp_path / f).write_bytes((written / f).read_bytes())
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(cert))
    return check_conv_certificate(path)


def test_the_written_certificate_checks(written):
    report = check_conv_certificate(written / "cert.json")
    assert report.ok and any("witnesses replayed" in line for line in report.lines)


def _drop_kept(cert):
    layer = cert["mask"]["layers"][1]
    layer["kept"] = layer["kept"][1:]
    cert["mask"]["sha256"] = _sha(cert["mask"]["layers"])
    cert["claim"]["kept"] -= 1
    cert["claim"]["statement"] = cert["claim"]["statement"].replace(
        f"keeps {cert['claim']['kept'] + 1} ", f"keeps {cert['claim']['kept']} ")


def _swap_unit(cert):
    w = next(w for w in cert["evidence"]["witnesses"] if w["units"])
    w["units"][0] += 1


TAMPERINGS = {
    "a kept weight dropped (hash redone)": _drop_kept,
    "the mask hash": lambda c: c["mask"].__setitem__("sha256", "0" * 64),
    "a witness unit": _swap_unit,
    "the kept count": lambda c: c["claim"].__setitem__("kept", 1),
    "the equality verdict": lambda c: c["evidence"]["equality"].__setitem__("verdict", "equal-claimed"),
    "the equality domain": lambda c: c["evidence"]["equality"].__setitem__("method", "exhaustive"),
    "a network hash": lambda c: c["files"]["target"].__setitem__("sha256", "0" * 64),
    "a file hash": lambda c: c["files"]["random"].__setitem__("file_sha256", "0" * 64),
    "the layout": lambda c: c.__setitem__("units", 61),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_tampering_is_rejected(written, tmp_path, name):
    report = _tampered(written, tmp_path, TAMPERINGS[name])
    assert not report.ok and isinstance(report.error, ClaimRejected)


def test_a_malformed_certificate_is_bad_input(written, tmp_path):
    report = _tampered(written, tmp_path, lambda c: c.pop("evidence"))
    assert not report.ok and isinstance(report.error, MalformedCertificate)


def test_cli_certify_and_check(written, tmp_path, capsys):
    cert = tmp_path / "c.json"
    code = main(["certify", "--target", str(written / "t.json"), "--random", str(written / "r.npz"),
                 "--equality", "exhaustive", "-o", str(cert)])
    out = capsys.readouterr().out
    assert code == 0 and "equal (exhaustive) on every input on the grid 2^-0 (81 inputs)" in out
    assert main(["check", str(cert)]) == 0 and "verified" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text(json.dumps({**json.loads(cert.read_text()), "units": 3}))
    assert main(["check", str(tmp_path / "bad.json")]) == 1
    code = main(["certify", "--target", str(written / "t.json"), "--random", str(written / "r.npz"),
                 "--equality", "miter", "-o", str(tmp_path / "m.json")])
    assert code == 2 and "miter handles MLPs only" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()
    code = main(["certify", "--target", str(written / "t.json"), "--random", str(written / "r.npz"),
                 "--find", "min-width", "-o", str(tmp_path / "s.json")])
    assert code == 2 and not (tmp_path / "s.json").exists()


def test_a_failed_construction_writes_no_certificate(tmp_path, capsys):
    arch = architecture_from_json(SPEC)
    save_conv_network(draw_network(arch, 1), tmp_path / "t.json")
    save_conv_network(draw_network(random_architecture(arch, 2, 1), 2), tmp_path / "r.npz")
    code = main(["certify", "--target", str(tmp_path / "t.json"), "--random", str(tmp_path / "r.npz"),
                 "-o", str(tmp_path / "c.json")])
    out = capsys.readouterr().out
    assert code == 1 and "construction failed" in out and "FAILED    layer" in out
    assert not (tmp_path / "c.json").exists()


def test_a_mask_that_does_not_collapse_falls_back_to_exhaustive(written):
    from verify.conv_constructions import construct_conv
    from verify.conv_networks import load_conv_network

    t, r = load_conv_network(written / "t.json"), load_conv_network(written / "r.npz")
    mask = [m.copy() for m in construct_conv(t, r).mask]
    h = int(np.argwhere(mask[0].reshape(mask[0].shape[0], -1).any(axis=1))[0, 0])
    mask[0][h] |= r.weights[0][h] != 0  # channel h now reads every entry it has a weight for
    assert mask[0][h].sum() > 1
    proof = decide(t, r, mask, "auto", 0)
    assert proof.method == "exhaustive" and proof.verdict.value in ("equal", "differ")
    assert decide(t, r, mask, "collapse", 0).verdict.value == "not-applicable"
    with pytest.raises(InputError, match="miter"):
        decide(t, r, mask, "miter", 0)
