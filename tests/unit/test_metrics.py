"""Each expectation metric measured on hand-built histories: compliance, verdict, trend and breaches."""

from __future__ import annotations

import datetime as dt

import pytest

from mediation_console.console.core.calendar import WEEKENDS_ONLY, BusinessCalendar
from mediation_console.console.core.metric_registry import REGISTRY, definition
from mediation_console.console.core.metrics import Verdict, measure, measure_all, verdict_for
from mediation_console.db.defaults import (
    CLIENT_FEEDBACK_WITHIN_HOURS,
    FIRST_SUBMITTAL_A,
    FIRST_SUBMITTAL_B,
    INTAKE_WITHIN_HOURS,
    NO_STALE_REQUISITION_DAYS,
    PROMISE_NOT_BEFORE_ESTIMATE,
)
from mediation_console.db.models import (
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    EventKind,
    Expectation,
    PipelineEvent,
    Requisition,
    RequisitionStatus,
    Team,
)
from tests.conftest import Clock
from tests.helpers import seller_and_recruiter, store_fixture

NOW = dt.datetime(2026, 11, 23, 9, 0)  # a Monday


@pytest.fixture
def clock():
    return Clock(NOW)


store = store_fixture(with_defaults=True)


@pytest.fixture
def people(store):
    return seller_and_recruiter(store)


def expectation(metric, threshold=None, target=90, window_days=30, **extra) -> Expectation:
    spec = definition(metric)
    return Expectation(
        title=spec.title(threshold),
        owner_team=Team.SALES,
        metric=metric,
        threshold=threshold,
        target=target,
        window_days=window_days,
        **extra,
    )


def requisition(store, people, clock, opened: dt.datetime, **fields) -> Requisition:
    sales, recruiter = people
    clock.at = opened
    req = store.add_requisition(
        Requisition(
            title=fields.pop("title", "Senior Data Engineer"),
            client="Northwind",
            sales_owner_id=sales.id,
            recruiter_id=recruiter.id,
            opened_at=opened,
            **fields,
        )
    )
    clock.at = NOW
    return req


def move(store, clock, req, *steps: tuple[dt.datetime, RequisitionStatus]) -> None:
    for at, status in steps:
        clock.at = at
        store.change_status(req.id, status, reason="client went quiet" if status == RequisitionStatus.LOST else "")
    clock.at = NOW


def event(store, req, kind: EventKind, at: dt.datetime) -> None:
    store.add_pipeline_event(PipelineEvent(requisition_id=req.id, kind=kind, at=at))


def grade(store, req, letter: str, estimate_days: int | None = None) -> None:
    store.set_derived([(80 if letter == "A" else 55, letter, estimate_days, req.id)])


def day(d: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, d, hour, 0)


# -- no data is "no data" --------------------------------------------------------------------------


@pytest.mark.parametrize("metric", [*REGISTRY, None])
def test_a_quiet_window_reads_no_data_never_a_hundred_percent(store, metric):
    measured = measure(store, expectation(metric, threshold=definition(metric).default_threshold))
    assert measured.verdict == Verdict.NO_DATA
    assert measured.compliance is None
    assert measured.summary.startswith("no data")
    assert measured.breaches == () and measured.breach_count == 0
    assert measured.trend == (None,) * 12


def test_a_new_database_measures_its_proposed_defaults(store):
    measured = measure_all(store)
    assert [m.expectation.metric for m in measured] == [
        INTAKE_WITHIN_HOURS,
        FIRST_SUBMITTAL_A,
        FIRST_SUBMITTAL_B,
        CLIENT_FEEDBACK_WITHIN_HOURS,
        NO_STALE_REQUISITION_DAYS,
        PROMISE_NOT_BEFORE_ESTIMATE,
    ]
    assert {m.verdict for m in measured} == {Verdict.NO_DATA}


def test_a_screen_hears_of_each_measurement_as_it_is_made_and_of_one_that_cannot_be_made(store):
    expectations = store.list_expectations()
    broken = expectations[2].model_copy(update={"metric": "no_such_metric"})
    heard, failed = [], []
    measured = measure_all(
        store,
        [*expectations[:2], broken, *expectations[3:]],
        on_measured=heard.append,
        on_failed=lambda e, exc: failed.append((e.id, str(exc))),
    )
    assert [m.expectation.id for m in measured] == [e.id for e in expectations if e.id != broken.id]
    assert sorted(m.expectation.id for m in heard) == sorted(m.expectation.id for m in measured)
    assert failed == [(broken.id, "There is no metric called 'no_such_metric'")]
    # Without on_failed the failure is raised, as before.
    with pytest.raises(ValueError, match="no metric called"):
        measure_all(store, [broken])
    # A visit the lead has left stops measuring.
    assert measure_all(store, expectations, stop=lambda: True, on_measured=heard.append) == []


