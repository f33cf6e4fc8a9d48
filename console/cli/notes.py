"""`mediate export notes`: the meeting notes of a standup as Markdown, HTML, JSON or an .ics calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mediation_console.console.cli.common import (
    CliState,
    Rejected,
    db_option,
    emit_document,
    format_for,
    output_options,
    pack_refused,
    pass_state,
)
from mediation_console.console.core.notes import (
    FORMATS,
    fallbacks_by,
    gather_notes,
    proposals_by,
    render,
)
from mediation_console.db.models import Standup
from mediation_console.db.store import Store


def find_standup(store: Store, which: str) -> Standup:
    """`latest` (the running standup, else the most recent) or a standup's number."""
    which = which.strip().lower()
    if which == "latest":
        standup = store.running_standup() or store.latest_standup()
        if standup is None:
            raise Rejected("There is no standup yet: run one from the console (press 5) and export again")
        return standup
    if not which.isdigit():
        raise Rejected(f"--standup takes a standup number or 'latest', not {which!r}")
    standup = store.get_standup(int(which))
    if standup is None:
        raise Rejected(f"There is no standup {which}; the latest is exported with --standup latest")
    return standup


def _quoted(state: CliState, store: Store) -> dict[str, Any]:
    """The proposals and costed fallbacks the notes quote, both from the lead's rule pack (--rules over
    the settings' pack), as the console quotes them. A --rules pack the rules refuse stops the export
    (exit 2); a broken pack in the settings, not asked for here, leaves the notes without proposals."""
    from mediation_console.console.core.rules.pack import PackError
    from mediation_console.console.core.rules.service import Mediator

    try:
        mediator = Mediator(store, extra_packs=[Path(state.rules_path)] if state.rules_path else [])
    except PackError as exc:
        if state.rules_path:
            raise pack_refused(exc) from None
        return {}
    return {"proposals": proposals_by(mediator), "fallbacks": fallbacks_by(mediator)}


@click.command("notes")
@db_option
@click.option(
    "--standup",
    "which",
    default="latest",
    show_default=True,
    metavar="ID|latest",
    help="Which standup: its number, or the running/most recent one.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="md (default) pastes into wikis; slack is Slack's mrkdwn; html prints; json is lossless; ics holds the "
    "commitments. Taken from -o's extension when not given.",
)
@output_options
@click.option(
    "--open-only",
    is_flag=True,
    help="ics: leave kept and cancelled commitments out (by default they are there, marked cancelled).",
)
@pass_state
def notes(state: CliState, which: str, fmt: str | None, output: str | None, force: bool, open_only: bool) -> None:
    """Export the meeting notes of a standup."""
    fmt = format_for(fmt, output, FORMATS)
    store = state.open_store(create=False)
    try:
        standup = find_standup(store, which)
        # The proposals quoted are the ones the lead's --rules pack makes, as in the console.
        data = gather_notes(store, standup, **_quoted(state, store))
        content = render(data, fmt, open_only=open_only)
    finally:
        store.close()
    target = emit_document(state, content, output, force=force, what="notes")
    if target is None:
        return
    click.echo(f"Notes of standup {data.standup.id} ({data.date:%a %d %b %Y}) written to {target}", err=True)
