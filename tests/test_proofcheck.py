"""check_drup: valid proofs pass, every kind of damaged proof is rejected, and the two checker
engines agree (a disagreement raises).

The cases live in tests/data/proofs/, generated once from PySAT's PHP(4) (20 variables,
45 clauses); each file is explained in CASES.
"""

import random
import types
from pathlib import Path

import dratify
import pytest

from verify.solve.proofs import (
    ProofCheck,
    check_drup,
    check_drup_files,
    native_available,
    read_cnf_file,
)
from verify.errors import InputError, MethodDisagreement, MissingFileError

DATA = Path(__file__).parent / "data" / "proofs"
# cdclkit[native] is a core dependency: a missing Rust engine is a broken install, not a skip.
NO_NATIVE = "the native checker is not installed: cdclkit[native] is a dependency of slth-verify"

# (formula, proof, accepted?, what the file is)
CASES = [
    ("php4.cnf", "valid_cadical195.drup", True, "CaDiCaL 1.9.5's proof, as PySAT returned it"),
    ("php4.cnf", "valid_glucose4.drup", True, "Glucose 4's proof, as PySAT returned it"),
    ("php4.cnf", "no_deletions.drup", True,
     "the CaDiCaL proof without its deletion lines: more clauses never break a RUP step"),
    ("php4.cnf", "no_empty_clause.drup", False,
     "truncated: the CaDiCaL proof up to, not including, its final empty clause"),
    ("php4.cnf", "first_half.drup", False, "truncated: the first half of the CaDiCaL proof"),
    ("php4.cnf", "dropped_middle.drup", False,
     "line 29 (-11 3 0) removed from the CaDiCaL proof: step 33 is then not implied"),
    ("php4.cnf", "flipped_literal.drup", False,
     "line 2 of the CaDiCaL proof with -19 flipped to 19: that lemma is not implied"),
    ("php4.cnf", "originals_deleted.drup", False,
     "every original clause deleted before the CaDiCaL proof: deletions are honoured"),
    ("php4.cnf", "other_formula.drup", False,
     "a valid CaDiCaL proof of a different (random 3-CNF) formula over the same variables"),
    ("php4.cnf", "only_empty_clause.drup", False,
     "just '0': the formula is not refuted by unit propagation"),
    ("php4.cnf", "malformed_line.drup", False, "the CaDiCaL proof with an 'x' token in line 4"),
    ("php4_sat.cnf", "only_empty_clause.drup", False,
     "a satisfiable formula (PHP(4) without its first clause) with a bogus '0' proof"),
    ("php4_sat.cnf", "valid_cadical195.drup", False,
     "PHP(4)'s valid proof against the satisfiable formula that lacks one clause"),
]
IDS = [f"{proof.removesuffix('.drup')}-{cnf.removesuffix('.cnf')}" for cnf, proof, _, _ in CASES]

# A formula and proof small enough to follow by hand: all 8 clauses over 3 variables.
ALL8 = [[a, b, c] for a in (1, -1) for b in (2, -2) for c in (3, -3)]
ALL8_PROOF = ["1 2 0",  # -1 -2: (1 2 3) and (1 2 -3) clash on 3
              "1 0",    # -1: lemma (1 2) gives 2, then (1 -2 3), (1 -2 -3) clash
              "2 0",    # 1 holds; -2: (-1 2 3), (-1 2 -3) clash
              "0"]      # 1, 2 hold: (-1 -2 3), (-1 -2 -3) clash


@pytest.mark.parametrize("cnf, proof, accepted, about", CASES, ids=IDS)
def test_case_file(cnf, proof, accepted, about):
    result = check_drup_files(DATA / cnf, DATA / proof)
    assert result.ok is accepted, (about, result.message)
    expected_engines = {"native"} if native_available() else {"python"}
    assert set(result.engines) == expected_engines or not result.engines  # unreadable: none ran
    assert all(verdict is accepted for verdict in result.engines.values())
    assert ("accepted" in result.message) is accepted


@pytest.mark.parametrize("cnf, proof, accepted, about", CASES, ids=IDS)
def test_native_engine_alone_agrees(cnf, proof, accepted, about):
    assert native_available(), NO_NATIVE
    nvars, clauses = read_cnf_file(DATA / cnf)
    text = (DATA / proof).read_text()
    result = check_drup(nvars, clauses, text, engines="native")
    assert result.ok is accepted
    assert set(result.engines) <= {"native"}


