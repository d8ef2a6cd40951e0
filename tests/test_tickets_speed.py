"""The speed paths of the sparsest search and its check: the native checker's own reading of
DRUP text against dratify's parser, components decided in parallel against one process, and
parallel proof checks that still reject tampered proofs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from verify.errors import ClaimRejected, InputError, VerifyError
from verify.generators import target_network, theorem1_random_network
from verify.networks import Rounding
from verify.solve import proofs
from verify.solve.children import parallel_map
from verify.solve.refutation import refute
from verify.tickets import family_sums, find_sparsest

native = pytest.mark.skipif(not proofs.native_available(), reason="native proof checker not installed")


def unsat_cnf(rng, nvars=10, nclauses=70):
    """A random 3-CNF refuted by the solver, with its DRUP lines (retried until UNSAT)."""
    while True:
        clauses = [[int(v) * (1 if rng.random() < 0.5 else -1)
                    for v in rng.choice(np.arange(1, nvars + 1), 3, replace=False)] for _ in range(nclauses)]
        r = refute(nvars, clauses)
        if r.proof is not None:
            return nvars, clauses, r.proof


def both_ways(nvars, clauses, text):
    fast = proofs._fast_native(nvars, clauses, text)
    slow_path = proofs._fast_native
    try:
        proofs._fast_native = lambda *a: None
        slow = proofs.check_drup(nvars, clauses, text, engines="native")
    finally:
        proofs._fast_native = slow_path
    return fast, slow


@native
@pytest.mark.parametrize("seed", range(12))
def test_native_reading_agrees_with_dratify(seed):
    """Same verdict and message as dratify's parser, on proofs as solved and tampered with
    (a line dropped, a literal flipped, the formula cut short)."""
    rng = np.random.default_rng(seed)
    nvars, clauses, proof = unsat_cnf(rng)
    variants = [list(proof)]
    adds = [i for i, line in enumerate(proof) if not line.startswith("d") and line.strip() != "0"]
    if adds:
        i = int(rng.choice(adds))
        variants.append(proof[:i] + proof[i + 1:])
        lits = proof[i].split()
        lits[0] = str(-int(lits[0]))
        variants.append(proof[:i] + [" ".join(lits)] + proof[i + 1:])
    verdicts = []
    for lines in variants:
        for cnf in (clauses, clauses[: len(clauses) // 2]):
            fast, slow = both_ways(nvars, cnf, "\n".join(lines))
            assert fast is not None
            assert (fast.ok, fast.message) == (slow.ok, slow.message)
            verdicts.append(fast.ok)
    assert verdicts[0] is True


@native
def test_native_reading_normalizes_clauses_as_dratify():
    """A repeated literal is collapsed and a tautology dropped, as dratify's CNF does."""
    clauses = [[1, 1, 2], [-1, 2], [1, -2], [-1, -2], [3, -3]]
    fast, slow = both_ways(3, clauses, "2 0\n0\n")
    assert fast.ok and slow.ok
    fast, slow = both_ways(3, clauses[1:], "2 0\n0\n")
    assert not fast.ok and fast.message == slow.message


@pytest.mark.parametrize("text", ["c a comment\n0\n", "1 2", "1d 0\n0\n", "1 d 2 0\n0\n", "x 0\n", "",
                                  "99999999999999999999 0\n0\n", "5000000 0\n0\n"])
def test_texts_not_plain_drup_go_to_dratify(text):
    """Comments, a missing final 0, a misplaced mark, garbage, overflow, a literal past
    dratify's bound: not read here, left to dratify (which reads or explains them)."""
    assert proofs._packed_steps(2, text) is None
    clauses = [[1, 2], [-1, 2], [1, -2], [-1, -2]]
    got = proofs.check_drup(2, clauses, text)
    expected = proofs.check_drup(2, clauses, text, engines="python")
    assert got.ok == expected.ok


def test_deletion_steps_read():
    steps = proofs._packed_steps(3, "1 -2 0\nd 1 -2 0\nd 0\n-3 0\n0\n")
    assert steps == [(False, [0, 3]), (True, [0, 3]), (True, []), (False, [5]), (False, [])]


