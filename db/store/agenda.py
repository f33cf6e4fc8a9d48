"""The standup agenda's and the meeting notes' read model: set-based pages of models with their totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mediation_console.db.models import Commitment, Dispute, PipelineEvent, Requisition, Standup
from mediation_console.db.store.connection import M, _to_sql
from mediation_console.db.store.standups import StandupStore


class AgendaReads(StandupStore):
    """The standup agenda's and the meeting notes' read model: set-based pages of models with their totals."""

    # -- standup and agenda ----------------------------------------------------------------------
    # Set-based reads for the standup agenda and the meeting notes: each returns one page of models
    # and the total, so a 100,000-requisition database still answers in milliseconds.

    def _page(self, model: type[M], sql: str, params: Sequence[Any], limit: int) -> tuple[list[M], int]:
        # `sql` ends with its ORDER BY, which the count leaves out: with it SQLite reads and sorts every
        # whole row (~70 ms for 40,000 kept commitments); without it the count is read from an index alone.
        unordered = sql.rsplit(" ORDER BY ", 1)[0]
        total = self.conn.execute(f"SELECT COUNT(*) FROM ({unordered})", params).fetchone()[0]
        rows = self._list(model, f"{sql} LIMIT ?", (*params, limit)) if total else []
        return rows, total

    def previous_standup(self, before: dt.datetime, exclude_id: int | None = None) -> Standup | None:
        """The last standup that ended before a moment (the one "since the last standup" counts from),
        without its items: its callers want when it ended, and a long meeting's items cost ~10 ms."""
        row = self.conn.execute(
            "SELECT * FROM standups WHERE ended_at IS NOT NULL AND started_at < ? AND id IS NOT ? "
            "ORDER BY started_at DESC, id DESC LIMIT 1",
            (_to_sql(before), exclude_id),
        ).fetchone()
        return None if row is None else self._standup(row, with_items=False)

    def commitments_kept_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[Commitment], int]:
        return self._page(
            Commitment,
            "SELECT * FROM commitments WHERE status = 'kept' AND closed_at >= ? AND closed_at <= ? "
            "ORDER BY closed_at DESC, id DESC",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def requisitions_filled_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[Requisition], int]:
        return self._page(
            Requisition,
            "SELECT * FROM requisitions WHERE status = 'filled' AND closed_at >= ? AND closed_at <= ? "
            "ORDER BY closed_at DESC, id DESC",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def open_commitments_due_between(
        self, first: dt.date | None, last: dt.date, limit: int, owner_id: int | None = None
    ) -> tuple[list[Commitment], int]:
        """Open commitments whose due date falls in [first, last], most overdue first (one owner's only,
        when `owner_id` is given)."""
        mine = " AND owner_id = ?" if owner_id is not None else ""
        return self._page(
            Commitment,
            f"SELECT * FROM commitments WHERE status = 'open' AND due >= ? AND due <= ?{mine} ORDER BY due, id",
            (first.isoformat() if first else "", last.isoformat(), *(() if owner_id is None else (owner_id,))),
            limit,
        )

    def open_commitments_of_standup(self, standup_id: int, limit: int) -> tuple[list[Commitment], int]:
        return self._page(
            Commitment,
            "SELECT * FROM commitments WHERE status = 'open' AND standup_id = ? ORDER BY due, id",
            (standup_id,),
            limit,
        )

    def requisitions_awaiting_intake(self, limit: int) -> tuple[list[Requisition], int]:
        """New requisitions nobody has held the intake call for, oldest first."""
        return self._page(
            Requisition,
            "SELECT * FROM requisitions WHERE status = 'intake' AND intake_at IS NULL ORDER BY opened_at, id",
            (),
            limit,
        )

    def requisitions_at_risk(
        self,
        *,
        today: dt.date,
        stale_before: dt.datetime,
        submittal_due_before: dict[str, dt.datetime],
        default_estimate_days: int,
        limit: int,
    ) -> tuple[list[tuple[Requisition, frozenset[str]]], int]:
        """Open, active requisitions at risk, each with its reasons: `promise` (promised before the
        realistic estimate, or already past), `no_submittal` (none within the expectation for its
        grade), `stale` (no status change since `stale_before`). Most reasons first."""
        grade_clauses = " OR ".join("(r.grade = ? AND r.intake_at < ?)" for _ in submittal_due_before) or "0"
        grade_params: list[Any] = []
        for grade, cutoff in submittal_due_before.items():
            grade_params.extend([grade, _to_sql(cutoff)])
        active = ("qualified", "sourcing", "submitted", "interviewing", "offer", "intake")
        # One pass: the flags of every active requisition are worked out once into a materialised
        # list (read from the requisitions_intake_risk index alone, never the wide rows), then counted
        # and the page taken from it. Only ids and flags are sorted. Days are compared as julian day
        # numbers of 'YYYY-MM-DD' strings, the cheapest date arithmetic SQLite has.
        flags = (
            "(r.promised_date IS NOT NULL AND (r.promised_date < ? OR julianday(r.promised_date) "
            "  - julianday(substr(r.opened_at, 1, 10)) < COALESCE(r.estimate_days, ?))) AS risk_promise, "
            "(r.submittals = 0 AND r.status IN ('qualified', 'sourcing') AND r.intake_at IS NOT NULL "
            f" AND ({grade_clauses})) AS risk_no_submittal, "
            "(r.opened_at < ? AND (r.status_changed_at IS NULL OR r.status_changed_at < ?)) AS risk_stale"
        )
        params: list[Any] = [
            today.isoformat(),
            default_estimate_days,
            *grade_params,
            _to_sql(stale_before),
            _to_sql(stale_before),
            *active,
            limit,
        ]
        page = self.conn.execute(
            f"WITH flagged AS MATERIALIZED (SELECT r.id, r.promised_date, r.opened_at, {flags} "
            f"  FROM requisitions r WHERE r.status IN ({','.join('?' for _ in active)})), "
            "risky AS (SELECT * FROM flagged WHERE risk_promise OR risk_no_submittal OR risk_stale) "
            "SELECT id, risk_promise, risk_no_submittal, risk_stale, (SELECT COUNT(*) FROM risky) AS total "
            "FROM risky ORDER BY risk_promise + risk_no_submittal + risk_stale DESC, "
            "promised_date NULLS LAST, opened_at, id LIMIT ?",
            params,
        ).fetchall()
        if not page:
            return [], 0
        total = page[0]["total"]
        reqs = self.requisitions_by_ids([row["id"] for row in page])
        found = [
            (reqs[row["id"]], frozenset(n for n in ("promise", "no_submittal", "stale") if row[f"risk_{n}"]))
            for row in page
        ]
        return found, total

    def open_disputes_page(self, limit: int) -> tuple[list[Dispute], int]:
        """Open and mediating disputes, most severe and oldest first."""
        where = "status IN ('open', 'mediating')"
        total = self.conn.execute(f"SELECT COUNT(*) FROM disputes WHERE {where}").fetchone()[0]
        # The order is taken from the disputes_open index (ids only); just the page's rows are read.
        order = "ORDER BY severity DESC, opened_at, id"
        page = (
            self._list(
                Dispute,
                f"SELECT * FROM disputes WHERE id IN (SELECT id FROM disputes WHERE {where} {order} LIMIT ?) {order}",
                (limit,),
            )
            if total
            else []
        )
        return page, total

    def requisitions_by_ids(self, ids: Sequence[int]) -> dict[int, Requisition]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return {
            r.saved_id: r for r in self._list(Requisition, f"SELECT * FROM requisitions WHERE id IN ({marks})", wanted)
        }

    def requisition_codes(self, ids: Sequence[int]) -> dict[int, str]:
        """{id: code} for links in the notes: a few hundred codes without building whole records."""
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return dict(self.conn.execute(f"SELECT id, code FROM requisitions WHERE id IN ({marks})", wanted).fetchall())

    def disputes_by_ids(self, ids: Sequence[int]) -> dict[int, Dispute]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return {d.saved_id: d for d in self._list(Dispute, f"SELECT * FROM disputes WHERE id IN ({marks})", wanted)}

    def commitments_by_ids(self, ids: Sequence[int]) -> dict[int, Commitment]:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        marks = ",".join("?" for _ in wanted)
        return {
            c.saved_id: c for c in self._list(Commitment, f"SELECT * FROM commitments WHERE id IN ({marks})", wanted)
        }

    def requisitions_opened_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[Requisition], int]:
        return self._page(
            Requisition,
            "SELECT * FROM requisitions WHERE opened_at >= ? AND opened_at <= ? ORDER BY opened_at, id",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def status_moves_between(
        self, since: dt.datetime | None, until: dt.datetime, limit: int
    ) -> tuple[list[PipelineEvent], int]:
        return self._page(
            PipelineEvent,
            "SELECT * FROM pipeline_events WHERE kind = 'status_change' AND at >= ? AND at <= ? ORDER BY at, id",
            (_to_sql(since) if since else "", _to_sql(until)),
            limit,
        )

    def open_commitments_before_standup(
        self, standup_id: int, started_at: dt.datetime, limit: int
    ) -> tuple[list[Commitment], int]:
        """Open action items made in earlier standups: what this one carries forward."""
        # Read through the standups (a handful) into commitments_standup; left to itself SQLite walks
        # every open commitment in due order instead (~5 ms -> ~0.05 ms).
        return self._page(
            Commitment,
            "SELECT c.* FROM commitments c INDEXED BY commitments_standup WHERE c.status = 'open' "
            "AND c.standup_id IN (SELECT id FROM standups WHERE id != ? AND started_at < ?) ORDER BY c.due, c.id",
            (standup_id, _to_sql(started_at)),
            limit,
        )
