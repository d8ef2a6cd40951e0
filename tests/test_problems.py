"""Problems: validation, JSON round trips, canonical content hashes."""

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.errors import InputError, MissingFileError
from verify.problems import (SubsetSum, TargetRange, VectorSubsetSum, load_problem,
                             problem_from_json, save_problem)

DATA = __import__("pathlib").Path(__file__).parent / "data"


def independent_hash(obj: dict) -> str:
    """The documented canonical encoding, written again here from the docstring."""
    fields = {k: obj[k] for k in ("kind", "version", "weights", "targets", "size", "objective") if k in obj}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


ints = st.integers(-(2**80), 2**80)


targets = (st.lists(ints, min_size=1, max_size=5, unique=True)
           | st.tuples(ints, ints).map(lambda p: {"range": sorted(p)}))


@given(st.lists(ints, min_size=1, max_size=20), targets, st.booleans())
def test_round_trip_and_hash(weights, targets, fewest):
    spec = {"kind": "subset-sum", "version": 1, "weights": weights, "targets": targets}
    if fewest:
        spec["objective"] = "fewest"
    p = problem_from_json(spec)
    again = problem_from_json(json.loads(json.dumps(p.to_json())))
    assert again == p and again.sha256 == p.sha256
    assert p.sha256 == independent_hash(spec)


def test_range_targets_and_meta_do_not_change_the_hash():
    a = SubsetSum(weights=[1, 2], targets={"range": [-3, 3]}, meta={"seed": 1})
    b = SubsetSum(weights=[1, 2], targets=TargetRange(-3, 3), meta={"seed": 2})
    assert a == b and a.sha256 == b.sha256
    assert a.target_list() == list(range(-3, 4))
    assert a.sha256 != SubsetSum(weights=[1, 2], targets=[-3, 3]).sha256
    assert a.sha256 != SubsetSum(weights=[2, 1], targets=TargetRange(-3, 3)).sha256


def test_file_round_trip(tmp_path):
    p = VectorSubsetSum(weights=[[1, 2], [3, -1]], targets=[[4, 1]], size=2, meta={"note": "x"})
    path = tmp_path / "v.json"
    save_problem(p, path)
    q = load_problem(path)
    assert q == p and q.meta == {"note": "x"} and q.sha256 == independent_hash(json.loads(path.read_text()))


EXPECTED = json.loads((DATA / "invalid" / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_files_give_one_line_errors(name):
    path = DATA / "invalid" / name
    with pytest.raises(InputError) as info:
        load_problem(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert EXPECTED[name] in message


def test_every_invalid_file_has_an_expectation():
    files = {p.name for p in (DATA / "invalid").glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(MissingFileError, match="no such file"):
        load_problem(tmp_path / "nope.json")
    with pytest.raises(InputError, match="is a directory"):
        load_problem(tmp_path)


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": [1], "targets": [1], "size": 2}, "size: expected an integer in 0..1"),
    ({"weights": [1], "targets": [1], "objective": "most"}, "objective: expected one of"),
    ({"weights": [1], "targets": [1], "size": 1, "objective": "fewest"}, "exclude each other"),
    ({"weights": [1], "targets": {"range": [2, 1]}}, "expected lo <= hi"),
    ({"weights": [1], "targets": [1, 1]}, "duplicate target"),
])
def test_constructor_validation(kwargs, message):
    with pytest.raises(InputError, match=message):
        SubsetSum(**kwargs)


def test_vector_dimension_mismatch():
    with pytest.raises(InputError, match=r"weights\[1\]: expected a vector of dimension 2"):
        VectorSubsetSum(weights=[[1, 2], [3]], targets=[[1, 1]])
    with pytest.raises(InputError, match=r"targets\[0\]: expected a vector of dimension 2"):
        VectorSubsetSum(weights=[[1, 2]], targets=[[1, 1, 1]])
