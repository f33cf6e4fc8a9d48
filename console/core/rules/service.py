"""The Mediator: the one facade screens and the CLI use for scorecards, facts and proposals."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import threading
import weakref
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from mediation_console.console.core import config
from mediation_console.console.core.calendar import BusinessCalendar, user_calendar
from mediation_console.console.core.follow_through import rate_of, tallies_by_owner
from mediation_console.console.core.parties import and_list, party_lines
from mediation_console.console.core.rules.diagnosis import Diagnosis, diagnose
from mediation_console.console.core.rules.facts import (
    ALL_FACTS,
    SPEC_FIELDS,
    Estimate,
    dispute_facts_base,
    empty_requisition_facts,
    estimate_by_steps,
    event_evidence,
    history_facts,
    is_exclusive,
    scorecard_facts,
    summarise_pipeline,
    wording_facts,
)
from mediation_console.console.core.rules.fallback import (
    OUTSIDE_IN_DOUBT,
    CostedFallback,
    costed_fallback,
    outside_in_doubt,
)
from mediation_console.console.core.rules.interests import INTERESTS
from mediation_console.console.core.rules.pack import SIDES, Pack, PackError, load_pack, shipped_pack_path
from mediation_console.console.core.rules.proposals import (
    PARTIES_BY_SIDE,
    Consideration,
    Proposal,
    TrackRecord,
    consider_dispute,
)
from mediation_console.console.core.rules.record import RuleRecord
from mediation_console.console.core.rules.scorecard import GRADE_ORDER, Scorecard, Scorer
from mediation_console.console.core.rules.team_facts import no_team_facts, team_requisition_facts
from mediation_console.console.core.track_record import DISPUTE_WINDOW_DAYS
from mediation_console.db.models import (
    Commitment,
    CommitmentSource,
    CreditRole,
    Dispute,
    Engagement,
    Person,
    PlacementCredit,
    Requisition,
    Team,
)
from mediation_console.db.store import Store

__all__ = ["Mediator", "FactLine", "UnknownRecord", "PackError", "NoOwner"]

# What a requisition's fact panel shows, in order.
REQUISITION_FACT_LINES = (
    "grade",
    "score",
    "days_open",
    "promised_date",
    "business_days_to_promise",
    "estimate_days",
    "estimate_source",
    "salary_max",
    "market_salary",
    "salary_gap_pct",
    "engagement",
    "fee_pct",
    "competing_agencies",
    "intake_done",
    "hiring_manager_access",
    "submittals",
    "days_since_last_submittal",
    "client_feedback_delay_hours",
    "days_since_update",
    "spec_changes",
    "open_disputes",
)
DISPUTE_FACT_LINES = ("category", "severity", "dispute_age_days", "raised_by_side")
TRACK_FACT_LINES = ("sales_follow_through_pct", "recruiting_follow_through_pct")
TEAM_FACT_LINES = (
    "sales_team_decided",
    "recruiting_team_decided",
    "team_time_to_fill_days",
    "team_fills",
    "team_disputes_90d",
)


class UnknownRecord(LookupError):
    """A requisition or dispute id that does not exist."""


class NoOwner(ValueError):
    """A proposal's commitment cannot be given an owner (e.g. the dispute has no recruiter)."""


class FactLine(NamedTuple):
    """One fact ready to display: its label, its value as text, and the fact's name."""

    label: str
    value: str
    fact: str


class _History:
    """One part of the team's history the rules read for every requisition and dispute, worked out
    once per change of the tables it comes from (HISTORY_PARTS): "fills" (time to fill by grade and
    engagement, fill rates by terms) or "follow_through" (everyone's commitment tallies over the
    follow-through window). Its fields are read from the Store on first use."""

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.durations: dict[tuple[str | None, str], list[float]] | None = None
        self.by_grade: dict[str | None, list[float]] = {}
        self.all_durations: list[float] = []
        self.workload: dict[int, int] | None = None
        # Medians already taken, by (grade, engagement, default days, minimum sample): a median sorts
        # thousands of durations, and every proposal and scorecard asks for one.
        self.estimates: dict[tuple[str | None, str, float, int], Estimate] = {}
        self.outcomes: dict[tuple[str, bool | None], tuple[int, int]] | None = None
        self.tallies: dict[int, dict[str, int]] | None = None
        self.team_tallies: dict[str, dict[str, int]] | None = None
        self.team_fills: dict[str, Any] | None = None
        # The teams' open requisitions counted (team_facts.py), by the pack's pay gate.
        self.team_requisitions: dict[float, dict[str, Any]] = {}


