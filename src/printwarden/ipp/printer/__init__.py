"""The printer model: IPP Everywhere / IPP 2.2 attributes, jobs, documents, subscriptions
and operations, over a ``JobSink`` (where documents go) and ``JobActions`` (how jobs are
changed).

    printer = IppPrinter(PrinterDescription("model"), NullSink())
    create_ipp_app({"model": printer})      # printwarden.ipp.server

``JobSink`` is the port documents go to: the agent's durable spool plugs into it, the
virtual printer's ``DirectorySink`` (``printwarden.virtual_printer``) keeps each document
in a directory, and ``NullSink`` keeps nothing. ``LocalActions`` changes jobs in the model;
the agent replaces it with actions that go through its journal.
"""

from printwarden.ipp.printer.actions import JobActions, LocalActions
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.controls import PrinterControls
from printwarden.ipp.printer.description import (
    DOCUMENT_FORMATS,
    IPP_VERSIONS,
    PrinterDescription,
    PrinterStatus,
)
from printwarden.ipp.printer.document import Document
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job import Job, JobState, TimeStamp
from printwarden.ipp.printer.jobs import JobTable
from printwarden.ipp.printer.printer import OPERATION_HANDLERS, OPERATOR_OPERATIONS, IppPrinter
from printwarden.ipp.printer.sink import DocumentTicket, JobSink, NullSink, StoredDocument
from printwarden.ipp.printer.subscriptions import NotifyLimits
from printwarden.ipp.printer.supplies import Alert, Supply, device_alerts, device_supplies

__all__ = [
    "DOCUMENT_FORMATS",
    "IPP_VERSIONS",
    "OPERATION_HANDLERS",
    "OPERATOR_OPERATIONS",
    "Alert",
    "Document",
    "DocumentTicket",
    "IppPrinter",
    "Job",
    "JobActions",
    "JobSink",
    "JobState",
    "JobTable",
    "LocalActions",
    "NotifyLimits",
    "NullSink",
    "PrinterClock",
    "PrinterControls",
    "PrinterDescription",
    "PrinterEngine",
    "PrinterStatus",
    "StoredDocument",
    "Supply",
    "TimeStamp",
    "device_alerts",
    "device_supplies",
]
