"""The SQLite schema as ordered migrations; `PRAGMA user_version` records how many have run."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from mediation_console.db import audit
from mediation_console.db.views import VIEWS_OF_MIGRATION_16, create_views_sql

# Each entry moves the file from version i to i+1. Never edit a shipped migration: append a new one.
# Migration 11's looked-up facts worked out for every row at once: by the migration itself, and by the
# demo generator after it bulk-loads with the triggers below dropped. Boundaries match the metrics:
# a response at the same moment counts, a later status change must be strictly later.
EVENT_FACTS_BACKFILL = """
UPDATE requisitions SET
    status_changed_at = (SELECT MAX(e.at) FROM pipeline_events e
                         WHERE e.requisition_id = requisitions.id AND e.kind = 'status_change'),
    opened_status = (SELECT e.from_status FROM pipeline_events e
                     WHERE e.requisition_id = requisitions.id AND e.kind = 'status_change'
                     ORDER BY e.at, e.id LIMIT 1);
UPDATE pipeline_events SET answered_at = (
    SELECT MIN(f.at) FROM pipeline_events f
    WHERE f.requisition_id = pipeline_events.requisition_id AND f.kind = 'client_feedback'
      AND f.at >= pipeline_events.at)
WHERE kind = 'submittal';
UPDATE pipeline_events SET
    answered_at = (SELECT MIN(p.at) FROM pipeline_events p
                   WHERE p.requisition_id = pipeline_events.requisition_id AND p.kind = 'submittal'
                     AND p.at >= pipeline_events.at),
    requalified_at = (SELECT MIN(n.at) FROM pipeline_events n
                      WHERE n.requisition_id = pipeline_events.requisition_id AND n.kind = 'status_change'
                        AND n.to_status = 'qualified' AND n.at > pipeline_events.at),
    paused_at = (SELECT MIN(n.at) FROM pipeline_events n
                 WHERE n.requisition_id = pipeline_events.requisition_id AND n.kind = 'status_change'
                   AND n.to_status IN ('on_hold', 'lost', 'declined') AND n.at > pipeline_events.at)
WHERE kind = 'status_change' AND to_status = 'qualified'
"""

# The same facts kept current as each event is logged, whatever its time: a new event updates its own
# facts and those of the earlier events it answers, pauses or follows.
EVENT_FACTS_TRIGGER_NAMES = (
    "pipeline_events_submittal_facts",
    "pipeline_events_feedback_facts",
    "pipeline_events_status_facts",
    "pipeline_events_qualified_facts",
    "pipeline_events_pause_facts",
)
EVENT_FACTS_TRIGGERS = """
CREATE TRIGGER pipeline_events_submittal_facts AFTER INSERT ON pipeline_events
    WHEN new.kind = 'submittal' BEGIN
    UPDATE pipeline_events SET answered_at = (
        SELECT MIN(f.at) FROM pipeline_events f
        WHERE f.requisition_id = new.requisition_id AND f.kind = 'client_feedback' AND f.at >= new.at)
    WHERE id = new.id;
    UPDATE pipeline_events SET answered_at = new.at
    WHERE requisition_id = new.requisition_id AND kind = 'status_change' AND to_status = 'qualified'
      AND at <= new.at AND (answered_at IS NULL OR answered_at > new.at);
END;
CREATE TRIGGER pipeline_events_feedback_facts AFTER INSERT ON pipeline_events
    WHEN new.kind = 'client_feedback' BEGIN
    UPDATE pipeline_events SET answered_at = new.at
    WHERE requisition_id = new.requisition_id AND kind = 'submittal'
      AND at <= new.at AND (answered_at IS NULL OR answered_at > new.at);
END;
CREATE TRIGGER pipeline_events_status_facts AFTER INSERT ON pipeline_events
    WHEN new.kind = 'status_change' BEGIN
    UPDATE requisitions SET
        status_changed_at = MAX(COALESCE(status_changed_at, ''), new.at),
        opened_status = CASE WHEN EXISTS (
            SELECT 1 FROM pipeline_events f
            WHERE f.requisition_id = new.requisition_id AND f.kind = 'status_change'
              AND (f.at < new.at OR (f.at = new.at AND f.id < new.id))
        ) THEN opened_status ELSE new.from_status END
    WHERE id = new.requisition_id;
END;
CREATE TRIGGER pipeline_events_qualified_facts AFTER INSERT ON pipeline_events
    WHEN new.kind = 'status_change' AND new.to_status = 'qualified' BEGIN
    UPDATE pipeline_events SET
        answered_at = (SELECT MIN(p.at) FROM pipeline_events p
                       WHERE p.requisition_id = new.requisition_id AND p.kind = 'submittal' AND p.at >= new.at),
        requalified_at = (SELECT MIN(n.at) FROM pipeline_events n
                          WHERE n.requisition_id = new.requisition_id AND n.kind = 'status_change'
                            AND n.to_status = 'qualified' AND n.at > new.at),
        paused_at = (SELECT MIN(n.at) FROM pipeline_events n
                     WHERE n.requisition_id = new.requisition_id AND n.kind = 'status_change'
                       AND n.to_status IN ('on_hold', 'lost', 'declined') AND n.at > new.at)
    WHERE id = new.id;
    UPDATE pipeline_events SET requalified_at = new.at
    WHERE requisition_id = new.requisition_id AND kind = 'status_change' AND to_status = 'qualified'
      AND at < new.at AND (requalified_at IS NULL OR requalified_at > new.at);
