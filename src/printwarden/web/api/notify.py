"""REST: notification settings, e-mail templates, webhook endpoints and the outbox
(``docs/notifications.md``). Admins only; secrets are write-only (a webhook secret is
answered once, when it is made)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from printwarden.notify.events import TEMPLATE_KINDS, WEBHOOK_EVENTS
from printwarden.notify.templates import TemplateRefused
from printwarden.web.api.notify_schemas import (
    EndpointIn,
    EndpointOut,
    EndpointPatch,
    MessageOut,
    SettingsIn,
    TemplateIn,
    TemplateOut,
)
from printwarden.web.deps import AdminOnly, Container
from printwarden.web.errors import error_body

router = APIRouter(prefix="/api/v1/notify", tags=["notifications"])


def refused(exc: TemplateRefused) -> JSONResponse:
    """A template that cannot be saved: 422 with the field, the line and the reason."""
    return JSONResponse(error_body("invalid", exc.message, fields=[
        {"field": exc.field, "line": exc.line, "reason": exc.reason}]), 422)


@router.get("/events", summary="Event types webhooks may subscribe to; template kinds")
def list_events(_: AdminOnly) -> dict[str, Any]:
    return {"webhook_events": list(WEBHOOK_EVENTS), "template_kinds": list(TEMPLATE_KINDS)}


@router.get("/settings", summary="SMTP and notification settings (the password never)")
def get_settings(_: AdminOnly, container: Container) -> dict[str, Any]:
    return container.notify.settings().public()


@router.patch("/settings")
def update_settings(body: SettingsIn, admin: AdminOnly, container: Container) -> dict[str, Any]:
    return container.notify.update_settings(body.changes(), actor=admin.name).public()


@router.get("/templates")
def list_templates(_: AdminOnly, container: Container) -> list[TemplateOut]:
    return [TemplateOut.of(t) for t in container.notify.templates()]


@router.get("/templates/{kind}", response_model=TemplateOut)
def get_template(kind: str, _: AdminOnly, container: Container) -> TemplateOut:
    return TemplateOut.of(container.notify.template(kind))


@router.put("/templates/{kind}", response_model=TemplateOut,
            summary="Save a template (422 with line and reason when it cannot render)")
def save_template(kind: str, body: TemplateIn, admin: AdminOnly,
                  container: Container) -> TemplateOut | JSONResponse:
    try:
        return TemplateOut.of(container.notify.save_template(
            kind, subject=body.subject, body=body.body, enabled=body.enabled,
            actor=admin.name))
    except TemplateRefused as exc:
        return refused(exc)


@router.delete("/templates/{kind}", response_model=TemplateOut,
               summary="Go back to the built-in template")
def reset_template(kind: str, admin: AdminOnly, container: Container) -> TemplateOut:
    return TemplateOut.of(container.notify.reset_template(kind, actor=admin.name))


@router.post("/templates/{kind}/preview", response_model=None,
             summary="Render a template with sample data (422 as a save would refuse)")
def preview_template(kind: str, body: TemplateIn, _: AdminOnly,
                     container: Container) -> dict[str, str] | JSONResponse:
    try:
        rendered = container.notify.preview(kind, body.subject, body.body)
    except TemplateRefused as exc:
        return refused(exc)
    return {"subject": rendered.subject, "body": rendered.body}


@router.get("/webhooks")
def list_webhooks(_: AdminOnly, container: Container) -> list[EndpointOut]:
    return [EndpointOut.of(e) for e in container.notify.endpoints()]


@router.post("/webhooks", status_code=201, response_model=EndpointOut,
             summary="Add an endpoint; its secret is answered this once")
def create_webhook(body: EndpointIn, admin: AdminOnly, container: Container) -> EndpointOut:
    endpoint, secret = container.notify.create_endpoint(
        url=body.url, events=body.events, description=body.description,
        enabled=body.enabled, secret=body.secret, actor=admin.name)
    return EndpointOut.of(endpoint, secret)


@router.get("/webhooks/{endpoint_id}", response_model=EndpointOut)
def get_webhook(endpoint_id: str, _: AdminOnly, container: Container) -> EndpointOut:
    return EndpointOut.of(container.notify.endpoint(endpoint_id))


@router.patch("/webhooks/{endpoint_id}", response_model=EndpointOut,
              summary="Change an endpoint (rotate_secret: a new secret, answered once)")
def update_webhook(endpoint_id: str, body: EndpointPatch, admin: AdminOnly,
                   container: Container) -> EndpointOut:
    endpoint, secret = container.notify.update_endpoint(
        endpoint_id, url=body.url, events=body.events, description=body.description,
        enabled=body.enabled, rotate_secret=body.rotate_secret, actor=admin.name)
    return EndpointOut.of(endpoint, secret)


@router.delete("/webhooks/{endpoint_id}", status_code=204)
def delete_webhook(endpoint_id: str, admin: AdminOnly, container: Container) -> None:
    container.notify.delete_endpoint(endpoint_id, actor=admin.name)


@router.post("/webhooks/{endpoint_id}/test", status_code=202,
             summary="Queue a webhook.test delivery to this endpoint")
def test_webhook(endpoint_id: str, admin: AdminOnly, container: Container) -> dict[str, str]:
    return {"delivery_id": container.notify.send_test(endpoint_id, actor=admin.name)}


@router.get("/webhooks/{endpoint_id}/deliveries", summary="Its recent deliveries")
def list_deliveries(endpoint_id: str, _: AdminOnly, container: Container,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[MessageOut]:
    container.notify.endpoint(endpoint_id)
    return [MessageOut.of(m) for m in
            container.notify.messages(endpoint_id=endpoint_id, limit=limit)]


@router.get("/outbox", summary="Recent messages (state=dead: those that gave up)")
def list_outbox(_: AdminOnly, container: Container,
                state: Annotated[str | None, Query(max_length=10)] = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    messages = container.notify.messages(state=state, limit=limit)
    return {"counts": container.notify.counts(),
            "items": [MessageOut.of(m) for m in messages]}


@router.post("/outbox/{message_id}/retry", response_model=MessageOut,
             summary="Send a dead message again (its attempts start over)")
def retry_message(message_id: str, admin: AdminOnly, container: Container) -> MessageOut:
    return MessageOut.of(container.notify.retry(message_id, actor=admin.name))
