"""`mediate` and its sub-commands. Exit codes: 0 done, 1 input rejected, 2 usage or environment."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import NoReturn

import click

from mediation_console import interrupted
from mediation_console.console.cli.browse import browse
from mediation_console.console.cli.commitments import commitments
from mediation_console.console.cli.common import (
    EXIT_ENVIRONMENT,
    EXIT_INTERRUPTED,
    EXIT_REJECTED,
    CliState,
    EnvironmentProblem,
    Rejected,
    db_option,
    earlier_head,
    guard_terminal_output,
    pace_drawing,
    pass_state,
    report_damaged,
)
from mediation_console.console.cli.io import export_group, import_group
from mediation_console.console.cli.keys import keys
from mediation_console.console.cli.notes import notes
from mediation_console.console.cli.people import people_group
from mediation_console.console.cli.replication import replicate, restore
from mediation_console.console.cli.rules import rules
from mediation_console.console.cli.serve import serve
from mediation_console.console.cli.story import story
from mediation_console.console.core.calendar import user_calendar
from mediation_console.console.core.crash_log import crash_line, record_crash
from mediation_console.console.core.replication import Replicator
from mediation_console.db.audit import read_head, verify_chain
from mediation_console.db.safe_file import NOT_REGULAR
from mediation_console.db.store import RejectedChange, Store, StoreError
from mediation_console.db.words import plural


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="PATH", envvar="MEDIATE_DB", help="The database file (or set MEDIATE_DB).")
@click.option(
    "--rules",
    "rules_path",
    metavar="PACK.toml",
    type=click.Path(dir_okay=False),
    help="A rule pack that adds to or overrides the shipped rules.",
)
@click.version_option(package_name="mediation-console", prog_name="mediate", message="%(prog)s %(version)s")
@click.option(
    "--read-only",
    "readonly",
    is_flag=True,
    help="Open the database read-only (SQLite's read-only mode): nothing can be changed. Viewer seats use it.",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, rules_path: str | None, readonly: bool) -> None:
    """Mediation Console: requisitions, disputes, expectations and standups on one SQLite file.

    With no command, opens the console.

    \b
    Exit codes, the same for every command:
      0    done
      1    input rejected: a file, value, name or code was read and refused
           (a report says why; nothing was written), or a check found problems
      2    usage or environment: an unknown option, a missing or unreadable
           file or folder, a database that cannot be opened
      130  interrupted (Ctrl+C)
    """
    state = ctx.ensure_object(CliState)
    state.db_arg = state.db_arg or db
    if rules_path is not None and not Path(rules_path).is_file():
        # The same exit as a missing CSV for `import` or a missing pack for `rules check`: the setup is wrong.
        if Path(rules_path).exists():
            raise EnvironmentProblem(
                f"The rule pack {rules_path} {'is a folder' if Path(rules_path).is_dir() else NOT_REGULAR}"
                " (--rules names a PACK.toml file)"
            )
        raise EnvironmentProblem(f"The rule pack {rules_path} does not exist (--rules names a PACK.toml file)")
    state.rules_path = rules_path
    if ctx.invoked_subcommand is None:
        open_console(state, readonly=readonly)


def open_console(state: CliState, replication: Replicator | None = None, *, readonly: bool = False) -> None:
    """The console on the database; `replication`, when running beside it, shows its state in the header."""
    store = state.open_store(readonly=readonly, create=not readonly)
    try:
        _grade_what_was_left_ungraded(state, store)
        pace_drawing()
        from mediation_console.console.app import MediationApp

        app = MediationApp(
            store, rules_path=getattr(state, "rules_path", None), replication=replication, owns_process=True
        )
        with warnings.catch_warnings():
            # A Ctrl+C while the app starts can stop it between making a coroutine (a widget's watcher)
            # and running it; as the asyncio loop closes, Python warns of each ("coroutine ... was never
            # awaited") onto the terminal, before `main` prints its one line. Only while the app runs.
            quiet_unawaited_coroutines()
            try:
                app.run()
            except KeyboardInterrupt:
                quiet_unawaited_coroutines()  # kept past this block: the app's frames are freed later
                raise
        problem = getattr(app, "exit_problem", None)
    finally:
        store.close()
        store.damage.clear_all()  # the console showed its damaged rows itself
    if app.crash is not None:
        error, where = app.crash
        raise EnvironmentProblem(crash_line(error, where, "the console"))
    if problem:
        raise Rejected(problem)


def _grade_what_was_left_ungraded(state: CliState, store: Store) -> None:
    """Requisitions an interrupted import committed but never graded are graded before the console
    shows them (the grade index makes the check instant when there are none)."""
    if store.readonly or not store.has_ungraded():
        return
    from mediation_console.console.core.rules.refresh import refresh_derived
    from mediation_console.console.core.rules.service import Mediator

    click.echo("Grading requisitions an interrupted import left ungraded…", err=True)
    try:
        refresh_derived(store, Mediator(store, extra_packs=[state.rules_path] if state.rules_path else None))
    except Exception as exc:  # the console still opens; the grades stay empty until the next try
        click.echo(f"mediate: grading did not finish ({type(exc).__name__}); the console opens anyway.", err=True)


@cli.command()
@db_option
@click.option(
    "--requisitions",
    "count",
    type=click.IntRange(1, 1_000_000),
    default=60,
    show_default=True,
    help="How many requisitions to generate.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="The random seed (same seed, same data).")
@click.option(
    "--keep",
    is_flag=True,
    help="If the database already holds data, keep it as it is and exit 0 (make demo opens it then).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace whatever the database holds (a demo and what you did in it, or real data) with a fresh demo.",
)
@pass_state
def demo(state: CliState, count: int, seed: int, keep: bool, force: bool) -> None:
    """Write a realistic, deterministic demo database into a new or empty file.

    An existing demo is never regenerated silently: --keep keeps it, --force writes a fresh one.
    """
    if keep and force:
        raise click.UsageError("--keep and --force contradict each other; give one of them")
    path = state.db_path
    if path.exists() and path.stat().st_size > 0:
        store = state.open_store()
        try:
            empty, is_demo = store.is_empty(), store.is_demo()
            held = store.counts()["requisitions"]
        finally:
            store.close()
        what = f"a demo ({plural(held, 'requisition')})" if is_demo else f"real data ({plural(held, 'requisition')})"
        if not empty and keep:
            click.echo(f"{path} already holds {what}; kept as it is (a fresh demo: mediate demo --force)")
            return
        if not empty and not force:
            if is_demo:
                raise Rejected(
                    f"{path} already holds {what}, with anything you did in it; nothing was changed. "
                    f"Open it: mediate --db {path}. Replace it with a fresh demo: mediate demo --force "
                    f"(or make demo-fresh)"
                )
            raise Rejected(f"{path} holds {what}; pass --force to replace it with the demo")
    else:
        state.open_store().close()  # the folder and the file, with the messages of every command
    from mediation_console.console.core.demo_setup import write_demo_file
    from mediation_console.console.core.rules.pack import PackError
    from mediation_console.db.safe_file import UnsafeTarget

    # Written beside the file and moved over it once whole: stopped half-way, the file stays as it was.
    try:
        summary = write_demo_file(
            path, requisitions=count, seed=seed, extra_packs=[Path(state.rules_path)] if state.rules_path else None
        )
    except PackError as exc:
        raise Rejected(f"The demo was not written: {exc}") from None
    except UnsafeTarget as exc:
        raise EnvironmentProblem(f"The demo was not written: {exc}") from None
    click.echo(
        f"Demo database written to {path}: "
        + ", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in summary.items())
    )


@cli.command()
@db_option
@click.argument("dest", required=False, type=click.Path(dir_okay=True))
@click.option("--force", is_flag=True, help="Replace DEST if it already exists.")
@pass_state
def backup(state: CliState, dest: str | None, force: bool) -> None:
    """Write an online, consistent copy of the database (default: beside it, dated)."""
    store = state.open_store(create=False)
    try:
        target = Path(dest) if dest else store.path.parent
        written = store.backup(target, force=force)
    except StoreError as exc:
        raise EnvironmentProblem(str(exc)) from None
    finally:
        store.close()
    click.echo(f"Backup written to {written}")
    # Kept elsewhere, the head shows later whether the history up to it was rewritten (doctor --against).
    click.echo(f"Audit head {earlier_head(str(written))}")


@cli.command()
@db_option
@click.option(
    "--repair",
    is_flag=True,
    help="Take a backup, then rebuild what can be rebuilt (triggers, indexes, search index, counts).",
)
@click.option(
    "--against",
    metavar="HEAD|BACKUP.db",
    help="An audit head recorded earlier (ROW:SHA256), or a backup whose head must still be in the chain.",
)
@pass_state
def doctor(state: CliState, repair: bool, against: str | None) -> None:
    """Check the database: integrity, schema, search index, audit chain, every record, the counts."""
    head = earlier_head(against) if against else None
    store = state.open_store(create=False)
    try:
        if repair and store.readonly:
            raise EnvironmentProblem(f"{store.path} is read-only, so it cannot be repaired")
        report = store.repair() if repair else store.doctor(against=head)
    finally:
        store.close()
    click.echo(f"database       {report.path}")
    click.echo(f"integrity      {report.integrity}")
    click.echo(f"schema         version {report.schema_version}")
    click.echo(f"journal        {report.journal_mode}")
    click.echo(f"foreign keys   {'enforced' if report.foreign_keys else 'OFF'}")
    click.echo(f"permissions    {report.mode}")
    click.echo(f"audit head     {report.audit_head}")
    for table, n in report.counts.items():
        click.echo(f"{table:<14} {n:,}")
    calendar = user_calendar()
    click.echo(f"business days  skip {calendar.description}")
    if report.repair_backup is not None:
        click.echo(f"backup         {report.repair_backup} (taken before repairing)")
    for done in report.repaired:
        click.echo(f"repaired: {done}")
    for warning in [*report.warnings, *([calendar.problem] if calendar.problem else [])]:
        click.echo(f"warning: {warning}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if repair and report.problems:
        click.echo(
            f"not repaired: {len(report.problems)} problem{'s' if len(report.problems) != 1 else ''} above "
            "(a broken audit chain or a record its model refuses is not rewritten: restore a backup or fix "
            "the record in the console)"
        )
    elif report.problems and any(p.repairable for p in report.problems):
        click.echo("some of these can be rebuilt: mediate doctor --repair (takes a backup first)")
    click.echo("ok" if report.ok else "PROBLEMS FOUND")
    if not report.ok:
        sys.exit(EXIT_REJECTED)


@cli.group("audit")
def audit_group() -> None:
    """The audit log: a hash chain whose head is recorded with every backup."""


@audit_group.command("verify")
@db_option
@click.option("--against", metavar="HEAD|BACKUP.db", help="An earlier head (or a backup) that must be in the chain.")
@pass_state
def audit_verify(state: CliState, against: str | None) -> None:
    """Read the whole audit log back and name the first row where the chain breaks."""
    head = earlier_head(against) if against else None
    store = state.open_store(create=False)
    try:
        report = verify_chain(store.conn, head)
    finally:
        store.close()
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if not report.ok:
        click.echo(f"The audit chain is broken ({plural(report.rows, 'row')} read).")
        sys.exit(EXIT_REJECTED)
    click.echo(f"The audit chain is intact: {plural(report.rows, 'row')}, head {report.head}")


@audit_group.command("head")
@db_option
@pass_state
def audit_head(state: CliState) -> None:
    """Print the chain's head (ROW:SHA256): kept elsewhere, it shows later whether history was rewritten."""
    store = state.open_store(create=False)
    try:
        click.echo(str(read_head(store.conn)))
    finally:
        store.close()


