"""Device status: agents report what their devices say (state, printer-state-reasons,
message, supply levels); the server keeps the last report per device, shows it and refuses a release
to a stopped device.

A report is taken only from the agent that serves the device (``devices.agent_id``): an
agent cannot mark another agent's device stopped (or working). Reports of devices it does
not serve, or that do not exist, are refused one by one with the same answer, so an agent
learns nothing about devices that are not its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from printwarden.core.errors import NotFoundError, ValidationError
from printwarden.devices import device_status_store, fleet_store
from printwarden.devices.device_status_model import (
    DeviceStatusReport,
    SupplyLevel,
    check_report,
    release_refusal,
)
from printwarden.devices.service_base import DevicesBase

#: Most device reports in one request.
MAX_REPORTS = 500
NOT_YOURS = "no such device served by this agent"


@dataclass(frozen=True)
class StatusInput:
    device_id: str
    state: str
    reasons: tuple[str, ...] = ()
    message: str = ""
    supplies: tuple[SupplyLevel, ...] = ()
    """Unchecked rows (``check_report`` validates them)."""


@dataclass(frozen=True)
class StatusRefusal:
    device_id: str
    reason: str


class DeviceStatusOps(DevicesBase):
    def report_device_statuses(self, agent_id: str,
                               reports: Sequence[StatusInput]) -> list[StatusRefusal]:
        """Store the reports of ``agent_id``'s devices (one transaction); answers those
        refused (not its device, or not a valid status)."""
        if len(reports) > MAX_REPORTS:
            raise ValidationError(f"at most {MAX_REPORTS} device reports per request")
        now = self._clock.now()

        def write(conn: Connection) -> list[StatusRefusal]:
            refused = []
            for given in reports:
                try:
                    device = fleet_store.get_device(conn, given.device_id[:26])
                except NotFoundError:
                    device = None
                if device is None or device.agent_id != agent_id:
                    refused.append(StatusRefusal(given.device_id[:26], NOT_YOURS))
                    continue
                try:
                    report = check_report(device.id, given.state, given.reasons,
                                          given.message, now, given.supplies)
                except ValidationError as exc:
                    refused.append(StatusRefusal(device.id, exc.message))
                    continue
                device_status_store.save(conn, report, agent_id)
            return refused

        return self._db.write(write)

    def device_statuses(self) -> dict[str, DeviceStatusReport]:
        """The last known status of every device that has one, by device id."""
        return self._db.read(device_status_store.all_reports)

    def release_refusal_in(self, conn: Connection, device_id: str,
                           device_name: str) -> str | None:
        """Why a release to the device must wait (it is stopped), or None."""
        return release_refusal(device_status_store.get(conn, device_id), device_name)
