"""Hard instance suites: a built suite checks clean, tampering with any file or manifest entry
is caught, the same spec gives byte-identical suites, bad specs fail before any work."""

import json
import shutil
from pathlib import Path

import pytest

from tests.brute import reachable, subset_table
from verify.cli import main
from verify.errors import InputError
from verify.suites.build import build_suite
from verify.suites.check import check_suite
from verify.suites.spec import critical_M, load_suite_spec, parse_suite_spec

SMALL = """
name = "tiny"
seed = 7
time_limit = 20
memory_budget = "{budget}"
[[family]]
kind = "subset-sum"
n = 12
lambda = [-1, 1]
answer = ["planted", "infeasible"]
[[family]]
kind = "subset-sum"
n = 10
lambda = 0
size = "half"
answer = "planted"
[[family]]
kind = "vector"
n = 8
dim = 2
bits = 3
answer = ["planted", "infeasible"]
[[family]]
kind = "network"
widths = "1,1"
target_bits = 3
c = [2, 24]
"""


def spec_of(tmp_path, budget="64M", name="s.toml"):
    p = tmp_path / name
    p.write_text(SMALL.format(budget=budget))
    return load_suite_spec(p)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("suite")
    build_suite(spec_of(tmp), tmp / "a")
    return tmp / "a"


def copy_of(built, tmp_path) -> Path:
    shutil.copytree(built, tmp_path / "c")
    return tmp_path / "c"


def manifest(d: Path) -> dict:
    return json.loads((d / "manifest.json").read_text())


def rewrite(d: Path, m: dict) -> None:
    (d / "manifest.json").write_text(json.dumps(m))


def test_built_suite_checks_clean_and_its_answers_match_brute_force(built):
    result = check_suite(built)
    assert result.ok, result.lines
    m = manifest(built)
    assert sum(m["counts"].values()) == len(m["instances"]) == 2 * 2 + 1 + 2 + 2
    for e in m["instances"]:
        if e["kind"] != "subset-sum":
            continue
        inst = json.loads((built / e["files"]["instance"]["path"]).read_text())
        table = subset_table(inst["weights"])
        want = e["params"]["answer"] == "planted" or e.get("notes")
        assert reachable(table, inst["targets"][0], inst.get("size")) == bool(want)
        assert set(e["files"]) >= {"instance", "cnf", "opb", "wcnf"}
    infeasible = [e for e in m["instances"] if e["params"].get("answer") == "infeasible"]
    assert infeasible and all(e["answer"]["status"] == "unsat-exhaustive" for e in infeasible)


