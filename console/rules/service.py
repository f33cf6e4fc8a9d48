"""The Mediator: the one facade screens and the CLI use for scorecards, facts and proposals."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from db.models import Commitment, CommitmentSource, Dispute, Requisition, Team
from db.store import Store

from console import config
from console.rules.facts import (
    ALL_FACTS,
    FOLLOW_THROUGH_WINDOW_DAYS,
    SPEC_FIELDS,
    Estimate,
    dispute_facts_base,
    empty_requisition_facts,
    estimate_from,
    follow_through_pct,
    history_facts,
    is_exclusive,
    scorecard_facts,
    summarise_pipeline,
)
from console.rules.pack import SIDES, Pack, PackError, load_pack
from console.rules.proposals import Consideration, Proposal, TrackRecord, consider_all
from console.rules.scorecard import Scorecard, Scorer

__all__ = ["Mediator", "FactLine", "UnknownRecord", "PackError", "NoOwner"]

# What a requisition's fact panel shows, in order.
REQUISITION_FACT_LINES = (
    "grade", "score", "days_open", "promised_date", "business_days_to_promise", "estimate_days", "estimate_source",
    "salary_max", "market_salary", "salary_gap_pct", "engagement", "fee_pct", "competing_agencies",
    "intake_done", "hiring_manager_access", "submittals", "days_since_last_submittal",
    "client_feedback_delay_hours", "days_since_update", "spec_changes", "open_disputes",
)
DISPUTE_FACT_LINES = ("category", "severity", "dispute_age_days", "raised_by_side")
TRACK_FACT_LINES = ("sales_follow_through_pct", "recruiting_follow_through_pct")


class UnknownRecord(LookupError):
    """A requisition or dispute id that does not exist."""


class NoOwner(ValueError):
    """A proposal's commitment cannot be given an owner (e.g. the dispute has no recruiter)."""


class FactLine(NamedTuple):
    """One fact ready to display: its label, its value as text, and the fact's name."""

    label: str
    value: str
    fact: str


