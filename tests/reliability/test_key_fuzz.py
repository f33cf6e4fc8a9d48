"""Random key sequences on every screen of the demo database: no exception, no damage to the file."""

from __future__ import annotations

import random
import unicodedata

import pytest
from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key

from mediation_console.db.store import Store
from tests.reliability.conftest import NOW
from tests.reliability.helpers import audit_problems, soak

app_module = pytest.importorskip("mediation_console.console.app")
demo = pytest.importorskip("mediation_console.db.demo")

KEYS_PER_SCREEN = soak(150, 3000)
SIZE = (120, 36)
# Everything a lead might press, including typing into forms, but not the keys that leave the
# console ("q", ctrl+c, ctrl+q): a fuzz run that quits after ten keys tests nothing. Nor ctrl+p:
# Textual 8.2's own command palette fails on pageup pressed before its list is laid out
# (KeyError in OptionList._move_page), a race in the library, not in the console.
KEYS = [
    *"abcdefghijklmnoprstuvwxyz",
    *"ABCDEFGHIJKLMNOPRSTUVWXYZ",
    *"0123456789",
    *"/?-.,'\"@=+",
    "enter",
    "escape",
    "tab",
    "shift+tab",
    "space",
    "backspace",
    "delete",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
    "home",
    "end",
    "ctrl+s",
    "f1",
    "ctrl+t",
    "\x1b",
    "€",
    "ü",
    "東",
]
# Mode keys switch screens; weight them down so each screen is exercised, not just left.
MODE_KEYS = {str(mode.key) for mode in app_module.MODES}
TRIED = {"keys": 0}


def fuzz_keys(rng: random.Random, count: int) -> list[str]:
    keys = []
    for _ in range(count):
        key = rng.choice(KEYS)
        if key in MODE_KEYS and rng.random() < 0.8:
            key = rng.choice(["down", "up", "enter", "escape"])
        keys.append(key)
    return keys


def send_burst(app, keys: list[str]) -> None:
    """Queues keys as a fast typist (or a paste) would deliver them: without waiting for the screen.

    Pilot.press waits for the app to go idle after every key (~140 ms here); bursts cover far more
    keys in the same time and add the case of keys arriving while a modal is still opening."""
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(name))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)


@pytest.fixture
def demo_store(tmp_path):
    store = Store(tmp_path / "demo.db", now=lambda: NOW)
    demo.generate_demo(store, requisitions=60, seed=7)
    yield store
    store.close()


@pytest.mark.parametrize("mode", [m.name for m in app_module.MODES])
async def test_random_keys_on_every_screen_raise_nothing_and_keep_the_database_intact(demo_store, mode):
    rng = random.Random(f"fuzz-{mode}")
    before = demo_store.counts()
    app = app_module.MediationApp(demo_store, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.switch_mode(mode)
        await pilot.pause()
        keys = fuzz_keys(rng, KEYS_PER_SCREEN)
        while keys:
            burst = keys[: rng.randint(1, 30)]
            keys = keys[len(burst) :]
            send_burst(app, burst)
            await pilot.pause()
            TRIED["keys"] += len(burst)
            # Every so often come back to the screen under test, whatever modal the keys opened.
            if rng.random() < 0.1:
                for _ in range(4):  # as a lead would: escape out of whatever is open
                    if len(app.screen_stack) > 1:
                        await pilot.press("escape")
                app.switch_mode(mode)
                await pilot.pause()
    assert app.return_code in (0, None), f"the console failed: {app._exception!r}"
    assert app._exception is None
    conn = demo_store.conn
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert audit_problems(conn) == []
    after = demo_store.counts()
    # Keys may have created records; none may have vanished (nothing in the console deletes).
    assert all(after[t] >= before[t] for t in before), (before, after)
    # Every change the keys made is in the audit log.
    assert after["events"] - before["events"] >= sum(after[t] - before[t] for t in before if t != "events")
