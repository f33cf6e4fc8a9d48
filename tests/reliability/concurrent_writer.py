"""A second console at work on the same file: adds requisitions and logs submittals on a shared one."""

from __future__ import annotations

import datetime as dt
import sys

from mediation_console.db.models import EventKind, PipelineEvent, Requisition
from mediation_console.db.store import Store

NOW = dt.datetime(2026, 11, 23, 9, 0)


def main(path: str, tag: str, count: int, shared_id: int) -> None:
    with Store(path, now=lambda: NOW, actor=tag) as store:
        owner = store.person_by_name("Sam Seller")
        for n in range(count):
            req = store.add_requisition(Requisition(title=f"{tag} role {n}", client="Contoso", sales_owner_id=owner.id))
            print(f"requisition {req.id}", flush=True)
            event = store.add_pipeline_event(
                PipelineEvent(requisition_id=shared_id, kind=EventKind.SUBMITTAL, at=NOW, note=f"{tag} {n}")
            )
            print(f"submittal {event.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