END;
CREATE TRIGGER pipeline_events_pause_facts AFTER INSERT ON pipeline_events
    WHEN new.kind = 'status_change' AND new.to_status IN ('on_hold', 'lost', 'declined') BEGIN
    UPDATE pipeline_events SET paused_at = new.at
    WHERE requisition_id = new.requisition_id AND kind = 'status_change' AND to_status = 'qualified'
      AND at < new.at AND (paused_at IS NULL OR paused_at > new.at);
END;
"""

# Migration 12's fact, for every status change at once: the requisition's status change just before
# it (in time, then in the order logged), or the requisition's opening for its first change.
PREV_STATUS_BACKFILL = """
UPDATE pipeline_events SET prev_status_at = COALESCE((
    SELECT p.at FROM pipeline_events p
    WHERE p.requisition_id = pipeline_events.requisition_id AND p.kind = 'status_change'
      AND (p.at < pipeline_events.at OR (p.at = pipeline_events.at AND p.id < pipeline_events.id))
    ORDER BY p.at DESC, p.id DESC LIMIT 1
), (SELECT r.opened_at FROM requisitions r WHERE r.id = pipeline_events.requisition_id))
WHERE kind = 'status_change'
"""
PREV_STATUS_TRIGGER_NAMES = ("pipeline_events_prev_status", "requisitions_opened_prev_status")
PREV_STATUS_TRIGGERS = """
CREATE TRIGGER pipeline_events_prev_status AFTER INSERT ON pipeline_events
    WHEN new.kind = 'status_change' BEGIN
    UPDATE pipeline_events SET prev_status_at = COALESCE((
        SELECT p.at FROM pipeline_events p
        WHERE p.requisition_id = new.requisition_id AND p.kind = 'status_change'
          AND (p.at < new.at OR (p.at = new.at AND p.id < new.id))
        ORDER BY p.at DESC, p.id DESC LIMIT 1
    ), (SELECT r.opened_at FROM requisitions r WHERE r.id = new.requisition_id))
    WHERE id = new.id;
    -- Logged out of order: the change that came next now follows this one.
    UPDATE pipeline_events SET prev_status_at = new.at
    WHERE id = (
        SELECT n.id FROM pipeline_events n
        WHERE n.requisition_id = new.requisition_id AND n.kind = 'status_change'
          AND (n.at > new.at OR (n.at = new.at AND n.id > new.id))
        ORDER BY n.at, n.id LIMIT 1);
END;
CREATE TRIGGER requisitions_opened_prev_status AFTER UPDATE OF opened_at ON requisitions BEGIN
    UPDATE pipeline_events SET prev_status_at = new.opened_at
    WHERE id = (
        SELECT f.id FROM pipeline_events f
        WHERE f.requisition_id = new.id AND f.kind = 'status_change' ORDER BY f.at, f.id LIMIT 1);
END;
"""

# What the search index holds for every requisition (the rows migration 2's triggers keep), for a
# bulk load or a rebuild.
REQUISITIONS_FTS_FILL = """
INSERT INTO requisitions_fts(rowid, code, title, client, notes, people)
SELECT r.id, r.code, r.title, r.client, r.notes,
       (SELECT group_concat(name, ' ') FROM people p WHERE p.id IN (r.sales_owner_id, r.recruiter_id))
FROM requisitions r
"""

# The tables whose changes migration 13 counts (Store.table_versions): what caches are worked out from.
VERSIONED_TABLES = ("requisitions", "commitments", "people")
# Counted from migration 19 on: the rules' record of accepted proposals is worked out from disputes too.
LATER_VERSIONED_TABLES = ("disputes",)
_VERSIONED_ACTIONS = ("INSERT", "UPDATE", "DELETE")
VERSION_TRIGGER_NAMES = tuple(
    f"{table}_version_{action.lower()}"
    for table in (*VERSIONED_TABLES, *LATER_VERSIONED_TABLES)
    for action in _VERSIONED_ACTIONS
)


def _version_triggers(table: str) -> str:
    """Migration 13's change count for one more table: its row in data_versions and the triggers that bump it."""
    return f"""
    INSERT INTO data_versions (table_name) VALUES ('{table}');""" + "".join(
        f"""
    CREATE TRIGGER {table}_version_{action.lower()} AFTER {action} ON {table} BEGIN
        UPDATE data_versions SET version = version + 1 WHERE table_name = '{table}';
    END;"""
        for action in _VERSIONED_ACTIONS
    )


