"""What a remote answers a token it has not pulled yet, and a revoked one.

Agents, terminals and pop-ups take a 401 for "revoked" and drop their token. A token
made at central after the remote's last pull is not revoked: the remote answers 503
``not_replicated`` (the client tries central, or the remote again), and once it has
pulled the token it serves it. A revocation at central replicates and the remote refuses
the token with a 401 like central. Central itself still answers 401 for a token it does
not know."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from printwarden.web.app import create_app
from tests.sync.support import Pair, pair  # noqa: F401


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_made_after_the_last_pull_wait_for_it_and_revoked_ones_are_refused(
        pair: Pair) -> None:  # noqa: F811
    central = pair.central
    role = pair.remote()
    role.puller.catch_up()  # the remote's last pull: before any of these tokens
    code, _ = central.devices.create_enrolment_code(actor="t")
    agent, agent_token = central.devices.register_agent(code, name="late", hostname="h",
                                                        version="1")
    device = central.devices.create_device("mfp", actor="t")
    terminal_code, _ = central.terminals.create_code(device.id, actor="t")
    terminal, terminal_token = central.terminals.register(terminal_code, hostname="k",
                                                          version="1")
    user = central.accounts.create_user("late", actor="t")
    user_token, token_row = central.accounts.create_api_token(user.id, "desk", actor="t")
    calls = {"agent": ("/api/v1/agent/config", agent_token),
             "terminal": ("/api/v1/terminal/hello", terminal_token),
             "user": ("/api/v1/me", user_token)}
    app = create_app(role.container, role="remote", replica=role.puller.status)
    with TestClient(app) as remote:
        def status(kind: str) -> tuple[int, str]:
            path, token = calls[kind]
            answer = remote.get(path, headers=bearer(token))
            return answer.status_code, str(answer.json().get("error", "")) \
                if isinstance(answer.json(), dict) else ""

        for kind in calls:
            waiting = remote.get(calls[kind][0], headers=bearer(calls[kind][1]))
            assert waiting.status_code == 503, (kind, waiting.text)
            assert waiting.json()["error"] == "not_replicated"
            assert "central" in waiting.json()["message"]
            assert waiting.headers["Retry-After"]

        role.puller.catch_up()
        for kind in calls:
            assert remote.get(calls[kind][0], headers=bearer(calls[kind][1])).status_code \
                == 200, kind

        central.jobs.revoke_agent(agent.id, actor="t")
        central.terminals.revoke(terminal.id, actor="t")
        central.accounts.revoke_api_token(token_row.id, actor="t")
        role.puller.catch_up()
        for kind in calls:
            assert status(kind) == (401, "unauthenticated"), kind

        # garbage stays garbage at a remote: an unknown kind of token is refused
        assert remote.get("/api/v1/me", headers=bearer("nonsense")).status_code == 401
    # central refuses a token it does not know, as always
    answer = pair.http.get("/api/v1/agent/config", headers=bearer("pwa_never-made"))
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthenticated")


def test_a_pop_up_whose_token_the_remote_has_not_pulled_is_told_to_try_again_later(
        pair: Pair) -> None:  # noqa: F811
    central = pair.central
    role = pair.remote()
    role.puller.catch_up()
    user = central.accounts.create_user("late", actor="t")
    token, _ = central.accounts.create_api_token(user.id, "pop-up", actor="t")
    app = create_app(role.container, role="remote", replica=role.puller.status)
    with TestClient(app) as remote:
        with pytest.raises(WebSocketDisconnect) as closed, remote.websocket_connect(
                f"/api/v1/popup/ws?token={token}") as ws:
            ws.receive_json()
        assert closed.value.code == 1013  # not 1008: the pop-up keeps its sign-in
        role.puller.catch_up()
        with remote.websocket_connect(f"/api/v1/popup/ws?token={token}") as ws:
            ws.send_json({"type": "ping"})
            assert ws.receive_json()["type"] in ("pong", "hello", "notices", "questions")
