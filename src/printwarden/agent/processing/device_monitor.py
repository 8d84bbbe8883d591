"""The device monitor: what each queue's printer says about itself, also while idle.

Every ``device_poll_seconds`` each queue's device is asked for its status
(``Forwarder.status()``: IPP Get-Printer-Attributes, ``lpstat``, a connection to 9100,
the device file): its state, reasons, supplies and alerts go into the queue's
``QueueActivity.device_status``, which the queue's IPP attributes and status page relay.
A device that does not answer marks the queue ``offline-report`` / "printer not answering
since HH:MM" even with no job waiting, and clears it when it answers again: an operator
sees a dead printer before a user's job finds it. Polls of one device never overlap; a
device is asked at most once per period whatever the number of queues on it.

After each round the statuses of the devices the server knows (``QueueDevice.id``: every
device of every queue, also the devices of a release group that no queue prints to
directly) are handed to ``report`` (``device_status_entries`` shapes them for
``POST /api/v1/agent/device-status``): the server refuses a release to a stopped device.
A device that does not answer is reported ``stopped`` with ``offline-report``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from printwarden.agent.forwarding.interface import DeviceStatus
from printwarden.agent.queues import QueueActivity, QueueConfig
from printwarden.core.clock import Clock

__all__ = ["DeviceMonitor", "ReportStatuses", "StatusOf", "device_status_entries"]

log = logging.getLogger(__name__)
#: ``(device_uri) -> status``: one status request to a device.
StatusOf = Callable[[str], Awaitable[DeviceStatus]]
#: ``(entries) -> None``: send one round's device statuses to the server.
ReportStatuses = Callable[[list[dict[str, Any]]], Awaitable[None]]
_KEYWORD = re.compile(r"[a-z][a-z0-9-]{0,62}")
_STATES = {"idle": "idle", "processing": "processing", "stopped": "stopped"}


def device_status_entries(ids_by_uri: Mapping[str, set[str]],
                          statuses: Mapping[str, DeviceStatus]) -> list[dict[str, Any]]:
    """One report entry per server device id: unreachable is ``stopped`` +
    ``offline-report``; an unknown state of a device that answers reads ``idle``; reasons
    that are no PWG keyword are left out (the server would refuse the entry)."""
    entries = []
    for uri, status in statuses.items():
        reasons = {r for r in status.reasons if r.isascii() and _KEYWORD.fullmatch(r)}
        state = _STATES.get(status.state, "idle")
        if not status.reachable:
            state = "stopped"
            reasons.add("offline-report")
        for device_id in sorted(ids_by_uri.get(uri, ())):
            entries.append({"device_id": device_id, "state": state,
                            "reasons": sorted(reasons - {"none"})[:32],
                            "message": status.message[:1000]})
    return entries


class DeviceMonitor:
    def __init__(self, status_of: StatusOf, *, queues: Callable[[], Mapping[str, QueueConfig]],
                 activity: Callable[[str], QueueActivity], clock: Clock,
                 period_seconds: float, timeout_seconds: float = 30.0,
                 report: ReportStatuses | None = None) -> None:
        self._status_of = status_of
        self._report = report
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
        ids_by_uri: dict[str, set[str]] = {}
        for name, config in self._queues().items():
            if config.device_uri:
                by_device.setdefault(config.device_uri, []).append(name)
            for device in config.devices:
                if device.uri and device.id:
                    ids_by_uri.setdefault(device.uri, set()).add(device.id)
                    by_device.setdefault(device.uri, [])
        uris = list(by_device)
        found = await asyncio.gather(*(self._poll(uri, by_device[uri]) for uri in uris))
        if self._report is not None:
            statuses = {uri: status for uri, status in zip(uris, found, strict=True)
                        if status is not None}
            entries = device_status_entries(ids_by_uri, statuses)
            if entries:
                try:
                    await self._report(entries)
                except Exception as exc:  # the server away: the next round tells it
                    log.info("device status not reported: %s", exc)

    async def _poll(self, device_uri: str, queues: list[str]) -> DeviceStatus | None:
        try:
            status = await asyncio.wait_for(self._status_of(device_uri), self._timeout)
        except TimeoutError:
            status = DeviceStatus(False, "unknown", ("offline-report",),
                                  f"no answer within {self._timeout:.0f} s")
        except Exception as exc:  # a backend's bug must not stop the monitor
            log.warning("status of %s failed: %s", device_uri, exc)
            return None
        for name in queues:
            activity = self._activity(name)
            activity.device_status = status
            if activity.busy:
                continue  # the delivery under way knows better than a poll
            if status.reachable:
                activity.device_up(name)
            else:
                activity.device_down(name, self._clock.now(), status.message or "no answer")
        return status
