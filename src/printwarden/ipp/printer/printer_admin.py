"""Printer operations of operators (RFC 8011, PWG 5100.11, PWG 5100.22): Pause-Printer,
Pause-Printer-After-Current-Job, Resume-Printer, Enable-Printer, Disable-Printer,
Hold-New-Jobs, Release-Held-New-Jobs, Restart-Printer, Shutdown-Printer, Startup-Printer
and Purge-Jobs.

Pausing never interrupts a job under way (both pause operations let the current job end:
the printer shows ``moving-to-paused`` until it has). A shut-down printer neither accepts
nor processes jobs until Startup-Printer or Restart-Printer. Every one of them is for
operators only (client-error-forbidden otherwise).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from printwarden.ipp.errors import IppError
from printwarden.ipp.message import IppMessage
from printwarden.ipp.printer.answers import answer, require_operator
from printwarden.ipp.printer.engine import PrinterEngine
from printwarden.ipp.server.protocol import IppRequest

__all__ = [
    "disable_printer",
    "enable_printer",
    "hold_new_jobs",
    "pause_printer",
    "purge_jobs",
    "release_held_new_jobs",
    "restart_printer",
    "resume_printer",
    "shutdown_printer",
    "startup_printer",
]

def _changed(core: PrinterEngine, kinds: set[str] | None = None) -> None:
    core.actions.controls_changed()
    core.observe_printer(kinds)


Handler = Callable[[PrinterEngine, IppRequest], Awaitable[IppMessage]]


def _setting(operation: str, **controls: bool) -> Handler:
    """The handler of an operation that only sets printer controls."""
    async def handle(core: PrinterEngine, request: IppRequest) -> IppMessage:
        require_operator(request, operation)
        for name, value in controls.items():
            setattr(core.controls, name, value)
        _changed(core)
        return answer(request)
    return handle


pause_printer = _setting("Pause-Printer", paused=True)
resume_printer = _setting("Resume-Printer", paused=False)
enable_printer = _setting("Enable-Printer", accepting=True)
disable_printer = _setting("Disable-Printer", accepting=False)
hold_new_jobs = _setting("Hold-New-Jobs", hold_new_jobs=True)


async def release_held_new_jobs(core: PrinterEngine, request: IppRequest) -> IppMessage:
    """Stop holding new jobs and release those that were held on arrival."""
    require_operator(request, "Release-Held-New-Jobs")
    core.controls.hold_new_jobs = False
    for job in core.jobs.select("pending-held"):
        if job.held_new:
            await core.actions.release(job)
            job.held_new = False
    _changed(core)
    return answer(request)


async def restart_printer(core: PrinterEngine, request: IppRequest) -> IppMessage:
    """Back to a fresh start: not paused, not shut down, accepting, not holding."""
    require_operator(request, "Restart-Printer")
    controls = core.controls
    controls.paused = controls.shutdown = controls.hold_new_jobs = False
    controls.accepting = True
    _changed(core, {"printer-restarted"})
    return answer(request)


async def shutdown_printer(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Shutdown-Printer")
    core.controls.shutdown = True
    _changed(core, {"printer-shutdown"})
    return answer(request)


async def startup_printer(core: PrinterEngine, request: IppRequest) -> IppMessage:
    require_operator(request, "Startup-Printer")
    if not core.controls.shutdown:
        return answer(request, message="the printer is already started")
    core.controls.shutdown = False
    _changed(core, {"printer-restarted"})
    return answer(request)


async def purge_jobs(core: PrinterEngine, request: IppRequest) -> IppMessage:
    """Cancel every job that can be cancelled and forget the finished ones."""
    require_operator(request, "Purge-Jobs")
    kept = 0
    for job in core.jobs.select("not-completed"):
        try:
            await core.actions.cancel(job, user=request.who.user, operator=True)
        except IppError:  # a job being sent to the device ends as the device decides
            kept += 1
    core.jobs.purge_finished()
    return answer(request, message=f"{kept} job(s) under way were kept" if kept else None)