# What each part of the history is worked out from: a write to one of its tables, by anyone, changes its
# key; a commitment kept in the meeting re-reads the follow-through, not every filled requisition.
HISTORY_PARTS: dict[str, tuple[str, ...]] = {
    "fills": ("requisitions",),
    "follow_through": ("commitments", "people"),
}

# Mediators made for one job (the agenda, the notes, a CLI command) on a Store that is already open
# share its history instead of reading the whole database again.
_SHARED_HISTORY: weakref.WeakKeyDictionary[Store, dict[str, _History]] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()

# Loaded packs by their files' identity: compiling the shipped pack costs ~30 ms, and every agenda,
# notes export and CLI command makes a Mediator. An edited file has a new mtime or size, so it reloads.
_PACKS: dict[tuple[tuple[str, int, int], ...], Pack] = {}


def _load_pack_cached(paths: Sequence[str | Path]) -> Pack:
    try:
        key = tuple(
            (str(path), stat.st_mtime_ns, stat.st_size)
            for path in (shipped_pack_path(), *(Path(p).expanduser() for p in paths))
            for stat in (os.stat(path),)
        )
    except OSError:
        return load_pack(paths)  # a missing or unreadable pack: load_pack says which, in words
    pack = _PACKS.get(key)
    if pack is None:
        pack = _PACKS[key] = load_pack(paths)
    return pack


