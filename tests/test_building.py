"""Building encodings within the memory budget and the time limit (verify.solve.building)."""

import multiprocessing
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_cnf import models, small_weights, solutions
from verify.encodings.cnf import encode_subset_sum
from verify.errors import BudgetExceeded, InputError
from verify.problems import SubsetSum
from verify.solve import building, children
from verify.solve.building import build_encoding
from verify.solve.dispatch import solve
from verify.solve.grading import SolverOptions
from verify.status import Status


def report_case():
    """The hardening issue's second report: sortnetwrk on n = 32, weights in ±4096, grew past
    15 GB; adder proves the same target in seconds."""
    weights = np.random.default_rng(1).integers(-4096, 4097, 32).tolist()
    return weights, sum(weights[:16])


def test_an_encoder_past_the_memory_budget_is_stopped_and_named():
    weights, target = report_case()
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match=r"^building the sortnetwrk encoding: it grew past the "
                                             r"memory budget of 48\.0 MiB \(.* MiB after .* s\); "
                                             r"choose another --encoding such as adder"):
        build_encoding(weights, target, "sortnetwrk", budget="48M")
    assert time.monotonic() - start < 20 and not multiprocessing.active_children()
    # through solve, the target is unknown with that line as its evidence
    problem = SubsetSum(weights=weights, targets=[target])
    answer = solve(problem, "sat", budget="48M", options=SolverOptions(encoding="sortnetwrk")).answers[0]
    assert answer.status is Status.UNKNOWN and "grew past the memory budget" in answer.evidence
    assert "\n" not in answer.evidence
    assert solve(problem, "sat", budget="48M", options=SolverOptions(encoding="adder")).answers[0].status.is_sat


def test_building_stops_at_the_time_limit():
    weights, target = report_case()
    start = time.monotonic()
    built = build_encoding(weights, target, "sortnetwrk", time_limit=0.5)
    assert built.encoded is None and "time limit 0.5 s reached while building it" in built.unknown
    assert time.monotonic() - start < 5 and not multiprocessing.active_children()
    answer = solve(SubsetSum(weights=weights, targets=[target]), "sat",
                   options=SolverOptions(encoding="sortnetwrk", time_limit=0.5)).answers[0]
    assert answer.status is Status.UNKNOWN and "building the sortnetwrk encoding" in answer.evidence


def test_auto_falls_back_to_adder_when_its_choice_does_not_fit(monkeypatch):
    prepare = building._prepare

    def greedy(weights, t, encoding, *rest):
        if encoding != "adder":  # stands for an encoder that outgrows the budget
            hog = b"\x01" * (96 << 20)
            time.sleep(5)
            return hog
        return prepare(weights, t, encoding, *rest)

    monkeypatch.setattr(building, "_prepare", greedy)
    weights = report_case()[0][:16]  # n <= 16: auto hands a solver PySAT's bdd
    target = sum(weights[:8])
    built = build_encoding(weights, target, "auto", budget="48M")
    assert built.encoded.encoding == "adder" and "grew past the memory budget" in built.tried[0]
    assert models(built.encoded, "cadical195")  # still the same constraint: reachable
    with pytest.raises(BudgetExceeded, match="^building the bdd encoding: it grew past"):
        build_encoding(weights, target, "bdd", budget="48M")


def test_a_bad_encoding_name_is_bad_input_from_the_child_too():
    weights, target = report_case()
    with pytest.raises(InputError, match="encoding: expected one of"):
        build_encoding(weights, target, "magic")


@settings(max_examples=20)
@given(small_weights, st.sampled_from(["auto", "dd", "adder", "totalizer"]), st.data())
def test_encodings_built_in_a_child_are_the_same_clauses(weights, encoding, data):
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    target = data.draw(st.integers(lo, hi))
    here = encode_subset_sum(weights, target, encoding)
    packed = building._unpack(building._pack(here))
    assert (packed.clauses, packed.nvars, packed.proof) == (here.clauses, here.nvars, here.proof)
    scaled = [a * 101 for a in weights]  # past the inline limit: built in a child
    child = build_encoding(scaled, target * 101, encoding).encoded
    assert child.clauses == encode_subset_sum(scaled, target * 101, encoding).clauses
    if not child.refuted_by_encoder:
        assert models(child, "cadical195") == solutions(weights, target)


def _hog():
    hog = b"\x01" * (96 << 20)
    time.sleep(60)
    return len(hog)


def test_memory_is_measured_from_the_childs_own_start(tmp_path):
    """A parent large in file-backed pages (as a test process full of shared libraries): its
    forked child maps them lazily and starts far smaller, so growth measured from the parent's
    size went unseen and the child ran to the time limit."""
    import mmap

    big = tmp_path / "big"
    big.write_bytes(b"\0" * (256 << 20))
    with open(big, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as pages:
        assert sum(pages[i] for i in range(0, len(pages), mmap.PAGESIZE)) == 0  # all resident here
        payload, reason, kind = children.run_bounded(_hog, (), 30, 48 << 20, "hog")
    assert payload is None and kind == "memory" and "grew past the memory budget" in reason
