"""Devices and their pricing groups (``PrinterGroup``): create, change, delete, read.

A device's agent also hosts the direct queues that print to it: changing the agent moves
them along (their agents are told to re-read their configuration). A device a queue
still prints to, or the last device of a release group a release queue uses, cannot be
deleted (ConflictError); one that history refers to is disabled instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import ConflictError
from printwarden.core.ids import new_id
from printwarden.devices import fleet_store, store
from printwarden.devices.device_model import Device, changed_device
from printwarden.devices.device_pricing import (
    check_release_currencies,
    price_list_of_in,
    release_groups_priced_by,
)
from printwarden.devices.model import PrinterGroup, changed_group, check_group
from printwarden.devices.service_base import DevicesBase, jsonable
from printwarden.devices.tables import devices, printer_groups, queues, release_group_members


class DeviceOps(DevicesBase):
    # --- pricing groups --------------------------------------------------------------------

    def create_group(self, name: str, *, actor: str, price_list_id: str | None = None,
                     description: str = "") -> PrinterGroup:
        group = check_group(PrinterGroup(id=new_id(), name=name, price_list_id=price_list_id,
                                         description=description))

        def write(conn: Connection) -> PrinterGroup:
            if store.name_taken(conn, printer_groups, name):
                raise ConflictError(f"a printer group named {name!r} already exists")
            if price_list_id is not None:
                self._price_lists.price_list_currency_in(conn, price_list_id)  # it exists
            conn.execute(printer_groups.insert().values(
                id=group.id, name=group.name, price_list_id=group.price_list_id,
                description=group.description))
            self._audit.record_in(conn, actor, "printer_group.create", group.id, name=name)
            return group

        return self._db.write(write)

    def update_group(self, group_id: str, changes: Mapping[str, Any], *,
                     actor: str) -> PrinterGroup:
        def write(conn: Connection) -> PrinterGroup:
            group = changed_group(store.get_group(conn, group_id), changes)
            if store.name_taken(conn, printer_groups, group.name, except_id=group_id):
                raise ConflictError(f"a printer group named {group.name!r} already exists")
            if group.price_list_id is not None:
                self._price_lists.price_list_currency_in(conn, group.price_list_id)
            conn.execute(printer_groups.update().where(printer_groups.c.id == group_id).values(
                name=group.name, price_list_id=group.price_list_id,
                description=group.description))
            members = [d.id for d in fleet_store.list_devices(conn, group_id=group_id)]
            check_release_currencies(conn, self._price_lists,
                                     release_groups_priced_by(conn, members))
            self._audit.record_in(conn, actor, "printer_group.update", group_id,
                                  changes=jsonable(changes))
            return group

        return self._db.write(write)

    def get_group(self, group_id: str) -> PrinterGroup:
        return self._db.read(lambda conn: store.get_group(conn, group_id))

    def list_groups(self) -> list[PrinterGroup]:
        return self._db.read(store.list_groups)

    # --- devices ---------------------------------------------------------------------------

    def create_device(self, name: str, *, actor: str, **options: Any) -> Device:
        """A new device; ``options`` are ``Device`` fields (agent_id, device_uri, ...)."""
        return self._write_unique(
            lambda conn: self.create_device_in(conn, name, actor=actor, **options),
            f"device {name!r} clashed with a concurrent change: try again")

    def create_device_in(self, conn: Connection, name: str, *, actor: str,
                         **options: Any) -> Device:
        """``create_device`` inside the caller's write transaction."""
        device = changed_device(Device(id=new_id(), name=name, created_at=self._clock.now()),
                                options)
        self._check_references(conn, device)
        if store.name_taken(conn, devices, device.name):
            raise ConflictError(f"a device named {device.name!r} already exists")
        conn.execute(devices.insert().values(**fleet_store.device_values(device)))
        self._audit.record_in(conn, actor, "device.create", device.id, name=device.name,
                              device_uri=device.device_uri)
        return device

    def update_device(self, device_id: str, changes: Mapping[str, Any], *,
                      actor: str) -> Device:
        def write(conn: Connection) -> Device:
            before = fleet_store.get_device(conn, device_id)
            device = changed_device(before, changes)
            self._check_references(conn, device)
            if store.name_taken(conn, devices, device.name, except_id=device_id):
                raise ConflictError(f"a device named {device.name!r} already exists")
            conn.execute(devices.update().where(devices.c.id == device_id)
                         .values(**fleet_store.device_values(device)))
            if device.agent_id != before.agent_id:  # its direct queues move with it
                conn.execute(queues.update().where(queues.c.device_id == device_id)
                             .values(agent_id=device.agent_id))
            groups = fleet_store.release_groups_of(conn, device_id)
            check_release_currencies(conn, self._price_lists, groups)
            self._audit.record_in(conn, actor, "device.update", device_id,
                                  changes=jsonable(_masked(changes)))
            self._config_changed(
                conn, {before.agent_id, device.agent_id,
                       *fleet_store.hosts_of(conn, device_ids=[device_id],
                                             release_group_ids=groups)},
                "device updated", device_id=device_id, device=device.name)
            return device

        return self._write_unique(write, "the device clashed with a concurrent change: "
                                         "try again")

    def delete_device(self, device_id: str, *, actor: str) -> Device | None:
        """Delete a device no queue needs (None); one that history refers to is disabled
        and returned. ConflictError while a queue prints to it, or it is the last device of
        a release group a release queue uses."""

        def write(conn: Connection) -> Device | None:
            device = fleet_store.get_device(conn, device_id)
            self._check_unused(conn, device)
            groups = fleet_store.release_groups_of(conn, device_id)
            hosts = fleet_store.hosts_of(conn, release_group_ids=groups)
            try:
                with conn.begin_nested():
                    conn.execute(release_group_members.delete().where(
                        release_group_members.c.device_id == device_id))
                    conn.execute(devices.delete().where(devices.c.id == device_id))
                result: Device | None = None
                action = "device.delete"
            except IntegrityError:  # history refers to it: keep it, stop printing to it
                conn.execute(devices.update().where(devices.c.id == device_id)
                             .values(enabled=False))
                result = fleet_store.get_device(conn, device_id)
                action = "device.disable"
            self._audit.record_in(conn, actor, action, device_id, name=device.name)
            self._config_changed(conn, {device.agent_id, *hosts}, action.replace(".", " "),
                                 device_id=device_id, device=device.name)
            return result

        return self._db.write(write)

    def get_device(self, device_id: str) -> Device:
        return self._db.read(lambda conn: fleet_store.get_device(conn, device_id))

    def find_device_by_name(self, name: str) -> Device | None:
        return self._db.read(lambda conn: fleet_store.find_device_by_name(conn, name))

    def list_devices(self) -> list[Device]:
        return self._db.read(fleet_store.list_devices)

    def price_list_for_device(self, device: Device) -> str | None:
        """The device's price list, else its pricing group's; ``None`` = the default list."""
        return self._db.read(lambda conn: price_list_of_in(conn, device))

    # --- helpers ---------------------------------------------------------------------------

    def _check_references(self, conn: Connection, device: Device) -> None:
        """NotFoundError for an unknown agent, pricing group or price list."""
        if device.agent_id is not None:
            store.get_agent(conn, device.agent_id)
        if device.group_id is not None:
            store.get_group(conn, device.group_id)
        if device.price_list_id is not None:
            self._price_lists.price_list_currency_in(conn, device.price_list_id)

    def _check_unused(self, conn: Connection, device: Device) -> None:
        direct = fleet_store.queues_using(conn, device_id=device.id)
        if direct:
            raise ConflictError(
                f"device {device.name!r} is the device of queue(s) "
                f"{', '.join(q.name for q in direct)}: give them another device or delete "
                "them first")
        for group_id in fleet_store.release_groups_of(conn, device.id):
            group = fleet_store.get_release_group(conn, group_id)
            users = fleet_store.queues_using(conn, release_group_id=group_id)
            if group.device_ids == (device.id,) and users:
                raise ConflictError(
                    f"device {device.name!r} is the last device of release group "
                    f"{group.name!r}, which queue(s) {', '.join(q.name for q in users)} "
                    "release at: add another device to the group first")


def _masked(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Changes as audited: the SNMP community (a password) is never written to the log."""
    return {key: "***" if key == "snmp_community" else value for key, value in changes.items()}
