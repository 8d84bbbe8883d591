"""The admin notification pages: settings with a write-only password and field errors,
templates edited with line and reason, preview and reset, webhook endpoints (secret shown
once, test, disable, delete, deliveries), dead messages retried; non-admins refused."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.web.device_pages_world import csrf_of

PATH = "/admin/notifications"


def _sign_in(http: TestClient, server: ServerContainer, roles: tuple[str, ...] = ("admin",),
             username: str = "root") -> str:
    server.accounts.create_user(username, password="root-pass-12", roles=list(roles),
                                actor="t")
    token = csrf_of(http.get("/login").text)
    answer = http.post("/login", data={"username": username, "password": "root-pass-12",
                                       "csrf": token})
    assert answer.status_code == 200, answer.text
    return csrf_of(http.get("/login").text)


def test_settings_are_saved_the_password_never_shown_and_bad_ports_refused(
        client: TestClient, server: ServerContainer) -> None:
    csrf = _sign_in(client, server)
    saved = client.post(f"{PATH}/settings", data={
        "smtp_host": "mail.example.org", "smtp_port": "587", "smtp_from": "p@example.org",
        "smtp_tls": "starttls", "smtp_password": "pw-secret-77",
        "smtp_timeout_seconds": "20", "expiry_warning_minutes": "45", "csrf": csrf})
    assert saved.status_code == 200  # followed the redirect to the page
    assert "pw-secret-77" not in saved.text and "mail.example.org" in saved.text
    assert server.notify.settings().smtp.password == "pw-secret-77"
    assert server.notify.settings().expiry_warning_minutes == 45
    bad = client.post(f"{PATH}/settings", data={
        "smtp_host": "mail.example.org", "smtp_port": "\uff15\uff18\uff17",
        "smtp_from": "p@example.org", "expiry_warning_minutes": "45", "csrf": csrf})
    assert bad.status_code == 422 and 'data-testid="error-smtp_port"' in bad.text
    assert server.notify.settings().smtp.port == 587
    forged = client.post(f"{PATH}/settings", data={"smtp_host": "evil", "csrf": "x"})
    assert forged.status_code == 403 and server.notify.settings().smtp.host != "evil"


def test_a_template_is_previewed_refused_with_its_line_saved_and_reset(
        client: TestClient, server: ServerContainer) -> None:
    csrf = _sign_in(client, server)
    url = f"{PATH}/templates/job.completed"
    assert "Receipt:" in client.get(url).text
    shown = client.post(url, data={"action": "preview", "subject": "Done: {{ title }}",
                                   "body": "{{ pages }} pages", "enabled": "1",
                                   "csrf": csrf})
    assert 'data-testid="preview-box"' in shown.text and "Done: report.pdf" in shown.text
    refused = client.post(url, data={"action": "save", "subject": "Done",
                                     "body": "one\n{% if %}", "csrf": csrf})
    assert refused.status_code == 422 and "line 2" in refused.text
    assert "{% if %}" in refused.text.replace("&#34;", '"')  # what was typed is kept
    client.post(url, data={"action": "save", "subject": "Done: {{ title }}",
                           "body": "ok", "csrf": csrf})
    assert server.notify.template("job.completed").subject == "Done: {{ title }}"
    assert server.notify.template("job.completed").enabled is False  # box unticked
    client.post(url, data={"action": "reset", "csrf": csrf})
    assert server.notify.template("job.completed").customised is False


def test_a_webhook_secret_is_shown_once_and_the_endpoint_is_managed(
        client: TestClient, server: ServerContainer) -> None:
    csrf = _sign_in(client, server)
    refused = client.post(f"{PATH}/webhooks", data={"url": "file:///etc/passwd",
                                                    "events": ["*"], "csrf": csrf})
    assert refused.status_code == 422 and "http" in refused.text
    made = client.post(f"{PATH}/webhooks", data={
        "url": "https://hooks.example.org/pw", "events": ["job.completed", "ledger.entry"],
        "description": "accounting", "csrf": csrf})
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'data-testid="new-secret">([^<]+)<', made.text)
    assert secret and secret.group(1).startswith("whsec_")
    assert secret.group(1) not in client.get(PATH).text
    [endpoint] = server.notify.endpoints()
    page = client.get(f"{PATH}/webhooks/{endpoint.id}")
    assert secret.group(1) not in page.text and "No deliveries yet" in page.text
    tested = client.post(f"{PATH}/webhooks/{endpoint.id}/test", data={"csrf": csrf})
    assert 'data-testid="delivery-row"' in tested.text and "webhook.test" in tested.text
    client.post(f"{PATH}/webhooks/{endpoint.id}/save", data={
        "url": "https://hooks.example.org/v2", "events": ["*"], "description": "x",
        "csrf": csrf})  # "enabled" unticked
    changed = server.notify.endpoint(endpoint.id)
    assert (changed.url, changed.events, changed.enabled) == (
        "https://hooks.example.org/v2", ("*",), False)
    client.post(f"{PATH}/webhooks/{endpoint.id}/delete", data={"csrf": csrf})
    assert server.notify.endpoints() == []
    assert client.get(f"{PATH}/webhooks/{endpoint.id}").status_code == 404


def test_a_dead_message_is_listed_and_retried(client: TestClient,
                                              server: ServerContainer) -> None:
    csrf = _sign_in(client, server)
    server.notify.create_endpoint(url="http://127.0.0.1:9/", events="*", actor="t")
    server.db.write(lambda conn: server.notifier.emit_in(conn, "ledger.entry",
                                                         user_id=None, data={}))
    [message] = server.notify.messages()
    server.db.write(lambda conn: conn.exec_driver_sql(
        f"UPDATE notify_outbox SET state = 'dead' WHERE id = '{message.id}'"))
    listed = client.get(PATH)
    assert f'data-testid="retry-{message.id}"' in listed.text
    client.post(f"{PATH}/outbox/{message.id}/retry", data={"csrf": csrf})
    assert server.notify.messages()[0].state == "pending"


def test_the_pages_are_for_admins_only(client: TestClient, server: ServerContainer) -> None:
    assert client.get(PATH, follow_redirects=False).headers["location"] == "/login"
    _sign_in(client, server, roles=("operator",), username="op")
    assert client.get(PATH).status_code == 403
    assert client.get(f"{PATH}/templates/job.denied").status_code == 403
