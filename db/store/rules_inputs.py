"""The rules' inputs: history, workloads, outcomes and the record of accepted proposals."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from mediation_console.db.models import (
    CLIENT_EVENT_KINDS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    CommitmentStatus,
    RequisitionStatus,
)
from mediation_console.db.store.connection import StoreConnection, _to_sql

# Days from opened to closed, to the second (stored times have no fractions of a second).
DAYS_TO_FILL = "round((julianday(closed_at) - julianday(opened_at)) * 86400) / 86400.0"


class RulesInputReads(StoreConnection):
    """The rules' inputs: history, workloads, outcomes and the record of accepted proposals."""

    def rule_records(self) -> dict[str, tuple[int, int, int]]:
        """Per proposal rule: (disputes resolved by accepting it, their commitments kept, missed)."""
        rows = self.conn.execute(
            "SELECT d.proposal_id, COUNT(DISTINCT d.id), "
            "COALESCE(SUM(c.status = 'kept'), 0), COALESCE(SUM(c.status = 'missed'), 0) "
            "FROM disputes d LEFT JOIN commitments c ON c.dispute_id = d.id "
            "WHERE d.status = 'resolved' AND d.proposal_id IS NOT NULL GROUP BY d.proposal_id"
        )
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}

    def filled_history(self) -> list[tuple[str | None, str, str, float]]:
        """(grade, engagement, title, days from opened to closed) of every filled requisition: the
        time-to-fill history, with the title so the rules can find similar requisitions."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(
            "SELECT grade, engagement, title, julianday(closed_at) - julianday(opened_at) FROM requisitions "
            "WHERE status = ? AND closed_at IS NOT NULL AND closed_at >= opened_at",
            (RequisitionStatus.FILLED.value,),
        ).fetchall()

    def open_requisitions_by_recruiter(self) -> dict[int, int]:
        """{recruiter id: open requisitions assigned}: each recruiter's workload, from the data
        (an index range per status on requisitions_recruiter_status)."""
        statuses = sorted(str(s) for s in OPEN_STATUSES)
        rows = self.conn.execute(
            "SELECT recruiter_id, COUNT(*) FROM requisitions WHERE recruiter_id IS NOT NULL "
            f"AND status IN ({','.join('?' for _ in statuses)}) GROUP BY recruiter_id",
            statuses,
        ).fetchall()
        return {int(rid): int(n) for rid, n in rows}

    def open_requisitions_by_person(self) -> dict[int, int]:
        """{person id: open requisitions they own as sales or recruit on}: what the Team screen shows
        beside each person (a requisition one person both owns and recruits counts once)."""
        statuses = sorted(str(s) for s in OPEN_STATUSES)
        marks = ",".join("?" for _ in statuses)
        counts: dict[int, int] = {}
        for sql in (
            # Each from an index alone (schema 23): no requisition row is read.
            f"SELECT sales_owner_id, COUNT(*) FROM requisitions INDEXED BY requisitions_sales"
            f" WHERE status IN ({marks}) GROUP BY sales_owner_id",
            f"SELECT recruiter_id, COUNT(*) FROM requisitions INDEXED BY requisitions_recruiter_status"
            f" WHERE recruiter_id IS NOT NULL AND status IN ({marks}) GROUP BY recruiter_id",
        ):
            for pid, n in self.conn.execute(sql, statuses):
                counts[int(pid)] = counts.get(int(pid), 0) + int(n)
        for pid, n in self.conn.execute(
            f"SELECT sales_owner_id, COUNT(*) FROM requisitions INDEXED BY requisitions_self_recruited"
            f" WHERE recruiter_id = sales_owner_id AND status IN ({marks}) GROUP BY sales_owner_id",
            statuses,
        ):
            counts[int(pid)] -= int(n)  # counted as owner and as recruiter: once
        return {pid: n for pid, n in counts.items() if n}

    def record_story(self, now: dt.datetime, source: str, summary: dict[str, Any]) -> None:
        """Notes that a dispute story was loaded, with the story's present: the file's clock from then on."""
        with self.transaction():
            self.audit("database", None, "story", None, {"now": _to_sql(now), "source": source, **summary})

    def story_clock(self) -> dt.datetime | None:
        """The present of the last story loaded into this file (see `record_story`), or None."""
        row = self.conn.execute(
            "SELECT after FROM events WHERE entity = 'database' AND action = 'story' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        try:
            return dt.datetime.fromisoformat(json.loads(row[0])["now"])
        except (ValueError, KeyError, TypeError):
            return None

    def filled_durations(self) -> list[tuple[str | None, str, float]]:
        """(grade, engagement, days from opened to closed) of every filled requisition: time-to-fill history."""
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: tens of thousands of rows, read from requisitions_closed
        return cursor.execute(
            # To the second, as `refresh_derived`'s timedeltas give it: julianday()'s difference is off
            # by a few microseconds, which turns a median of exactly 12.5 days into 12.50000000023 (13, not 12).
            f"SELECT grade, engagement, {DAYS_TO_FILL} FROM requisitions "
            "WHERE status = ? AND closed_at IS NOT NULL AND closed_at >= opened_at",
            (RequisitionStatus.FILLED.value,),
        ).fetchall()

    def closed_outcomes(self, standard_fee_pct: float) -> list[tuple[str, bool | None, int, int]]:
        """(engagement, fee at or above the standard (None: no fee), filled, closed) over closed requisitions."""
        closed = sorted(str(s) for s in CLOSED_STATUSES)
        rows = self.conn.execute(
            "SELECT engagement, CASE WHEN fee_pct IS NULL THEN NULL ELSE fee_pct >= ? END AS standard, "
            "SUM(status = ?), COUNT(*) FROM requisitions "
            f"WHERE status IN ({','.join('?' for _ in closed)}) GROUP BY 1, 2",
            (standard_fee_pct, RequisitionStatus.FILLED.value, *closed),
        )
        return [
            (engagement, None if standard is None else bool(standard), int(filled), int(total))
            for engagement, standard, filled, total in rows
        ]

    def open_requisition_profiles(self) -> Iterator[tuple[Any, ...]]:
        """One row per open requisition, what a dispute between the teams is judged on: (grade, opened_at,
        intake_at, hiring_manager_access, salary_max, market_salary, first submittal at, last submittal at,
        last client act at (feedback, interview, offer, placement, spec change), candidate declines, of them
        on pay). Times as stored (ISO text); the events are read from the (requisition_id, kind, at) index.
        Handed out as they are read, for one pass: at 1,000,000 requisitions the 600,000 rows held at once
        took ~260 MB."""
        statuses = sorted(str(s) for s in OPEN_STATUSES)
        client = sorted(str(k) for k in CLIENT_EVENT_KINDS)
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: one per open requisition
        return cursor.execute(
            "SELECT r.grade, r.opened_at, r.intake_at, r.hiring_manager_access, r.salary_max, r.market_salary, "
            "(SELECT MIN(e.at) FROM pipeline_events e WHERE e.requisition_id = r.id AND e.kind = 'submittal'), "
            "(SELECT MAX(e.at) FROM pipeline_events e WHERE e.requisition_id = r.id AND e.kind = 'submittal'), "
            "(SELECT MAX(e.at) FROM pipeline_events e WHERE e.requisition_id = r.id "
            f" AND e.kind IN ({','.join('?' for _ in client)})), "
            "(SELECT COUNT(*) FROM pipeline_events e WHERE e.requisition_id = r.id AND e.kind = 'decline'), "
            "(SELECT COUNT(*) FROM pipeline_events e WHERE e.requisition_id = r.id AND e.kind = 'decline' "
            " AND e.decline_reason = 'pay') "
            f"FROM requisitions r WHERE r.status IN ({','.join('?' for _ in statuses)})",
            (*client, *statuses),
        )

    def count_disputes_between(
        self, person_a: int, person_b: int, since: dt.datetime, exclude_id: int | None = None
    ) -> int:
        """Disputes between two people (either raising) opened since `since`, other than `exclude_id`."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM disputes WHERE opened_at >= ? AND id != ? AND "
            "((raised_by_id = ? AND counterpart_id = ?) OR (raised_by_id = ? AND counterpart_id = ?))",
            (_to_sql(since), exclude_id or 0, person_a, person_b, person_b, person_a),
        ).fetchone()[0]

    def count_team_disputes(self, since: dt.datetime, exclude_id: int | None = None) -> int:
        """Disputes between the two teams (whoever stood for them) opened since `since`, other than `exclude_id`."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM disputes INDEXED BY disputes_between_teams "
            "WHERE between_teams = 1 AND opened_at >= ? AND id != ?",
            (_to_sql(since), exclude_id or 0),
        ).fetchone()[0]

    def commitment_tallies_by_owner(self, since: dt.date, until: dt.date) -> dict[int, dict[str, int]]:
        """{owner id: {status: count}} of commitments due in [since, until]: `commitment_tally` for
        everyone at once (one pass over the commitments_due_owner index), so the rules read each
        person's and each team's follow-through from one answer."""
        empty = {str(s): 0 for s in CommitmentStatus}
        tallies: dict[int, dict[str, int]] = {}
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples: thousands of (owner, status) groups
        rows = cursor.execute(
            "SELECT owner_id, status, COUNT(*) FROM commitments WHERE due >= ? AND due <= ? GROUP BY owner_id, status",
            (since.isoformat(), until.isoformat()),
        ).fetchall()
        for owner_id, status, n in rows:
            tally = tallies.get(owner_id)
            if tally is None:
                tally = tallies[owner_id] = dict(empty)
            tally[status] = n
        return tallies