# ---------------------------------------------------------------------------- parallel map

def _square_or_fail(x):
    if x == 5:
        raise InputError("five is refused")
    return x * x


def test_parallel_map_in_order_and_raises_the_class():
    assert parallel_map(_square_or_fail, range(5), 2) == [0, 1, 4, 9, 16]
    assert parallel_map(_square_or_fail, range(5), 1) == [0, 1, 4, 9, 16]
    with pytest.raises(InputError, match="five is refused"):
        parallel_map(_square_or_fail, range(8), 2)


def _dies(x):
    import os
    os._exit(3)


def test_parallel_map_worker_that_dies():
    with pytest.raises(VerifyError, match="no answer"):
        parallel_map(_dies, range(3), 2)


# ------------------------------------------------------------------------ sparsest, parallel

def test_parallel_search_same_optimum():
    """Components decided in two processes give what one process gives: the same chosen
    units, the same bounds, all checked."""
    target = target_network([2, 2, 2], 3, seed=1, rounding=Rounding("double", 3))
    random = theorem1_random_network(target, 24, 2, seed=2)  # a draw with a ticket, 6 components
    sums = family_sums(target, random, 2)
    one, two = find_sparsest(sums, 24, workers=1), find_sparsest(sums, 24, workers=2)
    assert one.found and two.found and one.optimal is True and two.optimal is True
    assert sum(b.kept for b in one.bounds) == sum(b.kept for b in two.bounds)
    assert [(b.kept, b.checked) for b in one.bounds] == [(b.kept, b.checked) for b in two.bounds]
    assert [{k: v for k, v in c.items()} for c in one.stats["components"]] == two.stats["components"]


def test_parallel_check_same_report_and_rejects_tampering(tmp_path, monkeypatch):
    """check in one and in two processes: the same lines, also on proof files changed (a
    lemma dropped, which may leave a valid proof; the empty clause dropped, rejected) with and
    without the certificate's hash of them updated."""
    import verify.certificates as certificates
    from verify.certify import CertifyOptions, certify
    from verify.networks import save_network

    target = target_network([2, 2, 2], 3, seed=1, rounding=Rounding("double", 3))
    random = theorem1_random_network(target, 24, 2, seed=2)
    save_network(target, tmp_path / "t.npz")
    save_network(random, tmp_path / "r.npz")
    done = certify(tmp_path / "t.npz", tmp_path / "r.npz", tmp_path / "c.json", CertifyOptions("sparsest"))
    assert done.ok and done.certificate["claim"].get("sparsest")

    def lines(workers):
        monkeypatch.setattr(certificates, "CHECK_WORKERS", workers)
        report = certificates.check_certificate(tmp_path / "c.json")
        return report.ok, report.lines

    assert lines(1) == lines(2) and lines(2)[0]
    proofs_dir = tmp_path / "c.proofs"
    largest = max(proofs_dir.glob("*.drup"), key=lambda p: p.stat().st_size)
    original = largest.read_text()
    cert_text = (tmp_path / "c.json").read_text()
    for tampered in ("\n".join(l for i, l in enumerate(original.splitlines()) if i != 1) + "\n",
                     "\n".join(l for l in original.splitlines() if l.strip() != "0") + "\n"):
        largest.write_text(tampered)
        one, two = lines(1), lines(2)  # the hash in the certificate no longer matches
        assert one == two and not one[0] and "sha256" in one[1][-1].lower()
        # with the hash updated, the proof itself is run and rejected
        cert = json.loads(cert_text)
        for b in cert["evidence"]["lower_bounds"]:
            if b["proof"]["path"].endswith(largest.name):
                b["proof"]["sha256"] = certificates.file_sha256(largest)
        (tmp_path / "c.json").write_text(json.dumps(cert))
        one, two = lines(1), lines(2)
        assert one == two
        if not tampered.endswith("\n0\n"):  # without its empty clause no proof refutes anything
            assert not one[0] and "proof rejected" in one[1][-1], one[1][-1]
        (tmp_path / "c.json").write_text(cert_text)
    largest.write_text(original)
    assert lines(2)[0]
