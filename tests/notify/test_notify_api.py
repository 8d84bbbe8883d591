"""The notification REST API: admins only, secrets write-only, bad input a clear 4xx."""

from __future__ import annotations

from fastapi.testclient import TestClient

from printwarden.container import ServerContainer
from tests.notify.receivers import WebhookReceiver

API = "/api/v1/notify"


def test_settings_answer_no_password_and_refuse_non_ascii_ports(
        admin_client: TestClient) -> None:
    changed = admin_client.patch(f"{API}/settings", json={
        "smtp_host": "mail.example.org", "smtp_port": "465", "smtp_tls": "ssl",
        "smtp_from": "print@example.org", "smtp_password": "hunter2-secret"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["smtp_port"] == 465 and changed.json()["smtp_password_set"]
    assert "hunter2" not in admin_client.get(f"{API}/settings").text
    for port in ("\u0665\u0668\u0667", "\uff15\uff18\uff17", "99999999999999999999", -1):
        refused = admin_client.patch(f"{API}/settings", json={"smtp_port": port})
        assert refused.status_code == 422 and "smtp_port" in refused.json()["message"]
    assert admin_client.patch(f"{API}/settings", json={"smtp_tls": "maybe"}).status_code == 422
    assert admin_client.patch(f"{API}/settings", json={"bogus": 1}).status_code == 422


def test_a_user_may_not_touch_notifications(client: TestClient,
                                            server: ServerContainer) -> None:
    server.accounts.create_user("u", password="user-pass-1", actor="test")
    user = server.accounts.create_user("v", actor="test")
    token, _ = server.accounts.create_api_token(user.id, "t", actor="test")
    client.headers["Authorization"] = f"Bearer {token}"
    for method, path in (("GET", "/settings"), ("GET", "/webhooks"), ("GET", "/outbox"),
                         ("PATCH", "/settings")):
        assert client.request(method, API + path, json={}).status_code == 403
    del client.headers["Authorization"]
    assert client.get(f"{API}/webhooks").status_code == 401


def test_a_template_that_cannot_render_is_refused_with_line_and_reason(
        admin_client: TestClient) -> None:
    bad = admin_client.put(f"{API}/templates/job.denied", json={
        "subject": "Denied", "body": "ok\n{{ title.__class__ }}\n"})
    assert bad.status_code == 422
    [field] = bad.json()["fields"]
    assert field["field"] == "body" and "not allowed" in field["reason"]
    syntax = admin_client.post(f"{API}/templates/job.denied/preview", json={
        "subject": "Denied", "body": "a\nb\n{% for x in %}"})
    assert syntax.status_code == 422 and syntax.json()["fields"][0]["line"] == 3
    preview = admin_client.post(f"{API}/templates/job.completed/preview", json={
        "subject": "Printed {{ title }}", "body": "{{ pages }} pages"})
    assert preview.json() == {"subject": "Printed report.pdf", "body": "12 pages"}
    saved = admin_client.put(f"{API}/templates/job.completed", json={
        "subject": "Printed {{ title }}", "body": "{{ pages }} pages", "enabled": False})
    assert saved.status_code == 200 and saved.json()["customised"]
    assert admin_client.get(f"{API}/templates/nope").status_code == 404
    reset = admin_client.delete(f"{API}/templates/job.completed")
    assert reset.json()["customised"] is False and reset.json()["enabled"] is True


def test_webhook_endpoints_and_their_deliveries(
        admin_client: TestClient, server: ServerContainer,
        receiver: WebhookReceiver) -> None:
    made = admin_client.post(f"{API}/webhooks", json={
        "url": receiver.url, "events": ["job.completed", "ledger.entry"],
        "description": "accounting"})
    assert made.status_code == 201, made.text
    endpoint = made.json()
    receiver.secret = endpoint["secret"]
    assert endpoint["secret"].startswith("whsec_")
    listed = admin_client.get(f"{API}/webhooks").json()
    assert [e["secret"] for e in listed] == [None]  # never again
    assert receiver.secret not in admin_client.get(f"{API}/webhooks/{endpoint['id']}").text

    test = admin_client.post(f"{API}/webhooks/{endpoint['id']}/test")
    assert test.status_code == 202
    server.notify.send_due()
    deliveries = admin_client.get(f"{API}/webhooks/{endpoint['id']}/deliveries").json()
    assert [(d["event"], d["state"], d["last_status"]) for d in deliveries] == [
        ("webhook.test", "sent", 204)]
    assert receiver.deliveries[0].verified

    off = admin_client.patch(f"{API}/webhooks/{endpoint['id']}", json={"enabled": False})
    assert off.json()["enabled"] is False and off.json()["secret"] is None
    rotated = admin_client.patch(f"{API}/webhooks/{endpoint['id']}",
                                 json={"rotate_secret": True})
    assert rotated.json()["secret"] not in (None, receiver.secret)
    assert admin_client.delete(f"{API}/webhooks/{endpoint['id']}").status_code == 204
    assert admin_client.get(f"{API}/webhooks/{endpoint['id']}").status_code == 404


def test_bad_webhook_input_is_a_clear_422(admin_client: TestClient) -> None:
    for body in ({"url": "file:///etc/passwd", "events": ["*"]},
                 {"url": "gopher://h/", "events": ["*"]},
                 {"url": "https://h.example/", "events": ["job.exploded"]},
                 {"url": "https://h.example/", "events": []},
                 {"url": "https://h.example/", "events": ["*"], "secret": "short"},
                 {"url": "https://h.example/" + "a" * 3000, "events": ["*"]}):
        answer = admin_client.post(f"{API}/webhooks", json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"] == "invalid"
    assert admin_client.get(f"{API}/webhooks/\u0665").status_code == 404
    assert admin_client.post(f"{API}/outbox/not-an-id/retry").status_code == 404


def test_dead_messages_are_listed_and_retried(admin_client: TestClient,
                                              server: ServerContainer) -> None:
    gone = WebhookReceiver()
    gone.close()
    admin_client.post(f"{API}/webhooks", json={"url": gone.url, "events": ["*"]})
    server.db.write(lambda conn: server.notifier.emit_in(conn, "ledger.entry", user_id=None,
                                                         data={}))
    [message] = server.notify.messages()
    server.db.write(lambda conn: conn.exec_driver_sql(  # as after the last attempt
        f"UPDATE notify_outbox SET state = 'dead', attempts = 8 WHERE id = '{message.id}'"))
    dead = admin_client.get(f"{API}/outbox", params={"state": "dead"}).json()
    assert dead["counts"]["dead"] == 1 and [m["id"] for m in dead["items"]] == [message.id]
    retried = admin_client.post(f"{API}/outbox/{message.id}/retry")
    assert retried.status_code == 200 and retried.json()["state"] == "pending"
    again = admin_client.post(f"{API}/outbox/{message.id}/retry")
    assert again.status_code == 422 and "only a dead message" in again.json()["message"]
    assert admin_client.get(f"{API}/outbox", params={"state": "x"}).status_code == 422
