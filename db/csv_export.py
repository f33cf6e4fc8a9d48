"""Writes the requisition queue, with grades, as CSV (the console's own headers) or JSON, owner-readable only.

The CSV uses the headers `db.csv_import` reads first, so an export re-imports cleanly, into the same
database (rows match by external id, else by code) or into an empty one. Values are written the way
the importer reads them back exactly: fees as "20%" (a bare "0.5" would read as a fraction), amounts as
plain whole numbers, dates as ISO, booleans as yes/no, blanks for what is unknown.

Spreadsheet safety: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be run as a formula by Excel, LibreOffice or Google Sheets, so it is written with a leading
single quote (``'=HYPERLINK(...)``), which spreadsheets show as text; the importer removes that quote.
A cell that already begins with quotes before such a character gets one more, so it too round-trips.

Files are created with mode 0600 and replaced atomically; a CSV file starts with a UTF-8 byte-order
mark so Excel shows accented names correctly (standard output gets none).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterator
from enum import Enum
from typing import IO, Any

from mediation_console.db import csv_lines, safe_file
from mediation_console.db.csv_import import EXPORT_COLUMNS
from mediation_console.db.models import Requisition
from mediation_console.db.store import Store
from mediation_console.db.text import inert, inert_json

FORMATS = ("csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The first characters after which `neutralise` may have something to do (a quote may come before one).
_MAYBE_FORMULA = frozenset("=+-@\t\r'")

Progress = Callable[[int, "int | None"], None]


class ExportError(Exception):
    """The export cannot be written where asked (missing folder, a folder, permission, disk full)."""


def neutralise(cell: str) -> str:
    """Prefixes a single quote to a cell a spreadsheet would read as a formula."""
    if cell.lstrip("'").startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "value"):  # enums
        return str(value.value)
    # Exports are printed to terminals and opened in spreadsheets: no escape sequences or controls.
    return inert(str(value))


_NAMED = ("sales_owner", "recruiter")
_NAME_SQL = {"sales_owner": "s.name", "recruiter": "rc.name"}  # as db/store/export.py joins them
_FIELDS = tuple(column.field for column in EXPORT_COLUMNS)


def requisition_record(req: Requisition, owner: str, recruiter: str | None) -> dict[str, Any]:
    """One requisition as the export shows it, keyed by field: names instead of ids, grade included."""
    # The model's own values, as model_dump gives them (dates, enums), without building its whole dict.
    record = {field: None if field in _NAMED else getattr(req, field, None) for field in _FIELDS}
    record["sales_owner"] = owner
    record["recruiter"] = recruiter
    return record


def csv_row(record: dict[str, Any]) -> list[str]:
    """The CSV cells of one record: `_cell` of each value (fees with "%"), `neutralise`d. Written for
    the million rows of a big export: the common types are formatted here, the rest by `_cell`."""
    row: list[str] = []
    append = row.append
    for field in _FIELDS:
        value = record[field]
        kind = type(value)
        if value is None:
            append("")
            continue
        if kind is str:
            # Printable ASCII has nothing for `inert` to show (the common case, checked in C).
            text = value if value.isascii() and value.isprintable() else inert(value)
        elif kind is bool:
            text = "yes" if value else "no"
        elif kind is int:
            text = str(value)
        elif kind is dt.date:
            text = value.isoformat()
        elif kind is dt.datetime:
            text = value.isoformat(sep=" ")
        elif isinstance(value, Enum):
            text = str(value.value)
        else:
            text = _cell(value)
        if field == "fee_pct":
            text += "%"
        append(neutralise(text) if text and text[0] in _MAYBE_FORMULA else text)
    return row


def _records(store: Store) -> Iterator[dict[str, Any]]:
    for req, owner, recruiter in store.iter_requisitions_for_export():
        yield requisition_record(req, owner, recruiter)


def write_requisitions(store: Store, out: IO[str], fmt: str = "csv", progress: Progress | None = None) -> int:
    """Streams every requisition to `out` (opened with newline=""); returns how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or json")
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([column.header for column in EXPORT_COLUMNS])
        name_type = store.column_types("people")["name"]
        sql = csv_lines.csv_line_sql(
            _FIELDS,
            store.column_types("requisitions"),
            {field: (expression, name_type) for field, expression in _NAME_SQL.items()},
        )
        if sql is None:
            rows: Iterator[list[str] | tuple[Requisition, str, str | None]] = iter(store.iter_requisitions_for_export())
        else:
            # The rows whose stored values are already as the model gives them come as lines SQLite
            # wrote (db/csv_lines.py: the same bytes, several times faster); the rest as models.
            rows = store.iter_requisition_lines(sql, csv_lines.checked)
        for row in rows:
            if isinstance(row, list):
                out.writelines(row)
                done = count + len(row)
                if progress is not None and done // 1000 > count // 1000:
                    progress(done, None)
                count = done
                continue
            writer.writerow(csv_row(requisition_record(*row)))
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count, None)
    else:
        out.write("[")
        for record in _records(store):
            out.write(",\n  " if count else "\n  ")
            out.write(inert_json({k: _json_value(v) for k, v in record.items()}))
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count, None)
        out.write("\n]\n" if count else "]\n")
    if progress is not None:
        progress(count, count)
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def export_requisitions(
    store: Store,
    path: str | os.PathLike[str],
    fmt: str = "csv",
    progress: Progress | None = None,
    *,
    force: bool = False,
) -> int:
    """Writes the export to `path` through `safe_file` (0600, swapped in whole, never onto the
    database or its side files, an existing file only with `force`); returns how many requisitions."""
    try:
        with safe_file.staged_file(path, protect=[store.path], force=force, what="export") as tmp:
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with safe_file.open_staged(tmp, "w", encoding=encoding, newline="") as handle:
                count = write_requisitions(store, handle, fmt, progress)
    except safe_file.UnsafeTarget as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}") from None
    return count


__all__ = ["FORMATS", "ExportError", "export_requisitions", "neutralise", "requisition_record", "write_requisitions"]
