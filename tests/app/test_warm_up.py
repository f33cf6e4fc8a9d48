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
