"""A save the lead makes while another program holds the write lock (an import writing): it waits off
the UI thread, the form says what it waits for and for how long, the console keeps running, and the
row is saved once the lock is free; esc stops the wait with nothing saved; bad fields are still
refused by the field at once."""

from __future__ import annotations

import re
import sqlite3
import threading
import time

from textual.widgets import Button, Input, OptionList, Select, Static

from mediation_console.db.models import RequisitionStatus, Team
from mediation_console.db.writers import announce
from mediation_console.screens.dialogs.modals import StatusChangeModal
from mediation_console.screens.dialogs.person_form import PersonForm
from mediation_console.screens.dialogs.requisition_form import RequisitionForm
from mediation_console.screens.queue import QueueScreen, RequisitionTable
from tests.pilot import press_to

SIZE = (120, 36)


class LockHolder:
    """A second connection holding the write lock (BEGIN IMMEDIATE) until released, saying it is an import."""

    def __init__(self, db, what: str | None = "an import") -> None:
        self.db, self.what = db, what
        self.held = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        conn = sqlite3.connect(self.db, isolation_level=None, timeout=10)
        try:
            if self.what is None:
                self._locked(conn)
            else:
                with announce(self.db, self.what):
                    self._locked(conn)
        finally:
            conn.close()

    def _locked(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        self.held.set()
        self.release.wait(30)
        conn.execute("ROLLBACK")

    def __enter__(self) -> LockHolder:
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(10)


def subtitle(form: RequisitionForm) -> str:
    return str(form.query_one(".dialog").border_subtitle or "")


def fill_new_requisition(form: RequisitionForm, store, title: str) -> None:
    form.query_one("#field-title", Input).value = title
    form.query_one("#field-client", Input).value = "St Mary's Hospital"
    form.query_one("#field-sales_owner_id").value = store.person_by_name("Casey Lin").id


def waited_s(text: str) -> int:
    found = re.search(r"writing… (\d+) s", text)
    return int(found.group(1)) if found else -1


async def wait_for(pilot, condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_a_save_during_an_import_waits_saying_so_and_is_saved_once_the_lock_is_free(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        form = await press_to(pilot, "n", RequisitionForm)
        with LockHolder(store.path) as holder:
            # A field that is wrong is refused by the field at once, whatever holds the lock.
            form.query_one("#field-salary_min", Input).value = "lots"
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert str(form.query_one("#error-salary_min", Static).render()).strip() == "Enter a whole number"
            assert "Waiting" not in subtitle(form)

            form.query_one("#field-salary_min", Input).value = ""
            fill_new_requisition(form, store, "Night Shift Nurse")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form
            assert subtitle(form).startswith("Waiting for an import to finish writing… 0 s")
            assert "esc stops waiting" in subtitle(form)
            save = form.query_one("#save", Button)
            assert save.disabled and str(save.label) == "Waiting…"
            assert form.query_one("#field-title", Input).disabled
            # The console runs meanwhile: the form counts the seconds it has waited.
            # The count goes up as it waits (on a loaded machine a tick may jump a second: 1 s, then 3 s).
            await wait_for(pilot, lambda: waited_s(subtitle(form)) >= 2)
            assert store.requisition_by_code("REQ-0021") is None
            holder.release.set()
            await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    saved = store.requisition_by_code("REQ-0021")
    assert saved is not None and saved.title == "Night Shift Nurse"
    (action,) = store.conn.execute(
        "SELECT action FROM events WHERE entity = 'requisition' AND entity_id = ?", (saved.id,)
    ).fetchone()
    assert action == "create"


async def test_esc_stops_the_wait_with_nothing_saved_and_a_later_save_goes_through(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        form = app.screen
        fill_new_requisition(form, store, "Payroll Lead")
        await pilot.pause()
        with LockHolder(store.path, what=None):
            await pilot.press("ctrl+s")
            await pilot.pause()
            # Nobody said what holds the lock (the sqlite3 shell, say): the form says no more than it knows.
            assert subtitle(form).startswith("Waiting for another program to finish writing")
            await pilot.press("escape")
            await wait_for(pilot, lambda: "Waiting" not in subtitle(form))
            assert app.screen is form, "esc stopped the wait; the form is still open"
            assert form.query_one("#field-title", Input).value == "Payroll Lead"
            assert not form.query_one("#save", Button).disabled
            assert not form.query_one("#field-title", Input).disabled
            await pilot.pause()
            notes = [n.message for n in app._notifications]
            assert any("you stopped waiting for another program" in m for m in notes), notes
        assert store.requisition_by_code("REQ-0021") is None
        await pilot.press("ctrl+s")  # the lock is free now: saved at once
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
    assert store.requisition_by_code("REQ-0021").title == "Payroll Lead"


async def test_a_status_change_during_an_import_waits_too_and_is_saved_after(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(RequisitionTable)
        table.cursor = next(i for i in range(table.total) if table.row_at(i).code == "REQ-0003")  # sourcing
        await pilot.pause()
        modal = await press_to(pilot, "s", StatusChangeModal)
        offered = [
            modal.query_one(OptionList).get_option_at_index(i).id
            for i in range(modal.query_one(OptionList).option_count)
        ]
        with LockHolder(store.path) as holder:
            await pilot.press(*["down"] * offered.index("on_hold"), "enter")
            await pilot.pause()
            assert app.screen is modal
            assert str(modal.query_one(".dialog").border_subtitle).startswith("Waiting for an import to finish writing")
            assert store.get_requisition(3).status == RequisitionStatus.SOURCING
            holder.release.set()
            await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    assert store.get_requisition(3).status == RequisitionStatus.ON_HOLD


async def test_a_person_added_during_an_import_waits_and_is_saved_after(store, app_factory):
    app = app_factory(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        form = await press_to(pilot, "n", PersonForm)
        form.query_one("#name", Input).value = "Noor Patel"
        form.query_one("#role", Select).value = Team.RECRUITING.value
        await pilot.pause()
        with LockHolder(store.path) as holder:
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is form
            assert str(form.children[0].border_subtitle).startswith("Waiting for an import to finish writing")
            holder.release.set()
            await wait_for(pilot, lambda: app.screen is not form)
    assert store.person_by_name("Noor Patel") is not None
