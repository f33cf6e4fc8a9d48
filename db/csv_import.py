"""Reads requisitions, and the people on them, from an ATS or spreadsheet CSV export: all rows or none.

How a file is read
------------------
* Headers are matched case-, space- and punctuation-insensitively ("Job ID", "job_id" and "JobID" are
  one header) against the console's own export headers and the usual ATS names (Bullhorn, OpenCATS,
  Greenhouse, Lever, spreadsheets). A mapping file (TOML, see `ImportMapping`) can name any other header
  for any field, read several columns as one, fill blanks with defaults, and add status and engagement
  words. Columns nobody maps are ignored and listed.
* Text is UTF-8 with or without a byte-order mark; a file that is not UTF-8 is read as Windows-1252
  (what Excel's plain "CSV" writes) and the report says so. Line endings may be Windows or Unix; the
  delimiter (comma, semicolon or tab) is taken from the header line.
* A cell a spreadsheet-safe export prefixed with a single quote (``'=SUM(...)``, ``'-5``) has that
  quote removed, so the console's own exports re-import exactly.
* Amounts: "$120,000", "120000", "120k", "1.2M", "USD 95,000", "120.000" (dot as thousands separator).
  A single "Salary" column may hold a range, "$95,000 - $110,000" or "95-110k", read as min and max; a
  single amount sets both min and max. "Salary" is used only when the file has no min/max columns.
  The console keeps annual salaries. A rate whose unit is stated, in the cell ("$50/hr", "400 per day")
  or in a salary-unit column (Bullhorn's salaryUnit "Per Hour", Lever's "per-hour-wage"), is converted:
  hour x 2080, day x 260, week x 52, month x 12, and the report lists the rows converted. An amount
  without a unit is annual; below 1,000 it is refused as a rate of unknown unit. A salary of 0 (what
  Bullhorn writes when none was entered) is no salary.
* ATS presets (db/presets/*.toml: Bullhorn, OpenCATS, Greenhouse, Lever) are mapping files shipped with
  the package; one is chosen from the header line (two of its identifying headers, in any case and
  spacing, except that a header the console's own export writes counts only as the ATS spells it)
  unless the caller names one, and the report says which. `preview_requisitions` reads the header and
  the first rows as the import would (the console's import dialog shows them before importing).
* Fee: "20%", "20" and "22.5" are percentages; a bare number below 1 ("0.2", Bullhorn's
  feeArrangement) is a fraction and is read as 20 %. A written "%" is always a percentage ("0.5%").
  A currency amount is refused (flat fees are not a percentage).
* Dates: ISO ("2025-03-14", "2025-03-14T09:30:00", with a zone converted to UTC), US ("03/14/2025",
  "3/14/25", with an optional time and AM/PM) and Unix epoch milliseconds (Bullhorn's API). Day-first
  dates need a mapping file: ``[dates] formats = ["%d/%m/%Y"]``.
* Booleans: yes/no, y/n, true/false, 1/0, x (ticked) and blank (not ticked).

Blank cells and re-imports
--------------------------
A row is matched to an existing requisition by its external id (the ATS's id), or, when the row has
none, by the console's own code (REQ-0042) so a console export re-imports in place. A matched row
updates the requisition: fields whose column is absent from the file are kept, a blank cell clears an
optional field (recruiter, salary, fee, dates, notes, ...) and keeps a field that cannot be empty
(status, engagement, openings, date added). Title, client and sales owner are required to create a
requisition, and a blank one is refused. Grade and score are computed by the console and never read.

An import records what the ATS of record says, so a status change is applied even when the
interactive status action would not offer it; it is logged as a status-change pipeline event and
audited like any other change. A requisition that becomes closed is stamped closed now (or at its
"Date Closed"); a new requisition that arrives closed keeps only a given "Date Closed", because
inventing a close date would distort time-to-fill estimates.

Status words (case, spaces and punctuation ignored; a mapping file's ``[statuses]`` adds or overrides):

======================== ================= ==================================================
word in the file         console status    why
======================== ================= ==================================================
Accepting Candidates     sourcing          Bullhorn: open and being worked
Currently Interviewing   interviewing      Bullhorn
Covered                  submitted         Bullhorn: enough candidates submitted to cover it
Offer Out                offer             Bullhorn
Placed, Filled           filled            Bullhorn
Lost                     lost              Bullhorn
Active, Open             sourcing          OpenCATS / Greenhouse: open and being worked
Upcoming, Lead, Draft    intake            OpenCATS / Greenhouse: not yet qualified
OnHold, On Hold, Hold,   on_hold           OpenCATS and common words
Paused
Full                     filled            OpenCATS: every opening filled
Closed                   filled            OpenCATS: closed after placement (map it to
                                           "lost" in a mapping file if yours means lost)
Canceled, Cancelled      lost              OpenCATS: the client cancelled
Declined, Unfillable     declined          recruiting declined it
New                      intake
Offer Extended           offer
each console status      itself            intake, qualified, sourcing, submitted,
and its label                              interviewing, offer, filled, on_hold / "On hold",
                                           lost, declined
======================== ================= ==================================================

A blank status creates the requisition in intake and keeps an existing one's status; any other word
rejects the row. Employment types map to the engagement (contingent / exclusive / retained):
"Contingent", "Contract", "Contract to Hire", "Direct Hire", "Permanent", "Temp", "Full-time",
"Part-time", "Freelance" (and OpenCATS's H, C, C2H, FL) are contingent; "Exclusive" is exclusive;
"Retained", "Retainer" and "Retained Search" are retained. Unknown words reject the row.

Rows are numbered as a spreadsheet shows them: the header is row 1. The file is read once, streamed:
each row is parsed and checked, and while every row so far is valid the checked row is staged in the
Store's temporary tables (outside the database file, so memory stays bounded). Only when every row is
valid does one transaction create the people and move the staged requisitions in; a staged update is
applied to the requisition as it is at that moment.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import difflib
import hashlib
import math
import os
import pickle
import re
import time
import tomllib
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from mediation_console.db import presets, safe_file
from mediation_console.db.models import (
    CLOSED_STATUSES,
    REQUISITION_DERIVED,
    Engagement,
    Person,
    Requisition,
    RequisitionStatus,
    Team,
)
from mediation_console.db.short_transactions import ChunkSizer, ShortTransactions
from mediation_console.db.store import Store, StoreError
from mediation_console.db.text import find_bidi, find_control
from mediation_console.db.words import closest_name, plural

Progress = Callable[[int, "int | None"], None]

# Why a cell holding a control character (NUL, ESC, a lone CR...) rejects its row.
CONTROL_REASON = "a control character (a cell holds text, tabs and line breaks only)"

PROGRESS_EVERY = 1000
WRITE_BATCH = 1000
# Cells may hold long notes; past this a cell is more likely a broken quote swallowing the file.
csv.field_size_limit(1_000_000)


AUTO_PRESET = "auto"  # choose the ATS preset from the file's header
NO_PRESET = "none"

# How a report tells the lead to give what a row lacks, in the words of the command line. The console's
# import dialog passes its own (its fields and ticks) to `import_requisitions` and `preview_requisitions`.
CLI_HINTS: dict[str, str] = {
    "client": "name the client with --client NAME",
    "sales_owner": "name the account manager with --sales-owner NAME",
    "people": "add people first with mediate people add, or pass --create-people",
    "create_people": "pass --create-people to create them with this import",
    "preset": "--preset chooses another, --preset none reads it without one",
    "chosen": "chosen with --preset",
}


class ImportFileError(Exception):
    """The file cannot be read at all (missing, a folder, no permission): an environment problem."""


class MappingError(ValueError):
    """A mapping file that is not valid: names the file, the key and what is wrong."""


class ImportAborted(Exception):
    """The write pass met something the validation pass did not (the file changed). What was committed
    before it (whole short transactions) is said in the message; importing the file again finishes it."""


def norm(text: str) -> str:
    """The comparable form of a header or a word: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


# -- the columns the importer knows -------------------------------------------------------------------

KEEP = object()  # a blank cell keeps the existing value (and the model default for a new requisition)
REQUIRED = object()  # a blank cell rejects the row


@dataclass(frozen=True)
class Column:
    """One field of a requisition as it appears in a CSV: our own header, its aliases and how to read it."""

    field: str
    header: str
    kind: str
    blank: Any = None
    aliases: tuple[str, ...] = ()
    exported: bool = True

    def names(self) -> tuple[str, ...]:
        return (norm(self.header), *(norm(a) for a in self.aliases))


