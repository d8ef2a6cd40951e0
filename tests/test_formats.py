"""DIMACS CNF, OPB and WCNF writers and readers: round trips, every reader error, and acceptance
of the written text by PySAT's own parsers (CNF, WCNF) or, for OPB, which PySAT cannot read, by
exhaustive evaluation of the constraints read back."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pysat.formula import CNF, WCNF

from verify.encodings.formats import (
    WCNF_WEIGHT_SUM_LIMIT,
    Dimacs,
    Opb,
    PBConstraint,
    Wcnf,
    pb_satisfied,
    read_dimacs,
    read_opb,
    read_wcnf,
    write_dimacs,
    write_opb,
    write_wcnf,
)
from verify.errors import InputError

# --- strategies --------------------------------------------------------------------------------

# Anything but a line break or a lone surrogate (which no UTF-8 file can hold): comments are kept
# verbatim, leading and trailing spaces included.
comment_chars = st.characters(blacklist_characters="\n\r", blacklist_categories=["Cs"])
comment_texts = st.lists(st.text(comment_chars, max_size=12), max_size=3)


def literals(nvars: int):
    return st.builds(lambda v, negative: -v if negative else v, st.integers(1, nvars), st.booleans())


def clauses(nvars: int, max_size: int = 6):
    # With no variables the only clause is the empty one.
    return st.lists(literals(nvars), max_size=max_size) if nvars else st.just([])


def clause_lists(nvars: int, max_clauses: int = 8):
    return st.lists(clauses(nvars), max_size=max_clauses)


@st.composite
def cnfs(draw, max_vars: int = 30):
    nvars = draw(st.integers(0, max_vars))
    return nvars, draw(clause_lists(nvars)), draw(comment_texts)


# Small values, 64-bit edges and values far past any machine word, both signs.
coefficients = st.one_of(st.integers(-5, 5), st.integers(-2**64, 2**64),
                         st.integers(-10**60, 10**60))


def pb_terms(nvars: int):
    return st.lists(st.tuples(coefficients, literals(nvars)), min_size=1, max_size=6).map(tuple)


@st.composite
def pb_constraints(draw, nvars: int):
    terms = draw(pb_terms(nvars))
    relation = draw(st.sampled_from(["=", ">="]))
    if draw(st.booleans()):
        rhs = draw(coefficients)
    else:
        # Near the left side's value under some assignment, so that both answers occur, for "="
        # as well as ">=" (a random right-hand side would decide almost every case alone).
        values = draw(st.lists(st.booleans(), min_size=nvars, max_size=nvars))
        rhs = sum(c for c, lit in terms if values[abs(lit) - 1] == (lit > 0)) + draw(st.integers(-1, 1))
    return PBConstraint(terms, relation, rhs)


@st.composite
def opbs(draw, max_vars: int = 12):
    nvars = draw(st.integers(1, max_vars))
    constraints = draw(st.lists(pb_constraints(nvars), max_size=5))
    objective = draw(st.none() | pb_terms(nvars))
    return nvars, constraints, draw(comment_texts), objective


@st.composite
def wcnfs(draw, max_weight: int = 2**59):
    # 8 soft clauses of weight <= 2**59 sum below 2**63: within the Evaluation's limit.
    nvars = draw(st.integers(0, 20))
    hard = draw(clause_lists(nvars))
    soft = draw(st.lists(st.tuples(st.integers(1, max_weight), clauses(nvars, 5)), max_size=8))
    return nvars, hard, soft, draw(comment_texts)


def as_tuples(clauses):
    return tuple(tuple(c) for c in clauses)


def largest_variable(*clause_lists_):
    return max((abs(lit) for clauses in clause_lists_ for c in clauses for lit in c), default=0)


def reads_to_error(read, text: str, source: str, line: int) -> str:
    """Parse ``text``, which must fail; check the error's form and return its message."""
    with pytest.raises(InputError) as info:
        read(text, source=source)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "\n" not in message
    assert message.startswith(f"{source}: line {line}: expected "), message
    assert ", got " in message
    return message


# --- DIMACS ------------------------------------------------------------------------------------

@given(cnfs())
def test_dimacs_round_trip(case):
    nvars, clauses, comments = case
    text = write_dimacs(nvars, clauses, comments)
    assert read_dimacs(text) == Dimacs(nvars, as_tuples(clauses), tuple(comments))


