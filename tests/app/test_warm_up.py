"""Once the queue shows, the console builds the rules Mediator and reads the team's fills in a worker,
so the first detail panel waits for neither (the black-box bench's "detail panel" figure)."""

from __future__ import annotations

from tests.pilot import settle

SIZE = (120, 36)


async def visit(pilot, app, mode: str) -> None:
    """Goes to `mode` and waits until its workers (and what they posted) are done."""
    app.switch_mode(mode)
    await settle(pilot)
    await app.workers.wait_for_complete()
    await settle(pilot)


async def test_the_mediator_is_ready_and_its_fills_read_once_the_queue_has_shown(store, app_factory):
    app = app_factory(store)
    assert app.services._mediator is None  # nothing built before the queue shows
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        mediator = app.services._mediator
        assert mediator is not None
        assert mediator._history("fills").durations is not None


async def test_the_console_that_is_its_own_process_freezes_what_is_loaded_once_warm(store, app_factory, monkeypatch):
    import gc

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    for owns_process in (False, True):
        frozen.clear()
        app = app_factory(store, owns_process=owns_process)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await app.workers.wait_for_complete()
            warm = len(frozen)
            # A first visit's screen and data are frozen too, once its work is done and no key has come for
            # a moment (a full pass walking them landed on the first return to the queue); a return is not.
            await pilot.press("2")
            await settle(pilot)
            await pilot.pause(0.5)
            visited = len(frozen)
            await pilot.press("1")
            await settle(pilot)
            await pilot.pause(0.5)
            returned = len(frozen)
        if owns_process:
            assert warm >= 1 and visited > warm and returned == visited, (warm, visited, returned)
            # Its timer can still fire as the console closes, with no screen left on the stack (seen in the
            # key fuzz as a ScreenStackError): then there is nothing to freeze, and no error.
            app._freeze_what_first_visits_loaded()
            assert len(frozen) == returned
        else:
            assert returned == 0


