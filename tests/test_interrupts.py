"""Ctrl-C (SIGINT) and SIGTERM at any moment of a command: one line "slth-verify: interrupted",
exit 130, no traceback, nothing reported as a result, no file or directory left that the command
created (temporary files included) and no process of it still running.

Each command runs as a real program on inputs that take seconds, and is signalled at several
moments after it has installed its handlers (the first thing it does): while its modules load,
and during its work. The full matrix is slow; three representative cases run by default."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from verify import interrupts
from verify.generators import SubsetSumOptions, subset_sum_instance, target_network, theorem1_random_network
from verify.networks import Rounding, save_network
from verify.problems import save_problem

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

MARK = "SLTH_VERIFY_INTERRUPT_TEST"


# ------------------------------------------------------------------------------ the library

def test_a_signal_raises_once_and_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        with interrupts.handling():
            try:
                signal.raise_signal(signal.SIGTERM)
            finally:
                # a second signal during the way out is noted, not raised: cleanup goes on
                signal.raise_signal(signal.SIGINT)
                cleaned = True
    assert cleaned and signal.getsignal(signal.SIGTERM) is before and not interrupts.received()


def test_deferred_raises_on_the_way_out_and_check_raises_after_a_signal():
    with interrupts.handling():
        steps = []
        with pytest.raises(KeyboardInterrupt):
            with interrupts.deferred():
                signal.raise_signal(signal.SIGINT)
                steps.append("finished")
        assert steps == ["finished"] and interrupts.received()
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()  # a result had after the signal is not returned
    interrupts.check()  # outside: nothing arrived


def test_a_signal_while_the_program_starts_is_raised_by_the_first_check():
    before = {s: signal.getsignal(s) for s in interrupts.SIGNALS}
    try:
        interrupts.install_early()
        signal.raise_signal(signal.SIGTERM)  # while modules load: noted, nothing raised
        with interrupts.handling(final=True):
            with pytest.raises(KeyboardInterrupt):
                interrupts.check()
        # the command is over: a late signal changes nothing
        assert all(signal.getsignal(s) is signal.SIG_IGN for s in interrupts.SIGNALS)
        signal.raise_signal(signal.SIGINT)
    finally:
        for s, h in before.items():
            signal.signal(s, h)


def test_a_swallowed_interruption_still_stops_the_next_solve():
    from verify.solve.sat import run_sat

    with interrupts.handling():
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass  # as a careless caller might
        with pytest.raises(KeyboardInterrupt):
            run_sat(2, [[1, 2], [-1]])
        with pytest.raises(KeyboardInterrupt):
            interrupts.stoppable(lambda: "unknown", lambda: None)
    assert run_sat(2, [[1, 2], [-1]]).outcome == "sat"


def _terminated():
    os.kill(os.getpid(), signal.SIGTERM)


def test_a_solver_child_terminated_from_outside_is_an_interruption():
    from verify.solve.children import call_in_child

    with pytest.raises(KeyboardInterrupt):
        call_in_child(_terminated, (), 30.0, "test")
    assert call_in_child(os.getpid, (), 30.0, "test")[0][0] == "ok"


def test_an_import_is_never_cut_in_half(tmp_path, monkeypatch):
    import importlib

    name = "module_interrupted_while_imported"
    (tmp_path / f"{name}.py").write_text("import signal\nsignal.raise_signal(signal.SIGINT)\nDONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    with interrupts.handling():
        with pytest.raises(KeyboardInterrupt):
            module = importlib.import_module(name)
            time.sleep(10)  # the signal comes again once the import is over
    assert module.DONE


def test_pysat_is_kept_off_sigint_only_inside_handling():
    from pysat._utils import MainThread

    assert MainThread.check()
    with interrupts.handling():
        assert not MainThread.check()
    assert MainThread.check()


def test_stoppable_stops_the_call_and_raises_instead_of_returning():
    stopped = threading.Event()
    calls = []

    def stop():
        calls.append(1)
        stopped.set()

    def run():
        stopped.wait(30)
        return "unknown"  # what an interrupted solver would return

    with interrupts.handling():
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            interrupts.stoppable(run, stop)
        timer.join()
    assert calls
    assert interrupts.stoppable(lambda: 7, stop) == 7
    with pytest.raises(ZeroDivisionError):
        interrupts.stoppable(lambda: 1 / 0, stop)


def test_undo_removes_only_what_appeared(tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "old.txt").write_text("old")
    old_file = tmp_path / "old.json"
    old_file.write_text("{}")
    new_dir, new_file = tmp_path / "new.proofs", tmp_path / "new.json"
    with pytest.raises(KeyboardInterrupt):
        with interrupts.undo_on_failure() as undo:
            undo.watch(kept, old_file, new_dir, new_file, None)
            (kept / "new.txt").write_text("new")
            old_file.write_text('{"a": 1}')
            new_dir.mkdir()
            (new_dir / "p.drup").write_text("0\n")
            new_file.write_text("{}")
            raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept", "old.json", "old.txt"]
    with interrupts.undo_on_failure() as undo:  # a block that completes keeps everything
        undo.watch(new_file)
        new_file.write_text("{}")
    assert new_file.exists()


def test_cpsat_solves_leave_sigint_to_the_tool(monkeypatch):
    from ortools.sat.python import cp_model

    from verify.solve import cpsat as backend
    from verify.encodings.cpsat import build_model
    from verify.problems import SubsetSum

    made = []
    monkeypatch.setattr(backend, "_new_solver", lambda: made.append(cp_model.CpSolver()) or made[-1])
    assert _catches(os.getpid(), signal.SIGINT)
    assert backend.run(build_model(SubsetSum(weights=[3, 5], targets=[8]), 8), 5.0).outcome == "sat"
    assert made[-1].parameters.catch_sigint_signal is False
    # CP-SAT's own handling left SIGINT at its default action after every solve: the next
    # Ctrl-C killed the process without a word (signal.getsignal cannot see that; /proc can)
    assert _catches(os.getpid(), signal.SIGINT)


# ------------------------------------------------------------------------------- programs

def _catches(pid: int, sig) -> bool:
    """Whether the process has a handler for ``sig`` (the kernel's view)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            caught = next(line for line in f if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) >> (sig - 1) & 1)


def _running(marker: str) -> list[str]:
    """Live processes carrying ``marker`` in their environment: the program and every process
    it started, wherever they went (pool workers start sessions of their own)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            env = Path(f"/proc/{entry.name}/environ").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            cmd = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"{MARK}={marker}".encode() in env and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(f"{entry.name}: {cmd}")
    return found


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def interrupt(cwd: Path, args: list[str], sig=signal.SIGINT, after: float = 1.0, group: bool = False):
    """Run ``slth-verify ARGS`` in ``cwd``, send ``sig`` ``after`` seconds once its handlers are
    in place (to its whole process group with ``group``, as a terminal's Ctrl-C), and check
    what every interruption must give. Returns (stdout, new paths in cwd)."""
    marker = uuid.uuid4().hex
    tmp = cwd / "tmp"  # TMPDIR: a temporary directory left behind shows up here
    tmp.mkdir(exist_ok=True)
    before = _tree(cwd)
    proc = subprocess.Popen([sys.executable, "-m", "verify.cli", *args], cwd=cwd, text=True,
                            env={**os.environ, MARK: marker, "TMPDIR": str(tmp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=group)
    try:
        deadline = time.monotonic() + 60
        while not _catches(proc.pid, signal.SIGTERM):  # the program's first step
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.005)
        time.sleep(after)
        # the inputs take several times longer than any offset: a finished run tests nothing
        assert proc.poll() is None, f"{args} finished within {after} s: {proc.communicate()}"
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL) if group else proc.kill()
            proc.wait()
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert "Traceback" not in err + out and err.count("slth-verify: interrupted") == 1, err
    assert [line for line in err.splitlines() if "interrupted" in line][-1].startswith("slth-verify: interrupted")
    deadline = time.monotonic() + 3  # killed processes take a moment to disappear
    while _running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(marker)
    return out, _tree(cwd) - before


# ------------------------------------------------------------------------------- inputs

@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Inputs written once: networks and instances whose commands take seconds."""
    d = tmp_path_factory.mktemp("inputs")
    small = target_network([4, 4, 4], 3, seed=1, rounding=Rounding("double", 3))
    save_network(small, d / "t.npz")  # certify --find sparsest: about 20 s
    save_network(theorem1_random_network(small, 40, 2, seed=1002), d / "r.npz")
    save_problem(subset_sum_instance(40, SubsetSumOptions(bits=24, target="middle"), seed=3), d / "hard.json")
    (d / "sweep.toml").write_text(  # the fastest tasks take about a second, most far longer
        'experiment = "hardness"\nseeds = 4\nmethods = ["cpsat", "sat"]\ntime_limit = 60\n[parameters]\n'
        'n = 24\nkappa = ["1", "1.25"]\ntarget = "planted"\nzero = false\nencoding = "adder"\nbudget_mib = 64\n')
    return d


def _in(tmp_path: Path, work: Path) -> Path:
    """A fresh working directory holding the inputs (symlinks: they are only read)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for p in work.iterdir():
        (cwd / p.name).symlink_to(p)
    return cwd


def _rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT status, error FROM results").fetchall()


def test_sparsest_interrupted_leaves_no_proofs_directory(tmp_path, work):
    cwd = _in(tmp_path, work)
    out, new = interrupt(cwd, ["certify", "--target", "t.npz", "--random", "r.npz", "--find", "sparsest",
                               "-o", "sp.json"], signal.SIGINT, 1.5)
    assert out == "" and new == set()


def test_solve_with_a_sat_solver_terminated(tmp_path, work):
    cwd = _in(tmp_path, work)
    out, new = interrupt(cwd, ["solve", "hard.json", "--method", "sat", "--time-limit", "60",
                               "--proof-dir", "proofs"], signal.SIGTERM, 1.5)
    assert out == "" and new == set()


def test_sweep_interrupted_keeps_only_finished_rows(tmp_path, work):
    cwd = _in(tmp_path, work)
    out, new = interrupt(cwd, ["sweep", "sweep.toml", "--db", "r.sqlite", "--workers", "2"], signal.SIGINT, 2.0)
    assert out == "" and new <= {"r.sqlite"}  # the resumable database, no journal beside it
    if new:
        assert all(status == "sat-verified" and error is None for status, error in _rows(cwd / "r.sqlite"))


# --------------------------------------------------------------------------- the full matrix

SUITE = """name = "interrupt-test"
description = "seconds of work"
seed = 7
time_limit = 30
memory_budget = "1G"
formats = ["cnf", "opb", "wcnf"]
encoding = "auto"

[[family]]
kind = "subset-sum"
n = [32, 40]
lambda = 0
answer = ["planted", "infeasible"]
count = 3
"""


@pytest.fixture(scope="module")
def more(tmp_path_factory, work):
    """The slow matrix's inputs: larger networks, a checkable sparsest certificate, a suite."""
    from verify.certify import CertifyOptions, certify
    from verify.suites.build import build_suite
    from verify.suites.spec import load_suite_spec

    d = tmp_path_factory.mktemp("more")
    for name, widths, units in (("big", [256, 128, 10], 96), ("mid", [64, 32, 10], 96)):
        t = target_network(widths, 4, seed=1)
        save_network(t, d / f"{name}-t.npz")
        save_network(theorem1_random_network(t, units, 2, seed=2), d / f"{name}-r.npz")
    save_problem(subset_sum_instance(60, SubsetSumOptions(bits=16, target=(-20, 20)), seed=3), d / "many.json")
    save_problem(subset_sum_instance(60, SubsetSumOptions(bits=18, target=(-1000, 1000)), seed=3), d / "count.json")
    (d / "compare.toml").write_text('experiment = "compare"\nseeds = 3\nmethods = ["ckk", "exact"]\n'
                                    'time_limit = 10\n[parameters]\nn = 32\nkappa = ["1.1", "1.3"]\n'
                                    'target = "planted"\n')
    (d / "suite.toml").write_text(SUITE)
    build_suite(load_suite_spec(d / "suite.toml"), d / "suite")
    for name in ("t.npz", "r.npz"):  # copies: the certificate names them relative to itself
        shutil.copy(work / name, d / name)
    assert certify(d / "t.npz", d / "r.npz", d / "sparsest.json", CertifyOptions("sparsest")).ok
    return d


def _both(tmp_path, work, more) -> Path:
    cwd = _in(tmp_path, work)
    for p in more.iterdir():
        if not (cwd / p.name).exists():
            (cwd / p.name).symlink_to(p)
    return cwd


# name: (arguments, new paths an interruption may leave: a sweep's resumable database)
COMMANDS = {
    "solve-sat": (["solve", "hard.json", "--method", "sat", "--time-limit", "60", "--proof-dir", "proofs"], set()),
    "solve-cpsat": (["solve", "hard.json", "--method", "cpsat", "--time-limit", "60"], set()),
    "cover-sat": (["cover", "many.json", "--method", "sat", "--time-limit", "60", "--proof-dir", "proofs"], set()),
    "count": (["count", "count.json"], set()),
    "certify-construction": (["certify", "--target", "big-t.npz", "--random", "big-r.npz", "-o", "c.json"], set()),
    "certify-any": (["certify", "--target", "mid-t.npz", "--random", "mid-r.npz", "--find", "any",
                     "-o", "a.json"], set()),
    "certify-min-width": (["certify", "--target", "mid-t.npz", "--random", "mid-r.npz", "--find", "min-width",
                           "-o", "w.json"], set()),
    "certify-sparsest": (["certify", "--target", "t.npz", "--random", "r.npz", "--find", "sparsest",
                          "-o", "sp.json"], set()),
    # both engines: the native one alone checks this certificate in about 2 s, the offsets reach 2 s
    "check": (["check", "sparsest.json", "--engines", "both"], set()),
    "demo": (["demo"], set()),
    "demo-dir": (["demo", "--dir", "out"], set()),
    "sweep": (["sweep", "sweep.toml", "--db", "r.sqlite", "--workers", "2"], {"r.sqlite"}),
    "compare": (["compare", "--sweep", "compare.toml", "--db", "c.sqlite", "--workers", "2"], {"c.sqlite"}),
    "suite-build": (["suite", "build", "--spec", "suite.toml", "-o", "new-suite"], set()),
    "suite-check": (["suite", "check", "suite"], set()),
}

MOMENTS = [(signal.SIGINT, 0.3, False), (signal.SIGINT, 1.0, False), (signal.SIGINT, 2.0, False),
           (signal.SIGTERM, 1.0, False)]
GROUP = (signal.SIGINT, 2.0, True)  # a terminal's Ctrl-C: the whole foreground process group
CASES = [(name, *m) for name in COMMANDS for m in MOMENTS] + \
        [(name, *GROUP) for name in ("solve-sat", "certify-sparsest", "demo", "sweep")]


@pytest.mark.slow
@pytest.mark.parametrize("name,sig,after,group", CASES,
                         ids=[f"{c[0]}-{signal.Signals(c[1]).name}-{c[2]}s{'-group' * c[3]}" for c in CASES])
def test_every_command_interrupted_at_any_moment(tmp_path, work, more, name, sig, after, group):
    args, may_leave = COMMANDS[name]
    cwd = _both(tmp_path, work, more)
    out, new = interrupt(cwd, args, sig, after, group)
    assert new <= may_leave, new
    if name.startswith("demo"):  # it prints each finished step; the interrupted one is not a failure
        assert "FAILED" not in out and "NOT VERIFIED" not in out and "DID NOT VERIFY" not in out
    else:
        assert out == ""
    for db in new:  # rows are finished tasks only: the interruption is in none of them
        rows = _rows(cwd / db)
        assert all(error is None or ("stopped" not in error and "Interrupt" not in error) for _, error in rows)
        if name == "sweep":
            assert all(status == "sat-verified" for status, _ in rows)