@given(cnfs())
def test_pysat_reads_written_dimacs(case):
    nvars, clauses, comments = case
    formula = CNF(from_string=write_dimacs(nvars, clauses, comments))
    assert formula.clauses == [list(c) for c in clauses]
    # PySAT takes its variable count from the clauses, not from the header.
    assert formula.nv == largest_variable(clauses)


def test_dimacs_layout():
    assert write_dimacs(4, [[1, -4], [], [2]], ["a", "", " b "]) == \
        "c a\nc\nc  b \np cnf 4 3\n1 -4 0\n0\n2 0\n"
    assert write_dimacs(0, []) == "p cnf 0 0\n"


def test_dimacs_reader_accepts_what_dimacs_allows():
    text = ("c head\r\n"
            "p  cnf 5 4\r\n"
            "\n"
            "1 -2\n"
            "c a comment inside a clause\n"
            "   3 0 -5 0\n"
            "0\n"
            "4 0\n"
            "%\n"
            "0\n"
            "\n")
    assert read_dimacs(text) == Dimacs(5, ((1, -2, 3), (-5,), (), (4,)),
                                       ("head", "a comment inside a clause"))


def test_dimacs_reader_keeps_unused_variables_and_repeated_literals():
    assert read_dimacs("p cnf 9 1\n2 2 -2 0\n") == Dimacs(9, ((2, 2, -2),), ())


DIMACS_ERRORS = [
    ("", 1, "header, got end of file"),
    ("c only comments\nc here\n", 2, "header, got end of file"),
    ("1 -2 0\np cnf 2 1\n", 1, "expected the 'p cnf' header before the first clause, got '1 -2 0'"),
    ("p cnf 2 1\np cnf 2 1\n1 0\n", 2, "a second one (the first is on line 1)"),
    ("p wcnf 2 1\n1 0\n", 1, "expected 'p cnf <variables> <clauses>', got 'p wcnf 2 1'"),
    ("p cnf 2\n1 0\n", 1, "got 'p cnf 2'"),
    ("p cnf 2 1 7\n1 0\n", 1, "got 'p cnf 2 1 7'"),
    ("p cnf -2 1\n", 1, "got 'p cnf -2 1'"),
    ("p cnf two 1\n1 0\n", 1, "got 'p cnf two 1'"),
    ("p cnf 3 1\n1 x 0\n", 2, "expected a literal or 0, got 'x'"),
    ("p cnf 3 1\n1 +2 0\n", 2, "expected a literal or 0, got '+2'"),
    ("p cnf 3 1\n1 2.0 0\n", 2, "expected a literal or 0, got '2.0'"),
    ("p cnf 3 1\n1 \u0662 0\n", 2, "expected a literal or 0, got '\u0662'"),  # an Arabic-Indic 2
    ("p cnf 3 1\n1 -4 0\n", 2,
     "expected a literal in -3..3 (the header declares 3 variables) or 0, got '-4'"),
    ("p cnf 0 1\n1 0\n", 2, "expected a literal in -0..0"),
    ("p cnf 3 2\n1 2 0\n", 1, "expected 2 clauses as this header declares, got 1"),
    ("p cnf 3 1\n1 0\n2 0\n", 1, "expected 1 clauses as this header declares, got 2"),
    ("p cnf 3 1\n1 0\n2\n-3\n", 3, "expected 0 to end the clause begun here, got end of file"),
    ("p cnf 3 1\n1 2", 2, "expected 0 to end the clause begun here, got end of file"),
    ("p cnf 3 1\n1 2\n%\n0\n", 2, "got the end marker '%' on line 3"),
    (" c indented comment\np cnf 1 0\n", 1, "expected the 'p cnf' header before the first clause"),
]


def numbered(prefix: str, cases: list) -> list[str]:
    return [f"{prefix}{i}" for i in range(len(cases))]


@pytest.mark.parametrize("text, line, fragment", DIMACS_ERRORS, ids=numbered("cnf", DIMACS_ERRORS))
def test_dimacs_reader_errors(text, line, fragment):
    assert fragment in reads_to_error(read_dimacs, text, "inst.cnf", line)


def test_dimacs_error_shortens_a_runaway_token():
    message = reads_to_error(read_dimacs, "p cnf 1 1\n1 " + "9" * 5000 + " 0\n", "big.cnf", 2)
    assert len(message) < 200