# The days whose measured cases a write may change (migration 24): the expectations' figures keep each
# settled day's tally (console/core/kept_tallies.py) and trust it while the day's mark is the one they
# saw. Every write that can move a case marks the day its clock started with a fresh random mark: an
# event (its own day, before and after), a requisition (the day it opened), and a change of grade or
# close (every day one of its events started a clock). A day is the first ten characters of the time,
# the same cut the tallies group by.
def _mark_day(expression: str) -> str:
    return f"""
        INSERT INTO tally_days (day, mark) SELECT substr({expression}, 1, 10), random() WHERE {expression} IS NOT NULL
            ON CONFLICT (day) DO UPDATE SET mark = excluded.mark;"""


def _mark_event_days(row: str) -> str:
    """Marks every day an event of the requisition `row` (NEW or OLD) is on."""
    return f"""
        INSERT INTO tally_days (day, mark)
            SELECT day, random() FROM (
                SELECT DISTINCT substr(e.at, 1, 10) AS day FROM pipeline_events AS e
                WHERE e.requisition_id = {row}.id AND e.at IS NOT NULL)
            WHERE true
            ON CONFLICT (day) DO UPDATE SET mark = excluded.mark;"""


def _marking_trigger(name: str, on: str, *expressions: str) -> str:
    return (
        f"""
    CREATE TRIGGER {name} {on} BEGIN"""
        + "".join(_mark_day(e) for e in expressions)
        + """
    END;"""
    )


TALLY_DAYS_SQL = (
    """
    CREATE TABLE tally_days (day TEXT PRIMARY KEY, mark INTEGER NOT NULL) WITHOUT ROWID;"""
    + _marking_trigger("pipeline_events_tally_insert", "AFTER INSERT ON pipeline_events", "NEW.at")
    + _marking_trigger("pipeline_events_tally_update", "AFTER UPDATE ON pipeline_events", "OLD.at", "NEW.at")
    + _marking_trigger("pipeline_events_tally_delete", "AFTER DELETE ON pipeline_events", "OLD.at")
    + _marking_trigger("requisitions_tally_insert", "AFTER INSERT ON requisitions", "NEW.opened_at")
    + _marking_trigger(
        "requisitions_tally_update",
        """AFTER UPDATE OF opened_at, intake_at, closed_at, promised_date, estimate_days
        ON requisitions WHEN OLD.opened_at IS NOT NEW.opened_at OR OLD.intake_at IS NOT NEW.intake_at
            OR OLD.closed_at IS NOT NEW.closed_at OR OLD.promised_date IS NOT NEW.promised_date
            OR OLD.estimate_days IS NOT NEW.estimate_days""",
        "OLD.opened_at",
        "NEW.opened_at",
    )
    + """
    CREATE TRIGGER requisitions_tally_events AFTER UPDATE OF grade, closed_at ON requisitions
        WHEN OLD.grade IS NOT NEW.grade OR OLD.closed_at IS NOT NEW.closed_at BEGIN"""
    + _mark_event_days("NEW")
    + """
    END;"""
    + _marking_trigger("requisitions_tally_delete", "AFTER DELETE ON requisitions", "OLD.opened_at")
    # The days already written are marked once: a copy of the file from before this migration (the same
    # identity, other data) then never matches what was tallied here.
    + """
    INSERT INTO tally_days (day, mark)
        SELECT day, random() FROM (
            SELECT substr(at, 1, 10) AS day FROM pipeline_events WHERE at IS NOT NULL
            UNION SELECT substr(opened_at, 1, 10) FROM requisitions WHERE opened_at IS NOT NULL)
        WHERE true
        ON CONFLICT (day) DO UPDATE SET mark = excluded.mark;
"""
)
TALLY_TRIGGER_NAMES = tuple(re.findall(r"CREATE TRIGGER (\w+)", TALLY_DAYS_SQL))

# A requisition deleted marks its events' days too, not only its opening's: with foreign keys on, the
# events go with it and mark their own days, but the sqlite3 shell and most other tools have them off
# by default, and the events left behind no longer count (every measure joins their requisition).
TALLY_DELETE_EVENTS_SQL = (
    """
    DROP TRIGGER requisitions_tally_delete;
    CREATE TRIGGER requisitions_tally_delete AFTER DELETE ON requisitions BEGIN"""
    + _mark_day("OLD.opened_at")
    + _mark_event_days("OLD")
    + """
    END;"""
)


# What bulk loading (the demo generator) drops and re-creates instead of firing per row, and the
# statements that then work out for every row what those triggers keep (migrations 11 and 12); the
# per-table change counts are bumped once instead.
PER_ROW_FACT_TRIGGER_NAMES = (
    EVENT_FACTS_TRIGGER_NAMES + PREV_STATUS_TRIGGER_NAMES + VERSION_TRIGGER_NAMES + TALLY_TRIGGER_NAMES
)
FACTS_BACKFILL_STATEMENTS = tuple(
    statement.strip() for statement in f"{EVENT_FACTS_BACKFILL};{PREV_STATUS_BACKFILL}".split(";") if statement.strip()
)

# The audit log becomes a hash chain (db/audit.py): each row's hash over the previous row's hash and its
# own content, and the chain's head beside it, both written with the row. The rows already there are
# chained by `_chain_existing_audit_rows` after this SQL, in the same transaction.
AUDIT_CHAIN_SQL = """
    ALTER TABLE events ADD COLUMN hash TEXT;
    CREATE TABLE audit_head (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        event_id INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    """


