"""devices and queues: each printer becomes a device plus a queue with the printer's id

- ``devices``: the physical printers (URI, capabilities, SNMP settings, price list or
  pricing group, serving agent);
- ``release_groups`` and ``release_group_members``: the devices a release queue's jobs
  may be released at;
- ``queues`` replaces ``printers``: a direct queue names its device, a release queue its
  release group.

Every printer becomes a device AND a queue with the printer's id, so jobs, job events,
audit entries and agent events that named the printer name the queue, and the history
maps to the device of the same id. A printer that held its jobs for release becomes a
release queue with a new release group (named like the printer) holding its device.
``jobs.printer_id`` keeps its name and now refers to ``queues``.

Downgrade makes one printer per queue from its device (a release queue: the device of
its group with the queue's id, else the first by name); devices without a queue, extra
group members and SNMP settings are lost.

Revision ID: 0007_devices_queues
Revises: 0006_server_hardening
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from printwarden.core.ids import new_id
from printwarden.db.types import UtcDateTime

revision = "0007_devices_queues"
down_revision = "0006_server_hardening"
branch_labels = None
depends_on = None

ID = sa.String(26)
_PRINTER_COLUMNS = ("id", "name", "agent_id", "group_id", "price_list_id", "location",
                    "description", "hold_for_release", "failure_policy", "device_uri",
                    "color_capable", "duplex_capable", "enabled", "created_at", "owner_check",
                    "document_policy", "job_lifetime_seconds", "lost_job_charge")
_QUEUE_POLICIES = ("failure_policy", "owner_check", "document_policy",
                   "job_lifetime_seconds", "lost_job_charge")


def _printers_table() -> sa.TableClause:
    """``printers`` as revision 0006 left it (for reading and, on downgrade, writing)."""
    types: dict[str, Any] = {"hold_for_release": sa.Boolean(), "color_capable": sa.Boolean(),
                             "duplex_capable": sa.Boolean(), "enabled": sa.Boolean(),
                             "created_at": UtcDateTime(),
                             "job_lifetime_seconds": sa.Integer()}
    return sa.table("printers", *(sa.column(name, types.get(name, sa.String()))
                                  for name in _PRINTER_COLUMNS))


def _create_tables() -> None:
    op.create_table(
        "devices",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("price_list_id", ID, nullable=True),
        sa.Column("device_uri", sa.String(500), nullable=False),
        sa.Column("make_and_model", sa.String(200), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("color_capable", sa.Boolean(), nullable=False),
        sa.Column("duplex_capable", sa.Boolean(), nullable=False),
        sa.Column("media_supported", sa.JSON(), nullable=False),
        sa.Column("snmp_enabled", sa.Boolean(), nullable=False),
        sa.Column("snmp_version", sa.String(5), nullable=False),
        sa.Column("snmp_community", sa.String(64), nullable=False),
        sa.Column("snmp_port", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_devices_agent_id_agents")),
        sa.ForeignKeyConstraint(["group_id"], ["printer_groups.id"],
                                name=op.f("fk_devices_group_id_printer_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("name", name=op.f("uq_devices_name")),
    )
    op.create_index(op.f("ix_devices_agent_id"), "devices", ["agent_id"])
    op.create_index(op.f("ix_devices_group_id"), "devices", ["group_id"])
    op.create_table(
        "release_groups",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_release_groups_name")),
    )
    op.create_table(
        "release_group_members",
        sa.Column("release_group_id", ID, nullable=False),
        sa.Column("device_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["release_group_id"], ["release_groups.id"],
            name=op.f("fk_release_group_members_release_group_id_release_groups")),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_release_group_members_device_id_devices")),
        sa.PrimaryKeyConstraint("release_group_id", "device_id",
                                name=op.f("pk_release_group_members")),
    )
    op.create_index(op.f("ix_release_group_members_device_id"), "release_group_members",
                    ["device_id"])
    op.create_table(
        "queues",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("device_id", ID, nullable=True),
        sa.Column("release_group_id", ID, nullable=True),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("failure_policy", sa.String(20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("owner_check", sa.String(20), nullable=False),
        sa.Column("document_policy", sa.String(20), nullable=False),
        sa.Column("job_lifetime_seconds", sa.Integer(), nullable=False),
        sa.Column("lost_job_charge", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"],
                                name=op.f("fk_queues_device_id_devices")),
        sa.ForeignKeyConstraint(["release_group_id"], ["release_groups.id"],
                                name=op.f("fk_queues_release_group_id_release_groups")),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_queues_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("name", name=op.f("uq_queues_name")),
    )
    for column in ("device_id", "release_group_id", "agent_id"):
        op.create_index(op.f(f"ix_queues_{column}"), "queues", [column])


def _split(printer: Any) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
    """(device, release group or None, queue) rows made of one printer row."""
    device = {
        "id": printer.id, "name": printer.name, "agent_id": printer.agent_id,
        "group_id": printer.group_id, "price_list_id": printer.price_list_id,
        "device_uri": printer.device_uri, "make_and_model": "", "location": printer.location,
        "description": printer.description, "color_capable": printer.color_capable,
        "duplex_capable": printer.duplex_capable, "media_supported": [],
        "snmp_enabled": False, "snmp_version": "2c", "snmp_community": "public",
        "snmp_port": 161, "enabled": True, "created_at": printer.created_at,
    }
    group = None
    queue = {"id": printer.id, "name": printer.name, "agent_id": printer.agent_id,
             "description": printer.description, "enabled": printer.enabled,
             "created_at": printer.created_at, "kind": "direct", "device_id": printer.id,
             "release_group_id": None,
             **{column: getattr(printer, column) for column in _QUEUE_POLICIES}}
    if printer.hold_for_release:
        group = {"id": new_id(), "name": printer.name, "created_at": printer.created_at,
                 "description": f"the devices of release queue {printer.name}"}
        queue.update(kind="release", device_id=None, release_group_id=group["id"])
    return device, group, queue


def _new_tables() -> tuple[sa.TableClause, sa.TableClause, sa.TableClause, sa.TableClause]:
    """devices, release_groups, release_group_members and queues as this revision makes
    them (typed where a value needs converting: booleans, JSON, times)."""
    def typed(name: str) -> sa.ColumnClause[Any]:
        kinds: dict[str, Any] = {"media_supported": sa.JSON(), "created_at": UtcDateTime(),
                                 "snmp_port": sa.Integer(),
                                 "job_lifetime_seconds": sa.Integer()}
        if name in ("color_capable", "duplex_capable", "snmp_enabled", "enabled"):
            return sa.column(name, sa.Boolean())
        return sa.column(name, kinds.get(name, sa.String()))

    devices = sa.table("devices", *(typed(name) for name in (
        "id", "name", "agent_id", "group_id", "price_list_id", "device_uri", "make_and_model",
        "location", "description", "color_capable", "duplex_capable", "media_supported",
        "snmp_enabled", "snmp_version", "snmp_community", "snmp_port", "enabled",
        "created_at")))
    groups = sa.table("release_groups", *(typed(name) for name in (
        "id", "name", "description", "created_at")))
    members = sa.table("release_group_members", typed("release_group_id"), typed("device_id"))
    queues = sa.table("queues", *(typed(name) for name in (
        "id", "name", "kind", "device_id", "release_group_id", "agent_id", "description",
        "enabled", "created_at", *_QUEUE_POLICIES)))
    return devices, groups, members, queues


def _copy_printers() -> None:
    conn = op.get_bind()
    devices, groups, members, queues = _new_tables()
    printers = _printers_table()
    for printer in conn.execute(sa.select(printers).order_by(printers.c.id)).all():
        device, group, queue = _split(printer)
        conn.execute(devices.insert().values(**device))
        if group is not None:
            conn.execute(groups.insert().values(**group))
            conn.execute(members.insert().values(release_group_id=group["id"],
                                                 device_id=device["id"]))
        conn.execute(queues.insert().values(**queue))


def _point_jobs_at(table: str, old: str) -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(f"fk_jobs_printer_id_{old}", type_="foreignkey")
        batch.create_foreign_key(f"fk_jobs_printer_id_{table}", table, ["printer_id"],
                                 ["id"])


def upgrade() -> None:
    _create_tables()
    _copy_printers()
    _point_jobs_at("queues", "printers")
    op.drop_index(op.f("ix_printers_group_id"), table_name="printers")
    op.drop_index(op.f("ix_printers_agent_id"), table_name="printers")
    op.drop_table("printers")


def _recreate_printers() -> None:
    op.create_table(
        "printers",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("price_list_id", ID, nullable=True),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("hold_for_release", sa.Boolean(), nullable=False),
        sa.Column("failure_policy", sa.String(20), nullable=False),
        sa.Column("device_uri", sa.String(500), nullable=False),
        sa.Column("color_capable", sa.Boolean(), nullable=False),
        sa.Column("duplex_capable", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("owner_check", sa.String(20), nullable=False),
        sa.Column("document_policy", sa.String(20), nullable=False),
        sa.Column("job_lifetime_seconds", sa.Integer(), nullable=False),
        sa.Column("lost_job_charge", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_printers_agent_id_agents")),
        sa.ForeignKeyConstraint(["group_id"], ["printer_groups.id"],
                                name=op.f("fk_printers_group_id_printer_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printers")),
        sa.UniqueConstraint("name", name=op.f("uq_printers_name")),
    )
    op.create_index(op.f("ix_printers_agent_id"), "printers", ["agent_id"])
    op.create_index(op.f("ix_printers_group_id"), "printers", ["group_id"])


def _merge_back() -> None:
    conn = op.get_bind()
    devices_t, _, members_t, queues_t = _new_tables()
    devices = {row.id: row for row in conn.execute(sa.select(devices_t))}
    members: dict[str, list[str]] = {}
    for row in conn.execute(sa.select(members_t.c.release_group_id, members_t.c.device_id)
                            .join(devices_t, devices_t.c.id == members_t.c.device_id)
                            .order_by(devices_t.c.name)):
        members.setdefault(row.release_group_id, []).append(row.device_id)
    printers = _printers_table()
    for queue in conn.execute(sa.select(queues_t).order_by(queues_t.c.name)):
        if queue.kind == "direct":
            device = devices.get(queue.device_id)
        else:
            group = members.get(queue.release_group_id, [])
            device = devices.get(queue.id if queue.id in group else (group or [""])[0])
        conn.execute(printers.insert().values(
            id=queue.id, name=queue.name, agent_id=queue.agent_id,
            group_id=device.group_id if device else None,
            price_list_id=device.price_list_id if device else None,
            location=device.location if device else "", description=queue.description,
            hold_for_release=queue.kind == "release",
            device_uri=device.device_uri if device else "",
            color_capable=bool(device.color_capable) if device else True,
            duplex_capable=bool(device.duplex_capable) if device else True,
            enabled=bool(queue.enabled), created_at=queue.created_at,
            **{column: getattr(queue, column) for column in _QUEUE_POLICIES}))


def downgrade() -> None:
    _recreate_printers()
    _merge_back()
    _point_jobs_at("printers", "queues")
    for column in ("agent_id", "release_group_id", "device_id"):
        op.drop_index(op.f(f"ix_queues_{column}"), table_name="queues")
    op.drop_table("queues")
    op.drop_index(op.f("ix_release_group_members_device_id"),
                  table_name="release_group_members")
    op.drop_table("release_group_members")
    op.drop_table("release_groups")
    op.drop_index(op.f("ix_devices_group_id"), table_name="devices")
    op.drop_index(op.f("ix_devices_agent_id"), table_name="devices")
    op.drop_table("devices")
