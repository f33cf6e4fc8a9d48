"""Shared fixtures: an isolated database path and settings, a fixed clock, a small seeded Store, the app."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import random
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import textual._wait
import textual.screen
from textual.app import App

from mediation_console.console.cli.common import DRAW_FPS
from mediation_console.console.core.database import open_store
from mediation_console.db.models import (
    Dispute,
    DisputeCategory,
    Engagement,
    EventKind,
    Person,
    PipelineEvent,
    Requisition,
    RequisitionStatus,
    Team,
)
from mediation_console.db.store import Store

# A shell starts a background job (`make test &`) with SIGINT ignored, and every process started from it
# inherits that: the tests that press Ctrl+C on a `mediate` they start would see it ignored. A handler of
# our own is reset to the default in each child, so those children hear Ctrl+C as a terminal's would.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Pilot waits after each key and each pause() for the console to go idle (textual._wait.wait_for_idle):
# it watches the process's CPU time in windows of SLEEP_GRANULARITY (20 ms) and stops after one that
# used less than SLEEP_IDLE. That is at least 40 ms a key, most of a Pilot test's time. Windows of 5 ms
# with the same ratio (idle: under 5 % of one core, any thread) tell the same thing four times as soon,
# as long as a frame still falls in each window: what waits for the next frame (call_after_refresh, the
# footer's keys) would otherwise come after the wait. So the screens draw at the rate `mediate` draws
# at (DRAW_FPS, 240 a second: every 4.2 ms), as TEXTUAL_FPS would set it had Textual not been imported
# before this file (pytest-textual-snapshot imports it). Every name here is read at call time;
# tests/unit/test_textual_compat.py fails if Textual changes that.
assert textual._wait.SLEEP_IDLE / textual._wait.SLEEP_GRANULARITY == 1 / 20, "Textual changed its idle test"
textual._wait.SLEEP_GRANULARITY = 0.005
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20
textual.screen.UPDATE_PERIOD = 1 / DRAW_FPS  # type: ignore[misc]
assert textual.screen.UPDATE_PERIOD < textual._wait.SLEEP_GRANULARITY


class _CountedThreads(ThreadPoolExecutor):
    """An event loop's default executor (Textual runs its thread workers there) that knows which of the
    calls handed to it are still running."""

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="test-worker")
        self.running: set[Future[Any]] = set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.running.add(future)
        future.add_done_callback(self.running.discard)
        return future


# Each loop's executor hangs on the loop itself, so both go with the test. (A process-wide table of them kept
# every test's app alive: each thread the executor started holds the sys.stderr of its start, which during
# run_test is Textual's print capture, which holds the app, which holds the loop. The heap grew by every
# app, and each full pass of the garbage collector walked them all: 0.4 s a pass, a third of a worker's CPU.)
_EXECUTOR = "_counted_threads"
_textual_run_test = App.run_test


@asynccontextmanager
async def _run_test_then_its_threads(self: App[Any], *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
    """App.run_test, which then waits (at most 30 s) for the thread workers the app left running. A
    cancelled thread worker runs on until its call returns: `mediate` waits for it as asyncio.run ends,
    but a test that closes its Store as soon as run_test returns would close the connection under a
    read still running on it (a segfault, or a write seen failing)."""
    loop = asyncio.get_running_loop()
    executor: _CountedThreads | None = getattr(loop, _EXECUTOR, None)
    if executor is None:
        executor = _CountedThreads()
        setattr(loop, _EXECUTOR, executor)
        loop.set_default_executor(executor)
    async with _textual_run_test(self, *args, **kwargs) as pilot:
        yield pilot
    if executor.running:
        await asyncio.wait([asyncio.wrap_future(future) for future in list(executor.running)], timeout=30)


App.run_test = _run_test_then_its_threads  # type: ignore[assignment,method-assign]

# Every few tests, what is still alive after a full collection is frozen out of the collector's later
# passes. A test worker keeps Textual's bounded caches full of strips (its lru_cache of
# StylesCache.get_inner_outer alone holds 1,024 widgets' worth): some 300,000 objects that each full pass
# walked again, about 0.15 s a pass and a pass or two a test, a quarter to a third of a worker's CPU. What a frozen
# object leaves behind once unreachable is still freed by its reference count; only cycles among them
# stay, about 0.3 MB a test at this pace (every test: 1.3 MB, for 3% less CPU).
FREEZE_EVERY = 5
_tests_run = 0
_collect, _freeze = gc.collect, gc.freeze  # a test may stand in for gc.freeze; this hook keeps the real one


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    global _tests_run
    _tests_run += 1
    if _tests_run % FREEZE_EVERY == 0:
        _collect()
        _freeze()


# Every test runs at the same moment, so ages, due dates and snapshots never drift.
FIXED_NOW = dt.datetime(2026, 11, 20, 9, 30)

SALES = ("Avery Stone", "Blake Moreno", "Casey Lin")
RECRUITERS = ("Dana Okafor", "Eli Novak", "Frankie Ruiz")
LEAD = "Morgan Hale"
TITLES = (
    "Senior Data Engineer",
    "Payroll Specialist",
    "Site Reliability Engineer",
    "Warehouse Supervisor",
    "Product Designer",
    "Account Executive",
    "Staff Accountant",
    "Field Service Technician",
    "Clinical Nurse Lead",
    "Backend Developer (Go)",
    "HR Business Partner",
    "Procurement Manager",
)
CLIENTS = ("Northwind Logistics", "Contoso Health", "Fabrikam Foods", "Tailspin Air", "Wingtip Retail", "Litware Labs")
STATUS_MIX = (
    RequisitionStatus.INTAKE,
    RequisitionStatus.QUALIFIED,
    RequisitionStatus.SOURCING,
    RequisitionStatus.SOURCING,
    RequisitionStatus.SUBMITTED,
    RequisitionStatus.INTERVIEWING,
    RequisitionStatus.OFFER,
    RequisitionStatus.ON_HOLD,
    RequisitionStatus.FILLED,
    RequisitionStatus.LOST,
)
# Stand-ins for what the rules module stores (score, grade, estimate); the queue only displays them.
GRADES = ((82, "A", 30), (58, "B", 40), (31, "C", 55), (None, None, None))


class Clock:
    """A clock tests can move, given to the Store as its `now`: `clock()` is now; set `clock.at` to
    write history at a given moment, or `clock.advance(hours=2)`."""

    def __init__(self, start: dt.datetime = FIXED_NOW) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def seed(store: Store, requisitions: int = 20, seed_value: int = 3) -> dict[str, Person]:
    """A small, deterministic team and `requisitions` requisitions across statuses; returns people by name."""
    rng = random.Random(seed_value)
    people = {name: store.add_person(Person(name=name, team=Team.SALES)) for name in SALES}
    people |= {name: store.add_person(Person(name=name, team=Team.RECRUITING)) for name in RECRUITERS}
    people[LEAD] = store.add_person(Person(name=LEAD, team=Team.LEAD))
    now = store.now()
    derived = []
    for i in range(requisitions):
        opened = now - dt.timedelta(days=3 + (i * 7) % 50, hours=i % 5)
        salary_min = 40_000 + rng.randrange(0, 80) * 1_000
        status = STATUS_MIX[i % len(STATUS_MIX)]
        req = store.add_requisition(
            Requisition(
                title=TITLES[i % len(TITLES)],
                client=CLIENTS[(i * 5) % len(CLIENTS)],
                sales_owner_id=people[SALES[i % len(SALES)]].id,
                recruiter_id=None if i % 6 == 5 else people[RECRUITERS[(i + 1) % len(RECRUITERS)]].id,
                openings=1 + i % 3,
                status=status,
                engagement=list(Engagement)[i % 3],
                fee_pct=18 + i % 8,
                salary_min=salary_min,
                salary_max=salary_min + 15_000,
                market_salary=salary_min + rng.randrange(-5, 25) * 1_000,
                location=("Leeds", "Manchester", "Bristol", "London")[i % 4],
                remote=i % 4 == 0,
                promised_date=(opened + dt.timedelta(days=(10, 25, 45, 70)[i % 4])).date(),
                intake_at=None if status == RequisitionStatus.INTAKE or i % 7 == 3 else opened + dt.timedelta(days=1),
                hiring_manager_access=i % 2 == 0,
                interview_stages=2 + i % 3,
                jd_clear=i % 3 != 1,
                must_haves=3 + i % 4,
                competing_agencies=i % 3,
                opened_at=opened,
            )
        )
        score, grade, estimate = GRADES[i % len(GRADES)]
        derived.append((score, grade, estimate, req.id))
        if status in (RequisitionStatus.SUBMITTED, RequisitionStatus.INTERVIEWING, RequisitionStatus.OFFER):
            for n in range(1 + i % 3):
                store.add_pipeline_event(
                    PipelineEvent(
                        requisition_id=req.id,
                        kind=EventKind.SUBMITTAL,
                        at=opened + dt.timedelta(days=2 + n),
                        actor_id=req.recruiter_id,
                        note=f"candidate {n + 1} sent",
                    )
                )
    store.set_derived(derived)
    if requisitions >= 3:
        store.add_dispute(
            Dispute(
                requisition_id=3,
                raised_by_id=people[RECRUITERS[0]].id,
                counterpart_id=people[SALES[2]].id,
                category=DisputeCategory.PAY_BELOW_MARKET,
                severity=2,
                summary="Salary band is 15% under market; candidates decline at offer",
            )
        )
    return people


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the lead's real database or settings; make text cursors steady for snapshots."""
    monkeypatch.setenv("MEDIATE_DB", str(tmp_path / "mediation.db"))
    monkeypatch.setenv("MEDIATE_SETTINGS", str(tmp_path / "settings.json"))
    monkeypatch.setenv("MEDIATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MEDIATE_LOG_DIR", str(tmp_path / "logs"))
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "mediation.db"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store_factory(tmp_path: Path, clock: Clock) -> Iterator[Callable[..., Store]]:
    """`store_factory(requisitions=20)` makes a seeded Store on a fresh file; `requisitions=0` an empty one."""
    opened: list[Store] = []

    def make(requisitions: int = 20, *, name: str | None = None, people: bool | None = None) -> Store:
        store = open_store(tmp_path / (name or f"store-{len(opened)}.db"), now=clock)
        opened.append(store)
        if requisitions or people:
            seed(store, requisitions)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: Callable[..., Store]) -> Store:
    """A Store with the small seeded team and 20 requisitions."""
    return store_factory(20)


@pytest.fixture
def empty_store(store_factory: Callable[..., Store]) -> Store:
    return store_factory(0)


@pytest.fixture
def app_factory(clock: Clock) -> Callable[..., object]:
    """`app_factory(store)` builds the MediationApp on the fixed clock."""

    def make(store: Store, **kwargs: object) -> object:
        from mediation_console.console.app import MediationApp

        return MediationApp(store, now=clock, **kwargs)

    return make


# The demo as `mediate demo` writes it, at a fixed clock: built once per test process, copied per test.
DEMO_NOW = dt.datetime(2026, 11, 23, 9, 0)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mediation_console.console.core.demo_setup import fill_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store(path, now=lambda: DEMO_NOW) as store:
        fill_demo(store, requisitions=60, seed=7, include_user_pack=False)
    return path


@pytest.fixture
def demo_app(demo_template: Path, tmp_path: Path) -> Iterator[object]:
    """The console on a copy of the demo database, on the fixed demo clock."""
    import shutil

    from mediation_console.console.app import MediationApp

    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    with Store(path, now=lambda: DEMO_NOW) as store:
        yield MediationApp(store, now=lambda: DEMO_NOW)
