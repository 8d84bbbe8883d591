"""The reference terminal's failover against a real server over sockets: two loopback
proxies in front of the one server stand in for a preferred and a fallback server (one
database). Cutting the preferred path moves the terminal to the other at once; restoring
it brings the terminal back; a release whose answer is lost after the server did it is
retried on the other path with the same Idempotency-Key and answered, not done twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from printwarden.jobs.model import JobState
from printwarden.terminal.client import TerminalClient, TerminalError
from printwarden.terminal.commands import Terminal
from printwarden.terminal.run import connect
from tests.agent.conftest import live  # noqa: F401  (the real server fixture)
from tests.agent.e2e.support import poll
from tests.agent.support import LiveServer
from tests.release.terminal_world import CARD, PIN, TerminalWorld, make_terminal_world
from tests.support.tcp_proxy import TcpProxy

RECHECK_SECONDS = 0.2
SESSIONS = "/api/v1/terminal/sessions"


@pytest.fixture
def paths(live: LiveServer) -> Iterator[tuple[TcpProxy, TcpProxy]]:  # noqa: F811
    with TcpProxy("127.0.0.1", live.port) as a, TcpProxy("127.0.0.1", live.port) as b:
        yield a, b


@pytest.fixture
def world(live: LiveServer) -> TerminalWorld:  # noqa: F811
    return make_terminal_world(live.container)


@pytest.fixture
def client(world: TerminalWorld, paths: tuple[TcpProxy, TcpProxy],
           tmp_path: Path) -> Iterator[TerminalClient]:
    a, b = paths
    code, _ = world.server.terminals.create_code(world.vault.id, actor="test")
    made = connect([a.url(), b.url()], tmp_path / "terminal", code,
                   recheck_seconds=RECHECK_SECONDS)
    yield made
    made.close()


def _signed_in(client: TerminalClient) -> Terminal:
    terminal = Terminal(client)
    assert terminal.run(f"card {CARD}")["ok"]
    assert terminal.run(f"pin {PIN}")["ok"]
    return terminal


def test_a_cut_preferred_server_moves_the_terminal_and_it_comes_back(
        client: TerminalClient, paths: tuple[TcpProxy, TcpProxy], world: TerminalWorld) -> None:
    a, b = paths
    terminal = _signed_in(client)
    assert client.server == a.url() and b.connections == 0
    a.cut()
    job_id = world.hold("held-while-cut")
    listed = terminal.run("list")
    assert listed["ok"], listed  # no manual step: the same command, answered by B
    assert [j["job_id"] for j in listed["jobs"]] == [job_id]
    assert client.server == b.url() and b.connections >= 1
    released = terminal.run(f"release {job_id}")
    assert released["ok"] and released["outcomes"][0]["ok"], released
    assert world.server.jobs.get_job(job_id).state is not JobState.HELD

    a.restore()
    before = a.connections

    def back_on_a() -> bool:
        assert terminal.run("balance")["ok"]
        return client.server == a.url()

    poll(back_on_a, "the terminal back on its preferred server", step=RECHECK_SECONDS)
    assert a.connections > before
    assert terminal.run("logout")["ok"]


def test_every_server_down_is_unreachable_not_a_crash(
        client: TerminalClient, paths: tuple[TcpProxy, TcpProxy]) -> None:
    terminal = _signed_in(client)
    for proxy in paths:
        proxy.cut()
    answer = terminal.run("list")
    assert answer["ok"] is False and answer["error"] == "unreachable"
    assert all(p.url() in answer["message"] for p in paths)
    paths[1].restore()
    assert terminal.run("list")["ok"]  # the session lives in the database, not a server


def test_a_release_whose_answer_is_lost_is_answered_on_the_next_server_not_redone(
        client: TerminalClient, paths: tuple[TcpProxy, TcpProxy], world: TerminalWorld) -> None:
    a, b = paths
    terminal = _signed_in(client)
    job_id = world.hold("answer-lost")
    a.drop_mid_response(after_bytes=0)  # A releases the job; its answer never arrives
    released = terminal.run(f"release {job_id}")
    assert a.pending_faults() == 0 and b.connections >= 1
    # without the key, B would have answered "not held" for the job A released
    assert released["ok"] and released["outcomes"] == [
        {"job_id": job_id, "ok": True, "message": released["outcomes"][0]["message"],
         "cost": released["outcomes"][0]["cost"]}], released
    job = world.server.jobs.get_job(job_id)
    assert job.state is not JobState.HELD
    again = terminal.run(f"release {job_id}")  # a new request (new key) is done again
    assert again["ok"] and again["outcomes"][0]["ok"] is False


def test_idempotency_keys_are_checked(live: LiveServer, world: TerminalWorld) -> None:  # noqa: F811
    headers = world.enrol(world.vault.id)
    world.server.devices.create_printer("other", actor="test", agent_id=world.world.agent.id,
                                        device_uri="ipp://other.lan/ipp/print")
    device = world.server.devices.find_device_by_name("other")
    assert device is not None
    other = world.enrol(device.id)
    body = {"method": "card_pin", "card": CARD, "pin": PIN}
    with httpx.Client(base_url=live.url, timeout=10) as http:
        first = http.post(SESSIONS, json=body, headers={**headers, "Idempotency-Key": "k1"})
        again = http.post(SESSIONS, json=body, headers={**headers, "Idempotency-Key": "k1"})
        assert first.status_code == again.status_code == 201
        assert again.json()["session_id"] == first.json()["session_id"]  # not a second one
        reused = http.post(SESSIONS, json={**body, "card": "999"},
                           headers={**headers, "Idempotency-Key": "k1"})
        assert reused.status_code == 409 and reused.json()["error"] == "idempotency_key_reused"
        # another terminal's key is its own: the same string opens its own session
        theirs = http.post(SESSIONS, json=body, headers={**other, "Idempotency-Key": "k1"})
        assert theirs.status_code == 201
        assert theirs.json()["session_id"] != first.json()["session_id"]
        for bad in ("", "x" * 101, "caf\u00e9", "two words"):
            raw = [(k.encode(), v.encode()) for k, v in headers.items()]
            refused = http.post(SESSIONS, json=body,
                                headers=[*raw, (b"Idempotency-Key", bad.encode())])
            assert refused.status_code == 422, (bad, refused.text)


def test_a_terminal_needs_a_server_url(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        TerminalClient([])
    with pytest.raises(ValueError, match="not an http"):
        TerminalClient("ftp://x")
    with pytest.raises(TerminalError):  # nothing listens: a clear error, no traceback
        TerminalClient("http://127.0.0.1:9").hello()
