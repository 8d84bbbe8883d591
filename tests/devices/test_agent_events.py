from __future__ import annotations

from datetime import timedelta

from printwarden.core.clock import FixedClock
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService


def new_agent(devices: DevicesService) -> str:
    code, _ = devices.create_enrolment_code(actor="admin")
    return devices.register_agent(code, name="ps-1", hostname="h", version="1")[0].id


def test_events_come_in_order_after_the_last_one_processed(
    db: Database, clock: FixedClock, devices: DevicesService,
) -> None:
    agent_id = new_agent(devices)
    sent = [devices.enqueue_event(agent_id, "release", {"n": n}) for n in range(5)]
    assert [e.id for e in sent] == sorted(e.id for e in sent)
    everything = devices.events_after(agent_id, None)
    assert [e.payload["n"] for e in everything] == [0, 1, 2, 3, 4]
    assert [e.payload["n"] for e in devices.events_after(agent_id, sent[2].id)] == [3, 4]
    assert devices.events_after(agent_id, sent[-1].id) == []
    assert [e.payload["n"] for e in devices.events_after(agent_id, None, limit=2)] == [0, 1]


def test_old_events_are_purged_after_a_week(
    db: Database, clock: FixedClock, devices: DevicesService,
) -> None:
    agent_id = new_agent(devices)
    devices.enqueue_event(agent_id, "config", {"n": "old"})
    clock.advance(timedelta(days=8))
    devices.enqueue_event(agent_id, "config", {"n": "new"})
    assert devices.purge_events() == 1
    assert [e.payload["n"] for e in devices.events_after(agent_id, None)] == ["new"]