def test_same_spec_gives_a_byte_identical_suite(built, tmp_path):
    build_suite(spec_of(tmp_path), tmp_path / "b")
    files = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for f in files:
        assert (built / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_a_tampered_instance_file_is_rejected(built, tmp_path):
    d = copy_of(built, tmp_path)
    e = manifest(d)["instances"][0]
    path = d / e["files"]["instance"]["path"]
    inst = json.loads(path.read_text())
    inst["weights"][0] += 1
    path.write_text(json.dumps(inst))
    result = check_suite(d)
    assert not result.ok and any(e["name"] in x and "sha256" in x for x in result.lines)


@pytest.mark.parametrize("tamper, message", [
    (lambda e: e["answer"].update(witness=e["answer"]["witness"][1:]), "witness does not replay"),
    (lambda e: e["answer"].update(status="unsat-exhaustive"), "exhaustive method says sat-verified"),
    (lambda e: e["answer"].update(target=e["answer"]["target"] + 1), "is not the instance's target"),
    (lambda e: e.update(instance_sha256="0" * 64), "content hash"),
    (lambda e: e["files"]["cnf"].update(sha256="0" * 64), "cnf file"),
    (lambda e: e["files"]["instance"].update(path="../../etc/passwd"), "leaves the suite directory"),
])
def test_a_tampered_manifest_entry_is_rejected(built, tmp_path, tamper, message):
    d = copy_of(built, tmp_path)
    m = manifest(d)
    entry = next(e for e in m["instances"] if e["answer"]["status"] == "sat-verified" and e["kind"] == "subset-sum")
    tamper(entry)
    rewrite(d, m)
    result = check_suite(d)
    assert not result.ok and any(message in x for x in result.lines), result.lines


def test_an_export_that_is_not_the_instances_is_rejected_even_with_a_matching_hash(built, tmp_path):
    import hashlib

    d = copy_of(built, tmp_path)
    m = manifest(d)
    e = m["instances"][0]
    cnf = d / e["files"]["cnf"]["path"]
    text = cnf.read_text().replace(" 0\n", " 0\n", 1) + "1 0\n"
    cnf.write_text(text)
    e["files"]["cnf"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    rewrite(d, m)
    result = check_suite(d)
    assert not result.ok and any("not the export of the instance" in x for x in result.lines)


def test_unreachable_claim_on_a_network_or_subset_sum_is_recomputed(built, tmp_path):
    d = copy_of(built, tmp_path)
    m = manifest(d)
    net = next(e for e in m["instances"] if e["kind"] == "network" and e["answer"]["status"] == "sat-verified")
    net["answer"]["ticket"] = False
    rewrite(d, m)
    result = check_suite(d)
    assert not result.ok and any("not the manifest's answer" in x for x in result.lines)


def test_proof_checked_answers_when_the_exhaustive_methods_do_not_fit(tmp_path):
    spec = spec_of(tmp_path, budget="1")  # one byte: no table fits, every "no" needs a DRUP proof
    spec = parse_suite_spec({**spec.source, "family": [spec.source["family"][0]]}, "inline")
    build_suite(spec, tmp_path / "p")
    m = manifest(tmp_path / "p")
    proofs = [e for e in m["instances"] if e["answer"]["status"] == "unsat-proof-checked"]
    assert proofs and all("proof" in e["files"] for e in proofs)
    assert check_suite(tmp_path / "p").ok
    proof = tmp_path / "p" / proofs[0]["files"]["proof"]["path"]
    proof.write_text("")  # an empty proof refutes nothing
    import hashlib

    proofs[0]["files"]["proof"]["sha256"] = hashlib.sha256(b"").hexdigest()
    rewrite(tmp_path / "p", m)
    result = check_suite(tmp_path / "p")
    assert not result.ok and any("does not check" in x for x in result.lines)


def test_cli_build_and_check(tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_text(SMALL.format(budget="64M"))
    assert main(["suite", "build", "--spec", str(p), "-o", str(tmp_path / "s")]) == 0
    assert main(["suite", "check", str(tmp_path / "s")]) == 0
    assert "verified:" in capsys.readouterr().out
    assert main(["suite", "build", "--spec", str(p), "-o", str(tmp_path / "s")]) == 2  # not empty
    assert "not empty" in capsys.readouterr().err
    (tmp_path / "s" / "manifest.json").unlink()
    assert main(["suite", "check", str(tmp_path / "s")]) == 2
    assert "no manifest.json" in capsys.readouterr().err


BAD = [
    ('seed = 1\n[[family]]\nkind = "subset-sum"\nn = 8', "missing field 'name'"),
    ('name = "x"\ncolour = 1\n[[family]]\nkind = "subset-sum"\nn = 8', "unknown field 'colour'"),
    ('name = "x"\n[[family]]\nkind = "matrix"', "family[0].kind: expected one of"),
    ('name = "x"\n[[family]]\nkind = "subset-sum"\nn = 8\nlambda = 0.3', "family[0].lambda"),
    ('name = "x"\n[[family]]\nkind = "subset-sum"\nn = 0', "family[0].n"),
    ('name = "x"\n[[family]]\nkind = "subset-sum"\nn = 8\nanswer = "maybe"', "family[0].answer"),
    ('name = "x"\n[[family]]\nkind = "subset-sum"\nn = 8\nbits = 3', "family[0].bits: a subset-sum family"),
    ('name = "x"\n[[family]]\nkind = "network"\nwidths = "2"', "family[0].widths"),
    ('name = "x"\nformats = ["xml"]\n[[family]]\nkind = "subset-sum"\nn = 8', "formats"),
    ('name = "x"\nmemory_budget = "lots"\n[[family]]\nkind = "subset-sum"\nn = 8', "memory_budget"),
    ('name = "x"\ntime_limit = 0\n[[family]]\nkind = "subset-sum"\nn = 8',
     "time_limit: expected a positive number of seconds, at most 10^6, got 0"),
]


@pytest.mark.parametrize("text, message", BAD, ids=[m for _, m in BAD])
def test_bad_suite_specs_fail_before_any_work(tmp_path, capsys, text, message):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    out = tmp_path / "out"
    assert main(["suite", "build", "--spec", str(p), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_critical_M_is_exact():
    from fractions import Fraction

    assert critical_M(16, Fraction(0)) == 2 ** 16 // 4
    assert critical_M(9, Fraction(1, 2)) == int((2 ** 19 / 9) ** 0.5)  # floor(2^9.5 / 3)
    with pytest.raises(InputError):
        critical_M(9, Fraction(1, 3))


def test_an_answer_not_certified_in_time_is_labelled_unknown_and_checks_as_such(tmp_path, monkeypatch):
    from verify.solve.outcome import Outcome
    from verify.suites import build

    monkeypatch.setattr(build, "_sat_answer", lambda problem, cnf, seconds: (Outcome.UNKNOWN, "time limit 1 s reached"))
    spec = spec_of(tmp_path, budget="1")  # nothing exhaustive fits: every "no" would need the SAT run
    spec = parse_suite_spec({**spec.source, "family": [spec.source["family"][0]]}, "inline")
    build_suite(spec, tmp_path / "u")
    m = manifest(tmp_path / "u")
    unknown = [e for e in m["instances"] if e["answer"]["status"] == "unknown"]
    assert len(unknown) == 2 and all("time_limit = 20 s for the search reached" in e["answer"]["reason"] for e in unknown)
    result = check_suite(tmp_path / "u")
    assert result.ok and result.counts.get("unknown") == 2
    assert any("unknown (not certified when built" in x for x in result.lines)


def test_the_search_for_an_unreachable_target_is_bounded_by_time_limit(tmp_path, monkeypatch):
    # every draw is reachable and each SAT run takes its time: the search stops at time_limit in
    # all, with the SAT runs given only what is left, and keeps the last (reachable) draw
    from verify.solve.outcome import Outcome
    from verify.suites import build

    given = []

    def slow_sat(problem, cnf, seconds):
        given.append(seconds)
        import time

        from verify.prefilter.mitm import MeetInTheMiddle

        time.sleep(0.3)
        witness = MeetInTheMiddle(problem.weights).witness(problem.target_list()[0])
        return (Outcome.UNKNOWN, "unreachable") if witness is None else (Outcome.SAT, list(witness))

    monkeypatch.setattr(build, "exhaustive_answer", lambda problem, budget: None)
    monkeypatch.setattr(build, "_sat_answer", slow_sat)
    spec = spec_of(tmp_path, budget="1")
    first = {**spec.source["family"][0], "lambda": -6, "answer": "infeasible"}  # M = 18: dense sums
    spec = parse_suite_spec({**spec.source, "time_limit": 1, "family": [first]}, "inline")
    build_suite(spec, tmp_path / "t")
    (entry,) = manifest(tmp_path / "t")["instances"]
    assert 2 <= len(given) <= 5 and given[0] <= 1 and all(b < a for a, b in zip(given, given[1:]))
    assert entry["answer"]["status"] == "sat-verified" and entry["answer"]["method"] == "search"
    assert "within time_limit = 1 s" in entry["notes"][0]
    assert check_suite(tmp_path / "t").ok
