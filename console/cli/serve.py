"""`mediate serve`: the console in a browser for remote standups, behind access tokens, with lead and viewer seats."""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys

import click

from mediation_console.console.cli.common import CliState, EnvironmentProblem, db_option, pass_state
from mediation_console.console.core.config import load_settings

# Settings (settings.json) a lead can set to keep the same addresses from one meeting to the next.
LEAD_TOKEN_SETTING = "serve_token"
VIEWER_TOKEN_SETTING = "serve_viewer_token"
MIN_TOKEN_LENGTH = 16


def seat_command(state: CliState, *, readonly: bool) -> str:
    """The command textual-serve runs for one browser tab: this console on the same file and rules."""
    args = [sys.executable, "-m", "mediation_console", "--db", str(state.db_path)]
    if state.rules_path:
        args += ["--rules", str(state.rules_path)]
    if readonly:
        args.append("--read-only")
    return shlex.join(args)


def _token(given: str | None, setting: str, what: str) -> str | None:
    token = given or load_settings().get(setting)
    if token is None:
        return None
    if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH or not token.isascii() or not token.isprintable():
        raise EnvironmentProblem(
            f"The {what} token must be at least {MIN_TOKEN_LENGTH} printable ASCII characters "
            f"(from --{what}-token or the '{setting}' setting)"
        )
    return token


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The port.")
@click.option("--lead-token", metavar="TOKEN", help="The lead's access token (default: setting serve_token, else new).")
@click.option("--viewers", is_flag=True, help="Also open read-only viewer seats (their own token).")
@click.option(
    "--viewer-token",
    metavar="TOKEN",
    help="The viewers' access token (implies --viewers; default: setting serve_viewer_token, else new).",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address the team opens, when a TLS proxy or tunnel stands in front (e.g. https://standup.example.com).",
)
@pass_state
def serve(
    state: CliState,
    host: str,
    port: int,
    lead_token: str | None,
    viewers: bool,
    viewer_token: str | None,
    public_url: str | None,
) -> None:
    """Serve the console in a browser for a remote standup.

    Every address needs its seat's token. The lead's seat is the full console; a viewer's seat shows every
    screen on a read-only database (SQLite's read-only mode) and follows the lead's running standup.
    """
    if not state.db_path.exists():
        # A mistyped path would serve the team an empty console: set a team up first.
        raise EnvironmentProblem(
            f"{state.db_path} does not exist: create it with `mediate --db {state.db_path}` (an empty team) or "
            f"`mediate demo --db {state.db_path}`, then serve it"
        )
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise EnvironmentProblem(f"--public-url must start with http:// or https:// (got {public_url!r})")
    # Migrate the file here, once: viewers open it read-only and could not.
    state.open_store().close()
    from mediation_console.console.cli.web.server import Seat, SeatedServer, new_token

    lead = _token(lead_token, LEAD_TOKEN_SETTING, "lead") or new_token()
    seats = [Seat("lead", lead, seat_command(state, readonly=False), readonly=False)]
    viewer = _token(viewer_token, VIEWER_TOKEN_SETTING, "viewer")
    if viewers or viewer_token or viewer:  # a viewer token in the settings keeps the team's address
        viewer = viewer or new_token()
        if viewer == lead:
            raise EnvironmentProblem("The viewer token must differ from the lead's")
        seats.append(Seat("viewer", viewer, seat_command(state, readonly=True), readonly=True))
    if not _is_loopback(host):
        click.echo(
            f"warning: listening on {host}: anyone who can reach it and has a token gets in; the address "
            "travels unencrypted unless a TLS proxy stands in front",
            err=True,
        )
    # Refused before any address is printed: a port another program holds is said as the only line.
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise EnvironmentProblem(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server = SeatedServer(seats, host=host, port=port, title="Mediation Console", public_url=public_url)
    try:
        server.serve()
    except OSError as exc:
        raise EnvironmentProblem(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None
