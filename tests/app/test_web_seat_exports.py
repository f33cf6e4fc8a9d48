"""In a seat of `mediate serve` (Textual's web driver) the notes go to the browser as a download: a
viewer's read-only seat never writes files onto the lead's disk, and a remote lead gets the file where
they are. In a terminal they go to the export folder, as before."""

from __future__ import annotations

from typing import Any

import pytest

from mediation_console.console.app import MediationApp
from mediation_console.screens.standup import copy_notes_markdown
from tests.app.test_standup import NOW, SIZE, export_notes, exports, seed_a_standup_that_ended, store  # noqa: F401
from tests.pilot import settle


def in_a_browser(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    delivered: list[tuple[str, str | None]] = []

    def deliver_text(self: MediationApp, file: Any, *, save_filename: str | None = None, **_: Any) -> str:
        delivered.append((file.read(), save_filename))
        return "delivery"

    monkeypatch.setattr(MediationApp, "is_web", property(lambda self: True))
    monkeypatch.setattr(MediationApp, "deliver_text", deliver_text)
    return delivered


@pytest.mark.parametrize("how", ["export (ctrl+e)", "copy (palette)"])
async def test_a_browser_seat_gets_the_notes_as_a_download_and_no_file_is_written(store, exports, monkeypatch, how):  # noqa: F811
    seed_a_standup_that_ended(store)
    delivered = in_a_browser(monkeypatch)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if how.startswith("export"):
            await pilot.press("ctrl+e")
        else:
            assert copy_notes_markdown(app, app.services)
        await pilot.pause()
        toasts = [str(n.message) for n in app._notifications]
    [(text, name)] = delivered
    assert text.startswith("# Standup Thursday 26 November 2026") and name and name.endswith(".md")
    assert any("browser" in t and name in t for t in toasts), toasts
    assert not exports.exists() or not list(exports.iterdir())


async def test_a_terminal_seat_still_writes_the_notes_to_the_export_folder(store, exports):  # noqa: F811
    seed_a_standup_that_ended(store)
    app = MediationApp(store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await export_notes(pilot)
    assert len(list(exports.iterdir())) == 1
