"""CNF encodings of Σ a_i x_i = t against brute force, with two SAT solvers."""

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Solver

from verify.encodings.cnf import (ENCODINGS, alive_levels, dd_size, encode_subset_sum,
                                  fewest_wcnf)
from verify.errors import InputError

SOLVERS = ["glucose4", "cadical195"]
small_weights = st.lists(st.integers(-6, 6) | st.sampled_from([0, 1, -1]), min_size=1, max_size=7)


def solutions(weights, target, size=None):
    return {x for x in product([0, 1], repeat=len(weights))
            if sum(a * b for a, b in zip(weights, x)) == target and (size is None or sum(x) == size)}


def models(encoded, solver):
    """Every assignment of x_1..x_n that extends to a model of the encoding."""
    n = encoded.n
    found = set()
    if encoded.refuted_by_encoder:
        return found
    with Solver(name=solver, bootstrap_with=encoded.clauses) as s:
        while s.solve():
            model = set(s.get_model())
            x = tuple(1 if i + 1 in model else 0 for i in range(n))
            found.add(x)
            s.add_clause([-(i + 1) if x[i] else i + 1 for i in range(n)])
    return found


@pytest.mark.parametrize("encoding", [e for e in ENCODINGS if e != "auto"])
@given(weights=small_weights, offset=st.integers(-2, 2), data=st.data())
def test_every_encoding_has_exactly_the_solutions(encoding, weights, offset, data):
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    target = data.draw(st.integers(lo - 1, hi + 1))
    size = data.draw(st.none() | st.integers(0, len(weights)))
    encoded = encode_subset_sum(weights, target, encoding, size)
    want = solutions(weights, target, size)
    assert encoded.nvars >= len(weights)
    for solver in SOLVERS:
        assert models(encoded, solver) == want


@given(small_weights, st.data())
def test_dd_levels_are_exactly_the_alive_partial_sums(weights, data):
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    target = data.draw(st.integers(lo, hi))
    levels = alive_levels(weights, target)
    sols = solutions(weights, target)
    if not sols:
        assert levels is None and dd_size(weights, target) is None
        return
    for i, level in enumerate(levels):
        prefixes = {sum(a * b for a, b in zip(weights[:i], x[:i])) for x in sols}
        assert level.tolist() == sorted(prefixes)


@given(small_weights, st.data())
def test_fewest_wcnf_optimum_is_the_fewest_elements(weights, data):
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    target = data.draw(st.integers(lo, hi))
    sols = solutions(weights, target)
    encoded = encode_subset_sum(weights, target, "dd")
    if not sols:
        assert encoded.refuted_by_encoder or encoded.proof is not None
        return
    hard, soft = fewest_wcnf(encoded)
    wcnf = WCNF()
    for c in hard:
        wcnf.append(c)
    for w, c in soft:
        wcnf.append(c, weight=w)
    with RC2(wcnf) as rc2:
        model = rc2.compute()
        assert rc2.cost == min(sum(x) for x in sols)
        chosen = [i for i in range(len(weights)) if i + 1 in set(model)]
        assert sum(weights[i] for i in chosen) == target


@given(small_weights, st.data())
def test_diagram_refutations_are_checked_proofs(weights, data):
    from verify.solve.proofs import check_drup
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    target = data.draw(st.integers(lo, hi))
    encoded = encode_subset_sum(weights, target, "dd")
    if solutions(weights, target):
        assert encoded.proof is None
        return
    assert encoded.proof is not None and not encoded.refuted_by_encoder
    assert check_drup(encoded.nvars, encoded.clauses, encoded.proof).ok
    for solver in SOLVERS:
        assert models(encoded, solver) == set()


