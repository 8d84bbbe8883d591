"""Rows of ``device_statuses`` to ``DeviceStatusReport`` and back (one upsert per report)."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping

from printwarden.devices.device_status_model import (
    DeviceState,
    DeviceStatusReport,
    SupplyLevel,
)
from printwarden.devices.tables import device_statuses


def _report(row: RowMapping) -> DeviceStatusReport:
    supplies = tuple(SupplyLevel(str(s["description"]), s.get("percent"), str(s["condition"]))
                     for s in row["supplies"] or ())
    return DeviceStatusReport(row["device_id"], cast(DeviceState, row["state"]),
                              tuple(row["reasons"]), row["message"], row["reported_at"],
                              supplies)


def save(conn: Connection, report: DeviceStatusReport, agent_id: str) -> None:
    """Insert or replace the device's row (concurrent reports: the last write wins)."""
    values = {"device_id": report.device_id, "agent_id": agent_id, "state": report.state,
              "reasons": list(report.reasons), "message": report.message,
              "reported_at": report.reported_at,
              "supplies": [{"description": s.description, "percent": s.percent,
                            "condition": s.condition} for s in report.supplies]}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(device_statuses).values(**values)
    conn.execute(insert.on_conflict_do_update(
        index_elements=[device_statuses.c.device_id],
        set_={key: value for key, value in values.items() if key != "device_id"}))


def get(conn: Connection, device_id: str) -> DeviceStatusReport | None:
    row = conn.execute(sa.select(device_statuses).where(
        device_statuses.c.device_id == device_id)).mappings().first()
    return _report(row) if row else None


def all_reports(conn: Connection) -> dict[str, DeviceStatusReport]:
    rows = conn.execute(sa.select(device_statuses)).mappings()
    return {row["device_id"]: _report(row) for row in rows}
