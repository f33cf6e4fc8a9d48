"""The export's CSV lines written by SQLite, for the rows where that is exactly what the model path writes.

`mediate export requisitions` reads every requisition through its pydantic model (a damaged row is left
out and named) and formats each cell in Python: at 1,000,000 rows most of its time. For a row whose
every stored value is already in the form the model would give back (plain ASCII text with nothing to
strip or neutralise, integers in their bounds, canonical ISO dates, 0/1 booleans, numbers whose short
form SQLite prints as Python does), reading it through the model changes nothing, so SQLite writes the
line itself, its cells quoted as `csv.writer` quotes the model path's. `plain` is
the SQL condition that a row is such a row; any other row (accented text, a text a spreadsheet would
run as a formula, a date another tool wrote as 2025-03-01T09:00, a fee of 0.1 + 0.2, a damaged row)
goes through the model as before.

The condition is built from the model's own fields and bounds; a field type or a validator it does not
know turns the whole fast path off (`csv_line_sql` returns None), so the model keeps the last word.
`tests/unit/test_csv_lines.py` checks, over awkward data, that both paths write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic.fields import FieldInfo

from mediation_console.db.models import Requisition

# The validators `plain` accounts for. Another one (a new rule on a field) turns the fast path off
# until this module learns what it refuses or changes.
KNOWN_FIELD_VALIDATORS = frozenset({"_bidi", "_required", "_blank_external_id_is_none"})
KNOWN_MODEL_VALIDATORS = frozenset({"_salary_range"})
# The model's settings and the field constraints `plain` reads; any other (strict mode, a pattern, a
# minimum length) turns it off too.
KNOWN_CONFIG = {"extra": "ignore", "validate_assignment": True, "str_strip_whitespace": True}
KNOWN_CONSTRAINTS = (annotated_types.Ge, annotated_types.Le, annotated_types.MaxLen)
# title and client must not be blank (`_required`); bidi controls (`_bidi`) are not ASCII, so the
# text condition already leaves them to the model; a blank external id (`_blank_…`) is not plain (it
# would need stripping), and an empty one is written as the empty cell None gives.
_NOT_BLANK = frozenset({"title", "client"})
# A line SQLite wrote is kept only if it is printable ASCII but for its newlines (what `inert` leaves
# as it is): a tab, an accent, a control or a CR in a cell sends its row through the model (see
# `checked`: scanned in Python, a tenth of what a GLOB with a class costs SQLite per text).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x0c\x0e-\x1f\x7f]")
# A plain text starts with none of what the model would strip (a space, a newline) or `neutralise` may
# quote for a spreadsheet (a formula's first character, a quote before one), and ends with no space
# or newline (substr() is three times faster at this than a GLOB with a class).
_NOT_FIRST = "(' ', '\n', '=', '+', '-', '@', '''')"
_NOT_LAST = "(' ', '\n')"
_WORD = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True)
class CsvLineSql:
    """`line`: the SQL of a row's CSV line, as `csv.writer` would write its cells; `plain`: when it may be
    exact; `numbers`: the SQL of the float fields in it, whose text `checked` compares in Python."""

    line: str
    plain: str
    numbers: tuple[str, ...] = ()


def _options(info: FieldInfo) -> tuple[Any, ...]:
    annotation = info.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def _is_text(column: str, text_affinity: bool) -> str:
    # In a column of TEXT affinity a value is text, a blob or NULL, and every text sorts below every
    # blob: a comparison, cheaper than typeof() on a million rows (which is what this module is for).
    return f"{column} < x''" if text_affinity else f"typeof({column}) = 'text'"


def _plain_text(column: str, text_affinity: bool) -> list[str]:
    """A text the model and `csv_row` give back as it is stored (with `checked`): nothing to strip,
    show or neutralise."""
    return [
        _is_text(column, text_affinity),
        # length() counts a text's characters up to a NUL, a blob's every byte: equal, the text is ASCII
        # and holds no NUL (where printf would end the cell; the model shows it as ␀).
        f"length(CAST({column} AS BLOB)) = length({column})",
        # A letter (the common start) sorts after every character a plain text must not start with.
        f"({column} >= 'A' OR substr({column}, 1, 1) NOT IN {_NOT_FIRST})",
        f"substr({column}, -1) NOT IN {_NOT_LAST}",
    ]


def _bounds(column: str, info: FieldInfo) -> list[str]:
    found = []
    for rule in info.metadata:
        if (least := getattr(rule, "ge", None)) is not None:
            found.append(f"{column} >= {least!r}")
        if (most := getattr(rule, "le", None)) is not None:
            found.append(f"{column} <= {most!r}")
    return found


def _field(name: str, info: FieldInfo, column: str, affinity: str) -> tuple[str, str] | None:
    """(the condition that the stored value reads back unchanged, its cell) for one field stored in a
    column of `affinity` (its declared type); None when the field's type is not one this module knows."""
    options = _options(info)
    optional = type(None) in options
    kinds = [option for option in options if option is not type(None)]
    if len(kinds) != 1 or not all(isinstance(rule, KNOWN_CONSTRAINTS) for rule in info.metadata):
        return None
    kind = kinds[0]
    cell = column
    text_affinity = affinity.upper() == "TEXT"
    if kind is str:
        checks = _plain_text(column, text_affinity)
        limits = [getattr(rule, "max_length", None) for rule in info.metadata]
        checks += [f"length({column}) <= {int(limit)}" for limit in limits if limit is not None]
        if name in _NOT_BLANK:
            checks.append(f"{column} <> ''")
    elif isinstance(kind, type) and issubclass(kind, enum.Enum):
        if any(not _WORD.fullmatch(str(member.value)) for member in kind):
            return None  # a value that would need quoting or neutralising
        words = ", ".join(f"'{member.value}'" for member in kind)
        checks = [f"{column} IN ({words})"]  # only a text equals one of them
    elif kind is bool:
        # In a column of INTEGER affinity a whole real is stored as an integer, and no text equals one.
        checks = [f"{column} IN (0, 1)"]
        if affinity.upper() != "INTEGER":
            checks.insert(0, f"typeof({column}) = 'integer'")
        cell = f"CASE {column} WHEN 1 THEN 'yes' ELSE 'no' END"
    elif kind is int:
        # printf writes an int as str() does; a negative one `neutralise` quotes ("-1" reads as a formula).
        checks = [f"typeof({column}) = 'integer'", *_bounds(column, info), f"{column} >= 0"]
    elif kind is float:
        # `csv_row` writes a float as its shortest round-trip form ("20" when whole), SQLite its 15-digit
        # form: the same text for most numbers a lead stores (36.5, 22.5), not for 17 digits or a
        # subnormal. `checked` compares the two in Python (SQLite 3.40 reads some 15-digit texts back as
        # a neighbouring number, so the comparison cannot be made in SQL). Below 1e15: above, %g writes
        # 1e+15 where Python writes the whole number out.
        shown = f"printf('%.15g', {column})"
        # In a column of REAL affinity a number is stored as a real, and a text or a blob sorts after
        # every number: the upper limit leaves both out.
        is_number = [] if affinity.upper() == "REAL" else [f"typeof({column}) IN ('integer', 'real')"]
        checks = [
            *is_number,
            *_bounds(column, info),
            f"{column} >= 0",  # a negative number `neutralise` quotes ("-1" reads as a formula)
            f"{column} < 1e15",
            f"({column} <> 0 OR {shown} = '0')",  # -0.0: SQLite writes "-0", Python "0"
        ]
        cell = f"{shown} || '%'" if name == "fee_pct" else shown  # as `csv_row` writes a fee
    elif kind is dt.date or kind is dt.datetime:
        canonical = "date" if kind is dt.date else "datetime"
        # What SQLite gives back unchanged is a real calendar day in the canonical form the model's
        # isoformat gives; the '+0 days' makes SQLite roll 30 February over instead of keeping it.
        checks = [
            _is_text(column, text_affinity),
            f"{canonical}({column}, '+0 days') = {column}",
            f"{column} >= '0001'",
        ]
    else:
        return None
    plain = " AND ".join(checks)
    if optional:
        plain = f"({column} IS NULL OR ({plain}))"
        if cell != column:
            cell = f"CASE WHEN {column} IS NULL THEN NULL ELSE {cell} END"  # printf('%g', NULL) is '0'
    return plain, cell


