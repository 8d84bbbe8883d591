from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from printwarden.container import ServerContainer
from tests.jobs.world import MONO_PAGE, World, make_world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def enrol(admin_client: TestClient, name: str = "ps-1") -> tuple[str, str]:
    code = admin_client.post("/api/v1/agents/enrolment-codes", json={"ttl_hours": 1})
    assert code.status_code == 201
    answer = admin_client.post("/api/v1/agent/register", json={
        "code": code.json()["code"], "name": name, "hostname": "ps1.example.org",
        "version": "0.1.0"})
    assert answer.status_code == 201, answer.text
    return answer.json()["agent_id"], answer.json()["token"]


AUTHORIZE_BODY: dict[str, Any] = {
    "agent_job_key": "17", "queue": "hall", "username": "alice", "title": "thesis.pdf",
    "document_format": "application/pdf", "size_bytes": 48213, "copies": 2,
    "sides": "two-sided-long-edge", "color_mode": "auto",
    "analysis": {"pages": 3, "color_pages": 0, "mono_pages": 3,
                 "sizes": {"iso_a4_210x297mm": 3}, "estimated": False, "reason": ""},
}


@pytest.fixture
def linked(admin_client: TestClient, server: ServerContainer) -> tuple[World, str]:
    """The job world, plus an agent enrolled over HTTP that serves queue 'hall'."""
    world = make_world(server)
    agent_id, token = enrol(admin_client, "ps-http")
    server.devices.update_device(world.queue.device_id or "", {"agent_id": agent_id},
                                 actor="test")
    return world, token


def test_an_agent_registers_reads_config_authorizes_and_completes(
    admin_client: TestClient, linked: tuple[World, str],
) -> None:
    world, token = linked
    config = admin_client.get("/api/v1/agent/config", headers=bearer(token))
    assert config.status_code == 200
    assert [q["name"] for q in config.json()["queues"]] == ["hall"]
    assert config.json()["queues"][0]["ipp_path"] == "/ipp/print/hall"

    decision = admin_client.post("/api/v1/agent/authorize", json=AUTHORIZE_BODY,
                                 headers=bearer(token))
    assert decision.status_code == 200, decision.text
    body = decision.json()
    assert (body["decision"], body["state"]) == ("allow", "authorized")
    assert body["cost"]["minor"] == 3 * 2 * MONO_PAGE
    job_id = body["job_id"]

    printing = admin_client.post(f"/api/v1/agent/jobs/{job_id}/printing",
                                 headers=bearer(token))
    assert printing.json() == {"job_id": job_id, "state": "printing"}
    done = {"status": "completed", "pages_printed": 3, "copies_printed": 2}
    first = admin_client.post(f"/api/v1/agent/jobs/{job_id}/complete", json=done,
                              headers=bearer(token))
    again = admin_client.post(f"/api/v1/agent/jobs/{job_id}/complete", json=done,
                              headers=bearer(token))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["charged"]["minor"] == 30
    assert world.balance() == (1000 - 30, 0)


def test_the_config_carries_each_queues_devices(admin_client: TestClient,
                                               linked: tuple[World, str]) -> None:
    world, token = linked
    devices = world.server.devices
    hall = devices.get_device(world.queue.device_id or "")
    agent_id = hall.agent_id
    devices.update_device(hall.id, {"color_capable": False}, actor="test")
    other = world.agent.id  # the world's first agent serves a device of the group too
    far = devices.create_device("far", actor="test", agent_id=other, device_uri="ipp://far/")
    group = devices.create_release_group("floor", actor="test", device_ids=[hall.id, far.id])
    devices.create_queue("secure", actor="test", kind="release", release_group_id=group.id,
                         agent_id=agent_id, owner_check="release")
    queues = {q["name"]: q for q in admin_client.get(
        "/api/v1/agent/config", headers=bearer(token)).json()["queues"]}
    direct = {"id": hall.id, "name": "hall", "uri": "ipp://mfp.lan/ipp/print",
              "color_capable": False, "duplex_capable": True, "snmp": None}
    assert (queues["hall"]["kind"], queues["hall"]["device"], queues["hall"]["devices"]) == (
        "direct", direct, [])
    assert (queues["hall"]["device_uri"], queues["hall"]["hold_for_release"],
            queues["hall"]["color_capable"]) == ("ipp://mfp.lan/ipp/print", False, False)
    secure = queues["secure"]
    assert (secure["kind"], secure["device"], secure["hold_for_release"]) == (
        "release", None, True)
    assert secure["devices"] == [direct]  # 'far' is another agent's: find-me, later
    assert secure["device_uri"] == "ipp://mfp.lan/ipp/print"  # released here, as before


