"""Damaged rows: stored rows that their model refuses (another tool or a bug wrote them).

A row with a status no model knows, a date that is not a date, JSON that does not parse or a title
far over its limit cannot become a record. The Store's readers skip such a row instead of failing
the whole read, and note it here: its table, id and code, the field and what is wrong with it —
never the value itself, which is the record's data (a title, a name) and would reach the user's
terminal or an export. Screens and exports say how many rows were left out and which, and point to
`mediate doctor`, which lists every one; the rows themselves are left as they are.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from mediation_console.db.text import inert_line

DOCTOR_HINT = "`mediate doctor` lists them"
# How many codes a one-line notice names before counting the rest.
NAMED_IN_NOTICE = 5
_PROBLEM_LENGTH = 100
_STORE_CODE = re.compile(r"[A-Z]{1,4}-[0-9]{1,9}")


@dataclass(frozen=True)
class DamagedRow:
    table: str
    row_id: int | None
    code: str | None
    field: str
    problem: str

    @property
    def label(self) -> str:
        """How the user finds it: its code, else its table and row id."""
        return self.code or f"{self.table} row {self.row_id}"

    def __str__(self) -> str:
        return f"{self.label} {self.field}: {self.problem}"


def problem_text(error: Any) -> str:
    """One pydantic error (of `ValidationError.errors()`) in words, without the value it refused."""
    problem = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str) and value.strip():
        # A check's own message may quote what it refused ("'x' is not an email address").
        problem = problem.replace(value.strip(), "…")
    return problem


def describe(error: BaseException) -> tuple[str, str]:
    """(field, problem) of a model's refusal, worded without the refused value."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "record"
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, json.JSONDecodeError):
            return field, "is not valid JSON"
        problem = problem_text(first)
        more = len(error.errors()) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more != 1 else ''})"
    elif isinstance(error, json.JSONDecodeError):
        return "record", "is not valid JSON"
    else:
        field, problem = "record", type(error).__name__
    problem = str(inert_line(problem))
    if len(problem) > _PROBLEM_LENGTH:
        problem = problem[: _PROBLEM_LENGTH - 1] + "…"
    return field, problem


def store_code(data: Mapping[str, Any]) -> str | None:
    code = data.get("code")
    # A code is the Store's own (REQ-0001, D-0001); anything else in its place is itself damage.
    return code if isinstance(code, str) and _STORE_CODE.fullmatch(code) else None


class DamageRegister:
    """The damaged rows a Store's reads have met since it opened (a row read cleanly again — repaired
    meanwhile — is taken off). Safe to use from the worker threads that read in the background."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int | None], DamagedRow] = {}
        self._lock = threading.Lock()
        self.version = 0  # goes up with every change: a notice redraws only when it moved

    def record(self, table: str, data: Mapping[str, Any], error: BaseException, field: str = "") -> DamagedRow:
        """Notes the row `data` of `table` as damaged by `error` (`field` names it when the error cannot)."""
        found, problem = describe(error)
        field = field or found
        row_id = data.get("id")
        damaged = DamagedRow(table, row_id if isinstance(row_id, int) else None, store_code(data), field, problem)
        with self._lock:
            if self._rows.get((table, damaged.row_id)) != damaged:
                self._rows[(table, damaged.row_id)] = damaged
                self.version += 1
        return damaged

    def clear(self, table: str, row_id: Any) -> None:
        if not self._rows:
            return
        with self._lock:
            if self._rows.pop((table, row_id), None) is not None:
                self.version += 1

    def clear_all(self) -> None:
        with self._lock:
            if self._rows:
                self._rows.clear()
                self.version += 1

    def get(self, table: str, row_id: Any) -> DamagedRow | None:
        return self._rows.get((table, row_id))

    def rows(self, tables: tuple[str, ...] | None = None) -> list[DamagedRow]:
        with self._lock:
            found = list(self._rows.values())
        return [row for row in found if tables is None or row.table in tables]

    def __len__(self) -> int:
        return len(self._rows)


def notice(rows: list[DamagedRow]) -> str:
    """One line for a screen: how many rows were left out, which, and where they are listed."""
    if not rows:
        return ""
    labels = sorted({row.label for row in rows})
    named = ", ".join(labels[:NAMED_IN_NOTICE])
    if len(labels) > NAMED_IN_NOTICE:
        named += f" and {len(labels) - NAMED_IN_NOTICE} more"
    n = len(rows)
    return (
        f"{n} damaged row{'s' if n != 1 else ''} left out ({named}): "
        f"{'they are' if n != 1 else 'it is'} left as stored; {DOCTOR_HINT}"
    )


def summary(rows: list[DamagedRow], limit: int = 10) -> str:
    """One line for a command's standard error: each damaged row's code and field, then where they are listed."""
    named = ", ".join(
        f"{row.label} ({row.field})" for row in sorted(rows, key=lambda r: (r.table, r.row_id or 0))[:limit]
    )
    if len(rows) > limit:
        named += f" and {len(rows) - limit} more"
    n = len(rows)
    return f"left out {n} damaged row{'s' if n != 1 else ''}: {named}; left as stored, {DOCTOR_HINT}"
