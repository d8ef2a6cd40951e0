"""Building a target's encoding under the time limit and the memory budget.

PySAT's pseudo-Boolean encoders (pindakaas, in Rust) cannot be bounded from the outside by an
estimate: ``sortnetwrk`` and ``seqcounter`` grow with the magnitude of the weights, not only with
n (measured: 491,857 clauses for 6 weights of 13 bits; ``sortnetwrk`` past 15 GB at n = 32 and
12 bits), they cannot be interrupted, and when an allocation fails inside them under an address-
space limit the process was seen to hang rather than die. So an encoding that is not tiny is
built in a child process held to the memory budget and the time limit
(``verify.solve.children.run_bounded``). The clauses come back as two flat int64 arrays
(literals and clause lengths), which pickle as raw bytes.

``auto``: when its choice does not fit, ``adder`` is tried next (its size grows with n·log Σ|a_i|
only); an explicitly chosen encoding that does not fit is refused with ``BudgetExceeded`` naming
the encoding, what it reached and the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.encodings.cnf import Encoded, choose_encoding, dd_witness, encode_subset_sum
from verify.errors import BudgetExceeded, InputError, VerifyError
from verify.prefilter.budget import resolve_budget
from verify.solve.children import run_bounded
from verify.solve.limits import check_time_limit

# n·Σ|a_i| up to which every encoding is built in this process: the largest of all eight
# encodings over 600 random instances there had 45,396 literals (sortnetwrk), a few MB
INLINE_MAX_WORK = 1024
FALLBACK = "adder"


@dataclass(frozen=True)
class Built:
    """What building produced: a witness read off the decision diagram (``path``), an encoding
    (``encoded``), or neither because the time limit was hit (``unknown``: why)."""

    path: tuple[int, ...] | None = None
    encoded: Encoded | None = None
    unknown: str = ""
    tried: tuple[str, ...] = ()  # encodings that did not fit, and why, before this one


def pack_clauses(clauses: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Clauses as two flat int64 arrays (literals, clause lengths): they pickle as raw bytes
    across a process boundary, where a list of lists pickles one integer at a time."""
    lengths = np.fromiter(map(len, clauses), dtype=np.int64, count=len(clauses))
    flat = np.fromiter((lit for c in clauses for lit in c), dtype=np.int64, count=int(lengths.sum()))
    return flat, lengths


def unpack_clauses(flat: np.ndarray, lengths: np.ndarray) -> list[list[int]]:
    """The inverse of :func:`pack_clauses`."""
    lits, ends = flat.tolist(), np.cumsum(lengths).tolist()
    return [lits[a:b] for a, b in zip([0] + ends[:-1], ends)]


def _pack(enc: Encoded) -> tuple:
    return (enc.n, enc.nvars, *pack_clauses(enc.clauses), enc.encoding, enc.refuted_by_encoder,
            enc.stats, enc.proof)


def _unpack(packed: tuple) -> Encoded:
    n, nvars, flat, lengths, encoding, refuted, stats, proof = packed
    return Encoded(n, nvars, unpack_clauses(flat, lengths), encoding, refuted, stats, proof)


def _cnf_child(fn, args):
    nvars, clauses = fn(*args)
    return nvars, *pack_clauses(clauses)


def build_cnf(fn, args: tuple, *, inline: bool, budget=None, time_limit: float | None = None,
              label: str = "the CNF") -> tuple[int, list[list[int]]] | str:
    """``fn(*args)``, a function returning ``(nvars, clauses)``, run in this process when
    ``inline`` (the caller knows it is small) and otherwise in a child bounded by the memory
    budget and the time limit (see the module docstring). Returns the CNF, or why it could not
    be built (a string: the caller's ``unknown``, never a "no")."""
    check_time_limit(time_limit)
    if inline:
        return fn(*args)
    payload, reason, _ = run_bounded(_cnf_child, (fn, args), time_limit, resolve_budget(budget), label)
    if payload is None:
        return f"building {label}: {reason}"
    if payload[0] != "ok":
        raise VerifyError(f"building {label} failed: {payload[1]}")
    nvars, flat, lengths = payload[1]
    return nvars, unpack_clauses(flat, lengths)


def _prepare(weights, t: int, encoding: str, size, path_ok: bool, budget):
    """Child body: a path of the diagram when the choice is ``dd`` and one exists (with
    ``path_ok``), else the packed encoding; a refusal comes back as a value, with its class."""
    try:
        if path_ok and choose_encoding(weights, t, encoding, budget=budget) == "dd":
            path = dd_witness(weights, t, budget)
            if path is not None:
                return "path", path
        return "cnf", _pack(encode_subset_sum(weights, t, encoding, size, budget))
    except VerifyError as e:
        return "refused", type(e).__name__, str(e)


def build_encoding(weights, t: int, encoding: str = "auto", size: int | None = None, *,
                   path_ok: bool = False, budget=None, time_limit: float | None = None) -> Built:
    """Build the CNF of ``Σ a_i x_i = t`` (see ``verify.encodings.cnf.encode_subset_sum``), or
    with ``path_ok`` read a witness off the diagram when ``dd`` is the choice, within the memory
    budget and the time limit (see the module docstring). Raises ``BudgetExceeded`` when nothing
    fits, ``InputError`` for a bad encoding name.

    Seven parameters, no record: the first four are the constraint itself, the three
    keyword-only ones are limits and a switch, each named at every call.
    """
    check_time_limit(time_limit)
    weights = [int(a) for a in weights]
    limit = resolve_budget(budget)
    inline = len(weights) * sum(abs(a) for a in weights) <= INLINE_MAX_WORK
    attempts = [encoding]
    # auto's choice is made here first (the forked child inherits what it computed)
    if encoding == "auto" and choose_encoding(weights, t, "auto", True, budget) != FALLBACK:
        attempts.append(FALLBACK)
    tried: list[str] = []
    for attempt in attempts:
        args = (weights, t, attempt, size, path_ok, budget)
        if inline:
            payload, reason, kind = ("ok", _prepare(*args)), "", ""
        else:
            payload, reason, kind = run_bounded(_prepare, args, time_limit, limit, f"encoding-{attempt}")
        if kind == "time":
            return Built(unknown=f"building the {attempt} encoding: {reason}", tried=tuple(tried))
        if payload is not None and payload[0] == "ok":
            result = payload[1]
            if result[0] == "path":
                return Built(path=tuple(result[1]), tried=tuple(tried))
            if result[0] == "cnf":
                return Built(encoded=_unpack(result[1]), tried=tuple(tried))
            if result[1] == "InputError":
                raise InputError(result[2])
            why = result[2]  # a refusal names its encoding, what it needs and the budget
        else:
            why = f"building the {attempt} encoding: " + (reason if payload is None else f"it failed: {payload[1]}")
        tried.append(why)
    if len(tried) == 1:
        raise BudgetExceeded(f"{tried[0]}; choose another --encoding such as {FALLBACK}, or raise "
                             f"--memory-budget")
    raise BudgetExceeded(f"no encoding fits: {'; then '.join(tried)}; raise --memory-budget")
