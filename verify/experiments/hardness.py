"""``hardness``: how long each exact method takes against κ = log2(M)/n (docs/theory.md §5.6).

Each task draws n weights i.i.d. uniform on ``{-M..M}`` (without 0 by default),
M = floor(2^(κ·n)) computed exactly (``verify.generators.m_for_kappa``), with a planted target
(the sum of a random subset: always reachable) or a fixed one (``"p/q"``: floor(p·M/q)), and
decides it with one method. The expectation (easy-hard-easy) is a peak near κ ≈ 1.

Methods: ``cpsat`` (CP-SAT), ``sat`` (a CNF through ``encoding``, CaDiCaL, and every "no" a
DRUP proof checked by ``checker``), ``mitm`` (the pre-filter's meet in the middle) and ``dp``
(the reachable-sum bitset; beyond ``budget_mib`` it is ``unknown`` with the reason, not an error).

Timing is the named method's own. ``solve`` normally confirms a solver's unproven "no" with
the exact pre-filter inside the same call (``verify.solve.grading``), which would put the
pre-filter's time into the solver's; so ``cpsat`` and ``sat`` run with a pre-filter
budget of 96 bytes (no table fits, nothing is confirmed inside, except for a handful of tiny
weights where ``decided_by`` then names the table) and an ``unsat-claimed`` answer is then
confirmed apart by ``mitm`` or ``dp`` within ``budget_mib``, timed as ``confirm_seconds``. The
result's ``status`` is the final, evidence-graded one; ``method_status`` what the method
itself established; ``decided_by`` the procedure that decided (``answer.method``); ``evidence``
its sentence for a "no" or an unknown (a "yes" is a replayed witness, whose size may differ
between CP-SAT runs with several workers, so it is not stored).

``encoding`` defaults to ``adder``: ``auto`` first asks an exact oracle whether the target is
reachable (meet in the middle up to n = 24) and for a "no" writes the decision diagram's own
refutation, so its time would not be a solver's.

Timings (``*_seconds``): ``solve_seconds`` is ``report.timings["total"]`` of the method's
``solve`` call (screening, tables or encoding, solver runs, witness replay, proof checks);
``solver_seconds`` the solver run alone and ``check_seconds`` the proof check, when the
library reports them.
"""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

from verify.errors import BudgetExceeded, InputError, MethodDisagreement
from verify.experiments.base import DEFAULT_TIME_LIMIT, Experiment, Param, Table, group, target_value
from verify.experiments.plotting import legend_outside, lower_bound_handle, lower_bounds, reference_style, style
from verify.generators import SubsetSumOptions, m_for_kappa, subset_sum_instance
from verify.solve.dispatch import solve
from verify.solve.methods import SS
from verify.solve.grading import SolverOptions
from verify.status import Status

PARAMS = (
    Param("n", "int", default=20, low=1, high=200, help="number of weights"),
    Param("kappa", "number", default="1", low=0, high=4, help="κ: M = floor(2^(κ·n))"),
    Param("target", "target", default="planted", help='planted (reachable), an integer, or "p/q" of M'),
    Param("zero", "bool", default=False, help="0 allowed among the weights"),
    Param("encoding", "choice", default="adder",
          choices=("auto", "dd", "bdd", "seqcounter", "sortnetwrk", "adder", "binmerge", "totalizer",
                   "mixedradix"), help="sat: the CNF encoding"),
    Param("checker", "choice", default="auto", choices=("auto", "both", "python", "native"),
          help="sat: the DRUP checker's engines"),
    Param("budget_mib", "int", default=1024, low=1, high=1 << 20,
          help="memory budget of dp, mitm and the confirmation, MiB"),
)
METHODS = ("cpsat", "sat", "mitm", "dp")
# bytes: what solve() needs to hold one target's answer, and less than any exact table of more than
# a handful of tiny weights, so it confirms nothing inside the solver's time
NO_PREFILTER = 96


def instance(params: dict, seed: int):
    """The task's instance (the same for every method)."""
    n, kappa = params["n"], params["kappa"]
    target = target_value(params["target"], m_for_kappa(n, kappa))
    return subset_sum_instance(n, SubsetSumOptions(kappa=kappa, zero=params["zero"], target=target), seed=seed)


