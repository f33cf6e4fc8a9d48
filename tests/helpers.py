"""Small builders the tests share: a module's store fixture, a dispute between two people, a rule pack's
proposal, `mediate` in its own process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mediation_console.console.core.database import open_store
from mediation_console.db.models import Dispute, Person, Requisition, Team
from mediation_console.db.store import Store

REPO = Path(__file__).resolve().parents[1]


def store_fixture(now: dt.datetime | None = None, *, with_defaults: bool = False) -> Any:
    """A module's `store` fixture: a Store on a fresh mediation.db in tmp_path whose clock is the moment `now`
    or, without one, the `clock` fixture (opened as the console opens one, with the default expectations
    proposed, when `with_defaults`), closed after the test. Use as `store = store_fixture(NOW)`."""
    opener = open_store if with_defaults else Store

    if now is None:

        @pytest.fixture(name="store")
        def clocked_store(tmp_path: Path, clock: Callable[[], dt.datetime]) -> Iterator[Store]:
            with opener(tmp_path / "mediation.db", now=clock) as s:
                yield s

        return clocked_store

    @pytest.fixture(name="store")
    def fixed_store(tmp_path: Path) -> Iterator[Store]:
        with opener(tmp_path / "mediation.db", now=lambda: now) as s:
            yield s

    return fixed_store


def seller_and_recruiter(store: Store, recruiter: str = "Rita Recruiter") -> tuple[Person, Person]:
    """Saves Sam Seller (sales) and a recruiter, the smallest team a requisition or a dispute needs."""
    seller = store.add_person(Person(name="Sam Seller", team=Team.SALES))
    return seller, store.add_person(Person(name=recruiter, team=Team.RECRUITING))


def _id(record: Person | Requisition | int) -> int:
    return record if isinstance(record, int) else record.saved_id


def raise_dispute(
    store: Store,
    raised_by: Person | int,
    counterpart: Person | int,
    category: str,
    summary: str,
    *,
    about: Requisition | int | None = None,
    **fields: Any,
) -> Dispute:
    """Saves a dispute `raised_by` has with `counterpart` (about the requisition `about`, if given); `fields`
    are the Dispute's other fields (severity, interests, opened_at)."""
    ids = {"raised_by_id": _id(raised_by), "counterpart_id": _id(counterpart)}
    if about is not None:
        ids["requisition_id"] = _id(about)
    return store.add_dispute(Dispute(category=category, summary=summary, **ids, **fields))


def mediate(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs `mediate` in its own process from the repository, without the lead's MEDIATE_DB."""
    env = {k: v for k, v in os.environ.items() if k != "MEDIATE_DB"}
    return subprocess.run(
        [sys.executable, "-m", "mediation_console", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=REPO,
    )


def proposal_toml(id: str, category: str, title: str, commitments: str, **more: str) -> str:
    """One [[proposals]] entry of a rule pack, with every field a proposal must have: `commitments` is its
    TOML array, `more` further fields as TOML values (priority="9", when='"not intake_done"'), or ones that
    replace the placeholder terms (sales gives "a", gets "b", recruiting gives "c", gets "d", criterion "x"
    at "y")."""
    fields = {
        "id": f'"{id}"',
        "category": f'"{category}"',
        "title": f'"{title}"',
        "mode": '"collaborating"',
        "sales_gives": '["a"]',
        "sales_gets": '["b"]',
        "recruiting_gives": '["c"]',
        "recruiting_gets": '["d"]',
        "criterion": '"x"',
        "criterion_value": '"y"',
    }
    fields |= more
    fields["commitments"] = commitments
    return "[[proposals]]\n" + "".join(f"{key} = {value}\n" for key, value in fields.items())


def stop(process: subprocess.Popen[str]) -> None:
    """Stops a server the test started: asked to end, killed if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
