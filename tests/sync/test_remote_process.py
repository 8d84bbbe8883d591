"""``printwarden remote`` against ``printwarden server``, both real processes: the remote
enrols, loads its snapshot, and what an admin changes at central (a user, a card, a
price) shows in the remote's own REST API within a polling deadline."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from printwarden.core.money import Money
from printwarden.ledger.model import PriceRule
from tests.agent.e2e.support import poll
from tests.support.postgres import free_port
from tests.support.processes import Service
from tests.support.server_process import ServerProcess

FAST = {"PRINTWARDEN_SYNC_POLL_INTERVAL_SECONDS": "0.2", "PRINTWARDEN_LOG_LEVEL": "warning"}


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("central") / "data").start()
    yield process
    process.close()


class Remote:
    def __init__(self, data_dir: Path, central: ServerProcess) -> None:
        self.data_dir = data_dir
        self.central = central
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.service: Service | None = None

    def start(self, *extra: str) -> Remote:
        self.service = Service(["remote", "--data-dir", str(self.data_dir), "--port",
                                str(self.port), *extra],
                               self.data_dir.parent / "remote.log", env=FAST)
        self.service.wait_http(self.url + "/readyz")
        return self

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()


def test_a_remote_process_follows_central(central: ServerProcess, tmp_path: Path) -> None:
    container = central.container
    admin = container.accounts.create_user("root", roles=("admin",), actor="t")
    token, _ = container.accounts.create_api_token(admin.id, "t", actor="t")
    prices = container.ledger.create_price_list("office", rules=[
        PriceRule(media="*", color="mono", per_page_minor=5)], actor="t")
    _, code = container.remotes.create("site-a", actor="t")
    remote = Remote(tmp_path / "remote", central).start("--central", central.url,
                                                          "--enrol", code)
    headers = {"Authorization": f"Bearer {token}"}  # central's token works at its remote

    def at_remote(path: str) -> Any:
        answer = httpx.get(remote.url + path, headers=headers, timeout=10)
        return answer.json() if answer.status_code == 200 else None

    try:
        assert poll(lambda: at_remote(f"/api/v1/price-lists/{prices.id}"), "the snapshot",
                    timeout=30)
        carol = container.accounts.create_user("carol", full_name="Carol", actor="t")
        container.accounts.add_card(carol.id, "0451889900", actor="t")
        container.ledger.update_price_list(prices.id, per_job_fee=Money(25), actor="t")
        poll(lambda: at_remote(f"/api/v1/users/{carol.id}"), "the user at the remote", 30)
        cards = poll(lambda: (at_remote(f"/api/v1/users/{carol.id}/cards") or {}).get("items"),
                     "the card at the remote", 30)
        assert [card["last4"] for card in cards] == ["9900"]
        fee = poll(lambda: (at_remote(f"/api/v1/price-lists/{prices.id}") or {}).get(
            "per_job_fee", {}).get("minor") == 25, "the new price at the remote", 30)
        assert fee
        metrics = httpx.get(remote.url + "/metrics", timeout=10).text
        assert "printwarden_sync_lag_versions" in metrics
        assert 'printwarden_info{role="remote"' in metrics
        enrolment = remote.data_dir / "remote.json"
        assert stat.S_IMODE(enrolment.stat().st_mode) == 0o600
        listed = httpx.get(central.url + "/api/v1/sync/remotes", headers=headers).json()
        assert [(r["name"], r["last_contact_at"] is not None) for r in listed["items"]] == [
            ("site-a", True)]
    finally:
        remote.stop()