def test_both_engines_ran_on_a_valid_proof():
    assert native_available(), NO_NATIVE
    result = check_drup_files(DATA / "php4.cnf", DATA / "valid_cadical195.drup", engines="both")
    assert result.engines == {"python": True, "native": True}
    assert set(result.seconds) == {"parse", "python", "native"}


def test_python_engine_alone():
    result = check_drup_files(DATA / "php4.cnf", DATA / "valid_glucose4.drup", engines="python")
    assert result.ok and result.engines == {"python": True}


def test_rejection_names_the_step():
    result = check_drup_files(DATA / "php4.cnf", DATA / "flipped_literal.drup")
    assert "first bad step 2: clause -13 19 -20 0" in result.message


# --- proofs as PySAT's list of lines ----------------------------------------------------------

def test_list_and_text_forms_agree():
    nvars, clauses = read_cnf_file(DATA / "php4.cnf")
    lines = (DATA / "valid_cadical195.drup").read_text().splitlines()
    assert check_drup(nvars, clauses, lines).ok
    assert check_drup(nvars, clauses, "\n".join(lines)).ok


def test_each_listed_line_must_be_one_clause():
    # in text a line break is only whitespace, so "1 2" would merge with the next line; a
    # list is the solver's own line structure, and a line without its 0 is damage
    result = check_drup(3, ALL8, ["1 2", "1 0", "2 0", "0"])
    assert not result.ok and "proof line 1 is not one DRUP clause" in result.message
    assert not check_drup(3, ALL8, ["1 2 0 1 0", "2 0", "0"]).ok


def test_a_hand_made_proof():
    assert check_drup(3, ALL8, ALL8_PROOF).ok
    # spacing and comments are tolerated; a clause no later step needs may be deleted ...
    assert check_drup(3, ALL8, ["1 2 0", "c a comment", "d 1 2 3 0", " 1  0 "] + ALL8_PROOF[2:]).ok
    # ... but a deleted clause is gone: "1 2 0" needs (1 2 3)
    assert not check_drup(3, ALL8, ["d 1 2 3 0"] + ALL8_PROOF).ok
    # without "2 0" nothing propagates from the root, so the empty clause is not implied
    dropped = check_drup(3, ALL8, ["1 2 0", "1 0", "0"])
    assert not dropped.ok and "first bad step 3: the empty clause" in dropped.message


def test_rat_steps_are_checked_and_accepted():
    # without "1 2 0", "1 0" is not RUP, but it is RAT on 1: every resolvent with a clause
    # containing -1 is an original clause. RAT additions preserve satisfiability, so the
    # refutation stands (DRAT, a superset of DRUP).
    assert check_drup(3, ALL8, ALL8_PROOF[1:]).ok
    # ... and RAT is really checked: (3) is neither RUP nor RAT on 3
    assert not check_drup(3, ALL8[:-1], ["3 0", "0"]).ok


@pytest.mark.parametrize("clauses, proof, accepted", [
    ([[]], [], True),                      # the formula holds the empty clause
    ([[1], [-1]], [], True),               # refuted by unit propagation alone
    ([[1, 2], [-1], [-2]], [], True),
    ([[1, 2]], [], False),                 # satisfiable: an empty proof proves nothing
    ([[1, 2]], ["0"], False),
    ([], ["0"], False),
    ([[1, -1]], ["0"], False),             # a tautology is dropped, never a refutation
])
def test_degenerate_formulas(clauses, proof, accepted):
    assert check_drup(2, clauses, proof).ok is accepted


def test_random_damage_is_rejected():
    # every truncation of a real proof before its empty clause fails (ends too early)
    nvars, clauses = read_cnf_file(DATA / "php4.cnf")
    lines = (DATA / "valid_glucose4.drup").read_text().splitlines()
    end = lines.index("0")
    rng = random.Random(4)
    for cut in rng.sample(range(end), 6):
        assert not check_drup(nvars, clauses, lines[:cut], engines="python").ok


# --- agreement --------------------------------------------------------------------------------

def _fake_native(verdict):
    """A native engine that accepts everything (or nothing), to provoke a disagreement."""
    def check_proof(nvars, clauses, steps, check_rat, apply_deletions):
        return (verdict, "fake", len(steps), len(steps), 0, 0, 0, 0, -1, verdict)
    return types.SimpleNamespace(check_proof=check_proof)