COLUMNS: tuple[Column, ...] = (
    Column("code", "Code", "code", KEEP, ("Requisition Code", "Req Code")),
    Column(
        "external_id",
        "External ID",
        "key",
        KEEP,
        (
            "id",
            "Job ID",
            "jobOrderID",
            "Job Order ID",
            "Req #",
            "Req ID",
            "Req No",
            "Req Number",
            "Requisition ID",
            "Requisition Number",
            "Requisition #",
            "Job Number",
            "Job Order Number",
            "Job Order #",
            "Job #",
            "Posting ID",
        ),
    ),
    Column(
        "title",
        "Title",
        "text",
        REQUIRED,
        (
            "Job Title",
            "Position",
            "Position Title",
            "Job Name",
            "Job",
            "Role",
            "Requisition Title",
            "Job Order Title",
            "Job Order",
        ),
    ),
    Column(
        "client",
        "Client",
        "text",
        REQUIRED,
        (
            "Company",
            "Company Name",
            "clientCorporation",
            "clientCorporation.name",
            "Client Corporation",
            "Client Name",
            "Customer",
            "Account",
            "Account Name",
        ),
    ),
    Column(
        "sales_owner",
        "Sales Owner",
        "person",
        REQUIRED,
        (
            "Owner",
            "owner.name",
            "Owner Name",
            "Account Manager",
            "Account Executive",
            "Salesperson",
            "Sales Person",
            "Sales Rep",
            "Sales",
            "Business Developer",
            "BDM",
            "Client Owner",
        ),
    ),
    Column(
        "recruiter",
        "Recruiter",
        "person",
        None,
        (
            "Assigned Recruiter",
            "Recruiter Name",
            "Primary Recruiter",
            "Lead Recruiter",
            "assignedUsers",
            "Assigned Users",
            "Assigned To",
            "Recruiters",
        ),
    ),
    Column("status", "Status", "status", KEEP, ("Job Status", "Job Order Status", "Requisition Status", "Req Status")),
    Column("grade", "Grade", "derived", KEEP, ("Fillability Grade",)),
    Column("score", "Score", "derived", KEEP, ("Fillability Score", "Fillability")),
    Column(
        "openings",
        "Openings",
        "openings",
        KEEP,
        (
            "# of Openings",
            "numOpenings",
            "Number of Openings",
            "No of Openings",
            "Num Openings",
            "Positions",
            "Number of Positions",
            "Open Positions",
            "Vacancies",
            "Total Openings",
        ),
    ),
    Column(
        "engagement",
        "Engagement",
        "engagement",
        KEEP,
        ("Engagement Type", "Search Type", "Fee Type"),
    ),
    Column(
        "employment_type",
        "Employment Type",
        "employment_type",
        KEEP,
        ("employmentType", "Job Type", "Commitment", "Work Type", "Time Type"),
        exported=False,
    ),
    Column(
        "fee_pct",
        "Fee %",
        "percent",
        None,
        (
            "Fee",
            "Fee Pct",
            "Fee Percent",
            "Fee Percentage",
            "feeArrangement",
            "Fee Arrangement",
            "Fee Rate",
            "Placement Fee %",
            "Placement Fee",
        ),
    ),
    Column(
        "salary_min",
        "Salary Min",
        "amount",
        None,
        (
            "Min Salary",
            "Minimum Salary",
            "Salary From",
            "Salary Low",
            "Salary Range Min",
            "Salary Minimum",
            "Base Salary Min",
            "Pay Min",
        ),
    ),
    Column(
        "salary_max",
        "Salary Max",
        "amount",
        None,
        (
            "Max Salary",
            "Maximum Salary",
            "Salary To",
            "Salary High",
            "Salary Range Max",
            "Salary Maximum",
            "Base Salary Max",
            "Pay Max",
        ),
    ),
    Column(
        "salary",
        "Salary",
        "salary",
        None,
        ("Salary Range", "Base Salary", "Compensation", "Pay", "Annual Salary"),
        exported=False,
    ),
    Column(
        "market_salary",
        "Market Salary",
        "amount",
        None,
        ("Market Rate", "Market Median", "Market Salary Median", "Benchmark Salary", "Market Pay"),
    ),
    Column(
        "salary_unit",
        "Salary Unit",
        "salary_unit",
        None,
        ("salaryUnit", "Pay Unit", "Salary Period", "Pay Period", "Salary Interval", "salaryRange.interval"),
        exported=False,
    ),
    Column(
        "location",
        "Location",
        "text",
        "",
        ("Job Location", "Work Location", "City", "Office", "Site", "address.city", "Address City"),
    ),
    Column(
        "remote",
        "Remote",
        "remote",
        False,
        ("Is Remote", "Remote OK", "Work From Home", "isWorkFromHome", "onSite", "Workplace Type", "workplaceType"),
    ),
    Column(
        "opened_at",
        "Date Added",
        "datetime",
        KEEP,
        (
            "dateAdded",
            "Date Created",
            "Created",
            "Created At",
            "Created Date",
            "Opened",
            "Opened At",
            "Date Opened",
            "Open Date",
            "Opened Date",
            "createdAt",
            "created_at",
            "opened_at",
        ),
    ),
    Column(
        "promised_date",
        "Promised Date",
        "date",
        None,
        (
            "Promised",
            "Promised By",
            "Target Date",
            "Target Fill Date",
            "Fill By",
            "Fill Date",
            "Deadline",
            "Needed By",
            "Need By",
            "Due Date",
            "startDate",
            "Start Date",
        ),
    ),
    Column(
        "first_slate_date",
        "First Slate Date",
        "date",
        None,
        (
            "First Slate",
            "Slate Date",
            "Slate Due",
            "First Slate Due",
            "First Submittal Due",
            "Shortlist Date",
            "Shortlist Due",
            "Submittals Due",
        ),
    ),
    Column(
        "closed_at",
        "Date Closed",
        "datetime",
        None,
        ("dateClosed", "Closed", "Closed At", "Close Date", "Closed Date", "closed_at"),
    ),
    Column(
        "status_reason",
        "Status Reason",
        "text",
        "",
        ("Reason", "Closed Reason", "Lost Reason", "Close Reason", "Hold Reason", "reasonClosed", "Reason Closed"),
    ),
    Column("intake_at", "Intake Date", "datetime", None, ("Intake", "Intake At", "Intake Call", "Intake Call Date")),
    Column("hiring_manager_access", "Hiring Manager Access", "bool", False, ("HM Access",)),
    Column("feedback_agreed_48h", "Feedback Agreed 48h", "bool", False, ("48h Feedback Agreed", "Feedback Agreed")),
    Column("interview_stages", "Interview Stages", "count", None, ("Interview Rounds", "Number of Interviews")),
    Column("interview_dates_agreed", "Interview Dates Agreed", "bool", False, ()),
    Column("jd_clear", "JD Clear", "bool", False, ("Job Description Clear", "Spec Clear")),
    Column("must_haves", "Must-Haves", "count", None, ("Must Have Count", "Number of Must-Haves")),
    Column("headcount_approved", "Headcount Approved", "bool", False, ()),
    Column("reason_known", "Reason Known", "bool", False, ("Reason for Opening Known",)),
    Column("candidates_exist", "Candidates Exist", "bool", False, ("Candidate Supply",)),
    Column("competing_agencies", "Competing Agencies", "count", 0, ("Agencies", "Number of Agencies")),
    Column(
        "feedback_turnaround_hours",
        "Feedback Turnaround Hours",
        "hours",
        None,
        ("Feedback Hours", "Client Feedback Hours", "Feedback Turnaround"),
    ),
    Column("notes", "Notes", "text", "", ("Note", "Comments", "Internal Notes", "Job Notes", "Misc Notes")),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
_OWN_HEADERS = frozenset(norm(c.header) for c in COLUMNS)  # the headers the console's export writes
EXPORT_COLUMNS = tuple(c for c in COLUMNS if c.exported)
# Fields a mapping file may name: every column plus the single "salary" column.
MAPPABLE_FIELDS = tuple(c.field for c in COLUMNS if c.kind != "derived")

_BUILTIN_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in _column.names():
        _BUILTIN_HEADERS.setdefault(_name, _column.field)


def _status_words() -> dict[str, RequisitionStatus]:
    S = RequisitionStatus
    words = {norm(s.value): s for s in S}
    words.update({norm(s.value.replace("_", " ")): s for s in S})
    table = {
        # Bullhorn's default job statuses.
        "Accepting Candidates": S.SOURCING,
        "Currently Interviewing": S.INTERVIEWING,
        "Covered": S.SUBMITTED,
        "Offer Out": S.OFFER,
        "Placed": S.FILLED,
        "Filled": S.FILLED,
        "Lost": S.LOST,
        # OpenCATS's job order statuses.
        "Active": S.SOURCING,
        "Upcoming": S.INTAKE,
        "Lead": S.INTAKE,
        "OnHold": S.ON_HOLD,
        "Full": S.FILLED,
        "Closed": S.FILLED,
        "Canceled": S.LOST,
        # Words people and other ATSs use.
        "Open": S.SOURCING,
        "Draft": S.INTAKE,
        "New": S.INTAKE,
        "Hold": S.ON_HOLD,
        "Paused": S.ON_HOLD,
        "Cancelled": S.LOST,
        "Unfillable": S.DECLINED,
        "Offer Extended": S.OFFER,
        "Interview": S.INTERVIEWING,
        "Submittal": S.SUBMITTED,
    }
    words.update({norm(k): v for k, v in table.items()})
    return words


STATUS_WORDS = _status_words()

ENGAGEMENT_WORDS: dict[str, Engagement] = {
    norm(k): v
    for k, v in {
        "contingent": Engagement.CONTINGENT,
        "contingency": Engagement.CONTINGENT,
        "contract": Engagement.CONTINGENT,
        "contract to hire": Engagement.CONTINGENT,
        "c2h": Engagement.CONTINGENT,
        "direct hire": Engagement.CONTINGENT,
        "permanent": Engagement.CONTINGENT,
        "perm": Engagement.CONTINGENT,
        "temp": Engagement.CONTINGENT,
        "temporary": Engagement.CONTINGENT,
        "full time": Engagement.CONTINGENT,
        "part time": Engagement.CONTINGENT,
        "freelance": Engagement.CONTINGENT,
        "fixed term": Engagement.CONTINGENT,
        "h": Engagement.CONTINGENT,
        "c": Engagement.CONTINGENT,
        "fl": Engagement.CONTINGENT,
        "exclusive": Engagement.EXCLUSIVE,
        "exclusive contingent": Engagement.EXCLUSIVE,
        "retained": Engagement.RETAINED,
        "retainer": Engagement.RETAINED,
        "retained search": Engagement.RETAINED,
    }.items()
}

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "x", "on", "checked", "remote", "hybrid"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off", "unchecked", "onsite"})


# -- the mapping file ---------------------------------------------------------------------------------


@dataclass
class ImportMapping:
    """Extra header names, status words, employment-type words, date formats and defaults for one kind of file.

    The file is TOML::

        [columns]                      # field = "Header" or ["Header", "Other header"]
        external_id = "Posting Number"
        sales_owner = ["BDM", "Biz Dev"]

        [join]                         # several columns read as one ("Austin" + "TX" = "Austin, TX")
        location = ["City", "State"]   # people's names are joined with a space, the rest with ", "

        [defaults]                     # for rows whose cell is blank or whose file has no such column
        client = "Initech"

        [statuses]                     # word in the file = console status
        "Pending Approval" = "intake"
        "Closed" = "lost"              # overrides the built-in reading

        [engagements]
        "Search" = "retained"

        [dates]
        formats = ["%d/%m/%Y"]         # tried before the built-in ISO and US formats

    The shipped ATS presets (db/presets/*.toml) are mapping files with a ``[preset]`` section more:
    ``label``, ``detect`` (headers as the ATS spells them, two of which name the export as its; case,
    spaces and punctuation are ignored), ``fills`` (field = what fills it when the export has no column for it) and ``ignore``
    (header = why it is not read).
    """

    columns: dict[str, str] = field(default_factory=dict)  # normalised header -> field
    statuses: dict[str, RequisitionStatus] = field(default_factory=dict)  # normalised word -> status
    engagements: dict[str, Engagement] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    joins: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> headers read together
    defaults: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (cell text, where from)
    source: str = "mapping"
    # Set on a preset: its name, label, the headers that identify it, what fills missing fields, ignored headers.
    preset: str | None = None
    label: str = ""
    detect: tuple[str, ...] = ()
    fills: dict[str, str] = field(default_factory=dict)
    ignore: dict[str, str] = field(default_factory=dict)  # normalised header -> why

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ImportMapping:
        path = Path(path)
        if path.is_dir():
            raise ImportFileError(f"{path} is a folder, not a mapping file")
        try:
            data = tomllib.loads(safe_file.read_text(path, encoding="utf-8-sig"))
        except FileNotFoundError:
            raise ImportFileError(f"The mapping file {path} does not exist") from None
        except PermissionError:
            raise ImportFileError(f"The mapping file {path} cannot be read (permission denied)") from None
        except safe_file.NotRegularFile:
            raise ImportFileError(f"The mapping file {path} {safe_file.NOT_REGULAR}") from None
        except UnicodeDecodeError:
            raise MappingError(f"{path}: the mapping file is not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"{path}: not valid TOML ({exc})") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def preset_named(cls, name: str) -> ImportMapping:
        """One of the shipped ATS presets (bullhorn, opencats, greenhouse, lever)."""
        data = presets.preset_data(name)
        return cls.from_dict(data, source=f"the {name} preset", preset=name)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "mapping", preset: str | None = None) -> ImportMapping:
        known = {"columns", "statuses", "engagements", "dates", "join", "defaults", "preset"}
        for key in data:
            if key not in known:
                raise MappingError(f"{source}: unknown section [{key}] (expected {', '.join(sorted(known))})")
        mapping = cls(source=source, preset=preset)
        for name, headers in _table(data, "columns", source).items():
            headers = _field_headers(source, "columns", name, headers)
            for header in headers:
                if norm(header) in mapping.columns and mapping.columns[norm(header)] != name:
                    raise MappingError(
                        f"{source}: [columns] the header {header!r} is named for both "
                        f"{mapping.columns[norm(header)]} and {name}"
                    )
                mapping.columns[norm(header)] = name
        for name, headers in _table(data, "join", source).items():
            mapping.joins[name] = tuple(_field_headers(source, "join", name, headers))
        for name, value in _table(data, "defaults", source).items():
            if name not in MAPPABLE_FIELDS or name in ("external_id", "code"):
                raise MappingError(
                    f"{source}: [defaults] {name} is not a field a default can fill; use one of "
                    f"{', '.join(f for f in MAPPABLE_FIELDS if f not in ('external_id', 'code'))}"
                )
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if not isinstance(value, str | int | float) or not str(value).strip():
                raise MappingError(f'{source}: [defaults] {name} must be a value such as "Initech" or 20')
            mapping.defaults[name] = (str(value).strip(), source)
        for word, status in _table(data, "statuses", source).items():
            target = STATUS_WORDS.get(norm(status)) if isinstance(status, str) else None
            if target is None or norm(status) not in {norm(s.value) for s in RequisitionStatus}:
                raise MappingError(
                    f"{source}: [statuses] {word!r} = {status!r} is not a console status; use one of "
                    f"{', '.join(s.value for s in RequisitionStatus)}"
                )
            if not norm(word):
                raise MappingError(f"{source}: [statuses] {word!r} has no letters or digits")
            mapping.statuses[norm(word)] = target
        for word, engagement in _table(data, "engagements", source).items():
            try:
                mapping.engagements[norm(word)] = Engagement(str(engagement).strip().lower())
            except ValueError:
                raise MappingError(
                    f"{source}: [engagements] {word!r} = {engagement!r} is not an engagement; use one of "
                    f"{', '.join(e.value for e in Engagement)}"
                ) from None
        dates = _table(data, "dates", source)
        for key in dates:
            if key != "formats":
                raise MappingError(f"{source}: [dates] {key} is not a setting (expected formats)")
        formats = dates.get("formats", [])
        if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
            raise MappingError(f'{source}: [dates] formats must be a list like ["%d/%m/%Y"]')
        for fmt in formats:
            try:
                dt.datetime(2025, 1, 2, 3, 4, 5).strftime(fmt)
            except ValueError as exc:
                raise MappingError(f"{source}: [dates] format {fmt!r} is not valid ({exc})") from None
        mapping.date_formats = tuple(formats)
        _read_preset_section(mapping, _table(data, "preset", source), source)
        return mapping

    def over(self, base: ImportMapping) -> ImportMapping:
        """This mapping layered over `base` (a preset): what this one names wins."""
        return ImportMapping(
            columns={**base.columns, **self.columns},
            statuses={**base.statuses, **self.statuses},
            engagements={**base.engagements, **self.engagements},
            date_formats=self.date_formats + base.date_formats,
            joins={**base.joins, **self.joins},
            defaults={**base.defaults, **self.defaults},
            source=f"{self.source} over {base.source}",
            preset=base.preset,
            label=base.label,
            detect=base.detect,
            fills=base.fills,
            ignore=base.ignore,
        )

    def with_defaults(self, defaults: dict[str, tuple[str, str]]) -> ImportMapping:
        """A copy whose defaults include `defaults` (field -> (value, where from)), which win."""
        return dataclasses.replace(self, defaults={**self.defaults, **defaults})

    def detect_score(self, header: list[str]) -> list[str]:
        """The headers of `header` that identify this preset, as the file spells them. Case, spaces and
        punctuation aside ("Client Corporation" is Bullhorn's clientCorporation), except for a name the
        console's own export also writes: "Date Added" is the console's, only "dateAdded" is Bullhorn's."""
        exact = set(self.detect)
        loose = {norm(name) for name in self.detect} - _OWN_HEADERS
        return [name for name in header if name in exact or (norm(name) and norm(name) in loose)]


def _field_headers(source: str, section: str, name: str, headers: Any) -> list[str]:
    if name not in MAPPABLE_FIELDS:
        raise MappingError(f"{source}: [{section}] {name} is not a field; use one of {', '.join(MAPPABLE_FIELDS)}")
    headers = [headers] if isinstance(headers, str) else headers
    if not isinstance(headers, list) or not headers or not all(isinstance(h, str) and norm(h) for h in headers):
        raise MappingError(f"{source}: [{section}] {name} must be a header name or a list of header names")
    return headers


def _read_preset_section(mapping: ImportMapping, section: dict[str, Any], source: str) -> None:
    for key in section:
        if key not in ("label", "detect", "fills", "ignore"):
            raise MappingError(f"{source}: [preset] {key} is not a setting (expected label, detect, fills, ignore)")
    label = section.get("label", "")
    detect = section.get("detect", [])
    if not isinstance(label, str) or not isinstance(detect, list) or not all(isinstance(h, str) for h in detect):
        raise MappingError(f"{source}: [preset] label must be a name and detect a list of header names")
    mapping.label, mapping.detect = label, tuple(detect)
    for table in ("fills", "ignore"):
        entries = section.get(table, {})
        if not isinstance(entries, dict) or not all(isinstance(v, str) for v in entries.values()):
            raise MappingError(f'{source}: [preset.{table}] must hold name = "why" lines')
        if table == "fills":
            for name in entries:
                if name not in MAPPABLE_FIELDS:
                    raise MappingError(f"{source}: [preset.fills] {name} is not a field")
            mapping.fills = dict(entries)
        else:
            mapping.ignore = {norm(header): why for header, why in entries.items()}


def _table(data: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise MappingError(f"{source}: {name} must be a [{name}] section")
    return table


# -- reading values as a person writes them -----------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the lead as the reason."""


_CURRENCY = re.compile(
    r"^(?:usd|eur|gbp|cad|aud|nzd|chf|inr|sgd|us\$|ca\$|a\$|[$£€¥₹])+|(?:usd|eur|gbp|cad|aud|nzd|chf|inr|sgd|[$£€¥₹])+$"
)
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
_RANGE = re.compile(r"^(.*\d.*?[km]?)\s*(?:-|–|—|\bto\b)\s*(.*\d.*)$", re.IGNORECASE)

# A rate's unit and how many of it make a year: 40 h x 52 weeks, 5 days x 52 weeks, 52 weeks, 12 months.
RATE_UNITS: dict[str, int] = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}
# The unit written after an amount ("$48/hr", "400 per day", "$132,000 - $165,000 a year").
_UNIT_SUFFIX = {
    "hour": re.compile(r"(?:/\s*(?:hr|hour|h)|\ban?\s+hour|per\s*hour|hourly|p\.?h\.?)$"),
    "day": re.compile(r"(?:/\s*(?:day|d)|\ba\s+day|per\s*day|daily|p\.?d\.?)$"),
    "week": re.compile(r"(?:/\s*(?:wk|week|w)|\ba\s+week|per\s*week|weekly|p\.?w\.?)$"),
    "month": re.compile(r"(?:/\s*(?:mo|mon|month|m)|\ba\s+month|per\s*month|monthly)$"),
    "year": re.compile(r"(?:/\s*(?:yr|year|annum|a|y)|\ba\s+year|per\s*(?:year|annum)|p\.?a\.?|annual(?:ly)?|yearly)$"),
}
# The words of a salary-unit column (Bullhorn's salaryUnit "Per Hour", Lever's "per-hour-wage", ...).
UNIT_WORDS: dict[str, str] = {
    norm(word): unit
    for unit, words in {
        "hour": ("per hour", "hour", "hourly", "hr", "h", "per-hour-wage", "per hour wage", "hourly rate"),
        "day": ("per day", "day", "daily", "d", "per-day-wage", "per day wage", "daily rate"),
        "week": ("per week", "week", "weekly", "wk", "w", "per-week-wage", "per-week-salary"),
        "month": ("per month", "month", "monthly", "mo", "m", "per-month-salary", "per-month-wage"),
        "year": (
            "per year",
            "year",
            "yearly",
            "annual",
            "annually",
            "per annum",
            "annum",
            "pa",
            "yr",
            "y",
            "per-year-salary",
            "salary",
            "salaried",
        ),
    }.items()
    for word in words
}


def parse_salary_unit(text: str) -> str:
    """A salary-unit cell as one of RATE_UNITS ("Per Hour" -> "hour")."""
    unit = UNIT_WORDS.get(norm(text))
    if unit is None:
        raise CellError(
            f'"{text}" is not a salary unit (per hour, per day, per week, per month or per year; a one-off '
            "amount is not a salary)"
        )
    return unit


def _split_unit(text: str) -> tuple[str, str | None]:
    """The amount without the unit written after it, and that unit (None when none is written)."""
    raw = text.strip().lower()
    for unit, pattern in _UNIT_SUFFIX.items():
        found = pattern.search(raw)
        if found:
            return raw[: found.start()].strip(), unit
    return raw, None


# "$120,000", "120000", "120k", "95.5K": most cells, read without the general path's substitutions.
_PLAIN_AMOUNT = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*([kKmM]?)$")


def _amount_parts(text: str) -> tuple[float, str, str | None]:
    """The number, its k/m suffix and its unit (hour, day, ...; None when none is written), after currency,
    separators and the unit are taken off."""
    plain = _PLAIN_AMOUNT.match(text)
    # "120.000" is 120 thousand written with a dot: left to the general path below.
    if plain and not (plain.group(2) and len(plain.group(2)) == 4 and "," not in plain.group(1)):
        whole, fraction, suffix = plain.groups()
        return float(whole.replace(",", "") + (fraction or "")), suffix.lower(), None
    cleaned, unit = _split_unit(text)
    negative = False
    if cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")")):
        negative = True
        cleaned = cleaned.strip("-()").strip()
    cleaned = _CURRENCY.sub("", cleaned).strip()
    if cleaned.startswith("-"):
        negative = True
        cleaned = cleaned[1:]
    cleaned = cleaned.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("_", "")
    if _DOT_THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise CellError(f'"{text}" is not an amount (write it like $120,000 or 120k)')
    if negative:
        raise CellError(f'"{text}" is a negative amount')
    return float(match.group(1)), match.group(2), unit


