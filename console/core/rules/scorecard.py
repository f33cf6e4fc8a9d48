"""The fillability scorecard: criteria scored 0/1/2 from a requisition's facts, a grade A/B/C and gates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mediation_console.console.core.rules.conditions import FAILURES, Template
from mediation_console.console.core.rules.facts import Estimate, scorecard_facts
from mediation_console.console.core.rules.pack import Pack
from mediation_console.db.models import Requisition

GRADE_ORDER = {"A": 0, "B": 1, "C": 2}


class Reason:
    """One criterion's verdict.

    criterion: the criterion id; title: its name; weight: its share of 100; score: 0, 1 or 2;
    points: weight × score ÷ 2; sentence: why, with the requisition's real numbers.

    The sentence is written the first time it is read: refreshing 100,000 grades needs only the
    points, while every screen and export that shows a reason reads it.
    """

    __slots__ = ("criterion", "title", "weight", "score", "points", "_template", "_facts", "_sentence")

    def __init__(
        self,
        criterion: str,
        title: str,
        weight: int,
        score: int,
        points: float,
        template: Template,
        facts: Mapping[str, Any],
    ) -> None:
        self.criterion = criterion
        self.title = title
        self.weight = weight
        self.score = score
        self.points = points
        self._template = template
        self._facts = facts
        self._sentence: str | None = None

    @property
    def sentence(self) -> str:
        if self._sentence is None:
            self._sentence = self._template.render(self._facts)
        return self._sentence

    @property
    def full_marks(self) -> bool:
        return self.score == 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "title": self.title,
            "weight": self.weight,
            "score": self.score,
            "points": self.points,
            "sentence": self.sentence,
        }

    def __repr__(self) -> str:
        return f"Reason({self.criterion!r}, {self.points:g} points: {self.sentence!r})"


@dataclass(frozen=True, slots=True)
class GateResult:
    """A gate that capped (or would cap) the grade: gate id, title, the cap and the sentence."""

    gate: str
    title: str
    cap: str
    sentence: str


class Scorecard:
    """A requisition's fillability.

    requisition_id / code: which requisition; score: 0–100 (rounded sum of points); grade: A/B/C
    after gates; score_grade: the grade the score alone would give; reasons: every criterion in pack
    order (built on first read: a refresh of 100,000 grades never needs them); gates: the gates that
    apply; estimate: the realistic time to fill, when the caller had the history for it.
    """

    __slots__ = (
        "requisition_id",
        "code",
        "score",
        "grade",
        "score_grade",
        "gates",
        "estimate",
        "bands",
        "_chosen",
        "_facts",
        "_reasons",
    )

    def __init__(
        self,
        requisition_id: int | None,
        code: str | None,
        score: int,
        grade: str,
        score_grade: str,
        chosen: tuple,
        facts: Mapping[str, Any],
        gates: tuple[GateResult, ...],
        estimate: Estimate | None = None,
        bands: tuple[int, int] | None = None,
    ) -> None:
        self.requisition_id = requisition_id
        self.code = code
        self.score = score
        self.grade = grade
        self.score_grade = score_grade
        self.gates = gates
        self.estimate = estimate
        self.bands = bands  # the lowest scores of grades A and B in the pack that scored it
        self._chosen = chosen  # per criterion: (id, title, weight, level score, reason template)
        self._facts = facts
        self._reasons: tuple[Reason, ...] | None = None

    @property
    def reasons(self) -> tuple[Reason, ...]:
        if self._reasons is None:
            self._reasons = tuple(
                Reason(criterion_id, title, weight, level_score, weight * level_score / 2, template, self._facts)
                for criterion_id, title, weight, level_score, template in self._chosen
            )
        return self._reasons

    @property
    def capped(self) -> bool:
        return self.grade != self.score_grade

    def with_estimate(self, estimate: Estimate) -> Scorecard:
        return Scorecard(
            self.requisition_id,
            self.code,
            self.score,
            self.grade,
            self.score_grade,
            self._chosen,
            self._facts,
            self.gates,
            estimate,
            self.bands,
        )

    def summary(self) -> str:
        gate = f", capped at {self.grade} ({self.gates[0].title.lower()})" if self.capped else ""
        return f"Grade {self.grade}: {self.score}/100{gate}"

    @property
    def binding_gate(self) -> GateResult | None:
        """The gate that set the grade (the lowest cap among those that apply), when one capped it."""
        if not self.capped:
            return None
        return next((g for g in self.gates if g.cap == self.grade), None)

    def band_text(self) -> str:
        """Which scores make the grade the score alone gives, e.g. "B is 45–69"."""
        if self.bands is None:
            return ""
        a, b = self.bands
        return {"A": f"A is {a} or more", "B": f"B is {b}–{a - 1}", "C": f"C is under {b}"}[self.score_grade]

    def headline(self) -> str:
        """The score and the grade, never one without what explains the other: the score's band, or the
        cap that overrides it and why ("Score 80 · grade C, capped from A: No intake call has been held…")."""
        gate = self.binding_gate
        if gate is not None:
            return f"Score {self.score} · grade {self.grade}, capped from {self.score_grade}: {gate.sentence}"
        band = self.band_text()
        return f"Score {self.score} · grade {self.grade}" + (f" ({band})" if band else "")

    def cap_note(self) -> str:
        """A short note of the cap for a tight space ("capped from A: no intake call"), "" when none."""
        gate = self.binding_gate
        return "" if gate is None else f"capped from {self.score_grade}: {gate.title.lower()}"

    def __repr__(self) -> str:
        return f"Scorecard({self.code!r}, {self.score}, {self.grade!r})"


class Scorer:
    """Scores requisitions with a pack's criteria; built once per pack (criteria flattened for speed)."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        # Flattened for the hot loop: (id, title, weight, ((score, compiled test or None, reason), ...)).
        self._criteria = tuple(
            (
                c.id,
                c.title,
                c.weight,
                tuple((lvl.score, None if lvl.when is None else lvl.when._run, lvl.reason) for lvl in c.levels),
            )
            for c in pack.criteria
        )
        self._safe_criteria = tuple(
            (c.id, c.title, c.weight, tuple((lvl.score, lvl.when, lvl.reason) for lvl in c.levels))
            for c in pack.criteria
        )
        self._gates = tuple((g.id, g.title, g.when, g.cap, g.reason) for g in pack.gates)
        self._a, self._b = pack.grade_a, pack.grade_b
        # The facts a grade can depend on: the conditions of every level and gate (their reasons only word it).
        self.reads: frozenset[str] = frozenset().union(
            *(lvl.when.symbols for c in pack.criteria for lvl in c.levels if lvl.when is not None),
            *(g.when.symbols for g in pack.gates),
        )

    def facts(self, req: Requisition) -> dict[str, Any]:
        return scorecard_facts(req)

    def grade_for(self, score: float) -> str:
        return "A" if score >= self._a else "B" if score >= self._b else "C"

    def score(self, req: Requisition, facts: Mapping[str, Any] | None = None) -> Scorecard:
        """The scorecard of `req`; `facts` may carry a richer fact set (it must include the scorecard facts)."""
        f = facts if facts is not None else scorecard_facts(req)
        chosen = []
        total: float = 0
        try:
            for criterion_id, title, weight, levels in self._criteria:
                for level in levels:
                    if level[1] is None or level[1](f):
                        break
                total += weight * level[0]
                chosen.append((criterion_id, title, weight, level[0], level[2]))
        except FAILURES:
            # A condition met a missing value (only a lead's own pack can get here: the shipped one
            # guards every nullable fact); redo this card the careful way, where that means "no".
            chosen, total = [], 0
            for criterion_id, title, weight, safe_levels in self._safe_criteria:
                # The first level whose condition holds; the last one when none does.
                level_score, _, template = next(
                    (level for level in safe_levels if level[1] is None or level[1](f)), safe_levels[-1]
                )
                total += weight * level_score
                chosen.append((criterion_id, title, weight, level_score, template))
        total = total / 2
        score = int(total + 0.5)  # half up: 62.5 points read as 63, not banker's 62
        score_grade = grade = self.grade_for(score)
        gates = []
        for gate_id, title, when, cap, template in self._gates:
            if when(f):
                gates.append(GateResult(gate_id, title, cap, template.render(f)))
                if GRADE_ORDER[cap] > GRADE_ORDER[grade]:
                    grade = cap
        return Scorecard(
            req.id, req.code, score, grade, score_grade, tuple(chosen), f, tuple(gates), bands=(self._a, self._b)
        )
