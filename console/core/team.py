"""The team: people added one at a time or from a CSV (name, role, team, email), checked before anything is written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from mediation_console.db import safe_file
from mediation_console.db.csv_import import CONTROL_REASON, text_encodings
from mediation_console.db.models import Person, parse_role
from mediation_console.db.safe_file import UnsafeTarget, check_readable_file
from mediation_console.db.store import Store
from mediation_console.db.text import find_control
from mediation_console.db.words import closest_name, plural

# The headers a people file may use for each field (case, spaces and punctuation do not matter).
PEOPLE_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "person"),
    "role": ("role", "position"),
    "team": ("team", "desk", "team name"),
    "email": ("email", "e-mail", "email address", "mail"),
}
FIELD_LABELS = {"name": "Name", "team": "Role", "team_name": "Team", "email": "Email", "active": "Active"}


class PeopleFileError(Exception):
    """The file cannot be read at all (missing, a folder, no permission): an environment problem."""


class PeopleFileRefused(PeopleFileError):
    """The file was read and is not a CSV of people (binary, not text, broken quoting): rejected input."""


def field_errors(exc: ValidationError) -> dict[str, str]:
    """A person's validation errors by field, in words for the lead ("Email: 'x' is not an email address")."""
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "name"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "string_too_long":
            message = f"at most {error['ctx']['max_length']} characters"
        found.setdefault(name, message[0].upper() + message[1:] if message else message)
    return found


def person_from_form(
    name: str, role: str, team_name: str = "", email: str = "", *, active: bool = True, person_id: int | None = None
) -> Person:
    """The person as typed; raises ValidationError (see `field_errors`)."""
    return Person.model_validate(
        {"id": person_id, "name": name, "team": role, "team_name": team_name, "email": email, "active": active}
    )


def similar_person(store: Store, name: str) -> str | None:
    """Someone already in the team whose name `name` may be a typo of (not the same name)."""
    names = [p.name for p in store.list_people() if p.name.casefold() != name.strip().casefold()]
    return closest_name(name.strip(), names, cutoff=0.85)


@dataclass
class PeopleImportReport:
    source: str
    dry_run: bool = False
    created: list[tuple[int, Person]] = field(default_factory=list)  # (line, person)
    present: list[tuple[int, str]] = field(default_factory=list)  # (line, name as stored)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected

    def lines(self) -> list[str]:
        out: list[str] = []
        for line, reason in self.rejected:
            out.append(f"line {line}: rejected: {reason}")
        would = self.dry_run or not self.written
        for line, person in self.created:
            details = ", ".join(x for x in (person.role, person.team_name, person.email or "") if x)
            out.append(f"line {line}: {'would be created' if would else 'created'}: {person.name} ({details})")
        for line, name in self.present:
            out.append(f"line {line}: already present: {name}")
        out.extend(self.notes)
        created = plural(len(self.created), "person", "people")
        if self.rejected:
            out.append(
                f"{plural(len(self.rejected), 'row')} rejected, so nothing was written "
                f"({created} would be created, {len(self.present)} already present); "
                "fix the rows above and import the file again"
            )
        elif self.dry_run:
            out.append(f"Dry run: {created} would be created, {len(self.present)} already present; nothing written")
        else:
            out.append(f"{created} created, {len(self.present)} already present")
        return out


