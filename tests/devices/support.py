"""Helpers of the devices tests: enrolled agents, the config events they were sent."""

from __future__ import annotations

from printwarden.db.engine import Database
from printwarden.devices import event_store
from printwarden.devices.service import DevicesService


def agent(devices: DevicesService, name: str) -> str:
    code, _ = devices.create_enrolment_code(actor="admin")
    return devices.register_agent(code, name=name, hostname="h", version="1")[0].id


def config_events(db: Database, agent_id: str) -> list[str]:
    events = db.read(lambda conn: event_store.events_after(conn, agent_id, None))
    return [e.payload["reason"] for e in events if e.kind == "config"]
