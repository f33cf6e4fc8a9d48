"""The export's read model: every requisition with its people's names, read in pages."""

from __future__ import annotations

from collections.abc import Iterator

from mediation_console.db.models import Requisition
from mediation_console.db.store.connection import StoreConnection


class ExportReads(StoreConnection):
    """The export's read model: every requisition with its people's names, read in pages."""

    def iter_requisitions_for_export(self, batch: int = 5000) -> Iterator[tuple[Requisition, str, str | None]]:
        """Every requisition in code order with its sales owner's and recruiter's names, read in pages."""
        last = 0
        while True:
            rows = self._dicts(
                "SELECT r.*, s.name AS _owner_name, rc.name AS _recruiter_name FROM requisitions r "
                "JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id "
                "WHERE r.id > ? ORDER BY r.id LIMIT ?",
                (last, batch),
            )
            if not rows:
                return
            for data in rows:
                if (req := self._model(Requisition, "requisitions", data)) is not None:
                    yield req, data["_owner_name"], data["_recruiter_name"]
            last = rows[-1]["id"]
