"""A standalone IPP Everywhere printer that keeps what it receives (demo and tests).

    printwarden virtual-printer --dir /tmp/out --port 8631
    ipptool -tv -f doc.pdf ipp://127.0.0.1:8631/ipp/print/virtual ipp-2.0.test

Each document lands in ``DIR/<job-id>-<safe-name>.<ext>`` (0600, fsync + rename); with a
print log, each ended job is logged there with the impressions it printed.
The printer is ``printwarden.ipp``'s IPP Everywhere model over a ``DirectorySink``; this
module is the role around it (uvicorn), like the server and the agent roles.
"""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn

from printwarden.ipp.printer import IppPrinter, PrinterDescription
from printwarden.ipp.server import IppServerApp, ServerLimits, create_ipp_app
from printwarden.virtual_printer.directory_sink import DirectorySink
from printwarden.virtual_printer.print_log import PrintLog

__all__ = [
    "build_virtual_printer",
    "run_virtual_printer",
]

log = logging.getLogger(__name__)


def build_virtual_printer(directory: Path | str, name: str = "virtual", *,
                          processing_delay: float = 0.0, limits: ServerLimits | None = None,
                          print_log: Path | None = None,
                          keep_history: bool = False) -> IppServerApp:
    """The ASGI app of a virtual printer storing into ``directory``; with ``print_log``
    every ended job is logged there (``PrintLog``), and read back with ``keep_history``."""
    description = PrinterDescription(
        name=name, info=f"printwarden virtual printer {name}", location="loopback",
        make_and_model="printwarden Virtual Printer",
        max_document_octets=(limits or ServerLimits()).max_document_octets)
    printer = IppPrinter(description, DirectorySink(directory),
                         processing_delay=processing_delay)
    engine = printer.core
    if print_log is not None:
        printed = PrintLog(print_log)
        if keep_history:
            for job in printed.history(engine.clock.now()):
                engine.jobs.restore(job)
        engine.job_listeners.append(printed.record)
    elif keep_history:
        raise ValueError("keep_history needs a print log to read back")
    return create_ipp_app({name: printer}, default=name, limits=limits)


def run_virtual_printer(directory: Path | str, port: int, host: str = "127.0.0.1",
                        name: str = "virtual", *, processing_delay: float = 0.0,
                        print_log: Path | None = None, keep_history: bool = False) -> None:
    """Serve the virtual printer on uvicorn until interrupted."""
    app = build_virtual_printer(directory, name, processing_delay=processing_delay,
                                print_log=print_log, keep_history=keep_history)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                lifespan="on", timeout_graceful_shutdown=2)