def test_a_retried_authorize_answers_the_same_decision(
    admin_client: TestClient, linked: tuple[World, str],
) -> None:
    world, token = linked
    first = admin_client.post("/api/v1/agent/authorize", json=AUTHORIZE_BODY,
                              headers=bearer(token))
    again = admin_client.post("/api/v1/agent/authorize", json=AUTHORIZE_BODY,
                              headers=bearer(token))
    assert first.json() == again.json()
    assert world.balance()[1] == 30


def test_a_long_poll_returns_a_cancel_event(
    admin_client: TestClient, linked: tuple[World, str],
) -> None:
    _, token = linked
    job_id = admin_client.post("/api/v1/agent/authorize", json=AUTHORIZE_BODY,
                               headers=bearer(token)).json()["job_id"]
    start = _last_event(admin_client, token)
    polled: list[Any] = []
    poller = threading.Thread(target=lambda: polled.append(admin_client.get(
        "/api/v1/agent/events", params={"wait": 10, "after": start}, headers=bearer(token))))
    poller.start()
    cancelled = admin_client.post(f"/api/v1/jobs/{job_id}/cancel",
                                  json={"reason": "wrong file"})
    poller.join()
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    events = polled[0].json()
    assert [(e["kind"], e["payload"]["job_id"]) for e in events] == [("cancel", job_id)]
    after = admin_client.get("/api/v1/agent/events", params={"after": events[-1]["id"],
                                                             "wait": 0.6},
                             headers=bearer(token))
    assert after.json() == []


def _last_event(client: TestClient, token: str) -> str | None:
    events = client.get("/api/v1/agent/events", headers=bearer(token)).json()
    return events[-1]["id"] if events else None


def test_a_websocket_receives_events_and_takes_acks(
    admin_client: TestClient, linked: tuple[World, str], server: ServerContainer,
) -> None:
    _, token = linked
    agent_id = server.devices.principal_for_agent_token(token).id
    start = _last_event(admin_client, token)
    url = f"/api/v1/agent/events/ws?token={token}" + (f"&after={start}" if start else "")
    del admin_client.headers["Authorization"]  # only the token in the URL
    with admin_client.websocket_connect(url) as ws:
        event = server.devices.enqueue_event(agent_id, "release", {"job_id": "J1"})
        received = ws.receive_json()
        assert (received["id"], received["kind"], received["payload"]) == (
            event.id, "release", {"job_id": "J1"})
        ws.send_json({"ack": received["id"]})
        ws.send_text("not json")
        assert ws.receive_json()["error"] == "invalid"


def test_a_websocket_takes_the_token_in_the_header(
    admin_client: TestClient, linked: tuple[World, str], server: ServerContainer,
) -> None:
    _, token = linked
    agent = server.devices.principal_for_agent_token(token)
    server.devices.enqueue_event(agent.id, "config", {"reason": "test"})
    pending = len(server.devices.events_after(agent.id, None))
    with admin_client.websocket_connect("/api/v1/agent/events/ws",
                                        headers=bearer(token)) as ws:
        reasons = [ws.receive_json()["payload"].get("reason") for _ in range(pending)]
    assert reasons[-1] == "test"


