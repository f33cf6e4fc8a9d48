"""The Store: the only code that speaks SQL. Opens, migrates and guards the file; returns models.

One class for its callers, composed by concern (docs/ARCHITECTURE.md): `connection` opens the file and
holds transactions and the audit row; one module per entity's writes (`people`, `requisitions`,
`credits`, `disputes`, `commitments`, `standups`); read models by what they answer (`queue`, `agenda`,
`metrics`, `track_record`, `rules_inputs`, `export`); the import's bulk loading in `bulk` and its
bookkeeping in `imports`; whole-file operations in `maintenance`."""

from __future__ import annotations

from mediation_console.db.store.agenda import AgendaReads
from mediation_console.db.store.bulk import BulkLoading
from mediation_console.db.store.connection import (
    BUSY_TIMEOUT_MS,
    BackgroundReadInterrupted,
    DamagedRecord,
    EditConflict,
    NewerSchemaError,
    RejectedChange,
    StoreError,
    utcnow,
)
from mediation_console.db.store.credits import CreditStore
from mediation_console.db.store.disputes import DisputeStore
from mediation_console.db.store.export import ExportReads
from mediation_console.db.store.maintenance import DoctorReport, Maintenance
from mediation_console.db.store.metrics import KEPT_TALLIES_VERSION, MetricReads
from mediation_console.db.store.queue import QUEUE_SORTS, QueueQuery, QueueReads, fts_query
from mediation_console.db.store.rules_inputs import RulesInputReads


class Store(
    CreditStore,
    Maintenance,
    DisputeStore,
    AgendaReads,
    QueueReads,
    MetricReads,
    RulesInputReads,
    BulkLoading,
    ExportReads,
):
    """One open database file. Every write goes through `transaction()` and is audited in it."""


__all__ = [
    "KEPT_TALLIES_VERSION",
    "Store",
    "StoreError",
    "NewerSchemaError",
    "RejectedChange",
    "EditConflict",
    "DamagedRecord",
    "BackgroundReadInterrupted",
    "BUSY_TIMEOUT_MS",
    "QueueQuery",
    "QUEUE_SORTS",
    "fts_query",
    "utcnow",
    "DoctorReport",
]
