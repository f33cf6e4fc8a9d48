"""textual-serve's Server with seats: every request and websocket needs a seat's token; each seat runs its own command."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("textual-serve")

# The page's cookie: the token given in the address once, so the page's styles, scripts and fonts
# (which the browser asks for without it) are served to the same seat.
COOKIE = "mediate_seat"
TEMPLATES = Path(__file__).parent
# textual-serve's own static folder (xterm.css, textual.js and the Roboto Mono font files).
STATICS = Path(textual_serve.__path__[0]) / "static"
# Addresses that mean "every interface": the printed address names this machine instead.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


@dataclass(frozen=True)
class Seat:
    """Who a token lets in: the lead (the full console) or a viewer (the console on a read-only database)."""

    name: str
    token: str
    command: str
    readonly: bool


def new_token() -> str:
    return secrets.token_urlsafe(24)


async def _close(websocket: web.WebSocketResponse) -> None:
    await websocket.close()


class SeatedServer(Server):
    """Serves the console to the holders of a seat's token; anyone else gets 401 and no app is started."""

    def __init__(self, seats: list[Seat], *, host: str, port: int, title: str, public_url: str | None = None) -> None:
        if not seats:
            raise ValueError("at least one seat is needed")
        # The address the team is given: --public-url (a proxy in front), else this machine's name when it
        # listens on every interface (0.0.0.0 is no address to send anyone), else host:port.
        self.given_public_url = public_url.rstrip("/") if public_url else None
        shown_host = socket.getfqdn() if host in WILDCARD_HOSTS else host
        super().__init__(
            seats[0].command,
            host=host,
            port=port,
            title=title,
            public_url=self.given_public_url or f"http://{shown_host}:{port}",
            statics_path=STATICS,
        )
        self.seats = seats
        self.templates_path = TEMPLATES
        self.apps_started = 0  # websockets that reached an app: the tests and the log read it
        self.on_ready: Callable[[], None] | None = None

    def seat_for(self, token: str | None) -> Seat | None:
        if not token:
            return None
        found = None
        for seat in self.seats:
            # Compare with every seat in constant time: the answer's timing says nothing about the tokens.
            if hmac.compare_digest(seat.token.encode(), token.encode()):
                found = seat
        return found

    def seat_url(self, seat: Seat) -> str:
        return f"{self.public_url}/?token={quote(seat.token, safe='')}"

    def page_url(self, request: web.Request) -> str:
        """Where the page's scripts, styles and websocket are: --public-url when given, else the address
        the browser asked for (its Host header, and the scheme a TLS proxy in front says it used), so a
        page reached by any name or through a proxy points back at where it came from."""
        if self.given_public_url:
            return self.given_public_url
        scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip().lower()
        return f"{'https' if scheme == 'https' else 'http'}://{request.host}"

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._require_seat])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path), autoescape=True)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                # The seat's token is in the websocket's path: each tab keeps its own seat whatever
                # the cookie says (a lead may open a viewer's address in another tab).
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _require_seat(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        token = request.match_info.get("token") if request.path.startswith("/ws/") else None
        token = token or request.query.get("token") or request.cookies.get(COOKIE)
        seat = self.seat_for(token)
        if seat is None:
            log.warning("refused %s %s: no valid access token", request.method, request.path)
            return web.Response(
                status=401,
                text="Mediation Console: this address needs the access token that `mediate serve` printed.\n",
                headers={"Cache-Control": "no-store"},
            )
        request["seat"] = seat
        response = await handler(request)
        if request.query.get("token") and request.path == "/":
            response.set_cookie(COOKIE, seat.token, httponly=True, samesite="Strict", path="/")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    async def handle_index(self, request: web.Request) -> web.Response:
        seat: Seat = request["seat"]
        router = request.app.router
        static = router["static"].url_for(filename="/")
        websocket = router["websocket"].url_for(token=seat.token)
        base = self.page_url(request)
        ws_base = "wss:" if base.startswith("https") else "ws:"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": ws_base + f"{base}{websocket}".split(":", 1)[1],
            "config": {"static": {"url": f"{base}{static}".rstrip("/") + "/"}},
            "application": {"name": f"{self.title} · {seat.name}"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the seat's own command instead of one command for everyone."""
        seat: Seat = request["seat"]
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(
                seat.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=lambda: _close(websocket),
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.apps_started += 1
            log.info("%s seat connected", seat.name)
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def on_startup(self, app: web.Application) -> None:
        for seat in self.seats:
            self.console.print(f"{seat.name:<7} {self.seat_url(seat)}", highlight=False, soft_wrap=True)
        if any(seat.readonly for seat in self.seats):
            self.console.print(
                "Give the viewer address to the team; keep the lead address to yourself. Ctrl+C stops.",
                soft_wrap=True,
            )
        else:
            self.console.print(
                "Keep this address to yourself (--viewers adds read-only seats for the team). Ctrl+C stops."
            )
        if self.on_ready is not None:
            self.on_ready()
