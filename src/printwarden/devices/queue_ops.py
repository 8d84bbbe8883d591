"""Queues: create, change, delete, read; what each agent serves; what a job may print at.

A direct queue is hosted by the agent that serves its device: its ``agent_id`` follows
the device's (naming another agent is refused: move the device instead). A release
queue's agent is the one hosting its endpoint and spool; its release group must have a
device when the queue is made or moved to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import ConflictError, ValidationError
from printwarden.core.ids import new_id
from printwarden.devices import fleet_store, store
from printwarden.devices.device_model import Device, PriceTarget
from printwarden.devices.device_pricing import QueueTargets, price_list_of_in, price_targets_in
from printwarden.devices.model import PricedDevice
from printwarden.devices.queue_model import (
    TRUSTED_NETWORK_WARNING,
    Queue,
    ServedQueue,
    changed_queue,
)
from printwarden.devices.service_base import DevicesBase, jsonable
from printwarden.devices.tables import queues


class QueueOps(DevicesBase):
    def create_queue(self, name: str, *, actor: str, **options: Any) -> Queue:
        """A new queue; ``options`` are ``Queue`` fields (kind, device_id, ...)."""
        return self._write_unique(
            lambda conn: self.create_queue_in(conn, name, actor=actor, **options),
            f"queue {name!r} clashed with a concurrent change: try again")

    def create_queue_in(self, conn: Connection, name: str, *, actor: str,
                        **options: Any) -> Queue:
        """``create_queue`` inside the caller's write transaction."""
        base = Queue(id=new_id(), name=name, created_at=self._clock.now())
        queue = self._placed(conn, changed_queue(base, options),
                             explicit_agent="agent_id" in options)
        if store.name_taken(conn, queues, queue.name):
            raise ConflictError(f"a queue named {queue.name!r} already exists")
        conn.execute(queues.insert().values(**fleet_store.queue_values(queue)))
        self._audit.record_in(conn, actor, "queue.create", queue.id, name=queue.name,
                              kind=queue.kind)
        self._audit_trust(conn, actor, None, queue)
        self._config_changed(conn, {queue.agent_id}, "queue created", queue_id=queue.id,
                             queue=queue.name)
        return queue

    def update_queue(self, queue_id: str, changes: Mapping[str, Any], *,
                     actor: str) -> Queue:
        def write(conn: Connection) -> Queue:
            before = fleet_store.get_queue(conn, queue_id)
            queue = self._placed(conn, changed_queue(before, changes),
                                 explicit_agent="agent_id" in changes)
            if store.name_taken(conn, queues, queue.name, except_id=queue_id):
                raise ConflictError(f"a queue named {queue.name!r} already exists")
            conn.execute(queues.update().where(queues.c.id == queue_id)
                         .values(**fleet_store.queue_values(queue)))
            self._audit.record_in(conn, actor, "queue.update", queue_id,
                                  changes=jsonable(changes))
            self._audit_trust(conn, actor, before, queue)
            self._config_changed(conn, {before.agent_id, queue.agent_id}, "queue updated",
                                 queue_id=queue_id, queue=queue.name)
            return queue

        return self._write_unique(write, "the queue clashed with a concurrent change: "
                                         "try again")

    def delete_queue(self, queue_id: str, *, actor: str) -> Queue | None:
        """Delete a queue with no jobs (returns None); one with jobs is disabled and returned."""

        def write(conn: Connection) -> Queue | None:
            queue = fleet_store.get_queue(conn, queue_id)
            try:
                with conn.begin_nested():
                    conn.execute(queues.delete().where(queues.c.id == queue_id))
                result: Queue | None = None
                action = "queue.delete"
            except IntegrityError:  # jobs refer to it: keep the history, stop serving
                conn.execute(queues.update().where(queues.c.id == queue_id)
                             .values(enabled=False))
                result = fleet_store.get_queue(conn, queue_id)
                action = "queue.disable"
            self._audit.record_in(conn, actor, action, queue_id, name=queue.name)
            self._config_changed(conn, {queue.agent_id}, action.replace(".", " "),
                                 queue_id=queue_id, queue=queue.name)
            return result

        return self._db.write(write)

    def get_queue(self, queue_id: str) -> Queue:
        return self._db.read(lambda conn: fleet_store.get_queue(conn, queue_id))

    def get_queue_in(self, conn: Connection, queue_id: str) -> Queue:
        """``get_queue`` inside the caller's transaction."""
        return fleet_store.get_queue(conn, queue_id)

    def find_queue_by_name(self, name: str) -> Queue | None:
        return self._db.read(lambda conn: fleet_store.find_queue_by_name(conn, name))

    def find_queue_by_name_in(self, conn: Connection, name: str) -> Queue | None:
        """``find_queue_by_name`` inside the caller's transaction."""
        return fleet_store.find_queue_by_name(conn, name)

    def list_queues(self) -> list[Queue]:
        return self._db.read(fleet_store.list_queues)

    def queues_for_agent(self, agent_id: str) -> list[ServedQueue]:
        """The enabled queues ``agent_id`` hosts, with the devices it forwards them to."""
        def read(conn: Connection) -> list[ServedQueue]:
            served = []
            for queue in fleet_store.list_queues(conn, agent_id=agent_id, enabled_only=True):
                found: tuple[Device, ...]
                if queue.device_id is not None:
                    found = (fleet_store.get_device(conn, queue.device_id),)
                else:
                    found = tuple(d for d in fleet_store.group_members(
                        conn, queue.release_group_id or "") if d.agent_id == agent_id
                        and d.enabled)
                served.append(ServedQueue(queue, found))
            return served

        return self._db.read(read)

    def prices_changed(self, reason: str, **subject: str) -> None:
        """Prices changed (a price list created or replaced): every agent hosting an
        enabled tracker queue re-reads its configuration, so it prices offline jobs with
        the new lists (one ``config`` event each)."""
        def write(conn: Connection) -> None:
            rows = conn.execute(sa.select(queues.c.agent_id).distinct().where(
                queues.c.failure_policy == "tracker", queues.c.enabled.is_(True),
                queues.c.agent_id.is_not(None)))
            self._config_changed(conn, [str(row[0]) for row in rows], reason, **subject)

        self._db.write(write)

    def price_targets_in(self, conn: Connection, queue: QueueTargets) -> list[PriceTarget]:
        """The devices a job of ``queue`` may print at, with their price lists."""
        return price_targets_in(conn, queue)

    # --- what release reads ----------------------------------------------------------------

    def release_targets_in(self, conn: Connection, queue_id: str) -> list[Device]:
        """The devices a held job of ``queue_id`` may be released to: a release queue's
        group (disabled ones too: release refuses those with the reason), a direct
        queue's device."""
        queue = fleet_store.get_queue(conn, queue_id)
        if queue.device_id is not None:
            return [fleet_store.get_device(conn, queue.device_id)]
        if queue.release_group_id is not None:
            return fleet_store.group_members(conn, queue.release_group_id)
        return []

    def device_in(self, conn: Connection, device_id: str) -> Device:
        return fleet_store.get_device(conn, device_id)

    def price_list_for_device_in(self, conn: Connection, device: PricedDevice) -> str | None:
        """The device's price list, else its pricing group's; ``None`` = the default list."""
        return price_list_of_in(conn, device)

    # --- helpers ---------------------------------------------------------------------------

    def _placed(self, conn: Connection, queue: Queue, *, explicit_agent: bool) -> Queue:
        """``queue`` with its references checked and a direct queue on its device's agent."""
        if queue.agent_id is not None:
            store.get_agent(conn, queue.agent_id)  # NotFoundError for an unknown agent
        if queue.device_id is not None:
            device = fleet_store.get_device(conn, queue.device_id)
            if explicit_agent and queue.agent_id != device.agent_id:
                raise ValidationError(
                    f"a direct queue is hosted by the agent that serves its device, and "
                    f"device {device.name!r} is served by "
                    f"{'agent ' + device.agent_id if device.agent_id else 'no agent'}: "
                    "change the device's agent (its direct queues move with it)")
            return replace(queue, agent_id=device.agent_id)
        group = fleet_store.get_release_group(conn, queue.release_group_id or "")
        if not group.device_ids:
            raise ValidationError(f"release group {group.name!r} has no devices: add one "
                                  "before a release queue uses it")
        return queue

    def _audit_trust(self, conn: Connection, actor: str, before: Queue | None,
                     after: Queue) -> None:
        """A queue that starts believing requesting-user-name gets its own audit line."""
        trusted = after.owner_check == "trusted-network"
        if trusted and (before is None or before.owner_check != "trusted-network"):
            self._audit.record_in(conn, actor, "queue.trust_network", after.id,
                                  name=after.name, warning=TRUSTED_NETWORK_WARNING)
