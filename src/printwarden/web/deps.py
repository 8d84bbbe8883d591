"""FastAPI dependencies: the container, the calling principal, role checks, paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Query, Request, WebSocket
from pydantic import AfterValidator

from printwarden.core.errors import AuthenticationFailed, PermissionDenied
from printwarden.core.principal import ANONYMOUS, Principal
from printwarden.web.csrf import check_api_csrf

if TYPE_CHECKING:
    from printwarden.container import ServerContainer

SESSION_USER_KEY = "user_id"


def get_container(request: Request) -> ServerContainer:
    container: ServerContainer = request.app.state.container
    return container


Container = Annotated["ServerContainer", Depends(get_container)]


def client_source(request: Request) -> str:
    """The client's address, as the throttles count it (uvicorn resolves trusted proxies)."""
    return request.client.host if request.client else ""


def current_principal(request: Request) -> Principal:
    """Bearer token (API clients, agents) first, then the web session cookie."""
    container = get_container(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("use 'Authorization: Bearer <token>'")
        return container.authenticate_bearer(token.strip(), source=client_source(request))
    session = request.scope.get("session")
    user_id = session.get(SESSION_USER_KEY) if session else None
    if user_id:
        principal = container.principal_for_user(str(user_id))
        if principal is not None:
            if request.url.path.startswith("/api/"):
                check_api_csrf(request, container.settings.effective_public_url)
            return principal
    return ANONYMOUS


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def ws_bearer_token(websocket: WebSocket) -> str:
    """A WebSocket's bearer token: ``Authorization: Bearer ...``, else ``?token=`` (for
    clients that cannot set headers); empty when neither is sent."""
    header = websocket.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() == "bearer":
        return token.strip()
    return websocket.query_params.get("token", "")


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency that lets through principals holding any of ``roles``."""

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.kind == "anonymous":
            raise AuthenticationFailed("authentication required")
        if not principal.has_role(*roles):
            raise PermissionDenied(f"needs role {' or '.join(roles)}")
        return principal

    return check


AdminOnly = Annotated[Principal, Depends(require_roles("admin"))]
StaffOnly = Annotated[Principal, Depends(require_roles("admin", "operator"))]
AnyUser = Annotated[Principal, Depends(require_roles("admin", "operator", "user"))]
AgentOnly = Annotated[Principal, Depends(require_roles("agent"))]


#: The largest list offset: beyond any table we hold, and far inside a 64-bit integer
#: (a bigger one overflowed SQLite's and PostgreSQL's integers: a 500).
MAX_OFFSET = 1_000_000_000


def _as_utc(value: datetime) -> datetime:
    """An instant in UTC; naive means UTC. ``9999-12-31T23:59:59-14:00`` is past year 9999
    in UTC: a 422, not an OverflowError."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the date is out of range once converted to UTC") from exc


#: A date-time query parameter, normalised to UTC and range-checked.
Instant = Annotated[datetime, AfterValidator(_as_utc)]


class PageParams:
    def __init__(
        self,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> None:
        self.offset = offset
        self.limit = limit


Paging = Annotated[PageParams, Depends(PageParams)]
