"""REST: a user's PIN and ID number, set by an admin or by the user himself.

    PUT    /api/v1/users/{id}/pin        {pin | null}        admin: set or clear the PIN
    POST   /api/v1/users/{id}/id-number                      admin: generate (201, shown once)
    PUT    /api/v1/users/{id}/id-number  {id_number}         admin: set a chosen one
    DELETE /api/v1/users/{id}/id-number                      admin: remove it
    PUT    /api/v1/me/pin                {pin | null, current_password}
    POST   /api/v1/me/id-number          {current_password}  (201, shown once)

A user who has a password confirms it to change his own PIN or ID number (a stolen
session cannot mint a credential that prints as him); the check is the sign-in's, with
its throttles. An answer carrying an ID number is ``Cache-Control: no-store``: the number
is never shown again, only ``has_id_number`` on the user.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from printwarden.container import ServerContainer
from printwarden.core.errors import PermissionDenied, ValidationError
from printwarden.core.principal import Principal
from printwarden.web.api.users import Pin, actor_of
from printwarden.web.deps import AdminOnly, AnyUser, Container, client_source

router = APIRouter(prefix="/api/v1", tags=["users"])

#: ASCII digits; the length rule (``id_number_length``) is the server's, checked there.
IdNumber = Annotated[str, Field(min_length=8, max_length=18, pattern=r"^[0-9]+$")]
CurrentPassword = Annotated[str | None, Field(
    default=None, max_length=1024, description="the caller's password, if he has one")]


class PinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: Pin | None = Field(description="4-8 digits, or null to remove the PIN")


class MyPinBody(PinBody):
    current_password: CurrentPassword = None


class IdNumberBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: IdNumber = Field(description="id_number_length to 18 ASCII digits, unique")


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: CurrentPassword = None


class IdNumberOut(BaseModel):
    id_number: str = Field(description="the new ID number; shown only in this answer")


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


@router.put("/users/{user_id}/pin", status_code=204,
            summary="Set or remove (null) a user's PIN")
def set_pin(user_id: str, body: Annotated[PinBody, Body()], container: Container,
            admin: AdminOnly) -> Response:
    container.accounts.set_pin(user_id, body.pin, actor=actor_of(admin))
    return Response(status_code=204)


@router.post("/users/{user_id}/id-number", response_model=IdNumberOut, status_code=201,
             summary="Generate a user's ID number (replaces his old one; shown once)")
def generate_id_number(user_id: str, response: Response, container: Container,
                       admin: AdminOnly) -> IdNumberOut:
    number = container.accounts.generate_id_number(user_id, actor=actor_of(admin))
    _no_store(response)
    return IdNumberOut(id_number=number)


@router.put("/users/{user_id}/id-number", status_code=204,
            summary="Give a user an ID number chosen by the admin")
def set_id_number(user_id: str, body: IdNumberBody, container: Container,
                  admin: AdminOnly) -> Response:
    container.accounts.set_id_number(user_id, body.id_number, actor=actor_of(admin))
    return Response(status_code=204)


@router.delete("/users/{user_id}/id-number", status_code=204,
               summary="Remove a user's ID number")
def clear_id_number(user_id: str, container: Container, admin: AdminOnly) -> Response:
    container.accounts.clear_id_number(user_id, actor=actor_of(admin))
    return Response(status_code=204)


def confirm_self(container: ServerContainer, principal: Principal, password: str | None,
                 source: str) -> str:
    """The calling user's id, once he has confirmed his password (if he has one)."""
    if principal.kind != "user":
        raise PermissionDenied("only users have a PIN or an ID number")
    user = container.accounts.get_user(principal.id)
    if user.has_password:
        if not password:
            raise ValidationError("confirm with your current password (current_password)")
        container.accounts.authenticate_password(user.username, password, source=source)
    return user.id


@router.put("/me/pin", status_code=204, summary="Set or remove (null) my own PIN")
def set_my_pin(body: Annotated[MyPinBody, Body()], request: Request, container: Container,
               principal: AnyUser) -> Response:
    user_id = confirm_self(container, principal, body.current_password,
                           client_source(request))
    container.accounts.set_pin(user_id, body.pin, actor=actor_of(principal))
    return Response(status_code=204)


@router.post("/me/id-number", response_model=IdNumberOut, status_code=201,
             summary="Generate my own ID number (replaces the old one; shown once)")
def generate_my_id_number(body: Annotated[ConfirmBody, Body()], request: Request,
                          response: Response, container: Container,
                          principal: AnyUser) -> IdNumberOut:
    user_id = confirm_self(container, principal, body.current_password,
                           client_source(request))
    number = container.accounts.generate_id_number(user_id, actor=actor_of(principal))
    _no_store(response)
    return IdNumberOut(id_number=number)
