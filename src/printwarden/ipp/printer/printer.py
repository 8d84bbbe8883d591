"""``IppPrinter``: the ``Printer`` the IPP server dispatches to, over a ``PrinterEngine``."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation as Op
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.control import (
    cancel_job,
    cancel_my_jobs,
    hold_job,
    identify_printer,
    release_job,
)
from printwarden.ipp.printer.description import PrinterDescription
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.queries import get_job_attributes, get_jobs, get_printer_attributes
from printwarden.ipp.printer.sink import JobSink
from printwarden.ipp.printer.submission import (
    close_job,
    create_job,
    print_job,
    send_document,
    validate_job,
)
from printwarden.ipp.server.protocol import IppRequest, JobSummary, PrinterSummary
from printwarden.ipp.status import StatusCode

__all__ = ["OPERATION_HANDLERS", "IppPrinter"]

Handler = Callable[[PrinterEngine, IppRequest], Awaitable[IppMessage]]

OPERATION_HANDLERS: dict[int, Handler] = {
    Op.PRINT_JOB: print_job,
    Op.VALIDATE_JOB: validate_job,
    Op.CREATE_JOB: create_job,
    Op.SEND_DOCUMENT: send_document,
    Op.CANCEL_JOB: cancel_job,
    Op.GET_JOB_ATTRIBUTES: get_job_attributes,
    Op.GET_JOBS: get_jobs,
    Op.GET_PRINTER_ATTRIBUTES: get_printer_attributes,
    Op.HOLD_JOB: hold_job,
    Op.RELEASE_JOB: release_job,
    Op.CANCEL_MY_JOBS: cancel_my_jobs,
    Op.CLOSE_JOB: close_job,
    Op.IDENTIFY_PRINTER: identify_printer,
}


class IppPrinter:
    """An IPP Everywhere printer whose documents go to ``sink``.

    ``processing_delay`` is how long a job "prints" before it completes (0: at once;
    ``None``: the owner calls ``core.complete_job``).
    """

    def __init__(self, description: PrinterDescription, sink: JobSink, *,
                 processing_delay: float | None = 0.0, clock: PrinterClock | None = None) -> None:
        description = dataclasses.replace(description, operations=tuple(OPERATION_HANDLERS))
        self.core = PrinterEngine(description, sink, processing_delay=processing_delay,
                                clock=clock)

    @property
    def name(self) -> str:
        return self.core.description.name

    @property
    def operations_supported(self) -> frozenset[int]:
        return frozenset(OPERATION_HANDLERS)

    @property
    def compression_supported(self) -> tuple[str, ...]:
        return self.core.description.compression

    async def handle(self, request: IppRequest) -> IppMessage:
        handler = OPERATION_HANDLERS.get(request.valid.operation)
        if handler is None:
            raise IppError(StatusCode.SERVER_ERROR_OPERATION_NOT_SUPPORTED,
                           f"operation 0x{request.valid.operation:04x} not supported")
        return await handler(self.core, request)

    def summary(self) -> PrinterSummary:
        core = self.core
        states = {3: "idle", 4: "processing", 5: "stopped"}
        jobs = tuple(JobSummary(j.id, j.name, j.user, j.state.name.lower())
                     for j in core.jobs.select("all"))
        return PrinterSummary(core.description.name, core.description.info,
                              core.description.location, core.description.make_and_model,
                              states.get(core.status.state, "unknown"), core.status.reasons,
                              core.status.accepting_jobs, jobs)

    async def aclose(self) -> None:
        await self.core.aclose()
