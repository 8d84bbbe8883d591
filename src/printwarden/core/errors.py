"""The printwarden exception hierarchy.

    PrintwardenError
     +-- ValidationError        bad input from a caller (HTTP 422)
     +-- NotFoundError          unknown id or name (HTTP 404)
     +-- ConflictError          duplicate name, state clash (HTTP 409)
     +-- PermissionDenied       authenticated but not allowed (HTTP 403)
     +-- AuthenticationFailed   bad credentials or token (HTTP 401)
     |    +-- TooManyAttempts   too many failures from here: wait ``retry_after`` s (429)
     |    +-- PinRequired       this site wants a PIN with the card (401, before any lookup)
     |    +-- UnknownToken      the token matches no row (as opposed to a revoked one)
     +-- InsufficientFunds      a limited account cannot cover a cost (HTTP 402)
     +-- ConfigurationError     settings or data directory unusable (stops a service)
     +-- ServiceUnavailable     the database cannot be reached now (HTTP 503 + Retry-After)
          +-- TokenNotReplicated  a remote does not know a token (yet): try central

Domain code raises these with a message a person can read; adapters map them.
"""

from __future__ import annotations


class PrintwardenError(Exception):
    """Base class: ``message`` is shown to the user, ``code`` is machine-readable."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(PrintwardenError):
    code = "invalid"


class NotFoundError(PrintwardenError):
    code = "not_found"


class ConflictError(PrintwardenError):
    code = "conflict"


class PermissionDenied(PrintwardenError):
    code = "forbidden"


class AuthenticationFailed(PrintwardenError):
    code = "unauthenticated"


class UnknownToken(AuthenticationFailed):
    """A token that matches nothing in this server's database. At central that is a
    refusal like any other; a remote may just not have pulled it yet
    (``TokenNotReplicated``)."""


class TooManyAttempts(AuthenticationFailed):
    """Failures from this source (for this name) came too fast: try again later."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; try again in {retry_after} s")
        self.retry_after = max(1, retry_after)


class PinRequired(AuthenticationFailed):
    """A card alone is not enough here: ask for the PIN too. Raised before the card is
    looked up, so it says nothing about whether the card is known."""

    code = "pin_required"

    def __init__(self) -> None:
        super().__init__("a PIN is required with the card")


class ConfigurationError(PrintwardenError):
    code = "configuration"


class ServiceUnavailable(PrintwardenError):
    """A dependency (the database) is unreachable for now; the caller may retry later."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CentralOnly(ServiceUnavailable):
    """Asked of a remote, something only central does: it would make a row of a replicated
    table (a token) that central never hears of. 503, so a client with a server list tries
    central; its message says so for a person."""

    code = "central_only"


class InsufficientFunds(PrintwardenError):
    """A limited account cannot cover ``needed``; ``available`` is what it can spend."""

    code = "insufficient_funds"

    def __init__(self, message: str, *, account_id: str, balance_minor: int,
                 available_minor: int, needed_minor: int, currency: str) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.balance_minor = balance_minor
        self.available_minor = available_minor
        self.needed_minor = needed_minor
        self.currency = currency


class TokenNotReplicated(ServiceUnavailable):
    """A remote was shown an agent's, terminal's or user's token it has no row for: central
    may have made it after the remote's last pull. Not a refusal (a client that took a
    401 for a revocation would drop a good token): the caller tries another server, or
    this one again once it has caught up."""

    code = "not_replicated"
