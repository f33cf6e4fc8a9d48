"""What Datasette needs to browse the file well: full-text search attached to the requisitions and to the
views about them, the views described, and the internal tables out of the way. `mediate browse` hands
this to Datasette."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mediation_console.db.views import REQUISITION_SEARCHED_VIEWS, VIEWS

VIEW_DESCRIPTIONS = {
    "open_queue": "Every open requisition with its owners' names, grade and promised date, soonest first.",
    "overdue_commitments": "Open commitments past their due date, with how many days late and what they are about.",
    "follow_through_by_person": "Kept ÷ (kept + missed) per person over the last 90 days, by outcome day.",
    "follow_through_by_team": "Kept ÷ (kept + missed) per team over the last 90 days, by outcome day.",
    "disputes_resolved": "Resolved disputes with the resolution and the proposal that was accepted.",
    "open_disputes": "Open and mediating disputes, most severe first, with how long they have been open.",
}
# What the search box of a view about requisitions matches (the requisitions' full-text index).
SEARCHED_BY = "Search matches the requisition's code, title, client, notes and its owners' names."
# Tables a lead has no use for in a browser: the search index's shadow tables and the bookkeeping.
HIDDEN = ("data_versions", "audit_head", "database_identity")


def datasette_metadata(db_path: Path) -> dict[str, Any]:
    """Datasette metadata for the file at `db_path` (Datasette names a database after its file stem)."""
    assert set(VIEW_DESCRIPTIONS) == set(VIEWS), "every view needs a description"
    tables: dict[str, Any] = {
        # The index is an FTS5 table of its own whose rowid is the requisition's id: Datasette cannot
        # detect that by itself, so `_search` would silently return every row.
        "requisitions": {"fts_table": "requisitions_fts", "fts_pk": "id", "label_column": "code"},
        "people": {"label_column": "name"},
        "disputes": {"label_column": "code"},
    }
    tables.update({name: {"description": text} for name, text in VIEW_DESCRIPTIONS.items()})
    # A view has no rowid: its search finds the requisitions' ids in the index and keeps the view's rows
    # whose requisition_id is one of them (a row about no requisition never matches).
    for name in REQUISITION_SEARCHED_VIEWS:
        tables[name].update(
            fts_table="requisitions_fts",
            fts_pk="requisition_id",
            description=f"{VIEW_DESCRIPTIONS[name]} {SEARCHED_BY}",
        )
    tables.update({name: {"hidden": True} for name in HIDDEN})
    return {
        "title": "Mediation Console",
        "description": "The team's requisitions, disputes and commitments, read-only.",
        "databases": {db_path.stem: {"tables": tables}},
    }


def build_datasette(db_path: Path) -> Any:
    """A Datasette instance that browses the file read-only, with the metadata above.

    Datasette opens a file it may not write to with SQLite's read-only mode and has no write interface
    of its own (no plugins are loaded), so nothing a browser sends can change the data; the console and
    the CLI keep writing beside it (the file is not opened as immutable: the pages stay current).
    """
    from datasette.app import Datasette  # imported here: only `mediate browse` needs it

    return Datasette(
        files=[str(db_path)],
        metadata=datasette_metadata(db_path),
        settings={"default_page_size": 50, "allow_download": False, "suggest_facets": True},
    )
