"""`mediate export commitments`: each person's open commitments, what they kept and missed, and their follow-through."""

from __future__ import annotations

import click

from mediation_console.console.cli.common import (
    CliState,
    Rejected,
    db_option,
    emit_document,
    format_for,
    output_options,
    pass_state,
)
from mediation_console.console.core.commitment_digest import FORMATS, UnknownOwner, find_owner, gather_digest, render


@click.command("commitments")
@db_option
@click.option("--owner", metavar="NAME", help="One person's digest (default: everyone who has commitments).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="md (default) pastes into wikis; slack is Slack's mrkdwn; ics puts the open ones in a calendar. "
    "Taken from -o's extension when not given.",
)
@output_options
@pass_state
def commitments(state: CliState, owner: str | None, fmt: str | None, output: str | None, force: bool) -> None:
    """Export a digest of commitments: open ones with their due dates, the last 90 days' kept and missed
    ones, and each person's follow-through (30 and 90 days, with the counts it is made of)."""
    fmt = format_for(fmt, output, FORMATS)
    store = state.open_store(create=False)
    try:
        try:
            person = find_owner(store, owner) if owner is not None else None
        except UnknownOwner as exc:
            raise Rejected(str(exc)) from None
        digest = gather_digest(store, person)
        content = render(digest, fmt)
    finally:
        store.close()
    target = emit_document(state, content, output, force=force, what="digest")
    if target is None:
        return
    whose = f"of {digest.owner}" if digest.owner else f"of {len(digest.people)} people"
    click.echo(f"Commitments {whose} ({digest.open_count} open) written to {target}", err=True)