def _scale(number: float, suffix: str) -> int:
    return round(number * {"": 1, "k": 1_000, "m": 1_000_000}[suffix])


def read_amount(text: str) -> tuple[int, str | None]:
    """ "$120,000", "120k", "1.2M", "USD 95000", "$48/hr" -> (the amount as written, its unit or None)."""
    if text.isdigit():
        return int(text), None
    number, suffix, unit = _amount_parts(text)
    return _scale(number, suffix), unit


def read_salary(text: str) -> tuple[int, int, str | None]:
    """A single Salary cell: a range ("$95,000 - $110,000", "95-110k", "$40 - $45/hr") or one amount
    (min = max), with the unit written in it (None when none is)."""
    whole, unit = _split_unit(text)
    match = _RANGE.match(whole)
    if match and not whole.startswith("-"):
        low, low_suffix, low_unit = _amount_parts(match.group(1))
        high, high_suffix, high_unit = _amount_parts(match.group(2))
        units = {u for u in (unit, low_unit, high_unit) if u}
        if len(units) > 1:
            raise CellError(f'"{text}" mixes rates of different units')
        # "95-110k": the suffix written once applies to both ends.
        if not low_suffix and high_suffix and low < 1000:
            low_suffix = high_suffix
        if not high_suffix and low_suffix and high < 1000:
            high_suffix = low_suffix
        return _scale(low, low_suffix), _scale(high, high_suffix), next(iter(units), None)
    amount, cell_unit = read_amount(text)
    return amount, amount, cell_unit


def annual(amount: int, unit: str | None) -> int:
    """A rate as a yearly amount: hour x 2080, day x 260, week x 52, month x 12 (a year is 52 weeks of
    5 days of 8 hours); an amount with no unit is already annual."""
    return amount * RATE_UNITS[unit or "year"]


