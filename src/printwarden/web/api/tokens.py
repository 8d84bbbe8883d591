"""REST: API bearer tokens. Users manage their own; an admin may act for any user."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from printwarden.accounts.model import ApiToken
from printwarden.core.errors import NotFoundError, PermissionDenied
from printwarden.core.principal import Principal
from printwarden.web.api.users import actor_of
from printwarden.web.deps import AnyUser, Container, Paging

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    user_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="the bearer token; shown only in this answer")


class TokenPage(BaseModel):
    items: list[TokenOut]
    total: int
    offset: int
    limit: int


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    user_id: str | None = Field(default=None, description="admin only: whose token")


def _owner(principal: Principal, user_id: str | None) -> str:
    """Whose tokens the caller may see: their own, or anyone's for an admin."""
    if principal.kind != "user":
        raise PermissionDenied("only users have API tokens")
    if user_id is None or user_id == principal.id:
        return principal.id
    if "admin" not in principal.roles:
        raise PermissionDenied("only an administrator may manage another user's tokens")
    return user_id


@router.get("", response_model=TokenPage, summary="List API tokens (own, or user_id for admins)")
def list_tokens(container: Container, principal: AnyUser, paging: Paging,
                user_id: str | None = None) -> TokenPage:
    tokens = container.accounts.list_api_tokens(_owner(principal, user_id))
    chosen = tokens[paging.offset:paging.offset + paging.limit]
    return TokenPage(items=[TokenOut.model_validate(t) for t in chosen], total=len(tokens),
                     offset=paging.offset, limit=paging.limit)


@router.post("", response_model=TokenCreated, status_code=201,
             summary="Create an API token; the plain token is returned once")
def create_token(body: TokenCreate, container: Container, principal: AnyUser) -> TokenCreated:
    plain, token = container.accounts.create_api_token(
        _owner(principal, body.user_id), body.name, actor=actor_of(principal))
    return TokenCreated(token=plain, **TokenOut.model_validate(token).model_dump())


@router.delete("/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(token_id: str, container: Container, principal: AnyUser) -> Response:
    token: ApiToken = container.accounts.get_api_token(token_id)
    if token.user_id != principal.id and "admin" not in principal.roles:
        raise NotFoundError(f"no API token with id {token_id!r}")
    container.accounts.revoke_api_token(token_id, actor=actor_of(principal))
    return Response(status_code=204)
