"""The IPP server: an ASGI app that streams requests through ``IppParser`` to ``Printer``s.

    app = create_ipp_app({"virtual": printer}, limits=ServerLimits(...))
    uvicorn.run(app, host="127.0.0.1", port=8631)

See ``protocol`` for the ``Printer`` protocol and the ``IppRequest`` it receives.
"""

from .app import PRINT_PATH, IppServerApp, create_ipp_app
from .body import ClientDisconnected, RequestBody
from .exchange import HttpAnswer, PrinterUris, exchange
from .limits import ServerLimits
from .protocol import (
    IppAttributesError,
    IppRequest,
    JobSummary,
    Printer,
    PrinterSummary,
    empty_document,
)
from .serve import serve_forever
from .status_page import render_status_page

__all__ = [
    "PRINT_PATH",
    "ClientDisconnected",
    "HttpAnswer",
    "IppAttributesError",
    "IppRequest",
    "IppServerApp",
    "JobSummary",
    "Printer",
    "PrinterSummary",
    "PrinterUris",
    "RequestBody",
    "ServerLimits",
    "create_ipp_app",
    "empty_document",
    "exchange",
    "render_status_page",
    "serve_forever",
]
