"""The memory budget: methods estimate what they need and refuse up front, instead of thrashing.

The default is 4 GiB (the machine this was written on has 24 GiB and two cores, and a sweep runs
one task per core). Override with ``--memory-budget`` on the CLI or the environment variable
``SLTH_VERIFY_MEMORY_BUDGET`` (``512M``, ``8G``, or plain bytes).
"""

from __future__ import annotations

import os
import re

from verify.errors import BudgetExceeded, InputError

DEFAULT_BUDGET = 4 * 2**30
ENV_VAR = "SLTH_VERIFY_MEMORY_BUDGET"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str | int) -> int:
    """Parse ``4G``, ``512M``, ``1.5G`` or a plain byte count into bytes.

    >>> parse_size("512M"), parse_size("2G"), parse_size(1000)
    (536870912, 2147483648, 1000)
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
        if not m:
            raise InputError(f"memory budget: expected a size like 512M or 4G, got {text!r}")
        value = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    if value <= 0:
        raise InputError(f"memory budget: expected a positive size, got {text!r}")
    return value


def resolve_budget(budget: int | str | None = None) -> int:
    """The budget in bytes: the argument if given, else the environment variable, else 4 GiB."""
    if budget is not None:
        return parse_size(budget)
    env = os.environ.get(ENV_VAR)
    if env:
        return parse_size(env)
    return DEFAULT_BUDGET


def human_bytes(n: int) -> str:
    """``1536 -> '1.5 KiB'``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def require(needed: int, budget: int | str | None, what: str, alternative: str) -> None:
    """Raise ``BudgetExceeded`` when ``needed`` bytes exceed the budget; allocate nothing."""
    limit = resolve_budget(budget)
    if needed > limit:
        raise BudgetExceeded(f"{what} needs {human_bytes(needed)}, over the memory budget of "
                             f"{human_bytes(limit)}; {alternative}")
