"""The web UI in process: sign-in with CSRF, sessions, role-based pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from printwarden.jobs.offline_jobs import OfflineJobReport
from tests.jobs.world import make_world


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_sign_in_needs_the_form_csrf_token(client: TestClient, server: ServerContainer) -> None:
    server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12", actor="t")
    client.get("/login")
    response = client.post("/login", data={"username": "ann", "password": "ann-pass-12",
                                           "csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert "/login" not in response.headers.get("location", "")


def test_an_admin_signs_in_sees_the_dashboard_and_signs_out(
    client: TestClient, server: ServerContainer
) -> None:
    server.accounts.create_user("ann", full_name="Ann Admin", roles=("admin",),
                                password="ann-pass-12", actor="t")
    bob = server.accounts.create_user("bob", full_name="Bob User", password="bob-pass-12",
                                      actor="t")
    server.ledger.personal_account(bob.id)
    token = _csrf(client.get("/login").text)
    wrong = client.post("/login", data={"username": "ann", "password": "nope-nope",
                                        "csrf": token})
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    ok = client.post("/login", data={"username": "ann", "password": "ann-pass-12",
                                     "csrf": token}, follow_redirects=False)
    assert ok.status_code == 303
    server.devices.create_printer("open-lab", actor="t", owner_check="trusted-network")
    server.devices.create_printer("office", actor="t")
    page = client.get("/")
    assert page.status_code == 200
    assert "Ann Admin" in page.text or "ann" in page.text
    assert "Bob User" in page.text
    assert page.text.count('data-testid="trusted-network"') == 1  # open-lab, not office
    assert "can print as, and charge, any user" in page.text
    assert "/static/vendor/htmx.min.js" in page.text  # served locally, no CDN
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    out = client.post("/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_dashboard_lists_devices_and_queues_apart(client: TestClient,
                                                     server: ServerContainer) -> None:
    server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12", actor="t")
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "ann", "password": "ann-pass-12", "csrf": token})
    mfp = server.devices.create_device("hall-mfp", actor="t", device_uri="ipp://mfp.lan/",
                                       make_and_model="Brother MFC", color_capable=False)
    group = server.devices.create_release_group("floor", actor="t", device_ids=[mfp.id])
    server.devices.create_queue("hall", actor="t", device_id=mfp.id)
    server.devices.create_queue("secure", actor="t", kind="release",
                                release_group_id=group.id, owner_check="release")
    page = client.get("/").text
    devices = page.split('data-testid="devices"')[1].split("</table>")[0]
    queues = page.split('data-testid="queues"')[1].split("</table>")[0]
    assert "Brother MFC" in devices and "mono, duplex" not in devices
    assert "<td>duplex</td>" in devices and "<td>floor</td>" in devices
    assert "<td>direct</td><td>hall-mfp</td>" in queues
    assert "<td>release</td><td>release group floor</td>" in queues
    assert "Brother MFC" not in queues


def test_a_plain_user_sees_only_his_own_balances(client: TestClient,
                                                 server: ServerContainer) -> None:
    bob = server.accounts.create_user("bob", password="bob-pass-12", actor="t")
    server.accounts.create_user("zed", full_name="Zed Zeta", password="zed-pass-12", actor="t")
    server.ledger.personal_account(bob.id)
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "bob", "password": "bob-pass-12", "csrf": token})
    page = client.get("/")
    assert page.status_code == 200
    assert "My account" in page.text
    assert "Zed Zeta" not in page.text
    assert client.get("/api/v1/users").status_code == 403  # the session is a plain user's


def test_health_readiness_and_metrics_answer(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    client.get("/api/v1/does-not-exist")
    metrics = client.get("/metrics").text
    assert "printwarden_http_requests_total" in metrics
    assert 'printwarden_info{role="server"' in metrics


def test_the_openapi_document_and_interactive_docs_are_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "printwarden"
    assert any(path.startswith("/api/v1/users") for path in spec["paths"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()


def test_unknown_api_paths_and_bad_tokens_get_json_errors(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    bad = client.get("/api/v1/users", headers={"Authorization": "Bearer pwu_bogus"})
    assert bad.status_code == 401 and "message" in bad.json()
    weird = client.get("/api/v1/users", headers={"Authorization": "Basic abc"})
    assert weird.status_code == 401


def test_metrics_label_requests_by_route_template_not_by_raw_path(
    admin_client: TestClient,
) -> None:
    admin_client.get("/api/v1/users/01HZZZZZZZZZZZZZZZZZZZZZZZ")
    metrics = admin_client.get("/metrics").text
    assert 'route="/api/v1/users/{user_id}"' in metrics
    assert "01HZZZZZZZZZZZZZZZZZZZZZZZ" not in metrics


def test_the_dashboard_lists_offline_jobs_charged_past_the_limit(
        client: TestClient, server: ServerContainer) -> None:
    world = make_world(server)  # alice has 10.00 EUR
    for key, cost in (("small", 100), ("big", 5000)):
        world.server.jobs.record_offline(world.agent, OfflineJobReport(
            agent_job_key=key, queue="hall", username="alice", status="completed",
            cost_minor=cost, currency="EUR", title=f"{key}.pdf", pages=1))
    server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12", actor="t")
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "ann", "password": "ann-pass-12", "csrf": token})

    page = client.get("/").text

    listed = page.split('data-testid="offline-past-limit"')[1].split("</table>")[0]
    assert "big.pdf" in listed and "small.pdf" not in listed
    assert "charged past the account&#39;s limit" in listed
    assert '<span class="badge bad">1</span>' in page
    assert page.count(">offline</span>") == 2  # both offline jobs carry the badge


def test_the_dashboard_shows_each_accounts_offline_credit(client: TestClient,
                                                         server: ServerContainer) -> None:
    from printwarden.core.money import Money

    project = server.ledger.open_account("shared", "Thesis lab", offline_credit="limit",
                                         offline_limit=Money(750), actor="t")
    server.ledger.open_account("shared", "Closed lab", offline_credit="deny", actor="t")
    server.accounts.create_user("ann", roles=("admin",), password="ann-pass-12", actor="t")
    token = _csrf(client.get("/login").text)
    client.post("/login", data={"username": "ann", "password": "ann-pass-12", "csrf": token})
    rows = client.get("/").text.split('data-testid="accounts"')[1].split("</table>")[0]
    thesis = rows.split(project.name)[1].split("</tr>")[0]
    assert '<td data-testid="offline-credit">up to 7.50 EUR</td>' in thesis
    assert '<td data-testid="offline-credit">nothing</td>' in rows