# -- intake ----------------------------------------------------------------------------------------


def test_intake_counts_late_and_missing_intakes_as_breaches_and_waits_on_young_requisitions(store, people, clock):
    on_time = requisition(store, people, clock, day(13), intake_at=day(13, 15))
    late = requisition(store, people, clock, day(14), intake_at=day(15, 16))  # 30 h
    missing = requisition(store, people, clock, day(20, 9))  # 72 h and counting
    requisition(store, people, clock, NOW - dt.timedelta(hours=2))  # still inside its 24 h
    requisition(store, people, clock, day(1, month=10), intake_at=day(10, month=10))  # before the window

    measured = measure(store, expectation(INTAKE_WITHIN_HOURS, threshold=24))

    assert (measured.kept, measured.total) == (1, 3)
    assert measured.summary == "1 of 3 requisitions, 33%"
    assert measured.verdict == Verdict.MISSED
    assert [b.code for b in measured.breaches] == [missing.code, late.code]  # worst first
    assert measured.breaches[0].what == "no intake call, 72 h after opening"
    assert measured.breaches[0].by == "48 h over"
    assert measured.breaches[1].what == "intake call 30 h after opening"
    assert measured.breaches[1].by == "6 h over"
    assert on_time.code not in {b.code for b in measured.breaches}


def test_a_requisition_lost_before_its_intake_was_due_is_not_counted(store, people, clock):
    lost = requisition(store, people, clock, day(16, 9))
    move(store, clock, lost, (day(16, 11), RequisitionStatus.LOST))
    measured = measure(store, expectation(INTAKE_WITHIN_HOURS, threshold=24))
    assert measured.verdict == Verdict.NO_DATA


def test_a_requisition_lost_after_its_intake_was_due_stays_a_breach(store, people, clock):
    lost = requisition(store, people, clock, day(16, 9))
    move(store, clock, lost, (day(18, 9), RequisitionStatus.LOST))
    measured = measure(store, expectation(INTAKE_WITHIN_HOURS, threshold=24))
    assert (measured.kept, measured.total) == (0, 1)
    assert measured.breaches[0].by == "24 h over"


# -- first submittal, in business days ------------------------------------------------------------


def qualified(store, people, clock, at: dt.datetime, letter: str = "A"):
    req = requisition(store, people, clock, at - dt.timedelta(days=1), intake_at=at)
    move(store, clock, req, (at, RequisitionStatus.QUALIFIED))
    grade(store, req, letter)
    return req


def test_first_submittal_skips_the_weekend(store, people, clock):
    friday_to_monday = qualified(store, people, clock, day(13, 15))  # Fri -> Mon: 1 business day
    event(store, friday_to_monday, EventKind.SUBMITTAL, day(16, 10))
    saturday_to_tuesday = qualified(store, people, clock, day(14, 11))  # Sat counts from Mon: 1
    event(store, saturday_to_tuesday, EventKind.SUBMITTAL, day(17, 10))
    friday_to_tuesday = qualified(store, people, clock, day(6, 15))  # Fri -> Tue: 2
    event(store, friday_to_tuesday, EventKind.SUBMITTAL, day(10, 10))
    qualified(store, people, clock, day(20, 16))  # Fri afternoon; Monday morning is still inside its day

    measured = measure(store, expectation(FIRST_SUBMITTAL_A, threshold=1, target=85))

    assert (measured.kept, measured.total) == (2, 3)
    assert measured.summary == "2 of 3 qualified requisitions, 67%"
    assert [(b.code, b.by) for b in measured.breaches] == [(friday_to_tuesday.code, "1 business day over")]
    assert measured.breaches[0].what == "first submittal 2 business days after qualification"


def test_first_submittal_is_measured_per_grade(store, people, clock):
    grade_b = qualified(store, people, clock, day(9, 10), letter="B")
    event(store, grade_b, EventKind.SUBMITTAL, day(11, 10))  # 2 business days: fine for B, late for A
    assert measure(store, expectation(FIRST_SUBMITTAL_A, threshold=1)).verdict == Verdict.NO_DATA
    measured_b = measure(store, expectation(FIRST_SUBMITTAL_B, threshold=2))
    assert (measured_b.kept, measured_b.total, measured_b.verdict) == (1, 1, Verdict.MET)


