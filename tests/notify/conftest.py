from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from tests.notify.receivers import SmtpSink, WebhookReceiver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 10.0


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def notify_server(db: Database, tmp_path: Path, clock: FixedClock) -> ServerContainer:
    """The real server container on the test database, its clock moved by hand, three
    attempts per message with a 10-second first back-off."""
    from printwarden.server.bootstrap import build_server

    settings = load_server_settings(tmp_path / "data", database_url=db.url,
                                    notify_max_attempts=MAX_ATTEMPTS,
                                    notify_backoff_seconds=BACKOFF_SECONDS)
    return build_server(settings, db=db, migrate=False, clock=clock)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    yield hook
    hook.close()


def use_smtp(server: ServerContainer, port: int) -> None:
    server.notify.update_settings({"smtp_host": "127.0.0.1", "smtp_port": port,
                                   "smtp_from": "print@example.org", "smtp_tls": "none",
                                   "smtp_timeout_seconds": 5}, actor="test")