@pytest.mark.parametrize("call, fragment", [
    (lambda: write_dimacs(2, [[1, 3]]), "clauses[0][1]: expected a non-zero literal in -2..2, got 3"),
    (lambda: write_dimacs(2, [[1], [0]]), "clauses[1][0]: expected a non-zero literal"),
    (lambda: write_dimacs(2, [[True]]), "got True"),
    (lambda: write_dimacs(2, [[1.0]]), "got 1.0"),
    (lambda: write_dimacs(2, [3]), "clauses[0]: expected a list of literals, got int"),
    (lambda: write_dimacs(-1, []), "nvars: expected a non-negative integer, got -1"),
    (lambda: write_dimacs(2, [], ["ok", "two\nlines"]), "comments[1]: expected one line of text"),
    (lambda: write_dimacs(2, [], ["carriage\rreturn"]), "comments[0]: expected one line of text"),
    (lambda: write_dimacs(2, [], "one string"), "comments: expected a list of strings"),
    (lambda: write_dimacs(2, [], ["lone \ud800"]), "comments[0]: expected text encodable as UTF-8"),
])
def test_dimacs_writer_errors(call, fragment):
    with pytest.raises(InputError) as info:
        call()
    assert fragment in str(info.value) and "\n" not in str(info.value)


# --- OPB ---------------------------------------------------------------------------------------

@given(opbs())
def test_opb_round_trip(case):
    nvars, constraints, comments, objective = case
    text = write_opb(nvars, constraints, comments, objective)
    assert read_opb(text) == Opb(nvars, tuple(constraints), tuple(comments), objective)


def evaluate(constraint, values) -> bool:
    """The meaning of a constraint, written independently of ``pb_satisfied``."""
    total = 0
    for coefficient, lit in constraint.terms:
        x = int(values[abs(lit) - 1])
        total += coefficient * (x if lit > 0 else 1 - x)
    return total == constraint.rhs if constraint.relation == "=" else total >= constraint.rhs


def all_assignments(n: int):
    return itertools.product([False, True], repeat=n)


@given(opbs(max_vars=8))
def test_opb_read_back_means_the_same_on_every_assignment(case):
    nvars, constraints, comments, objective = case
    read = read_opb(write_opb(nvars, constraints, comments, objective))
    assert len(read.constraints) == len(constraints)
    for values in all_assignments(nvars):
        as_dict = {v: values[v - 1] for v in range(1, nvars + 1)}
        for original, back in zip(constraints, read.constraints):
            expected = evaluate(original, values)
            assert pb_satisfied(original, values) == expected
            assert pb_satisfied(back, values) == expected
            assert pb_satisfied(back, as_dict) == expected


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), pb_terms(n), coefficients)))
def test_opb_less_or_equal_is_read_as_negated_greater_or_equal(case):
    nvars, terms, rhs = case
    body = " ".join(f"{c:+d} {'~' if lit < 0 else ''}x{abs(lit)}" for c, lit in terms)
    read = read_opb(f"* #variable= {nvars} #constraint= 1\n{body} <= {rhs} ;\n")
    (constraint,) = read.constraints
    assert constraint.relation == ">="
    for values in all_assignments(nvars):
        total = sum(c * (int(values[abs(lit) - 1]) if lit > 0 else 1 - int(values[abs(lit) - 1]))
                    for c, lit in terms)
        assert pb_satisfied(constraint, values) == (total <= rhs)


def test_opb_layout():
    text = write_opb(3, [PBConstraint(((3, 1), (-2, -2)), ">=", -1), ([(0, 3)], "=", 0)],
                     comments=["made by a test", ""], objective=[(1, 1), (1, 2)])
    assert text == ("* #variable= 3 #constraint= 2\n"
                    "* made by a test\n"
                    "*\n"
                    "min: +1 x1 +1 x2 ;\n"
                    "+3 x1 -2 ~x2 >= -1 ;\n"
                    "+0 x3 = 0 ;\n")


def test_opb_reader_accepts_the_competition_variants():
    text = ("* #variable= 3 #constraint= 3 #equal= 1 #intsize= 64\n"
            "*\n"
            "* comments\n"
            "min: 1 x2 -1 x3 ;\n"
            "1 x1 +4 x2 -2 x5 >= 2;\n".replace("x5", "x3") +
            "* an equality constraint\n"
            "\n"
            "2 x2 +3 ~x3 +2 x1 = 5 ;\r\n"
            "12345678901234567890 x3\t+4 ~x1 >=-10;\n")
    assert read_opb(text) == Opb(
        3,
        (PBConstraint(((1, 1), (4, 2), (-2, 3)), ">=", 2),
         PBConstraint(((2, 2), (3, -3), (2, 1)), "=", 5),
         PBConstraint(((12345678901234567890, 3), (4, -1)), ">=", -10)),
        ("", "comments", "an equality constraint"),
        ((1, 2), (-1, 3)))


