"""Plots a reader can decode: every built-in experiment's plot, drawn from hand-built rows with
about 20 series, gives each line of an axes its own (colour, marker, line style), keeps every
legend off every axes' data area and inside the figure, and draws censored medians as lower
bounds."""

import functools

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba

from verify.experiments import experiment
from verify.experiments.plotting import LINESTYLES, MARKERS, PALETTE, style
from verify.experiments.report import plot_figure


def row(params, method, result, seed=0, status="sat-verified"):
    return {"params": params, "seed": seed, "method": method, "status": status, "result": result, "seconds": 0.1}


def threshold_rows():
    return [row({"bits": bits, "zero": False, "target": "1/3", "n": n}, "auto", {"reachable": n + 2 * s > bits}, s)
            for bits in range(4, 24) for n in range(4, 26, 3) for s in range(2)]


def coverage_rows():
    return [row({"distribution": d, "zero": z, "bits": b, "n": n}, "auto",
                {"reachable": n * b, "targets": 200, "all_reachable": n * b >= 200})
            for d in ("uniform", "products") for z in (False, True) for b in range(4, 9) for n in (8, 16, 24)]


def counts_rows():
    return [row({"bits": b, "target": t, "n": n}, "auto", {"count": str(2 ** n >> b), "predicted": 2 ** n / 2 ** b})
            for b in (8, 12, 16, 20, 24) for t in ("1/3", "1/5") for n in (12, 20, 28)]


def hardness_rows():
    rows = []
    for n in (16, 20, 24, 28, 32):
        for method in ("cpsat", "sat", "mitm", "dp"):
            for kappa in ("0.5", "1", "1.5"):
                out_of_time = method in ("cpsat", "sat") and kappa == "1"  # one task of two hits the limit
                for s in range(2):
                    params = {"n": n, "kappa": kappa, "target": "planted"}
                    rows.append(row(params, method, {"solve_seconds": 0.01 * n * (s + 1), "over_budget": False,
                                                     "reachable": None if out_of_time and s else True}, s))
                if method == "sat" and kappa == "1.5":  # killed by the pool: no result, no time
                    rows.append(row(params, method, None, 2, status="unknown"))
    return rows


def compare_rows():
    rows = []
    for n in (16, 24, 32, 40):
        for kappa in ("0.5000", "0.9000", "1.3000"):
            for s in range(2):
                sha = f"{n}-{kappa}-{s}"
                for method in ("greedy", "kk", "ckk", "local-search", "beam", "exact"):
                    res = {"instance_sha256": sha, "n": n, "kappa": kappa, "method_seconds": 0.001 * n,
                           **({"reachable": True} if method == "exact" else {"hit": s == 0})}
                    rows.append(row({"n": n, "kappa": kappa}, method, res, s))
    return rows


def network_rows():
    rows = []
    for widths, bits in (("2,2,2", 3), ("2,2", 2)):
        for copies in range(1, 6):
            params = {"theorem": 1, "widths": widths, "target_bits": bits, "rounding": "double", "zero": True,
                      "c1": 2, "copies": copies}
            for c in (8, 16):
                for s in range(2):
                    ok = s == 0 or c == 16
                    rows.append(row({**params, "c": c}, "construction",
                                    {"success": ok, "units": c, "weights_ok": 8 if ok else 6, "weights_total": 8,
                                     "target_weights": 8, "kept": 60 + c, "total": 400}, s))
                    rows.append(row({**params, "c": c}, "sparsest", {"kept": 30 + copies, "optimal": True}, s))
    return rows


def noise_rows():
    rows = []
    for c in range(8, 18):
        params = {"theorem": 1, "widths": "2,2,2", "target_bits": 3, "rounding": "double", "zero": True, "c": c,
                  "c1": None, "copies": None}
        for p in ("0", "0.001", "0.01", "0.1"):
            for s in range(3):
                moved = 0 if p == "0" else s
                rows.append(row({**params, "p": p, "noise_seed": s}, "construction",
                                {"ticket": True, "equal": moved == 0, "moved": moved, "kept": 40 + c,
                                 "equality": "collapse"}, s))
    return rows


def structured_rows():
    rows = []
    for pruning in ("unstructured", "structured", "mlp"):
        for channels in ("1,2,2", "1,1,1", "2,2", "1,3"):
            for bits in (1, 2):
                params = {"pruning": pruning, "channels": channels, "kernel": 2, "bits": bits, "rounding": "double",
                          "size": None if pruning == "mlp" else 6, "zero": True}
                for c in (16, 32, 48):
                    for s in range(2):
                        ok = s == 0 or c == 48
                        rows.append(row({**params, "c": c}, "construction",
                                        {"success": ok, "units": c, "channels_per_channel": c * (4 if pruning ==
                                         "unstructured" else 1), "random_params": 30 * c + bits,
                                         "target_params": 24, **({"kept": 100} if ok else {})}, s,
                                        status="sat-verified" if ok else "unsat-exhaustive"))
    return rows


ROWS = {"threshold": threshold_rows, "coverage": coverage_rows, "counts": counts_rows, "hardness": hardness_rows,
        "compare": compare_rows, "network": network_rows, "noise": noise_rows,
        "structured": structured_rows}


@functools.cache
def rendered(name):
    figure = plot_figure(experiment(name), ROWS[name]())
    FigureCanvasAgg(figure).draw()
    return figure


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_series_has_its_own_look_and_legends_stay_off_the_data(name):
    figure = rendered(name)
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    assert legends
    explained = {t.get_text() for legend in legends for t in legend.get_texts()}
    for ax in figure.axes:
        lines = ax.get_lines()
        looks = [(to_rgba(line.get_color()), str(line.get_marker()), line.get_linestyle()) for line in lines]
        assert len(set(looks)) == len(looks), name
        labelled = {line.get_label() for line in lines if not line.get_label().startswith("_")}
        assert labelled <= explained, name
    assert max(len(ax.get_lines()) for ax in figure.axes) >= 18, name  # the many-series case is exercised
    for legend in legends:
        box = legend.get_window_extent()
        assert not any(box.overlaps(ax.get_window_extent()) for ax in figure.axes), name
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1, name  # the figure was widened for it


def test_medians_of_tasks_out_of_time_are_drawn_as_lower_bounds():
    figure = rendered("hardness")
    (ax,) = figure.axes
    arrows = [c for c in ax.collections if len(c.get_offsets())]
    # cpsat and sat at κ = 1 for each of 5 n (one task of two out of time), sat at κ = 1.5 (one killed)
    assert sorted(len(c.get_offsets()) for c in arrows) == [1] * 5 + [2] * 5
    assert all(x in (1.0, 1.5) for c in arrows for x, _ in c.get_offsets())
    assert any("ran out" in t.get_text() for t in ax.get_legend().get_texts())


def test_styles_differ_in_marker_and_line_style_for_32_series_and_in_all_three_for_224():
    looks = [style(i) for i in range(len(PALETTE) * len(MARKERS) * len(LINESTYLES))]
    assert len({(s["marker"], s["linestyle"]) for s in looks[:32]}) == 32
    assert len({(s["color"], s["marker"], s["linestyle"]) for s in looks}) == len(looks) == 224
    assert len({(s["color"], s["marker"]) for s in (style(i, "--") for i in range(56))}) == 56
