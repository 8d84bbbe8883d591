"""Rows <-> devices, release groups (with their members) and queues."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from printwarden.core.errors import NotFoundError
from printwarden.devices.device_model import Device
from printwarden.devices.queue_model import Queue, ReleaseGroup
from printwarden.devices.tables import devices, queues, release_group_members, release_groups

_QUEUE_COLUMNS = tuple(column.name for column in queues.columns)
_DEVICE_COLUMNS = tuple(column.name for column in devices.columns)


def queue_from_row(row: RowMapping) -> Queue:
    return Queue(**{key: row[key] for key in _QUEUE_COLUMNS})


def queue_values(queue: Queue) -> dict[str, Any]:
    return asdict(queue)


def device_from_row(row: RowMapping) -> Device:
    values = {key: row[key] for key in _DEVICE_COLUMNS}
    values["media_supported"] = tuple(values["media_supported"] or ())
    return Device(**values)


def device_values(device: Device) -> dict[str, Any]:
    values = asdict(device)
    values["media_supported"] = list(device.media_supported)
    return values


#: Prebuilt statements (compiled once): the agent link reads these on every request.
_QUEUE_BY_ID = sa.select(queues).where(queues.c.id == sa.bindparam("b_id"))
_QUEUE_BY_NAME = sa.select(queues).where(queues.c.name == sa.bindparam("b_name"))
_DEVICE_BY_ID = sa.select(devices).where(devices.c.id == sa.bindparam("b_id"))
_MEMBERS = (sa.select(devices).join(release_group_members,
                                    release_group_members.c.device_id == devices.c.id)
            .where(release_group_members.c.release_group_id == sa.bindparam("b_id"))
            .order_by(devices.c.name))


def get_queue(conn: Connection, queue_id: str) -> Queue:
    row = conn.execute(_QUEUE_BY_ID, {"b_id": queue_id}).mappings().first()
    if row is None:
        raise NotFoundError(f"no queue with id {queue_id}")
    return queue_from_row(row)


def find_queue_by_name(conn: Connection, name: str) -> Queue | None:
    row = conn.execute(_QUEUE_BY_NAME, {"b_name": name}).mappings().first()
    return queue_from_row(row) if row else None


def list_queues(conn: Connection, *, agent_id: str | None = None,
                enabled_only: bool = False) -> list[Queue]:
    query = sa.select(queues).order_by(queues.c.name)
    if agent_id is not None:
        query = query.where(queues.c.agent_id == agent_id)
    if enabled_only:
        query = query.where(queues.c.enabled.is_(True))
    return [queue_from_row(row) for row in conn.execute(query).mappings()]


def queues_using(conn: Connection, *, device_id: str | None = None,
                 release_group_id: str | None = None) -> list[Queue]:
    """The direct queues printing to ``device_id``, or the release queues of a group."""
    query = sa.select(queues).order_by(queues.c.name)
    if device_id is not None:
        query = query.where(queues.c.device_id == device_id)
    if release_group_id is not None:
        query = query.where(queues.c.release_group_id == release_group_id)
    return [queue_from_row(row) for row in conn.execute(query).mappings()]


def get_device(conn: Connection, device_id: str) -> Device:
    row = conn.execute(_DEVICE_BY_ID, {"b_id": device_id}).mappings().first()
    if row is None:
        raise NotFoundError(f"no device with id {device_id}")
    return device_from_row(row)


def find_device_by_name(conn: Connection, name: str) -> Device | None:
    row = conn.execute(sa.select(devices).where(devices.c.name == name)).mappings().first()
    return device_from_row(row) if row else None


def list_devices(conn: Connection, *, agent_id: str | None = None,
                 group_id: str | None = None) -> list[Device]:
    """Devices by name; of one serving agent, or of one pricing group."""
    query = sa.select(devices).order_by(devices.c.name)
    if agent_id is not None:
        query = query.where(devices.c.agent_id == agent_id)
    if group_id is not None:
        query = query.where(devices.c.group_id == group_id)
    return [device_from_row(row) for row in conn.execute(query).mappings()]


def hosts_of(conn: Connection, *, device_ids: Iterable[str] = (),
             release_group_ids: Iterable[str] = ()) -> set[str]:
    """Agents hosting a direct queue on one of ``device_ids`` or a release queue of one of
    ``release_group_ids``: those whose configuration shows these devices."""
    device_list, group_list = list(device_ids), list(release_group_ids)
    if not device_list and not group_list:
        return set()
    query = sa.select(queues.c.agent_id).where(queues.c.agent_id.is_not(None), sa.or_(
        queues.c.device_id.in_(device_list), queues.c.release_group_id.in_(group_list)))
    return set(conn.execute(query).scalars())


def group_members(conn: Connection, release_group_id: str) -> list[Device]:
    """The devices of a release group, by name."""
    rows = conn.execute(_MEMBERS, {"b_id": release_group_id}).mappings()
    return [device_from_row(row) for row in rows]


def release_groups_of(conn: Connection, device_id: str) -> list[str]:
    """Ids of the release groups ``device_id`` belongs to."""
    query = sa.select(release_group_members.c.release_group_id).where(
        release_group_members.c.device_id == device_id)
    return sorted(conn.execute(query).scalars())


def _release_group(conn: Connection, row: RowMapping) -> ReleaseGroup:
    ids = tuple(device.id for device in group_members(conn, row["id"]))
    return ReleaseGroup(id=row["id"], name=row["name"], created_at=row["created_at"],
                        description=row["description"], device_ids=ids)


def get_release_group(conn: Connection, release_group_id: str) -> ReleaseGroup:
    row = conn.execute(sa.select(release_groups).where(
        release_groups.c.id == release_group_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no release group with id {release_group_id}")
    return _release_group(conn, row)


def list_release_groups(conn: Connection) -> list[ReleaseGroup]:
    rows = conn.execute(sa.select(release_groups).order_by(release_groups.c.name)).mappings()
    return [_release_group(conn, row) for row in rows]


def find_release_group_by_name(conn: Connection, name: str) -> ReleaseGroup | None:
    row = conn.execute(sa.select(release_groups).where(
        release_groups.c.name == name)).mappings().first()
    return _release_group(conn, row) if row else None
