"""The printer model: IPP Everywhere attributes, jobs and operations, over a ``JobSink``.

    printer = IppPrinter(PrinterDescription("model"), NullSink())
    create_ipp_app({"model": printer})      # printwarden.ipp.server

``JobSink`` is the port documents go to: the agent's durable spool plugs into it, the
virtual printer's ``DirectorySink`` (``printwarden.virtual_printer``) keeps each document
in a directory, and ``NullSink`` keeps nothing.
"""

from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.description import DOCUMENT_FORMATS, PrinterDescription, PrinterStatus
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job import Job, JobState, TimeStamp
from printwarden.ipp.printer.jobs import JobTable
from printwarden.ipp.printer.printer import OPERATION_HANDLERS, IppPrinter
from printwarden.ipp.printer.sink import DocumentTicket, JobSink, NullSink, StoredDocument

__all__ = [
    "DOCUMENT_FORMATS",
    "OPERATION_HANDLERS",
    "DocumentTicket",
    "IppPrinter",
    "Job",
    "JobSink",
    "JobState",
    "JobTable",
    "NullSink",
    "PrinterClock",
    "PrinterDescription",
    "PrinterEngine",
    "PrinterStatus",
    "StoredDocument",
    "TimeStamp",
]
