"""`mediate import …` and `mediate export …`: requisitions in from an ATS CSV, the queue out as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mediation_console.console.cli.common import (
    EXIT_ENVIRONMENT,
    EXIT_INTERRUPTED,
    CliState,
    EnvironmentProblem,
    Rejected,
    db_option,
    pass_state,
    raw_stderr,
)
from mediation_console.console.core.crash_log import crash_line, record_crash
from mediation_console.db.csv_export import FORMATS, ExportError, export_requisitions, write_requisitions
from mediation_console.db.csv_import import (
    AUTO_PRESET,
    NO_PRESET,
    ImportAborted,
    ImportFileError,
    ImportMapping,
    MappingError,
    import_requisitions,
)
from mediation_console.db.presets import preset_names
from mediation_console.db.store import StoreError
from mediation_console.db.words import plural


class _TerminalProgress:
    """A one-line counter on stderr while a large file is read and written, only when it is a terminal."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if total is None:
            text = f"checking… {plural(done, 'row')}"
        else:
            text = f"writing… {done:,} of {plural(total, 'row')}"
        click.echo(f"\r{text:<40}", file=raw_stderr(), nl=False)
        self.shown = True

    def grading(self) -> None:
        click.echo(f"\r{'grading the requisitions…':<40}", file=raw_stderr(), nl=False)
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 40 + "\r", file=raw_stderr(), nl=False)


@click.group("import")
def import_group() -> None:
    """Bring requisitions in from an ATS or spreadsheet export."""