async def test_once_idle_the_console_works_out_the_track_record_and_measurements_and_a_first_visit_shows_them(
    store, app_factory, monkeypatch
):
    import mediation_console.console.core.metrics as metrics
    import mediation_console.console.core.track_record as track_record

    calls: list[str] = []
    real_record, real_measure = track_record.track_record, metrics.measure_all

    def counted_record(*args, **kwargs):
        calls.append("track record")
        return real_record(*args, **kwargs)

    def counted_measure(*args, **kwargs):
        calls.append("measurements")
        return real_measure(*args, **kwargs)

    monkeypatch.setattr(track_record, "track_record", counted_record)
    monkeypatch.setattr(metrics, "measure_all", counted_measure)
    app = app_factory(store, prefetch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()  # the warm-up, then the prefetch once a second passed idle
        assert calls == ["track record", "measurements"]
        stamp = app.services.stamp()
        assert app.services.shared_ready("track record", stamp) is not None
        assert app.services.shared_ready("measurements", stamp) is not None
        prefetched = app.services.measurements(stamp, app.services.now())
        await visit(pilot, app, "track_record")
        assert app.screen.report is app.services.track_record(stamp, app.services.now())
        await visit(pilot, app, "expectations")
        screen = app.screen
        assert screen.measurements and all(screen.measurements[i] is m for i, m in prefetched.items())
        assert calls == ["track record", "measurements"]  # neither visit worked them out again
        # A change makes the next figures new ones: the visit measures afresh, as it always did.
        first = store.list_expectations()[0]
        store.update_expectation(first.model_copy(update={"target": 55.0}))
        app.switch_mode("queue")
        await settle(pilot)
        app.switch_mode("expectations")
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert calls == ["track record", "measurements", "measurements"]


async def test_without_the_prefetch_a_first_visit_works_the_figures_out_itself(store, app_factory, monkeypatch):
    import mediation_console.console.core.metrics as metrics

    calls: list[str] = []
    real_measure = metrics.measure_all
    monkeypatch.setattr(metrics, "measure_all", lambda *a, **k: calls.append("measured") or real_measure(*a, **k))
    app = app_factory(store)  # as the tests (and a read-only viewer seat) run it: no prefetch
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert calls == [] and not app.services.has_shared("measurements", app.services.stamp())
        await visit(pilot, app, "expectations")
        assert calls == ["measured"] and app.screen.measurements


def _title(app) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#expectations-title", Static).render())


async def test_prefetched_figures_say_when_they_were_measured_and_new_ones_say_now(store, app_factory, clock):
    app = app_factory(store, prefetch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        measured_at = clock()
        clock.advance(minutes=7)  # the lead reads the queue a while, then looks at the expectations
        await visit(pilot, app, "expectations")
        assert f"measured at {measured_at:%a %d %b %H:%M}" in _title(app)
        # After a change the figures are measured again, now, and the title says so.
        first = store.list_expectations()[0]
        store.update_expectation(first.model_copy(update={"target": 55.0}))
        app.switch_mode("queue")
        await settle(pilot)
        await visit(pilot, app, "expectations")
        assert f"measured at {clock():%a %d %b %H:%M}" in _title(app)


async def test_a_visit_during_the_prefetch_shows_its_figures_as_they_come_and_measures_what_it_left_out(
    store, app_factory, monkeypatch
):
    """A visit that finds the measurements being made waits for them (never measures them twice), shows
    them once made, and measures itself the one the prefetch could not."""
    import threading

    import mediation_console.console.core.metrics as metrics
    import mediation_console.screens.expectations as expectations_screen
    from mediation_console.console.core.services import MEASUREMENTS

    app = app_factory(store)  # no prefetch of its own: this test plays it
    active = store.list_expectations(statuses=("agreed", "proposed"))
    left_out = active[0].saved_id
    made = {m.expectation.saved_id: m for m in metrics.measure_all(store, active, app.services.now())}
    measured_by_the_visit: list[list[int]] = []
    real_measure = metrics.measure_all

    def counted(on, expectations, *args, **kwargs):
        measured_by_the_visit.append([e.saved_id for e in expectations])
        return real_measure(on, expectations, *args, **kwargs)

    monkeypatch.setattr(metrics, "measure_all", counted)
    monkeypatch.setattr(expectations_screen, "measure_all", counted)  # the screen's own measuring
    release = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        stamp = app.services.stamp()
        partial = {i: m for i, m in made.items() if i != left_out}
        prefetch = threading.Thread(
            target=lambda: app.services.shared(MEASUREMENTS, stamp, lambda: (release.wait(10), partial)[1])
        )
        prefetch.start()
        for _ in range(100):
            if app.services.has_shared(MEASUREMENTS, stamp):
                break
            await pilot.pause(0.02)
        app.switch_mode("expectations")
        screen = app.screen
        for _ in range(100):  # not settle(): it would wait for the worker, which waits for the figures
            if screen.expectations:
                break
            await pilot.pause(0.02)
        await pilot.pause(0.3)
        assert screen.expectations and not screen.measurements  # the lists show; the figures are being made
        release.set()
        prefetch.join(10)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert all(screen.measurements[i] is m for i, m in partial.items())  # the prefetch's, shown
        assert measured_by_the_visit == [[left_out]]  # and only the one it left out measured here
        assert left_out in screen.measurements


async def test_a_read_only_viewer_seat_never_prefetches_and_a_key_counts_as_the_lead_at_work(
    tmp_path, app_factory, store
):
    from mediation_console.db.store import Store

    store.close()
    viewer = Store(store.path, readonly=True)
    try:
        app = app_factory(viewer, prefetch=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await app.workers.wait_for_complete()
            stamp = app.services.stamp()
            assert not app.services.has_shared("track record", stamp)
            assert not app.services.has_shared("measurements", stamp)
            await pilot.pause(0.3)
            assert app.idle_for() >= 0.3
            await pilot.press("down")
            assert app.idle_for() < 0.3
    finally:
        viewer.close()


async def test_the_damage_scan_gives_way_while_the_lead_is_at_work(store, app_factory, monkeypatch):
    """The console's damaged-row scan waits between its statements for a moment after each key, and
    while a visit works figures out: it takes the core an early visit's figures would use."""
    import mediation_console.console.app as console_app

    app_factory(store)  # a test's console: its scan never waits (the tests wait for every worker)
    assert store.damage_scan.give_way is None
    app = app_factory(store, owns_process=True)
    give_way = store.damage_scan.give_way
    assert give_way is not None
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.press("down")
        assert give_way()  # a key a moment ago
        monkeypatch.setattr(console_app, "SCAN_GIVES_WAY_AFTER_INPUT", 0.0)
        assert not give_way()  # the lead idle, nothing being worked out
        monkeypatch.setattr(app.services, "making_figures", lambda: True)
        assert give_way()  # a visit working its figures out
