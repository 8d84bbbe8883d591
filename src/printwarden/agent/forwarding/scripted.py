"""``ScriptedForwarder``: a forwarder twin that answers what a test scripts, in order.

    forwarder = ScriptedForwarder(busy, busy, ok)       # two transient faults, then printed
    result = await send_with_retry(forwarder, job, policy)
    forwarder.sent                                       # the jobs it was handed

Once the script is used up it prints everything it is sent (pages x copies, when known).
It touches no device: use it where a test is about the agent's logic, and the real
backends (ippeveprinter, the virtual printer, cupsd) where it is about printing.
"""

from __future__ import annotations

from printwarden.agent.forwarding.interface import (
    DeviceStatus,
    ForwardJob,
    ForwardResult,
    StatusCallback,
    notify,
    printed_pages,
)

__all__ = ["ScriptedForwarder"]


class ScriptedForwarder:
    uri = "scripted:"

    def __init__(self, *results: ForwardResult, reason: str | None = None,
                 status: DeviceStatus | None = None) -> None:
        self.results = list(results)
        self.reason = reason
        self.device_status = status or DeviceStatus(True, "idle")
        self.sent: list[ForwardJob] = []

    @property
    def calls(self) -> int:
        return len(self.sent)

    async def send(self, job: ForwardJob, *,
                   on_status: StatusCallback | None = None) -> ForwardResult:
        self.sent.append(job)
        if self.reason:
            notify(on_status, self.reason)
        if self.results:
            return self.results.pop(0)
        return ForwardResult(True, printed_pages(job), job.copies, "printed (scripted)")

    async def status(self) -> DeviceStatus:
        return self.device_status
