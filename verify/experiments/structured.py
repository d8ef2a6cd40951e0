"""``structured``: Theorem 1's construction on small convolutional targets, unstructured against
structured pruning, with the MLP of the same parameter count as the reference.

Each task draws a conv target from ``seed``: input ``channels[0]``×``size``×``size``, then one
bias-free ``kernel``×``kernel`` convolution per further entry of ``channels`` (stride 1, no
padding, a ReLU between consecutive convolutions), weights uniform on S_δt (δt = 2^-bits, 0
included), every layer's output rounded to δt (nearest-even) when ``rounding = double``. The
random network (seed ``seed + RANDOM_SEED_OFFSET``, weights uniform on S_δ, δ = 2^-k, k =
ceil(bits / 2), with 0 unless ``zero = false``) pairs every target layer with two random layers
holding ``units = c·k`` hidden channels per *group* (``verify.conv_constructions``):

- ``unstructured``: a κ×κ conv into ``units·I·κ²`` channels, then a 1×1 conv; every target kernel
  entry is a scalar subset sum over its group's ``units`` channels (per branch u > 0, u < 0), and
  the mask keeps single weights.
- ``structured``: a 1×1 conv into ``units·I`` channels, then a κ×κ conv; every target kernel (a
  κ² vector) is a vector subset sum over its input channel's ``units`` channels, and the mask
  keeps whole κ×κ kernels of the second layer (whole intermediate channels per output).
- ``mlp``: the ``network`` experiment's Theorem 1 construction at the same ``c`` on the MLP
  target of widths ``channels[ℓ]·kernel``, which has exactly as many weights as the conv target
  (c_ℓ·κ · c_{ℓ+1}·κ = c_ℓ·c_{ℓ+1}·κ²), every weight a scalar subset sum over ``units`` hidden
  units, the target and random network drawn as ``network`` draws them from the same seed.

Verdicts are exact. A success is the construction's mask proved equal to the target on every
real input by the structural collapse (``verify.conv_constructions.collapse``; MLP: the ticket
pipeline's equality), named in ``equality``. A failure names the first target kernel entry
(unstructured), kernel (structured) or weight (MLP) and branch whose subset sum has no solution,
with the solver's evidence (``failure``); its status is that certified "no" (``unsat-*``).
``unknown`` when a sum was undecided (a memory budget) or equality unproved.

Row fields: ``success``, ``units``, ``channels_per_channel`` (random intermediate channels per
target input channel of a layer: ``units·κ²`` unstructured, ``units`` structured; hidden units
per target input for the MLP), ``target_params``, ``random_params`` (every weight of the random
network, pruned or not), ``sums_ok``/``sums_total``, ``kept`` on success.

``time_limit`` goes to the MLP's ticket pipeline; the conv construction's sums take none (the
exact tables within the memory budget), so a conv task is bounded by the local pool's
``kill_after`` (default 2·time_limit + 30 s), after which its row is ``unknown``.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from verify.architectures import Architecture, Conv, ReLU
from verify.constructions import ConstructionOptions
from verify.conv_constructions import collapse, construct_conv, random_network_for
from verify.conv_networks import ConvNetwork, draw_network
from verify.errors import InputError
from verify.experiments import network
from verify.experiments.base import DEFAULT_TIME_LIMIT, Experiment, Param, Table, group, wilson_interval
from verify.experiments.plotting import legend_outside, reference_style, style
from verify.layouts import paper_delta_bits, paper_units
from verify.status import Status

RANDOM_SEED_OFFSET = network.RANDOM_SEED_OFFSET  # the random network's seed is seed + this, as in network
PRUNING = ("unstructured", "structured", "mlp")
MAX_BITS = 6

PARAMS = (
    Param("channels", "widths", default="1,2,2",
          help="the conv target's channels: input channels, then each convolution's output channels"),
    Param("kernel", "int", default=2, low=1, high=7, help="κ: square kernels κ×κ, stride 1, no padding"),
    Param("size", "int", default=6, low=1, high=64, help="input height and width"),
    Param("bits", "int", default=2, low=1, high=MAX_BITS, help="target weights on S_δt, δt = 2^-bits"),
    Param("rounding", "choice", default="double", choices=("none", "double"),
          help="double: every target layer's output rounded to δt (nearest-even)"),
    Param("zero", "bool", default=True, help="0 allowed among the random weights"),
    Param("c", "int", default=8, low=1, high=10_000,
          help="C: units = c·k random channels per group (k = ceil(bits/2)), as in network's Theorem 1"),
    Param("pruning", "choice", default="structured", choices=PRUNING,
          help="unstructured (per kernel entry), structured (whole kernels), mlp (the same-size MLP)"),
)
METHODS = ("construction",)


def channel_list(params: dict) -> list[int]:
    return [int(x) for x in params["channels"].split(",")]


def target_architecture(params: dict) -> Architecture:
    """The conv target's architecture (module docstring)."""
    chans, k, bits = channel_list(params), params["kernel"], params["bits"]
    gamma = bits if params["rounding"] == "double" else None
    layers = []
    for j, (i, o) in enumerate(zip(chans[:-1], chans[1:])):
        if j:
            layers.append(ReLU())
        layers.append(Conv(i, o, k, 1, 0, bits, gamma))
    return Architecture((chans[0], params["size"], params["size"]), tuple(layers))


