"""run_sat: models that satisfy every clause, proofs the checker accepts, real time limits that
leave no process behind, and "unknown" (never "unsat") for anything that goes wrong."""

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pysat.examples.genhard import PHP

from verify.solve import children, sat
from verify.solve.proofs import check_drup
from verify.solve.sat import PROOF_SOLVERS, SatRun, run_sat, solver_name
from verify.errors import InputError, InternalError

CERTIFIED = ("cadical195", "glucose4")


def random_cnf(rng, nvars, nclauses, k=3):
    return [[rng.choice((-1, 1)) * v for v in rng.sample(range(1, nvars + 1), k)]
            for _ in range(nclauses)]


def satisfies(model, clauses):
    true = {lit for lit in model}
    return all(any(lit in true for lit in clause) for clause in clauses)


def proc_stat(pid):
    """(state, ppid) of a process from /proc (Linux), or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def child_pids(parent=None):
    """Children of ``parent`` (default: this process), from /proc, whatever created them."""
    parent = os.getpid() if parent is None else parent
    return [int(entry.name) for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and (proc_stat(entry.name) or ("", -1))[1] == parent]


def _resource_tracker_pid():
    """multiprocessing's resource tracker: started by the first spawned process of the session
    (the sweep pool's, in other tests) and meant to outlive it, so it is not a leak of ours."""
    from multiprocessing import resource_tracker

    return getattr(resource_tracker._resource_tracker, "_pid", None)


def assert_no_children():
    assert multiprocessing.active_children() == []
    if sys.platform.startswith("linux"):
        assert [pid for pid in child_pids() if pid != _resource_tracker_pid()] == []


# --- answers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", CERTIFIED)
@pytest.mark.parametrize("isolation", ["auto", "process"])
def test_sat_models_satisfy_every_clause(solver, isolation):
    rng = random.Random(1)
    found = 0
    for _ in range(6):
        n = rng.choice([8, 30])
        clauses = random_cnf(rng, n, int(3.0 * n))  # below the threshold: nearly always sat
        run = run_sat(n, clauses, solver=solver, isolation=isolation)
        assert run.solver == solver and run.reason == ""
        if run.outcome == "sat":
            found += 1
            assert run.proof is None
            assert [abs(lit) for lit in run.model] == list(range(1, n + 1))
            assert satisfies(run.model, clauses)
        else:
            assert run.outcome == "unsat"
    assert found >= 4


def test_model_covers_variables_the_clauses_do_not_mention():
    run = run_sat(40, [[3], [-5, 7]], isolation="process")
    assert run.outcome == "sat" and len(run.model) == 40 and 3 in run.model
    assert satisfies(run.model, [[3], [-5, 7]])


@pytest.mark.parametrize("solver", CERTIFIED)
def test_unsat_pigeonhole_proof_is_accepted(solver):
    f = PHP(5)
    run = run_sat(f.nv, f.clauses, solver=solver, time_limit=30)
    assert run.outcome == "unsat" and run.model is None and run.isolated
    assert run.proof and run.proof[-1].endswith("0")
    check = check_drup(f.nv, f.clauses, run.proof)
    assert check.ok, check.message


@pytest.mark.parametrize("solver", CERTIFIED)
def test_unsat_random_3cnf_proofs_are_accepted(solver):
    rng = random.Random(2)
    checked = 0
    while checked < 3:
        clauses = random_cnf(rng, 40, 260)  # ratio 6.5: nearly always unsat
        run = run_sat(40, clauses, solver=solver, time_limit=30)
        if run.outcome == "unsat":
            check = check_drup(40, clauses, run.proof)
            assert check.ok, check.message
            checked += 1


@pytest.mark.parametrize("solver", PROOF_SOLVERS)
def test_every_proof_solver_gives_checked_proofs(solver):
    f = PHP(4)
    run = run_sat(f.nv, f.clauses, solver=solver)
    assert run.outcome == "unsat"
    assert check_drup(f.nv, f.clauses, run.proof).ok


@pytest.mark.parametrize("solver", CERTIFIED)
@pytest.mark.parametrize("clauses", [[[]], [[1], [-1]], [[1, 2], [-1], [-2]]],
                         ids=["empty-clause", "opposite-units", "unit-propagation"])
def test_trivially_unsat_formulas(solver, clauses):
    # glucose answers these with an empty proof: the checker must accept that exactly because
    # unit propagation alone refutes the formula
    run = run_sat(2, clauses, solver=solver, isolation="process")
    assert run.outcome == "unsat" and run.proof is not None
    assert check_drup(2, clauses, run.proof).ok


def test_empty_formula_is_sat():
    assert run_sat(0, []).outcome == "sat"
    assert run_sat(3, [], isolation="process").model == [-1, -2, -3]


def test_large_proof_comes_back_through_the_pipe():
    # ~14,000 lines / 400 kB: several times a pipe's buffer, so a parent that joined before
    # reading would deadlock here
    f = PHP(7)
    run = run_sat(f.nv, f.clauses, time_limit=60, isolation="process")
    assert run.outcome == "unsat"
    assert sum(len(line) + 1 for line in run.proof) > 4 * 65536
    assert "0" in run.proof
    assert_no_children()


def test_inline_and_process_agree():
    rng = random.Random(3)
    for _ in range(10):
        clauses = random_cnf(rng, 10, rng.randint(20, 60))
        inline = run_sat(10, clauses)
        child = run_sat(10, clauses, isolation="process")
        assert not inline.isolated and child.isolated
        assert inline.outcome == child.outcome


def test_only_small_instances_run_inline():
    assert not run_sat(sat.INLINE_MAX_VARS, [[1]]).isolated
    assert run_sat(sat.INLINE_MAX_VARS + 1, [[1]]).isolated
    many = [[1, 2]] * (sat.INLINE_MAX_LITERALS // 2 + 1)
    assert run_sat(2, many).isolated


# --- time limits and failures -----------------------------------------------------------------

def test_time_limit_kills_the_solver_and_leaves_no_process():
    f = PHP(11)
    start = time.monotonic()
    run = run_sat(f.nv, f.clauses, time_limit=1.0)
    elapsed = time.monotonic() - start
    assert run.outcome == "unknown" and run.model is None and run.proof is None
    assert run.reason == "time limit 1.0 s reached, solver process killed"
    assert 1.0 <= elapsed < 4.0
    assert_no_children()


def _ignore_sigterm_and_hang(name, clauses, proof):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)


def test_a_child_ignoring_sigterm_is_killed(monkeypatch):
    monkeypatch.setattr(sat, "_solve_here", _ignore_sigterm_and_hang)
    start = time.monotonic()
    run = run_sat(20, [[1, 2]], time_limit=0.2, isolation="process")
    assert run.outcome == "unknown" and "time limit" in run.reason
    assert time.monotonic() - start < 0.2 + children.TERMINATE_GRACE + 2.0
    assert_no_children()


def _segfault(name, clauses, proof):
    os.kill(os.getpid(), signal.SIGKILL)


def _raise(name, clauses, proof):
    raise RuntimeError("solver exploded")


def _claim_unsat_then_die(name, clauses, proof):
    # an answer never sent is no answer: the parent must not read "unsat" into a crash
    os._exit(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="patching needs fork")
@pytest.mark.parametrize("body, reason", [
    (_segfault, "solver process killed by SIGKILL without an answer"),
    (_raise, "solver cadical195 failed: RuntimeError: solver exploded"),
    (_claim_unsat_then_die, "solver process exited with code 0 without an answer"),
])
def test_a_failing_child_is_unknown(monkeypatch, body, reason):
    monkeypatch.setattr(sat, "_solve_here", body)
    run = run_sat(20, [[1], [-1]], isolation="process")
    assert run == SatRun("unknown", None, None, run.seconds, "cadical195", reason, True)
    assert_no_children()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and prctl")
def test_the_solver_dies_with_its_parent():
    # a parent killed outright runs no cleanup: the kernel must take the solver down with it
    code = ("from pysat.examples.genhard import PHP\n"
            "from verify.solve.sat import run_sat\n"
            "f = PHP(11)\n"
            "run_sat(f.nv, f.clauses)\n")
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 20
        while not (solvers := child_pids(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(solvers) == 1
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 5
    while (stat := proc_stat(solvers[0])) and stat[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stat is None or stat[0] == "Z"


def _wrong_model(name, clauses, proof):
    return "sat", [-1, 2], None


def test_a_model_that_falsifies_a_clause_is_a_bug(monkeypatch):
    monkeypatch.setattr(sat, "_solve_here", _wrong_model)
    with pytest.raises(InternalError, match="falsifies clause 0"):
        run_sat(2, [[1]])


def test_a_failing_inline_solve_is_unknown(monkeypatch):
    monkeypatch.setattr(sat, "_solve_here", _raise)
    run = run_sat(2, [[1], [-1]])
    assert run.outcome == "unknown" and not run.isolated and "RuntimeError" in run.reason


# --- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["maplesat", "maplecm", "minisat22", "minicard", "mergesat3",
                                    "kissat404", "mpl"])
def test_solvers_without_valid_proofs_are_refused(solver):
    with pytest.raises(InputError, match="cannot be used with proof logging"):
        run_sat(2, [[1], [-1]], solver=solver)


def test_refusal_says_why():
    with pytest.raises(InputError, match="off by one"):
        run_sat(2, [[1]], solver="maplesat")
    with pytest.raises(InputError, match="no DRUP proof"):
        run_sat(2, [[1]], solver="minisat22")


def test_any_solver_without_proof():
    run = run_sat(2, [[1], [-1]], solver="minisat22", proof=False, isolation="process")
    assert run.outcome == "unsat" and run.proof is None
    assert run_sat(2, [[1, 2]], solver="cd19", proof=False).solver == "cadical195"
    assert solver_name("G4") == "glucose4"


@pytest.mark.parametrize("kwargs, match", [
    ({"solver": "nosuchsolver"}, "unknown SAT solver"),
    ({"time_limit": 0}, "time_limit"),
    ({"time_limit": float("nan")}, "time_limit"),
    ({"time_limit": True}, "time_limit"),
    ({"isolation": "thread"}, "isolation"),
    ({"clauses": [[1, 0]]}, "non-zero"),
    ({"clauses": [[1, True]]}, "non-zero ints"),
    ({"clauses": [[4]]}, "out of range"),
    ({"clauses": [[-4]]}, "out of range"),
    ({"clauses": [3]}, "clause 0"),
    ({"nvars": -1}, "nvars"),
])
def test_bad_arguments(kwargs, match):
    args = {"nvars": 3, "clauses": [[1, 2]]}
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        run_sat(**args)


# --- refute: the solver's "no" with its proof checked ---------------------------------------

def test_refute_checks_the_proof_of_an_unsat_formula():
    from verify.solve.outcome import Outcome
    from verify.solve.refutation import refute

    f = PHP(4)
    r = refute(f.nv, f.clauses)
    assert r.outcome is Outcome.UNSAT and r.checked and r.proof and r.model is None
    assert r.solver == sat.DEFAULT_SOLVER and r.check.engines and all(r.check.engines.values())
    assert check_drup(f.nv, f.clauses, r.proof).ok  # the same verdict as the checker alone


def test_refute_of_a_satisfiable_formula_gives_its_model_and_no_check():
    from verify.solve.outcome import Outcome
    from verify.solve.refutation import refute

    r = refute(3, [[1, 2], [-1], [3]], "glucose4")
    assert r.outcome is Outcome.SAT and r.model == [-1, 2, 3] and r.check is None and not r.checked


def test_refute_at_the_time_limit_is_unknown_never_refuted():
    from verify.solve.outcome import Outcome
    from verify.solve.refutation import refute

    f = PHP(11)
    r = refute(f.nv, f.clauses, time_limit=0.5)
    assert r.outcome is Outcome.UNKNOWN and not r.checked and "time limit" in r.reason
    assert_no_children()


def test_a_rejected_proof_is_not_a_refutation(monkeypatch):
    from verify.solve import refutation
    from verify.solve.outcome import Outcome

    claimed = SatRun(Outcome.UNSAT, None, ["0"], 0.0, "cadical195")  # "refuted" a satisfiable formula
    monkeypatch.setattr(refutation, "run_sat", lambda *a, **kw: claimed)
    r = refutation.refute(2, [[1, 2]])
    assert r.outcome is Outcome.UNSAT and r.check is not None and not r.checked
    assert "rejected" in r.check.message
