"""Per-target answers from SAT and CP-SAT solvers, each graded by the evidence behind it.

- SAT (``sat``): the target's CNF (``verify.encodings.cnf``) is solved by a PySAT solver in a
  killable child process. A model becomes ``sat-verified`` once its subset replays in exact
  integer arithmetic. An UNSAT is solved without assumptions with proof logging, and becomes
  ``unsat-proof-checked`` only when the independent checker accepts the DRUP proof against
  exactly the clauses solved; a rejected proof leaves it ``unsat-claimed``. An encoder that
  refutes the constraint by itself (the empty clause) proves nothing: the exact pre-filter is
  asked to confirm it (``unsat-exhaustive``), and without it the answer stays ``unsat-claimed``.
- A vector target: one CNF per coordinate, conjoined over the shared choices (nothing is packed
  into one integer); the same grading applies to the conjunction.
- "Fewest elements" with SAT: RC2 (PySAT's MaxSAT solver) finds the optimum c on the WCNF, in a
  killable child; its model is replayed, and optimality is certified by a proof-checked UNSAT of
  the encoding with at most c-1 elements.
- CP-SAT (``cpsat``): a found solution is replayed (``sat-verified``); INFEASIBLE carries no
  proof, so it is ``unsat-claimed`` unless the exact pre-filter confirms it.

Whenever a second exact method is asked, the two must agree, or ``MethodDisagreement`` names both.
Time limits give ``unknown``, never "no". The limit covers building the encoding and each solver
run (``verify.solve.building``: the memory budget bounds building too); proof checking, which
is what certifies, is not cut short. The solvers themselves run through this package's runners:
``verify.solve.refutation`` (SAT with a checked proof), ``verify.solve.maxsat`` (RC2) and
``verify.solve.cpsat`` / ``verify.solve.reachability`` (CP-SAT).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from verify.encodings.cnf import Encoded, cardinality_at_most, conjoin, encode_subset_sum, fewest_wcnf
from verify.encodings.formats import write_dimacs
from verify.errors import MethodDisagreement
from verify.problems import Problem, write_text_atomic
from verify.solve.building import build_encoding
from verify.solve.maxsat import minimize
from verify.solve.outcome import Outcome
from verify.solve.proofs import check_drup
from verify.solve.refutation import Refutation, refute
from verify.solve.sat import DEFAULT_SOLVER, solver_name
from verify.status import Answer, Status
from verify.witness import replay_witness

# decide(target) -> (reachable, method) from an exact pre-filter method, or None when none fits
Backing = Callable[[int], "tuple[bool, str] | None"]


@dataclass(frozen=True)
class SolverOptions:
    """How solvers are run. ``time_limit`` in seconds per target (None: no limit);
    ``proof_dir``: where CNF and DRUP files of checked refutations are kept (None: not kept);
    ``engines``: proof-checker engines (``auto``: the native one; ``both``: it and the pure-Python
    one, which must agree); ``build_budget``: the memory budget for building an encoding (None:
    the command's budget; the hardness experiment gives solvers a tiny pre-filter budget so that
    no table confirms their answers, but their encodings still need room)."""

    solver: str = DEFAULT_SOLVER
    encoding: str = "auto"
    time_limit: float | None = None
    proof_dir: str | None = None
    engines: str = "auto"
    build_budget: int | str | None = None


@dataclass(frozen=True)
class SatTarget:
    """One target put to a SAT solver (:func:`sat_answer`). ``problem`` and ``target`` as the
    problem states them; ``weights`` and ``t`` their scalar form (divided by their gcd
    ``divisor``, packed into integers for a vector problem), which the CNF speaks about, its
    variables 1..n the same choices as the problem's; ``backing`` the exact pre-filter that may
    confirm a "no" without a checked proof; ``stem`` the file name stem of the CNF and DRUP
    files kept under ``SolverOptions.proof_dir``."""

    problem: Problem
    target: object
    weights: tuple[int, ...]
    t: int
    backing: Backing
    stem: str
    divisor: int = 1


def _replayed(problem: Problem, target, witness, method: str, optimal=None, extra=None) -> Answer:
    """A solver's subset as a ``sat-verified`` answer, once it replays (else WitnessNotReplayed)."""
    chosen = replay_witness(problem, target, witness, f"the subset {method} returned for target {target}")
    return Answer(target, Status.SAT_VERIFIED, method,
                  f"witness of {len(chosen)} elements replayed in exact integer arithmetic",
                  chosen, optimal, extra or {})


