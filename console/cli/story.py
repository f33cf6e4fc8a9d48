"""`mediate story load`: builds a dispute story (people, a requisition, its events, the dispute) from TOML."""

from __future__ import annotations

from pathlib import Path

import click

from mediation_console.console.cli.common import (
    CliState,
    EnvironmentProblem,
    Rejected,
    db_option,
    pack_refused,
    pass_state,
)
from mediation_console.db.words import plural


@click.group("story")
def story() -> None:
    """Dispute stories: scenarios written as TOML."""


@story.command("load")
@db_option
@click.argument("path", metavar="STORY.toml", type=click.Path(dir_okay=True))
@pass_state
def load(state: CliState, path: str) -> None:
    """Build the story in the database with the story's own clock (its `now`), which the file keeps."""
    from mediation_console.console.core.rules.pack import PackError
    from mediation_console.console.core.stories import StoryError, StoryFileError, load_story_file

    db = state.db_path
    if not db.parent.exists():
        raise EnvironmentProblem(f"The folder {db.parent} does not exist")
    try:
        loaded = load_story_file(path, db, extra_packs=[state.rules_path] if state.rules_path else [])
    except StoryFileError as exc:
        raise EnvironmentProblem(str(exc)) from None
    except StoryError as exc:
        raise Rejected(f"{Path(path).name}: {exc}\nNothing was written.") from None
    except PackError as exc:
        raise pack_refused(exc) from None
    for warning in loaded.warnings:
        click.echo(f"warning: {Path(path).name}: {warning}", err=True)
    people = f"{len(loaded.people_added)} people added" + (
        f", {len(set(loaded.people_reused))} already there" if loaded.people_reused else ""
    )
    reqs = ", ".join(f"{r.code} {r.title}" for r in loaded.requisitions) or "no requisition"
    disputes = ", ".join(f"{d.code} ({d.category.value})" for d in loaded.disputes) or "no dispute"
    click.echo(
        f"Story {Path(path).name} loaded into {db} at {loaded.now:%Y-%m-%d %H:%M}: {people}; {reqs}; "
        f"{plural(loaded.events, 'event')}; {disputes}"
    )
