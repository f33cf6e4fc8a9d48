"""Standups: starting, updating and reading a meeting and its items."""

from __future__ import annotations

import json
import sqlite3

from mediation_console.db.models import Standup, StandupItem
from mediation_console.db.store.connection import DamagedRecord, RejectedChange, StoreConnection


class StandupStore(StoreConnection):
    """Standups: starting, updating and reading a meeting and its items."""

    # -- standups --------------------------------------------------------------------------------

    def start_standup(self, standup: Standup) -> Standup:
        with self.transaction():
            stored = self._insert("standups", standup.model_copy(update={"items": []}), "standup")
            items = [
                self._insert(
                    "standup_items", item.model_copy(update={"standup_id": stored.id, "position": i}), "standup_item"
                )
                for i, item in enumerate(standup.items)
            ]
        return stored.model_copy(update={"items": items})

    def update_standup(self, standup: Standup) -> Standup:
        with self.transaction():
            # _standup decodes the attendees' JSON column, which the generic _require cannot; the items
            # are not part of this record (a long meeting's cost ~10 ms to read).
            row = self.conn.execute("SELECT * FROM standups WHERE id = ?", (standup.id,)).fetchone()
            if row is None:
                raise RejectedChange(f"Standup {standup.id} does not exist")
            before = self._standup(row, with_items=False)
            if before is None:
                raise DamagedRecord(self.damage.get("standups", standup.id))
            self._update("standups", standup.model_copy(update={"items": []}), before, "standup")
        return standup

    def update_standup_item(self, item: StandupItem) -> StandupItem:
        with self.transaction():
            before = self._require(StandupItem, "standup_items", item.id, "Standup item")
            return self._update("standup_items", item, before, "standup_item")

    def add_standup_item(self, item: StandupItem) -> StandupItem:
        with self.transaction():
            position = self.conn.execute(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM standup_items WHERE standup_id = ?", (item.standup_id,)
            ).fetchone()[0]
            return self._insert("standup_items", item.model_copy(update={"position": position}), "standup_item")

    def get_standup(self, standup_id: int) -> Standup | None:
        row = self.conn.execute("SELECT * FROM standups WHERE id = ?", (standup_id,)).fetchone()
        return None if row is None else self._standup(row, with_items=True)

    def _standup(self, row: sqlite3.Row, *, with_items: bool) -> Standup | None:
        """The standup, or None when its row is damaged; a damaged item is left out of it (both noted
        in `self.damage`)."""
        data = dict(row)
        try:
            data["attendees"] = json.loads(data["attendees"] or "[]")
        except (ValueError, TypeError) as exc:
            self.damage.record("standups", data, exc, field="attendees")
            return None
        if with_items:
            items = [
                self._model(StandupItem, "standup_items", dict(r))
                for r in self.conn.execute(
                    "SELECT * FROM standup_items WHERE standup_id = ? ORDER BY position, id", (row["id"],)
                )
            ]
            data["items"] = [item for item in items if item is not None]
        return self._model(Standup, "standups", data)

    def list_standups(self) -> list[Standup]:
        ids = [row[0] for row in self.conn.execute("SELECT id FROM standups ORDER BY started_at DESC, id DESC")]
        return [s for s in (self.get_standup(i) for i in ids) if s is not None]

    def latest_standup(self, ended_only: bool = False) -> Standup | None:
        """The latest standup whose row is not damaged (a damaged one is noted and passed over)."""
        sql = "SELECT id FROM standups " + ("WHERE ended_at IS NOT NULL " if ended_only else "")
        for (standup_id,) in self.conn.execute(sql + "ORDER BY started_at DESC, id DESC").fetchall():
            if (found := self.get_standup(standup_id)) is not None:
                return found
        return None

    def running_standup(self) -> Standup | None:
        row = self.conn.execute(
            "SELECT id FROM standups WHERE ended_at IS NULL ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        return None if row is None else self.get_standup(row[0])
