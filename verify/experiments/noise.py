"""``noise``: does a certified ticket survive quantization noise? P(still equal) against p.

Each task takes the ticket of one (target, random network) pair of the ``network`` experiment
(the same parameters and seeds: target from ``seed``, random network from ``seed +
RANDOM_SEED_OFFSET``) found by the method: ``construction`` (the paper's mask) or ``sparsest``
(the fewest kept weights of the structured family, Theorem 1's layout only; ``optimal`` says
whether its time limit left it proven optimal), proved equal to the target by the ticket
pipeline. It moves each kept weight of the ticket ``[R ⊙ S]_δ`` to a neighbouring point of S_δ
with probability ``p`` (``verify.perturbation``: one step up or down, inward at the grid's edge),
seeded by ``(seed, noise_seed)`` and not by p, so that at one seed the weights moved at a smaller
decimal p move, the same way, at every larger one. It then decides exactly whether the perturbed
network still equals the target (``verify.equality.decide_equality``, ``auto``): the structural
collapse proves equality on every real input; else exact evaluation on every input of S_δ^d0
(δ = 2^-input_bits, input_bits the target's finest precision) proves equality on that grid or
replays a differing input; the CP-SAT miter only when that grid is too large.

Row: ``equal`` (True: proved on the input grid, ``equality`` names the method and ``domain``
what it covered; False: a differing input, replayed, in ``counterexample``; None: undecided),
``moved`` of ``kept`` weights, and p. The status grades the answer to "is there an input where
the perturbed ticket differs from the target?": ``sat-verified`` (a differing input, replayed),
``unsat-exhaustive`` (equal: collapse, or every input of the grid evaluated), ``unsat-claimed``
(the miter found none, with no evidence), ``unknown`` (a limit; or no ticket to perturb:
``ticket`` is False and ``reason`` says why).

The architecture lives in :func:`ticket` (the MLP ticket pipeline) and :func:`decide`; the noise
is ``verify.perturbation.perturb`` on weight and mask arrays, so another network type plugs in
by supplying its own ticket and equality decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from verify.equality import Verdict, decide_equality, ticket_network
from verify.errors import InputError
from verify.experiments.base import DEFAULT_TIME_LIMIT, Experiment, Param, Table, group, wilson_interval
from verify.experiments.network import PARAMS as NETWORK_PARAMS
from verify.experiments.network import applies as network_applies
from verify.experiments.network import describes, networks
from verify.experiments.plotting import legend_outside, style
from verify.networks import QuantizedNetwork
from verify.perturbation import perturb, probability
from verify.status import Status
from verify.ticket_pipeline import TicketRequest, run as run_pipeline

NOISE_TAG = 0x6E6F6973  # "nois": the noise stream never coincides with a network's seed stream

PARAMS = NETWORK_PARAMS + (
    Param("p", "number", default="0.01", low=0, high=1,
          help="probability that each kept weight moves one grid step (exact, e.g. 0.01 or \"1/100\")"),
    Param("noise_seed", "int", default=0, low=0, high=2**62, help="seed of the noise (with the task's seed)"),
)
METHODS = ("construction", "sparsest")


def applies(params: dict, method: str) -> str | None:
    """Why ``method`` is not a task on these parameters (None: it is): sparsest searches
    Theorem 1's layout only."""
    return network_applies(params, method)


@dataclass(frozen=True)
class Ticket:
    """A proved ticket to perturb: the target, the ticket network ``[R ⊙ S]_δ``, its mask, and
    R's size; ``network`` None when there is none (``reason`` says why)."""

    target: QuantizedNetwork
    network: QuantizedNetwork | None
    mask: tuple | None
    total: int
    reason: str = ""
    optimal: bool | None = None  # sparsest: proven optimal (a time limit can leave the best found)


