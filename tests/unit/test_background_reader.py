"""A worker thread reads on a connection of its own: it sees what was saved, never writes, and closes alone."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from mediation_console.db.models import Person, Team
from mediation_console.db.store import Store, StoreError

NOW = dt.datetime(2026, 11, 23, 9, 0)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "mediation.db", now=lambda: NOW) as s:
        s.add_person(Person(name="Ada Sales", team=Team.SALES))
        yield s


def test_a_background_reader_sees_what_was_saved_on_a_connection_of_its_own(store):
    with store.background_reader() as reader:
        assert reader.conn is not store.conn
        assert [p.name for p in reader.list_people()] == ["Ada Sales"]
        store.add_person(Person(name="Bo Recruiter", team=Team.RECRUITING))
        # A new person saved on the main connection is seen by the reader's next read.
        assert [p.name for p in reader.list_people()] == ["Ada Sales", "Bo Recruiter"]
    # Closing the reader leaves the Store open.
    assert [p.name for p in store.list_people()] == ["Ada Sales", "Bo Recruiter"]


def test_a_background_reader_cannot_change_the_database(store):
    with store.background_reader() as reader:
        with pytest.raises(StoreError, match="read-only"):
            reader.add_person(Person(name="Cy Lead", team=Team.LEAD))
    assert [p.name for p in store.list_people()] == ["Ada Sales"]


def test_a_background_reader_reads_in_a_worker_thread(store):
    names: list[str] = []

    def work() -> None:
        with store.background_reader() as reader:
            names.extend(p.name for p in reader.list_people())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert names == ["Ada Sales"]


def test_a_reader_made_during_a_change_that_is_then_rolled_back_never_shows_its_people(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_person(Person(name="Ghost Writer", team=Team.SALES))
            store.list_people()  # the people list cached inside the transaction
            reader = store.background_reader()  # a worker's reader, made meanwhile
            raise RuntimeError("the save failed")
    # Committed now: the people table has changed as many times as it had inside the rolled-back one.
    store.add_person(Person(name="Bo Recruiter", team=Team.RECRUITING))
    with reader:
        assert [p.name for p in reader.list_people()] == ["Ada Sales", "Bo Recruiter"]