def test_a_qualified_requisition_without_a_submittal_past_its_days_is_a_breach(store, people, clock):
    waiting = qualified(store, people, clock, day(16, 10))  # Monday; by the next Monday: 5 business days
    measured = measure(store, expectation(FIRST_SUBMITTAL_A, threshold=1))
    assert (measured.kept, measured.total) == (0, 1)
    assert measured.breaches[0].code == waiting.code
    assert measured.breaches[0].what == "no submittal 5 business days after qualification"
    assert measured.breaches[0].by == "4 business days over"


def test_public_holidays_are_skipped_when_a_country_is_configured(store, people, clock):
    # 11 November 2026 (a Wednesday) is Veterans Day in the United States.
    over_the_holiday = qualified(store, people, clock, day(10, 10))
    event(store, over_the_holiday, EventKind.SUBMITTAL, day(12, 10))
    weekends_only = measure(store, expectation(FIRST_SUBMITTAL_A, threshold=1), calendar=WEEKENDS_ONLY)
    with_holidays = measure(store, expectation(FIRST_SUBMITTAL_A, threshold=1), calendar=BusinessCalendar("US"))
    assert (weekends_only.kept, weekends_only.total) == (0, 1)
    assert (with_holidays.kept, with_holidays.total) == (1, 1)


def test_a_requalified_requisition_restarts_the_submittal_clock(store, people, clock):
    paused = qualified(store, people, clock, day(2, 10))
    move(store, clock, paused, (day(3, 10), RequisitionStatus.ON_HOLD), (day(16, 10), RequisitionStatus.QUALIFIED))
    event(store, paused, EventKind.SUBMITTAL, day(17, 10))
    measured = measure(store, expectation(FIRST_SUBMITTAL_A, threshold=1))
    # The first qualification was superseded before any submittal; only the second is measured.
    assert (measured.kept, measured.total, measured.breach_count) == (1, 1, 0)


# -- client feedback -------------------------------------------------------------------------------


def test_each_submittal_waits_for_the_next_client_feedback(store, people, clock):
    req = requisition(store, people, clock, day(2), intake_at=day(2, 12))
    event(store, req, EventKind.SUBMITTAL, day(10, 10))
    event(store, req, EventKind.CLIENT_FEEDBACK, day(11, 9))  # 23 h
    event(store, req, EventKind.SUBMITTAL, day(12, 10))
    event(store, req, EventKind.SUBMITTAL, day(13, 10))
    event(store, req, EventKind.CLIENT_FEEDBACK, day(15, 10))  # answers both: 72 h and 48 h
    event(store, req, EventKind.SUBMITTAL, day(20, 10))  # no answer: 71 h by now
    event(store, req, EventKind.SUBMITTAL, day(22, 12))  # 21 h: not due yet

    measured = measure(store, expectation(CLIENT_FEEDBACK_WITHIN_HOURS, threshold=48, target=80))

    assert (measured.kept, measured.total) == (2, 4)
    assert measured.summary == "2 of 4 submittals, 50%"
    assert [b.by for b in measured.breaches] == ["24 h over", "23 h over"]
    assert measured.breaches[1].what == "no client feedback 71 h after the submittal of 20 Nov"


# -- staleness -------------------------------------------------------------------------------------


def test_requisitions_without_a_status_change_for_too_long_are_stale(store, people, clock):
    busy = requisition(store, people, clock, day(1), intake_at=day(1, 12))
    move(
        store,
        clock,
        busy,
        (day(4), RequisitionStatus.QUALIFIED),
        (day(8), RequisitionStatus.SOURCING),
        (day(12), RequisitionStatus.SUBMITTED),
        (day(16), RequisitionStatus.INTERVIEWING),
        (day(20), RequisitionStatus.OFFER),
    )
    stuck = requisition(store, people, clock, day(1), intake_at=day(1, 12))
    move(store, clock, stuck, (day(2), RequisitionStatus.QUALIFIED))
    paused = requisition(store, people, clock, day(1, month=10), intake_at=day(1, 12, month=10))
    move(store, clock, paused, (day(2, month=10), RequisitionStatus.ON_HOLD))  # on hold on purpose: never stale

    measured = measure(store, expectation(NO_STALE_REQUISITION_DAYS, threshold=5))

    assert (measured.kept, measured.total) == (1, 2)
    assert [b.code for b in measured.breaches] == [stuck.code]
    assert measured.breaches[0].what == "no status change since 02 Nov (21 days)"
    assert measured.breaches[0].by == "16 days over"
    assert measured.trend[-1] == 50.0  # this week: busy fine, stuck stale


