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

    def import_keys(self) -> tuple[dict[str, int], dict[str, int]]:
        """Every requisition's external id -> id, and case-folded code -> id: how import rows are matched."""
        external, codes = {}, {}
        for req_id, code, external_id in self.conn.execute("SELECT id, code, external_id FROM requisitions"):
            codes[code.casefold()] = req_id
            if external_id:
                external[external_id] = req_id
        return external, codes

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