class Mediator:
    """Rules in force (shipped pack + the lead's pack + extras) applied to the Store's records.

    `today` fixes the clock for due dates and ages (tests, reports); otherwise the Store's clock.
    Business days are counted on `calendar` (default: the one the lead's settings name).
    Loading raises PackError when a pack is invalid.
    """

    def __init__(
        self,
        store: Store,
        extra_packs: Sequence[str | Path] | None = None,
        today: dt.date | None = None,
        *,
        include_user_pack: bool = True,
        calendar: BusinessCalendar | None = None,
    ) -> None:
        self.store = store
        self.calendar = calendar or user_calendar()
        packs: list[str | Path] = []
        user_pack = config.user_rules_path()
        if include_user_pack and user_pack.exists():
            packs.append(user_pack)
        packs.extend(extra_packs or [])
        self.pack: Pack = _load_pack_cached(packs)
        self.scorer = Scorer(self.pack)
        now = store.now()
        self.today = today or now.date()
        self.now = dt.datetime.combine(self.today, now.time()) if today else now
        self._history_cache: dict[str, _History] = {}
        self._records: tuple[Any, dict[str, RuleRecord]] | None = None

    def rule_records(self) -> dict[str, RuleRecord]:
        """Each proposal rule's record here: disputes resolved by accepting it, their commitments kept and
        missed. Read again only after a commitment changed or a dispute was resolved."""
        key = self.store.table_versions("commitments", "disputes")
        if self._records is None or self._records[0] != key:
            found = {rule_id: RuleRecord(*counts) for rule_id, counts in self.store.rule_records().items()}
            self._records = (key, found)
        return self._records[1]

    def reload_history(self) -> None:
        """Forget the cached team history (time to fill, fill rates, follow-through) at once.

        Not needed after the Store's own writes or another process's commits (the cache follows the
        change counts of HISTORY_PARTS' tables); kept for callers that know the data changed."""
        self._history_cache = {}
        with _SHARED_LOCK:
            _SHARED_HISTORY.pop(self.store, None)

    def _history(self, part: str, reader: Store | None = None) -> _History:
        """A part of the history for the data as it is now: one query to check, the queries only after a
        change to what it is worked out from (a note typed into a standup item leaves it as it was).
        Checked on `reader` when the part is read there: the Store's own connection, asked from a worker,
        sees a save still open on it, which the reader does not (its rows would be kept under the key
        of the save)."""
        key = ((reader or self.store).table_versions(*HISTORY_PARTS[part]), self.today, self._standard_fee())
        history = self._history_cache.get(part)
        if history is not None and history.key == key:
            return history
        with _SHARED_LOCK:
            shared = _SHARED_HISTORY.setdefault(self.store, {})
            history = shared.get(part)
            if history is None or history.key != key:
                history = shared[part] = _History(key)
        self._history_cache[part] = history
        return history

    def _tallies(self, reader: Store | None = None) -> tuple[dict[int, dict[str, int]], dict[str, dict[str, int]]]:
        """Commitments kept and missed in the follow-through window (follow_through.py): per person and per team.
        Read on `reader` when given (a worker's own connection), else on the Store's."""
        history = self._history("follow_through", reader)
        if history.tallies is None or history.team_tallies is None:
            on = reader or self.store
            tallies = tallies_by_owner(on, self.today)
            people = on.people_by_id()
            teams: dict[str, dict[str, int]] = {}
            for owner_id, tally in tallies.items():
                person = people.get(owner_id)
                if person is None:
                    continue
                team = teams.setdefault(str(person.team), {})
                for status, n in tally.items():
                    team[status] = team.get(status, 0) + n
            history.tallies, history.team_tallies = tallies, teams
        return history.tallies, history.team_tallies

    # -- requisitions -----------------------------------------------------------------------------

    def _requisition(self, requisition_id: int) -> Requisition:
        req = self.store.get_requisition(requisition_id)
        if req is None:
            raise UnknownRecord(f"Requisition {requisition_id} does not exist")
        return req

    def warm_up(self) -> None:
        """Reads the team's fills now (~40 ms at 100,000 requisitions) and works out the estimate of every
        grade and engagement (a median of up to every fill: ~15 ms each at 1,000,000), so no scorecard
        asked for (a detail panel) waits for them. The console calls it in a worker once the queue shows."""
        self._fills()
        for grade in (*GRADE_ORDER, None):
            for engagement in Engagement:
                self.estimate(grade, engagement.value)

    def warm_up_disputes(self, reader: Store) -> None:
        """Works out what every dispute's facts read from the whole team's data: the follow-through
        tallies, each recruiter's open requisitions, the fill rates by terms, the team's fills and its
        open requisitions (~1.4 s at 1,000,000 requisitions, paid by the first dispute shown before). Reads
        on `reader` (a worker's own connection: the UI's queries never wait behind these statements), in
        one read transaction: the parts and the versions they are kept under come from one snapshot."""
        with reader.one_read():
            self._tallies(reader)
            self._workloads(reader)
            self._outcomes(reader)
            self._team_fill_facts()
            self._team_requisition_facts(reader)

    def _fills(self) -> _History:
        history = self._history("fills")
        if history.durations is None:
            grouped: dict[tuple[str | None, str], list[float]] = defaultdict(list)
            by_grade: dict[str | None, list[float]] = defaultdict(list)
            every: list[float] = []
            for row_grade, row_engagement, days in self.store.filled_durations():
                grouped[(row_grade, row_engagement)].append(days)
                by_grade[row_grade].append(days)
                every.append(days)
            history.durations, history.by_grade, history.all_durations = dict(grouped), dict(by_grade), every
        return history

    def estimate(self, grade: str | None, engagement: str) -> Estimate:
        """Median days to fill of filled requisitions with this grade and engagement, or the default."""
        history = self._fills()
        durations = history.durations or {}
        default_days, min_history = (
            self.pack.constant("default_time_to_fill_days"),
            int(self.pack.constant("min_history")),
        )
        key = (grade, engagement, default_days, min_history)
        found = history.estimates.get(key)
        if found is None:
            # Similar requisitions, then the same grade, then the whole team, then the published benchmark.
            steps = [
                ("similar", durations.get((grade, engagement), [])),
                ("grade", history.by_grade.get(grade, [])),
                ("team", history.all_durations),
            ]
            found = history.estimates[key] = estimate_by_steps(steps, grade, engagement, default_days, min_history)
        return found

    def scorecard(self, req: Requisition) -> Scorecard:
        """The scorecard with its realistic time-to-fill estimate."""
        card = self.scorer.score(req)
        return card.with_estimate(self.estimate(card.grade, req.engagement.value))

    def scorecard_for(self, requisition_id: int) -> Scorecard:
        return self.scorecard(self._requisition(requisition_id))

    def _standard_fee(self) -> float:
        return self.pack.constant("standard_fee_pct")

    def _fill_rates_for(self, req: Requisition) -> dict[str, float | None]:
        """Fill rates of closed requisitions by terms: the objective criterion of fee disputes."""
        outcomes = self._outcomes()

        at_standard = None if req.fee_pct is None else req.fee_pct >= self._standard_fee()
        engagement = req.engagement.value
        found: dict[str, float | None] = {}
        for name, match in (
            ("same_terms", lambda e, s: e == engagement and s == at_standard),
            ("exclusive", lambda e, s: is_exclusive(e)),
            ("standard_fee", lambda e, s: s is True),
            ("discounted", lambda e, s: s is False),
        ):
            chosen = [counts for key, counts in outcomes.items() if match(*key)]
            closed = sum(c for _f, c in chosen)
            found[f"fill_rate_{name}_pct"] = sum(f for f, _c in chosen) * 100.0 / closed if closed else None
            found[f"fill_rate_{name}_n"] = float(closed)
        return found

    def _outcomes(self, reader: Store | None = None) -> dict[tuple[str, bool | None], tuple[int, int]]:
        """{(engagement, fee at the standard): (filled, closed)} of the closed requisitions, kept with the fills."""
        history = self._history("fills", reader)
        if history.outcomes is None:
            history.outcomes = {
                (engagement, at_standard): (filled, closed)
                for engagement, at_standard, filled, closed in (reader or self.store).closed_outcomes(
                    self._standard_fee()
                )
            }
        return history.outcomes

    def facts(self, req: Requisition) -> dict[str, Any]:
        """Every requisition fact (scorecard facts plus history), as conditions read them."""
        card = self.scorecard(req)
        assert card.estimate is not None
        events = self.store.list_pipeline_events(req.id) if req.id else []
        # A wait still open when the requisition closed stopped counting then.
        until = min(self.now, req.closed_at) if req.closed_at is not None else self.now
        pipeline = summarise_pipeline(events, until)
        spec_changes = 0
        if req.id is not None:
            for event in self.store.timeline("requisition", req.id):
                if event.action == "update" and any(field in event.changes() for field in SPEC_FIELDS):
                    spec_changes += 1
        facts = scorecard_facts(req)
        facts.update(
            history_facts(
                req,
                self.now,
                card.estimate,
                pipeline,
                spec_changes,
                card.score,
                card.grade,
                self._fill_rates_for(req),
                self.calendar,
            )
        )
        evidence = event_evidence(req, events, self.now, card.grade, self.calendar, self._workload(req.recruiter_id))
        facts["spec_changes"] += evidence.pop("spec_change_events")
        facts.update(evidence)
        # Not a fact conditions read: what the grade's line shows beside it, so a fact list with
        # "score 80" and "grade C" says the grade was capped and by what.
        facts[GRADE_CAP_NOTE] = card.cap_note()
        return facts

    def _workload(self, recruiter_id: int | None) -> int | None:
        """Open requisitions assigned to the recruiter, counted from the data (cached with the fill history)."""
        if recruiter_id is None:
            return None
        return self._workloads().get(recruiter_id, 0)

    def _workloads(self, reader: Store | None = None) -> dict[int, int]:
        """{recruiter id: open requisitions assigned}, kept with the fill history."""
        history = self._history("fills", reader)
        if history.workload is None:
            history.workload = (reader or self.store).open_requisitions_by_recruiter()
        return history.workload

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
        return self._sides(dispute, self._parties(dispute))

    def _parties(self, dispute: Dispute) -> dict[int, Person | None]:
        """Everyone in the dispute: the two who stand for the sides first, then any further parties."""
        ids = dict.fromkeys((dispute.raised_by_id, dispute.counterpart_id, *dispute.parties))
        return {pid: self.store.get_person(pid) for pid in ids}

    def party_names_by_side(self, dispute: Dispute) -> dict[str, list[str]]:
        """The names of everyone in the dispute by the side they are on (a team-wide dispute names none:
        the two people only stand for their teams)."""
        return self._party_names_by_side(dispute, self._parties(dispute))

    def party_names(self, dispute: Dispute) -> list[dict[str, str]]:
        """Everyone in the dispute, in order (the raiser, the counterpart, then the further parties), with
        their team: [{"name": "Ben Carter", "team": "recruiting"}, ...]."""
        return [
            {"name": person.name, "team": person.team.value}
            for person in self._parties(dispute).values()
            if person is not None
        ]

    def party_lines(self, dispute: Dispute) -> list[str]:
        """Who is in the dispute, in words (see `party_lines`)."""
        return party_lines(dispute, self._parties(dispute))

    @staticmethod
    def _party_names_by_side(dispute: Dispute, parties: dict[int, Person | None]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {"sales": [], "recruiting": []}
        if dispute.between_teams:
            return found
        for person in parties.values():
            if person is not None and person.team.value in found:
                found[person.team.value].append(person.name)
        return found

    def _sides(
        self, dispute: Dispute, parties: dict[int, Person | None], req: Requisition | None = None
    ) -> dict[str, int | None]:
        sides: dict[str, int | None] = {"sales": None, "recruiting": None}
        for pid, person in parties.items():
            if person is not None and person.team.value in sides and sides[person.team.value] is None:
                sides[person.team.value] = pid
        if dispute.requisition_id is not None and None in sides.values():
            req = req or self.store.get_requisition(dispute.requisition_id)
            if req is not None:
                sides["sales"] = sides["sales"] or req.sales_owner_id
                sides["recruiting"] = sides["recruiting"] or req.recruiter_id
        return sides

    def track_record(self, dispute: Dispute) -> TrackRecord:
        """Each side's follow-through over 90 days: the person's, else their team's, else unknown."""
        return self._track_record(self.sides(dispute))

    def _track_record(self, sides: dict[str, int | None], *, teams_only: bool = False) -> TrackRecord:
        """Each side's follow-through: the person's, else the team's; `teams_only` (a dispute between the
        teams) reads the teams' whoever stands for them."""
        tallies, team_tallies = self._tallies()
        values: dict[str, tuple[float | None, str]] = {}
        for side, team in (("sales", Team.SALES), ("recruiting", Team.RECRUITING)):
            pid = None if teams_only else sides[side]
            pct = None if pid is None else rate_of(tallies.get(pid, {}))
            if pct is not None:
                values[side] = (pct, "person")
                continue
            pct = rate_of(team_tallies.get(team.value, {}))
            values[side] = (pct, "team" if pct is not None else "none")
        return TrackRecord(values["sales"][0], values["recruiting"][0], values["sales"][1], values["recruiting"][1])

    def dispute_fact_values(self, dispute: Dispute) -> dict[str, Any]:
        """Every fact a proposal can read for this dispute."""
        return self._dispute_facts_and_track(dispute)[0]

    def _dispute_facts_and_track(self, dispute: Dispute) -> tuple[dict[str, Any], TrackRecord]:
        """The dispute's facts and its sides' track record, each record read once (the person records and
        the requisition are looked up by key; the team history comes from the cached `_History`)."""
        req = self.store.get_requisition(dispute.requisition_id) if dispute.requisition_id is not None else None
        parties = self._parties(dispute)
        sides = self._sides(dispute, parties, req)
        people = dict(parties)
        for pid in sides.values():
            if pid is not None and pid not in people:
                people[pid] = self.store.get_person(pid)
        found = {side: people.get(pid) if pid is not None else None for side, pid in sides.items()}
        names = {side: person.name if person is not None else None for side, person in found.items()}
        raiser = parties.get(dispute.raised_by_id)
        teams_only = dispute.between_teams
        if teams_only:
            # Between the teams: whoever was typed in only stands for their team, so nothing the rules read
            # (names, follow-through, disputes between the two) depends on who it was.
            names = dict(TEAM_NAMES)
        facts = empty_requisition_facts()
        if req is not None:
            facts.update(self.facts(req))
        facts.update(
            dispute_facts_base(dispute, self.now, raiser.team if raiser else None, names["sales"], names["recruiting"])
        )
        since = self.now - dt.timedelta(days=DISPUTE_WINDOW_DAYS)
        team_disputes = float(self.store.count_team_disputes(since, exclude_id=dispute.id)) if teams_only else None
        facts["team_disputes_90d"] = team_disputes
        facts["pair_disputes_90d"] = (
            team_disputes
            if team_disputes is not None
            else float(
                self.store.count_disputes_between(
                    dispute.raised_by_id, dispute.counterpart_id, since, exclude_id=dispute.id
                )
            )
        )
        track = self._track_record(sides, teams_only=teams_only)
        facts["sales_follow_through_pct"] = track.sales_pct
        facts["recruiting_follow_through_pct"] = track.recruiting_pct
        _tallies, team_tallies = self._tallies()
        for side, team in (("sales", Team.SALES), ("recruiting", Team.RECRUITING)):
            tally = team_tallies.get(team.value, {})
            facts[f"{side}_team_follow_through_pct"] = rate_of(tally)
            facts[f"{side}_team_decided"] = float(tally.get("kept", 0) + tally.get("missed", 0))
        facts.update(self._team_fill_facts())
        facts.update(self._team_requisition_facts() if teams_only else no_team_facts())
        by_side = self._party_names_by_side(dispute, parties)
        everyone = [p.name for p in parties.values() if p is not None]
        facts["between_teams"] = teams_only
        facts["party_count"] = 2.0 if teams_only else float(len(everyone))
        facts["parties"] = "the sales team and the recruiting team" if teams_only else and_list(everyone)
        facts[PARTIES_BY_SIDE] = by_side
        facts.update(self._credit_facts(req))
        facts.update(wording_facts(facts))
        facts[INTERESTS] = {"sales": dispute.sales_interest, "recruiting": dispute.recruiting_interest}
        facts[OUTSIDE_IN_DOUBT] = outside_in_doubt(self.pack, facts)
        return facts, track

    def _team_fill_facts(self) -> dict[str, Any]:
        """The whole team's median time to fill with its sample and range (the criterion of team-wide disputes),
        worked out once per change of the fill history."""
        history = self._history("fills")
        if history.durations is None:
            self.estimate(None, "contingent")  # reads the fill history into the cache
        if history.team_fills is None:
            every = sorted(history.all_durations)
            history.team_fills = (
                {
                    "team_time_to_fill_days": float(round(statistics.median(every))),
                    "team_fills": float(len(every)),
                    "team_fill_low": float(round(every[0])),
                    "team_fill_high": float(round(every[-1])),
                }
                if every
                else {"team_time_to_fill_days": None, "team_fills": 0.0, "team_fill_low": None, "team_fill_high": None}
            )
        return history.team_fills

    def _team_requisition_facts(self, reader: Store | None = None) -> dict[str, Any]:
        """The teams' open requisitions, counted (team_facts.py): what a dispute between the teams is judged on.
        Kept with the fill history, so read again after a change to the requisitions (a pipeline event
        touches its requisition too) or on another day: one query over the open requisitions and their
        events' index."""
        history = self._history("fills", reader)
        gate = self.pack.constant("pay_gate_pct")
        found = history.team_requisitions.get(gate)
        if found is None:
            found = history.team_requisitions[gate] = team_requisition_facts(
                (reader or self.store).open_requisition_profiles(), self.now, self.calendar, gate
            )
        return found

    def _credit_facts(self, req: Requisition | None) -> dict[str, Any]:
        """The placement credit on record for the dispute's requisition: who originated, who filled, the split."""
        facts: dict[str, Any] = {
            "credit_recorded": False,
            "credit_split": None,
            "credit_originator": None,
            "credit_originator_pct": None,
            "credit_filler": None,
            "credit_filler_pct": None,
        }
        if req is None or req.id is None:
            return facts
        credits = self.store.placement_credits(req.id)
        if not credits:
            return facts
        latest = credits[-1].placement_event_id
        credits = [c for c in credits if c.placement_event_id == latest]
        people = self.store.people_by_id()

        def name(pid: int) -> str:
            person = people.get(pid)
            return person.name if person else f"person {pid}"

        facts["credit_recorded"] = True
        facts["credit_split"] = ", ".join(
            f"{name(c.person_id)} {c.role.value} {c.split_pct:g} %" for c in sorted(credits, key=_credit_order)
        )
        for role, key in ((CreditRole.ORIGINATED, "credit_originator"), (CreditRole.FILLED, "credit_filler")):
            mine = [c for c in credits if c.role == role]
            if mine:
                facts[key] = and_list([name(c.person_id) for c in mine])
                facts[f"{key}_pct"] = float(sum(c.split_pct for c in mine))
        return facts

    def dispute_facts(self, dispute_id: int) -> list[FactLine]:
        """The facts that matter for this dispute's category, as label/value lines ready to display."""
        dispute = self._dispute(dispute_id)
        facts = self.dispute_fact_values(dispute)
        category = self.pack.categories.get(dispute.category.value)
        names = list(DISPUTE_FACT_LINES)
        if dispute.between_teams or (facts.get("party_count") or 0) > 2:
            names.append("parties")
        if dispute.requisition_id is not None and category is not None:
            names.extend(category.facts)
        if facts.get("credit_recorded"):
            names.append("credit_split")
        names.extend(TRACK_FACT_LINES)
        if dispute.between_teams:
            # No single requisition: what the teams are judged on is their own numbers, those of the
            # category's first (its team_facts: the teams' open requisitions), then the teams' records.
            if category is not None:
                names.extend(category.team_facts)
            # ... and where the facts point, when that is elsewhere ("slow submittals" the clients sit on).
            suggested = self.pack.categories.get(self._diagnosis(dispute, facts).suggested or "")
            if suggested is not None and suggested is not category:
                names.extend(suggested.team_facts)
            names.extend(TEAM_FACT_LINES)
        return _lines(facts, names, self.pack)

    def _diagnosis(self, dispute: Dispute, facts: dict[str, Any]) -> Diagnosis:
        return diagnose(
            self.pack,
            facts,
            dispute.category.value,
            dispute.summary,
            dispute.sales_interest,
            dispute.recruiting_interest,
        )

    def diagnose(self, dispute: Dispute) -> Diagnosis:
        """Which categories the evidence (facts and words) supports, each with its evidence lines."""
        return self._diagnosis(dispute, self.dispute_fact_values(dispute))

    def diagnosis_for(self, dispute_id: int) -> Diagnosis:
        return self.diagnose(self._dispute(dispute_id))

    def suggest_category(
        self,
        summary: str,
        requisition_id: int | None = None,
        sales_interest: str = "",
        recruiting_interest: str = "",
    ) -> Diagnosis:
        """The diagnosis of a dispute being typed (the capture form): its words (summary and both
        interests) and its requisition's facts, with no category logged yet."""
        facts = empty_requisition_facts()
        if requisition_id is not None:
            req = self.store.get_requisition(requisition_id)
            if req is not None:
                facts.update(self.facts(req))
        return diagnose(self.pack, facts, "unsure", summary, sales_interest, recruiting_interest)

    def explain(self, dispute_id: int) -> tuple[Diagnosis, list[Consideration]]:
        """The diagnosis and every proposal considered, ranked or not, and why."""
        dispute = self._dispute(dispute_id)
        facts, track = self._dispute_facts_and_track(dispute)
        diagnosis = self._diagnosis(dispute, facts)
        return diagnosis, consider_dispute(
            self.pack, diagnosis, facts, track, self.today, self.calendar, self.rule_records()
        )

    def explain_dispute(self, dispute_id: int) -> list[Consideration]:
        """Every proposal considered for the dispute, ranked ones first (best first), then the others."""
        return self.explain(dispute_id)[1]

    def proposals(self, dispute: Dispute) -> list[Proposal]:
        facts, track = self._dispute_facts_and_track(dispute)
        diagnosis = self._diagnosis(dispute, facts)
        considered = consider_dispute(
            self.pack, diagnosis, facts, track, self.today, self.calendar, self.rule_records()
        )
        return [c.proposal for c in considered if c.proposal is not None]

    def proposals_for(self, dispute_id: int) -> list[Proposal]:
        """The proposals that fire for this dispute, best first."""
        return self.proposals(self._dispute(dispute_id))

    def costed_fallback(self, dispute: Dispute, category: str | None = None) -> CostedFallback:
        """Each side's fallback if the dispute ends with no agreement, costed from the data (fallback.py):
        the texts of `category` (the top proposal's), else of the category the evidence points to most,
        else of the category logged."""
        facts = self.dispute_fact_values(dispute)
        if category is None:
            ranked = self._diagnosis(dispute, facts).ranked_categories
            category = ranked[0] if ranked else dispute.category.value
        return costed_fallback(self.pack, category, facts)

    def costed_fallback_for(self, dispute_id: int, category: str | None = None) -> CostedFallback:
        return self.costed_fallback(self._dispute(dispute_id), category)

    def commitments_for(self, proposal: Proposal, dispute: Dispute) -> list[Commitment]:
        """The proposal's commitments as records for the dispute's people, ready for `Store.resolve_dispute`."""
        sides = self.sides(dispute)
        result = []
        for planned in proposal.commitments:
            if planned.owner in SIDES:
                owner_id = sides[planned.owner]
                if owner_id is None:
                    raise NoOwner(
                        f"Nobody stands for {planned.owner} in {dispute.code or 'this dispute'}, "
                        f'so "{planned.text}" has no owner'
                    )
            else:
                person = self.store.person_by_name(planned.owner)
                if person is None:
                    raise NoOwner(f"The proposal {proposal.id} names {planned.owner}, who is not in the team")
                owner_id = person.id
            # A step that waits on someone outside the room keeps what happens if they do not answer.
            text = f"{planned.text}. {planned.if_no_answer}" if planned.if_no_answer else planned.text
            result.append(
                Commitment(
                    owner_id=owner_id,
                    text=text[:1000],
                    due=planned.due,
                    source=CommitmentSource.DISPUTE,
                    dispute_id=dispute.id,
                    requisition_id=dispute.requisition_id,
                )
            )
        return result


# The key under which Mediator.facts keeps the grade's cap note for display (see _lines).
GRADE_CAP_NOTE = "_grade_cap_note"

# What the sides are called in a dispute between the teams, whoever stands for them.
TEAM_NAMES = {"sales": "the sales team", "recruiting": "the recruiting team"}

_CREDIT_ORDER = {CreditRole.ORIGINATED: 0, CreditRole.FILLED: 1, CreditRole.ASSISTED: 2}


def _credit_order(credit: PlacementCredit) -> tuple[int, float]:
    return _CREDIT_ORDER[credit.role], -credit.split_pct


def _lines(facts: dict[str, Any], names: Sequence[str], pack: Pack | None = None) -> list[FactLine]:
    lines = []
    seen = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        spec = ALL_FACTS.get(name)
        if spec is not None:
            shown = spec.display(facts.get(name))
            if name == "grade" and facts.get(GRADE_CAP_NOTE):
                shown = f"{shown} ({facts[GRADE_CAP_NOTE]})"
            lines.append(FactLine(spec.label, shown, name))
        elif pack is not None and name in pack.constants:
            lines.append(FactLine(name.replace("_", " ").capitalize(), str(pack.constants[name]), name))
    return lines
