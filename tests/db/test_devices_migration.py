"""Migration 0007 on data written at revision 0006: every printer becomes a device and a
queue with its id, history keeps pointing at them, a held printer becomes a release
queue with a release group of its one device; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from printwarden.db.engine import Database
from printwarden.db.migrate import current_revision, head_revision, upgrade
from printwarden.devices import fleet_store
from tests.support.databases import database_at

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
AGENT, GROUP = "01AGENT0000000000000000000", "01GROUP0000000000000000000"
DIRECT, HELD, BARE = ("01PRINTERDIRECT00000000000", "01PRINTERHELD0000000000000",
                      "01PRINTERBARE0000000000000")
BEFORE = "0006_server_hardening"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at revision 0006 holding printers, jobs, job events, audit entries and
    agent events, written with that revision's tables."""
    for database in database_at(request, tmp_path, BEFORE):
        _write_0006_data(database)
        yield database


def _table(name: str, *columns: str) -> sa.TableClause:
    typed = {"payload": sa.JSON(), "detail": sa.JSON()}
    return sa.table(name, *(sa.column(c, typed.get(c)) for c in columns))


def _printer(printer_id: str, name: str, **values: Any) -> dict[str, Any]:
    return {"id": printer_id, "name": name, "agent_id": AGENT, "group_id": None,
            "price_list_id": None, "location": "", "description": "",
            "hold_for_release": False, "failure_policy": "refuse", "device_uri": "",
            "color_capable": True, "duplex_capable": True, "enabled": True,
            "created_at": AT.replace(tzinfo=None), "owner_check": "authenticate",
            "document_policy": "rewrite", "job_lifetime_seconds": 86400,
            "lost_job_charge": "as-sent", **values}


def _job(job_id: str, printer_id: str) -> dict[str, Any]:
    return {"id": job_id, "agent_id": AGENT, "agent_job_key": job_id[-4:],
            "printer_id": printer_id, "username": "ann", "title": "t.pdf",
            "document_format": "application/pdf", "size_bytes": 10, "copies": 1,
            "duplex": False, "media": "iso_a4_210x297mm", "currency": "EUR",
            "state": "completed", "state_reason": "", "message": "",
            "created_at": AT.replace(tzinfo=None), "updated_at": AT.replace(tzinfo=None)}


def _write_0006_data(database: Database) -> None:
    printers = [
        _printer(DIRECT, "hall", group_id=GROUP, location="Main hall",
                 device_uri="ipp://mfp.lan/ipp/print", duplex_capable=False,
                 description="The hall MFP", job_lifetime_seconds=600, failure_policy="hold"),
        _printer(HELD, "secure", price_list_id="PL-OWN", hold_for_release=True,
                 owner_check="release", enabled=False, device_uri="socket://10.0.0.9",
                 color_capable=False, lost_job_charge="flag"),
        _printer(BARE, "bare", agent_id=None),
    ]
    jobs = [_job("01JOB000000000000000000001", DIRECT), _job("01JOB000000000000000000002", HELD)]
    with database.engine.begin() as conn:
        conn.execute(_table("agents", "id", "name", "hostname", "version", "token_hash",
                            "enrolled_at", "status").insert().values(
            id=AGENT, name="ps-1", hostname="h", version="1", token_hash="x" * 64,
            enrolled_at=AT.replace(tzinfo=None), status="active"))
        conn.execute(_table("printer_groups", "id", "name", "price_list_id",
                            "description").insert().values(
            id=GROUP, name="floor-1", price_list_id="PL-G", description=""))
        conn.execute(_table("printers", *printers[0]).insert(), printers)
        conn.execute(_table("jobs", *jobs[0]).insert(), jobs)
        conn.execute(_table("job_events", "id", "job_id", "at", "to_state", "reason").insert()
                     .values(id="01EVENT0000000000000000001", job_id=jobs[0]["id"],
                             at=AT.replace(tzinfo=None), to_state="completed", reason="done"))
        conn.execute(_table("audit_log", "id", "at", "actor", "action", "target",
                            "detail").insert().values(
            id="01AUDIT0000000000000000001", at=AT.replace(tzinfo=None), actor="root",
            action="printer.create", target=DIRECT, detail={"name": "hall"}))
        conn.execute(_table("agent_events", "id", "agent_id", "kind", "payload",
                            "created_at").insert().values(
            id="01AGENTEVENT00000000000001", agent_id=AGENT, kind="config",
            payload={"printer_id": DIRECT}, created_at=AT.replace(tzinfo=None)))