def _confirm_unsat(target, backing: Backing, t: int, method: str, claim: str) -> Answer:
    """A solver's or encoder's "no" without a checked proof: confirmed by the exact pre-filter
    when it fits (and contradicted loudly when it disagrees), else left as claimed."""
    backed = backing(t)
    if backed is None:
        return Answer(target, Status.UNSAT_CLAIMED, method,
                      f"{claim}; no exact method fits the memory budget to confirm it")
    reachable, exact = backed
    if reachable:
        raise MethodDisagreement(f"target {target}: {method} says infeasible ({claim}) but "
                                 f"{exact} finds a solution")
    return Answer(target, Status.UNSAT_EXHAUSTIVE, exact, f"{claim}; confirmed by {exact}")


def _keep_files(options: SolverOptions, stem: str, nvars: int, clauses, proof: list[str],
                comments: list[str]) -> dict:
    """Write the CNF and its DRUP proof under ``proof_dir`` (atomically); return their paths
    and hashes."""
    directory = Path(options.proof_dir)
    directory.mkdir(parents=True, exist_ok=True)
    cnf_text = write_dimacs(nvars, clauses, comments)
    proof_text = "\n".join(proof) + "\n"
    out = {}
    for kind, suffix, text in (("cnf", ".cnf", cnf_text), ("proof", ".drup", proof_text)):
        path = directory / f"{stem}{suffix}"
        write_text_atomic(path, text)
        out[kind] = str(path)
        out[f"{kind}_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _refuted(nvars, clauses, options: SolverOptions, stem: str, comments) -> tuple[Refutation, dict]:
    """``refute`` the formula with the options' solver, time limit and checker engines; for a
    checked refutation also what an answer reports of it (proof size, verdicts, times) and,
    with ``proof_dir``, the files kept."""
    r = refute(nvars, clauses, options.solver, options.time_limit, options.engines)
    if not r.checked:
        return r, {}
    details = {"proof_lines": len(r.proof), "checker": r.check.engines,
               "solve_seconds": round(r.seconds, 6),
               "check_seconds": {k: round(v, 6) for k, v in r.check.seconds.items()}}
    if options.proof_dir:
        details.update(_keep_files(options, stem, nvars, clauses, r.proof, comments))
    return r, details


def sat_answer(q: SatTarget, options: SolverOptions, budget=None) -> Answer:
    """Decide the target ``q`` with a SAT solver (see the module docstring). The encoding is
    built within the memory ``budget`` (bytes, a size such as ``"2G"``, or None: no limit) and
    the options' time limit."""
    problem, target, weights, t, backing, stem = q.problem, q.target, q.weights, q.t, q.backing, q.stem
    name = solver_name(options.solver, proof=True)
    fewest = problem.objective == "fewest"
    if problem.kind == "vector-subset-sum":
        return _vector_sat_answer(q, options, budget)
    # With ``dd`` the diagram decides by itself: a reachable target's witness is a path of it
    # (replayed below); an unreachable one gets the diagram's own DRUP refutation (checked below).
    built = build_encoding(weights, t, options.encoding, problem.size, budget=budget,
                           path_ok=problem.size is None and not fewest, time_limit=options.time_limit)
    fallback = {"encoding_fallback": list(built.tried)} if built.tried else {}
    if built.unknown:
        return Answer(target, Status.UNKNOWN, f"sat:{name}", built.unknown, extra=fallback)
    if built.path is not None:
        return _replayed(problem, target, list(built.path), "dd-path",
                         extra={"encoding": "dd", "solver": "none: a path of the decision diagram"})
    enc = built.encoded
    comments = [f"slth-verify refutation: instance sha256 {problem.sha256}, target {target}",
                f"variables 1..{enc.n}: x_i true = weight i chosen; encoding {enc.encoding}",
                f"constraint encoded: sum a_i x_i = {t} with a = {list(weights)}"
                + (f" (the instance's weights and target divided by their gcd {q.divisor})" if q.divisor > 1 else "")
                + (f", and exactly {problem.size} chosen" if problem.size is not None else "")]
    return _graded(q, enc, options, comments, fallback)


def _graded(q: SatTarget, enc, options: SolverOptions, comments: list[str], fallback: dict) -> Answer:
    """The answer from a built CNF ``enc`` of the target ``q``: the diagram's own refutation,
    an encoder's refusal confirmed by the exact pre-filter, RC2 for "fewest", else the solver
    with a checked proof (the module docstring)."""
    problem, target, t, backing, stem = q.problem, q.target, q.t, q.backing, q.stem
    name = solver_name(options.solver, proof=True)
    fewest = problem.objective == "fewest"
    method = f"sat:{name}/{enc.encoding}"
    stats = {"encoding": enc.encoding, "clauses": len(enc.clauses), "variables": enc.nvars, **fallback}
    if enc.proof is not None:
        return _diagram_refutation(q, enc, options, comments, stats)
    if enc.refuted_by_encoder:
        return _confirm_unsat(target, backing, t, method,
                              f"the {enc.encoding} encoder refuted the constraint by itself "
                              f"(an empty clause), which is not a proof")
    if fewest:
        return _fewest_answer(q, enc, options, method, comments, stats)
    r, details = _refuted(enc.nvars, enc.clauses, options, stem, comments)
    if r.outcome is Outcome.SAT:
        witness = [i for i in range(enc.n) if r.model[i] > 0]
        return _replayed(problem, target, witness, method, extra=stats)
    if r.outcome is Outcome.UNKNOWN:
        return Answer(target, Status.UNKNOWN, method, r.reason, extra=stats)
    if r.checked:
        return Answer(target, Status.UNSAT_PROOF_CHECKED, method,
                      f"DRUP proof of {len(r.proof):,} lines from {name} accepted by "
                      f"the independent checker ({', '.join(r.check.engines)})",
                      extra={**stats, **details})
    return _confirm_unsat(target, backing, t, method,
                          f"{name} said UNSAT but its proof was rejected: {r.check.message}")


def _vector_sat_answer(q: SatTarget, options: SolverOptions, budget) -> Answer:
    """A vector target with a SAT solver: one CNF per coordinate (``Σ_i a_ij x_i = t_j``, the
    coordinate's weights and target as screened), conjoined over the shared x_1..x_n
    (``verify.encodings.cnf.conjoin``); nothing is packed into one integer. A coordinate whose
    decision diagram refutes it alone refutes the vector (its clauses are part of the problem)."""
    problem, target = q.problem, q.target
    name = solver_name(options.solver, proof=True)
    parts, tried = [], []
    for j in range(problem.dim):
        column = [w[j] for w in q.weights]
        if not any(column):  # the screening left only t_j = 0 here: nothing to encode
            continue
        built = build_encoding(column, q.t[j], options.encoding, problem.size if not parts else None,
                               budget=budget, path_ok=False, time_limit=options.time_limit)
        tried += list(built.tried)
        if built.unknown:
            return Answer(target, Status.UNKNOWN, f"sat:{name}", f"coordinate {j}: {built.unknown}")
        enc = built.encoded
        if enc.proof is not None:
            comments = [f"slth-verify refutation: instance sha256 {problem.sha256}, target {target}",
                        f"variables 1..{enc.n}: x_i true = weight i chosen; encoding {enc.encoding}",
                        f"coordinate {j} alone: sum a_ij x_i = {q.t[j]} with a = {column}"]
            stats = {"encoding": enc.encoding, "clauses": len(enc.clauses), "variables": enc.nvars,
                     "coordinate": j}
            return _diagram_refutation(q, enc, options, comments, stats)
        parts.append(enc)
    if not parts:  # every column is zero and so is the target: the empty subset (size 0 only)
        parts.append(Encoded(problem.n, problem.n, [], "none") if problem.size is None
                     else encode_subset_sum([1] * problem.n, problem.size, "totalizer"))
    enc = conjoin(parts)
    comments = [f"slth-verify refutation: instance sha256 {problem.sha256}, target {target}",
                f"variables 1..{enc.n}: x_i true = weight i chosen; encoding {enc.encoding}",
                f"constraints encoded, one per coordinate j: sum_i a_ij x_i = t_j, with the "
                f"coordinates divided by their gcds; weights {list(q.weights)}, target {q.t}"
                + (f", and exactly {problem.size} chosen" if problem.size is not None else "")]
    return _graded(q, enc, options, comments, {"encoding_fallback": tried} if tried else {})


def _diagram_refutation(q: SatTarget, enc, options: SolverOptions, comments: list[str], stats: dict) -> Answer:
    """The decision diagram found the target unreachable and wrote its own DRUP refutation:
    the independent checker decides whether it stands."""
    target, backing, t, stem = q.target, q.backing, q.t, q.stem
    check = check_drup(enc.nvars, enc.clauses, enc.proof, options.engines)
    method = "dd-proof"
    if not check.ok:
        return _confirm_unsat(target, backing, t, method,
                              f"the decision diagram's refutation was rejected: {check.message}")
    details = {"proof_lines": len(enc.proof), "checker": check.engines,
               "check_seconds": {k: round(v, 6) for k, v in check.seconds.items()}}
    if options.proof_dir:
        details.update(_keep_files(options, stem, enc.nvars, enc.clauses, enc.proof, comments))
    return Answer(target, Status.UNSAT_PROOF_CHECKED, method,
                  f"DRUP refutation of {len(enc.proof):,} lines read off the decision diagram, "
                  f"accepted by the independent checker ({', '.join(check.engines)})",
                  extra={**stats, **details})


def _fewest_answer(q: SatTarget, enc, options: SolverOptions, method: str, comments: list[str],
                   stats: dict) -> Answer:
    """The fewest elements reaching the target: RC2's optimum, replayed, and certified optimal
    by a checked refutation of the encoding with one element fewer (module docstring)."""
    problem, target, backing, t, stem = q.problem, q.target, q.backing, q.t, q.stem
    hard, soft = fewest_wcnf(enc)
    best = minimize(hard, soft, options.time_limit)
    method = method + "+rc2"
    if best.outcome is Outcome.UNKNOWN:
        return Answer(target, Status.UNKNOWN, method, best.reason, extra=stats)
    if best.outcome is Outcome.UNSAT:
        return _confirm_unsat(target, backing, t, method, "RC2 found the hard clauses unsatisfiable "
                              "(no proof)")
    cost, chosen = best.cost, set(best.model)
    witness = [i for i in range(enc.n) if i + 1 in chosen]
    stats = {**stats, "fewest": len(witness)}
    if len(witness) != cost:
        raise MethodDisagreement(f"target {target}: RC2 reports cost {cost} but its model has "
                                 f"{len(witness)} elements")
    if cost == 0:
        return _replayed(problem, target, witness, method, True, {**stats, "optimality": "trivial"})
    # Certify optimality: no solution with at most cost-1 elements, by a checked refutation.
    fewer, top = cardinality_at_most(enc.n, cost - 1, enc.nvars + 1)
    r, details = _refuted(top, enc.clauses + fewer, options, stem + "-fewer",
                          comments + [f"with at most {cost - 1} chosen weights"])
    if r.checked:
        optimality = {"optimality": Status.UNSAT_PROOF_CHECKED.value,
                      "optimality_proof_lines": details["proof_lines"]}
        optimality.update({k: details[k] for k in ("cnf", "cnf_sha256", "proof", "proof_sha256")
                           if k in details})
        return _replayed(problem, target, witness, method, True, {**stats, **optimality})
    if r.outcome is Outcome.SAT:
        raise MethodDisagreement(f"target {target}: RC2 says the fewest elements is {cost} but "
                                 f"{options.solver} finds a solution with fewer")
    grade = Status.UNKNOWN.value if r.outcome is Outcome.UNKNOWN else f"{Status.UNSAT_CLAIMED.value} (proof rejected)"
    return _replayed(problem, target, witness, method, None, {**stats, "optimality": grade})


def cpsat_answers(problem: Problem, targets: list, scalars: list[int], options: SolverOptions,
                  backing: Backing) -> list[Answer]:
    """Decide several targets with ONE CP-SAT reachability model (each solution names a
    reachable target and its near neighbours, which leave the model; the final INFEASIBLE
    claims the rest): faster than one model per target on most target sets measured
    (``benchmarks/cpsat_multi.py``). Same grading as :func:`cpsat_answer`; ``time_limit``
    covers the whole set."""
    from verify.solve.reachability import reachable_targets  # here: it imports OR-Tools (about 1 s)

    results = reachable_targets(problem, targets, options.time_limit)
    out = []
    for target, t in zip(targets, scalars):
        outcome, assignment = results[target]
        if outcome is Outcome.SAT:
            out.append(_replayed(problem, target, [i for i, c in enumerate(assignment) if c], "cpsat"))
        elif outcome is Outcome.UNKNOWN:
            out.append(Answer(target, Status.UNKNOWN, "cpsat", "CP-SAT stopped (time limit or no answer)"))
        else:
            out.append(_confirm_unsat(target, backing, t, "cpsat",
                                      "CP-SAT said INFEASIBLE, which carries no proof"))
    return out


def cpsat_answer(problem: Problem, target, t: int, options: SolverOptions, backing: Backing,
                 workers: int | None = None) -> Answer:
    """Decide one target with CP-SAT (see the module docstring); ``t`` is the scalar form of
    ``target`` that ``backing`` understands."""
    # here, not at the top: these import OR-Tools (about 1 s), which SAT and the tables never need
    from verify.encodings.cpsat import build_model
    from verify.solve.cpsat import run

    result = run(build_model(problem, target), options.time_limit, workers)
    method = "cpsat"
    stats = {"cpsat_status": result.status_name, "seconds": round(result.seconds, 6)}
    if result.outcome is Outcome.SAT:
        witness = [i for i, chosen in enumerate(result.assignment) if chosen]
        if problem.objective == "fewest":
            claim = "claimed (CP-SAT OPTIMAL, no proof)" if result.optimal else "not proven (FEASIBLE)"
            stats = {**stats, "fewest": len(witness), "optimality": claim}
        return _replayed(problem, target, witness, method, extra=stats)
    if result.outcome is Outcome.UNKNOWN:
        return Answer(target, Status.UNKNOWN, method,
                      f"CP-SAT stopped with {result.status_name} (time limit or no answer)", extra=stats)
    return _confirm_unsat(target, backing, t, method, "CP-SAT said INFEASIBLE, which carries no proof")