def _quoted(cell: str) -> str:
    """A text cell as `csv.writer` writes it (QUOTE_MINIMAL): in quotes, its quotes doubled, when it
    holds a comma, a quote or a line break (a plain text has no CR); as it is otherwise (NULL stays
    NULL, which the line's printf writes as nothing, as csv.writer writes None)."""
    return (
        f"CASE WHEN instr({cell}, ',') OR instr({cell}, '\"') OR instr({cell}, '\n') "
        f"THEN '\"' || replace({cell}, '\"', '\"\"') || '\"' ELSE {cell} END"
    )


def csv_line_sql(
    fields: tuple[str, ...], columns: dict[str, str], names: dict[str, tuple[str, str]]
) -> CsvLineSql | None:
    """The SQL of each row's CSV line, cells in `fields` order, over `requisitions r` (`columns`: its
    columns and their declared types; `names`: the SQL of the fields that are people's names and its
    column's type, e.g. {"sales_owner": ("s.name", "TEXT")}); None when the model has a field type or
    a validator this module does not know, or an exported field is no column."""
    decorators = Requisition.__pydantic_decorators__
    if set(decorators.field_validators) != KNOWN_FIELD_VALIDATORS:
        return None
    if set(decorators.model_validators) != KNOWN_MODEL_VALIDATORS or dict(Requisition.model_config) != KNOWN_CONFIG:
        return None
    plain: list[str] = []
    cells: dict[str, str] = {}
    numbers: list[str] = []
    for name, info in Requisition.model_fields.items():
        if name == "id":
            continue
        if name not in columns:
            if name in fields:
                return None
            continue  # read as its default by the model, and not written: nothing to check
        found = _field(name, info, f"r.{name}", columns[name])
        if found is None:
            return None
        plain.append(found[0])
        cells[name] = _quoted(found[1]) if str in _options(info) else found[1]
        if float in _options(info) and name in fields:
            numbers.append(f"r.{name}")
    # `_salary_range`: the model refuses a minimum above the maximum.
    plain.append("NOT (r.salary_min IS NOT NULL AND r.salary_max IS NOT NULL AND r.salary_min > r.salary_max)")
    for field, (expression, affinity) in names.items():
        # A name is not a field of the requisition: the export writes it as it is stored.
        text = " AND ".join(_plain_text(expression, affinity.upper() == "TEXT"))
        plain.append(f"({expression} IS NULL OR ({text}))")
        cells[field] = _quoted(expression)
    if any(field not in cells for field in fields):
        return None
    # One printf, not a chain of ||, each of which copies the line so far; %s writes NULL as nothing.
    # The line ends as csv.writer ends it: CR LF.
    template = ",".join("%s" for _ in fields) + "\r\n"
    line = f"printf('{template}', {', '.join(cells[field] for field in fields)})"
    return CsvLineSql(line=line, plain=" AND ".join(plain), numbers=tuple(numbers))


def _as_python_writes(number: float | None) -> bool:
    """Whether SQLite's '%.15g' of `number` is the text `csv_row` writes for it (Python's '%.15g' is
    correctly rounded, as SQLite's is over this range)."""
    if number is None:
        return True
    number = float(number)
    python = str(int(number)) if number.is_integer() else repr(number)
    return python == f"{number:.15g}"


def checked(lines: list[str], numbers: list[tuple[float | None, ...]]) -> list[bool]:
    """Which of the lines SQLite wrote are exact: printable ASCII, a newline only inside quotes and a
    CR only in the line's end (`inert` would show any other control, and turn a CR LF in a cell into a
    newline), and each float in it (`numbers`, a tuple a line) written as Python writes it. One scan of
    the whole page in the common case where all are."""
    page = "".join(lines)
    if page.isascii() and not _CONTROL.search(page) and page.count("\r") == len(lines):
        texts_ok = [True] * len(lines)
    else:
        texts_ok = [line.isascii() and not _CONTROL.search(line) and line.count("\r") == 1 for line in lines]
    return [ok and all(map(_as_python_writes, row)) for ok, row in zip(texts_ok, numbers, strict=True)]


__all__ = ["CsvLineSql", "checked", "csv_line_sql"]