def parse_amount(text: str) -> int:
    """ "$120,000", "120k", "1.2M", "USD 95000" -> whole currency units a year ("$48/hr" -> 99,840)."""
    amount, unit = read_amount(text)
    return annual(amount, unit)


def parse_salary(text: str) -> tuple[int, int]:
    """A single Salary cell as yearly (min, max): a range ("$95,000 - $110,000", "95-110k") or one amount."""
    low, high, unit = read_salary(text)
    return annual(low, unit), annual(high, unit)


def parse_percent(text: str) -> float:
    """ "20%" and "20" are 20 %; a bare number below 1 ("0.2", Bullhorn's feeArrangement) is a fraction."""
    raw = text.strip().replace(" ", "")
    if re.search(r"[$£€¥₹]", raw):
        raise CellError(f'"{text}" is an amount; the fee is kept as a percentage of salary (e.g. 20%)')
    has_percent = raw.endswith("%")
    raw = raw.rstrip("%").replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw.rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise CellError(f'"{text}" is not a number (write the fee like 20% or 0.2)') from None
    if not math.isfinite(value):
        raise CellError(f'"{text}" is not a number (write the fee like 20% or 0.2)')
    if value < 0:
        raise CellError(f'"{text}" is a negative fee')
    if not has_percent and value < 1:
        value *= 100
    if value > 100:
        raise CellError(f'"{text}" is a fee above 100%')
    return round(value, 4)


def parse_count(text: str, what: str) -> int:
    if text.isdigit():
        return int(text)
    raw = text.strip().replace(",", "")
    try:
        number = float(raw)
    except ValueError:
        raise CellError(f'"{text}" is not a whole number of {what}') from None
    if not math.isfinite(number) or number != int(number):
        raise CellError(f'"{text}" is not a whole number of {what}')
    if number < 0:
        raise CellError(f"negative {what} ({text.strip()})")
    return int(number)


def parse_hours(text: str) -> float:
    raw = text.strip().lower().removesuffix("hours").removesuffix("hrs").removesuffix("h").strip()
    try:
        value = float(raw)
    except ValueError:
        raise CellError(f'"{text}" is not a number of hours') from None
    if not math.isfinite(value):
        raise CellError(f'"{text}" is not a number of hours')
    if value < 0:
        raise CellError(f'"{text}" is a negative number of hours')
    return value


def parse_bool(text: str) -> bool:
    word = text.lower()
    if word not in TRUE_WORDS and word not in FALSE_WORDS:
        word = norm(text)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f'"{text}" is not yes or no')


# Where a role is done: the words of a remote column, of Bullhorn's onSite and of Lever's workplaceType.
REMOTE_WORDS = {
    norm(w): True for w in ("remote", "off-site", "offsite", "hybrid", "no preference", "flexible", "anywhere", "wfh")
} | {norm(w): False for w in ("on-site", "onsite", "on site", "in office", "in-office", "office", "unspecified")}


def parse_remote(text: str) -> bool:
    """A remote cell: yes/no, or where the work is (Remote, Hybrid, Off-Site: remote; On-Site: not)."""
    found = REMOTE_WORDS.get(norm(text))
    if found is not None:
        return found
    try:
        return parse_bool(text)
    except CellError:
        raise CellError(f'"{text}" is not yes or no, nor remote, hybrid or on-site') from None


def _in_range(value: dt.date, text: str) -> Any:
    if not 1900 <= value.year <= 2100:
        raise CellError(f'"{text}" is a date before 1900 or after 2100')
    return value


_PEOPLE_SEPARATORS = re.compile(r"\s*[;|\n]\s*")


def _first_person(cell: str) -> tuple[str, int]:
    """The first name of a cell listing several people (Bullhorn's assignedUsers, Greenhouse's
    Recruiters) and how many others it lists. Semicolons, bars and line breaks separate names; a comma
    does only between full names ("Ann Lee, Bo Chan"), since "Lee, Ann" is one name."""
    names = [n for n in _PEOPLE_SEPARATORS.split(cell) if n]
    if len(names) == 1:
        parts = [p.strip() for p in cell.split(",")]
        if len(parts) > 1 and all(" " in p for p in parts):
            names = parts
    return (names[0], len(names) - 1) if names else (cell, 0)


