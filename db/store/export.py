"""The export's read model: every requisition with its people's names, read in pages."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from mediation_console.db.models import Requisition
from mediation_console.db.store.connection import StoreConnection

_JOINED = "FROM requisitions r JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id"


class ExportReads(StoreConnection):
    """The export's read model: every requisition with its people's names, read in pages."""

    def iter_requisitions_for_export(self, batch: int = 5000) -> Iterator[tuple[Requisition, str, str | None]]:
        """Every requisition in code order with its sales owner's and recruiter's names, read in pages."""
        last = 0
        while True:
            rows = self._dicts(
                f"SELECT r.*, s.name AS _owner_name, rc.name AS _recruiter_name {_JOINED} "
                "WHERE r.id > ? ORDER BY r.id LIMIT ?",
                (last, batch),
            )
            if not rows:
                return
            for data in rows:
                if (req := self._model(Requisition, "requisitions", data)) is not None:
                    yield req, data["_owner_name"], data["_recruiter_name"]
            last = rows[-1]["id"]

    def column_types(self, table: str) -> dict[str, str]:
        """Each column of `table` as this file has it, with its declared type (its affinity's source)."""
        return {row[1]: row[2] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    def iter_requisition_lines(
        self, line: str, plain: str, checked: Callable[[list[str]], list[bool]], batch: int = 5000
    ) -> Iterator[list[str] | tuple[Requisition, str, str | None]]:
        """Every requisition in id order, as `iter_requisitions_for_export` reads them, except that the
        rows for which the SQL condition `plain` holds, and whose text `checked` passes, come as the
        text SQLite makes of them with `line` (both over `r`, `s` (the sales owner) and `rc` (the
        recruiter); see db/csv_lines.py), each run of such rows as one list. The other rows are read
        through the model, in their place; a damaged one is noted and left out, as there."""
        after = 0
        while page := _line_page(self.conn, line, plain, after, batch):
            after = page[-1][0]
            texts = [text for _row_id, text in page if text is not None]
            passed = iter(checked(texts))
            kept = [(row_id, text if text is not None and next(passed) else None) for row_id, text in page]
            yield from self._in_order(kept)

    def _in_order(
        self, page: list[tuple[int, str | None]]
    ) -> Iterator[list[str] | tuple[Requisition, str, str | None]]:
        """A page's lines, each run of them as one list, and its other rows read through the model."""
        others = [row_id for row_id, text in page if text is None]
        if not others:
            if len(self.damage):
                for row_id, _text in page:
                    self.damage.clear("requisitions", row_id)  # as `_model` does for a row it reads
            yield [text for _row_id, text in page if text is not None]
            return
        models: dict[int, tuple[Requisition, str, str | None]] = {}
        marks = ", ".join("?" for _ in others)
        for data in self._dicts(
            f"SELECT r.*, s.name AS _owner_name, rc.name AS _recruiter_name {_JOINED} WHERE r.id IN ({marks})",
            others,
        ):
            if (req := self._model(Requisition, "requisitions", data)) is not None:
                models[data["id"]] = (req, data["_owner_name"], data["_recruiter_name"])
        run: list[str] = []
        for row_id, text in page:
            if text is not None:
                run.append(text)
                self.damage.clear("requisitions", row_id)
                continue
            if run:
                yield run
                run = []
            if (model := models.get(row_id)) is not None:
                yield model
        if run:
            yield run


def _line_page(conn: sqlite3.Connection, line: str, plain: str, after: int, limit: int) -> list[tuple[int, str | None]]:
    """(id, its line, or None where `plain` does not hold) of the `limit` rows after id `after`, in id order."""
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples
    # In CASE, SQLite evaluates the condition with jumps, as in a WHERE: a third faster than as a value.
    rows: list[tuple[int, str | None]] = cursor.execute(
        f"SELECT r.id, CASE WHEN {plain} THEN {line} END {_JOINED} WHERE r.id > ? ORDER BY r.id LIMIT ?",
        (after, limit),
    ).fetchall()
    return rows
