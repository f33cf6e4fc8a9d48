"""What every `mediate` sub-command shares: exit codes, the two kinds of failure, the --db option."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from mediation_console.console.core import config
from mediation_console.console.core.database import open_store
from mediation_console.db import damage, safe_file
from mediation_console.db.audit import Head, read_head
from mediation_console.db.store import Store, StoreError
from mediation_console.db.text import inert


class InertStream:
    """Standard output or error as the CLI writes them: every line passes through `inert`, so a name,
    a cell, a header or an error message quoting stored text can never send the terminal a control
    character or an escape sequence (it shows ␛, ␍, ⟮U+202E⟯ instead). The CLI's own progress line
    writes to `raw`."""

    def __init__(self, stream: TextIO) -> None:
        self.raw = stream

    def write(self, text: str) -> int:
        self.raw.write(inert(text) if isinstance(text, str) else text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def guard_terminal_output() -> None:
    """Route `sys.stdout` and `sys.stderr` through `inert` for the rest of the process."""
    if not isinstance(sys.stdout, InertStream):
        sys.stdout = InertStream(sys.stdout)
    if not isinstance(sys.stderr, InertStream):
        sys.stderr = InertStream(sys.stderr)


def raw_stderr() -> TextIO:
    """Standard error for the CLI's own drawing (a progress line rewritten in place with CR)."""
    stream = sys.stderr
    return stream.raw if isinstance(stream, InertStream) else stream


EXIT_REJECTED = 1
EXIT_ENVIRONMENT = 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells count it


class Rejected(click.ClickException):
    """The input was looked at and refused: exit 1 with the report."""

    exit_code = EXIT_REJECTED

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


class EnvironmentProblem(click.ClickException):
    """The file, folder or setup is wrong: exit 2 with a readable message."""

    exit_code = EXIT_ENVIRONMENT

    def show(self, file: Any = None) -> None:
        click.echo(f"mediate: {self.format_message()}", err=True)


def pack_refused(exc: Exception) -> click.ClickException:
    """A rule pack that could not be used: a missing or unreadable file is the setup (exit 2, as a missing
    CSV for `import`), a pack that was read and refused is rejected input (exit 1)."""
    from mediation_console.console.core.rules.pack import PackFileUnreadable

    return EnvironmentProblem(str(exc)) if isinstance(exc, PackFileUnreadable) else Rejected(str(exc))


class CliState:
    def __init__(self, db: str | None = None) -> None:
        self.db_arg = db
        self.rules_path: str | None = None

    @property
    def db_path(self) -> Path:
        return config.resolve_db_path(self.db_arg)[0]

    def open_store(self, *, readonly: bool = False, create: bool = True) -> Store:
        path, is_default = config.resolve_db_path(self.db_arg)
        if is_default:
            try:
                config.ensure_private_dir(path.parent)
            except OSError as exc:
                raise EnvironmentProblem(f"Cannot create {path.parent}: {exc.strerror}") from None
        if not create and not path.exists():
            if not path.parent.is_dir():
                raise EnvironmentProblem(f"The folder {path.parent} does not exist (is the --db path right?)")
            raise EnvironmentProblem(
                f"{path} does not exist (mediate --db {path} creates an empty database; mediate demo --db "
                f"{path} writes a demo)"
            )
        try:
            store = open_store(path, readonly=readonly)
        except StoreError as exc:
            raise EnvironmentProblem(str(exc)) from None
        except OSError as exc:
            raise EnvironmentProblem(f"Cannot open {path}: {exc.strerror or exc}") from None
        # A database built from dispute stories keeps the story's present as its clock, so ages, waits
        # and due dates read as the story tells them whenever its commands run.
        frozen = store.story_clock()
        if frozen is not None:
            store.now = lambda: frozen
        OPENED.append(store)
        return store


# The stores this run of `mediate` opened: after a command, the rows their reads left out as damaged
# are named on standard error and the exit code is 1 (`report_damaged`).
OPENED: list[Store] = []


def report_damaged() -> bool:
    """Names on standard error the damaged rows (code and field, never their data) this run's reads
    skipped; True when there were any: the command did its work without them, so it exits 1."""
    rows = [row for store in OPENED for row in store.damage.rows()]
    OPENED.clear()
    if rows:
        click.echo(f"mediate: {damage.summary(rows)}", err=True)
    return bool(rows)


pass_state = click.make_pass_decorator(CliState)


def output_options(func: Any) -> Any:
    """`-o/--output FILE` and `--force`, as every export that writes a document takes them."""
    func = click.option("--force", is_flag=True, help="Replace FILE if it already exists.")(func)
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Write to FILE (created readable by you only) instead of standard output.",
    )(func)


def format_for(fmt: str | None, output: str | None, formats: Sequence[str], default: str = "md") -> str:
    """The format asked for with --format, else the one -o's extension names (`notes.ics` is ics) when
    the export has it, else `default`: a file is never written in another format than its name says."""
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    suffix = {"htm": "html", "markdown": "md"}.get(suffix, suffix)
    return suffix if suffix in formats else default


def db_option(func: Any) -> Any:
    """Every sub-command takes --db too, so it can stand after the sub-command's name."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value:
            ctx.ensure_object(CliState).db_arg = value
            ctx.find_root().ensure_object(CliState).db_arg = value
        return value

    return click.option(
        "--db",
        "sub_db",
        metavar="PATH",
        expose_value=False,
        callback=remember,
        is_eager=True,
        help="The database file (default: $MEDIATE_DB, else the user data directory).",
    )(func)


def earlier_head(against: str) -> Head:
    """`--against`: a head as `mediate audit head` prints it, or a backup file whose head to read."""
    try:
        return Head.parse(against)
    except ValueError:
        pass
    path = Path(against)
    if not path.is_file():
        raise EnvironmentProblem(f"{against} is neither an audit head (ROW:SHA256) nor a backup file")
    try:
        backup = Store(path, readonly=True)
    except StoreError as exc:
        raise EnvironmentProblem(f"{against}: {exc}") from None
    try:
        return read_head(backup.conn)
    finally:
        backup.close()


def emit_document(state: CliState, content: str | bytes, output: str | None, *, force: bool, what: str) -> Path | None:
    """Writes an export to standard output (no `output`) or to a private file through `db.safe_file`
    (never onto the database or its side files, never through a symlink, an existing file only with
    `force`); returns the file written, or None for standard output. A refused or failed write is an
    environment problem (exit 2) with the reason."""
    if output is None:
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            click.echo(content, nl=False)
        return None
    target = Path(output).expanduser()
    try:
        return safe_file.write_file(target, content, protect=[state.db_path], force=force, what=what)
    except safe_file.UnsafeTarget as exc:
        raise EnvironmentProblem(str(exc)) from None
    except OSError as exc:
        raise EnvironmentProblem(f"Cannot write {target}: {exc.strerror or exc}") from None


# Textual paces its drawing at TEXTUAL_FPS frames a second (60 by default). A filter keystroke is drawn
# twice, the box echoing the key and then the rows it changed, and the second waits for the frame after
# the first: 16-33 ms of a ~44 ms keystroke. At 240 that wait is 4-8 ms (from outside, 100,000
# requisitions: median 44 -> 24 ms); Textual draws only what changed, so a console at rest costs the same.
DRAW_FPS = 240


def pace_drawing() -> None:
    """Sets the console's frame rate before Textual is imported (it reads it once, then); a TEXTUAL_FPS the
    lead set is kept."""
    if "textual.constants" in sys.modules:  # imported already: too late to change, and harmless to skip
        return
    os.environ.setdefault("TEXTUAL_FPS", str(DRAW_FPS))