# MM/DD/YYYY, M/D/YY or MM-DD-YY (OpenCATS), optionally with H:MM[:SS] and AM/PM: read by hand, strptime is slow per row.
_US_DATE = re.compile(
    r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_OTHER_FORMATS = ("%Y/%m/%d", "%d %b %Y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y")


def parse_datetime(text: str, formats: tuple[str, ...] = ()) -> dt.datetime:
    """ISO, US (MM/DD/YYYY) or epoch-millisecond dates, plus any formats a mapping file names first."""
    raw = text.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    us = _US_DATE.match(raw)
    if us:
        month, _sep, day, year, hour, minute, second, half = us.groups()
        year_n = int(year) + (2000 if len(year) == 2 else 0)
        hour_n = int(hour or 0)
        if half:
            if not 1 <= hour_n <= 12:
                raise CellError(f'"{text}" is not a time of day')
            hour_n = hour_n % 12 + (12 if half.lower() == "pm" else 0)
        try:
            return dt.datetime(year_n, int(month), int(day), hour_n, int(minute or 0), int(second or 0))
        except ValueError:
            raise CellError(f'"{text}" is not a date (US dates are MM/DD/YYYY)') from None
    if raw.isdigit() and len(raw) in (12, 13):
        return dt.datetime.fromtimestamp(int(raw) / 1000, dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        pass
    else:
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(microsecond=0)
    for fmt in _OTHER_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise CellError(f'"{text}" is not a date (write it as YYYY-MM-DD or MM/DD/YYYY)')


def parse_date(text: str, formats: tuple[str, ...] = ()) -> dt.date:
    return parse_datetime(text, formats).date()


_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def unneutralise(cell: str) -> str:
    """Takes off the single quote a spreadsheet-safe export put before a formula-like cell."""
    return cell[1:] if cell.startswith("'") and _NEUTRALISED.match(cell) else cell


# -- the report -------------------------------------------------------------------------------------


class ImportGrader(Protocol):
    """What an import needs to write new requisitions graded (the core's rules implement it)."""

    default_days: int  # the estimate of a (grade, engagement) with too little history

    def grade(self, req: Requisition) -> tuple[int, str]:
        """(score, grade) of a checked requisition before it has an id or a code."""
        ...

    def estimates(self, durations: Sequence[tuple[str | None, str, float]]) -> Mapping[tuple[str, str], int]:
        """The estimate of each (grade, engagement) from (grade, engagement, days to fill) of the filled ones."""
        ...


@dataclass(frozen=True)
class RowProblem:
    """Why one row (numbered as a spreadsheet shows it: the header is row 1) was rejected."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import found and did; `lines()` is the text the CLI prints and the TUI shows."""

    source: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_changes: int = 0
    written: bool = False
    encoding: str = "UTF-8"
    delimiter: str = ","
    columns: list[tuple[str, str]] = field(default_factory=list)  # (header in the file, field)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)  # (header, why)
    people_created: list[tuple[str, Team]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Rows an earlier, interrupted import of the same file had already committed (skipped this time).
    resumed: int = 0
    # How the write went: transactions committed and the longest one held the write lock (seconds).
    commits: int = 0
    longest_lock: float = 0.0
    # The requisitions this import created or changed (what must be graded again; the rest keep
    # their grades): every id written after the import's first new row, and each updated row.
    changed_ids: list[int] = field(default_factory=list)
    # With a grader (`import_requisitions(grader=...)`) the new requisitions were written graded, their
    # estimates from the history as the check saw it: the updated ones (`updated_ids`) are left to
    # grade, and when new filled ones moved the history (`history_moved`) every estimate to look at again.
    graded_at_insert: bool = False
    updated_ids: list[int] = field(default_factory=list)
    history_moved: bool = False
    # This file's last import stopped part-way: what it committed was written graded by the whole
    # file's history, so everything is graded again (`resumed` counts only its rows without an id).
    resumed_file: bool = False
    # The ATS preset the file was read with (chosen with --preset or detected from the header).
    preset: str | None = None
    preset_label: str = ""
    preset_reason: str = ""
    # Fields filled by a default: (field, value, where the value comes from).
    filled: list[tuple[str, str, str]] = field(default_factory=list)
    # Rows whose salary was a rate converted to annual, and the first few of them as the report says them.
    rate_rows: int = 0
    rate_examples: list[str] = field(default_factory=list)
    # Rows whose people cell listed several people (the first one was read), and the first few.
    people_list_rows: int = 0
    people_list_examples: list[str] = field(default_factory=list)
    # Names nobody in the team has (the import was not allowed to create people): name -> (role, rows, close name).
    unknown_people: dict[str, tuple[str, int, str | None]] = field(default_factory=dict)
    unknown_people_rows: dict[str, set[int]] = field(default_factory=dict)
    # How to give what is missing, in the words of the caller (the command line's by default).
    hints: dict[str, str] = field(default_factory=lambda: dict(CLI_HINTS))

    def note_rate(self, row: int, rates: list[str], salary: dict[str, int | None]) -> None:
        self.rate_rows += 1
        if len(self.rate_examples) < 5:
            low, high = salary.get("salary_min"), salary.get("salary_max")
            became = f"{low:,}" if low == high and low is not None else f"{low or 0:,}–{high or 0:,}"
            self.rate_examples.append(f"row {row}: {' and '.join(rates)} → {became} a year")

    def note_people(self, row: int, column: str, first: str, others: int) -> None:
        self.people_list_rows += 1
        if len(self.people_list_examples) < 3:
            self.people_list_examples.append(
                f"row {row}, {column}: {first} (and {others} other{'s' if others != 1 else ''})"
            )

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems})

    def summary(self) -> str:
        name = Path(self.source).name
        if not self.ok:
            rows = self.rejected_rows
            return (
                f"{name}: {rows} row{'s' if rows != 1 else ''} rejected "
                f"({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}); nothing was imported."
            )
        people = len(self.people_created)
        verb = ("would be" if self.dry_run else "were") if people != 1 else ("would be" if self.dry_run else "was")
        text = (
            f"{name}: {self.rows:,} row{'s' if self.rows != 1 else ''} — {self.created:,} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged"
        )
        if self.status_changes:
            text += f" ({self.status_changes:,} status change{'s' if self.status_changes != 1 else ''})"
        if people:
            text += f"; {people} {'person' if people == 1 else 'people'} {verb} added"
        if self.resumed:
            text += f"; {self.resumed:,} created by the interrupted import of this file before were kept"
        if self.dry_run:
            return f"Dry run, nothing was written. {text} if imported."
        return f"Imported {text}."

    def lines(self) -> list[str]:
        """The summary, the details, then each rejected row: what the CLI prints."""
        return [self.summary(), *self.details(), *(f"  {problem}" for problem in self.problems)]

    def details(self) -> list[str]:
        """Notes, the columns read and ignored, and the people added: what the summary leaves out."""
        lines: list[str] = []
        if self.preset:
            lines.append(
                f"Read as {_a(self.preset_label)} export "
                f"(preset {self.preset}, {self.preset_reason}; {self.hints['preset']})"
            )
        for warning in self.warnings:
            lines.append(f"note: {warning}")
        for name, value, where in self.filled:
            lines.append(f"Filled: {COLUMN_BY_FIELD[name].header} = {value!r} ({where})")
        if self.rate_rows:
            rows = self.rate_rows
            lines.append(
                f"Rates converted to annual salaries on {rows:,} row{'s' if rows != 1 else ''} "
                "(hour × 2080, day × 260, week × 52, month × 12): "
                + "; ".join(self.rate_examples)
                + ("; …" if rows > len(self.rate_examples) else "")
            )
        if self.people_list_rows:
            rows = self.people_list_rows
            lines.append(
                f"Several people in one cell on {rows:,} row{'s' if rows != 1 else ''}, the first was read: "
                + "; ".join(self.people_list_examples)
                + ("; …" if rows > len(self.people_list_examples) else "")
            )
        if self.columns:
            lines.append(
                "Columns read: "
                + ", ".join(
                    f"{header} → {COLUMN_BY_FIELD[name].header}"
                    if norm(header) != norm(COLUMN_BY_FIELD[name].header)
                    else header
                    for header, name in self.columns
                )
            )
        if self.ignored_columns:
            lines.append(
                "Columns ignored: "
                + ", ".join(f"{header} ({why})" if why else header for header, why in self.ignored_columns)
            )
        if self.unknown_people:
            lines.append(
                "Not in the team: "
                + "; ".join(
                    f"{name} ({role}, {rows:,} row{'s' if rows != 1 else ''}"
                    + (f"; did you mean {close}?)" if close else ")")
                    for name, (role, rows, close) in self.unknown_people.items()
                )
                + ". Add them first (mediate people add, mediate people import, or the Team screen, key 6), "
                f"or {self.hints['create_people']}"
            )
        if self.people_created:
            lines.append(
                "People "
                + ("to add: " if self.dry_run or not self.ok else "added: ")
                + ", ".join(f"{name} ({team.value})" for name, team in self.people_created)
            )
        return lines


# -- the importer --------------------------------------------------------------------------------------


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter used most in the header line outside quotes (comma when none is used)."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class _Plan:
    """A checked row: the requisition as it is (None: new) and as the row leaves it, plus what the row said."""

    before: Requisition | None
    after: Requisition
    values: dict[str, Any]
    external_id: str | None


class _Importer:
    """One pass over the file: reads each row into a planned create or update, collecting problems."""

    def __init__(
        self,
        store: Store,
        path: Path,
        mapping: ImportMapping,
        report: ImportReport,
        filename: str,
        candidates: tuple[ImportMapping, ...] = (),
        defaults: dict[str, tuple[str, str]] | None = None,
        create_people: bool = False,
    ):
        self.store = store
        self.path = path
        self.report = report
        self.filename = filename
        # Presets to choose from by the header (auto-detection); the chosen one goes under `mapping`.
        self.candidates = candidates
        self.given_defaults = defaults or {}
        self.use_mapping(mapping)
        self.now = store.now()
        team = store.list_people()
        self.people: dict[str, int] = {p.name.casefold(): p.saved_id for p in team}
        self.known_names = [p.name for p in team]
        self.names_by_id: dict[int, str] = {p.saved_id: p.name for p in team}
        # Whether a name nobody in the team has creates a person (a first import) or rejects the row.
        self.create_people = create_people
        self.grader: ImportGrader | None = None  # grades new rows as they are staged (import_requisitions)
        self.new_people: dict[str, tuple[str, Team]] = {}
        self.stand_ins: dict[str, int] = {}
        self.external_ids, self.codes = store.import_keys()
        self.columns: list[tuple[int, Column]] = []
        self.header: list[str] = []  # the header row as the file spells it (once read)
        self.header_names: dict[str, str] = {}  # field -> header as the file spells it
        # (cell indices read together, column, label, the cell reader, the default cell text or None)
        self.readers: list[tuple[tuple[int, ...], Column, str, Callable[[str], Any], str | None]] = []

    def use_mapping(self, mapping: ImportMapping) -> None:
        self.mapping = mapping.with_defaults(self.given_defaults) if self.given_defaults else mapping
        self.statuses = {**STATUS_WORDS, **self.mapping.statuses}
        self.engagements = {**ENGAGEMENT_WORDS, **self.mapping.engagements}
        self.formats = self.mapping.date_formats

    # Reading the header ---------------------------------------------------------------------------

    def detect(self, cleaned: list[str]) -> None:
        """Chooses the preset whose identifying headers the file has most of (two at least), and says so."""
        best: tuple[int, ImportMapping, list[str]] | None = None
        for candidate in self.candidates:
            found = candidate.detect_score(cleaned)
            if len(found) >= 2 and (best is None or len(found) > best[0]):
                best = (len(found), candidate, found)
        if best is None:
            return
        _score, preset, found = best
        user = self.mapping
        self.use_mapping(user.over(preset) if user.source != "mapping" else preset)
        self.report.preset = preset.preset
        self.report.preset_label = preset.label
        self.report.preset_reason = "detected from its headers " + ", ".join(found[:4])

    def read_header(self, header: list[str]) -> None:
        assigned: dict[str, int] = {}
        ignored: list[tuple[str, str]] = []
        cleaned = [unneutralise(h).strip() for h in header]
        if self.candidates:
            self.detect(cleaned)
        mapping = self.mapping
        by_name: dict[str, list[int]] = {}
        for index, name in enumerate(cleaned):
            by_name.setdefault(norm(name), []).append(index)
        # Joined columns: the fields read from several columns at once (city and state).
        joined: dict[str, tuple[int, ...]] = {}
        for field_name, headers in mapping.joins.items():
            indices = tuple(by_name[norm(h)][0] for h in headers if norm(h) in by_name)
            if len(indices) > 1:
                joined[field_name] = indices
        used = {i for indices in joined.values() for i in indices}
        # Mapping-file names first: they win over the built-in aliases.
        for pass_mapping in (True, False):
            for index, name in enumerate(cleaned):
                if index in used or index in assigned.values() or not norm(name) or norm(name) in mapping.ignore:
                    continue
                target = (mapping.columns if pass_mapping else _BUILTIN_HEADERS).get(norm(name))
                if target is None or target in assigned or target in joined:
                    continue
                assigned[target] = index
        for index, name in enumerate(cleaned):
            if index in assigned.values() or index in used or not name:
                continue
            target = mapping.columns.get(norm(name)) or _BUILTIN_HEADERS.get(norm(name))
            if norm(name) in mapping.ignore:
                why = mapping.ignore[norm(name)]
            elif target is not None:
                why = f"another column already gives {COLUMN_BY_FIELD[target].header}"
            else:
                why = _did_you_mean(name)
            ignored.append((name, why))
        if "salary" in assigned and ("salary_min" in assigned or "salary_max" in assigned):
            ignored.append((cleaned[assigned.pop("salary")], "Salary Min/Max columns are used instead"))
        if "salary" in joined and ("salary_min" in assigned or "salary_max" in assigned):
            del joined["salary"]
        for field_name in ("grade", "score"):
            if field_name in assigned:
                ignored.append((cleaned[assigned.pop(field_name)], "computed by the console"))
        fields: list[tuple[tuple[int, ...], str]] = [((index,), name) for name, index in assigned.items()]
        fields += [(indices, name) for name, indices in joined.items()]
        fields.sort(key=lambda item: item[0][0])
        self.columns = [(index, COLUMN_BY_FIELD[name]) for indices, name in fields for index in indices]
        self.header_names = {name: " + ".join(cleaned[i] for i in indices) for indices, name in fields}
        self.readers = []
        for indices, name in fields:
            column = COLUMN_BY_FIELD[name]
            default = mapping.defaults.get(name)
            self.readers.append(
                (indices, column, self.header_names[name], self.reader(column), default[0] if default else None)
            )
        # Fields the file has no column for that a default (a preset, a mapping file, --client) fills.
        self.report.filled = []
        for name, (value, where) in mapping.defaults.items():
            if name in self.header_names:
                self.report.filled.append((name, value, f"{where}, where the cell is blank"))
                continue
            column = COLUMN_BY_FIELD[name]
            label = f"{column.header} ({where})"
            self.header_names[name] = label
            self.readers.append(((), column, label, self.reader(column), value))
            self.report.filled.append((name, value, where))
        self.report.columns = [(self.header_names[name], name) for _indices, name in fields]
        self.report.ignored_columns = ignored
        self.width = len(header)
        self.header = cleaned

    def column_label(self, field_name: str) -> str:
        return self.header_names.get(field_name) or COLUMN_BY_FIELD[field_name].header

    # Reading one row ------------------------------------------------------------------------------

    def read_cells(self, rownum: int, cells: list[str], problems: list[RowProblem]) -> dict[str, Any]:
        """Parsed values of the columns the file has; blank KEEP cells are left out."""
        values: dict[str, Any] = {}
        units: dict[str, tuple[str | None, str, str]] = {}  # field -> (unit written in the cell, label, cell)
        width = len(cells)
        for indices, column, label, reader, default in self.readers:
            if len(indices) == 1:
                raw = cells[indices[0]] if indices[0] < width else ""
                if raw[:1] == "'":
                    raw = unneutralise(raw)
                raw = raw.strip()
            else:
                parts = (unneutralise(cells[i]).strip() if i < width else "" for i in indices)
                raw = (" " if column.kind == "person" else ", ").join(p for p in parts if p)
            if not raw and default is not None:
                raw = default
            if not raw:
                if column.blank is REQUIRED:
                    problems.append(RowProblem(rownum, label, self.missing(column.field)))
                elif column.blank is KEEP:
                    continue
                elif column.kind == "salary":
                    values["salary_min"] = values["salary_max"] = None
                else:
                    values[column.field] = column.blank
                continue
            try:
                if column.kind == "salary":
                    low, high, unit = reader(raw)
                    values["salary_min"], values["salary_max"] = low, high
                    units["salary"] = (unit, label, raw)
                elif column.kind == "amount":
                    values[column.field], unit = reader(raw)
                    units[column.field] = (unit, label, raw)
                else:
                    values[column.field] = reader(raw)
            except CellError as exc:
                problems.append(RowProblem(rownum, label, str(exc)))
        employment = values.pop("employment_type", None)
        if employment is not None and "engagement" not in values:
            values["engagement"] = employment
        if units or "salary_unit" in values:
            self.to_annual(rownum, values, units, problems)
        return values

    def missing(self, field_name: str) -> str:
        fill = self.fill_reason(field_name)
        if fill and field_name not in self.mapping.defaults:
            return f"missing {_what(field_name)}: {fill}"
        return f"missing {_what(field_name)}"

    def fill_reason(self, field_name: str) -> str:
        """Why the export has no column for a field the preset knows it lacks, and how to give it ("" if none)."""
        fill = self.mapping.fills.get(field_name)
        if not fill:
            return ""
        hint = self.report.hints.get(field_name)
        return f"{fill}: {hint}" if hint else fill

    def to_annual(
        self,
        rownum: int,
        values: dict[str, Any],
        units: dict[str, tuple[str | None, str, str]],
        problems: list[RowProblem],
    ) -> None:
        """Salaries as yearly amounts: a rate whose unit the cell or the salary-unit column states is
        converted (hour x 2080, day x 260, week x 52, month x 12) and listed in the report; an amount
        without a unit is annual, and one below 1,000 is refused as most likely a rate of unknown unit.
        A salary of 0 is no salary (Bullhorn writes 0 for a salary nobody entered)."""
        column_unit = values.pop("salary_unit", None)
        unit_label = self.column_label("salary_unit")
        converted: list[str] = []
        by_column: list[str] = []  # amounts whose unit the salary-unit column gives
        for source, (cell_unit, label, raw) in units.items():
            targets = ("salary_min", "salary_max") if source == "salary" else (source,)
            # The salary-unit column speaks for the salary columns; a market salary is the console's own.
            own_unit = column_unit if source != "market_salary" else None
            if cell_unit and own_unit and cell_unit != own_unit:
                problems.append(
                    RowProblem(rownum, label, f'"{raw}" is per {cell_unit} but {unit_label} says per {own_unit}')
                )
                continue
            unit = cell_unit or own_unit
            amounts = [values[t] for t in targets if values.get(t) is not None]
            for target in targets:
                if values.get(target) == 0:
                    values[target] = None
            if not amounts or not any(amounts):
                continue
            if unit is None and min(a for a in amounts if a) < 1000:
                problems.append(
                    RowProblem(
                        rownum,
                        label,
                        f'"{raw}" is too small for an annual salary; if it is a rate, give its unit '
                        f"(a salary unit column such as Bullhorn's salaryUnit, or write {raw}/hr)",
                    )
                )
                continue
            if unit in (None, "year"):
                continue
            for target in targets:
                if values.get(target) is not None:
                    values[target] = annual(values[target], unit)
            if cell_unit:
                converted.append(f'"{raw}"')
            else:
                by_column.append(raw)
        if by_column:
            converted.append(f"{' – '.join(by_column)} per {column_unit} ({unit_label})")
        if converted:
            self.report.note_rate(rownum, converted, {f: values.get(f) for f in ("salary_min", "salary_max")})

    def reader(self, column: Column) -> Callable[[str], Any]:
        """The function that reads one non-blank cell of `column`, raising CellError with the reason."""
        kind, name = column.kind, column.field
        if kind in ("text", "key", "code", "person"):
            return str
        if kind == "status":
            statuses = self.statuses

            def status(raw: str) -> RequisitionStatus:
                found = statuses.get(raw) or statuses.get(norm(raw))
                if found is None:
                    raise CellError(
                        f'unknown status "{raw}" (add it under [statuses] in a mapping file, e.g. "{raw}" = "sourcing")'
                    )
                return found

            return status
        if kind == "engagement":
            engagements = self.engagements

            def engagement(raw: str) -> Engagement:
                found = engagements.get(raw) or engagements.get(norm(raw))
                if found is None:
                    raise CellError(
                        f'unknown engagement "{raw}" (contingent, exclusive or retained; or add it under '
                        "[engagements] in a mapping file)"
                    )
                return found

            return engagement
        if kind == "employment_type":
            own = self.mapping.engagements

            def employment_type(raw: str) -> Engagement | None:
                # An employment type (Direct Hire, Contract, H, C2H, Full-time...) says nothing about the
                # search's terms unless it names them (Retained, Exclusive) or a mapping file maps it.
                found = own.get(norm(raw)) or ENGAGEMENT_WORDS.get(norm(raw))
                return found if found is not None and (norm(raw) in own or found != Engagement.CONTINGENT) else None

            return employment_type
        if kind in ("openings", "count"):
            what = "openings" if kind == "openings" else _what(name)
            return lambda raw: parse_count(raw, what)
        if kind == "date":
            return lambda raw: _in_range(parse_date(raw, self.formats), raw)
        if kind == "datetime":
            return lambda raw: _in_range(parse_datetime(raw, self.formats), raw)
        return {
            "hours": parse_hours,
            "percent": parse_percent,
            "amount": read_amount,
            "salary": read_salary,
            "salary_unit": parse_salary_unit,
            "bool": parse_bool,
            "remote": parse_remote,
        }[kind]

    def person_id(self, name: str, team: Team, rownum: int, label: str, problems: list[RowProblem]) -> int | None:
        key = name.casefold()
        if key in self.people:
            return self.people[key]
        if not self.create_people:
            # A typo must not become a new team member: the row is refused, naming the likely person.
            role = "sales owner" if team == Team.SALES else "recruiter"
            close = closest_name(name, self.known_names)
            hint = f" — did you mean '{close}'?" if close else ""
            # One line per name: the roles it was given and the rows it stands in (a name typed as both
            # the sales owner and the recruiter of a row is one row, not two).
            seen = self.report.unknown_people.get(name)
            roles = seen[0].split(" and ") if seen else []
            if role not in roles:
                roles.append(role)
            rows = self.report.unknown_people_rows.setdefault(name, set())
            rows.add(rownum)
            self.report.unknown_people[name] = (" and ".join(roles), len(rows), close)
            problems.append(
                RowProblem(
                    rownum,
                    label,
                    f"unknown {role} '{name}'{hint} ({self.report.hints['people']})",
                )
            )
            return None
        if len(name) > 80:
            problems.append(RowProblem(rownum, label, "a name longer than 80 characters"))
            return None
        if key not in self.new_people:
            # The first row that names someone decides their team.
            self.new_people[key] = (name, team)
            self.stand_ins[key] = -len(self.new_people)
        # A stand-in id until the write pass creates the person; negative ids never collide.
        return self.stand_ins[key]

    def plan(self, rownum: int, cells: list[str], seen: dict[str, int] | None) -> tuple[_Plan | None, list[RowProblem]]:
        problems: list[RowProblem] = []
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            problems.append(
                RowProblem(
                    rownum,
                    "",
                    f"{plural(len(cells), 'cell')} but the header has {self.width} "
                    "(a comma inside a value needs the value in quotes)",
                )
            )
            return None, problems
        for index, column in self.columns:
            control = find_control(cells[index]) if index < len(cells) else None
            if control:
                problems.append(
                    RowProblem(
                        rownum,
                        self.column_label(column.field),
                        f"holds {control}, {CONTROL_REASON}",
                    )
                )
        if problems:
            return None, problems
        values = self.read_cells(rownum, cells, problems)
        external_id = values.pop("external_id", None)
        code = values.pop("code", None)
        key = f"id:{external_id}" if external_id else (f"code:{code.casefold()}" if code else None)
        if seen is not None and key is not None:
            if key in seen:
                label = self.column_label("external_id" if external_id else "code")
                problems.append(
                    RowProblem(
                        rownum, label, f'duplicate id "{external_id or code}" in the file (first on row {seen[key]})'
                    )
                )
            else:
                seen[key] = rownum
        before: Requisition | None = None
        if external_id:
            req_id = self.external_ids.get(external_id)
        else:
            req_id = self.codes.get(code.casefold()) if code else None
        if req_id is not None:
            before = self.store.get_requisition(req_id)
        if len(external_id or "") > 120:
            problems.append(RowProblem(rownum, self.column_label("external_id"), "an id longer than 120 characters"))
        for field_name, team in (("sales_owner", Team.SALES), ("recruiter", Team.RECRUITING)):
            if field_name not in values:
                continue
            name = values.pop(field_name)
            id_field = "sales_owner_id" if field_name == "sales_owner" else "recruiter_id"
            if name is None:
                values[id_field] = None
                continue
            bidi = find_bidi(name)
            if bidi:
                problems.append(
                    RowProblem(
                        rownum,
                        self.column_label(field_name),
                        f'"{name}" holds {bidi}, an invisible character that reorders the text around it on screen',
                    )
                )
                continue
            name, others = _first_person(name)
            if others:
                self.report.note_people(rownum, self.column_label(field_name), name, others)
            person = self.person_id(name, team, rownum, self.column_label(field_name), problems)
            if person is not None:
                values[id_field] = person
        if before is None:
            for field_name in ("title", "client", "sales_owner"):
                if field_name not in self.header_names:
                    header = COLUMN_BY_FIELD[field_name].header
                    fill = self.fill_reason(field_name)
                    problems.append(
                        RowProblem(
                            rownum,
                            header,
                            f"missing {_what(field_name)} ({fill})"
                            if fill
                            else f"missing {_what(field_name)} (the file has no {header} column, and this row "
                            "is not a requisition the console already has)",
                        )
                    )
        if problems:
            return None, problems
        after = self.merge(rownum, before, values, external_id, problems)
        return (None if after is None else _Plan(before, after, values, external_id)), problems

    def merge(
        self,
        rownum: int,
        before: Requisition | None,
        values: dict[str, Any],
        external_id: str | None,
        problems: list[RowProblem],
    ) -> Requisition | None:
        closed_given = "closed_at" in values
        closed_at = values.get("closed_at")
        # A copy without the close date: `values` is kept to apply the row again at write time.
        values = {k: v for k, v in values.items() if k != "closed_at"}
        if before is None:
            data = {**values, "external_id": external_id}
            data.setdefault("opened_at", self.now)
        else:
            data = {**before.model_dump(), **values}
        status = RequisitionStatus(data.get("status") or RequisitionStatus.INTAKE)
        if status not in CLOSED_STATUSES:
            data["closed_at"] = None
        elif closed_given and closed_at is not None:
            data["closed_at"] = closed_at
        elif before is None:
            data["closed_at"] = None
        elif before.status not in CLOSED_STATUSES:
            data["closed_at"] = self.now  # it closed in the ATS since the last import
        data["updated_at"] = self.now
        low, high = data.get("salary_min"), data.get("salary_max")
        if low is not None and high is not None and low > high:
            problems.append(
                RowProblem(rownum, self._label_for("salary_min"), f"salary min {low:,} is above salary max {high:,}")
            )
            return None
        try:
            after = Requisition.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field_name = str(error["loc"][0]) if error["loc"] else ""
                problems.append(RowProblem(rownum, self._label_for(field_name), _friendly(error)))
            return None
        return after

    def _label_for(self, field_name: str) -> str:
        if field_name in ("salary_min", "salary_max") and "salary" in self.header_names:
            return self.header_names["salary"]
        if field_name in ("sales_owner_id", "recruiter_id"):
            field_name = field_name.removesuffix("_id")
        if not field_name:
            # A cross-field check: min above max is the only one Requisition has.
            return self.header_names.get("salary_min") or self.header_names.get("salary") or "Salary Min"
        return self.column_label(field_name) if field_name in COLUMN_BY_FIELD else field_name

    # Streaming the file ----------------------------------------------------------------------------

    def rows(self, encoding: str) -> Generator[tuple[int, list[str]], None, None]:
        """(spreadsheet row number, cells) of each non-blank data row; reads the header first."""
        with safe_file.open_text_for_reading(self.path, encoding, newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            self.report.delimiter = _sniff_delimiter(first)
            reader = csv.reader(handle, delimiter=self.report.delimiter)
            rownum = 0
            try:
                for cells in reader:
                    rownum += 1
                    if rownum == 1:
                        self.read_header(cells)
                        continue
                    if not any(c.strip() for c in cells):
                        continue
                    yield rownum, cells
            except csv.Error as exc:
                raise _BrokenCsv(rownum + 1, str(exc)) from None


_KNOWN_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.header, *_column.aliases):
        _KNOWN_HEADERS.setdefault(norm(_alias), _alias)


def _did_you_mean(header: str) -> str:
    """A hint for a header nobody reads that is close to one the importer knows ("Salry Max")."""
    close = difflib.get_close_matches(norm(header), list(_KNOWN_HEADERS), n=1, cutoff=0.8)
    if not close:
        return ""
    known = _KNOWN_HEADERS[close[0]]
    field_header = COLUMN_BY_FIELD[_BUILTIN_HEADERS[close[0]]].header
    target = known if norm(known) == norm(field_header) else f"{known}, read as {field_header}"
    return f"did you mean {target}?"


class _BrokenCsv(Exception):
    def __init__(self, row: int, detail: str) -> None:
        super().__init__(detail)
        self.row = row


def _what(field_name: str) -> str:
    return {
        "title": "title",
        "client": "client",
        "sales_owner": "sales owner",
        "interview_stages": "interview stages",
        "must_haves": "must-haves",
        "competing_agencies": "competing agencies",
    }.get(field_name, field_name.replace("_", " "))


def _friendly(error: Any) -> str:
    """A pydantic error reworded for a team lead."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "greater_than_equal" and error["loc"] and error["loc"][0] == "openings":
        return "a requisition has at least 1 opening"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return (
            f"must be at most {ctx.get('le'):,}"
            if isinstance(ctx.get("le"), int)
            else f"must be at most {ctx.get('le')}"
        )
    if kind == "string_too_long":
        return f"longer than {ctx.get('max_length')} characters"
    message = str(error.get("msg", "not valid"))
    message = message.removeprefix("Value error, ")
    if message == "Salary min is above salary max":
        return "salary min is above salary max"
    return message[:1].lower() + message[1:]


def _open_check(path: Path) -> os.stat_result:
    if path.is_dir():
        raise ImportFileError(f"{path} is a folder, not a CSV file")
    try:
        with safe_file.open_for_reading(path) as handle:  # a FIFO would hang the import, a device never end
            return os.fstat(handle.fileno())
    except FileNotFoundError:
        raise ImportFileError(f"{path} does not exist") from None
    except safe_file.NotRegularFile:
        raise ImportFileError(f"{path} {safe_file.NOT_REGULAR}, so it is not a CSV file") from None
    except PermissionError:
        raise ImportFileError(f"{path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise ImportFileError(f"{path} cannot be read: {exc.strerror or exc}") from None


def import_requisitions(
    store: Store,
    path: str | os.PathLike[str],
    *,
    mapping: ImportMapping | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    preset: str | None = AUTO_PRESET,
    defaults: Mapping[str, str | tuple[str, str]] | None = None,
    create_people: bool = False,
    hints: dict[str, str] | None = None,
    grader: ImportGrader | None = None,
) -> ImportReport:
    """Checks every row of the CSV, then (unless `dry_run` or a row was rejected) writes them all.

    `progress(done, total)` is called every thousand rows: while checking with `total=None` (the
    number of rows is not known yet), while writing with the row count. Raises `ImportFileError`
    when the file cannot be read at all, `ImportAborted` when the database changed under the import
    in a way the checked rows no longer fit; every problem with the file's content is in the
    returned report, and when the report has problems nothing was written.

    A name nobody in the team has rejects its row (with the closest name in the team, if one is close)
    unless `create_people`: then the first row naming them decides their team and they are created with
    the requisitions (a first import, before the team was set up).

    `defaults` fill a field on every row whose file has no column for it or whose cell is blank: field ->
    value, or (value, where it comes from) for the report ("--client" when only the value is given).
    `hints` words how to give what is missing (see `CLI_HINTS`, the default).

    `grader` (the core's rules; this layer cannot import them) grades each new requisition as it is
    staged, so it is written once with its score, grade and estimate instead of written, read back and
    updated by a regrade afterwards (see `ImportReport.graded_at_insert`).
    """
    path = Path(path)
    mapping, candidates = _mapping_and_candidates(mapping, preset)
    given = _given_defaults(defaults)
    stat_before = _open_check(path)
    report = ImportReport(source=str(path), dry_run=dry_run, hints={**CLI_HINTS, **(hints or {})})
    if stat_before.st_size == 0:
        report.problems.append(RowProblem(1, "", "the file is empty (expected a header row and requisitions)"))
        return report
    # A dry run writes nothing, so it stages nothing; a read-only database refuses at the write.
    stage = not dry_run and not store.readonly
    # An import of this very file that was interrupted (killed, a full disk) committed its first rows
    # in whole transactions; this one keeps them and writes the rest (see _check).
    sha256 = _file_sha256(path)
    last = store.last_import_of(sha256)
    resume_from = last[1] if last is not None and not last[0] else None
    for encoding, label in _encodings(path):
        report = ImportReport(source=str(path), dry_run=dry_run, encoding=label, hints=report.hints)
        report.resumed_file = resume_from is not None
        importer = _Importer(store, path, mapping, report, path.name, candidates, given, create_people)
        importer.grader = grader if stage else None
        if mapping.preset is not None:
            report.preset, report.preset_label = mapping.preset, mapping.label
            report.preset_reason = report.hints["chosen"]
        with store.import_staging() if stage else contextlib.nullcontext():
            try:
                _check(importer, encoding, progress, stage, resume_from)
            except UnicodeDecodeError:
                continue
            except _BrokenCsv as exc:
                report.problems.append(RowProblem(exc.row, "", f"the CSV is broken here ({exc})"))
                return report
            if label == "Windows-1252":
                report.warnings.append("the file is not UTF-8; it was read as Windows-1252 (Excel's plain CSV)")
            if mapping.preset is not None and importer.header:
                misfit = preset_misfit(mapping, importer.header)
                if misfit:
                    report.warnings.append(misfit)
            if not importer.columns:
                # Every row would be "missing title"; the one thing to say is that the header was not understood.
                report.problems[:] = [
                    RowProblem(
                        1,
                        "",
                        "no column was recognised (is the first row the header? a mapping file can name the columns)",
                    )
                ]
            report.people_created = list(importer.new_people.values())
            if report.problems or dry_run:
                return report
            stat_after = path.stat()
            if (stat_after.st_size, stat_after.st_mtime_ns) != (stat_before.st_size, stat_before.st_mtime_ns):
                raise ImportAborted(f"{path} changed while it was being read; nothing was written")
            if importer.grader is not None:
                _stage_estimates(importer, importer.grader)
            _write(importer, progress, sha256)
            report.written = True
            return report
    if report.encoding.startswith(("UTF-16", "UTF-32")):
        report.problems.append(
            RowProblem(1, "", f"the file starts with a {report.encoding} mark but is not {report.encoding} text")
        )
        return report
    report.problems.append(RowProblem(1, "", "the file is not text (neither UTF-8 nor Windows-1252)"))
    return report


PREVIEW_ROWS = 5


@dataclass(frozen=True)
class PreviewRow:
    """One of the file's first rows as the import would read it: the requisition it would create or
    update (None when the row would be rejected), the people it names, and its problems."""

    row: int
    requisition: Requisition | None
    new: bool
    sales_owner: str = ""
    recruiter: str = ""
    problems: tuple[RowProblem, ...] = ()


@dataclass
class ImportPreview:
    """What importing a file would read, from its header and its first rows, before anything is written.

    `report` holds what the header says (the preset chosen or detected, the columns read and ignored, the
    fields filled by a default); `fit` is a sentence when the file fits no preset, not the one chosen, or
    no column at all ("" when it fits); `missing` names each field a new requisition needs that neither a
    column nor a default gives, with why; `rows` are the first rows, `more` whether the file has others.
    """

    report: ImportReport
    rows: list[PreviewRow] = field(default_factory=list)
    more: bool = False
    fit: str = ""
    missing: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # the file cannot be read as a CSV at all (empty, broken, not text)


def preview_requisitions(
    store: Store,
    path: str | os.PathLike[str],
    *,
    mapping: ImportMapping | None = None,
    preset: str | None = AUTO_PRESET,
    defaults: Mapping[str, str | tuple[str, str]] | None = None,
    create_people: bool = False,
    hints: dict[str, str] | None = None,
    rows: int = PREVIEW_ROWS,
) -> ImportPreview:
    """Reads the header and the first `rows` rows exactly as `import_requisitions` would, writing nothing.

    Raises `ImportFileError` when the file cannot be opened and `MappingError` for an unknown preset.
    """
    path = Path(path)
    mapping, candidates = _mapping_and_candidates(mapping, preset)
    given = _given_defaults(defaults)
    _open_check(path)
    report = ImportReport(source=str(path), dry_run=True, hints={**CLI_HINTS, **(hints or {})})
    if path.stat().st_size == 0:
        return ImportPreview(report, problem="the file is empty (expected a header row and requisitions)")
    for encoding, label in _encodings(path):
        report = ImportReport(source=str(path), dry_run=True, encoding=label, hints=report.hints)
        importer = _Importer(store, path, mapping, report, path.name, candidates, given, create_people)
        if mapping.preset is not None:
            report.preset, report.preset_label = mapping.preset, mapping.label
            report.preset_reason = report.hints["chosen"]
        preview = ImportPreview(report)
        seen: dict[str, int] = {}
        try:
            with contextlib.closing(importer.rows(encoding)) as stream:
                for rownum, cells in stream:
                    if len(preview.rows) >= rows:
                        preview.more = True
                        break
                    plan, problems = importer.plan(rownum, cells, seen)
                    preview.rows.append(_preview_row(importer, rownum, plan, problems))
        except UnicodeDecodeError:
            continue
        except _BrokenCsv as exc:
            preview.problem = f"the CSV is broken at row {exc.row} ({exc})"
        if label == "Windows-1252":
            report.warnings.append("the file is not UTF-8; it is read as Windows-1252 (Excel's plain CSV)")
        preview.fit = _fit(importer, mapping, preset)
        for field_name in ("title", "client", "sales_owner"):
            if importer.header and field_name not in importer.header_names:
                header = COLUMN_BY_FIELD[field_name].header
                preview.missing[field_name] = (
                    importer.mapping.fills.get(field_name) or f"the file has no {header} column"
                )
        return preview
    return ImportPreview(report, problem="the file is not text (neither UTF-8 nor Windows-1252)")


def _preview_row(importer: _Importer, rownum: int, plan: _Plan | None, problems: list[RowProblem]) -> PreviewRow:
    names = dict(importer.names_by_id)
    names.update({importer.stand_ins[key]: name for key, (name, _team) in importer.new_people.items()})
    if plan is None:
        return PreviewRow(rownum, None, True, problems=tuple(problems))
    req = plan.after
    return PreviewRow(
        rownum,
        req,
        plan.before is None,
        sales_owner=names.get(req.sales_owner_id, "") if req.sales_owner_id is not None else "",
        recruiter=names.get(req.recruiter_id, "") if req.recruiter_id is not None else "",
        problems=tuple(problems),
    )


def _fit(importer: _Importer, mapping: ImportMapping, preset: str | None) -> str:
    """The preview's sentence on how the file fits the presets ("" when it fits the one it is read with)."""
    if not importer.header:
        return "the file has no header row"
    if not importer.columns:
        return (
            "no column was recognised: is the first row the header? Choose the ATS it came from, "
            "or give a mapping file naming its columns"
        )
    if mapping.preset is not None:
        return preset_misfit(mapping, importer.header)
    if preset == AUTO_PRESET and importer.report.preset is None:
        labels = [ImportMapping.preset_named(name).label for name in presets.preset_names()]
        names = ", ".join(labels[:-1]) + f" or {labels[-1]}"
        return (
            f"it fits no ATS preset (it has too few of the headers a {names} export has), "
            "so it is read by the console's own column names"
            + (" and the mapping file" if mapping.source != "mapping" else "")
        )
    return ""


def preset_misfit(chosen: ImportMapping, header: list[str]) -> str:
    """What to say when a file read with a chosen preset has none of that ATS's own headers ("" when it has
    some): most likely the wrong preset, so the sentence names the preset the header does fit, if one does."""
    if chosen.preset is None or chosen.detect_score(header):
        return ""
    examples = ", ".join(chosen.detect[:3])
    text = f"this does not look like {_a(chosen.label)} export: it has none of {chosen.label}'s own headers ({examples}, …)"
    best = _best_preset(header)
    if best is not None and best[0].preset != chosen.preset:
        text += f"; its headers {', '.join(best[1][:3])} are {best[0].label}'s (the {best[0].preset} preset)"
    return text


def _best_preset(header: list[str]) -> tuple[ImportMapping, list[str]] | None:
    """The shipped preset whose identifying headers the header has most of (two at least), with them."""
    best: tuple[ImportMapping, list[str]] | None = None
    for name in presets.preset_names():
        candidate = ImportMapping.preset_named(name)
        found = candidate.detect_score(header)
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (candidate, found)
    return best


def _a(label: str) -> str:
    return f"{'an' if label[:1] in 'AEIOU' else 'a'} {label}"


def _mapping_and_candidates(
    mapping: ImportMapping | None, preset: str | None
) -> tuple[ImportMapping, tuple[ImportMapping, ...]]:
    """The mapping to read with (a chosen preset under the mapping file, if any) and the presets to
    choose from by the header (auto-detection)."""
    mapping = mapping or ImportMapping()
    if preset == AUTO_PRESET:
        return mapping, tuple(ImportMapping.preset_named(name) for name in presets.preset_names())
    if preset is not None and preset != NO_PRESET:
        try:
            chosen = ImportMapping.preset_named(preset)
        except KeyError as exc:
            raise MappingError(str(exc.args[0])) from None
        mapping = mapping.over(chosen) if mapping.source != "mapping" else chosen
    return mapping, ()


def _given_defaults(defaults: Mapping[str, str | tuple[str, str]] | None) -> dict[str, tuple[str, str]]:
    given: dict[str, tuple[str, str]] = {}
    for name, value in (defaults or {}).items():
        text, where = value if isinstance(value, tuple) else (value, f"--{name.replace('_', '-')}")
        if text.strip():
            given[name] = (text.strip(), where)
    return given


# Byte-order marks, longest first (a UTF-32 LE mark starts like a UTF-16 LE one).
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16", "UTF-16 BE"),
)


def _encodings(path: Path) -> tuple[tuple[str, str], ...]:
    with safe_file.open_for_reading(path) as handle:
        return text_encodings(handle.read(4))


def text_encodings(start: bytes) -> tuple[tuple[str, str], ...]:
    """(codec, label) of the encodings to try for a file starting with `start`, in order: the one a
    byte-order mark names, else UTF-8 then Windows-1252 (what Excel writes as plain CSV)."""
    for bom, codec, label in _BOMS:
        if start.startswith(bom):
            return ((codec, label),)
    return (("utf-8", "UTF-8"), ("cp1252", "Windows-1252"))


def _check(
    importer: _Importer, encoding: str, progress: Progress | None, stage: bool, resume_from: dict[str, Any] | None
) -> None:
    """The one pass over the file: every row read and checked; while all are valid, each is staged.

    `resume_from`: what an interrupted import of the same file committed. Its rows with an external id
    are found by it and are unchanged now; the first `created_without_id` new rows without one (new
    rows are written in file order) are the ones it created, so they are skipped, not created twice.
    """
    report, store = importer.report, importer.store
    seen: dict[str, int] = {}
    rows = 0
    skip = int(resume_from.get("created_without_id", 0)) if resume_from else 0
    new: list[Requisition] = []
    updates: list[tuple[int, int, bytes]] = []
    grader = importer.grader

    def stage_new(reqs: list[Requisition]) -> None:
        store.stage_new_requisitions(reqs, None if grader is None else [grader.grade(req) for req in reqs])

    for rownum, cells in importer.rows(encoding):
        rows += 1
        plan, problems = importer.plan(rownum, cells, seen)
        if problems:
            report.problems.extend(problems)
            # Nothing will be written: stop staging, keep checking so every rejected row is listed.
            stage, new, updates = False, [], []
        elif plan is not None and skip and plan.before is None and plan.after.external_id is None:
            skip -= 1
            report.resumed += 1
        elif plan is not None:
            _tally(report, plan)
            if stage and plan.before is None:
                new.append(plan.after)
            elif stage and not _unchanged(plan):
                # The row's values, not the merged result: the write applies them to the requisition as
                # it is then, so an edit made in between is not overwritten with what was read before it.
                assert plan.before is not None
                updates.append((rownum, plan.before.saved_id, pickle.dumps((plan.values, plan.external_id))))
            if len(new) >= WRITE_BATCH:
                stage_new(new)
                new = []
            if len(updates) >= WRITE_BATCH:
                store.stage_requisition_updates(updates)
                updates = []
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows, None)
    if stage:
        stage_new(new)
        store.stage_requisition_updates(updates)
    report.rows = rows
    if progress is not None:
        progress(rows, None)


