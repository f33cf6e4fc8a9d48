"""A public holiday of the team's country is skipped by everything that counts business days."""

from __future__ import annotations

import datetime as dt
import json

from mediation_console.console.core import agenda as ag
from mediation_console.console.core.calendar import WEEKENDS_ONLY, BusinessCalendar
from mediation_console.console.core.database import open_store
from mediation_console.console.core.metrics import measure
from mediation_console.console.core.rules.service import Mediator
from mediation_console.db.defaults import FIRST_SUBMITTAL_A
from mediation_console.db.models import EventKind, Expectation, Person, PipelineEvent, Requisition, Team
from tests.app.test_disputes import seed_disputes
from tests.conftest import Clock

US = BusinessCalendar("US")
WEDNESDAY = dt.datetime(2026, 11, 25, 9, 0)  # the day before Thanksgiving (Thursday 26 November)


def a_requisition(store, opened: dt.datetime, **fields) -> Requisition:
    """A data engineer's requisition for Acme, with a salesperson and a recruiter."""
    sam = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    rita = store.add_person(Person(name="Rita Recruiter", team=Team.RECRUITING))
    return store.add_requisition(
        Requisition(
            title="Data Engineer",
            client="Acme",
            sales_owner_id=sam.id,
            recruiter_id=rita.id,
            opened_at=opened,
            **fields,
        )
    )


def test_the_agenda_gives_a_grade_a_requisition_its_business_day_over_the_holiday(tmp_path):
    clock = Clock(dt.datetime(2026, 11, 27, 9, 0))  # Friday, the day after Thanksgiving
    with open_store(tmp_path / "agenda.db", now=clock) as store:
        # Qualified after Wednesday's intake: one business day to a first submittal, due by Friday 10:00.
        req = a_requisition(store, dt.datetime(2026, 11, 24, 9, 0), intake_at=dt.datetime(2026, 11, 25, 10, 0))
        store.change_status(req.id, "qualified")
        store.set_derived([(85, "A", 30, req.id)])

        def at_risk(calendar):
            agenda = ag.build_agenda(store, clock(), calendar=calendar)
            return [item.requisition_id for item in agenda.section(ag.AT_RISK)]

        assert at_risk(WEEKENDS_ONLY) == [req.id]  # Thursday counted as the business day it had
        assert at_risk(US) == []  # Thursday was Thanksgiving: its business day is today


def test_the_first_submittal_metric_skips_the_holiday_of_the_settings_country(tmp_path, monkeypatch):
    clock = Clock(dt.datetime(2026, 11, 30, 9, 0))
    with open_store(tmp_path / "metric.db", now=clock) as store:
        clock.at = dt.datetime(2026, 11, 24, 9, 0)
        req = a_requisition(store, clock.at)
        clock.at = dt.datetime(2026, 11, 25, 10, 0)
        store.change_status(req.id, "qualified")
        store.set_derived([(85, "A", 30, req.id)])
        store.add_pipeline_event(
            PipelineEvent(requisition_id=req.id, kind=EventKind.SUBMITTAL, at=dt.datetime(2026, 11, 27, 11, 0))
        )
        clock.at = dt.datetime(2026, 11, 30, 9, 0)
        within_a_day = Expectation(
            title="First submittal within 1 business day",
            owner_team=Team.RECRUITING,
            metric=FIRST_SUBMITTAL_A,
            threshold=1,
        )
        # No calendar given: the one the settings name, the United States by default.
        assert (measure(store, within_a_day).kept, measure(store, within_a_day).total) == (1, 1)
        (tmp_path / "settings.json").write_text(json.dumps({"country": ""}))
        monkeypatch.setenv("MEDIATE_SETTINGS", str(tmp_path / "settings.json"))
        assert (measure(store, within_a_day).kept, measure(store, within_a_day).total) == (0, 1)


def test_a_proposals_commitments_fall_due_after_the_holiday(tmp_path):
    monday = dt.datetime(2026, 11, 23, 9, 0)
    with open_store(tmp_path / "rules.db", now=lambda: monday) as store:
        ids = seed_disputes(store)
        dispute = store.get_dispute(ids["pay"])

        def dues(calendar):
            mediator = Mediator(store, include_user_pack=False, calendar=calendar)
            best = mediator.proposals(dispute)[0]
            return best.id, [c.due for c in best.commitments], best.review_date

        proposal, weekdays, review = dues(WEEKENDS_ONLY)
        assert proposal == "pay.market-data" and dt.date(2026, 12, 7) in weekdays and review == dt.date(2026, 12, 7)
        proposal, holidays, review = dues(US)
        # Sam's standing rule, kept over 10 business days, is reviewed a day later (Thanksgiving is not one of
        # them), and so is the proposal.
        assert dt.date(2026, 12, 7) not in holidays and dt.date(2026, 12, 8) in holidays
        assert review == dt.date(2026, 12, 8)


def test_the_rules_count_business_days_to_a_promise_and_to_a_first_submittal_on_the_calendar(tmp_path):
    with open_store(tmp_path / "facts.db", now=lambda: WEDNESDAY) as store:
        req = a_requisition(
            store,
            dt.datetime(2026, 11, 16, 9, 0),
            intake_at=dt.datetime(2026, 11, 21, 10, 0),  # a Saturday
            promised_date=dt.date(2026, 11, 30),
        )
        store.add_pipeline_event(
            PipelineEvent(requisition_id=req.id, kind=EventKind.SUBMITTAL, at=dt.datetime(2026, 11, 23, 15, 0))
        )
        req = store.get_requisition(req.id)
        weekdays = Mediator(store, include_user_pack=False, calendar=WEEKENDS_ONLY).facts(req)
        us = Mediator(store, include_user_pack=False, calendar=US).facts(req)
        assert weekdays["business_days_to_promise"] == 3.0  # Thu, Fri, Mon
        assert us["business_days_to_promise"] == 2.0  # Fri, Mon
        # An intake on a Saturday and a submittal on Monday: no business day has passed, as the
        # first-submittal metric counts it (it used to read 1 here).
        assert weekdays["first_submittal_bdays"] == 0.0
