from __future__ import annotations

from datetime import UTC, datetime

import pytest

from printwarden.core.clock import FixedClock
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def devices(db: Database, clock: FixedClock) -> DevicesService:
    return DevicesService(db, clock, AuditLog(db, clock))
