"""What the kiosk (``/kiosk/DEVICE``) and mobile (``/m/DEVICE``) pages share: the device
named in the path, acting on held jobs there, and a refused sign-in shown on the page.

A device page never trusts a device id from a form: the device is the one named in the
path, so a page of device X releases only at X.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import HTMLResponse

from printwarden.container import ServerContainer
from printwarden.core.errors import NotFoundError, PrintwardenError, TooManyAttempts
from printwarden.core.principal import Principal
from printwarden.devices.device_model import Device
from printwarden.release.held_jobs import ReleaseOutcome
from printwarden.web.errors import status_for

#: Longest device name accepted in a path (names are far shorter; see ``check_name``).
MAX_DEVICE_NAME = 100
#: Most jobs one form may name.
MAX_JOBS_PER_FORM = 500


def device_named(container: ServerContainer, name: str) -> Device:
    """The enabled device ``name``; NotFoundError (a 404 page) otherwise."""
    device = (container.devices.find_device_by_name(name)
              if 0 < len(name) <= MAX_DEVICE_NAME else None)
    if device is None or not device.enabled:
        raise NotFoundError(f"no device named {name[:MAX_DEVICE_NAME]!r} takes releases here")
    return device


def act_on_jobs(container: ServerContainer, principal: Principal, device: Device,
                action: str, job_ids: Sequence[str] | None) -> tuple[list[ReleaseOutcome], int]:
    """Release ``job_ids`` (none: all) at ``device``, or delete them; the outcomes and the
    page's status code."""
    chosen = [str(one)[:26] for one in (job_ids or [])][:MAX_JOBS_PER_FORM]
    if action == "release":
        return container.release.release(principal, device.id, chosen or None), 200
    if action == "delete" and chosen:
        return container.release.delete(principal, chosen), 200
    return [ReleaseOutcome("", False, "choose jobs, then Release or Delete")], 400


def refused_sign_in(page: HTMLResponse, exc: PrintwardenError) -> HTMLResponse:
    """``page`` (showing ``exc.message``) with the status of the refusal."""
    page.status_code = status_for(exc)
    if isinstance(exc, TooManyAttempts):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


def no_store(page: HTMLResponse) -> HTMLResponse:
    """Pages that show someone's jobs are never cached (a shared tablet, a phone)."""
    page.headers["Cache-Control"] = "no-store"
    return page
