"""The web page of a user's held jobs: choose a device, see each job's cost there, release
or delete jobs. Forms carry the session's CSRF token; results are shown on the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.core.principal import Principal
from printwarden.release.held_jobs import ReleaseOutcome
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import Container, CurrentPrincipal
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)


def _held_page(request: Request, container: Container, principal: Principal,
               device_id: str | None, outcomes: list[ReleaseOutcome] | None = None,
               status: int = 200) -> HTMLResponse:
    devices = container.release.devices_for(principal.id)
    chosen = device_id if any(d.id == device_id for d in devices) else (
        devices[0].id if devices else None)
    jobs = container.release.held_jobs(principal.id, device_id=chosen)
    context: dict[str, Any] = {"devices": devices, "device_id": chosen, "jobs": jobs,
                               "outcomes": outcomes or []}
    return page(request, "held.html", principal, status=status, **context)


@router.get("/held", response_class=HTMLResponse)
def held_jobs(request: Request, principal: CurrentPrincipal, container: Container,
              device: str | None = None) -> Response:
    if principal.kind != "user":
        return RedirectResponse("/login", status_code=303)
    return _held_page(request, container, principal, (device or "")[:26] or None)


@router.post("/held", response_class=HTMLResponse)
def act_on_held_jobs(
    request: Request,
    principal: CurrentPrincipal,
    container: Container,
    action: Annotated[str, Form(max_length=10)] = "",
    device_id: Annotated[str, Form(max_length=26)] = "",
    job_id: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    if principal.kind != "user":
        return RedirectResponse("/login", status_code=303)
    chosen = [str(one)[:26] for one in (job_id or [])][:500]
    if action == "release" and device_id:
        outcomes = container.release.release(principal, device_id, chosen or None)
    elif action == "delete" and chosen:
        outcomes = container.release.delete(principal, chosen)
    else:
        outcomes = [ReleaseOutcome("", False, "choose a device and jobs, then Release or "
                                   "Delete")]
        return _held_page(request, container, principal, device_id or None, outcomes, 400)
    return _held_page(request, container, principal, device_id or None, outcomes)
