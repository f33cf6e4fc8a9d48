"""The SQL views a lead opens when browsing the file with Datasette (or any SQLite tool).

They are part of the schema (a migration creates them), read only the stored records, and compute
their dates when queried, so they are always current. Names of people are joined in, so nobody has to
remember who person 7 is. Each view that is about requisitions carries the requisition's id
(`requisition_id`), so a browser can search them with the requisitions' full-text index.
"""

from __future__ import annotations

from mediation_console.db.models import OPEN_DISPUTE_STATUSES, OPEN_STATUSES


def _quoted(values: frozenset[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


# A commitment counts on its outcome day: the day it was kept or missed when that came before its due
# date, otherwise its due date (console/core/follow_through.py has the reasons).
_OUTCOME_DAY = "CASE WHEN c.closed_at IS NOT NULL AND date(c.closed_at) < c.due THEN date(c.closed_at) ELSE c.due END"

VIEWS: dict[str, str] = {
    "open_queue": f"""
        SELECT r.code, r.title, r.client, s.name AS sales_owner, rc.name AS recruiter, r.status,
               r.grade, r.score, r.openings, r.promised_date, date(r.opened_at) AS opened,
               r.submittals, r.open_disputes, r.id AS requisition_id
        FROM requisitions r
        LEFT JOIN people s ON s.id = r.sales_owner_id
        LEFT JOIN people rc ON rc.id = r.recruiter_id
        WHERE r.status IN ({_quoted(OPEN_STATUSES)})
        ORDER BY r.promised_date IS NULL, r.promised_date, r.code
    """,
    "overdue_commitments": """
        SELECT c.id AS commitment, p.name AS owner, p.team, c.text, c.due,
               CAST(julianday(date('now')) - julianday(c.due) AS INTEGER) AS days_overdue,
               r.code AS requisition, d.code AS dispute, c.requisition_id
        FROM commitments c
        JOIN people p ON p.id = c.owner_id
        LEFT JOIN requisitions r ON r.id = c.requisition_id
        LEFT JOIN disputes d ON d.id = c.dispute_id
        WHERE c.status = 'open' AND c.due < date('now')
        ORDER BY c.due, p.name
    """,
    "follow_through_by_person": f"""
        SELECT p.name, p.team,
               SUM(c.status = 'kept') AS kept, SUM(c.status = 'missed') AS missed,
               ROUND(100.0 * SUM(c.status = 'kept') / SUM(c.status IN ('kept', 'missed')), 1)
                   AS follow_through_pct,
               'last 90 days, by outcome day' AS window
        FROM commitments c
        JOIN people p ON p.id = c.owner_id
        WHERE c.status IN ('kept', 'missed') AND {_OUTCOME_DAY} BETWEEN date('now', '-89 days') AND date('now')
        GROUP BY p.id
        ORDER BY follow_through_pct, p.name
    """,
    "follow_through_by_team": f"""
        SELECT p.team,
               SUM(c.status = 'kept') AS kept, SUM(c.status = 'missed') AS missed,
               ROUND(100.0 * SUM(c.status = 'kept') / SUM(c.status IN ('kept', 'missed')), 1)
                   AS follow_through_pct,
               COUNT(DISTINCT p.id) AS people,
               'last 90 days, by outcome day' AS window
        FROM commitments c
        JOIN people p ON p.id = c.owner_id
        WHERE c.status IN ('kept', 'missed') AND {_OUTCOME_DAY} BETWEEN date('now', '-89 days') AND date('now')
        GROUP BY p.team
        ORDER BY p.team
    """,
    "disputes_resolved": """
        SELECT d.code, r.code AS requisition, d.category, d.severity, d.status,
               rb.name AS raised_by, cp.name AS counterpart, d.summary, d.resolution,
               d.proposal_id AS accepted_proposal, date(d.opened_at) AS opened, date(d.closed_at) AS closed,
               d.requisition_id
        FROM disputes d
        LEFT JOIN requisitions r ON r.id = d.requisition_id
        LEFT JOIN people rb ON rb.id = d.raised_by_id
        LEFT JOIN people cp ON cp.id = d.counterpart_id
        WHERE d.status = 'resolved'
        ORDER BY d.closed_at DESC
    """,
    "open_disputes": f"""
        SELECT d.code, r.code AS requisition, d.category, d.severity, d.status,
               rb.name AS raised_by, cp.name AS counterpart, d.summary, date(d.opened_at) AS opened,
               CAST(julianday('now') - julianday(d.opened_at) AS INTEGER) AS days_open, d.requisition_id
        FROM disputes d
        LEFT JOIN requisitions r ON r.id = d.requisition_id
        LEFT JOIN people rb ON rb.id = d.raised_by_id
        LEFT JOIN people cp ON cp.id = d.counterpart_id
        WHERE d.status IN ({_quoted(OPEN_DISPUTE_STATUSES)})
        ORDER BY d.severity DESC, d.opened_at
    """,
}


# The views a browser can search with the requisitions' full-text index (its rowid is the requisition's id).
REQUISITION_SEARCHED_VIEWS = ("open_queue", "overdue_commitments", "disputes_resolved", "open_disputes")


def create_views_sql() -> str:
    """The statements that (re)create every view: a migration runs them, and doctor --repair may."""
    return "".join(
        f"DROP VIEW IF EXISTS {name};\nCREATE VIEW {name} AS {sql.strip()};\n" for name, sql in VIEWS.items()
    )


# Migration 16 created the views as they were then (no requisition id, so Datasette could not attach the
# requisitions' search to them). Kept as that migration ran it, so its files stay as they were; migration 20
# re-creates them from VIEWS.
VIEWS_OF_MIGRATION_16 = """DROP VIEW IF EXISTS open_queue;
CREATE VIEW open_queue AS SELECT r.code, r.title, r.client, s.name AS sales_owner, rc.name AS recruiter, r.status,
               r.grade, r.score, r.openings, r.promised_date, date(r.opened_at) AS opened,
               r.submittals, r.open_disputes
        FROM requisitions r
        LEFT JOIN people s ON s.id = r.sales_owner_id
        LEFT JOIN people rc ON rc.id = r.recruiter_id
        WHERE r.status IN ('intake', 'interviewing', 'offer', 'on_hold', 'qualified', 'sourcing', 'submitted')
        ORDER BY r.promised_date IS NULL, r.promised_date, r.code;
DROP VIEW IF EXISTS overdue_commitments;
CREATE VIEW overdue_commitments AS SELECT c.id AS commitment, p.name AS owner, p.team, c.text, c.due,
               CAST(julianday(date('now')) - julianday(c.due) AS INTEGER) AS days_overdue,
               r.code AS requisition, d.code AS dispute
        FROM commitments c
        JOIN people p ON p.id = c.owner_id
        LEFT JOIN requisitions r ON r.id = c.requisition_id
        LEFT JOIN disputes d ON d.id = c.dispute_id
        WHERE c.status = 'open' AND c.due < date('now')
        ORDER BY c.due, p.name;
DROP VIEW IF EXISTS follow_through_by_person;
CREATE VIEW follow_through_by_person AS SELECT p.name, p.team,
               SUM(c.status = 'kept') AS kept, SUM(c.status = 'missed') AS missed,
               ROUND(100.0 * SUM(c.status = 'kept') / SUM(c.status IN ('kept', 'missed')), 1)
                   AS follow_through_pct,
               'last 90 days, by outcome day' AS window
        FROM commitments c
        JOIN people p ON p.id = c.owner_id
        WHERE c.status IN ('kept', 'missed') AND CASE WHEN c.closed_at IS NOT NULL AND date(c.closed_at) < c.due THEN date(c.closed_at) ELSE c.due END BETWEEN date('now', '-89 days') AND date('now')
        GROUP BY p.id
        ORDER BY follow_through_pct, p.name;
DROP VIEW IF EXISTS follow_through_by_team;
CREATE VIEW follow_through_by_team AS SELECT p.team,
               SUM(c.status = 'kept') AS kept, SUM(c.status = 'missed') AS missed,
               ROUND(100.0 * SUM(c.status = 'kept') / SUM(c.status IN ('kept', 'missed')), 1)
                   AS follow_through_pct,
               COUNT(DISTINCT p.id) AS people,
               'last 90 days, by outcome day' AS window
        FROM commitments c
        JOIN people p ON p.id = c.owner_id
        WHERE c.status IN ('kept', 'missed') AND CASE WHEN c.closed_at IS NOT NULL AND date(c.closed_at) < c.due THEN date(c.closed_at) ELSE c.due END BETWEEN date('now', '-89 days') AND date('now')
        GROUP BY p.team
        ORDER BY p.team;
DROP VIEW IF EXISTS disputes_resolved;
CREATE VIEW disputes_resolved AS SELECT d.code, r.code AS requisition, d.category, d.severity, d.status,
               rb.name AS raised_by, cp.name AS counterpart, d.summary, d.resolution,
               d.proposal_id AS accepted_proposal, date(d.opened_at) AS opened, date(d.closed_at) AS closed
        FROM disputes d
        LEFT JOIN requisitions r ON r.id = d.requisition_id
        LEFT JOIN people rb ON rb.id = d.raised_by_id
        LEFT JOIN people cp ON cp.id = d.counterpart_id
        WHERE d.status = 'resolved'
        ORDER BY d.closed_at DESC;
DROP VIEW IF EXISTS open_disputes;
CREATE VIEW open_disputes AS SELECT d.code, r.code AS requisition, d.category, d.severity, d.status,
               rb.name AS raised_by, cp.name AS counterpart, d.summary, date(d.opened_at) AS opened,
               CAST(julianday('now') - julianday(d.opened_at) AS INTEGER) AS days_open
        FROM disputes d
        LEFT JOIN requisitions r ON r.id = d.requisition_id
        LEFT JOIN people rb ON rb.id = d.raised_by_id
        LEFT JOIN people cp ON cp.id = d.counterpart_id
        WHERE d.status IN ('mediating', 'open')
        ORDER BY d.severity DESC, d.opened_at;
"""
