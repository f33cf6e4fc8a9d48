"""The expectations' settled days kept beside the database: the same figures as reading every case, after
any write (the console's or another tool's) and as time goes by, and read again only where something changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mediation_console.console.core.calendar import WEEKENDS_ONLY, BusinessCalendar
from mediation_console.console.core.demo_setup import fill_demo
from mediation_console.console.core.metrics import measure
from mediation_console.console.core.services import Services
from mediation_console.db.kept_tallies import KeptTallies
from mediation_console.db.models import EventKind, PipelineEvent, RequisitionStatus
from mediation_console.db.store import Store
from mediation_console.db.store.metrics import MetricReads
from tests.conftest import Clock

NOW = dt.datetime(2026, 12, 1, 14, 37, 12)  # a Tuesday, mid-afternoon: segment ends fall inside hours


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kept") / "demo.db"
    with Store(path, now=lambda: NOW) as store:
        fill_demo(store, requisitions=400, seed=11, include_user_pack=False)  # graded, as `mediate demo` is
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def store(demo_file: Path, tmp_path: Path, clock: Clock):
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_file.read_bytes())
    with Store(copy, now=clock) as s:
        yield s


@pytest.fixture
def kept(tmp_path: Path) -> KeptTallies:
    tallies = KeptTallies(tmp_path / "cache" / "tallies.sqlite")
    yield tallies
    tallies.close()


def measured_expectations(store: Store):
    return [e for e in store.list_expectations(statuses=("agreed", "proposed")) if e.metric is not None]


def assert_same_figures(store: Store, kept: KeptTallies, now: dt.datetime, calendar: BusinessCalendar = WEEKENDS_ONLY):
    for expectation in measured_expectations(store):
        live = measure(store, expectation, now, calendar=calendar, breach_limit=0)
        with_kept = measure(store, expectation, now, calendar=calendar, breach_limit=0, kept_tallies=kept)
        assert with_kept == live, expectation.metric
        assert live.total > 0, expectation.metric  # the demo gives every metric cases to count


@pytest.fixture
def hours_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every range of hours tallied afresh (rather than read from the kept tallies)."""
    ranges: list[tuple[int, int]] = []
    original = MetricReads._tally_by_hour

    def spy(self, metric, threshold, until, first, last, **options):
        ranges.append((first, last))
        return original(self, metric, threshold, until, first, last, **options)

    monkeypatch.setattr(MetricReads, "_tally_by_hour", spy)
    return ranges


def test_kept_days_give_the_figures_reading_every_case_gives(store, kept, hours_read):
    assert_same_figures(store, kept, NOW)  # tallied and kept
    assert hours_read, "nothing was kept"
    hours_read.clear()
    assert_same_figures(store, kept, NOW)  # read from what was kept
    assert hours_read == []


def test_the_kept_days_hold_as_time_goes_by(store, kept, clock):
    """A day is kept once its cases are all decided: a clock that later runs past its threshold must not
    find its day kept as it was. Measured hour after hour across two weeks, with no write between."""
    now = NOW
    for _step in range(16):
        clock.at = now
        assert_same_figures(store, kept, now)
        now += dt.timedelta(hours=21, minutes=17)


def _lost_early_with_intake_ahead(store: Store) -> None:
    """A requisition lost two hours after it opened (not decided: the intake clock stopped inside its
    threshold), its intake call dated a day after NOW, by another tool."""
    req = _old_requisition(store, days=20)
    store.conn.execute(
        "UPDATE requisitions SET status = 'lost', closed_at = ?, intake_at = ? WHERE id = ?",
        (
            (req.opened_at + dt.timedelta(hours=2)).isoformat(sep=" "),
            (NOW + dt.timedelta(days=1)).isoformat(sep=" "),
            req.id,
        ),
    )
    store.conn.commit()


def test_figures_asked_for_as_of_an_earlier_moment_are_tallied_afresh(store, kept, clock):
    """A clock set back (or figures asked for as of an earlier time): what was tallied later is not trusted.
    A requisition lost two hours after it opened, its intake call dated between the two moments: not decided
    at the first, broken at the second."""
    _lost_early_with_intake_ahead(store)
    later = NOW + dt.timedelta(days=6, hours=3)
    clock.at = later
    assert_same_figures(store, kept, later)
    clock.at = NOW
    assert_same_figures(store, kept, NOW)


def test_an_answer_dated_ahead_of_the_clock_is_counted_when_it_comes(store, kept, clock):
    """A requisition lost two hours after it opened is not decided, until its intake call, dated ahead of
    the clock (a call booked, an ATS's planned time), comes: its hour is not kept as it was."""
    _lost_early_with_intake_ahead(store)
    assert_same_figures(store, kept, NOW)
    later = NOW + dt.timedelta(days=3)
    clock.at = later
    assert_same_figures(store, kept, later)


