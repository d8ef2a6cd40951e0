"""Reports from a results database: the experiment's tables as text, every row as CSV, plots.

The tables are the experiment's own (``Experiment.tables``); this module only lays them out and
writes files, each atomically (a temp file renamed into place), so a failed report never leaves
a file that looks complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from verify.errors import InputError, MissingFileError
from verify.experiments.base import Experiment, Table
from verify.experiments.plotting import widen_for_legends
from verify.experiments.store import Store
from verify.problems import write_text_atomic


def format_table(table: Table) -> str:
    """Columns right-aligned under their headers, notes below."""
    cells = [[str(c) for c in table.columns]] + [[str(v) for v in row] for row in table.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.columns))]
    lines = [table.title] if table.title else []
    for j, r in enumerate(cells):
        lines.append("  ".join(v.rjust(w) for v, w in zip(r, widths)))
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"  {note}" for note in table.notes]
    return "\n".join(lines)


def csv_text(rows: list[dict]) -> str:
    """One line per stored row: the key columns, each parameter as ``p.NAME``, each scalar
    result field as ``r.NAME`` (lists and tables as JSON), then status, error, seconds."""
    params = sorted({k for r in rows for k in r["params"]})
    results = sorted({k for r in rows if r["result"] for k in r["result"]} - {"instance_sha256", "status"})
    header = (["experiment", "instance_sha256", "method", "seed", "tool_version"] + [f"p.{k}" for k in params]
              + ["status"] + [f"r.{k}" for k in results] + ["error", "seconds", "host", "finished_at"])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        res = r["result"] or {}
        w.writerow([r["experiment"], r["instance_sha256"], r["method"], r["seed"], r["tool_version"]]
                   + [r["params"].get(k, "") for k in params] + [r["status"]]
                   + [json.dumps(res[k]) if isinstance(res.get(k), (list, dict)) else res.get(k, "")
                      for k in results]
                   + [r["error"] or "", "" if r["seconds"] is None else f"{r['seconds']:.6f}", r["host"] or "",
                      r["finished_at"]])
    return buf.getvalue()


def _plot_ready(exp: Experiment, path: Path):
    """Check that everything a plot needs is there (the plot, the directory, matplotlib)."""
    if exp.plot is None:
        raise InputError(f"--plot: experiment {exp.name} has no plot")
    if not path.parent.is_dir():
        raise MissingFileError(f"{path}: directory {path.parent} does not exist")
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'slth-verify[plot]'") from None


def plot_figure(exp: Experiment, rows: list[dict]):
    """``exp``'s plot of ``rows`` on a new Figure, widened for the legends beside its axes."""
    from matplotlib.figure import Figure  # optional: the plots extra (checked above)

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    exp.plot(rows, figure)
    widen_for_legends(figure)
    return figure


def write_plot(exp: Experiment, rows: list[dict], path) -> None:
    """Draw ``exp``'s plot of ``rows`` into ``path`` (format from the suffix, e.g. ``.png``)."""
    path = Path(path)
    _plot_ready(exp, path)
    figure = plot_figure(exp, rows)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        figure.savefig(tmp, dpi=110, bbox_inches="tight")  # tight: a legend is never cut at the edge
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_rows(db, name: str | None, experiments: dict[str, Experiment]) -> tuple[Experiment, list[dict]]:
    """The experiment (``name``, or the only one stored) and its rows of the newest tool version."""
    with Store(db, create=False) as store:
        stored = sorted({e for e, _, _ in store.experiments()})
        if name is None:
            if len(stored) != 1:
                raise InputError(f"{db}: holds experiments {stored}; choose one with --experiment")
            name = stored[0]
        if name not in experiments:
            raise InputError(f"--experiment: expected one of {sorted(experiments)}, got {name!r}")
        rows = store.rows(name)
    if not rows:
        raise InputError(f"{db}: no rows for experiment {name!r} (it holds {stored or 'nothing'})")
    return experiments[name], rows


def report(db, name: str | None, experiments: dict[str, Experiment], csv_path=None, plot_path=None,
           out=print) -> None:
    """Print the experiment's tables; write the CSV and the plot when asked (both checked before
    anything is printed or written)."""
    exp, rows = load_rows(db, name, experiments)
    if csv_path is not None and not Path(csv_path).resolve().parent.is_dir():
        raise MissingFileError(f"{csv_path}: directory {Path(csv_path).parent} does not exist")
    if plot_path is not None:
        _plot_ready(exp, Path(plot_path))
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    out(f"{exp.name}: {len(rows)} rows (tool {rows[0]['tool_version']}): "
        + ", ".join(f"{v} {k}" for k, v in sorted(statuses.items())))
    errors = [r for r in rows if r["status"] == "error"]
    if errors:
        out(f"  first error: seed {errors[0]['seed']}, {errors[0]['params']}: {errors[0]['error']}")
    for table in exp.tables(rows):
        out("")
        out(format_table(table))
    if csv_path is not None:
        write_text_atomic(csv_path, csv_text(rows))
        out(f"\nwrote {csv_path} ({len(rows)} rows)")
    if plot_path is not None:
        write_plot(exp, rows, plot_path)
        out(f"wrote {plot_path}")
