"""Release groups: the devices a release queue's jobs may be released at.

A device may belong to several groups. Every device of a group prices in one currency
(``device_pricing``). A group a release queue uses keeps at least one device, and cannot
be deleted while a queue uses it (ConflictError). Membership changes tell the agents
hosting the group's release queues to re-read their configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from printwarden.core.errors import ConflictError, NotFoundError
from printwarden.core.ids import new_id
from printwarden.devices import fleet_store, store
from printwarden.devices.device_model import Device
from printwarden.devices.device_pricing import check_release_currencies
from printwarden.devices.queue_model import (
    ReleaseGroup,
    changed_release_group,
    check_release_group,
)
from printwarden.devices.service_base import DevicesBase, jsonable
from printwarden.devices.tables import release_group_members, release_groups


class ReleaseGroupOps(DevicesBase):
    def create_release_group(self, name: str, *, actor: str, description: str = "",
                             device_ids: Iterable[str] = ()) -> ReleaseGroup:
        return self._write_unique(lambda conn: self.create_release_group_in(
            conn, name, actor=actor, description=description, device_ids=device_ids),
            f"release group {name!r} clashed with a concurrent change: try again")

    def create_release_group_in(self, conn: Connection, name: str, *, actor: str,
                                description: str = "",
                                device_ids: Iterable[str] = ()) -> ReleaseGroup:
        """``create_release_group`` inside the caller's write transaction."""
        group = check_release_group(ReleaseGroup(id=new_id(), name=name,
                                                 created_at=self._clock.now(),
                                                 description=description))
        if store.name_taken(conn, release_groups, group.name):
            raise ConflictError(f"a release group named {group.name!r} already exists")
        conn.execute(release_groups.insert().values(
            id=group.id, name=group.name, description=group.description,
            created_at=group.created_at))
        for device_id in dict.fromkeys(device_ids):
            self._insert_member(conn, group.id, device_id)
        check_release_currencies(conn, self._price_lists, [group.id])
        self._audit.record_in(conn, actor, "release_group.create", group.id, name=group.name)
        return fleet_store.get_release_group(conn, group.id)

    def update_release_group(self, group_id: str, changes: Mapping[str, Any], *,
                             actor: str) -> ReleaseGroup:
        def write(conn: Connection) -> ReleaseGroup:
            group = changed_release_group(fleet_store.get_release_group(conn, group_id),
                                          changes)
            if store.name_taken(conn, release_groups, group.name, except_id=group_id):
                raise ConflictError(f"a release group named {group.name!r} already exists")
            conn.execute(release_groups.update().where(release_groups.c.id == group_id)
                         .values(name=group.name, description=group.description))
            self._audit.record_in(conn, actor, "release_group.update", group_id,
                                  changes=jsonable(changes))
            return group

        return self._write_unique(write, "the release group clashed with a concurrent "
                                         "change: try again")

    def delete_release_group(self, group_id: str, *, actor: str) -> None:
        def write(conn: Connection) -> None:
            group = fleet_store.get_release_group(conn, group_id)
            users = fleet_store.queues_using(conn, release_group_id=group_id)
            if users:
                raise ConflictError(
                    f"release group {group.name!r} is used by queue(s) "
                    f"{', '.join(q.name for q in users)}: give them another group or delete "
                    "them first")
            conn.execute(release_group_members.delete().where(
                release_group_members.c.release_group_id == group_id))
            conn.execute(release_groups.delete().where(release_groups.c.id == group_id))
            self._audit.record_in(conn, actor, "release_group.delete", group_id,
                                  name=group.name)

        self._db.write(write)

    def add_release_group_member(self, group_id: str, device_id: str, *,
                                 actor: str) -> ReleaseGroup:
        """Add ``device_id`` to the group (already a member: nothing changes)."""
        def write(conn: Connection) -> ReleaseGroup:
            group = fleet_store.get_release_group(conn, group_id)
            if device_id in group.device_ids:
                return group
            self._insert_member(conn, group_id, device_id)
            check_release_currencies(conn, self._price_lists, [group_id])
            self._audit.record_in(conn, actor, "release_group.member.add", group_id,
                                  device_id=device_id)
            self._members_changed(conn, group_id, "release group device added", device_id)
            return fleet_store.get_release_group(conn, group_id)

        try:
            return self._db.write(write)
        except IntegrityError as exc:  # a concurrent add of the same device won
            group = self.get_release_group(group_id)
            if device_id in group.device_ids:
                return group
            raise ConflictError("the release group changed concurrently: try again") from exc

    def remove_release_group_member(self, group_id: str, device_id: str, *,
                                    actor: str) -> ReleaseGroup:
        def write(conn: Connection) -> ReleaseGroup:
            group = fleet_store.get_release_group(conn, group_id)
            if device_id not in group.device_ids:
                raise NotFoundError(f"device {device_id} is not in release group "
                                    f"{group.name!r}")
            users = fleet_store.queues_using(conn, release_group_id=group_id)
            if len(group.device_ids) == 1 and users:
                raise ConflictError(
                    f"this is the last device of release group {group.name!r}, which "
                    f"queue(s) {', '.join(q.name for q in users)} release at: add another "
                    "device first")
            conn.execute(release_group_members.delete().where(sa.and_(
                release_group_members.c.release_group_id == group_id,
                release_group_members.c.device_id == device_id)))
            self._audit.record_in(conn, actor, "release_group.member.remove", group_id,
                                  device_id=device_id)
            self._members_changed(conn, group_id, "release group device removed", device_id)
            return fleet_store.get_release_group(conn, group_id)

        return self._db.write(write)

    def get_release_group(self, group_id: str) -> ReleaseGroup:
        return self._db.read(lambda conn: fleet_store.get_release_group(conn, group_id))

    def find_release_group_by_name(self, name: str) -> ReleaseGroup | None:
        return self._db.read(lambda conn: fleet_store.find_release_group_by_name(conn, name))

    def list_release_groups(self) -> list[ReleaseGroup]:
        return self._db.read(fleet_store.list_release_groups)

    def release_group_devices(self, group_id: str) -> list[Device]:
        """The devices of a release group, by name."""
        def read(conn: Connection) -> list[Device]:
            fleet_store.get_release_group(conn, group_id)  # NotFoundError for an unknown id
            return fleet_store.group_members(conn, group_id)

        return self._db.read(read)

    def _insert_member(self, conn: Connection, group_id: str, device_id: str) -> None:
        fleet_store.get_device(conn, device_id)  # NotFoundError for an unknown device
        conn.execute(release_group_members.insert().values(release_group_id=group_id,
                                                           device_id=device_id))

    def _members_changed(self, conn: Connection, group_id: str, reason: str,
                         device_id: str) -> None:
        self._config_changed(conn, fleet_store.hosts_of(conn, release_group_ids=[group_id]),
                             reason, release_group_id=group_id, device_id=device_id)
