"""``network``: tickets in random quantized networks against the theorems (docs/theory.md §5.4-5.5).

Each task samples a target network (widths ``widths``, weights uniform on S_δt, δt =
2^-target_bits, every layer's output rounded to δt with ``rounding = double``) from ``seed``, and
the random network of Theorem 1 or 2 for it from seed ``seed + RANDOM_SEED_OFFSET`` (so the same
target meets a fresh random network at every ``c``, and the target does not depend on ``c``).

- Theorem 1: δ = 2^-k, k = ceil(target_bits / 2) (δ² <= δt), ``c·k`` hidden units per input
  (C·log2(1/δ)), weights uniform on S_δ (with 0 unless ``zero = false``).
- Theorem 2: δ = δt (k = target_bits), ``c1`` first-block units per input (0: c·k) and
  ``copies`` copies per hidden neuron (0: k, the paper's log2(1/δ), κ = 1 exactly), weights
  uniform on S_δ without 0.

Methods (each ticket's sums are replayed by the library, and the pruned network is then proved
equal to the target by ``verify.equality``, normally by collapse on every real input):

- ``construction``: the paper's mask. ``success`` is whole-network success; ``weights_ok`` of
  ``weights_total`` (N_t) target weights had every one of their subset sums (both branches, every
  copy) solved, so the report compares P(success) with the union bound N_t·p - (N_t - 1) at the
  measured per-weight rate p. A failure's status is that of its certified "no": the
  construction cannot succeed on this pair (not: no ticket exists).
- ``min-width`` (Theorem 1 layout only): the fewest leading units per group for which the
  searched family has a ticket, against Theorem 1's ``c·k``; the "no" one unit narrower is
  certified by an exhaustive table.
- ``sparsest`` (Theorem 1 layout only): the fewest kept weights in the family (CP-SAT optimum,
  lower bound by a checked DRUP refutation per component; ``time_limit`` bounds each solver
  run), against the construction's kept count and Theorem 3's bound.

Counts: kept and total weights of the random network (density = kept / total, computed in the
report). Status ``sat-verified``: a ticket found, replayed and proved equal; ``unsat-*``: no
ticket of the kind asked (certified); ``unknown``: a limit was hit. ``min-width`` and
``sparsest`` with ``theorem = 2`` are not tasks (``applies``): a sweep omits them.
"""

from __future__ import annotations

import hashlib

from verify.certificates import theorem3_bound
from verify.errors import InputError
from verify.experiments.base import DEFAULT_TIME_LIMIT, Experiment, Param, Table, crossing, group
from verify.experiments.plotting import legend_outside, reference_style, style
from verify.generators import target_network, theorem1_random_network, theorem2_random_network
from verify.layouts import paper_copies, paper_delta_bits, paper_units
from verify.networks import Rounding
from verify.status import Status
from verify.ticket_pipeline import TicketRequest, construction_kept, run as run_pipeline

RANDOM_SEED_OFFSET = 1_000_000  # the random network's seed is seed + this

PARAMS = (
    Param("widths", "widths", default="2,2,2", help="target widths d_0,...,d_l"),
    Param("target_bits", "int", default=3, low=1, high=12, help="target weights on S_δt, δt = 2^-target_bits"),
    Param("rounding", "choice", default="double", choices=("none", "double"),
          help="double: every target layer's output rounded to δt (nearest-even)"),
    Param("theorem", "choice", default=1, choices=(1, 2), help="which random network and construction"),
    Param("c", "int", default=8, low=1, high=10_000,
          help="C: c·k units per input (Theorem 1), or first-block units per input when c1 = 0 (Theorem 2)"),
    Param("c1", "int", default=0, low=0, high=100_000, help="Theorem 2: first-block units per input (0: c·k)"),
    Param("copies", "int", default=0, low=0, high=10_000,
          help="Theorem 2: copies per hidden neuron (0: k = log2(1/δ), the paper's)"),
    Param("zero", "bool", default=True, help="Theorem 1: 0 allowed among the random weights"),
)
METHODS = ("construction", "min-width", "sparsest")


