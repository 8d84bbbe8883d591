"""FastAPI dependencies: the container, the calling principal, role checks, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Query, Request

from printwarden.core.errors import AuthenticationFailed, PermissionDenied
from printwarden.core.principal import ANONYMOUS, Principal

if TYPE_CHECKING:
    from printwarden.container import ServerContainer

SESSION_USER_KEY = "user_id"


def get_container(request: Request) -> ServerContainer:
    container: ServerContainer = request.app.state.container
    return container


Container = Annotated["ServerContainer", Depends(get_container)]


def current_principal(request: Request) -> Principal:
    """Bearer token (API clients, agents) first, then the web session cookie."""
    container = get_container(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("use 'Authorization: Bearer <token>'")
        return container.authenticate_bearer(token.strip())
    session = request.scope.get("session")
    user_id = session.get(SESSION_USER_KEY) if session else None
    if user_id:
        principal = container.principal_for_user(str(user_id))
        if principal is not None:
            return principal
    return ANONYMOUS


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


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


class PageParams:
    def __init__(
        self,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> None:
        self.offset = offset
        self.limit = limit


Paging = Annotated[PageParams, Depends(PageParams)]
