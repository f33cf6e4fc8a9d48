"""Each proposal rule's own record in this team: of the times a dispute was resolved by accepting it, how
many of the commitments it created were kept. The ranking reads it with a neutral prior, so a rule with
little history ranks on its evidence alone and a rule whose commitments keep being missed sinks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RuleRecord:
    """accepted: disputes resolved by accepting the rule; kept / missed: their commitments decided so far."""

    accepted: int = 0
    kept: int = 0
    missed: int = 0

    @property
    def decided(self) -> int:
        return self.kept + self.missed

    @property
    def kept_pct(self) -> float | None:
        return self.kept * 100.0 / self.decided if self.decided else None

    def sentence(self) -> str:
        """ "accepted 6 times here; 83 % of its commitments kept (10 of 12)" """
        if not self.accepted:
            return "not accepted here yet"
        times = "once" if self.accepted == 1 else f"{self.accepted} times"
        if not self.decided:
            return f"accepted {times} here; none of its commitments decided yet"
        return f"accepted {times} here; {self.kept_pct:.0f} % of its commitments kept ({self.kept} of {self.decided})"

    def as_dict(self) -> dict[str, Any]:
        pct = self.kept_pct
        return {
            "accepted": self.accepted,
            "kept": self.kept,
            "missed": self.missed,
            "kept_pct": None if pct is None else round(pct, 1),
            "sentence": self.sentence(),
        }


NO_RECORD = RuleRecord()


def learned_adjustment(record: RuleRecord, neutral_pct: float, prior_n: float, weight: float) -> tuple[float, float]:
    """The rule's kept rate shrunk toward the neutral rate by `prior_n` imaginary commitments (a beta prior),
    and what it adds to the rank: weight × (that rate − the neutral rate). No history adds nothing; ten kept
    of ten with a prior of 4 at 80 % neutral is 94 %, +0.14 × weight; none of ten is 23 %, −0.57 × weight."""
    neutral = neutral_pct / 100
    rate = (record.kept + prior_n * neutral) / (record.decided + prior_n) if record.decided + prior_n else neutral
    return rate * 100, weight * (rate - neutral)