class Mediator:
    """Rules in force (shipped pack + the lead's pack + extras) applied to the Store's records.

    `today` fixes the clock for due dates and ages (tests, reports); otherwise the Store's clock.
    Loading raises PackError when a pack is invalid.
    """

    def __init__(
        self,
        store: Store,
        extra_packs: Sequence[str | Path] | None = None,
        today: dt.date | None = None,
        *,
        include_user_pack: bool = True,
    ) -> None:
        self.store = store
        packs: list[str | Path] = []
        user_pack = config.user_rules_path()
        if include_user_pack and user_pack.exists():
            packs.append(user_pack)
        packs.extend(extra_packs or [])
        self.pack: Pack = load_pack(packs)
        self.scorer = Scorer(self.pack)
        now = store.now()
        self.today = today or now.date()
        self.now = dt.datetime.combine(self.today, now.time()) if today else now
        self._durations: dict[tuple[str | None, str], list[float]] | None = None
        self._outcomes: dict[tuple[str, bool | None], tuple[int, int]] | None = None

    def reload_history(self) -> None:
        """Forget cached team history (time to fill, fill rates) after the data changed a lot."""
        self._durations = None
        self._outcomes = None

    # -- requisitions -----------------------------------------------------------------------------

    def _requisition(self, requisition_id: int) -> Requisition:
        req = self.store.get_requisition(requisition_id)
        if req is None:
            raise UnknownRecord(f"Requisition {requisition_id} does not exist")
        return req

    def estimate(self, grade: str | None, engagement: str) -> Estimate:
        """Median days to fill of filled requisitions with this grade and engagement, or the default."""
        if self._durations is None:
            grouped: dict[tuple[str | None, str], list[float]] = defaultdict(list)
            for row_grade, row_engagement, days in self.store.filled_durations():
                grouped[(row_grade, row_engagement)].append(days)
            self._durations = dict(grouped)
        return estimate_from(self._durations.get((grade, engagement), []), grade, engagement,
                             self.pack.constant("default_time_to_fill_days"), int(self.pack.constant("min_history")))

    def scorecard(self, req: Requisition) -> Scorecard:
        """The scorecard with its realistic time-to-fill estimate."""
        card = self.scorer.score(req)
        return card.with_estimate(self.estimate(card.grade, req.engagement.value))

    def scorecard_for(self, requisition_id: int) -> Scorecard:
        return self.scorecard(self._requisition(requisition_id))

    def _standard_fee(self) -> float:
        return float(self.pack.constants.get("standard_fee_pct", 20.0))

    def _fill_rates_for(self, req: Requisition) -> dict[str, float | None]:
        """Fill rates of closed requisitions by terms: the objective criterion of fee disputes."""
        if self._outcomes is None:
            self._outcomes = {(engagement, at_standard): (filled, closed)
                              for engagement, at_standard, filled, closed in
                              self.store.closed_outcomes(self._standard_fee())}
        outcomes = self._outcomes

        def rate(match: Any) -> float | None:
            chosen = [counts for key, counts in outcomes.items() if match(*key)]
            closed = sum(c for _f, c in chosen)
            return sum(f for f, _c in chosen) * 100.0 / closed if closed else None

        at_standard = None if req.fee_pct is None else req.fee_pct >= self._standard_fee()
        engagement = req.engagement.value
        return {
            "fill_rate_same_terms_pct": rate(lambda e, s: e == engagement and s == at_standard),
            "fill_rate_exclusive_pct": rate(lambda e, s: is_exclusive(e)),
            "fill_rate_standard_fee_pct": rate(lambda e, s: s is True),
            "fill_rate_discounted_pct": rate(lambda e, s: s is False),
        }

    def facts(self, req: Requisition) -> dict[str, Any]:
        """Every requisition fact (scorecard facts plus history), as conditions read them."""
        card = self.scorecard(req)
        assert card.estimate is not None
        pipeline = summarise_pipeline(self.store.list_pipeline_events(req.id), self.now) if req.id else \
            summarise_pipeline([], self.now)
        spec_changes = 0
        if req.id is not None:
            for event in self.store.timeline("requisition", req.id):
                if event.action == "update" and any(field in event.changes() for field in SPEC_FIELDS):
                    spec_changes += 1
        facts = scorecard_facts(req)
        facts.update(history_facts(req, self.now, card.estimate, pipeline, spec_changes, card.score, card.grade,
                                   self._fill_rates_for(req)))
        return facts

    def requisition_facts(self, requisition_id: int) -> list[FactLine]:
        """The facts that matter about a requisition, as label/value lines ready to display."""
        facts = self.facts(self._requisition(requisition_id))
        return _lines(facts, REQUISITION_FACT_LINES)

    # -- disputes ---------------------------------------------------------------------------------

    def _dispute(self, dispute_id: int) -> Dispute:
        dispute = self.store.get_dispute(dispute_id)
        if dispute is None:
            raise UnknownRecord(f"Dispute {dispute_id} does not exist")
        return dispute

    def sides(self, dispute: Dispute) -> dict[str, int | None]:
        """Who stands for sales and for recruiting in a dispute (falling back to the requisition's people)."""
        people = {pid: self.store.get_person(pid) for pid in (dispute.raised_by_id, dispute.counterpart_id)}
        sides: dict[str, int | None] = {"sales": None, "recruiting": None}
        for pid, person in people.items():
            if person is not None and person.team.value in sides and sides[person.team.value] is None:
                sides[person.team.value] = pid
        if dispute.requisition_id is not None and None in sides.values():
            req = self.store.get_requisition(dispute.requisition_id)
            if req is not None:
                sides["sales"] = sides["sales"] or req.sales_owner_id
                sides["recruiting"] = sides["recruiting"] or req.recruiter_id
        return sides

    def track_record(self, dispute: Dispute) -> TrackRecord:
        """Each side's follow-through over 90 days: the person's, else their team's, else unknown."""
        since = self.today - dt.timedelta(days=FOLLOW_THROUGH_WINDOW_DAYS)
        sides = self.sides(dispute)
        values: dict[str, tuple[float | None, str]] = {}
        for side, team in (("sales", Team.SALES), ("recruiting", Team.RECRUITING)):
            pid = sides[side]
            pct = None
            if pid is not None:
                pct = follow_through_pct(self.store.commitment_tally(since, self.today, owner_ids=[pid]))
            if pct is not None:
                values[side] = (pct, "person")
                continue
            pct = follow_through_pct(self.store.commitment_tally(since, self.today, team=team))
            values[side] = (pct, "team" if pct is not None else "none")
        return TrackRecord(values["sales"][0], values["recruiting"][0], values["sales"][1], values["recruiting"][1])

    def dispute_fact_values(self, dispute: Dispute) -> dict[str, Any]:
        """Every fact a proposal can read for this dispute."""
        sides = self.sides(dispute)
        names = {side: (self.store.get_person(pid).name if pid and self.store.get_person(pid) else None)
                 for side, pid in sides.items()}
        raiser = self.store.get_person(dispute.raised_by_id)
        facts = empty_requisition_facts()
        if dispute.requisition_id is not None:
            req = self.store.get_requisition(dispute.requisition_id)
            if req is not None:
                facts.update(self.facts(req))
        facts.update(dispute_facts_base(dispute, self.now, raiser.team if raiser else None,
                                        names["sales"], names["recruiting"]))
        since = self.now - dt.timedelta(days=FOLLOW_THROUGH_WINDOW_DAYS)
        facts["pair_disputes_90d"] = float(self.store.count_disputes_between(
            dispute.raised_by_id, dispute.counterpart_id, since, exclude_id=dispute.id))
        track = self.track_record(dispute)
        facts["sales_follow_through_pct"] = track.sales_pct
        facts["recruiting_follow_through_pct"] = track.recruiting_pct
        since_day = self.today - dt.timedelta(days=FOLLOW_THROUGH_WINDOW_DAYS)
        for side, team in (("sales", Team.SALES), ("recruiting", Team.RECRUITING)):
            facts[f"{side}_team_follow_through_pct"] = follow_through_pct(
                self.store.commitment_tally(since_day, self.today, team=team))
        return facts

    def dispute_facts(self, dispute_id: int) -> list[FactLine]:
        """The facts that matter for this dispute's category, as label/value lines ready to display."""
        dispute = self._dispute(dispute_id)
        facts = self.dispute_fact_values(dispute)
        category = self.pack.categories.get(dispute.category.value)
        names = list(DISPUTE_FACT_LINES)
        if dispute.requisition_id is not None and category is not None:
            names.extend(category.facts)
        names.extend(TRACK_FACT_LINES)
        return _lines(facts, names, self.pack)

    def explain_dispute(self, dispute_id: int) -> list[Consideration]:
        """Every proposal of the dispute's category, fired or not, and why (fired first, best first)."""
        dispute = self._dispute(dispute_id)
        facts = self.dispute_fact_values(dispute)
        return consider_all(self.pack, dispute.category.value, facts, self.track_record(dispute), self.today)

    def proposals(self, dispute: Dispute) -> list[Proposal]:
        facts = self.dispute_fact_values(dispute)
        considered = consider_all(self.pack, dispute.category.value, facts, self.track_record(dispute), self.today)
        return [c.proposal for c in considered if c.proposal is not None]

    def proposals_for(self, dispute_id: int) -> list[Proposal]:
        """The proposals that fire for this dispute, best first."""
        return self.proposals(self._dispute(dispute_id))

    def commitments_for(self, proposal: Proposal, dispute: Dispute) -> list[Commitment]:
        """The proposal's commitments as records for the dispute's people, ready for `Store.resolve_dispute`."""
        sides = self.sides(dispute)
        result = []
        for planned in proposal.commitments:
            if planned.owner in SIDES:
                owner_id = sides[planned.owner]
                if owner_id is None:
                    raise NoOwner(f"Nobody stands for {planned.owner} in {dispute.code or 'this dispute'}, "
                                  f"so \"{planned.text}\" has no owner")
            else:
                person = self.store.person_by_name(planned.owner)
                if person is None:
                    raise NoOwner(f"The proposal {proposal.id} names {planned.owner}, who is not in the team")
                owner_id = person.id
            result.append(Commitment(
                owner_id=owner_id, text=planned.text[:1000], due=planned.due, source=CommitmentSource.DISPUTE,
                dispute_id=dispute.id, requisition_id=dispute.requisition_id,
            ))
        return result


def _lines(facts: dict[str, Any], names: Sequence[str], pack: Pack | None = None) -> list[FactLine]:
    lines = []
    seen = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        spec = ALL_FACTS.get(name)
        if spec is not None:
            lines.append(FactLine(spec.label, spec.display(facts.get(name)), name))
        elif pack is not None and name in pack.constants:
            lines.append(FactLine(name.replace("_", " ").capitalize(), str(pack.constants[name]), name))
    return lines
