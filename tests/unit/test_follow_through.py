"""Follow-through has one definition: the track record, the rules and the agenda read the same figure."""

from __future__ import annotations

import datetime as dt

from mediation_console.console.core import agenda as ag
from mediation_console.console.core.calendar import WEEKENDS_ONLY
from mediation_console.console.core.database import open_store
from mediation_console.console.core.follow_through import rate, window
from mediation_console.console.core.rules.service import Mediator
from mediation_console.console.core.track_record import track_record
from mediation_console.db.models import Commitment, CommitmentStatus
from tests.app.test_disputes import NOW, seed_disputes
from tests.conftest import Clock

TODAY = NOW.date()


def test_the_window_is_the_last_n_days_today_included():
    assert window(TODAY, 90) == (TODAY - dt.timedelta(days=89), TODAY)
    assert rate(2, 1) == 100.0 * 2 / 3 and rate(0, 0) is None


def test_the_track_record_the_rules_and_the_agenda_agree_on_a_persons_follow_through(tmp_path):
    clock = Clock(NOW)
    with open_store(tmp_path / "team.db", now=clock) as store:
        ids = seed_disputes(store)
        sam = store.person_by_name("Sam Seller").id

        def promise(due: dt.date, status: CommitmentStatus, decided: dt.date) -> None:
            made = store.add_commitment(Commitment(owner_id=sam, text=f"due {due}", due=due))
            clock.at = dt.datetime.combine(decided, dt.time(12))
            store.set_commitment_status(made.id, status)
            clock.at = NOW

        # Kept early, due next week: counts today (counted by due date it would not count yet).
        promise(TODAY + dt.timedelta(days=5), CommitmentStatus.KEPT, TODAY)
        # Missed, due exactly 90 days ago: outside a 90-day window that includes today.
        promise(TODAY - dt.timedelta(days=90), CommitmentStatus.MISSED, TODAY - dt.timedelta(days=90))
        # Kept two days late: counts on its due date, as kept.
        promise(TODAY - dt.timedelta(days=10), CommitmentStatus.KEPT, TODAY - dt.timedelta(days=8))
        promise(TODAY - dt.timedelta(days=20), CommitmentStatus.MISSED, TODAY - dt.timedelta(days=20))
        expected = 100.0 * 2 / 3  # kept 2 of 3 (the rules used to read 1 of 3, by due date over 91 days)

        record = next(r for r in track_record(store, NOW).people if r.person_id == sam)
        assert record.follow_through_90 == expected and record.late == 1

        mediator = Mediator(store, today=TODAY, include_user_pack=False, calendar=WEEKENDS_ONLY)
        dispute = store.get_dispute(ids["pay"])
        assert mediator.dispute_fact_values(dispute)["sales_follow_through_pct"] == expected
        best = mediator.proposals(dispute)[0]
        # Below the pack's 70 %: the proposal tightens Sam's side and says so with the same figure.
        assert any(a.startswith("Sales follow-through is 67% over 90 days") for a in best.adjustments)

        agenda = ag.build_agenda(store, NOW, ag.top_proposal(mediator), calendar=WEEKENDS_ONLY, expectations=lambda: [])
        item = next(i for i in agenda.section(ag.DISPUTES) if i.dispute_id == dispute.id)
        assert item.detail.endswith(f"Top proposal: {best.title}")