def _stage_estimates(importer: _Importer, grader: ImportGrader) -> None:
    """Gives the staged new requisitions their time-to-fill estimates, from the history as it will stand
    once they are written: the filled requisitions in the database and the new ones, by their grades.
    The others' estimates these move are looked at after the write, from the file as it then is
    (`ImportReport.history_moved`): a save made meanwhile is counted, not overwritten."""
    store = importer.store
    new_filled = store.staged_filled_durations()
    estimates = grader.estimates([*store.filled_durations(), *new_filled])
    store.set_staged_estimates(estimates, grader.default_days)
    importer.report.graded_at_insert = True
    importer.report.history_moved = bool(new_filled)


def _unchanged(plan: _Plan) -> bool:
    if plan.before is None:
        return False
    skip = {"updated_at", *REQUISITION_DERIVED}
    return plan.before.model_dump(exclude=skip) == plan.after.model_dump(exclude=skip)


def _tally(report: ImportReport, plan: _Plan) -> None:
    if plan.before is None:
        report.created += 1
    elif _unchanged(plan):
        report.unchanged += 1
    else:
        report.updated += 1
        if plan.before.status != plan.after.status:
            report.status_changes += 1


def _write(importer: _Importer, progress: Progress | None, sha256: str) -> None:
    """Creates the new people, then the staged requisitions, then applies the staged updates: in short
    transactions (db/short_transactions.py), so the lead's own saves get through during a big import.
    Each one records how far the import has come; the last records the import as finished."""
    store, report = importer.store, importer.report
    total = report.rows
    written = {"created": 0, "created_without_id": 0, "updated": 0}

    def summary() -> dict[str, Any]:
        return {
            "file": importer.filename,
            "sha256": sha256,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "status_changes": report.status_changes,
            "people_created": [name for name, _team in report.people_created],
            "resumed": report.resumed,
        }

    counted = {"seq": 0, "without_id": 0}

    def record_progress() -> None:
        # Inside the transaction, so counted on from the last record: a count from the first row would
        # scan the whole staged file again at every commit (over a second at 300,000 rows under load).
        created = written["created"]
        counted["without_id"] += store.conn.execute(
            "SELECT COUNT(*) FROM temp.import_new WHERE seq > ? AND seq <= ? AND external_id IS NULL",
            (counted["seq"], created),
        ).fetchone()[0]
        counted["seq"] = created
        without_id = counted["without_id"]
        # Counted from the start of the first, interrupted run of this file, for a later resume.
        store.record_import(
            {
                **summary(),
                "committed": {**written, "created_without_id": without_id + report.resumed},
                "created_without_id": without_id + report.resumed,
            },
            finished=False,
        )

    batches = ShortTransactions(store, on_commit=record_progress, what="an import")
    try:
        with batches:
            _write_batches(importer, progress, batches, written)
            batches.on_commit = lambda: store.record_import(
                {**summary(), "commits": batches.commits + 1, "longest_lock_s": round(batches.longest, 3)}
            )
    except ImportAborted as exc:
        raise ImportAborted(f"{exc}; {_committed(written, batches)}") from None
    except StoreError as exc:
        raise StoreError(f"{exc} ({_committed(written, batches)})") from None
    report.commits, report.longest_lock = batches.commits, batches.longest
    if progress is not None:
        progress(total, total)


