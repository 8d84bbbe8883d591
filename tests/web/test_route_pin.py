"""House rule: the HTTP surface is pinned. A route added, removed or renamed fails here
until this list changes with it, so every change to the API is a reviewed change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

ROUTES = (
    "POST /api/v1/terminal/sessions",
    "GET /api/v1/terminal/sessions/{session_id}",
    "DELETE /api/v1/terminal/sessions/{session_id}",
    "GET /api/v1/terminal/sessions/{session_id}/held-jobs",
    "POST /api/v1/terminal/sessions/{session_id}/release",
    "POST /api/v1/terminal/sessions/{session_id}/delete",
    "POST /api/v1/terminal/sessions/{session_id}/copy",
    "POST /api/v1/terminal/sessions/{session_id}/copy/counts",
    "POST /api/v1/terminal/sessions/{session_id}/copy/close",
    "POST /api/v1/terminal/register",
    "GET /api/v1/terminal/hello",
    "GET /api/v1/terminals",
    "POST /api/v1/sync/enrol",
    "GET /api/v1/sync/changes",
    "GET /api/v1/sync/snapshot",
    "GET /api/v1/sync/remotes",
    "POST /api/v1/sync/remotes",
    "POST /api/v1/sync/outbox",
    "POST /api/v1/sync/jobs",
    "GET /api/v1/sync/problems",
    "GET /api/v1/sync/reports",
    "GET /api/v1/terminals/enrolment-codes",
    "POST /api/v1/terminals/enrolment-codes",
    "GET /api/v1/terminals/{terminal_id}",
    "POST /api/v1/terminals/{terminal_id}/revoke",
    "GET /",
    "GET /api/docs",
    "GET /api/v1/copy-flags",
    "GET /api/v1/accounts",
    "POST /api/v1/accounts",
    "GET /api/v1/accounts/{account_id}",
    "PATCH /api/v1/accounts/{account_id}",
    "POST /api/v1/accounts/{account_id}/adjustments",
    "GET /api/v1/accounts/{account_id}/entries",
    "DELETE /api/v1/accounts/{account_id}/members/{user_id}",
    "PUT /api/v1/accounts/{account_id}/members/{user_id}",
    "POST /api/v1/accounts/{account_id}/top-up",
    "POST /api/v1/agent/authenticate",
    "POST /api/v1/agent/authorize",
    "GET /api/v1/agent/config",
    "POST /api/v1/agent/device-status",
    "POST /api/v1/agent/drop-twin",
    "GET /api/v1/agent/events",
    "WS /api/v1/agent/events/ws",
    "POST /api/v1/popup/sign-in",
    "GET /api/v1/popup/questions",
    "POST /api/v1/popup/questions/{question_id}/answer",
    "GET /api/v1/popup/notices",
    "WS /api/v1/popup/ws",
    "POST /api/v1/agent/jobs/{job_id}/complete",
    "POST /api/v1/agent/jobs/{job_id}/fetch-failed",
    "POST /api/v1/agent/jobs/{job_id}/printing",
    "POST /api/v1/agent/offline-jobs",
    "POST /api/v1/agent/register",
    "GET /api/v1/agents",
    "GET /api/v1/agents/enrolment-codes",
    "POST /api/v1/agents/enrolment-codes",
    "GET /api/v1/agents/{agent_id}",
    "POST /api/v1/agents/{agent_id}/enrolment-codes",
    "POST /api/v1/agents/{agent_id}/revoke",
    "DELETE /api/v1/cards/{card_id}",
    "GET /api/v1/devices",
    "POST /api/v1/devices",
    "DELETE /api/v1/devices/{device_id}",
    "GET /api/v1/devices/{device_id}",
    "PATCH /api/v1/devices/{device_id}",
    "GET /api/v1/charge-policy",
    "PUT /api/v1/charge-policy",
    "GET /api/v1/groups",
    "POST /api/v1/groups",
    "GET /api/v1/groups/{group_id}",
    "GET /api/v1/groups/{group_id}/members",
    "DELETE /api/v1/groups/{group_id}/members/{user_id}",
    "PUT /api/v1/groups/{group_id}/members/{user_id}",
    "GET /api/v1/notify/events",
    "GET /api/v1/notify/settings",
    "PATCH /api/v1/notify/settings",
    "GET /api/v1/notify/templates",
    "GET /api/v1/notify/templates/{kind}",
    "PUT /api/v1/notify/templates/{kind}",
    "DELETE /api/v1/notify/templates/{kind}",
    "POST /api/v1/notify/templates/{kind}/preview",
    "GET /api/v1/notify/webhooks",
    "POST /api/v1/notify/webhooks",
    "GET /api/v1/notify/webhooks/{endpoint_id}",
    "PATCH /api/v1/notify/webhooks/{endpoint_id}",
    "DELETE /api/v1/notify/webhooks/{endpoint_id}",
    "POST /api/v1/notify/webhooks/{endpoint_id}/test",
    "GET /api/v1/notify/webhooks/{endpoint_id}/deliveries",
    "GET /api/v1/notify/outbox",
    "POST /api/v1/notify/outbox/{message_id}/retry",
    "GET /api/v1/jobs",
    "GET /api/v1/jobs/{job_id}",
    "POST /api/v1/jobs/{job_id}/cancel",
    "GET /api/v1/ledger/entries",
    "GET /api/v1/me",
    "POST /api/v1/me/id-number",
    "PUT /api/v1/me/pin",
    "GET /api/v1/openapi.json",
    "GET /api/v1/price-lists",
    "POST /api/v1/price-lists",
    "GET /api/v1/price-lists/{price_list_id}",
    "PUT /api/v1/price-lists/{price_list_id}",
    "POST /api/v1/price-lists/{price_list_id}/quote",
    "GET /api/v1/printer-groups",
    "POST /api/v1/printer-groups",
    "PATCH /api/v1/printer-groups/{group_id}",
    "GET /api/v1/printers",
    "POST /api/v1/printers",
    "DELETE /api/v1/printers/{queue_id}",
    "GET /api/v1/printers/{queue_id}",
    "PATCH /api/v1/printers/{queue_id}",
    "GET /api/v1/queues",
    "POST /api/v1/queues",
    "DELETE /api/v1/queues/{queue_id}",
    "GET /api/v1/queues/{queue_id}",
    "PATCH /api/v1/queues/{queue_id}",
    "GET /api/v1/quota-schedules",
    "POST /api/v1/quota-schedules",
    "POST /api/v1/quota-schedules/run",
    "GET /api/v1/quota-schedules/{schedule_id}",
    "PATCH /api/v1/quota-schedules/{schedule_id}",
    "GET /api/v1/release-groups",
    "POST /api/v1/release-groups",
    "DELETE /api/v1/release-groups/{group_id}",
    "GET /api/v1/release-groups/{group_id}",
    "PATCH /api/v1/release-groups/{group_id}",
    "GET /api/v1/release-groups/{group_id}/members",
    "DELETE /api/v1/release-groups/{group_id}/members/{device_id}",
    "PUT /api/v1/release-groups/{group_id}/members/{device_id}",
    "POST /api/v1/release/delete",
    "GET /api/v1/release/held-jobs",
    "POST /api/v1/release/release",
    "GET /api/v1/rules",
    "POST /api/v1/rules",
    "POST /api/v1/rules/check",
    "POST /api/v1/rules/dry-run",
    "DELETE /api/v1/rules/{rule_id}",
    "GET /api/v1/rules/{rule_id}",
    "PUT /api/v1/rules/{rule_id}",
    "POST /api/v1/rules/{rule_id}/move",
    "POST /api/v1/jobs/{job_id}/approval",
    "GET /api/v1/tokens",
    "POST /api/v1/tokens",
    "DELETE /api/v1/tokens/{token_id}",
    "POST /api/v1/transfers",
    "GET /api/v1/users",
    "POST /api/v1/users",
    "POST /api/v1/users/import",
    "GET /api/v1/users/{user_id}",
    "PATCH /api/v1/users/{user_id}",
    "GET /api/v1/users/{user_id}/accounts",
    "GET /api/v1/users/{user_id}/cards",
    "POST /api/v1/users/{user_id}/cards",
    "GET /api/v1/users/{user_id}/groups",
    "DELETE /api/v1/users/{user_id}/id-number",
    "POST /api/v1/users/{user_id}/id-number",
    "PUT /api/v1/users/{user_id}/id-number",
    "PUT /api/v1/users/{user_id}/password",
    "PUT /api/v1/users/{user_id}/pin",
    "GET /admin/devices/qr-codes",
    "GET /admin/devices",
    "GET /admin/devices/new",
    "POST /admin/devices/new",
    "GET /admin/devices/{device_id}",
    "POST /admin/devices/{device_id}",
    "GET /admin/release-groups",
    "GET /admin/rules",
    "POST /admin/rules/dry-run",
    "GET /admin/rules/new",
    "POST /admin/rules/new",
    "GET /admin/rules/{rule_id}",
    "POST /admin/rules/{rule_id}",
    "POST /admin/rules/{rule_id}/delete",
    "POST /admin/rules/{rule_id}/move",
    "POST /admin/release-groups",
    "POST /admin/release-groups/{group_id}/{action}",
    "GET /admin/terminals",
    "GET /admin/remotes",
    "GET /admin/notifications",
    "POST /admin/notifications/settings",
    "GET /admin/notifications/templates/{kind}",
    "POST /admin/notifications/templates/{kind}",
    "POST /admin/notifications/webhooks",
    "GET /admin/notifications/webhooks/{endpoint_id}",
    "POST /admin/notifications/webhooks/{endpoint_id}/{action}",
    "POST /admin/notifications/outbox/{message_id}/retry",
    "POST /admin/terminals/codes",
    "POST /admin/terminals/{terminal_id}/revoke",
    "GET /healthz",
    "GET /held",
    "POST /held",
    "GET /kiosk/{device_name}",
    "POST /kiosk/{device_name}/copy/end",
    "POST /kiosk/{device_name}/copy/start",
    "POST /kiosk/{device_name}/jobs",
    "POST /kiosk/{device_name}/sign-in",
    "POST /kiosk/{device_name}/sign-out",
    "GET /login",
    "POST /login",
    "POST /logout",
    "GET /m/{device_name}",
    "POST /m/{device_name}/release",
    "POST /m/{device_name}/sign-in",
    "POST /me/id-number",
    "POST /me/pin",
    "GET /metrics",
    "GET /readyz",
    "MOUNT /static",
)

#: Operations endpoints documented in the OpenAPI schema beside /api/v1.
HEALTH = ("GET /healthz", "GET /readyz", "GET /metrics")


def _walk(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # an included router: its routes under its prefix
            context = getattr(route, "include_context", None)
            yield from _walk(included.routes, prefix + (getattr(context, "prefix", "") or ""))
        else:
            yield prefix, route


def served_routes(app: FastAPI) -> set[str]:
    """"METHOD /path" of every route the app serves ("WS", "MOUNT" for the others)."""
    rows: set[str] = set()
    for prefix, route in _walk(app.routes):
        path = prefix + str(getattr(route, "path", "?"))
        methods = getattr(route, "methods", None)
        if methods:
            rows |= {f"{method} {path}" for method in methods if method != "HEAD"}
        elif "WebSocket" in type(route).__name__:
            rows.add(f"WS {path}")
        else:
            rows.add(f"MOUNT {path}")
    return rows


def test_the_app_serves_exactly_the_pinned_routes(client: TestClient) -> None:
    served = served_routes(client.app)  # type: ignore[arg-type]
    assert sorted(served - set(ROUTES)) == [], "new routes: add them to ROUTES"
    assert sorted(set(ROUTES) - served) == [], "routes gone: remove them from ROUTES"


def test_the_openapi_document_lists_every_pinned_api_route(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    documented = {f"{method.upper()} {path}" for path, item in paths.items()
                  for method in item}
    api = {row for row in ROUTES if row.split()[0] not in ("WS", "MOUNT")
           and (row.split()[1].startswith("/api/v1/") or row in HEALTH)
           and row != "GET /api/v1/openapi.json"}
    assert documented == api


def test_a_route_added_without_updating_the_pin_is_caught(client: TestClient) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    app.get("/api/v1/unreviewed")(lambda: {})
    assert served_routes(app) - set(ROUTES) == {"GET /api/v1/unreviewed"}
