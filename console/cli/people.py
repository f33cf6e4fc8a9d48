"""`mediate people add / list / import`: the team the requisitions, disputes and commitments are about."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from mediation_console.console.cli.common import CliState, EnvironmentProblem, Rejected, db_option, pass_state
from mediation_console.console.core.team import (
    FIELD_LABELS,
    PeopleFileError,
    PeopleFileRefused,
    field_errors,
    import_people,
    person_from_form,
    save_person,
    similar_person,
)
from mediation_console.db.csv_export import neutralise
from mediation_console.db.store import RejectedChange, StoreError
from mediation_console.db.text import inert_line

PEOPLE_FORMATS = ("table", "csv", "json")


@click.group("people")
def people_group() -> None:
    """The team: add people, list them, import them from a CSV (name, role, team, email)."""


@people_group.command("add")
@db_option
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["sales", "recruiter", "lead"], case_sensitive=False),
    help="What they do: sales (wins requisitions), recruiter (fills them) or lead.",
)
@click.option("--team", "team_name", default="", metavar="T", help='The team they work in ("Tech desk").')
@click.option("--email", default="", metavar="E", help="Their email (unique in the team).")
@pass_state
def people_add(state: CliState, name: str, role: str, team_name: str, email: str) -> None:
    """Add NAME to the team."""
    try:
        person = person_from_form(name, role, team_name, email)
    except ValidationError as exc:
        raise Rejected(
            "Not added: " + "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in field_errors(exc).items())
        ) from None
    store = state.open_store()
    try:
        close = similar_person(store, person.name)
        saved = save_person(store, person)
    except RejectedChange as exc:
        raise Rejected(f"Not added: {exc}") from None
    except StoreError as exc:
        raise EnvironmentProblem(str(exc)) from None
    finally:
        store.close()
    details = ", ".join(x for x in (saved.role, saved.team_name, saved.email or "") if x)
    click.echo(f"Added {saved.name} ({details})")
    if close:
        click.echo(f"note: {close} is already in the team (a typo?); see the team with: mediate people list", err=True)


@people_group.command("list")
@db_option
@click.option("--format", "fmt", type=click.Choice(PEOPLE_FORMATS), default="table", show_default=True)
@pass_state
def people_list(state: CliState, fmt: str) -> None:
    """List the team: name, role, team, email, active, open requisitions and commitments."""
    store = state.open_store(create=False)
    try:
        people = store.list_people()
        requisitions = store.open_requisitions_by_person()
        commitments = store.open_commitments_by_owner(store.now().date())
    finally:
        store.close()
    records = [
        {
            "name": p.name,
            "role": p.role,
            "team": p.team_name,
            "email": p.email or "",
            "active": p.active,
            "open_requisitions": requisitions.get(p.saved_id, 0),
            "open_commitments": commitments.get(p.saved_id, (0, 0))[0],
        }
        for p in people
    ]
    if fmt == "json":
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(list(records[0]) if records else ["name", "role", "team", "email", "active"])
        for record in records:
            writer.writerow([neutralise(str(v).lower() if isinstance(v, bool) else str(v)) for v in record.values()])
        return
    if not records:
        click.echo("Nobody in the team yet. Add people: mediate people add NAME --role sales|recruiter|lead")
        click.echo("or import them: mediate people import FILE.csv (columns: name, role, team, email)")
        return
    head = ("Name", "Role", "Team", "Email", "Active", "Open reqs", "Open commitments")
    rows: list[tuple[str, ...]] = [
        (
            inert_line(r["name"]),
            str(r["role"]),
            inert_line(r["team"]),
            inert_line(r["email"]),
            "yes" if r["active"] else "no",
            str(r["open_requisitions"]),
            str(r["open_commitments"]),
        )
        for r in records
    ]
    widths = [max(len(head[i]), *(len(row[i]) for row in rows)) for i in range(len(head))]
    row: tuple[str, ...]
    for row in (head, *rows):
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


@people_group.command("import")
@db_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, without writing anything.")
@pass_state
def people_import(state: CliState, file: Path, dry_run: bool) -> None:
    """Import people from FILE, a CSV with the columns name, role, team, email.

    The role is sales, recruiter or lead. People already in the team (by name, whatever the case) are
    reported as already present and left as they are. All rows or none: if any row is rejected,
    nothing is written and every rejected row is listed with its line and the reason.
    """
    store = state.open_store()
    try:
        report = import_people(store, file, dry_run=dry_run)
    except PeopleFileRefused as exc:
        raise Rejected(str(exc)) from None
    except PeopleFileError as exc:
        raise EnvironmentProblem(str(exc)) from None
    except RejectedChange as exc:  # someone added the same person while the file was checked
        raise Rejected(f"Nothing was imported: {exc}") from None
    except StoreError as exc:
        raise EnvironmentProblem(str(exc)) from None
    finally:
        store.close()
    if not report.ok:
        raise Rejected("\n".join(report.lines()))
    for line in report.lines():
        click.echo(line)
