"""Limits the parser enforces on untrusted input."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ParserLimits"]


@dataclass(frozen=True, slots=True)
class ParserLimits:
    max_message_size: int = 1 << 20
    """Octets of header and attributes (document data excluded): request-entity-too-large."""
    max_value_length: int = 32767
    """Any one value field (the wire maximum): request-value-too-long above it."""
    max_text_length: int = 1023
    """text/name values (RFC 8011 MAX for text): request-value-too-long above it."""
    max_collection_depth: int = 16
    """Nesting of collections: bad-request above it."""