@pytest.fixture
def registered_native():
    """Register a native engine for the test, restoring the real one afterwards."""
    before = dratify.native_implementation()

    def register(module):
        dratify.register_native(module)
        if dratify.native_implementation() is not module:
            pytest.skip("dratify_native is installed and takes precedence over registration")
    yield register
    dratify.register_native(before)


def test_disagreement_raises(registered_native):
    registered_native(_fake_native(True))
    with pytest.raises(MethodDisagreement, match="native checker accepted.*python checker "
                                                  "rejected"):
        check_drup(3, ALL8, ["0"], engines="both")
    assert check_drup(3, ALL8, ["0"]).engines == {"native": True}  # auto: the native engine alone


def test_disagreement_on_an_acceptance_raises(registered_native):
    registered_native(_fake_native(False))
    with pytest.raises(MethodDisagreement, match="python checker accepted"):
        check_drup(3, ALL8, ALL8_PROOF, engines="both")


def test_without_native_auto_runs_python_and_both_is_refused(registered_native):
    registered_native(None)
    assert check_drup(3, ALL8, ALL8_PROOF).engines == {"python": True}
    for engines in ("both", "native"):
        with pytest.raises(InputError, match="cdclkit"):
            check_drup(3, ALL8, ALL8_PROOF, engines=engines)


# --- inputs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args, match", [
    ((3, [[4]], ["0"]), "out of range"),
    ((3, [[0]], ["0"]), "non-zero"),
    ((3, ALL8, 17), "proof"),
    ((3, ALL8, [0]), "proof line 1"),
])
def test_bad_arguments(args, match):
    with pytest.raises(InputError, match=match):
        check_drup(*args)
    with pytest.raises(InputError, match="engines"):
        check_drup(3, ALL8, ALL8_PROOF, engines="fast")


def test_result_type():
    result = check_drup(3, ALL8, ALL8_PROOF)
    assert isinstance(result, ProofCheck) and result.seconds["native"] >= 0


@pytest.mark.parametrize("text, match", [
    ("1 2 0\n", "expected the 'p cnf' header before the first clause"),
    ("c only a comment\n", "expected a 'p cnf <variables> <clauses>' header, got end of file"),
    ("p cnf 2 2\n1 2 0\n", "expected 2 clauses as this header declares, got 1"),
    ("p cnf 2 1\n1 3 0\n", r"expected a literal in -2\.\.2"),
    ("p cnf 2 1\n1 2\n", "expected 0 to end the clause begun here, got end of file"),
    ("p cnf 2 1\n1 2 0\np cnf 2 1\n", "expected one 'p cnf' header, got a second one"),
    ("p cnf 2\n", "expected 'p cnf <variables> <clauses>'"),
    ("p cnf 2 1\n1 a 0\n", "expected a literal or 0, got 'a'"),
    # SATLIB's end marker is refused here: a checked file may not say more than its formula
    ("p cnf 2 1\n1 2 0\n%\n0\n", "expected a literal or 0, got '%'"),
])
def test_dimacs_is_read_strictly(tmp_path, text, match):
    path = tmp_path / "f.cnf"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as refused:
        read_cnf_file(path)
    assert str(refused.value).startswith(f"{path}: line ")  # the one reader names file and line


def test_dimacs_reading(tmp_path):
    path = tmp_path / "f.cnf"
    path.write_text("c hello\np cnf 3 2\n1 -2\n 3 0 c\n-1 0\n".replace(" c\n", "\n"))
    assert read_cnf_file(path) == (3, [[1, -2, 3], [-1]])
    assert read_cnf_file(DATA / "php4.cnf")[0] == 20


def test_files_that_are_missing_or_binary(tmp_path):
    with pytest.raises(MissingFileError):
        check_drup_files(tmp_path / "none.cnf", DATA / "valid_cadical195.drup")
    with pytest.raises(MissingFileError):
        check_drup_files(DATA / "php4.cnf", tmp_path / "none.drup")
    binary = tmp_path / "proof.drat"
    binary.write_bytes(b"a\x02\x81\x00")
    with pytest.raises(InputError, match="binary DRAT"):
        check_drup_files(DATA / "php4.cnf", binary)
