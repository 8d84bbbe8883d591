"""The exception hierarchy of ``printwarden.ipp``.

    IppError(status, message)   every error carries the IPP status the server should answer
     +-- IppParseError          the bytes are not a valid IPP message (decode, IppParser):
     |                          client-error-bad-request, -request-entity-too-large or
     |                          -request-value-too-long
     +-- IppEncodeError         a message cannot be put on the wire (a bug on our side):
     |                          server-error-internal-error
     +-- IppRequestError        a well-formed request that RFC 8011 section 4.1 refuses
                                (request.validate_request): bad-request,
                                version-not-supported, charset-not-supported, ...

Decoding raises nothing but ``IppParseError``, whatever the input.
"""

from __future__ import annotations

from printwarden.ipp.status import StatusCode

__all__ = ["IppEncodeError", "IppError", "IppParseError", "IppRequestError"]


class IppError(Exception):
    """Base class: ``status`` is the IPP status code to answer, ``message`` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = int(status)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status=0x{self.status:04x})"


class IppParseError(IppError):
    """``IppParseError(status, message)``; bad-request unless a limit was exceeded."""


class IppEncodeError(IppError):
    """``IppEncodeError(message)``: always server-error-internal-error."""

    def __init__(self, message: str) -> None:
        super().__init__(StatusCode.SERVER_ERROR_INTERNAL_ERROR, message)


class IppRequestError(IppError):
    """``IppRequestError(status, message)`` from request validation."""
