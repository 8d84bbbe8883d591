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

A device the server says is read over SNMP (``QueueDevice.snmp``) is also read with the
``SnmpReader`` (Printer MIB status, ``hrPrinterDetectedErrorState``, supplies) in the same
round, at the same time as its URI; ``device_health.merged_entry`` merges the two (either
says stopped: stopped; reasons united; SNMP silent: ``snmp-unreachable-warning``, never
stopped for that alone). A device is read over SNMP once per round whatever the number
of queues and ids it has. The queues' IPP attributes show the URI's status only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from printwarden.agent.forwarding.interface import DeviceStatus
from printwarden.agent.processing.device_health import SnmpResult, merged_entry, snmp_target
from printwarden.agent.queues import DeviceSnmp, QueueActivity, QueueConfig
from printwarden.core.clock import Clock
from printwarden.release.snmp_model import SnmpFailure
from printwarden.release.snmp_reader import SnmpReader, SnmpTarget

__all__ = ["DeviceMonitor", "ReportStatuses", "StatusOf", "device_status_entries"]

log = logging.getLogger(__name__)
#: ``(device_uri) -> status``: one status request to a device.
StatusOf = Callable[[str], Awaitable[DeviceStatus]]
#: ``(entries) -> None``: send one round's device statuses to the server.
ReportStatuses = Callable[[list[dict[str, Any]]], Awaitable[None]]


def device_status_entries(ids_by_uri: Mapping[str, set[str]],
                          statuses: Mapping[str, DeviceStatus],
                          snmp: Mapping[str, SnmpResult] | None = None,
                          ) -> list[dict[str, Any]]:
    """One report entry per server device id: unreachable is ``stopped`` +
    ``offline-report``; an unknown state of a device that answers reads ``idle``; reasons
    that are no PWG keyword are left out (the server would refuse the entry); ``snmp``
    (by device id) is merged in by ``merged_entry``."""
    found = snmp or {}
    return [merged_entry(device_id, status, found.get(device_id))
            for uri, status in statuses.items()
            for device_id in sorted(ids_by_uri.get(uri, ()))]


class DeviceMonitor:
    def __init__(self, status_of: StatusOf, *, queues: Callable[[], Mapping[str, QueueConfig]],
                 activity: Callable[[str], QueueActivity], clock: Clock,
                 period_seconds: float, timeout_seconds: float = 30.0,
                 report: ReportStatuses | None = None, snmp: SnmpReader | None = None,
                 snmp_timeout_seconds: float = 2.0, snmp_retries: int = 1) -> None:
        self._status_of = status_of
        self._snmp = snmp
        self._snmp_timeout = snmp_timeout_seconds
        self._snmp_retries = snmp_retries
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
        snmp_of: dict[str, tuple[str, DeviceSnmp]] = {}
        for name, config in self._queues().items():
            if config.device_uri:
                by_device.setdefault(config.device_uri, []).append(name)
            for device in config.devices:
                if device.uri and device.id:
                    ids_by_uri.setdefault(device.uri, set()).add(device.id)
                    by_device.setdefault(device.uri, [])
                    if device.snmp is not None and self._snmp is not None:
                        snmp_of[device.id] = (device.uri, device.snmp)
        uris = list(by_device)
        polls = asyncio.gather(*(self._poll(uri, by_device[uri]) for uri in uris))
        found, snmp = await asyncio.gather(polls, self._read_snmp(snmp_of))
        if self._report is not None:
            statuses = {uri: status for uri, status in zip(uris, found, strict=True)
                        if status is not None}
            entries = device_status_entries(ids_by_uri, statuses, snmp)
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

    async def _read_snmp(self, devices: Mapping[str, tuple[str, DeviceSnmp]],
                         ) -> dict[str, SnmpResult]:
        """One SNMP status read per distinct target, by device id."""
        reader = self._snmp
        if reader is None or not devices:
            return {}
        targets = {device_id: snmp_target(uri, settings, timeout_seconds=self._snmp_timeout,
                                          retries=self._snmp_retries)
                   for device_id, (uri, settings) in devices.items()}
        distinct = list({t for t in targets.values() if isinstance(t, SnmpTarget)})

        async def read(target: SnmpTarget) -> SnmpResult:
            try:
                return await reader.read_status(target)
            except Exception as exc:  # a reader never raises; if it does, say so, go on
                log.warning("SNMP status of %s:%s failed: %r", target.host, target.port, exc)
                return SnmpFailure("error", f"{target.host}:{target.port}: {exc}")

        answers = dict(zip(distinct, await asyncio.gather(*(read(t) for t in distinct)),
                           strict=True))
        return {device_id: answers[t] if isinstance(t, SnmpTarget) else t
                for device_id, t in targets.items()}