def _norm(header: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in header.casefold()).split())


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    data = safe_file.read_bytes(path)  # checked regular above; a FIFO swapped in meanwhile cannot hang it
    # The same encodings as the requisition import: a byte-order mark decides (UTF-16 from Excel's
    # "Unicode text"), else UTF-8, then Windows-1252.
    for codec, _label in text_encodings(data[:4]):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PeopleFileRefused(f"{path} is not a CSV file (not text in UTF-8, UTF-16 or Windows-1252)")
    first_line = text.split("\n", 1)[0]
    if "\x00" in first_line:
        # A NUL in the header: a workbook or another binary file, not a CSV (a NUL in a cell is a row's problem).
        raise PeopleFileRefused(f"{path} is not a CSV file (it holds binary data; save a spreadsheet as CSV)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise PeopleFileRefused(f"{path}: the CSV is broken at line {reader.line_num} ({exc})") from None


def import_people(store: Store, path: str | os.PathLike[str], *, dry_run: bool = False) -> PeopleImportReport:
    """Checks every row, then (unless `dry_run` or a row was rejected) creates the new people in one
    transaction, each with its audit row. All rows or none, as the requisition import: a rejected row
    writes nothing, and the report names every row's line and what happened to it."""
    try:
        path = check_readable_file(path, "CSV file")
    except UnsafeTarget as exc:
        raise PeopleFileError(str(exc)) from None
    report = PeopleImportReport(source=str(path), dry_run=dry_run)
    rows = _rows(path)
    try:
        header_line, header = next(rows)
    except StopIteration:
        report.rejected.append((1, "the file is empty (expected a header row: name, role, team, email)"))
        return report
    columns: dict[str, int] = {}
    for index, heading in enumerate(header):
        for name, aliases in PEOPLE_HEADERS.items():
            if _norm(heading) in aliases and name not in columns:
                columns[name] = index
    missing = [name for name in ("name", "role") if name not in columns]
    if missing:
        report.rejected.append(
            (header_line, f"no {' or '.join(missing)} column in the header (expected: name, role, team, email)")
        )
        return report
    known = store.list_people()
    by_name = {p.name.casefold(): p for p in known}
    by_email = {p.email.casefold(): p for p in known if p.email}
    in_file: dict[str, int] = {}
    emails_in_file: dict[str, int] = {}

    def cell(cells: list[str], name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        controls = [
            f"{field} holds {found}"
            for field, index in columns.items()
            if index < len(cells) and (found := find_control(cells[index]))
        ]
        if controls:  # named by column and code, never printed: the cell may carry a terminal's escapes
            report.rejected.append((line, f"{'; '.join(controls)}, {CONTROL_REASON}"))
            continue
        name = cell(cells, "name")
        if not name:
            report.rejected.append((line, "no name"))
            continue
        stored = by_name.get(name.casefold())
        if stored is not None:
            report.present.append((line, stored.name))
            continue
        if name.casefold() in in_file:
            report.rejected.append((line, f"{name} is also on line {in_file[name.casefold()]}"))
            continue
        role = cell(cells, "role")
        try:
            parse_role(role)
        except ValueError as exc:
            report.rejected.append((line, f"{name}: {exc}"))
            continue
        try:
            person = person_from_form(name, role, cell(cells, "team"), cell(cells, "email"))
        except ValidationError as exc:
            problems = field_errors(exc)
            report.rejected.append(
                (line, f"{name}: " + "; ".join(f"{FIELD_LABELS.get(k, k).lower()}: {v}" for k, v in problems.items()))
            )
            continue
        if person.email:
            key = person.email.casefold()
            if key in by_email:
                report.rejected.append((line, f"{name}: {by_email[key].name} already has the email {person.email}"))
                continue
            if key in emails_in_file:
                report.rejected.append(
                    (line, f"{name}: the email {person.email} is also on line {emails_in_file[key]}")
                )
                continue
            emails_in_file[key] = line
        in_file[name.casefold()] = line
        close = closest_name(name, [p.name for p in known], cutoff=0.85)
        if close is not None:
            report.notes.append(f"note: line {line}: {name} is new, but {close} is already in the team (a typo?)")
        report.created.append((line, person))
    if report.rejected or dry_run or not report.created:
        return report
    saved = store.add_people([person for _line, person in report.created])
    report.created = [(line, person) for (line, _typed), person in zip(report.created, saved, strict=True)]
    report.written = True
    return report


@dataclass(frozen=True)
class TeamMember:
    """One person as the Team screen lists them: who they are and what is open on their name."""

    person: Person
    open_requisitions: int
    open_commitments: int
    overdue_commitments: int


def team_members(store: Store, today: dt.date) -> list[TeamMember]:
    """Everyone, by name, with their open requisitions (as sales owner or recruiter) and commitments."""
    requisitions = store.open_requisitions_by_person()
    commitments = store.open_commitments_by_owner(today)
    return [
        TeamMember(
            person,
            requisitions.get(person.saved_id, 0),
            *commitments.get(person.saved_id, (0, 0)),
        )
        for person in store.list_people()
    ]


def person_conflicts(person: Person, others: Sequence[Person]) -> dict[str, str]:
    """What the Store would refuse, by field, worked out as the lead types (the Store checks again on save)."""
    problems: dict[str, str] = {}
    for other in others:
        if other.id == person.id:
            continue
        if other.name.casefold() == person.name.strip().casefold():
            problems["name"] = f"There is already someone called {other.name}"
        if person.email and other.email and other.email.casefold() == person.email.casefold():
            problems["email"] = f"{other.name} already has this email"
    return problems


def save_person(store: Store, person: Person) -> Person:
    """Adds `person` to the team (when it has no id yet) or saves the lead's edit of them; a second
    person with the same name or email is refused (`person_conflicts` words it as the lead types)."""
    if person.id is None:
        return store.add_person(person)
    return store.update_person(person)


def set_active(store: Store, person: Person, active: bool) -> Person:
    """Deactivates a person (no longer offered in forms and standups; their history stays) or makes
    them active again."""
    return store.update_person(person.model_copy(update={"active": active}))
