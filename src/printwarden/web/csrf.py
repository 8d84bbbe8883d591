"""CSRF protection for form posts: a per-session token, compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from printwarden.core.errors import PermissionDenied

CSRF_KEY = "csrf"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(CSRF_KEY)
    if not isinstance(expected, str) or not submitted or not hmac.compare_digest(
        expected, submitted
    ):
        raise PermissionDenied("the form expired or did not come from this site; reload the page")
