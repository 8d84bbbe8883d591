"""Admin pages for devices: ``/admin/devices`` lists every device with its last reported
status, reasons and supplies and whether it is read over SNMP; ``/admin/devices/new``
and ``/admin/devices/{id}`` create and edit one (SNMP settings and pricing group
included) through ``DevicesService``, as the REST routes do.

Admin only (``admin_or_login``); forms carry the session's CSRF token; a refused change
is shown as a message on its field, with what was typed kept, and answered 422 (409 for
a name that is taken, 404 for an agent or group that is gone).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.container import ServerContainer
from printwarden.core.errors import NotFoundError, PrintwardenError
from printwarden.core.principal import Principal
from printwarden.web.admin_device_form import (
    DEVICE_FIELD_WORDS,
    SNMP_PROFILES,
    DeviceForm,
    blank_form,
    form_of_device,
    read_form,
)
from printwarden.web.admin_forms import admin_or_login, field_of_message
from printwarden.web.csrf import check_csrf
from printwarden.web.dashboard import status_cell
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.errors import status_for
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)
_ID_LENGTH = 26


def _device_rows(container: ServerContainer) -> list[dict[str, Any]]:
    agents = {a.id: a.name for a in container.devices.list_agents()}
    groups = {g.id: g.name for g in container.devices.list_groups()}
    statuses = container.devices.device_statuses()
    return [{"device": device, "agent": agents.get(device.agent_id or "", ""),
             "group": groups.get(device.group_id or "", ""),
             "status": status_cell(statuses.get(device.id)),
             "reasons": statuses[device.id].reasons if device.id in statuses else (),
             "supplies": statuses[device.id].supplies if device.id in statuses else ()}
            for device in container.devices.list_devices()]


@router.get("/admin/devices", response_class=HTMLResponse)
def devices_page(request: Request, principal: CurrentPrincipal,
                 container: Container) -> Response:
    return admin_or_login(principal) or page(request, "admin_devices.html", principal,
                                             rows=_device_rows(container))


def _form_page(request: Request, container: ServerContainer, principal: Principal,
               form: DeviceForm, device_id: str | None, status: int = 200) -> HTMLResponse:
    return page(request, "admin_device_form.html", principal, status=status, form=form,
                device_id=device_id, agents=container.devices.list_agents(),
                groups=container.devices.list_groups(), profiles=SNMP_PROFILES)


@router.get("/admin/devices/new", response_class=HTMLResponse)
def new_device_page(request: Request, principal: CurrentPrincipal,
                    container: Container) -> Response:
    return admin_or_login(principal) or _form_page(request, container, principal,
                                                   blank_form(), None)


@router.get("/admin/devices/{device_id}", response_class=HTMLResponse)
def edit_device_page(device_id: str, request: Request, principal: CurrentPrincipal,
                     container: Container) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    device = container.devices.get_device(device_id[:_ID_LENGTH])
    return _form_page(request, container, principal, form_of_device(device), device.id)


async def _submit(request: Request, principal: Principal, container: ServerContainer,
                  device_id: str | None) -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    form = await request.form()
    check_csrf(request, str(form.get("csrf") or ""))
    fields = {key: value for key, value in form.items() if isinstance(value, str)}

    def work() -> Response:
        current = container.devices.get_device(device_id) if device_id else None
        typed, changes = read_form(fields, creating=current is None)
        if current is not None:
            typed.community_set = bool(current.snmp_community)
        if typed.errors:
            return _form_page(request, container, principal, typed, device_id, 422)
        try:
            if current is None:
                name = changes.pop("name")
                saved = container.devices.create_device(name, actor=principal.name, **changes)
            else:
                saved = container.devices.update_device(current.id, changes,
                                                        actor=principal.name)
        except PrintwardenError as exc:
            typed.errors[field_of_message(exc.message, DEVICE_FIELD_WORDS)] = exc.message
            return _form_page(request, container, principal, typed, device_id,
                              status_for(exc))
        return RedirectResponse(f"/admin/devices/{saved.id}?saved=1", status_code=303)

    return await run_in_threadpool(work)


@router.post("/admin/devices/new", response_class=HTMLResponse)
async def create_device(request: Request, principal: CurrentPrincipal,
                        container: Container) -> Response:
    return await _submit(request, principal, container, None)


@router.post("/admin/devices/{device_id}", response_class=HTMLResponse)
async def update_device(device_id: str, request: Request, principal: CurrentPrincipal,
                        container: Container) -> Response:
    if len(device_id) > _ID_LENGTH:
        raise NotFoundError("no such device")
    return await _submit(request, principal, container, device_id)