IDENTITY_AND_VIEWS_SQL = (
    """
    CREATE TABLE database_identity (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        uuid TEXT NOT NULL
    );
    INSERT INTO database_identity (singleton, uuid) VALUES (1, lower(hex(randomblob(16))));
    """
    + VIEWS_OF_MIGRATION_16
)


def _chain_existing_audit_rows(conn: sqlite3.Connection) -> None:
    # The append-only guard (migration 1) steps aside for this one write of the new column.
    guard = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'events_no_update'"
    ).fetchone()
    if guard is not None:
        conn.execute("DROP TRIGGER events_no_update")
    audit.hash_existing(conn)
    if guard is not None:
        conn.execute(guard[0])


MIGRATIONS: list[str] = [
    # 1: the records.
    """
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        team TEXT NOT NULL CHECK (team IN ('sales', 'recruiting', 'lead')),
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE requisitions (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        external_id TEXT UNIQUE,
        title TEXT NOT NULL,
        client TEXT NOT NULL,
        sales_owner_id INTEGER NOT NULL REFERENCES people(id),
        recruiter_id INTEGER REFERENCES people(id),
        openings INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL,
        engagement TEXT NOT NULL DEFAULT 'contingent',
        fee_pct REAL,
        salary_min INTEGER,
        salary_max INTEGER,
        market_salary INTEGER,
        location TEXT NOT NULL DEFAULT '',
        remote INTEGER NOT NULL DEFAULT 0,
        promised_date TEXT,
        intake_at TEXT,
        hiring_manager_access INTEGER NOT NULL DEFAULT 0,
        feedback_agreed_48h INTEGER NOT NULL DEFAULT 0,
        interview_stages INTEGER,
        interview_dates_agreed INTEGER NOT NULL DEFAULT 0,
        jd_clear INTEGER NOT NULL DEFAULT 0,
        must_haves INTEGER,
        headcount_approved INTEGER NOT NULL DEFAULT 0,
        reason_known INTEGER NOT NULL DEFAULT 0,
        candidates_exist INTEGER NOT NULL DEFAULT 0,
        competing_agencies INTEGER NOT NULL DEFAULT 0,
        feedback_turnaround_hours REAL,
        opened_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT,
        status_reason TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        -- Derived figures kept beside the record so the queue can sort and page in SQL.
        score INTEGER,
        grade TEXT,
        estimate_days INTEGER,
        submittals INTEGER NOT NULL DEFAULT 0,
        last_submittal_at TEXT,
        open_disputes INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX requisitions_status ON requisitions(status);
    CREATE INDEX requisitions_opened ON requisitions(opened_at);
    CREATE INDEX requisitions_promised ON requisitions(promised_date);
    CREATE INDEX requisitions_score ON requisitions(score);
    CREATE INDEX requisitions_sales ON requisitions(sales_owner_id);
    CREATE INDEX requisitions_recruiter ON requisitions(recruiter_id);
    CREATE INDEX requisitions_updated ON requisitions(updated_at);

    CREATE TABLE pipeline_events (
        id INTEGER PRIMARY KEY,
        requisition_id INTEGER NOT NULL REFERENCES requisitions(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        actor_id INTEGER REFERENCES people(id),
        note TEXT NOT NULL DEFAULT '',
        from_status TEXT,
        to_status TEXT
    );
    CREATE INDEX pipeline_events_requisition ON pipeline_events(requisition_id, at);
    CREATE INDEX pipeline_events_kind ON pipeline_events(kind, at);

    CREATE TABLE disputes (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        requisition_id INTEGER REFERENCES requisitions(id),
        raised_by_id INTEGER NOT NULL REFERENCES people(id),
        counterpart_id INTEGER NOT NULL REFERENCES people(id),
        category TEXT NOT NULL,
        severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 3),
        summary TEXT NOT NULL,
        sales_interest TEXT NOT NULL DEFAULT '',
        recruiting_interest TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        resolution TEXT NOT NULL DEFAULT '',
        proposal_id TEXT,
        opened_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE INDEX disputes_status ON disputes(status);
    CREATE INDEX disputes_requisition ON disputes(requisition_id);

    CREATE TABLE expectations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        owner_team TEXT NOT NULL,
        metric TEXT,
        target REAL NOT NULL,
        threshold REAL,
        window_days INTEGER NOT NULL,
        status TEXT NOT NULL,
        agreed_at TEXT,
        created_at TEXT NOT NULL
    );

    CREATE TABLE standups (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        facilitator_id INTEGER REFERENCES people(id),
        attendees TEXT NOT NULL DEFAULT '[]',
        current_item INTEGER NOT NULL DEFAULT 0,
        timebox_seconds INTEGER NOT NULL DEFAULT 120,
        blockers TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE standup_items (
        id INTEGER PRIMARY KEY,
        standup_id INTEGER NOT NULL REFERENCES standups(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        section TEXT NOT NULL,
        title TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        requisition_id INTEGER REFERENCES requisitions(id),
        dispute_id INTEGER REFERENCES disputes(id),
        commitment_id INTEGER,
        person_id INTEGER REFERENCES people(id),
        notes TEXT NOT NULL DEFAULT '',
        decision TEXT NOT NULL DEFAULT '',
        seconds_spent INTEGER NOT NULL DEFAULT 0,
        done INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX standup_items_standup ON standup_items(standup_id, position);

    CREATE TABLE commitments (
        id INTEGER PRIMARY KEY,
        owner_id INTEGER NOT NULL REFERENCES people(id),
        text TEXT NOT NULL,
        due TEXT NOT NULL,
        source TEXT NOT NULL,
        dispute_id INTEGER REFERENCES disputes(id),
        requisition_id INTEGER REFERENCES requisitions(id),
        standup_id INTEGER REFERENCES standups(id),
        expectation_id INTEGER REFERENCES expectations(id),
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        closed_at TEXT,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX commitments_owner ON commitments(owner_id, status);
    CREATE INDEX commitments_due ON commitments(status, due);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        action TEXT NOT NULL,
        before TEXT,
        after TEXT
    );
    CREATE INDEX events_entity ON events(entity, entity_id);
    -- The audit log is append-only.
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 2: full-text search over requisitions, kept current by triggers.
    """
    CREATE VIRTUAL TABLE requisitions_fts USING fts5(
        code, title, client, notes, people,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
    );
    INSERT INTO requisitions_fts(rowid, code, title, client, notes, people)
        SELECT r.id, r.code, r.title, r.client, r.notes,
               (SELECT group_concat(name, ' ') FROM people p WHERE p.id IN (r.sales_owner_id, r.recruiter_id))
        FROM requisitions r;
    CREATE TRIGGER requisitions_fts_insert AFTER INSERT ON requisitions BEGIN
        INSERT INTO requisitions_fts(rowid, code, title, client, notes, people)
        VALUES (new.id, new.code, new.title, new.client, new.notes,
                (SELECT group_concat(name, ' ') FROM people p WHERE p.id IN (new.sales_owner_id, new.recruiter_id)));
    END;
    CREATE TRIGGER requisitions_fts_update
        AFTER UPDATE OF code, title, client, notes, sales_owner_id, recruiter_id ON requisitions BEGIN
        DELETE FROM requisitions_fts WHERE rowid = old.id;
        INSERT INTO requisitions_fts(rowid, code, title, client, notes, people)
        VALUES (new.id, new.code, new.title, new.client, new.notes,
                (SELECT group_concat(name, ' ') FROM people p WHERE p.id IN (new.sales_owner_id, new.recruiter_id)));
    END;
    CREATE TRIGGER requisitions_fts_delete AFTER DELETE ON requisitions BEGIN
        DELETE FROM requisitions_fts WHERE rowid = old.id;
    END;
    CREATE TRIGGER people_fts_rename AFTER UPDATE OF name ON people BEGIN
        UPDATE requisitions_fts
        SET people = (SELECT group_concat(name, ' ') FROM people p, requisitions r
                      WHERE r.id = requisitions_fts.rowid AND p.id IN (r.sales_owner_id, r.recruiter_id))
        WHERE rowid IN (SELECT id FROM requisitions WHERE sales_owner_id = new.id OR recruiter_id = new.id);
    END;
    """,
    # 3: indexes for the queue's text and count sorts, so the first page of any sort is read from an
    # index instead of sorting 100,000 rows (~140 ms -> ~1 ms). The rowid ends each index, which is
    # the queue's tie-break.
    """
    CREATE INDEX requisitions_title ON requisitions(title COLLATE NOCASE);
    CREATE INDEX requisitions_client ON requisitions(client COLLATE NOCASE);
    CREATE INDEX requisitions_submittals ON requisitions(submittals);
    CREATE INDEX requisitions_open_disputes ON requisitions(open_disputes);
    """,
    # 4: covering indexes for the expectation metrics: "events of a kind in a time range" and "the next
    # event of a kind on a requisition" are then read from an index alone, never from the wide table
    # rows (client feedback over 100,000 requisitions: ~2.5 s -> ~0.5 s).
    """
    CREATE INDEX pipeline_events_kind_covering ON pipeline_events(kind, at, requisition_id, to_status);
    CREATE INDEX pipeline_events_requisition_kind
        ON pipeline_events(requisition_id, kind, at, to_status, from_status);
    """,
    # 5: the recruiter's name kept beside the requisition, so the queue sorted by recruiter reads its
    # first page from an index (the outer join to people could only sort all 100,000 rows: ~90 ms ->
    # ~1 ms). Triggers keep it current on insert, on a new recruiter and on a renamed person.
    """
    ALTER TABLE requisitions ADD COLUMN recruiter_name TEXT;
    UPDATE requisitions SET recruiter_name = (SELECT name FROM people p WHERE p.id = requisitions.recruiter_id)
        WHERE recruiter_id IS NOT NULL;
    CREATE INDEX requisitions_recruiter_name ON requisitions(recruiter_name COLLATE NOCASE);
    CREATE TRIGGER requisitions_recruiter_name_insert AFTER INSERT ON requisitions
        WHEN new.recruiter_id IS NOT NULL BEGIN
        UPDATE requisitions SET recruiter_name = (SELECT name FROM people p WHERE p.id = new.recruiter_id)
            WHERE id = new.id;
    END;
    CREATE TRIGGER requisitions_recruiter_name_update AFTER UPDATE OF recruiter_id ON requisitions BEGIN
        UPDATE requisitions SET recruiter_name = (SELECT name FROM people p WHERE p.id = new.recruiter_id)
            WHERE id = new.id;
    END;
    CREATE TRIGGER people_recruiter_name_rename AFTER UPDATE OF name ON people BEGIN
        UPDATE requisitions SET recruiter_name = new.name WHERE recruiter_id = new.id;
    END;
    """,
    # 6: indexes for the standup agenda and the rules' team history, so each agenda section and each
    # database-wide figure a proposal reads is one index range rather than a pass over the wide rows
    # (agenda queries at 100,000 requisitions: ~330 ms -> ~120 ms; proposals for a dispute: ~110 ms
    # -> ~1 ms together with the Mediator's caches).
    # - intake_risk: "awaiting intake" in opened order, and every at-risk check read from the index alone;
    # - closed: requisitions filled in a period, time-to-fill history and fill rates by terms;
    # - commitments: kept in a period, due in the follow-through window by owner, open per standup;
    # - disputes: the open ones by severity, and those between two people.
    """
    CREATE INDEX requisitions_intake_risk
        ON requisitions(status, intake_at, opened_at, promised_date, estimate_days, submittals, grade);
    CREATE INDEX requisitions_closed ON requisitions(status, closed_at, opened_at, grade, engagement, fee_pct);
    CREATE INDEX commitments_closed ON commitments(status, closed_at);
    CREATE INDEX commitments_due_owner ON commitments(due, owner_id, status);
    CREATE INDEX commitments_standup ON commitments(standup_id, status, due);
    CREATE INDEX disputes_open ON disputes(status, severity, opened_at);
    CREATE INDEX disputes_pair ON disputes(raised_by_id, counterpart_id, opened_at);
    """,
    # 7: the first-submittal metrics start from the requisitions of one grade (a third of them) and
    # seek their qualifications, instead of checking the grade of every qualification in the window.
    """
    CREATE INDEX requisitions_grade ON requisitions(grade);
    """,
    # 8: the "events of a kind in a time range" index also carries the from-status, so the stale-
    # requisition trend counts who was running at each week-end from status changes alone, without
    # pairing each change with the next (~1 s -> ~0.3 s at 100,000 requisitions). It replaces the
    # index of migration 4, which it extends.
    """
    CREATE INDEX pipeline_events_kind_status ON pipeline_events(kind, at, requisition_id, to_status, from_status);
    DROP INDEX pipeline_events_kind_covering;
    """,
    # 9: "requisitions opened in a time range" read from an index alone, with what the intake and the
    # promise metrics measure, never from the wide table rows (their case queries at 100,000
    # requisitions: ~92 -> ~71 ms and ~65 -> ~46 ms).
    """
    CREATE INDEX requisitions_opened_covering
        ON requisitions(opened_at, intake_at, closed_at, promised_date, estimate_days);
    """,
    # 10: status changes by the status they went into and the one they came out of, so the stale-
    # requisition trend counts the (few) changes into and out of a paused or closed status from an
    # index range instead of testing all of them (the trend at 100,000 requisitions: ~490 -> ~350 ms,
    # measured while another process kept one of the two cores busy). Partial: only
    # status changes are ever looked up by status.
    """
    CREATE INDEX pipeline_events_status_to ON pipeline_events(to_status, at) WHERE kind = 'status_change';
    CREATE INDEX pipeline_events_status_from ON pipeline_events(from_status, at) WHERE kind = 'status_change';
    """,
    # 11: what the expectation metrics look up for every case, kept beside the case by triggers when an
    # event is logged (out of order too), so a metric reads one index range instead of seeking the
    # next event of each case (every metric at 100,000 requisitions: see bench/README.md).
    # - requisitions.status_changed_at: its latest status change (the stale-requisition snapshot);
    # - requisitions.opened_status: the status it was opened in, once it has changed (the stale trend
    #   counts who was running at each week-end; until the first change it is the current status);
    # - a submittal's answered_at: the client's first feedback at or after it;
    # - a qualification's answered_at, requalified_at and paused_at: the first submittal at or after it,
    #   the next qualification and the next hold / loss / decline after it (first-submittal metrics).
    """
    ALTER TABLE requisitions ADD COLUMN status_changed_at TEXT;
    ALTER TABLE requisitions ADD COLUMN opened_status TEXT;
    ALTER TABLE pipeline_events ADD COLUMN answered_at TEXT;
    ALTER TABLE pipeline_events ADD COLUMN requalified_at TEXT;
    ALTER TABLE pipeline_events ADD COLUMN paused_at TEXT;
    """
    + "\n".join(f"{s.strip()};" for s in EVENT_FACTS_BACKFILL.split(";") if s.strip())
    + """
    CREATE INDEX requisitions_status_changed ON requisitions(status, status_changed_at, opened_at);
    CREATE INDEX requisitions_opened_status ON requisitions(COALESCE(opened_status, status), opened_at);
    CREATE INDEX pipeline_events_submittal_answered ON pipeline_events(at, answered_at, requisition_id)
        WHERE kind = 'submittal';
    CREATE INDEX pipeline_events_qualified_answered
        ON pipeline_events(at, requisition_id, answered_at, requalified_at, paused_at)
        WHERE kind = 'status_change' AND to_status = 'qualified';
    """
    + EVENT_FACTS_TRIGGERS,
    # 12: each status change carries when the requisition's previous status change (or its opening)
    # was, kept by triggers like migration 11's facts, so the stale trend finds "running at W - N days
    # and changed by W" as one index range per week instead of grouping every change of the week by
    # requisition.
    """
    ALTER TABLE pipeline_events ADD COLUMN prev_status_at TEXT;
    """
    + PREV_STATUS_BACKFILL
    + """;
    CREATE INDEX pipeline_events_status_prev ON pipeline_events(at, prev_status_at, from_status)
        WHERE kind = 'status_change';
    """
    + PREV_STATUS_TRIGGERS,
    # 13: a change count per table, kept by triggers whoever writes, so a cache of what is worked out
    # from some tables (the rules' team history from requisitions, commitments and people; the people
    # list) survives writes to the others (a note typed into a standup item). And the at-risk index
    # carries the latest status change (migration 11), so "stale" is read from the index like the
    # other at-risk checks instead of listing every requisition changed in the last days.
    """
    CREATE TABLE data_versions (table_name TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0);
    """
    + "".join(
        f"""
    INSERT INTO data_versions (table_name) VALUES ('{table}');"""
        + "".join(
            f"""
    CREATE TRIGGER {table}_version_{action.lower()} AFTER {action} ON {table} BEGIN
        UPDATE data_versions SET version = version + 1 WHERE table_name = '{table}';
    END;"""
            for action in _VERSIONED_ACTIONS
        )
        for table in VERSIONED_TABLES
    )
    + """
    DROP INDEX requisitions_intake_risk;
    CREATE INDEX requisitions_intake_risk ON requisitions(
        status, intake_at, opened_at, promised_date, estimate_days, submittals, grade, status_changed_at);
    """,
    # 14: the audit log as a hash chain with its head recorded (AUDIT_CHAIN_SQL, then the rows already there).
    AUDIT_CHAIN_SQL,
    # 15: the facts a mediator needs (issue 13). Feedback says what the reviewer decided (the kind says
    # whether the client or sales reviewed it; the note says why), a candidate's decline has a reason, a
    # placement its source and the people who took part; a requisition has the first-slate date sales
    # promised besides the hire date; a dispute can have further parties or be between the two teams.
    # Recruiter workload (open requisitions per recruiter) is counted from an index on both columns,
    # which replaces the recruiter-only one it extends.
    """
    ALTER TABLE pipeline_events ADD COLUMN outcome TEXT;
    ALTER TABLE pipeline_events ADD COLUMN decline_reason TEXT;
    ALTER TABLE pipeline_events ADD COLUMN placement_source TEXT;
    ALTER TABLE pipeline_events ADD COLUMN participants TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE requisitions ADD COLUMN first_slate_date TEXT;
    ALTER TABLE disputes ADD COLUMN parties TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE disputes ADD COLUMN between_teams INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX requisitions_recruiter_status ON requisitions(recruiter_id, status);
    DROP INDEX requisitions_recruiter;
    """,
    # 16: an identity for the file (calendar UIDs of two teams never collide) and the views a lead opens
    # when browsing it with Datasette (db/views.py).
    IDENTITY_AND_VIEWS_SQL,
    # 17: a person's email (for the digests and calendar invites; unique when given, whatever its case)
    # and the team they work in within their role ("Tech desk"): `team` has always held the role
    # (sales / recruiting / lead), so the free-text team is `team_name`. An empty email is stored NULL.
    """
    ALTER TABLE people ADD COLUMN email TEXT;
    ALTER TABLE people ADD COLUMN team_name TEXT NOT NULL DEFAULT '';
    CREATE UNIQUE INDEX people_email ON people(email COLLATE NOCASE) WHERE email IS NOT NULL;
    """,
    # 18: placement credit, as staffing CRMs keep team-member credits on a placement (Bullhorn's
    # placement commissions): who originated the job (won the client), who filled it (found the placed
    # candidate), who assisted, and each one's split in %. A placement's splits add up to 100 (the Store
    # checks); a person holds one credit of each role per placement. A credit dispute is settled from it.
    # And each accepted proposal's commitments by dispute, for the rules' record of what was kept.
    """
    CREATE TABLE placement_credits (
        id INTEGER PRIMARY KEY,
        requisition_id INTEGER NOT NULL REFERENCES requisitions(id),
        placement_event_id INTEGER REFERENCES pipeline_events(id),
        person_id INTEGER NOT NULL REFERENCES people(id),
        role TEXT NOT NULL CHECK (role IN ('originated', 'filled', 'assisted')),
        split_pct REAL NOT NULL CHECK (split_pct >= 0 AND split_pct <= 100),
        note TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX placement_credits_requisition ON placement_credits(requisition_id, placement_event_id);
    CREATE INDEX placement_credits_person ON placement_credits(person_id);
    CREATE UNIQUE INDEX placement_credits_one_role
        ON placement_credits(requisition_id, COALESCE(placement_event_id, 0), person_id, role);
    CREATE INDEX commitments_dispute ON commitments(dispute_id, status) WHERE dispute_id IS NOT NULL;
    """,
    # 19: disputes get a change count (migration 13's), so the rules' record of each accepted proposal is
    # read again only after a dispute or a commitment changed (one query instead of counting the resolved
    # disputes: ~0.5 ms of a 5 ms budget at 100,000 requisitions); and the disputes between the two teams
    # are found from a partial index (the 90-day count of a team-wide dispute: ~6 ms scan -> an index range).
    "".join(_version_triggers(table) for table in LATER_VERSIONED_TABLES)
    + """
    CREATE INDEX disputes_between_teams ON disputes(opened_at) WHERE between_teams = 1;
    """,
    # 20: the views again, now with the requisition's id in each one about requisitions (db/views.py), so
    # Datasette's search of a view (`_search` on open_queue) uses the requisitions' full-text index
    # instead of silently returning every row. Views hold no data: nothing is copied.
    create_views_sql(),
    # 21: the follow-through reads (the track record's 30- and 90-day windows and weekly trend, the rules'
    # 90-day figure, the digest) range over kept and missed commitments by due date and need only the
    # owner and the close beside it: one covering index instead of the (status, due) one and a look-up
    # of each wide commitment row (its text) — 127 -> 45 ms and 118 -> 75 ms at 100,000 requisitions.
    """
    DROP INDEX commitments_due;
    CREATE INDEX commitments_due ON commitments(status, due, owner_id, closed_at);
    """,
    # 22: two pipeline-event indexes that others already hold: (kind, at) is the head of
    # pipeline_events_kind_status, and a requisition's few events are found by the head of
    # pipeline_events_requisition_kind (then sorted by time: a handful of rows). Each index is kept up to
    # date on every event written and sorted again by every demo: 8 million entries twice at 1,000,000
    # requisitions (28 s of `mediate demo`, 560 MB of the file).
    """
    DROP INDEX IF EXISTS pipeline_events_kind;
    DROP INDEX IF EXISTS pipeline_events_requisition;
    """,
    # 23: the Team screen's open requisitions per person from two covering index scans (the sales
    # owners' with their status beside them, the recruiters' already are) and the few requisitions one
    # person both owns and recruits from a partial index, instead of visiting every open requisition's
    # row: 136 -> ~21 ms at 100,000 requisitions.
    """
    DROP INDEX requisitions_sales;
    CREATE INDEX requisitions_sales ON requisitions(sales_owner_id, status);
    CREATE INDEX requisitions_self_recruited ON requisitions(sales_owner_id, status)
        WHERE recruiter_id = sales_owner_id;
    """,
    # 24: the days each write may change the measured cases of, marked by triggers whoever writes, so the
    # expectations' settled days are tallied once and not read again while nothing on them changes.
    TALLY_DAYS_SQL,
    # 25: the commitments checked in by hand against an expectation (its measure, "weekly pipeline review
    # attended") found from an index of their own instead of reading every commitment: ~60 ms at
    # 1,000,000 requisitions (620,000 commitments), and several times that beside the console's start-up.
    """
    CREATE INDEX commitments_expectation ON commitments(expectation_id) WHERE expectation_id IS NOT NULL;
    """,
    # 26: a requisition deleted by another tool with foreign keys off (the sqlite3 shell's default) marks
    # the days of the events it leaves behind, so no kept tally still counts it.
    TALLY_DELETE_EVENTS_SQL,
]

SCHEMA_VERSION = len(MIGRATIONS)

# What runs after a migration's SQL, in its transaction, for what SQL alone cannot do. Keyed by the SQL
# itself, so renumbering a migration on a rebase cannot detach its step.
_AFTER_SQL: dict[int, Callable[[sqlite3.Connection], None]] = {
    MIGRATIONS.index(AUDIT_CHAIN_SQL): _chain_existing_audit_rows,
}


def split_sql(script: str) -> list[str]:
    """Splits a migration into statements, keeping trigger bodies whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    if "\n".join(current).strip():
        statements.append("\n".join(current).strip())
    return statements


def run_migration(conn: sqlite3.Connection, number: int) -> None:
    """Moves the file from version `number` to `number + 1` (the caller holds the transaction)."""
    for statement in split_sql(MIGRATIONS[number]):
        conn.execute(statement)
    step = _AFTER_SQL.get(number)
    if step is not None:
        step(conn)
    conn.execute(f"PRAGMA user_version = {number + 1}")
