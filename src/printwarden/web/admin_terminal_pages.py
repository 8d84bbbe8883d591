"""Admin page for terminals: ``/admin/terminals`` lists enrolled terminals (with a revoke
button) and enrolment codes (never the codes); a form creates a one-time code for a
device, shown once in the answer to that form and nowhere else (it is stored hashed, the
answer is not cached, a reload of the list does not show it). Uses ``TerminalService``
as the REST routes do; admin only, CSRF-checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.container import ServerContainer
from printwarden.core.errors import PrintwardenError
from printwarden.core.principal import Principal
from printwarden.web.admin_forms import admin_or_login, ascii_int
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.errors import status_for
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)
PATH = "/admin/terminals"
#: Longest a code may stay valid (as the REST route: 30 days).
MAX_TTL_HOURS = 24 * 30
_ID = 26
Short = Annotated[str, Form(max_length=200)]


def _terminals_page(request: Request, container: ServerContainer, principal: Principal,
                    *, error: str = "", new_code: str = "", new_code_device: str = "",
                    status: int = 200) -> HTMLResponse:
    devices = container.devices.list_devices()
    names = {d.id: d.name for d in devices}
    answer = page(request, "admin_terminals.html", principal, status=status,
                  terminals=container.terminals.list_terminals(),
                  codes=container.terminals.list_codes(), devices=devices, names=names,
                  error=error, new_code=new_code, new_code_device=new_code_device)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.get(PATH, response_class=HTMLResponse)
def terminals_page(request: Request, principal: CurrentPrincipal,
                   container: Container) -> Response:
    return admin_or_login(principal) or _terminals_page(request, container, principal)


@router.post(PATH + "/codes", response_class=HTMLResponse)
def create_code(request: Request, principal: CurrentPrincipal, container: Container,
                device_id: Short = "", ttl_hours: Short = "24", csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    try:
        hours = ascii_int(ttl_hours, "the code's lifetime in hours", 1, MAX_TTL_HOURS)
    except ValueError as exc:
        return _terminals_page(request, container, principal, error=str(exc), status=400)
    if not device_id:
        return _terminals_page(request, container, principal, error="choose a device",
                               status=400)
    try:
        code, record = container.terminals.create_code(
            device_id[:_ID], actor=principal.name, ttl=timedelta(hours=hours))
    except PrintwardenError as exc:
        return _terminals_page(request, container, principal, error=exc.message,
                               status=status_for(exc))
    device = container.devices.get_device(record.device_id)
    return _terminals_page(request, container, principal, new_code=code,
                           new_code_device=device.name, status=201)


@router.post(PATH + "/{terminal_id}/revoke", response_class=HTMLResponse)
def revoke_terminal(terminal_id: str, request: Request, principal: CurrentPrincipal,
                    container: Container, csrf: Short = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    try:
        container.terminals.revoke(terminal_id[:_ID], actor=principal.name)
    except PrintwardenError as exc:
        return _terminals_page(request, container, principal, error=exc.message,
                               status=status_for(exc))
    return RedirectResponse(PATH, status_code=303)
