"""The printer model: IPP Everywhere attributes, jobs and operations, over a ``JobSink``.

    printer = IppPrinter(PrinterDescription("virtual"), DirectorySink(path))
    create_ipp_app({"virtual": printer})      # printwarden.ipp.server

``JobSink`` is the port the agent's durable spool plugs into; ``DirectorySink`` stores
each document as ``DIR/<job-id>-<safe-name>.<ext>`` (0600, fsync + rename) and counts PDF
pages; ``NullSink`` keeps nothing.
"""

from .clock import PrinterClock
from .core import PrinterCore
from .description import DOCUMENT_FORMATS, PrinterDescription, PrinterStatus
from .directory_sink import DirectorySink
from .job import Job, JobState, TimeStamp
from .jobs import JobTable
from .printer import OPERATION_HANDLERS, IppPrinter
from .sink import DocumentTicket, JobSink, NullSink, StoredDocument

__all__ = [
    "DOCUMENT_FORMATS",
    "OPERATION_HANDLERS",
    "DirectorySink",
    "DocumentTicket",
    "IppPrinter",
    "Job",
    "JobSink",
    "JobState",
    "JobTable",
    "NullSink",
    "PrinterClock",
    "PrinterCore",
    "PrinterDescription",
    "PrinterStatus",
    "StoredDocument",
    "TimeStamp",
]