def test_the_days_written_before_the_tallies_were_kept_are_marked(store):
    """Upgrading to schema 24 marks every day already written: a copy of the file from before the upgrade
    (the same identity, other data) never matches what was tallied on the upgraded one."""
    from mediation_console.db import schema

    # The demo was written without the marking triggers (as a file from before schema 24 was): no marks.
    assert store.conn.execute("SELECT COUNT(*) FROM tally_days").fetchone()[0] == 0
    store.conn.execute("DROP TABLE tally_days")
    for statement in schema.split_sql(schema.TALLY_DAYS_SQL):
        if "CREATE TRIGGER" not in statement:
            store.conn.execute(statement)
    store.conn.commit()
    written = {
        day
        for (day,) in store.conn.execute(
            "SELECT substr(at, 1, 10) FROM pipeline_events UNION SELECT substr(opened_at, 1, 10) FROM requisitions"
        )
    }
    marked = dict(store.conn.execute("SELECT day, mark FROM tally_days"))
    assert set(marked) == written and len(written) > 30
    assert len(set(marked.values())) == len(marked)  # each its own random mark


def test_business_days_are_counted_on_the_calendar_with_its_holidays(store, kept, clock):
    us = BusinessCalendar("US")  # Thanksgiving (26 Nov 2026) falls in the window
    for now in (NOW, NOW + dt.timedelta(days=3, hours=5), NOW + dt.timedelta(days=9)):
        clock.at = now
        assert_same_figures(store, kept, now, calendar=us)
    # The weekends-only calendar is kept apart: its business days are not the same.
    assert_same_figures(store, kept, NOW + dt.timedelta(days=9), calendar=WEEKENDS_ONLY)


def _old_requisition(store: Store, days: int = 25):
    """An open requisition opened a few days before `days` ago: inside the windows, on a settled day."""
    latest = NOW - dt.timedelta(days=days)
    return next(
        r
        for r in store.iter_requisitions()
        if latest - dt.timedelta(days=4) < r.opened_at < latest and r.closed_at is None
    )


def _with_events(store: Store, kind: str, days: int = 25) -> int:
    """An open requisition with an event of `kind` a little more than `days` ago."""
    cutoff = (NOW - dt.timedelta(days=days)).isoformat(sep=" ")
    row = store.conn.execute(
        "SELECT e.requisition_id FROM pipeline_events e JOIN requisitions r ON r.id = e.requisition_id"
        " WHERE e.kind = ? AND e.at < ? AND r.closed_at IS NULL AND r.status NOT IN ('on_hold', 'offer')"
        " ORDER BY e.at DESC LIMIT 1",
        (kind, cutoff),
    ).fetchone()
    return int(row[0])


def write_back_dated_submittal(store: Store, clock: Clock) -> None:
    rid = _with_events(store, "status_change")
    at = NOW - dt.timedelta(days=24, hours=3)
    store.add_pipeline_event(PipelineEvent(requisition_id=rid, kind=EventKind.SUBMITTAL, at=at, note="late entry"))


def write_intake_and_promise(store: Store, clock: Clock) -> None:
    req = _old_requisition(store)
    changed = req.model_copy(
        update={"intake_at": req.opened_at + dt.timedelta(hours=30), "promised_date": req.opened_at.date()}
    )
    store.update_requisition(changed, started_from=req)


def write_close(store: Store, clock: Clock) -> None:
    rid = _with_events(store, "submittal")
    clock.at = NOW - dt.timedelta(days=21)  # lost three weeks ago, entered now: it stops the clocks before it
    store.change_status(rid, RequisitionStatus.LOST, reason="client withdrew")
    clock.at = NOW


def write_regrade_by_another_tool(store: Store, clock: Clock) -> None:
    rid = _with_events(store, "status_change")
    store.conn.execute("UPDATE requisitions SET grade = CASE grade WHEN 'A' THEN 'C' ELSE 'A' END WHERE id = ?", (rid,))
    store.conn.commit()


def write_moved_opening_by_another_tool(store: Store, clock: Clock) -> None:
    req = _old_requisition(store, days=40)
    store.conn.execute(
        "UPDATE requisitions SET opened_at = ? WHERE id = ?",
        ((NOW - dt.timedelta(days=20, hours=5)).isoformat(sep=" "), req.id),
    )
    store.conn.commit()


def write_deleted_events_by_another_tool(store: Store, clock: Clock) -> None:
    cutoff = (NOW - dt.timedelta(days=22)).isoformat(sep=" ")
    store.conn.execute(
        "DELETE FROM pipeline_events WHERE id IN (SELECT id FROM pipeline_events WHERE at < ? ORDER BY at DESC LIMIT 40)",
        (cutoff,),
    )
    store.conn.commit()


