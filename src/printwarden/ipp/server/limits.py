"""Limits the IPP server enforces on every request."""

from __future__ import annotations

from dataclasses import dataclass, field

from printwarden.ipp.limits import ParserLimits

__all__ = ["ServerLimits"]


@dataclass(frozen=True, slots=True)
class ServerLimits:
    parser: ParserLimits = field(default_factory=ParserLimits)
    """Header and attributes (max_message_size): client-error-request-entity-too-large."""
    max_document_octets: int = 1 << 30
    """Document data, on the wire and decompressed: client-error-request-entity-too-large."""
    drain_octets: int = 1 << 20
    """After answering early, read at most this much of the rest of the body to keep the
    connection; beyond it the connection is closed."""