def test_each_printer_becomes_a_device_and_a_queue_with_its_id(old_db: Database) -> None:
    upgrade(old_db)
    assert current_revision(old_db) == head_revision(old_db)
    with old_db.engine.connect() as conn:
        hall = fleet_store.get_device(conn, DIRECT)
        assert (hall.name, hall.agent_id, hall.group_id, hall.device_uri, hall.location,
                hall.color_capable, hall.duplex_capable, hall.enabled) == (
            "hall", AGENT, GROUP, "ipp://mfp.lan/ipp/print", "Main hall", True, False, True)
        queue = fleet_store.get_queue(conn, DIRECT)
        assert (queue.name, queue.kind, queue.device_id, queue.release_group_id,
                queue.agent_id, queue.failure_policy, queue.job_lifetime_seconds,
                queue.description) == ("hall", "direct", DIRECT, None, AGENT, "hold", 600,
                                       "The hall MFP")
        secure = fleet_store.get_queue(conn, HELD)
        assert (secure.kind, secure.device_id, secure.hold_for_release, secure.owner_check,
                secure.enabled, secure.lost_job_charge) == (
            "release", None, True, "release", False, "flag")
        group = fleet_store.get_release_group(conn, secure.release_group_id or "")
        assert (group.name, group.device_ids) == ("secure", (HELD,))
        device = fleet_store.get_device(conn, HELD)
        assert (device.price_list_id, device.color_capable, device.device_uri) == (
            "PL-OWN", False, "socket://10.0.0.9")
        assert fleet_store.get_queue(conn, BARE).agent_id is None
        assert len(fleet_store.list_devices(conn)) == len(fleet_store.list_queues(conn)) == 3
        assert "printers" not in sa.inspect(conn).get_table_names()


def test_history_keeps_pointing_at_the_queue_and_the_keys_are_enforced(
        old_db: Database) -> None:
    upgrade(old_db)
    jobs = sa.table("jobs", sa.column("id"), sa.column("printer_id"))
    queues = sa.table("queues", sa.column("id"))
    with old_db.engine.connect() as conn:
        joined = conn.execute(sa.text(
            "SELECT j.id, q.name FROM jobs j JOIN queues q ON q.id = j.printer_id "
            "ORDER BY j.id")).all()
        assert [tuple(row) for row in joined] == [("01JOB000000000000000000001", "hall"),
                                                  ("01JOB000000000000000000002", "secure")]
        assert conn.execute(sa.text("SELECT count(*) FROM job_events")).scalar() == 1
        target = conn.execute(sa.text("SELECT target FROM audit_log")).scalar()
        assert fleet_store.get_queue(conn, str(target)).name == "hall"
        assert fleet_store.get_device(conn, str(target)).name == "hall"
        assert conn.execute(sa.text("SELECT count(*) FROM agent_events")).scalar() == 1
    # foreign keys hold again after the migration (SQLite turns them off while it runs)
    with pytest.raises(IntegrityError):
        old_db.write(lambda conn: conn.execute(queues.delete().where(queues.c.id == DIRECT)))
    with pytest.raises(IntegrityError):
        old_db.write(lambda conn: conn.execute(jobs.update().values(printer_id="NOPE")))


def test_a_downgrade_gives_the_printers_back_and_upgrading_again_splits_them(
        old_db: Database) -> None:
    upgrade(old_db)
    from alembic import command

    from printwarden.db.migrate import alembic_config

    command.downgrade(alembic_config(old_db), BEFORE)
    with old_db.engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(sa.text("SELECT * FROM printers"))}
        assert set(rows) == {DIRECT, HELD, BARE}
        assert bool(rows[HELD].hold_for_release) and not bool(rows[DIRECT].hold_for_release)
        assert (rows[DIRECT].device_uri, rows[DIRECT].group_id, rows[HELD].price_list_id,
                bool(rows[HELD].enabled)) == ("ipp://mfp.lan/ipp/print", GROUP, "PL-OWN",
                                              False)
        assert conn.execute(sa.text("SELECT count(*) FROM jobs")).scalar() == 2
    upgrade(old_db)
    with old_db.engine.connect() as conn:
        assert fleet_store.get_queue(conn, HELD).kind == "release"
        assert fleet_store.get_queue(conn, DIRECT).device_id == DIRECT