def write_deleted_requisition_by_another_tool(store: Store, clock: Clock) -> None:
    """The sqlite3 shell deletes a requisition opened before the window, with foreign keys off (its
    default): its events stay behind, and the days they are on must be read again."""
    cutoff = (NOW - dt.timedelta(days=60)).isoformat(sep=" ")
    row = store.conn.execute(
        "SELECT r.id FROM requisitions r JOIN pipeline_events e ON e.requisition_id = r.id"
        " WHERE r.opened_at < ? AND e.kind = 'submittal' AND e.at > ? GROUP BY r.id ORDER BY COUNT(*) DESC LIMIT 1",
        (cutoff, (NOW - dt.timedelta(days=40)).isoformat(sep=" ")),
    ).fetchone()
    store.conn.execute("PRAGMA foreign_keys = OFF")
    try:
        store.conn.execute("DELETE FROM requisitions WHERE id = ?", (row[0],))
        store.conn.commit()
    finally:
        store.conn.execute("PRAGMA foreign_keys = ON")
    assert store.conn.execute("SELECT COUNT(*) FROM pipeline_events WHERE requisition_id = ?", (row[0],)).fetchone()[0]


@pytest.mark.parametrize(
    "write",
    [
        write_deleted_requisition_by_another_tool,
        write_back_dated_submittal,
        write_intake_and_promise,
        write_close,
        write_regrade_by_another_tool,
        write_moved_opening_by_another_tool,
        write_deleted_events_by_another_tool,
    ],
)
def test_a_write_to_a_kept_day_is_seen(store, kept, hours_read, clock, write):
    assert_same_figures(store, kept, NOW)
    hours_read.clear()
    write(store, clock)
    assert_same_figures(store, kept, NOW)
    # Only the days the write touched were read again, not the whole window.
    assert hours_read, "the changed days were not read again"
    read_days = {hour // 24 for first, last in hours_read for hour in range(first, last + 1)}
    assert len(read_days) < 40


def test_a_write_marks_the_days_it_touches(store, clock):
    before = dict(store.conn.execute("SELECT day, mark FROM tally_days"))
    write_back_dated_submittal(store, clock)
    after = dict(store.conn.execute("SELECT day, mark FROM tally_days"))
    changed = {day for day in after if before.get(day) != after[day]}
    assert (NOW - dt.timedelta(days=24, hours=3)).date().isoformat() in changed


def test_a_rolled_back_write_marks_nothing(store):
    before = store.conn.execute("SELECT day, mark FROM tally_days ORDER BY day").fetchall()
    rid = _with_events(store, "status_change")
    with pytest.raises(RuntimeError), store.transaction():
        store.conn.execute(
            "INSERT INTO pipeline_events (requisition_id, kind, at) VALUES (?, 'submittal', ?)",
            (rid, (NOW - dt.timedelta(days=30)).isoformat(sep=" ")),
        )
        raise RuntimeError("stopped")
    assert store.conn.execute("SELECT day, mark FROM tally_days ORDER BY day").fetchall() == before


def test_a_cache_that_cannot_be_written_only_costs_time(store, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    tallies = KeptTallies(blocked / "tallies.sqlite")
    assert_same_figures(store, tallies, NOW)
    assert tallies.read("any", 0, 10**9) == {}


def test_the_console_keeps_them_per_database_in_the_cache_folder(store, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATE_CACHE_DIR", str(tmp_path / "elsewhere"))
    services = Services(store, now=lambda: NOW)
    tallies = services.kept_tallies()
    assert tallies is not None and tallies is services.kept_tallies()
    assert tallies.path == tmp_path / "elsewhere" / "tallies" / f"{store.database_id()}.sqlite"
    measured = services.measurements(services.stamp(), NOW)
    assert measured and all(not m.breaches for m in measured.values())  # listed only when asked
    assert tallies.path.stat().st_mode & 0o777 == 0o600  # the team's figures: private, as the database is
    assert tallies.path.parent.stat().st_mode & 0o777 == 0o700
    worst = max(measured.values(), key=lambda m: m.breach_count)
    listed = services.breaches(worst.expectation, NOW)
    assert len(listed.breaches) == min(worst.breach_count, 200) > 0
    assert listed.breach_count == worst.breach_count


def test_a_database_in_memory_keeps_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Store(":memory:") as memory:
        assert Services(memory, now=lambda: NOW).kept_tallies() is None
    assert list(tmp_path.iterdir()) == []  # no file named ":memory:" left in the folder it ran from
