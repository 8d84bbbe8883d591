"""The ``me`` page's forms for signing in at a printer: set or remove the PIN, make an ID
number (shown once, in the answer to the form, never again).

Each form carries the CSRF token and, for a user who has a password, that password: the
same rule as ``PUT /api/v1/me/pin`` and ``POST /api/v1/me/id-number``
(``web/api/pins_and_id_numbers.py``). A refused form comes back with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from printwarden.accounts.model import validate_pin
from printwarden.container import ServerContainer
from printwarden.core.errors import PrintwardenError, TooManyAttempts
from printwarden.core.principal import Principal
from printwarden.web.api.pins_and_id_numbers import confirm_self
from printwarden.web.api.users import actor_of
from printwarden.web.csrf import check_csrf
from printwarden.web.dashboard import me_view
from printwarden.web.deps import Container, CurrentPrincipal, client_source
from printwarden.web.errors import status_for
from printwarden.web.pages import page as _page

router = APIRouter(include_in_schema=False)


def _answer(request: Request, container: ServerContainer, principal: Principal,
            status: int = 200, **shown: Any) -> Response:
    page = _page(request, "me.html", principal, status=status,
                 **me_view(container, principal), **shown)
    page.headers["Cache-Control"] = "no-store"
    return page


def _refused(request: Request, container: ServerContainer, principal: Principal,
             exc: PrintwardenError) -> Response:
    page = _answer(request, container, principal, status=status_for(exc),
                   sign_in_error=exc.message)
    if isinstance(exc, TooManyAttempts):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


@router.post("/me/pin")
def set_my_pin(request: Request, container: Container, principal: CurrentPrincipal,
               pin: Annotated[str, Form(max_length=100)] = "",
               current_password: Annotated[str, Form(max_length=1024)] = "",
               action: Annotated[str, Form(max_length=10)] = "set",
               csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    if principal.kind == "anonymous":
        return RedirectResponse("/login", status_code=303)
    try:
        new_pin = None if action == "clear" else validate_pin(pin)
        user_id = confirm_self(container, principal, current_password,
                               client_source(request))
        container.accounts.set_pin(user_id, new_pin, actor=actor_of(principal))
    except PrintwardenError as exc:
        return _refused(request, container, principal, exc)
    done = "Your PIN was removed." if action == "clear" else "Your PIN was set."
    return _answer(request, container, principal, sign_in_done=done)


@router.post("/me/id-number")
def make_my_id_number(request: Request, container: Container, principal: CurrentPrincipal,
                      current_password: Annotated[str, Form(max_length=1024)] = "",
                      csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    if principal.kind == "anonymous":
        return RedirectResponse("/login", status_code=303)
    try:
        user_id = confirm_self(container, principal, current_password,
                               client_source(request))
        number = container.accounts.generate_id_number(user_id, actor=actor_of(principal))
    except PrintwardenError as exc:
        return _refused(request, container, principal, exc)
    return _answer(request, container, principal, new_id_number=number)