def _committed(written: dict[str, int], batches: ShortTransactions) -> str:
    if not batches.commits:
        return "nothing was written (import the file again)"
    return (
        f"the import had committed {batches.commits} whole part{'s' if batches.commits != 1 else ''} of it "
        f"before: {plural(written['created'], 'requisition')} created and {written['updated']:,} updated, each with its "
        "audit row; import the same file again to finish it (what was committed is kept, not doubled)"
    )


def _write_batches(
    importer: _Importer, progress: Progress | None, batches: ShortTransactions, written: dict[str, int]
) -> None:
    store, report = importer.store, importer.report
    total = report.rows
    new_people = list(importer.new_people.items())
    created = store.add_people_for_import([Person(name=name, team=team) for _key, (name, team) in new_people])
    stand_ins: dict[int, int] = {}
    for (key, _person), person in zip(new_people, created, strict=True):
        assert person.id is not None
        stand_ins[importer.stand_ins[key]] = person.id
        importer.people[key] = person.id
    importer.new_people = {}

    reported = [0]

    def created_so_far(done: int) -> None:
        # Chunks are of any size (db.short_transactions.ChunkSizer): reported on passing each thousand.
        written["created"] = done
        if progress is not None and done // PROGRESS_EVERY > reported[0] // PROGRESS_EVERY and done < total:
            reported[0] = done
            progress(done, total)

    last_before = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM requisitions").fetchone()[0]
    done = store.insert_staged_requisitions(stand_ins, created_so_far, batches)
    last_after = store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM requisitions").fetchone()[0]
    report.changed_ids.extend(range(last_before + 1, last_after + 1))
    # Updates are applied to each requisition as it is now; the tallies are recounted to match.
    report.updated = report.status_changes = 0
    note = f"Imported from {importer.filename}"
    # How long the last update took: the transaction commits first when the next would end past its window.
    row_time = ChunkSizer(1)
    for rownum, requisition_id, data in store.iter_staged_updates():
        batches.checkpoint(upcoming=row_time.expected())
        started = time.monotonic()
        values, external_id = pickle.loads(data)
        for id_field in ("sales_owner_id", "recruiter_id"):
            if (values.get(id_field) or 0) < 0:
                values[id_field] = stand_ins[values[id_field]]
        before = store.get_requisition(requisition_id)
        problems: list[RowProblem] = []
        after = None if before is None else importer.merge(rownum, before, values, external_id, problems)
        if before is None or after is None:
            raise ImportAborted(
                f"the requisition on row {rownum} was changed or deleted while the file was being checked"
            )
        plan = _Plan(before, after, values, external_id)
        if _unchanged(plan):
            report.unchanged += 1
        else:
            report.updated += 1
            report.status_changes += before.status != after.status
            store.update_imported_requisition(before, after, note=note)
            report.changed_ids.append(requisition_id)
            report.updated_ids.append(requisition_id)
            written["updated"] += 1
        row_time.record(1, time.monotonic() - started)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0 and done < total:
            progress(done, total)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with safe_file.open_for_reading(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = [
    "COLUMNS",
    "EXPORT_COLUMNS",
    "Column",
    "ImportAborted",
    "ImportFileError",
    "ImportGrader",
    "ImportMapping",
    "ImportReport",
    "MappingError",
    "RowProblem",
    "STATUS_WORDS",
    "ENGAGEMENT_WORDS",
    "import_requisitions",
    "norm",
    "parse_amount",
    "parse_salary",
    "parse_percent",
    "parse_date",
    "parse_datetime",
    "parse_bool",
    "unneutralise",
]
