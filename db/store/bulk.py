"""Bulk loading: checked rows staged in temporary tables and moved with INSERT ... SELECT."""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from mediation_console.db import audit as audit_chain
from mediation_console.db.models import Engagement, Requisition, RequisitionStatus
from mediation_console.db.short_transactions import ChunkSizer, ShortTransactions
from mediation_console.db.store.connection import StoreConnection, _to_sql
from mediation_console.db.store.requisitions import estimate_of, load_estimates
from mediation_console.db.store.rules_inputs import DAYS_TO_FILL


class BulkLoading(StoreConnection):
    """Bulk loading: checked rows staged in temporary tables and moved with INSERT ... SELECT."""

    # An import is checked row by row before anything is written; the rows that passed wait in
    # temporary tables of this connection (a file SQLite manages outside the database, so memory
    # stays bounded and the database is untouched until the write). Moving them with INSERT ...
    # SELECT keeps the full-text index fast: FTS5 buffers a whole statement's terms, while one
    # INSERT per row flushes its index every row (measured: 7.4 s against 2.7 s for 100,000 rows).
    # The largest chunk the staged rows are moved in (and read back in); the import's short transactions
    # take smaller ones while chunks are slow (db.short_transactions.ChunkSizer).
    _STAGED_CHUNK = 1000

    # While an import runs, its connection keeps more of the file in memory: the default 2 MB cache
    # rereads the indexes and the search index it grows on every chunk. 64 MB more memory at most.
    # (Checkpointing the WAL less often saved as much again, but then the lead's save that crossed the
    # default threshold paid for copying the import's pages: a save beside an import waited over 2 s.)
    _BULK_CACHE_KIB = 65_536

    @contextmanager
    def import_staging(self) -> Iterator[None]:
        """Empty staging tables for one import, dropped afterwards whatever happens; the connection
        given a bigger page cache meanwhile (`_BULK_CACHE_KIB`), and its own afterwards."""
        self._drop_import_staging()
        names = self._staged_columns()
        self.conn.execute(f"CREATE TEMP TABLE import_new (seq INTEGER PRIMARY KEY, {', '.join(names)}, audit TEXT)")
        self.conn.execute(
            "CREATE TEMP TABLE import_updates (seq INTEGER PRIMARY KEY, row INTEGER, requisition_id INTEGER, data BLOB)"
        )
        self.conn.execute("CREATE TEMP TABLE import_people (stand_in INTEGER PRIMARY KEY, id INTEGER)")
        cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{self._BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self._drop_import_staging()
            self.conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def _drop_import_staging(self) -> None:
        for table in ("import_new", "import_updates", "import_people"):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def _staged_columns(self) -> list[str]:
        return [n for n in self._columns("requisitions") if n in Requisition.model_fields and n not in ("id", "code")]

    def stage_new_requisitions(
        self, reqs: Sequence[Requisition], graded: Sequence[tuple[int, str]] | None = None
    ) -> None:
        """Queues checked requisitions to create; people not created yet carry negative stand-in ids.

        `graded`: each one's (score, grade), written with it (its estimate: `set_staged_estimates`).
        """
        names = self._staged_columns()
        rows: Iterator[tuple[Any, ...]] = _import_rows(reqs, names)
        if graded is not None:
            at = names.index("score"), names.index("grade")
            rows = (_with(row, at, figures) for row, figures in zip(rows, graded, strict=True))
        self.conn.executemany(
            f"INSERT INTO temp.import_new ({', '.join(names)}, audit) VALUES ({', '.join('?' for _ in names)}, ?)",
            # The audit entry is serialised by pydantic now; id, code and people are filled in on insert.
            # It is the requisition as imported: its grade is derived, and like every regrade not audited.
            [(*row, req.model_dump_json()) for req, row in zip(reqs, rows, strict=True)],
        )

    def staged_filled_durations(self) -> list[tuple[str | None, str, float]]:
        """(grade, engagement, days from opened to closed) of each staged filled requisition, as
        `filled_durations` reads them from the table once they are written."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(
            f"SELECT grade, engagement, {DAYS_TO_FILL} FROM temp.import_new "
            "WHERE status = ? AND closed_at IS NOT NULL AND closed_at >= opened_at",
            (RequisitionStatus.FILLED.value,),
        ).fetchall()

    def set_staged_estimates(self, estimates: Mapping[tuple[str, str], int], default_days: int) -> None:
        """Sets each graded staged requisition's estimate_days from its (grade, engagement), as
        `set_estimates` does for the table (a temporary table: no trigger, no index, no lock on the database)."""
        load_estimates(self.conn, estimates)
        self.conn.execute(
            f"UPDATE temp.import_new SET estimate_days = {estimate_of('import_new')} WHERE grade IS NOT NULL",
            (default_days,),
        )

    def stage_requisition_updates(self, updates: Sequence[tuple[int, int, bytes]]) -> None:
        """Queues (row number, requisition id, the row's values as the importer serialised them)."""
        self.conn.executemany("INSERT INTO temp.import_updates (row, requisition_id, data) VALUES (?, ?, ?)", updates)

    def insert_staged_requisitions(
        self,
        people: dict[int, int],
        progress: Callable[[int], None] | None = None,
        batches: ShortTransactions | None = None,
    ) -> int:
        """Creates every staged requisition, codes in file order, each audited as an import; returns how many.

        `people` maps the stand-in ids of people created by this import to their real ids.
        `progress(created so far)` is called after each chunk (at most `_STAGED_CHUNK` rows, fewer when
        chunks are slow: `ChunkSizer`). With `batches` (already entered) the rows are written in its
        short transactions, chunk by chunk between its checkpoints, instead of in one transaction; each
        chunk takes the ids after whatever was written meanwhile.
        """
        names = self._staged_columns()
        staged = [
            f"CASE WHEN s.{n} < 0 THEN (SELECT p.id FROM temp.import_people p WHERE p.stand_in = s.{n}) ELSE s.{n} END"
            if n in ("sales_owner_id", "recruiter_id")
            else f"s.{n}"
            for n in names
        ]
        with self.transaction() if batches is None else contextlib.nullcontext():
            self.conn.execute("DELETE FROM temp.import_people")
            self.conn.executemany("INSERT INTO temp.import_people (stand_in, id) VALUES (?, ?)", people.items())
            total = self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM temp.import_new").fetchone()[0]
            now, actor = _to_sql(self.now()), self.actor
            # Each chunk takes about a fifth of the short transactions' window, however slow the
            # machine is at the moment, and a chunk that would end past the window goes first into the next.
            sizer = ChunkSizer(self._STAGED_CHUNK, clock=time.monotonic if batches is None else batches.clock)
            start = 0
            while start < total:
                end = min(start + sizer.size, total)
                if batches is not None:
                    batches.checkpoint(upcoming=sizer.expected(end - start))
                with sizer.timed(end - start):
                    self._insert_staged_chunk(names, staged, start, end, now, actor)
                if progress is not None:
                    progress(end)
                start = end
        return total

    def _insert_staged_chunk(
        self, names: Sequence[str], staged: Sequence[str], start: int, end: int, now: Any, actor: str
    ) -> None:
        """Creates the staged requisitions start < seq <= end with their audit rows."""
        # Row `seq` of the file becomes id base + seq: after the last requisition there is now.
        last_id = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM requisitions").fetchone()[0] - start
        self.conn.execute(
            f"INSERT INTO requisitions (id, code, {', '.join(names)}) "
            f"SELECT :base + s.seq, printf('REQ-%04d', :base + s.seq), {', '.join(staged)} "
            "FROM temp.import_new s WHERE s.seq > :start AND s.seq <= :end ORDER BY s.seq",
            {"base": last_id, "start": start, "end": end},
        )
        # The same rows `audit()` writes: the pydantic record with its id, code and people now known.
        audit_chain.append(
            self.conn,
            self.conn.execute(
                "SELECT :now, :actor, 'requisition', r.id, 'import', NULL, json_set(s.audit, '$.id', r.id, "
                "'$.code', r.code, '$.sales_owner_id', r.sales_owner_id, '$.recruiter_id', r.recruiter_id) "
                "FROM temp.import_new s JOIN requisitions r ON r.id = :base + s.seq "
                "WHERE s.seq > :start AND s.seq <= :end ORDER BY s.seq",
                {"base": last_id, "start": start, "end": end, "now": now, "actor": actor},
            ).fetchall(),
        )

    def iter_staged_updates(self) -> Iterator[tuple[int, int, bytes]]:
        """(row number, requisition id, data) of each staged update in file order, read a page at a time."""
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT seq, row, requisition_id, data FROM temp.import_updates WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, self._STAGED_CHUNK),
            ).fetchall()
            if not rows:
                return
            for _seq, row, requisition_id, data in rows:
                yield row, requisition_id, data
            last = rows[-1][0]


# `_to_sql` by the value's exact type, for the import's bulk insert where `_to_sql`'s checks add up.
_IMPORT_SQL: dict[type, Callable[[Any], Any]] = {
    bool: int,
    dt.datetime: lambda v: v.replace(microsecond=0).isoformat(sep=" "),
    dt.date: lambda v: v.isoformat(),
    RequisitionStatus: lambda v: v.value,
    Engagement: lambda v: v.value,
}


def _with(row: tuple[Any, ...], at: tuple[int, int], figures: tuple[int, str]) -> tuple[Any, ...]:
    values = list(row)
    values[at[0]], values[at[1]] = figures
    return tuple(values)


def _import_rows(reqs: Sequence[Requisition], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """Each requisition's values for `names`, as SQL values (runs 100,000 times an import: kept lean)."""
    pick = operator.itemgetter(*names)
    convert = _IMPORT_SQL.get
    for req in reqs:
        yield tuple(
            [value if (to_sql := convert(type(value))) is None else to_sql(value) for value in pick(req.__dict__)]
        )