def test_opb_integers_beyond_python_str_limit_round_trip():
    huge = -(10**5000 + 7)  # more digits than int(str) converts by default
    constraint = PBConstraint(((huge, 1), (-huge, -2)), ">=", huge * 3)
    text = write_opb(2, [constraint])
    assert len(text) > 15000
    assert read_opb(text).constraints == (constraint,)


HEADER = "* #variable= 3 #constraint= 1\n"
OPB_ERRORS = [
    ("", 1, "expected the header '* #variable= <N> #constraint= <M>', got end of file"),
    ("+1 x1 >= 1 ;\n", 1, "got '+1 x1 >= 1 ;'"),
    ("* a comment first\n" + HEADER + "+1 x1 >= 1 ;\n", 1, "got '* a comment first'"),
    ("* #variable= 3\n+1 x1 >= 1 ;\n", 1, "got '* #variable= 3'"),
    ("* #variable= 3 #constraint= 1 extra\n+1 x1 >= 1 ;\n", 1, "expected the header"),
    ("* #variable= 3 #constraint= 2\n+1 x1 >= 1 ;\n", 1,
     "expected 2 constraints as this header declares, got 1"),
    (HEADER + "+1 x1 >= 1 ;\n+1 x2 >= 1 ;\n", 1,
     "expected 1 constraints as this header declares, got 2"),
    (HEADER + "+1 y1 >= 1 ;\n", 2, "expected a literal x<v> or ~x<v> after the coefficient, got 'y1'"),
    (HEADER + "+1 -x1 >= 1 ;\n", 2, "got '-x1'"),
    (HEADER + "+1 x1 +2 >= 1 ;\n", 2, "got '>='"),
    (HEADER + "+1 x1 +2\n", 2,
     "expected a literal x<v> or ~x<v> after the coefficient, got end of line"),
    (HEADER + "+1 x4 >= 1 ;\n", 2, "expected a variable x1..x3 (the header declares 3), got 'x4'"),
    (HEADER + "+1 ~x0 >= 1 ;\n", 2, "got '~x0'"),
    (HEADER + "+1.5 x1 >= 1 ;\n", 2,
     "expected an integer coefficient or '=' or '>=' or '<=', got '+1.5'"),
    (HEADER + "x1 >= 1 ;\n", 2, "expected an integer coefficient or '=' or '>=' or '<=', got 'x1'"),
    (HEADER + "+1 x1 x2 >= 1 ;\n", 2, "got 'x2'"),  # a non-linear product
    (HEADER + "+1 x1 > 1 ;\n", 2, "got '>'"),
    (HEADER + "+1 x1 != 1 ;\n", 2, "got '!'"),
    (HEADER + "+1 x1 +1 x2\n", 2, "expected '=' or '>=' or '<=' after the terms, got end of line"),
    (HEADER + ">= 1 ;\n", 2, "expected at least one term before '>=', got none"),
    (HEADER + "+1 x1 >=\n", 2, "expected an integer right-hand side after '>=', got end of line"),
    (HEADER + "+1 x1 = ;\n", 2, "expected an integer right-hand side after '=', got ';'"),
    (HEADER + "+1 x1 >= 1.5 ;\n", 2, "got '1.5'"),
    (HEADER + "+1 x1 >= 1\n", 2, "expected ';' to end the line, got end of line"),
    (HEADER + "+1 x1 >= 1 2 ;\n", 2, "expected ';', got '2'"),
    (HEADER + "+1 x1 >= 1 ; +1 x2 >= 1 ;\n", 2, "expected end of line after ';'"),
    (HEADER + "min: +1 x1\n+1 x1 >= 1 ;\n", 2, "expected ';' after the terms, got end of line"),
    (HEADER + "min: ;\n+1 x1 >= 1 ;\n", 2, "expected at least one term before ';', got none"),
    (HEADER + "min: +1 x1 >= 1 ;\n+1 x1 >= 1 ;\n", 2, "got '>='"),
    (HEADER + "max: +1 x1 ;\n+1 x1 >= 1 ;\n", 2, "got 'max:'"),
    (HEADER + "+1 x1 >= 1 ;\nmin: +1 x1 ;\n", 3,
     "expected the objective 'min:' before the first constraint"),
    (HEADER + "min: +1 x1 ;\nmin: +1 x2 ;\n+1 x1 >= 1 ;\n", 3, "(the first is on line 2)"),
    (HEADER + "soft: 8 ;\n+1 x1 >= 1 ;\n", 2, "got 'soft:'"),
]


