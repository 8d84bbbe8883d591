"""Site remotes: an admin creates one with a one-time code; the remote enrols once for a
token; a wrong or reused code is refused; only a remote token reads the feed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from printwarden.container import ServerContainer

#: The database takes no part here beyond what the feed tests run on both.
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


def _create(admin_client: TestClient, name: str = "site-a") -> str:
    answer = admin_client.post("/api/v1/sync/remotes", json={"name": name})
    assert answer.status_code == 201, answer.text
    assert answer.json()["code_pending"] is True
    return str(answer.json()["code"])


def test_a_remote_enrols_once_and_a_wrong_or_reused_code_is_refused(
        server: ServerContainer, admin_client: TestClient) -> None:
    code = _create(admin_client)
    anonymous = TestClient(admin_client.app)
    wrong = anonymous.post("/api/v1/sync/enrol", json={"code": "ABCD-EFGH"})
    assert wrong.status_code == 401
    assert "unknown, already used or expired" in wrong.json()["message"]
    enrolled = anonymous.post("/api/v1/sync/enrol", json={"code": code, "hostname": "site"})
    assert enrolled.status_code == 200, enrolled.text
    body = enrolled.json()
    assert body["token"].startswith("pwr_") and body["remote"]["name"] == "site-a"
    assert body["card_hmac_key"] == server.settings.card_hmac_key
    reused = anonymous.post("/api/v1/sync/enrol", json={"code": code.lower()})
    assert reused.status_code == 401
    assert "already used" in reused.json()["message"]
    feed = anonymous.get("/api/v1/sync/changes", params={"since": 0},
                         headers={"Authorization": f"Bearer {body['token']}"})
    assert feed.status_code == 200 and feed.json()["next_since"] >= 0
    actions = [line["action"] for line in server.audit.recent()]
    assert "remote.create" in actions and "remote.enrol" in actions


def test_only_a_remote_reads_the_feed_and_only_an_admin_manages_remotes(
        server: ServerContainer, admin_client: TestClient) -> None:
    user = server.accounts.create_user("bob", actor="t")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="t")
    other = TestClient(admin_client.app, headers={"Authorization": f"Bearer {token}"})
    assert other.get("/api/v1/sync/changes", params={"since": 0}).status_code == 403
    assert other.get("/api/v1/sync/snapshot").status_code == 403
    assert other.post("/api/v1/sync/remotes", json={"name": "x"}).status_code == 403
    # an admin is not a remote either
    assert admin_client.get("/api/v1/sync/changes", params={"since": 0}).status_code == 403
    bad = TestClient(admin_client.app, headers={"Authorization": "Bearer pwr_forged"})
    assert bad.get("/api/v1/sync/changes", params={"since": 0}).status_code == 401


def test_bad_input_gets_a_clear_answer(server: ServerContainer,
                                       admin_client: TestClient) -> None:
    _create(admin_client)
    again = admin_client.post("/api/v1/sync/remotes", json={"name": "site-a"})
    assert again.status_code == 409 and "exists" in again.json()["message"]
    assert admin_client.post("/api/v1/sync/remotes", json={"name": ""}).status_code == 422
    huge = admin_client.post("/api/v1/sync/remotes", json={"name": "x", "ttl_hours": 10**9})
    assert huge.status_code == 422
    code = _create(admin_client, "site-b")
    token = TestClient(admin_client.app).post("/api/v1/sync/enrol",
                                              json={"code": code}).json()["token"]
    remote = TestClient(admin_client.app, headers={"Authorization": f"Bearer {token}"})
    for params in ({"since": -1}, {"since": 2**63}, {"since": 0, "limit": 0},
                   {"since": "x"}, {}):
        assert remote.get("/api/v1/sync/changes", params=params).status_code == 422, params
    future = remote.get("/api/v1/sync/changes", params={"since": 10**9})
    assert future.status_code == 410 and "resync from a snapshot" in future.json()["message"]


def test_remotes_list_their_lag_and_last_contact(server: ServerContainer,
                                                 admin_client: TestClient) -> None:
    code = _create(admin_client)
    token = TestClient(admin_client.app).post("/api/v1/sync/enrol",
                                              json={"code": code}).json()["token"]
    server.accounts.create_group("staff", actor="t")
    TestClient(admin_client.app).get("/api/v1/sync/changes", params={"since": 0},
                                     headers={"Authorization": f"Bearer {token}"})
    listed = admin_client.get("/api/v1/sync/remotes").json()
    [site] = listed["items"]
    assert site["acked_version"] == 0 and site["lag_versions"] == listed["head"] > 0
    assert site["last_contact_at"] is not None and site["pending_entries"] == 0
    page = admin_client.get("/admin/remotes")
    assert page.status_code == 200 and "site-a" in page.text
    assert f'<td data-testid="lag">{listed["head"]}</td>' in page.text


def test_the_cli_makes_a_remote_and_its_code(server: ServerContainer) -> None:
    from printwarden.cli import app

    data_dir = str(server.settings.data_dir)
    env = {"PRINTWARDEN_DATABASE_URL": server.db.url}
    made = CliRunner().invoke(app, ["admin", "remotes", "add", "site-c", "-d", data_dir],
                              env=env)
    assert made.exit_code == 0, made.output
    code = made.stdout.strip().splitlines()[0]
    site, token = server.remotes.enrol(code)
    assert site.name == "site-c" and token.startswith("pwr_")
    listed = CliRunner().invoke(app, ["admin", "remotes", "list", "-d", data_dir], env=env)
    assert "site-c" in listed.stdout and "lag -" in listed.stdout
    fresh = CliRunner().invoke(app, ["admin", "remotes", "code", "site-c", "-d", data_dir],
                               env=env)
    assert fresh.exit_code == 0
    assert server.remotes.enrol(fresh.stdout.strip().splitlines()[0])[1] != token
    unknown = CliRunner().invoke(app, ["admin", "remotes", "code", "nope", "-d", data_dir],
                                 env=env)
    assert unknown.exit_code == 2 and "no remote named" in unknown.output



def test_guessing_codes_is_throttled(server: ServerContainer, client: TestClient) -> None:
    answers = [client.post("/api/v1/sync/enrol", json={"code": f"WRONG-{i:03d}"})
               for i in range(server.settings.enrolment_rate_limit_per_minute + 2)]
    assert answers[0].status_code == 401
    assert answers[-1].status_code == 429 and "Retry-After" in answers[-1].headers


def test_a_remote_app_is_ready_only_once_its_snapshot_is_in(server: ServerContainer) -> None:
    from printwarden.remote.offline import OfflineWatch
    from printwarden.remote.puller import SyncStatus
    from printwarden.web.app import create_app

    status = SyncStatus()
    watch = OfflineWatch(status, server.clock, after_seconds=10)
    with TestClient(create_app(server, role="remote", replica=watch)) as remote:
        waiting = remote.get("/readyz")
        assert waiting.status_code == 503 and "snapshot" in waiting.json()["message"]
        status.applied, status.head = 7, 10
        ready = remote.get("/readyz").json()
        assert (ready["replica_version"], ready["lag_versions"]) == (7, 3)
        metrics = remote.get("/metrics").text
        assert "printwarden_sync_lag_versions 3.0" in metrics
        assert "printwarden_sync_applied_version 7.0" in metrics
        assert ready["offline"] is True and "printwarden_remote_offline 1.0" in metrics
        status.last_contact = server.clock.now()  # a pull just succeeded
        assert remote.get("/readyz").json()["offline"] is False
        assert "printwarden_remote_offline 0.0" in remote.get("/metrics").text
