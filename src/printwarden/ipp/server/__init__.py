"""The IPP server: an ASGI app that streams requests through ``IppParser`` to ``Printer``s.

    app = create_ipp_app({"virtual": printer}, limits=ServerLimits(...))
    uvicorn.run(app, host="127.0.0.1", port=8631)

See ``protocol`` for the ``Printer`` protocol and the ``IppRequest`` it receives.
"""

from printwarden.ipp.server.app import PRINT_PATH, IppServerApp, create_ipp_app
from printwarden.ipp.server.body import ClientDisconnected, RequestBody
from printwarden.ipp.server.exchange import HttpAnswer, PrinterUris, exchange
from printwarden.ipp.server.limits import ServerLimits
from printwarden.ipp.server.protocol import (
    NOBODY,
    IppAttributesError,
    IppRequest,
    JobSummary,
    Printer,
    PrinterSummary,
    Requester,
    empty_document,
)
from printwarden.ipp.server.status_page import render_status_page

__all__ = [
    "NOBODY",
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
    "Requester",
    "ServerLimits",
    "create_ipp_app",
    "empty_document",
    "exchange",
    "render_status_page",
]
