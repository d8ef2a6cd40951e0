"""Sweeps: spec validation (every error path fails before any work), the killing process pool,
the SQLite store, resume after a real process kill, Dask against the local pool, reports."""

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify.cli import main
from verify.errors import InputError, MissingFileError
from verify.experiments import experiments
from verify.experiments.pool import ProcessPool, RemoteError, TaskKilled, WorkerLost
from verify.experiments.progress import Progress
from verify.experiments.spec import Task, builtin_specs, load_spec, parse_spec
from verify.experiments.store import Store
from verify.experiments.sweep import execute, make_executor, run_sweep

SMALL = """
experiment = "threshold"
seeds = {seeds}
methods = ["dp", "mitm"]
[parameters]
n = [6, 9, 12]
bits = [6, 10]
target = "1/3"
"""
# Rows of two runs agree on these; seconds, host and finish time are the run's own.
DETERMINISTIC = "experiment, instance_sha256, method, params, seed, tool_version, status, result, error"


def run_cli(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def spec_file(tmp_path, text, name="spec.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def rows_of(db) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return c.execute(f"SELECT {DETERMINISTIC} FROM results ORDER BY params, method, seed").fetchall()


# ------------------------------------------------------------------------------------- specs

BAD_SPECS = [
    ("seeds = 3", "missing field 'experiment'"),
    ('experiment = "threshold"', "missing field 'seeds'"),
    ('experiment = "nope"\nseeds = 3', "experiment: expected one of"),
    ('experiment = "threshold"\nseeds = 3\ncolour = 1', "unknown field 'colour'"),
    ('experiment = "threshold"\nseeds = 0\n[parameters]\nn = 4\nbits = 4', "seeds: expected"),
    ('experiment = "threshold"\nseeds = [1, 1]\n[parameters]\nn = 4\nbits = 4', "seeds: the seed list repeats"),
    ('experiment = "threshold"\nseeds = -2\n[parameters]\nn = 4\nbits = 4', "seeds: expected"),
    ('experiment = "threshold"\nseeds = 3\nmethods = ["magic"]\n[parameters]\nn = 4\nbits = 4', "methods: threshold has"),
    ('experiment = "threshold"\nseeds = 3\ntime_limit = -1\n[parameters]\nn = 4\nbits = 4',
     "time_limit: expected a positive number of seconds, at most 10^6, got -1"),
    ('experiment = "threshold"\nseeds = 3\ntime_limit = 1e9\n[parameters]\nn = 4\nbits = 4',
     "time_limit: expected a positive number of seconds, at most 10^6, got 1000000000.0"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nbits = 4', "parameters.n: missing"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = 0\nbits = 4', "parameters.n: expected an integer >= 1"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = "ten"\nbits = 4', "parameters.n: expected"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = []\nbits = 4', "parameters.n: an empty list"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = [4, 4]\nbits = 4', "parameters.n: the list repeats"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = 4\nbits = 4\nwidth = 3', "parameters.width: threshold has no such"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = 4\nbits = 4\ntarget = "a/b"', "parameters.target: expected"),
    ('experiment = "threshold"\nseeds = 3\n[parameters]\nn = 4\nbits = 4\nzero = 1', "parameters.zero: expected true or false"),
    ('experiment = "threshold"\nseeds = 3\n[parameters\n', "not valid TOML"),
    ('experiment = "network"\nseeds = 3\nmethods = ["construction", "sparsest"]\n[parameters]\ntheorem = 2',
     "methods: sparsest applies to no point of the grid: sparsest searches Theorem 1's layout only (theorem = 2)"),
    ('experiment = "network"\nseeds = 3\nmethods = ["min-width"]\n[parameters]\ntheorem = [1, 2]',
     "parameters.theorem = 2: no method applies to it: min-width searches Theorem 1's layout only"),
]


@pytest.mark.parametrize("text, message", BAD_SPECS, ids=[m for _, m in BAD_SPECS])
def test_bad_specs_fail_before_any_work_with_one_line_naming_the_field(tmp_path, capsys, text, message):
    spec = spec_file(tmp_path, text)
    db = tmp_path / "r.sqlite"
    code, out, err = run_cli(capsys, "sweep", str(spec), "--db", str(db))
    assert code == 2 and message in err and str(spec) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not db.exists()  # nothing was started, not even the database


def test_missing_spec_and_missing_db_argument(tmp_path, capsys):
    code, _, err = run_cli(capsys, "sweep", str(tmp_path / "none.toml"), "--db", str(tmp_path / "r.sqlite"))
    assert code == 2 and "no such spec file" in err and "threshold" in err
    code, _, err = run_cli(capsys, "sweep", "threshold")
    assert code == 2 and "--db" in err
    code, _, err = run_cli(capsys, "sweep", "threshold", "--db", str(tmp_path / "r.sqlite"), "--workers", "0")
    assert code == 2 and "--workers" in err


def test_every_builtin_spec_is_valid_and_names_an_experiment():
    exps = experiments()
    names = builtin_specs()
    assert {load_spec(n, exps).experiment.name for n in names} == set(exps)
    for n in names:
        spec = load_spec(n, exps)
        assert spec.size == len({t.key for t in spec.tasks()}) > 0


def test_tasks_are_the_grid_times_seeds_times_methods_seeds_outermost(tmp_path):
    spec = load_spec(str(spec_file(tmp_path, SMALL.format(seeds="{start = 5, count = 4}"))), experiments())
    tasks = spec.tasks()
    assert len(tasks) == spec.size == 3 * 2 * 2 * 4
    assert [t.seed for t in tasks[:12]] == [5] * 12 and tasks[-1].seed == 8
    assert len({t.key for t in tasks}) == len(tasks)
    assert dict(tasks[0].params) == {"n": 6, "bits": 6, "target": "1/3", "zero": False}


def test_combinations_that_do_not_apply_are_omitted_and_counted_not_stored(tmp_path, capsys):
    spec = load_spec("network", experiments())
    grid = len(spec.seeds) * len(spec.methods) * len(spec.grid_points())
    why = {m: f"{m} searches Theorem 1's layout only (theorem = 2)" for m in ("min-width", "sparsest")}
    per_method = len(spec.seeds) * sum(dict(p)["theorem"] == 2 for p in spec.grid_points())
    assert spec.omitted == {why["min-width"]: per_method, why["sparsest"]: per_method}
    tasks = spec.tasks()
    assert len(tasks) == spec.size == grid - 2 * per_method > 0
    assert {t.method for t in tasks if dict(t.params)["theorem"] == 2} == {"construction"}
    assert {t.method for t in tasks if dict(t.params)["theorem"] == 1} == set(spec.methods)
    code, _, err = run_cli(capsys, "sweep", "network", "--db", str(tmp_path / "r.sqlite"), "--limit", "0")
    assert code == 0 and f"{spec.size:,} tasks" in err
    for m in why:
        assert f"{per_method:,} tasks omitted (not applicable): {why[m]}" in err


def test_network_tasks_store_only_parameters_their_networks_have(tmp_path, capsys):
    spec = parse_spec({"experiment": "network", "seeds": 2, "methods": ["construction"],
                       "parameters": {"theorem": [1, 2], "c": 4, "copies": 3, "zero": [True, False]}},
                      "inline", experiments())
    tasks = spec.tasks()
    one = [dict(t.params) for t in tasks if dict(t.params)["theorem"] == 1]
    two = [dict(t.params) for t in tasks if dict(t.params)["theorem"] == 2]
    assert {(p["zero"], p["c1"], p["copies"]) for p in one} == {(True, None, None), (False, None, None)}
    # Theorem 2's random weights never include 0: one task per seed, not one per listed zero
    assert [(p["zero"], p["copies"]) for p in two] == [(None, 3)] * 2
    assert len(tasks) == spec.size == 2 * 2 + 2
    db = tmp_path / "r.sqlite"
    code, _, _ = run_cli(capsys, "sweep", str(spec_file(tmp_path, 'experiment = "network"\nseeds = 1\n'
                                                                  'methods = ["construction"]\n[parameters]\n'
                                                                  'theorem = [1, 2]\nc = 4\ncopies = 3\n',
                                                        "net.toml")), "--db", str(db))
    stored = {json.loads(p)["theorem"]: json.loads(p) for (p,) in sqlite3.connect(db).execute("SELECT params FROM results")}
    assert stored[1]["copies"] is None and stored[2]["zero"] is None and stored[2]["copies"] == 3
    assert run_cli(capsys, "report", str(db))[0] == 0


@pytest.mark.parametrize("name", sorted(experiments()))
def test_a_spec_without_time_limit_is_bounded_when_its_methods_run_solvers(name):
    from verify.experiments.base import DEFAULT_TIME_LIMIT

    exp = experiments()[name]
    builtin = load_spec(name, experiments())  # its methods and a point of its grid, without its limit
    bare = parse_spec({"experiment": name, "seeds": 1, "methods": list(builtin.methods),
                       "parameters": {k: v[0] for k, v in builtin.grid}}, "inline", experiments())
    if set(exp.methods) <= {"auto", "dp", "mitm"}:  # exact tables only, bounded by the memory budget
        assert bare.time_limit is None
    else:
        assert bare.time_limit == exp.default_time_limit == DEFAULT_TIME_LIMIT
        assert bare.kill_after == 2 * DEFAULT_TIME_LIMIT + 30
        assert {t.time_limit for t in bare.tasks()} == {DEFAULT_TIME_LIMIT}


def test_parse_spec_defaults_kill_after_from_time_limit():
    exps = experiments()
    spec = parse_spec({"experiment": "threshold", "seeds": 2, "time_limit": 5,
                       "parameters": {"n": 4, "bits": 4}}, "inline", exps)
    assert spec.kill_after == 2 * 5 + 30 and spec.methods == ("auto",)
    with pytest.raises(InputError, match="kill_after"):
        parse_spec({"experiment": "threshold", "seeds": 2, "kill_after": 0,
                    "parameters": {"n": 4, "bits": 4}}, "inline", exps)


# -------------------------------------------------------------------------------------- pool

def _spawn_grandchild_and_hang(marker):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(marker).write_text(str(proc.pid))
    time.sleep(120)


def _square_in_a_child(x: int) -> int:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as child:
        return child.apply(pow, (x, 2))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie counts as dead
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def test_pool_kills_an_overrunning_task_with_its_children_and_survives_crashes(tmp_path):
    marker = tmp_path / "grandchild.pid"
    pool = ProcessPool(2, kill_after=3)
    try:
        hang = pool.submit(_spawn_grandchild_and_hang, str(marker))
        crash = pool.submit(os._exit, 7)
        raises = pool.submit(int, "x")
        with pytest.raises(WorkerLost, match="exit code 7"):
            crash.result(timeout=60)
        with pytest.raises(RemoteError, match="ValueError"):
            raises.result(timeout=60)
        with pytest.raises(TaskKilled, match="killed after 3 s"):
            hang.result(timeout=60)
        grandchild = int(marker.read_text())
        deadline = time.monotonic() + 10
        while _alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(grandchild)  # the worker's process group went with it
        assert [f.result(timeout=60) for f in [pool.submit(pow, 2, k) for k in range(50)]] == \
            [2 ** k for k in range(50)]
        assert pool.submit(_square_in_a_child, 9).result(timeout=60) == 81  # solvers run in children
    finally:
        pool.terminate()


def test_pool_shutdown_cancels_queued_work():
    pool = ProcessPool(1)
    first = pool.submit(time.sleep, 0.5)
    rest = [pool.submit(time.sleep, 5) for _ in range(3)]
    pool.shutdown(wait=True, cancel_futures=True)
    assert first.done() and all(f.cancelled() for f in rest)
    with pytest.raises(RuntimeError):
        pool.submit(pow, 2, 2)


# ------------------------------------------------------------------------------------- store

def test_store_keeps_one_row_per_task_and_rejects_foreign_files(tmp_path):
    db = tmp_path / "r.sqlite"
    task = Task("threshold", (("bits", 4), ("n", 5)), 3, "dp", None)
    row = {"experiment": "threshold", "instance_sha256": "ab", "method": "dp", "params": task.params_json,
           "seed": 3, "tool_version": "0.1.0", "status": "sat-verified", "result": {"x": [1, 2]}}
    with Store(db) as s:
        assert s.add(row) and not s.add(row)
        assert not s.add({**row, "instance_sha256": "cd"})  # same task, another hash: still one row
        assert s.done_keys("threshold", "0.1.0") == {task.key}
        (r,) = s.rows("threshold")
        assert r["result"] == {"x": [1, 2]} and r["params"] == {"bits": 4, "n": 5}
    garbage = tmp_path / "g.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InputError, match="not a results database"):
        Store(garbage)
    with pytest.raises(MissingFileError):
        Store(tmp_path / "none.sqlite", create=False)


# ------------------------------------------------------------------------------------ sweeps

def test_sweep_rows_match_direct_runs_and_a_rerun_adds_nothing(tmp_path):
    spec = load_spec(str(spec_file(tmp_path, SMALL.format(seeds=3))), experiments())
    db = tmp_path / "r.sqlite"
    executor, window, close = make_executor(workers=2)
    try:
        first = run_sweep(spec, db, executor, window=window, progress=Progress(0, enabled=False))
        again = run_sweep(spec, db, executor, window=window, progress=Progress(0, enabled=False))
    finally:
        close()
    assert first.ran == spec.size and first.skipped == 0 and again.ran == 0 and again.skipped == spec.size
    with Store(db) as s:
        rows = s.rows("threshold")
    assert len(rows) == spec.size
    for r in rows[:: max(1, len(rows) // 8)]:  # the pool adds nothing to what the task computes
        task = Task("threshold", tuple(sorted(r["params"].items())), r["seed"], r["method"], None)
        assert execute(task)["result"] == r["result"]
    dp = {(r["params"]["n"], r["params"]["bits"], r["seed"]): r["result"] for r in rows if r["method"] == "dp"}
    mitm = {(r["params"]["n"], r["params"]["bits"], r["seed"]): r["result"] for r in rows if r["method"] == "mitm"}
    assert {k: v["reachable"] for k, v in dp.items()} == {k: v["reachable"] for k, v in mitm.items()}


def test_failed_tasks_are_error_rows_exit_1_and_can_be_retried(tmp_path, capsys):
    # the bitset over 100 weights of 60 bits is far over any memory budget
    spec = spec_file(tmp_path, 'experiment = "threshold"\nseeds = 6\nmethods = ["dp"]\n[parameters]\n'
                               'bits = 60\nn = 100\n')
    db = tmp_path / "r.sqlite"
    code, out, err = run_cli(capsys, "sweep", str(spec), "--db", str(db))
    errors = [r for r in rows_of(db) if r[6] == "error"]
    assert code == 1 and len(errors) == 6 and "failed" in err and "BudgetExceeded" in errors[0][8]
    assert len(rows_of(db)) == 6
    code, out, err = run_cli(capsys, "sweep", str(spec), "--db", str(db), "--retry-errors")
    assert "6 tasks run" in out and len(rows_of(db)) == 6


def _sweep_process(spec, db, *extra):
    return subprocess.Popen([sys.executable, "-m", "verify.cli", "sweep", str(spec), "--db", str(db),
                             "--workers", "2", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _wait_for_rows(db, at_least: int, proc, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    n = c.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                n = 0
            if n >= at_least:
                return n
        time.sleep(0.05)
    raise AssertionError("the sweep wrote too few rows in time")


# counts at n = 24, bits = 16 take tens of milliseconds each: enough tasks in flight to interrupt
RESUME = 'experiment = "counts"\nseeds = 40\n[parameters]\nbits = 16\nn = [20, 24]\n'


# kill and term are slow: tests/test_interrupts.py signals sweeps in the fast set too
@pytest.mark.parametrize("how", [pytest.param("kill", marks=pytest.mark.slow), "ctrl-c",
                                 pytest.param("term", marks=pytest.mark.slow)])
def test_interrupted_sweep_resumes_to_exactly_the_rows_of_an_uninterrupted_one(tmp_path, how):
    spec = spec_file(tmp_path, RESUME)
    whole, cut = tmp_path / "whole.sqlite", tmp_path / "cut.sqlite"
    assert subprocess.run([sys.executable, "-m", "verify.cli", "sweep", str(spec), "--db", str(whole),
                           "--workers", "2"], capture_output=True).returncode == 0
    proc = _sweep_process(spec, cut)
    _wait_for_rows(cut, 10, proc)
    if how == "kill":
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its pool, mid-write
        proc.wait()
    else:
        proc.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and "run the same command again" in err
    partial = len(rows_of(cut))
    assert 10 <= partial < 80
    done = subprocess.run([sys.executable, "-m", "verify.cli", "sweep", str(spec), "--db", str(cut),
                           "--workers", "2"], capture_output=True, text=True)
    assert done.returncode == 0 and f"{partial} already stored" in done.stdout
    assert rows_of(cut) == rows_of(whole) and len(rows_of(whole)) == 80


def test_dask_gives_the_same_rows_as_the_local_pool(tmp_path):
    import dask
    from dask import distributed

    # hardness's "sat" starts a solver process from inside the worker, which a daemonic worker may not
    spec = load_spec(str(spec_file(tmp_path, 'experiment = "hardness"\nseeds = 2\nmethods = ["sat", "mitm"]\n'
                                             '[parameters]\nn = [8, 20]\n')), experiments())
    with dask.config.set({"distributed.worker.daemon": False}):  # as docs/usage.md tells a cluster's owner
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0")
    with cluster:
        dbs = []
        for kind in ({"workers": 2}, {"dask_local": 2}, {"dask": cluster.scheduler_address}):
            db = tmp_path / f"{next(iter(kind))}.sqlite"
            executor, window, close = make_executor(**kind)
            try:
                run_sweep(spec, db, executor, window=window, progress=Progress(0, enabled=False))
            finally:
                close()
            dbs.append(db)
    # hardness rows hold solver times: the same tasks with the same verdicts, none an error
    answers = [sorted((r[1], r[2], r[3], r[4], r[6]) for r in rows_of(db)) for db in dbs]
    assert answers[0] == answers[1] == answers[2] and len(answers[0]) == spec.size
    assert {a[-1] for a in answers[0]} == {"sat-verified"}


# ------------------------------------------------------------------------------------ report

def test_report_tables_csv_and_plot(tmp_path, capsys):
    spec = spec_file(tmp_path, SMALL.format(seeds=4))
    db = tmp_path / "r.sqlite"
    assert run_cli(capsys, "sweep", str(spec), "--db", str(db), "--workers", "1")[0] == 0
    csv_path, png = tmp_path / "r.csv", tmp_path / "r.png"
    args = ["report", str(db), "--csv", str(csv_path), "--plot", str(png)]
    code, out, err = run_cli(capsys, *args)
    assert code == 0 and "P(the fixed target is reachable)" in out and "n_50" in out
    lines = csv_path.read_text().splitlines()
    assert len(lines) == 1 + 3 * 2 * 2 * 4 and lines[0].startswith("experiment,instance_sha256")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_errors(tmp_path, capsys):
    code, _, err = run_cli(capsys, "report", str(tmp_path / "none.sqlite"))
    assert code == 2 and "no such results database" in err
    db = tmp_path / "two.sqlite"
    with Store(db) as s:
        for name in ("threshold", "counts"):
            s.add({"experiment": name, "instance_sha256": "x", "method": "dp", "seed": 0,
                   "params": '{"bits": 4, "n": 5, "target": "1/3", "zero": false}',
                   "tool_version": "0.1.0", "status": "error", "error": "boom"})
    code, _, err = run_cli(capsys, "report", str(db))
    assert code == 2 and "--experiment" in err and "counts" in err
    code, _, err = run_cli(capsys, "report", str(db), "--experiment", "coverage")
    assert code == 2 and "no rows for experiment 'coverage'" in err
    code, _, err = run_cli(capsys, "report", str(db), "--experiment", "threshold", "--csv",
                           str(tmp_path / "no" / "r.csv"))
    assert code == 2 and "does not exist" in err


def test_progress_bar_on_a_terminal_and_silent_otherwise():
    shown, hidden = io.StringIO(), io.StringIO()
    for stream, enabled in ((shown, True), (hidden, None)):  # StringIO is not a terminal
        p = Progress(4, stream=stream, enabled=enabled, every=0)
        for status in ("sat-verified", "sat-verified", "error", "unknown"):
            p.update(status)
        p.close()
    assert "4/4 100%" in shown.getvalue() and "ETA" in shown.getvalue() and "error 1" in shown.getvalue()
    assert hidden.getvalue() == ""


def test_execute_turns_a_failing_task_into_an_error_result():
    out = execute(Task("threshold", (("bits", 4), ("n", 0), ("target", "1/3"), ("zero", False)), 0, "dp", None))
    assert out["status"] == "error" and "n: expected a positive integer" in out["error"]
    assert out["versions"]["slth-verify"] and out["seconds"] >= 0


def test_version_bump_reruns_and_report_reads_the_newest(tmp_path):
    db = tmp_path / "r.sqlite"
    row = {"experiment": "threshold", "instance_sha256": "x", "method": "dp", "params": "{}", "seed": 0,
           "status": "error", "error": "old"}
    with Store(db) as s:
        s.add({**row, "tool_version": "0.0.9"})
        s.add({**row, "tool_version": "0.1.0", "error": "new"})
        assert s.done_keys("threshold", "0.0.10") == set()
        assert [r["error"] for r in s.rows("threshold")] == ["new"]
        assert json.loads(json.dumps(s.experiments())) == [["threshold", "0.0.9", 1], ["threshold", "0.1.0", 1]]


def test_kill_after_gives_unknown_rows_and_retries_touch_only_the_specs_tasks(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    # every task overruns a 50 ms kill_after (a worker's first task imports the library): unknown
    slow = spec_file(tmp_path, 'experiment = "threshold"\nseeds = 2\nmethods = ["sat"]\nkill_after = 0.05\n'
                               '[parameters]\nbits = 18\nn = 20\n', "slow.toml")
    failing = spec_file(tmp_path, 'experiment = "threshold"\nseeds = 2\nmethods = ["dp"]\n[parameters]\n'
                                  'bits = 60\nn = 100\n', "failing.toml")
    run_cli(capsys, "sweep", str(slow), "--db", str(db))
    run_cli(capsys, "sweep", str(failing), "--db", str(db))
    before = rows_of(db)
    assert [r[6] for r in before].count("unknown") == 2 and [r[6] for r in before].count("error") == 2
    assert all("killed after 0.05 s" in r[8] for r in before if r[6] == "unknown")
    code, out, _ = run_cli(capsys, "sweep", str(failing), "--db", str(db), "--retry-errors", "--retry-unknown")
    assert code == 1 and "2 tasks run" in out  # the slow spec's unknown rows are not this spec's
    assert rows_of(db) == before
    code, out, _ = run_cli(capsys, "sweep", str(slow), "--db", str(db), "--retry-unknown")
    assert code == 0 and "2 tasks run" in out and len(rows_of(db)) == 4


def test_report_without_matplotlib_fails_before_writing_anything(tmp_path, capsys, monkeypatch):
    db = tmp_path / "r.sqlite"
    assert run_cli(capsys, "sweep", str(spec_file(tmp_path, SMALL.format(seeds=1))), "--db", str(db))[0] == 0
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if not installed
    csv_path = tmp_path / "r.csv"
    code, out, err = run_cli(capsys, "report", str(db), "--csv", str(csv_path), "--plot", str(tmp_path / "r.png"))
    assert code == 2 and "pip install 'slth-verify[plot]'" in err and out == ""
    assert not csv_path.exists() and not (tmp_path / "r.png").exists()
    monkeypatch.undo()
    assert run_cli(capsys, "report", str(db), "--csv", str(csv_path))[0] == 0
    assert csv_path.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
