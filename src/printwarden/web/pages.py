"""Rendering of the web UI's pages: one template set, every page gets the principal, the
session's CSRF token and whether this server is a remote's replica (``replica``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from printwarden.core.principal import Principal
from printwarden.web.csrf import csrf_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def page(request: Request, name: str, principal: Principal, status: int = 200,
         **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"principal": principal, "csrf": csrf_token(request),
                        "replica": request.app.state.container.replica, **context},
        status_code=status,
    )
