"""Time limits: the one check every command-line option, spec field and solver run applies.

A time limit is a number of seconds of wall time, or None for no limit. It is at most
``MAX_TIME_LIMIT``: the child processes solvers run in are waited for with ``poll``, whose
timeout in milliseconds is a C int, so a limit from about 2.1·10^6 s up raised OverflowError
inside a run (measured: 10^6 s waits, 10^9 s overflows).
"""

from __future__ import annotations

from verify.errors import InputError

MAX_TIME_LIMIT = 10**6  # seconds (11.6 days)


def check_time_limit(value, field: str = "time_limit", *, zero_ok: bool = False,
                     none_ok: bool = True) -> float | None:
    """``value`` as a float number of seconds, or None (no limit); else an ``InputError`` whose
    message names ``field`` (``"--time-limit"``, ``"spec.toml: time_limit"``).

    Accepted: an int or float in (0, 10^6], or [0, 10^6] with ``zero_ok`` (what is left of a
    larger limit: a CP-SAT run given 0 s returns at once, ``unknown`` unless presolve decided);
    None unless ``none_ok`` is False (where a limit is required).

    >>> check_time_limit(30), check_time_limit(None)
    (30.0, None)
    >>> check_time_limit(-1, "--time-limit")
    Traceback (most recent call last):
    ...
    verify.errors.InputError: --time-limit: expected a positive number of seconds, at most 10^6, got -1
    """
    if value is None and none_ok:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    # comparisons, not math.isfinite: NaN fails them all, and an int beyond float's range is fine
    if not (number and (value >= 0 if zero_ok else value > 0) and value <= MAX_TIME_LIMIT):
        expected = "a number of seconds >= 0" if zero_ok else "a positive number of seconds"
        raise InputError(f"{field}: expected {expected}, at most 10^6, got {value!r}")
    return float(value)
