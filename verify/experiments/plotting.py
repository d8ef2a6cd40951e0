"""The look every experiment plot shares: series a reader can tell apart without colour, legends
outside the data, and lower bounds drawn as such.

Matplotlib is imported inside the functions: the experiment modules import this one, and a
sweep's workers need not have matplotlib installed.
"""

from __future__ import annotations

import math

# Okabe & Ito's colour-blind-safe palette without its yellow, which is too faint on white; seven
# colours against eight markers (coprime), so colour and marker repeat together only every 56 series
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
# no upward triangle: pointing up is what a lower bound looks like (lower_bounds)
MARKERS = ("o", "s", "D", "v", "X", "P", "*", "<")
LINESTYLES = ("-", "--", ":", "-.")
# legend rows that fit beside an axes of the report's figure height at fontsize "small"
LEGEND_ROWS = 18


def style(i: int, linestyle: str | None = None) -> dict:
    """``plot`` keyword arguments of series ``i`` of an axes: a palette colour, a hollow marker
    (hollow so that coinciding points of several series all stay visible) and a line style.

    Among the first 32 series no two share marker and line style (they stay apart in grey), and
    among the first 224 no two share colour, marker and line style. A plot that draws a companion
    curve per series (a prediction, a bound) passes ``linestyle`` for both the series and its
    companion: the pair keeps the series' colour and marker, the line style tells them apart."""
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "linestyle": LINESTYLES[i // len(MARKERS) % len(LINESTYLES)] if linestyle is None else linestyle,
            "markerfacecolor": "none", "markersize": 7, "markeredgewidth": 1.4}


def reference_style(j: int) -> dict:
    """``plot``/``axhline`` keyword arguments of the ``j``-th reference line of an axes (a level
    or a bound, no marker): grey, a line style of its own, thin."""
    return {"color": "grey", "linestyle": LINESTYLES[(j + 2) % len(LINESTYLES)], "linewidth": 1.0}


def _arrow():
    """A marker path from just above the point up to an arrowhead: "at least this much"."""
    from matplotlib.path import Path  # optional: the plots extra

    return Path([(0, 0.7), (0, 2), (-0.5, 1.3), (0, 2), (0.5, 1.3)],
                [Path.MOVETO, Path.LINETO, Path.MOVETO, Path.LINETO, Path.LINETO])


# the arrow's marker size: it starts at the edge of a series marker (style's size 7)
ARROW_SIZE = 20


def lower_bounds(ax, points, color) -> None:
    """Draw an upward arrow on each (x, y) of ``points``: the value there is only a lower bound
    (a collection, not a line: the series' own line carries its style)."""
    if points:
        xs, ys = zip(*points)
        ax.scatter(xs, ys, marker=_arrow(), s=ARROW_SIZE ** 2, color=color, linewidths=1.4, zorder=3)


def legend_entry(label: str, **line):
    """A legend entry drawn with ``line`` (``plot`` keyword arguments) that is on no axes: for a
    mark that explains itself once rather than per series."""
    from matplotlib.lines import Line2D  # optional: the plots extra

    return Line2D([], [], label=label, **line)


def lower_bound_handle(label: str):
    """A legend entry explaining the arrows of ``lower_bounds``."""
    return legend_entry(label, linestyle="None", marker=_arrow(), markersize=ARROW_SIZE, color="black",
                        markeredgewidth=1.4)


def legend_outside(ax, handles=None, title: str | None = None):
    """The legend of ``ax`` (or of ``handles``: e.g. another panel's lines, for one legend shared by
    a row of panels) to the right of its axes, never over the data; ``widen_for_legends`` then
    makes room for it. None when there is nothing to explain."""
    if handles is None:
        handles = ax.get_legend_handles_labels()[0]
    if not handles:
        return None
    return ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     fontsize="small", title=title, title_fontsize="small",
                     ncol=math.ceil(len(handles) / LEGEND_ROWS))


def widen_for_legends(figure) -> None:
    """Widen ``figure`` by the width of its axes' legends, so that legends placed outside the axes
    do not squeeze the data area (the layout engine then places everything)."""
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    if legends:
        extra = sum(leg.get_window_extent().width for leg in legends) / figure.dpi
        figure.set_size_inches(figure.get_figwidth() + extra, figure.get_figheight())