def quiet_unawaited_coroutines() -> None:
    """Python's "coroutine ... was never awaited" is not for the user of an app stopped with Ctrl+C."""
    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)


def exit_interrupted() -> NoReturn:
    """One line and exit 130. Interrupted while the console was starting, the app leaves coroutines it
    made but never ran; Python would warn of each as it exits, after this line."""
    quiet_unawaited_coroutines()
    click.echo("mediate: interrupted.", err=True)
    sys.exit(EXIT_INTERRUPTED)


def main() -> None:
    guard_terminal_output()
    try:
        cli.main(prog_name="mediate", standalone_mode=False)
        if report_damaged():  # done without the rows their model refuses: named, and exit 1
            sys.exit(EXIT_REJECTED)
    except (click.exceptions.Abort, KeyboardInterrupt):
        exit_interrupted()
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code != 1 or isinstance(exc, Rejected) else EXIT_ENVIRONMENT)
    except click.exceptions.Exit as exc:
        sys.exit(EXIT_REJECTED if report_damaged() and exc.exit_code == 0 else exc.exit_code)
    except RejectedChange as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_REJECTED)
    except StoreError as exc:
        click.echo(f"mediate: {exc}", err=True)
        sys.exit(EXIT_ENVIRONMENT)
    except Exception as exc:  # the last guard: one line, never a traceback nor the record data it may hold
        if interrupted(exc):  # a Ctrl+C wrapped by Python as a module loaded (see `interrupted`)
            exit_interrupted()
        click.echo(f"mediate: {crash_line(exc, record_crash(exc))}".replace("mediate stopped", "stopped"), err=True)
        sys.exit(EXIT_ENVIRONMENT)
    sys.exit(0)


cli.add_command(import_group)
cli.add_command(export_group)
export_group.add_command(notes)
export_group.add_command(commitments)
cli.add_command(rules)
cli.add_command(people_group)
cli.add_command(audit_group)
cli.add_command(story)
cli.add_command(replicate)
cli.add_command(restore)
cli.add_command(serve)
cli.add_command(browse)
cli.add_command(keys)

if __name__ == "__main__":
    main()
