"""Admin pages for notifications (``/admin/notifications``): the SMTP and warning
settings, the e-mail templates (edit with the line and reason of an error, preview,
back to the default), webhook endpoints (create, edit, disable, test, rotate the secret,
delete, recent deliveries) and the outbox's dead messages with a retry button.

Uses ``NotifyService`` as the REST routes do; admin only, CSRF-checked. Secrets are
write-only: the SMTP password field is always empty (empty keeps the stored one), and a
webhook secret is shown once, in the answer to the form that made or rotated it (not
cached, not in any later page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.container import ServerContainer
from printwarden.core.errors import PrintwardenError
from printwarden.core.principal import Principal
from printwarden.notify.events import WEBHOOK_EVENTS
from printwarden.notify.templates import Rendered, TemplateRefused
from printwarden.web.admin_forms import admin_or_login, checked
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.errors import status_for
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)
PATH = "/admin/notifications"
_ID = 26
Short = Annotated[str, Form(max_length=2000)]
Long = Annotated[str, Form(max_length=40_000)]
Flag = Annotated[str | None, Form(max_length=10)]
Events = Annotated[list[str], Form(max_length=20)]
#: Events shown as checkboxes on the webhook forms (``webhook.test`` is sent by a button).
SUBSCRIBABLE = tuple(e for e in WEBHOOK_EVENTS if e != "webhook.test")


def _no_store(answer: HTMLResponse) -> HTMLResponse:
    answer.headers["Cache-Control"] = "no-store"
    return answer


def _overview(request: Request, container: ServerContainer, principal: Principal, *,
              error: str = "", field: str = "", form: dict[str, Any] | None = None,
              new_secret: str = "", new_endpoint: str = "", status: int = 200) -> HTMLResponse:
    notify = container.notify
    settings = notify.settings().public()
    return _no_store(page(
        request, "admin_notifications.html", principal, status=status,
        settings={**settings, **(form or {})}, templates=notify.templates(),
        endpoints=notify.endpoints(), dead=notify.messages(state="dead"),
        counts=notify.counts(), events=SUBSCRIBABLE, error=error, field=field,
        new_secret=new_secret, new_endpoint=new_endpoint))


@router.get(PATH, response_class=HTMLResponse)
def notifications_page(request: Request, principal: CurrentPrincipal,
                       container: Container) -> Response:
    return admin_or_login(principal) or _overview(request, container, principal)


@router.post(PATH + "/settings", response_class=HTMLResponse)
def save_settings(request: Request, principal: CurrentPrincipal, container: Container,
                  smtp_host: Short = "", smtp_port: Short = "", smtp_from: Short = "",
                  smtp_tls: Short = "starttls", smtp_username: Short = "",
                  smtp_password: Short = "", smtp_password_clear: Flag = None,
                  smtp_timeout_seconds: Short = "20", expiry_warning_minutes: Short = "",
                  csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    form = {"smtp_host": smtp_host, "smtp_port": smtp_port, "smtp_from": smtp_from,
            "smtp_tls": smtp_tls, "smtp_username": smtp_username,
            "smtp_timeout_seconds": smtp_timeout_seconds,
            "expiry_warning_minutes": expiry_warning_minutes}
    try:
        container.notify.update_settings(
            {**form, "smtp_password": smtp_password,
             "smtp_password_clear": checked(smtp_password_clear)}, actor=principal.name)
    except PrintwardenError as exc:
        field = next((f for f in form if f in exc.message), "")
        return _overview(request, container, principal, error=exc.message, field=field,
                         form=form, status=status_for(exc))
    return RedirectResponse(PATH, status_code=303)


# --- templates ------------------------------------------------------------------------------


def _template_page(request: Request, container: ServerContainer, principal: Principal,
                   kind: str, *, subject: str | None = None, body: str | None = None,
                   enabled: bool | None = None, refused: TemplateRefused | None = None,
                   preview: Rendered | None = None, status: int = 200) -> HTMLResponse:
    view = container.notify.template(kind)
    return _no_store(page(
        request, "admin_notify_template.html", principal, status=status, view=view,
        subject=view.subject if subject is None else subject,
        body=view.body if body is None else body,
        enabled=view.enabled if enabled is None else enabled, refused=refused,
        preview=preview))


@router.get(PATH + "/templates/{kind}", response_class=HTMLResponse)
def template_page(kind: str, request: Request, principal: CurrentPrincipal,
                  container: Container) -> Response:
    return admin_or_login(principal) or _template_page(
        request, container, principal, kind[:40])


@router.post(PATH + "/templates/{kind}", response_class=HTMLResponse)
def template_action(kind: str, request: Request, principal: CurrentPrincipal,
                    container: Container, action: Short = "save", subject: Long = "",
                    body: Long = "", enabled: Flag = None, csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    kind = kind[:40]
    notify = container.notify
    on = checked(enabled)
    try:
        if action == "preview":
            shown = notify.preview(kind, subject, body)
            return _template_page(request, container, principal, kind, subject=subject,
                                  body=body, enabled=on, preview=shown)
        if action == "reset":
            notify.reset_template(kind, actor=principal.name)
        else:
            notify.save_template(kind, subject=subject, body=body, enabled=on,
                                 actor=principal.name)
    except TemplateRefused as exc:
        return _template_page(request, container, principal, kind, subject=subject,
                              body=body, enabled=on, refused=exc, status=422)
    return RedirectResponse(PATH, status_code=303)


# --- webhook endpoints ------------------------------------------------------------------------


@router.post(PATH + "/webhooks", response_class=HTMLResponse)
def create_webhook(request: Request, principal: CurrentPrincipal, container: Container,
                   url: Short = "", description: Short = "", events: Events | None = None,
                   csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    try:
        endpoint, secret = container.notify.create_endpoint(
            url=url, events=list(events or []), description=description,
            actor=principal.name)
    except PrintwardenError as exc:
        return _overview(request, container, principal, error=exc.message, field="url",
                         status=status_for(exc))
    return _overview(request, container, principal, new_secret=secret,
                     new_endpoint=endpoint.url, status=201)


def _webhook_page(request: Request, container: ServerContainer, principal: Principal,
                  endpoint_id: str, *, error: str = "", notice: str = "",
                  new_secret: str = "", status: int = 200) -> HTMLResponse:
    endpoint = container.notify.endpoint(endpoint_id)
    return _no_store(page(
        request, "admin_notify_webhook.html", principal, status=status, endpoint=endpoint,
        deliveries=container.notify.messages(endpoint_id=endpoint.id, limit=50),
        events=SUBSCRIBABLE, error=error, notice=notice, new_secret=new_secret))


@router.get(PATH + "/webhooks/{endpoint_id}", response_class=HTMLResponse)
def webhook_page(endpoint_id: str, request: Request, principal: CurrentPrincipal,
                 container: Container) -> Response:
    return admin_or_login(principal) or _webhook_page(
        request, container, principal, endpoint_id[:_ID])


@router.post(PATH + "/webhooks/{endpoint_id}/{action}", response_class=HTMLResponse)
def webhook_action(endpoint_id: str, action: str, request: Request,
                   principal: CurrentPrincipal, container: Container, url: Short = "",
                   description: Short = "", events: Events | None = None,
                   enabled: Flag = None, csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    endpoint_id = endpoint_id[:_ID]
    notify = container.notify
    try:
        if action == "save":
            notify.update_endpoint(endpoint_id, url=url, events=list(events or []),
                                   description=description, enabled=checked(enabled),
                                   actor=principal.name)
        elif action == "test":
            delivery = notify.send_test(endpoint_id, actor=principal.name)
            return _webhook_page(request, container, principal, endpoint_id,
                                 notice=f"test delivery {delivery} queued")
        elif action == "rotate":
            _, secret = notify.update_endpoint(endpoint_id, rotate_secret=True,
                                               actor=principal.name)
            return _webhook_page(request, container, principal, endpoint_id,
                                 new_secret=secret or "")
        elif action == "delete":
            notify.delete_endpoint(endpoint_id, actor=principal.name)
            return RedirectResponse(PATH, status_code=303)
        elif action in ("enable", "disable"):
            notify.update_endpoint(endpoint_id, enabled=action == "enable",
                                   actor=principal.name)
            return RedirectResponse(PATH, status_code=303)
        else:
            return _webhook_page(request, container, principal, endpoint_id,
                                 error=f"unknown action {action[:20]!r}", status=404)
    except PrintwardenError as exc:
        if status_for(exc) == 404:
            raise
        return _webhook_page(request, container, principal, endpoint_id,
                             error=exc.message, status=status_for(exc))
    return RedirectResponse(f"{PATH}/webhooks/{endpoint_id}", status_code=303)


@router.post(PATH + "/outbox/{message_id}/retry", response_class=HTMLResponse)
def retry_message(message_id: str, request: Request, principal: CurrentPrincipal,
                  container: Container, csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    try:
        container.notify.retry(message_id[:_ID], actor=principal.name)
    except PrintwardenError as exc:
        return _overview(request, container, principal, error=exc.message,
                         status=status_for(exc))
    return RedirectResponse(PATH, status_code=303)

