"""Migration 0013 on a device written at 0012: the device gains ``snmp_profile``
``generic``, the kiosk copy sessions table appears; a downgrade removes both and an
upgrade brings them back, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from printwarden.core.ids import new_id
from printwarden.db.engine import Database
from printwarden.db.migrate import alembic_config, check, current_revision, upgrade
from printwarden.db.types import UtcDateTime
from tests.support.databases import database_at

BEFORE = "0012_release_on_sign_in"
AFTER = "0013_kiosk_copy_sessions"
DEVICES_0012 = sa.table(
    "devices", *(sa.column(name) for name in (
        "id", "name", "agent_id", "group_id", "price_list_id", "device_uri",
        "make_and_model", "location", "description", "color_capable", "duplex_capable",
        "snmp_enabled", "snmp_version", "snmp_community", "snmp_port", "enabled")),
    sa.column("media_supported", sa.JSON()), sa.column("created_at", UtcDateTime()))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from database_at(request, tmp_path, BEFORE)


def _tables(db: Database) -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_0013_adds_the_profile_and_the_sessions_table_and_goes_back(old_db: Database) -> None:
    device_id = new_id()
    old_db.write(lambda conn: conn.execute(DEVICES_0012.insert().values(
        id=device_id, name="mfp", agent_id=None, group_id=None, price_list_id=None,
        device_uri="ipp://mfp/ipp/print", make_and_model="", location="", description="",
        color_capable=True, duplex_capable=True, media_supported=[], snmp_enabled=True,
        snmp_version="2c", snmp_community="public", snmp_port=161, enabled=True,
        created_at=datetime(2026, 1, 1, tzinfo=UTC))))
    upgrade(old_db)
    assert current_revision(old_db) != BEFORE and "kiosk_copy_sessions" in _tables(old_db)
    check(old_db)
    profile = old_db.read(lambda conn: conn.execute(sa.text(
        "SELECT snmp_profile FROM devices WHERE id = :id"), {"id": device_id}).scalar_one())
    assert profile == "generic"
    old_db.engine.dispose()
    command.downgrade(alembic_config(old_db), BEFORE)
    assert "kiosk_copy_sessions" not in _tables(old_db)
    columns = {c["name"] for c in sa.inspect(old_db.engine).get_columns("devices")}
    assert "snmp_profile" not in columns and current_revision(old_db) == BEFORE
    upgrade(old_db, AFTER)
    assert "kiosk_copy_sessions" in _tables(old_db)
