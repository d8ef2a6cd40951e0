"""Strict writers and readers for three standard solver formats, over plain Python data.

- DIMACS CNF (``p cnf``): clauses as lists of non-zero integer literals, ``-v`` meaning "not x_v".
- OPB, the linear subset of the pseudo-Boolean competition format (PB06 grammar, with the ``~x``
  negated literals of later editions): constraints ``Σ c_i·l_i (= | >=) rhs`` over Boolean
  variables x_1..x_n, with integer coefficients of any size. ``~x_v`` stands for ``1 - x_v``.
- WCNF in the MaxSAT Evaluation format used since 2022: no ``p`` line, hard clauses ``h ... 0``,
  soft clauses ``w ... 0`` with an integer weight w >= 1.

Nothing here calls a solver. Writers validate their arguments and raise ``InputError`` naming the
argument (``clauses[3][1]: ...``); a writer never emits a file its own reader would reject.
Readers are strict: every error is one line, ``<source>: line <n>: expected X, got Y``, where
``source`` is the file name the caller passes (or ``<cnf>``, ``<opb>``, ``<wcnf>``). Lines are
separated by ``\\n``; a trailing ``\\r`` (a file written on Windows) is dropped. Integers are
ASCII digits with an optional minus sign (and, in OPB only, an optional plus sign), of any size:
the reader does not go through ``float`` and is not stopped by Python's 4300-digit ``int(str)``
limit.

Where the standards leave room, these choices are made (each documented at its function):
DIMACS clauses may span lines and share lines; OPB has one constraint per line and ``<=`` is read
as ``>=`` with negated sides; WCNF has one clause per line and its variable count is the largest
variable index that occurs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from verify.errors import InputError

# MaxSAT Evaluation instances keep the sum of their soft weights below 2**63 because solvers hold
# weights (and costs) in signed 64-bit integers; PySAT's parser rejects any weight from 2**63 up.
WCNF_WEIGHT_SUM_LIMIT = 2**63

_INT = re.compile(r"-?[0-9]+")  # a DIMACS/WCNF integer: no plus sign, ASCII digits only
_COUNT = re.compile(r"[0-9]+")
_OPB_INT = re.compile(r"[+-]?[0-9]+")
_OPB_LITERAL = re.compile(r"(~?)x([0-9]+)")
_OPB_HEADER = re.compile(
    r"\*\s*#variable=\s*([0-9]+)\s+#constraint=\s*([0-9]+)((?:\s+#?[A-Za-z_]+=\s*[0-9]+)*)\s*")
# One token per match: the objective keyword, a relation, the terminator, or a run of anything
# else up to whitespace or one of those symbols ("-1;" is two tokens, as the OPB grammar allows).
_OPB_TOKEN = re.compile(r"\s*(min:|>=|<=|=|;|[^\s;<>=]+|\S)")


# --- shared helpers ----------------------------------------------------------------------------

def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _show(token: str) -> str:
    """A token as quoted in an error message: repr (so control characters stay on one line),
    shortened so a runaway token cannot flood the message."""
    text = repr(token)
    return text if len(text) <= 40 else text[:37] + "..."


def _to_int(token: str) -> int:
    """Exact value of a validated decimal token, of any length.

    Python refuses ``int(str)`` beyond 4300 digits by default (a guard against slow quadratic
    conversion); coefficients here may legitimately be longer, so long tokens are split.
    """
    try:
        return int(token)
    except ValueError:
        pass
    negative = token[0] == "-"
    digits = token.lstrip("+-")
    half = len(digits) // 2
    value = _to_int(digits[:-half]) * 10**half + _to_int(digits[-half:])
    return -value if negative else value


def _decimal(x: int) -> str:
    """``str(x)`` for an int of any size (see ``_to_int`` for the 4300-digit limit)."""
    try:
        return str(x)
    except ValueError:
        pass
    sign = "-" if x < 0 else ""
    half = int(abs(x).bit_length() * math.log10(2)) // 2
    high, low = divmod(abs(x), 10**half)
    return sign + _decimal(high) + _decimal(low).zfill(half)


def _signed(x: int) -> str:
    return _decimal(x) if x < 0 else "+" + _decimal(x)


def _lines(text: str):
    """(line number from 1, line without its end-of-line characters)."""
    if not isinstance(text, str):
        raise InputError(f"expected the file's text as a str, got {type(text).__name__}")
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.removesuffix("\r")


def _last_line(text: str) -> int:
    """The line number to blame for "got end of file": the last line before the final line
    breaks (at least 1, for an empty file)."""
    return max(1, len(text.rstrip("\r\n").split("\n")))


def _comment_text(line: str) -> str:
    """A comment line without its one-character marker and the single space after it."""
    body = line[1:]
    return body.removeprefix(" ")


def _check_comments(comments) -> tuple[str, ...]:
    if isinstance(comments, str):
        raise InputError(f"comments: expected a list of strings, got a single string {_show(comments)}")
    out = []
    for i, text in enumerate(comments):
        if not isinstance(text, str):
            raise InputError(f"comments[{i}]: expected a string, got {type(text).__name__}")
        if "\n" in text or "\r" in text:
            raise InputError(f"comments[{i}]: expected one line of text, "
                             f"got a line break in {_show(text)}")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: no file can hold it
            raise InputError(f"comments[{i}]: expected text encodable as UTF-8, "
                             f"got {_show(text)}") from None
        out.append(text)
    return tuple(out)


def _comment_lines(comments: tuple[str, ...], marker: str) -> list[str]:
    return [f"{marker} {text}" if text else marker for text in comments]


def _check_nvars(nvars) -> int:
    if not _is_int(nvars) or nvars < 0:
        raise InputError(f"nvars: expected a non-negative integer, got {nvars!r}")
    return nvars


def _check_clause(clause, nvars: int, where: str) -> tuple[int, ...]:
    if not isinstance(clause, (list, tuple)):
        raise InputError(f"{where}: expected a list of literals, got {type(clause).__name__}")
    for j, lit in enumerate(clause):
        if not _is_int(lit) or lit == 0 or abs(lit) > nvars:
            raise InputError(f"{where}[{j}]: expected a non-zero literal in -{nvars}..{nvars}, "
                             f"got {lit!r}")
    return tuple(clause)


# --- DIMACS CNF --------------------------------------------------------------------------------

class Dimacs(NamedTuple):
    """A CNF formula as read from DIMACS: the declared variable count, the clauses (each a tuple
    of non-zero literals, ``()`` for the empty clause) and the comment texts (without ``c ``)."""

    nvars: int
    clauses: tuple[tuple[int, ...], ...]
    comments: tuple[str, ...]


def write_dimacs(nvars: int, clauses: Sequence[Sequence[int]], comments: Sequence[str] = ()) -> str:
    """DIMACS CNF text: comment lines, the header ``p cnf <nvars> <#clauses>``, one clause a line.

    Every literal must satisfy ``1 <= |lit| <= nvars``; ``nvars`` may exceed the largest variable
    used (unused variables are legal). A comment must be one line; an empty one is written ``c``.

    >>> print(write_dimacs(3, [[1, -2], [3], []], comments=["tiny"]), end="")
    c tiny
    p cnf 3 3
    1 -2 0
    3 0
    0
    >>> read_dimacs(write_dimacs(3, [[1, -2]])).clauses
    ((1, -2),)
    """
    nvars = _check_nvars(nvars)
    comments = _check_comments(comments)
    checked = [_check_clause(c, nvars, f"clauses[{i}]") for i, c in enumerate(clauses)]
    out = _comment_lines(comments, "c")
    out.append(f"p cnf {nvars} {len(checked)}")
    out.extend(" ".join([*map(str, clause), "0"]) for clause in checked)
    return "\n".join(out) + "\n"


def read_dimacs(text: str, source: str = "<cnf>", *, end_marker: bool = True) -> Dimacs:
    """Parse DIMACS CNF strictly.

    Accepted: comment lines starting with ``c`` anywhere (their text is kept, see ``Dimacs``);
    exactly one header ``p cnf <vars> <clauses>`` before the first clause; then a stream of
    literals in ``-vars..vars`` in which each ``0`` ends a clause, so a clause may span lines and
    a line may hold several clauses (DIMACS allows both); blank lines. A line ``%`` (the end
    marker of SATLIB files) ends the formula: the rest of the file is ignored; with
    ``end_marker=False`` it is refused like any other token (a proof checked against a file must
    be checked against everything the file says). Rejected: anything else, a missing or second
    header, a file (or ``%``) ending inside a clause, and a clause count different from the
    header's.

    >>> read_dimacs("c two clauses\\np cnf 2 2\\n1 -2\\n 0 2 0\\n", source="x.cnf")
    Dimacs(nvars=2, clauses=((1, -2), (2,)), comments=('two clauses',))
    >>> read_dimacs("p cnf 2 1\\n1 x 0\\n", source="x.cnf")
    Traceback (most recent call last):
    ...
    verify.errors.InputError: x.cnf: line 2: expected a literal or 0, got 'x'
    """
    def fail(line_number: int, message: str):
        raise InputError(f"{source}: line {line_number}: {message}")

    nvars = declared = header_line = None
    clauses: list[tuple[int, ...]] = []
    comments: list[str] = []
    current: list[int] = []
    current_line = 0  # where the clause being read began
    for number, line in _lines(text):
        if line.startswith("c"):
            comments.append(_comment_text(line))
            continue
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] == "%" and end_marker:
            if current:
                fail(current_line, "expected 0 to end the clause begun here, "
                                   f"got the end marker '%' on line {number}")
            break
        if tokens[0] == "p":
            if header_line is not None:
                fail(number, f"expected one 'p cnf' header, got a second one (the first is on "
                             f"line {header_line})")
            if (len(tokens) != 4 or tokens[1] != "cnf" or not _COUNT.fullmatch(tokens[2])
                    or not _COUNT.fullmatch(tokens[3])):
                fail(number, f"expected 'p cnf <variables> <clauses>', got {_show(line.strip())}")
            nvars, declared, header_line = _to_int(tokens[2]), _to_int(tokens[3]), number
            continue
        if header_line is None:
            fail(number, "expected the 'p cnf' header before the first clause, "
                         f"got {_show(line.strip())}")
        for token in tokens:
            if not _INT.fullmatch(token):
                fail(number, f"expected a literal or 0, got {_show(token)}")
            lit = _to_int(token)
            if lit == 0:
                clauses.append(tuple(current))
                current = []
            elif abs(lit) > nvars:
                fail(number, f"expected a literal in -{nvars}..{nvars} (the header declares "
                             f"{nvars} variables) or 0, got {_show(token)}")
            else:
                if not current:
                    current_line = number
                current.append(lit)
    if current:
        fail(current_line, "expected 0 to end the clause begun here, got end of file")
    if header_line is None:
        fail(_last_line(text), "expected a 'p cnf <variables> <clauses>' header, got end of file")
    if len(clauses) != declared:
        fail(header_line, f"expected {declared} clauses as this header declares, got {len(clauses)}")
    return Dimacs(nvars, tuple(clauses), tuple(comments))


# --- OPB ---------------------------------------------------------------------------------------

class PBConstraint(NamedTuple):
    """A linear pseudo-Boolean constraint ``Σ coefficient·literal (relation) rhs``.

    ``terms`` are ``(coefficient, literal)`` pairs; literal ``v > 0`` is x_v and ``-v`` is ~x_v,
    worth ``1 - x_v``. ``relation`` is ``"="`` or ``">="``. Coefficients and ``rhs`` are exact
    integers of any size and sign.
    """

    terms: tuple[tuple[int, int], ...]
    relation: str
    rhs: int


class Opb(NamedTuple):
    """An OPB instance as read: the declared variable count, the constraints, the comment texts
    (without ``* ``; the header line is not a comment) and the objective to minimise, as
    ``(coefficient, literal)`` terms, or ``None`` when the file has none."""

    nvars: int
    constraints: tuple[PBConstraint, ...]
    comments: tuple[str, ...]
    objective: tuple[tuple[int, int], ...] | None


_RELATIONS = ("=", ">=")


def _check_terms(terms, nvars: int, where: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(terms, (list, tuple)):
        raise InputError(f"{where}: expected a list of (coefficient, literal) pairs, "
                         f"got {type(terms).__name__}")
    # The OPB grammar has no empty sum: a constraint or objective needs at least one term.
    if not terms:
        raise InputError(f"{where}: expected at least one term (OPB has no empty sums), got none")
    out = []
    for j, term in enumerate(terms):
        if not isinstance(term, (list, tuple)) or len(term) != 2:
            raise InputError(f"{where}[{j}]: expected a (coefficient, literal) pair, got {term!r}")
        coefficient, lit = term
        if not _is_int(coefficient):
            raise InputError(f"{where}[{j}]: expected an integer coefficient, got {coefficient!r}")
        if not _is_int(lit) or lit == 0 or abs(lit) > nvars:
            raise InputError(f"{where}[{j}]: expected a non-zero literal in -{nvars}..{nvars}, "
                             f"got {lit!r}")
        out.append((coefficient, lit))
    return tuple(out)


def _opb_sum(terms) -> str:
    return " ".join(f"{_signed(c)} {'~' if lit < 0 else ''}x{abs(lit)}" for c, lit in terms)


def write_opb(nvars: int, constraints: Sequence[PBConstraint], comments: Sequence[str] = (),
              objective: Sequence[tuple[int, int]] | None = None) -> str:
    """OPB text: the header ``* #variable= N #constraint= M``, comment lines ``* ...``, the
    objective ``min: ... ;`` if given, then one constraint a line.

    Coefficients carry an explicit sign (``+3 x1 -2 ~x2 >= -1 ;``). Relations are ``=`` and
    ``>=`` (turn ``a <= b`` into ``-a >= -b`` first). Every constraint and the objective need at
    least one term, as the grammar has no empty sum. Constraints may be ``PBConstraint`` or plain
    ``(terms, relation, rhs)`` triples.

    >>> print(write_opb(2, [PBConstraint(((3, 1), (-2, -2)), ">=", -1)], objective=[(1, 2)]), end="")
    * #variable= 2 #constraint= 1
    min: +1 x2 ;
    +3 x1 -2 ~x2 >= -1 ;
    """
    nvars = _check_nvars(nvars)
    comments = _check_comments(comments)
    lines = [f"* #variable= {nvars} #constraint= {len(constraints)}"]
    lines += _comment_lines(comments, "*")
    if objective is not None:
        lines.append(f"min: {_opb_sum(_check_terms(objective, nvars, 'objective'))} ;")
    for i, constraint in enumerate(constraints):
        where = f"constraints[{i}]"
        if not isinstance(constraint, (list, tuple)) or len(constraint) != 3:
            raise InputError(f"{where}: expected a PBConstraint (terms, relation, rhs), "
                             f"got {constraint!r}")
        terms, relation, rhs = constraint
        terms = _check_terms(terms, nvars, f"{where}.terms")
        if relation not in _RELATIONS:
            raise InputError(f"{where}.relation: expected '=' or '>=', got {relation!r}")
        if not _is_int(rhs):
            raise InputError(f"{where}.rhs: expected an integer, got {rhs!r}")
        lines.append(f"{_opb_sum(terms)} {relation} {_decimal(rhs)} ;")
    return "\n".join(lines) + "\n"


def read_opb(text: str, source: str = "<opb>") -> Opb:
    """Parse linear OPB strictly.

    Line 1 must be the header ``* #variable= N #constraint= M`` (further ``#name= integer``
    fields after it, such as ``#equal=`` or ``#intsize=``, are allowed and ignored). After it:
    comment lines starting with ``*``; blank lines; at most one objective ``min: <sum> ;``, before
    every constraint; constraints ``<sum> <relation> <integer> ;``, one a line, exactly M of
    them. A sum is one or more terms ``<integer> <literal>``, a literal ``x<v>`` or ``~x<v>``
    with ``1 <= v <= N``; integers may carry a sign and have any size. Whitespace between tokens
    is free (the competition's grammar is stricter about single spaces; real files are not).
    Relations ``=`` and ``>=`` are kept as they are; ``<=`` is accepted and normalised to ``>=``
    by negating every coefficient and the right-hand side, so a read constraint never has
    ``<=``. Non-linear terms (products ``3 x1 x2``), ``max:`` and the WBO ``soft:`` line are
    rejected.

    >>> opb = read_opb("* #variable= 2 #constraint= 1\\n+1 x1 +2 ~x2 <= 2 ;\\n")
    >>> opb.constraints
    (PBConstraint(terms=((-1, 1), (-2, -2)), relation='>=', rhs=-2),)
    >>> read_opb("* #variable= 2 #constraint= 1\\n+1 x1 >= 1\\n", source="y.opb")
    Traceback (most recent call last):
    ...
    verify.errors.InputError: y.opb: line 2: expected ';' to end the line, got end of line
    """
    lines = list(_lines(text))
    header = _OPB_HEADER.fullmatch(lines[0][1])
    if header is None:
        got = _show(lines[0][1]) if lines[0][1].strip() or len(lines) > 1 else "end of file"
        raise InputError(f"{source}: line 1: expected the header '* #variable= <N> #constraint= <M>', got {got}")
    nvars, declared = _to_int(header.group(1)), _to_int(header.group(2))
    constraints: list[PBConstraint] = []
    comments: list[str] = []
    objective = None
    objective_line = None
    for number, line in lines[1:]:
        if line.startswith("*"):
            comments.append(_comment_text(line))
            continue
        tokens = _OPB_TOKEN.findall(line)
        if not tokens:
            continue
        reader = _OpbLine(source, number, nvars, tokens)
        if tokens[0] != "min:":
            constraints.append(reader.constraint())
            continue
        if objective_line is not None:
            reader.fail(f"expected one objective, got a second one (the first is on line {objective_line})")
        if constraints:
            reader.fail("expected the objective 'min:' before the first constraint, got it after")
        objective, objective_line = reader.objective(), number
    if len(constraints) != declared:
        raise InputError(f"{source}: line 1: expected {declared} constraints as this header declares, "
                         f"got {len(constraints)}")
    return Opb(nvars, tuple(constraints), tuple(comments), objective)


class _OpbLine:
    """One objective or constraint line of an OPB file (``tokens``, line ``number``, with
    ``nvars`` variables declared), read by :func:`read_opb`; errors name ``source`` and the
    line."""

    def __init__(self, source: str, number: int, nvars: int, tokens: list[str]):
        self.source, self.number, self.nvars, self.tokens = source, number, nvars, tokens

    def fail(self, message: str):
        raise InputError(f"{self.source}: line {self.number}: {message}")

    def objective(self) -> tuple[tuple[int, int], ...]:
        """The terms of ``min: <sum> ;``."""
        found, at = self.terms(1, (";",))
        self.end(at)
        return found

    def constraint(self) -> PBConstraint:
        """``<sum> <relation> <integer> ;``, a ``<=`` turned into ``>=`` by negating both sides."""
        tokens = self.tokens
        found, at = self.terms(0, ("=", ">=", "<="))
        relation = tokens[at]
        if at + 1 == len(tokens):
            self.fail(f"expected an integer right-hand side after {relation!r}, got end of line")
        if not _OPB_INT.fullmatch(tokens[at + 1]):
            self.fail(f"expected an integer right-hand side after {relation!r}, got {_show(tokens[at + 1])}")
        rhs = _to_int(tokens[at + 1])
        self.end(at + 2)
        if relation == "<=":
            found, relation, rhs = tuple((-c, lit) for c, lit in found), ">=", -rhs
        return PBConstraint(found, relation, rhs)

    def literal(self, token: str) -> int:
        """``x<v>`` as v, ``~x<v>`` as -v, with ``1 <= v <= nvars``."""
        match = _OPB_LITERAL.fullmatch(token)
        if match is None:
            self.fail(f"expected a literal x<v> or ~x<v> after the coefficient, got {_show(token)}")
        v = _to_int(match.group(2))
        if not 1 <= v <= self.nvars:
            self.fail(f"expected a variable x1..x{self.nvars} (the header declares {self.nvars}), "
                      f"got {_show(token)}")
        return -v if match.group(1) else v

    def terms(self, at: int, stop: tuple[str, ...]) -> tuple[tuple[tuple[int, int], ...], int]:
        """Read terms from ``tokens[at:]`` up to a token in ``stop``; return (terms, index)."""
        tokens, out = self.tokens, []
        while at < len(tokens) and tokens[at] not in stop:
            if not _OPB_INT.fullmatch(tokens[at]):
                self.fail(f"expected an integer coefficient or {' or '.join(map(repr, stop))}, "
                          f"got {_show(tokens[at])}")
            if at + 1 == len(tokens):
                self.fail("expected a literal x<v> or ~x<v> after the coefficient, got end of line")
            out.append((_to_int(tokens[at]), self.literal(tokens[at + 1])))
            at += 2
        if at == len(tokens):
            self.fail(f"expected {' or '.join(map(repr, stop))} after the terms, got end of line")
        if not out:
            self.fail(f"expected at least one term before {tokens[at]!r}, got none")
        return tuple(out), at

    def end(self, at: int) -> None:
        """Check that ``tokens[at]`` is the terminator and the last token of the line."""
        tokens = self.tokens
        if at == len(tokens):
            self.fail("expected ';' to end the line, got end of line")
        if tokens[at] != ";":
            self.fail(f"expected ';', got {_show(tokens[at])}")
        if at + 1 < len(tokens):
            self.fail(f"expected end of line after ';' (one constraint a line), got {_show(tokens[at + 1])}")


def pb_satisfied(constraint: PBConstraint, assignment) -> bool:
    """Whether a full assignment satisfies ``constraint``, in exact integer arithmetic.

    ``assignment`` maps variable v to its truth value: a dict ``{v: bool}``, or a sequence whose
    item ``v - 1`` is the value of x_v (so ``[True, False]`` sets x1, clears x2). A literal is
    worth 1 when true and 0 when false; ``~x_v`` is true when x_v is false.

    >>> c = PBConstraint(((3, 1), (-2, -2)), ">=", -1)
    >>> pb_satisfied(c, [False, False]), pb_satisfied(c, {1: False, 2: True})
    (False, True)
    """
    terms, relation, rhs = constraint
    if isinstance(assignment, dict):
        def value(v: int) -> bool:
            if v not in assignment:
                raise InputError(f"assignment: expected a value for x{v}, got none")
            return bool(assignment[v])
    else:
        def value(v: int) -> bool:
            if v > len(assignment):
                raise InputError(f"assignment: expected a value for x{v}, got {len(assignment)} values")
            return bool(assignment[v - 1])
    total = sum(c for c, lit in terms if value(abs(lit)) == (lit > 0))
    if relation == "=":
        return total == rhs
    if relation == ">=":
        return total >= rhs
    raise InputError(f"constraint.relation: expected '=' or '>=', got {relation!r}")


# --- WCNF (MaxSAT Evaluation 2022 format) ------------------------------------------------------

class Wcnf(NamedTuple):
    """A weighted partial MaxSAT instance as read: ``nvars`` is the largest variable index that
    occurs in any clause (0 if none: the format declares no count), ``hard`` the hard clauses,
    ``soft`` the ``(weight, clause)`` pairs in file order, ``comments`` the comment texts."""

    nvars: int
    hard: tuple[tuple[int, ...], ...]
    soft: tuple[tuple[int, tuple[int, ...]], ...]
    comments: tuple[str, ...]


def write_wcnf(nvars: int, hard: Sequence[Sequence[int]], soft: Sequence[tuple[int, Sequence[int]]],
               comments: Sequence[str] = (), *, big_weights: bool = False) -> str:
    """WCNF text in the 2022 MaxSAT Evaluation format: comment lines, the hard clauses
    (``h 1 -2 0``), then the soft clauses (``5 -1 0``, weight first).

    ``nvars`` only bounds the literals (the format has no header to record it; the reader reports
    the largest index used). Weights are integers >= 1. Their sum must stay below
    ``WCNF_WEIGHT_SUM_LIMIT`` (2**63), as the Evaluation requires and 64-bit solvers (and PySAT's
    parser) need; ``big_weights=True`` lifts that limit for files only exact readers, such as
    ``read_wcnf``, will take.

    >>> print(write_wcnf(2, [[1, 2]], [(3, [-1]), (1, [-2])], comments=["demo"]), end="")
    c demo
    h 1 2 0
    3 -1 0
    1 -2 0
    """
    nvars = _check_nvars(nvars)
    comments = _check_comments(comments)
    out = _comment_lines(comments, "c")
    for i, clause in enumerate(hard):
        out.append(" ".join(["h", *map(str, _check_clause(clause, nvars, f"hard[{i}]")), "0"]))
    total = 0
    for i, item in enumerate(soft):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise InputError(f"soft[{i}]: expected a (weight, clause) pair, got {item!r}")
        weight, clause = item
        if not _is_int(weight) or weight < 1:
            raise InputError(f"soft[{i}]: expected an integer weight >= 1, got {weight!r}")
        total += weight
        if total >= WCNF_WEIGHT_SUM_LIMIT and not big_weights:
            got = f"{total}" if total.bit_length() <= 128 else f"more than 2**{total.bit_length() - 1}"
            raise InputError(f"soft[{i}]: expected soft weights summing below 2**63 (the MaxSAT "
                             f"Evaluation's limit; big_weights=True lifts it), got a sum of {got}")
        literals = _check_clause(clause, nvars, f"soft[{i}][1]")
        out.append(" ".join([_decimal(weight), *map(str, literals), "0"]))
    return "\n".join(out) + "\n" if out else ""


def read_wcnf(text: str, source: str = "<wcnf>") -> Wcnf:
    """Parse WCNF in the 2022 MaxSAT Evaluation format strictly.

    Accepted: comment lines starting with ``c``; blank lines; hard clauses ``h <literals> 0`` and
    soft clauses ``<weight> <literals> 0``, one clause a line, in any order, a weight being an
    integer >= 1 of any size (the Evaluation's 2**63 limit on the sum is the writer's concern).
    Literals are non-zero integers. Rejected: a ``p`` line (the pre-2022 format, in which clauses
    weighing ``top`` are hard: read as 2022 they would silently turn soft), a weight of 0, a
    negative or fractional weight, a clause without its terminating ``0`` or with anything after
    it.

    >>> read_wcnf("h 1 -3 0\\n2 3 0\\n")
    Wcnf(nvars=3, hard=((1, -3),), soft=((2, (3,)),), comments=())
    """
    def fail(line_number: int, message: str):
        raise InputError(f"{source}: line {line_number}: {message}")

    hard: list[tuple[int, ...]] = []
    soft: list[tuple[int, tuple[int, ...]]] = []
    comments: list[str] = []
    nvars = 0
    for number, line in _lines(text):
        if line.startswith("c"):
            comments.append(_comment_text(line))
            continue
        tokens = line.split()
        if not tokens:
            continue
        first = tokens[0]
        if first == "p":
            fail(number, f"expected no 'p' line (the 2022 format has none), got {_show(line.strip())}")
        if first != "h" and (not _COUNT.fullmatch(first) or _to_int(first) == 0):
            fail(number, f"expected 'h' or an integer weight >= 1, got {_show(first)}")
        literals = []
        for at, token in enumerate(tokens[1:], start=1):
            if not _INT.fullmatch(token):
                fail(number, f"expected a literal or 0, got {_show(token)}")
            lit = _to_int(token)
            if lit == 0:
                if at + 1 < len(tokens):
                    fail(number, f"expected end of line after the clause's 0 (one clause a line), "
                                 f"got {_show(tokens[at + 1])}")
                break
            literals.append(lit)
            nvars = max(nvars, abs(lit))
        else:
            fail(number, "expected 0 to end the clause on its line, got end of line")
        if first == "h":
            hard.append(tuple(literals))
        else:
            soft.append((_to_int(first), tuple(literals)))
    return Wcnf(nvars, tuple(hard), tuple(soft), tuple(comments))