@pytest.mark.parametrize("text, line, fragment", OPB_ERRORS, ids=numbered("opb", OPB_ERRORS))
def test_opb_reader_errors(text, line, fragment):
    assert fragment in reads_to_error(read_opb, text, "model.opb", line)


@pytest.mark.parametrize("call, fragment", [
    (lambda: write_opb(2, [PBConstraint(((1, 3),), ">=", 1)]),
     "constraints[0].terms[0]: expected a non-zero literal in -2..2, got 3"),
    (lambda: write_opb(2, [PBConstraint(((1, 0),), ">=", 1)]), "got 0"),
    (lambda: write_opb(2, [PBConstraint(((1.5, 1),), ">=", 1)]),
     "constraints[0].terms[0]: expected an integer coefficient, got 1.5"),
    (lambda: write_opb(2, [PBConstraint(((1,),), ">=", 1)]), "expected a (coefficient, literal) pair"),
    (lambda: write_opb(2, [PBConstraint((), ">=", 1)]),
     "constraints[0].terms: expected at least one term"),
    (lambda: write_opb(2, [PBConstraint(((1, 1),), "<=", 1)]),
     "constraints[0].relation: expected '=' or '>=', got '<='"),
    (lambda: write_opb(2, [PBConstraint(((1, 1),), ">=", 1.0)]),
     "constraints[0].rhs: expected an integer, got 1.0"),
    (lambda: write_opb(2, [((1, 1),)]), "constraints[0]: expected a PBConstraint"),
    (lambda: write_opb(2, [], objective=[]), "objective: expected at least one term"),
    (lambda: write_opb(2, [], objective=[(1, -3)]), "objective[0]: expected a non-zero literal"),
    (lambda: write_opb(2, [], comments=["a\nb"]), "comments[0]: expected one line of text"),
])
def test_opb_writer_errors(call, fragment):
    with pytest.raises(InputError) as info:
        call()
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_pb_satisfied_examples_and_errors():
    ge = PBConstraint(((3, 1), (-2, -2)), ">=", -1)  # 3·x1 - 2·(1 - x2) >= -1
    assert [pb_satisfied(ge, v) for v in all_assignments(2)] == [False, True, True, True]
    eq = PBConstraint(((10**30, 1), (10**30, -1)), "=", 10**30)  # x1 + ~x1 is always 1
    assert all(pb_satisfied(eq, v) for v in all_assignments(1))
    assert pb_satisfied(ge, {1: 1, 2: 0}) is True
    with pytest.raises(InputError, match="expected a value for x2, got 1 values"):
        pb_satisfied(ge, [True])
    with pytest.raises(InputError, match="expected a value for x2, got none"):
        pb_satisfied(ge, {1: True})
    with pytest.raises(InputError, match="expected '=' or '>='"):
        pb_satisfied(PBConstraint(((1, 1),), "<=", 0), [True])


# --- WCNF --------------------------------------------------------------------------------------

@given(wcnfs())
def test_wcnf_round_trip(case):
    nvars, hard, soft, comments = case
    text = write_wcnf(nvars, hard, soft, comments)
    expected_soft = tuple((w, tuple(c)) for w, c in soft)
    # The format declares no variable count: the reader reports the largest index used.
    assert read_wcnf(text) == Wcnf(largest_variable(hard, [c for _, c in soft]), as_tuples(hard),
                                   expected_soft, tuple(comments))


@given(wcnfs())
def test_pysat_reads_written_wcnf(case):
    nvars, hard, soft, comments = case
    formula = WCNF(from_string=write_wcnf(nvars, hard, soft, comments))
    assert formula.hard == [list(c) for c in hard]
    assert list(zip(formula.wght, formula.soft)) == [(w, list(c)) for w, c in soft]
    assert formula.nv == largest_variable(hard, [c for _, c in soft])


def test_pysat_takes_the_largest_weight_the_evaluation_allows():
    text = write_wcnf(2, [[1, 2]], [(2**63 - 1, [-1])], ["edge"])
    formula = WCNF(from_string=text)
    assert formula.hard == [[1, 2]] and formula.soft == [[-1]] and formula.wght == [2**63 - 1]
    assert formula.comments == ["c edge"]


