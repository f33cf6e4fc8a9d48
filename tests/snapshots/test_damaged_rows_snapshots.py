"""The console's notice of damaged rows and their list (issue 21, finding 6) pinned at 80×24: the
notice under the header names the key, and ctrl+d lists each row's code, record, field and problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mediation_console.db.store import Store
from tests.conftest import DEMO_NOW
from tests.pilot import settle
from tests.reliability.damaged_rows import BY_NAME, damaged_copy

DAMAGED = ("requisition status", "requisition title", "dispute parties", "person name", "commitment due")


@pytest.fixture
def damaged_app(demo_template: Path, tmp_path: Path) -> Iterator[object]:
    from mediation_console.console.app import MediationApp

    path, _ids = damaged_copy(demo_template, tmp_path, *(BY_NAME[name] for name in DAMAGED))
    with Store(path, now=lambda: DEMO_NOW) as store:
        # Found before the app starts, so the notice is drawn the same on every run (not when the scan ends).
        store.scan_for_damage()
        yield MediationApp(store, now=lambda: DEMO_NOW)


def test_the_damaged_rows_list_at_80_columns(snap_compare, damaged_app):
    async def open_list(pilot) -> None:
        await settle(pilot)
        await pilot.pause(0.6)  # the notice checks the register twice a second
        await pilot.press("ctrl+d")
        await settle(pilot)

    assert snap_compare(damaged_app, terminal_size=(80, 24), run_before=open_list)


def test_the_damaged_rows_notice_names_the_key_at_80_columns(snap_compare, damaged_app):
    async def wait(pilot) -> None:
        await settle(pilot)
        await pilot.pause(0.6)

    assert snap_compare(damaged_app, terminal_size=(80, 24), run_before=wait)
