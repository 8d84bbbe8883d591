"""Mobile release, ``/m/DEVICE``: the page a device's QR code opens on a phone. Sign in
with login + password (or come with a web session), see one's held jobs priced for this
device, release them to it.

Signing in here is an ordinary web sign-in (the same session as ``/login``, throttled per
name and source like it); only the release target differs: always the device named in
the path. The printable sheet of every device's QR code is ``/admin/devices/qr-codes``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.container import ServerContainer
from printwarden.core.errors import PermissionDenied, PrintwardenError, ValidationError
from printwarden.core.principal import Principal
from printwarden.devices.device_model import Device
from printwarden.release.held_jobs import ReleaseOutcome
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import SESSION_USER_KEY, Container, CurrentPrincipal, client_source
from printwarden.web.device_pages import act_on_jobs, device_named, no_store, refused_sign_in
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)


def mobile_url(container: ServerContainer, device: Device) -> str:
    """The address a device's QR code opens."""
    return f"{container.settings.effective_public_url}/m/{quote(device.name, safe='')}"


def _mobile_page(request: Request, container: ServerContainer, device: Device,
                 principal: Principal, *, outcomes: list[ReleaseOutcome] | None = None,
                 error: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    user = principal if principal.kind == "user" else None
    jobs = container.release.held_jobs(user.id, device_id=device.id) if user else []
    context: dict[str, Any] = {"device": device, "user": user, "jobs": jobs,
                               "outcomes": outcomes or [], "error": error,
                               "username": username}
    return no_store(page(request, "mobile.html", principal, status=status, **context))


@router.get("/m/{device_name}", response_class=HTMLResponse)
def mobile(request: Request, container: Container, principal: CurrentPrincipal,
           device_name: str) -> Response:
    return _mobile_page(request, container, device_named(container, device_name), principal)


@router.post("/m/{device_name}/sign-in", response_class=HTMLResponse)
def mobile_sign_in(
    request: Request,
    container: Container,
    principal: CurrentPrincipal,
    device_name: str,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    device = device_named(container, device_name)
    try:
        if not username.strip() or not password:
            raise ValidationError("enter your login and password")
        user = container.accounts.authenticate_password(username.strip(), password,
                                                        source=client_source(request))
    except PrintwardenError as exc:
        shown = _mobile_page(request, container, device, principal, error=exc.message,
                             username=username[:256])
        return refused_sign_in(shown, exc)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse(f"/m/{quote(device.name, safe='')}", status_code=303)


@router.post("/m/{device_name}/release", response_class=HTMLResponse)
def mobile_release(
    request: Request,
    container: Container,
    principal: CurrentPrincipal,
    device_name: str,
    job_id: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    device = device_named(container, device_name)
    if principal.kind != "user":
        return _mobile_page(request, container, device, principal, status=401,
                            error="sign in first")
    outcomes, status = act_on_jobs(container, principal, device, "release", job_id)
    return _mobile_page(request, container, device, principal, outcomes=outcomes,
                        status=status)


@router.get("/admin/devices/qr-codes", response_class=HTMLResponse)
def qr_sheet(request: Request, container: Container, principal: CurrentPrincipal) -> Response:
    """A printable page: per enabled device its name, location and the QR code of its
    mobile release page (inline SVG, made with segno)."""
    if principal.kind == "anonymous":
        return RedirectResponse("/login", status_code=303)
    if not principal.has_role("admin", "operator"):
        raise PermissionDenied("needs role admin or operator")
    cards = []
    for device in container.devices.list_devices():
        if not device.enabled:
            continue
        url = mobile_url(container, device)
        code = segno.make(url, error="m")
        cards.append({"device": device, "url": url,
                      "svg": code.svg_inline(scale=6, title=f"Release at {device.name}")})
    return page(request, "qr_sheet.html", principal, cards=cards)
