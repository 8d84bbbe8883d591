"""A standalone IPP Everywhere printer that keeps what it receives (demo and tests).

    printwarden virtual-printer --dir /tmp/out --port 8631
    ipptool -tv -f doc.pdf ipp://127.0.0.1:8631/ipp/print/virtual ipp-2.0.test

Each document lands in ``DIR/<job-id>-<safe-name>.<ext>`` (0600, fsync + rename).
``virtual_printer_command`` is a plain function: typer derives ``--dir``, ``--port``,
``--host``, ``--name`` and ``--delay`` from its parameters, so this module (like every
top-level ``printwarden.ipp`` module) imports only the standard library; uvicorn is
behind ``server.serve_forever``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from .printer import DirectorySink, IppPrinter, PrinterDescription
from .server import IppServerApp, ServerLimits, create_ipp_app, serve_forever

__all__ = [
    "advertise_printer",
    "build_virtual_printer",
    "run_virtual_printer",
    "virtual_printer_command",
]

log = logging.getLogger(__name__)


def build_virtual_printer(directory: Path | str, name: str = "virtual", *,
                          processing_delay: float = 0.0,
                          limits: ServerLimits | None = None) -> IppServerApp:
    """The ASGI app of a virtual printer storing into ``directory``."""
    description = PrinterDescription(
        name=name, info=f"printwarden virtual printer {name}", location="loopback",
        make_and_model="printwarden Virtual Printer",
        max_document_octets=(limits or ServerLimits()).max_document_octets)
    printer = IppPrinter(description, DirectorySink(directory),
                         processing_delay=processing_delay)
    return create_ipp_app({name: printer}, default=name, limits=limits)


def advertise_printer(name: str, host: str, port: int) -> None:
    """Seam for DNS-SD (_ipp._tcp / _ipps._tcp) advertising: a later step; does nothing."""
    log.debug("DNS-SD advertising of %s at %s:%s is not implemented yet", name, host, port)


def run_virtual_printer(directory: Path | str, port: int, host: str = "127.0.0.1",
                        name: str = "virtual", *, processing_delay: float = 0.0) -> None:
    """Serve the virtual printer on uvicorn until interrupted."""
    app = build_virtual_printer(directory, name, processing_delay=processing_delay)
    advertise_printer(name, host, port)
    serve_forever(app, host, port)


def virtual_printer_command(
    dir: Path = Path("virtual-printer"),  # the option is --dir
    port: int = 8631,
    host: str = "127.0.0.1",
    name: str = "virtual",
    delay: float = 0.0,
) -> None:
    """Run an IPP Everywhere virtual printer that stores every document it receives
    in --dir, at ipp://HOST:PORT/ipp/print/NAME (--delay: seconds each job prints)."""
    sys.stdout.write(f"virtual printer: ipp://{host}:{port}/ipp/print/{name} -> {dir}\n")
    sys.stdout.flush()
    run_virtual_printer(dir, port, host, name, processing_delay=delay)