@lru_cache(maxsize=4)  # the tasks of one ticket (every p and noise seed) follow each other in a sweep
def _ticket(key: tuple, seed: int, method: str, time_limit: float | None) -> Ticket:
    params = dict(key)
    target, random, k, units, copies = networks(params, seed)
    outcome = run_pipeline(target, random, TicketRequest(method, k=k, time_limit=time_limit, units=units,
                                                         copies=copies))
    if outcome.mask is None:
        why = "the construction failed" if method == "construction" else "the search found no ticket"
        return Ticket(target, None, None, random.num_weights, f"no ticket: {why}")
    if not outcome.proved:
        return Ticket(target, None, None, random.num_weights,
                      f"no ticket: equality {outcome.equality.verdict.value} ({outcome.equality.method})")
    optimal = bool(outcome.search.optimal) if outcome.search is not None else None
    return Ticket(target, ticket_network(target, random, outcome.mask, k), outcome.mask, random.num_weights,
                  optimal=optimal)


def ticket(params: dict, seed: int, method: str, time_limit: float | None) -> Ticket:
    """The ticket a task perturbs (cached: it depends on neither p nor the noise seed)."""
    key = tuple(sorted((k, v) for k, v in params.items() if k not in ("p", "noise_seed")))
    return _ticket(key, seed, method, time_limit)


def noise_rng(seed: int, noise_seed: int) -> np.random.Generator:
    """The noise's generator: a function of (task seed, noise seed), not of p (common random
    numbers across p, ``verify.perturbation``)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([NOISE_TAG, seed, noise_seed])))


def decide(target: QuantizedNetwork, network: QuantizedNetwork, time_limit: float | None):
    """Exact equality of a perturbed ticket with its target (module docstring)."""
    return decide_equality(target, network, max(target.scales), "auto", time_limit=time_limit)


STATUS = {Verdict.DIFFER: Status.SAT_VERIFIED, Verdict.EQUAL: Status.UNSAT_EXHAUSTIVE,
          Verdict.EQUAL_CLAIMED: Status.UNSAT_CLAIMED}


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Perturb the task's ticket with its noise and decide equality (module docstring)."""
    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    why = applies(params, method)
    if why is not None:
        raise InputError(f"method: {why}")
    p = probability(params["p"])
    t = ticket(params, seed, method, time_limit)
    out = {"p": str(params["p"]), "total": t.total, "target_weights": t.target.num_weights}
    if t.network is None:
        sha = hashlib.sha256(f"{t.target.sha256} {method} seed={seed} no-ticket".encode()).hexdigest()
        return {**out, "instance_sha256": sha, "status": Status.UNKNOWN.value, "ticket": False, "equal": None,
                "reason": t.reason}
    net = t.network
    noisy = perturb(net.weights, t.mask, [1 << k for k in net.scales], p, noise_rng(seed, params["noise_seed"]))
    perturbed = QuantizedNetwork(noisy.weights, net.scales, net.rounding)
    eq = decide(t.target, perturbed, time_limit)
    kept = int(sum(int(m.sum()) for m in t.mask))
    equal = True if eq.verdict is Verdict.EQUAL else False if eq.verdict is Verdict.DIFFER else None
    status = STATUS.get(eq.verdict, Status.UNKNOWN)
    sha = hashlib.sha256(f"{t.target.sha256} {perturbed.sha256}".encode()).hexdigest()
    row = {**out, "instance_sha256": sha, "status": status.value, "ticket": True, "kept": kept,
           "moved": noisy.count, "equal": equal, "equality": eq.method, "domain": eq.domain}
    if t.optimal is not None:
        row["optimal"] = t.optimal
    if eq.counterexample is not None:
        row["counterexample"] = list(eq.counterexample)
    if equal is None:
        row["reason"] = f"equality {eq.verdict.value} ({eq.method}): {eq.detail}"
    return row


# ------------------------------------------------------------------------------------ report

CONFIG = ("theorem", "widths", "target_bits", "rounding", "zero", "c", "c1", "copies")


def survival(kept: list[int], p: float) -> float | None:
    """Mean over tickets of (1 - p)^kept: the chance that no weight moves, a lower bound on
    P(equal) (a float for the report, never a verdict)."""
    return sum((1 - p) ** k for k in kept) / len(kept) if kept else None


def _curve(rows):
    """Per p (sorted exactly): (p text, rows, tickets, decided, equal, on every real, no move,
    moved list, kept list)."""
    out = []
    cells: dict = {}
    for r in rows:
        cells.setdefault(str(r["params"]["p"]), []).append(r)
    for p in sorted(cells, key=probability):
        cell = cells[p]
        res = [r["result"] for r in cell if r["result"] and r["result"].get("ticket")]
        dec = [r for r in res if r["equal"] is not None]
        out.append((p, len(cell), len(res), len(dec), sum(r["equal"] for r in dec),
                    sum(bool(r["equal"]) and r["equality"] == "collapse" for r in dec),
                    sum(r["moved"] == 0 for r in res), [r["moved"] for r in res], [r["kept"] for r in res]))
    return out