def test_a_reopened_requisition_starts_a_fresh_stretch(store, people, clock):
    reopened = requisition(store, people, clock, day(1, month=9), intake_at=day(1, 12, month=9))
    path = [
        RequisitionStatus.QUALIFIED,
        RequisitionStatus.SOURCING,
        RequisitionStatus.SUBMITTED,
        RequisitionStatus.INTERVIEWING,
        RequisitionStatus.OFFER,
        RequisitionStatus.FILLED,
    ]
    move(store, clock, reopened, *[(day(10 + i, month=10), status) for i, status in enumerate(path)])
    # Filled from 15 Oct to 18 Nov (time that never counts), then re-opened: 5 days exactly by now.
    move(store, clock, reopened, (day(18, 9), RequisitionStatus.SOURCING))

    measured = measure(store, expectation(NO_STALE_REQUISITION_DAYS, threshold=5))

    assert (measured.kept, measured.total, measured.verdict) == (1, 1, Verdict.MET)


def test_staleness_is_a_snapshot_and_the_trend_remembers_earlier_weeks(store, people, clock):
    recovered = requisition(store, people, clock, day(25, month=10), intake_at=day(25, 12, month=10))
    move(
        store,
        clock,
        recovered,
        (day(26, month=10), RequisitionStatus.QUALIFIED),
        (day(9), RequisitionStatus.SOURCING),
        (day(12), RequisitionStatus.SUBMITTED),
        (day(16), RequisitionStatus.INTERVIEWING),
        (day(20), RequisitionStatus.OFFER),
    )
    measured = measure(store, expectation(NO_STALE_REQUISITION_DAYS, threshold=5))
    assert (measured.kept, measured.total, measured.verdict) == (1, 1, Verdict.MET)  # moving again now
    # At the end of the week before last (9 Nov, 09:00) it had sat qualified for 14 days.
    assert measured.trend[-3:] == (0.0, 100.0, 100.0)
    assert measured.trend[-5:-3] == (100.0, 0.0)  # a day old on 26 Oct, then stuck by 2 Nov
    assert measured.trend[-6] is None  # not opened yet on 19 Oct


# -- promises --------------------------------------------------------------------------------------


def test_promises_are_checked_against_the_realistic_estimate(store, people, clock):
    realistic = requisition(store, people, clock, day(1), promised_date=dt.date(2026, 12, 20))
    grade(store, realistic, "A", estimate_days=36)  # estimate 7 Dec
    unrealistic = requisition(store, people, clock, day(10), promised_date=dt.date(2026, 12, 1))
    quick_role = requisition(store, people, clock, day(10), promised_date=dt.date(2026, 11, 25))
    grade(store, quick_role, "A", estimate_days=10)  # estimate 20 Nov
    requisition(store, people, clock, day(10))  # nothing promised: nothing to check

    measured = measure(store, expectation(PROMISE_NOT_BEFORE_ESTIMATE, target=90, window_days=90))

    assert (measured.kept, measured.total) == (2, 3)
    assert [b.code for b in measured.breaches] == [unrealistic.code]
    # No estimate worked out yet: the 36-day default applies (10 Nov + 36 = 16 Dec).
    assert measured.breaches[0].what == "promised 01 Dec 2026, realistic estimate 16 Dec 2026"
    assert measured.breaches[0].by == "15 days too early"
    assert realistic.code not in {b.code for b in measured.breaches}


def test_a_promise_tolerance_in_days_forgives_small_gaps(store, people, clock):
    requisition(store, people, clock, day(10), promised_date=dt.date(2026, 12, 10))  # 6 days short
    assert measure(store, expectation(PROMISE_NOT_BEFORE_ESTIMATE, threshold=7)).verdict == Verdict.MET
    assert measure(store, expectation(PROMISE_NOT_BEFORE_ESTIMATE, threshold=3)).verdict == Verdict.MISSED


# -- checked in by hand ----------------------------------------------------------------------------


