"""Writes one fixture database per earlier schema version (from db.schema.MIGRATIONS) for the migration tests.

Run after adding a migration:  .venv/bin/python tests/reliability/make_fixtures.py
Each file is built by running the first N migrations and inserting a small team's records with plain
SQL (the Store only writes the current schema), so the files are reproducible byte for byte.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from mediation_console.db import audit  # noqa: E402
from mediation_console.db.schema import SCHEMA_VERSION, run_migration  # noqa: E402

FIXTURES = Path(__file__).with_name("fixtures")

# Records as a team would have them, with the text that tends to break things: accents, CJK, quotes.
RECORDS: dict[str, list[dict[str, object]]] = {
    "people": [
        {
            "id": 1,
            "name": "Sam Seller",
            "team": "sales",
            "active": 1,
            "team_name": "Tech desk",
            "email": "sam@example.com",
        },
        {"id": 2, "name": "Rita Récruteuse", "team": "recruiting", "active": 1},
        {"id": 3, "name": "李 Lead", "team": "lead", "active": 1},
    ],
    "requisitions": [
        {
            "id": 1,
            "code": "REQ-0001",
            "external_id": "ATS-77",
            "title": "Senior Data Engineer",
            "client": "Northwind Analytics",
            "sales_owner_id": 1,
            "recruiter_id": 2,
            "openings": 2,
            "status": "sourcing",
            "engagement": "exclusive",
            "fee_pct": 22.5,
            "salary_min": 120000,
            "salary_max": 140000,
            "market_salary": 150000,
            "location": "Lyon",
            "remote": 1,
            "promised_date": "2026-12-20",
            "intake_at": "2026-11-02 10:00:00",
            "jd_clear": 1,
            "must_haves": 4,
            "opened_at": "2026-11-01 09:00:00",
            "updated_at": "2026-11-03 09:00:00",
            "notes": 'Needs Spark; client says "ASAP"; O\'Brien is the hiring manager',
            "open_disputes": 1,  # D-0001, as the console keeps it
        },
        {
            "id": 2,
            "code": "REQ-0002",
            "title": "Controller",
            "client": "Initech",
            "sales_owner_id": 1,
            "recruiter_id": None,
            "status": "intake",
            "opened_at": "2026-11-10 09:00:00",
            "updated_at": "2026-11-10 09:00:00",
            "notes": "",
        },
        {
            "id": 3,
            "code": "REQ-0003",
            "title": "Ingénieur·e DevOps",
            "client": "Société Générale d'Essai",
            "sales_owner_id": 1,
            "recruiter_id": 2,
            "status": "filled",
            "opened_at": "2026-09-01 09:00:00",
            "updated_at": "2026-10-15 09:00:00",
            "closed_at": "2026-10-15 09:00:00",
            "submittals": 1,
            "last_submittal_at": "2026-09-10 12:00:00",
            "notes": "naïve café — 東京",
        },
    ],
    "pipeline_events": [
        {
            "id": 1,
            "requisition_id": 3,
            "kind": "submittal",
            "at": "2026-09-10 12:00:00",
            "actor_id": 2,
            "note": "Strong CV",
        },
        {
            "id": 2,
            "requisition_id": 3,
            "kind": "status_change",
            "at": "2026-10-15 09:00:00",
            "actor_id": 2,
            "note": "",
            "from_status": "offer",
            "to_status": "filled",
        },
    ],
    "disputes": [
        {
            "id": 1,
            "code": "D-0001",
            "requisition_id": 1,
            "raised_by_id": 2,
            "counterpart_id": 1,
            "category": "pay_below_market",
            "severity": 3,
            "summary": "Salary band 20% under market",
            "sales_interest": "Keep the client",
            "recruiting_interest": "Candidates who accept",
            "status": "open",
            "opened_at": "2026-11-04 09:00:00",
        },
    ],
    "expectations": [
        {
            "id": 1,
            "title": "Intake call within 24 h of a new requisition",
            "owner_team": "sales",
            "metric": "intake_within_hours",
            "target": 90.0,
            "threshold": 24.0,
            "window_days": 30,
            "status": "agreed",
            "agreed_at": "2026-10-01",
            "created_at": "2026-09-30 09:00:00",
        },
    ],
    "commitments": [
        {
            "id": 1,
            "owner_id": 1,
            "text": "Ask the client to raise the band to 150k",
            "due": "2026-11-30",
            "source": "dispute",
            "dispute_id": 1,
            "requisition_id": 1,
            "status": "open",
            "created_at": "2026-11-05 09:00:00",
        },
    ],
    "standups": [
        {
            "id": 1,
            "started_at": "2026-11-05 09:00:00",
            "ended_at": "2026-11-05 09:15:00",
            "facilitator_id": 3,
            "attendees": json.dumps([{"person_id": 1, "present": True}, {"person_id": 2, "present": True}]),
        },
    ],
    "standup_items": [
        {
            "id": 1,
            "standup_id": 1,
            "position": 0,
            "section": "disputes",
            "title": "D-0001 salary band",
            "dispute_id": 1,
            "notes": "Both sides heard",
            "decision": "Sam asks the client",
            "done": 1,
        },
    ],
    "placement_credits": [
        {
            "id": 1,
            "requisition_id": 3,
            "placement_event_id": None,
            "person_id": 1,
            "role": "originated",
            "split_pct": 40.0,
            "note": "Sam won the account",
            "recorded_at": "2026-10-15 10:00:00",
        },
        {
            "id": 2,
            "requisition_id": 3,
            "placement_event_id": None,
            "person_id": 2,
            "role": "filled",
            "split_pct": 60.0,
            "note": "",
            "recorded_at": "2026-10-15 10:00:00",
        },
    ],
}

ENTITY = {
    "people": "person",
    "requisitions": "requisition",
    "pipeline_events": "pipeline_event",
    "disputes": "dispute",
    "expectations": "expectation",
    "commitments": "commitment",
    "standups": "standup",
    "standup_items": "standup_item",
    "placement_credits": "placement_credit",
}


def build(version: int, dest: Path) -> None:
    dest.unlink(missing_ok=True)
    conn = sqlite3.connect(dest, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for number in range(version):
            run_migration(conn, number)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        chained = "audit_head" in tables
        for table, rows in RECORDS.items():
            if table not in tables:
                continue
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            for row in rows:
                values = {k: v for k, v in row.items() if k in columns}
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                    tuple(values.values()),
                )
                created = ("2026-11-05 09:00:00", "lead", ENTITY[table], row["id"], "create", None)
                if chained:  # from the hash chain's migration on, audit rows are written by its one writer
                    audit.append(conn, [(*created, json.dumps(values, sort_keys=True))])
                else:
                    conn.execute(
                        "INSERT INTO events (at, actor, entity, entity_id, action, before, after) VALUES (?,?,?,?,?,?,?)",
                        (*created, json.dumps(values, sort_keys=True)),
                    )
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    dest.chmod(0o600)


def fixture_path(version: int) -> Path:
    return FIXTURES / f"schema-v{version}.db"


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for version in range(1, SCHEMA_VERSION):
        build(version, fixture_path(version))
        print(f"wrote {fixture_path(version).relative_to(REPO)}")


if __name__ == "__main__":
    main()