def mlp_widths(params: dict) -> str:
    """The reference MLP's widths: each channel count times κ (as many weights as the conv target)."""
    return ",".join(str(c * params["kernel"]) for c in channel_list(params))


def target_params(params: dict) -> int:
    chans, k = channel_list(params), params["kernel"]
    return sum(i * o * k * k for i, o in zip(chans[:-1], chans[1:]))


def units(params: dict) -> int:
    """Random channels per group: c·k with k = ceil(bits / 2) (Theorem 1's δ² <= δt)."""
    return paper_units(params["c"], paper_delta_bits(1, params["bits"]))


def channels_per_channel(params: dict) -> int:
    """Random intermediate channels per target input channel (module docstring)."""
    return units(params) * (params["kernel"] ** 2 if params["pruning"] == "unstructured" else 1)


def applies(params: dict, method: str) -> str | None:
    """Why the point is not a task (None: it is): the kernels must fit the input."""
    depth = len(channel_list(params)) - 1
    if params["pruning"] != "mlp" and params["size"] - depth * (params["kernel"] - 1) < 1:
        return (f"{depth} convolutions of kernel {params['kernel']} do not fit a {params['size']}×"
                f"{params['size']} input (no padding)")
    return None


def describes(params: dict) -> dict:
    """The MLP reference has no input size."""
    return {**params, "size": None} if params["pruning"] == "mlp" else params


def run(params: dict, seed: int, method: str, time_limit: float | None) -> dict:
    """Build the target and the random network of the task and run the construction (module
    docstring)."""
    if method not in METHODS:
        raise InputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    why = applies(params, method)
    if why is not None:
        raise InputError(f"parameters: {why}")
    out = {"pruning": params["pruning"], "units": units(params), "channels_per_channel": channels_per_channel(params),
           "target_params": target_params(params)}
    if params["pruning"] == "mlp":
        return {**out, **_mlp_row(params, seed, time_limit)}
    return {**out, **_conv_row(params, seed)}


def _mlp_row(params: dict, seed: int, time_limit: float | None) -> dict:
    """The ``network`` experiment's construction row on the same-size MLP target."""
    row = network.run({"widths": mlp_widths(params), "target_bits": params["bits"], "rounding": params["rounding"],
                       "theorem": 1, "c": params["c"], "c1": None, "copies": None, "zero": params["zero"]},
                      seed, "construction", time_limit)
    return {"instance_sha256": row["instance_sha256"], "status": row["status"], "success": row["success"],
            "random_params": row["total"], "sums_ok": row["sums_ok"], "sums_total": row["sums_total"],
            **{k: row[k] for k in ("equality", "kept", "failure", "failure_statuses") if k in row}}


