"""One target of a problem as a standard file: DIMACS CNF, OPB or WCNF, for any solver.

Variables 1..n are always x_1..x_n (x_i true = weight i chosen), so a model from any solver
reads back directly; auxiliary variables of a CNF encoding come after them. Every file starts
with comments naming the tool, the instance's content hash, the target and this convention.

- ``cnf``: ``Σ a_i x_i = t`` (and ``Σ x_i = k`` for a fixed size) through the chosen encoding.
  A vector instance gets one constraint per coordinate, ``Σ_i a_ij x_i = t_j``, each encoded on
  its own and conjoined over the shared x_1..x_n (``verify.encodings.cnf.conjoin``): no
  packing into one integer. If the encoder refutes a constraint by itself the file holds the
  empty clause, and a comment says so.
- ``opb``: the constraint itself, one equality per coordinate, no encoding needed; a fixed size
  adds ``Σ x_i = k``, the "fewest" objective adds ``min: Σ x_i``.
- ``wcnf``: "fewest elements reaching t" in the 2022 MaxSAT Evaluation format: the CNF as hard
  clauses, a soft clause ``~x_i`` of weight 1 per weight, so the optimum cost is the fewest.
"""

from __future__ import annotations

from verify import __version__
from verify.encodings.cnf import Encoded, conjoin, encode_subset_sum, fewest_wcnf
from verify.encodings.formats import PBConstraint, write_dimacs, write_opb, write_wcnf
from verify.errors import InputError
from verify.problems import Problem, VectorSubsetSum

EXPORT_FORMATS = ("cnf", "opb", "wcnf")


def _pick_target(problem: Problem, target):
    """The target to export: the instance's only one, or ``target`` (an int, a vector, or their
    text form "5" / "1,2,3")."""
    if target is None:
        if problem.num_targets != 1:
            raise InputError(f"target: the instance has {problem.num_targets:,} targets; choose one "
                             f"with --target")
        return problem.target_list()[0]
    if isinstance(target, str):
        try:
            values = tuple(int(v) for v in target.split(","))
        except ValueError:
            raise InputError(f"target: expected an integer or comma-separated integers, got {target!r}") from None
        target = values if isinstance(problem, VectorSubsetSum) else (values[0] if len(values) == 1 else None)
        if target is None:
            raise InputError("target: expected one integer for a one-dimensional instance")
    if isinstance(problem, VectorSubsetSum) and len(target) != problem.dim:
        raise InputError(f"target: expected {problem.dim} comma-separated integers, got {len(target)}")
    return target


def export_problem(problem: Problem, fmt: str, target=None, encoding: str = "auto",
                   encode=encode_subset_sum) -> tuple[str, str]:
    """The text of one target's file in format ``fmt``, and a one-line summary of it.
    ``encode(weights, t, encoding, size)`` builds the CNF (the command line passes one that
    builds it in a child process within the memory budget, ``verify.solve.building``).

    >>> from verify.problems import SubsetSum
    >>> text, summary = export_problem(SubsetSum(weights=[3, -5, 7], targets=[2]), "opb")
    >>> text.splitlines()[-1]
    '+3 x1 -5 x2 +7 x3 = 2 ;'
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"format: expected one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    t = _pick_target(problem, target)
    n = problem.n
    comments = [f"slth-verify {__version__} export of {problem.kind} instance sha256 {problem.sha256}",
                f"target {t}" + (f", exactly {problem.size} elements" if problem.size is not None else ""),
                f"variables 1..{n}: x_i true = weight i chosen (0-based index i-1 in the instance)"]
    if fmt == "opb":
        columns = [[w[j] for w in problem.weights] for j in range(problem.dim)] \
            if isinstance(problem, VectorSubsetSum) else [list(problem.weights)]
        values = list(t) if isinstance(problem, VectorSubsetSum) else [t]
        constraints = [PBConstraint(tuple((a, i + 1) for i, a in enumerate(col) if a) or ((0, 1),), "=", v)
                       for col, v in zip(columns, values)]
        if problem.size is not None:
            constraints.append(PBConstraint(tuple((1, i + 1) for i in range(n)), "=", problem.size))
        objective = [(1, i + 1) for i in range(n)] if problem.objective == "fewest" else None
        text = write_opb(n, constraints, comments, objective)
        return text, f"OPB, {n} variables, {len(constraints)} constraint(s)"
    if isinstance(problem, VectorSubsetSum):
        enc = _vector_cnf(problem, t, encoding, encode)
        comments.append("one constraint per coordinate j, sum_i a_ij x_i = t_j, conjoined over "
                        "the shared variables 1..n")
    else:
        weights, scalar = problem.weights, t
        lo = sum(a for a in weights if a < 0)
        hi = sum(a for a in weights if a > 0)
        if not lo <= scalar <= hi:
            raise InputError(f"target {t}: outside the reachable range [{lo}, {hi}], so unreachable; "
                             f"nothing to export")
        enc = encode(weights, scalar, encoding, problem.size)
    comments.append(f"encoding {enc.encoding}: {len(enc.clauses):,} clauses, {enc.nvars:,} variables")
    if enc.refuted_by_encoder:
        comments.append("the encoder produced the empty clause: it found the constraint "
                        "unsatisfiable by itself, which is not a checkable proof")
    if enc.proof is not None:
        comments.append("the target is unreachable: this is the diagram's refutable CNF "
                        "(slth-verify solve --method sat checks its DRUP proof)")
    if fmt == "cnf":
        return write_dimacs(enc.nvars, enc.clauses, comments), \
            f"DIMACS CNF, {enc.encoding} encoding, {enc.nvars:,} variables, {len(enc.clauses):,} clauses"
    hard, soft = fewest_wcnf(enc)
    comments.append("soft clauses ~x_i of weight 1: the optimum cost is the fewest elements")
    return write_wcnf(enc.nvars, hard, soft, comments), \
        f"WCNF (fewest elements), {enc.encoding} encoding, {len(hard):,} hard and {len(soft)} soft clauses"


def _vector_cnf(problem: VectorSubsetSum, t, encoding: str, encode) -> Encoded:
    """The conjunction of one CNF per coordinate of a vector target (a fixed size encoded once,
    with the first coordinate); ``InputError`` when a coordinate leaves its reachable range."""
    parts = []
    for j in range(problem.dim):
        column = [w[j] for w in problem.weights]
        lo, hi = sum(a for a in column if a < 0), sum(a for a in column if a > 0)
        if not lo <= t[j] <= hi:
            raise InputError(f"target {t}: coordinate {j}, {t[j]}, is outside the reachable range "
                             f"[{lo}, {hi}], so unreachable; nothing to export")
        if any(column):
            parts.append(encode(column, t[j], encoding, problem.size if not parts else None))
    if not parts:  # every column is zero (and so the target): only a fixed size constrains
        parts.append(Encoded(problem.n, problem.n, [], "none") if problem.size is None
                     else encode([1] * problem.n, problem.size, encoding, None))
    return conjoin(parts)
