"""The import's bookkeeping: matching keys, the people it creates, applied facts, its audit entries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mediation_console.db.models import EventKind, Person, PipelineEvent, Requisition
from mediation_console.db.store.requisitions import RequisitionStore


class ImportStore(RequisitionStore):
    """The import's bookkeeping: matching keys, the people it creates, applied facts, its audit entries."""

    # -- import/export ---------------------------------------------------------------------------

    def import_keys(self) -> tuple[ExternalIds, Codes]:
        """How import rows are matched: external id -> id (looked up one by one in the unique index, so
        importing a few rows into a million costs a few look-ups), and case-folded code -> id (every
        code read once, at the first row that has no external id: SQLite's NOCASE is not casefold)."""
        return ExternalIds(self), Codes(self)

    def add_people_for_import(self, people: Sequence[Person]) -> list[Person]:
        """Creates the people an import names who are not in the team yet, audited, in the caller's transaction."""
        with self.transaction():
            return [self.add_person(person) for person in people]

    def update_imported_requisition(
        self,
        before: Requisition,
        after: Requisition,
        note: str = "",
        actor_id: int | None = None,
        action: str = "import",
    ) -> Requisition:
        """Applies what a record of fact says (an ATS export, a dispute story). A status change is
        recorded as a pipeline event but not checked against the interactive transitions: the record
        reports a fact, it does not ask."""
        with self.transaction():
            after = after.model_copy(update={"id": before.id, "code": before.code})
            self._update("requisitions", after, before, "requisition", action=action)
            if after.status != before.status:
                self._add_event(
                    PipelineEvent(
                        requisition_id=before.id,
                        kind=EventKind.STATUS_CHANGE,
                        at=self.now(),
                        actor_id=actor_id,
                        note=note,
                        from_status=before.status,
                        to_status=after.status,
                    )
                )
        return after

    def record_import(self, summary: dict[str, Any], *, finished: bool = True) -> None:
        """One audit entry per import, beside the per-requisition ones: which file, what it did. An
        import written in short transactions records in each (`finished=False`) how far it has come."""
        with self.transaction():
            self.audit("import", None, "requisitions" if finished else "batch", None, summary)

    def last_import_of(self, sha256: str) -> tuple[bool, dict[str, Any]] | None:
        """(finished, what it recorded) for the latest import of the file with this content, if any."""
        row = self.conn.execute(
            "SELECT action, after FROM events WHERE entity = 'import' AND json_valid(after) "
            "AND json_extract(after, '$.sha256') = ? ORDER BY id DESC LIMIT 1",
            (sha256,),
        ).fetchone()
        return None if row is None else (row[0] != "batch", json.loads(row[1]))

    def interrupted_imports(self) -> list[dict[str, Any]]:
        """What each import that stopped before its end had committed (the latest record of each file)."""
        rows = self.conn.execute(
            "SELECT e.action, e.after FROM events e WHERE e.entity = 'import' AND json_valid(e.after) AND e.id = "
            "(SELECT MAX(f.id) FROM events f WHERE f.entity = 'import' AND json_valid(f.after) "
            " AND json_extract(f.after, '$.sha256') IS json_extract(e.after, '$.sha256'))"
        ).fetchall()
        return [json.loads(after) for action, after in rows if action == "batch"]


class ExternalIds:
    """External id -> requisition id: the first ids looked up one by one in the unique index (a few rows
    into a million cost a few look-ups); past `ONE_BY_ONE` of them every id is read at once (a big file's
    rows would each pay a query)."""

    ONE_BY_ONE = 1000

    def __init__(self, store: ImportStore) -> None:
        self._store = store
        self._found: dict[str, int | None] = {}
        self._every: dict[str, int] | None = None

    def get(self, external_id: str) -> int | None:
        if self._every is None and external_id not in self._found and len(self._found) >= self.ONE_BY_ONE:
            conn = self._store.conn
            rows = conn.execute("SELECT id, external_id FROM requisitions WHERE external_id IS NOT NULL")
            self._every = {key: int(req_id) for req_id, key in rows}
        if self._every is not None:
            return self._every.get(external_id)
        if external_id not in self._found:
            row = self._store.conn.execute(
                "SELECT id FROM requisitions WHERE external_id = ?", (external_id,)
            ).fetchone()
            self._found[external_id] = None if row is None else int(row[0])
        return self._found[external_id]


class Codes:
    """Case-folded code -> requisition id, every code read at the first look-up."""

    def __init__(self, store: ImportStore) -> None:
        self._store = store
        self._codes: dict[str, int] | None = None

    def get(self, folded_code: str) -> int | None:
        if self._codes is None:
            self._codes = {
                code.casefold(): req_id
                for req_id, code in self._store.conn.execute("SELECT id, code FROM requisitions")
            }
        return self._codes.get(folded_code)
