"""The eTerminal kiosk, ``/kiosk/DEVICE``: a page for a tablet beside a device (or the
MFP's own browser). Sign in by card (a keyboard-wedge reader types digits + Enter into the
focused field), card + PIN, ID number or login + password; see one's held jobs priced for
this device; release or delete them; sign out, or be signed out after the idle time.

Sign-ins go through the accounts' device sign-in methods with the terminal key
``kiosk:DEVICE_ID`` and the client's address, so failures are throttled per user, kiosk
and source and audited like a terminal's. The sign-in itself lives in the session cookie
(``kiosk_session.py``): bound to this device, ended by the server after the idle time.

Copy sessions (``release/kiosk_copies.py``) are offered at devices read over SNMP that
have no terminal: "Start copy session" makes the server read the device's counters and
reserve what the user may spend, "End copy session" reads them again and shows what was
charged, or that the session was flagged for an operator. Signing out, a new sign-in and
the idle rule close an open copy session the same way (the idle rule: when the kiosk
sign-in has expired at the next request, or by the scheduler's sweep).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.accounts.model import User
from printwarden.container import ServerContainer
from printwarden.core.errors import AuthenticationFailed, PrintwardenError, ValidationError
from printwarden.core.money import Money
from printwarden.core.principal import ANONYMOUS, Principal
from printwarden.devices.device_model import Device
from printwarden.release.card_registration import UnknownCard, by_card, register_card
from printwarden.release.held_jobs import ReleaseOutcome
from printwarden.release.kiosk_copy_model import KioskCopySession
from printwarden.web import kiosk_session
from printwarden.web.csrf import check_csrf
from printwarden.web.deps import Container, client_source
from printwarden.web.device_pages import act_on_jobs, device_named, no_store, refused_sign_in
from printwarden.web.errors import status_for
from printwarden.web.pages import page

router = APIRouter(include_in_schema=False)

SIGN_IN_METHODS = ("card", "id-number", "password", "register-card")


def kiosk_terminal(device: Device) -> str:
    """The terminal key a kiosk's sign-ins are throttled and audited under."""
    return f"kiosk:{device.id}"


def _signed_in(request: Request, container: ServerContainer,
               device: Device) -> Principal | None:
    held = kiosk_session.current(request, device.id, container.clock.now(),
                                 container.settings.kiosk_idle_seconds)
    if held is None:
        container.kiosk_copies.close_idle_at(device)  # the idle rule, noticed now
        return None
    principal = container.principal_for_user(held.user_id)
    if principal is None:  # deactivated meanwhile
        kiosk_session.end(request)
        container.kiosk_copies.close_open_at(device, reason="signed_out")
    return principal


def _kiosk_page(request: Request, container: ServerContainer, device: Device,
                user: Principal | None, *, outcomes: list[ReleaseOutcome] | None = None,
                error: str = "", method: str = "card", status: int = 200,
                unknown_card: str = "", copy_closed: KioskCopySession | None = None,
                copy_error: str = "") -> HTMLResponse:
    jobs = container.release.held_jobs(user.id, device_id=device.id) if user else []
    copies = container.kiosk_copies
    copy_open = copies.open_for(user.id, device.id) if user else None
    context: dict[str, Any] = {
        "device": device, "user": user, "jobs": jobs, "outcomes": outcomes or [],
        "error": error, "method": method if method in SIGN_IN_METHODS else "card",
        "pin_required": not container.settings.card_alone_allowed,
        # the card just read, offered for self-registration (only where the site allows)
        "unknown_card": (unknown_card if container.settings.terminal_card_self_registration
                         else ""),
        "idle_seconds": container.settings.kiosk_idle_seconds,
        "copy_offered": user is not None and copies.unavailable(device) is None,
        "copy_open": copy_open, "copy_closed": copy_summary(copy_closed),
        "copy_error": copy_error,
        "copy_limit": Money(copy_open.limit_minor, copy_open.currency).format()
        if copy_open else ""}
    return no_store(page(request, "kiosk.html", ANONYMOUS, status=status, **context))


@router.get("/kiosk/{device_name}", response_class=HTMLResponse)
def kiosk(request: Request, container: Container, device_name: str) -> Response:
    device = device_named(container, device_name)
    return _kiosk_page(request, container, device, _signed_in(request, container, device))


