"""The web UI, first cut: sign-in, the admin dashboard and a user's own balances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from printwarden.core.errors import AuthenticationFailed, TooManyAttempts
from printwarden.web.csrf import check_csrf
from printwarden.web.dashboard import dashboard_view, me_view
from printwarden.web.deps import SESSION_USER_KEY, Container, CurrentPrincipal, client_source
from printwarden.web.pages import page as _page

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: CurrentPrincipal, container: Container) -> Response:
    if principal.kind == "anonymous":
        return RedirectResponse("/login", status_code=303)
    if principal.has_role("admin", "operator"):
        return _page(request, "dashboard.html", principal, **dashboard_view(container))
    return _page(request, "me.html", principal, **me_view(container, principal))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: CurrentPrincipal) -> Response:
    return _page(request, "login.html", principal, error=None, username="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    container: Container,
    principal: CurrentPrincipal,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        user = container.accounts.authenticate_password(username.strip(), password,
                                                        source=client_source(request))
    except TooManyAttempts as exc:
        page = _page(request, "login.html", principal, status=429, error=exc.message,
                     username=username)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except AuthenticationFailed as exc:
        return _page(request, "login.html", principal, status=401, error=exc.message,
                     username=username)
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
