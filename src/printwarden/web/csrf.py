"""CSRF protection: a per-session token, compared in constant time.

- Form posts of the web UI carry it as the ``csrf`` field (``check_csrf``).
- REST calls authenticated by the session cookie alone, with an unsafe method (POST, PUT,
  PATCH, DELETE), must send it as the ``X-CSRF-Token`` header AND come from this site:
  ``Origin`` (or, without it, ``Referer``) must be the server's public URL or the origin
  the request was sent to (``check_api_csrf``). A browser attaches the cookie to a forged
  cross-site request, but can neither read the token nor forge ``Origin``.
- Bearer-token calls carry no ambient credential and are not concerned.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

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


CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def check_api_csrf(request: Request, public_url: str) -> None:
    """Refuse a cookie-authenticated unsafe REST call without the token or from elsewhere."""
    if request.method.upper() in SAFE_METHODS:
        return
    claimed = request.headers.get("origin") or request.headers.get("referer")
    own = {_origin_of(public_url),
           _origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")}
    if not claimed or _origin_of(claimed) not in own - {None}:
        raise PermissionDenied("cross-site request refused: a signed-in browser call must "
                               "come from this site (Origin or Referer header)")
    expected = request.session.get(CSRF_KEY)
    submitted = request.headers.get(CSRF_HEADER, "")
    if not isinstance(expected, str) or not submitted or not hmac.compare_digest(
            expected, submitted):
        raise PermissionDenied("missing or wrong X-CSRF-Token header: send the token of "
                               "this session's pages, or use a bearer token")