def test_weights_summing_to_2_63_need_big_weights():
    soft = [(2**62, [1]), (2**62, [-1])]
    with pytest.raises(InputError, match=r"soft\[1\]: expected soft weights summing below 2\*\*63"):
        write_wcnf(1, [], soft)
    assert WCNF_WEIGHT_SUM_LIMIT == 2**63
    with pytest.raises(InputError, match=r"got a sum of more than 2\*\*5000$"):
        write_wcnf(1, [], [(2**5000, [1])])
    # The limit is real: PySAT's parser refuses a weight of 2**63 (it reads 64-bit integers).
    with pytest.raises(ValueError):
        WCNF(from_string=write_wcnf(1, [], [(2**63, [1])], big_weights=True))
    # The reader is exact at any size.
    huge = 10**5000 + 1
    text = write_wcnf(1, [], [(huge, [1]), (1, [-1])], big_weights=True)
    assert read_wcnf(text).soft == ((huge, (1,)), (1, (-1,)))


def test_wcnf_layout():
    assert write_wcnf(3, [[1, -2], []], [(7, [3]), (1, [])], ["x", ""]) == \
        "c x\nc\nh 1 -2 0\nh 0\n7 3 0\n1 0\n"
    assert write_wcnf(0, [], []) == ""
    assert read_wcnf("") == Wcnf(0, (), (), ())


def test_wcnf_reader_accepts_clauses_in_any_order():
    text = "c first\r\n3 -1 0\n\nh 2 -3 0\nc mid\n  5   2 0\n"
    assert read_wcnf(text) == Wcnf(3, ((2, -3),), ((3, (-1,)), (5, (2,))), ("first", "mid"))


WCNF_ERRORS = [
    ("p wcnf 2 1 10\n10 1 0\n", 1,
     "expected no 'p' line (the 2022 format has none), got 'p wcnf 2 1 10'"),
    ("h 1 0\n0 1 0\n", 2, "expected 'h' or an integer weight >= 1, got '0'"),
    ("-3 1 0\n", 1, "got '-3'"),
    ("1.5 1 0\n", 1, "got '1.5'"),
    ("+2 1 0\n", 1, "got '+2'"),
    ("H 1 0\n", 1, "got 'H'"),
    ("1 0\nh 1 x 0\n", 2, "expected a literal or 0, got 'x'"),
    ("h 1 2\n3 0\n", 1, "expected 0 to end the clause on its line, got end of line"),
    ("h\n", 1, "expected 0 to end the clause on its line, got end of line"),
    ("4\n", 1, "expected 0 to end the clause on its line"),
    ("h 1 0 2 0\n", 1, "expected end of line after the clause's 0 (one clause a line), got '2'"),
    ("c ok\n\n2 1 0 c trailing\n", 3, "got 'c'"),
]


@pytest.mark.parametrize("text, line, fragment", WCNF_ERRORS, ids=numbered("wcnf", WCNF_ERRORS))
def test_wcnf_reader_errors(text, line, fragment):
    assert fragment in reads_to_error(read_wcnf, text, "maxsat.wcnf", line)


@pytest.mark.parametrize("call, fragment", [
    (lambda: write_wcnf(2, [[3]], []), "hard[0][0]: expected a non-zero literal in -2..2, got 3"),
    (lambda: write_wcnf(2, [], [(0, [1])]), "soft[0]: expected an integer weight >= 1, got 0"),
    (lambda: write_wcnf(2, [], [(-4, [1])]), "got -4"),
    (lambda: write_wcnf(2, [], [(1.5, [1])]), "got 1.5"),
    (lambda: write_wcnf(2, [], [(True, [1])]), "got True"),
    (lambda: write_wcnf(2, [], [(1, [0])]), "soft[0][1][0]: expected a non-zero literal"),
    (lambda: write_wcnf(2, [], [[1]]), "soft[0]: expected a (weight, clause) pair"),
    (lambda: write_wcnf(2, [], [], ["a\nb"]), "comments[0]: expected one line of text"),
])
def test_wcnf_writer_errors(call, fragment):
    with pytest.raises(InputError) as info:
        call()
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_readers_name_the_default_source():
    with pytest.raises(InputError, match=r"^<cnf>: line 1: "):
        read_dimacs("")
    with pytest.raises(InputError, match=r"^<opb>: line 1: "):
        read_opb("")
    with pytest.raises(InputError, match=r"^<wcnf>: line 1: "):
        read_wcnf("p wcnf 1 1\n")