def test_tampered_diagram_refutations_are_rejected():
    from verify.solve.proofs import check_drup
    from verify.prefilter.bitset import ReachableSums
    weights = [37, -52, 61, 18, -29, 44, 73, -66, 25, 91, -12, 58]
    table = ReachableSums(weights)
    target = next(t for t in range(sum(weights) // 2, 10**6) if not table.has(t))
    encoded = encode_subset_sum(weights, target, "dd")
    proof = encoded.proof
    assert len(proof) > 20 and check_drup(encoded.nvars, encoded.clauses, proof).ok
    first = proof[0].split()
    tampered = {
        "truncated": proof[:-1],
        "half": proof[: len(proof) // 2],
        "flipped literal": [f"{-int(first[0])} 0"] + proof[1:],
        "other formula": proof,
    }
    for name, lines in tampered.items():
        clauses = encoded.clauses[1:] if name == "other formula" else encoded.clauses
        assert not check_drup(encoded.nvars, clauses, lines).ok, name


def test_unknown_encoding_is_named():
    with pytest.raises(InputError, match="encoding: expected one of"):
        encode_subset_sum([1, 2], 3, "magic")


def test_auto_follows_its_measured_rules(monkeypatch):
    from verify.encodings import cnf
    from verify.encodings.cnf import choose_encoding

    small = [3, 5, 7, 9]
    assert choose_encoding(small, 12, "auto") == "dd"  # the tool reads a path of the diagram
    assert encode_subset_sum(small, 12, "auto").encoding == "bdd"  # a solver gets a smaller CNF
    refuted = encode_subset_sum(small, 13, "auto")  # unreachable: the diagram and its proof
    assert refuted.encoding == "dd" and refuted.proof and not refuted.refuted_by_encoder
    wide = [40_000 + 8 * i for i in range(16)]  # n <= 16, wide even weights, an odd target
    assert choose_encoding(wide, sum(wide) // 2 + 1, "auto") == "totalizer"
    assert choose_encoding(small, 13, "auto") == "dd"  # narrow: the diagram's refutation
    many = [3 + (i % 5) for i in range(30)]
    assert encode_subset_sum(many, 40, "auto").encoding == "adder"  # n > 24, reachable
    # a refutation too large to write goes to a solver with a proof, never an unproved empty clause
    monkeypatch.setattr(cnf, "DD_PROOF_MAX_NODES", 0)
    fallback = encode_subset_sum([3, 5, 7, 11], 13, "auto")
    assert fallback.encoding == "totalizer" and not fallback.refuted_by_encoder and fallback.proof is None
    from verify.solve.sat import run_sat

    assert run_sat(fallback.nvars, fallback.clauses).outcome == "unsat"


@given(small_weights, st.data())
def test_dd_witness_is_a_solution_exactly_when_one_exists(weights, data):
    from verify.encodings.cnf import dd_witness
    lo = sum(a for a in weights if a < 0)
    hi = sum(a for a in weights if a > 0)
    target = data.draw(st.integers(lo - 1, hi + 1))
    found = dd_witness(weights, target) if lo <= target <= hi else None
    assert (found is not None) == bool(solutions(weights, target))
    if found is not None:
        assert sum(weights[i] for i in found) == target


@pytest.mark.parametrize("encoding", ["dd", "adder", "auto"])
def test_no_weights_encode_the_empty_sum(encoding):
    from verify.solve.sat import run_sat

    assert encode_subset_sum([], 0, encoding).clauses == []
    refuted = encode_subset_sum([], 3, encoding)
    assert refuted.clauses == [[]] and refuted.refuted_by_encoder
    assert run_sat(max(1, refuted.nvars), [[1, -1]] + encode_subset_sum([], 0, encoding).clauses).outcome == "sat"


def test_auto_encoding_fits_the_memory_budget():
    from verify.encodings.cnf import choose_encoding, refutation_dd
    from verify.errors import BudgetExceeded
    from verify.prefilter.mitm import MeetInTheMiddle

    weights = [(-1) ** i * (700 + 37 * i) for i in range(18)]  # n > 16: the diagram refutes
    table = MeetInTheMiddle(weights)
    target = next(t for t in range(sum(weights) // 2, 10**6) if table.witness(t) is None)
    assert choose_encoding(weights, target, "auto") == "dd"
    assert choose_encoding(weights, target, "auto", budget="64K") == "adder"  # its tables do not fit
    assert refutation_dd(weights, target, 19, budget="64K") is None
    refuted = encode_subset_sum(weights, target, "auto", budget="64K")
    assert refuted.encoding == "adder" and not refuted.refuted_by_encoder
    reachable = sum(weights[:5])
    assert choose_encoding(weights, reachable, "auto") == "dd"  # a path of the diagram
    assert choose_encoding(weights, reachable, "auto", budget="64K") == "adder"
    # asked for explicitly, the diagram refuses up front, naming itself, its need and the budget
    with pytest.raises(BudgetExceeded, match=r"the dd encoding's reachable-sum tables need .* over "
                                             r"the memory budget of 64\.0 KiB"):
        encode_subset_sum(weights, reachable, "dd", budget="64K")


@given(st.integers(1, 1 << 200))
def test_set_bits_are_read_exactly(x):
    from verify.encodings.cnf import _bits

    assert _bits(x, x.bit_length() + 70).tolist() == [i for i in range(x.bit_length()) if x >> i & 1]


def test_an_export_does_not_depend_on_the_environments_budget(monkeypatch):
    from verify.encodings.export import export_problem
    from verify.prefilter.budget import ENV_VAR
    from verify.problems import SubsetSum

    weights = [(-1) ** i * (700 + 37 * i) for i in range(18)]
    problem = SubsetSum(weights=weights, targets=[sum(weights) // 2 + 1])
    before = export_problem(problem, "cnf")[0]
    monkeypatch.setenv(ENV_VAR, "64K")  # would make auto leave the diagram for adder
    assert export_problem(problem, "cnf")[0] == before
    assert "encoding dd" in before