def networks(params: dict, seed: int):
    """(target, random, k, units per input of the first block, copies) for a task."""

    bits = params["target_bits"]
    rounding = Rounding("double", bits) if params["rounding"] == "double" else Rounding()
    target = target_network([int(w) for w in params["widths"].split(",")], bits, seed=seed, rounding=rounding)
    k = paper_delta_bits(params["theorem"], bits)
    if params["theorem"] == 1:
        units = paper_units(params["c"], k)
        random = theorem1_random_network(target, units, k, seed=seed + RANDOM_SEED_OFFSET, zero=params["zero"])
        return target, random, k, units, 1
    c1 = params["c1"] or paper_units(params["c"], k)
    copies = params["copies"] or paper_copies(k)
    random = theorem2_random_network(target, c1, copies, k, seed=seed + RANDOM_SEED_OFFSET)
    return target, random, k, c1, copies


def applies(params: dict, method: str) -> str | None:
    """Why ``method`` does not run on these parameters (None: it does)."""
    if method in ("min-width", "sparsest") and params["theorem"] != 1:
        return f"{method} searches Theorem 1's layout only (theorem = {params['theorem']})"
    return None


def describes(params: dict) -> dict:
    """The parameters as they describe the task's networks: Theorem 1 has no first-block width
    or copies of its own, Theorem 2's random weights never include 0."""
    if params["theorem"] == 1:
        return {**params, "c1": None, "copies": None}
    return {**params, "zero": None}