@router.post("/kiosk/{device_name}/sign-in", response_class=HTMLResponse)
def kiosk_sign_in(
    request: Request,
    container: Container,
    device_name: str,
    method: Annotated[str, Form(max_length=20)] = "card",
    card: Annotated[str, Form(max_length=200)] = "",
    pin: Annotated[str, Form(max_length=100)] = "",
    id_number: Annotated[str, Form(max_length=100)] = "",
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    device = device_named(container, device_name)
    try:
        user = _authenticate(container, device, request, method, card=card, pin=pin,
                             id_number=id_number, username=username, password=password)
        principal = container.principal_for_user(user.id)
        if principal is None:
            raise AuthenticationFailed("invalid credentials")
    except PrintwardenError as exc:
        shown = _kiosk_page(request, container, device, None, error=exc.message,
                            method=method, unknown_card=card.strip()[:200] if (
                                method in ("card", "register-card")
                                and type(exc) is UnknownCard) else "")
        return refused_sign_in(shown, exc)
    container.kiosk_copies.close_open_at(device, reason="replaced")
    kiosk_session.begin(request, user.id, device.id, container.clock.now())
    released = container.release.release_on_sign_in(principal, device.id)
    if released:  # shown at once: a redirect would lose what was released
        return _kiosk_page(request, container, device, principal, outcomes=released)
    return RedirectResponse(f"/kiosk/{device.name}", status_code=303)


def _authenticate(container: ServerContainer, device: Device, request: Request,
                  method: str, *, card: str, pin: str, id_number: str, username: str,
                  password: str) -> User:
    accounts = container.accounts
    where = {"terminal": kiosk_terminal(device), "source": client_source(request)}
    if method == "card":
        if not card.strip():
            raise ValidationError("hold your card to the reader")
        return by_card(lambda: accounts.authenticate_card_and_pin(card, pin, **where)
                       if pin else accounts.authenticate_card(card, **where),
                       with_pin=bool(pin),
                       self_registration=container.settings.terminal_card_self_registration)
    if method == "register-card":
        if not card.strip() or not username.strip() or not password:
            raise ValidationError("hold your card to the reader, then enter your login "
                                  "and password")
        return register_card(accounts, container.audit,
                             allowed=container.settings.terminal_card_self_registration,
                             card=card, username=username.strip(), password=password,
                             **where)
    if method == "id-number":
        return accounts.authenticate_id_number(id_number, **where)
    if method == "password":
        if not username.strip() or not password:
            raise ValidationError("enter your login and password")
        return accounts.authenticate_password(username.strip(), password, **where)
    raise ValidationError("sign in by card, ID number or login")


@router.post("/kiosk/{device_name}/jobs", response_class=HTMLResponse)
def kiosk_jobs(
    request: Request,
    container: Container,
    device_name: str,
    action: Annotated[str, Form(max_length=10)] = "",
    job_id: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    device = device_named(container, device_name)
    user = _signed_in(request, container, device)
    if user is None:
        return _kiosk_page(request, container, device, None, status=401,
                           error="you were signed out: sign in again")
    outcomes, status = act_on_jobs(container, user, device, action, job_id)
    return _kiosk_page(request, container, device, user, outcomes=outcomes, status=status)


@router.post("/kiosk/{device_name}/sign-out")
def kiosk_sign_out(request: Request, container: Container, device_name: str,
                   csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf)
    device = device_named(container, device_name)
    user = _signed_in(request, container, device)
    if user is not None and container.kiosk_copies.open_for(user.id, device.id):
        container.kiosk_copies.close_open_at(device, reason="signed_out")
    kiosk_session.end(request)
    return RedirectResponse(f"/kiosk/{device.name}", status_code=303)


@router.post("/kiosk/{device_name}/copy/start", response_class=HTMLResponse)
def kiosk_copy_start(request: Request, container: Container, device_name: str,
                     csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    return _copy_action(request, container, device_name, csrf,
                        lambda user, device: container.kiosk_copies.start(user.id, device))


@router.post("/kiosk/{device_name}/copy/end", response_class=HTMLResponse)
def kiosk_copy_end(request: Request, container: Container, device_name: str,
                   session_id: Annotated[str, Form(max_length=40)] = "",
                   csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    return _copy_action(request, container, device_name, csrf, lambda user, device:
                        container.kiosk_copies.end(user.id, device, session_id))


def _copy_action(request: Request, container: ServerContainer, device_name: str, csrf: str,
                 act: Callable[[Principal, Device], KioskCopySession]) -> Response:
    """Start or end: the page again, with the closed session's result or why not."""
    check_csrf(request, csrf)
    device = device_named(container, device_name)
    user = _signed_in(request, container, device)
    if user is None:
        return _kiosk_page(request, container, device, None, status=401,
                           error="you were signed out: sign in again")
    try:
        session = act(user, device)
    except PrintwardenError as exc:
        return _kiosk_page(request, container, device, user, copy_error=exc.message,
                           status=status_for(exc))
    if session.is_open:
        return RedirectResponse(f"/kiosk/{device.name}", status_code=303)
    return _kiosk_page(request, container, device, user, copy_closed=session)


def copy_summary(session: KioskCopySession | None) -> dict[str, Any] | None:
    """What the kiosk says about a closed copy session."""
    if session is None or session.is_open:
        return None
    if session.state == "flagged":
        return {"flagged": True, "text": "Your copy session was flagged for an operator "
                f"({session.flag_reason}): nothing was charged."}
    mono, colour = session.mono_pages or 0, session.colour_pages or 0
    cost = Money(session.charged_minor or 0, session.currency).format()
    pages = f"{mono + colour} page{'s' if mono + colour != 1 else ''}"
    if colour:
        pages += f" ({mono} mono, {colour} colour)"
    return {"flagged": False, "text": f"Copies charged: {pages}, {cost}.",
            "pages": mono + colour, "cost": cost}
