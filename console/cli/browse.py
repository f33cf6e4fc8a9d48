"""`mediate browse`: the file in Datasette, read-only, with its search and views."""

from __future__ import annotations

import socket

import click

from mediation_console.console.cli.common import CliState, EnvironmentProblem, db_option, pass_state
from mediation_console.console.core.browse import build_datasette


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default)."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port to listen on.")
@pass_state
def browse(state: CliState, host: str, port: int) -> None:
    """Browse the database in Datasette: tables, facets, full-text search and the views
    (open_queue, overdue_commitments, follow_through_by_person/team, open_disputes, disputes_resolved).
    Read-only: nothing in the browser changes the data."""
    # Opening through the Store first migrates an old file (so the views exist) and checks it is ours.
    store = state.open_store(create=False)
    path = store.path
    store.close()
    import uvicorn  # comes with Datasette; imported here so every other command starts without it

    try:  # a clear message now, rather than uvicorn's log line and exit once it is serving
        socket.create_server((host, port)).close()
    except OSError as exc:
        raise EnvironmentProblem(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    datasette = build_datasette(path)
    click.echo(f"Browsing {path} read-only at http://{host}:{port}/{path.stem} (Ctrl-C to stop)")
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