def conv_networks_for(params: dict, seed: int) -> tuple[ConvNetwork, ConvNetwork, str]:
    """(target, random network, instance sha256) of a conv task (``pruning`` unstructured or
    structured): what its row was decided on."""
    target = draw_network(target_architecture(params), seed)
    random = random_network_for(target, units(params), paper_delta_bits(1, params["bits"]), params["pruning"],
                                seed + RANDOM_SEED_OFFSET, zero=params["zero"])
    sha = hashlib.sha256(f"{target.sha256} {random.sha256} {params['pruning']}".encode()).hexdigest()
    return target, random, sha


def _conv_row(params: dict, seed: int) -> dict:
    """The conv construction's row: success with its collapse proof, or the first failed sum."""
    target, random, sha = conv_networks_for(params, seed)
    built = construct_conv(target, random, ConstructionOptions())
    failures = built.failures
    out = {"instance_sha256": sha, "random_params": random.num_weights,
           "sums_ok": len(built.choices) - len(failures), "sums_total": len(built.choices)}
    if built.ok:
        proof = collapse(target, random, built.mask)
        kept = sum(int(m.sum()) for m in built.mask)
        if proof.equal:
            return {**out, "status": Status.SAT_VERIFIED.value, "success": True, "kept": kept,
                    "equality": f"collapse: equal on {proof.domain}"}
        return {**out, "status": Status.UNKNOWN.value, "success": None, "kept": kept,
                "reason": f"equality {proof.verdict.value} (collapse): {proof.detail}"}
    # the first certified "no" decides the task; with none, the first undecided sum says why not
    first = next((f for f in failures if f.answer.status.is_certified), failures[0])
    certified = first.answer.status.is_certified
    return {**out, "status": first.answer.status.value if certified else Status.UNKNOWN.value,
            "success": False if certified else None, "failure": first.describe(),
            "failure_statuses": sorted({f.answer.status.value for f in failures})}


# ------------------------------------------------------------------------------------ report

CONFIG = ("pruning", "channels", "kernel", "size", "bits", "rounding", "zero")
LEVELS = (0.5, 0.9)


class Point(NamedTuple):
    """One c of a series: the sizes (from the rows' results; None when no task returned one),
    rows, successes, decided rows and the kept weights of the successes."""

    c: int
    units: int | None
    channels: int | None
    random: int | None
    target: int | None
    rows: int
    yes: int
    decided: int
    kept: list


def _curve(rows: list[dict]) -> list[Point]:
    out = []
    for (c,), cell in group(rows, "c").items():
        res = [r["result"] for r in cell if r["result"] and "random_params" in r["result"]]
        dec = [r for r in res if r.get("success") is not None]
        first = res[0] if res else {}
        out.append(Point(c, first.get("units"), first.get("channels_per_channel"), first.get("random_params"),
                         first.get("target_params"), len(cell), sum(bool(r["success"]) for r in dec), len(dec),
                         [r["kept"] for r in dec if r["success"]]))
    return out


def reached(curve: list[tuple], level: float):
    """The first point of ``curve`` (smallest c) where successes / rows is at least ``level``
    (undecided rows count as failures: a level is reached only on the evidence), or None."""
    return next((pt for pt in curve if pt.rows and pt.yes >= level * pt.rows), None)


def _ratio(pt: Point | None) -> float | None:
    return pt.random / pt.target if pt and pt.random and pt.target else None


def _fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def _label(key) -> str:
    pruning, channels, kernel, size, bits = key[:5]
    return f"{pruning} {channels} k{kernel}" + (f" {size}x{size}" if size is not None else "") + f" b{bits}"


