"""Admin page for release groups: ``/admin/release-groups`` lists each group with its
devices; forms create a group and add or remove a device (``DevicesService``, as the REST
routes do). Admin only, CSRF-checked; a refused change is shown at the top of the page
with the status the service's error maps to (400, 404, 409)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.container import ServerContainer
from printwarden.core.errors import PrintwardenError
from printwarden.core.principal import Principal
from printwarden.web.admin_forms import admin_or_login
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.errors import status_for
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)
PATH = "/admin/release-groups"
_ID = 26
Text = Annotated[str, Form(max_length=1000)]
Id = Annotated[str, Form(max_length=200)]


def _groups_page(request: Request, container: ServerContainer, principal: Principal,
                 error: str = "", status: int = 200, typed: str = "") -> HTMLResponse:
    devices = container.devices.list_devices()
    names = {d.id: d.name for d in devices}
    groups = [{"group": group, "members": [(i, names.get(i, i)) for i in group.device_ids],
               "others": [d for d in devices if d.id not in group.device_ids]}
              for group in container.devices.list_release_groups()]
    return page(request, "admin_release_groups.html", principal, status=status,
                groups=groups, error=error, typed=typed)


@router.get(PATH, response_class=HTMLResponse)
def release_groups_page(request: Request, principal: CurrentPrincipal,
                        container: Container) -> Response:
    return admin_or_login(principal) or _groups_page(request, container, principal)


@router.post(PATH, response_class=HTMLResponse)
def create_release_group(request: Request, principal: CurrentPrincipal,
                         container: Container, name: Text = "", description: Text = "",
                         csrf: Id = "") -> Response:
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    try:
        container.devices.create_release_group(name.strip(), actor=principal.name,
                                               description=description.strip())
    except PrintwardenError as exc:
        return _groups_page(request, container, principal, exc.message, status_for(exc),
                            typed=name)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{group_id}/{action}", response_class=HTMLResponse)
def change_members(group_id: str, action: str, request: Request,
                   principal: CurrentPrincipal, container: Container,
                   device_id: Id = "", csrf: Id = "") -> Response:
    """``action`` is ``add`` or ``remove``: ``device_id`` joins or leaves the group."""
    denied = admin_or_login(principal)
    if denied is not None:
        return denied
    check_csrf(request, csrf)
    devices = container.devices
    change = {"add": devices.add_release_group_member,
              "remove": devices.remove_release_group_member}.get(action)
    if change is None or not device_id:
        return _groups_page(request, container, principal, "choose a device to add or "
                            "remove", 400)
    try:
        change(group_id[:_ID], device_id[:_ID], actor=principal.name)
    except PrintwardenError as exc:
        return _groups_page(request, container, principal, exc.message, status_for(exc))
    return RedirectResponse(PATH, status_code=303)
