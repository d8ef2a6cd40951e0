"""Evidence-graded statuses and the answer record every method returns.

A status says what backs an answer, not only the answer (DESIGN.md). Nothing is ever upgraded
without its evidence, and a timeout or a refusal is ``unknown``, never "no".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    """What an answer rests on.

    - ``sat-verified``: a witness (subset, mask) was replayed in exact integer arithmetic.
    - ``unsat-proof-checked``: a SAT solver's DRUP/DRAT proof passed an independent checker.
    - ``unsat-exhaustive``: an exact exhaustive method (reachable-sum table, meet-in-the-middle,
      a range or gcd argument, full enumeration) found no solution.
    - ``unsat-claimed``: a solver said "infeasible" with no checkable evidence.
    - ``unknown``: a limit was hit, or no method could decide.
    """

    SAT_VERIFIED = "sat-verified"
    UNSAT_PROOF_CHECKED = "unsat-proof-checked"
    UNSAT_EXHAUSTIVE = "unsat-exhaustive"
    UNSAT_CLAIMED = "unsat-claimed"
    UNKNOWN = "unknown"

    @property
    def is_sat(self) -> bool:
        return self is Status.SAT_VERIFIED

    @property
    def is_unsat(self) -> bool:
        return self in (Status.UNSAT_PROOF_CHECKED, Status.UNSAT_EXHAUSTIVE, Status.UNSAT_CLAIMED)

    @property
    def is_certified(self) -> bool:
        """True when the answer carries evidence a third party can re-check."""
        return self in (Status.SAT_VERIFIED, Status.UNSAT_PROOF_CHECKED, Status.UNSAT_EXHAUSTIVE)


@dataclass(frozen=True)
class Answer:
    """The answer for one target.

    ``witness`` holds sorted 0-based indices of the chosen weights (for ``sat-verified`` only).
    ``method`` names the procedure that decided (``dp-bitset``, ``mitm``, ``dp-vector``,
    ``mitm-vector``, ``range``, ``gcd``, ``size-range``); ``evidence`` is one human sentence saying why the status holds.
    ``optimal`` is set for the "fewest elements" objective: True when the exhaustive method
    proved that no smaller subset reaches the target.
    """

    target: int | tuple[int, ...]
    status: Status
    method: str
    evidence: str
    witness: tuple[int, ...] | None = None
    optimal: bool | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        out = {
            "target": list(self.target) if isinstance(self.target, tuple) else self.target,
            "status": self.status.value,
            "method": self.method,
            "evidence": self.evidence,
            "witness": list(self.witness) if self.witness is not None else None,
        }
        if self.optimal is not None:
            out["optimal"] = self.optimal
        out.update(self.extra)
        return out
