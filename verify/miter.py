"""A solver miter for network equality: one CP-SAT model whose solutions are the inputs on
which two quantized networks give different outputs.

Both networks are encoded with exactly the semantics of ``QuantizedNetwork.forward`` (exact
integer matmul, ReLU on every layer but the last, lowering to γ by the schedule and rounding
mode) on a shared input x in S_δ^d0, and their outputs are compared as rationals. Every
intermediate value gets interval bounds as it is encoded; they give the variables' domains,
fold values that are constant (pruned rows, zero weights) out of the model, and refuse models
that CP-SAT's int64 arithmetic could overflow.

Encodings: ReLU is ``AddMaxEquality``; lowering v from scale s to γ < s is ``v = D·q + r``
with D = 2^(s-γ) and a remainder range that is the rounding mode (floor: 0 <= r < D; ceil:
-D < r <= 0; toward zero: one or the other by the sign of v; nearest: |r| <= D/2, where the
ties r = ±D/2 are the two representations of the same v, and the mode keeps one of them: q
even for ties to even, q away from zero for ties away).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from verify.encodings.cpsat import INT64_SAFE, INT64_SAFE_BITS
from verify.equality import Verdict
from verify.errors import InputError, InternalError
from verify.networks import QuantizedNetwork, same_outputs
from verify.numbers import RoundingMode, rescale
from verify.solve.cpsat import check_workers, run_values
from verify.solve.limits import check_time_limit
from verify.solve.outcome import Outcome

OUTCOMES = (Verdict.DIFFER, Verdict.EQUAL_CLAIMED, Verdict.UNKNOWN)


@dataclass(frozen=True)
class MiterResult:
    """``outcome`` one of OUTCOMES; ``input`` the differing input as scaled integers (scale
    ``input_bits``), only for ``Verdict.DIFFER``; ``seconds`` the wall time of the whole call;
    ``status_name`` CP-SAT's status, or "NOT_RUN" when no model was solved; ``detail`` one
    sentence saying why."""

    outcome: Verdict
    input: tuple[int, ...] | None
    seconds: float
    status_name: str
    detail: str


class _TooBig(Exception):
    """A bound reached INT64_SAFE: the model is not built."""


# A value is (int constant or CP-SAT expression, lower bound, upper bound): the bounds hold for
# every input but need not be attained, except that lo == hi means the value is that constant.


class _Encoder:
    def __init__(self, model: cp_model.CpModel):
        self.model = model

    def check(self, magnitude: int, where: str) -> None:
        # CP-SAT rejects or mis-presolves sums near int64 (see verify.encodings.cpsat), so the
        # sum of |coefficient·bound| of every constraint, not only each value, must stay small.
        if magnitude >= INT64_SAFE:
            raise _TooBig(f"{where} can reach 2^{magnitude.bit_length() - 1} in magnitude, and "
                          f"CP-SAT's int64 arithmetic needs every bound below 2^{INT64_SAFE_BITS}")

    def var(self, lo: int, hi: int, expr, where: str):
        """The value ``expr`` (bounds lo..hi) as a new variable, or as a constant if lo == hi."""
        if lo == hi:
            return (lo, lo, lo)
        v = self.model.new_int_var(lo, hi, where)
        self.model.add(v == expr)
        return (v, lo, hi)

    def dot(self, row, values, where: str):
        terms = [(int(c), v) for c, v in zip(row, values) if c != 0]  # pruned weights add nothing
        lo = sum(min(c * v[1], c * v[2]) for c, v in terms)
        hi = sum(max(c * v[1], c * v[2]) for c, v in terms)
        self.check(sum(abs(c) * max(-v[1], v[2]) for c, v in terms) + max(-lo, hi), where)
        return self.var(lo, hi, sum(c * v[0] for c, v in terms), where)

    def relu(self, value, where: str):
        e, lo, hi = value
        if lo >= 0:
            return value
        if hi <= 0:
            return (0, 0, 0)
        y = self.model.new_int_var(0, hi, where)
        self.model.add_max_equality(y, [e, 0])
        return (y, 0, hi)

    def nonnegative(self, value):
        """A literal (or a constant bool) that is true exactly when the value is >= 0."""
        e, lo, hi = value
        if lo >= 0 or hi < 0:
            return lo >= 0
        b = self.model.new_bool_var("")
        self.model.add(e >= 0).only_enforce_if(b)
        self.model.add(e <= -1).only_enforce_if(~b)
        return b

    def within(self, r, lo: int, hi: int, literal) -> None:
        """lo <= r <= hi when ``literal`` holds (a constant bool: always or never)."""
        if literal is True:
            self.model.add_linear_constraint(r, lo, hi)
        elif literal is not False:
            self.model.add_linear_constraint(r, lo, hi).only_enforce_if(literal)

    def lower(self, value, s: int, g: int, mode: RoundingMode, where: str):
        e, lo, hi = value
        if s <= g:  # raising precision is exact
            f = 1 << (g - s)
            self.check(max(-lo, hi) * f, where)
            return (e * f, lo * f, hi * f)
        qlo, qhi = rescale(lo, s, g, mode), rescale(hi, s, g, mode)  # every mode is monotone
        if qlo == qhi:
            return (qlo, qlo, qlo)
        d = 1 << (s - g)
        self.check(max(-lo, hi) + d * max(-qlo, qhi) + d, where)
        q = self.model.new_int_var(qlo, qhi, where)
        r = self.model.new_int_var(1 - d, d - 1, "")
        self.model.add(e == d * q + r)
        h = d // 2
        if mode is RoundingMode.FLOOR:
            self.within(r, 0, d - 1, True)
        elif mode is RoundingMode.CEIL:
            self.within(r, 1 - d, 0, True)
        elif mode is RoundingMode.NEAREST_EVEN:
            # q = 2m + odd; an odd q may not come from a tie, so the tie picks the even q
            odd = self.model.new_bool_var("")
            m = self.model.new_int_var(qlo // 2, qhi // 2, "")
            self.model.add(q == 2 * m + odd)
            self.within(r, -h, h, True)
            self.within(r, 1 - h, h - 1, odd)
        else:
            pos = self.nonnegative(value)
            neg = (not pos) if isinstance(pos, bool) else ~pos
            if mode is RoundingMode.TOWARD_ZERO:
                self.within(r, 0, d - 1, pos)
                self.within(r, 1 - d, 0, neg)
            else:  # NEAREST_AWAY: a tie v = D·q - D/2 (v > 0) rounds up to q, v < 0 down
                self.within(r, -h, h - 1, pos)
                self.within(r, 1 - h, h, neg)
        return (q, qlo, qhi)

    def network(self, net: QuantizedNetwork, x, input_bits: int, name: str):
        values, scale = x, input_bits
        for i, (w, k) in enumerate(zip(net.weights, net.scales), start=1):
            values = [self.dot(row, values, f"{name} layer {i} neuron {j}") for j, row in enumerate(w)]
            scale += k
            if i < net.depth:
                values = [self.relu(v, f"{name} relu {i}.{j}") for j, v in enumerate(values)]
            if net.rounding.lowers(i):
                g = net.rounding.gamma
                values = [self.lower(v, scale, g, net.rounding.mode, f"{name} layer {i} neuron {j} lowered")
                          for j, v in enumerate(values)]
                scale = g
        return values, scale


def find_difference(a: QuantizedNetwork, b: QuantizedNetwork, input_bits: int,
                    time_limit: float | None = None, workers: int | None = None) -> MiterResult:
    """Search for an input on which networks ``a`` and ``b`` give different outputs.

    Inputs range over S_δ^d0 with δ = 2^-``input_bits``: integer vectors with entries in
    [-2^input_bits, 2^input_bits], read at scale ``input_bits`` as in
    ``QuantizedNetwork.forward(x, input_scale=input_bits)``. Outputs are compared as rationals,
    so the networks may differ in depth, widths, scales and rounding; they must share input and
    output widths (else ``InputError``). ``time_limit`` is in seconds of wall time for the whole
    call (None: no limit); ``workers`` CP-SAT threads (None: the project's default).

    Outcomes (:class:`verify.equality.Verdict`): ``DIFFER`` (the input was replayed with both
    ``forward`` passes and differs; a replay that agrees raises ``InternalError``),
    ``EQUAL_CLAIMED`` (CP-SAT said INFEASIBLE, without a proof), ``UNKNOWN`` (a time limit, or
    an interval bound of some value or linear sum reaching 2^61, which CP-SAT's int64
    arithmetic cannot take; ``detail`` names it). Building the model is not bounded by
    ``time_limit``; the solve gets what is left of it.

    >>> from verify.networks import Rounding
    >>> floor = QuantizedNetwork([[[1]]], [0], Rounding("double", 0, "floor"))
    >>> toward_zero = QuantizedNetwork([[[1]]], [0], Rounding("double", 0, "toward-zero"))
    >>> r = find_difference(floor, toward_zero, input_bits=1, workers=1)
    >>> r.outcome.value, r.input      # x = -1/2: floor gives -1, toward zero 0
    ('differ', (-1,))
    >>> find_difference(floor, floor, input_bits=1, workers=1).outcome is Verdict.EQUAL_CLAIMED
    True
    """
    start = time.perf_counter()
    _check_arguments(a, b, input_bits, time_limit, workers)

    def result(outcome, x=None, status="NOT_RUN", detail=""):
        return MiterResult(outcome, x, time.perf_counter() - start, status, detail)

    model = cp_model.CpModel()
    try:
        x = _miter(model, a, b, input_bits)
    except _TooBig as e:
        return result(Verdict.UNKNOWN, detail=f"Not solved: {e}.")
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - start))
    solved = run_values(model, x, left, workers)
    values, status = solved.values, solved.status_name
    if solved.outcome is Outcome.UNKNOWN:
        return result(Verdict.UNKNOWN, status=status, detail=f"CP-SAT stopped with {status} (a time limit).")
    if solved.outcome is Outcome.UNSAT:
        return result(Verdict.EQUAL_CLAIMED, status=status,
                      detail="CP-SAT answered INFEASIBLE: no differing input, claimed without a proof.")
    row = np.array([values], dtype=np.int64)
    if same_outputs(a.forward(row, input_bits), b.forward(row, input_bits))[0]:
        raise InternalError(f"miter: CP-SAT's input {values} (scale {input_bits}) does not replay: "
                            f"both networks give the same outputs there")
    return result(Verdict.DIFFER, tuple(values), status,
                  "An input on which the outputs differ, replayed in exact integer arithmetic.")


def _check_arguments(a, b, input_bits, time_limit, workers) -> None:
    """``find_difference``'s arguments, each refused with an InputError naming it."""
    for name, net in (("a", a), ("b", b)):
        if not isinstance(net, QuantizedNetwork):
            raise InputError(f"network {name}: expected a QuantizedNetwork, got {type(net).__name__}")
    if isinstance(input_bits, bool) or not isinstance(input_bits, int) or input_bits < 0:
        raise InputError(f"input_bits: expected an integer >= 0, got {input_bits!r}")
    check_time_limit(time_limit, zero_ok=True)
    check_workers(workers)
    if a.widths[0] != b.widths[0] or a.widths[-1] != b.widths[-1]:
        raise InputError(f"networks: a maps {a.widths[0]} inputs to {a.widths[-1]} outputs, "
                         f"b maps {b.widths[0]} to {b.widths[-1]}; a miter needs the same widths")


def _miter(model: cp_model.CpModel, a: QuantizedNetwork, b: QuantizedNetwork, input_bits: int) -> list:
    """Build into ``model`` both networks on one shared input and the clause "some output
    differs"; return the input variables. ``_TooBig`` when a bound reaches INT64_SAFE."""
    enc = _Encoder(model)
    top = 1 << input_bits
    enc.check(top, "the input")
    x = [model.new_int_var(-top, top, f"x{j}") for j in range(a.widths[0])]
    xs = [(v, -top, top) for v in x]
    (out_a, sa), (out_b, sb) = enc.network(a, xs, input_bits, "a"), enc.network(b, xs, input_bits, "b")
    s = max(sa, sb)
    fa, fb = 1 << (s - sa), 1 << (s - sb)
    differs = []
    for j, ((ea, la, ha), (eb, lb, hb)) in enumerate(zip(out_a, out_b)):
        lo, hi = la * fa - hb * fb, ha * fa - lb * fb
        enc.check(max(-la, ha) * fa + max(-lb, hb) * fb + max(-lo, hi), f"output {j} of a - b")
        if lo == hi:  # constant, so equal: bias-free networks map x = 0 to 0
            continue
        diff = enc.var(lo, hi, ea * fa - eb * fb, f"diff{j}")[0]
        for side, bound in ((1, hi), (-1, lo)):
            if side * bound >= 1:
                lit = model.new_bool_var("")
                model.add(side * diff >= 1).only_enforce_if(lit)
                differs.append(lit)
    # Empty when the bounds alone show that no output can differ: an empty clause keeps the
    # model valid and infeasible.
    model.add_bool_or(differs)
    return x