def _confirm(inst, budget: int) -> tuple[Status, str, float] | None:
    """An exhaustive "no" from the first pre-filter method that fits (None: none fits)."""
    for method in ("mitm", SS, "dp"):
        try:
            report = solve(inst, method, budget)
        except (BudgetExceeded, InputError):  # InputError: weights too large for int64 half-sums
            continue
        answer = report.answers[0]
        if answer.status.is_sat:
            raise MethodDisagreement(f"instance {inst.sha256}: a solver said target {answer.target} is "
                                     f"unreachable, {answer.method} finds a subset")
        return answer.status, answer.method, report.timings["total"]
    return None


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Decide the task's instance with ``method`` alone (module docstring)."""
    inst = instance(params, seed)
    budget = params["budget_mib"] << 20
    out = {"instance_sha256": inst.sha256, "M": str(inst.meta["params"]["M"]), "target": str(inst.targets[0])}
    try:
        if method in ("dp", "mitm"):
            report = solve(inst, method, budget)
        elif method in ("cpsat", "sat"):
            if method == "cpsat":  # import OR-Tools before the clock starts: a first task would pay for it
                import verify.solve.cpsat  # noqa: F401
                import verify.encodings.cpsat  # noqa: F401
            options = SolverOptions(time_limit=time_limit, encoding=params["encoding"], engines=params["checker"],
                                    build_budget=budget)
            report = solve(inst, method, NO_PREFILTER, options)
        else:
            raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    except BudgetExceeded as e:
        return {**out, "status": Status.UNKNOWN.value, "method_status": Status.UNKNOWN.value,
                "over_budget": True, "reachable": None, "reason": str(e)}
    except InputError as e:
        if method != "mitm":
            raise
        return {**out, "status": Status.UNKNOWN.value, "method_status": Status.UNKNOWN.value,
                "over_budget": False, "reachable": None, "reason": str(e)}
    answer = report.answers[0]
    status = answer.status
    out.update(method_status=status.value, decided_by=answer.method, over_budget=False,
               solve_seconds=report.timings["total"])
    if not status.is_sat:  # a witness's size may vary between CP-SAT runs: keep only "no" evidence
        out["evidence"] = answer.evidence
    for key, name in (("seconds", "solver_seconds"), ("solve_seconds", "solver_seconds")):
        if isinstance(answer.extra.get(key), (int, float)):
            out[name] = answer.extra[key]
    if isinstance(answer.extra.get("check_seconds"), dict):
        out["check_seconds"] = sum(answer.extra["check_seconds"].values())
    if status is Status.UNSAT_CLAIMED:
        confirmed = _confirm(inst, budget)
        if confirmed is not None:
            status, by, seconds = confirmed
            out.update(confirmed_by=by, confirm_seconds=seconds)
    out.update(status=status.value, reachable=True if status.is_sat else False if status.is_certified else None)
    return out


# ------------------------------------------------------------------------------------ report

def _median(xs):
    return statistics.median(xs) if xs else None


def _curve(rows):
    """Per κ (sorted as numbers): (κ, trials, decided, reachable, over budget, median seconds)."""
    out = []
    for (kappa,), cell in sorted(group(rows, "kappa").items(), key=lambda kv: Fraction(str(kv[0][0]))):
        res = [r["result"] for r in cell if r["result"]]
        times = [r["solve_seconds"] for r in res if r.get("solve_seconds") is not None]
        decided = [r for r in res if r.get("reachable") is not None]
        out.append((kappa, len(cell), len(decided), sum(r["reachable"] for r in decided),
                    sum(bool(r.get("over_budget")) for r in res), _median(times)))
    return out


def tables(rows: list[dict]) -> list[Table]:
    t = Table(["n", "zero", "target", "method", "κ", "M bits", "trials", "decided", "reachable",
               "over budget", "median s"], title="time of each exact method against κ = log2(M)/n")
    for (n, zero, target, encoding, method), rs in group(rows, "n", "zero", "target", "encoding", "method").items():
        curve = _curve(rs)
        for kappa, trials, dec, yes, over, med in curve:
            res = next((r["result"] for r in rs if r["params"]["kappa"] == kappa and r["result"]), None)
            bits = f"{math.log2(int(res['M'])):.1f}" if res else "-"
            t.rows.append([n, zero, target, method if method != "sat" else f"sat/{encoding}", kappa, bits, trials,
                           f"{dec}/{trials}", "-" if not dec else f"{yes / dec:.2f}", over,
                           "-" if med is None else f"{med:.4f}"])
        timed = [(med, kappa) for kappa, *_, med in curve if med is not None]
        if timed:
            med, kappa = max(timed)
            t.notes.append(f"n {n}, target {target}, {method}: slowest median {med:.4f} s at κ = {kappa}")
    t.notes.append("median s: the method's own solve time over tasks that ran (time-limited ones count "
                   "at their limit, so the median is a lower bound where tasks were undecided); decided: "
                   "certified answers (a CP-SAT 'no' counts once mitm or dp confirmed it)")
    return [t]


def _out_of_time(r) -> bool:
    """Whether a task ran out of time: undecided with a time (the method's limit) or killed by the
    pool (no time at all). Over-budget tasks never ran; they are not timing anything."""
    res = r["result"]
    if res is None:
        return r["status"] == Status.UNKNOWN.value
    return res.get("reachable") is None and not res.get("over_budget") and res.get("solve_seconds") is not None


def plot(rows: list[dict], figure) -> None:
    """Median time against κ, one line per method, n and target; a median with tasks that ran out
    of time is a lower bound (drawn with an upward arrow)."""
    ax = figure.subplots()
    censored = False
    for i, ((n, target, method), rs) in enumerate(group(rows, "n", "target", "method").items()):
        short = {kappa for (kappa,), cell in group(rs, "kappa").items() if any(map(_out_of_time, cell))}
        curve = [(float(Fraction(str(k))), med, k in short) for k, *_, med in _curve(rs) if med]
        if curve:
            line, = ax.plot([x for x, _, _ in curve], [y for _, y, _ in curve], **style(i),
                            label=f"{method} (n = {n}, target {target})")
            bounds = [(x, y) for x, y, low in curve if low]
            lower_bounds(ax, bounds, line.get_color())
            censored = censored or bool(bounds)
    ax.axvline(1.0, **reference_style(0))
    ax.set_yscale("log")
    ax.set(xlabel="κ = log2(M) / n", ylabel="median seconds", title="hardness against κ")
    handles = ax.get_legend_handles_labels()[0]
    if censored:
        handles.append(lower_bound_handle("median ≥ this: some tasks\nran out of time"))
    legend_outside(ax, handles)


EXPERIMENT = Experiment("hardness", "solver time against κ = log2(M)/n (easy-hard-easy)",
                        PARAMS, METHODS, run, tables, plot, default_time_limit=DEFAULT_TIME_LIMIT)