@import_group.command("requisitions")
@db_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report, without writing anything.")
@click.option(
    "--map",
    "map_path",
    metavar="FILE.toml",
    type=click.Path(path_type=Path),
    help="A mapping file naming other headers, status words and date formats (over the preset, if any).",
)
@click.option(
    "--preset",
    type=click.Choice([AUTO_PRESET, NO_PRESET, *preset_names()]),
    default=AUTO_PRESET,
    show_default=True,
    help="The ATS the file was exported from; auto chooses it from the header and says which.",
)
@click.option("--client", metavar="NAME", help="The client of rows that name none (Greenhouse and Lever exports).")
@click.option(
    "--sales-owner", metavar="NAME", help="The sales owner of rows that name none (Greenhouse and Lever exports)."
)
@click.option(
    "--create-people",
    is_flag=True,
    help="Create the people the file names who are not in the team yet (a first import); without it such a "
    "row is rejected with the closest name in the team.",
)
@pass_state
def import_requisitions_command(
    state: CliState,
    file: Path,
    dry_run: bool,
    map_path: Path | None,
    preset: str,
    client: str | None,
    sales_owner: str | None,
    create_people: bool,
) -> None:
    """Import requisitions from FILE, a CSV (and, with --create-people, the people on them).

    Recognises the console's own export headers and common ATS headers; the presets read Bullhorn,
    OpenCATS, Greenhouse and Lever exports untouched (chosen from the header unless --preset says).
    Rates with a unit (per hour, day, week, month) become annual salaries: hour x 2080, day x 260,
    week x 52, month x 12, each listed in the report. All rows or none: if any row is rejected,
    nothing is written and every rejected row is listed with its column and the reason. A sales owner
    or recruiter nobody in the team has rejects the row, naming the closest person in the team; add the
    team first (mediate people add / import) or pass --create-people for a first import.
    Re-importing a file updates the requisitions it created (matched by their external id) instead
    of duplicating them.
    """
    defaults = {"client": (client or "").strip(), "sales_owner": (sales_owner or "").strip()}
    try:
        mapping = ImportMapping.load(map_path) if map_path is not None else None
    except ImportFileError as exc:
        raise EnvironmentProblem(str(exc)) from None
    except MappingError as exc:
        raise Rejected(str(exc)) from None
    if file.is_dir():
        raise EnvironmentProblem(f"{file} is a folder, not a CSV file")
    if not file.exists():
        raise EnvironmentProblem(f"{file} does not exist")
    # The rules (rule-engine builds its parser on import) load only for an import that grades: `mediate`
    # imports this module on every start, and the console's first rows must not wait for them.
    from mediation_console.console.core.rules.pack import PackError
    from mediation_console.console.core.rules.refresh import ImportGrades, refresh_after_import, refresh_derived
    from mediation_console.console.core.rules.service import Mediator

    store = state.open_store()
    progress = _TerminalProgress() if sys.stderr.isatty() else None
    graded = 0
    report = None
    grading_stopped: BaseException | None = None
    try:
        # The rules are loaded before anything is written: an import whose grades cannot be computed
        # would leave requisitions graded by nothing, and exports showing stale grades.
        packs = [Path(state.rules_path)] if state.rules_path else None
        mediator = None if dry_run else Mediator(store, extra_packs=packs)
        # Rows an earlier import committed but never graded (it was killed while grading) count too.
        left_ungraded = mediator is not None and store.has_ungraded()
        report = import_requisitions(
            store,
            file,
            mapping=mapping,
            dry_run=dry_run,
            progress=progress,
            preset=preset,
            defaults=defaults,
            create_people=create_people,
            # New rows are written graded, unless rows an earlier run left ungraded mean a regrade of all.
            grader=None if mediator is None or left_ungraded else ImportGrades.for_import(mediator),
        )
        if mediator is not None and (report.written and (report.created or report.updated) or left_ungraded):
            if progress is not None:
                progress.grading()
            try:
                # Only what this import wrote is graded again; rows an earlier run committed but never
                # graded are not known here, so then all are.
                graded = (
                    refresh_after_import(store, report, mediator)
                    if not left_ungraded
                    else refresh_derived(store, mediator)
                )
            except (KeyboardInterrupt, Exception) as exc:  # the rows are committed: say so, then why
                grading_stopped = exc
    except PackError as exc:
        raise Rejected(f"The rule pack could not be loaded, so nothing was imported: {exc}") from None
    except MappingError as exc:
        raise Rejected(str(exc)) from None
    except (ImportFileError, ImportAborted) as exc:
        raise EnvironmentProblem(str(exc)) from None
    except StoreError as exc:
        raise EnvironmentProblem(str(exc)) from None
    finally:
        if progress is not None:
            progress.finish()
        store.close()
    if not report.ok:
        raise Rejected("\n".join(report.lines()))
    for line in report.lines():
        click.echo(line)
    if grading_stopped is not None:
        if isinstance(grading_stopped, KeyboardInterrupt):
            click.echo("The requisitions are saved; grading was interrupted.", err=True)
            why, code = "", EXIT_INTERRUPTED
        else:
            where = record_crash(grading_stopped, "Grading after an import stopped:")
            why, code = f" ({crash_line(grading_stopped, where, 'it')})", EXIT_ENVIRONMENT
            click.echo(f"The requisitions are saved; grading did not finish{why}.", err=True)
        if report.graded_at_insert:
            # The new rows carry their grades; what was left is the updated rows' and the estimates the
            # new filled ones move, which no later start looks for: said as it is.
            click.echo(
                "The new ones carry their grades; the updated ones' grades and the time-to-fill estimates "
                "were not all brought up to date.",
                err=True,
            )
        else:
            click.echo("They are graded the next time the console opens or `mediate import` runs.", err=True)
        sys.exit(code)
    if graded:
        click.echo(f"Grades recomputed for {graded:,} requisition{'s' if graded != 1 else ''}.")


@click.group("export")
def export_group() -> None:
    """Write the console's data out: requisitions (and, where installed, meeting notes)."""


@export_group.command("requisitions")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="csv (default; re-imports cleanly) or json. Taken from -o's extension when not given.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="Write to FILE (created readable by you only) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it already exists.")
@pass_state
def export_requisitions_command(state: CliState, fmt: str | None, output: Path | None, force: bool) -> None:
    """Export every requisition with its grade, as CSV or JSON."""
    if fmt is None:
        fmt = "json" if output is not None and output.suffix.lower() == ".json" else "csv"
    store = state.open_store(create=False)
    try:
        if output is None:
            stream = sys.stdout
            write_requisitions(store, stream, fmt)
            stream.flush()
            return
        count = export_requisitions(store, output, fmt, force=force)
    except ExportError as exc:
        raise EnvironmentProblem(str(exc)) from None
    except BrokenPipeError:
        return  # `mediate export requisitions | head` stops reading early; that is fine
    finally:
        store.close()
    click.echo(f"{count:,} requisition{'s' if count != 1 else ''} written to {output} ({fmt})", err=True)