def test_an_expectation_without_a_metric_is_measured_by_its_check_ins(store, people, clock):
    sales, _ = people
    weekly_review = store.add_expectation(
        Expectation(title="Weekly queue review", owner_team=Team.SALES, target=75, window_days=30)
    )

    def check_in(due: dt.date, outcome: CommitmentStatus | None, decided: dt.datetime | None = None):
        made = store.add_commitment(
            Commitment(
                owner_id=sales.id,
                text=f"Queue review {due:%d %b}",
                due=due,
                source=CommitmentSource.EXPECTATION,
                expectation_id=weekly_review.id,
            )
        )
        if outcome:
            clock.at = decided or dt.datetime.combine(due, dt.time(17))
            store.set_commitment_status(made.id, outcome)
            clock.at = NOW
        return made

    check_in(dt.date(2026, 11, 2), CommitmentStatus.KEPT)
    check_in(dt.date(2026, 11, 9), CommitmentStatus.KEPT, decided=day(12))  # kept late: still kept
    missed = check_in(dt.date(2026, 11, 16), CommitmentStatus.MISSED)
    check_in(dt.date(2026, 11, 20), None)  # overdue, undecided: not silently missed
    check_in(dt.date(2026, 10, 1), CommitmentStatus.MISSED)  # before the window

    measured = measure(store, weekly_review)

    assert (measured.kept, measured.total) == (2, 3)
    assert measured.summary == "2 of 3 check-ins, 67%"
    assert measured.verdict == Verdict.AT_RISK
    assert [b.commitment_id for b in measured.breaches] == [missed.id]
    assert measured.breaches[0].what == "Sam Seller missed it (due 16 Nov)"
    assert measured.breaches[0].title == "Queue review 16 Nov"


# -- verdicts and trend ----------------------------------------------------------------------------


def test_verdicts_read_met_at_risk_missed_and_no_data():
    assert verdict_for(None, 90) == Verdict.NO_DATA
    assert verdict_for(92, 90) == Verdict.MET
    assert verdict_for(85, 90) == Verdict.AT_RISK
    assert verdict_for(80, 90) == Verdict.AT_RISK
    assert verdict_for(79.9, 90) == Verdict.MISSED
    # Met over the window, but the last two weeks slipped below target: at risk.
    assert verdict_for(92, 90, [100, 100, None, 80, 85]) == Verdict.AT_RISK
    assert verdict_for(92, 90, [80, 85]) == Verdict.AT_RISK
    assert verdict_for(92, 90, [100, 80, 95]) == Verdict.MET
    # A week without data says nothing about slipping.
    assert verdict_for(92, 90, [80, 85, None]) == Verdict.MET
    assert verdict_for(92, 90, [None, 85]) == Verdict.MET


def test_the_trend_has_one_point_per_week_oldest_first(store, people, clock):
    requisition(store, people, clock, day(20, 9), intake_at=day(20, 12))  # this week: kept
    requisition(store, people, clock, day(8, 9))  # two weeks ago: never taken
    measured = measure(store, expectation(INTAKE_WITHIN_HOURS, threshold=24))
    assert len(measured.trend) == 12
    assert measured.trend[-1] == 100.0
    assert measured.trend[-2] is None
    assert measured.trend[-3] == 0.0


def test_breaches_are_listed_worst_first_up_to_a_limit_but_always_fully_counted(store, people, clock):
    for i in range(5):
        requisition(store, people, clock, day(10 + i, 9))
    measured = measure(store, expectation(INTAKE_WITHIN_HOURS, threshold=24), breach_limit=2)
    assert measured.breach_count == 5
    assert len(measured.breaches) == 2
    assert measured.breaches[0].excess > measured.breaches[1].excess


def test_an_unknown_metric_is_named_in_the_error(store):
    with pytest.raises(ValueError, match="no metric called 'speed'"):
        measure(store, Expectation(title="Speed", owner_team=Team.SALES, metric="speed"))


def test_the_stale_trend_is_a_snapshot_at_each_past_week_end(store, people, clock):
    # Week-ends (5-day threshold): 23 Nov 09:00 (now), 16 Nov, 9 Nov, 2 Nov, 26 Oct, 19 Oct.
    untouched = requisition(store, people, clock, day(22, month=10))
    moved = requisition(store, people, clock, day(22, month=10))
    move(store, clock, moved, (day(13), RequisitionStatus.QUALIFIED))  # 3 days before the 16 Nov week-end
    paused = requisition(store, people, clock, day(22, month=10))
    move(store, clock, paused, (day(5), RequisitionStatus.ON_HOLD))
    on_the_line = requisition(store, people, clock, day(11, 9))  # exactly 5 days before 16 Nov: not stale yet
    requisition(store, people, clock, day(22))
    tally = store.stale_requisition_tally(5, NOW, 6)
    assert tally == [(1, 4), (2, 3), (0, 2), (0, 3), (3, 3), (0, 0)]  # (not stale, running), newest first
    measured = measure(store, expectation(NO_STALE_REQUISITION_DAYS, threshold=5), trend_weeks=6)
    assert (measured.kept, measured.total) == tally[0]
    assert measured.trend == (None, 100.0, 0.0, 0.0, 200 / 3, 25.0)
    # The longest stale comes first, even though its last change is older than the window.
    assert [b.requisition_id for b in measured.breaches] == [untouched.id, on_the_line.id, moved.id]
    assert measured.breach_count == 3
