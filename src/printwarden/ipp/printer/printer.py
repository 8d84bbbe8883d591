"""``IppPrinter``: the ``Printer`` the IPP server dispatches to, over a ``PrinterEngine``.

``OPERATION_HANDLERS`` is the printer's operations-supported: everything IPP/2.2 (PWG
5100.12) and IPP Everywhere (PWG 5100.14) require, event notifications (RFC 3995/3996)
and the document operations (PWG 5100.5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.operations import Operation as Op
from printwarden.ipp.printer import (
    control,
    document_ops,
    job_admin,
    notify_ops,
    printer_admin,
    queries,
    settable,
    submission,
)
from printwarden.ipp.printer.clock import PrinterClock
from printwarden.ipp.printer.description import PrinterDescription
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.printer.job_attributes import HIDDEN
from printwarden.ipp.printer.sink import JobSink
from printwarden.ipp.printer.subscriptions import NotifyLimits
from printwarden.ipp.printer.supplies import supply_level
from printwarden.ipp.server.protocol import (
    NOBODY,
    IppRequest,
    JobSummary,
    PrinterSummary,
    Requester,
)
from printwarden.ipp.status import StatusCode

__all__ = ["OPERATION_HANDLERS", "OPERATOR_OPERATIONS", "IppPrinter"]

Handler = Callable[[PrinterEngine, IppRequest], Awaitable[IppMessage]]

OPERATION_HANDLERS: dict[int, Handler] = {
    Op.PRINT_JOB: submission.print_job,
    Op.VALIDATE_JOB: submission.validate_job,
    Op.CREATE_JOB: submission.create_job,
    Op.SEND_DOCUMENT: submission.send_document,
    Op.CANCEL_JOB: control.cancel_job,
    Op.GET_JOB_ATTRIBUTES: queries.get_job_attributes,
    Op.GET_JOBS: queries.get_jobs,
    Op.GET_PRINTER_ATTRIBUTES: queries.get_printer_attributes,
    Op.HOLD_JOB: control.hold_job,
    Op.RELEASE_JOB: control.release_job,
    Op.RESTART_JOB: job_admin.restart_job,
    Op.PAUSE_PRINTER: printer_admin.pause_printer,
    Op.RESUME_PRINTER: printer_admin.resume_printer,
    Op.PURGE_JOBS: printer_admin.purge_jobs,
    Op.SET_PRINTER_ATTRIBUTES: settable.set_printer_attributes,
    Op.SET_JOB_ATTRIBUTES: job_admin.set_job_attributes,
    Op.GET_PRINTER_SUPPORTED_VALUES: settable.get_printer_supported_values,
    Op.CREATE_PRINTER_SUBSCRIPTIONS: notify_ops.create_printer_subscriptions,
    Op.CREATE_JOB_SUBSCRIPTIONS: notify_ops.create_job_subscriptions,
    Op.GET_SUBSCRIPTION_ATTRIBUTES: notify_ops.get_subscription_attributes,
    Op.GET_SUBSCRIPTIONS: notify_ops.get_subscriptions,
    Op.RENEW_SUBSCRIPTION: notify_ops.renew_subscription,
    Op.CANCEL_SUBSCRIPTION: notify_ops.cancel_subscription,
    Op.GET_NOTIFICATIONS: notify_ops.get_notifications,
    Op.ENABLE_PRINTER: printer_admin.enable_printer,
    Op.DISABLE_PRINTER: printer_admin.disable_printer,
    Op.PAUSE_PRINTER_AFTER_CURRENT_JOB: printer_admin.pause_printer,
    Op.HOLD_NEW_JOBS: printer_admin.hold_new_jobs,
    Op.RELEASE_HELD_NEW_JOBS: printer_admin.release_held_new_jobs,
    Op.RESTART_PRINTER: printer_admin.restart_printer,
    Op.SHUTDOWN_PRINTER: printer_admin.shutdown_printer,
    Op.STARTUP_PRINTER: printer_admin.startup_printer,
    Op.REPROCESS_JOB: job_admin.reprocess_job,
    Op.CANCEL_CURRENT_JOB: control.cancel_current_job,
    Op.SUSPEND_CURRENT_JOB: job_admin.suspend_current_job,
    Op.RESUME_JOB: job_admin.resume_job,
    Op.PROMOTE_JOB: job_admin.promote_job,
    Op.SCHEDULE_JOB_AFTER: job_admin.schedule_job_after,
    Op.CANCEL_DOCUMENT: document_ops.cancel_document,
    Op.GET_DOCUMENT_ATTRIBUTES: document_ops.get_document_attributes,
    Op.GET_DOCUMENTS: document_ops.get_documents,
    Op.SET_DOCUMENT_ATTRIBUTES: document_ops.set_document_attributes,
    Op.CANCEL_JOBS: control.cancel_jobs,
    Op.CANCEL_MY_JOBS: control.cancel_my_jobs,
    Op.RESUBMIT_JOB: job_admin.resubmit_job,
    Op.CLOSE_JOB: submission.close_job,
    Op.IDENTIFY_PRINTER: control.identify_printer,
}

OPERATOR_OPERATIONS: frozenset[int] = frozenset({
    Op.PAUSE_PRINTER, Op.RESUME_PRINTER, Op.PURGE_JOBS, Op.SET_PRINTER_ATTRIBUTES,
    Op.GET_PRINTER_SUPPORTED_VALUES, Op.ENABLE_PRINTER, Op.DISABLE_PRINTER,
    Op.PAUSE_PRINTER_AFTER_CURRENT_JOB, Op.HOLD_NEW_JOBS, Op.RELEASE_HELD_NEW_JOBS,
    Op.RESTART_PRINTER, Op.SHUTDOWN_PRINTER, Op.STARTUP_PRINTER, Op.CANCEL_CURRENT_JOB,
    Op.SUSPEND_CURRENT_JOB, Op.RESUME_JOB, Op.PROMOTE_JOB, Op.SCHEDULE_JOB_AFTER,
    Op.CANCEL_JOBS,
})
"""Operations only an operator may do (client-error-forbidden for anyone else)."""


class IppPrinter:
    """An IPP Everywhere printer whose documents go to ``sink``.

    ``processing_delay`` is how long a job "prints" before it completes (0: at once;
    ``None``: the owner drives processing and job states).
    """

    def __init__(self, description: PrinterDescription, sink: JobSink, *,
                 processing_delay: float | None = 0.0, clock: PrinterClock | None = None,
                 limits: NotifyLimits | None = None) -> None:
        description = dataclasses.replace(description, operations=tuple(OPERATION_HANDLERS))
        self.core = PrinterEngine(description, sink, processing_delay=processing_delay,
                                  clock=clock, limits=limits)

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
        core = self.core
        core.printer_uri = request.printer_uri
        core.expire_idle_jobs()
        try:
            return await handler(core, request)
        finally:
            core.observe_printer()

    def summary(self, viewer: Requester = NOBODY) -> PrinterSummary:
        """The status page's view: names and owners of others' jobs are ``(hidden)``."""
        core = self.core
        states = {3: "idle", 4: "processing", 5: "stopped"}
        shown = core.effective()
        jobs = tuple(JobSummary(j.id, j.name if viewer.may_see(j.user) else HIDDEN,
                                j.user if viewer.may_see(j.user) else HIDDEN,
                                j.state.name.lower().replace("_", "-"))
                     for j in core.jobs.select("all"))
        status = core.status
        overrides = core.controls.overrides
        return PrinterSummary(
            core.description.name, overrides.get("printer-info", core.description.info),
            overrides.get("printer-location", core.description.location),
            core.description.make_and_model, states.get(shown.state, "unknown"),
            shown.reasons, shown.accepting, jobs, core.controls.message_from_operator,
            tuple((s.description, supply_level(s)) for s in status.supplies),
            tuple(a.description or a.value for a in status.alerts))

    async def aclose(self) -> None:
        await self.core.aclose()