def test_a_websocket_with_a_bad_token_is_closed(admin_client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, admin_client.websocket_connect(
            "/api/v1/agent/events/ws?token=pwa_not-a-real-token"):
        pass
    assert closed.value.code == 1008


def test_a_bad_agent_token_gets_401(client: TestClient) -> None:
    answer = client.get("/api/v1/agent/config", headers=bearer("pwa_not-a-real-token"))
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthenticated"
    assert client.get("/api/v1/agent/config").status_code == 401


def test_a_user_token_cannot_speak_the_agent_link(admin_client: TestClient) -> None:
    assert admin_client.get("/api/v1/agent/config").status_code == 403


def test_a_used_enrolment_code_gets_401(admin_client: TestClient) -> None:
    code = admin_client.post("/api/v1/agents/enrolment-codes").json()["code"]
    body = {"code": code, "name": "ps-9", "hostname": "h", "version": "1"}
    assert admin_client.post("/api/v1/agent/register", json=body).status_code == 201
    reused = admin_client.post("/api/v1/agent/register", json=body)
    assert reused.status_code == 401
    assert "already used" in reused.json()["message"]


def test_bad_bodies_get_422_with_the_field(
    admin_client: TestClient, linked: tuple[World, str],
) -> None:
    _, token = linked
    bad = {**AUTHORIZE_BODY, "copies": 0, "sides": "both"}
    answer = admin_client.post("/api/v1/agent/authorize", json=bad, headers=bearer(token))
    assert answer.status_code == 422
    fields = {f["field"] for f in answer.json()["fields"]}
    assert {"body.copies", "body.sides"} <= fields
    no_status = admin_client.post("/api/v1/agent/jobs/X/complete", json={},
                                  headers=bearer(token))
    assert no_status.status_code == 422
    assert no_status.json()["fields"][0]["field"] == "body.status"
    register = admin_client.post("/api/v1/agent/register", json={"name": "x"})
    assert register.status_code == 422


#: The fallback database poll, made longer than any test may take: what is delivered was
#: woken by the event bell (a commit in this process), not found by the poll.
NO_POLL_SECONDS = 3600.0


@pytest.mark.timeout(20)  # without the bell the poll would answer at its 30 s deadline
def test_a_waiting_long_poll_hears_an_event_at_once_without_the_database_poll(
    admin_client: TestClient, linked: tuple[World, str], server: ServerContainer,
) -> None:
    _, token = linked
    agent_id = server.devices.principal_for_agent_token(token).id
    admin_client.app.state.event_poll_seconds = NO_POLL_SECONDS  # type: ignore[attr-defined]
    start = _last_event(admin_client, token)
    polled: list[Any] = []
    poller = threading.Thread(target=lambda: polled.append(admin_client.get(
        "/api/v1/agent/events", params={"wait": 30, "after": start},
        headers=bearer(token))))
    poller.start()
    while server.devices.event_bell.listening(agent_id) == 0:  # the poll waits now
        threading.Event().wait(0.01)
    event = server.devices.enqueue_event(agent_id, "release", {"job_id": "J7"})
    poller.join()
    assert [(e["id"], e["kind"]) for e in polled[0].json()] == [(event.id, "release")]
    assert server.devices.event_bell.listening(agent_id) == 0


def test_a_websocket_hears_events_without_the_database_poll(
    admin_client: TestClient, linked: tuple[World, str], server: ServerContainer,
) -> None:
    """With no poll at all, a WebSocket that found nothing would wait for ever (the
    suite's timeout) unless the commit of each event woke it."""
    _, token = linked
    agent_id = server.devices.principal_for_agent_token(token).id
    admin_client.app.state.event_poll_seconds = NO_POLL_SECONDS  # type: ignore[attr-defined]
    start = _last_event(admin_client, token)
    url = f"/api/v1/agent/events/ws?token={token}" + (f"&after={start}" if start else "")
    del admin_client.headers["Authorization"]  # only the agent's token in the URL
    with admin_client.websocket_connect(url) as ws:
        for n in range(3):  # the sender found nothing: it sleeps between events
            while server.devices.event_bell.listening(agent_id) == 0:
                threading.Event().wait(0.01)
            event = server.devices.enqueue_event(agent_id, "release", {"job_id": f"J{n}"})
            received = ws.receive_json()
            assert (received["id"], received["payload"]) == (event.id, {"job_id": f"J{n}"})
