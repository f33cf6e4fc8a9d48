"""The export's read model: every requisition with its people's names, read in pages."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from mediation_console.db.csv_lines import CsvLineSql
from mediation_console.db.models import Requisition
from mediation_console.db.store.connection import StoreConnection

_JOINED = "FROM requisitions r JOIN people s ON s.id = r.sales_owner_id LEFT JOIN people rc ON rc.id = r.recruiter_id"
_WITH_NAMES = f"SELECT r.*, s.name AS _owner_name, rc.name AS _recruiter_name {_JOINED}"


class ExportReads(StoreConnection):
    """The export's read model: every requisition with its people's names, read in pages."""

    def iter_requisitions_for_export(self, batch: int = 5000) -> Iterator[tuple[Requisition, str, str | None]]:
        """Every requisition in code order with its sales owner's and recruiter's names, read in pages."""
        last = 0
        while rows := self._dicts(f"{_WITH_NAMES} WHERE r.id > ? ORDER BY r.id LIMIT ?", (last, batch)):
            yield from self._as_models(rows).values()
            last = rows[-1]["id"]

    def _as_models(self, rows: list[dict[str, Any]]) -> dict[int, tuple[Requisition, str, str | None]]:
        """{id: (requisition, its sales owner's name, its recruiter's)} of rows read with `_WITH_NAMES`, in
        their order; a damaged one is noted (`_model`) and not there."""
        return {
            data["id"]: (req, data["_owner_name"], data["_recruiter_name"])
            for data in rows
            if (req := self._model(Requisition, "requisitions", data)) is not None
        }

    def column_types(self, table: str) -> dict[str, str]:
        """Each column of `table` as this file has it, with its declared type (its affinity's source)."""
        return {row[1]: row[2] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    def iter_requisition_lines(
        self,
        sql: CsvLineSql,
        checked: Callable[[list[str], list[tuple[Any, ...]]], list[bool]],
        batch: int = 5000,
    ) -> Iterator[list[str] | tuple[Requisition, str, str | None]]:
        """Every requisition in id order, as `iter_requisitions_for_export` reads them, except that the
        rows for which the SQL condition `sql.plain` holds, and that `checked` passes (given each line
        and its `sql.numbers`), come as the text SQLite makes of them with `sql.line` (all over `r`, `s`
        (the sales owner) and `rc` (the recruiter); see db/csv_lines.py), each run of such rows as one
        list. The other rows are read through the model, in their place; a damaged one is noted and
        left out, as there. Each page is read in one snapshot of the file, its lines and its models."""
        after = 0
        while True:
            with self.one_read():
                page = _line_page(self.conn, sql, after, batch)
                if not page:
                    return
                lines = [row[1] for row in page if row[1] is not None]
                passed = iter(checked(lines, [row[2:] for row in page if row[1] is not None]))
                kept = [(row[0], row[1] if row[1] is not None and next(passed) else None) for row in page]
                models = self._models_of([row_id for row_id, text in kept if text is None])
            after = page[-1][0]
            yield from self._in_order(kept, models)

    def _models_of(self, ids: list[int]) -> dict[int, tuple[Requisition, str, str | None]]:
        """The requisitions `ids` through their model, with their people's names; a damaged one is noted
        (`_model`) and not there."""
        if not ids:
            return {}
        return self._as_models(self._dicts(f"{_WITH_NAMES} WHERE r.id IN ({', '.join('?' for _ in ids)})", ids))

    def _in_order(
        self, page: list[tuple[int, str | None]], models: dict[int, tuple[Requisition, str, str | None]]
    ) -> Iterator[list[str] | tuple[Requisition, str, str | None]]:
        """A page's lines, each run of them as one list, and its other rows as their models, in id order."""
        run: list[str] = []
        for row_id, text in page:
            if text is not None:
                run.append(text)
                self.damage.clear("requisitions", row_id)  # as `_model` does for a row it reads
                continue
            if run:
                yield run
                run = []
            if (model := models.get(row_id)) is not None:
                yield model
        if run:
            yield run


def _line_page(conn: sqlite3.Connection, sql: CsvLineSql, after: int, limit: int) -> list[tuple[Any, ...]]:
    """(id, its line or None where `sql.plain` does not hold, *its numbers) of the `limit` rows after id
    `after`, in id order."""
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples
    numbers = "".join(f", {number}" for number in sql.numbers)
    # In CASE, SQLite evaluates the condition with jumps, as in a WHERE: a third faster than as a value.
    rows: list[tuple[Any, ...]] = cursor.execute(
        f"SELECT r.id, CASE WHEN {sql.plain} THEN {sql.line} END{numbers} {_JOINED} "
        "WHERE r.id > ? ORDER BY r.id LIMIT ?",
        (after, limit),
    ).fetchall()
    return rows
