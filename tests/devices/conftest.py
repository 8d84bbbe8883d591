from __future__ import annotations

from datetime import UTC, datetime

import pytest

from printwarden.core.clock import FixedClock
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.devices.service import DevicesService
from printwarden.ledger.service import LedgerService

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ledger(db: Database, clock: FixedClock) -> LedgerService:
    return LedgerService(db, clock, AuditLog(db, clock), currency="EUR")


@pytest.fixture
def devices(db: Database, clock: FixedClock, ledger: LedgerService) -> DevicesService:
    return DevicesService(db, clock, AuditLog(db, clock), price_lists=ledger)
