"""Composition root of the server role: settings -> database -> services -> container."""

from __future__ import annotations

from printwarden.accounts.service import AccountsService
from printwarden.container import ServerContainer
from printwarden.core.clock import Clock, SystemClock
from printwarden.core.settings import ServerSettings
from printwarden.db.audit import AuditLog
from printwarden.db.engine import Database
from printwarden.db.migrate import upgrade
from printwarden.devices.service import DevicesService
from printwarden.jobs.service import JobsService
from printwarden.ledger.service import LedgerService


def build_server(
    settings: ServerSettings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
) -> ServerContainer:
    """Wire every server service. Tests pass their own ``db`` and ``clock``; nothing is patched."""
    database = db or Database(settings.effective_database_url)
    if migrate:
        upgrade(database)
    the_clock = clock or SystemClock()
    audit = AuditLog(database, the_clock)
    accounts = AccountsService(
        database, the_clock, audit, settings.card_hmac_key.encode(),
        login_per_minute=settings.login_rate_limit_per_minute,
        source_per_minute=settings.login_source_rate_limit_per_minute)
    ledger = LedgerService(database, the_clock, audit, currency=settings.currency,
                           max_posting_minor=settings.max_top_up_minor)
    devices = DevicesService(database, the_clock, audit,
                             enrolment_per_minute=settings.enrolment_rate_limit_per_minute)
    jobs = JobsService(database, the_clock, audit, ledger=ledger, devices=devices,
                       accounts=accounts)
    return ServerContainer(
        settings=settings, db=database, clock=the_clock, audit=audit, accounts=accounts,
        ledger=ledger, devices=devices, jobs=jobs,
    )