def tables(rows: list[dict]) -> list[Table]:
    rates = Table(["pruning", "channels", "kernel", "size", "bits", "c", "units", "channels/channel", "random params",
                   "target params", "random/target", "rows", "success", "undecided", "rate", "95% Wilson",
                   "mean kept"], title="structured: P(the construction succeeds) against random channels")
    over = Table(["pruning", "channels", "kernel", "size", "bits", "level", "c", "channels/channel", "random params",
                  "random/target", "/ mlp"], title="structured: overparameterization needed for a success rate")
    curves = {key: _curve(rs) for key, rs in group(rows, *CONFIG).items()}
    for key, curve in curves.items():
        pruning, channels, kernel, size, bits = key[:5]
        size = "-" if size is None else size  # the MLP has no input size
        for pt in curve:
            ci = wilson_interval(pt.yes, pt.decided)
            rates.rows.append([pruning, channels, kernel, size, bits, pt.c, pt.units, pt.channels, pt.random,
                               pt.target, _fmt(_ratio(pt), ".1f"), pt.rows, f"{pt.yes}/{pt.decided}",
                               pt.rows - pt.decided, _fmt(pt.yes / pt.decided if pt.decided else None, ".3f"),
                               "-" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]",
                               _fmt(sum(pt.kept) / len(pt.kept) if pt.kept else None, ".1f")])
        for level in LEVELS:
            pt = reached(curve, level)
            mlp = reached(curves.get(("mlp", channels, kernel, None, *key[4:]), []), level)
            ratio, ref = _ratio(pt), _ratio(mlp)
            over.rows.append([pruning, channels, kernel, size, bits, level, pt.c if pt else "not reached",
                              pt.channels if pt else "-", pt.random if pt else "-", _fmt(ratio, ".1f"),
                              _fmt(ratio / ref if ratio and ref else None, ".2f")])
    rates.notes.append("success: tasks whose mask was proved equal to the target (collapse) out of the decided "
                       "ones; a failure is a certified \"no\" for one kernel entry / kernel / weight")
    rates.notes.append("channels/channel: random intermediate channels per target input channel (units·κ² "
                       "unstructured, units structured, hidden units per input for the MLP)")
    over.notes.append("overparameterization at a level: random params / target params at the smallest c of the "
                      "grid whose measured rate reaches the level, undecided rows counted as failures (an "
                      "upper bound at the grid's resolution); / mlp divides it by the same-size MLP's")
    return [t for t in (rates, over) if t.rows]


def plot(rows: list[dict], figure) -> None:
    """Success rate (with 95% Wilson bars) against random channels per target channel (left)
    and against random params / target params (right, log), one series per pruning kind and
    target; grey lines at the levels 1/2 and 0.9."""
    left, right = figure.subplots(1, 2)
    for i, (key, rs) in enumerate(group(rows, *CONFIG).items()):
        pts = [(pt.channels, _ratio(pt), pt.yes / pt.decided, wilson_interval(pt.yes, pt.decided))
               for pt in _curve(rs) if pt.decided]
        if not pts:
            continue
        look = style(i)
        for ax, x in ((left, 0), (right, 1)):
            xs = [p[x] for p in pts]
            ax.plot(xs, [p[2] for p in pts], **look, label=_label(key))
            # the intervals as a collection: every line of an axes is a series of its own
            ax.vlines(xs, [p[3][0] for p in pts], [p[3][1] for p in pts], color=look["color"], linewidth=1.0)
    for ax in (left, right):
        for j, level in enumerate(LEVELS):
            ax.axhline(level, **reference_style(j))
        ax.set(ylabel="P(construction succeeds)", ylim=(-0.02, 1.02))
    left.set(xlabel="random channels per target channel", title="success against channels (bars: 95% Wilson)")
    right.set(xlabel="random params / target params", xscale="log", title="success against overparameterization")
    right.tick_params(axis="x", which="minor", labelbottom=False)  # 2×10^1, 3×10^1, ... overlap
    legend_outside(right, left.get_lines()[:-len(LEVELS)], title="both panels")


EXPERIMENT = Experiment("structured", "conv targets: unstructured vs structured pruning against channels, "
                                      "with the same-size MLP", PARAMS, METHODS, run, tables, plot,
                        applies=applies, describes=describes, default_time_limit=DEFAULT_TIME_LIMIT)
