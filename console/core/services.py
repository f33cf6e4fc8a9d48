"""What the app hands every screen: the open Store, the clock, the business calendar, the requisition the
lead has selected, and the one rules Mediator, built with the lead's `--rules` pack, that every grade,
scorecard and proposal comes from."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mediation_console.console.core.calendar import BusinessCalendar, user_calendar
from mediation_console.db.kept_tallies import KeptTallies
from mediation_console.db.store import Store, StoreError

if TYPE_CHECKING:
    from mediation_console.console.core.metrics import Measurement
    from mediation_console.console.core.rules.diagnosis import Diagnosis
    from mediation_console.console.core.rules.scorecard import Scorecard
    from mediation_console.console.core.rules.service import Mediator
    from mediation_console.console.core.track_record import TrackRecordReport
    from mediation_console.db.models import Expectation

T = TypeVar("T")
# The figures shared by name (Services.shared).
TRACK_RECORD = "track record"
# What the prefetch works out first: what every dispute's facts read from the whole team's data.
DISPUTE_FACTS = "dispute facts"
MEASUREMENTS = "measurements"
PREFETCH_QUIET_SECONDS = 1.0
# How long figures worked out once are shown to a visit that has not seen them: they hang on the time of
# day too (a 24-hour clock crossed, a commitment falling due), and a visit an hour later measures afresh.
SHARED_FRESH_SECONDS = 600.0


class _CutShort(Exception):  # noqa: N818 — not an error: work stopped early, its partial result kept here
    def __init__(self, result: Any) -> None:
        super().__init__("stopped")
        self.result = result


@dataclass
class Services:
    """The console's services. `mediator` is loaded on first use (the rules engine costs ~0.5 s to
    import, so a start that shows the queue never waits for it), once, under a lock (workers ask from
    threads). A pack that cannot be loaded leaves it None, `rules_problem` says why and `on_problem`
    (the app's toast) is told once."""

    store: Store
    now: Callable[[], dt.datetime]
    rules_path: Path | None = None
    on_problem: Callable[[str], None] | None = field(default=None, repr=False)
    rules_problem: str | None = field(default=None, init=False)
    # The requisition highlighted in the queue; other screens prefill from it (e.g. a new dispute).
    selected_requisition_id: int | None = field(default=None, init=False)
    _mediator: Mediator | None = field(default=None, init=False, repr=False)
    _loaded: bool = field(default=False, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    # The figures worked out from the whole team's data, by name: (the data stamp they were worked out at,
    # when made, the result or the one being made). A lock of its own: `_lock` is held while the Mediator
    # is built (~0.6 s), which a visit asking for figures must not wait for.
    _reports: dict[str, tuple[tuple[Any, ...], float, Future[Any]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _reports_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # The expectations' settled day tallies of this database, once asked for (None: not to be had).
    _kept_tallies: KeptTallies | None = field(default=None, init=False, repr=False)
    _kept_asked: bool = field(default=False, init=False, repr=False)

    @property
    def mediator(self) -> Mediator | None:
        with self._lock:
            if not self._loaded:
                self._loaded = True
                from mediation_console.console.core.rules.service import Mediator

                try:
                    self._mediator = Mediator(self.store, extra_packs=[self.rules_path] if self.rules_path else [])
                except Exception as exc:  # an invalid rule pack: which and what, never a traceback
                    self.rules_problem = f"The rule pack could not be loaded: {exc}"
                    if self.on_problem is not None:
                        self.on_problem(self.rules_problem)
            return self._mediator

    def stamp(self) -> tuple[Any, ...]:
        """What every stored figure depends on: the database's version (as the main connection sees it:
        ask on the UI thread) and today's date. Figures worked out at one stamp hold while it does."""
        return (self.store.data_version(), self.now().date())

    # -- figures worked out once per stamp -------------------------------------------------------------
    # The track record and the expectations' measurements read every commitment, dispute and requisition
    # (~0.2 and ~0.6 s at 100,000 requisitions). The console works them out in the background once its
    # start-up is over (MediationApp's prefetch), so a first visit shows them at once; a visit meanwhile
    # waits for that work instead of doing it again, and a visit at a later stamp works them out afresh.

    def _entry(self, name: str, stamp: tuple[Any, ...]) -> Future[Any] | None:
        """The computation of `name` for `stamp` to share (under `_reports_lock`): being made, or made less
        than SHARED_FRESH_SECONDS ago (figures hang on the time of day too: older ones are made again)."""
        entry = self._reports.get(name)
        if entry is None or entry[0] != stamp:
            return None
        _stamp, made_at, future = entry
        if future.done() and time.monotonic() - made_at > SHARED_FRESH_SECONDS:
            return None
        return future

    def shared(self, name: str, stamp: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """`compute()`'s result for `stamp`, worked out once: a caller with the same name and stamp gets the
        result already made (if fresh) or waits for the one being made. A computation that fails is not
        kept, and a caller that waited for it works the figures out itself."""
        for _attempt in range(2):
            with self._reports_lock:
                future = self._entry(name, stamp)
                mine = future is None
                if future is None:
                    future = Future()
                    self._reports[name] = (stamp, time.monotonic(), future)
            if mine:
                try:
                    result = compute()
                except BaseException as exc:
                    self._settle(name, future, None)
                    future.set_exception(exc)
                    raise
                self._settle(name, future, (stamp, time.monotonic(), future))  # fresh from now
                future.set_result(result)
                return result
            try:
                return future.result()
            except Exception:  # the other caller's computation failed: this one tries for itself
                continue
        return compute()  # both waits ended in another caller's failure

    def _settle(self, name: str, future: Future[Any], entry: tuple[tuple[Any, ...], float, Future[Any]] | None) -> None:
        """Replaces (or, with None, drops) the entry of `name` if it is still `future`'s."""
        with self._reports_lock:
            current = self._reports.get(name)
            if current is not None and current[2] is future:
                if entry is None:
                    del self._reports[name]
                else:
                    self._reports[name] = entry

    def shared_ready(self, name: str, stamp: tuple[Any, ...]) -> Any | None:
        """The result of `name` for `stamp` if it is made and fresh (asking returns at once), else None."""
        with self._reports_lock:
            future = self._entry(name, stamp)
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()

    def has_shared(self, name: str, stamp: tuple[Any, ...]) -> bool:
        """Whether `name` has been worked out (fresh) or is being worked out for `stamp`."""
        with self._reports_lock:
            return self._entry(name, stamp) is not None

    def making_figures(self) -> bool:
        """Whether some figures are being worked out now (a visit's): the prefetch and the damage scan
        let them have the cores."""
        with self._reports_lock:
            return any(not future.done() for _stamp, _made, future in self._reports.values())

    def kept_tallies(self) -> KeptTallies | None:
        """The settled days' tallies kept for this database (db/kept_tallies.py), in the user cache
        directory under the file's identity (a copy or a backup of it shares them: the same data, and each
        day's mark says whether it still is); None for a database in memory."""
        with self._reports_lock:
            if not self._kept_asked:
                self._kept_asked = True
                if not self.store.in_memory:
                    from mediation_console.console.core.config import cache_dir

                    try:
                        identity = self.store.database_id()
                    except StoreError:
                        identity = None
                    if identity and identity != "unidentified":
                        self._kept_tallies = KeptTallies(cache_dir() / "tallies" / f"{identity}.sqlite")
            return self._kept_tallies

    def breaches(self, expectation: Expectation, now: dt.datetime) -> Measurement:
        """The expectation measured with its worst breaches listed (the screen's figures leave them out:
        they read every case of the window). Called from workers, on a connection of its own."""
        from mediation_console.console.core.metrics import measure

        with self.store.background_reader() as reader:
            return measure(reader, expectation, now, calendar=self.calendar(), kept_tallies=self.kept_tallies())

    def track_record(self, stamp: tuple[Any, ...], now: dt.datetime) -> TrackRecordReport:
        """Everyone's and every team's record, on a read-only connection of its own (called from workers)."""
        from mediation_console.console.core.track_record import track_record

        def compute() -> TrackRecordReport:
            with self.store.background_reader() as reader:
                return track_record(reader, now)

        return self.shared(TRACK_RECORD, stamp, compute)

    def measurements(
        self,
        stamp: tuple[Any, ...],
        now: dt.datetime,
        *,
        on_measured: Callable[[Measurement], None] | None = None,
        on_failed: Callable[[Expectation, Exception], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> dict[int, Measurement]:
        """{expectation id: measurement} of every expectation not retired; one that could not be measured
        is left out (and given to `on_failed`). Called from workers. When this call does the measuring,
        `on_measured` hears of each figure as it is made; a call that waits for another's gets them all
        at the end. Measuring that `stop()` cut short is returned but not kept for the next caller."""
        from mediation_console.console.core.metrics import measure_all

        def compute() -> dict[int, Measurement]:
            with self.store.background_reader() as reader:
                measured = measure_all(
                    reader,
                    None,
                    now,
                    calendar=self.calendar(),
                    breach_limit=0,  # listed when the lead asks (`breaches`)
                    kept_tallies=self.kept_tallies(),
                    on_measured=on_measured,
                    on_failed=on_failed or (lambda _expectation, _problem: None),
                    stop=stop,
                )
            result = {m.expectation.saved_id: m for m in measured}
            if stop is not None and stop():
                raise _CutShort(result)
            return result

        try:
            return self.shared(MEASUREMENTS, stamp, compute)
        except _CutShort as cut:
            return cut.result

    def prefetch(
        self,
        stamp: Callable[[], tuple[Any, ...]],
        *,
        idle_for: Callable[[], float] = lambda: float("inf"),
        stop: Callable[[], bool] = lambda: False,
        quiet: float = PREFETCH_QUIET_SECONDS,
    ) -> None:
        """Works out what the disputes' facts read from the whole team's data, then the track record and
        the measurements, from a worker: what a first dispute shown or a first visit to either screen
        would otherwise wait for. `stamp()` gives the data stamp as it is then (the app asks its UI
        thread). Each waits until the lead has been idle for `quiet` seconds (`idle_for()`: seconds since
        the last key or click) and no visit is working figures out; the measuring stops when the lead
        comes back (it is not kept, a visit measures), so a lead at work is not slowed by figures they may
        not ask for. A read that fails is left to the visit, which says why. `stop()` ends it."""
        for name in (DISPUTE_FACTS, TRACK_RECORD, MEASUREMENTS):
            while not stop() and (idle_for() < quiet or self.making_figures()):
                time.sleep(0.05)
            if stop():
                return
            try:
                if name == DISPUTE_FACTS:
                    mediator = self.mediator
                    if mediator is not None:
                        with self.store.background_reader() as reader:
                            mediator.warm_up_disputes(reader)
                    continue
                now_stamp = stamp()
                if self.has_shared(name, now_stamp):
                    continue
                if name == TRACK_RECORD:
                    self.track_record(now_stamp, self.now())
                else:
                    self.measurements(now_stamp, self.now(), stop=lambda: stop() or idle_for() < quiet)
            except Exception:
                continue

    def calendar(self) -> BusinessCalendar:
        """The business calendar of the lead's settings (country, subdivision), read as it is now."""
        return user_calendar()

    def scorecard_for(self, requisition_id: int) -> Scorecard | None:
        """The requisition's scorecard by the console's pack; None when the pack did not load. A rule
        that fails on this requisition's data raises (the screen says so)."""
        mediator = self.mediator
        return None if mediator is None else mediator.scorecard_for(requisition_id)

    def suggest_category(
        self, summary: str, requisition_id: int | None, sales_interest: str = "", recruiting_interest: str = ""
    ) -> Diagnosis | None:
        """The category the evidence suggests for a dispute being typed (the capture form's hint), or None
        when the rules are not available. A hint: a rule that fails gives none. Called from worker threads."""
        mediator = self.mediator
        if mediator is None:
            return None
        try:
            return mediator.suggest_category(summary, requisition_id, sales_interest, recruiting_interest)
        except Exception:  # the form works without a suggestion
            return None
