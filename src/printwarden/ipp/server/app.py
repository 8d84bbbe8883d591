"""The IPP server as a plain ASGI application (runs on uvicorn).

    POST /ipp/print/{name}   application/ipp -> that printer   (/ipp/print: the default)
    GET  /ipp/print/{name}   HTML status page (printer-more-info, printer-supply-info-uri)
    GET  /                   HTML status page of every printer
    GET  /icons/{48,128,512}.png   the printer icon (printer-icons)

Plain ASGI rather than a framework: the body is read message by message, so a document
streams straight from the socket to the printer's sink and a slow client only ever
holds its own coroutine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from printwarden.ipp.server.body import Receive, RequestBody
from printwarden.ipp.server.exchange import HttpAnswer, PrinterUris, exchange
from printwarden.ipp.server.icons import ICON_SIZES, icon_png
from printwarden.ipp.server.limits import ServerLimits
from printwarden.ipp.server.protocol import NOBODY, Printer
from printwarden.ipp.server.status_page import render_status_page

__all__ = ["PRINT_PATH", "IppServerApp", "create_ipp_app"]

PRINT_PATH = "/ipp/print"
_ICON_PATHS = {f"/icons/{size}.png": size for size in ICON_SIZES}
Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


class IppServerApp:
    """ASGI app serving ``printers`` by name; ``default`` answers at ``/ipp/print``."""

    def __init__(self, printers: Mapping[str, Printer], *, default: str | None = None,
                 limits: ServerLimits | None = None) -> None:
        self.printers = dict(printers)
        self.default = default if default is not None else next(iter(self.printers), None)
        self.limits = limits or ServerLimits()

    def _printer_for(self, path: str) -> tuple[str, Printer] | None:
        path = path.rstrip("/") or "/"
        if path == PRINT_PATH and self.default in self.printers:
            assert self.default is not None
            return path, self.printers[self.default]
        if path.startswith(PRINT_PATH + "/"):
            printer = self.printers.get(path[len(PRINT_PATH) + 1:])
            if printer is not None:
                return path, printer
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        answer = await self._answer(scope, receive)
        if answer is not None:
            await _send(send, answer)

    async def _answer(self, scope: Scope, receive: Receive) -> HttpAnswer | None:
        method, path = scope["method"], scope["path"]
        if method == "GET" and path == "/":
            pages = [(f"{PRINT_PATH}/{n}", p.summary(NOBODY)) for n, p in self.printers.items()]
            return HttpAnswer(200, render_status_page(pages), "text/html; charset=utf-8")
        if method == "GET" and path in _ICON_PATHS:
            return HttpAnswer(200, icon_png(_ICON_PATHS[path]), "image/png")
        found = self._printer_for(path)
        if found is None:
            return HttpAnswer(404, b"no such printer\n", "text/plain")
        printer_path, printer = found
        if method == "GET":
            page = render_status_page([(printer_path, printer.summary(NOBODY))], printer.name)
            return HttpAnswer(200, page, "text/html; charset=utf-8")
        if method != "POST":
            return HttpAnswer(405, b"method not allowed\n", "text/plain")
        if not _header(scope, b"content-type").lower().startswith("application/ipp"):
            return HttpAnswer(400, b"Content-Type must be application/ipp\n", "text/plain",
                              close=True)
        host = _header(scope, b"host") or _server_host(scope)
        secure = scope.get("scheme") == "https"
        uris = PrinterUris(f"{'ipps' if secure else 'ipp'}://{host}{printer_path}",
                           f"{'https' if secure else 'http'}://{host}{printer_path}")
        return await exchange(printer, RequestBody(receive), uris, self.limits)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for printer in self.printers.values():
                    closer = getattr(printer, "aclose", None)
                    if closer is not None:
                        await closer()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _server_host(scope: Scope) -> str:
    server = scope.get("server") or ("localhost", 631)
    host, port = server[0], server[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


async def _send(send: Send, answer: HttpAnswer) -> None:
    headers = [(b"content-type", answer.content_type.encode()),
               (b"content-length", str(len(answer.body)).encode())]
    if answer.close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def create_ipp_app(printers: Mapping[str, Printer], *, default: str | None = None,
                   limits: ServerLimits | None = None) -> IppServerApp:
    """The ASGI app for ``printers`` (name -> Printer)."""
    return IppServerApp(printers, default=default, limits=limits)
