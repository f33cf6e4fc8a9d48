"""Whole-file operations: backup, counts, doctor and repair, demo and empty checks."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mediation_console.db import audit as audit_chain
from mediation_console.db import doctor as doctor_checks
from mediation_console.db import safe_file
from mediation_console.db.short_transactions import ChunkSizer, ShortTransactions
from mediation_console.db.store.imports import ImportStore
from mediation_console.db.words import plural


@dataclass
class DoctorReport:
    path: str
    ok: bool
    integrity: str
    schema_version: int
    journal_mode: str
    foreign_keys: bool
    mode: str
    readable_by_others: bool
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What the checks of db/doctor.py found: the table, the row and what is wrong with each.
    problems: list[doctor_checks.Problem] = field(default_factory=list)
    audit_head: str = ""
    repaired: list[str] = field(default_factory=list)
    repair_backup: Path | None = None


class Maintenance(ImportStore):
    """Whole-file operations: backup, counts, doctor and repair, demo and empty checks."""

    # -- whole-file operations -------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        tables = [
            "people",
            "requisitions",
            "pipeline_events",
            "disputes",
            "expectations",
            "commitments",
            "standups",
            "standup_items",
            "events",
        ]
        return {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def doctor(self, against: audit_chain.Head | None = None) -> DoctorReport:
        """Checks the file (db/doctor.py): `against` is an audit head recorded earlier (a backup's)
        that must still be in the chain."""
        integrity = "; ".join(row[0] for row in self.conn.execute("PRAGMA integrity_check"))
        fk_problems = self.conn.execute("PRAGMA foreign_key_check").fetchall()
        mode_bits = stat.S_IMODE(os.stat(self.path).st_mode)
        others = bool(mode_bits & (stat.S_IRWXG | stat.S_IRWXO))
        problems = doctor_checks.run_checks(self.conn, against)
        self.conn.row_factory = sqlite3.Row
        report = DoctorReport(
            path=str(self.path),
            ok=integrity == "ok" and not fk_problems and not problems,
            integrity=integrity,
            schema_version=self.conn.execute("PRAGMA user_version").fetchone()[0],
            journal_mode=self.conn.execute("PRAGMA journal_mode").fetchone()[0],
            foreign_keys=bool(self.conn.execute("PRAGMA foreign_keys").fetchone()[0]),
            mode=oct(mode_bits),
            readable_by_others=others,
            counts=self.counts(),
            problems=problems,
            audit_head=str(audit_chain.read_head(self.conn)),
        )
        if fk_problems:
            report.warnings.append(
                f"{plural(len(fk_problems), 'row')} {'points' if len(fk_problems) == 1 else 'point'} at records "
                "that do not exist"
            )
        if others:
            report.warnings.append(
                f"The database file is readable by other users ({oct(mode_bits)}); run: chmod 600 {self.path}"
            )
        if self.readonly:
            report.warnings.append("The database is open read-only")
        for stopped in self.interrupted_imports():
            done = stopped.get("committed", {})
            report.warnings.append(
                f"The import of {stopped.get('file')} stopped before its end: {done.get('created', 0):,} "
                f"requisitions created and {done.get('updated', 0):,} updated were committed, each with its audit "
                "row; import the same file again to finish it"
            )
        return report

    def repair(self) -> DoctorReport:
        """`doctor --repair`: a backup beside the file first, then what can be rebuilt safely (triggers,
        indexes, views, the search index, the counts) in one audited transaction; the report after it
        lists what is still wrong (a broken audit chain, records their model refuses)."""
        problems = doctor_checks.run_checks(self.conn)
        self.conn.row_factory = sqlite3.Row
        backup: Path | None = None
        done: list[str] = []
        if any(p.repairable for p in problems):
            stamp = self.now().strftime("%Y%m%dT%H%M%S")
            # Unique: a repair killed after its backup, or a second one in the same second, takes its own.
            backup = self.backup(safe_file.unique_path(self.path.with_name(f"{self.path.name}.pre-repair-{stamp}.bak")))
            recount = doctor_checks.needs_recount(problems)
            with self.transaction():
                done = doctor_checks.repair(self.conn, problems)
                if not recount:
                    self.audit("database", None, "repair", None, {"repaired": done, "backup": str(backup)})
            if recount:
                self._recount(done, backup)
        report = self.doctor()
        report.repaired = done
        report.repair_backup = backup
        return report

    # Rows a recount chunk starts with; chunks are sized from then on by how long they take (ChunkSizer).
    _RECOUNT_CHUNK = 2000

    def _recount(self, done: list[str], backup: Path) -> None:
        """The counts kept beside each requisition and event, recounted in short transactions (a single
        UPDATE of every row held the write lock 27 s at 100,000 requisitions, load ~15); the repair's
        audit row goes in the last. Each row's recount reads only other rows, so a repair stopped half
        way leaves each row right or as it was, and running it again finishes it."""
        with ShortTransactions(self, what="a repair") as batches:
            for table, statement in doctor_checks.recount_statements(self.conn):
                last = self.conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").fetchone()[0]
                sizer = ChunkSizer(self._RECOUNT_CHUNK, clock=batches.clock)
                low = 0
                while low < last:
                    high = min(low + sizer.size, last)
                    batches.checkpoint(upcoming=sizer.expected(high - low))
                    with sizer.timed(high - low):
                        self.conn.execute(statement, {"low": low, "high": high})
                    low = high
            done.append(doctor_checks.RECOUNTED)
            self.audit("database", None, "repair", None, {"repaired": done, "backup": str(backup)})

    def is_demo(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM events WHERE entity = 'database' AND action = 'demo' LIMIT 1").fetchone()
        return row is not None

    def is_empty(self) -> bool:
        """True when nothing has been entered yet (the proposed default expectations do not count)."""
        counts = self.counts()
        return all(counts[t] == 0 for t in ("people", "requisitions", "disputes", "commitments", "standups"))
