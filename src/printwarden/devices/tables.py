"""Devices tables: agents, enrolment codes, pricing groups (``printer_groups``), devices
(and their last known status), release groups and their members, queues, agent events."""

from __future__ import annotations

import sqlalchemy as sa

from printwarden.db.metadata import ID_LENGTH, metadata
from printwarden.db.types import UtcDateTime, id_column

agents = sa.Table(
    "agents",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("hostname", sa.String(255), nullable=False),
    sa.Column("version", sa.String(50), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("enrolled_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
)

enrolment_codes = sa.Table(
    "enrolment_codes",
    metadata,
    id_column(primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Column("used_by_agent_id", sa.String(ID_LENGTH), sa.ForeignKey("agents.id"),
              nullable=True),
    #: A code made for one existing agent: only it re-enrols (rotates the token of) that
    #: agent. A code without an agent enrols new names only.
    sa.Column("for_agent_id", sa.String(ID_LENGTH), sa.ForeignKey("agents.id"),
              nullable=True),
)

printer_groups = sa.Table(
    "printer_groups",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("price_list_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("description", sa.String(500), nullable=False),
)

#: Physical printers and MFPs. The ids of devices migrated from ``printers`` (0007) are
#: those printers' ids: a queue and its device share the id the printer had.
devices = sa.Table(
    "devices",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("agent_id", sa.String(ID_LENGTH), sa.ForeignKey("agents.id"), nullable=True,
              index=True),
    sa.Column("group_id", sa.String(ID_LENGTH), sa.ForeignKey("printer_groups.id"),
              nullable=True, index=True),
    sa.Column("price_list_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("device_uri", sa.String(500), nullable=False),
    sa.Column("make_and_model", sa.String(200), nullable=False),
    sa.Column("location", sa.String(200), nullable=False),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("color_capable", sa.Boolean(), nullable=False),
    sa.Column("duplex_capable", sa.Boolean(), nullable=False),
    #: PWG media names, a JSON list (empty: the device states none).
    sa.Column("media_supported", sa.JSON(), nullable=False),
    sa.Column("snmp_enabled", sa.Boolean(), nullable=False),
    sa.Column("snmp_version", sa.String(5), nullable=False),
    sa.Column("snmp_community", sa.String(64), nullable=False),
    sa.Column("snmp_port", sa.Integer(), nullable=False),
    #: Which counters copy sessions read (``release/snmp_profiles.py``).
    sa.Column("snmp_profile", sa.String(40), nullable=False),
    sa.Column("release_on_sign_in", sa.Boolean(), nullable=False,
              server_default=sa.false()),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: Each device's last known status, as its agent reported it (``device_status_model``).
device_statuses = sa.Table(
    "device_statuses",
    metadata,
    sa.Column("device_id", sa.String(ID_LENGTH),
              sa.ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("agent_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    #: PWG printer-state-reasons keywords, a JSON list.
    sa.Column("reasons", sa.JSON(), nullable=False),
    sa.Column("message", sa.String(500), nullable=False),
    sa.Column("reported_at", UtcDateTime(), nullable=False),
    #: Supply levels, a JSON list of {"description", "percent", "condition"}.
    sa.Column("supplies", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
)

release_groups = sa.Table(
    "release_groups",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

release_group_members = sa.Table(
    "release_group_members",
    metadata,
    sa.Column("release_group_id", sa.String(ID_LENGTH), sa.ForeignKey("release_groups.id"),
              primary_key=True),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"),
              primary_key=True, index=True),
)

#: What users print to. ``kind`` 'direct' has a ``device_id``, 'release' a
#: ``release_group_id`` (the service keeps exactly one of the two set).
queues = sa.Table(
    "queues",
    metadata,
    id_column(primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("device_id", sa.String(ID_LENGTH), sa.ForeignKey("devices.id"), nullable=True,
              index=True),
    sa.Column("release_group_id", sa.String(ID_LENGTH), sa.ForeignKey("release_groups.id"),
              nullable=True, index=True),
    sa.Column("agent_id", sa.String(ID_LENGTH), sa.ForeignKey("agents.id"), nullable=True,
              index=True),
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("failure_policy", sa.String(20), nullable=False),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("owner_check", sa.String(20), nullable=False),
    sa.Column("document_policy", sa.String(20), nullable=False),
    sa.Column("job_lifetime_seconds", sa.Integer(), nullable=False),
    sa.Column("lost_job_charge", sa.String(20), nullable=False),
    sa.Column("held_job_lifetime_seconds", sa.Integer(), nullable=False),
    #: Tracker queues: "charge" or "log" the jobs printed while no server answered.
    sa.Column("offline_charging", sa.String(10), nullable=False, server_default="charge"),
)

#: Events for agents (release, cancel, config). Ids increase per agent in commit order.
agent_events = sa.Table(
    "agent_events",
    metadata,
    id_column(primary_key=True),
    sa.Column("agent_id", sa.String(ID_LENGTH), sa.ForeignKey("agents.id"), nullable=False,
              index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
)