def _fmt(x, spec=".3f"):
    return "-" if x is None else format(x, spec)


def tables(rows: list[dict]) -> list[Table]:
    table = Table(["ticket", "theorem", "widths", "bits", "c", "p", "rows", "tickets", "equal", "undecided", "rate",
                   "95% Wilson", "collapse", "mean moved", "mean kept", "P(none moved)", "(1-p)^kept"],
                  title="noise: P(the perturbed ticket still equals its target) against p")
    for (method, *key), rs in group(rows, "method", *CONFIG).items():
        theorem, widths, bits, c = key[0], key[1], key[2], key[5]
        for p, n, tickets, dec, eq, real, none, moved, kept in _curve(rs):
            lo_hi = wilson_interval(eq, dec)
            table.rows.append([method, theorem, widths, bits, c, p, n, tickets, f"{eq}/{dec}", tickets - dec,
                               _fmt(eq / dec if dec else None), "-" if lo_hi is None else
                               f"[{lo_hi[0]:.3f}, {lo_hi[1]:.3f}]", real,
                               _fmt(sum(moved) / len(moved) if moved else None, ".2f"),
                               _fmt(sum(kept) / len(kept) if kept else None, ".1f"),
                               _fmt(none / tickets if tickets else None),
                               _fmt(survival(kept, float(probability(p))))])
    table.notes.append("equal: proved on every input of S_δ^d0 (δ = 2^-bits) out of the decided rows; "
                       "collapse: of those, proved on every real input by the structural collapse")
    table.notes.append("rows without a ticket (the construction failed, the search found none) are counted in "
                       "rows, not in tickets or rates")
    table.notes.append("(1-p)^kept: mean over tickets of the chance that no weight moves, a lower bound on "
                       "P(equal); P(none moved) is its measured counterpart")
    return [table] if table.rows else []


def plot(rows: list[dict], figure) -> None:
    """P(equal) against p (solid) with its 95% Wilson interval (a vertical bar at each p), and
    the chance that no weight moves, (1-p)^kept (dashed, same colour and marker), per ticket
    kind and configuration."""
    ax = figure.subplots(1, 1)
    handles, top = [], 0.0
    for i, ((method, *key), rs) in enumerate(group(rows, "method", *CONFIG).items()):
        pts = [(float(probability(p)), eq / dec, wilson_interval(eq, dec), survival(kept, float(probability(p))))
               for p, _, _, dec, eq, _, _, _, kept in _curve(rs) if dec]
        if not pts:
            continue
        xs = [x for x, *_ in pts]
        label = f"{method} T{key[0]} {key[1]} b{key[2]} c{key[5]}"
        top = max(top, *xs)
        look = style(i, "-")
        handles += ax.plot(xs, [y for _, y, _, _ in pts], **look, label=f"{label}: equal")
        # the intervals as a collection, not lines: every line of the axes is a series of its own
        ax.vlines(xs, [ci[0] for _, _, ci, _ in pts], [ci[1] for _, _, ci, _ in pts], color=look["color"],
                  linewidth=1.2)
        handles += ax.plot(xs, [s for *_, s in pts], **style(i, "--"), label=f"{label}: (1-p)^kept")
    ax.set(xlabel="p (probability a kept weight moves one grid step)", ylabel="P(ticket still equal)",
           title="tickets under quantization noise (bars: 95% Wilson; dashed: no weight moved)", ylim=(-0.02, 1.02))
    if top > 0:  # linear below 10^-3, so that p = 0 has a place left of the decades
        ax.set_xscale("symlog", linthresh=1e-3)
        ax.set_xlim(-1e-4, top * 1.3)
    legend_outside(ax, handles)


EXPERIMENT = Experiment("noise", "P(a certified ticket stays equal to its target) under quantization noise, against p",
                        PARAMS, METHODS, run, tables, plot, applies=applies, describes=describes,
                        default_time_limit=DEFAULT_TIME_LIMIT)
