"""A writer the crash test kills: commits requisitions and submittals in a loop, printing each committed id."""

from __future__ import annotations

import datetime as dt
import sys

from mediation_console.console.core.database import open_store
from mediation_console.db.models import EventKind, Person, PipelineEvent, Requisition, Team

NOW = dt.datetime(2026, 11, 23, 9, 0)
# Python and its imports are up: the test's clock for the kill starts here, so a busy machine that is
# slow to import does not turn every kill into a kill before the file exists.
print("imported", flush=True)


def main(path: str, tag: str) -> None:
    store = open_store(path, now=lambda: NOW)
    owner = store.person_by_name("Crash Owner")
    if owner is None:
        owner = store.add_person(Person(name="Crash Owner", team=Team.SALES))
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        req = store.add_requisition(
            Requisition(title=f"Role {tag}-{n}", client="Kill -9 Ltd", sales_owner_id=owner.id, notes="x" * (n % 700))
        )
        # Printed only after the commit returned: a printed id is a promise the file must keep.
        print(f"requisition {req.id}", flush=True)
        event = store.add_pipeline_event(
            PipelineEvent(requisition_id=req.id, kind=EventKind.SUBMITTAL, at=NOW, note=f"cv {n}")
        )
        print(f"submittal {event.id} {req.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
