"""`mediate replicate` and `mediate restore`: a copy of the database kept elsewhere by Litestream."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from mediation_console.console.cli.common import (
    EXIT_REJECTED,
    CliState,
    EnvironmentProblem,
    Rejected,
    db_option,
    earlier_head,
    pass_state,
)
from mediation_console.console.core import config, replication
from mediation_console.console.core.replication import (
    Replica,
    ReplicaRejected,
    ReplicationEvent,
    ReplicationUnavailable,
    Replicator,
)
from mediation_console.db import safe_file
from mediation_console.db.words import plural


def _replica(state: CliState, given: str | None) -> Replica:
    try:
        return replication.configured_replica(state.db_path, given)
    except ReplicaRejected as exc:
        # A replica named on the command line is input; one read from the settings is the setup.
        raise (Rejected(str(exc)) if given else EnvironmentProblem(str(exc))) from None


def _local(moment: dt.datetime | None) -> str:
    return "never" if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M:%S %Z}"


def _warn_same_disk(replica: Replica, database: Path) -> None:
    if replication.same_disk(replica, database):
        click.echo(
            f"warning: {replica.folder} is on the same disk as the database, so the copy will not survive a "
            "lost or broken laptop; name a network share, a synced folder or a remote URL for that",
            err=True,
        )


def _remember(replica_text: str, replica: Replica) -> None:
    setting: Any = replica.url
    current = config.load_settings().get("replica")
    if isinstance(current, dict):
        setting = {**current, "url": replica.url}
    if not config.save_setting("replica", setting):
        raise EnvironmentProblem(f"The replica could not be remembered in {config.settings_path()}")
    click.echo(f"Replica remembered in {config.settings_path()}: {replica.shown}")


@click.command("replicate")
@db_option
@click.option("--to", "to", metavar="FOLDER|URL", help='Where the copy goes (default: the settings\' "replica").')
@click.option("--remember", is_flag=True, help="Remember --to in the settings, for replicate and restore.")
@click.option(
    "--status", "show_status", is_flag=True, help="Say how far the replica is behind this database, and stop."
)
@click.option("--with-console", is_flag=True, help="Open the console and replicate beside it until it closes.")
@pass_state
def replicate(state: CliState, to: str | None, remember: bool, show_status: bool, with_console: bool) -> None:
    """Copy every committed change to a replica about once a second (Litestream), until stopped.

    The replica is a folder (a network share or a synced folder) or an sftp://, s3://, gs://, abs:// or
    webdav:// URL. Restore from it with `mediate restore`.
    """
    if remember and not to:
        raise Rejected("--remember needs --to FOLDER|URL: the replica to remember")
    replica = _replica(state, to)
    if to is None and replica.folder is not None and not replica.folder.is_dir():
        # A remembered folder that is not there is most likely a network share not mounted: creating it
        # would put the copy on this laptop's own disk (the mount point), and the share would miss it.
        raise EnvironmentProblem(
            f"The replica folder {replica.folder} (from {config.settings_path()}) does not exist: is the network "
            "share mounted? To start a new replica there, name it once with --to"
        )
    store = state.open_store(create=False)  # ours, migrated and in WAL mode before Litestream reads it
    try:
        if remember and to:
            _remember(to, replica)
        if show_status:
            _print_status(replica, store)
            return
    finally:
        store.close()
    database = state.db_path.expanduser().absolute()
    _warn_same_disk(replica, database)
    try:
        if with_console:
            _beside_console(state, database, replica)
        else:
            _foreground(database, replica)
    except ReplicationUnavailable as exc:
        raise EnvironmentProblem(str(exc)) from None


def _foreground(database: Path, replica: Replica) -> None:
    def show(event: ReplicationEvent) -> None:
        when, kind, text = event
        stamp = f"{when.astimezone():%H:%M:%S}"
        if kind == "problem":
            click.echo(f"{stamp}  problem: {text}", err=True)
        elif kind == "copied":
            click.echo(f"{stamp}  copied: {text}")

    replicator = Replicator(database, replica, on_event=show)
    replicator.start()
    click.echo(f"Replicating {database} to {replica.shown} about once a second. Ctrl+C stops.")
    try:
        code = replicator.wait()
    except KeyboardInterrupt:
        replicator.stop()
        click.echo(f"Replication stopped: {_final(replicator)}")
        return
    # Litestream stopped by itself (it could not start, died, or was stopped from outside), or was
    # stopped here because its replica folder went away.
    if code != 0 or replicator.state.halted:
        raise EnvironmentProblem(f"{replicator.state.stop_reason}; nothing was lost here")
    click.echo(f"Replication stopped: {_final(replicator)}")


def _final(replicator: Replicator) -> str:
    state = replicator.state
    if state.stopped and not state.stopped_by_us:
        when = f" at {state.stopped_at.astimezone():%H:%M:%S}" if state.stopped_at else ""
        return f"{state.stop_reason}{when}; changes made after that were not copied: run mediate replicate"
    if state.up_to_date:
        return f"every committed change was copied to {replicator.replica.shown}"
    if state.replica_txid is None:
        return "the first copy had not finished; run mediate replicate again"
    return "the latest changes may not have been copied; run mediate replicate again"


def _beside_console(state: CliState, database: Path, replica: Replica) -> None:
    from mediation_console.console.cli import open_console

    replicator = Replicator(database, replica)
    replicator.start()
    try:
        open_console(state, replication=replicator)
    finally:
        replicator.stop()
        click.echo(f"Replication stopped: {_final(replicator)}", err=True)


def _print_status(replica: Replica, store: Any) -> None:
    try:
        status = replication.replica_status(replica, store)
    except ReplicaRejected as exc:
        raise Rejected(str(exc)) from None
    except ReplicationUnavailable as exc:
        raise EnvironmentProblem(str(exc)) from None
    contents = status.contents
    click.echo(f"replica        {replica.shown} ({replica.kind})")
    if contents.files:
        click.echo(f"last copied    {_local(contents.newest)}")
        click.echo(f"restorable     back to {_local(contents.oldest)} (mediate restore --at TIME)")
    else:
        click.echo("last copied    never")
    click.echo(f"this database  {plural(status.live_head.event_id, 'change')} (audit head {status.live_head})")
    if status.replica_head is not None:
        click.echo(
            f"the replica    {plural(status.replica_head.event_id, 'change')} (audit head {status.replica_head})"
        )
    if status.same_disk:
        click.echo("warning: the replica is on the same disk as the database: it will not survive a lost laptop")
    if status.diverged:
        click.echo(
            "DIFFERENT: the replica holds another history than this database (another database, or rows "
            "rewritten here since); give each database a replica of its own"
        )
    elif status.replica_head is None:
        click.echo("BEHIND: nothing has been copied yet; run mediate replicate")
    elif status.missing:
        click.echo(
            f"BEHIND: {status.missing:,} change{'s' if status.missing != 1 else ''} not in the replica yet, the "
            f"newest from {status.newest_missing_at} UTC; is mediate replicate running?"
        )
    else:
        click.echo("up to date: every committed change is in the replica")
    if not status.up_to_date:
        sys.exit(EXIT_REJECTED)


@click.command("restore")
@db_option
@click.argument("new_db", required=False, metavar="NEW.db", type=click.Path(dir_okay=False))
@click.option("--from", "source", metavar="FOLDER|URL", help='The replica (default: the settings\' "replica").')
@click.option(
    "--at", "at", metavar="TIME", help="The database as it was then (2026-12-03 14:30 local, or ...Z for UTC)."
)
@click.option("--against", metavar="HEAD|BACKUP.db", help="An audit head recorded earlier that must be in the copy.")
@click.option("--force", is_flag=True, help="Replace NEW.db if it exists (never the database itself).")
@click.option("--keep-damaged", is_flag=True, help="Write the copy even when doctor finds problems in it.")
@pass_state
def restore(
    state: CliState,
    new_db: str | None,
    source: str | None,
    at: str | None,
    against: str | None,
    force: bool,
    keep_damaged: bool,
) -> None:
    """Rebuild the database from its replica into a new file, checked by doctor before it is written.

    NEW.db defaults to a dated file beside the database. The database itself is never written.
    """
    replica = _replica(state, source)
    try:
        when = replication.parse_time(at) if at else None
    except ReplicaRejected as exc:
        raise Rejected(str(exc)) from None
    head = earlier_head(against) if against else None
    database, is_default = config.resolve_db_path(state.db_arg)
    database = database.expanduser().absolute()
    if new_db:
        target = Path(new_db).expanduser().absolute()
    else:
        if is_default:
            try:
                safe_file.ensure_private_dir(database.parent)
            except OSError as exc:
                raise EnvironmentProblem(f"Cannot create {database.parent}: {exc.strerror}") from None
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        target = safe_file.unique_path(database.with_name(f"{database.stem}-restored-{stamp}.db"))
    try:
        outcome = replication.restore(
            replica, target, database=database, at=when, against=head, force=force, keep_damaged=keep_damaged
        )
    except ReplicaRejected as exc:
        raise Rejected(str(exc)) from None
    except ReplicationUnavailable as exc:
        raise EnvironmentProblem(str(exc)) from None
    report = outcome.report
    as_of = f"as of {_local(when)}" if when else f"copied up to {_local(outcome.copied_until)}"
    click.echo(f"Restored from {replica.shown} ({as_of})")
    click.echo(f"integrity      {report.integrity}")
    click.echo(f"schema         version {report.schema_version}")
    click.echo(f"audit chain    {plural(outcome.audit_rows, 'row')}, head {report.audit_head}")
    for table, n in report.counts.items():
        click.echo(f"{table:<14} {n:,}")
    for warning in report.warnings:
        if "readable by other users" not in warning:  # about the private working copy, not NEW.db
            click.echo(f"warning: {warning}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if not report.ok and not outcome.written:
        found = len(report.problems) + (report.integrity != "ok")
        click.echo(
            f"NOT WRITTEN: doctor found {found} problem(s) in the copy. Try an earlier --at, or "
            "pass --keep-damaged to write it anyway and salvage what it holds."
        )
        sys.exit(EXIT_REJECTED)
    click.echo(f"Written to {outcome.target}" + ("" if report.ok else " although doctor found the problems above"))
    click.echo(f"Open it with: mediate --db {outcome.target}")
    if not report.ok:
        sys.exit(EXIT_REJECTED)
