"""Once the queue shows, the console builds the rules Mediator and reads the team's fills in a worker,
so the first detail panel waits for neither (the black-box bench's "detail panel" figure)."""

from __future__ import annotations

from tests.pilot import settle

SIZE = (120, 36)


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
    for owns_process, times in ((False, 0), (True, 1)):
        frozen.clear()
        app = app_factory(store, owns_process=owns_process)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await app.workers.wait_for_complete()
        assert len(frozen) == times, owns_process


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
        assert app.services.shared_done("track record", stamp) and app.services.shared_done("measurements", stamp)
        prefetched = app.services.measurements(stamp, app.services.now())
        app.switch_mode("track_record")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.screen.report is app.services.track_record(stamp, app.services.now())
        app.switch_mode("expectations")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
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
        app.switch_mode("expectations")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert calls == ["measured"] and app.screen.measurements
