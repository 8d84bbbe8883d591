"""``DevicesService``: the devices context's use cases, one class assembled from parts.

- ``AgentOps`` (agent_ops.py): enrolment codes, registration, tokens, agent events;
- ``DeviceOps`` (device_ops.py): devices and their pricing groups;
- ``ReleaseGroupOps`` (release_group_ops.py): release groups and their devices;
- ``QueueOps`` (queue_ops.py): queues, what each agent serves, what a job prints at;
- ``DeviceStatusOps`` (device_status_ops.py): devices' last known status, as agents report.

Constructor: ``DevicesService(db, clock, audit, *, price_lists, enrolment_per_minute=10)``;
``price_lists`` is the ledger (the currency of a price list).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from printwarden.core.errors import ValidationError
from printwarden.devices.agent_ops import (
    DEFAULT_CODE_TTL,
    EVENT_RETENTION,
    LAST_SEEN_RESOLUTION,
    AgentOps,
)
from printwarden.devices.device_model import EDITABLE_DEVICE_FIELDS
from printwarden.devices.device_ops import DeviceOps
from printwarden.devices.device_status_ops import DeviceStatusOps
from printwarden.devices.queue_model import (
    EDITABLE_QUEUE_FIELDS,
    TRUSTED_NETWORK_WARNING,
    Queue,
)
from printwarden.devices.queue_ops import QueueOps
from printwarden.devices.release_group_ops import ReleaseGroupOps

__all__ = ["DEFAULT_CODE_TTL", "EVENT_RETENTION", "LAST_SEEN_RESOLUTION",
           "TRUSTED_NETWORK_WARNING", "DevicesService"]

#: ``create_printer`` options that describe the queue; the rest describe the device.
_PRINTER_QUEUE_FIELDS = frozenset(EDITABLE_QUEUE_FIELDS - {"name", "kind", "device_id",
                                                           "release_group_id", "agent_id"})
_PRINTER_DEVICE_FIELDS = frozenset(EDITABLE_DEVICE_FIELDS - {"name", "description",
                                                             "enabled"})


class DevicesService(AgentOps, DeviceOps, ReleaseGroupOps, QueueOps, DeviceStatusOps):
    """Agents, devices, pricing groups, release groups, queues and agent events."""

    def create_printer(self, name: str, *, actor: str, **options: Any) -> Queue:
        """Convenience for the one-device case (tests, scripts): a device and a queue both
        named ``name``, in one transaction; returns the queue.

        ``options`` mix device fields (device_uri, agent_id, colour...) and queue fields
        (owner_check, failure_policy...); ``description`` goes to both. With
        ``hold_for_release=True`` the queue is a release queue with a new release group
        ``name`` holding the device; otherwise a direct queue on the device."""
        hold = bool(options.pop("hold_for_release", False))
        unknown = set(options) - _PRINTER_QUEUE_FIELDS - _PRINTER_DEVICE_FIELDS
        if unknown:
            raise ValidationError(f"unknown printer field(s): {', '.join(sorted(unknown))}")
        device_options = {k: v for k, v in options.items() if k in _PRINTER_DEVICE_FIELDS}
        queue_options = {k: v for k, v in options.items() if k in _PRINTER_QUEUE_FIELDS}
        description = options.get("description", "")

        def write(conn: Connection) -> Queue:
            device = self.create_device_in(conn, name, actor=actor, description=description,
                                           **device_options)
            if hold:
                group = self.create_release_group_in(conn, name, actor=actor,
                                                     device_ids=[device.id])
                target: dict[str, Any] = {"kind": "release", "release_group_id": group.id,
                                          "agent_id": device.agent_id}
            else:
                target = {"kind": "direct", "device_id": device.id}
            return self.create_queue_in(conn, name, actor=actor, **target, **queue_options)

        return self._write_unique(write, f"printer {name!r} clashed with a concurrent "
                                         "change: try again")
