"""The diagnosis: which dispute categories the evidence supports, scored from the facts of the
requisition and people and from the words of the summary and both interests (the pack's
[categories.*] `evidence` and `phrases`). The category the lead picked is a prior, not a filter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mediation_console.console.core.rules.pack import CATEGORIES, Pack
from mediation_console.console.core.rules.words import match_phrases
from mediation_console.db.models import CATEGORY_LABELS, DisputeCategory

UNSURE = DisputeCategory.UNSURE.value


@dataclass(frozen=True, slots=True)
class Evidence:
    """One line of evidence for a category: what it says, its weight, and where it comes from
    ("facts" with the fact's numbers, or "summary" / "sales interest" / "recruiting interest")."""

    text: str
    weight: float
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": self.weight, "source": self.source}


@dataclass(frozen=True, slots=True)
class CategoryScore:
    category: str
    label: str
    facts_score: float
    words_score: float
    prior: float
    evidence: tuple[Evidence, ...]
    supported: bool

    @property
    def evidence_score(self) -> float:
        return self.facts_score + self.words_score

    @property
    def score(self) -> float:
        return self.evidence_score + self.prior

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "label": self.label,
            "score": round(self.score, 2),
            "facts_score": round(self.facts_score, 2),
            "words_score": round(self.words_score, 2),
            "prior": self.prior,
            "supported": self.supported,
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Every category scored, best first; `chosen` is what the lead logged ("unsure" for not sure)."""

    chosen: str
    scores: tuple[CategoryScore, ...]
    threshold: float

    @property
    def supported(self) -> tuple[CategoryScore, ...]:
        return tuple(s for s in self.scores if s.supported)

    def score_of(self, category: str) -> CategoryScore | None:
        return next((s for s in self.scores if s.category == category), None)

    @property
    def suggested(self) -> str | None:
        """The category the evidence points to most, or None when it points nowhere."""
        return self.supported[0].category if self.supported else None

    @property
    def chosen_supported(self) -> bool:
        found = self.score_of(self.chosen)
        return found is not None and found.supported

    @property
    def points_elsewhere(self) -> bool:
        """The lead picked a category the evidence does not support while it supports another."""
        return self.chosen != UNSURE and not self.chosen_supported and bool(self.supported)

    @property
    def ranked_categories(self) -> tuple[str, ...]:
        """The categories proposals come from: every supported one, and the lead's pick (a prior)."""
        chosen = () if self.chosen == UNSURE or self.chosen_supported else (self.chosen,)
        return tuple(s.category for s in self.supported) + chosen

    def note(self) -> str:
        """One sentence for the lead: what the facts point to, and whether that is the category logged."""
        if not self.supported:
            return "The evidence supports no category yet: record the facts (events, salary, dates) or pick one."
        top = ", ".join(f"{s.label.lower()} ({s.score:g})" for s in self.supported[:3])
        if self.chosen == UNSURE:
            return f"Logged as not sure; the evidence points to {top}."
        if self.points_elsewhere:
            label = CATEGORY_LABELS[DisputeCategory(self.chosen)].lower()
            return f"The facts point elsewhere: logged as {label}, but the evidence points to {top}."
        return f"The evidence supports {top}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen,
            "chosen_supported": self.chosen_supported,
            "points_elsewhere": self.points_elsewhere,
            "suggested": self.suggested,
            "threshold": self.threshold,
            "note": self.note(),
            "categories": [s.as_dict() for s in self.scores],
        }


def diagnose(
    pack: Pack,
    facts: Mapping[str, Any],
    chosen: str,
    summary: str = "",
    sales_interest: str = "",
    recruiting_interest: str = "",
) -> Diagnosis:
    """Scores every category: the weights of its evidence patterns that hold plus its phrases found in the
    dispute's words (each phrase once, the words capped at `words_cap`), plus `prior_weight` for the
    category the lead logged. A category is supported when its evidence alone reaches `diagnosis_threshold`."""
    threshold = pack.constant("diagnosis_threshold")
    phrase_weight = pack.constant("phrase_weight")
    words_cap = pack.constant("words_cap")
    prior_weight = pack.constant("prior_weight")
    texts = [("summary", summary), ("sales interest", sales_interest), ("recruiting interest", recruiting_interest)]
    scores = []
    for name in CATEGORIES:
        category = pack.categories.get(name)
        if category is None:
            continue
        evidence: list[Evidence] = []
        facts_score = 0.0
        for signal in category.evidence:
            if signal.when(facts):
                facts_score += signal.weight
                evidence.append(Evidence(signal.why.render(facts), signal.weight, "facts"))
        words_score = 0.0
        for match in match_phrases(category.phrases, texts):
            weight = min(phrase_weight, max(0.0, words_cap - words_score))
            words_score += weight
            evidence.append(Evidence(f'{match.where} says "{match.quote}"', weight, match.where))
        prior = prior_weight if name == chosen else 0.0
        supported = facts_score + words_score >= threshold and facts_score >= 0
        label = CATEGORY_LABELS[DisputeCategory(name)]
        scores.append(CategoryScore(name, label, facts_score, words_score, prior, tuple(evidence), supported))
    scores.sort(key=lambda s: (-s.score, -s.evidence_score, s.category))
    return Diagnosis(chosen, tuple(scores), threshold)
