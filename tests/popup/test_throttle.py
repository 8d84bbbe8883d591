"""Bad tokens from one address are throttled: the pop-up channel then says "try again
later" (1013), never "refused" (1008), so a pop-up with a good token keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from printwarden.core.settings import load_server_settings
from printwarden.server.bootstrap import build_server
from tests.agent.support import LiveServer
from tests.support.databases import SqliteFactory


@pytest.fixture
def strict(sqlite_factory: SqliteFactory, tmp_path: Path) -> Iterator[LiveServer]:
    db = sqlite_factory.new()
    server = build_server(load_server_settings(tmp_path / "data", database_url=db.url,
                                               login_rate_limit_per_minute=1), db=db,
                          migrate=False)
    live = LiveServer(server)
    live.start()
    yield live
    live.stop()
    db.dispose()


def _close_code(live: LiveServer, token: str) -> int | None:
    url = live.url.replace("http://", "ws://") + "/api/v1/popup/ws"
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                 open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    return closed.value.rcvd.code if closed.value.rcvd else None


def test_a_throttled_address_is_told_to_try_again_later(strict: LiveServer) -> None:
    user = strict.container.accounts.create_user("carol", actor="test")
    good, _ = strict.container.accounts.create_api_token(user.id, "popup", actor="test")
    codes = [_close_code(strict, "pwu_guess-" + str(n)) for n in range(4)]
    assert codes[0] == 1008 and codes[-1] == 1013, codes
    assert _close_code(strict, good) == 1013  # the good token is not called revoked