def _proved(eq) -> tuple[Status, str]:
    """The ticket's status once the pipeline compared its pruned network with the target."""
    if eq.equal:
        return Status.SAT_VERIFIED, f"{eq.method}: equal on {eq.domain}"
    return Status.UNKNOWN, f"equality {eq.verdict.value} ({eq.method}): {eq.detail}"


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Build the pair and run ``method`` on it through the ticket pipeline (module docstring)."""

    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    why = applies(params, method)
    if why is not None:
        raise InputError(f"method: {why}")
    target, random, k, units, copies = networks(params, seed)
    sha = hashlib.sha256(f"{target.sha256} {random.sha256} k={k}".encode()).hexdigest()
    out = {"instance_sha256": sha, "k": k, "units": units, "copies": copies,
           "target_weights": target.num_weights, "total": random.num_weights}
    outcome = run_pipeline(target, random, TicketRequest(method, k=k, time_limit=time_limit, units=units,
                                                         copies=copies))
    if method == "construction":
        return {**out, **_construction_row(outcome, target, copies)}
    return {**out, **_search_row(outcome, target, random, units)}


def _construction_row(outcome, target, copies: int) -> dict:
    """Whole-network success, the per-weight and per-sum counts, and the status of the
    construction's ticket (or of its first certified "no")."""
    built = outcome.construction
    per_weight: dict[tuple, bool] = {}
    for ch in built.choices:  # rows o·reps .. o·reps + reps - 1 copy target output o
        reps = copies if outcome.theorem == 2 and ch.layer < target.depth else 1
        key = (ch.layer, ch.output // reps, ch.input)
        per_weight[key] = per_weight.get(key, True) and ch.answer.status.is_sat
    failures = built.failures
    out = {"success": built.ok, "weights_ok": sum(per_weight.values()), "weights_total": len(per_weight),
           "sums_ok": len(built.choices) - len(failures), "sums_total": len(built.choices),
           "failure_statuses": sorted({f.answer.status.value for f in failures})}
    if built.ok:
        status, how = _proved(outcome.equality)
        out.update(status=status.value, equality=how, kept=outcome.size(target).kept)
        if status is not Status.SAT_VERIFIED:
            out["success"] = None
        return out
    certified = [f.answer.status for f in failures if f.answer.status.is_certified]
    out["status"] = certified[0].value if certified else Status.UNKNOWN.value
    if not certified:
        out["success"] = None
    f = failures[0]
    out["failure"] = f"layer {f.layer} row {f.output} input {f.input} branch {f.branch}: " \
                     f"{f.answer.method}: {f.answer.evidence}"
    return out


def _search_row(outcome, target, random, units: int) -> dict:
    """The searched ticket's status, kept weights and width or optimality (or its certified
    "no"); sparsest is compared with the construction's kept weights."""

    search = outcome.search
    out = {"theorem1_width": units}
    if search.search == "sparsest":
        out["construction_kept"] = construction_kept(target, random, outcome.k)
    if search.refuted is not None:
        s, how, why = search.refuted
        return {**out, "status": Status.UNSAT_EXHAUSTIVE.value, "found": False,
                "refuted": f"layer {s.layer} row {s.output} input {s.input} branch {s.branch}: {how}: {why}"}
    if not search.found:
        return {**out, "status": Status.UNKNOWN.value, "found": None, "reason": str(search.stats.get("unknown"))}
    status, how = _proved(outcome.equality)
    out.update(status=status.value, found=True if status.is_sat else None, equality=how,
               kept=outcome.size(target).kept)
    if search.search == "min-width":
        out.update(min_width=search.width, narrower_certified=search.narrower is not None or search.width == 0)
    else:
        out["optimal"] = bool(search.optimal)
    return out


# ------------------------------------------------------------------------------------ report

CONFIG = ("theorem", "widths", "target_bits", "rounding", "zero", "c1", "copies")


def _ok(rows):
    return [r["result"] for r in rows if r["result"]]


def _mean(xs):
    return sum(xs) / len(xs) if xs else None


def _fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def theorem3(widths: str, bits: int) -> float:
    """Theorem 3's bound for targets of this shape and precision (it depends on nothing else)."""

    return theorem3_bound(target_network([int(w) for w in widths.split(",")], bits))


def union_bound(n_t: int, p: float) -> float:
    """The union bound N_t·p - (N_t - 1), floored at 0."""
    return max(0.0, n_t * p - (n_t - 1))


def _construction_curve(rows):
    """Per c: (c, units, trials, successes, decided, weights_ok, weights_total, N_t, kept list)."""
    out = []
    for (c,), cell in group(rows, "c").items():
        res = _ok(cell)
        dec = [r for r in res if r.get("success") is not None]
        out.append((c, res[0]["units"] if res else None, len(cell), sum(r["success"] for r in dec), len(dec),
                    sum(r["weights_ok"] for r in res), sum(r["weights_total"] for r in res),
                    res[0]["target_weights"] if res else None, [r["kept"] for r in dec if r["success"]],
                    [r["total"] for r in res]))
    return out


def tables(rows: list[dict]) -> list[Table]:
    cons = Table(["theorem", "widths", "bits", "c", "units", "copies", "trials", "success", "P",
                  "p/weight", "N_t", "union bound", "density"],
                 title="construction: whole-network success against the union bound N_t·p - (N_t - 1)")
    widths_t = Table(["theorem", "widths", "bits", "c", "Theorem 1 width", "trials", "found", "mean min width",
                      "max min width", "min width / k", "narrower certified"],
                     title="min-width: fewest units per group with a ticket, against Theorem 1's c·k")
    sparse = Table(["theorem", "widths", "bits", "c", "trials", "found", "optimal", "sparsest kept",
                    "construction kept", "Theorem 3 bound", "total"],
                   title="sparsest: fewest kept weights in the family, against the construction and Theorem 3")
    by_method = {m: [r for r in rows if r["method"] == m and (m == "construction" or r["params"]["theorem"] == 1)]
                 for m in METHODS}
    for key, rs in group(by_method["construction"], *CONFIG).items():
        theorem, widths, bits = key[:3]
        points = []
        for c, units, trials, yes, dec, w_ok, w_tot, n_t, kept, totals in _construction_curve(rs):
            p_net = yes / dec if dec else None
            p_w = w_ok / w_tot if w_tot else None
            dens = _mean([k / t for k, t in zip(kept, totals)]) if kept else None
            copies = _ok(rs)[0]["copies"] if _ok(rs) else "-"
            cons.rows.append([theorem, widths, bits, c, units, copies, trials, f"{yes}/{dec}", _fmt(p_net, ".3f"),
                              _fmt(p_w, ".4f"), n_t, _fmt(None if p_w is None else union_bound(n_t, p_w), ".3f"),
                              _fmt(dens, ".4f")])
            if p_net is not None:
                points.append((c, p_net))
        first = next((c for c, p in points if p >= 0.5), None)
        x50 = crossing(points)
        cons.notes.append(f"theorem {theorem}, widths {widths}, bits {bits}: empirical C (smallest c with "
                          f"P >= 1/2) = {first if first is not None else 'not reached'}"
                          + (f"; P crosses 1/2 at c = {x50:.2f} (linear interpolation)" if x50 is not None else ""))
    cons.notes.append("p/weight: fraction of target weights all of whose subset sums were solved; "
                      "density = kept / total over successful tasks")
    for key, rs in group(by_method["min-width"], *CONFIG).items():
        theorem, widths, bits = key[:3]
        for (c,), cell in group(rs, "c").items():
            res = [r for r in _ok(cell) if r.get("found")]
            mw = [r["min_width"] for r in res]
            k = res[0]["k"] if res else None
            widths_t.rows.append([theorem, widths, bits, c, _ok(cell)[0].get("theorem1_width") if _ok(cell) else "-",
                                  len(cell), len(res), _fmt(_mean(mw)), max(mw) if mw else "-",
                                  _fmt(_mean(mw) / k if mw else None),
                                  sum(bool(r.get("narrower_certified")) for r in res)])
    widths_t.notes.append("min width / k: the C at which this pair already has a ticket (Theorem 1: c)")
    for key, rs in group(by_method["sparsest"], *CONFIG).items():
        theorem, widths, bits = key[:3]
        for (c,), cell in group(rs, "c").items():
            res = [r for r in _ok(cell) if r.get("found")]
            opt = [r for r in res if r.get("optimal")]
            both = [r for r in opt if r.get("construction_kept") is not None]
            sparse.rows.append([theorem, widths, bits, c, len(cell), len(res), len(opt),
                                _fmt(_mean([r["kept"] for r in opt]), ".1f"),
                                _fmt(_mean([r["construction_kept"] for r in res if r.get("construction_kept") is not None]), ".1f"),
                                f"{theorem3(widths, bits):.1f}", _fmt(_mean([r["total"] for r in _ok(cell)]), ".0f")])
            if both:
                ratio = _mean([r["kept"] / r["construction_kept"] for r in both])
                sparse.notes.append(f"widths {widths}, bits {bits}, c {c}: sparsest / construction kept = "
                                    f"{ratio:.3f} over {len(both)} pairs where both exist")
    sparse.notes.append("sparsest kept: mean over proven-optimal tickets; Theorem 3 bounds the random "
                        "network's nonzero weights for all targets at once (p = 1), not one ticket")
    return [t for t in (cons, widths_t, sparse) if t.rows]


def plot(rows: list[dict], figure) -> None:
    """Construction success (solid) and its union bound (dashed, same colour and marker) against
    c, per configuration; kept weights of the construction's and the sparsest tickets against c,
    with Theorem 3's bound per target shape."""
    left, right = figure.subplots(1, 2)
    cons = [r for r in rows if r["method"] == "construction"]
    for i, (key, rs) in enumerate(group(cons, *CONFIG).items()):
        curve = [x for x in _construction_curve(rs) if x[4]]
        if not curve:
            continue
        label = f"T{key[0]} {key[1]} b{key[2]}"
        left.plot([x[0] for x in curve], [x[3] / x[4] for x in curve], **style(i, "-"), label=f"{label}: success")
        left.plot([x[0] for x in curve], [union_bound(x[7], x[5] / x[6]) for x in curve], **style(i, "--"),
                  label=f"{label}: union bound")
    left.axhline(0.5, **reference_style(0))
    left.set(xlabel="c (C)", ylabel="P(whole network)", title="construction success (dashed: union bound)",
             ylim=(-0.02, 1.02))
    legend_outside(left)
    i = 0
    for method in ("construction", "sparsest"):
        for key, rs in group([r for r in rows if r["method"] == method], *CONFIG).items():
            pts = []
            for (c,), cell in group(rs, "c").items():
                kept = [r["kept"] for r in _ok(cell) if r.get("kept") is not None
                        and (r.get("success") or r.get("optimal"))]
                if kept:
                    pts.append((c, _mean(kept)))
            if pts:
                right.plot(*zip(*pts), **style(i), label=f"{method} T{key[0]} {key[1]} b{key[2]}")
                i += 1
    for j, key in enumerate(sorted({(r["params"]["widths"], r["params"]["target_bits"]) for r in rows})):
        right.axhline(theorem3(*key), **reference_style(j + 1), label=f"Theorem 3 bound, {key[0]} b{key[1]}")
    right.set(xlabel="c (C)", ylabel="kept weights", title="kept weights (sparsest: proven optimal)", yscale="log")
    legend_outside(right)


EXPERIMENT = Experiment("network", "construction success, narrowest and sparsest tickets against Theorems 1-3",
                        PARAMS, METHODS, run, tables, plot, applies=applies, describes=describes,
                        default_time_limit=DEFAULT_TIME_LIMIT)
