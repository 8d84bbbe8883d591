"""The device monitor: what each queue's printer says about itself, also while idle.

Every ``device_poll_seconds`` each queue's device is asked for its status
(``Forwarder.status()``: IPP Get-Printer-Attributes, ``lpstat``, a connection to 9100,
the device file): its state, reasons, supplies and alerts go into the queue's
``QueueActivity.device_status``, which the queue's IPP attributes and status page relay.
A device that does not answer marks the queue ``offline-report`` / "printer not answering
since HH:MM" even with no job waiting, and clears it when it answers again: an operator
sees a dead printer before a user's job finds it. Polls of one device never overlap; a
device is asked at most once per period whatever the number of queues on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from printwarden.agent.forwarding.interface import DeviceStatus
from printwarden.agent.queues import QueueActivity, QueueConfig
from printwarden.core.clock import Clock

__all__ = ["DeviceMonitor", "StatusOf"]

log = logging.getLogger(__name__)
#: ``(device_uri) -> status``: one status request to a device.
StatusOf = Callable[[str], Awaitable[DeviceStatus]]


class DeviceMonitor:
    def __init__(self, status_of: StatusOf, *, queues: Callable[[], Mapping[str, QueueConfig]],
                 activity: Callable[[str], QueueActivity], clock: Clock,
                 period_seconds: float, timeout_seconds: float = 30.0) -> None:
        self._status_of = status_of
        self._queues = queues
        self._activity = activity
        self._clock = clock
        self._period = period_seconds
        self._timeout = timeout_seconds

    async def run(self) -> None:
        """Forever: poll every device, then wait a period."""
        while True:
            await self.poll_once()
            await asyncio.sleep(self._period)

    async def poll_once(self) -> None:
        by_device: dict[str, list[str]] = {}
        for name, config in self._queues().items():
            if config.device_uri:
                by_device.setdefault(config.device_uri, []).append(name)
        await asyncio.gather(*(self._poll(uri, names) for uri, names in by_device.items()))

    async def _poll(self, device_uri: str, queues: list[str]) -> None:
        try:
            status = await asyncio.wait_for(self._status_of(device_uri), self._timeout)
        except TimeoutError:
            status = DeviceStatus(False, "unknown", ("offline-report",),
                                  f"no answer within {self._timeout:.0f} s")
        except Exception as exc:  # a backend's bug must not stop the monitor
            log.warning("status of %s failed: %s", device_uri, exc)
            return
        for name in queues:
            activity = self._activity(name)
            activity.device_status = status
            if activity.busy:
                continue  # the delivery under way knows better than a poll
            if status.reachable:
                activity.device_up(name)
            else:
                activity.device_down(name, self._clock.now(), status.message or "no answer")
