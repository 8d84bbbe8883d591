"""``JobActions``: the port through which operations change jobs and the printer.

The operation handlers decide who may do what; the printer's ``JobActions`` decides how
it is done. ``LocalActions`` does it in the printer model itself (the virtual printer);
the agent plugs in actions that go through its journal (a job being sent to a device
cannot be cancelled, a finished job's document is gone, jobs print in arrival order), so
both printers answer the same operations with the same rules, each with its own reality.

``refusal(what)`` tells what the printer cannot do at all ("restart": reprint a finished
job; "reorder": change the queue order; "suspend": stop a job part-way): None when it can,
else the status-message of the client-error-not-possible answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from printwarden.ipp.printer.document import Document
from printwarden.ipp.printer.job import Job

if TYPE_CHECKING:
    from printwarden.ipp.printer.engine import PrinterEngine

__all__ = ["JobActions", "LocalActions"]


class JobActions(Protocol):
    async def cancel(self, job: Job, *, user: str | None, operator: bool) -> None:
        """Cancel ``job`` (``operator``: an operator's doing, not its owner's)."""
        ...

    async def hold(self, job: Job, *, until: str, reason: str) -> None: ...

    async def release(self, job: Job) -> None: ...

    async def cancel_document(self, job: Job, document: Document) -> None: ...

    def refusal(self, what: str) -> str | None: ...

    def controls_changed(self) -> None:
        """The operator's controls changed (pause, shutdown, accepting...)."""
        ...


class LocalActions:
    """Jobs change in the model; processing follows the engine's own queue."""

    def __init__(self, engine: PrinterEngine) -> None:
        self._engine = engine

    async def cancel(self, job: Job, *, user: str | None, operator: bool) -> None:
        engine = self._engine
        job.cancel(engine.clock.now(),
                   "job-canceled-by-operator" if operator else "job-canceled-by-user")
        engine.job_ended(job)

    async def hold(self, job: Job, *, until: str, reason: str) -> None:
        job.hold(until, reason)

    async def release(self, job: Job) -> None:
        job.release()
        self._engine.schedule(job)

    async def cancel_document(self, job: Job, document: Document) -> None:
        engine = self._engine
        document.cancel(engine.clock.now())
        if job.documents_closed and all(d.state == "canceled" for d in job.docs):
            job.cancel(engine.clock.now(), "job-canceled-by-user")
            engine.job_ended(job)

    def refusal(self, what: str) -> str | None:
        if what == "suspend" and self._engine.processing_delay is None:
            return "jobs of this printer complete as soon as they start"
        return None

    def controls_changed(self) -> None:
        self._engine.schedule(None)
