"""Terminal protocol v1 (``docs/protocols/terminal.md``): what a terminal calls.

Every call but ``register`` carries the terminal's bearer token; the device a terminal
acts at is always its own (taken from its row, never from the request).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from printwarden.core.principal import Principal
from printwarden.web.deps import Container, client_source, require_roles

router = APIRouter(prefix="/api/v1/terminal", tags=["terminal protocol"])

PROTOCOL_VERSION = 1
TerminalOnly = Annotated[Principal, Depends(require_roles("terminal"))]


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40, description="the one-time enrolment code")
    hostname: str = Field(default="", max_length=255)
    version: str = Field(default="", max_length=50)


class DeviceOut(BaseModel):
    id: str
    name: str
    location: str
    color_capable: bool
    duplex_capable: bool


class RegisterOut(BaseModel):
    protocol: int = PROTOCOL_VERSION
    terminal_id: str
    token: str = Field(description="the terminal's bearer token; shown only in this answer")
    device: DeviceOut
    server_time: datetime


class HelloOut(BaseModel):
    protocol: int = PROTOCOL_VERSION
    terminal_id: str
    device: DeviceOut
    card_needs_pin: bool = Field(description="the site wants a PIN with every card")
    card_self_registration: bool = Field(
        description="an unknown card may be registered with username + password")
    idle_timeout_seconds: int
    server_time: datetime


def _device(container: Container, device_id: str) -> DeviceOut:
    device = container.devices.get_device(device_id)
    return DeviceOut(id=device.id, name=device.name, location=device.location,
                     color_capable=device.color_capable,
                     duplex_capable=device.duplex_capable)


@router.post("/register", status_code=201, response_model=RegisterOut,
             summary="Exchange a one-time terminal enrolment code for a terminal token")
def register(body: RegisterIn, container: Container, request: Request) -> RegisterOut:
    terminal, token = container.terminals.register(
        body.code, hostname=body.hostname, version=body.version,
        source=client_source(request))
    return RegisterOut(terminal_id=terminal.id, token=token,
                       device=_device(container, terminal.device_id),
                       server_time=container.clock.now())


@router.get("/hello", response_model=HelloOut,
            summary="Who this terminal is and the device it is bound to")
def hello(terminal: TerminalOnly, container: Container) -> HelloOut:
    bound = container.terminals.get_terminal(terminal.id)
    return HelloOut(terminal_id=bound.id, device=_device(container, bound.device_id),
                    card_needs_pin=not container.settings.card_alone_allowed,
                    card_self_registration=container.terminal_sessions.card_self_registration,
                    idle_timeout_seconds=container.terminal_sessions.idle_seconds,
                    server_time=container.clock.now())
