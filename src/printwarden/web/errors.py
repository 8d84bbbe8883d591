"""Map domain errors and bad requests to JSON answers; never a stack trace to a client."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from printwarden.core.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConflictError,
    InsufficientFunds,
    NotFoundError,
    PermissionDenied,
    PrintwardenError,
    ServiceUnavailable,
    TooManyAttempts,
    ValidationError,
)
from printwarden.core.ids import new_id
from printwarden.db.engine import is_disconnect
from printwarden.sync.feed import ResyncRequired
from printwarden.sync.reconcile_plan import OutboxGap

log = structlog.get_logger("printwarden.web")

STATUS_BY_ERROR: dict[type[PrintwardenError], int] = {
    ValidationError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    PermissionDenied: 403,
    AuthenticationFailed: 401,
    TooManyAttempts: 429,
    ServiceUnavailable: 503,
    InsufficientFunds: 402,
    ConfigurationError: 500,
    ResyncRequired: 410,
}


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": code, "message": message, **extra}


def status_for(exc: PrintwardenError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PrintwardenError)
    extra: dict[str, object] = {}
    if isinstance(exc, InsufficientFunds):
        extra = {
            "account_id": exc.account_id,
            "balance_minor": exc.balance_minor,
            "available_minor": exc.available_minor,
            "needed_minor": exc.needed_minor,
            "currency": exc.currency,
        }
    field_name = getattr(exc, "field", None)
    if isinstance(exc, ValidationError) and isinstance(field_name, str):  # e.g. RuleInvalid
        extra = {"fields": [{"field": field_name, "reason": str(getattr(exc, "reason", ""))}]}
    if isinstance(exc, OutboxGap):
        extra = {"acked_through": exc.acked_through}
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationFailed) else None
    if isinstance(exc, TooManyAttempts | ServiceUnavailable):
        headers = {"Retry-After": str(exc.retry_after)}
        extra = {"retry_after": exc.retry_after}
    body = error_body(exc.code, exc.message, **extra)
    return JSONResponse(body, status_for(exc), headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "reason": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{f['field']}: {f['reason']}" for f in fields[:5])
    return JSONResponse(error_body("invalid", f"invalid request: {summary}", fields=fields), 422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "too_large", 429: "too_many_attempts", 503: "unavailable"}
    return JSONResponse(
        error_body(code.get(exc.status_code, "http_error"), str(exc.detail)),
        exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A lost database connection outside ``Database.run``'s retries: 503, one warning line."""
    assert isinstance(exc, DBAPIError)
    if not is_disconnect(exc):
        return await _unexpected(request, exc)
    detail = str(exc.orig or exc).strip().splitlines()
    log.warning("database_unavailable", path=request.url.path,
                error=detail[0] if detail else "")
    return JSONResponse(error_body("unavailable", "the database cannot be reached right now; "
                                   "try again in a few seconds", retry_after=5), 503,
                        headers={"Retry-After": "5"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    incident = new_id()
    log.error("unhandled_error", incident=incident, path=request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal", f"internal error (incident {incident})"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PrintwardenError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
