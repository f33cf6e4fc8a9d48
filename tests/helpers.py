"""Small builders the tests share: a dispute between two people, `mediate` in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mediation_console.db.models import Dispute, Person, Requisition
from mediation_console.db.store import Store

REPO = Path(__file__).resolve().parents[1]


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
