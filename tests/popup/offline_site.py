"""A site cut off from central, for the pop-up: central and an enrolled remote, each on its
own SQLite database and served by uvicorn on a loopback port, the remote pulling from
central through a ``TcpProxy`` (the site's link to central, which a test cuts).

Central holds what the site needs before the cut: a priced queue and its agent
(``tests.jobs.world``), a shared project account with an offline limit, two users who may
charge it, an ``ask_account`` and a ``confirm`` rule, and each user's pop-up sign-in made
at central (``popup.sign_in`` over the link). The remote pulls all of it, then the link
is cut: the remote's next pull fails, and its clock (a ``FixedClock``) is moved past
``remote_offline_after_seconds``, so it counts itself offline from then on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from printwarden.container import ServerContainer
from printwarden.core.clock import FixedClock
from printwarden.core.money import Money
from printwarden.core.settings import load_server_settings
from printwarden.db.engine import Database
from printwarden.popup.identity import Identity
from printwarden.popup.sign_in import sign_in
from printwarden.remote.bootstrap import RemoteRole, build_remote, enrolled
from printwarden.server.bootstrap import build_server
from printwarden.web.app import create_app
from tests.agent.support import LiveServer
from tests.jobs.world import World, make_world
from tests.support.databases import SqliteFactory
from tests.support.tcp_proxy import TcpProxy

#: Seconds without a pull after which the remote counts itself offline.
OFFLINE_AFTER = 10.0
#: What the shared account may spend at a remote cut off from central (minor units).
OFFLINE_LIMIT = 100
SHARED_BALANCE = 5000
PASSWORD = "site pass 1234"
ALICE_PASSWORD = "alice-pass-1"  # tests.jobs.world's


@dataclass
class OfflineSite:
    central: ServerContainer
    world: World
    remote: RemoteRole
    remote_live: LiveServer
    #: The site's link to central (cut once the remote has pulled).
    link: TcpProxy
    shared_id: str
    #: The pop-up sign-ins made at central: alice's (the world's user) and bob's.
    alice: Identity
    bob: Identity
    _keys: Iterator[int]

    @property
    def container(self) -> ServerContainer:
        return self.remote.container

    @property
    def servers(self) -> list[str]:
        """The pop-up's server list: central (unreachable) first, the remote second."""
        return [self.link.url(), self.remote_live.url]

    def agent_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """The site's agent calling the remote's agent link over HTTP."""
        answer = httpx.post(f"{self.remote_live.url}/api/v1/agent{path}", json=body,
                            headers={"Authorization": f"Bearer {self.world.token}"},
                            timeout=10)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def print_job(self, username: str, pages: int) -> dict[str, Any]:
        """A mono job of ``pages`` to the remote's queue, authorized by its agent link."""
        return self.agent_post("/authorize", {
            "agent_job_key": f"site-{next(self._keys)}", "queue": self.world.queue.name,
            "username": username, "title": "report.pdf",
            "document_format": "application/pdf", "size_bytes": 4096, "copies": 1,
            "analysis": {"pages": pages, "color_pages": 0, "mono_pages": pages,
                         "sizes": {"iso_a4_210x297mm": pages}, "estimated": False,
                         "reason": ""}})

    def stop(self) -> None:
        self.remote_live.stop()
        self.link.close()


def start_site(factory: SqliteFactory, tmp: Path) -> tuple[OfflineSite, LiveServer,
                                                            list[Database]]:
    """The site, online until the remote has pulled, then cut off; also central's live
    server and the databases (for the caller to stop and dispose)."""
    central_db, remote_db = factory.new(), factory.new()
    central = build_server(load_server_settings(tmp / "central", database_url=central_db.url),
                           db=central_db, migrate=False)
    world = make_world(central)  # alice, 10.00 EUR, 0.05 EUR a mono page, queue "hall"
    accounts, ledger = central.accounts, central.ledger
    bob = accounts.create_user("bob", full_name="Bob", password=PASSWORD, actor="test")
    world.top_up(1000, bob.id)
    shared = ledger.open_account("shared", "Project Apollo", members=(world.user_id, bob.id),
                                 offline_credit="limit", offline_limit=Money(OFFLINE_LIMIT),
                                 actor="test")
    ledger.post_entry(shared.id, Money(SHARED_BALANCE), "top-up", idempotency_key="t:apollo",
                      actor="test", note="project budget")
    central.rules.create("test", {"name": "which account", "actions": [
        {"type": "ask_account", "default": "personal", "timeout_seconds": 600}]})
    central.rules.create("test", {"name": "confirm the cost", "actions": [
        {"type": "confirm", "default": "cancel", "timeout_seconds": 600}]})

    central_live = LiveServer(central)
    central_live.start()
    link = TcpProxy("127.0.0.1", central_live.port)
    alice_me = sign_in([link.url()], "alice", ALICE_PASSWORD)
    bob_me = sign_in([link.url()], "bob", PASSWORD)

    _, code = central.remotes.create("site-a", actor="test")
    data_dir = tmp / "remote"
    data_dir.mkdir()
    enrolment = enrolled(data_dir, central=link.url(), code=code)
    clock = FixedClock(datetime.now(UTC))
    settings = load_server_settings(data_dir, database_url=remote_db.url,
                                    remote_offline_after_seconds=OFFLINE_AFTER)
    remote = build_remote(settings, enrolment, db=remote_db, clock=clock)
    remote.puller.catch_up()
    remote_live = LiveServer(remote.container, create_app(remote.container, role="remote",
                                                          replica=remote.watch))
    remote_live.start()

    link.cut()
    try:
        remote.puller.sync_once()
    except httpx.TransportError:
        pass
    else:
        raise AssertionError("the remote reached central through a cut link")
    clock.advance(timedelta(seconds=OFFLINE_AFTER + 1))
    site = OfflineSite(central, world, remote, remote_live, link, shared.id, alice_me,
                       bob_me, itertools.count(1))
    return site, central_live, [central_db, remote_db]
