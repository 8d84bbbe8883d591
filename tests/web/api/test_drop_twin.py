"""``POST /api/v1/agent/drop-twin``: an agent that prints a job through another server
drops this server's twin of it (same agent job key), on SQLite and PostgreSQL; only its
own, only before it prints, once; hostile bodies are 4xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.jobs import store
from printwarden.ledger.tables import ledger_reservations
from tests.jobs.world import World, make_agent, make_world

OTHER = "01HZX0000000000000000000T1"  # the job the agent follows at the other server


@pytest.fixture
def world(server: ServerContainer) -> World:
    return make_world(server)


def _drop(client: TestClient, token: str, key: str, followed: str = OTHER
          ) -> dict[str, object]:
    answer = client.post("/api/v1/agent/drop-twin", headers={
        "Authorization": f"Bearer {token}"}, json={"agent_job_key": key,
                                                   "followed_job_id": followed})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _reservation(world: World, job_id: str) -> str:
    return str(world.server.db.read(lambda conn: conn.execute(
        sa.select(ledger_reservations.c.status)
        .where(ledger_reservations.c.job_id == job_id)).scalar_one()))


def test_an_unprinted_twin_is_cancelled_once_and_its_reservation_released(
        client: TestClient, world: World) -> None:
    before = world.balance()
    twin = world.server.jobs.authorize(world.agent, world.request("k1", pages=2)).job_id
    assert _reservation(world, twin) == "open"
    assert _drop(client, world.token, "k1") == {"job_id": twin, "state": "cancelled"}
    assert _reservation(world, twin) == "released"
    assert OTHER in world.server.jobs.get_job(twin).state_reason
    assert _drop(client, world.token, "k1") == {"job_id": twin, "state": "cancelled"}
    assert world.balance() == before  # nothing charged
    events = world.server.devices.events_after(world.agent.id, None)
    assert [e.payload["job_id"] for e in events if e.kind == "cancel"] == [twin]


def test_the_followed_job_a_printing_job_and_another_agent_s_job_are_left_alone(
        client: TestClient, world: World) -> None:
    followed = world.server.jobs.authorize(world.agent, world.request("k2")).job_id
    assert _drop(client, world.token, "k2", followed) == {
        "job_id": followed, "state": "authorized"}
    printing = world.server.jobs.authorize(world.agent, world.request("k3")).job_id
    world.server.jobs.mark_printing(world.agent, printing)
    assert _drop(client, world.token, "k3") == {"job_id": printing, "state": "printing"}
    _, other_token = make_agent(world.server, "ps-2")
    assert _drop(client, other_token, "k2") == {"job_id": None, "state": None}
    assert _drop(client, world.token, "never-seen") == {"job_id": None, "state": None}
    assert _reservation(world, followed) == "open"
    assert _reservation(world, printing) == "open"


def test_a_twin_whose_drop_came_first_is_cancelled_as_it_is_recorded(
        client: TestClient, world: World) -> None:
    """The agent gave up on this server's authorize (a timeout), followed another
    server's answer and dropped the twin here before that authorize committed: the drop
    is kept, and the late authorize's job is cancelled in its own transaction (no held
    twin reserving money until its lifetime ends). Per agent: another agent's job of the
    same key is its own."""
    before = world.balance()
    assert _drop(client, world.token, "late-1") == {"job_id": None, "state": None}
    late = world.server.jobs.authorize(world.agent, world.request("late-1", pages=2))
    assert late.state.value == "cancelled"
    job = world.server.jobs.get_job(late.job_id)
    assert job.state.value == "cancelled" and OTHER in job.state_reason
    assert _reservation(world, late.job_id) == "released"
    assert world.balance() == before  # nothing charged, nothing reserved
    again = world.server.jobs.authorize(world.agent, world.request("late-1", pages=2))
    assert (again.job_id, again.state.value) == (late.job_id, "cancelled")  # a retry
    assert _drop(client, world.token, "late-1") == {"job_id": late.job_id,
                                                    "state": "cancelled"}
    other_agent, _ = make_agent(world.server, "ps-2")
    world.server.devices.create_printer("hall-2", actor="test", agent_id=other_agent.id,
                                        device_uri="file:///dev/null")
    theirs = world.server.jobs.authorize(other_agent, world.request("late-1",
                                                                    queue="hall-2"))
    assert theirs.state.value == "authorized"


def test_kept_drops_are_pruned_after_a_day(world: World) -> None:
    agent = world.agent.id
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

    def keep(key: str, at: datetime) -> None:
        world.server.db.write(lambda conn: store.record_twin_drop(conn, agent, key, OTHER, at))

    keep("old", now - timedelta(days=2))
    keep("recent", now - timedelta(hours=1))
    keep("recent", now)  # once per key
    keep("new", now)
    kept = world.server.db.read(lambda conn: [
        (store.twin_drop_of(conn, agent, key) is not None) for key in ("old", "recent", "new")])
    assert kept == [False, True, True]


def test_hostile_drop_twin_bodies_are_refused(client: TestClient, world: World) -> None:
    auth = {"Authorization": f"Bearer {world.token}"}
    ok = {"agent_job_key": "k1", "followed_job_id": OTHER}
    assert client.post("/api/v1/agent/drop-twin", json=ok).status_code == 401
    for bad in ({"followed_job_id": "../../etc"}, {"followed_job_id": "x" * 27},
                {"agent_job_key": ""}, {"agent_job_key": "k" * 101}, {"extra": 1},
                {"followed_job_id": 5}):
        answer = client.post("/api/v1/agent/drop-twin", headers=auth, json={**ok, **bad})
        assert answer.status_code == 422, (bad, answer.text)
        assert "message" in answer.json()
